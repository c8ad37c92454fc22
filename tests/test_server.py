"""The Flask app in-process (test client): pages, JSON twins, linked data, errors, headers, XSS."""

import json
import re
from html.parser import HTMLParser

import pytest

from commgraph.queries import example_queries

from conftest import SEED_ID

PAGES = ["/", "/search?q=interest+tribes", "/entity/person/daosheng-tang", f"/article/{SEED_ID}", "/figures",
         f"/figure/{SEED_ID}/0", "/sparql"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_render_with_security_headers(client, path):
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, response.data[:300]
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    html = response.get_data(as_text=True)
    assert not re.search(r"<script>(?!</script>)", html), "inline script found"
    assert not re.search(r"(src|href)=\"https?://", html), "external asset referenced"


@pytest.mark.parametrize("path", ["/api/search?q=tribes", "/api/entity/person/daosheng-tang", f"/api/article/{SEED_ID}",
                                  "/api/figures", f"/api/figure/{SEED_ID}/0", "/api/stats", "/api/articles"])
def test_every_page_has_a_json_twin(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.is_json


def test_search_api_finds_the_article_with_a_highlight(client):
    data = client.get("/api/search?q=interest+tribes").get_json()
    seed = next(h for h in data["hits"] if h["id"] == SEED_ID)
    assert '<b class="match' in seed["snippet"]
    assert client.get("/api/search?q=vampire").get_json()["total"] == 0


def test_alias_query_shows_the_entity_card(client):
    data = client.get('/api/search?q="Tom Tang"').get_json()
    assert [c["name"] for c in data["entity_cards"]] == ["Tang Daosheng"]


def test_facet_filter_narrows_results(client):
    everything = client.get("/api/search?q=tencent").get_json()
    assert everything["total"] >= 2
    person = next(f for f in everything["facets"]["Person"] if f["key"] == "person/jian-zhao")
    assert everything["facet_types"]["Person"] >= person["count"]
    narrowed = client.get("/api/search?q=tencent&entity=person/jian-zhao").get_json()
    assert narrowed["total"] == person["count"] < everything["total"]


@pytest.mark.parametrize("q", ['"', "((((", "(" * 2000, "tribes)", "*", "?????", "a" * 5000, "\x00"])
def test_odd_search_input_is_never_a_500(client, q):
    assert client.get("/search", query_string={"q": q}).status_code == 200
    assert client.get("/api/search", query_string={"q": q}).status_code == 200


def test_health_checks_graph_and_index(client):
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and health["graph"] is True and health["indexed"] == 4


def test_bad_parameters_are_clear_400s(client):
    response = client.get("/api/search?q=x&page=abc")
    assert response.status_code == 400 and "page" in response.get_json()["error"]
    assert client.get("/api/search?q=x&from=yesterday").status_code == 400


def test_entity_page_shows_roles_figures_quotes_and_mentions(client):
    data = client.get("/api/entity/person/daosheng-tang").get_json()
    assert data["name"] == "Tang Daosheng" and "Tom Tang" in data["aliases"]
    assert any(r["title"] == "senior executive vice president" and r["orgName"] == "Tencent" for r in data["roles"])
    assert len(data["quotes"]) >= 3  # two in the seed, one in the follow-up fixture
    assert {m["article"].rsplit("/", 1)[-1] for m in data["mentions"]} >= {SEED_ID, "test-fixture-qq-tribes-followup"}
    groups = client.get("/api/entity/product/qq-groups").get_json()
    mau = [f for f in groups["figures"] if f["valueText"] == "380 million"]
    assert mau and "monthly active users of QQ groups has reached 380 million" in mau[0]["sentence"]


def test_entity_iri_is_linked_data(client):
    turtle = client.get("/entity/person/daosheng-tang", headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle" and b"Tang Daosheng" in turtle.data
    jsonld = client.get("/entity/person/daosheng-tang", headers={"Accept": "application/ld+json"})
    assert jsonld.mimetype == "application/ld+json"
    assert any("Tang Daosheng" in json.dumps(node) for node in jsonld.get_json())


def test_missing_things_are_friendly_404s(client):
    page = client.get("/entity/person/nobody", headers={"Accept": "text/html"})
    assert page.status_code == 404 and b"Not found" in page.data
    assert client.get("/api/entity/person/nobody").get_json()["status"] == 404
    assert client.get("/api/article/none").status_code == 404


class _Tags(HTMLParser):
    """Collects every element and attribute a browser would build from a page."""

    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append("inline <script>")
        if tag in ("svg", "iframe", "object", "embed") or (tag == "img" and dict(attrs).get("src") == "x"):
            self.problems.append(f"<{tag}> from article text")
        self.problems += [f"{tag} {name}=" for name in names if name.startswith("on")]


@pytest.mark.parametrize("path", ["/article/xss-article", "/search?q=probe", "/search?q=<script>alert(1)</script>",
                                  "/figures", "/", "/entity/product/weibo", "/sparql?q=<script>alert(1)</script>"])
def test_article_text_is_never_markup(client, path):
    html = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
    parser = _Tags()
    parser.feed(html)
    assert parser.problems == []
    assert "XSS probe" in client.get("/api/search?q=probe").get_data(as_text=True)  # the probe was indexed


def test_json_twins_are_not_sniffable(client):
    response = client.get("/api/article/xss-article")
    assert response.mimetype == "application/json" and response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("example", example_queries(), ids=lambda e: e.id)
def test_example_queries_return_rows(client, example):
    response = client.post("/sparql", data={"query": example.text}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.data
    rows = response.get_json()["results"]["bindings"]
    assert rows, f"{example.id} returned no rows"


def test_at_least_twelve_examples():
    assert len(example_queries()) >= 12


def test_server_process_freezes_long_lived_objects_until_the_next_generation(settings, extractor, tmp_path):
    """`freeze_heap` (the gunicorn worker's app) hides what is alive once a generation opens from full garbage
    collections, and lets it go again when ingest publishes the next generation."""
    import gc
    import weakref

    from commgraph.pipeline import ingest
    from commgraph.server import create_app, services

    from conftest import SEED

    ingest([SEED], settings, extractor=extractor)
    app = create_app(settings, freeze_heap=True)
    gc.unfreeze()
    try:
        first = services(app).generation()
        assert gc.get_freeze_count() > 1000
        first.__dict__["cycle"] = first  # only the cyclic collector can free it, and only if it is not frozen
        gone = weakref.ref(first)
        del first
        more = tmp_path / "more.txt"
        more.write_text("More\n\nTencent said QQ groups grew.\n")
        ingest([more], settings, extractor=extractor)
        second = services(app).generation()
        assert gc.get_freeze_count() == 0 and gone() is not None  # unfrozen; collected by the next full pass
        gc.collect()
        assert gone() is None
        assert services(app).generation() is second and gc.get_freeze_count() > 1000  # frozen again
        assert create_app(settings).extensions["commgraph"].freeze_heap is False  # tests and embedding: off
    finally:
        gc.unfreeze()


def test_entity_names_are_looked_up_once_per_generation(app):
    from commgraph.server import services

    svc = services(app)
    gen = svc.generation()
    gen._names.clear()
    keys = ["person/daosheng-tang", "organization/tencent", "person/no-such-entity"]
    assert gen.entity_names(keys, svc.minter) == {"person/daosheng-tang": "Tang Daosheng",
                                                  "organization/tencent": "Tencent"}
    assert set(gen._names) == set(keys)  # the unknown key is remembered as unnamed, not asked again
    gen._names["organization/tencent"] = "cached"
    assert gen.entity_names(keys[1:2], svc.minter) == {"organization/tencent": "cached"}
    gen._names.clear()


def test_pages_say_how_sure_a_figure_is(client):
    figures = client.get("/api/figures").get_json()["figures"]
    assert figures and all(f["method"] and 0 < f["confidence"] <= 1 for f in figures)
    assert any(f["canonical"] == "monthly active users" for f in figures)
    unsure = [f for f in figures if f["confidence"] < 0.5]
    page = client.get("/figures").get_data(as_text=True)
    assert ("uncertain" in page) == bool(unsure)
    sure = next(f for f in figures if f["confidence"] >= 0.5)
    detail = client.get(sure["url"]).get_data(as_text=True)
    assert "Found by" in detail and sure["method"].split(";")[0] in detail


def test_labels_name_entity_article_and_figure_iris(client, app):
    """/api/labels: the SPARQL page's names and links for IRIs in results; foreign or malformed IRIs are left out."""
    from commgraph.server import services

    minter = services(app).minter
    person, article = str(minter.entity("person/daosheng-tang")), str(minter.article(SEED_ID))
    figure = str(minter.part(SEED_ID, "figure", 0))
    response = client.post("/api/labels", data={"iri": [person, article, figure, "https://schema.org/Person",
                                                        minter.base + "entity/person/x> } DROP ALL {"]})
    labels = response.get_json()["labels"]
    assert labels[person] == {"name": "Tang Daosheng", "url": "/entity/person/daosheng-tang"}
    assert labels[article]["url"] == f"/article/{SEED_ID}" and "Tencent" in labels[article]["name"]
    assert labels[figure]["url"] == f"/figure/{SEED_ID}/0"
    assert len(labels) == 3
    too_many = client.get("/api/labels?" + "&".join(f"iri=x{i}" for i in range(201)))
    assert too_many.status_code == 400 and "at most 200" in too_many.get_json()["error"]


def test_organisation_page_answers_who_there_said_what(client):
    """The Tencent page lists the people with roles there and their quotes, each with a date and a link to
    the sentence (/article/<id>#s<n>) that the article page marks."""
    data = client.get("/api/entity/organization/tencent").get_json()
    people = {p["name"]: p for p in data["people"]}
    assert "senior executive vice president" in [r["title"] for r in people["Tang Daosheng"]["roles"]]
    quotes = [q for q in data["people_quotes"] if q["personName"] == "Tang Daosheng"]
    mobile = next(q for q in quotes if q["text"].startswith("Mobile QQ plays the role of a connector"))
    assert mobile["date"] == "2015-08-06" and re.fullmatch(rf"/article/{SEED_ID}#s\d+", mobile["sentence_url"])
    page = client.get("/entity/organization/tencent").get_data(as_text=True)
    assert "People at Tencent" in page and "What people at Tencent said" in page
    assert f'href="{mobile["sentence_url"]}"' in page
    article = client.get(f"/article/{SEED_ID}").get_data(as_text=True)
    anchor = mobile["sentence_url"].split("#")[1]
    marked = re.search(rf'<span class="sentence" id="{anchor}">(.*?)</span>(?!</a>)', article, re.S)
    assert marked and "Tang Daosheng" in marked.group(1) and "Mobile QQ" in marked.group(1)


def test_organisation_page_pages_what_its_people_said(client, app):
    """What the people at an organisation said comes a page at a time, newest first (Newer / Older links on
    the page); each role of theirs is read from its summary with a few of its statements and their number."""
    from commgraph import lookup
    from commgraph.server import services

    svc = services(app)
    store, tencent = svc.generation().store, str(svc.minter.entity("organization/tencent"))
    every = lookup.quotes_of_people_at(store, tencent, limit=100)
    assert len(every) >= 3 and [q["date"] for q in every] == sorted((q["date"] for q in every), reverse=True)
    pages = [lookup.quotes_of_people_at(store, tencent, limit=2, offset=n) for n in range(0, len(every), 2)]
    assert sorted(q["q"] for page in pages for q in page) == sorted(q["q"] for q in every)
    assert [q["date"] for q in pages[0]] == [q["date"] for q in every[:2]]
    page_one = lookup.entity(store, tencent, quotes_per_page=2)
    assert page_one["people_quotes_more"] and len(page_one["people_quotes"]) == 2
    second = client.get("/api/entity/organization/tencent?quotes=2").get_json()
    assert second["people_quotes"] == [] and second["people_quotes_newer"] == "/entity/organization/tencent?quotes=1"
    assert client.get("/entity/organization/tencent?quotes=two").status_code == 400
    one_each = lookup.people_at(store, tencent, per_role=1)
    assert len({(r["person"], r["title"]) for r in one_each}) == len(one_each)
    yin = [r for r in lookup.people_at(store, tencent) if r["personName"] == "Yin Yu" and r["title"] == "vice president"]
    assert yin and all(r["count"] == len(yin) for r in yin)  # the summary counts the statements


def test_a_role_is_listed_once_with_every_source(client):
    person = client.get("/api/entity/person/daosheng-tang").get_json()
    keys = [(r["title"].lower(), r.get("org")) for r in person["roles"]]
    assert len(keys) == len(set(keys)) and all(r["sources"] for r in person["roles"])
    assert all(q["date"] and "#s" in q["sentence_url"] for q in person["quotes"])
    assert all("#s" in m["sentence_url"] for m in person["mentions"])


def test_figures_subject_filter_takes_a_name(client):
    """subject=QQ groups (a name, as people type it) filters like the key; a name that names nothing says so."""
    by_name = client.get("/api/figures?subject=QQ+groups").get_json()
    by_key = client.get("/api/figures?subject=product/qq-groups").get_json()
    assert by_name["figures"] and {f["subjectName"] for f in by_name["figures"]} == {"QQ groups"}
    assert [f["f"] for f in by_name["figures"]] == [f["f"] for f in by_key["figures"]]
    assert by_name["subject_name"] == "QQ groups" and "QQ groups" in by_name["subjects"]
    nothing = client.get("/figures?subject=No+such+thing").get_data(as_text=True)
    assert "No entity is named" in nothing
    page = client.get("/figures").get_data(as_text=True)
    assert 'list="subject-names"' in page and '<option value="QQ groups">' in page


def test_figure_values_read_as_plain_numbers(client):
    figures = client.get("/api/figures").get_json()["figures"]
    thirty = next(f for f in figures if f.get("value") == 30.0)
    page = client.get(thirty["url"]).get_data(as_text=True)
    assert "30.0" not in page and "<dd>30" in page
    series = client.get("/api/figures?subject=QQ+groups").get_json()["series"]
    mau = next(s for s in series if s["label"] == "QQ groups · monthly active users")
    assert [p["date"] for p in mau["points"]] == ["2015-08-06", "2016-06"]
    assert 2015.5 < mau["points"][0]["t"] < 2015.7 and 2016.4 < mau["points"][1]["t"] < 2016.5


@pytest.mark.parametrize("typed, meant", [("Daosheng Tnag", "Tang Daosheng"), ("Tencnet", "Tencent")])
def test_did_you_mean_offers_entity_names_not_stems(client, typed, meant):
    data = client.get("/api/search", query_string={"q": typed}).get_json()
    assert data["total"] == 0 and data["suggestion"] == meant
    page = client.get("/search", query_string={"q": typed}).get_data(as_text=True)
    assert f">{meant}</a>?" in page


def test_search_says_when_a_page_is_past_the_end_and_a_date_is_not_a_date(client):
    page = client.get("/search?q=tencent&page=99").get_data(as_text=True)
    assert "Page 99 is past the last page" in page and "page=1" in page
    bad = client.get("/api/search?q=tencent&from=2016-13-45")
    assert bad.status_code == 400 and "not a date in the calendar" in bad.get_json()["error"]
    assert client.get("/api/search?q=tencent&from=2016-02&to=2016-12-31").status_code == 200


def test_article_header_shows_the_source_not_a_local_path(client):
    from conftest import SEED

    page = client.get(f"/article/{SEED_ID}").get_data(as_text=True)
    assert str(SEED.parent) not in page and f"<code>{SEED.name}</code>" in page
    for article in client.get("/api/articles").get_json()["articles"]:
        data = client.get(f"/api/article/{article['id']}").get_json()
        if data.get("url"):
            html = client.get(f"/article/{article['id']}").get_data(as_text=True)
            assert f'class="source-url" href="{data["url"]}"' in html and data["source"] not in html.replace(
                data["url"], "")
