"""What the server holds open: the current generation (store + index), re-opened when ingest publishes a new one."""

from __future__ import annotations

import functools
import gc
import logging
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .. import generations as gens
from .. import lookup
from ..errors import READ_ERRORS, StoreError, is_read_error
from ..graph import Endpoints, GraphStore, open_store
from ..search import SearchBudget, SearchIndex, SearchLimits, engine_from_settings
from ..settings import Settings
from ..sparql import Limits
from ..vocab import Minter
from ..workers import QueryPool, Task

if TYPE_CHECKING:
    from .complete import Completions

log = logging.getLogger("commgraph.server")
OPEN_ERRORS = (*READ_ERRORS, RuntimeError, ValueError, KeyError)  # what opening damaged files raised
WARM_QUERY = "ASK { ?s ?p ?o }"  # what a query worker answers to open a generation's store before any user asks


@dataclass
class Generation:
    """One immutable generation, open read-only. Requests keep the object they started with."""

    path: Path
    manifest: gens.Manifest
    store: GraphStore
    index: SearchIndex  # opened by the engine the search_engine setting names
    _names: dict[str, str | None] = field(default_factory=dict, repr=False)
    # (mount point, article id) -> the entity chips of its search hits (views._chips): a generation never changes
    chips: dict[tuple[str, str], list[dict]] = field(default_factory=dict, repr=False)

    def entity_names(self, keys: list[str], minter: Minter) -> dict[str, str]:
        """{entity key: schema:name}, each looked up once per generation (a search page shows dozens, and a
        generation never changes). Bounded: starts over past 100,000 names."""
        missing = [k for k in keys if k not in self._names]
        if missing:
            found = lookup.values_of(self.store, {k: str(minter.entity(k)) for k in missing}, "schema:name")
            if len(self._names) > 100_000:
                self._names.clear()
            self._names.update({k: found.get(k) for k in missing})
        names = {k: self._names.get(k) for k in keys}
        return {k: name for k, name in names.items() if name is not None}

    @functools.cached_property
    def name_index(self) -> dict[str, str]:
        """{sorted lower-case words of a name: the name} over every entity name and alias, read once per
        generation: search suggests names from it ("Daosheng Tnag" -> "Tang Daosheng")."""
        return {" ".join(sorted(name.lower().split())): name for name in lookup.all_names(self.store)}

    @functools.cached_property
    def completions(self) -> "Completions":
        """Every entity name and alias for the search box's autocomplete, read once per generation."""
        from .complete import Completions

        return Completions(lookup.completion_names(self.store))

    @functools.cached_property
    def graph_iris(self) -> set[str]:
        """The named graphs a query may name (computed once per generation, not per query)."""
        return Minter(self.manifest.base_iri or Settings().base_iri).queryable_graphs(self.manifest.articles)


