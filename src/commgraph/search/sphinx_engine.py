"""The search engine on a search server: Sphinx 2.2.11 (Debian's `sphinxsearch`) over SphinxQL, the MySQL wire
protocol that Manticore Search, its maintained fork, still speaks.

Terms are ours, not the server's: every title and body is analysed by the same analyzer as the Whoosh engine
(analysis.py: Porter stems and stop words as Whoosh's StemmingAnalyzer, Chinese cut by jieba with the
gazetteer's names), and the server indexes the resulting words. Sphinx's own `morphology = stem_en` is not
Porter's (monthly -> "month", Porter "monthli") and its CJK support is single-character ngrams (讯公 matches
across 腾讯|公司), so both engines match the same words only this way. A word that is not [a-z0-9] (Chinese,
accented, dotted) crosses the wire as a hash token. The server evaluates AND/OR/NOT, real phrases (positions),
BM25 ranking, filters, GROUP BY facet counts; snippets come from `CALL SNIPPETS` on the original text.

Generations: one real-time index holds the documents of every kept generation; each document carries the set
of generation tags it belongs to (a multi-value attribute), and every read filters on its generation's tag,
which `index/sphinx.json` in the generation names. A new generation starts by adding its tag to the previous
one's documents (one UPDATE per distinct tag set), replaces articles by moving the tag to new documents, and is
invisible to readers until `current` switches to it. Cancel takes the tag away again; tags of generations no
longer on disk are dropped by the next writer. The server config must declare four indexes, see
`config_text`: `<name>` (documents), `<name>_keys` (entity key of each hash, for facets), `<name>_words`
(every English body word's stem and letter trigrams, for did-you-mean: Sphinx 2.2.11 has no suggestion call)
and `<name>_text` (no documents: the tokenizer settings `CALL SNIPPETS` uses).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from markupsafe import escape
from whoosh.fields import ID, KEYWORD, TEXT, Schema
from whoosh import query as wq

from ..errors import QueryError, StoreError
from ._whoosh_query import parse_user_query
from .analysis import ChineseAwareAnalyzer, has_han, segmenter, simplified, warm_up
from .budget import Cost, SearchSession
from .protocol import (TYPE_FIELDS, EntitiesNamed, Hit, IndexDocument, Labels, SearchRequest, SearchResult,
                       Texts)
from .whoosh_engine import thread_safe_stemming

MARKER = "sphinx.json"  # in a generation's index/ directory: which index and tag hold its documents
_PLAIN = re.compile(r"[a-z0-9]{1,40}")
_TYPES = tuple(TYPE_FIELDS)  # person, organization, ...: the entity MVA of each, and the type numbers 1..6
_PAGE_ROWS = 5000  # rows read per SELECT when walking a whole generation (ids, copies, article ids)
_FACET_ROWS = 100  # groups read per entity type; the 15 shown are the top after sorting ties by key
_ALL = "cgall"  # a token every document holds in `tags`: pure NOT queries and filter-only searches
_OPEN, _CLOSE = "\ue000", "\ue001"  # snippet match markers (private use): escaped text, then <b> tags
_ZWSP = "\u200b"  # between jieba's words of a Chinese run: Sphinx splits there, the reader sees nothing


class SearchServerError(StoreError):
    """The search server does not answer, or refuses what we asked (503: the page says what to do)."""


def token(word: str) -> str:
    """A word as the server indexes it: itself when it is [a-z0-9] (at most 40), else a hash token (Sphinx
    indexes only the characters of its charset_table, and we keep that to [a-z0-9_])."""
    if _PLAIN.fullmatch(word):
        return word
    return "u" + hashlib.blake2b(word.encode("utf-8"), digest_size=10).hexdigest()


def _hash64(text: str) -> int:
    """A stable 63-bit number for an entity key (MVA values are unsigned 64-bit; 63 keeps them positive)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big") >> 1


def _tag_token(kind: str, value: str) -> str:
    return "t" + hashlib.blake2b(f"{kind}\x00{value}".encode("utf-8"), digest_size=10).hexdigest()


def trigrams(word: str) -> list[str]:
    """Letter trigrams of a word, its ends marked ("qq" -> _qq, qq_): what the words index matches."""
    padded = f"_{word}_"
    return [padded[i:i + 3] for i in range(len(padded) - 2)]


def levenshtein(a: str, b: str, most: int = 2) -> int:
    """Edit distance (insert, delete, substitute), or most + 1 once it is over `most`."""
    if abs(len(a) - len(b)) > most:
        return most + 1
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
        if min(row) > most:
            return most + 1
    return row[-1]


def day_number(date: str, upper: bool = False) -> int:
    """An ISO date, year-month or year as yyyymmdd; missing parts 00 (or 99 for an upper bound), so integer
    order is the string order the Whoosh engine uses ("2016-08" sorts before "2016-08-01")."""
    digits = re.sub(r"\D", "", date or "")[:8]
    if not digits:
        return 0
    return int(digits.ljust(8, "9" if upper else "0"))


