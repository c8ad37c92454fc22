"""The search page's lists and the articles page, in-process (test client) on the real ingested corpus."""

import csv
import io
import re

import pytest

from conftest import SEED_ID


def test_autocomplete_offers_names_and_aliases_by_prefix(client):
    names = client.get("/api/complete?q=tang").get_json()["completions"]
    assert names[0]["name"] == "Tang Daosheng" and names[0]["url"] == "/entity/person/daosheng-tang"
    # at a word start, not only the name's start; one entry an entity
    assert [c["name"] for c in client.get("/api/complete?q=xiaob").get_json()["completions"]][:1] == ["Wu Xiaobo"]
    tom = client.get("/api/complete?q=Tom+T").get_json()["completions"]
    assert [(c["name"], c["alias_of"], c["url"]) for c in tom] == [("Tom Tang", "Tang Daosheng",
                                                                    "/entity/person/daosheng-tang")]
    # the most mentioned first among names that start alike, each entity once, at most 20
    qq = client.get("/api/complete?q=qq&limit=50").get_json()["completions"]
    assert 3 < len(qq) <= 20 and [c["mentions"] for c in qq] == sorted((c["mentions"] for c in qq), reverse=True)
    assert len({c["key"] for c in qq}) == len(qq) and "QQ groups" in [c["name"] for c in qq]
    assert len(client.get("/api/complete?q=qq&limit=2").get_json()["completions"]) == 2
    assert client.get("/api/complete?q=").get_json()["completions"] == []
    long = client.get("/api/complete", query_string={"q": "x" * 101})
    assert long.status_code == 400 and "at most 100 characters" in long.get_json()["error"]
    assert client.get("/api/complete?q=tang&limit=two").status_code == 400


def test_search_box_is_wired_to_the_autocomplete(client):
    for path in ["/search?q=tencent", "/"]:
        html = client.get(path).get_data(as_text=True)
        assert 'list="top-q-names"' in html and '<datalist id="top-q-names">' in html
        assert "/static/search.js" in html
    assert 'data-complete="q-names"' in client.get("/search?q=tencent").get_data(as_text=True)


def test_result_chips_lead_with_the_articles_main_entities(client):
    data = client.get("/api/search?q=tencent").get_json()
    seed = next(h for h in data["hits"] if h["id"] == SEED_ID)
    first = [e["name"] for e in seed["entities"][:3]]
    # named in the title ("... Tencent QQ connected the three horses"), then the most mentioned
    assert first[:2] == ["Tencent QQ", "Tencent"], first
    rest = seed["entities"][3:]
    in_title = [e for e in rest if e["name"].lower() in seed["title"].lower()]
    after = [e["mentions"] for e in rest[len(in_title):]]
    assert after == sorted(after, reverse=True)
    assert "QQ groups" in [e["name"] for e in seed["entities"][:12]]
    html = client.get("/search?q=tencent").get_data(as_text=True)
    assert f'href="/article/{SEED_ID}#entities">{len(seed["entities"]) - 12} more</a>' in html


def test_result_chips_count_the_mentions_the_graph_holds(app, client):
    """The chips' mention counts come from the index (written with the article); they are the graph's."""
    from commgraph import lookup

    svc = app.extensions["commgraph"]
    data = client.get("/api/search?q=tencent OR groups&page_size=50").get_json()
    iris = [str(svc.minter.article(h["id"])) for h in data["hits"]]
    graph = {(a.rsplit("/", 1)[-1], svc.minter.entity_key(e)): n
             for (a, e), n in lookup.mention_counts(svc.generation().store, iris).items()}
    shown = {(h["id"], e["key"]): e["mentions"] for h in data["hits"] for e in h["entities"]}
    assert len(data["hits"]) >= 3 and sum(shown.values()) > len(shown)
    assert shown == {k: graph.get(k, 0) for k in shown}


