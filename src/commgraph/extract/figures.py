"""Figures: a number, what it measures, what it is about and when, read from the dependency parse."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable

from .model import Figure
from .nlp import doc_ents, doc_text
from .numbers import is_small_word_number, parse_quantity

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

NUMBER_LABELS = {"CARDINAL", "MONEY", "PERCENT", "QUANTITY"}
APPROXIMATIONS = {
    "more than": "more than", "over": "more than", "exceeding": "more than", "exceeds": "more than",
    "exceeded": "more than", "exceed": "more than", "above": "more than", "at least": "at least",
    "nearly": "nearly", "almost": "nearly", "close to": "nearly", "about": "about", "around": "about",
    "approximately": "about", "roughly": "about", "some": "about", "less than": "less than",
    "fewer than": "less than", "under": "less than", "up to": "at most", "at most": "at most",
}
_APPROX_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, APPROXIMATIONS), key=len, reverse=True)) + r")\s*$",
                        re.IGNORECASE)
_LEADING_APPROX = re.compile(r"^(" + "|".join(sorted(map(re.escape, APPROXIMATIONS), key=len, reverse=True)) + r")\s+",
                             re.IGNORECASE)
_VERSION_CONTEXT = {"era", "version", "system", "edition", "generation", "stage", "phase"}
_MEASURE_WORDS = {"number", "total", "proportion", "share", "percentage", "rate", "amount", "scale", "count"}
_SKIP_MODIFIERS = {"det", "punct", "cc", "prep", "relcl", "acl", "appos", "nummod", "quantmod", "advmod"}
_DATE_FOR = re.compile(r"\b(?:as of|by the end of|at the end of|by end of|as at)\s+(?:([a-z]+)\s+)?(?:(\d{1,2}),?\s+)?(\d{4})",
                       re.IGNORECASE)
# "in January 2021" / "in 2019" after the number: the time the figure holds for ("launched in 2002, ... reached
# 380 million" is about a launch, so a year before the number does not count)
_DATE_AFTER = re.compile(r"^[^.;]*?\b(?:in|during)\s+(?:([a-z]+)\s+)?()(\d{4})\b", re.IGNORECASE)
MONTHS = {m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                        "september", "october", "november", "december"], 1)}


def extract_figures(doc: "Doc", sentence_of: Callable[[int], int], entity_at: Callable[[int, int], str | None],
                    default_date: str | None) -> list[Figure]:
    """Every figure in the document; `entity_at(start, end)` gives the entity key of a mention in a char range."""
    figures: list[Figure] = []
    text = doc_text(doc)
    for ent in doc_ents(doc):
        if ent.label_ not in NUMBER_LABELS or not _is_figure(ent):
            continue
        quantity = parse_quantity(_LEADING_APPROX.sub("", ent.text))
        if quantity is None:
            continue
        approximation = _approximation(text, ent)
        metric_token = _metric_head(ent)
        metric, about_tokens, named = (_metric_phrase(metric_token, ent, entity_at) if metric_token is not None
                                       else ("", [], None))
        if metric_token is not None and metric_token.dep_ in ("nsubj", "nsubjpass") \
                and _is_only_a_name(metric_token, entity_at):
            # "while Bilibili averaged 223 million": the name is the subject; the measure is the one the
            # sentence already gave, or else what the verb says ("raised")
            named = entity_at(metric_token.idx, metric_token.idx + len(metric_token))
            same_sentence = [f for f in figures if f.sentence == sentence_of(ent.start_char)]
            metric = same_sentence[-1].metric if same_sentence else _verb_of(ent)
        if not metric:
            continue
        unit = quantity.unit
        metric_words = set(metric.lower().split())
        subject = (named or _event_subject(ent.sent, entity_at, doc)
                   or _subject(doc, ent, about_tokens, metric_words, entity_at)
                   or _topic_subject(text, ent.start_char, figures, entity_at))
        figures.append(Figure(
            text=ent.text, value=quantity.value, metric=metric, start=ent.start_char, end=ent.end_char,
            sentence=sentence_of(ent.start_char), subject=subject, unit=unit, currency=quantity.currency,
            approximation=approximation, min_value=quantity.min_value, max_value=quantity.max_value,
            date=_figure_date(text, ent.sent, ent.end_char) or default_date))
    return figures


def _is_only_a_name(token: "Token", entity_at) -> bool:
    """The metric phrase is nothing but an entity's name."""
    key = entity_at(token.idx, token.idx + len(token))
    return bool(key) and all(entity_at(t.idx, t.idx + len(t)) == key for t in token.subtree if not t.is_punct)


