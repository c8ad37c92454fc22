"""Keyword search over an open Whoosh index: the query priced for the budget, evaluated over whole posting
lists (_postings.py), ranked, paged, highlighted, counted into facets, and corrected when nothing matched."""

from __future__ import annotations

import re
from collections import Counter
from typing import Callable

from markupsafe import escape
from whoosh import highlight
from whoosh.query import And, Every, Or, Phrase, Query, Term, TermRange

from ..errors import QueryError
from ._postings import PAIR_SEPARATOR
from ._whoosh_query import parse_user_query
from .analysis import HighlightTokens, has_han, passages
from .budget import Cost, SearchSession
from .protocol import TYPE_FIELDS, EntitiesNamed, Hit, Labels, SearchResult, Texts

# Fields that hold filters and entity expansions the app adds, not words the user typed.
_NOT_WORDS = {"entity", "lang", "date", "id"}


def estimate(searcher, query: Query) -> Cost:
    """Distinct words (any field but filters) and the postings the search will read, from term statistics
    only: a phrase reads its word pairs (_postings.py), any other leaf its terms."""
    schema = searcher.schema
    words: set[str] = set()
    terms: set[tuple[str, str]] = set()
    for leaf in query.leaves():
        if isinstance(leaf, Phrase):
            if leaf.fieldname not in _NOT_WORDS:
                words.update(leaf.words)
            pairs = f"{leaf.fieldname}_pairs"
            if pairs in schema and len(leaf.words) > 1:
                terms.update((pairs, f"{a}{PAIR_SEPARATOR}{b}") for a, b in zip(leaf.words, leaf.words[1:]))
            else:
                terms.update((leaf.fieldname, w) for w in leaf.words)
            continue
        for field, text in leaf.terms():
            terms.add((field, text))
            if field not in _NOT_WORDS:
                words.add(text)
    postings = sum(searcher.doc_frequency(field, text) for field, text in terms if field in schema)
    return Cost(words=len(words), postings=postings)


# Entity key prefix -> the type counted (the search result's type_counts)
TYPE_PREFIXES = {f"{name}/": type_ for name, type_ in TYPE_FIELDS.items()}
# The fields BM25 scores: a query's words and word pairs, entity filters, the entity-name fields
SCORED_FIELDS = ("title", "body", "title_pairs", "body_pairs", "entity", *TYPE_FIELDS)


def prepare(engine) -> None:
    """Build the per-index arrays that search() reads (postings.py) before the first search of a process."""
    engine.postings.prepare(engine.searcher(), SCORED_FIELDS, tuple(TYPE_PREFIXES), ("lang",))


def search(engine, text: str, page: int = 1, page_size: int = 10, entity_filters: tuple[str, ...] = (),
           sort: str = "relevance", date_from: str = "", date_to: str = "",
           texts: Texts | None = None, labels: Labels | None = None, entities_named: EntitiesNamed | None = None, languages: tuple[str, ...] = (),
           budget: SearchSession | None = None) -> SearchResult:
    """Ranked hits with escaped, highlighted snippets and facet counts over every match, from `engine`, a
    whoosh_engine.WhooshIndex (not imported here: it imports this module).

    The index keeps neither bodies nor names (both made every hit expensive to load): `texts(ids)` gives the
    bodies of the hits on the page, for snippets, and `labels(keys)` the names of entity keys; without them
    snippets are empty and entities are shown by key. `entities_named` (see EntityNamesPlugin) lets a word
    that names an entity match the articles mentioning it in any language; `languages` keeps articles in one
    of these languages. `budget` prices the search before it runs and stops it when out of time
    (budget.py: SearchRefused, 400 or 503).
    """
    try:
        query = parse_user_query(engine.schema, text, entities_named)
    except QueryError as exc:
        return SearchResult(query=text, total=0, hits=[], page=page, page_size=page_size, notice=exc.message)
    if query is None:
        query = Every() if entity_filters or languages else None
    if query is None:
        return SearchResult(query=text, total=0, hits=[], page=page, page_size=page_size)
    filters: list[Query] = [Term("entity", key) for key in entity_filters]
    if languages:
        filters.append(Or([Term("lang", lang) for lang in languages]))
    if date_from or date_to:
        filters.append(TermRange("date", date_from or None, (date_to + "\uffff") if date_to else None))
    if filters:
        query = And([query, *filters])
    page = max(1, page)
    postings = engine.postings
    searcher = engine.searcher()
    if budget is not None:
        budget.admit(estimate(searcher, query))
    matches = postings.evaluate(searcher, query, budget.check if budget is not None else None)
    top = postings.top(searcher, matches, page * page_size, by_date=sort == "date")
    on_page = [(int(doc), searcher.stored_fields(int(doc))) for doc in top[(page - 1) * page_size:]]
    suggestion = None
    if not len(matches):
        suggestion = _suggest(searcher, text, engine.analyzer, budget,
                              whole_word=lambda stem: _whole_word(engine, searcher, stem, texts))
    counts = Counter(postings.entity_counts(searcher, matches))
    facet_keys = _top_per_type(counts)
    shown = {key for keys in facet_keys.values() for key in keys} | {key for _, f in on_page for key in _keys(f)}
    names = labels(sorted(shown)) if labels and shown else {}
    facets = {type_: [(key, names.get(key, key), counts[key]) for key in keys] for type_, keys in facet_keys.items()}
    if budget is not None:
        budget.check()
    bodies = texts([fields["id"] for _, fields in on_page]) if texts and on_page else {}
    terms = _highlight_terms(query)
    words = _query_words(text)
    score_of = dict(zip(matches.docs.tolist(), matches.scores.tolist())) if on_page else {}
    hits = []
    for doc, fields in on_page:
        body = passages(bodies.get(fields["id"], ""), words)
        snippet = _highlight(body, terms, engine.analyzer) if body else ""
        hits.append(Hit(id=fields["id"], title=fields["title"], date=fields.get("date", ""),
                        score=round(score_of[doc], 3) if sort != "date" else 0.0,
                        snippet=snippet or _escape(body[:240]),
                        entities=[(k, names.get(k, k), _type_of(k)) for k in _keys(fields)],
                        lang=fields.get("lang", ""), mentions=_mentions(fields)))
    type_counts = postings.documents_naming(searcher, matches, TYPE_PREFIXES)
    return SearchResult(query=text, total=len(matches), hits=hits, facets=facets, suggestion=suggestion,
                        page=page, page_size=page_size, type_counts=type_counts,
                        languages=postings.value_counts(searcher, matches, "lang"))


