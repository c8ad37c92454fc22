"""Spans labelled by spaCy -> resolved entities and mentions: a chain of small filters, then resolution."""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import TYPE_CHECKING

from .model import ENTITY_TYPES, Entity
from .nlp import doc_ents, doc_text
from .rules import KnownEntity, Rules, name_key

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

LABEL_TYPES = {"PERSON": "Person", "ORG": "Organization", "GPE": "Place", "LOC": "Place", "FAC": "Place",
               "EVENT": "Event", "WORK_OF_ART": "CreativeWork", "PRODUCT": "Product",
               **{t: t for t in ENTITY_TYPES}}
_LEADING = re.compile(r"^(the|a|an|this|that|its|their|his|her)\s+", re.IGNORECASE)
# A legal form after a known name is the same company: "Tencent Holdings Ltd.", "ByteDance Ltd", "Uber Technologies Inc"
_LEGAL_FORM = re.compile(r"(?:,?\s+(?:Co\.?,?\s*)?(?:Ltd\.?|Limited|Inc\.?|Corp\.?|Corporation|PLC|plc|LLC|Co\.?))+$")
_ALIAS_PAREN = re.compile(r"\(\s*(?:net ?name|nickname|online name|screen name|pen name|also known as|aka|a\.k\.a\.|"
                          r"english name|known as)\s*[:：]?\s*([^()]{2,40}?)\s*\)", re.IGNORECASE)


def entity_key(type_: str, name: str) -> str:
    """Stable key "person/tang-daosheng": the same name and type give the same key in every article and run."""
    slug = re.sub(r"[^\w]+", "-", unicodedata.normalize("NFKC", name).lower()).strip("-_")
    if type_ == "Person":
        # Chinese names come in either order ("Tang Daosheng" / "Daosheng Tang"): order-free key.
        parts = slug.split("-")
        if len(parts) == 2:
            slug = "-".join(sorted(parts))
    return f"{type_.lower()}/{slug}"


