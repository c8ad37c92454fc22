"""Warm start: `commgraph serve` starts its SPARQL query workers and opens the store in them before anyone asks,
so the first query does not pay for spawning a worker and opening the store (2 s at 11 M quads)."""

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from conftest import free_port, stop_process, wait_for


def query_workers(server_pid: int) -> set[int]:
    """The query worker processes under a `commgraph serve` (gunicorn master -> worker -> spawned workers)."""
    found, pending = set(), [server_pid]
    while pending:
        pid = pending.pop()
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            try:
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue
            if b"spawn_main" in cmdline:
                found.add(child)
            pending.append(child)
    return found


def test_the_server_warms_its_query_workers_before_the_first_query(corpus_data):
    port = free_port()
    env = dict(os.environ, COMMGRAPH_DATA_DIR=str(corpus_data.data_dir), COMMGRAPH_PORT=str(port),
               COMMGRAPH_QUERY_WORKERS="2")
    process = subprocess.Popen([sys.executable, "-m", "commgraph", "serve"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz")
        deadline = time.monotonic() + 60
        while len(query_workers(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        warmed = query_workers(process.pid)
        assert len(warmed) == 2, "no query worker started before the first SPARQL query"
        body = b"ASK { ?s a <https://schema.org/NewsArticle> }"
        request = urllib.request.Request(base + "/sparql", data=body, headers={
            "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.loads(response.read())["boolean"] is True
        assert query_workers(process.pid) == warmed  # answered by a worker started at start, none spawned since
    finally:
        stop_process(process)


def test_the_server_worker_hands_the_gil_on_within_a_millisecond(corpus_data):
    """A request thread waiting for the GIL waited up to Python's 5 ms switch interval behind a busy search
    thread, again after every wait on I/O (docs/performance.md, session 6): the worker sets 1 ms."""
    from commgraph.serving import SWITCH_INTERVAL, _Gunicorn

    before = sys.getswitchinterval()
    try:
        app = _Gunicorn(corpus_data, {"bind": "127.0.0.1:0"}).load()
        assert sys.getswitchinterval() == SWITCH_INTERVAL == 0.001 < before
        app.extensions["commgraph"].close()
    finally:
        sys.setswitchinterval(before)


def test_the_server_prepares_the_search_index_before_it_starts_the_query_workers(corpus_data, monkeypatch):
    """On two shared cores, spawning the query workers and loading jieba beside the first search made it wait
    (cold start 2.0-3.4 s at 10,000 articles): the index's arrays come first, the workers after them."""
    from commgraph.server import create_app

    app = create_app(corpus_data, warm_workers=True)
    svc = app.extensions["commgraph"]
    seen: dict = {}
    warm = svc.pool.warm

    def record_then_warm(task, then=None):
        seen["prepared"] = set(svc.generation().index.postings._cache)
        seen["workers started"] = svc.pool._started
        seen["then opens the index"] = then is not None and then.prepare_index
        return warm(task, then=then)

    monkeypatch.setattr(svc.pool, "warm", record_then_warm)
    try:
        svc.start_warming().join(timeout=60)
        deadline = time.monotonic() + 60
        while "prepared" not in seen and time.monotonic() < deadline:
            time.sleep(0.05)
        assert {"live", "entities", "dates"} <= seen["prepared"]
        assert seen["workers started"] is False
        assert seen["then opens the index"]
        with app.test_client() as client:  # and the workers it then starts answer
            response = client.post("/sparql", data="ASK { ?s ?p ?o }", content_type="application/sparql-query",
                                   headers={"Accept": "application/sparql-results+json"})
            assert response.status_code == 200 and response.get_json()["boolean"] is True
    finally:
        svc.close()


def test_gunicorns_master_imports_no_part_of_the_app():
    """`commgraph serve` runs gunicorn from the CLI process, which becomes its master: it imported the app (52 MB
    resident at 10,000 articles, every page counted again in the worker it forks); the worker imports it."""
    probe = ("import json, sys\n"
             "import commgraph.cli, commgraph.serving\n"
             "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'rdflib', 'pyoxigraph', "
             "'whoosh', 'numpy') or m.startswith('commgraph.server'))))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(done.stdout) == []
