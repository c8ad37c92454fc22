"""Whoosh queries evaluated over whole posting lists as numpy arrays.

Whoosh's own matchers step through postings in Python, about 4 µs a posting and term: a word that 10,000
articles contain took 44 ms, a phrase 350 ms. Here each posting list is read a block at a time into arrays and
BM25F scoring, AND/OR/NOT and facet counts over every match are vector operations. The scores are Whoosh's
own (BM25F, B=0.75, K1=1.2, the same statistics), so the ranking is the one `searcher.search` gives; a test
compares them. Phrases are matched through word-pair fields (`<field>_pairs`, see whoosh_engine.make_schema): every
consecutive pair of the phrase's words must occur as a pair in the article.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np
from whoosh import query as wq

B, K1 = 0.75, 1.2  # whoosh.scoring.BM25F's defaults, which our searchers use
# Scored postings of recently used terms kept per generation (16 bytes each: ~32 MB at most). Decoding a
# term's blocks is most of a wordy search (2.0 of 4.2 s for sixteen 32-word searches at 2,000 articles),
# and the costly terms, the common words, are the ones searches share.
TERM_CACHE_POSTINGS = 2_000_000
PAIR_SEPARATOR = " "



def _length_columns(reader, field: str) -> np.ndarray | None:
    """The same lengths as a doc_field_length call per document, read a segment's length column at once
    (Whoosh 2.7's W3 codec, pinned; None for any other reader). A call per document cost 0.45 s a field at
    10,000 articles, most of the first search after the server starts (sparql-scale, cold start)."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
    from whoosh.util.numeric import byte_to_length

    # byte 0 (also a document past the column's end) is what doc_field_length gives as None: NaN here too
    decoded = np.array([byte_to_length(b) if b else np.nan for b in range(256)], np.float64)
    parts = []
    for leaf, base in reader.leaf_readers():
        cached = getattr(getattr(leaf, "_perdoc", None), "_cached_reader", None)
        if cached is None or base != sum(len(p) for p in parts):
            return None
        count = leaf.doc_count_all()
        column = cached(_lenfield(field), LENGTHS_COLUMN)
        if column is None:  # no lengths stored for the field: doc_field_length's default, 1
            parts.append(np.ones(count))
            continue
        if getattr(column, "_fixedlen", None) != 1 or not hasattr(column, "_dbfile"):
            return None
        stored = min(column._count, count)
        raw = np.frombuffer(column._dbfile.get(column._basepos, stored), np.uint8) if stored else np.empty(0, np.uint8)
        parts.append(np.concatenate([decoded[raw], np.full(count - stored, np.nan)]))
    return np.concatenate(parts) if parts else np.empty(0, np.float64)

@dataclass
class Matches:
    """Document numbers (sorted, unique) and their scores."""

    docs: np.ndarray
    scores: np.ndarray

    @classmethod
    def empty(cls) -> "Matches":
        return cls(np.empty(0, np.int64), np.empty(0, np.float64))

    def __len__(self) -> int:
        return len(self.docs)


class Postings:
    """Per-index arrays (field lengths, live documents, document->entity pairs, dates), built on first use and
    kept for as long as the index is served: a generation never changes, so neither do they."""

    def __init__(self, entity_field: str = "entity", date_field: str = "date") -> None:
        self.entity_field = entity_field
        self.date_field = date_field
        self._lock = threading.Lock()
        self._cache: dict = {}
        # The budget check of the search this thread evaluates (see evaluate); request threads share Postings.
        self._checks = threading.local()
        self._terms: OrderedDict = OrderedDict()  # (field, text) -> (docs, unboosted scores), read-only arrays
        self._terms_size = 0

    # --- per-index arrays, each built on first use (a text-score worker never needs the facet arrays) ---

    def prepare(self, searcher, scored_fields: Iterable[str], prefixes: tuple[str, ...],
                value_fields: Iterable[str] = ()) -> None:
        """Build now the arrays the first search of a process reads (live documents, entity pairs, dates, the
        lengths of `scored_fields`, the naming table of `prefixes`, the terms of `value_fields`), so that it
        does not: 0.5-1.1 s of the first search after the server started at 10,000 articles, most of it the
        entity field's ~3,000 posting blocks decompressed."""
        self._live(searcher)
        self._entities(searcher)
        self._dates(searcher)
        for field in scored_fields:
            if field in searcher.schema:
                self._field_lengths(searcher, field)
        self._naming_table(searcher, prefixes)
        for field in value_fields:
            self._values(searcher, field)

    def _once(self, name, build: Callable[[], object]):
        value = self._cache.get(name)
        if value is None:
            with self._lock:
                value = self._cache.get(name)
                if value is None:
                    value = self._cache[name] = build()
        return value

    def _live(self, searcher) -> np.ndarray:
        """True for the documents that are not deleted (index order; deleted ones stay in postings)."""
        def build() -> np.ndarray:
            reader = searcher.reader()
            live = np.zeros(reader.doc_count_all(), bool)
            live[np.fromiter(reader.all_doc_ids(), np.int64)] = True
            return live
        return self._once("live", build)

    def _entities(self, searcher) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Every (document, entity) pair of the entity field, from its posting lists: (keys, docs, key index)."""
        def build():
            reader = searcher.reader()
            keys: list[str] = []
            docs, owners = [], []
            if self.entity_field in reader.schema:
                for key in reader.field_terms(self.entity_field):
                    posted, _ = self._posting_arrays(reader, self.entity_field, key)
                    docs.append(posted)
                    owners.append(np.full(len(posted), len(keys), np.int32))
                    keys.append(key)
            if not docs:
                return keys, np.empty(0, np.int64), np.empty(0, np.int32)
            return keys, np.concatenate(docs), np.concatenate(owners)
        return self._once("entities", build)

    def _dates(self, searcher) -> np.ndarray:
        """Each document's date, from the field's column (sortable), reading no stored documents."""
        return self._once("dates", lambda: np.array(
            [v or "" for v in self._column(searcher, self.date_field)], dtype=object))

    def ids(self, searcher) -> list[str]:
        """Each document's id (for callers that need every match's id, as cg:textScore)."""
        return self._once("ids", lambda: [v or "" for v in self._column(searcher, "id")])

    @staticmethod
    def _column(searcher, field: str) -> list:
        reader = searcher.reader()
        if reader.has_column(field):
            return list(reader.column_reader(field))
        return [searcher.stored_fields(n).get(field) if not reader.is_deleted(n) else None
                for n in range(reader.doc_count_all())]

    def _field_lengths(self, searcher, field: str) -> np.ndarray:
        """Each document's length in `field`, as Whoosh's scorer sees it (a lossy byte, decoded)."""
        def build() -> np.ndarray:
            reader = searcher.reader()
            whole = _length_columns(reader, field)
            if whole is not None:
                return whole
            return np.array([reader.doc_field_length(n, field, 1) for n in range(reader.doc_count_all())],
                            np.float64)
        return self._once(("lengths", field), build)

    @staticmethod
    def _posting_arrays(reader, field: str, text) -> tuple[np.ndarray, np.ndarray]:
        """All postings of a term, deleted documents included (callers mask them): ids and weights."""
        ids: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        for leaf, base in reader.leaf_readers():
            if (field, text) not in leaf:
                continue
            matcher = leaf.postings(field, text)
            matcher = getattr(matcher, "child", matcher)  # FilterMatcher over deletions: we mask them ourselves
            if all(hasattr(matcher, name) for name in ("_read_data", "_data", "_byteids", "_next_block")):
                # Whoosh 2.7's on-disk leaf matcher (pinned): a whole block of ids and weights per step
                # Its block decoded here with numpy (the ids are deltas unless stored as bytes): its own
                # _read_ids / _read_weights step through each posting in Python, 1.2 of the 1.6 s that the
                # entity arrays of the first search took at 10,000 articles
                while matcher.is_active():
                    if matcher._data is None:
                        matcher._read_data()
                    block_ids, block_weights = matcher._data[0], matcher._data[1]
                    block = np.asarray(block_ids, np.int64)
                    ids.append((block if matcher._byteids else np.cumsum(block)) + base)
                    if block_weights is None or isinstance(block_weights, float):
                        weights.append(np.full(matcher._blocklength, 1.0 if block_weights is None else block_weights))
                    else:
                        weights.append(np.asarray(block_weights, np.float64))
                    matcher._next_block()
            else:  # any other matcher: one posting at a time
                leaf_ids, leaf_weights = [], []
                while matcher.is_active():
                    leaf_ids.append(matcher.id())
                    leaf_weights.append(matcher.weight())
                    matcher.next()
                ids.append(np.asarray(leaf_ids, np.int64) + base)
                weights.append(np.asarray(leaf_weights, np.float64))
        if not ids:
            return np.empty(0, np.int64), np.empty(0, np.float64)
        return np.concatenate(ids), np.concatenate(weights)

    # --- evaluation ---

    def evaluate(self, searcher, query: wq.Query, check: Callable[[], None] | None = None) -> Matches:
        """The live documents matching `query`, with Whoosh's BM25F scores. `check` is called before each
        term's postings are read; it raises to stop a search that is out of time (budget.py)."""
        self._checks.check = check
        try:
            matches = self._eval(searcher, query)
        finally:
            self._checks.check = None
        keep = self._live(searcher)[matches.docs]
        return Matches(matches.docs[keep], matches.scores[keep])

    def _eval(self, searcher, q: wq.Query) -> Matches:
        if isinstance(q, wq.Term):
            return self._term(searcher, q.fieldname, q.text, q.boost)
        if isinstance(q, wq.Phrase):
            return self._phrase(searcher, q)
        if isinstance(q, wq.Every):
            docs = np.flatnonzero(self._live(searcher))
            return Matches(docs, np.full(len(docs), q.boost, np.float64))
        if isinstance(q, wq.NullQuery.__class__):
            return Matches.empty()
        if isinstance(q, wq.AndNot):
            return _minus(self._eval(searcher, q.a), self._eval(searcher, q.b))
        if isinstance(q, wq.AndMaybe):
            return _maybe(self._eval(searcher, q.a), self._eval(searcher, q.b))
        if isinstance(q, wq.Not):  # as Whoosh's InverseMatcher: every other document, scored the boost
            everything = np.flatnonzero(self._live(searcher))
            return _minus(Matches(everything, np.full(len(everything), q.boost)), self._eval(searcher, q.query))
        if isinstance(q, wq.And):
            positive = [s for s in q.subqueries if not isinstance(s, wq.Not)]
            negative = [s for s in q.subqueries if isinstance(s, wq.Not)]
            if not positive:
                return _boosted(self._eval(searcher, wq.Not(wq.Or([s.query for s in negative]))), q.boost)
            result = self._eval(searcher, positive[0])
            for sub in positive[1:]:
                if not len(result):
                    break
                result = _intersect(result, self._eval(searcher, sub))
            for sub in negative:  # a NOT inside AND excludes, and adds its boost to the score (as in Whoosh)
                result = _minus(result, self._eval(searcher, sub.query))
                result = Matches(result.docs, result.scores + sub.boost)
            return _boosted(result, q.boost)
        if isinstance(q, wq.Or):
            return _boosted(_union([self._eval(searcher, s) for s in q.subqueries]), q.boost)
        if isinstance(q, wq.TermRange) and q.fieldname == self.date_field:
            return self._date_range(searcher, q)
        return self._generic(searcher, q)

    def _term(self, searcher, field: str, text, boost: float = 1.0) -> Matches:
        check = getattr(self._checks, "check", None)
        if check is not None:
            check()
        key = (field, text)
        with self._lock:
            cached = self._terms.get(key)
            if cached is not None:
                self._terms.move_to_end(key)
        if cached is None:
            cached = self._scored_term(searcher, field, text)
            self._remember(key, cached)
        docs, scores = cached
        if not len(docs):
            return Matches.empty()
        return Matches(docs, scores if boost == 1.0 else scores * boost)

    def _scored_term(self, searcher, field: str, text) -> tuple[np.ndarray, np.ndarray]:
        reader = searcher.reader()
        docs, weights = self._posting_arrays(reader, field, text)
        order = np.argsort(docs, kind="stable")
        docs, weights = docs[order], weights[order]
        if len(docs) and searcher.schema[field].scorable:
            idf = searcher.idf(field, text)
            average = searcher.avg_field_length(field) or 1
            lengths = self._field_lengths(searcher, field)[docs]
            scores = idf * ((weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * lengths / average)))
        else:
            scores = weights.copy()
        docs.flags.writeable = scores.flags.writeable = False  # shared by every search that reads the term
        return docs, scores

    def _remember(self, key, arrays: tuple[np.ndarray, np.ndarray]) -> None:
        size = max(1, len(arrays[0]))
        if size > TERM_CACHE_POSTINGS:
            return
        with self._lock:
            if key in self._terms:
                return
            self._terms[key] = arrays
            self._terms_size += size
            while self._terms_size > TERM_CACHE_POSTINGS:
                _, (old, _) = self._terms.popitem(last=False)
                self._terms_size -= max(1, len(old))

    def _phrase(self, searcher, q: wq.Phrase) -> Matches:
        words = list(q.words)
        pairs_field = f"{q.fieldname}_pairs"
        if not words:
            return Matches.empty()
        if len(words) == 1:
            return self._term(searcher, q.fieldname, words[0], q.boost)
        if pairs_field not in searcher.schema:  # an index without word pairs: Whoosh's position check
            return self._generic(searcher, q)
        result = None
        for first, second in zip(words, words[1:]):
            pair = self._term(searcher, pairs_field, f"{first}{PAIR_SEPARATOR}{second}", q.boost)
            result = pair if result is None else _intersect(result, pair)
            if not len(result):
                break
        return result

    def _date_range(self, searcher, q: wq.TermRange) -> Matches:
        dates = self._dates(searcher)
        keep = self._live(searcher) & (dates != "")  # as in Whoosh: an article without a date is in no date range
        if q.start is not None:
            keep &= (dates > q.start) if q.startexcl else (dates >= q.start)
        if q.end is not None:
            keep &= (dates < q.end) if q.endexcl else (dates <= q.end)
        docs = np.flatnonzero(keep)
        return Matches(docs, np.full(len(docs), q.boost, np.float64))

    @staticmethod
    def _generic(searcher, q: wq.Query) -> Matches:
        """Any other query, through Whoosh's own matcher (slow, but no query form is refused)."""
        docs, scores = [], []
        matcher = q.matcher(searcher)
        while matcher.is_active():
            docs.append(matcher.id())
            scores.append(matcher.score())
            matcher.next()
        return Matches(np.array(docs, np.int64), np.array(scores, np.float64))

    # --- what a search page needs from the matches ---

    def top(self, searcher, matches: Matches, count: int, by_date: bool = False) -> np.ndarray:
        """The first `count` documents: by score (ties: index order, as Whoosh), or newest first."""
        if not len(matches) or count <= 0:
            return np.empty(0, np.int64)
        if by_date:
            dates = self._dates(searcher)[matches.docs]
            order = sorted(range(len(dates)), key=lambda i: (dates[i], matches.docs[i]), reverse=True)
            return matches.docs[np.array(order[:count], np.int64)]
        if len(matches) > count:
            cut = np.argpartition(-matches.scores, count - 1)[:count]
            threshold = matches.scores[cut].min()
            candidates = np.flatnonzero(matches.scores >= threshold)  # keep every tie with the last one
        else:
            candidates = np.arange(len(matches))
        order = np.lexsort((matches.docs[candidates], -matches.scores[candidates]))
        return matches.docs[candidates[order[:count]]]

    def entity_counts(self, searcher, matches: Matches) -> dict[str, int]:
        """How many matching documents mention each entity (every match counted, not only the top ones)."""
        keys, pair_docs, pair_entities = self._entities(searcher)
        if not len(matches) or not len(pair_docs):
            return {}
        selected = np.zeros(len(self._live(searcher)), bool)
        selected[matches.docs] = True
        counts = np.bincount(pair_entities[selected[pair_docs]], minlength=len(keys))
        return {keys[i]: int(counts[i]) for i in np.flatnonzero(counts)}

    def value_counts(self, searcher, matches: Matches, field: str) -> dict[str, int]:
        """How many matching documents hold each term of a field with few terms (the language facet)."""
        if not len(matches):
            return {}
        counts = {term: int(np.isin(docs, matches.docs, assume_unique=True).sum())
                  for term, docs in self._values(searcher, field)}
        return {term: count for term, count in counts.items() if count}

    def _values(self, searcher, field: str) -> list[tuple[str, np.ndarray]]:
        """Each term of a field with few terms, with the documents holding it."""
        def build() -> list[tuple[str, np.ndarray]]:
            reader = searcher.reader()
            if field not in reader.schema:
                return []
            return [(term if isinstance(term, str) else term.decode(), self._posting_arrays(reader, field, term)[0])
                    for term in reader.field_terms(field)]
        return self._once(("values", field), build)

    def documents_naming(self, searcher, matches: Matches, prefixes: dict[str, str]) -> dict[str, int]:
        """Per entity type (keys start with its prefix): how many matching documents name at least one."""
        if not len(matches):
            return {}
        counts = self._naming_table(searcher, tuple(prefixes))[:, matches.docs].sum(axis=1)
        return {type_: int(count) for type_, count in zip(prefixes.values(), counts) if count}

    def _naming_table(self, searcher, prefixes: tuple[str, ...]) -> np.ndarray:
        """A (type x document) table: does the document name an entity of the type?"""
        def build() -> np.ndarray:
            keys, pair_docs, pair_entities = self._entities(searcher)
            table = np.zeros((len(prefixes), len(self._live(searcher))), bool)
            for row, prefix in enumerate(prefixes):
                of_type = np.array([k.startswith(prefix) for k in keys], bool)
                if len(pair_docs):
                    table[row, pair_docs[of_type[pair_entities]]] = True
            return table
        return self._once(("naming", prefixes), build)


