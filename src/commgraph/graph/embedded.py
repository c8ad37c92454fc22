"""The embedded graph store: one generation's on-disk Oxigraph store (written directly, read through rdflib's
Dataset API only where rdflib is wanted)."""

from __future__ import annotations

import contextlib
import functools
import gc
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

import pyoxigraph as ox
from rdflib import URIRef

if TYPE_CHECKING:
    from rdflib import Dataset

from ..vocab import CG, RDF, SCHEMA, Minter, name_keys
from .entities import merged_descriptions
from .formats import serialize_quads
from .protocol import Triple
from .triples import name_language, to_ox_quads

BULK_QUADS = 20_000  # quads buffered for the bulk loader: ~20 articles; 110k quads load as fast in 22k chunks as in one


class EmbeddedStore:
    """The on-disk Oxigraph store of one generation, used through rdflib's Dataset API."""

    def __init__(self, path: Path, minter: Minter, read_only: bool = False) -> None:
        self.path = path
        self.minter = minter
        self.ox = ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
        self._pending: list[ox.Quad] | None = None  # quads waiting for the bulk loader (see bulk_loading)

    @functools.cached_property
    def dataset(self) -> Dataset:
        """The store through rdflib's Dataset API (oxrdflib); made on first use, so that ingest, which writes
        Oxigraph quads directly, creates no rdflib/oxrdflib reference cycle to collect when it closes.
        oxrdflib is imported here: with it rdflib's SPARQL engine (0.4-0.5 s of imports), which neither the
        server nor a SPARQL worker needs, and each worker paid at start, beside the server's own start."""
        from oxrdflib import OxigraphStore
        from rdflib import Dataset

        return Dataset(store=OxigraphStore(store=self.ox))

    def replace_article(self, name: URIRef, triples: Iterable[Triple]) -> int:
        """Replace one article's named graph with these triples; returns the number of quads written.

        Inside `bulk_loading()` the new quads are written when the block ends (or the buffer fills).
        """
        self.remove_article(name)
        quads = to_ox_quads(name, triples)
        if self._pending is None:
            self.ox.extend(quads)
        else:
            self._pending += quads
            if len(self._pending) >= BULK_QUADS:
                self._write_pending()
        return len(quads)

    @contextlib.contextmanager
    def bulk_loading(self) -> Iterator[None]:
        """Articles replaced in this block are written with Oxigraph's bulk loader: a third of the time of one
        transaction per article, but not atomic, which is safe only in a generation nobody reads yet.
        Read nothing that the block writes before it ends."""
        self._pending = []
        try:
            yield
            self._write_pending()
        finally:
            self._pending = None

    def _write_pending(self) -> None:
        if self._pending:
            self.ox.bulk_extend(self._pending)
            self._pending.clear()

    def remove_article(self, graph_iri: URIRef | str) -> None:
        node = ox.NamedNode(str(graph_iri))
        if self.ox.contains_named_graph(node):
            self.ox.remove_graph(node)

    def article_graphs(self) -> set[str]:
        return {g.value for g in self.ox.named_graphs()} - {self.entities_graph.value, self.minter.summaries_graph()}

    def present_graphs(self, graph_iris: Iterable[str]) -> set[str]:
        """Which of these named graphs the store holds (without listing every graph)."""
        return {iri for iri in graph_iris if self.ox.contains_named_graph(ox.NamedNode(iri))}

    @property
    def entities_graph(self) -> ox.NamedNode:
        return ox.NamedNode(self.minter.entities_graph())

    def mentioned_entities(self, article_iri: URIRef | str) -> set[str]:
        """Entity IRIs an article graph mentions (before it is replaced or removed)."""
        graph = ox.NamedNode(str(article_iri))
        mentions = ox.NamedNode(str(SCHEMA.mentions))
        return {q.object.value for q in self.ox.quads_for_pattern(None, mentions, None, graph)}

    def refresh_entities(self, entity_iris: set[str]) -> None:
        """Re-derive the entities graph for these entities from the article graphs that still describe them.

        An entity that no article mentions any more is retracted.
        """
        target = self.entities_graph
        merged = merged_descriptions(self, entity_iris)
        name, alternate = ox.NamedNode(str(SCHEMA.name)), ox.NamedNode(str(SCHEMA.alternateName))
        rdf_type, key = ox.NamedNode(str(RDF.type)), ox.NamedNode(str(CG.nameKey))
        for iri in sorted(entity_iris):
            entity = ox.NamedNode(iri)
            for quad in list(self.ox.quads_for_pattern(entity, None, None, target)):
                self.ox.remove(quad)
            if iri not in merged:
                continue  # no article describes it any more: retracted
            type_, canonical, aliases, by_language = merged[iri]
            quads = [ox.Quad(entity, rdf_type, ox.NamedNode(type_), target)]
            quads += [ox.Quad(entity, name, _name_literal(n, lang), target) for lang, n in sorted(by_language.items())]
            quads += [ox.Quad(entity, alternate, ox.Literal(a, language=name_language(a)), target) for a in aliases]
            quads += [ox.Quad(entity, key, ox.Literal(k), target)
                      for k in name_keys([canonical, *by_language.values(), *aliases])]
            self.ox.extend(quads)

    def add_aliases(self, aliases: dict[str, set[str]]) -> None:
        """More schema:alternateName values for entities already in the entities graph."""
        alternate, key = ox.NamedNode(str(SCHEMA.alternateName)), ox.NamedNode(str(CG.nameKey))
        quads = []
        for iri, names in aliases.items():
            entity = ox.NamedNode(iri)
            quads += [ox.Quad(entity, alternate, ox.Literal(a, language=name_language(a)), self.entities_graph)
                      for a in sorted(names)]
            quads += [ox.Quad(entity, key, ox.Literal(k), self.entities_graph) for k in name_keys(names)]
        self.ox.extend(quads)

    def update(self, sparql: str) -> None:
        """A SPARQL Update, one transaction in Oxigraph."""
        self.ox.update(sparql)

    def query(self, sparql: str, **options):
        """A query run inside Oxigraph (never rdflib's engine)."""
        return self.ox.query(sparql, **options)

    def graph_triples(self, graph_iri: str) -> list[ox.Triple]:
        return [ox.Triple(q.subject, q.predicate, q.object)
                for q in self.ox.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri))]

    def mentioned(self) -> set[str]:
        """Every entity some article mentions."""
        mentions = ox.NamedNode(str(SCHEMA.mentions))
        return {q.object.value for q in self.ox.quads_for_pattern(None, mentions, None, None)}

    def entity_iris(self) -> set[str]:
        """Entities described in the entities graph."""
        name = ox.NamedNode(str(SCHEMA.name))
        return {q.subject.value for q in self.ox.quads_for_pattern(None, name, None, self.entities_graph)}

    def quad_count(self) -> int:
        return int(next(iter(self.ox.query("SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }")))["n"].value)

    def entity_count(self) -> int:
        return len(self.entity_iris())

    def close(self) -> None:
        """Release the store now: RocksDB keeps compacting files while any reference lives."""
        self.ox.flush()
        if "dataset" in self.__dict__:
            self.dataset.close()
            del self.dataset
            del self.ox
            gc.collect()
        else:
            del self.ox

    def backup(self, target: Path) -> None:
        """A cheap checkpoint of the whole store into a new directory."""
        self.ox.backup(str(target))

    def flush(self) -> None:
        self.ox.flush()

    def optimize(self) -> None:
        """Compact every file into RocksDB's last level (Oxigraph's `optimize`): a store written by many
        ingests, updates and deletes keeps overlapping files on several levels, and every pattern lookup of a
        query seeks in each. Measured on the 10,000-article bench store (14.1 M quads, 184 files, 4.3 GB -> 56
        files, 2.7 GB, in 83 s): a lookup 35-60 -> 15-30 us, the relations example 160-250 -> 57-97 ms."""
        self.ox.optimize()

    def export(self, fmt: str, graphs: Iterable[str] | None = None) -> bytes:
        """Serialise the whole dataset, or some named graphs, with Oxigraph's streaming serialisers."""
        if graphs is None:
            quads = self.ox.quads_for_pattern(None, None, None)
        else:
            quads = (q for g in graphs for q in self.ox.quads_for_pattern(None, None, None, ox.NamedNode(g)))
        return serialize_quads(quads, fmt)


def _name_literal(name: str, lang: str) -> ox.Literal:
    """A schema:name; names written before data format 8 had no language tag, and keep none."""
    return ox.Literal(name, language=lang) if lang else ox.Literal(name)