def _verb_of(ent: "Span") -> str:
    """The verb the number hangs from ("raised"), as the last resort for what it measures."""
    head = ent.root.head
    # spaCy makes a new Token on every access, so the root is the token whose head has its own index
    while head.pos_ != "VERB" and head.head.i != head.i:
        head = head.head
    return head.text.lower() if head.pos_ == "VERB" else ""


def _topic_subject(text: str, start: int, figures: list[Figure],
                   entity_at: Callable[[int, int], str | None]) -> str | None:
    """A figure with no entity in its sentence is about the paragraph's topic: the subject of the figures before
    it, else the nearest thing (not a person) named before it in the paragraph."""
    paragraph_start = text.rfind("\n", 0, start)
    for figure in reversed(figures):
        if figure.start < paragraph_start:
            break
        if figure.subject:
            return figure.subject
    for pos in range(start - 1, paragraph_start, -1):
        key = entity_at(pos, pos + 1)
        if key and not key.startswith("person/"):
            return key
    return None


_EVENT_WORDS = re.compile(r"\b(?:the|this) (?:event|conference|meeting|forum|summit|ceremony|festival|expo)\b", re.I)


def _event_subject(sent: "Span", entity_at: Callable[[int, int], str | None], doc: "Doc") -> str | None:
    """'... people participated in the event': the event the article names."""
    if not _EVENT_WORDS.search(doc_text(doc), sent.start_char, sent.end_char):
        return None
    for ent in doc_ents(doc):
        key = entity_at(ent.start_char, ent.end_char)
        if key and key.startswith("event/"):
            return key
    return None


def _is_figure(ent: "Span") -> bool:
    """Years, ordinals, version numbers ("3.0 era") and small spelled-out counts are not figures."""
    if is_small_word_number(_LEADING_APPROX.sub("", ent.text)):
        return False
    if re.fullmatch(r"(19|20)\d\d", ent.text.strip()):
        return False
    following = ent.doc[ent.end].lower_ if ent.end < len(ent.doc) else ""
    if re.fullmatch(r"\d+\.\d", ent.text) and (following in _VERSION_CONTEXT or ent.root.head.lower_ in _VERSION_CONTEXT):
        return False
    preceding = ent.doc[ent.start - 1].lower_ if ent.start > 0 else ""
    if re.fullmatch(r"\d+\.\d", ent.text) and preceding in _VERSION_CONTEXT:
        return False
    return True


def _approximation(text: str, ent: "Span") -> str | None:
    inside = _LEADING_APPROX.match(ent.text)
    if inside:
        return APPROXIMATIONS[inside.group(1).lower()]
    before = text[max(ent.sent.start_char, ent.start_char - 30):ent.start_char]
    match = _APPROX_RE.search(before)
    return APPROXIMATIONS[match.group(1).lower()] if match else None


