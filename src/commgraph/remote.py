"""A remote graph store spoken to over the SPARQL 1.1 Protocol, Update and Graph Store Protocol.

`COMMGRAPH_STORE=sparql+http://host:7878` makes ingest write every article graph with one Graph Store PUT (an
atomic replace per article) and makes pages and /sparql read through SPARQL queries, against any conformant
server (Oxigraph server, Fuseki, GraphDB, ...). The server must treat its default graph as the union of the
named graphs (Oxigraph: `serve --union-default-graph`; Fuseki: `tdb2:unionDefaultGraph true`).
"""

from __future__ import annotations

import contextlib
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Iterable

import pyoxigraph as ox
from rdflib import Graph, URIRef

from .errors import QueryError, StoreError
from .graph import Triple, merged_descriptions, name_language, rows_of
from .lookup import literal
from .vocab import CG, SCHEMA, Minter, name_keys

SPARQL_RESULTS = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"


@dataclass(frozen=True)
class Endpoints:
    query: str
    update: str
    data: str

    @classmethod
    def from_settings(cls, settings) -> "Endpoints | None":
        """The remote store's endpoints, or None when the settings keep the embedded store."""
        store = settings.store
        if not store:
            return None
        if not store.startswith(("sparql+http://", "sparql+https://")):
            raise StoreError(f"store must look like sparql+http://host:port, got {store!r}", 500)
        base = store[len("sparql+"):].rstrip("/")
        return cls(base + settings.store_query_path, base + settings.store_update_path, base + settings.store_data_path)