def clean_name(text: str) -> str:
    """Strip articles, possessives, brackets and edge punctuation from an entity span's text."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"['’]s$", "", text)
    text = _LEADING.sub("", text)
    text = text.strip(" .,;:!?\"'()[]{}“”‘’«»<>")
    text = re.sub(r"\s+(?:of|and|the|in|for|at|on|to)$", "", text)  # "National Day parade of"
    if "(" in text and ")" not in text:
        text = text.split("(")[0].rstrip()  # "State Administration for Market Regulation (SAMR"
    text = re.sub(r"\s+(?:province|city|district|county|municipality)$", "", text)  # "Sichuan province"
    return text


def is_plausible_name(name: str, type_: str, rules: Rules) -> bool:
    """Filters a name must pass to become an entity."""
    if len(name) < 2 or len(name) > 80 or name.lower() in rules.never:
        return False
    if any(p.search(name) for p in rules.never_patterns
           if not (type_ == "CreativeWork" and p.pattern in rules.titles_may_match)):
        return False
    titles = rules.title_heads | rules.words("titles", "modifiers")
    words = name.lower().split()
    if all(w in titles for w in words) and (len(words) == 1 or words[-1] in rules.title_heads):
        # "Chief", "Vice President": a title at the start of a sentence, not a name; a title ends in its head,
        # so "China Media Group" (three words that may stand before a title) is a name
        return False
    if not any(ch.isupper() for ch in name) and not _has_cjk(name):
        return False  # lower-case phrases are descriptions, not names
    if re.search(r"[+=|<>{}@#]|\d\.\d", name) or re.fullmatch(r"[\d.,\s%]+", name):
        return False
    if type_ == "Person" and (any(ch.isdigit() for ch in name) or len(name.split()) > 4):
        return False
    return True


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# The last word of a regional arm's name ("Vidstream Asia", "Netflix Japan", "Core Pacific-Yamaichi International"):
# never a person's.
REGION_WORDS = {"china", "asia", "japan", "india", "korea", "europe", "america", "africa", "international", "global",
                "worldwide", "pacific", "apac", "emea"}
# A "person" whose last word is one of these is an organisation ("Meng Jinghui Drama", "Autumn Wind Club").
ORG_HEADS = {"drama", "club", "group", "company", "studio", "studios", "theatre", "theater", "bank", "university",
             "institute", "association", "center", "centre", "stationery", "orchard", "media", "network", "networks",
             "technology", "technologies", "foundation", "society", "school", "college", "committee", "agency",
             "limited", "ltd", "inc", "corp", "corporation", "press", "channel", "lab", "labs", "team", "games"}


class Resolver:
    """Resolves names to entities within one article, using the gazetteer, curation rules and local aliases."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.alias_table: dict[str, KnownEntity] = rules.alias_table()
        self.entities: dict[str, Entity] = {}
        self.local_alias: dict[str, str] = {}  # lower-cased alias -> entity key (found in this article)

    def resolve(self, text: str, label: str) -> Entity | None:
        name = clean_name(text)
        if not name.strip():
            return None
        known = self.alias_table.get(name.lower()) or self.alias_table.get(name_key(name)) or self._known_company(name)
        if known is not None:
            return self._entity(known.name, known.type, alias=name)
        if self._fans_of_known(name):
            return None
        if name.lower() in self.local_alias:
            entity = self.entities[self.local_alias[name.lower()]]
            entity.aliases.add(name) if name != entity.name else None
            return entity
        type_ = self.rules.retype.get(name.lower()) or LABEL_TYPES.get(label)
        if type_ in ("Organization", "Place", "Product") and name.lower() in self.rules.words("names", "pinyin_surnames"):
            type_ = "Person"  # '"...," said Wang, a developer at NetEase': a surname alone is a person, never a firm
        if type_ == "CreativeWork" and re.match(r"\s*The\s", text) and not name.startswith("The "):
            name = "The " + name  # a title's article is part of it: "The Untamed", "The Rap of China"
        if type_ == "Person" and (name.split()[-1].lower() in ORG_HEADS or name.split()[-1].lower() in REGION_WORDS):
            type_ = "Organization"  # "Vidstream Asia, the Singapore streamer": no person's name ends in a region
        if type_ is None or not is_plausible_name(name, type_, self.rules):
            return None
        if type_ == "Person":
            person = self._person_by_part(name)
            if person is not None:
                return person
        return self._entity(name, type_, alias=name)

    def _known_company(self, name: str) -> KnownEntity | None:
        """'Tencent Holdings Ltd.' is Tencent Holdings: a known organisation's name with its legal form after it."""
        bare = _LEGAL_FORM.sub("", name)
        known = self.alias_table.get(bare.lower()) if bare != name and bare else None
        return known if known is not None and known.type == "Organization" else None

    def _fans_of_known(self, name: str) -> bool:
        """'TikTokers', 'Weiboers': the users of a platform we know, named after it, are no entity."""
        word = name.lower()
        if " " in name or not word.endswith("er") and not word.endswith("ers"):
            return False
        stem = word[:-3] if word.endswith("ers") else word[:-2]
        return len(stem) >= 3 and self.alias_table.get(stem) is not None

    def add_alias(self, key: str, alias: str) -> None:
        alias = clean_name(alias)
        if alias and key in self.entities:
            self.local_alias[alias.lower()] = key
            if alias != self.entities[key].name:
                self.entities[key].aliases.add(alias)

    def _entity(self, name: str, type_: str, alias: str) -> Entity:
        key = entity_key(type_, name)
        entity = self.entities.get(key)
        if entity is None:
            entity = self.entities[key] = Entity(key=key, name=name, type=type_)
            known = self.alias_table.get(name.lower())
            if known is not None and known.name == name:
                entity.aliases.update(a for a in known.aliases if a.lower() != name.lower() and a[0].isupper())
        if alias and alias != entity.name and alias[0].isupper():
            entity.aliases.add(alias)
        return entity

    def _person_by_part(self, name: str) -> Entity | None:
        """'Tang' after 'Tang Daosheng' in the same article is the same person."""
        parts = name.split()
        if len(parts) != 1:
            return None
        matches = [e for e in self.entities.values() if e.type == "Person" and name in e.name.split()]
        return matches[0] if len(matches) == 1 else None


# "Mr Zhang", "Ms Qu", "Dr Gong Yu": the honorific is no part of a person's name (the model keeps "Mr" without a dot)
HONORIFICS = {"mr", "mrs", "ms", "mx", "dr", "prof", "professor"}  # not "Miss": "the Korean comedy Miss Granny"


_PERIOD_TOKEN = re.compile(r"(?:Q[1-4]|H[12]|(?:19|20)\d\d)$")


def _report_title_end(doc: "Doc", ent, creative_heads: frozenset[str] | set[str]) -> int | None:
    """Where a report's title ends when the model stopped at its publisher's words: 'China Mobile' + ' Internet Q1
    2020 Report', '... Internet Half-Year Report 2024' (title-case words, hyphens inside words, quarters and years,
    up to a creative work's head word and its year)."""
    if not creative_heads or ent.label_ not in ("ORG", "Organization", "Product", "PRODUCT"):
        return None
    k, end = ent.end, None
    while k < len(doc) and k - ent.end < 7:
        token = doc[k]
        if token.lower_ in creative_heads and token.text[:1].isupper():
            end = k + 1
            if end < len(doc) and re.fullmatch(r"(?:19|20)\d\d", doc[end].text):
                end += 1
            break
        if not (token.is_title and token.is_alpha or _PERIOD_TOKEN.fullmatch(token.text)
                or token.text == "-" and not doc[k - 1].whitespace_ and not token.whitespace_):
            break
        k += 1
    return end