def config_text(name: str, directory: Path, port: int, host: str = "127.0.0.1") -> str:
    """A complete searchd configuration for commgraph's four indexes under `directory` (tests start searchd
    with it; a deployment copies the index blocks into its own sphinx.conf)."""
    d = Path(directory)
    types = "\n".join(f"    rt_attr_multi_64 = e_{t}" for t in _TYPES)
    return f"""
index {name}
{{
    type = rt
    path = {d / name}
    rt_field = title
    rt_field = body
    rt_field = titlex
    rt_field = bodyx
    rt_field = tags
    rt_attr_string = aid
    rt_attr_string = title_s
    rt_attr_string = date_s
    rt_attr_string = lang
    rt_attr_string = ekeys
    rt_attr_uint = day
    rt_attr_multi = gens
    rt_attr_multi = etypes
    rt_attr_multi_64 = entity
{types}
    charset_table = 0..9, a..z, _
    min_word_len = 1
    rt_mem_limit = 128M
}}

index {name}_keys
{{
    type = rt
    path = {d / (name + '_keys')}
    rt_field = k
    rt_attr_string = key
}}

index {name}_words
{{
    type = rt
    path = {d / (name + '_words')}
    rt_field = grams
    rt_attr_string = stem
    rt_attr_string = word
    rt_attr_uint = first
    rt_attr_uint = size
    charset_table = 0..9, a..z, _
    min_word_len = 1
}}

index {name}_text
{{
    type = rt
    path = {d / (name + '_text')}
    rt_field = body
    rt_attr_uint = unused
    morphology = stem_en
    charset_table = 0..9, A..Z->a..z, a..z, U+00C0..U+024F, U+3400..U+4DBF, U+4E00..U+9FFF, U+F900..U+FAFF
    min_word_len = 1
}}

searchd
{{
    listen = {host}:{port}:mysql41
    log = {d / 'searchd.log'}
    pid_file = {d / 'searchd.pid'}
    binlog_path = {d}
    binlog_flush = 1
    workers = threads
    max_packet_size = 32M
}}
"""


def _parser_schema(words: tuple[str, ...]) -> Schema:
    """The fields the query syntax names, with the analyzer the documents were indexed with (for parsing only;
    no Whoosh index is made)."""
    analyzer = ChineseAwareAnalyzer(words)
    type_fields = {name: KEYWORD(stored=False, commas=True, lowercase=True) for name in TYPE_FIELDS}
    schema = Schema(title=TEXT(analyzer=analyzer), body=TEXT(analyzer=analyzer), lang=ID(),
                    entity=KEYWORD(commas=True), **type_fields)
    thread_safe_stemming(schema)  # every request thread parses with it (Whoosh's stem cache has no lock)
    return schema


