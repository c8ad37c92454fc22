"""Extraction in child processes under a time budget: no article can stall or sink a batch.

A thread cannot be stopped, a process can. The parent hands each child batches of articles over a pipe; the
child announces when it starts on them (with the budget it has) and sends back each article's
`Extraction`. A child that overruns is asked where it is (SIGUSR1: it sends the innermost frames of its stack)
and killed, and a fresh one takes over the rest. An article alone in its batch is then reported as failed,
with its file and that step; the articles of a larger batch are extracted again one at a time, so that only
the slow one fails. A child that dies (a crash inside spaCy, the OOM killer) is handled alike, and an
exception while extracting one article fails that article only.

The budget: `timeout` seconds per 100,000 characters (at least `timeout`) for the first article of a batch
together with the parse of the whole batch, then each further article's own budget after the one before it.
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import wait
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import Iterator

from ..errors import CommgraphError, SettingsError
from ..sources import Article
from .model import Extraction
from .pieces import PIECE_CHARS

BATCH_SIZE = 8  # as Extractor's: measured best on 2 cores
AHEAD = 2  # batches a child holds, so that it starts the next while the parent writes the last one out
MAX_BUFFERED = 256  # extractions held for the article order before children get more work
WHERE_WAIT = 1.0  # seconds an overrunning child has to say where it is before it is killed
_PACKAGE = str(Path(__file__).resolve().parent.parent)


@dataclass(frozen=True)
class ExtractionFailure:
    """An article that was not extracted: which one, in which step, and what to do (`message`)."""

    article: Article
    step: str
    message: str


def budget(chars: int, timeout: float | None) -> float:
    """Seconds to extract `chars` characters of text: `timeout` per 100,000, and at least `timeout`."""
    return math.inf if timeout is None else timeout * max(1.0, chars / PIECE_CHARS)


class Supervised(Iterator[Extraction]):
    """Extractions in article order from `workers` child processes; articles that fail are skipped and listed in
    `failures`. The children start at once (the model loads while the caller sets up); call `close()` when done.

    `extractor`: an `Extractor` (or anything with its `extract_many`) that forked children inherit as loaded;
    without one, each child loads `model` and the rules in `rules_dir`. Children are forked when this process
    runs a single thread or an extractor is given, else spawned (a spawned child first re-imports spaCy).
    """

    def __init__(self, articles: list[Article], workers: int, timeout: float | None, *, model: str = "",
                 rules_dir: str = "", extractor=None) -> None:
        self.articles: list[Article] = []
        self.failures: list[ExtractionFailure] = []
        self._pending: deque[int] = deque()
        self._alone: set[int] = set()
        self._done: dict[int, Extraction] = {}
        self._failed: set[int] = set()
        self._next = 0
        self._size = BATCH_SIZE
        fork = extractor is not None or threading.active_count() == 1
        self._context = multiprocessing.get_context("fork" if fork else "spawn")
        self._args = (extractor if fork else None, model, rules_dir, timeout, os.getpid())
        self._children: list[_Child] = []
        self.extend(articles, workers)

    def extend(self, articles: list[Article], workers: int) -> None:
        """Extract these articles too, after those given before, with `workers` children in all (more start
        now, none stops). Given none at first, one child starts, to load the model while the caller reads the
        articles (see pipeline.start_extraction)."""
        first = len(self.articles)
        self.articles += articles
        self._pending.extend(range(first, len(self.articles)))
        self._alone.update(i for i in range(first, len(self.articles)) if len(self.articles[i].body) > PIECE_CHARS)
        # Small batches for several workers: at least four per worker, so none idles on a long last one.
        self._size = BATCH_SIZE if workers == 1 else max(1, min(BATCH_SIZE, -(-len(articles) // (4 * workers))))
        while len(self._children) < min(workers, max(1, len(self.articles))):
            self._children.append(_Child(self._context, self._args))

    def __next__(self) -> Extraction:
        while True:
            if self._next >= len(self.articles):
                raise StopIteration
            if self._next in self._done:
                self._next += 1
                return self._done.pop(self._next - 1)
            if self._next in self._failed:
                self._next += 1
                continue
            self._pump()

    def close(self) -> None:
        for child in self._children:
            child.stop()
        self._children = []

    def _pump(self) -> None:
        """Wait for the next message from any child, or for the first deadline; act on what happened."""
        if not self._children:
            raise CommgraphError("extraction was closed before it finished")
        self._feed()  # the caller took extractions: the look-ahead may have room again
        deadline = min(child.deadline for child in self._children)
        timeout = None if deadline == math.inf else max(0.0, deadline - time.monotonic())
        ready = set(wait([child.results for child in self._children], timeout))
        for child in list(self._children):
            if child.results in ready:
                try:
                    message = child.results.recv()
                except (EOFError, OSError):
                    self._lost(child, f"the extraction process died ({_exit_reason(child.process)})")
                    continue
                self._handle(child, message)
            elif time.monotonic() >= child.deadline:
                self._lost(child, f"extraction took longer than {child.budget:.3g} s (setting extract_timeout); "
                                  "it was stopped", where=child.where())

    def _handle(self, child: "_Child", message: tuple) -> None:
        kind = message[0]
        if kind == "ready":
            child.ready = True
        elif kind == "loaded":
            child.loaded = True
        elif kind == "step":
            # Counted from when this process reads it, so a pause here (a store flush) never counts against the
            # child: the budget may start late, never early.
            _, child.step_indices, child.budget = message
            child.deadline = time.monotonic() + child.budget
        elif kind == "done":
            _, index, extraction = message
            self._done[index] = extraction
            child.finish(index)
        elif kind == "error":
            _, index, step, text = message
            self._fail(index, step, f"extraction failed ({text})")
            child.finish(index)
        elif kind == "split":  # a batch raised before its first result: extract each of its articles alone
            _, indices = message
            self._alone.update(indices)
            child.drop(indices)
            self._requeue(indices)
        elif kind == "fatal":
            self.close()
            raise SettingsError(message[1])
        self._feed()

    def _lost(self, child: "_Child", reason: str, where: str = "") -> None:
        """A child overran or died: fail its article (or split its batch), start a fresh child for the rest."""
        culprits = [i for i in child.step_indices if i not in self._done]
        unfinished = [i for i in child.take_back() if i not in self._done]
        loading = not child.loaded
        child.stop()
        if loading:
            self.close()
            raise CommgraphError(f"an extraction process died while loading the spaCy model ({reason}); "
                                 "check that `make install` completed and that memory is free")
        if len(culprits) == 1:
            self._fail(culprits[0], where or "extract", reason)
        else:
            self._alone.update(culprits)
        self._requeue([i for i in unfinished if i not in self._failed])
        self._children[self._children.index(child)] = _Child(self._context, self._args)
        self._feed()

    def _fail(self, index: int, step: str, reason: str) -> None:
        article = self.articles[index]
        self._failed.add(index)
        self.failures.append(ExtractionFailure(article, step, (
            f"{article.source}: {reason} in step {step}; the other articles went on. Check this file's text, "
            "or raise extract_timeout, and ingest it again")))

    def _requeue(self, indices: list[int]) -> None:
        self._pending.extendleft(sorted(indices, reverse=True))

    def _feed(self) -> None:
        """Give ready children batches, one at a time to the one holding fewest, up to AHEAD each; the
        look-ahead is bounded, so that at most MAX_BUFFERED extractions wait here for the article order."""
        while self._pending and self._pending[0] - self._next < MAX_BUFFERED:
            takers = [c for c in self._children if c.ready and len(c.outstanding) < AHEAD]
            if not takers:
                return
            first = self._pending.popleft()
            batch = [first]
            while (first not in self._alone and self._pending and len(batch) < self._size
                   and self._pending[0] not in self._alone):
                batch.append(self._pending.popleft())
            min(takers, key=lambda c: len(c.outstanding)).send(batch, [self.articles[i] for i in batch])


class _Child:
    """One extraction process and the parent's view of it: batches sent, the step it is in, its deadline."""

    def __init__(self, context, args: tuple) -> None:
        tasks_in, self.tasks = context.Pipe(duplex=False)
        self.results, results_out = context.Pipe(duplex=False)
        self.where_in, where_out = context.Pipe(duplex=False)
        self.process = context.Process(target=_child_main, args=(tasks_in, results_out, where_out, *args),
                                       daemon=True, name="commgraph-extract")
        self.process.start()
        for end in (tasks_in, results_out, where_out):  # the child's ends: its death must read as EOF here
            end.close()
        self.ready = False  # reading batches (it may still be loading the model)
        self.loaded = False
        self.outstanding: list[list[int]] = []
        self.step_indices: list[int] = []
        self.deadline = math.inf
        self.budget = 0.0

    def send(self, indices: list[int], articles: list[Article]) -> None:
        self.tasks.send(list(zip(indices, articles)))
        self.outstanding.append(indices)

    def finish(self, index: int) -> None:
        self.drop([index])

    def drop(self, indices: list[int]) -> None:
        """These articles of the batch in hand are finished (or handed back by the child itself)."""
        self.outstanding[0] = [i for i in self.outstanding[0] if i not in indices]
        self.step_indices = [i for i in self.step_indices if i not in indices]
        if not self.outstanding[0]:
            self.outstanding.pop(0)
        if not self.outstanding:
            self.deadline = math.inf

    def take_back(self) -> list[int]:
        """Every article sent and not finished; this child gets no more of them."""
        indices = [i for batch in self.outstanding for i in batch]
        self.outstanding = []
        self.step_indices = []
        self.deadline = math.inf
        return indices

    def where(self) -> str:
        """Ask the overrunning child which frames it is in; empty when it cannot answer (stuck inside C code)."""
        try:
            os.kill(self.process.pid, signal.SIGUSR1)
            if self.where_in.poll(WHERE_WAIT):
                return self.where_in.recv()
        except (OSError, EOFError):
            pass
        return ""

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        for end in (self.tasks, self.results, self.where_in):
            end.close()