def _report_title_start(doc: "Doc", start: int) -> int:
    """A report's year and edition before its publisher's words: 'its 2024 Semi-annual China Mobile Internet ...'."""
    k = start
    while k > 0 and start - k < 4:
        token, prev = doc[k - 1], doc[k - 2] if k > 1 else None
        hyphen_part = prev is not None and prev.text == "-" and not prev.whitespace_ and token.is_alpha
        if token.text == "-" and not token.whitespace_ and not doc[k - 2].whitespace_ or hyphen_part \
                or token.is_title and token.is_alpha and not token.is_sent_start and token.ent_type_ in ("", "DATE") \
                or re.fullmatch(r"(?:19|20)\d\d", token.text):
            k -= 1
            continue
        break
    return k if k == start or re.fullmatch(r"(?:19|20)\d\d|[A-Z][\w-]*", doc[k].text) else start


def fit_span(doc: "Doc", ent, heads: frozenset[str] | set[str] = frozenset(),
             creative_heads: frozenset[str] | set[str] = frozenset()) -> list:
    """A model's span fitted to the name(s) it holds: an honorific before a person's name is no part of it ('Mr
    Zhang' is 'Zhang', who the article named before), nor an adverb after a name ('told Fortune recently'); a
    university's campus is ('the University of California, San Diego', 'the University of Texas at Austin'); and two
    organisations joined by 'and' are two when the second ends in an organisation's head word and the first does
    too or is one word ('Ceyuan and Legend Capital', 'Haitong International and ICBC International', not 'Industrial
    and Commercial Bank of China'; `heads` are rules/vocabulary.toml's organisation heads); a report's title the
    model stopped at its publisher's name goes on to its head word ('China Mobile Internet Q1 2020 Report', see
    `_report_title_end`). Gazetteer spans stand otherwise."""
    from spacy.tokens import Span

    if ent.label_ in ("EVENT", "Event") and ent.start >= 2 and re.fullmatch(r"(?:19|20)\d\d", doc[ent.start - 1].text) \
            and doc[ent.start - 2].ent_type_ in ("GPE", "Place"):
        start = ent.start - 2  # "the Tokyo 2020 Olympic Games", "Beijing 2022 Winter Olympics": the host and year
        while start > 0 and doc[start - 1].ent_type_ == doc[start].ent_type_ and doc[start].ent_iob_ == "I":
            start -= 1
        return [Span(doc, start, ent.end, label="EVENT")]
    report = _report_title_end(doc, ent, creative_heads)
    if report is not None:
        return [Span(doc, _report_title_start(doc, ent.start), report, label="WORK_OF_ART")]
    if ent.label_ in ENTITY_TYPES or len(ent) < 2 and ent.label_ not in ("ORG", "PERSON"):
        return [ent]
    start, end = ent.start, ent.end
    if ent.label_ == "PERSON" and doc[start].lower_.rstrip(".") in HONORIFICS and doc[start + 1].is_title:
        start += 1
    if ent.label_ == "PERSON" and end - start == 1 and start > 0 and doc[start - 1].text == "He" \
            and doc[start - 1].is_sent_start and end < len(doc) and doc[end].text == ",":
        start -= 1  # "He Zheng, chairman of ...": the surname He, not the pronoun (which no name and comma follow)
    while end - start > 1 and doc[end - 1].tag_ == "RB" and doc[end - 1].is_lower:
        end -= 1
    if ent.label_ == "ORG" and any(t.lower_ == "university" for t in doc[start:end]) and end + 1 < len(doc) \
            and doc[end].text in (",", "at") and doc[end + 1].ent_type_ == "GPE":
        end += 2  # the comma or 'at', and the place's first word
        while end < len(doc) and doc[end].ent_type_ == "GPE" and doc[end].ent_iob_ == "I":
            end += 1
    words = heads | ORG_HEADS
    for k in range(start + 1, end - 1):
        last, before = doc[end - 1].lower_, doc[k - 1].lower_
        if ent.label_ == "ORG" and doc[k].lower_ in ("and", "&") and doc[k + 1].text[:1].isupper() and end - k > 2 \
                and (last in words and (k - start == 1 or before in words) or last in REGION_WORDS and before == last) \
                and not any(t.lower_ == "of" for t in doc[k + 1:end]):  # 'Industrial and Commercial Bank of China'
            return [Span(doc, start, k, label="ORG"), Span(doc, k + 1, end, label="ORG")]
    return [ent] if (start, end) == (ent.start, ent.end) else [Span(doc, start, end, label=ent.label_)]


_QUOTES = ('"', "“", "”", "'", "‘", "’")
_EPITHET_CUES = {"dubbed", "nicknamed", "so-called", "hailed", "crowned", "styled"}


