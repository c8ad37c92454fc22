"""Plain data produced by extraction and consumed by the graph and the index (no spaCy here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..sources import Article

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
