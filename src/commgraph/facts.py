"""The plain data every step shares: an `Article` read from a source and the facts extracted from it.

Dataclasses and nothing that reads or parses: graph, search and web import this module, never `extract/`, so
the web process loads no spaCy and no jieba (tests/test_layers.py asserts it).
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import dataclass, field

from .language import detect_language


@dataclass(frozen=True)
class Article:
    """One cleaned article: the unit that is extracted, stored as one named graph and indexed."""

    id: str
    title: str
    body: str
    source: str
    date: str | None = None
    url: str | None = None
    lang: str = ""  # ISO 639-1 ("en", "zh"): from front matter / JSON, else detected from the text
    content_hash: str = field(default="")
    author: str | None = None  # the byline of a web page ("Jane Roe"), kept out of the body
    site_name: str | None = None  # the site a web page says it belongs to (og:site_name)
    # A PDF's pages: the offset in `body` where each page starts (pages[0] == 0); empty for other sources
    pages: tuple[int, ...] = ()
    source_sha256: str | None = None  # SHA-256 of the bytes fetched from `source` (a URL): the same item twice

    def __post_init__(self) -> None:
        if not self.lang:
            object.__setattr__(self, "lang", detect_language(f"{self.title}\n{self.body}"))
        if not self.content_hash:
            parts = [self.id, self.title, self.body, self.date or "", self.url or "", self.lang]
            if self.author or self.site_name or self.pages:  # only then: the hashes of older articles stay
                parts += [self.author or "", self.site_name or "", ",".join(map(str, self.pages))]
            digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
            object.__setattr__(self, "content_hash", digest)

    def page_at(self, offset: int) -> int | None:
        """The page (1-based) of a PDF article that holds this offset of `body`; None for other sources."""
        return bisect_right(self.pages, offset) if self.pages else None


ENTITY_TYPES = ("Person", "Organization", "Product", "Place", "Event", "CreativeWork")


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str


@dataclass
class Entity:
    """A resolved entity; `key` ("person/tang-daosheng") is stable across articles and runs."""

    key: str
    name: str
    type: str
    aliases: set[str] = field(default_factory=set)
    # The entity's name in each language the article gives one ({"zh": "腾讯", "en": "Tencent"}); empty means
    # `name` in the article's language. The graph writes them as language-tagged names.
    names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Mention:
    entity: str  # Entity.key
    text: str
    start: int
    end: int
    sentence: int
    method: str = ""  # "gazetteer", "model: NER ORG", "rule: ..." -- how the name was found
    confidence: float = 1.0


@dataclass(frozen=True)
class Figure:
    """A number with what it measures, about whom and when, and the sentence it came from."""

    text: str
    value: float | None
    metric: str
    start: int
    end: int
    sentence: int
    subject: str | None = None  # Entity.key
    unit: str | None = None
    currency: str | None = None
    approximation: str | None = None  # "more than", "nearly", "about" ...
    min_value: float | None = None
    max_value: float | None = None
    date: str | None = None  # ISO date or year(-month) the figure holds for
    canonical: str | None = None  # the canonical metric (rules/metrics.toml) of `metric`
    growth: bool = False  # a change ("up 28%") of the measure, not its level
    period: str | None = None  # the reporting period the sentence names ("2020-Q4")
    method: str = ""  # how it was found: the rules that gave its metric and its subject
    confidence: float = 1.0  # how sure the rules are (0-1); below 0.5 the pages mark it


@dataclass(frozen=True)
class Role:
    person: str  # Entity.key
    title: str
    organization: str | None
    academic: bool
    sentence: int
    start: int
    end: int
    method: str = ""
    confidence: float = 1.0


@dataclass(frozen=True)
class Quote:
    speaker: str  # Entity.key
    text: str
    start: int
    end: int
    sentence: int
    method: str = ""
    confidence: float = 1.0


@dataclass(frozen=True)
class Relation:
    """subject -predicate-> object (an entity key, or a literal such as a date when `literal`)."""

    subject: str
    predicate: str  # one of relations.PREDICATES
    object: str
    sentence: int
    start: int
    end: int
    literal: bool = False


@dataclass
class Extraction:
    """Everything extracted from one article."""

    article: Article
    sentences: list[Sentence]
    entities: dict[str, Entity]
    mentions: list[Mention]
    figures: list[Figure]
    roles: list[Role]
    quotes: list[Quote]
    relations: list[Relation] = field(default_factory=list)

    def entity_names(self, type_: str | None = None) -> list[str]:
        return sorted(e.name for e in self.entities.values() if type_ is None or e.type == type_)