def is_epithet(doc: "Doc", ent, rules: Rules, known: dict) -> bool:
    """A quoted epithet is another name of someone, not an entity: 'the "Father of WeChat"' (an epithet's head word,
    'of', then a name we know) and 'dubbed the "Godfather of Live Streaming"' (an epithet's head after 'dubbed').
    'King of Glory' unquoted, or quoted with nothing known after 'of', stays the game it is."""
    i = ent.start
    while i > 0 and doc[i - 1].text in _QUOTES and i > ent.start - 2:
        i -= 1
    if i == ent.start and not (ent[0].text in _QUOTES):
        return False  # not in quotation marks
    words = [t for t in ent if t.text not in _QUOTES]
    if not words or words[0].lower_ not in rules.words("types", "epithet_heads"):
        return False
    if len(words) > 2 and words[1].lower_ == "of" and known.get(doc[words[2].i:words[-1].i + 1].text.lower()):
        return True
    before = [t.lower_ for t in doc[max(0, i - 2):i]]
    return bool(set(before) & _EPITHET_CUES)


# Lower-case nouns that turn a place before them into a community or organisation ("the Beijing tribe").
COMMUNITY_NOUNS = {"tribe", "club", "community", "forum", "association", "union", "society"}
_QUOTED_ORG = re.compile(r"[\"“]([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,4})[\"”]\s+(club|company|group|studio|team|"
                         r"brand|band|association|platform)\b")


def organisation_spans(doc: "Doc", heads: frozenset[str] | set[str] = frozenset()) -> list["Span"]:
    """Organisations the model misses or cuts short, found from the shape of the text:

    - a name followed by capitalised words ending in an organisation word ("Wu Xiaobo Channel Book Club");
    - a place followed by a community noun ("Beijing tribe");
    - a quoted capitalised name followed by "club", "company" ... ('"Autumn Wind Outdoor" club');
    - a capitalised run ending in an organisation word ("Morning Glory Stationery").
    """
    from spacy.tokens import Span

    found: list[Span] = []
    for ent in doc_ents(doc):
        if ent.label_ == "NORP" and len(ent) >= 2 and (ent[-1].lower_ in ORG_HEADS or ent[-1].lower_ in heads):
            found.append(Span(doc, ent.start, ent.end, label="Organization"))  # "New Classics Media" (NORP)
            continue
        if ent.label_ in ENTITY_TYPES and ent.label_ != "Place" or LABEL_TYPES.get(ent.label_) is None:
            continue  # gazetteer spans are already right, but a known city can open a name ("Shanghai Book Club")
        end = ent.end
        while end < len(doc) and end - ent.end < 4 and doc[end].is_title and not doc[end].ent_type_:
            end += 1
        while end > ent.end and doc[end - 1].lower_ not in ORG_HEADS:
            end -= 1
        if end > ent.end:
            found.append(Span(doc, ent.start, end, label="Organization"))
        elif (LABEL_TYPES[ent.label_] == "Place" and ent.end < len(doc) and doc[ent.end].lower_ in COMMUNITY_NOUNS):
            found.append(Span(doc, ent.start, ent.end + 1, label="Organization"))
    for match in _QUOTED_ORG.finditer(doc_text(doc)):
        span = doc.char_span(match.start(1), match.end(1), label="Organization")
        if span is not None:
            found.append(span)
    # Runs of up to six unlabelled title-case words inside a sentence, read from arrays (not Token objects)
    from spacy.attrs import ENT_TYPE, IS_TITLE, SENT_START

    title_run = [t == 1 and e == 0 and s != 1 for t, e, s in doc.to_array([IS_TITLE, ENT_TYPE, SENT_START]).tolist()]
    for k in range(1, len(doc) - 1):  # "Fujian Higher People's Court": a possessive inside the name
        if doc[k].text in ("'s", "’s") and title_run[k - 1] and title_run[k + 1]:
            title_run[k] = True
    i = 0
    while i < len(doc):
        j = i
        while j < len(doc) and j - i < 6 and title_run[j]:
            j += 1
        if j - i >= 2 and (doc[j - 1].lower_ in ORG_HEADS or doc[j - 1].lower_ in heads):
            found.append(Span(doc, i, j, label="Organization"))
        i = max(j, i + 1)
    return found


_TITLE_WORD = r"(?:[A-Z0-9][\w'’.&-]*)"
_SMALL_WORD = r"(?:of|the|and|a|an|in|on|to|for|with|from|at|is|vs\.?)"
_TITLE = rf"{_TITLE_WORD}(?:(?::\s+|\s+)(?:{_SMALL_WORD}\s+)*{_TITLE_WORD}){{0,7}}"
# "The Coming One (明日之子)", "Black Myth: Wukong (黑神话：悟空)": an English title with its Chinese one in brackets
_BRACKETED_TITLE = re.compile(rf"({_TITLE})\s*[(（]\s*[\u3400-\u9fff][^()（）\n]{{0,24}}[)）]")
_QUOTED_TITLE = re.compile(rf"[\"“]({_TITLE})[\"”]")


