"""The graph seam: facts in, named graphs out, behind one stated contract.

`protocol.GraphStore` is what ingest, pages, workers and check may ask of a store; `embedded.EmbeddedStore`
(Oxigraph on disk, one per generation) and `remote.RemoteStore` (any SPARQL 1.1 server) keep it.
`triples.py` turns an extraction into an article's triples, `entities.py` merges entity descriptions over any
store, `rows.py` turns a SELECT into rows, `formats.py` names the serialisers. `open_store` picks the store the
settings name; nothing else constructs one.
"""

from __future__ import annotations

from pathlib import Path

from ..settings import Settings
from ..vocab import Minter
from .embedded import EmbeddedStore
from .entities import merged_descriptions, update_entities
from .protocol import GraphStore, Queryable, Triple
from .remote import Endpoints, RemoteStore
from .triples import article_triples, build_graph

__all__ = ["GraphStore", "Queryable", "Triple", "EmbeddedStore", "RemoteStore", "Endpoints", "open_store",
           "article_triples", "build_graph", "update_entities", "merged_descriptions"]


def open_store(settings: Settings, generation: Path, minter: Minter | None = None, read_only: bool = False,
               timeout: float | None = None) -> GraphStore:
    """The graph store a generation uses: on disk inside it (default), or the remote one the settings name.

    `timeout`: seconds a remote request may take (default: the query timeout, at least 30 s); the SPARQL
    workers give a long one, since the pool kills a query that runs too long.
    """
    minter = minter or Minter(settings.base_iri)
    endpoints = Endpoints.from_settings(settings)
    if endpoints is not None:
        return RemoteStore(endpoints, minter, timeout=timeout or max(30.0, settings.query_timeout))
    return EmbeddedStore(Path(generation) / "store", minter, read_only=read_only)
