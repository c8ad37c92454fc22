"""Roles: person -> title -> organisation, from the words around a person's name.

Two shapes cover what news articles write: titles before the name ("Weibo CEO Wang Gaofei", "Chairman and CEO
Tang Yan", "Its founder and chief executive, Han Kun,") and an apposition after it ("Rui Chen, chairman of the
board and chief executive officer of Bilibili,", "Wen Yajuan, a spokeswoman for Momo,", "Wang, who is also the
chief operating officer,"). Joined titles become one role each; an organisation at the end of the phrase belongs
to every title before it that has none; "its" / "the company" are resolved; a corporate title with no
organisation anywhere belongs to the company the article is about.
"""

from __future__ import annotations

import re
from typing import Callable

from .figures import MODIFIER_SUFFIX
from .model import Mention, Role
from .rules import Rules, pattern

# Words that end a title search to the left of a name.
_STOP_WORDS = {"or", "as", "well", "with", "by", "to", "said", "says", "that", "when", "while", "including",
               "is", "was", "are", "were", "in", "at", "on", "from", "like", "such", "told", "tells", "met", "than",
               "if", "because", "but", "whom", "who", "where", "after", "before", "since", "for", "also", "then",
               "we", "i", "you", "they", "he", "she", "it", "our", "my", "your", "not"}
_ARTICLES = {"the", "a", "an"}
_REFERENCES = {"its", "their", "his", "her", "the company's", "the firm's", "the group's", "the platform's"}
# A title's own "of" phrase, kept in the title: "chairman of the board", "head of the creator programme"
_OWN_OF = re.compile(r"^(?:the\s+)?(?:board(?: of directors)?|[a-z][a-z -]{2,40})$")
# Titles whose holder speaks for the company the article is about when no organisation is named.
_CORPORATE = ("ceo", "cfo", "coo", "cto", "chief", "chairman", "chairwoman", "president", "founder", "co-founder",
              "cofounder", "spokesperson", "spokesman", "spokeswoman", "director", "vice president", "officer",
              "executive", "partner", "head", "general manager", "manager", "secretary")

_FOUNDED_BY = re.compile(r"\b(co-?)?founded\s+(?:in\s+\d{4}\s+)?by\s+")
_BROKER_HEAD = re.compile(r"\s*(?:[-*•]\s*)?(?P<org>[A-Z][^\n:]{1,40}?)\s*:\s*")
# "Chew spent almost six years at the phone maker Xiaomi, where he was chief financial officer and ..."
_WHERE_HE_WAS = re.compile(r"[^.;:\n]{0,90}?\bat\s+[^.;:,\n]{1,60},\s+where\s+(?:he|she)\s+(?:was|served as|worked as)\s+"
                           r"(?:an?\s+|the\s+)?(?P<titles>[a-z][^.;:\n]{2,90}?)(?=[.;:\n]|,\s|$)")
_LEGAL_FORM = re.compile(r"\s+(?:Inc|Ltd|Corp|Co|Group|Holdings|Limited|Plc|LLC)\.?\s+")
# Government offices: with no organisation named, they belong to no company ("then-president Donald Trump").
_PUBLIC_OFFICES = {"premier", "vice premier", "prime minister", "minister", "governor", "mayor", "senator",
                   "ambassador", "president"}
# Words that name a part of a company inside a title run ("business group president", "division head").
_UNITS = {"group", "division", "department", "unit", "bureau"}
_PRONOUNS = {"he", "she", "him", "her"}
# ", chairman and chief executive officer" after an apposition's first title: more titles of the same person
_MORE_TITLES = re.compile(r",\s*((?:[a-z][a-z -]{1,40},\s*)*[a-z][a-z -]{1,40}?,?\s+and\s+[a-z][a-z -]{1,40}?)(?=[,.;]|$)")
# "Its founder and chief executive, Han Kun,", "Tencent's vice president, ...": an owner, titles, a comma, the name
_OWNER_TITLES = re.compile(r"(?:^|[.;:!?\"“”(\n]\s*|(?<=\s)(?=(?i:its|their|our|the company['’]s|the firm['’]s)\s)|"
                           r"(?<=[a-z]\s)(?=[A-Z][\w.&-]*['’]s\s))"
                           r"((?:(?i:its|their|our|the company['’]s|the firm['’]s)|[A-Z][\w.&-]*(?:\s+"
                           r"[A-Z][\w.&-]*){0,4}['’]s)\s+(?:(?:[A-Z][a-z]+\s+)?[a-z][\w -]{1,80}|"
                           r"[A-Z][A-Za-z -]{1,80}(?<![\s-]))),\s*$")  # "our President, Martin Lau"
# " — JPMorgan Chase & Co. — Analyst" / " - Chief Financial Officer" after a name that opens its line
_DASHED_LINE = re.compile(r"[ \t]+[—–-][ \t]+(?:(?P<org>[^\n—–]{2,60}?)[ \t]+[—–-][ \t]+)?(?P<title>[A-Za-z][^\n—–:]{1,90}?)"
                          r"[ \t]*(?=\n|$|:\s)")  # ... or a transcript's turn: "James Mitchell - Chief Strategy Officer: In ..."
# "as the company took on ...", "as it grew": 'as' before a clause's subject and its verb
_AS_CONJUNCTION = re.compile(r"(?:(?:the\s+)?[a-z-]+\s+|it\s+|they\s+|he\s+|she\s+|we\s+)(?:took|takes|take|was|were|is|"
                             r"are|has|had|have|will|would|did|does|grew|grows|began|begins|became|becomes)\b")
# A place made a modifier: "Hong Kong-based", "Shenzhen-listed", "Beijing-born"
_BASED = re.compile(r"(?:[A-Z][\w.]*\s+){0,3}[A-Z][\w.]*-(?:based|listed|born|headquartered|registered)\s")
_TO_THE_POST = re.compile(r"\bto\s+the\s+(?:post|position|role|job|rank)\s+of\s+(?:an?\s+|the\s+)?")
# The end of a sentence or clause: not the full stop of "Mr." or "Inc."
_CLAUSE_END = re.compile(r"(?<!\bMr)(?<!\bMs)(?<!\bMrs)(?<!\bDr)(?<!\bInc)(?<!\bCo)(?<!\bLtd)(?<!\bCorp)\.\s|\n|;\s")
# "as" before a title: "joined Tencent in 2005 as a product manager", "keeps his job as chairman of Fusion Bank"; and
# a later verb phrase of the same subject: "went on to serve as CFO, became president in 2005 and ..."
_AS = re.compile(r"\bas\s+(?:an?\s+|the\s+)?(?=[A-Za-z])|(?:,\s*(?:and\s+)?|\s+and\s+)(?:later\s+|then\s+|"
                 r"eventually\s+)?(?:became|was named|was appointed|was promoted to|rose to become)\s+(?:an?\s+|the\s+)?"
                 r"(?=[A-Za-z])")
# Where a title phrase after a verb ends.
_TITLE_CUT = re.compile(r"[,;:)\"“”\n]|\.(?=\s|$)|\s(?:with|since|after|before|until|when|in \d{4}|from|replacing|who|which|under|"
                        r"and is|and (?:will|would|was|has|had|takes?|took|then|also|still|now)|but|while|effective|"
                        r"on [A-Z]|(?:last|this|next) (?:week|month|year)|to (?!the\b)[a-z]+)\b")

