"""Extraction -> rdflib graph (pure), and the on-disk Oxigraph store written through rdflib (oxrdflib)."""

from __future__ import annotations

import contextlib
import functools
import gc
from collections import Counter
from pathlib import Path
from typing import Iterable, Iterator

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from .facts import Entity, Extraction
from .vocab import CG, NIF, RDF, SCHEMA, XSD, Minter, name_keys


RELATION_TERMS = {"founder": SCHEMA.founder, "provider": SCHEMA.provider, "publisher": SCHEMA.publisher,
                  "location": SCHEMA.location, "startDate": SCHEMA.startDate, "manages": CG.manages,
                  "acquired": CG.acquired}
Triple = tuple[Node, Node, Node]
BULK_QUADS = 20_000  # quads buffered for the bulk loader: ~20 articles; 110k quads load as fast in 22k chunks as in one


def build_graph(extraction: Extraction, minter: Minter) -> Graph:
    """All facts of one article as one rdflib graph, named by the article's IRI."""
    graph = Graph(identifier=minter.article(extraction.article.id))
    for triple in article_triples(extraction, minter):
        graph.add(triple)
    return graph


def article_triples(extraction: Extraction, minter: Minter) -> list[Triple]:
    """All facts of one article, each triple once, for the graph named by the article's IRI.

    A list, not an rdflib Graph: ingest writes these straight to the store, and adding a thousand triples
    to a Graph only to read them back cost a fifth of our own time per article.
    """
    article = extraction.article
    art = minter.article(article.id)
    g = _Triples()
    g.add((art, RDF.type, SCHEMA.NewsArticle))
    g.add((art, SCHEMA.identifier, Literal(article.id)))
    g.add((art, SCHEMA.headline, Literal(article.title)))
    g.add((art, SCHEMA.text, Literal(article.body)))
    g.add((art, CG.sourcePath, Literal(article.source)))
    g.add((art, CG.contentHash, Literal(article.content_hash)))
    if article.date:
        g.add((art, SCHEMA.datePublished, _date_literal(article.date)))
    if article.url:
        g.add((art, SCHEMA.url, Literal(article.url, datatype=XSD.anyURI)))
    if article.lang and article.lang != "und":
        g.add((art, SCHEMA.inLanguage, Literal(article.lang)))
    if article.author:
        g.add((art, SCHEMA.author, Literal(article.author)))
    if article.site_name:
        g.add((art, CG.siteName, Literal(article.site_name)))

    sentence_iris = [minter.part(article.id, "sentence", s.index) for s in extraction.sentences]
    used_sentences: set[int] = set()

    # What this article says an entity is called and what it is: on a node of the article's own, so that the
    # same triple is never repeated across article graphs (the union default graph is a bag in Oxigraph, and
    # repeated descriptions made every join grow with the square of the articles). The merged description
    # (rdf:type, schema:name, schema:alternateName) lives once in the entities graph: see refresh_entities.
    for n, entity in enumerate(sorted(extraction.entities.values(), key=lambda e: e.key)):
        e = minter.entity(entity.key)
        g.add((art, SCHEMA.mentions, e))
        d = minter.part(article.id, "entity", n)
        g.add((d, RDF.type, CG.EntityDescription))
        g.add((d, CG.describes, e))
        g.add((d, CG.entityType, SCHEMA[entity.type]))
        for lang, name in entity_names(entity, article.lang):
            g.add((d, CG.name, Literal(name, lang=lang)))
        for alias in sorted(entity.aliases):
            g.add((d, CG.alias, Literal(alias, lang=name_language(alias, article.lang))))

    for n, mention in enumerate(extraction.mentions):
        m = minter.part(article.id, "mention", n)
        g.add((m, RDF.type, CG.Mention))
        g.add((m, CG.refersTo, minter.entity(mention.entity)))
        g.add((m, NIF.anchorOf, Literal(mention.text)))
        _provenance(g, m, mention.method, mention.confidence)
        _offsets(g, m, mention.start, mention.end)
        _evidence(g, m, art, sentence_iris, mention.sentence, used_sentences)

    for n, figure in enumerate(extraction.figures):
        f = minter.part(article.id, "figure", n)
        g.add((f, RDF.type, SCHEMA.Observation))
        g.add((f, CG.valueText, Literal(figure.text)))
        g.add((f, SCHEMA.variableMeasured, Literal(figure.metric)))
        if figure.value is not None:
            g.add((f, SCHEMA.value, Literal(figure.value, datatype=XSD.double)))
        if figure.min_value is not None:
            g.add((f, SCHEMA.minValue, Literal(figure.min_value, datatype=XSD.double)))
        if figure.max_value is not None:
            g.add((f, SCHEMA.maxValue, Literal(figure.max_value, datatype=XSD.double)))
        if figure.unit:
            g.add((f, SCHEMA.unitText, Literal(figure.unit)))
        if figure.currency:
            g.add((f, SCHEMA.currency, Literal(figure.currency)))
        if figure.approximation:
            g.add((f, CG.approximation, Literal(figure.approximation)))
        if figure.subject:
            g.add((f, SCHEMA.observationAbout, minter.entity(figure.subject)))
        if figure.date:
            g.add((f, SCHEMA.observationDate, _date_literal(figure.date)))
        if figure.canonical:
            g.add((f, CG.canonicalMetric, Literal(figure.canonical)))
        if figure.growth:
            g.add((f, CG.isChange, Literal(True)))
        if figure.period:
            g.add((f, CG.period, Literal(figure.period)))
        _provenance(g, f, figure.method, figure.confidence)
        _offsets(g, f, figure.start, figure.end)
        _evidence(g, f, art, sentence_iris, figure.sentence, used_sentences)

    for n, role in enumerate(extraction.roles):
        r = minter.part(article.id, "role", n)
        person = minter.entity(role.person)
        g.add((r, RDF.type, SCHEMA.OrganizationRole))
        g.add((r, CG.roleHolder, person))
        g.add((r, SCHEMA.roleName, Literal(role.title)))
        g.add((person, SCHEMA.jobTitle, Literal(role.title)))
        if role.organization:
            org = minter.entity(role.organization)
            g.add((r, CG.roleOrganization, org))
            g.add((person, SCHEMA.affiliation if role.academic else SCHEMA.worksFor, org))
        _provenance(g, r, role.method, role.confidence)
        _offsets(g, r, role.start, role.end)
        _evidence(g, r, art, sentence_iris, role.sentence, used_sentences)

    for n, quote in enumerate(extraction.quotes):
        q = minter.part(article.id, "quote", n)
        g.add((q, RDF.type, SCHEMA.Quotation))
        g.add((q, SCHEMA.creator, minter.entity(quote.speaker)))
        g.add((q, SCHEMA.text, Literal(quote.text)))
        g.add((q, SCHEMA.isPartOf, art))
        _provenance(g, q, quote.method, quote.confidence)
        _offsets(g, q, quote.start, quote.end)
        _evidence(g, q, art, sentence_iris, quote.sentence, used_sentences)

    for n, relation in enumerate(extraction.relations):
        subject = minter.entity(relation.subject)
        predicate = RELATION_TERMS[relation.predicate]
        obj = _date_literal(relation.object) if relation.literal else minter.entity(relation.object)
        g.add((subject, predicate, obj))
        # The statement itself, reified, so that the fact keeps its evidence sentence.
        st = minter.part(article.id, "relation", n)
        g.add((st, RDF.type, RDF.Statement))
        g.add((st, RDF.subject, subject))
        g.add((st, RDF.predicate, predicate))
        g.add((st, RDF.object, obj))
        _offsets(g, st, relation.start, relation.end)
        _evidence(g, st, art, sentence_iris, relation.sentence, used_sentences)

    for index in sorted(used_sentences):
        sentence = extraction.sentences[index]
        s = sentence_iris[index]
        g.add((s, RDF.type, NIF.Sentence))
        g.add((s, NIF.anchorOf, Literal(sentence.text)))
        g.add((s, SCHEMA.isPartOf, art))
        _offsets(g, s, sentence.start, sentence.end)
        if article.pages:  # a PDF: the page the sentence starts on
            g.add((s, CG.page, _integer(article.page_at(sentence.start))))
    return list(g)


