"""A remote graph store spoken to over the SPARQL 1.1 Protocol, Update and Graph Store Protocol.

`COMMGRAPH_STORE=sparql+http://host:7878` makes ingest write every article graph with one Graph Store PUT (an
atomic replace per article) and makes pages and /sparql read through SPARQL queries, against any conformant
server (Oxigraph server, Fuseki, GraphDB, ...). The server must treat its default graph as the union of the
named graphs (Oxigraph: `serve --union-default-graph`; Fuseki: `tdb2:unionDefaultGraph true`; Virtuoso does).
Writes may need a login: `store_user` / `store_password`, answered with HTTP Digest only (Virtuoso's
`/sparql-auth` and `/sparql-graph-crud-auth`), so the password never crosses the wire or reaches a log.
"""

from __future__ import annotations

import contextlib
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Iterable

import pyoxigraph as ox
from rdflib import Graph, URIRef

from ..errors import QueryError, StoreError
from ..vocab import CG, SCHEMA, Minter, name_keys
from .entities import merged_descriptions
from .formats import serialize_quads
from .protocol import Triple
from .rows import literal, select
from .triples import name_language

SPARQL_RESULTS = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"


@dataclass(frozen=True)
class Endpoints:
    query: str
    update: str
    data: str
    user: str = ""
    password: str = field(default="", repr=False)  # Endpoints travel to the workers and may be printed

    @classmethod
    def from_settings(cls, settings) -> "Endpoints | None":
        """The remote store's endpoints, or None when the settings keep the embedded store."""
        store = settings.store
        if not store:
            return None
        if not store.startswith(("sparql+http://", "sparql+https://")):
            raise StoreError(f"store must look like sparql+http://host:port, got {store!r}", 500)
        base = store[len("sparql+"):].rstrip("/")
        return cls(base + settings.store_query_path, base + settings.store_update_path, base + settings.store_data_path,
                   settings.store_user, settings.store_password)


