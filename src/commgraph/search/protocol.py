"""The contract between commgraph and a search engine: what ingest, check, the query workers and the web
pages may ask of one, and the plain data that crosses it.

Everything outside `commgraph.search` talks to an engine through these names only. An engine is a small,
picklable object made from settings (`commgraph.search.engine_from_settings`); it crosses into the SPARQL
worker processes inside their tasks, so it must hold configuration only (a host, a port), never an open
connection or index. It keeps one index per generation, in (or named by) the generation's `index/`
directory, and never changes an index once its writer has committed: a generation is immutable.

- Ingest: `engine.writer(directory, previous=...)` -> `IndexWriter`: `replace` / `delete` per article, then
  `commit` (or `cancel` on any error); then `engine.open(directory)` to verify with `doc_count` / `indexed`.
- Pages: `engine.open(directory)` once per served generation -> `SearchIndex`; `warm_up()`, then
  `search(SearchRequest, ...)` -> `SearchResult` (hits, snippets, facets, did-you-mean) from many threads.
- SPARQL: `SearchIndex.scores(text)` -> {article id: score}, the values of `cg:textScore`.
- `commgraph check`: `SearchIndex.article_ids()`, compared with the manifest and the graph.

The shared tests in `tests/search/test_engine_contract.py` hold every engine to this contract.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Protocol, runtime_checkable

from ..facts import ENTITY_TYPES, Extraction
from .budget import SearchSession

# Entity fields of the query syntax (person:"Wu Xiaobo") -> the schema.org type whose names they hold.
TYPE_FIELDS = {t.lower(): t for t in ENTITY_TYPES}

Texts = Callable[[list[str]], dict[str, str]]  # article ids -> bodies (the graph holds them as schema:text)
Labels = Callable[[list[str]], dict[str, str]]  # entity keys -> names
EntitiesNamed = Callable[[list[str]], dict[str, list[str]]]  # query words/phrases -> keys of entities so named


@dataclass(frozen=True)
class IndexDocument:
    """What an engine indexes of one article: its text, and its entities as filters and facets."""

    id: str
    title: str
    body: str
    date: str = ""  # ISO date, year-month or year ("2016-08-10", "2016-08"); "" when unknown
    lang: str = ""  # schema:inLanguage ("en", "zh"): the lang: filter and the language facet
    entities: tuple[str, ...] = ()  # entity keys ("person/wu-xiaobo"), sorted: entity filters and facets
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "person" ... -> names and aliases, sorted
    # entity key -> how often the article mentions it (the graph's cg:Mention nodes): the search page's chips
    # lead with what a hit is most about, and asking the graph per search was 15-22 ms of it (docs/performance.md)
    mentions: dict[str, int] = field(default_factory=dict)


def document_for(extraction: Extraction) -> IndexDocument:
    """The index document of one extracted article."""
    article = extraction.article
    names = {name: tuple(sorted({n for e in extraction.entities.values() if e.type == type_
                                 for n in (e.name, *e.aliases)})) for name, type_ in TYPE_FIELDS.items()}
    mentions = Counter(m.entity for m in extraction.mentions if m.entity in extraction.entities)
    return IndexDocument(id=article.id, title=article.title, body=article.body, date=article.date or "",
                         lang=getattr(article, "lang", "") or "", entities=tuple(sorted(extraction.entities)),
                         names=names, mentions=dict(sorted(mentions.items())))


@dataclass(frozen=True)
class SearchRequest:
    """One keyword search as the /search page and /api/search ask it.

    `text` is the user's query syntax: words, "phrases", AND/OR/NOT, entity fields (person:"Wu Xiaobo",
    organization:, product:, place:, event:, creativework:) and lang:zh; no wildcards or fuzzy terms.
    `entity_filters` keep articles that mention every one of these entity keys, `languages` those in one of
    these languages, `date_from`/`date_to` (inclusive prefixes: "2016", "2016-08") those in the range.
    """

    text: str
    page: int = 1
    page_size: int = 10
    entity_filters: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    sort: str = "relevance"  # or "date": newest first
    date_from: str = ""
    date_to: str = ""


@dataclass
class Hit:
    id: str
    title: str
    date: str
    score: float  # 0.0 when sorted by date
    snippet: str  # HTML: escaped article text with <b class="match"> highlights
    entities: list[tuple[str, str, str]]  # (key, name, type)
    lang: str = ""  # schema:inLanguage
    # entity key -> mentions in this article (IndexDocument.mentions); None when the index was written without
    # them (data format 11 and older: the caller asks the graph instead)
    mentions: dict[str, int] | None = None


@dataclass
class SearchResult:
    query: str
    total: int  # every matching article, not only the page's
    hits: list[Hit]
    facets: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)  # type -> [(key, name, count)]
    suggestion: str | None = None  # did you mean (a corrected query), for a search with no hits
    page: int = 1
    page_size: int = 10
    notice: str | None = None  # why the query was read differently or not at all (shown, never an error)
    type_counts: dict[str, int] = field(default_factory=dict)  # type -> matching articles naming one
    languages: dict[str, int] = field(default_factory=dict)  # language -> matching articles (the facet)


@runtime_checkable
class IndexWriter(Protocol):
    """The one writer of a new generation's index. Nothing it does is visible before `commit`."""

    def replace(self, document: IndexDocument) -> None:
        """Add the article, or replace every document of an article with the same id."""

    def delete(self, article_id: str) -> None:
        """Remove the article's document; an id the index does not hold is no error."""

    def checkpoint(self) -> None:
        """Write out the documents given so far, while the caller still extracts the last ones, so that `commit`
        has only the rest to write; nothing is published before `commit` (the generation is not yet served)."""

    def commit(self) -> None:
        """Make every change durable in the generation's index, then release the writer."""

    def cancel(self) -> None:
        """Drop the changes since the writer opened (or the last checkpoint) and release it (ingest failed: the
        unfinished generation is deleted, nothing is published)."""


