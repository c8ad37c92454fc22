"""Closed vocabularies (a typo in a term raises), IRI minting from stable keys, and parsing them back."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable
from urllib.parse import quote, unquote

from rdflib import URIRef
from rdflib.namespace import RDF, XSD, DefinedNamespace, Namespace

__all__ = ["SCHEMA", "CG", "NIF", "RDF", "XSD", "Minter", "Minted", "PREFIXES", "check_iri", "name_keys"]


class SCHEMA(DefinedNamespace):
    """The schema.org terms commgraph uses (and only those)."""

    _NS = Namespace("https://schema.org/")
    _fail = True

    NewsArticle: URIRef
    Person: URIRef
    Organization: URIRef
    Product: URIRef
    Place: URIRef
    Event: URIRef
    CreativeWork: URIRef
    Observation: URIRef
    Quotation: URIRef
    OrganizationRole: URIRef
    headline: URIRef
    text: URIRef
    datePublished: URIRef
    mentions: URIRef
    name: URIRef
    alternateName: URIRef
    identifier: URIRef
    url: URIRef
    value: URIRef
    minValue: URIRef
    maxValue: URIRef
    unitText: URIRef
    currency: URIRef
    variableMeasured: URIRef
    observationAbout: URIRef
    observationDate: URIRef
    jobTitle: URIRef
    worksFor: URIRef
    affiliation: URIRef
    roleName: URIRef
    creator: URIRef
    isPartOf: URIRef
    founder: URIRef
    provider: URIRef
    publisher: URIRef
    location: URIRef
    startDate: URIRef
    inLanguage: URIRef
    author: URIRef


class CG(DefinedNamespace):
    """commgraph's own terms, only where schema.org has none (documented in docs/ontology.md)."""

    _NS = Namespace("https://w3id.org/commgraph/ns#")
    _fail = True

    Mention: URIRef
    EntityDescription: URIRef  # what one article says an entity is called and is
    describes: URIRef  # entity description -> entity
    entityType: URIRef  # entity description -> schema class
    name: URIRef  # entity description -> the name this article uses
    alias: URIRef  # entity description -> another name this article gives
    nameKey: URIRef  # entity -> each of its names normalised (lower case, single spaces): case-blind lookups
    refersTo: URIRef  # mention -> entity
    evidence: URIRef  # figure / role / quote / mention -> the nif:Sentence it came from
    approximation: URIRef  # "more than", "nearly" ... kept from the text
    canonicalMetric: URIRef  # the canonical metric of a figure (rules/metrics.toml)
    isChange: URIRef  # a figure that is a change ("up 28%"), not a level
    period: URIRef  # the reporting period a figure's sentence names ("2020-Q4")
    method: URIRef  # how a fact was found (gazetteer, model, rule names)
    confidence: URIRef  # how sure the rules are of a fact, 0-1
    valueText: URIRef  # the number as written ("380 million")
    roleHolder: URIRef  # role -> person
    roleOrganization: URIRef  # role -> organisation
    sourcePath: URIRef  # article -> file it was read from
    contentHash: URIRef  # article -> sha256 of its cleaned content
    siteName: URIRef  # article -> the name of the site a web page belongs to (og:site_name)
    page: URIRef  # sentence -> the page of the PDF it starts on (1-based)
    textScore: URIRef  # SPARQL function: keyword score of an article
    textHit: URIRef  # SPARQL function: the n-th best-matching article of a keyword search
    manages: URIRef  # person -> organisation or product they run
    acquired: URIRef  # organisation -> organisation or product it bought
    # Summaries (summaries.py), in the summaries graph: counts ingest keeps current so queries need not scan
    articleCount: URIRef  # entity -> how many articles mention it
    mentionCount: URIRef  # entity -> how many mentions refer to it
    quoteCount: URIRef  # person -> how many quotations it said
    RoleSummary: URIRef  # one distinct (holder, title, organisation) that roles state
    summaryHolder: URIRef  # role summary -> person
    summaryTitle: URIRef  # role summary -> the title
    summaryOrganization: URIRef  # role summary -> organisation (absent when the roles name none)
    roleCount: URIRef  # role summary -> how many roles state it
    CoMention: URIRef  # an entity and a product that articles mention together
    coMentionOf: URIRef  # co-mention -> the entity
    coMentionedProduct: URIRef  # co-mention -> the product mentioned with it
    coMentionCount: URIRef  # co-mention -> how many articles mention both
    QuoteSummary: URIRef  # one distinct (speaker, words) that quotations state
    summarySpeaker: URIRef  # quote summary -> person
    summaryText: URIRef  # quote summary -> the words said
    saidCount: URIRef  # quote summary -> how many quotations state it
    FigureBucket: URIRef  # the figures whose value has one order of magnitude, or whose date one year
    bucketMagnitude: URIRef  # figure bucket -> floor(log10(value)) of its figures
    bucketYear: URIRef  # figure bucket -> the year of its figures' dates
    figureCount: URIRef  # figure bucket -> how many figures it holds
    valueMagnitude: URIRef  # figure -> floor(log10(value)), in the summaries graph
    dateYear: URIRef  # figure -> the year of its date, in the summaries graph


