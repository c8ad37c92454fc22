"""The Whoosh engine: a SearchEngine (protocol.py) over a Whoosh index on disk in each generation.

The schema and per-article fields, the writer, and keyword search with highlights, facets and spelling
suggestions. Queries are read by _whoosh_query.py and evaluated over whole posting lists by _postings.py
(Whoosh's own matchers step through postings in Python, docs/performance.md); the analyzers per language
are in analysis.py.
"""

from __future__ import annotations

import errno
import functools
import inspect
import itertools
import os
import re
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from markupsafe import escape
from whoosh import highlight, index
from whoosh.analysis import BiWordFilter, StemFilter
from whoosh.fields import ID, KEYWORD, TEXT, Schema
from whoosh.query import And, Every, Or, Phrase, Query, Term, TermRange

from ..errors import QueryError, StoreError
from ._postings import PAIR_SEPARATOR, Postings
from ._whoosh_query import parse_user_query
from .analysis import ChineseAwareAnalyzer, HighlightTokens, has_han, warm_up
from .budget import Cost, SearchSession
from .protocol import (TYPE_FIELDS, EntitiesNamed, Hit, IndexDocument, Labels, SearchRequest, SearchResult,
                       Texts)

# Fields that hold filters and entity expansions the app adds, not words the user typed.
_NOT_WORDS = {"entity", "lang", "date", "id"}


class WordPairs(BiWordFilter):
    """Whoosh's BiWordFilter, except that a text with no words (empty, or only stop words) gives no tokens:
    Whoosh's own raises UnboundLocalError then."""

    def __call__(self, tokens):
        tokens = iter(tokens)
        first = next(tokens, None)
        if first is None:
            return iter(())
        return super().__call__(itertools.chain([first], tokens))


def make_schema(words: tuple[str, ...] = ()) -> Schema:
    """The index schema; `words` are extra dictionary words for segmenting Chinese (gazetteer names)."""
    # English exactly as Whoosh's StemmingAnalyzer; Chinese runs segmented by jieba (analysis.py).
    analyzer = ChineseAwareAnalyzer(words)
    # Word pairs stand in for positions: a phrase is every consecutive pair of its words (_postings.py), term
    # lookups instead of Whoosh's position checks, which took 350 ms at 10,000 articles.
    pairs = ChineseAwareAnalyzer(words, subwords=False) | WordPairs(sep=PAIR_SEPARATOR)
    type_fields = {name: KEYWORD(stored=False, commas=True, lowercase=True, scorable=True) for name in TYPE_FIELDS}
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),  # a column too: every id at once for cg:textScore
        title=TEXT(stored=True, analyzer=analyzer, field_boost=2.0, phrase=False),
        title_pairs=TEXT(stored=False, analyzer=pairs, field_boost=2.0, phrase=False),
        # Not stored: loading 10+ KB of body per hit made search slow; snippets get the text of the page's hits
        # from the caller (the graph store holds it as schema:text).
        body=TEXT(stored=False, analyzer=analyzer, phrase=False),
        body_pairs=TEXT(stored=False, analyzer=pairs, phrase=False),
        date=ID(stored=True, sortable=True),
        lang=ID(stored=True),  # schema:inLanguage ("en", "zh"): the lang: filter and the language facet
        entity=KEYWORD(stored=True, commas=True, scorable=True),  # entity keys: filters and facet counts
        **type_fields,
    )


def _older_layout(path: Path, exc: Exception) -> StoreError:
    # The schema is pickled with its analyzers' classes; before data format 10 they lived in commgraph.analysis
    # and commgraph.index. Whoosh's TOC.read leaves the TOC file open when unpickling fails: close it here.
    tb = exc.__traceback__
    while tb is not None:
        stream = tb.tb_frame.f_locals.get("stream") if tb.tb_frame.f_code.co_name == "read" else None
        if stream is not None and hasattr(stream, "close"):
            stream.close()
        tb = tb.tb_next
    return StoreError(f"the search index {path} was written by an older commgraph (data format before 10: {exc}); "
                      "run `commgraph ingest --rebuild` to rebuild it")


def open_dir(path: Path):
    """Whoosh's open_dir, with the error an index of an older layout gives said plainly."""
    try:
        return index.open_dir(str(path))
    except (ModuleNotFoundError, AttributeError) as exc:
        raise _older_layout(path, exc) from None