def name_language(name: str, article_lang: str = "") -> str:
    """The language tag of a name: "zh" for one in Chinese characters; else the article's language, and "en"
    for a Latin name in a Chinese article ("WeChat" in a Chinese report)."""
    if any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in name):
        return "zh"
    return article_lang if article_lang and article_lang not in ("zh", "und") else "en"


def entity_names(entity: Entity, article_lang: str = "") -> list[tuple[str, str]]:
    """(language, name) pairs this article gives an entity: its name, and its name in another language
    where the extraction knows it (腾讯 in a Chinese report is also "Tencent"@en). One name a language."""
    names = {lang: name for lang, name in entity.names.items() if "-" not in lang}  # romanisations are aliases
    names.setdefault(name_language(entity.name, article_lang), entity.name)
    return sorted(names.items())


class _Triples(dict):
    """Triples in insertion order, each once (a dict keeps order; rdflib Graphs are sets)."""

    def add(self, triple: Triple) -> None:
        self[triple] = None


def to_ox_quads(name: URIRef, triples: Iterable[Triple]) -> list[ox.Quad]:
    """Triples as Oxigraph quads in the graph `name`.

    oxrdflib's addN converts every term of every triple anew (~27 µs a quad, a third of spaCy's time per
    article); here a term met before (a property, a class, an entity, an offset) is converted once.
    """
    graph = ox.NamedNode(str(name))
    return [ox.Quad(ox_term(s), ox_term(p), ox_term(o), graph) for s, p, o in triples]


