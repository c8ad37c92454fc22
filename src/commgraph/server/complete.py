"""Entity autocomplete for the search box: names and aliases by prefix, the most mentioned entities first."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

SCAN_MOST = 5_000  # entries of a prefix's range read to rank (a one-letter prefix of 200,000 names stays cheap)


@dataclass(frozen=True)
class Entry:
    name: str  # the name or alias as written
    iri: str
    type: str  # schema.org class name: Person, Organization ...
    alias: bool
    mentions: int


class Completions:
    """A sorted list of every name and alias, cut at each word start ("Tang Daosheng" is found by "tang" and
    by "daosheng"), searched by bisection: no query to the store per keystroke."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.entries = [Entry(r["name"], r["e"], r["type"].rsplit("/", 1)[-1], r["alias"], r["mentions"])
                        for r in rows]
        keys: list[tuple[str, int, int]] = []  # (text from a word start, entry, word position)
        for i, entry in enumerate(self.entries):
            words = entry.name.lower().split()  # as cg:nameKey spells a name: lower case, single spaces
            for w in range(len(words)):
                keys.append((" ".join(words[w:]), w, i))
        keys.sort()
        # An alias shows the entity's main name beside it ("Tom Tang" -> Tang Daosheng), the English one first.
        self._main: dict[str, Entry] = {}
        for entry in sorted((e for e in self.entries if not e.alias), key=lambda e: not e.name.isascii()):
            self._main.setdefault(entry.iri, entry)
        self._texts = [k[0] for k in keys]
        self._keys = keys

    def __len__(self) -> int:
        return len(self.entries)

    def complete(self, prefix: str, limit: int) -> list[tuple[Entry, Entry | None]]:
        """Up to `limit` (entry, main-name entry or None) pairs whose name or alias has a word starting
        with `prefix`; a name that starts with it first, then the most mentioned. One entry per entity."""
        prefix = " ".join(prefix.split()).lower()
        if not prefix:
            return []
        start = bisect.bisect_left(self._texts, prefix)
        best: dict[str, tuple[tuple, Entry]] = {}
        for text, word, i in self._keys[start:start + SCAN_MOST]:
            if not text.startswith(prefix):
                break
            entry = self.entries[i]
            rank = (word > 0, -entry.mentions, entry.alias, len(entry.name), entry.name)
            if entry.iri not in best or rank < best[entry.iri][0]:
                best[entry.iri] = (rank, entry)
        chosen = sorted(best.values(), key=lambda item: item[0])[:limit]
        return [(entry, self._main.get(entry.iri) if entry.alias else None) for _, entry in chosen]