def work_spans(doc: "Doc", rules: Rules, known: dict) -> list["Span"]:
    """Titles of shows, films, games and books the model misses or cuts ('The Rap of China' as a person, 'Ne Zha'
    as a place and '2' as a figure): an English title followed by its Chinese title in brackets, or a quoted
    title that a work's class noun, a possessive or a Chinese title marks as a work ('the animated film "Ne Zha
    2"', 'Zhang Yimou's "The Great Wall"'). Typed by the words around them, else a creative work; a name the
    gazetteer knows, or one the model calls a person or an organisation with nothing saying it is a work, is left
    to the usual path ('Tencent (腾讯)', 'He Jiong (何炅)')."""
    from spacy.tokens import Span

    text = doc_text(doc)
    by_noun = rules.class_nouns()
    found: list[Span] = []
    titles: set[str] = set()
    for quoted, regex in ((False, _BRACKETED_TITLE), (True, _QUOTED_TITLE)):
        for match in regex.finditer(text):
            span = doc.char_span(match.start(1), match.end(1), alignment_mode="contract")
            if span is None or not len(span):
                continue
            i, j = _title_start(doc, span.start, span.end), span.end
            if i >= j or known.get(doc[i:j].text.lower()) is not None \
                    or known.get(re.sub(r"^the\s+", "", doc[i:j].text.lower())) is not None:
                continue
            cued = type_from_cues(doc, i, j, rules) if not quoted else None
            before = [t.lower_ for t in doc[max(0, span.start - 4):span.start]]
            marked = any(_class_of(w, by_noun) == "CreativeWork" for w in before) or (before[-2:-1] == ["'s"]) \
                or bool(re.match(r"\s*[(（]\s*[\u3400-\u9fff]", text[match.end():match.end() + 4]))
            if quoted and not marked and doc[i:j].text not in titles:
                continue  # unmarked, unless the same title was marked before: '"Ne Zha 2" and "Inside Out 2"'
            model = {t.ent_type_ for t in doc[i:j]} - {""}
            if cued is None and not marked and model & {"PERSON", "ORG", "GPE", "NORP", "FAC"} \
                    and not re.search(rf"\s{_SMALL_WORD}\s", doc[i:j].text):
                continue  # 'Chen Wei (车澈)', 'Hello Group (挚文集团)'
            found.append(Span(doc, i, j, label=cued or "CreativeWork"))
            titles.add(doc[i:j].text)
    return found


def _title_start(doc: "Doc", i: int, j: int) -> int:
    """Where a title starts inside a capitalised run: not at a sentence's first common noun ('Players of King of
    Glory'), but with its own 'The' ('The Rap of China')."""
    while i < j and doc[i].is_sent_start and doc[i].pos_ == "NOUN":
        i += 1
        while i < j and doc[i].is_lower:
            i += 1
    if i > 0 and doc[i - 1].text == "The" and not doc[i - 1].is_sent_start and i < j and doc[i].text != "The":
        i -= 1  # 'the singing contest The Coming One'
    return i


_COMMON_TAGS = {"NN", "NNS", "JJ", "JJR", "JJS"}


def cue_spans(doc: "Doc", rules: Rules) -> list["Span"]:
    """Names the model left unlabelled, typed by what the text says they are (rules/vocabulary.toml [types]):
    'Jimu, a smaller matching app', 'the chat app Liaotianbao', 'the Laiwang app', 'Smartisan founder Luo'."""
    from spacy.tokens import Span

    found: list[Span] = []
    n = len(doc)
    i = 0
    while i < n:
        if not _name_word(doc[i]):
            i += 1
            continue
        if i > 0 and doc[i - 1].text == "The" and not doc[i - 1].is_sent_start:
            i -= 1  # "the hit drama The Untamed": a title's own article belongs to it
        j = i + 1 if doc[i].text == "The" else i
        while j < n and j - i < 4 and _name_word(doc[j]):
            j += 1
        if j - i == 1 and (doc[i].tag_.startswith("VB") or doc[i].is_sent_start and doc[i].tag_ in _COMMON_TAGS
                           and not (j < n and doc[j].text == ",")):
            i = j  # "“Putting community first ...", "Players of King of Glory ...", "Small investors ...": a
            continue  # capitalised verb, common noun or adjective opening a sentence is no name (but the parser
            # tags an unknown name NN: "Qingting, a Shenzhen-based startup, ...")
        type_ = type_from_cues(doc, i, j, rules) or _person_from_cues(doc, i, j, rules) or _type_from_head(doc, i, j, rules)
        if type_ is not None:
            found.append(Span(doc, i, j, label=type_))
        i = j
    return found


def _type_from_head(doc: "Doc", i: int, j: int, rules: Rules) -> str | None:
    """Two to four title-case words the model left unlabelled, ending in an organisation's or an event's head word,
    are that: 'Greenwoods Investment', 'Sootoo Institute', 'Xinzhi Youth Conference' (not in a title-case
    headline, where every word is capitalised)."""
    if not 2 <= j - i <= 4 or doc[i].sent.text.istitle() or i > 0 and doc[i - 1].ent_type_ \
            and doc[i - 1].ent_type_ not in _YEAR_LABELS:
        return None  # right after a known name ("ChinaJoy Digital Entertainment Expo") it is that name's tail,
        # though not after its year ("the 2021 Xinzhi Youth Conference")
    last = doc[j - 1].lower_
    if last in rules.words("types", "organization_heads") or last in ORG_HEADS:
        return "Organization"
    if last in rules.words("types", "event_heads"):
        return "Event"
    return None


