"""Our words and query syntax in Sphinx's terms: index tokens, hashed tag tokens, dates as numbers, the user's
query (read by our parser) as a SphinxQL MATCH expression, and the text helpers of snippets and did-you-mean."""

from __future__ import annotations

import hashlib
import re

from whoosh import query as wq
from whoosh.fields import ID, KEYWORD, TEXT, Schema

from ..errors import QueryError
from .analysis import ChineseAwareAnalyzer, has_han, segmenter, simplified
from .protocol import TYPE_FIELDS
from .whoosh_engine import thread_safe_stemming

_PLAIN = re.compile(r"[a-z0-9]{1,40}")
ALL = "cgall"  # a token every document holds in `tags`: pure NOT queries and filter-only searches
ZWSP = "\u200b"  # between jieba's words of a Chinese run: Sphinx splits there, the reader sees nothing


def token(word: str) -> str:
    """A word as the server indexes it: itself when it is [a-z0-9] (at most 40), else a hash token (Sphinx
    indexes only the characters of its charset_table, and we keep that to [a-z0-9_])."""
    if _PLAIN.fullmatch(word):
        return word
    return "u" + hashlib.blake2b(word.encode("utf-8"), digest_size=10).hexdigest()


def hash64(text: str) -> int:
    """A stable 63-bit number for an entity key (MVA values are unsigned 64-bit; 63 keeps them positive)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big") >> 1


def tag_token(kind: str, value: str) -> str:
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


def parser_schema(words: tuple[str, ...]) -> Schema:
    """The fields the query syntax names, with the analyzer the documents were indexed with (for parsing only;
    no Whoosh index is made)."""
    analyzer = ChineseAwareAnalyzer(words)
    type_fields = {name: KEYWORD(stored=False, commas=True, lowercase=True) for name in TYPE_FIELDS}
    schema = Schema(title=TEXT(analyzer=analyzer), body=TEXT(analyzer=analyzer), lang=ID(),
                    entity=KEYWORD(commas=True), **type_fields)
    thread_safe_stemming(schema)  # every request thread parses with it (Whoosh's stem cache has no lock)
    return schema


_OPERATORS = {"and", "or", "not", "andnot", "andmaybe"}


def query_words(text: str) -> list[str]:
    words = re.findall(r"\w+", re.sub(r"\b\w+:(\"[^\"]*\"|\S+)", " ", text.lower()))
    return [w for w in words if w not in _OPERATORS]


def segmented(text: str, words: tuple[str, ...]) -> str:
    """Chinese runs with a zero-width space between jieba's words, where Sphinx then splits them."""
    if not has_han(text):
        return text
    cutter = segmenter(words)
    return re.sub(r"[\u3400-\u9fff\uf900-\ufaff]+",
                  lambda m: ZWSP.join(cutter.cut(simplified(m.group(0)))) if len(m.group(0)) > 1 else m.group(0),
                  text)


_FIELDS = {"title": "(title,titlex)", "body": "(body,bodyx)"}


def translate(q: wq.Query) -> str | None:
    """A normalised Whoosh query in Sphinx's extended syntax, every term with its field; None: matches nothing.

    Sphinx cannot compute a query that is only NOT, or a NOT inside OR: such a NOT is `cgall -(...)`, the
    token every document holds."""
    if isinstance(q, wq.NullQuery.__class__) or q is wq.NullQuery:
        return None
    if isinstance(q, wq.Every):
        return f"(@tags {ALL})"
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
        positive = [p for p in (translate(c) for c in q.subqueries if not isinstance(c, wq.Not)) if p]
        if len(positive) < len([c for c in q.subqueries if not isinstance(c, wq.Not)]):
            return None  # a part that matches nothing: so does the whole
        negative = [n for n in (translate(c.query) for c in q.subqueries if isinstance(c, wq.Not)) if n]
        if not positive:
            positive = [f"(@tags {ALL})"]
        return "(" + " ".join(positive + [f"-{n}" for n in negative]) + ")"
    if isinstance(q, wq.Or):
        parts = [p for p in (translate(c) for c in q.subqueries) if p]
        merged = _merge_fields(q.subqueries) if len(parts) == len(q.subqueries) else None
        if merged:
            return merged
        return ("(" + " | ".join(parts) + ")") if parts else None
    if isinstance(q, wq.Not):
        inner = translate(q.query)
        return f"((@tags {ALL}) -{inner})" if inner else f"(@tags {ALL})"
    if isinstance(q, wq.AndNot):
        positive, negative = translate(q.a), translate(q.b)
        if positive is None:
            return None
        return f"({positive} -{negative})" if negative else positive
    if isinstance(q, wq.AndMaybe):
        return translate(q.a)
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
        return f"(@tags {tag_token('entity', text)})"
    if field == "lang":
        return f"(@tags {tag_token('lang', text)})"
    if field in TYPE_FIELDS:
        return f"(@tags {tag_token(field, str(text).lower().strip())})"
    raise QueryError(f"unknown search field {field!r}: use words, phrases, {', '.join(TYPE_FIELDS)} or lang")