class ResultCache:
    """A small LRU of answers for the generation being served. Generations never change, so an answer stays
    right until `current` moves; then the cache starts over."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._generation: Path | None = None
        self._items: OrderedDict = OrderedDict()

    def get(self, generation: Path, key):
        with self._lock:
            if generation != self._generation:
                return None
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, generation: Path, key, value) -> None:
        with self._lock:
            if generation != self._generation:
                self._items.clear()
                self._generation = generation
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)


class Services:
    """Opened once per app and kept on `app.extensions['commgraph']`."""

    def __init__(self, settings: Settings, freeze_heap: bool = False, warm_workers: bool = False) -> None:
        self.settings = settings
        self.freeze_heap = freeze_heap
        # the server (not tests): each generation served is prepared in the background (_prepare)
        self.warm_workers = warm_workers
        self.minter = Minter(settings.base_iri)
        self.limits = Limits.from_settings(settings)
        self.pool = QueryPool(settings.query_workers, self.limits)
        self.search_budget = SearchBudget(SearchLimits.from_settings(settings))
        self.search_engine = engine_from_settings(settings)
        self.remote = Endpoints.from_settings(settings)
        self._lock = threading.Lock()
        self._generation: Generation | None = None
        self._chosen_for: Path | None = None  # where `current` pointed when _generation was chosen
        self._damaged: dict[Path, str] = {}  # generations found damaged (never served again) -> why
        self._verifying: set[Path] = set()
        self.degraded: dict | None = None  # set while `current` is damaged and another generation is served
        self._freeze_due = False
        self.searches = ResultCache()
        self.queries = ResultCache()
        self.entities = ResultCache(size=16)  # entity pages (views.entity_data): Tencent's holds ~1 MB of rows
        self.entity_urls: dict[tuple, str] = {}  # (mount point, entity key, api) -> its URL (views.entity_url)

    def generation(self) -> Generation:
        """The current generation; switches atomically when `data/current` moves (no restart, no refresh()).

        A `current` that is damaged (a missing or resized file, a store or index that does not open, or
        checksums that failed after a read error) is served around: the newest intact generation answers,
        and /healthz and the log say so."""
        target = gens.current_target(self.settings.data_dir)
        current = self._generation
        if current is not None and self._chosen_for == target and current.path not in self._damaged:
            if self._freeze_due:
                self._freeze_due = False
                _freeze_heap()
            return current
        with self._lock:
            current = self._generation
            if current is None or self._chosen_for != target or current.path in self._damaged:
                self._generation = self._open_best(target)
                self._chosen_for = target
                if self.freeze_heap:
                    self._refreeze_after(current)
                if self.warm_workers:
                    threading.Thread(target=self._prepare, args=(self._generation,), name="commgraph-prepare",
                                     daemon=True).start()
            return self._generation

    def _prepare(self, gen: Generation) -> None:
        """Prepare a generation just opened, in this order: what every search reads (the index's arrays, in
        this thread), then the query workers (spawned, opening the store: QueryPool.warm) and a language's
        dictionary (jieba), both in the background.

        In that order because the two cores are shared: spawning the workers (~0.3 s of CPU each) and loading
        jieba (~1.3 s, holding this process's GIL) beside the first search made it wait, and neither is what it
        needs: cold start to the first search answer at 10,000 articles 2.5-3.1 -> 1.5-2.1 s at load 2.5,
        4.2-5.0 -> 2.2-2.4 s at load 5-6 (alternating). The workers then open the search index only while no
        query waits for one (QueryPool.warm's `then`).
        """
        try:
            gen.index.warm_up()
        except OPEN_ERRORS as exc:  # the first search that reads the same files reports it (read_failed)
            log.warning("preparing the search index of %s failed: %s: %s", gen.path.name, type(exc).__name__,
                        str(exc)[:300])
        task = Task(generation=str(gen.path), query=WARM_QUERY, form="ASK", fmt="json", max_rows=1,
                    settings=self.settings)
        self.pool.warm(task, then=replace(task, prepare_index=True))

    def start_warming(self) -> threading.Thread:
        """Open the current generation in the background, and prepare it (see _prepare), so that neither the
        first search nor the first SPARQL query pays for the opening."""
        def warm() -> None:
            try:
                self.generation()
            except (StoreError, *OPEN_ERRORS) as exc:  # nothing to serve yet: the first request says why
                log.info("nothing opened at start: %s", getattr(exc, "message", exc))

        thread = threading.Thread(target=warm, name="commgraph-open", daemon=True)
        thread.start()
        return thread

    def _open_best(self, target: Path | None) -> Generation:
        """Open `current`, or when it is damaged the newest generation that opens intact."""
        for path in gens.candidates(self.settings.data_dir):
            if path in self._damaged:
                continue
            try:
                manifest = gens.read_manifest(path)
                problems = gens.damage(path, checksums=False, manifest=manifest)
            except (OSError, ValueError) as exc:
                problems = [f"{path.name}/{gens.MANIFEST} cannot be read ({exc})"]
            if not problems:
                try:
                    opened = Generation(path=path, manifest=manifest,
                                        store=open_store(self.settings, path, self.minter, read_only=True),
                                        index=self.search_engine.open(path / "index"))
                except OPEN_ERRORS as exc:
                    problems = [f"{path.name} does not open: {type(exc).__name__}: {str(exc)[:300]}"]
            if problems:
                self._damaged[path] = "; ".join(problems[:3])
                log.error("generation %s is damaged, not serving it: %s", path.name, self._damaged[path])
                continue
            self.degraded = None
            if path != target:
                why = self._damaged.get(target) if target else None
                self.degraded = {"current": target.name if target else None,
                                 "problem": why or f"{self.settings.data_dir / 'current'} leads to no generation",
                                 "serving": path.name}
                log.error("the current generation is damaged (%s); serving %s instead: run `commgraph check`, "
                          "then `commgraph ingest --rebuild`", self.degraded["problem"], path.name)
            return opened
        if target is None and not gens.finished_generations(self.settings.data_dir):
            gens.require_current(self.settings.data_dir)  # raises: no data yet, run ingest
        raise StoreError("no intact generation to serve: " + "; ".join(self._damaged.values())[:600]
                         + ". Run `commgraph check`, then `commgraph ingest --rebuild corpus/`")

    def read_failed(self, exc: BaseException) -> None:
        """A request could not read the served generation: check its files (checksums, in the background,
        once); when they are damaged, the next request opens the newest intact generation instead."""
        gen = self._generation
        log.error("reading generation %s failed: %s: %s", gen.path.name if gen else "?", type(exc).__name__,
                  str(exc)[:300])
        if gen is None:
            return
        with self._lock:
            if gen.path in self._verifying or gen.path in self._damaged:
                return
            self._verifying.add(gen.path)
        threading.Thread(target=self._verify, args=(gen.path,), name="commgraph-verify", daemon=True).start()

    def _verify(self, path: Path) -> None:
        try:
            problems = gens.damage(path, checksums=True)
            if problems:
                self._mark_damaged(path, problems)
        finally:
            self._verifying.discard(path)

    def _mark_damaged(self, path: Path, problems: list[str]) -> None:
        """Never serve this generation again (the next request opens the newest intact one)."""
        self._damaged[path] = "; ".join(problems[:3])
        log.error("generation %s is damaged: %s", path.name, self._damaged[path])

    def health(self) -> tuple[dict, int]:
        """The /healthz answer: (JSON body, status). 200 while some generation answers (with `degraded` when
        it is not `current`), 503 when none does."""
        try:
            gen = self.generation()
            # Files that vanished or shrank under the running server (it would go on answering from open
            # files until a restart): a stat per file, 3 ms at 1,000 articles.
            while problems := gens.size_problems(gen.path, gen.manifest):
                self._mark_damaged(gen.path, problems)
                gen = self.generation()
            graph_ok = bool(gen.store.query("ASK { GRAPH ?g { ?s ?p ?o } }"))
            documents = gen.index.doc_count()
        except StoreError as exc:
            return {"status": "unavailable", "error": exc.message}, 503
        except Exception as exc:  # noqa: BLE001 - a health check answers JSON whatever went wrong
            if is_read_error(exc):
                self.read_failed(exc)
            return {"status": "unavailable", "error": f"{type(exc).__name__}: {str(exc)[:300]}"}, 503
        body = {"status": "degraded" if self.degraded else "ok", "generation": gen.manifest.generation,
                "articles": len(gen.manifest.articles), "graph": graph_ok, "indexed": documents}
        if self.degraded:
            body["degraded"] = self.degraded
        return body, 200

    def _refreeze_after(self, replaced: Generation | None) -> None:
        """Freeze the heap now (first generation), or once the replaced generation's last request has let it
        go: frozen, it could never be collected."""
        if replaced is None:
            _freeze_heap()
            return
        gc.unfreeze()
        weakref.finalize(replaced, setattr, self, "_freeze_due", True)

    def close(self) -> None:
        self.pool.close()


def _freeze_heap() -> None:
    """Hide every object alive now (modules, the app, the open generation) from the cyclic garbage collector.

    Its full collections walked all of them: 17-40 ms pauses that landed on random requests (a search's p95
    at 10,000 articles). Objects made later are collected as usual.
    """
    gc.collect()
    gc.freeze()
