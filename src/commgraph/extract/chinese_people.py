"""Quotes and roles of a Chinese article, read from its text and the mentions `chinese.py` found (the figures
are `chinese_facts.py`'s).

Matched on the Simplified form of the text and cut from the original (same offsets), so a Traditional article keeps
its script in quotes and titles. No spaCy here.
"""

from __future__ import annotations

import re
from collections import Counter

from .chinese_text import HAN, Facts
from .model import Mention, Quote, Role


# Quotes ---------------------------------------------------------------------------------------------------
# “…”, 「…」 and 『…』 (Traditional texts), and straight "…" around Chinese text (web pages)
# A quotation over several paragraphs opens each of them and closes only at its end: one quotation.
_QUOTE = re.compile(rf"[“「『]([^“”「」『』]{{2,600}})[”」』]|\"([^\"\n]{{2,600}}[{HAN}][^\"\n]*)\""
                    rf"|[“「]((?:[^“”「」\n]{{2,600}}\n+[ \t]*[“「])+[^“”「」]{{2,600}}?)[”」]")


def extract_quotes(facts: Facts) -> list[Quote]:
    """“…” and 「…」 quotations of a sentence or more, each with its speaker: a person and a speech verb
    before it ("X指出：“…”") or after it ("“…”X在…中表示"), a pronoun after it ("“…”他说", the last person
    named), else the last person named before it in the paragraph or the one before."""
    simple, text, vocab = facts.simple, facts.text, facts.vocab
    persons = sorted((m for m in facts.mentions if facts.type_of(m.entity) == "Person"), key=lambda m: m.start)
    quotes = []
    for match in _QUOTE.finditer(simple):
        group = next(g for g in (1, 2, 3) if match.group(g) is not None)
        inner = match.group(group)
        han = len(re.findall(f"[{HAN}]", inner))
        after = simple[match.end():match.end() + 48].split("\n", 1)[0]
        before = simple[max(0, match.start() - 40):match.start()]
        cue_after = re.match(rf"^[，,]?[ \t]*([{HAN}A-Za-z、]{{0,40}}?)(?:{vocab.speech.pattern})", after.split("。")[0])
        cue_before = re.search(rf"(?:{vocab.speech.pattern})[^。“”「」]{{0,4}}[：:，,]?\s*$", before)
        if han < 8 or (not cue_after and not cue_before and han < 14 and not re.search(r"[。！？!?…]$", inner)):
            continue  # a term or slogan in quotation marks, not a quotation
        speaker = None
        if cue_after:
            speaker = _person_in(persons, match.end(), match.end() + cue_after.end(1))
            if speaker is None and cue_after.group(1)[:1] in vocab.pronouns:
                speaker = _last_person(persons, match.start())
        if speaker is None and cue_before:
            lo = simple.rfind("。", 0, match.start()) + 1
            speaker = _person_in(persons, lo, match.start(), last=True)
            if speaker is None and re.search(r"[他她]", simple[lo:match.start()]):
                speaker = _last_person(persons, lo)
            if speaker is None and _someone_else(facts, simple, lo, match.start()):
                continue  # "抖音相关负责人回应称：“…”": an unnamed or non-person speaker, not the last person named
        if speaker is None:
            paragraph = simple.rfind("\n", 0, match.start())
            while paragraph > 0 and simple[paragraph - 1] == "\n":  # a blank line is no paragraph
                paragraph -= 1
            previous = simple.rfind("\n", 0, max(0, paragraph))
            candidate = _last_person(persons, match.start())
            if candidate is not None and candidate.start > previous:
                speaker = candidate
        if speaker is None:
            continue
        start, end = match.start(group), match.end(group)
        quotes.append(Quote(speaker=speaker.entity, text=text[start:end], start=start, end=end,
                            sentence=facts.sentences_of(start)))  # type: ignore[operator]
    return quotes


def _someone_else(facts: Facts, simple: str, lo: int, hi: int) -> bool:
    """Whether the sentence before a quotation names a speaker who is no person of the article: an organisation
    or product, or a word such as 负责人 / 发言人 / 官方 (chinese.toml [speech] other_speakers)."""
    others = tuple(facts.rules.chinese.get("speech", {}).get("other_speakers", []))
    if any(w in simple[lo:hi] for w in others):
        return True
    return any(lo <= m.start < hi and facts.type_of(m.entity) in ("Organization", "Product") for m in facts.mentions)


def _person_in(persons: list[Mention], lo: int, hi: int, last: bool = False) -> Mention | None:
    inside = [m for m in persons if lo <= m.start < hi]
    return (inside[-1] if last else inside[0]) if inside else None


def _last_person(persons: list[Mention], before: int) -> Mention | None:
    earlier = [m for m in persons if m.end <= before]
    return earlier[-1] if earlier else None


