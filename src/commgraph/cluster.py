"""Extraction on a Dask distributed cluster (setting `dask_scheduler`): batches of articles go out, plain facts
come back in article order to the one writer, which builds the generation as it does for local processes.

Each worker loads the model once: the ingest registers an `ExtractorPlugin` that carries the model's name and
the writer's own rules (so every worker extracts with the rules the manifest records, whatever rule files the
worker's machine has). A task is one batch, extracted on the worker the way a local ingest extracts it: in a
child process forked from the worker, which inherits the loaded model, under the `extract_timeout` budget
(extract/supervised.py). So an article that hangs, crashes or raises fails alone and is reported with its file
and step, exactly as locally, and the worker lives on.

A task has no side effects, so when a worker is lost mid-batch the scheduler runs that batch again on another
worker, and the writer takes each batch's result once, in order: no article is lost or doubled. A batch whose
workers keep dying (the scheduler gives up after `distributed.scheduler.allowed-failures` deaths) is split into
single articles; a single article that still takes its workers down is reported as failed.
"""

from __future__ import annotations

import hashlib
from collections import deque
from concurrent.futures import CancelledError
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

from .errors import CommgraphError, SettingsError
from .extract.pieces import PIECE_CHARS
from .extract.supervised import AHEAD, BATCH_SIZE, MAX_BUFFERED, ExtractionFailure, Supervised
from .facts import Article, Extraction

if TYPE_CHECKING:
    from distributed import Client, Future

    from .extract.rules import Rules

CONNECT_TIMEOUT = 10.0  # seconds to reach the scheduler, and to wait for its first worker
PLUGIN_PREFIX = "commgraph-extractor-"


try:
    from distributed import WorkerPlugin
except ImportError:  # the `cluster` extra is not installed: extract_on_cluster says so
    WorkerPlugin = object  # type: ignore[assignment,misc]


class ExtractorPlugin(WorkerPlugin):
    """Loads the model with the writer's rules once per worker process; tasks find it by the plugin's name.

    Idempotent: a second ingest with the same model and rules finds it loaded; other rules are another plugin
    (the ingest unregisters the stale one, which frees its model)."""

    idempotent = True

    def __init__(self, model: str, rules: "Rules") -> None:
        self.model = model
        self.rules = rules
        self.extractor = None
        self.name = PLUGIN_PREFIX + hashlib.sha256(f"{model}\n{rules.fingerprint}".encode()).hexdigest()[:16]

    async def setup(self, worker) -> None:
        import asyncio
        import multiprocessing

        from .extract import Extractor

        # On a thread: the worker's event loop must keep answering the scheduler's heartbeats meanwhile (a load
        # on the loop itself blocked it for 15 s on the shared 2-core machine)
        self.extractor = await asyncio.get_running_loop().run_in_executor(None, Extractor.load, self.model,
                                                                          self.rules)
        # A nanny starts its worker as a daemonic process, only for the nanny's clean-up, and multiprocessing
        # refuses a daemonic process children. The extraction child of a task is killed when the task ends,
        # and by the kernel when this worker dies (PR_SET_PDEATHSIG): it cannot outlive the worker.
        multiprocessing.current_process().daemon = False

    def teardown(self, worker) -> None:
        self.extractor = None


@dataclass
class BatchResult:
    """What one task sends back: the batch's extractions in article order (failed ones left out), its failures,
    and `fatal`, a message when the worker could not extract at all (no model there)."""

    extractions: list[Extraction] = field(default_factory=list)
    failures: list[ExtractionFailure] = field(default_factory=list)
    fatal: str | None = None


def extract_batch(plugin_name: str, articles: list[Article], timeout: float | None) -> BatchResult:
    """The task, on a worker: the batch in a child forked from this worker (it inherits the loaded model)."""
    from distributed import get_worker

    worker = get_worker()
    plugin = worker.plugins.get(plugin_name)
    if plugin is None or plugin.extractor is None:
        return BatchResult(fatal=f"the Dask worker {worker.address} has not loaded the spaCy model (plugin "
                                 f"{plugin_name} missing or failed; see the worker's log)")
    if any(article.lang == "zh" for article in articles):
        # Built here, once per worker, so that every forked child inherits it (in the child it would be built
        # again for each batch and thrown away: jieba's first load is ~0.4 s)
        _ = plugin.extractor.chinese
    supervised = Supervised(articles, 1, timeout, extractor=plugin.extractor)
    try:
        extractions = list(supervised)
    except CommgraphError as exc:
        return BatchResult(fatal=f"on the Dask worker {worker.address}: {exc.message}")
    finally:
        supervised.close()
    return BatchResult(extractions, supervised.failures)


