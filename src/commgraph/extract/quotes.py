"""Quotes: who said what, from quotation marks and a speech verb next to a person's name."""

from __future__ import annotations

import re
from typing import Callable

from .model import Mention, Quote

_QUOTED = re.compile(r"[\"“]([^\"“”]{20,3000}?)[\"”]")
SPEECH_VERBS = r"(?:said|says|stated|states|added|adds|noted|notes|explained|explains|told|believes|argued|remarked|commented|pointed out|according to)"
# 'said: "...', 'told analysts: "...', 'said in a statement, "...'
_BEFORE = re.compile(rf"\b{SPEECH_VERBS}(?:\s*[:,]?|(?:\s+[\w'’-]+){{1,4}}\s*[:,])\s*$", re.IGNORECASE)
_AFTER = re.compile(rf"^[\s,]*{SPEECH_VERBS}\b", re.IGNORECASE)
_AFTER_VERB_FIRST = re.compile(rf"^[\s,]*{SPEECH_VERBS}\s+$", re.IGNORECASE)


def extract_quotes(text: str, mentions: list[Mention], entity_type: Callable[[str], str],
                   sentence_of: Callable[[int], int]) -> list[Quote]:
    """Quotations of at least five words whose speaker is a person named beside a speech verb."""
    people = sorted((m for m in mentions if entity_type(m.entity) == "Person"), key=lambda m: m.start)
    quotes = []
    for match in _QUOTED.finditer(text):
        inner = match.group(1).strip()
        if len(inner.split()) < 5:
            continue
        speaker = _speaker_before(text, match.start(), people) or _speaker_after(text, match.end(), people)
        if speaker is None:
            continue
        quotes.append(Quote(speaker=speaker, text=inner, start=match.start(1), end=match.end(1),
                            sentence=sentence_of(match.start(1))))
    return quotes


def _paragraph_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _speaker_before(text: str, quote_start: int, people: list[Mention]) -> str | None:
    """'Wu Xiaobo said: "..."' -- the person nearest before a speech verb that ends right at the quote."""
    lead = text[_paragraph_start(text, quote_start):quote_start]
    if not _BEFORE.search(lead):
        return None
    candidates = [p for p in people if _paragraph_start(text, quote_start) <= p.start and p.end <= quote_start]
    return candidates[-1].entity if candidates else None


def _speaker_after(text: str, quote_end: int, people: list[Mention]) -> str | None:
    """'"...," Tang Daosheng said' / '"..." said Tang Daosheng'."""
    for person in people:
        if person.start < quote_end or person.start - quote_end > 40:
            continue
        between = text[quote_end:person.start]
        after = text[person.end:person.end + 30]
        if (_AFTER.match(after) and not between.strip(" ,")) or _AFTER_VERB_FIRST.match(between):
            return person.entity
    return None