def _exit_reason(process) -> str:
    process.join(1)
    code = process.exitcode
    if code is not None and code < 0:
        return f"killed by signal {signal.Signals(-code).name}"
    return f"exit code {code}"


def _child_main(tasks, results, where, extractor, model: str, rules_dir: str, timeout: float | None,
                parent: int) -> None:
    """The child: read batches on a thread (so the parent never blocks sending), extract on the main thread,
    send results from a third (so the child never blocks on a parent busy writing, see _Outbox)."""
    _die_with(parent)
    # A forked child holds copies of everything the ingest held, garbage included: collecting it here would run
    # destructors of stores and files that belong to the parent (an Oxigraph store's abort()ed the child).
    gc.freeze()
    inbox: queue.Queue = queue.Queue()

    def read() -> None:
        while True:
            try:
                if tasks.poll(0.5):
                    inbox.put(tasks.recv())
                    continue
            except (EOFError, OSError):
                break
            if os.getppid() != parent:  # the parent is gone (killed): stop instead of waiting for ever
                break
        inbox.put(None)

    threading.Thread(target=read, daemon=True).start()
    signal.signal(signal.SIGUSR1, lambda signum, frame: where.send(_where(frame)))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops the children
    outbox = _Outbox(results)
    try:
        outbox.send(("ready",))
        if extractor is None:
            from . import Extractor, load_rules

            try:
                extractor = Extractor.load(model, load_rules(Path(rules_dir)))
            except CommgraphError as exc:
                outbox.send(("fatal", exc.message))
                return
        outbox.send(("loaded",))
        while (batch := inbox.get()) is not None:
            _extract_batch(extractor, batch, timeout, outbox)
    finally:
        outbox.close()