@functools.lru_cache(maxsize=1 << 16)
def ox_term(node: Node) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """The Oxigraph term for an rdflib term (rdflib terms are immutable and compare by kind and lexical form)."""
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, Literal):
        datatype = None if node.language or node.datatype is None else ox.NamedNode(str(node.datatype))
        return ox.Literal(str(node), language=node.language, datatype=datatype)
    return ox.BlankNode(str(node))


def update_entities(store, minter: Minter, recount: set[str], added: list[Entity]) -> None:
    """Bring the entities graph up to date after articles changed.

    `recount`: entities of removed or replaced articles, re-derived from every article that describes them.
    `added`: what new articles say of entities. When the entity is already described with the same name and
    type, only new aliases are added; that keeps adding an article O(the article) even for an entity that ten
    thousand articles mention. Anything else is re-derived.
    """
    recount = set(recount)
    current = current_descriptions(store, minter, {str(minter.entity(e.key)) for e in added} - recount)
    aliases: dict[str, set[str]] = {}
    for entity in added:
        iri = str(minter.entity(entity.key))
        known = current.get(iri)
        if iri in recount or known is None or known[0] != str(SCHEMA[entity.type]) \
                or not {n for _, n in entity_names(entity)} <= known[1]:
            recount.add(iri)
            continue
        new = set(entity.aliases) - known[2] - known[1]
        if new:
            aliases.setdefault(iri, set()).update(new)
    for iri in recount:
        aliases.pop(iri, None)
    if aliases:
        store.add_aliases(aliases)
    store.refresh_entities(recount)


def current_descriptions(store, minter: Minter, iris: set[str], batch: int = 200
                         ) -> dict[str, tuple[str, set[str], set[str]]]:
    """{entity IRI: (class IRI, names (one a language), other names)} as the entities graph has them now."""
    graph = minter.entities_graph()
    found: dict[str, tuple[str, str, set[str]]] = {}
    ordered = sorted(iris)
    for start in range(0, len(ordered), batch):
        values = " ".join(f"<{iri}>" for iri in ordered[start:start + batch])
        for row in rows_of(store, f"""SELECT ?e ?type ?name ?alias WHERE {{ VALUES ?e {{ {values} }}
                GRAPH <{graph}> {{ ?e a ?type ; <{SCHEMA.name}> ?name OPTIONAL {{ ?e <{SCHEMA.alternateName}> ?alias }} }}
                }}"""):
            entry = found.setdefault(row["e"], (row["type"], set(), set()))
            entry[1].add(row["name"])
            if "alias" in row:
                entry[2].add(row["alias"])
    return found


def merged_descriptions(store, entity_iris: set[str], batch: int = 200
                        ) -> dict[str, tuple[str, str, list[str], dict[str, str]]]:
    """{entity IRI: (class IRI, canonical name, other names, {language: name})} from the articles' own
    descriptions: one schema:name a language (the most common there, "Tencent"@en and "腾讯"@zh).

    The counting is done by the store (three aggregate queries a batch), so an entity that a thousand
    articles mention costs milliseconds, not a Python loop over its thousand descriptions. Works on the
    embedded and the remote store alike. Each article counts once per name and type.
    """
    merged: dict[str, tuple[str, str, list[str]]] = {}
    ordered = sorted(entity_iris)
    for start in range(0, len(ordered), batch):
        values = " ".join(f"<{iri}>" for iri in ordered[start:start + batch])
        names: dict[str, Counter] = {}
        types: dict[str, Counter] = {}
        aliases: dict[str, set[str]] = {}
        languages: dict[str, dict[str, Counter]] = {}
        for row in rows_of(store, f"""SELECT ?e ?v (SAMPLE(LANG(?v)) AS ?l) (COUNT(?d) AS ?n) WHERE {{
                VALUES ?e {{ {values} }} GRAPH ?g {{ ?d <{CG.describes}> ?e ; <{CG.name}> ?v }} }} GROUP BY ?e ?v"""):
            names.setdefault(row["e"], Counter())[row["v"]] += int(row["n"])
            languages.setdefault(row["e"], {}).setdefault(row.get("l", ""), Counter())[row["v"]] += int(row["n"])
        for row in rows_of(store, f"""SELECT ?e ?v (COUNT(?d) AS ?n) WHERE {{ VALUES ?e {{ {values} }}
                GRAPH ?g {{ ?d <{CG.describes}> ?e ; <{CG.entityType}> ?v }} }} GROUP BY ?e ?v"""):
            types.setdefault(row["e"], Counter())[row["v"]] = int(row["n"])
        for row in rows_of(store, f"""SELECT DISTINCT ?e ?v WHERE {{ VALUES ?e {{ {values} }}
                GRAPH ?g {{ ?d <{CG.describes}> ?e ; <{CG.alias}> ?v }} }}"""):
            aliases.setdefault(row["e"], set()).add(row["v"])
        for iri, counts in names.items():
            by_language = {lang: most_common(c) for lang, c in languages[iri].items()}
            # the English name where an article gives one (the gazetteer's canonical name), else the most common
            canonical = by_language.get("en") or most_common(counts)
            others = sorted((aliases.get(iri, set()) | set(counts)) - set(by_language.values()) - {canonical})
            merged[iri] = (most_common(types[iri]), canonical, others, by_language)
    return merged


