"""The second backend: a real Oxigraph server on 127.0.0.1 as a remote SPARQL store (COMMGRAPH_STORE).

The `oxigraph` package (test extra) ships the server binary. Skipped when it is missing, unless
COMMGRAPH_REQUIRE_REMOTE=1 (set by CI) makes that a failure.
"""

import json
import urllib.parse
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from commgraph.check import check_generation
from commgraph.pipeline import ingest
from commgraph.queries import example_queries
from commgraph.settings import Settings

from conftest import FIXTURES, SEED, SEED_ID, free_port

pytestmark = pytest.mark.server


def oxigraph_binary() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    binary = oxigraph_binary()
    if binary is None:
        if os.environ.get("COMMGRAPH_REQUIRE_REMOTE") == "1":
            pytest.fail("the oxigraph server binary is missing: pip install oxigraph (a test extra)")
        pytest.skip("no oxigraph server binary (pip install oxigraph)")
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    process = subprocess.Popen([binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
                                "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/query?query=ASK%7B%7D", timeout=2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def remote_settings(oxigraph_server, tmp_path_factory, extractor):
    settings = Settings.create(data_dir=tmp_path_factory.mktemp("remote") / "data", store="sparql+" + oxigraph_server,
                               query_timeout=5.0, max_rows=50)
    report = ingest([SEED, FIXTURES / "articles"], settings, extractor=extractor)
    assert not report.failed and len(report.added) == 3
    return settings


@pytest.fixture(scope="module")
def remote_client(remote_settings):
    from commgraph.server import create_app

    app = create_app(remote_settings)
    yield app.test_client()
    app.extensions["commgraph"].close()


def remote_count(url, query):
    data = urllib.request.urlopen(url + "/query?" + urllib.parse.urlencode({"query": query}), timeout=10).read()
    return int(json.loads(data)["results"]["bindings"][0]["n"]["value"])


def test_ingest_writes_article_graphs_and_entities_graph(remote_settings, oxigraph_server):
    assert check_generation(remote_settings, shacl=True) == []
    graphs = remote_count(oxigraph_server, "SELECT (COUNT(DISTINCT ?g) AS ?n) { GRAPH ?g { ?s ?p ?o } }")
    assert graphs == 4  # three articles and the entities graph


def test_pages_and_search_read_through_sparql(remote_client):
    entity = remote_client.get("/api/entity/person/daosheng-tang").get_json()
    assert entity["name"] == "Tang Daosheng" and "Tom Tang" in entity["aliases"]
    assert any(r["orgName"] == "Tencent" for r in entity["roles"])
    hits = remote_client.get("/api/search?q=interest+tribes").get_json()["hits"]
    assert SEED_ID in {h["id"] for h in hits}
    health = remote_client.get("/healthz").get_json()
    assert health["graph"] is True and health["indexed"] == 3
    assert remote_client.get(f"/article/{SEED_ID}").status_code == 200


@pytest.mark.parametrize("example", example_queries(), ids=lambda e: e.id)
def test_example_queries_against_the_remote_store(remote_client, example):
    response = remote_client.post("/sparql", data={"query": example.text})
    if "textScore" in example.sparql:
        assert response.status_code == 400 and b"embedded store" in response.data
    else:
        assert response.status_code == 200, response.data
        assert response.get_json()["results"]["bindings"], example.id


def test_safety_rules_still_apply_in_front_of_the_remote_store(remote_client):
    refused = remote_client.get("/sparql", query_string={"query": "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"})
    assert refused.status_code == 403
    update = remote_client.post("/sparql", data=b"DROP ALL", content_type="application/sparql-query")
    assert update.status_code == 403
    capped = remote_client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"}).get_json()
    assert capped["truncated"] is True and len(capped["results"]["bindings"]) == 50


def test_update_and_remove_retract_from_the_remote_store(remote_settings, oxigraph_server, extractor, tmp_path):
    before = remote_count(oxigraph_server, "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }")
    assert ingest([SEED, FIXTURES / "articles"], remote_settings, extractor=extractor).generation is None
    ingest([], remote_settings, remove=["test-fixture-qq-tribes-followup"], extractor=extractor)
    momo = remote_count(oxigraph_server, "SELECT (COUNT(*) AS ?n) { ?e <https://schema.org/name> \"Momo\"@en }")
    assert momo == 1  # still mentioned by the seed
    assert check_generation(remote_settings) == []
    ingest([FIXTURES / "articles"], remote_settings, extractor=extractor)
    assert remote_count(oxigraph_server, "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }") == before