@runtime_checkable
class SearchIndex(Protocol):
    """One generation's index, open for reading; shared by every request thread of a server process."""

    def search(self, request: SearchRequest, *, texts: Texts | None = None, labels: Labels | None = None,
               entities_named: EntitiesNamed | None = None, budget: SearchSession | None = None) -> SearchResult:
        """Ranked hits of the page asked for, with escaped highlighted snippets, facet counts over every match
        and, when nothing matched, a did-you-mean suggestion.

        An index need not store bodies or names: `texts(ids)` gives the bodies of the page's hits (for
        snippets), `labels(keys)` entity names (else keys are shown); each hit's `mentions` are those its
        IndexDocument was written with (None from an index written without them). `entities_named(texts)` says which query
        words or phrases name known entities, so that they also match the articles mentioning those entities
        in any language. `budget` prices the search before it runs (`budget.admit(Cost(...))`) and is checked
        between steps (`budget.check()`), which raise SearchRefused (400 or 503). A query that cannot be read
        gives a result with a `notice`, never an exception.
        """

    def scores(self, text: str) -> dict[str, float]:
        """{article id: score} of every article matching `text` (no entity expansion): `cg:textScore`."""

    def article_ids(self) -> set[str]:
        """Every article id the index holds (for `commgraph check`)."""

    def indexed(self, article_ids: Iterable[str]) -> set[str]:
        """Those of `article_ids` the index holds (ingest verifies a generation with it before publishing)."""

    def doc_count(self) -> int:
        """How many articles the index holds."""

    def warm_up(self) -> None:
        """Prepare what the first search would otherwise wait for: what every search reads in the calling
        thread, what only some need (a language's dictionary) in the background. The server calls it from a
        background thread when it opens a generation; ingest and check do not. An engine with nothing to
        prepare does nothing."""


@runtime_checkable
class SearchEngine(Protocol):
    """A search engine: configuration only (picklable), naming the indexes of generations."""

    name: str  # the value of the search_engine setting that chose it

    def writer(self, directory: Path, *, previous: Path | None = None, words: tuple[str, ...] = (),
               timeout: float = 30.0) -> IndexWriter:
        """A writer on the index of a new generation at `directory` (absent or empty), starting from the index
        at `previous` (the previous generation's `index/`; None: empty, as a rebuild starts). `words` are extra
        dictionary words for segmenting Chinese (the gazetteer's names). Waits at most `timeout` seconds for
        another writer of the same index. Raises StoreError, saying to run `commgraph ingest --rebuild`, when
        `previous` is not an index of this engine (the search_engine setting changed since it was written)."""

    def open(self, directory: Path) -> SearchIndex:
        """The committed index at `directory`, read-only. Raises OSError (or the engine's read errors, see
        errors.READ_ERRORS) when it is missing or damaged."""
