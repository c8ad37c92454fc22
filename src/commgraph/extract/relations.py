"""Relations stated plainly in one sentence: who founded, launched, manages, published or acquired what, and
where and when an event was held. Read from the dependency parse (verb, its subject and its object)."""

from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING, Callable, Iterator

from .figures import MONTHS
from .model import Mention, Relation
from .nlp import doc_ents

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

# verb lemma -> (predicate, subject types, object types, stored direction: "so" subject->object, "os" reversed)
FRAMES = {
    "found": ("founder", {"Person"}, {"Organization", "Product"}, "os"),
    "co-found": ("founder", {"Person"}, {"Organization", "Product"}, "os"),
    "establish": ("founder", {"Person"}, {"Organization"}, "os"),
    "launch": ("provider", {"Organization", "Person"}, {"Product"}, "os"),
    "introduce": ("provider", {"Organization"}, {"Product"}, "os"),
    "unveil": ("provider", {"Organization"}, {"Product"}, "os"),
    "operate": ("provider", {"Organization"}, {"Product"}, "os"),
    "release": ("publisher", {"Organization", "Product"}, {"CreativeWork"}, "os"),
    "publish": ("publisher", {"Organization", "Product", "Person"}, {"CreativeWork"}, "os"),
    "issue": ("publisher", {"Organization"}, {"CreativeWork"}, "os"),
    "manage": ("manages", {"Person"}, {"Organization", "Product"}, "so"),
    "run": ("manages", {"Person"}, {"Organization"}, "so"),
    "lead": ("manages", {"Person"}, {"Organization"}, "so"),
    "head": ("manages", {"Person"}, {"Organization"}, "so"),
    "acquire": ("acquired", {"Organization"}, {"Organization", "Product"}, "so"),
}
PREDICATES = ("founder", "provider", "publisher", "manages", "acquired", "location", "startDate")
_PRONOUNS = {"he", "she", "him", "her"}


def extract_relations(doc: "Doc", mentions: list[Mention], entity_at: Callable[[int, int], str | None],
                      entity_type: Callable[[str], str], sentence_of: Callable[[int], int],
                      article_date: str | None, lemma_of: Callable[["Token"], str] | None = None) -> list[Relation]:
    """`lemma_of(verb)`: the model's lemma (the pipeline does not lemmatise every token; see nlp.verb_lemmatizer);
    without it, the lemma the token has."""
    people = [m for m in mentions if entity_type(m.entity) == "Person"]

    def key_in(token: "Token") -> str | None:
        """The entity a noun phrase names: the token itself, its compounds, or a resolved he/she."""
        if token.lower_ in _PRONOUNS:
            before = [p for p in people if p.end <= token.idx]
            return before[-1].entity if before else None
        for t in [token, *[c for c in token.children if c.dep_ in ("compound", "poss", "amod")]]:
            if key := entity_at(t.idx, t.idx + len(t)):
                return key
        return None

    found: list[Relation] = []
    seen: set[tuple] = set()

    def add(subject: str, predicate: str, obj: str, token: "Token", literal: bool = False) -> None:
        item = (subject, predicate, obj)
        if subject != obj and item not in seen:
            seen.add(item)
            sent = token.sent
            found.append(Relation(subject=subject, predicate=predicate, object=obj, literal=literal,
                                  sentence=sentence_of(token.idx), start=sent.start_char, end=sent.end_char))

    for verb in _verbs(doc):
        lemma = ((lemma_of(verb) if lemma_of else verb.lemma_) or verb.lower_).lower()
        if lemma == "hold" and any(c.dep_ == "nsubjpass" for c in verb.children):
            _held(verb, key_in, entity_type, add, article_date)
            continue
        frame = FRAMES.get(lemma) or FRAMES.get(_base_form(verb.lower_))
        if frame is None:
            continue
        predicate, subject_types, object_types, direction = frame
        subject = _subject_of(verb, key_in)
        objects = [key_in(c) for c in verb.children if c.dep_ in ("dobj", "attr")]
        if verb.dep_ == "relcl":  # "the Beijing tribe he manages"
            objects.append(key_in(verb.head))
        agents = [key_in(o) for a in verb.children if a.dep_ == "agent" for o in a.children if o.dep_ == "pobj"]
        if agents:  # passive: "Douban, the site founded by Yang Bo", "Momo, operated by Hello Group"
            subject = agents[0]
            objects = [key_in(c) for c in verb.children if c.dep_ == "nsubjpass"]
            if verb.dep_ == "acl":
                noun = verb.head
                objects += [key_in(noun), key_in(noun.head) if noun.dep_ == "appos" else None]
        # "jointly released the report with Penguin Intelligence": the with-object shares the subject's role
        co_subjects = [key_in(o) for p in verb.subtree if p.dep_ == "prep" and p.lower_ == "with"
                       and p.head.i in {verb.i, *[c.i for c in verb.children if c.dep_ == "dobj"]}
                       for o in p.children if o.dep_ == "pobj"]
        for obj in [o for o in objects if o]:
            for subj in [s for s in (subject, *co_subjects) if s]:
                if entity_type(subj) in subject_types and entity_type(obj) in object_types:
                    add(*((subj, predicate, obj) if direction == "so" else (obj, predicate, subj)), verb)
    return found


