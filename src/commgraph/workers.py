"""Run SPARQL queries in a small pool of worker processes, so that a hang or a crash never takes the web server.

Each worker opens the generation it is asked about read-only and keeps it open. A query that runs past the
time limit gets its worker killed and replaced; a worker that dies (pyoxigraph can SIGSEGV) is replaced too.
When every worker is busy a query waits for one at most WORKER_WAIT seconds, and only as many wait as there
are workers; beyond that the caller is told at once (HTTP 429), so queries never pile up.

Each worker first moves into a network namespace of its own, with no interface but a loopback that is down:
pyoxigraph executes SERVICE over HTTP and has no switch for it, so the text check in sparql.analyse is not
left as the only guard. Root may create one outright; another user creates a user namespace with it. Where
the OS allows neither (setting query_sandbox=required) the worker refuses every query with a 503 that says
why, and the pool logs it; query_sandbox=off, or a remote graph store (the workers must reach it), runs
without one.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import queue
import re
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

from .errors import CommgraphError, QueryError
from .settings import Settings
from .sparql import MEDIA_TYPES, Limits, serialize_ask, serialize_select, term_json
from .vocab import CG, Minter

log = logging.getLogger(__name__)
CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000  # <linux/sched.h>
# How long a query waits for a busy worker. Refused at once, three or four clients of fast distinct queries
# (10-60 ms each) against two workers were told 429 for most of their requests (1,000 articles: 511 of 573,
# 796 of 957), though a worker came free within milliseconds.
WORKER_WAIT = 1.0


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
    settings: Settings | None = None  # the settings naming a remote graph store; None: the generation's own
    # A warm-up (QueryPool.warm): also open the generation's search index, which a worker's first keyword query
    # (cg:textHit, cg:textScore) did: 0.45-0.49 s of it at 10,000 articles.
    prepare_index: bool = False


def run_task(task: Task, opened: dict) -> Outcome:
    """Execute one analysed query against a generation (inside a worker process)."""
    import pyoxigraph as ox

    from .graph import open_store
    from .graph.formats import serialize_triples

    store = opened.get(task.generation)
    if store is None:
        opened.clear()
        # a remote store's requests get a long timeout: the pool's kill bounds the time
        store = open_store(task.settings or Settings(), task.generation, read_only=True, timeout=3600)
        opened[task.generation] = store
    kwargs: dict = {"custom_functions": {ox.NamedNode(str(CG.textScore)): _text_score(task, opened),
                                         ox.NamedNode(str(CG.textHit)): _text_hit(task, opened)}}
    if task.default_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in task.default_graphs]
    else:
        kwargs["use_default_graph_as_union"] = True
    if task.named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in task.named_graphs]
    if task.prepare_index:
        _prepare_index(task, opened)
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
        # One JSON dict per distinct term, shared by the rows that repeat it (names, predicates), so that
        # serialize_select encodes each once; a solution read by position, not by name (relations' 1,000 rows
        # at 10,000 articles: 30-35 ms of reading and encoding -> 7.5 ms).
        as_json: dict = {}
        for solution in result:
            if len(rows) >= task.max_rows:
                truncated = True
                break
            rows.append([None if term is None else as_json.get(term) or as_json.setdefault(term, term_json(term))
                         for term in solution])
        return Outcome(200, media, serialize_select(variables, rows, task.fmt, truncated), truncated, len(rows))
    triples, truncated = [], False
    for triple in result:
        if len(triples) >= task.max_rows:
            truncated = True
            break
        triples.append(triple)
    return Outcome(200, media, serialize_triples(triples, task.fmt), truncated, len(triples))


def _text_score(task: Task, opened: dict):
    """cg:textScore(?article, "keywords"): the article's keyword score, unbound when it does not match."""
    import pyoxigraph as ox

    def score(article, keywords):
        if not isinstance(keywords, ox.Literal) or not isinstance(article, ox.NamedNode):
            return None
        value = _keyword_scores(task, keywords.value, opened)[0].get(article.value)  # other nodes: no score
        return None if value is None else ox.Literal(str(value), datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#double"))

    return score


def _text_hit(task: Task, opened: dict):
    """cg:textHit("keywords", n): the IRI of the n-th best-scoring article (1 is the best; equal scores in IRI
    order), unbound past the last match. A query that wants the top matches asks for ranks 1..k instead of
    calling cg:textScore on every article of the store: one call costs ~7 us of Oxigraph calling Python, so
    11,000 calls were 80-180 ms of a query at 10,000 articles."""
    import pyoxigraph as ox

    def hit(keywords, rank):
        if not isinstance(keywords, ox.Literal) or not isinstance(rank, ox.Literal):
            return None
        try:
            n = int(rank.value)
        except ValueError:
            return None
        ranking = _keyword_scores(task, keywords.value, opened)[1]
        return ox.NamedNode(ranking[n - 1]) if 1 <= n <= len(ranking) else None

    return hit


def _keyword_scores(task: Task, keywords: str, opened: dict) -> tuple[dict[str, float], list[str]]:
    """{article IRI: score rounded as cg:textScore gives it} and the IRIs best first, once per worker and
    keywords (by IRI: parsing each IRI back to an id cost 31 us a call, a dict lookup 0.2 us)."""
    cache = opened.setdefault(("scores", task.generation), {})
    if keywords not in cache:
        if len(cache) >= 64:  # a long-lived worker must not grow with every distinct keyword query
            cache.clear()
        found = _scores_for(task, keywords, opened)
        iris = opened[("iris", task.generation)]
        minter = Minter((task.settings or Settings()).base_iri)
        scores = {iris.get(a) or iris.setdefault(a, article_iri(minter, a)): round(value, 4)
                  for a, value in found.items()}
        cache[keywords] = scores, sorted(scores, key=lambda iri: (-scores[iri], iri))
    return cache[keywords]


def article_iri(minter: Minter, article_id: str) -> str:
    """str(minter.article(article_id)), without quoting or checking an id that needs neither: minting 10,000
    IRIs through Minter.article (quote, check_iri, URIRef) took 0.12-0.3 s of a worker's first keyword query
    at 10,000 articles."""
    if _PLAIN_ID.fullmatch(article_id):
        return f"{minter.base}article/{article_id}"
    return str(minter.article(article_id))


# The characters quote(..., safe="-_.~") leaves as they are, and check_iri accepts
_PLAIN_ID = re.compile(r"[A-Za-z0-9_.~-]+")


def _prepare_index(task: Task, opened: dict) -> None:
    """Open the generation's index as the first keyword query would (importing the engine: most of the 0.54 s
    at 10,000 articles); a generation without an index (or a search server that is away) is left to the first
    keyword query to report. Not minting every article's IRI ahead (0.42 s more: reading 11,000 stored ids)."""
    try:
        _scores_for(task, "", opened)
    except (OSError, CommgraphError) as exc:
        log.warning("SPARQL query workers: the search index did not open while warming up: %s", exc)


def _scores_for(task: Task, keywords: str, opened: dict) -> dict[str, float]:
    """Scores from the generation's index, opened once per worker by the engine the settings choose."""
    from pathlib import Path

    from .search import engine_from_settings

    index = opened.get(("index", task.generation))
    if index is None:
        engine = engine_from_settings(task.settings or Settings())
        index = opened[("index", task.generation)] = engine.open(Path(task.generation) / "index")
        # article IRIs, each minted once per worker (quoting an id: 26 us, half of a first keyword query's 0.54 s
        # at 10,000 articles), so a worker's next keywords need not mint them again
        opened[("iris", task.generation)] = {}
    return index.scores(keywords)


def enter_network_namespace() -> str:
    """Move this process (single-threaded: a worker before its first query) into a new network namespace.

    Returns how; raises OSError when the OS refuses both ways. Python 3.12 has os.unshare; 3.11 calls libc.
    """
    unshare = getattr(os, "unshare", None)
    libc = None if unshare is not None else ctypes.CDLL(None, use_errno=True)
    refused = []
    for flags, how in ((CLONE_NEWNET, "network namespace"),
                       (CLONE_NEWUSER | CLONE_NEWNET, "network namespace (in a user namespace)")):
        try:
            if unshare is not None:
                unshare(flags)
            elif libc.unshare(flags) != 0:
                raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
            return how
        except OSError as exc:
            refused.append(f"unshare({how}): {exc.strerror or exc}")
    raise OSError("; ".join(refused))


def _sandbox(mode: str) -> tuple[bool, str]:
    """(queries may run, what isolates them) for a worker started with query_sandbox `mode`."""
    if mode == "off":
        return True, "off (setting query_sandbox=off): only the text check stops SERVICE"
    if mode == "remote":
        return True, "off: the graph store is remote, so workers need the network (its server runs SERVICE)"
    try:
        return True, enter_network_namespace()
    except (OSError, AttributeError) as exc:  # AttributeError: no libc.unshare (not Linux)
        return False, (f"unavailable ({exc}): SPARQL queries are refused; run as root or allow user "
                       "namespaces, or set query_sandbox=off to rely on the text check alone")


def _worker_main(conn: Connection, sandbox: str = "required") -> None:
    allowed, how = _sandbox(sandbox)
    conn.send(("sandbox", allowed, how))
    opened: dict = {}
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if not allowed:
            conn.send(Outcome(503, "text/plain; charset=utf-8", f"no SPARQL sandbox: {how}\n".encode()))
            continue
        try:
            outcome = run_task(task, opened)
        except CommgraphError as exc:  # refused queries, an unreachable remote store ...
            outcome = Outcome(exc.status, "text/plain; charset=utf-8", (exc.message + "\n").encode())
        except OSError as exc:  # the store's files (or, with the sandbox off, a remote fetch) failed
            outcome = Outcome(503, "text/plain; charset=utf-8",
                              f"the query could not read its data: {exc}; if it persists, run commgraph check\n"
                              .encode())
        except RuntimeError as exc:  # Oxigraph's evaluation errors (raised while results are read): the query's
            outcome = Outcome(400, "text/plain; charset=utf-8",
                              f"the query cannot be evaluated: {exc} (functions: SPARQL 1.1's and cg:textScore)\n"
                              .encode())
        except ValueError as exc:
            outcome = Outcome(500, "text/plain; charset=utf-8", f"query failed: {exc}\n".encode())
        conn.send(outcome)


class _Worker:
    def __init__(self, context, sandbox: str) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, sandbox), daemon=True)
        self.process.start()
        child.close()
        self.sandbox: str | None = None  # what isolates it, once it has said so

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
        self._warming = 0  # workers out answering a warm-up task (see warm)
        self._waiting = 0  # queries waiting for a worker (see _take)
        self.sandbox: str | None = None  # what isolates the workers, as the last one to start reported

    def _new_worker(self) -> _Worker:
        return _Worker(self._context, self.limits.sandbox)

    def start(self) -> None:
        """Spawn the workers now rather than on the first query (they load their imports meanwhile)."""
        self._start()

    def _start(self) -> None:
        with self._lock:
            if not self._started:
                for _ in range(self._size):
                    self._idle.put(self._new_worker())
                self._started = True

    def _greet(self, worker: _Worker) -> None:
        """Read a new worker's report of its sandbox (its first message), and log what it means."""
        if worker.sandbox is not None:
            return
        if not worker.conn.poll(max(self.limits.timeout, 30.0)):
            raise EOFError("the worker did not start")
        _, allowed, how = worker.conn.recv()
        worker.sandbox = how
        if how != self.sandbox:
            self.sandbox = how
            if allowed and how.startswith("network"):
                log.info("SPARQL query workers: sandbox: %s", how)
            else:
                log.warning("SPARQL query workers: sandbox %s", how)

    def _take(self) -> _Worker:
        """An idle worker: at once, or after waiting for one (every worker out warming up: up to the query
        timeout; else up to WORKER_WAIT, with at most as many waiting as there are workers): else 429."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            refuse = not self._warming and self._waiting >= self._size
            if not refuse:
                self._waiting += 1
        try:
            if not refuse:
                return self._idle.get(timeout=self.limits.timeout if self._warming else WORKER_WAIT)
        except queue.Empty:
            pass
        finally:
            if not refuse:
                with self._lock:
                    self._waiting -= 1
        raise QueryError(f"all {self._size} query workers are busy; retry in a moment", 429)

    def run(self, task: Task) -> Outcome:
        self._start()
        worker = self._take()
        try:
            self._greet(worker)
            worker.conn.send(task)
            if not worker.conn.poll(self.limits.timeout):
                worker.kill()
                worker = self._new_worker()
                raise QueryError(f"the query ran longer than {self.limits.timeout:g} s and was stopped "
                                 "(setting query_timeout); make it more selective or add a LIMIT", 503)
            return worker.conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError):
            worker.kill()
            worker = self._new_worker()
            raise QueryError("the query crashed its worker process (it has been replaced); "
                             "simplify the query", 500) from None
        finally:
            self._idle.put(worker)

    def warm(self, task: Task, then: Task | None = None) -> threading.Thread:
        """Start every worker now and have each answer `task` (a cheap query on the generation being served, so
        that it opens the store), then `then` (more preparation) unless a query is waiting for a worker by then;
        in a background thread; returns the thread.

        Spawning a worker and opening the store cost the first query 2 s at 11 M quads. A query that arrives
        while the workers warm waits for the first one free instead of being told that all are busy, and not
        for `then` too (opening the search index: 0.54 s of CPU a worker at 10,000 articles).
        """
        self._start()
        workers = []
        with self._lock:
            while len(workers) < self._size:
                try:
                    workers.append(self._idle.get_nowait())
                except queue.Empty:
                    break  # answering queries already: warm when they are done is no better than not at all
            self._warming += len(workers)
        thread = threading.Thread(target=self._warm_up, args=(workers, task, then), name="commgraph-warm",
                                  daemon=True)
        thread.start()
        return thread

    def _warm_up(self, workers: list[_Worker], task: Task, then: Task | None = None) -> None:
        """Send `task` to every worker at once, and `then` to each that has answered while no query waits; give
        each back to the pool as soon as it has answered its last."""
        waiting: dict[Connection, _Worker] = {}
        followed: set[Connection] = set()  # the workers sent `then`
        for worker in workers:
            try:
                self._greet(worker)
                worker.conn.send(task)
                waiting[worker.conn] = worker
            except (EOFError, BrokenPipeError, ConnectionResetError, OSError):
                self._give_back(self._replace(worker))
        while waiting:
            ready = wait(list(waiting), timeout=max(self.limits.timeout, 30.0))
            if not ready:  # stuck opening the store: replaced, like a query that ran too long
                for worker in waiting.values():
                    self._give_back(self._replace(worker))
                return
            for conn in ready:
                worker = waiting.pop(conn)
                try:
                    outcome = conn.recv()
                    if outcome.status != 200:
                        log.warning("SPARQL query workers: warming up answered %s: %s", outcome.status,
                                    outcome.body[:200].decode("utf-8", "replace").strip())
                    if then is not None and conn not in followed and not self._waiting:
                        conn.send(then)
                        followed.add(conn)
                        waiting[conn] = worker
                        continue
                except (EOFError, BrokenPipeError, ConnectionResetError, OSError):
                    worker = self._replace(worker)
                self._give_back(worker)

    def _replace(self, worker: _Worker) -> _Worker:
        log.warning("SPARQL query workers: a worker died while warming up; replaced")
        worker.kill()
        return self._new_worker()

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            self._warming -= 1
        self._idle.put(worker)

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                return
