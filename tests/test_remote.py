"""The remote-store suite, run against two real SPARQL servers on 127.0.0.1 (COMMGRAPH_STORE):

- the Oxigraph server (the `oxigraph` test extra ships its binary), started with --union-default-graph;
- Virtuoso (Debian's `virtuoso-opensource-7`, the store behind DBpedia): a private instance in a temp dir,
  written to through its Digest-authenticated endpoints (`/sparql-auth`, `/sparql-graph-crud-auth`).

A missing binary skips that server's tests with what to install, unless COMMGRAPH_REQUIRE_REMOTE=1 (set by
CI) makes it a failure.
"""

import json
import logging
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from commgraph.check import check_generation
from commgraph.errors import StoreError
from commgraph.pipeline import ingest
from commgraph.queries import example_queries
from commgraph.settings import Settings

from conftest import FIXTURES, SEED, SEED_ID, free_port

pytestmark = pytest.mark.server

BASE_IRI = Settings().base_iri


@dataclass(frozen=True)
class Server:
    """A running SPARQL server: where tests query it directly, and the settings that point commgraph at it."""

    name: str
    query_url: str
    store: dict = field(repr=False)


def _missing(binary: str, install: str):
    message = f"no {binary} binary: {install}"
    if os.environ.get("COMMGRAPH_REQUIRE_REMOTE") == "1":
        pytest.fail(f"{message} (COMMGRAPH_REQUIRE_REMOTE=1: CI must run every remote store)")
    pytest.skip(message)