Found = tuple[list[tuple[str, str | None]], int, int, str]  # [(title, org)], start, end, method
# "Ma Jing is vice president of finance", "Lin Songtao was then named Huya's chairman", "became chief executive"
_COPULA = re.compile(r"\s+(?:"
                     # "is giving up the post of chief technology officer", "resigned from his position as CFO"
                     r"(?:(?:is|was|will\s+be)\s+)?(?:giving|gave|gives?|resigning|resigned|resigns?|leaving|left|"
                     r"leaves|quitting|quits?|stepping\s+down|stepped\s+down|steps?\s+down|relinquish(?:ed|es|ing)?)"
                     r"\s+(?:up\s+|from\s+)?(?:the|his|her|their)\s+(?:post|position|role|job|seat)\s+(?:of|as)|"
                     r"is|was|remains|has been|had been|will be|became|becomes|will become|"
                     r"(?:was|is|has been|had been|have been)\s+(?:then\s+|also\s+|later\s+)?(?:named|appointed|promoted to|"
                     r"made|elected)(?:\s+as)?|was\s+then|is\s+now|was\s+once|is\s+also|was\s+also|"
                     # "will stay on as chairman", "takes over as chief executive", "is stepping down as ..."
                     r"(?:will\s+)?(?:stays?|stayed|remains?|remained|stay|remain)(?:\s+on)?\s+as|"
                     r"(?:will\s+)?(?:takes?|took|take)\s+over\s+as|"
                     # "with Cussion Pang moving over to executive chairman"
                     r"(?:is\s+|will\s+be\s+)?(?:moving|moves|moved|move)\s+(?:over\s+|up\s+)?to(?:\s+the\s+"
                     r"(?:role|post|position|job)\s+of)?|(?:is|was)\s+stepping\s+down\s+as|"
                     r"(?:steps?|stepped)\s+down\s+as|(?:will\s+)?(?:serves?|served|serve)\s+as|(?:is|was)\s+appointed\s+as)\s+"
                     r"(?:(?:then|also|now|once|previously|formerly)\s+)?(?:an?\s+|the\s+)?(?=[A-Za-z])")


# "a singer, actress and designer": titles in a list after a copula
_TITLE_LIST = re.compile(r"[a-z-]+(?:\s[a-z-]+){0,2}(?:,\s[a-z-]+(?:\s[a-z-]+){0,2})+,?\sand\s[a-z-]+(?:\s[a-z-]+){0,2}"
                         r"(?=[.,;]|$)")
_BECOME_PLURAL = re.compile(r"\s(?:become|became|are|were|will become|will be|were named|have been named|"
                            r"were appointed|are appointed)\s+(?:the\s+|joint\s+)?"
                            r"(?P<title>(?:[a-z-]+\s+){0,3}[a-z-]+s)(?=[\s,.;]|$)")
_FOUNDERS_ARE = re.compile(r"(?P<owner>\b(?:[Ii]ts|[Tt]heir|(?:The\s+)?[A-Z][\w.&-]*(?:\s[A-Z][\w.&-]*){0,2}['’]s))\s+"
                           r"(?P<role>co-?founders|founders)\s+(?:are|were|include|included)\s+")
_FOUNDED = re.compile(r"\s+(?:has\s+|had\s+)?(co-?)?founded\s+(?:the\s+)?(?=[A-Z]|(?P<noun>company|firm|site|app|"
                      r"platform|service|startup|start-up)\b)")
# "Li Ni joined Bilibili in 2014, and she ...": one clause about the person, then a second whose subject is a pronoun
_AND_HE = re.compile(r"[^.;:\n\"“”]{0,120}?,?\s+and\s+(?:he|she)\s")


def extract_roles(text: str, mentions: list[Mention], entity_type: Callable[[str], str], rules: Rules,
                  sentence_of: Callable[[int], int], refer: Callable[[int, str], str | None] | None = None,
                  subjects: list[tuple[int, int, str] | None] = ()) -> list[Role]:
    """Every (person, title, organisation) the article states."""
    finder = _RoleFinder(text, mentions, entity_type, rules, refer or (lambda pos, w: None))
    roles: list[Role] = []
    seen: set[tuple[str, str, str | None]] = set()
    described = finder.described(subjects, sentence_of)
    named = [m for m in mentions if entity_type(m.entity) == "Person"]
    # "he became its first vice president", "named him head of Tencent News": a pronoun is the person it stands for
    # in the clauses that follow a name (a copula, "as", an appointment), never in the shapes around a name
    pronouns = finder.pronouns(sentence_of)
    for mention in sorted(named + pronouns, key=lambda m: m.start):
        if mention.text.lower() in _PRONOUNS:
            # with no organisation named or referred to, a pronoun's title is not given the topic: measured on the
            # tune set, most such were another company's ("he had been a partner in the law firm's office")
            candidates = tuple((([(t, o) for t, o in found[0] if o], *found[1:]) if found else None)
                               for found in (finder.after(mention, pronoun=True), finder.as_title(mention),
                                             finder.appointed(mention), finder.founder_of(mention))) \
                + (finder.as_opening(mention),)  # "As technology chief he was ...": he is the sentence's subject
        else:
            candidates = (finder.before(mention), finder.after(mention), described.get(id(mention)),
                          finder.broker_line(mention), finder.founded_by(mention), finder.conjoined(mention),
                          finder.listed_under(mention), finder.founder_of(mention), finder.founders_are(mention),
                          finder.joined_become(mention), finder.as_title(mention), finder.appointed(mention),
                          finder.as_opening(mention), finder.dashed_line(mention))
        for found in candidates:
            if found is None:
                continue
            pairs, start, end, method = found
            for title, org in pairs:
                head = title.lower().split(" of ")[0].split()[-1]  # "vice president of copyrights" -> president
                if org is None and _public_office(title, text, start, mention.start):
                    how, confidence = method, 0.7
                elif org is None and head in _CORPORATE and not _is_academic(title, rules) \
                        and (sole := finder.sole_employer_before(start)) is not None:
                    # "e-commerce giant JD.com said that billionaire CEO Richard Liu would ...": the one company
                    # the sentence names before the title
                    org, how, confidence = sole, f"{method}; organisation: the one the sentence names before", 0.6
                elif org is None and head in _CORPORATE and not _is_academic(title, rules):
                    org = refer(mention.start, "<topic:employer>") if refer else None
                    how = f"{method}; organisation: the article's topic"
                    confidence = 0.6
                else:
                    how, confidence = method, 0.85 if org else 0.7
                key = (mention.entity, title.lower(), org)
                if key in seen:
                    continue
                seen.add(key)
                roles.append(Role(person=mention.entity, title=title, organization=org or None,
                                  academic=_is_academic(title, rules), sentence=sentence_of(mention.start),
                                  start=start, end=end, method=how, confidence=confidence))
    return roles + _replaced(text, roles, named, rules)


def _replaced(text: str, roles: list[Role], people: list[Mention], rules: Rules) -> list[Role]:
    """'Lin Songtao was named Huya's chairman, replacing Huang Lingdong', 'Li Wang will succeed Yan Tang as chief
    executive': the person replaced held the title the subject takes in that clause."""
    verbs = "|".join(re.escape(v) for v in sorted(rules.words("roles", "replacing_verbs"), key=len, reverse=True))
    out: list[Role] = []
    held = {(r.person, r.title.lower(), r.organization) for r in roles}
    for verb in re.finditer(rf"\b(?:{verbs})\s+(?:Mr\.?\s+|Ms\.?\s+)?", text):
        target = next((p for p in people if p.start == verb.end()), None)
        if target is None:
            continue
        # the subject's roles in the sentence: the one whose phrase holds the verb ("succeed Y as CEO"), else the
        # one that ends nearest before it ("named Huya's chairman with immediate effect, replacing Y")
        mine = [r for r in roles if r.sentence == target.sentence and r.person != target.entity and r.start < verb.start()]
        around = [r for r in mine if r.end > verb.start()]
        before = [r for r in mine if r.end <= verb.start()]
        if not around and before:
            last = max(r.end for r in before)
            around = [r for r in before if r.end == last]
        for r in around:
            if re.search(r"\balso\b", text[r.start:r.end]):
                continue  # "Chao, who is also the portal's president, replaces Wang Yan": a post held besides
            key = (target.entity, r.title.lower(), r.organization)
            if key in held:
                continue
            held.add(key)
            out.append(Role(person=target.entity, title=r.title, organization=r.organization, academic=r.academic,
                            sentence=r.sentence, start=verb.start(), end=target.end,
                            method="words: the person replaced held the title", confidence=0.6))
    return out