class RemoteStore:
    """The same operations as the embedded GraphStore, over HTTP."""

    def __init__(self, endpoints: Endpoints, minter: Minter | None = None, timeout: float = 30.0) -> None:
        self.endpoints = endpoints
        self.minter = minter
        self.timeout = timeout

    # --- reading: the pyoxigraph Store.query interface that lookup.py and the workers use ---

    def query(self, sparql: str, use_default_graph_as_union: bool = True, custom_functions=None,
              default_graph=None, named_graphs=None, **_):
        """Run a query on the remote endpoint; returns pyoxigraph results (solutions, a boolean, or triples).

        The union default graph is the server's configuration (see the module docstring).
        """
        if custom_functions and "textScore" in sparql:
            raise QueryError("cg:textScore needs the embedded store; a remote store cannot call it", 400)
        form = [("query", sparql)]
        form += [("default-graph-uri", g.value) for g in default_graph or []]
        form += [("named-graph-uri", g.value) for g in named_graphs or []]
        body = urllib.parse.urlencode(form).encode()
        content_type, data = self._request("POST", self.endpoints.query, body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": f"{SPARQL_RESULTS}, {N_TRIPLES};q=0.9"})
        if content_type.startswith(SPARQL_RESULTS):
            return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
        return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]

    def select(self, sparql: str) -> list[dict[str, str]]:
        return rows_of(self, sparql)

    # --- writing: what ingest needs ---

    def replace_article(self, name: URIRef, triples: Iterable[Triple]) -> int:
        """One Graph Store PUT: the server replaces the article's graph atomically."""
        graph = Graph()
        for triple in triples:
            graph.add(triple)
        data = graph.serialize(format="nt", encoding="utf-8")
        self._request("PUT", self._graph_url(str(name)), data, {"Content-Type": N_TRIPLES})
        return len(graph)

    def bulk_loading(self) -> contextlib.AbstractContextManager[None]:
        """Every PUT is already one request per article."""
        return contextlib.nullcontext()

    def remove_article(self, graph_iri: URIRef | str) -> None:
        try:
            self._request("DELETE", self._graph_url(str(graph_iri)), None, {})
        except StoreError as exc:
            if "404" not in exc.message:
                raise

    def mentioned_entities(self, article_iri: URIRef | str) -> set[str]:
        rows = self.select(f"SELECT ?e WHERE {{ GRAPH <{article_iri}> {{ <{article_iri}> <{SCHEMA.mentions}> ?e }} }}")
        return {r["e"] for r in rows}

    def refresh_entities(self, entity_iris: set[str], batch: int = 200) -> None:
        """Re-derive the merged descriptions of these entities, one update request a batch."""
        graph = self.minter.entities_graph()
        merged = merged_descriptions(self, entity_iris, batch)
        ordered = sorted(entity_iris)
        for start in range(0, len(ordered), batch):
            chunk = ordered[start:start + batch]
            values = " ".join(f"<{iri}>" for iri in chunk)
            inserts = []
            for iri in (i for i in chunk if i in merged):
                type_, canonical, aliases, by_language = merged[iri]
                inserts.append(f"<{iri}> a <{type_}> .")
                inserts += [f"<{iri}> <{SCHEMA.name}> {literal(n)}{'@' + lang if lang else ''} ."
                            for lang, n in sorted(by_language.items())]
                inserts += [f"<{iri}> <{SCHEMA.alternateName}> {literal(a)}@{name_language(a)} ." for a in aliases]
                inserts += [f"<{iri}> <{CG.nameKey}> {literal(k)} ."
                            for k in name_keys([canonical, *by_language.values(), *aliases])]
            update = (f"DELETE {{ GRAPH <{graph}> {{ ?e ?p ?o }} }} WHERE {{ VALUES ?e {{ {values} }} "
                      f"GRAPH <{graph}> {{ ?e ?p ?o }} }}")
            if inserts:
                update += f" ;\nINSERT DATA {{ GRAPH <{graph}> {{ {' '.join(inserts)} }} }}"
            self._request("POST", self.endpoints.update, update.encode("utf-8"),
                          {"Content-Type": "application/sparql-update"})

    def add_aliases(self, aliases: dict[str, set[str]]) -> None:
        graph = self.minter.entities_graph()
        triples = " ".join([f"<{iri}> <{SCHEMA.alternateName}> {literal(a)}@{name_language(a)} ."
                            for iri, names in aliases.items() for a in sorted(names)]
                           + [f"<{iri}> <{CG.nameKey}> {literal(k)} ." for iri, names in aliases.items()
                              for k in name_keys(names)])
        self._request("POST", self.endpoints.update, f"INSERT DATA {{ GRAPH <{graph}> {{ {triples} }} }}".encode(),
                      {"Content-Type": "application/sparql-update"})

    def present_graphs(self, graph_iris: Iterable[str], batch: int = 200) -> set[str]:
        """Which of these article graphs the server holds, one query a batch."""
        ordered = sorted(graph_iris)
        found: set[str] = set()
        for start in range(0, len(ordered), batch):
            values = " ".join(f"<{iri}>" for iri in ordered[start:start + batch])
            found |= {r["g"] for r in self.select(
                f"SELECT DISTINCT ?g WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?a a <{SCHEMA.NewsArticle}> }} }}")}
        return found

    def article_graphs(self) -> set[str]:
        rows = self.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?a a <{SCHEMA.NewsArticle}> }} }}")
        return {r["g"] for r in rows}

    def entity_iris(self) -> set[str]:
        graph = self.minter.entities_graph()
        return {r["e"] for r in self.select(f"SELECT DISTINCT ?e WHERE {{ GRAPH <{graph}> {{ ?e <{SCHEMA.name}> ?n }} }}")}

    def entity_count(self) -> int:
        return len(self.entity_iris())

    def quad_count(self) -> int:
        return int(self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[0]["n"])

    def graph_triples(self, graph_iri: str) -> list[ox.Triple]:
        _, data = self._request("GET", self._graph_url(graph_iri), None, {"Accept": N_TRIPLES})
        return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]

    def mentioned(self) -> set[str]:
        return {r["e"] for r in self.select(f"SELECT DISTINCT ?e WHERE {{ GRAPH ?g {{ ?a <{SCHEMA.mentions}> ?e }} }}")}

    def export(self, fmt: str, graphs: list[str] | None = None) -> bytes:
        formats = {"trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS, "jsonld": ox.RdfFormat.JSON_LD}
        names = graphs if graphs is not None else sorted(self.article_graphs() | {self.minter.entities_graph()})
        quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g)) for g in names for t in self.graph_triples(g)]
        return ox.serialize(quads, format=formats[fmt])

    def flush(self) -> None:
        """Every write is already committed by the server."""

    def close(self) -> None:
        """Nothing is held open."""

    # --- HTTP ---

    def _graph_url(self, graph_iri: str) -> str:
        return self.endpoints.data + "?" + urllib.parse.urlencode({"graph": graph_iri})

    def _request(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> tuple[str, bytes]:
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.headers.get("Content-Type", ""), response.read()
        except urllib.error.HTTPError as error:
            with error:
                detail = error.read()[:300].decode("utf-8", "replace").strip()
            if error.code == 400 and method == "POST" and url == self.endpoints.query:
                raise QueryError(f"the store refused the query: {detail}", 400) from None
            raise StoreError(f"{method} {url} failed with HTTP {error.code}: {detail}", 502) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise StoreError(f"cannot reach the graph store at {url} ({error}); is it running? "
                             "check the store setting", 503) from None