class RemoteStore:
    """The GraphStore protocol over HTTP."""

    def __init__(self, endpoints: Endpoints, minter: Minter | None = None, timeout: float = 30.0) -> None:
        self.endpoints = endpoints
        self.minter = minter
        self.timeout = timeout

    # --- reading: pyoxigraph's Store.query interface (protocol.Queryable) ---

    def query(self, sparql: str, use_default_graph_as_union: bool = True, custom_functions=None,
              default_graph=None, named_graphs=None, **_):
        """Run a query on the remote endpoint; returns pyoxigraph results (solutions, a boolean, or triples).

        The union default graph is the server's configuration (see the module docstring).
        """
        if custom_functions and ("textScore" in sparql or "textHit" in sparql):
            raise QueryError("cg:textScore and cg:textHit need the embedded store; a remote store cannot call them",
                             400)
        form = [("query", sparql)]
        form += [("default-graph-uri", g.value) for g in default_graph or []]
        form += [("named-graph-uri", g.value) for g in named_graphs or []]
        body = urllib.parse.urlencode(form).encode()
        # Ask for the one format the query form gives: Virtuoso ignores q weights and answers a CONSTRUCT in
        # its own JSON when JSON is listed first, and a SELECT as RDF triples when N-Triples is.
        graph_result = query_form(sparql) in ("CONSTRUCT", "DESCRIBE")
        content_type, data = self._request("POST", self.endpoints.query, body, {
            "Content-Type": "application/x-www-form-urlencoded", "Accept": N_TRIPLES if graph_result else SPARQL_RESULTS})
        if content_type.startswith(SPARQL_RESULTS):
            if b"nodeID://" in data:
                data = _plain_blank_nodes(data)
            return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
        return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]

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
        rows = select(self, f"SELECT ?e WHERE {{ GRAPH <{article_iri}> {{ <{article_iri}> <{SCHEMA.mentions}> ?e }} }}")
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

    def update(self, sparql: str) -> None:
        """One request to the update endpoint."""
        self._request("POST", self.endpoints.update, sparql.encode("utf-8"), {"Content-Type": "application/sparql-update"})

    def present_graphs(self, graph_iris: Iterable[str], batch: int = 200) -> set[str]:
        """Which of these article graphs the server holds, one query a batch."""
        ordered = sorted(graph_iris)
        found: set[str] = set()
        for start in range(0, len(ordered), batch):
            values = " ".join(f"<{iri}>" for iri in ordered[start:start + batch])
            found |= {r["g"] for r in select(self,
                f"SELECT DISTINCT ?g WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?a a <{SCHEMA.NewsArticle}> }} }}")}
        return found

    def article_graphs(self) -> set[str]:
        rows = select(self, f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?a a <{SCHEMA.NewsArticle}> }} }}")
        return {r["g"] for r in rows}

    def entity_iris(self) -> set[str]:
        graph = self.minter.entities_graph()
        return {r["e"] for r in select(self, f"SELECT DISTINCT ?e WHERE {{ GRAPH <{graph}> {{ ?e <{SCHEMA.name}> ?n }} }}")}

    def entity_count(self) -> int:
        return len(self.entity_iris())

    def quad_count(self) -> int:
        # Our graphs only: the server may hold others (Virtuoso keeps its own system graphs beside ours).
        return int(select(self, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                                f"FILTER(STRSTARTS(STR(?g), {literal(self.minter.base)})) }}")[0]["n"])

    def graph_triples(self, graph_iri: str) -> list[ox.Triple]:
        _, data = self._request("GET", self._graph_url(graph_iri), None, {"Accept": N_TRIPLES})
        return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]

    def mentioned(self) -> set[str]:
        return {r["e"] for r in select(self, f"SELECT DISTINCT ?e WHERE {{ GRAPH ?g {{ ?a <{SCHEMA.mentions}> ?e }} }}")}

    def export(self, fmt: str, graphs: list[str] | None = None) -> bytes:
        names = graphs if graphs is not None else sorted(self.article_graphs() | {self.minter.entities_graph()})
        quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g)) for g in names for t in self.graph_triples(g)]
        return serialize_quads(quads, fmt)

    def flush(self) -> None:
        """Every write is already committed by the server."""

    def optimize(self) -> None:
        """The server compacts its own files."""

    def close(self) -> None:
        """Nothing is held open."""

    # --- HTTP ---

    def _graph_url(self, graph_iri: str) -> str:
        return self.endpoints.data + "?" + urllib.parse.urlencode({"graph": graph_iri})

    def _opener(self) -> urllib.request.OpenerDirector:
        """An opener that answers a Digest challenge with the store's credentials (a new one per request: the
        handler keeps per-exchange state, and page threads share this store). Basic auth is never offered: it
        would send the password in the clear to any server that asked."""
        if not self.endpoints.user:
            return urllib.request.build_opener()
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        for url in {self.endpoints.query, self.endpoints.update, self.endpoints.data}:
            passwords.add_password(None, url, self.endpoints.user, self.endpoints.password)
        return urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))

    def _request(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> tuple[str, bytes]:
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            with self._opener().open(request, timeout=self.timeout) as response:
                cap = response.headers.get("X-SPARQL-MaxRows")
                if cap:  # Virtuoso's ResultSetMaxRows cut the answer, and says so only in this header
                    raise StoreError(f"the graph store cut this result at {cap} rows ({url}): raise Virtuoso's "
                                     "[SPARQL] ResultSetMaxRows in virtuoso.ini above the max_rows setting and the "
                                     "number of entities; a cut answer would be taken for the whole", 502)
                return response.headers.get("Content-Type", ""), response.read()
        except urllib.error.HTTPError as error:
            with error:
                detail = error.read()[:300].decode("utf-8", "replace").strip()
            if error.code == 400 and method == "POST" and url == self.endpoints.query:
                raise QueryError(f"the store refused the query: {detail}", 400) from None
            if error.code in (401, 403):
                login = (f"the store refused the login of store_user {self.endpoints.user!r}: check store_password"
                         if self.endpoints.user else "the store wants a login: set store_user and store_password")
                raise StoreError(f"{method} {url} failed with HTTP {error.code}: {login} (COMMGRAPH_STORE_USER, "
                                 "COMMGRAPH_STORE_PASSWORD; HTTP Digest)", 502) from None
            raise StoreError(f"{method} {url} failed with HTTP {error.code}: {detail}", 502) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise StoreError(f"cannot reach the graph store at {url} ({error}); is it running? "
                             "check the store setting", 503) from None


# A query's prologue: white space, comments, BASE <iri> and PREFIX name: <iri> (an IRI holds no '>').
_PROLOGUE = re.compile(r"(?:\s|#[^\n]*|BASE\s*<[^>]*>|PREFIX\s*[^\s:<]*:\s*<[^>]*>)*", re.IGNORECASE)


def query_form(sparql: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first keyword after the prologue (upper case; '' if none)."""
    word = re.match(r"[A-Za-z]+", sparql[_PROLOGUE.match(sparql).end():])
    return word.group(0).upper() if word else ""


def _plain_blank_nodes(data: bytes) -> bytes:
    """Virtuoso names a blank node `nodeID://b10000` in SPARQL JSON results, which pyoxigraph refuses (the whole
    result would fail as a syntax error): keep the label after the scheme."""
    results = json.loads(data)
    for row in results.get("results", {}).get("bindings", []):
        for term in row.values():
            if term.get("type") == "bnode" and term.get("value", "").startswith("nodeID://"):
                term["value"] = term["value"][len("nodeID://"):]
    return json.dumps(results).encode()
