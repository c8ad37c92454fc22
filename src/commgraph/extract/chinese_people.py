"""Quotes and roles of a Chinese article, read from its text and the mentions `chinese.py` found (the figures
are `chinese_facts.py`'s).

Matched on the Simplified form of the text and cut from the original (same offsets), so a Traditional article keeps
its script in quotes and titles. No spaCy here.
"""

from __future__ import annotations

import re
from collections import Counter

from .chinese_text import HAN, Facts, employs_an_outsider
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
            speaker = _speaker_later(simple, persons, match.end(), vocab)
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


def _speaker_later(simple: str, persons: list[Mention], end: int, vocab) -> Mention | None:
    """"“…，”早在去年的业绩说明会上，网易首席财务官杨昭烜就这样介绍", "“…。”这句话，何思远在采访中说了不止一次":
    the first person named later in the quotation's sentence with a speech verb in the words after the name."""
    stop = min([i for i in (simple.find(c, end) for c in "。！？\n“「") if i != -1] + [end + 60])
    for person in (m for m in persons if end <= m.start < stop):
        clause = re.split(r"[，,：:；;]", simple[person.end:min(stop, person.end + 14)], maxsplit=1)[0]
        if vocab.speech.search(clause):
            return person
    return None


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

    # (an organisation named only as an analyst's or a professor's employer is not what the article is about)
    counts = Counter(m.entity for m in mentions if facts.type_of(m.entity) in ("Organization", "Product"))
    outsiders = {m.entity for m in mentions if employs_an_outsider(facts, m)} - {
        m.entity for m in mentions if not employs_an_outsider(facts, m)}
    # (nor an exchange or an outlet: "向港交所递交上市申请" names where the company lists, not whom it employs)
    outlets = facts.rules.news_outlets()
    outsiders |= {k for k in counts if facts.entities[k].name.lower().replace("-", " ") in outlets}
    for key in outsiders:
        del counts[key]

    def context_org(before: int, organisations_only: bool = False) -> str | None:
        """A bare title ("总裁刘炽平") is at the organisation the article is about: the one named most often
        (organisations before products), among those named before; "该行", "该公司" refer to the organisation
        last named."""
        if organisations_only:
            last = [m for m in mentions if m.end <= before and facts.type_of(m.entity) == "Organization"]
            return last[-1].entity if last else None
        earlier = {m.entity for m in mentions if m.end <= before} & set(counts)
        if not earlier:
            return None
        return max(sorted(earlier), key=lambda k: (facts.type_of(k) == "Organization", counts[k]))

    def add(person: Mention, title_start: int, title_end: int, org: str | None, lead: int | None = None) -> None:
        for n, part in enumerate(_split_titles(simple, title_start, title_end, vocab)):
            # a line of business before the first title is part of it ("智慧教育行业负责人", "传媒互联网首席分析师")
            title = text[lead if n == 0 and lead is not None else part[0]:part[1]]
            key = (person.entity, to_key(title), org)
            if key in seen:
                continue
            seen.add(key)
            roles.append(Role(person=person.entity, title=title, organization=org,
                              academic=any(simple[part[0]:part[1]].endswith(a) for a in vocab.academic),
                              sentence=person.sentence, start=min(title_start, person.start),
                              end=max(title_end, person.end), method="zh: title before name"))

    persons = [m for m in mentions if facts.type_of(m.entity) == "Person"]
    titled: dict[int, list[tuple[int, int, str | None, int | None]]] = {}  # titles read before each mention
    left: list[tuple[int, int, str | None]] = []  # titles left (卸任, 不再担任), in text order
    for n, person in enumerate(persons):
        pos = person.start
        previous = persons[n - 1] if n else None
        if previous is not None and simple[previous.end:person.start] in ("和", "、", "与", "及") \
                and _chain_ending(simple, person.start, vocab) is None:
            # "腾讯公司副总裁程武和赖智明": the titles before the first name are the second's too
            for title_start, title_end, org, lead in titled.get(previous.start, []):
                add(person, title_start, title_end, org, lead=lead)
        pending: list[tuple[int, int, int]] = []  # "快手高级副总裁、主站负责人": titles waiting for the organisation
        if simple[pos - 1:pos] in ("的", "，", ",") and re.search(
                r"(?:作为|身为|新任|现任|时任)[^，,。；]{0,16}$", simple[max(0, pos - 24):pos - 1]):
            pos -= 1  # "作为B站的创始人，徐逸", "身为快手CEO的程一笑": the title before 的 or the comma
        if simple[pos - 1:pos] in ("“", "「") and simple[person.end:person.end + 1] in ("”", "」"):
            pos -= 1  # "PTT站长「小胖」说": a name the person goes by, in quotation marks after the title
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
            if org_mention is not None and facts.type_of(org_mention.entity) == "Place" \
                    and organisation(by_end.get(org_mention.start)):
                org_mention = by_end[org_mention.start]  # "LINE台湾总经理陈立人": the organisation's regional head
            lead = None
            if org_mention is None:  # "该行传媒互联网首席分析师林嘉文": a line of business between them
                lead = _descriptor_start(facts, gap, by_end)
                org_mention = by_end.get(lead) if lead is not None else None
            joined = _descriptor_start(facts, gap, by_end, joined=True) if org_mention is None and lead is None else None
            if joined is not None:  # the organisation is the one of the title before the 、
                pending.append((title_start, pos, joined))
                pos = joined - 1
                continue
            org = organisation(org_mention)
            if lead is not None and org_mention is None:
                org = context_org(lead, organisations_only=True)  # 该行, 该公司: the organisation last named
            elif org is None and org_mention is None and _corporate(simple[title_start:pos], vocab):
                org = context_org(title_start)  # a bare 总裁 is at the company the article is about
            add(person, title_start, pos, org, lead=lead)
            titled.setdefault(person.start, []).append((title_start, pos, org, lead))
            for waiting in pending:
                add(person, waiting[0], waiting[1], org, lead=waiting[2])
                titled[person.start].append((waiting[0], waiting[1], org, waiting[2]))
            pending = []
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
        # "汤道生是腾讯的高级执行副总裁", "王力担任陌陌首席运营官": the title after the name; "张楠不再担任这一
        # 职务，改任剪映负责人", "韩尚佑接任抖音CEO，同时兼任抖音电商总裁": a verb of appointment in the clauses
        # after the name, up to the next person named or the sentence's end (the person is their subject)
        # "许晨晔为首席信息官", "张志东目前任腾讯首席技术官", "赖智明作为腾讯集团副总裁"
        direct = re.match(rf"(?:{vocab.adverbs})?(?:是|为|作为|任)", simple[person.end:person.end + 8])
        verbs = [person.end + direct.end()] if direct else []
        limit = min([m.start for m in persons if m.start >= person.end and m.entity != person.entity][:1]
                    + [_sentence_end(simple, person.end)])  # (郄小虎（Tiger）: the same person in brackets)
        speech = vocab.speech.search(simple, person.end, limit)
        if speech is not None and not direct:
            limit = speech.start()  # "张小龙透露，公司正在寻找人选出任CFO": what is reported is no title of his
        at_org: dict[int, Mention] = {}  # "赵斌曾在YY担任首席技术官": the organisation named before the verb
        for v in vocab.appointments.finditer(simple, person.end, limit):
            verbs.append(v.end())
            where = next((m for m in mentions if m.end == v.start() and organisation(m)
                          and simple[m.start - 1:m.start] in ("在", "于")), None)
            if where is not None:
                at_org[v.end()] = where
        queue = sorted(set(verbs))
        while queue:
            pos = queue.pop(0)
            verb_end = pos
            pos += 1 if simple.startswith(("了", "为"), pos) else 0  # "出任了", "升任为"
            org_mention = next((m for m in mentions if m.start == pos and organisation(m)), None)
            owned = re.match(r"旗下的?|", simple[org_mention.end:]) if org_mention is not None else None
            if owned:  # "出任腾讯旗下的富融银行董事长", "平台与内容事业群信息平台与服务线": the company owned, the unit
                org_mention = next((m for m in mentions if m.start == org_mention.end + owned.end()
                                    and organisation(m)), org_mention)
            alias = re.match(r"[（(][^（）()]{1,12}[）)]", simple[org_mention.end:]) if org_mention is not None else None
            reference = None if org_mention else next((r for r in vocab.role_references if simple.startswith(r, pos)), None)
            title_from = org_mention.end + (alias.end() if alias else 0) if org_mention is not None \
                else pos + len(reference or "")  # (the unit's short name in brackets: "服务线（信服线）负责人")
            title_from += 1 if simple.startswith("的", title_from) else 0
            lead = _descriptor_end(facts, title_from, limit) if org_mention is not None or reference else title_from
            chain = vocab.title_chain.match(simple, lead)
            if chain is None and lead != title_from:
                lead, chain = title_from, vocab.title_chain.match(simple, title_from)
            if chain is None or chain.end() > limit or not _title_ends(simple, chain.end()):
                continue
            if org_mention is not None:
                org = organisation(org_mention)
            elif verb_end in at_org:
                org = organisation(at_org[verb_end])
            elif reference or _corporate(simple[chain.start():chain.end()], vocab):
                org = context_org(pos, organisations_only=bool(reference))
            else:
                org = None
            add(person, chain.start(), chain.end(), org, lead=title_from if lead != title_from else None)
            if re.search(f"(?:{'|'.join(map(re.escape, vocab.leaving))})$", simple[:verb_end]) if vocab.leaving else False:
                left.append((chain.start(), chain.end(), org))  # a title left: its successor may follow
            # "兼任腾讯集团副总裁、阅文集团CEO以及腾讯影业CEO": titles at further organisations, joined
            joiner = re.match(r"、|以及|及|和|与", simple[chain.end():chain.end() + 2])
            if joiner and any(m.start == chain.end() + joiner.end() and organisation(m) for m in mentions):
                queue.insert(0, chain.end() + joiner.end())
        # "张一鸣已于去年卸任CEO，由联合创始人梁汝波接任": the successor takes the title left in the sentence
        successor = re.match(r"(?:接任|接替)(?:其职务|该职务|此职)?(?=[，,。；;]|$)", simple[person.end:person.end + 8])
        if successor and left and left[-1][1] <= person.start \
                and _sentence_end(simple, left[-1][1]) >= person.end:
            add(person, left[-1][0], left[-1][1], left[-1][2])
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
    # "这位1989年出生的创业者，是兴趣社区App“同频”的创始人兼CEO", "他是快手的联合创始人": a sentence that refers
    # to the person last named (他 / 她 / 这位…) and gives the title with the organisation after 是 / 担任
    pronouns = "|".join(sorted(vocab.pronouns))
    for match in re.finditer(rf"(?:^|(?<=[。！？\n]))(?:{pronouns}|这位[^，。；！？]{{0,24}}?)[，,]?(?:{vocab.adverbs})?"
                             rf"(?:是|担任|出任|现任)", simple) if pronouns else ():
        person = next((m for m in reversed(persons) if m.end <= match.start()), None)
        org_mention = next((m for m in mentions if match.end() <= m.start < match.end() + 16 and organisation(m)), None)
        if person is None or org_mention is None:
            continue
        title_from = org_mention.end + (1 if simple[org_mention.end:org_mention.end + 1] in ("”", "」") else 0)
        title_from += 1 if simple.startswith("的", title_from) else 0
        chain = vocab.title_chain.match(simple, title_from)
        if chain is not None and _title_ends(simple, chain.end()):
            add(person, chain.start(), chain.end(), organisation(org_mention))
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


