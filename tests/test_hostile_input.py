"""No input is a 500: the cases the issue found, then thousands of random and hostile strings (hypothesis)
sent to every page that reads user text, through Flask's test client against the real ingested corpus."""

import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SEED_ID

# Text as a browser can send it: any code point but lone surrogates (no UTF-8 holds them).
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)
HOSTILE = st.sampled_from([
    "NOT", "AND", "OR", "ANDNOT", "ANDMAYBE", "(", ")", '"', "'", "person:", "organization:", "lang:", "title:",
    "qq", "tencent", "x~3", "qq*", "*", "?", "^2", "[", "]", "{", "}", "TO", ":", "\\", "\\u", "\\ud83d", "😀",
    "𠀀", "腾讯", "-", "+", "<", ">", "~", "\x00", "\r\n", "%", "%00", "&", "#", "\u202e", "\ufeff", "''",
    "<script>", '"""', "\\\\", "$", "?x", "<http://x/>", "a" * 300,
])
HOSTILE_TEXT = st.one_of(
    ANY_TEXT,
    st.lists(HOSTILE, max_size=14).map(" ".join),
    st.lists(st.one_of(HOSTILE, ANY_TEXT), max_size=8).map("".join),
)
# Raw bytes in the URL, percent-encoded: invalid UTF-8 included.
RAW = st.binary(max_size=40).map(lambda b: urllib.parse.quote_from_bytes(b, safe=""))
FUZZ = settings(max_examples=400, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


# A 503 for a documented time limit is the server protecting itself, not an input it failed on: on a loaded
# machine the first cg:textScore of a Chinese word in a fresh worker (jieba loading) can take longer than the
# fixture's 3 s query_timeout.
TIME_LIMITS = ("(setting query_timeout)", "(setting search_timeout)")


def no_5xx(response, what):
    body = response.get_data(as_text=True)
    if response.status_code == 503 and any(limit in body for limit in TIME_LIMITS):
        return
    assert response.status_code < 500, f"{what} -> {response.status_code}: {body[:300]}"


# --- the cases of the issue ---

@pytest.mark.parametrize("path", ["/search", "/api/search"])
@pytest.mark.parametrize("q", ["qq 😀", "😀", "tencent 𠀀 qq", "NOT NOT NOT", "NOT NOT", "AND OR NOT NOT"])
def test_issue_cases_are_not_500(client, path, q):
    response = client.get(path, query_string={"q": q})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


def test_astral_characters_still_find_and_name_entities(client):
    data = client.get("/api/search", query_string={"q": "qq 😀"}).get_json()
    assert data["total"] >= 1
    data = client.get("/api/search", query_string={"q": '"Tom Tang" 😀'}).get_json()
    assert data["total"] >= 1


def test_operators_alone_say_what_to_do(client):
    data = client.get("/api/search", query_string={"q": "NOT NOT NOT"}).get_json()
    assert data["total"] == 0 and "words" in data["notice"]


def test_unknown_sparql_function_is_a_400_with_the_stores_message(client):
    response = client.get("/sparql", query_string={"query": "SELECT ?x WHERE { BIND(<http://x/f>(1) AS ?x) }"})
    assert response.status_code == 400
    assert "http://x/f" in response.get_data(as_text=True)


def test_figures_metric_filter_with_astral_characters(client):
    no_5xx(client.get("/figures", query_string={"metric": "users 😀"}), "/figures metric")
    assert client.get("/api/figures", query_string={"metric": "😀"}).get_json()["figures"] == []


# --- fuzz ---

@FUZZ
@given(q=HOSTILE_TEXT, page=st.one_of(st.just(""), ANY_TEXT, st.integers(-5, 10**6).map(str)),
       sort=st.sampled_from(["", "relevance", "date", "x"]), entity=HOSTILE_TEXT, lang=HOSTILE_TEXT,
       date=st.one_of(st.just(""), st.sampled_from(["2015", "2015-08", "2015-08-06", "9999-99-99"]), ANY_TEXT))
def test_search_never_5xx(app, q, page, sort, entity, lang, date):
    client = app.test_client()
    args = {"q": q, "page": page, "sort": sort, "entity": entity, "lang": lang, "from": date, "to": date}
    args = {k: v for k, v in args.items() if v}
    no_5xx(client.get("/api/search", query_string=args), f"/api/search {args!r}")
    no_5xx(client.get("/search", query_string={"q": q}), f"/search q={q!r}")


@FUZZ
@given(raw=RAW)
def test_search_with_raw_bytes_never_5xx(app, raw):
    client = app.test_client()
    no_5xx(client.get(f"/api/search?q={raw}"), f"/api/search?q={raw}")
    no_5xx(client.get(f"/search?q={raw}&entity={raw}"), f"/search?q={raw}")


@FUZZ
@given(kind=st.one_of(st.sampled_from(["person", "organization", "product", "place", "event"]), ANY_TEXT),
       slug=st.one_of(HOSTILE_TEXT, RAW))
def test_entity_article_and_figure_paths_never_5xx(app, kind, slug):
    client = app.test_client()
    quoted_kind = urllib.parse.quote(kind, safe="") or "person"
    quoted = slug if "%" in slug else urllib.parse.quote(slug, safe="/")
    for path in (f"/entity/{quoted_kind}/{quoted}", f"/api/entity/{quoted_kind}/{quoted}", f"/article/{quoted}",
                 f"/api/article/{quoted}", f"/figure/{quoted}/0", f"/api/figure/{SEED_ID}/{quoted}"):
        no_5xx(client.get(path), path)
    no_5xx(client.get(f"/entity/{quoted_kind}/{quoted}", headers={"Accept": "text/turtle"}), "entity as Turtle")


@FUZZ
@given(metric=HOSTILE_TEXT, subject=st.one_of(HOSTILE_TEXT, HOSTILE_TEXT.map(lambda s: "person/" + s)))
def test_figures_filters_never_5xx(app, metric, subject):
    client = app.test_client()
    no_5xx(client.get("/figures", query_string={"metric": metric, "subject": subject}), f"/figures {metric!r}")
    no_5xx(client.get("/api/figures", query_string={"metric": metric}), f"/api/figures {metric!r}")


SPARQL_SHAPES = [
    "SELECT * WHERE {{ ?s ?p {0} }} LIMIT 3",
    'SELECT ?x WHERE {{ BIND({0} AS ?x) }}',
    "ASK {{ ?s <https://schema.org/name> {0} }}",
    "SELECT ?x WHERE {{ BIND(<http://x/{0}>(1) AS ?x) }}",
    'PREFIX cg: <https://w3id.org/commgraph/ns#> SELECT ?a WHERE {{ ?a a <https://schema.org/NewsArticle> '
    'BIND(cg:textScore(?a, {0}) AS ?s) }}',
    "SELECT * WHERE {{ ?s ?p ?o FILTER(REGEX(STR(?o), {0})) }} LIMIT 3",
    "{0}",
]


@FUZZ
@given(shape=st.sampled_from(SPARQL_SHAPES), value=HOSTILE_TEXT,
       quoting=st.sampled_from(['"{}"', "'{}'", '"""{}"""', "{}"]))
def test_sparql_never_5xx(app, shape, value, quoting):
    client = app.test_client()
    query = shape.format(quoting.format(value))
    no_5xx(client.get("/sparql", query_string={"query": query}), f"/sparql {query!r}")


@FUZZ
@given(raw=RAW, body=st.binary(max_size=200))
def test_sparql_raw_bytes_never_5xx(app, raw, body):
    client = app.test_client()
    no_5xx(client.get(f"/sparql?query={raw}"), f"/sparql?query={raw}")
    no_5xx(client.post("/sparql", data=body, content_type="application/sparql-query"), f"POST {body!r}")
