"""Quotes: who said what. A quotation's speaker is read from the parse of the words around it: the subject of a
speech verb outside the marks ("..., Liu said", "says Liu", "Liu told Reuters: ..."), "he"/"she" resolved to the
last person named, a clause ending in a colon, or, for a quotation standing alone, the speaker named just before.
Quotations that run over several paragraphs (an opening mark on each, a closing mark on the last) are one quote.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from .model import Mention, Quote
from .nlp import doc_text
from .rules import Rules, pattern

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

MIN_WORDS = 5
_OPEN = "\"“"
_CLOSE = "\"”"
_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n")
# "the statement added", "the notice said": a document speaks for the organisation that issued it
_DOCUMENT_NOUNS = {"statement", "notice", "announcement", "release", "letter", "filing", "post", "report", "memo"}


@dataclass
class _Quoted:
    start: int  # offsets of the text inside the marks
    end: int
    open_ended: bool  # the paragraph ended before a closing mark: the quotation goes on in the next paragraph


def extract_quotes(doc: "Doc", mentions: list[Mention], entity_type: Callable[[str], str],
                   sentence_of: Callable[[int], int], rules: Rules | None = None,
                   refer: Callable[[int, str], str | None] | None = None) -> list[Quote]:
    """Quotations of at least five words whose speaker is a person (or an organisation speaking in a statement)."""
    text = doc_text(doc)
    quotations = _quotations(text)
    finder = _SpeakerFinder(doc, text, quotations, mentions, entity_type, rules or Rules(),
                            refer or (lambda pos, w: None))
    quotes: list[Quote] = []
    pending: list[_Quoted] = []  # paragraphs of a quotation that goes on
    last_speaker: tuple[str, int] | None = None
    for quoted in quotations:
        pending.append(quoted)
        if quoted.open_ended:
            continue
        parts, pending = pending, []
        found = None
        for part in (parts[0], parts[-1]) if len(parts) > 1 else parts:
            found = finder.attributed(part)
            if found:
                break
        if found is None:
            found = finder.standing_alone(parts[0], last_speaker)
        if found is None:
            continue
        speaker, method, confidence = found
        for part in parts:
            inner = text[part.start:part.end]
            if len(inner.split()) < MIN_WORDS:
                continue
            quotes.append(Quote(speaker=speaker, text=inner.strip(), start=part.start, end=part.end,
                                sentence=sentence_of(part.start), method=method, confidence=confidence))
        last_speaker = (speaker, parts[-1].end)
    return quotes


def _quotations(text: str) -> list[_Quoted]:
    """Text between quotation marks, paragraph by paragraph; straight quotes pair in order of appearance."""
    found: list[_Quoted] = []
    for paragraph in re.finditer(r"[^\n]+", text):
        body, base = paragraph.group(0), paragraph.start()
        i = 0
        while i < len(body):
            if body[i] in _OPEN and (body[i] == "“" or _opens(body, i)):
                close = _closing(body, i + 1, body[i])
                if close is None:
                    found.append(_Quoted(base + i + 1, base + len(body), open_ended=True))
                    break
                found.append(_Quoted(base + i + 1, base + close, open_ended=False))
                i = close + 1
                continue
            i += 1
    # An open-ended paragraph goes on only if the next quotation opens the next paragraph.
    for a, b in zip(found, found[1:]):
        if a.open_ended and not re.fullmatch(r"\s*", text[a.end:b.start - 1]):
            a.open_ended = False
    if found and found[-1].open_ended:
        found[-1].open_ended = False
    return found


def _is_title_case(text: str) -> bool:
    words = [w for w in re.findall(r"[A-Za-z][\w'-]*", text) if w.lower() not in ("of", "the", "and", "in", "on", "for",
                                                                                "a", "an", "to", "with")]
    return bool(words) and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


def _opens(body: str, i: int) -> bool:
    """A straight quote opens when it is not glued to the word before it."""
    return i == 0 or not body[i - 1].isalnum() or body[i - 1] in "([:"


def _closing(body: str, start: int, mark: str) -> int | None:
    closers = "”" if mark == "“" else "\""
    for j in range(start, len(body)):
        if body[j] in closers or (mark == "“" and body[j] == "\""):
            return j
    return None


class _SpeakerFinder:
    def __init__(self, doc: "Doc", text: str, quotations: list[_Quoted], mentions: list[Mention], entity_type,
                 rules: Rules, refer) -> None:
        self.doc = doc
        self.text = text
        self.people = sorted((m for m in mentions if entity_type(m.entity) == "Person"), key=lambda m: m.start)
        self.by_char = {pos: m.entity for m in self.people for pos in range(m.start, m.end)}
        # organisations speak too: "NetEase said in a statement", "the statement added", "Momo said"
        self.org_by_char = {pos: m.entity for m in mentions if entity_type(m.entity) in ("Organization", "Product")
                            for pos in range(m.start, m.end)}
        self.speech = rules.words("speech", "verbs") or {"said", "says", "told", "added"}
        self.refer = refer
        # every quotation's span, so that a verb inside another quotation is never taken
        self.inside = [(q.start, q.end) for q in quotations]
        self._starts = [s for s, _ in self.inside]

    def _in_quote(self, pos: int) -> bool:
        """By bisection: a scan of every quotation per token made long articles quadratic."""
        i = bisect.bisect_right(self._starts, pos) - 1
        return i >= 0 and pos < self.inside[i][1]

    def _window(self, quoted: _Quoted) -> tuple[int, int]:
        """The sentence around the quotation, within its paragraph: from the end of the sentence before the
        opening mark to the end of the sentence after the closing mark."""
        para_start = self.text.rfind("\n", 0, quoted.start) + 1
        para_end = self.text.find("\n", quoted.end)
        para_end = len(self.text) if para_end < 0 else para_end
        start = para_start
        for match in _SENTENCE_END.finditer(self.text, para_start, max(para_start, quoted.start - 1)):
            if not self._in_quote(match.start()):
                start = match.end()
        end = para_end
        match = next((m for m in _SENTENCE_END.finditer(self.text, min(para_end, quoted.end + 1), para_end)
                      if not self._in_quote(m.start())), None)
        if match:
            end = match.end()
        return start, end

    def _tokens(self, start: int, end: int) -> list["Token"]:
        span = self.doc.char_span(start, end, alignment_mode="expand")
        return [t for t in span if not self._in_quote(t.idx)] if span is not None else []

    def _person_at(self, token: "Token") -> str | None:
        return self.by_char.get(token.idx)

    def _speaker_of_verb(self, verb: "Token") -> tuple[str, str] | None:
        """The subject of a speech verb as a person: 'Liu said', 'said Liu', 'he said', 'according to Liu'."""
        if verb.lower_ == "according":
            for prep in verb.children:
                for obj in prep.children:
                    for token in obj.subtree:
                        if key := self._person_at(token):
                            return key, "parse: according to"
            return None
        for child in verb.children:
            if child.dep_ in ("nsubj", "nsubjpass"):
                if key := self._person_at(child):
                    return key, "parse: subject of the speech verb"
                for token in child.subtree:
                    if key := self._person_at(token):
                        return key, "parse: subject of the speech verb"
                if child.lower_ in ("he", "she"):
                    if key := self._person_before(child.idx):
                        return key, "parse: he/she resolved to the last person named"
                if key := self.org_by_char.get(child.idx):
                    return key, "parse: an organisation is the subject of the speech verb"
                if child.lower_ in _DOCUMENT_NOUNS or child.lower_ in ("company", "firm", "group"):
                    if key := self.refer(child.idx, "the company"):
                        return key, "parse: the statement of the organisation named before"
        return None

    def _person_before(self, pos: int) -> str | None:
        """The last person named before `pos`, outside any quotation ('"...," he said')."""
        for m in reversed(self.people):
            if m.end <= pos and not self._in_quote(m.start):
                return m.entity
        return None

    def attributed(self, quoted: _Quoted) -> tuple[str, str, float] | None:
        """A speech verb in the quotation's sentence, outside the marks, nearest to the quotation first."""
        start, end = self._window(quoted)
        tokens = self._tokens(start, end)
        verbs = [t for t in tokens if t.lower_ in self.speech and (t.pos_ in ("VERB", "AUX") or t.lower_ == "according")]
        # a verb that introduces the quotation ('told reporters: "...', 'said, "...') comes first, then the nearest
        def introduces(verb: "Token") -> bool:
            return verb.idx < quoted.start and bool(
                re.fullmatch(r"\w+(?:\s+[\w'’]+){0,3}\s*[:,]\s*", self.text[verb.idx:quoted.start - 1]))

        verbs.sort(key=lambda t: (not introduces(t), min(abs(t.idx - quoted.start), abs(t.idx - quoted.end))))
        for verb in verbs:
            if found := self._speaker_of_verb(verb):
                return found[0], found[1], 0.9
        # the parse across quotation marks is often broken: the person right beside a speech verb
        for verb in verbs:
            near = [t for t in tokens if abs(t.i - verb.i) <= 6 and self._person_at(t)]
            near = [t for t in near if not self._between_marks(t, verb)]
            if near:
                best = min(near, key=lambda t: abs(t.i - verb.i))
                return self._person_at(best), "words: person beside the speech verb", 0.7
            pronoun = next((t for t in tokens if abs(t.i - verb.i) <= 2 and t.lower_ in ("he", "she")), None)
            if pronoun is not None and (key := self._person_before(pronoun.idx)):
                return key, "words: he/she beside the speech verb", 0.7
        return self._colon_speaker(quoted, start) or self._embedded_speaker(quoted)

    def _embedded_speaker(self, quoted: _Quoted) -> tuple[str, str, float] | None:
        """A quotation inside a sentence with no speech verb ('Tang called Tantan "the strongest product ..."',
        'the regulator ordered it to "immediately rectify ..."'): the subject of the verb the quotation hangs
        from, a person or an organisation."""
        span = self.doc.char_span(quoted.start, quoted.end, alignment_mode="expand")
        if span is None or not len(span) or _is_title_case(self.text[quoted.start:quoted.end]):
            return None  # 'released the "China Mobile Community Ecology Report"': a title, not words spoken
        head = span[0]
        for _ in range(8):
            if not (quoted.start <= head.idx < quoted.end) and head.pos_ in ("VERB", "AUX"):
                break
            if head.head.i == head.i:
                return None
            head = head.head
        else:
            return None
        for verb in (head, head.head):
            for child in verb.children:
                if child.dep_ in ("nsubj", "nsubjpass") and not self._in_quote(child.idx):
                    # a person in the subject before an organisation: "Momo CEO Tang Yan called Tantan '...'"
                    subtree = list(child.subtree)
                    for key in (*(self._person_at(t) for t in subtree), *(self.org_by_char.get(t.idx) for t in subtree)):
                        if key:
                            return key, "parse: subject of the verb the quotation belongs to", 0.6
                    if child.lower_ in ("he", "she") and (key := self._person_before(child.idx)):
                        return key, "parse: he/she, subject of the verb the quotation belongs to", 0.6
        return None

    def _between_marks(self, token: "Token", verb: "Token") -> bool:
        lo, hi = sorted((token.idx, verb.idx))
        return any(lo < s < hi for s, _ in self.inside)

    def _colon_speaker(self, quoted: _Quoted, start: int) -> tuple[str, str, float] | None:
        """'Ma Yuan was more cautious: "..."' -- the person the clause before the colon is about."""
        lead = self.text[start:quoted.start - 1].rstrip()
        if not lead.endswith((":", "：")):
            return None
        tokens = self._tokens(start, quoted.start - 1)
        for token in tokens:
            if token.dep_ in ("nsubj", "nsubjpass"):
                for t in token.subtree:
                    if key := self._person_at(t):
                        return key, "parse: subject of the clause before the colon", 0.8
        people = [t for t in tokens if self._person_at(t)]
        if people:
            return self._person_at(people[-1]), "words: last person before the colon", 0.6
        return None

    def standing_alone(self, quoted: _Quoted, last: tuple[str, int] | None) -> tuple[str, str, float] | None:
        """A quotation with no attribution in its sentence: the person who spoke just before -- the speaker of
        the quotation before it in the same or the previous paragraph, or the person the sentence before it
        introduces ('Chen explained in an interview.' / 'Chen put it this way:')."""
        start, _ = self._window(quoted)
        if self.text[start:quoted.start - 1].strip() not in ("", "-", "—"):
            return None  # the quotation is part of a sentence that names no speaker
        para_start = self.text.rfind("\n", 0, quoted.start) + 1
        # the paragraph before, past the blank lines that separate paragraphs
        end = para_start
        while end > 0 and self.text[end - 1] in "\n \t":
            end -= 1  # (no copy of the text before: this runs for every quotation of a long article)
        previous_para = self.text.rfind("\n", 0, end) + 1
        before = [m for m in self.people if previous_para <= m.start < quoted.start]
        if last is not None and last[1] >= previous_para and (not before or before[-1].entity == last[0]):
            return last[0], "context: the speaker of the quotation before", 0.6
        if before:
            sentence_start = max(previous_para, self.text.rfind(".", previous_para, before[-1].start) + 1)
            sentence = self.text[sentence_start:quoted.start].rstrip(" \n\"“「'")
            if any(pattern(rf"\b{re.escape(v)}\b", re.IGNORECASE).search(sentence) for v in self.speech) \
                    or re.search(r"\b(?:interview|statement|speech|keynote|remarks|letter|answer|asked|reply|talked|"
                                 r"spoke|talks|speaks|discussed)\b|[:：]$",
                                 sentence, re.I):
                return before[-1].entity, "context: the person introduced just before", 0.5
        return None