# Roles ----------------------------------------------------------------------------------------------------
def extract_roles(facts: Facts) -> list[Role]:
    """腾讯高级执行副总裁汤道生, 陌陌创始人、董事长兼CEO唐岩, 新浪董事长兼CEO、微博董事长曹国伟 (titles of two
    organisations), 汤道生（腾讯高级执行副总裁）, and a bare 总裁刘炽平 (the organisation last named)."""
    simple, text, vocab = facts.simple, facts.text, facts.vocab
    mentions = sorted(facts.mentions, key=lambda m: m.start)
    by_end = {m.end: m for m in mentions}
    roles: list[Role] = []
    seen: set[tuple[str, str, str | None]] = set()

    def organisation(m: Mention | None) -> str | None:
        return m.entity if m is not None and facts.type_of(m.entity) in ("Organization", "Product") else None

    counts = Counter(m.entity for m in mentions if facts.type_of(m.entity) in ("Organization", "Product"))

    def context_org(before: int) -> str | None:
        """A bare title ("总裁刘炽平") is at the organisation the article is about: the one named most often
        (organisations before products), among those named before."""
        earlier = {m.entity for m in mentions if m.end <= before} & set(counts)
        if not earlier:
            return None
        return max(sorted(earlier), key=lambda k: (facts.type_of(k) == "Organization", counts[k]))

    def add(person: Mention, title_start: int, title_end: int, org: str | None) -> None:
        for part in _split_titles(simple, title_start, title_end, vocab):
            title = text[part[0]:part[1]]
            key = (person.entity, to_key(title), org)
            if key in seen:
                continue
            seen.add(key)
            roles.append(Role(person=person.entity, title=title, organization=org,
                              academic=any(simple[part[0]:part[1]].endswith(a) for a in vocab.academic),
                              sentence=person.sentence, start=min(title_start, person.start),
                              end=max(title_end, person.end), method="zh: title before name"))

    for person in mentions:
        if facts.type_of(person.entity) != "Person":
            continue
        pos = person.start
        while True:
            while simple[pos - 1:pos] == " ":  # "陌陌 CEO 唐岩": spaces around Latin words
                pos -= 1
            chain = _chain_ending(simple, pos, vocab)
            if chain is None:
                break
            title_start = chain
            inside = next((m for m in mentions if m.start < title_start < m.end), None)
            if inside is not None:  # "社交网络事业群总裁": 事业群 ends the unit's name, 总裁 is the title
                title_start = inside.end
            gap = title_start
            while simple[gap - 1:gap] == " ":
                gap -= 1
            org_mention = by_end.get(gap) or (by_end.get(gap - 1) if simple[gap - 1:gap] == "的" else None)
            org = organisation(org_mention)
            if org is None and org_mention is None and _corporate(simple[title_start:pos], vocab):
                org = context_org(title_start)  # a bare 总裁 is at the company the article is about
            add(person, title_start, pos, org)
            pos = org_mention.start if org_mention is not None else title_start
            if simple[pos - 1:pos] in ("、", "，", "和", "及") and _chain_ending(simple, pos - 1, vocab) is not None:
                pos -= 1
                continue
            break
        # "汤道生，腾讯高级执行副总裁，在会上表示": an apposition between commas
        apposition = re.match(r"[，,]\s?", simple[person.end:person.end + 2])
        if apposition:
            pos = person.end + apposition.end()
            org_mention = next((m for m in mentions if m.start == pos), None)
            title_from = org_mention.end if org_mention is not None else pos
            title_from += 1 if simple.startswith("的", title_from) else 0
            chain = vocab.title_chain.match(simple, title_from)
            if chain is not None and re.match(r"[，,。；]|(?:在|表示|说|称|指出|认为|透露)", simple[chain.end():chain.end() + 2]):
                org = organisation(org_mention) if org_mention is not None else (
                    context_org(person.start) if _corporate(simple[chain.start():chain.end()], vocab) else None)
                add(person, chain.start(), chain.end(), org)
        # "汤道生是腾讯的高级执行副总裁", "王力担任陌陌首席运营官": the title after the name
        verb = re.match(r"(?:是|担任|出任|现任|曾任|任)", simple[person.end:person.end + 2])
        if verb:
            pos = person.end + verb.end()
            org_mention = next((m for m in mentions if m.start == pos), None)
            title_from = org_mention.end if org_mention is not None else pos
            title_from += 1 if simple.startswith("的", title_from) else 0
            chain = vocab.title_chain.match(simple, title_from)
            if chain is not None:
                org = organisation(org_mention) if org_mention is not None else (
                    context_org(person.start) if _corporate(simple[chain.start():chain.end()], vocab) else None)
                add(person, chain.start(), chain.end(), org)
        bracket = re.match(r"[（(]", simple[person.end:person.end + 1])
        if bracket:
            close = simple.find("）", person.end)
            close = close if close != -1 else simple.find(")", person.end)
            inner_start = person.end + 1
            org_mention = next((m for m in mentions if m.start == inner_start), None)
            title_from = org_mention.end if org_mention is not None else inner_start
            if 0 < close - title_from <= 24 and vocab.title_chain.fullmatch(simple, title_from, close):
                add(person, title_from, close, organisation(org_mention) if org_mention else (
                    context_org(person.start) if _corporate(simple[title_from:close], vocab) else None))
    return roles


def _corporate(titles: str, vocab) -> bool:
    """Whether a bare title is a company's (总裁, CEO, 创始人) rather than one held elsewhere (教授, 分析师, 记者):
    only the first is given the organisation the article is about."""
    return not any(titles.rstrip().endswith(w) for w in vocab.external_titles)


def to_key(title: str) -> str:
    return title.strip().lower()


def _chain_ending(simple: str, pos: int, vocab) -> int | None:
    """Where a chain of titles that ends right at `pos` starts (the longest), or None."""
    for start in range(max(0, pos - 30), pos):
        if vocab.title_chain.fullmatch(simple, start, pos):
            return start
    return None


def _split_titles(simple: str, start: int, end: int, vocab) -> list[tuple[int, int]]:
    """'创始人、董事长兼CEO' -> the spans of 创始人, 董事长 and CEO."""
    parts, pos = [], start
    while pos < end:
        match = vocab.titles.match(simple, pos, end)
        if match is None:
            break
        parts.append((match.start(), match.end()))
        pos = match.end() + (1 if simple[match.end():match.end() + 1] == " " else 0)
        joiner = next((j for j in vocab.joiners if simple.startswith(j, pos)), None)
        if joiner is None:
            break
        pos += len(joiner)
        pos += 1 if simple[pos:pos + 1] == " " else 0
    return parts
