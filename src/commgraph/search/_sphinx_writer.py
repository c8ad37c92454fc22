"""The writer of one generation on the Sphinx server: its tag added to the previous generation's documents,
moved to new documents as articles are replaced, taken off again on cancel; and the marker file that names a
generation's tag (`index/sphinx.json`)."""

from __future__ import annotations

import json
import os
import secrets
from collections import Counter
from pathlib import Path
from typing import Iterable, Iterator

from ..errors import StoreError
from ._sphinx_query import ALL, day_number, hash64, tag_token, token, trigrams
from .analysis import ChineseAwareAnalyzer
from .protocol import TYPE_FIELDS, IndexDocument

MARKER = "sphinx.json"  # in a generation's index/ directory: which index and tag hold its documents
TYPES = tuple(TYPE_FIELDS)  # person, organization, ...: the entity MVA of each, and the type numbers 1..6
PAGE_ROWS = 5000  # rows read per SELECT when walking a whole generation (ids, copies, article ids)


def paged_rows(sql, idx: str, where: str, columns: str) -> Iterator[tuple]:
    """Every row of index `idx` matching `where` (its first column the id), in id order, a page at a time:
    searchd answers at most max_matches rows to one SELECT."""
    last = 0
    while True:
        rows = sql.run(f"SELECT {columns} FROM {idx} WHERE id > {last} AND {where} ORDER BY id ASC "
                       f"LIMIT {PAGE_ROWS} OPTION max_matches={PAGE_ROWS}")
        yield from rows
        if len(rows) < PAGE_ROWS:
            return
        last = rows[-1][0]


def read_marker(directory: Path) -> dict:
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


def mva(values: Iterable[int]) -> str:
    return "(" + ",".join(str(int(v)) for v in sorted(set(values))) + ")"


def ekeys(document: IndexDocument) -> str:
    """The stored entity keys with the article's mentions of each after a bar: "org/tencent,product/qq|4,9".
    In the one string attribute searchd's config already declares, so an index needs no new config."""
    return ",".join(document.entities) + "|" + ",".join(str(document.mentions.get(k, 0)) for k in document.entities)


def split_ekeys(text: str) -> tuple[list[str], dict[str, int] | None]:
    """(entity keys, {key: mentions}) of a stored `ekeys`; None for the counts of a row written without them
    (before data format 12)."""
    keys, bar, counts = (text or "").partition("|")
    names = [k for k in keys.split(",") if k]
    return names, dict(zip(names, (int(n) for n in counts.split(",") if n))) if bar else None


def ints(text: str) -> set[int]:
    return {int(v) for v in (text or "").split(",") if v}


class SphinxWriter:
    """The writer of one generation: its tag is added to the previous generation's documents at once, and
    each replaced or deleted article loses it. Only readers of this generation (after `current` switches)
    see any of it. Ingest holds the data directory's lock, so there is one writer per index."""

    def __init__(self, engine, directory: Path, previous: Path | None, words: tuple[str, ...]) -> None:
        self.engine, self.directory, self.words = engine, directory, tuple(sorted(set(words)))
        self.sql = engine.connections()
        self.idx = engine.index
        self.analyzer = ChineseAwareAnalyzer(self.words)
        self.plain = ChineseAwareAnalyzer(self.words, subwords=False)
        directory.mkdir(parents=True, exist_ok=True)
        try:
            marker = read_marker(previous) if previous is not None else None
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
        return paged_rows(self.sql, self.idx, where, columns)

    def _set_tags(self, changes: dict[tuple[int, ...], list[int]]) -> None:
        """Give documents new tag sets (an empty set deletes them), one statement per set and 1,000 ids."""
        for tags, ids in changes.items():
            for i in range(0, len(ids), 1000):
                chunk = ",".join(str(n) for n in ids[i:i + 1000])
                if tags:
                    self.sql.run(f"UPDATE {self.idx} SET gens={mva(tags)} WHERE id IN ({chunk})")
                else:
                    self.sql.run(f"DELETE FROM {self.idx} WHERE id IN ({chunk})")

    def _copy(self, base: int) -> None:
        changes: dict[tuple[int, ...], list[int]] = {}
        for doc, gens, aid in self._rows(f"gens = {base}"):
            tags = tuple(sorted(ints(gens) | {self.tag}))
            changes.setdefault(tags, []).append(doc)
            self.base_ids.setdefault(aid, []).append(doc)
        self._set_tags(changes)

    def _untag(self, where: str) -> None:
        changes: dict[tuple[int, ...], list[int]] = {}
        for doc, gens, _aid in self._rows(where):
            changes.setdefault(tuple(sorted(ints(gens) - {self.tag})), []).append(doc)
        self._set_tags(changes)

    def _live_tags(self) -> set[int]:
        """Tags of the finished generations still on disk (generations/g*/index/sphinx.json)."""
        root = self.directory.parent.parent
        tags = set()
        for marker in root.glob(f"g*/{self.directory.name}/{MARKER}"):
            try:
                found = read_marker(marker.parent)
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
                changes.setdefault(tuple(sorted(ints(gens) - (found - live))), []).append(doc)
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
        tags = [ALL, tag_token("lang", document.lang)]
        tags += [tag_token("entity", key) for key in document.entities]
        for name in TYPES:
            tags += [tag_token(name, n.lower().strip()) for n in document.names.get(name, ())]
        per_type = {name: [hash64(k) for k in document.entities if k.split("/", 1)[0] == name] for name in TYPES}
        etypes = [i + 1 for i, name in enumerate(TYPES) if per_type[name]]
        return (doc_id, " ".join(map(token, words)), " ".join(map(token, body)),
                " ".join(token(w) for w in title_extra.elements()), " ".join(token(w) for w in body_extra.elements()),
                " ".join(tags), document.id, document.title, document.date, document.lang,
                ekeys(document), day_number(document.date),
                [self.tag], etypes, [hash64(k) for k in document.entities], *(per_type[n] for n in TYPES))

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
        columns = ("id, title, body, titlex, bodyx, tags, aid, title_s, date_s, lang, ekeys, day, gens, etypes, "
                   "entity, "
                   + ", ".join(f"e_{t}" for t in TYPES))
        values, args = [], []
        for row in rows:
            scalars, mvas = row[:12], row[12:]
            values.append("(" + ",".join(["%s"] * 12) + "," + ",".join(mva(m) if m else "()" for m in mvas) + ")")
            args.extend(scalars)
        self.sql.run(f"INSERT INTO {self.idx} ({columns}) VALUES {','.join(values)}", args)
        keys = sorted({k for row in rows for k in split_ekeys(row[10])[0]})
        if keys:
            self.sql.run(f"REPLACE INTO {self.idx}_keys (id, k, key) VALUES "
                         + ",".join(["(%s, '', %s)"] * len(keys)), [v for k in keys for v in (hash64(k), k)])
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
                         [v for stem in chunk for v in (hash64(stem), " ".join(trigrams(stem)), stem,
                                                        self.vocabulary[stem], ord(stem[0]), len(stem))])
        self.sent.update(fresh)
        self.vocabulary.clear()

    def checkpoint(self) -> None:
        self._flush()  # the rows so far go to searchd, as every 50 documents

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