def test_facets_show_five_a_type_and_the_rest_behind_more(client):
    data = client.get("/api/search?q=tencent").get_json()
    html = client.get("/search?q=tencent").get_data(as_text=True)
    aside = html[html.index('<aside class="facets"'):]
    assert 'id="facet-filter"' in aside
    for type_, bucket in data["facets"].items():
        group = aside[aside.index(f"<h3>{type_} "):]
        group = group[:group.index("</div>\n")]
        visible = group.split('<details class="more">')[0]
        assert visible.count('class="facet"') == min(5, len(bucket))
        if len(bucket) > 5:
            assert f"<summary>{len(bucket) - 5} more" in group and group.count('class="facet"') == len(bucket)
    assert max(len(b) for b in data["facets"].values()) > 5  # the test saw a "more"
    assert 'href="#facets"' in html and 'id="facets"' in html  # a link skips the results to the facets


@pytest.fixture
def paged_client(corpus_data):
    """The same corpus served with one result a page, so a search has several pages."""
    from commgraph.server import create_app
    from commgraph.settings import Settings

    app = create_app(Settings.create(data_dir=corpus_data.data_dir, page_size=1))
    app.config["TESTING"] = True
    yield app.test_client()
    app.extensions["commgraph"].close()


def test_search_pages_are_numbered(paged_client):
    data = paged_client.get("/api/search?q=tencent&from=2015").get_json()
    assert data["total"] >= 3 and data["last_page"] == data["total"]
    html = paged_client.get("/search?q=tencent&from=2015&page=2").get_data(as_text=True)
    pager = html[html.index('<nav class="pager"'):]
    pager = pager[:pager.index("</nav>")]
    numbers = re.findall(r'aria-label="Page (\d+)"', pager)
    assert numbers[:3] == ["1", "2", "3"] and numbers[-1] == str(data["last_page"])
    assert re.search(r'href="/search\?q=tencent&amp;from=2015&amp;page=2" aria-label="Page 2" aria-current="page"', pager)
    assert "from=2015" in pager.split("Previous")[0] and 'rel="next"' in pager  # the filters stay on every page
    assert paged_client.get("/search?q=tencent&page=1").get_data(as_text=True).count('aria-current="page"') == 1


def test_numbered_pages_leave_gaps_in_a_long_list():
    from commgraph.server.views import _page_numbers

    assert _page_numbers(1, 1) == [1]
    assert _page_numbers(6, 20) == [1, None, 4, 5, 6, 7, 8, None, 20]
    assert _page_numbers(2, 5) == [1, 2, 3, 4, 5]
    assert _page_numbers(99, 4) == [1, 2, 3, 4]


@pytest.mark.parametrize("q, words", [("QQ*", "wildcards"), ("tencent~2", "fuzzy matching"), ("qq^2", "boosts"),
                                      ("title:qq", "title:")])
def test_unsupported_syntax_is_named(client, q, words):
    data = client.get("/api/search", query_string={"q": q}).get_json()
    assert words in data["syntax_note"]
    html = client.get("/search", query_string={"q": q}).get_data(as_text=True)
    assert '<p class="notice syntax-note">Not supported: ' in html and words in html


@pytest.mark.parametrize("q", ["tencent", '"what?"', 'person:"Tang Daosheng"', "lang:zh 腾讯"])
def test_supported_syntax_gets_no_note(client, q):
    assert client.get("/api/search", query_string={"q": q}).get_json()["syntax_note"] is None