_FRAGMENTER = highlight.ContextFragmenter(maxchars=300, surround=60)
_FORMATTER = highlight.HtmlFormatter(tagname="b", classname="match", between=" … ")


def _highlight_terms(query: Query) -> frozenset[str]:
    """The analysed words the query looks for in title or body (phrase words included)."""
    return frozenset(text for field, text in query.all_terms(phrases=True)
                     if field in ("title", "body") and isinstance(text, str))


def _highlight(body: str, terms: frozenset[str], analyzer) -> str:
    """Escaped text of the best two passages with the query's words marked (Whoosh's highlighter)."""
    if not terms:
        return ""
    if has_han(body):  # Chinese terms found in the text as they are, without segmenting it (3 ms a hit)
        analyzer = HighlightTokens(analyzer, terms)
    return highlight.highlight(body, terms, analyzer, _FRAGMENTER, _FORMATTER, top=2, mode="index")


_OPERATORS = {"and", "or", "not", "andnot", "andmaybe"}


def _query_words(text: str) -> list[str]:
    """The plain words of a query, for finding where an article matches before highlighting."""
    words = re.findall(r"\w+", re.sub(r"\b\w+:", " ", text.lower()))
    return [w for w in words if w not in _OPERATORS]


def _keys(hit) -> list[str]:
    return [key for key in (hit.get("entity") or "").split(",") if key]


def _mentions(hit) -> dict[str, int] | None:
    """{entity key: mentions in the article} as written at index time; None from an index without them."""
    counts = hit.get("mentions")
    if counts is None:
        return None
    return dict(zip(_keys(hit), (int(n) for n in counts.split(",") if n)))


def _type_of(key: str) -> str:
    return TYPE_FIELDS.get(key.split("/", 1)[0], "")


def _top_per_type(counts: Counter, per_type: int = 15) -> dict[str, list[str]]:
    top: dict[str, list[str]] = {}
    for key, _ in counts.most_common():
        bucket = top.setdefault(_type_of(key), [])
        if len(bucket) < per_type:
            bucket.append(key)
    return dict(sorted(top.items()))


def _suggest(searcher, text: str, analyzer=None, budget: SearchSession | None = None, most: int = 3,
             whole_word: Callable[[str], str] | None = None) -> str | None:
    """'Did you mean': the index's own spelling correction over the body field, for English words only.

    The body's terms are Porter stems and jieba words: edit distance from a Chinese word reached any short
    term (腾讯 -> "qq"), so words with Chinese characters are kept as they are, never corrected. Each
    correction walks the whole term list (44 ms a word at 2,000 articles: 32 words took 1.4 s, nearly all of
    a search with no match), so only words the index does not hold (as `analyzer` reads them) are corrected,
    at most `most` of them, within the search's budget; only English words of three letters or more (the
    terms are English stems: "qc49" became "149"); and the first letter is kept (prefix=1), which made each
    correction 10-20x faster at 2,000 articles (tencnet 31 -> 1.8 ms) with the same suggestions.
    `whole_word` turns a corrected term, a stem, back into a word ("monthli" -> "monthly").
    """
    words = re.findall(r"\w+", text.lower())
    if not words or all(has_han(w) for w in words):
        return None
    corrector = searcher.corrector("body")
    reader = searcher.reader()
    fixed, tried = [], 0
    for word in words:
        known = analyzer is not None and all(("body", t.text) in reader for t in analyzer(word))
        if known or tried >= most or len(word) < 3 or not (word.isascii() and word.isalpha()):
            fixed.append(word)
            continue
        if budget is not None:
            budget.check()
        tried += 1
        corrected = (corrector.suggest(word, limit=1, prefix=1) or [word])[0]
        fixed.append(whole_word(corrected) if whole_word is not None and corrected != word else corrected)
    return " ".join(fixed) if fixed != words else None


def _whole_word(engine, searcher, stem: str,
                texts: Callable[[list[str]], dict[str, str]] | None) -> str:
    """A word that `stem` (an index term) was made from, read in one article that holds it: the spelling
    suggestion "monthly", not "monthli". The stem itself when no text is at hand."""
    matcher = searcher.postings("body", stem) if texts is not None and ("body", stem) in searcher.reader() else None
    if matcher is None or not matcher.is_active():
        return stem
    article_id = engine.postings.ids(searcher)[matcher.id()]
    body = texts([article_id]).get(article_id, "")
    prefix = stem[: max(2, len(stem) - 2)]  # Porter keeps the start of a word (monthly -> monthli)
    for match in re.finditer(r"\b" + re.escape(prefix) + r"\w*", body, re.IGNORECASE):
        word = match.group(0).lower()
        if [token.text for token in engine.analyzer(word)] == [stem]:
            return word
    return stem


def _escape(text: str) -> str:
    return str(escape(text))