_YEAR_LABELS = {"DATE", "CARDINAL", "ORDINAL"}


def _person_from_cues(doc: "Doc", i: int, j: int, rules: Rules) -> str | None:
    """A name of two or three words the model left unlabelled is a person's when a title stands in apposition
    after it ('Ivy Shen, an analyst who ...', 'Ma Jing, vice president of finance') or a speech verb before it
    ('..., said Oscar Zhou')."""
    if not 2 <= j - i <= 3:
        return None
    before = doc[i - 1] if i > 0 else None
    if before is not None and before.lower_ in rules.words("speech", "verbs") and before.pos_ == "VERB":
        return "PERSON"
    if j + 1 < len(doc) and doc[j].lower_ in ("is", "was") and (
            doc[j + 1].lower_ in rules.title_heads or j + 2 < len(doc) and doc[j + 1].lower_ in ("the", "a", "an")
            and doc[j + 2].lower_ in rules.title_heads | rules.words("titles", "modifiers")):
        return "PERSON"  # "Ma Jing is vice president of finance"
    if j + 1 < len(doc) and doc[j].text == ",":
        for token in doc[j + 1:j + 6]:
            if token.is_punct or token.pos_ in ("VERB", "AUX"):
                break
            if token.lower_ in rules.title_heads and token.pos_ == "NOUN":
                return "PERSON"
    return None


_CAMEL_CASE = re.compile(r"[A-Z][a-z]+(?:[A-Z][a-z0-9]+)+")  # "GameDiscoverCo", "QuestMobile", "TechCrunch"


def _name_word(token) -> bool:
    return (not token.ent_type_ and not token.is_punct and not token.is_space and not token.is_stop
            and (token.is_title or token.is_upper and len(token) > 1 or _CAMEL_CASE.fullmatch(token.text) is not None)
            and token.text.isalnum() and token.lower_ not in _CALENDAR)


_CALENDAR = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
             "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}


def type_from_cues(doc: "Doc", i: int, j: int, rules: Rules) -> str | None:
    """The type the words around tokens i..j give a name, or None."""
    by_noun = rules.class_nouns()
    org_after = rules.words("types", "organization_after")
    if _event_cued(doc, i, j, rules):
        return "Event"
    if _owned_by_company(doc, i, j, rules):
        return "Product"
    if before_an_analyst(doc, i, j):
        return "Organization"
    after = doc[j] if j < len(doc) else None
    if after is not None and after.lower_ in org_after and after.pos_ == "NOUN":
        return "Organization"  # "Smartisan founder"
    if after is not None and after.lower_ in by_noun and after.pos_ == "NOUN":
        return by_noun[after.lower_]  # "the Laiwang app"
    appositive = _apposition_class(doc, i, j, by_noun, rules.title_heads) or listed_as(doc, i, j, by_noun) \
        or _appositive_to_class(doc, i, j, by_noun)
    if appositive is not None:
        return appositive
    if after is not None and after.text == "," and j + 1 < len(doc) and (doc[j + 1].lower_ in ("a", "an", "the")
                                                                          or doc[j + 1].pos_ == "PROPN"):
        for token in doc[j + 2:j + 8]:  # "Jimu, a smaller matching app", "Duoshan, ByteDance's new messaging app"
            if token.pos_ in ("VERB", "AUX"):
                break
            if token.is_punct and not (token.text == "-" and not token.whitespace_ and not doc[token.i - 1].whitespace_):
                break  # "Kuaigou, Kuaishou's e-commerce unit": a hyphen inside a word goes on
            if token.lower_ in by_noun and token.pos_ == "NOUN" and token.dep_ not in ("nsubj", "nsubjpass"):
                return by_noun[token.lower_]  # not a new clause's subject: 'According to X, the app was ...'
    before = doc[i - 1] if i > 0 else None
    if before is not None and _class_of(before.lower_, by_noun) and before.pos_ == "NOUN" and i > 1 \
            and doc[i - 2].pos_ in ("DET", "ADJ", "NOUN", "PROPN", "PRON", "NUM"):
        return _class_of(before.lower_, by_noun)  # "the chat app Liaotianbao", "the actresses Lin, Angelababy"
    first = doc[j - 1]
    while first.dep_ == "conj" and first.head.i < first.i:
        first = first.head  # "the actresses Lin Chi-ling, Angelababy and Jia Ling": the noun before the first name
    start = min((t.i for t in first.subtree if t.dep_ == "compound" and t.head == first), default=first.i)
    if first.i != j - 1 and start > 1 and doc[start - 1].pos_ == "NOUN" and _class_of(doc[start - 1].lower_, by_noun) \
            and doc[start - 1].lower_.endswith("s"):
        return _class_of(doc[start - 1].lower_, by_noun)
    return type_of_siblings(doc, i, j)