class _Outbox:
    """The child's results, written to the parent's pipe by a thread: the child extracts on while the parent
    is busy writing an article out and not reading. Sent from the extracting thread itself, an extraction
    (~30 KB pickled) waited for the parent whenever the 64 KB pipe was full: 1.1 s of a 47 s ingest of 100
    articles in one process. At most AHEAD batches' results wait here (the parent sends no more before it
    reads them)."""

    def __init__(self, connection) -> None:
        self._connection = connection
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._write, daemon=True, name="commgraph-extract-results")
        self._thread.start()

    def send(self, message: tuple) -> None:
        # Pickled here, as Connection.send would: an extraction that cannot be pickled fails in the
        # extracting thread (the child dies and the parent reports the article), not silently in the writer.
        self._queue.put(ForkingPickler.dumps(message))

    def close(self) -> None:
        """Write out what is queued (a child that returns would drop it), then stop the thread."""
        self._queue.put(None)
        self._thread.join()

    def _write(self) -> None:
        while (data := self._queue.get()) is not None:
            try:
                self._connection.send_bytes(data)
            except OSError:  # the parent is gone: nobody reads any more
                return


def _die_with(parent: int) -> None:
    """Have the kernel kill this child when the ingest dies: a SIGKILLed ingest must not leave a child behind,
    extracting on or holding the ingest lock it inherited (Linux; elsewhere the reader thread notices later)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # it died before the request above
        os._exit(0)


def _extract_batch(extractor, batch: list[tuple[int, Article]], timeout: float | None, results) -> None:
    indices = [i for i, _ in batch]
    results.send(("step", indices, budget(sum(len(a.body) for _, a in batch), timeout)))
    extractions = extractor.extract_many([a for _, a in batch])
    for n, (index, article) in enumerate(batch):
        try:
            extraction = next(extractions)
        # Any error of one article's extraction fails that article, never the batch (spaCy, our rules, a
        # body no rule foresaw); the message names the error and the step.
        except Exception as exc:  # noqa: BLE001
            if n == 0 and len(batch) > 1:
                results.send(("split", indices))
            else:
                results.send(("error", index, _where_of(exc), f"{type(exc).__name__}: {exc}"))
                if n + 1 < len(batch):
                    results.send(("split", indices[n + 1:]))
            return
        results.send(("done", index, extraction))
        if n + 1 < len(batch):  # the batch is parsed: from here on each article's own budget, and its own fault
            results.send(("step", [indices[n + 1]], budget(len(batch[n + 1][1].body), timeout)))


def _ours(filename: str) -> bool:
    """Frames of commgraph or of the caller's code (tests, scripts), not of the standard library or packages."""
    return filename.startswith(_PACKAGE) or not filename.startswith((sys.prefix, sys.base_prefix))


def _describe(frames: list[traceback.FrameSummary]) -> str:
    ours = [f for f in frames if _ours(f.filename) and f.filename != __file__]
    if not ours:
        return "extract"
    names = []
    for frame in ours[-2:]:
        path = frame.filename[len(_PACKAGE) + 1:] if frame.filename.startswith(_PACKAGE) else Path(frame.filename).name
        names.append(f"{frame.name} ({path}:{frame.lineno})")
    inside = "" if _ours(frames[-1].filename) else f" inside {Path(frames[-1].filename).parent.name}"
    return " > ".join(names) + inside


def _where(frame) -> str:
    return _describe(traceback.extract_stack(frame))


def _where_of(exc: BaseException) -> str:
    return _describe(traceback.extract_tb(exc.__traceback__))