def _metric_head(ent: "Span") -> "Token | None":
    """The noun the number counts: '380 million [users]', 'the number of [users] ... reached 380 million'."""
    root = ent.root
    doc = ent.doc
    # "millions of [mother-and-child groups]", "tens of millions of [classmates groups]"
    nxt = doc[ent.end] if ent.end < len(doc) else None
    if nxt is not None and nxt.lower_ == "of":
        objs = [c for c in nxt.children if c.dep_ == "pobj"]
        if objs:
            return objs[0]
    if ent.end + 1 < len(doc) and doc[ent.end - 1].lower_ == "of" and doc[ent.end].pos_ in ("NOUN", "PROPN"):
        return _noun_chunk_head(doc[ent.end])
    if root.dep_ in ("nummod", "quantmod", "compound", "amod") and root.head.pos_ in ("NOUN", "PROPN"):
        return root.head
    if nxt is not None and nxt.pos_ in ("NOUN", "PROPN") and not ent.label_ == "PERCENT":
        return _noun_chunk_head(nxt)
    # "of which 594 million were [mobile Internet users]": the number is the subject of a copula.
    if root.dep_ in ("nsubj", "nsubjpass"):
        attrs = [c for c in root.head.children if c.dep_ in ("attr", "dobj") and c.pos_ in ("NOUN", "PROPN")]
        if attrs:
            return attrs[0]
    # The number is the object of a verb: "the number of users reached 380 million" / "revenue exceeding 10 billion".
    head = root.head
    while head.dep_ in ("prep", "pobj", "dobj", "attr", "npadvmod") and head.head.i != head.i and head.pos_ != "VERB":
        head = head.head
    if head.pos_ in ("VERB", "AUX"):
        if head.dep_ == "acl" and head.head.pos_ in ("NOUN", "PROPN"):
            return head.head
        subjects = [c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subjects:
            return _unwrap_measure(subjects[0])
    return None


def _noun_chunk_head(token: "Token") -> "Token":
    while token.dep_ in ("compound", "amod") and token.head.i > token.i:
        token = token.head
    return token


def _unwrap_measure(token: "Token") -> "Token":
    """'the number of [users]' / 'the proportion of [users]': the counted noun, not 'number'."""
    if token.lower_ in _MEASURE_WORDS and token.lower_ not in ("proportion", "share", "percentage", "rate"):
        for prep in token.children:
            if prep.dep_ == "prep" and prep.lower_ == "of":
                objs = [c for c in prep.children if c.dep_ == "pobj"]
                if objs:
                    return objs[0]
    return token


def _metric_phrase(head: "Token", ent: "Span", entity_at: Callable[[int, int], str | None]
                   ) -> tuple[str, list["Token"], str | None]:
    """Readable metric ('monthly active users', 'proportion of Internet users'), the tokens that may name its
    subject, and the entity named at the front of the metric itself ('[QQ] monthly active users')."""
    ent_tokens = set(range(ent.start, ent.end))
    modifiers = [t for t in head.lefts if t.dep_ not in _SKIP_MODIFIERS and t.i not in ent_tokens
                 and t.dep_ != "poss" and t.pos_ != "DET"]
    start = min([head.i] + [t.left_edge.i for t in modifiers])
    words = [t for t in head.doc[start:head.i + 1] if t.i not in ent_tokens and t.pos_ not in ("DET", "PUNCT")
             and t.dep_ != "poss" and not (t.dep_ == "case")]
    named = entity_at(words[0].idx, words[0].idx + len(words[0])) if words else None
    if named:
        rest = [t for t in words if entity_at(t.idx, t.idx + len(t)) != named]
        if rest and rest[0] is words[len(words) - len(rest)]:  # the name opens the phrase, the measure follows
            words = rest
        else:
            named = None
    about: list["Token"] = []
    for child in head.children:
        if child.dep_ == "poss":
            about.extend(child.subtree)
        if child.dep_ == "prep" and child.lower_ in ("of", "in", "on", "for"):
            objs = [c for c in child.children if c.dep_ == "pobj"]
            if head.lower_ in ("proportion", "share", "percentage", "rate") and objs and child.lower_ == "of":
                words += [child, *[t for t in objs[0].subtree if t.i <= objs[0].i and t.pos_ != "DET"]]
            else:
                about.extend(t for o in objs for t in o.subtree)
    metric = " ".join(t.text for t in words).strip()
    metric = re.sub(r"\s+-\s+", "-", metric)
    return metric, about, named


def _subject(doc: "Doc", ent: "Span", about_tokens: list["Token"], metric_words: set[str],
             entity_at: Callable[[int, int], str | None]) -> str | None:
    """What the figure is about: an entity named in the metric phrase ("users of [QQ groups]"), else the subject of
    the clause or of the clauses it hangs from, else the nearest name before the number in the sentence.

    A name that is the metric itself ("the number of [QQ groups]") is not its subject; people are a last resort.
    """
    def key_of(token: "Token") -> str | None:
        if token.text.lower() in metric_words:
            return None
        return entity_at(token.idx, token.idx + len(token))

    for token in about_tokens:
        if key := key_of(token):
            return key
    verb = ent.root
    while verb.dep_ != "ROOT" and verb.pos_ not in ("VERB", "AUX"):
        verb = verb.head
    for _ in range(4):  # this clause, then the clauses it is joined to ("established ..., and ... elected")
        for child in verb.children:
            if child.dep_ in ("nsubj", "nsubjpass"):
                for token in child.subtree:
                    if (key := key_of(token)) and not key.startswith("person/"):
                        return key
        if verb.dep_ not in ("conj", "ccomp", "advcl", "xcomp") or verb.head.i == verb.i:
            break
        verb = verb.head
    best: tuple[int, str] | None = None
    for token in ent.sent:
        if token.i >= ent.start:
            break
        if key := key_of(token):
            distance = ent.start - token.i + (1000 if key.startswith("person/") else 0)
            if best is None or distance < best[0]:
                best = (distance, key)
    return best[1] if best else None


def _figure_date(text: str, sent: "Span", number_end: int) -> str | None:
    """'as of September 30, 2023' -> '2023-09-30'; 'as of June 2015' -> '2015-06'; 'by the end of 2014' -> '2014';
    '... 61.2 million in January 2021' -> '2021-01'."""
    match = (_DATE_FOR.search(text, sent.start_char, sent.end_char)
             or _DATE_AFTER.match(text[number_end:sent.end_char]))
    if not match:
        return None
    month_name, day, year = match.groups()
    month = MONTHS.get((month_name or "").lower())
    if month and day:
        return f"{year}-{month:02d}-{int(day):02d}"
    return f"{year}-{month:02d}" if month else year