def _sentence_end(simple: str, pos: int) -> int:
    """Where the sentence (or the clause list before a semicolon) holding `pos` ends."""
    ends = [i for i in (simple.find(c, pos) for c in "。！？；;\n") if i != -1]
    return min(ends, default=len(simple))


def _descriptor_end(facts: Facts, pos: int, limit: int) -> int:
    """Where a line of business that follows an organisation and stands before a title ends ("抖音|产品研发|负责人",
    "云与智慧产业事业群|智慧教育行业|负责人"): nouns only (jieba's tags), at most 8 characters; `pos` if none."""
    i = _token_index(facts)[0].get(pos)
    if i is None:
        return pos
    end = pos
    while i < len(facts.tokens) and facts.tokens[i][1] - pos <= 8 and facts.tokens[i][1] <= limit:
        start, stop, tag = facts.tokens[i]
        if facts.vocab.titles.match(facts.simple, start) or not _descriptive(tag, stop - start):
            break
        end = stop
        i += 1
    return end if end - pos >= 2 and facts.vocab.titles.match(facts.simple, end) else pos


def _title_ends(simple: str, pos: int) -> bool:
    """Whether a title read after a verb ends there, not inside a longer word ("负责人" of "负责人员")."""
    return not re.match(f"[{HAN}A-Za-z]", simple[pos:pos + 1]) or simple.startswith(
        ("一职", "职务", "职位", "之一", "兼", "并", "同时", "向", "的职", "及", "以及", "和", "与"), pos)