class _Connections:
    """One SphinxQL connection per thread and process (a forked worker opens its own)."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._local = threading.local()

    def cursor(self):
        import pymysql  # only deployments that choose this engine need the client

        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            try:
                conn = pymysql.connect(host=self.host, port=self.port, autocommit=True,
                                       client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS,
                                       connect_timeout=max(1, int(self.timeout)), read_timeout=self.timeout * 5 + 5,
                                       write_timeout=self.timeout * 5 + 5)
            except pymysql.err.OperationalError as exc:
                raise SearchServerError(f"the search server (searchd) at {self.host}:{self.port} does not answer "
                                        f"({exc.args[-1]}): start it, or point the setting search_server at it "
                                        "(docs/scaling.md)") from None
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn.cursor()

    def run(self, sql: str, args=None) -> list[tuple]:
        return self.batch([(sql, args)])[0]

    def batch(self, statements: list[tuple[str, object]]) -> list[list[tuple]]:
        """Several statements in one round trip, each one's rows. searchd runs a batch of SELECTs with the
        same full-text query as one multi-query: the match is evaluated once for the page and every facet."""
        import pymysql

        cursor = self.cursor()
        try:
            cursor.execute(";\n".join(cursor.mogrify(sql, args) for sql, args in statements))
            results = [list(cursor.fetchall())]
            while cursor.nextset():
                results.append(list(cursor.fetchall()))
            return results
        except pymysql.err.OperationalError as exc:
            self._local.conn = None  # a broken connection is not reused
            raise SearchServerError(f"the search server at {self.host}:{self.port} failed: {exc.args[-1]}") from None
        except pymysql.err.ProgrammingError as exc:
            message = str(exc.args[-1]).rstrip("\x00")
            if "unknown local index" in message or "no such index" in message:
                raise SearchServerError(f"the search server at {self.host}:{self.port} has no index for this: "
                                        f"{message}; declare the indexes of docs/scaling.md in its sphinx.conf")
            raise SearchServerError(f"the search server refused a request: {message}") from None
        finally:
            cursor.close()


@dataclass(frozen=True)
class SphinxEngine:
    """The SearchEngine on a running searchd (configuration only: picklable into the SPARQL workers)."""

    host: str = "127.0.0.1"
    port: int = 9306
    index: str = "commgraph"
    timeout: float = 2.0
    name: str = "sphinx"

    @classmethod
    def from_settings(cls, settings) -> "SphinxEngine":
        address = getattr(settings, "search_server", "") or "127.0.0.1:9306"
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise StoreError(f"search_server must be host:port of searchd's mysql41 listener, got {address!r}", 500)
        index = getattr(settings, "search_index", "") or "commgraph"
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,60}", index):  # it is written into every statement
            raise StoreError(f"search_index must be a Sphinx index name (letters, digits, _), got {index!r}", 500)
        return cls(host=host, port=int(port), index=index, timeout=float(getattr(settings, "search_timeout", 2.0)))

    def connections(self) -> _Connections:
        return _Connections(self.host, self.port, self.timeout)

    def writer(self, directory: Path, *, previous: Path | None = None, words: tuple[str, ...] = (),
               timeout: float = 30.0) -> "SphinxWriter":
        return SphinxWriter(self, Path(directory), None if previous is None else Path(previous), words)

    def open(self, directory: Path) -> "SphinxIndex":
        marker = _read_marker(Path(directory))
        if marker.get("index") != self.index:
            raise SearchServerError(f"{directory} was indexed into Sphinx index {marker.get('index')!r}, the "
                                    f"setting search_index says {self.index!r}: set it back or rebuild")
        return SphinxIndex(self, int(marker["tag"]), tuple(marker.get("words", ())))


def _read_marker(directory: Path) -> dict:
    try:
        with open(directory / MARKER, encoding="utf-8") as f:
            marker = json.load(f)
    except FileNotFoundError:
        raise FileNotFoundError(2, "no Sphinx index marker here (was this generation indexed by another engine? "
                                   "run commgraph ingest --rebuild)", str(directory / MARKER)) from None
    except json.JSONDecodeError as exc:
        raise OSError(f"{directory / MARKER} is damaged ({exc}): run commgraph check") from None
    if not isinstance(marker.get("tag"), int):
        raise OSError(f"{directory / MARKER} names no generation tag: run commgraph check")
    return marker


def _mva(values: Iterable[int]) -> str:
    return "(" + ",".join(str(int(v)) for v in sorted(set(values))) + ")"


def _ints(text: str) -> set[int]:
    return {int(v) for v in (text or "").split(",") if v}


class SphinxWriter:
    """The writer of one generation: its tag is added to the previous generation's documents at once, and
    each replaced or deleted article loses it. Only readers of this generation (after `current` switches)
    see any of it. Ingest holds the data directory's lock, so there is one writer per index."""

    def __init__(self, engine: SphinxEngine, directory: Path, previous: Path | None, words: tuple[str, ...]) -> None:
        self.engine, self.directory, self.words = engine, directory, tuple(sorted(set(words)))
        self.sql = engine.connections()
        self.idx = engine.index
        self.analyzer = ChineseAwareAnalyzer(self.words)
        self.plain = ChineseAwareAnalyzer(self.words, subwords=False)
        directory.mkdir(parents=True, exist_ok=True)
        try:
            marker = _read_marker(previous) if previous is not None else None
        except FileNotFoundError:
            raise StoreError(f"{previous} was not indexed by the Sphinx engine (the search_engine setting changed?): "
                             "run commgraph ingest --rebuild") from None
        if marker is not None and marker.get("index") != self.idx:
            raise StoreError(f"{previous} was indexed into Sphinx index {marker.get('index')!r}, not {self.idx!r} "
                             "(the search_index setting changed?): run commgraph ingest --rebuild")
        base = marker["tag"] if marker is not None else None
        self._drop_dead_tags(keep={base} if base is not None else set())
        self.tag = self._new_tag()
        self.next_id = (self.sql.run(f"SELECT MAX(id) AS m FROM {self.idx}") or [(0,)])[0][0] or 0
        self.next_id += 1
        self.base_ids: dict[str, list[int]] = {}  # article id -> documents that carry the tag (from the base)
        if base is not None:
            self._copy(base)
        self.pending: dict[str, tuple] = {}
        self.vocabulary: dict[str, str] = {}  # English body stems not yet sent to the words index -> a word
        self.sent: set[str] = set()
        self.written: dict[str, list[int]] = {}  # article id -> documents this writer inserted

    # --- generations ---

    def _rows(self, where: str, columns: str = "id, gens, aid") -> Iterator[tuple]:
        """Every row of the index matching `where`, in id order, a page at a time."""
        last = 0
        while True:
            rows = self.sql.run(f"SELECT {columns} FROM {self.idx} WHERE id > {last} AND {where} ORDER BY id ASC "
                                f"LIMIT {_PAGE_ROWS} OPTION max_matches={_PAGE_ROWS}")
            yield from rows
            if len(rows) < _PAGE_ROWS:
                return
            last = rows[-1][0]

    def _set_tags(self, changes: dict[tuple[int, ...], list[int]]) -> None:
        """Give documents new tag sets (an empty set deletes them), one statement per set and 1,000 ids."""
        for tags, ids in changes.items():
            for i in range(0, len(ids), 1000):
                chunk = ",".join(str(n) for n in ids[i:i + 1000])
                if tags:
                    self.sql.run(f"UPDATE {self.idx} SET gens={_mva(tags)} WHERE id IN ({chunk})")
                else:
                    self.sql.run(f"DELETE FROM {self.idx} WHERE id IN ({chunk})")

    def _copy(self, base: int) -> None:
        changes: dict[tuple[int, ...], list[int]] = {}
        for doc, gens, aid in self._rows(f"gens = {base}"):
            tags = tuple(sorted(_ints(gens) | {self.tag}))
            changes.setdefault(tags, []).append(doc)
            self.base_ids.setdefault(aid, []).append(doc)
        self._set_tags(changes)

    def _untag(self, where: str) -> None:
        changes: dict[tuple[int, ...], list[int]] = {}
        for doc, gens, _aid in self._rows(where):
            changes.setdefault(tuple(sorted(_ints(gens) - {self.tag})), []).append(doc)
        self._set_tags(changes)

    def _live_tags(self) -> set[int]:
        """Tags of the finished generations still on disk (generations/g*/index/sphinx.json)."""
        root = self.directory.parent.parent
        tags = set()
        for marker in root.glob(f"g*/{self.directory.name}/{MARKER}"):
            try:
                found = _read_marker(marker.parent)
            except OSError:
                continue
            if found.get("index") == self.idx:
                tags.add(found["tag"])
        return tags

    def _drop_dead_tags(self, keep: set[int]) -> None:
        """Tags of collected or never-finished generations are taken off every document (documents left with
        none are deleted), so the index holds only what kept generations can see."""
        live = self._live_tags() | keep
        if not live:  # no kept generation at all (first ingest or a rebuild into an empty data dir)
            self.sql.run(f"TRUNCATE RTINDEX {self.idx}")
            return
        found = {int(g) for g, _ in self.sql.run(f"SELECT GROUPBY() AS g, COUNT(*) AS c FROM {self.idx} GROUP BY gens "
                                                  "LIMIT 1000 OPTION max_matches=1000")}
        for tag in sorted(found - live):
            changes: dict[tuple[int, ...], list[int]] = {}
            for doc, gens, _aid in self._rows(f"gens = {tag}"):
                changes.setdefault(tuple(sorted(_ints(gens) - (found - live))), []).append(doc)
            self._set_tags(changes)

    def _new_tag(self) -> int:
        while True:
            tag = secrets.randbelow(2**31 - 2) + 1
            if not self.sql.run(f"SELECT id FROM {self.idx} WHERE gens = {tag} LIMIT 1"):
                return tag

    # --- documents ---

    def _row(self, document: IndexDocument, doc_id: int) -> tuple:
        words = [t.text for t in self.plain(document.title)]
        body = []
        for t in self.plain(document.body, keeporiginal=True):
            body.append(t.text)
            if t.text not in self.vocabulary and len(t.text) >= 3 and t.text.isascii() and t.text.isalpha():
                self.vocabulary[t.text] = t.original.lower()
        # The dictionary words inside longer Chinese words (jieba's search mode) go to fields of their own:
        # in the word sequence they would break the phrases across them.
        title_extra = Counter(t.text for t in self.analyzer(document.title, mode="index")) - Counter(words)
        body_extra = Counter(t.text for t in self.analyzer(document.body, mode="index")) - Counter(body)
        tags = [_ALL, _tag_token("lang", document.lang)]
        tags += [_tag_token("entity", key) for key in document.entities]
        for name in _TYPES:
            tags += [_tag_token(name, n.lower().strip()) for n in document.names.get(name, ())]
        per_type = {name: [_hash64(k) for k in document.entities if k.split("/", 1)[0] == name] for name in _TYPES}
        etypes = [i + 1 for i, name in enumerate(_TYPES) if per_type[name]]
        return (doc_id, " ".join(map(token, words)), " ".join(map(token, body)),
                " ".join(token(w) for w in title_extra.elements()), " ".join(token(w) for w in body_extra.elements()),
                " ".join(tags), document.id, document.title, document.date, document.lang,
                ",".join(document.entities), day_number(document.date),
                [self.tag], etypes, [_hash64(k) for k in document.entities], *(per_type[n] for n in _TYPES))

    def _forget(self, article_id: str) -> None:
        """Take this generation's tag off the article's stored documents."""
        self.pending.pop(article_id, None)
        docs = self.base_ids.pop(article_id, []) + self.written.pop(article_id, [])
        if docs:
            self._untag(f"id IN ({','.join(map(str, docs))})")

    def replace(self, document: IndexDocument) -> None:
        self._forget(document.id)
        self.pending[document.id] = self._row(document, self.next_id)
        self.written[document.id] = [self.next_id]
        self.next_id += 1
        if len(self.pending) >= 50:
            self._flush()

    def delete(self, article_id: str) -> None:
        self._forget(article_id)

    def _flush(self) -> None:
        if not self.pending:
            return
        rows = list(self.pending.values())
        columns = ("id, title, body, titlex, bodyx, tags, aid, title_s, date_s, lang, ekeys, day, gens, etypes, entity, "
                   + ", ".join(f"e_{t}" for t in _TYPES))
        values, args = [], []
        for row in rows:
            scalars, mvas = row[:12], row[12:]
            values.append("(" + ",".join(["%s"] * 12) + "," + ",".join(_mva(m) if m else "()" for m in mvas) + ")")
            args.extend(scalars)
        self.sql.run(f"INSERT INTO {self.idx} ({columns}) VALUES {','.join(values)}", args)
        keys = sorted({k for row in rows for k in row[10].split(",") if k})
        if keys:
            self.sql.run(f"REPLACE INTO {self.idx}_keys (id, k, key) VALUES "
                         + ",".join(["(%s, '', %s)"] * len(keys)), [v for k in keys for v in (_hash64(k), k)])
        self.pending.clear()
        self._send_words()

    def _send_words(self) -> None:
        """Stems of English body words with their letter trigrams (the did-you-mean candidates), once each per
        writer; an old stem no document holds any more is harmless: a suggestion is checked before it is made."""
        fresh = sorted(set(self.vocabulary) - self.sent)
        for i in range(0, len(fresh), 500):
            chunk = fresh[i:i + 500]
            self.sql.run(f"REPLACE INTO {self.idx}_words (id, grams, stem, word, first, size) VALUES "
                         + ",".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk)),
                         [v for stem in chunk for v in (_hash64(stem), " ".join(trigrams(stem)), stem,
                                                        self.vocabulary[stem], ord(stem[0]), len(stem))])
        self.sent.update(fresh)
        self.vocabulary.clear()

    def commit(self) -> None:
        self._flush()
        self.sql.run(f"FLUSH RTINDEX {self.idx}")
        marker = self.directory / MARKER
        with open(marker, "w", encoding="utf-8") as f:
            json.dump({"engine": "sphinx", "index": self.idx, "tag": self.tag, "words": list(self.words)}, f)
            f.flush()
            os.fsync(f.fileno())

    def cancel(self) -> None:
        self.pending.clear()
        self._untag(f"gens = {self.tag}")
        (self.directory / MARKER).unlink(missing_ok=True)