def _public_office(title: str, text: str, start: int, name_start: int) -> bool:
    """'President Xi Jinping', 'then-president Donald Trump', 'a former vice premier, Zhang Gaoli': a public
    office written before the name, capitalised inside a sentence or marked as past."""
    title = title.lower()
    if title not in _PUBLIC_OFFICES:
        return False
    if title != "president":
        return True
    before = text[max(0, start - 6):start].lower()
    written = text[start:name_start]
    return "then-" in text[max(0, start - 5):start + 5].lower() or before.rstrip().endswith("former") or (
        written[:1].isupper() and start > 0 and text[start - 2:start].strip() not in (".", "") and "," not in written)


def _is_academic(title: str, rules: Rules) -> bool:
    return any(title.lower().endswith(t) for t in rules.academic_titles)


class _RoleFinder:
    def __init__(self, text: str, mentions: list[Mention], entity_type, rules: Rules, refer) -> None:
        self.text = text
        self.rules = rules
        self.refer = refer
        # a product's name can stand for the company that runs it ("Weibo CEO Wang Gaofei")
        # ... but not a name used as a modifier ("chief executive of TikTok-owner ByteDance")
        self.employers = sorted((m for m in mentions if entity_type(m.entity) in ("Organization", "Product")
                                 and not MODIFIER_SUFFIX.match(text, m.end)), key=lambda m: m.start)
        self.entity_type = entity_type
        self.people = sorted((m for m in mentions if entity_type(m.entity) == "Person"), key=lambda m: m.start)
        self.heads = rules.title_heads
        # "the company", "the Shenzhen-listed developer", "the app": nouns that stand for an organisation named before
        self.org_nouns = "|".join(re.escape(n) for n in sorted(rules.words("reference_nouns", "company")
                                                              | rules.words("reference_nouns", "platform")))
        self.modifiers = rules.words("titles", "modifiers")
        self.appointing = re.compile(r"\b(?:%s)\s+$" % "|".join(
            re.escape(w) for w in sorted(rules.words("roles", "appointing_verbs"))))

    # -- titles -------------------------------------------------------------------------------------------------

    def _is_title(self, words: list[str]) -> bool:
        if not words:
            return False
        last = words[-1].lower().strip(",")
        # "vice-president", "vice-chairwoman": a hyphenated title is its words
        return last in self.heads or " ".join(w.lower() for w in words[-2:]) in self.heads \
            or "-" in last and (last.replace("-", " ") in self.heads or last.rsplit("-", 1)[-1] in self.heads)

    def _org_in(self, start: int, end: int) -> str | None:
        return next((m.entity for m in self.employers if start <= m.start and m.end <= end), None)

    def _org_reference(self, phrase: str, pos: int) -> str | None:
        """'the internet group', 'the company', 'its' -> the entity they stand for."""
        phrase = phrase.lower().strip()
        if phrase in ("its", "their"):
            return self.refer(pos, phrase)
        match = re.fullmatch(rf"the (?:[a-z-]+ ){{0,2}}({self.org_nouns})", phrase)
        if match and match.group(1) == "business" and phrase != "the business":
            return None  # "head of the live-streaming business": a unit, part of the title
        if match and match.group(1) in ("firm", "company", "group"):
            # "Hans Tung, a managing partner at GGV Capital, and Zara Zhang, an analyst at the firm": the firm
            # named last in the sentence
            opening = self._sentence_start(pos)
            named = [m for m in self.employers if opening <= m.start and m.end <= pos]
            if named and self.entity_type(named[-1].entity) == "Organization":
                return named[-1].entity
            # no firm named in the sentence: the company the article is about, not the one named last before it
            # ("Tencent is its largest shareholder. - Su, a director and the company's chief strategy officer")
            return self.refer(pos, "<topic:employer>") or self.refer(pos, "the company")
        return self.refer(pos, f"the {match.group(1)}") or self.refer(pos, "the company") if match else None

    def _split_titles(self, phrase: str, base: int) -> list[tuple[str, str | None]]:
        """'chairman of the board and chief executive officer of YY' -> [(chairman of the board, YY),
        (chief executive officer, YY)]: each conjunct with its own organisation, else the last one named."""
        # an '&' or 'and' inside a name ('Frost & Sullivan', 'Johnson and Johnson') joins no titles
        masked = phrase
        for m in self.employers:
            if base <= m.start and m.end <= base + len(phrase):
                masked = masked[:m.start - base] + re.sub(r"[&,]|\band\b", lambda x: "_" * len(x.group(0)),
                                                          masked[m.start - base:m.end - base]) + masked[m.end - base:]
        cuts = [0] + [i for match in re.finditer(r"\s*(?:,\s*and\s+|\s+and\s+|&|,\s*)\s*", masked)
                      for i in match.span()] + [len(phrase)]
        parts = [phrase[cuts[i]:cuts[i + 1]] for i in range(0, len(cuts), 2)]
        out: list[tuple[str, str | None]] = []
        offset = 0
        for part in parts:
            at = phrase.find(part, offset)
            offset = at + len(part)
            title, org = self._title_and_org(part, base + max(at, 0))
            if title:
                out.append((title, org))
        if not out:
            return []
        last_org = next((org for _, org in reversed(out) if org), None)
        return [(t, last_org if o is None else o) for t, o in out]

    def _title_and_org(self, part: str, base: int) -> tuple[str | None, str | None]:
        """One conjunct: '[Org['s]] title [of|at|for|with [the] Org | of own phrase]'."""
        words = [(m.group(0).strip(",").rstrip("."), base + m.start(), base + m.end()) for m in re.finditer(r"\S+", part)]
        # "a 27-year-old accountant", "company spokeswoman": age and the generic employer word are not the title
        words = [w for w in words if w[0] and not re.fullmatch(r"\d+-year-old|former|then|then-|longtime|long-time|veteran|"
                                                               r"fellow|current|incumbent|outgoing", w[0].lower())]
        words = [(w[0][5:], w[1] + 5, w[2]) if w[0].lower().startswith("then-") else w for w in words]
        lead_org = None
        while len(words) > 1:
            first = words[0][0].lower()
            bare = first.removesuffix("'s").removesuffix("’s")
            if first in ("its", "their"):
                lead_org = self.refer(words[0][1], first)  # "its co-founder and CEO"
            elif first == "group":
                break  # "group president", "group chief executive": a title of its own
            elif bare in ("company", "group", "firm", "platform"):
                if bare != first and lead_org is None:  # "the company's chief strategy officer"
                    lead_org = self._org_reference(f"the {bare}", words[0][1])
            elif bare != first and self.refer(words[0][1], f"the {bare}") is not None:
                lead_org = lead_org or self.refer(words[0][1], f"the {bare}")  # "the show's director"
            elif first not in _ARTICLES:
                break
            words = words[1:]
        if words:
            employer = next((m for m in self.employers if m.start <= words[0][1] < m.end), None)
            if employer is not None and lead_org is None:
                lead_org = employer.entity
                words = [w for w in words if w[1] >= employer.end]
                if words and words[0][0].lower() in ("'s", "’s"):
                    words = words[1:]
        org = None
        for i in range(len(words) - 1, 0, -1):  # the last preposition whose object is an organisation
            if words[i][0].lower() in ("of", "at", "for", "with", "in") and i + 1 < len(words):
                target = " ".join(w[0] for w in words[i + 1:])
                org = self._org_in(words[i + 1][1], words[-1][2]) or self._org_reference(target, words[i][1])
                if org is not None:
                    words = words[:i]
                    break
        if org is None:
            prep = next((i for i, w in enumerate(words) if i and w[0].lower() in ("of", "at", "for", "with", "in")), None)
            if prep is not None:
                target = " ".join(w[0] for w in words[prep + 1:])
                # "chairman of his Shanghai-based e-commerce firm", "of an upstart company": an organisation the
                # article does not name, so not the one it is about ("" = named elsewhere, not resolved)
                unnamed = re.fullmatch(rf"(?:an?|his|her|their|one|another)\s(?:[\w-]+\s){{0,4}}(?:{self.org_nouns})",
                                       target.lower())
                own_of = not unnamed and words[prep][0].lower() == "of" and _OWN_OF.match(target.lower()) and (
                    not any(c.isupper() for c in target)
                    or all(w.lower() in self.modifiers for w in target.split()))  # "Vice President of Finance"
                if unnamed:
                    words, org = words[:prep], ""
                elif not own_of:
                    words = words[:prep]
                elif not self._is_title([w[0] for w in words[:prep]]):
                    return None, None
                else:
                    return _normal_title(" ".join(w[0] for w in words)), lead_org
        plain = [w[0] for w in words]
        head_part = plain[:plain.index("of")] if "of" in plain[1:] else plain
        if not self._is_title(head_part):
            return None, None
        # the title is the run of title words that ends at its head: "is its chairman" -> "chairman" (its ->
        # the organisation), "joined founder" -> "founder", "same evening Smartisan founder" -> "founder"
        keep = len(head_part)
        while keep > 0 and self._is_title_word(head_part[keep - 1]):
            keep -= 1
        for word, start, _ in words[:keep]:
            if word.lower() in ("its", "their") and lead_org is None:
                lead_org = self.refer(start, word.lower())
        if keep and lead_org is None:  # "On the same evening Smartisan founder": the name just before the title
            run_start = words[keep][1] if keep < len(words) else words[-1][2]
            # "Pinduoduo Inc. founder Colin Huang": a legal form may stand between the name and the title
            lead_org = next((m.entity for m in self.employers if m.start >= base and (0 <= run_start - m.end <= 4 or
                             _LEGAL_FORM.fullmatch(self.text, m.end, run_start))), None)
        plain = plain[keep:]
        # "social network business group president": the unit names where the president works, the title is
        # what follows it
        units = [i for i, w in enumerate(plain[:-1]) if w.lower() in _UNITS and i > 0]  # "group president" stays
        if units and "of" not in plain:
            plain = plain[units[-1] + 1:]
        if not plain:
            return None, None
        # the title's own organisation, else the one before it; an unnamed one ("") only when there is none before
        return _normal_title(" ".join(plain)), org or lead_org or org

    def _is_title_word(self, word: str) -> bool:
        word = word.lower().removesuffix("'s").removesuffix("’s")
        return word in self.heads or word in self.modifiers or any(
            word in h.split() for h in self.heads) or all(part in self.modifiers | self.heads
                                                        for part in word.split("-") if part)

    # -- founded by ------------------------------------------------------------------------------------------------

    def founded_by(self, mention: Mention) -> Found | None:
        """'RedNote was co-founded in 2013 by Miranda Qu, now its president, and Charlwin Mao': each person after
        'founded by' founded the organisation the sentence opens with."""
        sentence_start = self._sentence_start(mention.start)
        match = _FOUNDED_BY.search(self.text, sentence_start, mention.start)
        if match is None or re.search(r"[.;]", self.text[match.end():mention.start]):
            return None
        between = self.text[match.end():mention.start]
        if between.strip() and not re.search(r"\band\s*$", between):
            return None  # only the names the phrase lists: "by X" or "... and Y"
        org = next((m.entity for m in self.employers if sentence_start <= m.start < match.start()), None)
        if org is None:
            return None
        title = "co-founder" if match.group(1) else "founder"
        return [(title, org)], match.start(), mention.end, "words: founded by"

    # -- a broker's line in a round-up ----------------------------------------------------------------------------

    def broker_line(self, mention: Mention) -> Found | None:
        """'- Mizuho: James Lee keeps a Buy rating ...': a line that opens with an organisation and a colon, then
        names a person who rates or sets a target, makes that person the organisation's analyst."""
        line_start = self.text.rfind("\n", 0, mention.start) + 1
        head = _BROKER_HEAD.fullmatch(self.text, line_start, mention.start)
        if head is None:
            return None
        org = next((m.entity for m in self.employers if head.start("org") <= m.start and m.end <= head.end("org")),
                   None)
        line_end = self.text.find("\n", mention.end)
        line = self.text[mention.end:line_end if line_end != -1 else len(self.text)].lower()
        if org is None or not any(pattern(rf"\b{re.escape(w)}\b").search(line)
                                  for w in self.rules.words("roles", "analyst_cues")):
            return None
        return [("analyst", org)], line_start, mention.end, "words: a broker's line in a round-up"

    # -- in the sentence next to the name ------------------------------------------------------------------------

    def described(self, subjects: list[tuple[int, int, str] | None], sentence_of) -> dict[int, Found]:
        """'When Allen Zhang talks, China listens. The founder and president of WeChat opened ...': a subject that
        is only titles describes the one person the sentence before names ('Bilibili turned 13, and its chairman
        and chief executive used the day ... Chen Rui told ...': or the person who opens the sentence after)."""
        people: dict[int, list[Mention]] = {}
        for m in self.people:
            people.setdefault(m.sentence, []).append(m)
        out: dict[int, Found] = {}
        for index, subject in enumerate(subjects):
            if subject is None:
                continue
            start, end, phrase = subject
            # "The founder and president of WeChat", "Its chairman", "Baidu's founder, chairman and CEO"
            lead = re.match(r"(?:the|its|their|[A-Z][\w.&-]*['’]s)\s+", phrase, re.IGNORECASE)
            if not lead or index in people and any(start <= m.start < end for m in people[index]):
                continue
            before = {m.entity for m in people.get(index - 1, [])}
            after = [m for m in people.get(index + 1, []) if m.start - self._sentence_start(m.start) < 3]
            if len(before) == 1:
                target = people[index - 1][-1]
            elif not before and after and not people.get(index):
                target = after[0]
            elif not before and not people.get(index) and (len(phrase.split()) >= 4 or self._org_in(start, end)):
                # "... As technology chief he was responsible for ... The former Tencent engineer built ...": the
                # person the sentences before are about, as 'he' would be; a bare "The executive said" describes
                # no one (measured: 2 of 3 such were false)
                key = self.refer(start, "he")
                target = next((m for m in reversed(self.people) if m.entity == key and m.end <= start), None)
                if target is None:
                    continue
            else:
                continue
            rest = phrase[lead.end():] if lead.group(0).lower().startswith("the") else phrase
            pairs = [(t, o) for t, o in self._split_titles(rest, start + len(phrase) - len(rest))
                     if t.split(" of ")[0].split()[-1].lower() in self.heads]
            if pairs and len(rest.split()) <= 12:
                out[id(target)] = (pairs, start, end, "words: a title in the next sentence describes the name")
        return out

    def _sentence_start(self, pos: int) -> int:
        return max(self.text.rfind(". ", 0, pos) + 2, self.text.rfind("\n", 0, pos) + 1, 0)

    # -- before the name ----------------------------------------------------------------------------------------

    def before(self, mention: Mention) -> Found | None:
        """'[Org['s]] title [and title] Name' and 'Its founder and chief executive, Name'."""
        left = self.text[max(0, mention.start - 160):mention.start]
        comma = _OWNER_TITLES.search(left)
        while comma and re.search(r"\s(?:its|their)\s", comma.group(1)):
            # "since its launch in 2012 comes ... after its chief financial officer, Shouzi Chew": the last owner
            comma = _OWNER_TITLES.search(left, comma.start(1) + re.search(r"\s(?:its|their)\s", comma.group(1)).start() + 1)
        if comma and not re.search(r"\b(?:said|says|told)\b", comma.group(1)):
            phrase = comma.group(1)
            start = mention.start - len(left) + comma.start(1)
            owner = re.match(r"(its|their|our|the company['’]s|the firm['’]s)\s+", phrase, re.IGNORECASE)
            org = None
            if owner:  # "its" / "the company's" -> the entity it stands for; "our President, Martin Lau" -> ours
                word = re.sub(r"['’]s$", "", owner.group(1).lower())
                org = self.refer(start, "our") if word == "our" else self._org_reference(word, start)
                phrase_rest, rest_start = phrase[owner.end():], start + owner.end()
            else:
                phrase_rest, rest_start = phrase, start
            pairs = self._split_titles(phrase_rest, rest_start)
            if pairs:
                return [(t, _or(o, org)) for t, o in pairs], start, mention.end, "words: titles before the name, comma"
        # "The founder and chief executive of Momo, Tang Yan, said": a title phrase, a comma, then the name
        appositive = re.search(r"(?:^|[.;:!?\"“”(\n]\s*|,\s+)((?i:the\s+|a\s+|an\s+)?[a-zA-Z][\w -]{1,60}?"
                               r"\s+(?:of|at)\s+[^,.;:\n]{2,60}),\s*$", left)
        if appositive:
            start = mention.start - len(left) + appositive.start(1)
            pairs = self._split_titles(appositive.group(1), start)
            if pairs and all(org for _, org in pairs):
                return pairs, start, mention.end, "words: titles before the name, comma"
        # "the games company Changyou, whose chief executive, Dewen Chen, still reports": the title of the name before
        whose = re.search(r",\s+whose\s+([a-z][\w -]{1,60}),\s*$", left)
        if whose:
            comma = mention.start - len(left) + whose.start()
            owner = next((m.entity for m in reversed(self.employers) if 0 <= comma - m.end <= 1), None)
            start = mention.start - len(left) + whose.start(1)
            pairs = self._split_titles(whose.group(1), start) if owner else []
            if pairs:
                return [(t, _or(o, owner)) for t, o in pairs], start, mention.end, "words: X, whose title, the name"
        # "an allegation against a former vice premier, Zhang Gaoli,": an article, a title and a comma, then the name
        bare = re.search(r"(?:^|[\s(])(?i:an?|the)\s+((?:former\s+)?[a-z][a-z -]{1,40}),\s*$", left)
        if bare and (self._is_title(bare.group(1).split())
                     or bare.group(1).removeprefix("former ") in _PUBLIC_OFFICES):
            start = mention.start - len(left) + bare.start(1)
            pairs = self._split_titles(bare.group(1), start)
            if pairs:
                return pairs, start, mention.end, "words: a title, a comma and the name"
        # a full stop of a legal form ("Pinduoduo Inc. founder") ends no clause
        clause = re.split(r"(?<!\bInc)(?<!\bLtd)(?<!\bCo)(?<!\bCorp)[.;:!?\"“”()\n]|,\s", left)[-1]
        words = [w[5:] if w.lower().startswith("then-") else w for w in clause.split()]  # "then-president"
        if not self._is_title(words):
            return None
        kept: list[str] = []
        for word in reversed(words):
            bare = word.rstrip(",")
            if bare.lower() in _STOP_WORDS:
                break
            if bare.lower() == "of" and kept:
                break
            kept.insert(0, bare)
        phrase = " ".join(kept)
        if not phrase:
            return None
        start = self.text.rfind(phrase, max(0, mention.start - 170), mention.start)
        pairs = self._split_titles(phrase, start)
        if not pairs:
            return None
        led = self._led_by(start)
        if led is not None:  # "NetEase, the games company led by founder and chief executive William Ding"
            return [(t, _or(o, led)) for t, o in pairs], start, mention.end, "words: the company led by title name"
        return pairs, start, mention.end, "words: titles before the name"

    def _led_by(self, start: int) -> str | None:
        """The organisation 'X, the company led by' / 'X, which is run by' names, for a title that starts at
        `start` just after those words."""
        left = self.text[max(0, start - 120):start]
        match = re.search(r"(?:led|run|headed|founded|co-founded|chaired)\s+by\s+$", left)
        if not match:
            return None
        clause_start = max(0, start - 120) + max(left.rfind(", ", 0, match.start()), 0)
        return next((m.entity for m in reversed(self.employers)
                     if clause_start - 3 <= m.end <= max(0, start - 120) + match.start()), None)

    # -- pronouns, "as", appointments ----------------------------------------------------------------------------

    def pronouns(self, sentence_of) -> list[Mention]:
        """'he' / 'she', and 'him' / 'her' after a verb of appointment, as mentions of the person named last."""
        out = []
        for match in re.finditer(r"\b(?:[Hh]e|[Ss]he|him|her)\b", self.text):
            word = match.group(0).lower()
            if re.search(r"\band\s+$", self.text[max(0, match.start() - 6):match.start()]):
                continue  # "X joined Bilibili in 2014, and she was later named ...": `conjoined` reads those
            person = self.refer(match.start(), word if word in ("he", "she") else "he")
            if person is None:
                continue
            mention = Mention(person, match.group(0), match.start(), match.end(), sentence_of(match.start()))
            if word in ("he", "she") or self._appointing_verb(mention) is not None:
                out.append(mention)  # not "her job", "told him": no title follows those
        return out

    def _clause_end(self, pos: int) -> int:
        end = _CLAUSE_END.search(self.text, pos)
        return end.start() if end else len(self.text)

    def _title_phrase(self, start: int) -> str:
        rest = self.text[start:start + 140]
        cut = _TITLE_CUT.search(rest)
        return rest[:cut.start()] if cut else rest

    def as_title(self, mention: Mention) -> Found | None:
        """'joined Tencent in 2005 as a product manager', 'keeps his job as chairman of Fusion Bank', 'sits on the
        board of Fusion Bank as a non-executive director': a title after 'as' in the person's own clause; with no
        organisation of its own, the one the clause names before 'as'."""
        if self._appointing_verb(mention) is not None:
            return None  # "Momo appointed Wang Li as chief executive": `appointed` reads it, with the appointer
        if re.search(r"\b(?:with|starring|featuring)\s+$", self.text[max(0, mention.start - 12):mention.start]):
            return None  # "a drama with Yang Yang as a professional gamer": a part played
        end = self._clause_end(mention.end)
        not_as = self.rules.words("roles", "not_as")
        found: list[tuple[str, str | None]] = []
        last = mention.end
        for match in _AS.finditer(self.text, mention.end, end):
            between = self.text[mention.end:match.start()]
            others = [p for p in self.people if mention.end <= p.start < match.start()]
            # "Li Wang will succeed Yan Tang as chief executive officer": the title is the successor's too
            succeeds = len(others) == 1 and re.search(r"\b(?:succeed|succeeds|replace|replaces|takes? over from|"
                                                      r"took over from)\s+(?:Mr\.?\s+|Ms\.?\s+)?$",
                                                      self.text[mention.end:others[0].start])
            if (others and not succeeds) or re.search(r"[\"“”]", between) \
                    or re.search(r",\s+(?:where|which|whose)\s+(?!(?:he|she)\b)|,\s+(?:and|but|while|whereas)\s+"
                                 r"(?!(?:he|she|later|then|now|also|eventually)\b)[A-Z]|[^\s\d],\s+who\b", between):
                # another person's clause, a quotation, or a clause about something else ("Lei Jun, CEO of Xiaomi,
                # and YY, where the founder of iweju used to work as vice president")
                break
            words = [w.lower().strip(",") for w in between.split()]
            # "such as", "known as" right before it; "sees Bilibili as" anywhere ("just as", "so as" only right before)
            if words and words[-1] in not_as or any(w in not_as and w not in ("so", "just", "far") for w in words):
                continue
            start = match.end()
            phrase = self._title_phrase(start)
            if not phrase.strip() or len(phrase.split()) > 16:  # "as the head of X and the head of Y"
                continue
            if _AS_CONJUNCTION.match(phrase):
                continue  # "as the company took on a new president": 'as' opens a clause, no title follows
            pairs = self._split_titles(phrase, start)
            if not pairs:
                continue
            # "joined Tencent in 2005 as", not "joined from Microsoft as": the organisation left is not the title's
            named = next((m.entity for m in reversed(self.employers) if mention.end <= m.start and m.end <= match.start()
                          and not re.search(r"\bfrom\s+(?:the\s+)?$", self.text[max(0, m.start - 10):m.start])), None)
            found += [(t, _or(o, named)) for t, o in pairs]
            last = start + len(phrase)
        return (found, mention.start, last, "words: name ... as the title") if found else None

    def sole_employer_before(self, pos: int) -> str | None:
        """The one organisation or product the sentence names before `pos`, if it names exactly one."""
        opening = self._sentence_start(pos)
        named = [m for m in self.employers if opening <= m.start and m.end <= pos]
        if len({m.entity for m in named}) != 1:
            return None
        # only when it says the clause the title is in ("JD.com said that billionaire CEO Richard Liu"): a company
        # named otherwise before a bare title ("Su Hua, a former Google engineer, joined founder Cheng") is not it
        said = re.match(r"(?:\s+\w+){0,2}?\s+(?:said|says|announced|announces|told|confirmed|disclosed)\b[^.;:\"“”]*$",
                        self.text[named[-1].end:pos])
        return named[-1].entity if said else None

    def dashed_line(self, mention: Mention) -> Found | None:
        """'Xin Fan — Chief Financial Officer', 'Alex Yao — JPMorgan Chase & Co. — Analyst': a line of its own that
        opens with the name and gives a title after a dash (a call transcript's participants, a speakers' list),
        with the organisation between the dashes."""
        line_start = self.text.rfind("\n", 0, mention.start) + 1
        if self.text[line_start:mention.start].strip(" -•*"):
            return None
        line = _DASHED_LINE.match(self.text, mention.end)
        if line is None:
            return None
        start = line.start("title")
        pairs = self._split_titles(line.group("title"), start)
        if not pairs:
            return None
        org = self._org_in(line.start("org"), line.end("org")) if line.group("org") else None
        return [(t, _or(o, org)) for t, o in pairs], mention.start, line.end("title"), "words: name — title on a line"

    def as_opening(self, mention: Mention) -> Found | None:
        """'As chief executive of Momo, Tang Yan has ...', 'As technology chief he was responsible for ...': a title
        after the 'As' that opens the sentence is its subject's."""
        opening = self._sentence_start(mention.start)
        lead = re.fullmatch(r"\s*As\s+(?:an?\s+|the\s+)?(?P<phrase>[A-Za-z][^,;.\n\"“”]{1,80}?),?\s+",
                            self.text[opening:mention.start])
        if lead is None:
            return None
        start = opening + lead.start("phrase")
        pairs = self._split_titles(lead.group("phrase"), start)
        return (pairs, start, mention.end, "words: as the title, the name") if pairs else None

    def _appointing_verb(self, mention: Mention) -> int | None:
        """Where a verb of appointment just before the name starts ('named [him]', 'appointed [Wang Li]')."""
        window = max(self._sentence_start(mention.start), mention.start - 20)
        verb = self.appointing.search(self.text[window:mention.start])
        return window + verb.start() if verb else None

    def appointed(self, mention: Mention) -> Found | None:
        """'Tencent named Dowson Tong head of CSIG', 'named him editor-in-chief of QQ.com', 'appointed Wang Li as
        chief executive': the title after the person a verb of appointment names; with no organisation of its
        own, the one that appoints (named before the verb in the sentence)."""
        verb = self._appointing_verb(mention)
        if verb is None:
            return None
        opening = self._sentence_start(mention.start)
        lead = re.match(r"\s+(?:as\s+)?(?:an?\s+|the\s+)?(?=[A-Za-z])", self.text[mention.end:mention.end + 20])
        # "promoted Yan Wang, general manager since 1999, to the post of president": the post after the aside
        post = _TO_THE_POST.search(self.text, mention.end, self._clause_end(mention.end))
        if post is not None and not any(mention.end <= p.start < post.start() for p in self.people):
            start = post.end()
        elif lead is None:
            return None
        else:
            start = mention.end + lead.end()
        phrase = self._title_phrase(start)
        if not phrase.strip() or len(phrase.split()) > 10:
            return None
        pairs = self._split_titles(phrase, start)
        if not pairs:
            return None
        named = next((m.entity for m in reversed(self.employers) if opening <= m.start and m.end <= verb), None)
        if named is None:  # "the company has made him a lifelong honorary adviser"
            noun = re.search(rf"\bthe ({self.org_nouns})\b", self.text[opening:verb], re.IGNORECASE)
            named = self._org_reference(noun.group(0), opening + noun.start()) if noun else None
        return [(t, _or(o, named)) for t, o in pairs], mention.start, start + len(phrase), \
            "words: a verb of appointment names the person the title"

    # -- after the name -----------------------------------------------------------------------------------------

    def listed_under(self, mention: Mention) -> Found | None:
        """'The actresses Lin Chi-ling, Angelababy and Jia Ling', 'Four judges - Kris Wu, Wilber Pan and MC
        HotDog -': a plural title before a list of people is each one's title (in the singular)."""
        first = mention
        for person in reversed([p for p in self.people if p.end <= mention.start]):
            # names the model left out may sit in the list too ("Lin Chi-ling, Angelababy and Jia Ling")
            if not re.fullmatch(r"\s*(?:,|,?\s*and)\s*(?:[A-Z][\w-]*(?:\s[A-Z][\w-]*)?\s*(?:,|,?\s*and)\s*){0,3}",
                                self.text[person.end:first.start]):
                break
            first = person
        left = self.text[max(0, first.start - 60):first.start]
        plural = re.search(r"(?:^|[\s(])(?:(?i:the|two|three|four|five|six|seven|eight|nine|ten|\d+)\s+)?"
                           r"(?P<title>(?:[a-z-]+\s+)?[a-z-]+s)\s*(?:[-–—:]\s*)?$", left)
        if plural is None:
            return None
        words = plural.group("title").split()
        head = next((h for h in (words[-1][:-2], words[-1][:-1]) if h in self.heads), None)
        if head is None:
            return None
        title = " ".join([*(w for w in words[:-1] if self._is_title_word(w)), head])
        start = first.start - len(left) + plural.start("title")
        return [(title, None)], start, mention.end, "words: a plural title before a list of names"

    def joined_become(self, mention: Mention) -> Found | None:
        """'Ashley Wu, Huya's vice president of finance, and Junhong Huang, a senior vice president, become acting
        co-chief executives': people joined by 'and' whose verb gives them a plural title have it each."""
        end = min([e for e in (self.text.find(". ", mention.end), self.text.find("\n", mention.end)) if e >= 0]
                  or [len(self.text)])
        verb = _BECOME_PLURAL.search(self.text, mention.end, end)
        if verb is None:
            return None
        between = self.text[mention.end:verb.start()]
        others = [p for p in self.people if mention.end <= p.start < verb.start()]
        preceding = [p for p in self.people if p.end <= mention.start and p.sentence == mention.sentence]
        listed = (others and re.search(r"\band\b", between)) or (
            preceding and re.fullmatch(r"(?:,[^,;.]{1,80},)?\s*", between)
            and re.search(r"\band\s+$", self.text[preceding[-1].end:mention.start].split(",")[-1] + " "))
        if not listed or re.search(r"[;.:]", between):
            return None
        words = verb.group("title").split()
        singular = next((w for w in (words[-1][:-2], words[-1][:-1]) if w in self.heads or self._is_title([w])), None)
        if singular is None or not self._is_title([*words[:-1], singular]):
            return None
        title = " ".join([*words[:-1], singular])
        opening = self._sentence_start(mention.start)
        named = {m.entity for m in self.employers if opening <= m.start < verb.start()}
        # the one organisation the list names ("Ashley Wu, Huya's vice president ..., and ..."), else the topic's
        return [(title, named.pop() if len(named) == 1 else None)], mention.start, verb.end(), \
            "words: people joined by 'and' become plural titles"

    def founders_are(self, mention: Mention) -> Found | None:
        """'Its co-founders are chief executive Su Hua, a former Google engineer, and chief product officer Cheng
        Yixiao': each person of the list after 'founders are' is a (co-)founder of what 'its' / 'X's' names."""
        head = _FOUNDERS_ARE.search(self.text, self._sentence_start(mention.start), mention.start)
        if head is None or re.search(r"[.;:]", self.text[head.end():mention.start]):
            return None
        owner = head.group("owner")
        if owner.lower() in ("its", "their"):
            org = self.refer(head.start(), owner.lower())
        else:  # "Kuaishou's co-founders are ..."
            org = next((m.entity for m in self.employers if head.start() <= m.start < head.start("role")), None)
        if org is None:
            return None
        title = "co-founder" if head.group("role").lower().startswith("co") else "founder"
        return [(title, org)], head.start(), mention.end, "words: its founders are ..."

    def founder_of(self, mention: Mention) -> Found | None:
        """'Forrest Li founded Sea in 2009', 'Cheng Yixiao co-founded Kuaishou with Su Hua': a founder (each
        person the 'with' names too)."""
        match = _FOUNDED.match(self.text, mention.end)
        other = next((p for p in self.people if p.start > mention.end), None)
        if match is None and other is not None and re.fullmatch(r",?\s+and\s+", self.text[mention.end:other.start]):
            match = _FOUNDED.match(self.text, other.end)  # "Miranda Qu and Charlwin Mao founded Xiaohongshu"
        partner = None
        if match is None:  # the partner: "co-founded Kuaishou with [Su Hua]"
            partner = re.search(r"\b(co-?)?founded\s+(?:the\s+)?(?P<org>[^,.;]{1,60}?)\s+with\s+$",
                                self.text[max(0, mention.start - 100):mention.start])
            if partner is None:
                return None
            org_start = mention.start - 100 + partner.start("org") if mention.start >= 100 else partner.start("org")
            title = "co-founder"
        else:
            org_start = match.end()
            title = "co-founder" if match.group(1) else "founder"
        org = next((m.entity for m in self.employers if abs(m.start - org_start) <= 1), None)
        noun = match.group("noun") if match is not None else next(iter(re.findall(
            r"^(company|firm|site|app|platform|service|startup|start-up)\b", self.text[org_start:org_start + 12])), None)
        if org is None and noun:  # "He founded the company with Miranda Qu"
            org = self._org_reference(f"the {noun}", org_start)
        if org is None:
            return None
        if match is not None and re.match(r"[^,.;]{0,40}?\s+with\s+[A-Z]", self.text[org_start:org_start + 60]):
            title = "co-founder"  # "founded the company with Miranda Qu": both are co-founders
        return [(title, org)], mention.start, org_start, "words: name founded the organisation"

    def conjoined(self, mention: Mention) -> Found | None:
        """'Li Ni joined Bilibili in 2014, and she was later named vice chairwoman', 'X was an analyst at Y, and
        he has been Tencent's chief strategy officer since 2015': the title is in a second clause whose subject
        is 'he' / 'she'; its organisation is the one the title names, else the one the first clause names."""
        clause = _AND_HE.match(self.text, mention.end, min(len(self.text), mention.end + 160))
        if clause is None or any(mention.end <= p.start < clause.end() for p in self.people):
            return None  # another person named in between: the pronoun may be theirs
        opening = self._sentence_start(mention.start)
        if any(opening <= p.start < mention.start for p in self.people):
            return None  # "Cheng co-founded Kuaishou with Su Hua, and he ...": 'he' is the sentence's first person
        copula = _COPULA.match(self.text, clause.end() - 1)
        if copula is None:
            return None
        start = copula.end()
        rest = self.text[start:start + 140]
        cut = re.search(r"[,;.:)\"“”\n]|\s(?:a year later|later|since|after|before|until|when|in \d{4}|from|who|"
                        r"which|and (?:will|would|was|has|had|is)|but|while|effective|on [A-Z])\b", rest)
        phrase = rest[:cut.start()] if cut else rest
        if not phrase.strip() or len(phrase.split()) > 10:
            return None
        first_clause = next((m.entity for m in self.employers if mention.end <= m.start and m.end <= clause.end()),
                            None)
        own = re.match(r"(?:(?:named|appointed|made|elected|promoted to)\s+)?(?:its|their)\s+", phrase)
        if own and first_clause:  # "ran Ant Group's payments business, and he was named its chairman"
            phrase, start = phrase[own.end():], start + own.end()
        unresolved = re.match(r"(?:\w+\s+)?the\s+[a-z-]+['’]s\s", phrase)  # "the studio's": not the first clause's
        pairs = [(title, org or (None if unresolved else first_clause))
                 for title, org in self._split_titles(phrase, start)]
        if not pairs:
            return None
        return pairs, mention.start, start + len(phrase), "words: name ..., and he / she is the title"

    def after(self, mention: Mention, pronoun: bool = False) -> Found | None:
        """'Name, [a|the] title[s] [of|at|for Org],', 'Name, who is also the title,' and 'Name is / was named /
        became [the] title [of Org]'; after a pronoun only the clauses ('he became ...', '..., where he was ...')."""
        right = self.text[mention.end:mention.end + 200]
        age = re.match(r",\s*\d{2},(?=\s)", right)  # "Tang Yan, 35, the founder of Momo": the age is no title
        if age:
            right = right[age.end() - 1:]
            mention = Mention(mention.entity, mention.text, mention.start, mention.end + age.end() - 1,
                              mention.sentence)
        aside = re.match(r",\s+(?:nicknamed|dubbed|known as|also known as|also written)\s+[^,;.\n]{1,40},(?=\s)", right)
        if aside:  # 'Xie Na, nicknamed "Nana", is a singer': the aside is no title
            right = right[aside.end():]
            mention = Mention(mention.entity, mention.text, mention.start, mention.end + aside.end(),
                              mention.sentence)
        leads = re.match(r",\s+who\s+(?:now\s+|also\s+)?(heads|leads|runs|chairs)\s+(?:the\s+)?", right)
        if leads:  # "X, who heads Y" / "who chairs Y"
            target_start = mention.end + leads.end()
            org = next((m.entity for m in self.employers if abs(m.start - target_start) <= 1), None)
            if org is not None:
                title = "chairman" if leads.group(1) == "chairs" else "head"
                return [(title, org)], mention.start, target_start, "words: who heads / chairs ..."
        copula = _COPULA.match(right)
        if copula:
            start = mention.end + copula.end()
            rest = self.text[start:start + 140]
            phrase = self._title_phrase(start)
            listed = _TITLE_LIST.match(rest)
            if listed and all(self._is_title(part.split()) for part in re.split(r",\s*(?:and\s+)?|\s+and\s+",
                                                                           listed.group(0)) if part):
                phrase = listed.group(0)  # "is a singer, actress and designer"
            if phrase.strip() and len(phrase.split()) <= 10:
                pairs = self._split_titles(phrase, start)
                where = re.search(r",\s+where\s+(?:Mr\.?\s+|Ms\.?\s+)?$",
                                  self.text[max(0, mention.start - 16):mention.start])
                if pairs and where:  # "NetEase, where he was the product leader", "..., where Mr. Tang was"
                    org = next((m.entity for m in reversed(self.employers) if m.end <= mention.start - len(where.group(0))),
                               None)
                    pairs = [(t, _or(o, org)) for t, o in pairs]
                if pairs:
                    return pairs, mention.start, start + len(phrase), "words: name is / was named the title"
        where = _WHERE_HE_WAS.match(right)
        if where:  # "Chew spent six years at the phone maker Xiaomi, where he was CFO and president of ..."
            org = next((m.entity for m in reversed(self.employers)
                        if mention.end <= m.start and m.end <= mention.end + where.start("titles")), None)
            start = mention.end + where.start("titles")
            pairs = self._split_titles(where.group("titles"), start) if org else []
            if pairs:
                return [(t, _or(o, org)) for t, o in pairs], mention.start, mention.end + where.end(), \
                    "words: at X, where he was the title"
        if pronoun:
            return None
        bracket = re.match(r"\s*[(（]\s*((?:the\s+|an?\s+)?[a-zA-Z][^()（）]{1,80}?)\s*[)）]", right)
        if bracket:  # "Tang Yan (chief executive of Momo)"
            start = mention.end + bracket.start(1)
            pairs = self._split_titles(bracket.group(1), start)
            if pairs:
                return pairs, mention.start, mention.end + bracket.end(), "words: title in brackets after the name"
        # "Cheng Hang, who founded the site", "Wang Huiwen, a Tsinghua classmate who co-founded Meituan with him"
        founded = re.match(r",\s+(?:an?\s+[^,;.\n\"“”]{1,40}?\s+)?who\s+(?:(co-?)?founded|(started|set\s+up|created))\s+"
                           r"(?:the\s+)?(?:an?\s+[^,;.\n]{0,50}?\s+(?:called|named)\s+)?", right)
        org = None
        if founded:
            target_start = mention.end + founded.end()
            org = next((m.entity for m in self.employers if abs(m.start - target_start) <= 1), None)
        if founded and (org or not founded.group(2)):
            # "Cheng Hang, who founded the site and is its chairman": a founder of what follows; "Tang Yan, who
            # started a social network called Momo" (a verb that may start anything: only with a name after it)
            org = org or self._org_reference("the " + (right[founded.end():].split() or [""])[0], target_start)
            rest_match = re.match(r"[^,;.]*?\band\s+(?:is|was)\s+", right[founded.end():])
            pairs = [("co-founder" if founded.group(1) else "founder", org)]
            if rest_match:
                more_start = target_start + rest_match.end()
                more = self.text[more_start:more_start + 120]
                cut = re.search(r"[,;.:)\"“”\n]", more)
                pairs += [(t, _or(o, org)) for t, o in self._split_titles(more[:cut.start() if cut else len(more)],
                                                                    more_start)]
            return pairs, mention.start, target_start, "words: who founded ..."
        match = re.match(r"(?:\s*\([^)]*\))?,\s+(?:who\s+(?:is|was|has been|had been)\s+(?:also\s+|now\s+)?"
                         r"(?:(?:named|appointed|made|promoted to|elected)\s+)?|"
                         r"who\s+[^,;.\n]{0,60}?\s+as\s+)?(?:an?\s+|the\s+)?", right)
        if not match:
            return None
        start = mention.end + match.end()
        rest = self.text[start:start + 160]
        if re.match(r"(?:and|but|or|while)\s", rest):
            return None  # "with Su Hua, and he is now its CPO": a second clause, not an apposition
        who = re.match(r"([a-z][\w -]{1,40}?)\s+who\s+[^,;.\n]{0,100}?\b(?:for|at|with)\s+", rest)
        if who and self._is_title(who.group(1).split()):
            # "Ivy Shen, an analyst who covers internet stocks for Northgate Capital"
            org_start = start + who.end()
            org = next((m.entity for m in self.employers if abs(m.start - org_start) <= 4), None)
            title = _normal_title(re.sub(r"^(?:an?|the)\s+", "", who.group(1)))
            return [(title, org)], mention.start, org_start, "words: apposition with a relative clause"
        end_match = re.search(r"[,;.:)\"“”\n]|\s(?:said|says|told|tells|added|adds|noted|wrote|explained|who)\b|"
                              r"\s(?:only\s+|just\s+)?(?:last|this|next)\s+(?:week|month|year)\b|$", rest)
        # an organisation's name can hold a full stop or a comma ("Guotai Junan Ltd.", "Inc.,"): read up to the
        # end of an organisation that starts before the cut
        cut = end_match.start() if end_match else len(rest)
        for employer in self.employers:
            if start <= employer.start < start + cut < employer.end:
                cut = employer.end - start
        listed = _MORE_TITLES.match(rest, cut)
        if listed and all(self._is_title(part.split()) for part in re.split(r",\s*(?:and\s+)?|\s+and\s+",
                                                                       listed.group(1)) if part):
            cut = listed.end()  # "Yuan Zhou, Zhihu's founder, chairman and chief executive officer."
        phrase = rest[:cut]
        if not phrase.strip() or len(phrase.split()) > 24:  # official titles run long: "a member of the ..."
            return None
        first = phrase.split()[0]
        # "Alicia Yap, a Barclays Plc analyst in Hong Kong,": an organisation of several words may open the phrase
        opens_with_org = any(m.start == start for m in self.employers) \
            or bool(_BASED.match(phrase))  # "Ana Lopes, a Hong Kong-based consumer internet analyst at CLSA"
        if first[0].isupper() and not opens_with_org and not self._org_in(start, start + len(first) + 1) \
                and first.lower() not in self.heads \
                and not any(first.lower() == h.split()[0] for h in self.heads) \
                and first.lower() not in self.modifiers \
                and not re.fullmatch(r"(?:company|firm|group)['’]s", first.lower()):  # "the Company's president"
            return None  # "Tang, Zhang and Li" or a place
        pairs = self._split_titles(phrase, start)
        if not pairs:
            return None
        end = start + len(phrase)
        copula = _COPULA.match(self.text, end + 1) if self.text[end:end + 1] == "," else None
        known = next((o for _, o in reversed(pairs) if o), None)
        if copula and known:  # "Robin Li, Baidu's co-founder and chief executive, is also iQiyi's chairman"
            more = self._title_phrase(copula.end())
            if more.strip() and len(more.split()) <= 10:
                owned = re.match(r"(?:\w+\s+)?[A-Z][\w.&-]*['’]s\s", more)  # "Kingsoft's chairman": not theirs
                pairs = pairs + [(t, o or (None if owned else known)) for t, o in self._split_titles(more, copula.end())]
                end = copula.end() + len(more)
        return pairs, mention.start, end, "words: apposition after the name"


def _or(org: str | None, other: str | None) -> str | None:
    """A title's own organisation, else the one the clause gives; '' (an organisation the article does not name:
    'chairman of his e-commerce firm') stays, so that no other is put in its place."""
    return other if org is None else org


def _normal_title(title: str) -> str:
    """Titles are stored in lower case unless they are acronyms ('CEO') or a proper name's adjective inside an
    own phrase ('head of Asian partnerships')."""
    title = re.sub(r"^(?:mr|ms|mrs|dr)\.?\s+", "", title.strip(" ,"), flags=re.IGNORECASE)
    title = re.sub(r"^(?:and|or)\s+", "", title)
    title = re.sub(r"^first\s+(?=(?:vice|deputy|executive)\s)", "", title, flags=re.IGNORECASE)  # "its first vice president"
    words = title.split()
    of = next((i for i, w in enumerate(words) if w.lower() == "of"), len(words))
    return " ".join("-".join(p if p.isupper() and len(p) <= 4 else p.lower() for p in w.split("-"))
                    if not (i > of and w[:1].isupper()) else w for i, w in enumerate(words))  # "co-CEO"