def _wait_until_answering(process: subprocess.Popen, url: str, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
                raise RuntimeError(f"{what} did not come up at {url}\n{tail}") from None
            time.sleep(0.2)


def oxigraph_binary() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


def start_oxigraph(directory: Path):
    binary = oxigraph_binary() or _missing("oxigraph server", "pip install oxigraph (a test extra)")
    port = free_port()
    process = subprocess.Popen([binary, "serve", "--location", str(directory), "--bind", f"127.0.0.1:{port}",
                                "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    _wait_until_answering(process, url + "/query", "the Oxigraph server")
    return process, Server("oxigraph", url + "/query", {"store": "sparql+" + url})


# Small buffers (the Debian default ini takes 10,000 pages and 2 GB of query memory) and no result cap below
# our own: Virtuoso's ResultSetMaxRows silently cuts every SELECT, so it must stay above max_rows.
VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {dir}
NumberOfBuffers = 2000
MaxDirtyBuffers = 1500
MaxQueryMem = 200M
ThreadsPerQuery = 2
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = 10
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = {result_rows}
MaxQueryExecutionTime = 60
"""

# A writer of our own with just the SPARQL_UPDATE role (what /sparql-auth and /sparql-graph-crud-auth ask
# for), read and write on every graph; then the well-known dba/dba login is closed.
VIRTUOSO_SETUP = """\
DB.DBA.USER_CREATE ('commgraph', '{password}');
GRANT SPARQL_UPDATE TO "commgraph";
DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('commgraph', 3);
set password "dba" "{admin}";
"""


def start_virtuoso(directory: Path, result_rows: int = 1_000_000):
    binary = shutil.which("virtuoso-t") or _missing(
        "virtuoso-t", "apt-get install virtuoso-opensource-7 (Debian's Virtuoso 7)")
    isql = shutil.which("isql-vt") or _missing("isql-vt", "apt-get install virtuoso-opensource-7")
    sql_port, http_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(dir=directory, sql_port=sql_port, http_port=http_port, result_rows=result_rows))
    process = subprocess.Popen([binary, "+foreground", "+configfile", str(ini)], cwd=directory,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{http_port}"
    _wait_until_answering(process, url + "/sparql", "Virtuoso", directory / "virtuoso.log")
    password = secrets.token_urlsafe(12)
    setup = directory / "setup.sql"
    setup.write_text(VIRTUOSO_SETUP.format(password=password, admin=secrets.token_urlsafe(12)))
    done = subprocess.run([isql, f"127.0.0.1:{sql_port}", "dba", "dba", str(setup)], capture_output=True,
                          text=True, timeout=60)
    setup.unlink()
    if done.returncode != 0 or "Error" in done.stdout + done.stderr:
        process.kill()
        raise RuntimeError(f"Virtuoso setup failed: {done.stdout[-1000:]} {done.stderr[-1000:]}")
    return process, Server("virtuoso", url + "/sparql", {
        "store": "sparql+" + url, "store_query_path": "/sparql", "store_update_path": "/sparql-auth",
        "store_data_path": "/sparql-graph-crud-auth", "store_user": "commgraph", "store_password": password})


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def remote_server(request, tmp_path_factory):
    start = {"oxigraph": start_oxigraph, "virtuoso": start_virtuoso}[request.param]
    process, server = start(tmp_path_factory.mktemp(request.param))
    yield server
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def remote_settings(remote_server, tmp_path_factory, extractor):
    settings = Settings.create(data_dir=tmp_path_factory.mktemp("remote") / "data", query_timeout=5.0, max_rows=50,
                               **remote_server.store)
    report = ingest([SEED, FIXTURES / "articles"], settings, extractor=extractor)
    assert not report.failed and len(report.added) == 3
    return settings


@pytest.fixture(scope="module")
def remote_client(remote_settings):
    from commgraph.server import create_app

    app = create_app(remote_settings)
    yield app.test_client()
    app.extensions["commgraph"].close()


def remote_count(server: Server, query: str) -> int:
    request = urllib.request.Request(server.query_url + "?" + urllib.parse.urlencode({"query": query}),
                                     headers={"Accept": "application/sparql-results+json"})  # Virtuoso: XML
    data = urllib.request.urlopen(request, timeout=10).read()
    return int(json.loads(data)["results"]["bindings"][0]["n"]["value"])


# Our graphs only: a Virtuoso server also holds its own (virtrdf:, ldp:, its service description).
OUR_GRAPHS = f'FILTER(STRSTARTS(STR(?g), "{BASE_IRI}"))'


def test_ingest_writes_article_graphs_and_entities_graph(remote_settings, remote_server):
    assert check_generation(remote_settings, shacl=True) == []
    graphs = remote_count(remote_server, f"SELECT (COUNT(DISTINCT ?g) AS ?n) {{ GRAPH ?g {{ ?s ?p ?o }} {OUR_GRAPHS} }}")
    assert graphs == 5  # three articles, the entities graph and the summaries graph

def test_pages_and_search_read_through_sparql(remote_client):
    entity = remote_client.get("/api/entity/person/daosheng-tang").get_json()
    assert entity["name"] == "Tang Daosheng" and "Tom Tang" in entity["aliases"]
    assert any(r["orgName"] == "Tencent" for r in entity["roles"])
    # the organisation page's people, their quotes and connections read through the remote store too
    tencent = remote_client.get("/api/entity/organization/tencent").get_json()
    assert "Tang Daosheng" in {p["name"] for p in tencent["people"]}
    assert any(q["personName"] == "Tang Daosheng" and q["date"] for q in tencent["people_quotes"])
    assert any(c["name"] == "Tang Daosheng" and c["relations"] for c in tencent["connections"])
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


def test_update_and_remove_retract_from_the_remote_store(remote_settings, remote_server, extractor, tmp_path):
    before = remote_count(remote_server, "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }")
    assert ingest([SEED, FIXTURES / "articles"], remote_settings, extractor=extractor).generation is None
    ingest([], remote_settings, remove=["test-fixture-qq-tribes-followup"], extractor=extractor)
    momo = remote_count(remote_server, "SELECT (COUNT(*) AS ?n) { ?e <https://schema.org/name> \"Momo\"@en }")
    assert momo == 1  # still mentioned by the seed
    assert check_generation(remote_settings) == []
    ingest([FIXTURES / "articles"], remote_settings, extractor=extractor)
    assert remote_count(remote_server, "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }") == before


def test_graph_and_boolean_queries_read_through_the_remote_store(remote_client):
    # The form decides the format asked of the store: Virtuoso answers a CONSTRUCT in its own JSON when asked
    # for SPARQL results JSON (it ignores q weights).
    name = "<https://schema.org/name>"
    construct = remote_client.get("/sparql", headers={"Accept": "text/turtle"}, query_string={"query": (
        f"# a comment first\nPREFIX s: <https://schema.org/>\nCONSTRUCT {{ ?p {name} ?n }} "
        f"WHERE {{ ?p a s:Person ; {name} ?n }}")})
    assert construct.status_code == 200, construct.data
    assert construct.content_type.startswith("text/turtle") and '"Tang Daosheng"@en' in construct.get_data(True)
    describe = remote_client.get("/sparql", headers={"Accept": "application/n-triples"}, query_string={
        "query": "DESCRIBE <http://commgraph.localhost/entity/person/daosheng-tang>"})
    assert describe.status_code == 200 and b"daosheng-tang" in describe.data, describe.data
    ask = remote_client.get("/sparql", query_string={"query": 'ASK { ?p <https://schema.org/name> "Tang Daosheng"@en }'})
    assert ask.get_json()["boolean"] is True


def test_store_counts_only_our_graphs(remote_settings, remote_server):
    from commgraph.graph import open_store

    store = open_store(remote_settings, remote_settings.data_dir, read_only=True)
    ours = remote_count(remote_server, f"SELECT (COUNT(*) AS ?n) {{ GRAPH ?g {{ ?s ?p ?o }} {OUR_GRAPHS} }}")
    assert store.quad_count() == ours
    assert len(store.article_graphs()) == 3


def test_store_password_is_never_logged_or_shown(remote_settings, remote_server, extractor, tmp_path, caplog):
    """Writes log in with HTTP Digest (Virtuoso challenges them; the Oxigraph server never asks, so the login
    is never sent); the password shows up in no log line, error, repr, `commgraph settings` or /healthz."""
    import dataclasses

    from click.testing import CliRunner

    from commgraph.cli import main
    from commgraph.graph import Endpoints
    from commgraph.server import create_app

    caplog.set_level(logging.DEBUG)
    password = remote_settings.store_password or secrets.token_urlsafe(12)
    settings = dataclasses.replace(remote_settings, store_user=remote_settings.store_user or "commgraph",
                                   store_password=password)
    article = tmp_path / "2016-09-01-login-probe.txt"
    article.write_text("Tencent opens QQ interest tribes to brands\n\nTencent said on Thursday that brands may "
                       "open QQ interest tribes, the company's topic communities.\n", encoding="utf-8")
    report = ingest([article], settings, extractor=extractor)
    assert not report.failed and report.added == ["2016-09-01-login-probe"]
    app = create_app(settings)
    try:
        health = app.test_client().get("/healthz")
    finally:
        app.extensions["commgraph"].close()
    assert health.status_code == 200 and health.get_json()["indexed"] == 4
    shown = CliRunner().invoke(main, ["settings"], env={"COMMGRAPH_STORE_PASSWORD": password}).output
    if remote_server.name == "virtuoso":  # a wrong password is refused with what to check, not echoed
        wrong = dataclasses.replace(settings, store_password="wrong-" + password)
        article.write_text(article.read_text(encoding="utf-8") + "It did not say when.\n", encoding="utf-8")
        with pytest.raises(StoreError) as refused:
            ingest([article], wrong, extractor=extractor)
        assert refused.value.status == 502 and "check store_password" in refused.value.message
        assert "wrong-" not in refused.value.message
    ingest([], settings, remove=["2016-09-01-login-probe"], extractor=extractor)
    for text in (caplog.text, health.get_data(True), repr(settings), repr(Endpoints.from_settings(settings)), shown):
        assert password not in text


def test_blank_nodes_come_back_from_the_remote_store(remote_settings):
    # Our graphs mint no blank nodes, but a store may hold them (Virtuoso's own graphs do): Virtuoso's JSON
    # names them nodeID://b10000, which failed the whole result as a syntax error.
    from rdflib import BNode, Literal, URIRef

    import pyoxigraph as ox

    from commgraph.graph import open_store

    store = open_store(remote_settings, remote_settings.data_dir)
    probe, node = URIRef("http://example.org/probe/graph"), BNode()
    store.replace_article(probe, [(URIRef("http://example.org/probe/a"), URIRef("http://example.org/probe/p"), node),
                                  (node, URIRef("http://example.org/probe/v"), Literal("x"))])
    try:
        rows = list(store.query(f"SELECT ?x ?v WHERE {{ GRAPH <{probe}> {{ ?a ?p ?x . ?x ?q ?v }} }}"))
    finally:
        store.remove_article(probe)
    assert len(rows) == 1 and isinstance(rows[0]["x"], ox.BlankNode) and rows[0]["v"] == ox.Literal("x")


def test_figure_values_keep_every_digit(remote_settings, remote_client, extractor, tmp_path):
    # Virtuoso 7.2 writes an xsd:double with six significant digits in every SPARQL result format
    # (23254173 -> "2.32542e+07"); the figure pages must still show the article's number.
    tieba = tmp_path / "2021-06-07-tieba-bars.txt"
    tieba.write_text("Baidu Tieba counts its bars\n\nBaidu said on Monday that Tieba had 23,254,173 bars on "
                     "June 6, 2021, up from a year earlier.\n", encoding="utf-8")
    report = ingest([tieba], remote_settings, extractor=extractor)
    assert not report.failed and len(report.added) == 1
    try:
        rows = remote_client.get("/api/figures", query_string={"format": "json"}).get_json()["figures"]
        exact = [r for r in rows if r["value_text"] == "23,254,173"]
        assert exact and all(r["value"] == 23254173 for r in exact), exact
    finally:
        ingest([], remote_settings, remove=report.added, extractor=extractor)


def test_a_result_virtuoso_cut_is_an_error_not_a_short_answer(tmp_path):
    # ResultSetMaxRows cuts a SELECT silently but for an X-SPARQL-MaxRows header: the entity list, the
    # article graphs or a page would look complete.
    from commgraph.graph import open_store

    process, server = start_virtuoso(tmp_path, result_rows=5)
    try:
        store = open_store(Settings.create(**server.store), tmp_path)
        assert len(list(store.query("SELECT ?x WHERE { VALUES ?x { 1 2 3 } }"))) == 3
        with pytest.raises(StoreError) as cut:
            store.query("SELECT * WHERE { ?s ?p ?o } LIMIT 20")
        assert "cut this result at 5 rows" in cut.value.message and "ResultSetMaxRows" in cut.value.message
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_store_built_ins_and_pragmas_are_refused_in_front(remote_client):
    """Virtuoso's anonymous /sparql runs its SQL built-ins: bif:http_get fetched any URL and returned the body
    (in every spelling below). The front refuses them, and Virtuoso's DEFINE pragmas, whatever the store."""
    import http.server
    import threading

    fetched = []

    class Listener(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            fetched.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"secret")

        def log_message(self, *args):
            pass

    listener = http.server.HTTPServer(("127.0.0.1", 0), Listener)
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{listener.server_address[1]}"
    try:
        for query in (f'SELECT (bif:http_get("{url}/pname") AS ?x) WHERE {{ }}',
                      f'SELECT (<bif:http_get>("{url}/iri") AS ?x) WHERE {{ }}',
                      f'PREFIX b: <bif:> SELECT ?x WHERE {{ BIND(b:http_get("{url}/alias") AS ?x) }}',
                      f'PREFIX : <BIF:> ASK {{ FILTER(STRLEN(:http_get("{url}/empty")) > 0) }}',
                      'SELECT (sql:RDF_GRAPH_USER_PERMS_GET("http://x/", "nobody") AS ?x) WHERE { }',
                      f'DEFINE get:soft "replace" SELECT * FROM <{url}/soft> WHERE {{ ?s ?p ?o }}',
                      f'DEFINE input:grab-all "yes" SELECT * WHERE {{ <{url}/grab> ?p ?o }}'):
            response = remote_client.post("/sparql", data={"query": query})
            assert response.status_code == 403, (query, response.data)
            assert b"Virtuoso" in response.data, response.data
    finally:
        listener.shutdown()
        listener.server_close()
    assert fetched == []