class NIF(DefinedNamespace):
    """NLP Interchange Format terms for sentences and character offsets."""

    _NS = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")
    _fail = True

    Sentence: URIRef
    anchorOf: URIRef
    beginIndex: URIRef
    endIndex: URIRef


PREFIXES = {"schema": str(SCHEMA._NS), "cg": str(CG._NS), "nif": str(NIF._NS), "xsd": str(XSD),
            "rdf": str(RDF)}

# Characters an IRI may not hold (RFC 3987 excludes these; Oxigraph rejects them).
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def name_keys(names: Iterable[str]) -> list[str]:
    """The cg:nameKey values of these names: each in lower case with single spaces, once."""
    return sorted({" ".join(name.split()).lower() for name in names})


def check_iri(iri: str) -> URIRef:
    """Validate an IRI before it reaches the store: Oxigraph refuses what rdflib only warns about."""
    if not iri.startswith(("http://", "https://")) or _BAD_IRI.search(iri):
        raise ValueError(f"invalid IRI {iri!r}")
    return URIRef(iri)


@dataclass(frozen=True)
class Minted:
    """What a minted IRI names (`Minter.parse`).

    kind "entity": `key` ("person/tang-daosheng"); "article": `article` (its id); "part": a node inside an
    article, `article`, `part` ("sentence", "mention", "figure", "role", "quote", "entity", "relation") and `n`;
    "entities-graph": the graph of merged entity descriptions.
    """

    kind: str
    key: str | None = None
    article: str | None = None
    part: str | None = None
    n: int | None = None


class Minter:
    """Mints every IRI of the graph from stable keys under one base, so re-runs give the same quads."""

    def __init__(self, base: str) -> None:
        self.base = base
        # An article's facts mint the same entity and article IRIs hundreds of times: quote and check once.
        self.article = lru_cache(maxsize=4096)(self._article)  # type: ignore[method-assign]
        self.entity = lru_cache(maxsize=65536)(self._entity)  # type: ignore[method-assign]

    def _iri(self, *parts: str) -> URIRef:
        return check_iri(self.base + "/".join(quote(p, safe="-_.~") for p in parts))

    def entities_graph(self) -> str:
        """The one named graph holding the merged description of every entity."""
        return str(check_iri(self.base + "graph/entities"))

    def summaries_graph(self) -> str:
        """The one named graph holding the counts ingest keeps for queries (summaries.py)."""
        return str(check_iri(self.base + "graph/summaries"))

    def queryable_graphs(self, article_ids) -> set[str]:
        """The named graphs a query may name in FROM / FROM NAMED: every article graph, the entities graph and
        the summaries graph."""
        return {str(self.article(a)) for a in article_ids} | {self.entities_graph(), self.summaries_graph()}

    def article(self, article_id: str) -> URIRef:
        return self._article(article_id)

    def _article(self, article_id: str) -> URIRef:
        return self._iri("article", article_id)

    def entity(self, key: str) -> URIRef:
        return self._entity(key)

    def _entity(self, key: str) -> URIRef:
        type_, _, slug = key.partition("/")
        return self._iri("entity", type_, slug)

    def part(self, article_id: str, kind: str, n: int) -> URIRef:
        """A node inside one article: its sentences, mentions, figures, roles and quotes."""
        return URIRef(f"{self.article(article_id)}/{quote(kind, safe='-_.~')}/{int(n)}")

    def entity_key(self, iri: str) -> str | None:
        """Inverse of `entity`: the key of an entity IRI, or None."""
        prefix = self.base + "entity/"
        if not iri.startswith(prefix):
            return None
        return unquote(iri[len(prefix):])

    def parse(self, iri: str) -> Minted | None:
        """Inverse of every minting method: what `iri` names, or None when this minter would not mint it (another
        base, another shape, or a spelling of ours that is not the canonical one: minting the parts again must
        give `iri` back, so a parsed id or key is always one the graph can hold)."""
        if not iri.startswith(self.base):
            return None
        rest = iri[len(self.base):].split("/")
        try:
            if rest == ["graph", "entities"]:
                return Minted("entities-graph")
            if len(rest) == 3 and rest[0] == "entity":
                key = f"{unquote(rest[1])}/{unquote(rest[2])}"
                return Minted("entity", key=key) if str(self.entity(key)) == iri else None
            if len(rest) == 2 and rest[0] == "article":
                article = unquote(rest[1])
                return Minted("article", article=article) if str(self.article(article)) == iri else None
            if len(rest) == 4 and rest[0] == "article" and rest[3].isdigit():
                article, part, n = unquote(rest[1]), unquote(rest[2]), int(rest[3])
                minted = str(self.part(article, part, n))
                return Minted("part", article=article, part=part, n=n) if minted == iri else None
        except ValueError:  # parts that make no valid IRI
            return None
        return None
