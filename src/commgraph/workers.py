"""Run SPARQL queries in a small pool of worker processes, so that a hang or a crash never takes the web server.

Each worker opens the generation it is asked about read-only and keeps it open. A query that runs past the
time limit gets its worker killed and replaced; a worker that dies (pyoxigraph can SIGSEGV) is replaced too.
When every worker is busy the caller is told at once (HTTP 429), so queries never pile up.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection

from .errors import CommgraphError, QueryError
from .sparql import MEDIA_TYPES, Limits, serialize_ask, serialize_select, term_json
from .vocab import CG, PREFIXES


@dataclass
class Outcome:
    status: int
    content_type: str
    body: bytes
    truncated: bool = False
    rows: int = 0


@dataclass
class Task:
    generation: str
    query: str
    form: str
    fmt: str
    max_rows: int
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    remote: object | None = None  # remote.Endpoints when the graph store is a remote SPARQL server


def run_task(task: Task, opened: dict) -> Outcome:
    """Execute one analysed query against a generation (inside a worker process)."""
    import pyoxigraph as ox

    store = opened.get(task.generation)
    if store is None:
        opened.clear()
        if task.remote is not None:
            from .remote import RemoteStore

            store = RemoteStore(task.remote, timeout=3600)  # the pool's kill bounds the time
        else:
            store = ox.Store.read_only(os.path.join(task.generation, "store"))
        opened[task.generation] = store
    kwargs: dict = {"custom_functions": {ox.NamedNode(str(CG.textScore)): _text_score(task.generation, opened)}}
    if task.default_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in task.default_graphs]
    else:
        kwargs["use_default_graph_as_union"] = True
    if task.named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in task.named_graphs]
    try:
        result = store.query(task.query, **kwargs)
    except SyntaxError as exc:
        return Outcome(400, "text/plain; charset=utf-8", f"SPARQL syntax error: {exc}\n".encode())
    media = MEDIA_TYPES[task.fmt]
    if isinstance(result, ox.QueryBoolean):
        return Outcome(200, media, serialize_ask(bool(result), task.fmt), rows=1)
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows, truncated = [], False
        for solution in result:
            if len(rows) >= task.max_rows:
                truncated = True
                break
            rows.append([None if solution[v] is None else term_json(solution[v]) for v in variables])
        return Outcome(200, media, serialize_select(variables, rows, task.fmt, truncated), truncated, len(rows))
    triples, truncated = [], False
    for triple in result:
        if len(triples) >= task.max_rows:
            truncated = True
            break
        triples.append(triple)
    formats = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
               "rdfxml": ox.RdfFormat.RDF_XML, "trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS}
    fmt = formats[task.fmt]
    data = [ox.Quad(t.subject, t.predicate, t.object) for t in triples] if fmt in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS) else triples
    prefixes = PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML) else None
    body = ox.serialize(data, format=fmt, **({"prefixes": prefixes} if prefixes else {}))
    return Outcome(200, media, body, truncated, len(triples))


def _text_score(generation: str, opened: dict):
    """cg:textScore(?article, "keywords"): the article's keyword score, unbound when it does not match."""
    import pyoxigraph as ox

    def score(article, keywords):
        if not isinstance(keywords, ox.Literal) or not isinstance(article, ox.NamedNode):
            return None
        cache = opened.setdefault(("scores", generation), {})
        if keywords.value not in cache:
            if len(cache) >= 64:  # a long-lived worker must not grow with every distinct keyword query
                cache.clear()
            cache[keywords.value] = _scores_for(generation, keywords.value, opened)
        value = cache[keywords.value].get(article.value.rsplit("/", 1)[-1])
        return None if value is None else ox.Literal(str(round(value, 4)), datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#double"))

    return score


def _scores_for(generation: str, keywords: str, opened: dict) -> dict[str, float]:
    from pathlib import Path

    from .index import SearchIndex

    engine = opened.get(("index", generation))
    if engine is None:
        engine = opened[("index", generation)] = SearchIndex.open(Path(generation) / "index")
    return engine.scores(keywords)


def _worker_main(conn: Connection) -> None:
    opened: dict = {}
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        try:
            outcome = run_task(task, opened)
        except CommgraphError as exc:  # refused queries, an unreachable remote store ...
            outcome = Outcome(exc.status, "text/plain; charset=utf-8", (exc.message + "\n").encode())
        except (OSError, RuntimeError, ValueError) as exc:
            outcome = Outcome(500, "text/plain; charset=utf-8", f"query failed: {exc}\n".encode())
        conn.send(outcome)


class _Worker:
    def __init__(self, context) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child,), daemon=True)
        self.process.start()
        child.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class QueryPool:
    """A fixed number of worker processes; `run` blocks at most `limits.timeout` seconds."""

    def __init__(self, size: int, limits: Limits) -> None:
        self.limits = limits
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._size = size
        self._started = False

    def _start(self) -> None:
        with self._lock:
            if not self._started:
                for _ in range(self._size):
                    self._idle.put(_Worker(self._context))
                self._started = True

    def run(self, task: Task) -> Outcome:
        self._start()
        try:
            worker = self._idle.get_nowait()
        except queue.Empty:
            raise QueryError(f"all {self._size} query workers are busy; retry in a moment", 429) from None
        try:
            worker.conn.send(task)
            if not worker.conn.poll(self.limits.timeout):
                worker.kill()
                worker = _Worker(self._context)
                raise QueryError(f"the query ran longer than {self.limits.timeout:g} s and was stopped "
                                 "(setting query_timeout); make it more selective or add a LIMIT", 503)
            return worker.conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError):
            worker.kill()
            worker = _Worker(self._context)
            raise QueryError("the query crashed its worker process (it has been replaced); "
                             "simplify the query", 500) from None
        finally:
            self._idle.put(worker)

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                return