class SphinxIndex:
    """One generation's documents on the server (those whose tags hold its tag), read-only."""

    def __init__(self, engine: SphinxEngine, tag: int, words: tuple[str, ...]) -> None:
        self.engine, self.tag, self.words = engine, tag, words
        self.idx = engine.index
        self.sql = engine.connections()
        self.schema = _parser_schema(words)
        self.sql.run(f"SELECT id FROM {self.idx} WHERE gens = {tag} LIMIT 1")  # fails now if searchd is away

    def warm_up(self) -> None:
        """jieba's dictionary in the background when this generation holds Chinese articles: queries and
        snippets are segmented here, on our side of the wire."""
        langs = self.sql.run(f"SELECT lang, COUNT(*) AS c FROM {self.idx} WHERE gens = {self.tag} GROUP BY lang LIMIT 100")
        if any(str(lang).startswith("zh") for lang, _ in langs):
            warm_up(self.schema["body"].analyzer)

    # --- what check and ingest ask ---

    def doc_count(self) -> int:
        rows = self.sql.run(f"SELECT COUNT(*) AS c FROM {self.idx} WHERE gens = {self.tag}")
        return int(rows[0][0]) if rows else 0

    def _all(self, where: str = "", columns: str = "id, aid") -> Iterator[tuple]:
        last = 0
        while True:
            rows = self.sql.run(f"SELECT {columns} FROM {self.idx} WHERE id > {last} AND gens = {self.tag} {where} "
                                f"ORDER BY id ASC LIMIT {_PAGE_ROWS} OPTION max_matches={_PAGE_ROWS}")
            yield from rows
            if len(rows) < _PAGE_ROWS:
                return
            last = rows[-1][0]

    def article_ids(self) -> set[str]:
        return {aid for _, aid in self._all()}

    def indexed(self, article_ids: Iterable[str]) -> set[str]:
        wanted, found = sorted(set(article_ids)), set()
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            rows = self.sql.run(f"SELECT aid FROM {self.idx} WHERE gens = {self.tag} AND aid IN "
                                f"({','.join(['%s'] * len(chunk))}) LIMIT {len(chunk) * 2} "
                                f"OPTION max_matches={max(1000, len(chunk) * 2)}", chunk)
            found.update(aid for (aid,) in rows)
        return found

    # --- queries ---

    def _match(self, query: wq.Query | None) -> str | None:
        """The SphinxQL MATCH expression of a parsed query; None when it can match nothing."""
        if query is None:
            return None
        return _translate(query.normalize())

    def scores(self, text: str) -> dict[str, float]:
        try:
            expr = self._match(parse_user_query(self.schema, text))
        except QueryError:
            return {}
        if not expr:
            return {}
        limit = max(1000, self.doc_count())
        rows = self.sql.run(f"SELECT aid, WEIGHT() AS w FROM {self.idx} WHERE MATCH(%s) AND gens = {self.tag} "
                            f"LIMIT {limit} OPTION max_matches={limit}, {_RANKING}", (expr,))
        return {aid: float(w) for aid, w in rows}

    def search(self, request: SearchRequest, *, texts: Texts | None = None, labels: Labels | None = None,
               entities_named: EntitiesNamed | None = None, budget: SearchSession | None = None) -> SearchResult:
        page, size = max(1, request.page), request.page_size
        empty = SearchResult(query=request.text, total=0, hits=[], page=page, page_size=size)
        try:
            parsed = parse_user_query(self.schema, request.text, entities_named)
        except QueryError as exc:
            empty.notice = exc.message
            return empty
        if parsed is None and not (request.entity_filters or request.languages):
            return empty
        expr = f"(@tags {_ALL})" if parsed is None else self._match(parsed)
        if not expr:
            return empty
        parts = [expr]
        if request.languages:
            parts.append("(@tags " + " | ".join(_tag_token("lang", lang) for lang in request.languages) + ")")
        where = f"MATCH(%s) AND gens = {self.tag}"
        where += "".join(f" AND entity = {_hash64(key)}" for key in request.entity_filters)
        if request.date_from:
            where += f" AND day >= {max(1, day_number(request.date_from))}"
        if request.date_to:
            where += f" AND day <= {day_number(request.date_to, upper=True)} AND day > 0"
        args = (" ".join(parts),)
        if budget is not None:
            budget.admit(self._estimate(parsed))
        # The server stops the query itself when the budget's time runs out (then budget.check() says 503).
        deadline = getattr(budget, "deadline", None)
        stop = f", max_query_time={max(1, int((deadline.ends - time.monotonic()) * 1000))}" if deadline else ""
        order = "day DESC, id DESC" if request.sort == "date" else "w DESC, id ASC"
        offset = (page - 1) * size
        window = offset + size
        statements = [(f"SELECT id, aid, title_s, date_s, lang, ekeys, WEIGHT() AS w FROM {self.idx} WHERE {where} "
                       f"ORDER BY {order} LIMIT {offset}, {size} OPTION max_matches={max(1000, window)}, "
                       f"{_RANKING}{stop}", args), ("SHOW META", None)]
        statements += [(f"SELECT GROUPBY() AS g, COUNT(*) AS c FROM {self.idx} WHERE {where} GROUP BY e_{name} "
                        f"ORDER BY c DESC LIMIT {_FACET_ROWS} OPTION max_matches={_FACET_ROWS}{stop}", args)
                       for name in _TYPES]
        statements += [(f"SELECT GROUPBY() AS g, COUNT(*) AS c FROM {self.idx} WHERE {where} GROUP BY etypes "
                        f"LIMIT 100 OPTION max_matches=100{stop}", args),
                       (f"SELECT lang, COUNT(*) AS c FROM {self.idx} WHERE {where} GROUP BY lang LIMIT 100 "
                        f"OPTION max_matches=100{stop}", args)]
        results = self.sql.batch(statements)
        rows, meta = results[0], dict(results[1])
        total = int(meta.get("total_found", 0))
        if budget is not None:
            budget.check()
        counts: Counter = Counter()
        facet_keys: dict[str, list[str]] = {}
        hashes: dict[int, str] = {}
        type_counts: dict[str, int] = {}
        languages: dict[str, int] = {}
        if total:
            grouped = {name: [(int(g), int(c)) for g, c in groups] for name, groups in zip(_TYPES, results[2:])}
            hashes = self._keys({g for groups in grouped.values() for g, _ in groups})
            for name, groups in grouped.items():
                ranked = sorted(((hashes[g], c) for g, c in groups if g in hashes), key=lambda kc: (-kc[1], kc[0]))
                counts.update(dict(ranked))
                if ranked:
                    facet_keys[TYPE_FIELDS[name]] = [k for k, _ in ranked[:15]]
            for g, c in results[-2]:
                type_counts[TYPE_FIELDS[_TYPES[int(g) - 1]]] = int(c)
            for lang, c in results[-1]:
                languages[lang] = int(c)
        facet_keys = dict(sorted(facet_keys.items()))
        shown = {k for keys in facet_keys.values() for k in keys} | {k for row in rows for k in row[5].split(",") if k}
        names = labels(sorted(shown)) if labels and shown else {}
        facets = {t: [(k, names.get(k, k), counts[k]) for k in keys] for t, keys in facet_keys.items()}
        bodies = texts([row[1] for row in rows]) if texts and rows else {}
        snippets = self._snippets([bodies.get(row[1], "") for row in rows], request.text)
        hits = [Hit(id=aid, title=title, date=date, score=float(w) if request.sort != "date" else 0.0,
                    snippet=snippet,
                    entities=[(k, names.get(k, k), TYPE_FIELDS.get(k.split("/", 1)[0], "")) for k in ekeys.split(",") if k],
                    lang=lang)
                for (_, aid, title, date, lang, ekeys, w), snippet in zip(rows, snippets)]
        suggestion = self._suggest(request.text, budget) if not total else None
        return SearchResult(query=request.text, total=total, hits=hits, facets=facets, suggestion=suggestion,
                            page=page, page_size=size, type_counts=type_counts, languages=languages)

    def _suggest(self, text: str, budget: SearchSession | None, most: int = 3) -> str | None:
        """Did you mean, as the Whoosh engine's: at most `most` English words of three letters or more that no
        document holds are each replaced by the most frequent stem within two edits that starts with the same
        letter and this generation holds, written as a word of the text it came from ("monthly", not
        "monthli"). Candidates come from the words index by letter trigrams."""
        words = re.findall(r"\w+", text.lower())
        if not words or all(has_han(w) for w in words):
            return None
        stems = {w: [t.text for t in self.schema["body"].analyzer(w)] for w in set(words)}
        tokens = sorted({token(t) for ts in stems.values() for t in ts})
        known = {row[1] for row in self.sql.run(f"CALL KEYWORDS(%s, '{self.idx}', 1)", (" ".join(tokens),))
                 if int(row[3])} if tokens else set()
        fixed, tried = [], 0
        for word in words:
            if (all(token(t) in known for t in stems[word]) or tried >= most or len(word) < 3
                    or not (word.isascii() and word.isalpha())):
                fixed.append(word)
                continue
            if budget is not None:
                budget.check()
            tried += 1
            fixed.append(self._correct(word) or word)
        return " ".join(fixed) if fixed != words else None

    def _correct(self, word: str) -> str | None:
        grams = " ".join(trigrams(word))
        rows = self.sql.run(f"SELECT stem, word FROM {self.idx}_words WHERE MATCH(%s) AND first = {ord(word[0])} "
                            f"AND size >= {max(1, len(word) - 2)} AND size <= {len(word) + 2} ORDER BY WEIGHT() DESC "
                            "LIMIT 200 OPTION ranker=wordcount, max_matches=200", (f'"{grams}"/1',))
        close = {stem: surface for stem, surface in rows if stem != word and levenshtein(word, stem) <= 2}
        if not close:
            return None
        frequency = {row[1]: int(row[4]) for row in self.sql.run(
            f"CALL KEYWORDS(%s, '{self.idx}', 1)", (" ".join(sorted(close)),))}
        for stem in sorted(close, key=lambda s: (-frequency.get(s, 0), s)):
            if self.sql.run(f"SELECT id FROM {self.idx} WHERE MATCH(%s) AND gens = {self.tag} LIMIT 1",
                            (f"(@(body,bodyx) {stem})",)):
                return close[stem]
        return None

    def _keys(self, hashes: set[int]) -> dict[int, str]:
        if not hashes:
            return {}
        ids = ",".join(str(h) for h in sorted(hashes))
        return {int(i): key for i, key in self.sql.run(
            f"SELECT id, key FROM {self.idx}_keys WHERE id IN ({ids}) LIMIT {len(hashes)} "
            f"OPTION max_matches={max(1000, len(hashes))}")}

    def _estimate(self, parsed: wq.Query | None) -> Cost:
        """Distinct words typed, and the postings their tokens hold on the server (CALL KEYWORDS statistics,
        over every kept generation: an estimate, as the Whoosh engine's)."""
        words = set() if parsed is None else {text for field, text in parsed.iter_all_terms(phrases=True)
                                              if field in ("title", "body") and isinstance(text, str)}
        if not words:
            return Cost(words=0, postings=0)
        rows = self.sql.run(f"CALL KEYWORDS(%s, '{self.idx}', 1)", (" ".join(sorted(token(w) for w in words)),))
        # Each word is looked up in title and body (and their subword fields): about twice its documents.
        return Cost(words=len(words), postings=sum(2 * int(row[3]) for row in rows))

    def _snippets(self, bodies: list[str], text: str) -> list[str]:
        """Escaped passages of each body with the query's words marked, from CALL SNIPPETS (Sphinx's stemmer
        decides what is marked: it may mark a little more or less than the query matched)."""
        words = _query_words(text)
        out = ["" for _ in bodies]
        todo = [i for i, body in enumerate(bodies) if body]
        if not todo:
            return out
        if not words:
            for i in todo:
                out[i] = str(escape(bodies[i][:240]))
            return out
        # Only the passages around the first matches cross the wire, the ones the Whoosh engine highlights:
        # whole bodies (10 of ~13 KB) made sending them a third of a search's time.
        docs = [_segmented(_passages(bodies[i], words).replace(_OPEN, "").replace(_CLOSE, ""), self.words)
                for i in todo]
        placeholders = ",".join(["%s"] * len(docs))
        rows = self.sql.run(f"CALL SNIPPETS(({placeholders}), '{self.idx}_text', %s, %s AS before_match, "
                            f"%s AS after_match, ' … ' AS chunk_separator, 300 AS limit, 8 AS around, "
                            "'none' AS html_strip_mode)",
                            (*docs, _segmented(" ".join(words), self.words), _OPEN, _CLOSE))
        for i, (snippet,) in zip(todo, rows):
            snippet = snippet.replace(_ZWSP, "").strip()
            out[i] = str(escape(snippet)).replace(_OPEN, '<b class="match">').replace(_CLOSE, "</b>")
        return out


