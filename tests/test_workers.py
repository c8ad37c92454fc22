"""The SPARQL worker pool: its sandbox keeps the network out of reach even when the text check is bypassed."""

import http.server
import threading

import pyoxigraph as ox
import pytest

from commgraph.sparql import Limits
from commgraph.workers import QueryPool, Task


class Canary(http.server.BaseHTTPRequestHandler):
    """Counts every request that reaches it; answers an empty SPARQL result so a fetch would succeed."""

    hits = 0

    def do_GET(self):  # noqa: N802 (http.server's naming)
        type(self).hits += 1
        body = b'{"head":{"vars":["s"]},"results":{"bindings":[]}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def canary():
    handler = type("Handler", (Canary,), {"hits": 0})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], handler
    server.shutdown()
    server.server_close()


@pytest.fixture
def generation(tmp_path):
    """A generation directory with a real (tiny) on-disk Oxigraph store, as the workers open it."""
    store = ox.Store(str(tmp_path / "store"))
    store.add(ox.Quad(ox.NamedNode("http://x/s"), ox.NamedNode("http://x/p"), ox.Literal("o"),
                      ox.NamedNode("http://x/g")))
    store.flush()
    del store
    return tmp_path


def run_service(generation, port: int, sandbox: str):
    """SERVICE against the canary, sent to the real worker pool directly: sparql.analyse (the text check
    that refuses SERVICE) is not on this path."""
    pool = QueryPool(1, Limits(timeout=20.0, sandbox=sandbox))
    try:
        query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
        outcome = pool.run(Task(generation=str(generation), query=query, form="SELECT", fmt="json", max_rows=10))
        return outcome, pool.sandbox
    finally:
        pool.close()


def test_service_never_reaches_the_canary_from_a_sandboxed_worker(generation, canary):
    port, handler = canary
    outcome, sandbox = run_service(generation, port, "required")
    assert handler.hits == 0, "a sandboxed worker reached the network"
    assert sandbox.startswith("network namespace"), sandbox
    assert outcome.status == 503 and b"could not read" in outcome.body  # the fetch failed: no network


def test_without_the_sandbox_the_same_query_does_reach_the_canary(generation, canary):
    """The control: what the sandbox prevents is real (pyoxigraph fetches SERVICE and cannot be told not to)."""
    port, handler = canary
    outcome, sandbox = run_service(generation, port, "off")
    assert handler.hits >= 1 and outcome.status == 200
    assert sandbox.startswith("off")


def test_a_sandboxed_worker_still_answers_queries_and_reports_unknown_functions(generation):
    pool = QueryPool(1, Limits(timeout=20.0))
    try:
        ok = pool.run(Task(generation=str(generation), query="SELECT ?o WHERE { ?s ?p ?o }", form="SELECT",
                           fmt="json", max_rows=10))
        assert ok.status == 200 and b'"o"' in ok.body
        unknown = pool.run(Task(generation=str(generation), query="SELECT ?x WHERE { BIND(<http://x/f>(1) AS ?x) }",
                                form="SELECT", fmt="json", max_rows=10))
        assert unknown.status == 400 and b"http://x/f" in unknown.body
    finally:
        pool.close()
