"""What the Chinese pipeline and its fact rules share: the Han character class, chinese.toml as a Vocabulary,
Traditional -> Simplified conversion at equal length, and the Facts the fact rules read (kept apart from
`chinese.py` so that `chinese_facts.py` imports no pipeline code)."""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass
from typing import Iterable

from .model import Entity, Mention
from .rules import Rules

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_CHAR = re.compile(f"[{HAN}]")


@dataclass(frozen=True)
class Vocabulary:
    """chinese.toml as sets and regular expressions (see that file for what each list is)."""

    titles: re.Pattern
    title_chain: re.Pattern
    joiners: tuple[str, ...]
    academic: frozenset[str]
    external_titles: tuple[str, ...]
    appointments: re.Pattern
    adverbs: str
    appointing: tuple[str, ...]
    leaving: tuple[str, ...]
    role_references: tuple[str, ...]
    speech: re.Pattern
    fillers: tuple[str, ...]
    pronouns: frozenset[str]
    org_suffixes: tuple[str, ...]
    legal_forms: tuple[str, ...]
    product_forms: tuple[str, ...]
    sub_products: tuple[str, ...]
    brand_suffixes: frozenset[str]
    unit_suffixes: frozenset[str]
    sure_suffixes: frozenset[str]
    meeting_endings: tuple[str, ...]
    descriptor_ends: tuple[str, ...]
    owner_words: tuple[str, ...]
    not_employers: tuple[str, ...]
    event_suffixes: tuple[str, ...]
    product_nouns: tuple[str, ...]
    product_nouns_after: tuple[str, ...]
    product_classifiers: tuple[str, ...]
    unknown_name_nouns: tuple[str, ...]
    naming_verbs: tuple[str, ...]
    not_product_nouns: tuple[str, ...]
    event_nouns_after: tuple[str, ...]
    latin_never: tuple[str, ...]
    never_start: tuple[str, ...]
    references: tuple[str, ...]
    surnames: frozenset[str]
    compound_surnames: frozenset[str]
    never_end: frozenset[str]
    not_names: frozenset[str]
    words_across_a_name: tuple[str, ...]
    person_nouns: tuple[str, ...]
    founding_verbs: tuple[str, ...]
    students: tuple[str, ...]
    familiar_prefixes: tuple[str, ...]
    advisers: tuple[str, ...]
    prepositions: frozenset[str]
    surname_readings: dict[str, str]
    figures: dict

    @classmethod
    def from_rules(cls, rules: Rules) -> "Vocabulary":
        data = rules.chinese
        titles, speech, orgs, names = (data.get(k, {}) for k in ("titles", "speech", "organisations", "names"))

        def alternation(words: Iterable[str]) -> str:
            return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))

        title = f"(?:{alternation(titles.get('modifiers', []))})*(?:{alternation(titles.get('heads', ['董事长']))})"
        joiners = tuple(titles.get("joiners", ["兼", "、"]))
        return cls(
            titles=re.compile(title), title_chain=re.compile(f"{title}(?: ?(?:{alternation(joiners)}) ?{title})*"),  # "董事长兼 CEO"
            joiners=joiners, academic=frozenset(titles.get("academic", [])),
            external_titles=tuple(titles.get("external", [])),
            appointments=re.compile(alternation(titles.get("appointments", [])) or "(?!)"),
            adverbs=alternation(titles.get("adverbs", [])),
            appointing=tuple(sorted(titles.get("appointing", []), key=len, reverse=True)),
            leaving=tuple(sorted(titles.get("leaving", []), key=len, reverse=True)),
            role_references=tuple(sorted(titles.get("references", []), key=len, reverse=True)),
            speech=re.compile(alternation(speech.get("verbs", ["表示", "说"]))),
            fillers=tuple(speech.get("fillers", [])), pronouns=frozenset(speech.get("pronouns", ["他", "她"])),
            org_suffixes=tuple(sorted(orgs.get("suffixes", []), key=len, reverse=True)),
            legal_forms=tuple(sorted(orgs.get("legal_forms", []), key=len, reverse=True)),
            product_forms=tuple(sorted(orgs.get("product_forms", []), key=len, reverse=True)),
            sub_products=tuple(sorted(orgs.get("sub_products", []), key=len, reverse=True)),
            brand_suffixes=frozenset(orgs.get("brand_suffixes", [])),
            unit_suffixes=frozenset(orgs.get("unit_suffixes", [])),
            sure_suffixes=frozenset(orgs.get("sure_suffixes", [])),
            meeting_endings=tuple(orgs.get("meeting_endings", [])),
            descriptor_ends=tuple(orgs.get("descriptor_ends", [])),
            owner_words=tuple(orgs.get("owner_words", [])),
            not_employers=tuple(orgs.get("not_employers", [])),
            event_suffixes=tuple(data.get("events", {}).get("suffixes", [])),
            product_nouns=tuple(data.get("products", {}).get("nouns_before_a_name", [])),
            product_nouns_after=tuple(data.get("products", {}).get("nouns_after_a_name", [])),
            product_classifiers=tuple(data.get("products", {}).get("counted_by", [])),
            unknown_name_nouns=tuple(data.get("products", {}).get("nouns_after_an_unknown_name", [])),
            naming_verbs=tuple(data.get("products", {}).get("naming_verbs", [])),
            not_product_nouns=tuple(data.get("products", {}).get("not_after_a_name", [])),
            event_nouns_after=tuple(data.get("events", {}).get("nouns_after_a_name", [])),
            latin_never=tuple(data.get("products", {}).get("latin_never", [])),
            never_start=tuple(orgs.get("never_start", [])),
            references=tuple(sorted(data.get("references", {}).get("organisation", []), key=len, reverse=True)),
            surnames=frozenset("".join(names.get("surnames", "").split())),
            compound_surnames=frozenset(names.get("compound_surnames", [])),
            never_end=frozenset(names.get("never_end", "")), not_names=frozenset(names.get("not_names", [])),
            words_across_a_name=tuple(names.get("words_across_a_name", [])),
            person_nouns=tuple(names.get("person_nouns", [])),
            founding_verbs=tuple(names.get("founding_verbs", [])),
            students=tuple(names.get("students", [])),
            familiar_prefixes=tuple(names.get("familiar_prefixes", [])),
            advisers=tuple(titles.get("advisers", [])),
            prepositions=frozenset(names.get("prepositions", "")),
            surname_readings=names.get("surname_readings", {}),
            figures=data.get("figures", {}))