def exists(path: Path) -> bool:
    """Does `path` hold a Whoosh index? (Whoosh's exists_in opens it, unpickling its schema.)"""
    try:
        return index.exists_in(str(path))
    except (ModuleNotFoundError, AttributeError) as exc:
        raise _older_layout(path, exc) from None


def create_or_open(path: Path, words: tuple[str, ...] = ()):
    """Open the index at `path`, creating it (with our schema, see make_schema) when absent."""
    if exists(path):
        return open_dir(path)
    path.mkdir(parents=True, exist_ok=True)
    return index.create_in(str(path), make_schema(words))


def fields_of(document: IndexDocument) -> dict:
    """The Whoosh fields of an index document: the text twice (words, and word pairs for phrases), the
    entity keys, and each type's names and aliases as keywords."""
    fields = {"id": document.id, "title": document.title, "title_pairs": document.title, "body": document.body,
              "body_pairs": document.body, "date": document.date, "lang": document.lang,
              "entity": ",".join(document.entities)}
    for name in TYPE_FIELDS:
        fields[name] = ",".join(document.names.get(name, ()))
    return fields


def article_ids(ix) -> set[str]:
    """The ids of the live (not deleted) documents of an open Whoosh index."""
    with ix.searcher() as searcher:
        return {fields["id"] for fields in searcher.all_stored_fields()}


def copy_index(source: Path, target: Path) -> None:
    """Hard-link every index file: Whoosh writes new segment and TOC files and never changes old ones."""
    target.mkdir(parents=True)
    for entry in source.iterdir():
        if entry.is_file() and not entry.name.endswith(".lock") and "WRITELOCK" not in entry.name:
            os.link(entry, target / entry.name)


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


class WhooshWriter:
    """The IndexWriter of a Whoosh index (one per ingest; Whoosh's own writer holds the index's lock)."""

    def __init__(self, ix, timeout: float) -> None:
        self._writer = ix.writer(timeout=timeout)

    def replace(self, document: IndexDocument) -> None:
        self._writer.update_document(**fields_of(document))

    def delete(self, article_id: str) -> None:
        self._writer.delete_by_term("id", article_id)

    def commit(self) -> None:
        self._writer.commit()

    def cancel(self) -> None:
        self._writer.cancel()


@dataclass(frozen=True)
class WhooshEngine:
    """The SearchEngine that ships: a Whoosh index on disk in each generation's `index/` directory."""

    name: str = "whoosh"

    @classmethod
    def from_settings(cls, settings) -> "WhooshEngine":
        return cls()

    def writer(self, directory: Path, *, previous: Path | None = None, words: tuple[str, ...] = (),
               timeout: float = 30.0) -> WhooshWriter:
        if previous is not None:
            if not exists(previous):
                raise StoreError(f"{previous} holds no Whoosh index (was it written with another search_engine?); "
                                 "run `commgraph ingest --rebuild` to build this engine's index from the stored texts")
            copy_index(previous, directory)
        return WhooshWriter(create_or_open(directory, words), timeout)

    def open(self, directory: Path) -> "WhooshIndex":
        return WhooshIndex.open(directory)


class WhooshIndex:
    """The SearchIndex of an open Whoosh index, with its per-index arrays (see _postings.py); one per served
    generation."""

    def __init__(self, ix) -> None:
        self.ix = ix
        self.schema = ix.schema  # read once: Whoosh's FileIndex.schema unpickles the index's TOC on every access
        thread_safe_stemming(self.schema)  # shared by every request thread's query parser and highlighter
        self.analyzer = self.schema["body"].analyzer  # for highlighting: the words as the body was indexed
        self.postings = Postings()
        self._local = threading.local()

    def warm_up(self) -> None:
        if self._holds_chinese():
            warm_up(self.analyzer)  # jieba's dictionary, in the background: not on the first Chinese query

    def _holds_chinese(self) -> bool:
        if "lang" not in self.schema:
            return False
        with self.ix.reader() as reader:
            return any(lang.startswith("zh") for lang in reader.field_terms("lang"))

    def searcher(self):
        """This thread's searcher, opened once: the index of a generation never changes, and opening one
        (terms, stored-field columns) cost more than a whole search at 10,000 articles. Not to be closed."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self._local.searcher = self.ix.searcher()
        return searcher

    @classmethod
    def open(cls, path: Path) -> "WhooshIndex":
        if not exists(path):  # Whoosh would make an empty index of a missing directory's name
            raise FileNotFoundError(errno.ENOENT, "no Whoosh index here (written with another search_engine?)",
                                    str(path))
        return cls(open_dir(path))

    def doc_count(self) -> int:
        return self.ix.doc_count()

    def article_ids(self) -> set[str]:
        return article_ids(self.ix)

    def indexed(self, article_ids: Iterable[str]) -> set[str]:
        searcher = self.searcher()
        return {a for a in article_ids if searcher.document_number(id=a) is not None}

    def search(self, request: SearchRequest, *, texts: Texts | None = None, labels: Labels | None = None,
               entities_named: EntitiesNamed | None = None, budget: SearchSession | None = None) -> SearchResult:
        return search(self, request.text, page=request.page, page_size=request.page_size,
                      entity_filters=request.entity_filters, sort=request.sort, date_from=request.date_from,
                      date_to=request.date_to, texts=texts, labels=labels, entities_named=entities_named,
                      languages=request.languages, budget=budget)

    def scores(self, text: str) -> dict[str, float]:
        """Every matching article's id and score (for cg:textScore)."""
        query = parse_user_query(self.schema, text)
        if query is None:
            return {}
        searcher = self.searcher()
        matches = self.postings.evaluate(searcher, query)
        ids = self.postings.ids(searcher)
        return {ids[doc]: float(score) for doc, score in zip(matches.docs.tolist(), matches.scores.tolist())}