def test_search_results_download_as_csv(client):
    data = client.get("/api/search?q=tencent").get_json()
    response = client.get("/api/search?q=tencent&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert list(rows[0]) == ["article", "title", "date", "url", "score", "snippet"]
    assert [r["article"] for r in rows] == [h["id"] for h in data["hits"]]
    seed = next(r for r in rows if r["article"] == SEED_ID)
    assert seed["url"].endswith(f"/article/{SEED_ID}") and float(seed["score"]) > 0
    assert "Tencent" in seed["snippet"] and "<b" not in seed["snippet"] and "&#34;" not in seed["snippet"]
    html = client.get("/search?q=tencent&lang=en").get_data(as_text=True)
    assert 'href="/api/search?q=tencent&amp;lang=en&amp;format=csv"' in html
    bad = client.get("/api/search?q=tencent&format=xml")
    assert bad.status_code == 400 and "'json' or 'csv'" in bad.get_json()["error"]



def test_articles_page_lists_sorts_and_filters(client):
    everything = client.get("/api/articles").get_json()
    ids = [a["id"] for a in everything["articles"]]
    assert everything["total"] == len(ids) >= 4 and SEED_ID in ids
    dates = [a["date"] for a in everything["articles"] if a["date"]]
    assert dates == sorted(dates, reverse=True) and everything["articles"][-1]["date"] is None  # undated last
    by_title = client.get("/api/articles?sort=title").get_json()["articles"]
    titles = [a["headline"].lower() for a in by_title]
    assert titles == sorted(titles) and by_title[0]["url"] == f"/article/{by_title[0]['id']}"
    assert [a["headline"] for a in client.get("/api/articles?sort=title&order=desc").get_json()["articles"]] == [
        a["headline"] for a in reversed(by_title)]
    sources = {s["source"]: s["count"] for s in everything["sources"]}
    assert sources["example.org"] == 1 and sources["(local file)"] >= 2  # the JSON record's URL gives its host
    site = client.get("/api/articles?source=example.org").get_json()
    assert [a["id"] for a in site["articles"]] == ["test-fixture-community-report"]
    local = client.get("/api/articles", query_string={"source": "(local file)"}).get_json()
    assert local["total"] == sources["(local file)"] and SEED_ID in [a["id"] for a in local["articles"]]
    dated = client.get("/api/articles?from=2016&to=2016-06").get_json()["articles"]
    assert [a["id"] for a in dated] == ["test-fixture-community-report"]  # 2016-01-15; 2016-08-10 is after June
    assert client.get("/api/articles?lang=en").get_json()["total"] == everything["total"]
    assert client.get("/api/articles?lang=zh").get_json()["total"] == 0


def test_articles_page_renders_with_nav_link_sort_headers_and_pages(client, corpus_data):
    html = client.get("/articles?sort=title").get_data(as_text=True)
    assert '<a href="/articles">Articles</a>' in html  # in the nav of every page
    assert '<a href="/articles">Articles</a>' in client.get("/").get_data(as_text=True)
    assert 'aria-sort="ascending"' in html and 'href="/articles?sort=title&amp;order=desc"' in html
    assert f'href="/article/{SEED_ID}"' in html and '<option value="example.org" >example.org (1)</option>' in html
    assert "&lt;script&gt;" in html and "<script>alert" not in html
    empty = client.get("/articles?source=nowhere.example").get_data(as_text=True)
    assert "No article matches these filters" in empty
    past = client.get("/articles?page=9").get_data(as_text=True)
    assert "Page 9 is past the last page" in past


@pytest.mark.parametrize("query, words", [("sort=size", "parameter sort"), ("order=up", "parameter order"),
                                          ("from=2016-13-45", "not a date"), ("lang=zh&lang=en", "one language"),
                                          ("page=x", "whole number")])
def test_articles_page_bad_parameters_are_clear_400s(client, query, words):
    response = client.get("/api/articles?" + query)
    assert response.status_code == 400 and words in response.get_json()["error"]
    assert client.get("/articles?" + query).status_code == 400


def test_articles_are_paginated(corpus_data, monkeypatch):
    from commgraph.server import create_app, views

    monkeypatch.setattr(views, "ARTICLES_PER_PAGE", 2)
    app = create_app(corpus_data)
    try:
        client = app.test_client()
        first, second = (client.get(f"/api/articles?sort=title&page={n}").get_json() for n in (1, 2))
        assert len(first["articles"]) == 2 and first["last_page"] == -(-first["total"] // 2) >= 2
        assert not {a["id"] for a in first["articles"]} & {a["id"] for a in second["articles"]}
        html = client.get("/articles?sort=title&page=2").get_data(as_text=True)
        assert 'href="/articles?sort=title&amp;page=2" aria-label="Page 2" aria-current="page"' in html
    finally:
        app.extensions["commgraph"].close()


def _hrefs(html: str) -> list[str]:
    return re.findall(r'(?:href|action|src)="(/[^"]*)"', html)


PAGES_WITH_LINKS = ["/", "/search?q=tencent&entity=person/jian-zhao", "/search?q=tencent", "/articles",
                    "/entity/organization/tencent", "/entity/person/daosheng-tang", f"/article/{SEED_ID}", "/figures",
                    f"/figure/{SEED_ID}/0", "/sparql", "/entity/person/nobody-at-all"]


def test_page_urls_follow_the_apps_mount_point(client):
    """Built with url_for, every link, form and asset of a page follows the app when it is mounted under a
    prefix (SCRIPT_NAME, as behind a proxy at /commgraph/); hard-coded "/search" or "/entity/..." did not."""
    for path in PAGES_WITH_LINKS:
        html = client.get(path, base_url="http://localhost/commgraph/").get_data(as_text=True)
        outside = [h for h in _hrefs(html) if not h.startswith("/commgraph/")]
        assert outside == [], (path, outside[:5])


def test_every_link_on_the_pages_answers(client):
    """The URLs the pages build (the same as before url_for) lead somewhere: no link answers 404 or 500."""
    seen: set[str] = set()
    for path in PAGES_WITH_LINKS:
        for href in _hrefs(client.get(path).get_data(as_text=True)):
            href = href.replace("&amp;", "&").split("#")[0]
            if href in seen or href.startswith("/static/"):
                continue
            seen.add(href)
            status = client.get(href).status_code
            assert status in (200, 204), (path, href, status)
    assert {"/search?q=tencent&entity=person/jian-zhao", "/entity/person/daosheng-tang", f"/article/{SEED_ID}",
            "/articles", "/figures", "/sparql", "/api/stats"} <= seen | {"/search?q=tencent&entity=person/jian-zhao"}


# --- no input is a 500 (as tests/test_hostile_input.py does for the other pages) ---

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_hostile_input import HOSTILE_TEXT, RAW, no_5xx  # noqa: E402

FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@FUZZ
@given(q=st.one_of(HOSTILE_TEXT, RAW), limit=st.one_of(st.just(""), HOSTILE_TEXT, st.integers(-5, 10**9).map(str)))
def test_complete_never_5xx(app, q, limit):
    client = app.test_client()
    response = client.get("/api/complete", query_string={"q": q, "limit": limit} if limit else {"q": q})
    no_5xx(response, f"/api/complete q={q!r} limit={limit!r}")
    if response.status_code == 200:
        assert len(response.get_json()["completions"]) <= 20


@FUZZ
@given(source=HOSTILE_TEXT, lang=HOSTILE_TEXT, sort=st.sampled_from(["", "date", "title", "x"]),
       order=st.sampled_from(["", "asc", "desc", "up"]), page=st.one_of(st.just(""), HOSTILE_TEXT),
       date=st.one_of(st.just(""), st.sampled_from(["2015", "2016-02", "2015-08-06", "9999-99-99"]), HOSTILE_TEXT))
def test_articles_filters_never_5xx(app, source, lang, sort, order, page, date):
    client = app.test_client()
    args = {k: v for k, v in {"source": source, "lang": lang, "sort": sort, "order": order, "page": page,
                              "from": date, "to": date}.items() if v}
    no_5xx(client.get("/articles", query_string=args), f"/articles {args!r}")
    no_5xx(client.get("/api/articles", query_string=args), f"/api/articles {args!r}")


@FUZZ
@given(q=HOSTILE_TEXT, fmt=st.sampled_from(["csv", "json", "", "xml"]))
def test_search_csv_never_5xx(app, q, fmt):
    no_5xx(app.test_client().get("/api/search", query_string={"q": q, "format": fmt}), f"/api/search csv q={q!r}")
