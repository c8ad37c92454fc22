"""The Whoosh full-text index: schema, per-article documents, and safe keyword search with highlights and facets."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from markupsafe import escape
from whoosh import highlight, index, qparser
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.query import And, Every, Query, Term

from .errors import QueryError
from .extract.model import ENTITY_TYPES, Extraction

MAX_QUERY_CHARS = 500
FACET_SCAN = 500  # facet counts come from the stored entities of the top hits, not a full FieldFacet pass
TYPE_FIELDS = {t.lower(): t for t in ENTITY_TYPES}  # person:"..." organization:"..." ...


def make_schema() -> Schema:
    analyzer = StemmingAnalyzer()
    type_fields = {name: KEYWORD(stored=False, commas=True, lowercase=True, scorable=True) for name in TYPE_FIELDS}
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(stored=True, analyzer=analyzer, field_boost=2.0),
        # Not stored: loading 10+ KB of body per hit made facet counting slow; snippets get the text of the
        # page's hits from the caller (the graph store holds it as schema:text).
        body=TEXT(stored=False, analyzer=analyzer, phrase=True),
        date=ID(stored=True, sortable=True),
        entity=KEYWORD(stored=True, commas=True, scorable=True),  # entity keys, for facet filters
        entity_names=STORED(),  # key -> name, for facet labels without a graph lookup
        **type_fields,
    )


def create_or_open(path: Path):
    """Open the index at `path`, creating it (with our schema) when absent."""
    if index.exists_in(str(path)):
        return index.open_dir(str(path))
    path.mkdir(parents=True, exist_ok=True)
    return index.create_in(str(path), make_schema())


def document_for(extraction: Extraction) -> dict:
    """One Whoosh document per article: text fields plus entities by type as keyword facets."""
    article = extraction.article
    doc = {"id": article.id, "title": article.title, "body": article.body, "date": article.date or "",
           "entity": ",".join(sorted(extraction.entities)),
           "entity_names": {k: [e.name, e.type] for k, e in extraction.entities.items()}}
    for name, type_ in TYPE_FIELDS.items():
        names = [n for e in extraction.entities.values() if e.type == type_ for n in (e.name, *e.aliases)]
        doc[name] = ",".join(sorted(set(names)))
    return doc


def article_ids(ix) -> set[str]:
    with ix.searcher() as searcher:
        return {fields["id"] for fields in searcher.all_stored_fields()}


@dataclass
class Hit:
    id: str
    title: str
    date: str
    score: float
    snippet: str  # HTML: escaped article text with <b class="match"> highlights
    entities: list[tuple[str, str, str]]  # (key, name, type)


@dataclass
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)  # type -> [(key, name, count)]
    suggestion: str | None = None
    page: int = 1
    page_size: int = 10
    notice: str | None = None


def parse_user_query(ix, text: str) -> Query | None:
    """Parse keyword syntax (phrases, AND/OR/NOT, person:"...") with no wildcard, fuzzy or range expansion."""
    text = text.strip()
    if not text:
        return None
    if text.count("(") + text.count(")") > 40:
        text = re.sub(r"[()]", " ", text).strip()  # deep grouping: read the words, not the structure
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(text)} characters; the limit is {MAX_QUERY_CHARS}: shorten it")
    if text.count('"') % 2:
        text = text.replace('"', " ")
    parser = qparser.MultifieldParser(["title", "body"], ix.schema, group=qparser.AndGroup)
    for plugin in (qparser.WildcardPlugin, qparser.RangePlugin, qparser.BoostPlugin):
        parser.remove_plugin_class(plugin)
    parser.remove_plugin_class(qparser.FieldsPlugin)
    parser.add_plugin(qparser.FieldsPlugin(expr=r"(?P<text>(?:" + "|".join(TYPE_FIELDS) + r")):"))
    try:
        return parser.parse(text)
    except RecursionError:
        raise QueryError("the query is nested too deeply; remove some brackets") from None


def search(ix, text: str, page: int = 1, page_size: int = 10, entity_filters: tuple[str, ...] = (),
           sort: str = "relevance", date_from: str = "", date_to: str = "",
           texts: Callable[[list[str]], dict[str, str]] | None = None) -> SearchResult:
    """Ranked hits with escaped, highlighted snippets and facet counts by entity.

    `texts(ids)` returns the article bodies of the hits on the page (for snippets); without it snippets are empty.
    """
    try:
        query = parse_user_query(ix, text)
    except QueryError as exc:
        return SearchResult(query=text, total=0, hits=[], page=page, page_size=page_size, notice=exc.message)
    if query is None:
        query = Every() if entity_filters else None
    if query is None:
        return SearchResult(query=text, total=0, hits=[], page=page, page_size=page_size)
    filters = [Term("entity", key) for key in entity_filters]
    if filters:
        query = And([query, *filters])
    page = max(1, page)
    with ix.searcher() as searcher:
        sortedby = "date" if sort == "date" else None
        results = searcher.search(query, limit=max(FACET_SCAN, page * page_size), sortedby=sortedby,
                                  reverse=sort == "date")
        results.fragmenter = highlight.ContextFragmenter(maxchars=300, surround=60)
        results.formatter = highlight.HtmlFormatter(tagname="b", classname="match", between=" … ")
        rows = [r for r in results if _in_dates(r.get("date", ""), date_from, date_to)]
        facets = _facets(rows)
        hits = []
        on_page = rows[(page - 1) * page_size: page * page_size]
        bodies = texts([r["id"] for r in on_page]) if texts and on_page else {}
        words = _query_words(text)
        for r in on_page:
            body = _excerpt(bodies.get(r["id"], ""), words)
            snippet = (r.highlights("body", text=body, top=2) if body else "") or _escape(body[:240])
            names = r.get("entity_names") or {}
            hits.append(Hit(id=r["id"], title=r["title"], date=r.get("date", ""), score=round(r.score, 3) if isinstance(r.score, float) else 0.0,
                            snippet=snippet, entities=[(k, v[0], v[1]) for k, v in sorted(names.items())]))
        suggestion = _suggest(searcher, text) if not rows else None
        return SearchResult(query=text, total=len(rows) if len(rows) < FACET_SCAN else len(results), hits=hits,
                            facets=facets, suggestion=suggestion, page=page, page_size=page_size)


_OPERATORS = {"and", "or", "not", "andnot", "andmaybe"}


def _query_words(text: str) -> list[str]:
    """The plain words of a query, for finding where an article matches before highlighting."""
    words = re.findall(r"\w+", re.sub(r"\b\w+:", " ", text.lower()))
    return [w for w in words if w not in _OPERATORS]


def _excerpt(body: str, words: list[str], radius: int = 200, most: int = 2) -> str:
    """Only the passages around the first matches: Whoosh re-analyses every token it highlights, and whole
    articles made highlighting most of a search's time. Stems are matched by their first letters."""
    lowered = body.lower()
    spans: list[tuple[int, int]] = []
    for word in words:
        stem = word[: max(4, len(word) - 2)]
        pos = lowered.find(stem)
        if pos >= 0:
            spans.append((max(0, pos - radius), min(len(body), pos + radius)))
        if len(spans) >= most:
            break
    if not spans:
        return body[: 2 * radius]
    spans.sort()
    merged = [spans[0]]
    for start, end in spans[1:]:
        if start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return " … ".join(body[start:end] for start, end in merged)


def _in_dates(date: str, date_from: str, date_to: str) -> bool:
    return (not date_from or (date and date >= date_from)) and (not date_to or (date and date <= date_to))


def _facets(rows) -> dict[str, list[tuple[str, str, int]]]:
    counts: Counter[str] = Counter()
    labels: dict[str, tuple[str, str]] = {}
    for r in rows:
        for key, (name, type_) in (r.get("entity_names") or {}).items():
            counts[key] += 1
            labels[key] = (name, type_)
    facets: dict[str, list[tuple[str, str, int]]] = {}
    for key, count in counts.most_common():
        name, type_ = labels[key]
        bucket = facets.setdefault(type_, [])
        if len(bucket) < 15:
            bucket.append((key, name, count))
    return facets


def _suggest(searcher, text: str) -> str | None:
    """'Did you mean': the index's own spelling correction over the body field."""
    words = re.findall(r"\w+", text.lower())
    if not words:
        return None
    corrector = searcher.corrector("body")
    fixed = [(corrector.suggest(w, limit=1) or [w])[0] for w in words]
    return " ".join(fixed) if fixed != words else None


def _escape(text: str) -> str:
    return str(escape(text))
