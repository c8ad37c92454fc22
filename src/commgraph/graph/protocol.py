"""What the rest of commgraph may ask of a graph store: the contract both stores (embedded, remote) keep.

Ingest (pipeline.py) writes through it, pages (lookup.py) and the SPARQL workers read through `query`, and
`commgraph check` / `export` list and serialise through it. Nothing outside `commgraph.graph` knows which store
answers. Queries return pyoxigraph results (`QuerySolutions`, `QueryBoolean`, or an iterable of `Triple`s)
whichever store runs them, so callers read one kind of result.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Iterable, Protocol, runtime_checkable

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.term import Node

Triple = tuple[Node, Node, Node]  # rdflib terms, as facts -> triples (triples.py) makes them


@runtime_checkable
class Queryable(Protocol):
    """What a read-only question needs: a SPARQL query run by the store itself (never rdflib's engine)."""

    def query(self, sparql: str, **options: Any) -> Any:
        """pyoxigraph results for `sparql`; `options` as pyoxigraph's `Store.query` takes them
        (`use_default_graph_as_union`, `default_graph`, `named_graphs`, `custom_functions`)."""
        ...


@runtime_checkable
class GraphStore(Queryable, Protocol):
    """One article graph per article, and the entities graph merged from them."""

    # --- ingest ---
    def replace_article(self, name: URIRef, triples: Iterable[Triple]) -> int:
        """Replace one article's named graph with these triples; the number of quads written."""
        ...

    def bulk_loading(self) -> AbstractContextManager[None]:
        """A block whose writes the store may batch (read nothing written inside it before it ends)."""
        ...

    def remove_article(self, graph_iri: URIRef | str) -> None:
        """Drop one article's named graph (absent is fine)."""
        ...

    def mentioned_entities(self, article_iri: URIRef | str) -> set[str]:
        """Entity IRIs one article graph mentions."""
        ...

    def refresh_entities(self, entity_iris: set[str]) -> None:
        """Re-derive these entities' merged descriptions from the article graphs (entities.py); retract the
        ones no article describes any more."""
        ...

    def add_aliases(self, aliases: dict[str, set[str]]) -> None:
        """More schema:alternateName values (and their name keys) for entities already described."""
        ...

    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update written by commgraph itself (summaries.py keeps its counts with it)."""
        ...

    def present_graphs(self, graph_iris: Iterable[str]) -> set[str]:
        """Which of these named graphs the store holds."""
        ...

    def flush(self) -> None:
        """Make every write durable."""
        ...

    def optimize(self) -> None:
        """Compact the store's files for reading (after a large ingest; seconds per million quads)."""
        ...

    def close(self) -> None:
        """Release what the store holds open."""
        ...

    # --- check, stats, export ---
    def article_graphs(self) -> set[str]:
        """Every article graph's IRI."""
        ...

    def entity_iris(self) -> set[str]:
        """Entities the entities graph describes."""
        ...

    def mentioned(self) -> set[str]:
        """Entities some article mentions."""
        ...

    def entity_count(self) -> int:
        ...

    def quad_count(self) -> int:
        ...

    def graph_triples(self, graph_iri: str) -> list[ox.Triple]:
        """The triples of one named graph."""
        ...

    def export(self, fmt: str, graphs: Iterable[str] | None = None) -> bytes:
        """The whole dataset, or these named graphs, in a format of formats.DATASET_FORMATS."""
        ...