def _descriptor_start(facts: Facts, gap: int, by_end: dict[int, Mention], joined: bool = False) -> int | None:
    """Where a line of business before a title starts when an organisation, or a word referring to one, stands
    right before it ("该行|传媒互联网|首席分析师"), or (`joined`) another title and 、 ("快手高级副总裁、|主站|
    负责人"): nouns only (jieba's tags), 2 to 8 characters; else None."""
    simple, tokens = facts.simple, facts.tokens
    j = _token_index(facts)[1].get(gap)
    while j is not None and j >= 0 and gap - tokens[j][0] <= 8:
        start, stop, tag = tokens[j]
        if not _descriptive(tag, stop - start) or facts.vocab.titles.match(simple, start):
            return None
        anchor = by_end.get(start)
        if joined:
            if gap - start >= 2 and simple[start - 1:start] == "、" and _chain_ending(simple, start - 1, facts.vocab):
                return start
        elif gap - start >= 2 and (anchor is not None and facts.type_of(anchor.entity) in ("Organization", "Product")
                                   or simple[:start].endswith(facts.vocab.role_references)):
            return start
        j -= 1
    return None


def _descriptive(tag: str, length: int) -> bool:
    """Whether a token may be part of a line of business: a noun, or a single character of a word jieba does not
    know (cut without its HMM: "主 / 站"), but never a preposition, conjunction, particle, adverb or pronoun."""
    return tag.startswith("n") or tag in ("vn", "j", "b") or (length == 1 and tag[:1] not in ("p", "c", "u", "d", "r", "x"))


def _token_index(facts: Facts) -> tuple[dict[int, int], dict[int, int]]:
    """The token starting and the token ending at each offset, made once per article (a scan per title was
    quadratic in long articles)."""
    cached = getattr(facts, "_token_index", None)
    if cached is None:
        cached = ({t[0]: i for i, t in enumerate(facts.tokens)}, {t[1]: i for i, t in enumerate(facts.tokens)})
        facts._token_index = cached  # type: ignore[attr-defined]
    return cached