def _apposition_class(doc: "Doc", i: int, j: int, by_noun: dict[str, str],
                      title_heads: set[str] = frozenset()) -> str | None:
    """The type an apposition's head noun gives a name, read from the parse: 'WeChat Open Class Pro, the app's
    fourth annual event' is an event (not the app that owns it), 'Happy Camp (...), one of the most watched
    variety shows' a show, 'Chen Wei, the show's director' a person (a title, not the show it names)."""
    root = doc[i:j].root
    for child in root.children:
        if child.dep_ != "appos" or child.i < j:
            continue
        head = child
        if child.lower_ == "one":  # "one of the ... shows"
            head = next((g for p in child.children if p.dep_ == "prep" and p.lower_ == "of"
                         for g in p.children if g.dep_ == "pobj"), child)
        if head.pos_ == "NOUN":
            found = _class_of(head.lower_, by_noun)
            if found is not None:
                return found
            if head.lower_ in title_heads and 2 <= j - i <= 3:
                return "PERSON"
    return None


def _event_cued(doc: "Doc", i: int, j: int, rules: Rules) -> bool:
    """'on the sidelines of Filmart', 'on stage at TechCrunch Shanghai', 'Baidu Create, held in Beijing': the words
    around a name that say it is an event (rules/vocabulary.toml [types] event_before / event_after)."""
    k = i - 1 if i > 0 and doc[i - 1].lower_ != "the" else i - 2  # a cue's last word is "of" / "at" ...
    if k >= 0 and doc[k].lower_ in _last_words(rules, "event_before"):
        before = " ".join(t.lower_ for t in doc[max(0, k - 2):k + 1])
        if any(before.endswith(cue) for cue in rules.words("types", "event_before")):
            return True
    if j < len(doc) and doc[j].lower_ in _first_words(rules, "event_after"):
        after = " ".join(t.lower_ for t in doc[j:j + 3])
        return any(after.startswith(cue) for cue in rules.words("types", "event_after"))
    return False


def _last_words(rules: Rules, key: str) -> frozenset[str]:
    return _edge_words(rules.words("types", key), -1)


def _first_words(rules: Rules, key: str) -> frozenset[str]:
    return _edge_words(rules.words("types", key), 0)


@functools.lru_cache(maxsize=16)
def _edge_words(cues: frozenset[str], index: int) -> frozenset[str]:
    """The first or last words of a list of cue phrases (',' is a word): a cheap test before the phrase test."""
    return frozenset(cue.replace(",", ", ").split()[index] for cue in cues)


def rating_follows(ent, rules: Rules) -> bool:
    """'Goldman Sachs: Lincoln Kong, Neutral, lowers his target': an analyst's rating in commas after a name makes
    the name a person's (the ratings are curation.toml's [never] names: Buy, Neutral, Outperform ...)."""
    doc = ent.doc
    k = ent.end
    if k + 2 >= len(doc) or doc[k].text != ",":
        return False
    rating = [t.text for t in doc[k + 1:k + 4]]
    for n in (2, 1):  # "Strong Buy", "Neutral"
        if len(rating) > n and " ".join(rating[:n]).lower() in rules.never and rating[n] == "," \
                and rating[0][:1].isupper():
            return True
    return False


def named_by_company_noun(doc: "Doc", i: int, j: int, rules: Rules) -> bool:
    """'the sportswear maker Guirenniao', 'the data provider Bihu Kankan': a name right after a company's class noun
    (with its modifier or article before it) is the company, though the model called it a person; of two or three
    words only after a compound's noun and not 'maker' ('the film maker Zhang Yimou' is a person)."""
    if not 1 <= j - i <= 3 or i < 2:
        return False
    noun = doc[i - 1]
    if j - i > 1 and (noun.lower_ == "maker" or doc[i - 2].pos_ != "NOUN"):
        return False
    return noun.pos_ == "NOUN" and _class_of(noun.lower_, rules.class_nouns()) == "Organization" \
        and doc[i - 2].pos_ in ("DET", "ADJ", "NOUN", "PROPN", "PRON")


def before_an_analyst(doc: "Doc", i: int, j: int) -> bool:
    """A name the model left unlabelled that owns a person ('Benchmark's Jiang said') or heads a line about one
    ('Benchmark: Fawne Jiang is still a buyer', a broker in a round-up of targets) is an organisation: brokers
    with common words for names ('Benchmark', 'Needham'), which the model leaves out or calls a person. A place
    keeps its type ('China's Xi')."""
    if j + 1 >= len(doc) or doc[j].text not in ("'s", "’s", ":") or doc[i].ent_type_ and j - i > 1 \
            or any(t.ent_type_ not in ("", "PERSON") for t in doc[i:j]):
        return False  # unlabelled, or one word the model took for a person's name
    person = doc[j + 1].ent_type_ in ("PERSON", "Person")
    if doc[j].text in ("'s", "’s") and person:
        return True
    line_start = i == 0 or "\n" in doc[i - 1].text + doc[i - 1].whitespace_ or doc[i - 1].text in ("-", "*", "•")
    return doc[j].text == ":" and person and line_start


