"""The SPARQL worker pool: its sandbox keeps the network out of reach even when the text check is bypassed."""

import http.server
import threading
import time

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


def test_warmed_workers_answer_the_first_query_without_spawning_or_refusing(generation):
    """warm() spawns the workers and has each open the store in the background; a query sent meanwhile waits
    for the first free worker (before, with every worker out, it was told 'all busy', 429), and no query
    spawns a worker again."""
    pool = QueryPool(2, Limits(timeout=20.0))
    task = Task(generation=str(generation), query="SELECT ?o WHERE { ?s ?p ?o }", form="SELECT", fmt="json",
                max_rows=10)
    try:
        warming = pool.warm(Task(generation=str(generation), query="ASK { ?s ?p ?o }", form="ASK", fmt="json",
                                 max_rows=1))
        assert pool._idle.empty()  # every worker is out warming up
        first = pool.run(task)  # sent while the workers still start: waits, is not refused
        assert first.status == 200 and b'"o"' in first.body
        warming.join(timeout=30)
        assert not warming.is_alive() and pool._warming == 0
        workers = list(pool._idle.queue)
        assert len(workers) == 2 and all(w.sandbox is not None for w in workers)
        assert all(pool.run(task).status == 200 for _ in range(3))
        assert {w.process.pid for w in list(pool._idle.queue)} == {w.process.pid for w in workers}
    finally:
        pool.close()


def test_a_worker_that_dies_while_warming_is_replaced(generation, tmp_path):
    """Warming a generation whose store cannot open leaves every worker usable for the next one."""
    pool = QueryPool(1, Limits(timeout=20.0))
    try:
        pool.warm(Task(generation=str(tmp_path / "missing"), query="ASK { ?s ?p ?o }", form="ASK", fmt="json",
                       max_rows=1)).join(timeout=30)
        assert pool._warming == 0
        ok = pool.run(Task(generation=str(generation), query="ASK { ?s ?p ?o }", form="ASK", fmt="json", max_rows=1))
        assert ok.status == 200 and b"true" in ok.body
    finally:
        pool.close()


def test_text_hit_ranks_the_articles_text_score_scores(corpus_data):
    """cg:textHit("keywords", n) is the n-th article by cg:textScore (best first, equal scores in IRI order),
    unbound past the last match and for a rank that is not a positive integer."""
    import json

    from commgraph import generations as gens
    from commgraph.queries import Example
    from commgraph.workers import run_task

    def select(sparql: str) -> list[dict]:
        task = Task(str(gens.require_current(corpus_data.data_dir)), Example("x", "x", sparql).text, "SELECT", "json", 1000)
        outcome = run_task(task, {})
        assert outcome.status == 200, outcome.body[:300]
        return json.loads(outcome.body)["results"]["bindings"]

    scored = select('SELECT ?a ?s WHERE { ?a a schema:NewsArticle BIND(cg:textScore(?a, "interest tribes") AS ?s) '
                    'FILTER(BOUND(?s)) }')
    expected = [row["a"]["value"] for row in sorted(scored, key=lambda r: (-float(r["s"]["value"]), r["a"]["value"]))]
    assert expected
    ranks = " ".join(str(n) for n in range(1, len(expected) + 2))
    hits = select(f'SELECT ?n ?a WHERE {{ VALUES ?n {{ {ranks} 0 -1 "x" 1.5 }} '
                  'BIND(cg:textHit("interest tribes", ?n) AS ?a) } ORDER BY ?n')
    by_rank = {row["n"]["value"]: row.get("a", {}).get("value") for row in hits}
    assert [by_rank[str(n)] for n in range(1, len(expected) + 1)] == expected
    assert by_rank[str(len(expected) + 1)] is None and by_rank["0"] is None and by_rank["-1"] is None
    assert by_rank["x"] is None and by_rank["1.5"] is None


