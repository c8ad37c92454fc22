"""Facts -> triples: one article's extraction as the triples of its named graph (pure: no store here)."""

from __future__ import annotations

import functools
from typing import Iterable

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from ..facts import Entity, Extraction
from ..vocab import CG, NIF, RDF, SCHEMA, XSD, Minter
from .protocol import Triple

RELATION_TERMS = {"founder": SCHEMA.founder, "provider": SCHEMA.provider, "publisher": SCHEMA.publisher,
                  "location": SCHEMA.location, "startDate": SCHEMA.startDate, "manages": CG.manages,
                  "acquired": CG.acquired}


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