@functools.cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


# Hong Kong wires write decimal points as ﹒ or ．("7﹒91億元"), some pages full-width digits: read as ASCII, one
# character for one, so offsets stay valid
_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_DECIMAL_POINT = re.compile(r"(?<=\d)[﹒．](?=\d)")


def normalise_numbers(simple: str) -> str:
    """Full-width digits and the small or full-width decimal point between digits as ASCII, length unchanged."""
    return _DECIMAL_POINT.sub(".", simple.translate(_DIGITS))


def to_simplified(text: str) -> str:
    """Traditional -> Simplified with the same length (opencc's t2s is character for character on this
    text; where a phrase would change length, each character is converted alone)."""
    converted = _converter().convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(c if len(c := _converter().convert(ch)) == 1 else ch for ch in text)


@dataclass
class Facts:
    """What the fact rules read: both texts, mentions, entities and the vocabulary."""

    text: str  # the article's own script
    simple: str  # the same text in Simplified characters, same offsets
    mentions: list[Mention]
    entities: dict[str, Entity]
    vocab: Vocabulary
    sentences_of: object  # char -> sentence index
    tokens: list[tuple[int, int, str]]  # (start, end, jieba tag)
    rules: Rules

    def type_of(self, key: str | None) -> str | None:
        return self.entities[key].type if key in self.entities else None


def employs_an_outsider(facts: Facts, mention: Mention) -> bool:
    """'华泰证券分析师韦思琪', '凯络媒体研究总监吴姿颖': the organisation right before a title held outside the company
    the article is about (chinese.toml [titles] external) employs an analyst or an academic; the figures and the
    bare titles of the article are not its."""
    title = facts.vocab.title_chain.match(facts.simple, mention.end)
    if title is None:  # "华泰证券传媒互联网首席分析师": nouns of a line of business between them (at most 8 characters)
        i = bisect.bisect_left(facts.tokens, (mention.end,))
        while title is None and i < len(facts.tokens) and facts.tokens[i][0] - mention.end < 8 \
                and facts.tokens[i][2].startswith(("n", "vn")):
            i += 1
            if i < len(facts.tokens):
                title = facts.vocab.title_chain.match(facts.simple, facts.tokens[i][0])
    if title is not None and facts.simple[mention.end:title.end()].endswith(facts.vocab.external_titles):
        return True
    # "摩根士丹利及中金公司为联席保荐人": the banks and advisers of a listing (chinese.toml [titles] advisers)
    advisers = "|".join(re.escape(w) for w in facts.vocab.advisers)
    if advisers and re.match(rf"(?:[、及和与][^，。；]{{1,12}}?)?(?:为|担任|是|作为)(?:本次|其|公司的?)?(?:联席|独家|整体)?"
                             rf"(?:{advisers})", facts.simple[mention.end:mention.end + 30]):
        return True
    # "台大资管系学生简勤佑": the school of a student named after it, across words of a department (chinese.toml
    # [names] students); not across a preposition ("Dcard由台大资管系学生…" is no school)
    i = bisect.bisect_left(facts.tokens, (mention.end,))
    while i < len(facts.tokens) and facts.tokens[i][0] - mention.end <= 6:
        start, _, tag = facts.tokens[i]
        if facts.simple.startswith(facts.vocab.students, start):
            return True
        if tag[:1] in "pcudrmfxqyeo":
            return False
        i += 1
    return False