def _name_literal(name: str, lang: str) -> ox.Literal:
    """A schema:name; names written before data format 8 had no language tag, and keep none."""
    return ox.Literal(name, language=lang) if lang else ox.Literal(name)


def rows_of(store, sparql: str) -> list[dict[str, str]]:
    """A SELECT's rows as {variable: lexical value}, on the embedded or the remote store."""
    result = store.query(sparql)
    return [{v.value: s[v].value for v in result.variables if s[v] is not None} for s in result]


def most_common(counts: Counter[str]) -> str:
    """The most frequent value; ties go to the first in sort order, so every run picks the same one."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0][0]


def _provenance(g, node, method: str, confidence: float) -> None:
    """How a fact was found (model, gazetteer, rule) and how sure the rules are of it."""
    if method:
        g.add((node, CG.method, Literal(method)))
        g.add((node, CG.confidence, Literal(float(confidence), datatype=XSD.double)))


def _offsets(g: _Triples, node: URIRef, start: int, end: int) -> None:
    g.add((node, NIF.beginIndex, _integer(start)))
    g.add((node, NIF.endIndex, _integer(end)))


@functools.lru_cache(maxsize=1 << 14)
def _integer(value: int) -> Literal:
    """Offsets repeat across articles, and an rdflib Literal is slow to make (it parses its own lexical form)."""
    return Literal(value, datatype=XSD.integer)


def _evidence(g: _Triples, node: URIRef, art: URIRef, sentences: list[URIRef], index: int, used: set[int]) -> None:
    g.add((node, SCHEMA.isPartOf, art))
    g.add((node, CG.evidence, sentences[index]))
    used.add(index)


def _date_literal(value: str) -> Literal:
    """'2015-08-06' -> xsd:date, '2015-06' -> xsd:gYearMonth, '2015' -> xsd:gYear."""
    datatype = {10: XSD.date, 7: XSD.gYearMonth, 4: XSD.gYear}.get(len(value), XSD.string)
    return Literal(value, datatype=datatype)


class GraphStore:
    """The on-disk Oxigraph store of one generation, used through rdflib's Dataset API."""

    def __init__(self, path: Path, minter: Minter, read_only: bool = False) -> None:
        self.path = path
        self.minter = minter
        self.ox = ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
        self._pending: list[ox.Quad] | None = None  # quads waiting for the bulk loader (see bulk_loading)

    @functools.cached_property
    def dataset(self) -> Dataset:
        """The store through rdflib's Dataset API (oxrdflib); made on first use, so that ingest, which writes
        Oxigraph quads directly, creates no rdflib/oxrdflib reference cycle to collect when it closes."""
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
        return {g.value for g in self.ox.named_graphs()} - {self.entities_graph.value}

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

    def export(self, fmt: str, graphs: Iterable[str] | None = None) -> bytes:
        """Serialise the whole dataset, or some named graphs, with Oxigraph's streaming serialisers."""
        formats = {"trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS, "jsonld": ox.RdfFormat.JSON_LD}
        if graphs is None:
            quads = self.ox.quads_for_pattern(None, None, None)
        else:
            quads = (q for g in graphs for q in self.ox.quads_for_pattern(None, None, None, ox.NamedNode(g)))
        return ox.serialize(quads, format=formats[fmt])


def open_store(settings, generation: Path, minter: Minter, read_only: bool = False):
    """The graph store a generation uses: on disk inside it (default), or the remote one the settings name."""
    if settings.store:
        from .remote import Endpoints, RemoteStore

        return RemoteStore(Endpoints.from_settings(settings), minter, timeout=max(30.0, settings.query_timeout))
    return GraphStore(generation / "store", minter, read_only=read_only)
