"""The Whoosh engine: a SearchEngine (protocol.py) over a Whoosh index on disk in each generation.

The schema and per-article fields, the writer and the opened index. Searching it is _whoosh_search.py: queries
are read by _whoosh_query.py and evaluated over whole posting lists by _postings.py (Whoosh's own matchers step
through postings in Python, docs/performance.md); the analyzers per language are in analysis.py.
"""

from __future__ import annotations

import errno
import functools
import inspect
import itertools
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from whoosh import index
from whoosh.analysis import BiWordFilter, StemFilter
from whoosh.filedb import compound
from whoosh.filedb.structfile import BufferFile
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from ..errors import StoreError
from ._postings import PAIR_SEPARATOR, Postings
from ._whoosh_query import parse_user_query
from ._whoosh_search import estimate, prepare, search
from .analysis import ChineseAwareAnalyzer, warm_up
from .budget import SearchSession
from .protocol import TYPE_FIELDS, EntitiesNamed, IndexDocument, Labels, SearchRequest, SearchResult, Texts

__all__ = ["WhooshEngine", "WhooshIndex", "WhooshWriter", "article_ids", "create_or_open", "estimate", "fields_of",
           "make_schema", "parse_user_query", "search", "thread_safe_stemming"]


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
        mentions=STORED(),  # "3,1,12": the article's mentions of each entity key above, in that order
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
    _read_segments_in_place()
    try:
        return index.open_dir(str(path))
    except (ModuleNotFoundError, AttributeError) as exc:
        raise _older_layout(path, exc) from None


class _MappedSubfile(BufferFile):
    """A file inside a segment's memory map that reads the map where it lies.

    Whoosh's BufferFile copies its whole sub-file into a BytesIO when it is opened, and every searcher (one per
    request thread) and every reader opens its own: 41 MB per searcher at 10,000 articles (postings 18 MB,
    stored fields 5.4 MB, terms 3.3 MB ...), 715 MB of the server worker's resident memory after the bench's
    costly-search burst. Here a read copies only the bytes it returns, and the pages stay the page cache's.
    """

    def __init__(self, buf, name=None, onclose=None) -> None:  # noqa: D107 - BufferFile's, without the copy
        self._buf, self._name, self.onclose = buf, name, onclose
        self.file = _ViewReader(buf)
        self.is_real = False
        self.is_closed = False


PEEK = 1024


class _ViewReader:
    """The read-only file protocol over a memoryview (what StructFile and pickle ask of BytesIO)."""

    __slots__ = ("_view", "_pos")

    def __init__(self, view: memoryview) -> None:
        self._view, self._pos = view, 0

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = len(self._view) if size is None or size < 0 else min(len(self._view), start + size)
        self._pos = max(start, end)
        return self._view[start:self._pos].tobytes()

    def peek(self, size: int = 0) -> bytes:
        # pickle.load asks for a look ahead (it then reads only what it used): without one it called read()
        # once per opcode, 57,000 calls for the ~2,800 block headers of the server's first search arrays at
        # 10,000 articles (0.29 s). A posting block's header pickles to ~40 bytes.
        return self._view[self._pos:self._pos + PEEK].tobytes()

    def readline(self, size: int | None = -1) -> bytes:
        limit = len(self._view) if size is None or size < 0 else min(len(self._view), self._pos + size)
        line = bytearray()
        while self._pos < limit:
            chunk = self._view[self._pos:min(limit, self._pos + 256)].tobytes()
            cut = chunk.find(b"\n")
            taken = chunk if cut < 0 else chunk[:cut + 1]
            line += taken
            self._pos += len(taken)
            if cut >= 0:
                break
        return bytes(line)

    def seek(self, position: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: len(self._view)}[whence]
        self._pos = max(0, base + position)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        pass  # the view belongs to the segment's storage, which closes the map


def _read_segments_in_place() -> None:
    """Open segment sub-files as _MappedSubfile (Whoosh 2.7's CompoundStorage, pinned, names BufferFile as a
    module global when its segment is memory-mapped; an unmapped segment reads through SubFile as before)."""
    if compound.BufferFile is not _MappedSubfile:
        compound.BufferFile = _MappedSubfile


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
              "entity": ",".join(document.entities),
              "mentions": ",".join(str(document.mentions.get(key, 0)) for key in document.entities)}
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


class WhooshWriter:
    """The IndexWriter of a Whoosh index (one per ingest; Whoosh's own writer holds the index's lock)."""

    def __init__(self, ix, timeout: float) -> None:
        self._ix, self._timeout = ix, timeout
        self._writer = ix.writer(timeout=timeout)
        # An index created before data format 12 has no mentions field (its schema is pickled in the index and
        # kept by every update until a rebuild): its documents go on without counts.
        self._fields = set(ix.schema.names())

    def replace(self, document: IndexDocument) -> None:
        self._writer.update_document(**{k: v for k, v in fields_of(document).items() if k in self._fields})

    def delete(self, article_id: str) -> None:
        self._writer.delete_by_term("id", article_id)

    def checkpoint(self) -> None:
        # The documents so far become a segment of their own, and a new writer takes the rest. Whoosh writes a
        # segment's postings in term order only at its commit: 1.1 s of a 100-article ingest, which at the
        # end of the run nothing overlapped. Whoosh merges segments only from the fifth small one (MERGE_SMALL).
        self._writer.commit()
        self._writer = self._ix.writer(timeout=self._timeout)

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
        prepare(self)  # in this thread: every first search reads these arrays
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
