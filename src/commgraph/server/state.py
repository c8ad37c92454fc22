"""What the server holds open: the current generation (store + index), re-opened when ingest publishes a new one."""

from __future__ import annotations

import functools
import gc
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from .. import generations as gens
from .. import lookup
from ..graph import open_store
from ..index import SearchIndex
from ..remote import Endpoints
from ..settings import Settings
from ..sparql import Limits
from ..vocab import Minter
from ..workers import QueryPool


@dataclass
class Generation:
    """One immutable generation, open read-only. Requests keep the object they started with."""

    path: Path
    manifest: dict
    store: object  # graph.GraphStore (embedded) or remote.RemoteStore: both answer .query(sparql, ...)
    index: SearchIndex
    _names: dict[str, str | None] = field(default_factory=dict, repr=False)

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
    def graph_iris(self) -> set[str]:
        """The named graphs a query may name (computed once per generation, not per query)."""
        return Minter(self.manifest["base_iri"]).queryable_graphs(self.manifest["articles"])


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

    def __init__(self, settings: Settings, freeze_heap: bool = False) -> None:
        self.settings = settings
        self.freeze_heap = freeze_heap
        self.minter = Minter(settings.base_iri)
        self.limits = Limits.from_settings(settings)
        self.pool = QueryPool(settings.query_workers, self.limits)
        self.remote = Endpoints.from_settings(settings)
        self._lock = threading.Lock()
        self._generation: Generation | None = None
        self._freeze_due = False
        self.searches = ResultCache()
        self.queries = ResultCache()

    def generation(self) -> Generation:
        """The current generation; switches atomically when `data/current` moves (no restart, no refresh())."""
        path = gens.require_current(self.settings.data_dir)
        current = self._generation
        if current is not None and current.path == path:
            if self._freeze_due:
                self._freeze_due = False
                _freeze_heap()
            return current
        with self._lock:
            if self._generation is None or self._generation.path != path:
                replaced = self._generation
                self._generation = Generation(path=path, manifest=gens.read_manifest(path),
                                              store=open_store(self.settings, path, self.minter, read_only=True),
                                              index=SearchIndex.open(path / "index"))
                if self.freeze_heap:
                    self._refreeze_after(replaced)
            return self._generation

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