_RANKING = "ranker=bm25, field_weights=(title=2, titlex=2, body=1, bodyx=1, tags=1)"
_OPERATORS = {"and", "or", "not", "andnot", "andmaybe"}


def _query_words(text: str) -> list[str]:
    words = re.findall(r"\w+", re.sub(r"\b\w+:(\"[^\"]*\"|\S+)", " ", text.lower()))
    return [w for w in words if w not in _OPERATORS]


def _passages(body: str, words: list[str], radius: int = 200, most: int = 2) -> str:
    """The text around the first matches of at most `most` query words (a word found by its first letters,
    as stems keep them; a Chinese one as it is), merged where they overlap: the Whoosh engine's choice."""
    lowered, spans = body.lower(), []
    for word in words:
        pos = lowered.find(word if has_han(word) else word[: max(4, len(word) - 2)])
        if pos >= 0:
            around = radius * 2 // 5 if has_han(word) else radius
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


def _segmented(text: str, words: tuple[str, ...]) -> str:
    """Chinese runs with a zero-width space between jieba's words, where Sphinx then splits them."""
    if not has_han(text):
        return text
    cutter = segmenter(words)
    return re.sub(r"[\u3400-\u9fff\uf900-\ufaff]+",
                  lambda m: _ZWSP.join(cutter.cut(simplified(m.group(0)))) if len(m.group(0)) > 1 else m.group(0),
                  text)


