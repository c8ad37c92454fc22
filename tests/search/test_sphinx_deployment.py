"""commgraph on a search server end to end: real articles ingested with search_engine=sphinx into the
session's searchd, then the same searches as on the embedded Whoosh engine, the web API, `commgraph check`,
cg:textScore in SPARQL and a searchd that does not answer (503, never a 500)."""

from __future__ import annotations

import json

import pytest

from commgraph.check import check_generation
from commgraph.pipeline import ingest
from commgraph.query_runner import run_query
from commgraph.search import SearchRequest, engine_from_settings
from commgraph.settings import Settings
from commgraph.generations import require_current
from conftest import FIXTURES, SEED, free_port

ZH = FIXTURES / "eval" / "zh" / "tune"
PATHS = [SEED, FIXTURES / "articles", ZH / "05-test-fixture-qq-community-conference-2015-08-06.txt",
         ZH / "01-test-fixture-tencent-q2-results-2015-08-12.txt"]
# Words, phrases, operators, entity fields, the language field, Chinese words and entity names across languages.
QUERIES = ["tencent", "qq groups", '"interest tribes"', "wechat NOT weibo", "tribes OR 腾讯", 'person:"Daosheng Tang"',
           "organization:tencent", "lang:zh", "腾讯", '"腾讯公司"', "Pony Ma", "users AND NOT qq", "community"]


@pytest.fixture(scope="module")
def deployments(sphinx_server, tmp_path_factory, extractor):
    """The same articles ingested twice: Whoosh in its data dir, Sphinx on the session's searchd."""
    connections = sphinx_server.connections()
    for name in ("", "_keys", "_words", "_text"):
        connections.run(f"TRUNCATE RTINDEX {sphinx_server.index}{name}")
    root = tmp_path_factory.mktemp("deploy")
    whoosh = Settings.create(data_dir=root / "whoosh", query_sandbox="off")
    sphinx = Settings.create(data_dir=root / "sphinx", search_engine="sphinx", search_index=sphinx_server.index,
                             search_server=f"{sphinx_server.host}:{sphinx_server.port}")
    for settings in (whoosh, sphinx):
        report = ingest(PATHS, settings, extractor=extractor)
        assert not report.failed, report.failed
    return whoosh, sphinx


def _search(settings: Settings, text: str, **kw):
    index = engine_from_settings(settings).open(require_current(settings.data_dir) / "index")
    return index.search(SearchRequest(text=text, page_size=50, **kw),
                        entities_named=None)


def test_the_same_articles_match_on_both_engines(deployments):
    whoosh, sphinx = deployments
    for text in QUERIES:
        a, b = _search(whoosh, text), _search(sphinx, text)
        assert (a.total, {h.id for h in a.hits}) == (b.total, {h.id for h in b.hits}), text
        # Facet counts cover every match on both; the order of equal counts is by key on both.
        assert a.facets == b.facets, text
        assert (a.type_counts, a.languages) == (b.type_counts, b.languages), text


def test_filters_dates_and_sorting_agree(deployments):
    whoosh, sphinx = deployments
    for kw in ({"languages": ("zh",)}, {"date_from": "2015-08-07"}, {"date_to": "2015-08"},
               {"entity_filters": ("organization/tencent",)}, {"sort": "date"}):
        a, b = _search(whoosh, "qq", **kw), _search(sphinx, "qq", **kw)
        assert a.total == b.total and {h.id for h in a.hits} == {h.id for h in b.hits}, kw
        if kw.get("sort") == "date":
            assert [h.date for h in a.hits] == [h.date for h in b.hits]


def test_pages_check_and_text_scores_on_the_server(deployments):
    from commgraph.server import create_app

    _, sphinx = deployments
    app = create_app(sphinx)
    try:
        client = app.test_client()
        found = client.get("/api/search?q=interest+tribes")
        assert found.status_code == 200
        body = found.get_json()
        assert body["total"] >= 1
        assert any('<b class="match">' in hit["snippet"] for hit in body["hits"]), body["hits"]
        assert client.get("/healthz").status_code == 200
    finally:
        app.extensions["commgraph"].close()
    assert check_generation(sphinx) == []
    outcome = run_query(sphinx, 'PREFIX cg: <https://w3id.org/commgraph/ns#> SELECT ?a ?s WHERE { '
                                '?a a <https://schema.org/NewsArticle> BIND(cg:textScore(?a, "tribes") AS ?s) '
                                'FILTER(BOUND(?s)) }', "json")
    assert outcome.status == 200, outcome.body
    assert json.loads(outcome.body)["results"]["bindings"]


def test_a_search_server_that_is_away_is_a_503_that_names_it(deployments):
    from commgraph.server import create_app

    _, sphinx = deployments
    away = Settings.create(data_dir=sphinx.data_dir, search_engine="sphinx", search_index=sphinx.search_index,
                           search_server=f"127.0.0.1:{free_port()}")
    app = create_app(away)
    try:
        response = app.test_client().get("/api/search?q=tencent")
        assert response.status_code == 503
        assert "searchd" in response.get_data(as_text=True)
    finally:
        app.extensions["commgraph"].close()


def test_the_web_api_answers_the_same_on_both_engines(deployments):
    """Through the app, with its entity-name expansion (腾讯 finds the English articles about Tencent)."""
    from commgraph.server import create_app

    apps = [create_app(settings) for settings in deployments]
    try:
        clients = [app.test_client() for app in apps]
        for text in QUERIES:
            a, b = (c.get("/api/search", query_string={"q": text, "page_size": 50}).get_json() for c in clients)
            assert a["total"] == b["total"], text
            assert {h["id"] for h in a["hits"]} == {h["id"] for h in b["hits"]}, text
            assert a["facets"] == b["facets"], text
    finally:
        for app in apps:
            app.extensions["commgraph"].close()