def _owned_by_company(doc: "Doc", i: int, j: int, rules: Rules) -> bool:
    """'Alibaba's Laiwang, launched in 2013 ...': a name a known company owns (a possessive in the parse) that the model
    took for a place is the company's product -- not a place it names ('Tencent's Shenzhen headquarters' is a
    modifier), not one the gazetteer knows, and never a person ('Tencent's Pony Ma')."""
    if i < 2 or doc[i - 1].text not in ("'s", "’s"):
        return False
    root = doc[i:j].root
    if root.dep_ == "compound" or any(t.ent_type_ not in ("GPE", "LOC", "FAC") for t in doc[i:j]):
        return False
    if rules.alias_table().get(doc[i:j].text.lower()) is not None:
        return False
    return any(c.dep_ == "poss" and c.ent_type_ == "Organization" and c.i < i for c in root.children)


def _appositive_to_class(doc: "Doc", i: int, j: int, by_noun: dict[str, str]) -> str | None:
    """The type of the class noun a name stands in apposition to, the noun first: 'its recent music contest show,
    The Rap of China, drew ...' is a show, 'their account, Geekerwan, has ...' an account (read from the parse)."""
    root = doc[i:j].root
    head = root.head
    if root.dep_ != "appos" or head.i >= i or head.pos_ != "NOUN" or i == 0 or doc[i - 1].text != ",":
        return None
    return _class_of(head.lower_, by_noun)


def _class_of(noun: str, by_noun: dict[str, str]) -> str | None:
    """A class noun's type, singular or plural ('shows', 'brands', 'companies'); the pipeline does not lemmatise
    nouns."""
    for form in (noun, noun[:-3] + "y" if noun.endswith("ies") else noun, noun[:-1] if noun.endswith("s") else noun,
                 noun[:-2] if noun.endswith("es") else noun):
        if form in by_noun:
            return by_noun[form]
    return None


def listed_as(doc: "Doc", i: int, j: int, by_noun: dict[str, str]) -> str | None:
    """The type a list's class noun gives each name in it: 'brands such as Lancôme and Louis Vuitton', 'apps
    like Douyin, Kuaishou and Huoshan', 'platforms including Bilibili' (read from the parse: the name, or the
    first name it is listed with, is the object of 'such as' / 'like' / 'including' after the noun), and 'its series
    include Thirteen Invitations', 'its apps include WeChat and QQ' (the object of 'include', the noun its subject)."""
    root = doc[i:j].root
    while root.dep_ == "conj" and root.head.i < root.i:
        root = root.head
    prep = root.head
    if root.dep_ == "pobj" and prep.lower_ == "of" and prep.head.dep_ == "dobj":
        root = prep.head  # "Its games include Honor of Kings and Peacekeeper Elite": the list's first name
    if root.dep_ == "dobj" and root.head.lower_ in ("include", "includes", "included"):
        noun = next((c for c in root.head.children if c.dep_ == "nsubj"), None)
        # "its series include Thirteen Invitations, ...": the subject's class noun types what it includes
        return _class_of(noun.lower_, by_noun) if noun is not None and noun.pos_ == "NOUN" else None
    if root.dep_ != "pobj" or prep.lower_ not in ("as", "like", "including") or prep.i >= root.i:
        return None
    if prep.lower_ == "as" and not any(c.lower_ == "such" for c in (*prep.children, *prep.head.children)):
        return None
    noun = prep.head
    if noun.pos_ != "NOUN":
        return None
    return _class_of(noun.lower_, by_noun)


def type_of_siblings(doc: "Doc", i: int, j: int) -> str | None:
    """'Morgan Stanley, Jefferies, BofA Securities and CICC': a name in a list takes the type the gazetteer gives
    the other names of the list, when they agree (coordination in the parse)."""
    head = doc[j - 1]
    siblings = [t for t in head.conjuncts if not (i <= t.i < j)]
    types = {t.ent_type_ for t in siblings if t.ent_type_ in ("Organization", "Product")}
    if len(types) == 1 and len(siblings) >= 1:
        return types.pop()
    # "followed by Rihanna and Taylor Swift": a name the model took for a place, listed with people, is a person
    if siblings and head.ent_type_ in ("GPE", "LOC", "FAC", "NORP") and all(t.ent_type_ == "PERSON" for t in siblings):
        return "PERSON"
    return None


def find_paren_aliases(doc: "Doc") -> dict[int, str]:
    """'Zhao Jian (net name: Dangwang)' -> {token index where Zhao Jian starts: 'Dangwang'}."""
    text = doc_text(doc)
    found = {}
    for ent in doc_ents(doc):
        if LABEL_TYPES.get(ent.label_) != "Person":
            continue
        match = _ALIAS_PAREN.match(text, ent.end_char + (1 if text[ent.end_char:ent.end_char + 1] == " " else 0))
        if match:
            found[ent.start] = match.group(1)
    return found