def search(engine: WhooshIndex, text: str, page: int = 1, page_size: int = 10, entity_filters: tuple[str, ...] = (),
           sort: str = "relevance", date_from: str = "", date_to: str = "",
           texts: Texts | None = None, labels: Labels | None = None, entities_named: EntitiesNamed | None = None, languages: tuple[str, ...] = (),
           budget: SearchSession | None = None) -> SearchResult:
    """Ranked hits with escaped, highlighted snippets and facet counts over every match.

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
        body = _excerpt(bodies.get(fields["id"], ""), words)
        snippet = _highlight(body, terms, engine.analyzer) if body else ""
        hits.append(Hit(id=fields["id"], title=fields["title"], date=fields.get("date", ""),
                        score=round(score_of[doc], 3) if sort != "date" else 0.0,
                        snippet=snippet or _escape(body[:240]),
                        entities=[(k, names.get(k, k), _type_of(k)) for k in _keys(fields)],
                        lang=fields.get("lang", "")))
    type_counts = postings.documents_naming(searcher, matches, {f"{name}/": type_ for name, type_ in TYPE_FIELDS.items()})
    return SearchResult(query=text, total=len(matches), hits=hits, facets=facets, suggestion=suggestion,
                        page=page, page_size=page_size, type_counts=type_counts,
                        languages=postings.value_counts(searcher, matches, "lang"))


_FRAGMENTER = highlight.ContextFragmenter(maxchars=300, surround=60)
_FORMATTER = highlight.HtmlFormatter(tagname="b", classname="match", between=" … ")


def thread_safe_stemming(schema: Schema) -> None:
    """Give every stemmer in an opened schema a thread-safe cache of the same size.

    Whoosh's StemFilter caches stems in an `lfu_cache` without a lock: once it is full, two server threads
    evicting at once raise KeyError or "dictionary changed size during iteration". The query parser and the
    highlighter of every request thread share these analyzers; functools.lru_cache is thread-safe.
    """
    for _name, field_type in schema.items():
        for item in getattr(getattr(field_type, "analyzer", None), "items", ()):
            if isinstance(item, StemFilter) and isinstance(item.cachesize, int) and item.cachesize > 1:
                item._stem = functools.lru_cache(maxsize=item.cachesize)(inspect.unwrap(item._stem))


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


def _excerpt(body: str, words: list[str], radius: int = 200, most: int = 2) -> str:
    """Only the passages around the first matches: Whoosh re-analyses every token it highlights, and whole
    articles made highlighting most of a search's time. Stems are matched by their first letters.

    Around a Chinese word the passage is shorter: a character is about a word (the snippet shows ~60 around
    a match), and segmenting 400 characters with jieba for each of 10 hits made highlights 2.4x English's."""
    lowered = body.lower()
    spans: list[tuple[int, int]] = []
    for word in words:
        chinese = has_han(word)
        stem = word if chinese else word[: max(4, len(word) - 2)]  # Chinese words are not stemmed
        around = radius * 2 // 5 if chinese else radius
        pos = lowered.find(stem)
        if pos >= 0:
            spans.append((max(0, pos - around), min(len(body), pos + around)))
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


def _whole_word(engine: WhooshIndex, searcher, stem: str,
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