_FIELDS = {"title": "(title,titlex)", "body": "(body,bodyx)"}


def _translate(q: wq.Query) -> str | None:
    """A normalised Whoosh query in Sphinx's extended syntax, every term with its field; None: matches nothing.

    Sphinx cannot compute a query that is only NOT, or a NOT inside OR: such a NOT is `cgall -(...)`, the
    token every document holds."""
    if isinstance(q, wq.NullQuery.__class__) or q is wq.NullQuery:
        return None
    if isinstance(q, wq.Every):
        return f"(@tags {_ALL})"
    if isinstance(q, wq.Term):
        return _term(q.fieldname, q.text)
    if isinstance(q, wq.Phrase):
        words = [w for w in q.words if w]
        if not words:
            return None
        field = {"title": "title", "body": "body"}.get(q.fieldname)
        if field is None:
            return _term(q.fieldname, " ".join(words))
        return f'(@{field} "{" ".join(token(w) for w in words)}")'
    if isinstance(q, wq.And):
        positive = [p for p in (_translate(c) for c in q.subqueries if not isinstance(c, wq.Not)) if p]
        if len(positive) < len([c for c in q.subqueries if not isinstance(c, wq.Not)]):
            return None  # a part that matches nothing: so does the whole
        negative = [n for n in (_translate(c.query) for c in q.subqueries if isinstance(c, wq.Not)) if n]
        if not positive:
            positive = [f"(@tags {_ALL})"]
        return "(" + " ".join(positive + [f"-{n}" for n in negative]) + ")"
    if isinstance(q, wq.Or):
        parts = [p for p in (_translate(c) for c in q.subqueries) if p]
        merged = _merge_fields(q.subqueries) if len(parts) == len(q.subqueries) else None
        if merged:
            return merged
        return ("(" + " | ".join(parts) + ")") if parts else None
    if isinstance(q, wq.Not):
        inner = _translate(q.query)
        return f"((@tags {_ALL}) -{inner})" if inner else f"(@tags {_ALL})"
    if isinstance(q, wq.AndNot):
        positive, negative = _translate(q.a), _translate(q.b)
        if positive is None:
            return None
        return f"({positive} -{negative})" if negative else positive
    if isinstance(q, wq.AndMaybe):
        return _translate(q.a)
    raise QueryError(f"the search server engine cannot run a {type(q).__name__} query: rephrase it")