def test_a_query_waits_a_moment_for_a_busy_worker_and_then_429(generation, monkeypatch):
    """Two fast queries at once on one worker: the second waits for it (it was told 'all busy', 429, at once,
    though the worker came free milliseconds later). Only as many wait as there are workers, at most
    WORKER_WAIT seconds; past that, 429 as before."""
    from commgraph import workers
    from commgraph.errors import QueryError

    pool = QueryPool(1, Limits(timeout=20.0))
    task = Task(generation=str(generation), query="SELECT ?o WHERE { ?s ?p ?o }", form="SELECT", fmt="json",
                max_rows=10)
    try:
        assert pool.run(task).status == 200  # started and open
        busy = pool._idle.get_nowait()  # the one worker is out, as if answering another query
        threading.Timer(0.2, pool._idle.put, args=(busy,)).start()
        assert pool.run(task).status == 200  # waited 0.2 s for it
        monkeypatch.setattr(workers, "WORKER_WAIT", 0.3)
        busy = pool._idle.get_nowait()
        outcomes = []

        def ask():
            try:
                outcomes.append(pool.run(task).status)
            except QueryError as exc:
                outcomes.append(exc.status)

        waiting = threading.Thread(target=ask)
        waiting.start()  # waits (the one place in the queue) ...
        time.sleep(0.1)
        with pytest.raises(QueryError) as info:  # ... so this one is refused at once
            pool.run(task)
        assert info.value.status == 429 and "busy" in info.value.message
        waiting.join()
        assert outcomes == [429]  # nobody gave the worker back within WORKER_WAIT
        pool._idle.put(busy)
    finally:
        pool.close()


def test_a_warm_up_opens_the_search_index(corpus_data):
    """A worker's first keyword query opened the index (0.45-0.49 s at 10,000 articles): the warm-up task does,
    and the keyword query after it reads the index it left."""
    from commgraph import generations as gens
    from commgraph.queries import Example
    from commgraph.workers import run_task

    current = gens.require_current(corpus_data.data_dir)
    opened: dict = {}
    warm = run_task(Task(str(current), "ASK { ?s ?p ?o }", "ASK", "json", 1, prepare_index=True), opened)
    assert warm.status == 200
    index = opened[("index", str(current))]
    query = Example("x", "x", 'SELECT ?a WHERE { BIND(cg:textHit("interest tribes", 1) AS ?a) }').text
    assert run_task(Task(str(current), query, "SELECT", "json", 10), opened).status == 200
    assert opened[("index", str(current))] is index


@pytest.mark.parametrize("article_id", ["2016-08-10-qq", "a_b.c~d", "with space", "中文", "a/b", "%41", ".", "x?y"])
def test_article_iris_minted_fast_equal_the_minters(article_id):
    from commgraph.settings import Settings
    from commgraph.vocab import Minter
    from commgraph.workers import article_iri

    minter = Minter(Settings().base_iri)
    assert article_iri(minter, article_id) == str(minter.article(article_id))


@pytest.mark.parametrize("query_waits", [False, True])
def test_warming_sends_the_follow_up_only_while_no_query_waits(generation, caplog, query_waits):
    """warm(task, then=...): each worker answers `task` (opening the store), then `then` (opening the index)
    unless a query is waiting for a worker by then: that query is not kept waiting for the index too."""
    import logging

    pool = QueryPool(2, Limits(timeout=20.0))
    ask = Task(generation=str(generation), query="ASK { ?s ?p ?o }", form="ASK", fmt="json", max_rows=1)
    refused = Task(generation=str(generation), query="ASK {", form="ASK", fmt="json", max_rows=1)  # a 400: logged
    try:
        with caplog.at_level(logging.WARNING, logger="commgraph.workers"):
            pool._waiting = 1 if query_waits else 0
            pool.warm(ask, then=refused).join(timeout=60)
            pool._waiting = 0
        answered = [r for r in caplog.records if "warming up answered 400" in r.getMessage()]
        assert len(answered) == (0 if query_waits else 2)
        assert pool._warming == 0 and pool._idle.qsize() == 2
        assert pool.run(ask).status == 200
    finally:
        pool.close()