class ClusterExtractions(Iterator[Extraction]):
    """Extractions in article order from the cluster at `address`; articles that fail are skipped and listed in
    `failures` (the same `ExtractionFailure`s as local extraction). Batches are submitted at once, up to a
    bounded look-ahead; call `close()` when done (it cancels what is still queued and disconnects)."""

    def __init__(self, address: str, model: str, rules: "Rules", articles: list[Article],
                 timeout: float | None) -> None:
        self.articles = articles
        self.failures: list[ExtractionFailure] = []
        self._address = address
        self._client = _connect(address)
        try:
            self._plugin = _register(self._client, address, ExtractorPlugin(model, rules))
            # threads, not processes: a worker with --nthreads 2 extracts two batches at once (two forked children)
            workers = sum(w["nthreads"] for w in self._client.scheduler_info(n_workers=-1)["workers"].values())
        except BaseException:
            self.close()
            raise
        self._timeout = timeout
        # As local extraction sizes them: at least four batches per worker, so none idles on a long last one;
        # an article long enough to be extracted in pieces goes alone.
        size = BATCH_SIZE if workers == 1 else max(1, min(BATCH_SIZE, -(-len(articles) // (4 * workers))))
        self._queued: deque[list[int]] = deque()
        for i, article in enumerate(articles):
            if len(article.body) > PIECE_CHARS or not self._queued or len(self._queued[-1]) >= size \
                    or len(articles[self._queued[-1][0]].body) > PIECE_CHARS:
                self._queued.append([i])
            else:
                self._queued[-1].append(i)
        # Results wait on the workers until the writer reaches them: bound how many articles are out at once.
        self._window = max(MAX_BUFFERED, 2 * AHEAD * size * workers)
        self._inflight: deque[tuple[list[int], "Future"]] = deque()
        self._ready: deque[Extraction] = deque()
        self._submit()

    def __next__(self) -> Extraction:
        from distributed import KilledWorker

        while not self._ready:
            if not self._inflight:
                raise StopIteration
            indices, future = self._inflight.popleft()
            try:
                result: BatchResult = future.result()
            except KilledWorker as exc:
                if len(indices) > 1:  # which of them takes workers down is unknown: each alone, in order
                    self._inflight.extendleft(reversed([([i], self._send([i])) for i in indices]))
                else:
                    self._fail(indices[0], f"the Dask workers extracting it died ({exc})")
                self._submit()
                continue
            # The scheduler went away mid-ingest (its futures are cancelled, or the connection fails): the caller
            # publishes nothing.
            except (CancelledError, OSError, TimeoutError) as exc:
                raise CommgraphError(f"lost the Dask scheduler at {self._address} during extraction ({exc}); "
                                     "nothing was published, run the ingest again") from exc
            self._submit()
            if result.fatal:
                raise SettingsError(f"{result.fatal}; check that commgraph and the model are installed on every "
                                    "worker (`pip install commgraph[cluster]`), or unset dask_scheduler")
            self._ready.extend(result.extractions)
            self.failures += result.failures
        return self._ready.popleft()

    def close(self) -> None:
        client, self._client = getattr(self, "_client", None), None
        if client is None:
            return
        try:
            futures = [future for _, future in getattr(self, "_inflight", ())]
            if futures:
                client.cancel(futures)
        finally:
            client.close()

    def _send(self, indices: list[int]) -> "Future":
        batch = [self.articles[i] for i in indices]
        # pure=False: the same batch sent again (after a split) is a new task, not the failed one's result
        return self._client.submit(extract_batch, self._plugin, batch, self._timeout, pure=False)

    def _submit(self) -> None:
        out = sum(len(indices) for indices, _ in self._inflight)
        while self._queued and (not self._inflight or out + len(self._queued[0]) <= self._window):
            indices = self._queued.popleft()
            self._inflight.append((indices, self._send(indices)))
            out += len(indices)

    def _fail(self, index: int, reason: str) -> None:
        article = self.articles[index]
        self.failures.append(ExtractionFailure(article, "extract", (
            f"{article.source}: {reason} in step extract; the other articles went on. Check this file's text "
            "and the workers' memory, and ingest it again")))


def extract_on_cluster(address: str, model: str, rules: "Rules", articles: list[Article],
                       timeout: float | None = None) -> ClusterExtractions:
    """The same extractions as `extract_in_processes`, from the Dask cluster whose scheduler is at `address`."""
    return ClusterExtractions(address, model, rules, articles, timeout)


def _connect(address: str) -> "Client":
    try:
        from distributed import Client
    except ImportError:
        raise SettingsError("dask_scheduler is set but Dask is not installed; `pip install commgraph[cluster]`, "
                            "or unset COMMGRAPH_DASK_SCHEDULER to extract in local processes") from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise SettingsError(f"cannot reach the Dask scheduler at {address} (setting dask_scheduler) within "
                            f"{CONNECT_TIMEOUT:g} s ({exc}); start it with `dask scheduler`, or unset "
                            "COMMGRAPH_DASK_SCHEDULER to extract in local processes") from None
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except TimeoutError:
        client.close()
        raise SettingsError(f"the Dask scheduler at {address} has no workers after {CONNECT_TIMEOUT:g} s; start "
                            f"some with `dask worker {address} --nthreads 1`") from None
    return client


def _register(client: "Client", address: str, plugin: ExtractorPlugin) -> str:
    """Register the plugin (every worker loads the model now, and every worker that joins later); unregister
    the plugins of other models or rules, so their models do not stay in the workers' memory."""
    # A lambda, which cloudpickle sends by value: the scheduler's machine need not have commgraph installed
    names = client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.worker_plugins))
    stale = [name for name in names if name.startswith(PLUGIN_PREFIX) and name != plugin.name]
    for name in stale:
        client.unregister_worker_plugin(name)
    try:
        client.register_plugin(plugin, name=plugin.name)
    except CommgraphError as exc:
        # registered on the scheduler all the same: drop it, so that the next ingest tries to load it again
        client.unregister_worker_plugin(plugin.name)
        raise SettingsError(f"a Dask worker of {address} cannot load the model: {exc.message}") from None
    return plugin.name


__all__ = ["ExtractorPlugin", "ClusterExtractions", "extract_on_cluster", "extract_batch"]