def _verbs(doc: "Doc") -> Iterator["Token"]:
    """The tokens tagged VERB, found from one array (not a Token object for every token)."""
    from spacy.attrs import POS
    from spacy.symbols import VERB

    for i in (doc.to_array(POS) == VERB).nonzero()[0].tolist():
        yield doc[i]


def _subject_of(verb: "Token", key_in) -> str | None:
    """The verb's own subject, or the subject of the verb it is coordinated with ("X released A and launched B")."""
    while True:
        for child in verb.children:
            if child.dep_ in ("nsubj", "nsubjpass"):
                return key_in(child)
        if verb.dep_ != "conj" or verb.head.i == verb.i:
            return None
        verb = verb.head


def _held(verb: "Token", key_in, entity_type, add, article_date: str | None) -> None:
    """'<Event> was held at <Place> on <date>'."""
    event = next((key_in(c) for c in verb.children if c.dep_ == "nsubjpass"), None)
    if not event or entity_type(event) != "Event":
        return
    for prep in (c for c in verb.children if c.dep_ == "prep"):
        for obj in (c for c in prep.children if c.dep_ == "pobj"):
            if prep.lower_ in ("at", "in") and (place := key_in(obj)) and entity_type(place) == "Place":
                add(event, "location", place, verb)
    date = _event_date(verb.sent, article_date)
    if date:
        add(event, "startDate", date, verb, literal=True)


def _event_date(sent, article_date: str | None) -> str | None:
    """'On August 6' in a 2015 article -> 2015-08-06; a full date as written; else nothing."""
    for ent in _dates_in(sent):
        match = re.fullmatch(r"(?:on\s+)?([A-Za-z]+)\s+(\d{1,2})(?:,?\s+(\d{4}))?", ent.text.strip(), re.IGNORECASE)
        if match and match.group(1).lower() in MONTHS:
            year = match.group(3) or (article_date or "")[:4]
            if year:
                return f"{year}-{MONTHS[match.group(1).lower()]:02d}-{int(match.group(2)):02d}"
    return None


def _dates_in(sent) -> list:
    """The DATE entities of a sentence, from the document's list made once (`Span.ents` filters every entity of
    the document on each call: quadratic on a long article)."""
    doc = sent.doc
    cached = doc.user_data.get("commgraph.dates")
    if cached is None:
        dates = [e for e in doc_ents(doc) if e.label_ == "DATE"]
        cached = doc.user_data["commgraph.dates"] = (dates, [e.start for e in dates])
    dates, starts = cached
    found = []
    for ent in dates[bisect.bisect_left(starts, sent.start):]:
        if ent.start >= sent.end:
            break
        if ent.end <= sent.end:
            found.append(ent)
    return found


def _base_form(word: str) -> str:
    for suffix, replacement in (("ed", ""), ("ed", "e"), ("es", ""), ("s", ""), ("ing", ""), ("ing", "e")):
        if word.endswith(suffix) and word[: -len(suffix)] + replacement in FRAMES:
            return word[: -len(suffix)] + replacement
    return word
