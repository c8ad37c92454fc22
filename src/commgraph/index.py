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
from whoosh.fields import ID, KEYWORD, TEXT, Schema
from whoosh.query import And, Every, Query, Term, TermRange

from .errors import QueryError
from .extract.model import ENTITY_TYPES, Extraction

MAX_QUERY_CHARS = 500
# Facet counts come from the stored entity keys of the top hits: a FieldFacet pass over every match took
# 0.7-0.9 s at 10k articles, reading 500 hits' stored fields ~30 ms at 1k; 200 keeps a search near 10 ms.
FACET_SCAN = 200
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
        entity=KEYWORD(stored=True, commas=True, scorable=True),  # entity keys: filters and facet counts
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
           "entity": ",".join(sorted(extraction.entities))}
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
    type_counts: dict[str, int] = field(default_factory=dict)  # type -> hits (of the top ones) naming one


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
           texts: Callable[[list[str]], dict[str, str]] | None = None,
           labels: Callable[[list[str]], dict[str, str]] | None = None) -> SearchResult:
    """Ranked hits with escaped, highlighted snippets and facet counts by entity.

    The index keeps neither bodies nor names (both made every hit expensive to load): `texts(ids)` gives the
    bodies of the hits on the page, for snippets, and `labels(keys)` the names of entity keys; without them
    snippets are empty and entities are shown by key.
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
    if date_from or date_to:
        filters.append(TermRange("date", date_from or None, (date_to + "\uffff") if date_to else None))
    if filters:
        query = And([query, *filters])
    page = max(1, page)
    with ix.searcher() as searcher:
        sortedby = "date" if sort == "date" else None
        results = searcher.search(query, limit=max(FACET_SCAN, page * page_size), sortedby=sortedby,
                                  reverse=sort == "date")
        results.fragmenter = highlight.ContextFragmenter(maxchars=300, surround=60)
        results.formatter = highlight.HtmlFormatter(tagname="b", classname="match", between=" … ")
        rows = list(results)
        counts = Counter(key for r in rows for key in _keys(r))
        type_counts = Counter(t for r in rows for t in {_type_of(k) for k in _keys(r)})
        top = _top_per_type(counts)
        on_page = rows[(page - 1) * page_size: page * page_size]
        shown = {key for keys in top.values() for key in keys} | {key for r in on_page for key in _keys(r)}
        names = labels(sorted(shown)) if labels and shown else {}
        facets = {type_: [(key, names.get(key, key), counts[key]) for key in keys] for type_, keys in top.items()}
        bodies = texts([r["id"] for r in on_page]) if texts and on_page else {}
        words = _query_words(text)
        hits = []
        for r in on_page:
            body = _excerpt(bodies.get(r["id"], ""), words)
            snippet = (r.highlights("body", text=body, top=2) if body else "") or _escape(body[:240])
            score = round(r.score, 3) if isinstance(r.score, float) else 0.0  # sorted by date: no score
            hits.append(Hit(id=r["id"], title=r["title"], date=r.get("date", ""), score=score, snippet=snippet,
                            entities=[(k, names.get(k, k), _type_of(k)) for k in _keys(r)]))
        suggestion = _suggest(searcher, text) if not rows else None
        return SearchResult(query=text, total=len(results), hits=hits, facets=facets, suggestion=suggestion,
                            page=page, page_size=page_size, type_counts=dict(type_counts))


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


def _keys(hit) -> list[str]:
    return [key for key in (hit.get("entity") or "").split(",") if key]


def _type_of(key: str) -> str:
    return TYPE_FIELDS.get(key.split("/", 1)[0], "")


def _top_per_type(counts: Counter, per_type: int = 15) -> dict[str, list[str]]:
    top: dict[str, list[str]] = {}
    for key, _ in counts.most_common():
        bucket = top.setdefault(_type_of(key), [])
        if len(bucket) < per_type:
            bucket.append(key)
    return dict(sorted(top.items()))


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