def _merge_fields(subqueries) -> str | None:
    """`word` read as title OR body (what the parser makes of every plain word) as one field-set term."""
    if len(subqueries) == 2 and all(isinstance(s, wq.Term) for s in subqueries):
        a, b = subqueries
        if {a.fieldname, b.fieldname} == {"title", "body"} and a.text == b.text:
            return f"(@(title,titlex,body,bodyx) {token(a.text)})"
    return None


def _term(field: str, text) -> str:
    if field in _FIELDS:
        return f"(@{_FIELDS[field]} {token(text)})"
    if field == "entity":
        return f"(@tags {_tag_token('entity', text)})"
    if field == "lang":
        return f"(@tags {_tag_token('lang', text)})"
    if field in TYPE_FIELDS:
        return f"(@tags {_tag_token(field, str(text).lower().strip())})"
    raise QueryError(f"unknown search field {field!r}: use words, phrases, {', '.join(TYPE_FIELDS)} or lang")


def main(argv: list[str] | None = None) -> None:
    """`python -m commgraph.search.sphinx_engine [DIR] [PORT] [INDEX]`: print a searchd config for commgraph."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    directory = Path(args[0]) if args else Path("/var/lib/sphinxsearch/data")
    port = int(args[1]) if len(args) > 1 else 9306
    print(config_text(args[2] if len(args) > 2 else "commgraph", directory, port).strip())


if __name__ == "__main__":
    main()
