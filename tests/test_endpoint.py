"""The SPARQL endpoint over real HTTP against `commgraph serve`: protocol, formats, refusals, bounds, health."""

import csv
import http.server
import io
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from rdflib import Graph
from SPARQLWrapper import CSV, JSON, JSONLD, N3, TSV, TURTLE, XML, SPARQLWrapper

from commgraph.queries import example_queries

PEOPLE = ("PREFIX schema: <https://schema.org/> SELECT ?name WHERE { ?p a schema:Person ; schema:name ?name } "
          "ORDER BY ?name")
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
pytestmark = pytest.mark.server


def request(base, path, data=None, headers=None, method=None):
    req = urllib.request.Request(base + path, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def healthy(base):
    status, _, body = request(base, "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}))
    return status == 200 and json.loads(body)["boolean"] is True


def test_people_through_sparqlwrapper_json(live_server):
    client = SPARQLWrapper(live_server + "/sparql")
    client.setQuery(PEOPLE)
    client.setReturnFormat(JSON)
    names = {b["name"]["value"] for b in client.query().convert()["results"]["bindings"]}
    assert {"Tang Daosheng", "Yin Yu", "Wu Xiaobo"} <= names


@pytest.mark.parametrize("fmt, check", [
    (XML, lambda r: r.getElementsByTagName("literal")),
    (CSV, lambda r: "Tang Daosheng" in r.decode()),
    (TSV, lambda r: '"Tang Daosheng"' in r.decode()),
])
def test_select_formats_through_sparqlwrapper(live_server, fmt, check):
    client = SPARQLWrapper(live_server + "/sparql")
    client.setQuery(PEOPLE)
    client.setReturnFormat(fmt)
    assert check(client.query().convert())


@pytest.mark.parametrize("fmt, rdflib_format", [(TURTLE, "turtle"), (JSONLD, "json-ld"), (XML, "xml"), (N3, "n3")])
def test_construct_formats_through_sparqlwrapper(live_server, fmt, rdflib_format):
    client = SPARQLWrapper(live_server + "/sparql")
    client.setQuery("PREFIX schema: <https://schema.org/> CONSTRUCT { ?p schema:name ?n } WHERE { ?p a schema:Person ; "
                    "schema:name ?n }")
    client.setReturnFormat(fmt)
    graph = client.queryAndConvert()
    if isinstance(graph, bytes):
        graph = Graph().parse(data=graph, format=rdflib_format)
    assert any("Tang Daosheng" in str(o) for o in graph.objects())


def test_post_forms_and_content_types(live_server):
    form = urllib.parse.urlencode({"query": PEOPLE}).encode()
    status, headers, _ = request(live_server, "/sparql", form, {"Content-Type": "application/x-www-form-urlencoded",
                                                                "Accept": "text/csv"})
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    status, headers, body = request(live_server, "/sparql", PEOPLE.encode(),
                                    {"Content-Type": "application/sparql-query",
                                     "Accept": "text/csv;q=0.4, application/sparql-results+xml;q=0.9"})
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+xml")
    status, headers, _ = request(live_server, "/sparql", PEOPLE.encode(),  # werkzeug's matching: CSV, not JSON
                                 {"Content-Type": "application/sparql-query", "Accept": "text/*"})
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    status, headers, body = request(live_server, "/sparql?format=tsv&" + urllib.parse.urlencode({"query": PEOPLE}))
    assert headers["Content-Type"].startswith("text/tab-separated-values")
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert list(csv.reader(io.StringIO(body.decode()), delimiter="\t"))[0] == ["?name"]


@pytest.mark.parametrize("method, path, data, headers, status", [
    ("GET", "/sparql?query=SELECT&query=ASK", None, {}, 400),  # duplicate query
    ("POST", "/sparql", b"", {"Content-Type": "application/x-www-form-urlencoded"}, 400),  # missing query
    ("POST", "/sparql", b"query=x", {"Content-Type": "text/plain"}, 415),  # wrong media type
    ("POST", "/sparql", b"\xff\xfe SELECT", {"Content-Type": "application/sparql-query"}, 400),  # not UTF-8
    ("GET", "/sparql?query=SELEKT+%2A+WHERE+%7B%7D", None, {}, 400),  # syntax error
    ("PUT", "/sparql", b"x", {}, 405),
    ("DELETE", "/sparql", None, {}, 405),
    ("GET", "/sparql?query=ASK%7B%7D", None, {"Accept": "image/png"}, 406),
    ("GET", "/sparql?default-graph-uri=http%3A%2F%2Fexample.org%2Fg&query=ASK%7B%7D", None, {}, 400),
])
def test_protocol_errors_are_4xx_with_a_message(live_server, method, path, data, headers, status):
    got, response_headers, body = request(live_server, path, data, headers, method)
    assert got == status and body.strip()
    assert healthy(live_server)


@pytest.mark.parametrize("body, content_type", [
    (b"update=INSERT+DATA+%7B%3Chttp%3A%2F%2Fa%3E+%3Chttp%3A%2F%2Fb%3E+%3Chttp%3A%2F%2Fc%3E%7D",
     "application/x-www-form-urlencoded"),
    (b"INSERT DATA { <http://a> <http://b> <http://c> }", "application/sparql-update"),
    (b"DROP ALL", "application/sparql-query"),
    (b"query=CLEAR+ALL", "application/x-www-form-urlencoded"),
    (b"query=LOAD+%3Chttp%3A%2F%2F127.0.0.1%3A9%2F%3E", "application/x-www-form-urlencoded"),
])
def test_updates_refused_and_nothing_changes(live_server, body, content_type):
    before = request(live_server, "/sparql?" + urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"}))[2]
    status, _, _ = request(live_server, "/sparql", body, {"Content-Type": content_type})
    assert status == 403
    after = request(live_server, "/sparql?" + urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"}))[2]
    assert before == after


@pytest.fixture
def canary():
    """An HTTP server on 127.0.0.1 that counts every connection: SPARQL must never reach it."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        do_POST = do_GET  # noqa: N815

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", hits
    server.shutdown()
    server.server_close()


CANARY_QUERIES = [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE SILENT <{url}> {{ ?s ?q ?r }} }} }}",
    "SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o MINUS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "SELECT * FROM <file:///etc/passwd> WHERE {{ ?s ?p ?o }}",
    "PREFIX c: <{url}> SELECT * WHERE {{ SERVICE c:x {{ ?s ?p ?o }} }}",
]


@pytest.mark.parametrize("template", CANARY_QUERIES)
def test_never_leaves_the_box(live_server, canary, template):
    url, hits = canary
    query = template.format(url=url)
    status, _, body = request(live_server, "/sparql?" + urllib.parse.urlencode({"query": query}))
    assert status == 403, body
    time.sleep(0.2)
    assert hits == []
    assert healthy(live_server)


def test_oversize_and_over_deep_refused(live_server):
    big = "SELECT * WHERE { " + "?s ?p ?o . " * 3000 + "}"
    assert request(live_server, "/sparql", big.encode(), {"Content-Type": "application/sparql-query"})[0] == 413
    deep = "SELECT * WHERE " + "{" * 10000 + "}" * 10000
    status, _, body = request(live_server, "/sparql", deep.encode(), {"Content-Type": "application/sparql-query"})
    assert status in (400, 413) and b"deeper" in body or status == 413
    assert healthy(live_server)


def test_timeout_kills_the_query_and_the_server_stays_up(live_server):
    started = time.monotonic()
    status, _, body = request(live_server, "/sparql?" + urllib.parse.urlencode({"query": SLOW}))
    assert status == 503 and b"longer than" in body
    assert time.monotonic() - started < 15
    assert healthy(live_server)


def test_row_cap_is_visible(live_server):
    status, headers, body = request(live_server, "/sparql?" + urllib.parse.urlencode({"query": "SELECT * { ?s ?p ?o }"}))
    data = json.loads(body)
    assert status == 200 and len(data["results"]["bindings"]) == 50 and data["truncated"] is True
    assert headers["X-Commgraph-Truncated"].startswith("true")


def test_concurrency_cap_answers_429(live_server):
    results = []

    def slow():
        results.append(request(live_server, "/sparql?" + urllib.parse.urlencode({"query": SLOW}))[0])

    threads = [threading.Thread(target=slow) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.8)
    fresh = PEOPLE + f"\n# not cached {time.time_ns()}"  # a query answered before would come from the cache
    status, headers, body = request(live_server, "/sparql?" + urllib.parse.urlencode({"query": fresh}))
    for thread in threads:
        thread.join()
    assert status == 429 and b"busy" in body
    assert results == [503, 503]
    assert healthy(live_server)


def test_service_description_and_browser_page(live_server):
    status, headers, body = request(live_server, "/sparql", headers={"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle") and b"sd:Service" in body
    status, headers, body = request(live_server, "/sparql", headers={"Accept": "text/html"})
    assert status == 200 and b"id=\"yasqe\"" in body


def test_examples_over_http(live_server):
    for example in example_queries():
        status, _, body = request(live_server, "/sparql", example.text.encode(),
                                  {"Content-Type": "application/sparql-query"})
        assert status == 200 and json.loads(body)["results"]["bindings"], example.id


def test_search_api_over_http(live_server):
    status, _, body = request(live_server, "/api/search?q=interest+tribes")
    data = json.loads(body)
    assert status == 200 and any('<b class="match' in h["snippet"] for h in data["hits"])


def test_running_server_switches_to_a_new_generation(tmp_path, extractor):
    """Ingest while the server runs: new requests see the new generation, no restart, no stale hits."""
    import os
    import subprocess
    import sys

    from commgraph.pipeline import ingest
    from commgraph.settings import Settings

    from conftest import FIXTURES, SEED, free_port, stop_process, wait_for

    settings = Settings.create(data_dir=tmp_path / "data")
    ingest([SEED], settings, extractor=extractor)
    port = free_port()
    env = dict(os.environ, COMMGRAPH_DATA_DIR=str(settings.data_dir), COMMGRAPH_PORT=str(port))
    process = subprocess.Popen([sys.executable, "-m", "commgraph", "serve"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz")
        assert json.loads(request(base, "/api/search?q=momo")[2])["total"] == 1
        assert json.loads(request(base, "/healthz")[2])["generation"] == 1
        ingest([FIXTURES / "articles"], settings, extractor=extractor)
        assert json.loads(request(base, "/healthz")[2])["generation"] == 2
        assert json.loads(request(base, "/api/search?q=momo")[2])["total"] == 2
        ingest([], settings, remove=["test-fixture-qq-tribes-followup"], extractor=extractor)
        for _ in range(3):  # repeated reads never see the removed article (no Searcher.refresh())
            assert json.loads(request(base, "/api/search?q=momo")[2])["total"] == 1
        ask = "ASK { ?a <https://schema.org/identifier> \"test-fixture-qq-tribes-followup\" }"
        assert json.loads(request(base, "/sparql?" + urllib.parse.urlencode({"query": ask}))[2])["boolean"] is False
    finally:
        stop_process(process)


def test_repeated_queries_come_from_the_generation_cache(live_server):
    query = PEOPLE + f"\n# cache probe {time.time_ns()}"
    first = request(live_server, "/sparql?" + urllib.parse.urlencode({"query": query}))
    started = time.perf_counter()
    second = request(live_server, "/sparql?" + urllib.parse.urlencode({"query": query}))
    assert first[0] == second[0] == 200 and first[2] == second[2]
    assert time.perf_counter() - started < 1.0


def test_from_our_own_graphs_is_allowed(live_server):
    query = ("SELECT (COUNT(*) AS ?n) FROM <http://commgraph.localhost/graph/entities> "
             "WHERE { ?e <https://schema.org/name> ?name }")
    status, _, body = request(live_server, "/sparql?" + urllib.parse.urlencode({"query": query}))
    assert status == 200 and int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) > 30
