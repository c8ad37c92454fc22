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

import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from markupsafe import escape
from whoosh import query as wq

from ..errors import QueryError, StoreError
from ._sphinx_query import (ALL, ZWSP, day_number, hash64, levenshtein, parser_schema, query_words,
                            segmented, tag_token, token, translate, trigrams)
from ._sphinx_server import Connections, SearchServerError, config_text
from ._sphinx_writer import MARKER, TYPES, SphinxWriter, paged_rows, read_marker, split_ekeys
from ._whoosh_query import parse_user_query
from .analysis import has_han, passages, warm_up
from .budget import Cost, SearchSession
from .protocol import TYPE_FIELDS, EntitiesNamed, Hit, Labels, SearchRequest, SearchResult, Texts

__all__ = ["MARKER", "SearchServerError", "SphinxEngine", "SphinxIndex", "SphinxWriter", "config_text", "day_number",
           "main"]

_FACET_ROWS = 100  # groups read per entity type; the 15 shown are the top after sorting ties by key
_OPEN, _CLOSE = "\ue000", "\ue001"  # snippet match markers (private use): escaped text, then <b> tags


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

    def connections(self) -> Connections:
        return Connections(self.host, self.port, self.timeout)

    def writer(self, directory: Path, *, previous: Path | None = None, words: tuple[str, ...] = (),
               timeout: float = 30.0) -> "SphinxWriter":
        return SphinxWriter(self, Path(directory), None if previous is None else Path(previous), words)

    def open(self, directory: Path) -> "SphinxIndex":
        marker = read_marker(Path(directory))
        if marker.get("index") != self.index:
            raise SearchServerError(f"{directory} was indexed into Sphinx index {marker.get('index')!r}, the "
                                    f"setting search_index says {self.index!r}: set it back or rebuild")
        return SphinxIndex(self, int(marker["tag"]), tuple(marker.get("words", ())))


class SphinxIndex:
    """One generation's documents on the server (those whose tags hold its tag), read-only."""

    def __init__(self, engine: SphinxEngine, tag: int, words: tuple[str, ...]) -> None:
        self.engine, self.tag, self.words = engine, tag, words
        self.idx = engine.index
        self.sql = engine.connections()
        self.schema = parser_schema(words)
        self.sql.run(f"SELECT id FROM {self.idx} WHERE gens = {tag} LIMIT 1")  # fails now if searchd is away

    def warm_up(self) -> None:
        """jieba's dictionary in the background when this generation holds Chinese articles: queries and
        snippets are segmented here, on our side of the wire."""
        langs = self.sql.run(f"SELECT lang, COUNT(*) AS c FROM {self.idx} WHERE gens = {self.tag} GROUP BY lang "
                             "LIMIT 100")
        if any(str(lang).startswith("zh") for lang, _ in langs):
            warm_up(self.schema["body"].analyzer)

    # --- what check and ingest ask ---

    def doc_count(self) -> int:
        rows = self.sql.run(f"SELECT COUNT(*) AS c FROM {self.idx} WHERE gens = {self.tag}")
        return int(rows[0][0]) if rows else 0

    def article_ids(self) -> set[str]:
        return {aid for _, aid in paged_rows(self.sql, self.idx, f"gens = {self.tag}", "id, aid")}

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
        return translate(query.normalize())

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
        expr = f"(@tags {ALL})" if parsed is None else self._match(parsed)
        if not expr:
            return empty
        parts = [expr]
        if request.languages:
            parts.append("(@tags " + " | ".join(tag_token("lang", lang) for lang in request.languages) + ")")
        where = f"MATCH(%s) AND gens = {self.tag}"
        where += "".join(f" AND entity = {hash64(key)}" for key in request.entity_filters)
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
                       for name in TYPES]
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
            grouped = {name: [(int(g), int(c)) for g, c in groups] for name, groups in zip(TYPES, results[2:])}
            hashes = self._keys({g for groups in grouped.values() for g, _ in groups})
            for name, groups in grouped.items():
                ranked = sorted(((hashes[g], c) for g, c in groups if g in hashes), key=lambda kc: (-kc[1], kc[0]))
                counts.update(dict(ranked))
                if ranked:
                    facet_keys[TYPE_FIELDS[name]] = [k for k, _ in ranked[:15]]
            for g, c in results[-2]:
                type_counts[TYPE_FIELDS[TYPES[int(g) - 1]]] = int(c)
            for lang, c in results[-1]:
                languages[lang] = int(c)
        facet_keys = dict(sorted(facet_keys.items()))
        stored = [split_ekeys(row[5]) for row in rows]
        shown = {k for keys in facet_keys.values() for k in keys} | {k for keys, _ in stored for k in keys}
        names = labels(sorted(shown)) if labels and shown else {}
        facets = {t: [(k, names.get(k, k), counts[k]) for k in keys] for t, keys in facet_keys.items()}
        bodies = texts([row[1] for row in rows]) if texts and rows else {}
        snippets = self._snippets([bodies.get(row[1], "") for row in rows], request.text)
        hits = [Hit(id=aid, title=title, date=date, score=float(w) if request.sort != "date" else 0.0,
                    snippet=snippet,
                    entities=[(k, names.get(k, k), TYPE_FIELDS.get(k.split("/", 1)[0], "")) for k in keys],
                    lang=lang, mentions=mentions)
                for (_, aid, title, date, lang, _, w), snippet, (keys, mentions) in zip(rows, snippets, stored)]
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
        words = query_words(text)
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
        docs = [segmented(passages(bodies[i], words).replace(_OPEN, "").replace(_CLOSE, ""), self.words)
                for i in todo]
        placeholders = ",".join(["%s"] * len(docs))
        rows = self.sql.run(f"CALL SNIPPETS(({placeholders}), '{self.idx}_text', %s, %s AS before_match, "
                            f"%s AS after_match, ' … ' AS chunk_separator, 300 AS limit, 8 AS around, "
                            "'none' AS html_strip_mode)",
                            (*docs, segmented(" ".join(words), self.words), _OPEN, _CLOSE))
        for i, (snippet,) in zip(todo, rows):
            snippet = snippet.replace(ZWSP, "").strip()
            out[i] = str(escape(snippet)).replace(_OPEN, '<b class="match">').replace(_CLOSE, "</b>")
        return out


_RANKING = "ranker=bm25, field_weights=(title=2, titlex=2, body=1, bodyx=1, tags=1)"


def main(argv: list[str] | None = None) -> None:
    """`python -m commgraph.search.sphinx_engine [DIR] [PORT] [INDEX]`: print a searchd config for commgraph."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    directory = Path(args[0]) if args else Path("/var/lib/sphinxsearch/data")
    port = int(args[1]) if len(args) > 1 else 9306
    print(config_text(args[2] if len(args) > 2 else "commgraph", directory, port).strip())


if __name__ == "__main__":
    main()