def _boosted(matches: Matches, boost: float) -> Matches:
    return matches if boost == 1.0 else Matches(matches.docs, matches.scores * boost)


def _intersect(a: Matches, b: Matches) -> Matches:
    docs, ia, ib = np.intersect1d(a.docs, b.docs, assume_unique=True, return_indices=True)
    return Matches(docs, a.scores[ia] + b.scores[ib])


def _union(parts: list[Matches]) -> Matches:
    parts = [p for p in parts if len(p)]
    if not parts:
        return Matches.empty()
    if len(parts) == 1:
        return parts[0]
    docs, inverse = np.unique(np.concatenate([p.docs for p in parts]), return_inverse=True)
    scores = np.bincount(inverse, weights=np.concatenate([p.scores for p in parts]), minlength=len(docs))
    return Matches(docs, scores)


def _minus(a: Matches, b: Matches) -> Matches:
    keep = ~np.isin(a.docs, b.docs, assume_unique=True)
    return Matches(a.docs[keep], a.scores[keep])


def _maybe(a: Matches, b: Matches) -> Matches:
    _, ia, ib = np.intersect1d(a.docs, b.docs, assume_unique=True, return_indices=True)
    scores = a.scores.copy()
    scores[ia] += b.scores[ib]
    return Matches(a.docs, scores)
