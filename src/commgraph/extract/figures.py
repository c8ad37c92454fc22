"""Figures: a number, what it measures, what it is about and when, read from the dependency parse.

Numbers are found twice over: by a pattern over the text (digits with their currency, scale and percent sign,
so that "grew 103% to 17.9 million" gives two numbers where the model's NER gives one span) and by the model's
NER for numbers written in words ("tens of millions"). Each number is then read in its clause: the noun it
counts, the entity that noun belongs to (a possessor, "of X", the clause's subject, "its" resolved), whether
it is a change ("up 28%") of another figure, and the time it holds for.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Callable

from .model import Figure
from .nlp import doc_ents, doc_text
from .numbers import WORDS, Quantity, is_small_word_number, parse_quantity
from .rules import Rules, pattern

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

EntityAt = Callable[[int, int], "str | None"]
Refer = Callable[[int, str], "str | None"]

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
# A number as written with digits: currency before, scale and percent or currency word after.
_DIGITS = re.compile(
    r"(?<![\w.,$])(?P<cur>US\$|HK\$|NT\$|S\$|RMB\s?|CNY\s?|USD\s?|HKD\s?|Rs\.?\s?|¥|\$|€|£)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<scale>\s?(?:thousand|million|billion|trillion)\b|(?:mn|bn|m|k|b)\b)?"
    r"(?:\s?(?P<pct>%|percent\b|per\s?cent\b|percentage points?\b))?"
    r"(?P<tail>\s(?:yuan|RMB|renminbi|U\.S\. dollars|US dollars|dollars|euros|Hong Kong dollars|HK dollars|cents)\b)?",
    re.IGNORECASE)
_MONTH_NAMES = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|" \
               r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DATE_BEFORE = re.compile(rf"\b{_MONTH_NAMES}\s*$", re.IGNORECASE)
_DATE_AFTER_NUMBER = re.compile(rf"^\s*(?:{_MONTH_NAMES}\b|,\s*(?:19|20)\d\d\b)", re.IGNORECASE)
_NOT_FIGURE_BEFORE = re.compile(r"(?:\bno\.|\bnumber|\btop|\bq|\bh|\bphase|\bversion|\bv|\baged?|\bages|\bstep|"
                                r"\bpage|\bchapter|\broom|\bseason|\bepisode|\bgrade|\bclass|\bwindows|\biphone|"
                                r"\bgalaxy|#|\bfy|\bcovid-|\bweb|\bid(?:\s+is)?:?|\bpasscode:?|\bcode:?|\bpin:?|"
                                r"\bextension|\bext\.|\bnumber is|\bdial)\s*$", re.IGNORECASE)
_LIST_MARKER = re.compile(r"(?:^|\n)[ \t]*$")
_VERSION_CONTEXT = {"era", "version", "system", "edition", "generation", "stage", "phase"}
_MEASURE_WORDS = {"number", "total", "proportion", "share", "percentage", "rate", "amount", "scale", "count"}
_RATIO_WORDS = ("proportion", "share", "percentage", "rate")
_SKIP_MODIFIERS = {"det", "punct", "cc", "prep", "relcl", "acl", "appos", "nummod", "quantmod", "advmod"}
_DATE_FOR = re.compile(r"\b(?:as of|by the end of|at the end of|by end of|as at|as at the end of|"
                       r"(?:for the |in the )?(?:quarter|year|period|months?) ended)\s+(?:([a-z]+)\.?\s+)?"
                       r"(?:(\d{1,2}),?\s+)?(\d{4})", re.IGNORECASE)
# "in January 2021" / "in 2019" after the number: the time the figure holds for ("launched in 2002, ... reached
# 380 million" is about a launch, so a year before the number does not count)
_DATE_AFTER = re.compile(r"^[^.;]*?\b(?:in|during)\s+(?:([a-z]+)\s+)?()(\d{4})\b", re.IGNORECASE)
_QUARTER = re.compile(r"\b(?:(?P<q>Q[1-4])\s*(?P<y1>(?:19|20)\d\d)?|(?P<y2>(?:19|20)\d\d)\s*(?P<q2>Q[1-4])|"
                      r"(?P<ord>first|second|third|fourth)[- ]quarter(?:\s+(?:of\s+)?(?:fiscal\s+)?(?P<y3>(?:19|20)\d\d))?)\b",
                      re.IGNORECASE)
_CHANGE_OF = {f"{noun} {prep}" for noun in ("increase", "growth", "rise", "jump", "gain", "decline", "drop", "decrease",
                                           "fall", "surge") for prep in ("of", "by")}
_LABEL = re.compile(r"^\s*(?:[-•*·]\s*)?([A-Za-z][^:：;]{2,80}?)\s*[:：]\s*(?:about |approximately |around )?$")
_TOO_VAGUE = {"people", "user", "group", "share", "rate", "cost", "round"}
_COMPANY_METRICS = {"revenue", "net income", "market value", "funding", "price", "employees"}
_ORDINAL_QUARTER = {"first": "Q1", "second": "Q2", "third": "Q3", "fourth": "Q4"}
MONTHS = {m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                        "september", "october", "november", "december"], 1)}
MONTHS.update({name[:3]: i for name, i in list(MONTHS.items())})
MONTHS["sept"] = 9
# A paragraph's dateline ("BEIJING, March 3, 2021 --", "SHANGHAI (Reuters) -"): its place is not what figures are about.
_DATELINE = re.compile(r"(?:^|\n)[ \t]*([A-Z][A-Z .'-]{2,30}(?:,\s*[A-Z][A-Za-z .]{2,20})?"
                       r"(?:,?\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,\s*\d{4})?)?\s*(?:\([^)\n]{1,40}\)|/[A-Za-z .-]{2,30}/)?"
                       r"\s*[-–—]{1,2}\s)")  # "BEIJING, Nov. 14, 2019 /PRNewswire/ --"


def extract_figures(doc: "Doc", sentence_of: Callable[[int], int], entity_at: EntityAt,
                    default_date: str | None, rules: Rules | None = None, refer: Refer | None = None,
                    lemma_of: Callable[["Token"], str] | None = None) -> list[Figure]:
    """Every figure in the document; `entity_at(start, end)` gives the entity key of a mention in a char range,
    `refer(pos, words)` the entity a reference ("its", "the company") at `pos` stands for, `lemma_of(verb)` a
    verb's lemma (the pipeline does not lemmatise; see nlp.verb_lemmatizer)."""
    text = doc_text(doc)
    reader = _Reader(doc, text, rules or Rules(), _outside_datelines(text, entity_at), refer or (lambda pos, w: None),
                     lemma_of or (lambda token: token.lemma_))
    figures: list[Figure] = []
    for span in number_spans(doc):
        figure = reader.read(span, figures, sentence_of, default_date)
        if figure is not None:
            figures.append(figure)
    return reader.settle(figures, text)


def dateline_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of paragraph datelines ('BEIJING, March 3, 2021 --', 'SHANGHAI (Reuters) -')."""
    return [(m.start(1), m.end(1)) for m in _DATELINE.finditer(text[:20000])]


def _outside_datelines(text: str, entity_at: EntityAt) -> EntityAt:
    """`entity_at` that ignores datelines: 'BEIJING, March 3 --' names where the report was filed."""
    ranges = dateline_ranges(text)
    if not ranges:
        return entity_at

    def at(start: int, end: int) -> str | None:
        if any(s <= start < e for s, e in ranges):
            return None
        return entity_at(start, end)
    return at


# A duration that measures use: "105 minutes a day", "2.5 hours per user per day"
_TIME_SPENT = re.compile(r"\s+(?:minutes|hours|mins)\s+(?:a|per|each)\s+(?:day|week|user|month)\b|"
                         r"\s+(?:minutes|hours|mins)\s+(?:daily|weekly)\b", re.IGNORECASE)
_SPENDING_TIME = re.compile(r"\b(?:spen[dt]s?|spending)\s+(?:an\s+average\s+of\s+|on\s+average\s+|about\s+|"
                            r"nearly\s+|over\s+|more\s+than\s+)?$|\baverage\s+of\s+$", re.IGNORECASE)


def number_spans(doc: "Doc") -> list["Span"]:
    """The numbers of a document as token spans, in text order: digits by pattern, words by the model's NER."""
    text = doc_text(doc)
    ents = [e for e in doc_ents(doc)]
    spans: list[Span] = []
    taken: list[tuple[int, int]] = []
    for match in _DIGITS.finditer(text):
        start, end = match.start(), match.end()
        if _not_a_figure(text, match, ents):
            continue
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is None or not len(span):
            continue
        spans.append(span)
        taken.append((start, end))
    for ent in ents:
        if ent.label_ not in NUMBER_LABELS or any(s < ent.end_char and ent.start_char < e for s, e in taken):
            continue
        if any(ch.isdigit() for ch in ent.text):
            continue  # digits the pattern did not take are dates, ordinals, codes
        core = _LEADING_APPROX.sub("", ent.text)
        if is_small_word_number(core) or parse_quantity(core) is None or core.lower().strip() in WORDS:
            # "ten times larger", "thirty vice-masters": a count spelled out without a scale is prose
            continue
        spans.append(ent)
    return sorted(spans, key=lambda s: s.start_char)


def _not_a_figure(text: str, match: re.Match, ents) -> bool:
    """Years, dates, times, ordinals, codes, versions, list markers and ages are not figures."""
    start, end = match.start(), match.end()
    num = match.group("num")
    marked = bool(match.group("cur") or match.group("pct") or match.group("tail")
                  or (match.group("scale") and match.group("scale").strip().lower() not in ("m", "k", "b")))
    after = text[end:end + 12]
    before = text[max(0, start - 12):start]
    if after[:1].isalnum() or after[:1] in ("-", "–") and after[1:2].isalpha():
        return True  # "5G", "1st", "10-year", "24-hour"
    if after[:1] == ":" and after[1:2].isdigit() or before[-1:] == ":" and before[-2:-1].isdigit():
        return True  # a time or a ratio's second half
    if after[:1] == "-" and after[1:2].isdigit() or before[-1:] == "-" and before[-2:-1].isdigit() \
            or before[-1:] == "+":
        return True  # a phone number: "+1-845-675-0437"
    if marked:
        return False
    if re.fullmatch(r"(?:19|20)\d\d", num) or re.fullmatch(r"(?:19|20)\d\d", num.replace(",", "")) and "," not in num:
        return True
    if _DATE_BEFORE.search(before) or _DATE_AFTER_NUMBER.match(after):
        return True
    if _NOT_FIGURE_BEFORE.search(before):
        return True
    if after[:1] in (")", ".") and _LIST_MARKER.search(text[max(0, start - 4):start]) and "." not in num:
        return True  # "1) ..." or "2. ..." at the start of a line
    if after[:1] in (")",) and before.endswith("("):
        return True  # "(1)"
    if re.fullmatch(r"\d+\.0", num):
        return True  # a bare "2.0" is a version ("system 2.0", "on the basis of 1.0"), not a measurement
    if re.fullmatch(r"\d+\.\d", num) and (re.match(r"\s*(" + "|".join(_VERSION_CONTEXT) + r")\b", after, re.I)
                                         or re.search(r"\b(" + "|".join(_VERSION_CONTEXT) + r")\s*$", before, re.I)):
        return True  # "the 3.0 era", "community system 1.0"
    if _TIME_SPENT.match(text, end) or _SPENDING_TIME.search(text, max(0, start - 30), start):
        return False  # "105 minutes a day", "spend an average of 105 minutes": time spent is a metric
    for ent in ents:
        if ent.start_char <= start < ent.end_char and ent.label_ in ("DATE", "TIME", "ORDINAL"):
            # "3 March" / "the 1990s"; "two years" and "30 days" are durations, not figures either
            return True
    return False


class _Reader:
    """Reads one number in its sentence: value, what it measures, about what, when."""

    def __init__(self, doc: "Doc", text: str, rules: Rules, entity_at: EntityAt, refer: Refer,
                 lemma_of: Callable[["Token"], str]) -> None:
        self.doc = doc
        self.lemma_of = lemma_of
        self.text = text
        self.rules = rules
        self.not_subjects = rules.news_outlets()

        def at(start: int, end: int) -> str | None:
            key = entity_at(start, end)
            return None if key and key.split("/", 1)[-1].replace("-", " ") in self.not_subjects else key
        self.entity_at = at
        self.refer = refer
        self.canonical = rules.canonical_forms()
        self.unmapped = rules.unmapped_metrics
        # every form a sentence may name, longest first, in one pattern (one pass per sentence, not one per form)
        forms = sorted((f for f in self.canonical if len(f) >= 3 and f not in _TOO_VAGUE), key=len, reverse=True)
        self.any_form = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, forms)) + r")(?![\w-])") if forms \
            else re.compile(r"(?!x)x")
        self.longest_form = max((len(f.split()) for f in (*self.canonical, *self.unmapped)), default=1)
        self.up = rules.words("growth", "up")
        self.down = rules.words("growth", "down")
        self.growth_after = rules.words("growth", "after")
        self.not_metrics = rules.words("figures", "not_metrics")
        self.money_verbs = rules.vocabulary.get("figures", {}).get("money_verbs", {})
        self.count_verbs = rules.vocabulary.get("figures", {}).get("count_verbs", {})
        self.references = {k.lower() for k in rules.vocabulary.get("reference", {})}
        self.company_nouns = rules.words("reference_nouns", "company")
        self.source_verbs = rules.words("figures", "source_verbs") | rules.words("figures", "report_verbs")
        self.research_firms = rules.words("figures", "research_firms")
        self.join_verbs = rules.words("figures", "join_verbs")
        self.platform_nouns = rules.words("reference_nouns", "platform")
        self.place_nouns = rules.words("reference_nouns", "place")
        self.work_nouns = rules.words("reference_nouns", "work")
        self.place_measures = rules.words("figures", "place_measures")
        self.hold_verbs = rules.words("figures", "hold_verbs")
        self.stake_nouns = rules.words("figures", "stake_nouns")
        self.object_verbs = rules.words("figures", "object_verbs")
        self.bought_verbs = rules.words("figures", "bought_verbs")
        self.attendance_nouns = rules.words("figures", "attendance_nouns")
        self.broker_verbs = rules.words("figures", "broker_verbs")
        self.rating_nouns = rules.words("figures", "rating_nouns")
        self.people_metrics = rules.words("figures", "people_metrics")
        self.part_verbs = rules.vocabulary.get("figures", {}).get("part_verbs", {})
        self.speech_verbs = rules.words("speech", "verbs")

    def read(self, span: "Span", before: list[Figure], sentence_of, default_date: str | None) -> Figure | None:
        quantity = parse_quantity(_LEADING_APPROX.sub("", span.text))
        if quantity is None:
            return None
        quantity = _with_range_scale(quantity, self.text, span)
        sentence = sentence_of(span.start_char)
        same_sentence = [f for f in before if f.sentence == sentence]
        conversion = self._conversion_of(span, same_sentence)
        growth = quantity.unit == "percent" and self._is_growth(span) or self._is_change_amount(span)
        head = _metric_head(span)
        if head is not None and head.lower_ in self.growth_after | self.up | self.down:
            # "Growth in daily active users slowed to 32 percent": the change of what the 'in' phrase names
            inner = next((o for c in head.children if c.dep_ == "prep" and c.lower_ in ("in", "of")
                          for o in c.children if o.dep_ == "pobj" and o.pos_ in ("NOUN", "PROPN")), None)
            if inner is not None:
                head, growth = inner, growth or quantity.unit == "percent"
            elif quantity.unit != "percent":
                # "a price target increase to $14.00": the level the change leads to is of what the compound names
                compound = [c for c in head.children if c.dep_ == "compound" and c.pos_ == "NOUN"]
                if compound:
                    head = compound[-1]
        verb = self._governing_verb(span) if quantity.currency and head is not None else None
        money_verb = verb is not None and (verb.dep_ in ("relcl", "acl") and verb.head.i == head.i
                                           and verb.lower_ in self.money_verbs
                                           # "Beijing authorities fined Douban's operating entity 1.5 million
                                           # yuan": who fines is not what the amount measures
                                           or head.dep_ == "nsubj" and head.head.i == verb.i
                                           and self._verb_in(verb, self.object_verbs))
        if money_verb:
            head = None  # "a round of $300 million that valued the company at $3 billion": the verb says what
        if head is not None and (head.lower_ in self.not_metrics or head.pos_ not in ("NOUN", "PROPN")
                                 or growth and head.lower_ in self.growth_after | self.up | self.down
                                 or head.pos_ == "PROPN" and self.entity_at(head.idx, head.idx + len(head))):
            head = None  # filler, "an increase of 21.3%", or a name ("WeChat has 440 million")
        metric, about, named = _metric_phrase(head, span, self.entity_at) if head is not None else ("", [], None)
        method = "parse: noun the number counts"
        confidence = 0.8
        if money_verb:
            metric, method = verb.lower_, "parse: a money verb in a relative clause"
        part = self._part_measure(span)
        if part is not None:  # "31 million of them paid": what the part does is what it counts
            metric, about, named, method = part, [], None, "parse: a part ('of them') counted by its verb"
        if head is not None and head.dep_ in ("nsubj", "nsubjpass") and _is_only_a_name(head, self.entity_at):
            # "while Bilibili averaged 223 million": the name is the subject; the measure is the one the
            # sentence already gave, or else what the verb says
            named = self.entity_at(head.idx, head.idx + len(head))
            metric = ""
        elif head is not None and head.dep_ in ("nsubj", "nsubjpass") and head.i not in (span.root.head.i, span.root.i) \
                and head.lower_ in (self.company_nouns | self.platform_nouns) - {"business", "group"} \
                and any(c.dep_ == "det" and c.lower_ in ("the", "this") for c in head.children) \
                and not any(c.dep_ == "prep" for c in head.children):
            # "The Shanghai-based company lost 1.2 billion yuan": the company is who, the verb says what
            named, metric = self._key_of(head, set()), ""
        if growth and metric and same_sentence and _APPOSED_CHANGE.fullmatch(
                self.text[same_sentence[-1].end:span.start_char]):
            # "Users sent 45 billion messages a day, 18% more than a year earlier": the change of the figure
            # before, whatever noun the parse hangs it on
            metric, about, named = "", [], None
        linked = conversion or (self._linked_figure(span, [f for f in same_sentence if f.metric != _LISTED])
                                if not metric else None)
        if conversion is not None:
            # "RMB3.8 billion (US$580 million)": the same figure in another currency
            return replace(conversion, text=span.text, value=quantity.value, start=span.start_char, end=span.end_char,
                           currency=quantity.currency, min_value=quantity.min_value, max_value=quantity.max_value,
                           method="parse: currency conversion of the figure before", growth=conversion.growth)
        if not metric and linked is not None:
            metric, method, confidence = linked.metric, "parse: measure of the figure it is compared with", 0.6
        if not metric:
            metric = self._verb_measure(span) if quantity.currency else ""
            method, confidence = "parse: verb the amount hangs from", 0.5
        if not metric and not quantity.currency and quantity.unit != "percent":
            verb = self._governing_verb(span)  # "the app was downloaded 87.5 million times"
            if verb is not None and verb.lower_ in self.count_verbs:
                metric, method, confidence = verb.lower_, "parse: the verb the count hangs from", 0.6
        if not metric:
            # "- Net income attributable to Momo Inc.: RMB731.8 million": a list item's label before a colon
            line = self.text[self.text.rfind("\n", 0, span.start_char) + 1:span.start_char]
            label = _LABEL.match(line)
            if label:
                metric, method, confidence = label.group(1).strip(), "words: label before a colon", 0.6
        if not metric and quantity.unit == "percent":
            owner = self._share_of(span)  # "Alibaba owns roughly 32% of Weibo"
            if owner is not None:
                metric, named, method, confidence = "share", owner, "parse: a percentage of a named thing", 0.7
        if not metric:
            probe = Figure(text=span.text, value=None, metric="", start=span.start_char, end=span.end_char,
                           sentence=sentence)
            name = self.nearest_canonical(probe, span.sent.text, span.sent.start_char)
            if name is not None:
                metric, method, confidence = name, "words: the measure named nearest in the sentence", 0.5
        if not metric:
            previous = [f for f in before if span.start_char - f.end < 400 and f.metric != _LISTED
                        and "\n" not in self.text[f.end:span.start_char].strip("\n ")]
            if previous:
                linked = previous[-1]  # "That is up from 980 million": the measure of the sentence before
                metric, method, confidence = linked.metric, "context: the measure of the figure before", 0.4
        # an amount in units, not millions, in a sentence about shares (read once: two rules below ask)
        share_price = bool(quantity.currency) and _is_unit_price(span.text, quantity) and self._about_shares(span)
        if not metric and (share_price or growth and _TO_A_PRICE.match(self.text, span.end_char)
                           and self._about_shares(span)):
            # "They fell 2.4% to $7.30": a share price and its change, with no measure named anywhere
            metric, method, confidence = "price", "words: an amount in units about shares", 0.5
        if not metric and _LISTED_NEXT.match(self.text, span.end_char):
            # "held 38.71% and 33.44% of Sogou": the measure is the one the last number of the list gets (settle)
            metric, method, confidence = _LISTED, "parse: a number listed before others", 0.6
        if not metric:
            return None
        if _PER_SHARE.match(self.text, span.end_char) and "per share" not in metric.lower():
            metric = f"{metric} per share".strip()  # "8 cents per share" is not the net loss it follows
        canonical = self._canonical(metric, span, quantity.currency)
        counts_shares = not quantity.currency and quantity.unit != "percent" \
            and metric.lower().split()[-1:] in (["shares"], ["stock"], ["stocks"])
        if canonical == "price" and counts_shares:
            canonical = None  # "sold 10 million shares" counts shares; "shares fell 5%" is their price
        if canonical is None and linked is not None and not counts_shares and not self._unmapped(metric):
            # ("a volume of 290,946 shares" after a price, "a beta of 0.55" after a market value: not theirs)
            canonical = linked.canonical
        if canonical == "users":
            canonical = self._users_by_period(span) or self._staff_of(span) or canonical
        if quantity.currency and canonical != "price" and not self._unmapped(metric) \
                and not (canonical and method == "parse: noun the number counts") and " per " not in f" {metric} " \
                and share_price:
            # "They fell 2.4% to HK$76.30", "listed at HK$115 a share": an amount in units, not millions, with no
            # measure of its own is a price
            metric, canonical, confidence = "price", "price", min(confidence, 0.5)
        if quantity.unit == "percent" and not growth and not self._unmapped(metric):
            canonical = "share"  # a percentage that is not a change is a share ("92% of total revenues")
        joined = self._joined(head)
        if joined is not None:  # "500,000 TikTok users have signed up to RedNote": the service they joined
            named = joined
        wealth = self._wealth_of(span)
        if wealth is not None:  # "Mao is worth an estimated 18 billion yuan": a person's fortune, not a company's
            named, metric = wealth, "worth"
        if not named:  # "Katy Perry (@katyperry, 107 million followers)": a figure in brackets after a name
            opening = self.text.rfind("(", max(span.sent.start_char, span.start_char - 60), span.start_char)
            if opening != -1 and ")" not in self.text[opening:span.start_char]:
                before_bracket = self.text[:opening].rstrip()
                named = self.entity_at(len(before_bracket) - 1, len(before_bracket)) if before_bracket else None
        if not named:  # "a small fraction of ByteDance's $300 billion": the number's own possessor
            named = next((key for c in span.root.children if c.dep_ == "poss" and c.i < span.start
                          for key in [self._key_of(c, set())] if key), None)
            owner = span.root.head  # the parse can hang the number on the possessor: "ByteDance's [$300 billion]"
            if named is None and span.root.dep_ == "nummod" and owner.i < span.start \
                    and any(c.dep_ == "case" for c in owner.children):
                named = self._key_of(owner, set())
        subject, how = (named, "named in the metric") if named else \
            self._subject(span, about, metric, people=canonical in self.people_metrics)
        apposed = self._apposed_with(span) if how != "named in the metric" and not how.startswith("possessor") else None
        if apposed is not None:  # "WeChat, the Tencent social network in China with 440 million active users"
            subject, how = apposed, "the name an apposition with the number describes"
        counted = self._part_of(span, before, sentence)
        if counted is not None:  # "300 million monthly active users ...; about 70% of them are women"
            subject, how = counted, "subject of the count 'of them' is a part of"
        event = self._event_of(span) if metric.lower().split()[-1:] and metric.lower().split()[-1] in \
            self.attendance_nouns and not quantity.unit and not quantity.currency else None
        if event is not None:  # "More than 2,000 guests have come for the second World Internet Conference"
            subject, how = event, "the event a crowd is counted at"
        holder = self._holder(span) if quantity.unit == "percent" and not growth else None
        if holder is not None:  # "Alibaba owns roughly 32% of Weibo": the stake is Alibaba's
            subject, how = holder, "the subject of a verb of holding"
        valued = self._object_of(span) if quantity.currency and not growth else None
        if valued is not None:  # "a round that valued it at US$3 billion": the company valued
            subject, how = valued, "the object of the verb the amount hangs from"
        bought = self._bought(span) if quantity.currency and how != "named in the metric" else None
        if bought is not None:  # "paid 1.26 billion yuan for 30% of Hupu": the money is the price of Hupu's stake
            subject, how = bought, "the company a payment buys into"
        if canonical == "price" and set(metric.lower().split()) & _TARGETS and (
                how != "named in the metric" or any(t.lower_ in ("its", "their") for t in about)):
            # "HSBC lifted its price objective to $10.40": a broker's target is the price of the stock the note is
            # about, not the broker's ("its" is the broker); "its price target on Weibo" names the stock
            stock = self._target_stock(span)
            earlier = next((f.subject for f in reversed(before) if f.subject and "a target is set on" in f.method), None)
            beside = self._beside_broker(span) if not stock and not earlier else None
            if stock:
                subject, how = stock, "the stock a target is set on"
            elif earlier:  # "Citi has cut its target to $13 from $15": a round-up's stock, named with a target before
                subject, how = earlier, "the stock a target was set on before"
            elif beside:
                subject, how = beside, "the stock a target is set on, named beside the broker"
            else:
                subject, how = self.refer(span.start_char, "<topic:employer>") or subject, "the stock a target is set for"
        if how == "nearest name before" and (quantity.currency or canonical in _COMPANY_METRICS) \
                and (subject.startswith("place/") or canonical == "price"):
            # a place is not what money is about, nor is the broker named before a price target: the company
            # the article is about is, when there is one
            subject, how = self.refer(span.start_char, "<topic:employer>") or subject, "the article's topic"
        if subject is None and linked is not None:
            subject, how = linked.subject, "subject of the figure it is compared with"
        if subject is None:
            subject, how = _topic_subject(self.text, span.start_char, before, self.entity_at), "paragraph topic"
        if subject is None:
            # money is the company's; users are the platform's
            topic = "<topic:employer>" if canonical in _COMPANY_METRICS or quantity.currency else "<topic>"
            subject, how = self.refer(span.start_char, topic), "the article's topic"
        if how in ("nearest name before", "paragraph topic", "subject of the figure it is compared with",
                   "the article's topic"):
            confidence -= 0.2
        if subject is None:
            confidence = 0.3
        period = _period(self.text, span.sent, default_date)
        return Figure(
            text=span.text, value=quantity.value, metric=metric, start=span.start_char, end=span.end_char,
            sentence=sentence, subject=subject, unit=quantity.unit, currency=quantity.currency,
            approximation=_approximation(self.text, span), min_value=quantity.min_value, max_value=quantity.max_value,
            date=_figure_date(self.text, span.sent, span.end_char, default_date, period) or default_date,
            canonical=canonical, growth=bool(growth), period=period,
            method=f"{method}; subject: {how}", confidence=round(max(0.1, confidence), 2))

    @staticmethod
    def _listed_measures(figures: list[Figure], text: str) -> list[Figure]:
        """A number listed before others takes the measure of the list's last number ('38.71% and 33.44% of
        Sogou', '80.2 million and 36.7 million paying users'); with none, it is no figure."""
        out: list[Figure] = []
        for i, figure in enumerate(figures):
            if figure.metric != _LISTED:
                out.append(figure)
                continue
            nxt = i + 1
            while nxt < len(figures) and figures[nxt].metric == _LISTED:
                nxt += 1
            last = figures[nxt] if nxt < len(figures) else None
            if last is not None and last.sentence == figure.sentence and _LIST_GAP.fullmatch(
                    re.sub(r"\d[\d.,]*\s*(?:%|percent|million|billion|thousand)?|US\$|HK\$|\$|RMB|¥", "",
                           text[figure.end:last.start])):
                out.append(replace(figure, metric=last.metric, canonical=last.canonical,
                                   method=figure.method.replace("a number listed before others",
                                                                "measure of the last number of its list")))
        return out

    def _respectively(self, figures: list[Figure]) -> list[Figure]:
        """'TME and NCM ended March with 80.2 million and 36.7 million paying users respectively': the names listed
        before the numbers are their subjects in order, when as many names as numbers are listed."""
        out = list(figures)
        if "respectively" not in self.text:
            return out
        for sent in self.doc.sents:
            if "respectively" not in self.text[sent.start_char:sent.end_char]:  # (Span.text joins its tokens anew)
                continue
            picked = [i for i, f in enumerate(out) if sent.start_char <= f.start < sent.end_char and not f.growth
                      and not f.method.startswith("parse: currency conversion")]
            if len(picked) < 2:
                continue
            keys: list[str] = []
            for pos in range(sent.start_char, out[picked[0]].start):
                key = self.entity_at(pos, pos + 1)
                if key and not key.startswith("place/") and key not in keys:
                    keys.append(key)
            if len(keys) != len(picked):
                continue
            for i, key in zip(picked, keys):
                out[i] = replace(out[i], subject=key, method=out[i].method.split("; subject:")[0]
                                 + "; subject: the name listed in its place ('respectively')")
        return out

    def settle(self, figures: list[Figure], text: str) -> list[Figure]:
        """Second pass over a document's figures: a change takes the measure of the level it leads to ('up 28%
        to 154 million'), and a figure with no canonical metric takes the one named nearest in its sentence."""
        settled = self._respectively(self._listed_measures(figures, text))
        for i, figure in enumerate(settled):
            if figure.growth:
                nxt = settled[i + 1] if i + 1 < len(settled) else None
                if nxt is not None and nxt.sentence == figure.sentence and not nxt.growth \
                        and re.fullmatch(r"[^.;]{0,40}?\b(?:to|at|reaching|reach|hitting|of)\s+(?:about |around |nearly |over )?",
                                         text[figure.end:nxt.start]):
                    settled[i] = figure = replace(figure, metric=nxt.metric, canonical=nxt.canonical or figure.canonical,
                                                  subject=figure.subject or nxt.subject,
                                                  method=figure.method + "; measure of the level it leads to")
            counted = figure.unit is None and not figure.currency and re.fullmatch(r"(?:[a-z-]+ )?[a-z-]+s",
                                                                                 figure.metric.lower()) \
                and not figure.metric.lower().endswith("points")
            if figure.canonical is None and not self._unmapped(figure.metric) and not counted:
                # ("more than 15,000 international brands" counts brands, whatever the sentence measures nearby)
                start = text.rfind("\n", 0, figure.start) + 1
                for stop in (". ", ".\n", "; "):
                    cut = text.rfind(stop, start, figure.start)
                    start = max(start, cut + 2 if cut >= 0 else start)
                end = min([e for e in (text.find(". ", figure.end), text.find("\n", figure.end)) if e >= 0] or [len(text)])
                name = self.nearest_canonical(figure, text[start:end], start)
                if name is not None:
                    settled[i] = replace(figure, canonical=name, confidence=round(max(0.1, figure.confidence - 0.2), 2),
                                         method=figure.method + "; canonical metric: nearest in the sentence")
        return settled

    # -- what kind of number ------------------------------------------------------------------------------------

    def _is_growth(self, span: "Span") -> bool:
        """'grew 28%', 'up 28%', 'a 30% increase', '28% year-over-year', 'an increase of 55%'."""
        doc = span.doc
        following = " ".join(t.lower_ for t in doc[span.end:span.end + 2])
        if any(following.startswith(w) for w in self.growth_after):
            return True
        previous = [t.lower_ for t in doc[max(span.sent.start, span.start - 3):span.start]]
        changes = (self.up | self.down) - {"more", "less", "higher", "lower"}
        last = previous[-1] if previous else ""
        if last in ("to", "from", "at") and span.root.dep_ == "pobj" and previous[-2:-1] != ["up"]:  # not "up to 5%"
            return False  # "expanded for the fifth quarter to 25.0%", "up from 18%": the level, not the change
        if last in changes or " ".join(previous[-2:]) in _CHANGE_OF:
            return True
        if last == "by" and len(previous) >= 2 and previous[-2] in changes:
            return True
        head = span.root.head
        for _ in range(3):
            if head.lower_ in self.up | self.down and head.lower_ not in ("more", "less", "higher", "lower"):
                return True
            if head.dep_ not in ("prep", "pobj", "npadvmod", "dobj", "advmod") or head.head.i == head.i:
                break
            head = head.head
        return False

    def _share_of(self, span: "Span") -> str | None:
        doc = span.doc
        if span.end + 1 < len(doc) and doc[span.end].lower_ == "of":
            target = doc[span.end + 1] if doc[span.end + 1].lower_ not in ("the", "its") else \
                (doc[span.end + 2] if span.end + 2 < len(doc) else None)
            if target is not None:
                return self.entity_at(target.idx, target.idx + len(target))
        return None

    def _is_change_amount(self, span: "Span") -> bool:
        """'revenue grew by RMB500 million': an amount of change (not 'grew to RMB3 billion')."""
        previous = [t.lower_ for t in span.doc[max(span.sent.start, span.start - 2):span.start]]
        return len(previous) == 2 and previous[1] == "by" and previous[0] in self.up | self.down

    def _conversion_of(self, span: "Span", same_sentence: list[Figure]) -> Figure | None:
        """'RMB3.8 billion (US$580 million)' / '(approximately US$580 million)'."""
        if not same_sentence:
            return None
        last = same_sentence[-1]
        between = self.text[last.end:span.start_char]
        if re.fullmatch(r"\s*[(（]\s*(?:approximately|about|around|or|roughly|~)?\s*", between, re.IGNORECASE) \
                or re.fullmatch(r"\s*,\s*or\s+(?:about\s+)?", between):
            return last if last.currency else None
        return None

    def _linked_figure(self, span: "Span", same_sentence: list[Figure]) -> Figure | None:
        """The figure this one is compared with or is the change of: 'up 28% to 154 million', 'up from 72.3
        million', 'compared with 5.4 million a year earlier', 'X and Y respectively'."""
        if not same_sentence:
            return None
        return same_sentence[-1] if span.start_char - same_sentence[-1].end < 120 else None

    def _joined(self, head: "Token | None") -> str | None:
        """The service people counted by the figure joined or moved to, when the count is the subject of such a
        verb ('users have signed up to RedNote', 'players flocked to the game')."""
        if head is None or head.dep_ not in ("nsubj", "nsubjpass") or self._lemma(head.head) not in self.join_verbs:
            return None
        verb = head.head
        for child in verb.children:
            targets = [child] if child.dep_ == "dobj" else [
                g for c in ([child] if child.dep_ == "prep" else [t for t in child.children if t.dep_ == "prep"])
                if c.lower_ in ("to", "on", "for", "with") for g in c.children if g.dep_ == "pobj"] \
                if child.dep_ in ("prep", "prt") else []
            for target in targets:
                key = self.entity_at(target.idx, target.idx + len(target))
                if key and not key.startswith(("person/", "place/")):
                    return key
        return None

    def _part_of(self, span: "Span", before: list[Figure], sentence: int) -> str | None:
        """The subject of the count a part written 'N of them' / 'N% of whom' belongs to: the last figure with a
        subject in this sentence or the one before."""
        if not _OF_THEM.match(self.text, span.end_char):
            return None
        last = next((f for f in reversed(before) if f.subject and sentence - 1 <= f.sentence <= sentence), None)
        if last is None:
            return None
        # "them" is the nearest plural before it: not the count's when other people or things come between
        # ("573 million monthly active users, but it matters to the people who use it: tens of millions of them")
        own = re.match(r"\s*" + re.escape(last.metric), self.text[last.end:]) if last.metric else None
        start = last.end + (own.end() if own else 0)  # the measure the count names is what "them" stands for
        between = [t for t in self.doc[:span.start] if t.idx >= start and t.tag_ in ("NNS", "NNPS")]
        return None if between else last.subject

    def _part_measure(self, span: "Span") -> str | None:
        """'and 31 million of them paid' -> 'paying users' (vocabulary [figures.part_verbs])."""
        if not _OF_THEM.match(self.text, span.end_char):
            return None
        verb = self._governing_verb(span)
        return self.part_verbs.get(verb.lower_) if verb is not None else None

    def _target_stock(self, span: "Span") -> str | None:
        """The company a price target is set 'on' or 'for' in the figure's sentence ('its price target on Weibo')."""
        for token in span.sent:
            if token.lower_ in _TARGETS:
                # the parse may hang "on Weibo" on the verb: read the words after the target
                after = re.match(r"\s+(?:on|for)\s+(?:the\s+)?", self.text[token.idx + len(token):token.idx + len(token) + 12])
                if after:
                    at = token.idx + len(token) + after.end()
                    key = self.entity_at(at, at + 1)
                    if key and not key.startswith(("person/", "place/")):
                        return key
        return None

    def _beside_broker(self, span: "Span") -> str | None:
        """'JPMorgan raised Bilibili to overweight and set a $21.00 target price on the stock', 'Bilibili received
        an upgrade from Barclays': the company a sentence with a broker in it names besides the broker."""
        brokers = {k for k in self._brokers(span.sent) if not k.startswith("person/")}
        if not brokers:
            return None  # "Mizuho: James Lee keeps a Buy rating": an analyst, not a broker, is the doer
        return next((key for t in span.sent for key in [self.entity_at(t.idx, t.idx + len(t))]
                     if key and key not in brokers and not key.startswith(("person/", "place/"))
                     and key.split("/", 1)[-1].replace("-", " ") not in self.not_subjects), None)

    def _brokers(self, sentence: "Span") -> set[str]:
        """Who rates in a sentence: the subjects of a broker's verbs ('JPMorgan raised ...', 'Citi has cut ...') and
        the 'from' / 'by' of an upgrade or a rating ('an upgrade from Barclays')."""
        doers = [c for t in sentence if self._lemma(t) in self.broker_verbs for c in t.children if c.dep_ == "nsubj"]
        doers += [o for t in sentence if t.lower_ in self.rating_nouns for p in t.children
                  if p.dep_ in ("prep", "agent") and p.lower_ in ("from", "by") for o in p.children if o.dep_ == "pobj"]
        return self._named_in(doers)

    def _named_in(self, tokens: list["Token"]) -> set[str]:
        """The entities the phrases these tokens head name."""
        return {k for t in tokens for x in t.subtree for k in [self.entity_at(x.idx, x.idx + len(x))] if k}

    def _lemma(self, token: "Token") -> str:
        return (self.lemma_of(token) or token.lower_).lower()

    def _verb_in(self, token: "Token", verbs: set[str]) -> bool:
        """The verb, by its lemma or as written: the model's lemmatizer reads 'fined' as 'fin'."""
        return self._lemma(token) in verbs or token.lower_ in verbs

    def _event_of(self, span: "Span") -> str | None:
        """The event named in the figure's sentence, else the last one named in the 1,500 characters before."""
        for pos in (*range(span.sent.start_char, span.sent.end_char), *range(span.sent.start_char - 1,
                                                                              max(0, span.start_char - 1500), -1)):
            key = self.entity_at(pos, pos + 1)
            if key and key.startswith("event/"):
                return key
        return None

    def _holder(self, span: "Span") -> str | None:
        """Who holds the stake a percentage measures: the subject of a verb of holding whose object is the number
        or a stake it hangs from ('Alibaba owns roughly 32% of Weibo', 'Tencent, which held 36.9% of Huya', 'He
        holds a stake of about 20% in YY', 'owns 32% and controls 65% of the votes')."""
        held = span.root
        if held.dep_ in ("nummod", "compound", "amod") and held.head.lower_ in self.stake_nouns:
            held = held.head  # "a 20% stake"
        elif held.dep_ == "pobj" and held.head.lower_ == "of" and held.head.head.lower_ in self.stake_nouns:
            held = held.head.head  # "a stake of about 20%"
        verb = held.head
        if held.dep_ != "dobj" or self._lemma(verb) not in self.hold_verbs:
            return None
        for _ in range(3):  # "owns 32% and controls 65%": the second verb's subject is the first's
            subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
            if subject is not None or verb.dep_ != "conj":
                break
            verb = verb.head
        if subject is None:
            return None
        if subject.lower_ in ("which", "who", "that") and verb.dep_ == "relcl":
            subject = verb.head  # "Tencent, which already held 36.9% of Huya"
        return next((key for token in (subject, *subject.subtree) for key in [self._key_of(token, set())] if key),
                    None)

    def _object_of(self, span: "Span") -> str | None:
        """The object of a verb whose object an amount is about ('valued the company at $3.5 billion', 'fined
        Alibaba 18.2 billion yuan'), other than the amount itself."""
        verb = span.root.head
        verbs = self.object_verbs
        if span.root.dep_ == "pobj" and verb.lower_ in ("at", "for"):
            # "valued it [at] US$3 billion", "Tantan, which Momo bought [for] $600 million"
            verbs = self.object_verbs if verb.lower_ == "at" else self.bought_verbs
            verb = verb.head
        elif span.root.dep_ == "appos" and verb.dep_ == "dobj":
            # "fined Douban's operating entity 1.5 million yuan": the parse makes the amount the object's apposition
            verb, owner = verb.head, verb
            if verb.pos_ != "VERB" or not self._verb_in(verb, verbs):
                return None
            key = next((k for t in owner.subtree if not span.start <= t.i < span.end
                        for k in [self._key_of(t, set())] if k), None)
            return key if key and not key.startswith("place/") else None
        elif span.root.dep_ != "dobj":
            return None
        if verb.pos_ != "VERB" or not self._verb_in(verb, verbs):
            return None
        if verb.dep_ == "relcl" and any(c.dep_ == "dobj" and c.lower_ in ("which", "that") for c in verb.children):
            key = self._key_of(verb.head, set())  # "Tantan, which Momo bought for $600 million": the relative's head
            return key if key and not key.startswith("place/") else None
        agents = self._agents(span.sent)
        for child in verb.children:
            if child.dep_ in ("dobj", "dative") and child.i != span.root.i and not span.start <= child.i < span.end:
                key = next((k for t in (child, *child.subtree) for k in [self._key_of(t, set())] if k), None)
                if key and not self.entity_at(child.idx, child.idx + len(child)) and key in agents:
                    # "Alibaba and Tencent led a round that valued it at US$3 billion": "it" is not the investors
                    key = next((t for t in (self.refer(span.start_char, "<topic>"),
                                            self.refer(span.start_char, "<topic:Organization>"))
                                if t and t not in agents), None)
                if key and not key.startswith("place/"):
                    return key
        return None

    def _agents(self, sentence: "Span") -> set[str]:
        """The entities a sentence names as the doers of its verbs (subjects, 'led by X')."""
        return self._named_in([t for t in sentence
                               if t.dep_ == "nsubj" or (t.dep_ == "pobj" and t.head.dep_ == "agent")])

    def _wealth_of(self, span: "Span") -> str | None:
        """'Mao is worth 18 billion yuan (...) and Qu 12 billion yuan': the person whose fortune the amount is."""
        sent_start = span.sent.start_char
        before = self.text[sent_start:span.start_char]
        if not re.search(r"\b(?:is|was|are|were)\s+worth\b|\bnet worth\b|\bfortune\b|\bwealth\b", before):
            return None
        for pos in range(span.start_char - 1, sent_start - 1, -1):
            key = self.entity_at(pos, pos + 1)
            if key:
                return key if key.startswith("person/") else None
        return None

    def _bought(self, span: "Span") -> str | None:
        """The company named in 'for ... of X' / 'into ... X' / 'in X' after a verb of paying whose object is
        the amount ('paid $X for 30% of Hupu', 'put $400 million into the listing of Meituan')."""
        verb = self._governing_verb(span)
        if verb is None or verb.lower_ not in _PAY_VERBS or span.root.head != verb:
            return None
        for prep in verb.children:
            if prep.dep_ != "prep" or prep.lower_ not in ("for", "into", "in") or prep.i < span.end:
                continue
            obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
            for _ in range(4):  # "for [30%] of [Hupu]", "into the Hong Kong [listing] of [Meituan]"
                if obj is None:
                    break
                key = self._key_of(obj, set()) or next((k for c in obj.children if c.dep_ == "compound"
                                                        for k in [self._key_of(c, set())] if k), None)
                if key and not key.startswith(("person/", "place/")):
                    return key
                of = next((c for c in obj.children if c.dep_ == "prep" and c.lower_ in ("of", "in")), None)
                obj = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
        return None

    def _apposed_with(self, span: "Span") -> str | None:
        """'WeChat, the Tencent social network in China with 440 million active users': a number after 'with' in an
        apposition is about the name the apposition follows (the parse hangs 'with' on the verb as often as not)."""
        opening = span.sent.start_char
        left = self.text[opening:span.start_char]
        match = _WITH_APPOSITION.search(left)
        if match is None:
            return None
        comma = opening + match.start()
        key = self.entity_at(comma - 1, comma)
        return key if key and not key.startswith("place/") else None

    def _about_shares(self, span: "Span") -> bool:
        """The number's sentence, or the one before it, is about shares ('Its shares slid. They fell 2.4% to
        HK$76.30', 'listed at HK$115 a share, closed 3.1% higher')."""
        doc = span.doc
        start = span.sent.start_char if span.sent.start == 0 else doc[span.sent.start - 1].sent.start_char
        return bool(_SHARE_WORDS.search(self.text, start, span.sent.end_char))

    def _users_by_period(self, span: "Span") -> str | None:
        """'85 million people use it every month', 'people use them every day': people counted by a period are
        monthly or daily active users."""
        clause = re.split(r"[,;.]|\s(?:and|but|while)\s", self.text[span.end_char:span.end_char + 80], maxsplit=1)[0]
        period = _USE_PERIOD.search(clause)
        if period is None:
            return None
        return "monthly active users" if (period.group(1) or period.group(2)) in ("month", "monthly") \
            else "daily active users"

    def _staff_of(self, span: "Span") -> str | None:
        """'His team of about 90 people': people counted as a team are its employees."""
        return "employees" if _TEAM_OF.search(self.text, max(0, span.start_char - 40), span.start_char) else None

    def _verb_measure(self, span: "Span") -> str:
        """'raised $5.4 billion' -> 'funding' (by the verb), else the verb itself."""
        head = span.root.head
        for _ in range(4):
            if head.pos_ in ("VERB", "AUX") or head.lower_ in self.money_verbs:
                break
            if head.head.i == head.i:
                break
            head = head.head
        target = next((c for c in head.children if c.dep_ == "dobj" and c.lower_ in _TARGETS), None)
        if target is not None:  # "raised its target to $13", "lifted its price objective to $10.40"
            return " ".join(t.lower_ for t in target.subtree if t.dep_ in ("compound", "amod") or t is target)
        if head.lower_ in self.money_verbs:
            return self.money_verbs[head.lower_]
        return head.lower_ if head.pos_ == "VERB" and head.lower_ not in self.up | self.down else ""

    def _canonical(self, metric: str, span: "Span", currency: str | None) -> str | None:
        """The canonical metric of the article's phrase: the longest surface form that ends the phrase."""
        words = re.sub(r"[^\w\s%'-]", " ", metric.lower()).split()
        per = next((i for i, w in enumerate(words) if w == "per" and i + 1 < len(words)
                    and words[i + 1] in ("share", "ads", "american", "diluted")), None)
        if per:  # "price range per American depositary share" is a price; "net income per share" has no canonical
            return "price" if self._canonical(" ".join(words[:per]), span, currency) == "price" else None
        for n in range(min(len(words), self.longest_form), 0, -1):
            tail = " ".join(words[-n:])
            if tail in self.unmapped:
                return None
            if (name := self.canonical.get(tail)) is not None:
                return name
        if not currency and metric.lower() in self.count_verbs:
            return self.count_verbs[metric.lower()]
        if currency:
            verb = self._governing_verb(span)
            if verb is not None and verb.lower_ in self.money_verbs:  # "raised $5.4 billion", "valued at ..."
                return self.money_verbs[verb.lower_]
            sentence = span.sent.text.lower()
            for form, name in sorted(self.canonical.items(), key=lambda kv: -len(kv[0])):
                if name in ("revenue", "net income", "market value", "funding", "price") and \
                        pattern(rf"\b{re.escape(form)}\b").search(sentence):
                    return name
            return self.money_verbs.get(metric.lower())
        return None

    def _governing_verb(self, span: "Span") -> "Token | None":
        head = span.root.head
        for _ in range(4):
            if head.pos_ in ("VERB", "AUX"):
                return head
            if head.head.i == head.i:
                return None
            head = head.head
        return None

    def _unmapped(self, metric: str) -> bool:
        """The phrase, or its head before 'of', ends in a measure with no canonical metric."""
        words = re.sub(r"[^\w\s%'-]", " ", metric.lower()).split()
        heads = [words, words[:words.index("of")]] if "of" in words[1:] else [words]
        return any(" ".join(w[-n:]) in self.unmapped for w in heads for n in range(1, min(len(w), self.longest_form) + 1))

    def nearest_canonical(self, figure: Figure, sentence_text: str, sentence_start: int) -> str | None:
        """The canonical metric named nearest to the number in its sentence ('... 390 million, a figure for its
        monthly active users ...'), for a figure whose own phrase names none."""
        best: tuple[int, int, str] | None = None
        for match in self.any_form.finditer(sentence_text.lower()):
            form = match.group(0)
            distance = min(abs(sentence_start + match.start() - figure.end),
                           abs(sentence_start + match.end() - figure.start))
            if best is None or (distance, -len(form)) < best[:2]:
                best = (distance, -len(form), self.canonical[form])
        return best[2] if best else None

    # -- what it is about ---------------------------------------------------------------------------------------

    def _key_of(self, token: "Token", metric_words: set[str]) -> str | None:
        if token.lower_ in metric_words:
            return None
        key = self.entity_at(token.idx, token.idx + len(token))
        if key:
            # "the Twitter-like service", "Tencent-backed Huya", "the two New York-listed firms": a name used as a
            # modifier is not the subject (read after the name's last word)
            last, doc = token, token.doc
            while last.i + 1 < len(doc) and self.entity_at(doc[last.i + 1].idx,
                                                           doc[last.i + 1].idx + len(doc[last.i + 1])) == key:
                last = doc[last.i + 1]
            return None if MODIFIER_SUFFIX.match(self.text, last.idx + len(last)) else key
        if token.lower_ in ("its", "their") and token.head.lower_ in self.place_measures:
            return self.refer(token.idx, "the country")  # "48.8% of its population": a country's
        if token.lower_ in self.references:
            return self.refer(token.idx, token.lower_)
        if token.pos_ in ("NOUN", "PROPN") and any(c.dep_ == "det" and c.lower_ in ("the", "this", "that")
                                                  for c in token.children):
            # "the Company", "the microblog", "the short-video app": a noun that stands for a company or a platform
            if token.lower_ in self.company_nouns:
                # "The company had 573 million daily active users": when that is the organisation the article is
                # about, a product that stands for its company (Kuaishou) is what the figure measures
                found = self.refer(token.idx, "the company")
                if found is not None and found == self.refer(token.idx, "<topic:Organization>"):
                    return self.refer(token.idx, "<topic:employer>") or found
                return found
            if token.lower_ in self.platform_nouns:
                return self.refer(token.idx, "the platform")
            if token.lower_ in self.place_nouns:
                return self.refer(token.idx, "the country")  # "the country would keep opening its economy"
            if token.lower_ in self.work_nouns:
                return self.refer(token.idx, f"the {token.lower_}")  # "the game had 3 million players"
        return None

    def _subject(self, span: "Span", about: list["Token"], metric: str, people: bool = False) -> tuple[str | None, str]:
        """What the figure is about: an entity named in the metric phrase ("users of [QQ groups]", "[its]
        users"), else the subject of the clause or of the clauses it hangs from, else the nearest name before the
        number in the sentence. A name that is the metric itself is not its subject; people are a last resort,
        unless the measure is one a person has (`people`: "He now uploads to more than 900,000 followers")."""
        metric_words = set(metric.lower().split())
        for token in about:
            if key := self._key_of(token, metric_words):
                return key, "possessor or 'of' phrase of the metric"
        described = span.root
        for _ in range(4 if people else 0):  # "Feng Timo, a singer with 9 million followers,": the person described
            if described.dep_ == "appos" and (key := self._key_of(described.head, metric_words)):
                return key, "the name an apposition describes"
            if described.head.i == described.i or described.pos_ in ("VERB", "AUX"):
                break
            described = described.head
        verb = span.root
        while verb.dep_ != "ROOT" and verb.pos_ not in ("VERB", "AUX") and verb.head.i != verb.i:
            verb = verb.head
        sources: set[str] = set()
        included: set[int] = set()  # words of a subject's "including ..." part: not what the figure is about
        own = verb
        topics = {self.refer(span.start_char, "<topic>"), self.refer(span.start_char, "<topic:Organization>")}
        for _ in range(4):  # this clause, then the clauses it is joined to ("established ..., and ... elected")
            if verb is not own and verb.lower_ in self.source_verbs:
                # "Euromonitor expects [the players to shrink by 34 million]": who expects is where the number
                # comes from, unless it is the company the article is about ("Momo expects revenue to rise")
                sources = {k for t in verb.children if t.dep_ == "nsubj"
                           for k in (self._key_of(x, metric_words) for x in t.subtree) if k} - topics
                if sources:
                    break
            for child in verb.children:
                if child.dep_ in ("nsubj", "nsubjpass"):
                    # the subject itself, then what it is in apposition ("Tencent's older messenger, QQ"), then
                    # any name inside it
                    if child.lower_ in ("it", "they") and verb.dep_ == "ccomp" and verb.head.lower_ in self.speech_verbs:
                        # "Kuaishou, which is run by Cheng Yixiao, said that it had 730 million": "it" is who said it
                        sayer = next((c for c in verb.head.children if c.dep_ == "nsubj"), None)
                        key = self._key_of(sayer, metric_words) if sayer is not None else None
                        if key and not key.startswith("person/") and sayer.lower_ not in self.references:
                            return key, "the subject of the verb that reports the clause"
                    appositions = [a for a in child.children if a.dep_ == "appos"]
                    outside = _outside_inclusions(child)
                    included |= {t.i for t in child.subtree} - {t.i for t in outside}
                    # a person's followers are the person's in the figure's own clause, not the speaker's who
                    # reports them ("Dangwang said the tribe now has more than 2 million followers")
                    # ... and a fine is the person's who is fined ("the actress Zheng Shuang was fined 299 million")
                    own_people = (people or self._verb_in(verb, self.object_verbs)) and verb is own
                    keys = [(token, key) for token in (child, *appositions, *outside)
                            if (key := self._key_of(token, metric_words)) and (own_people or not key.startswith("person/"))]
                    counters = {k for _, k in keys if k.split("/", 1)[-1].replace("-", " ") in self.research_firms}
                    if counters:
                        # "QuestMobile, a research firm, counted 390 million monthly active users on Weibo": who
                        # counts is the source, not what is counted
                        keys = [(t, k) for t, k in keys if k not in counters]
                        if not keys:  # the figure before it in the sentence, else the paragraph's topic
                            return None, ""
                    # a name before a reference, unless a place: "its voice assistant DuerOS now runs on 400 million
                    # devices" (DuerOS), "its apps in China averaged" (its)
                    named = [k for t, k in keys if t.lower_ not in self.references and not k.startswith("place/")]
                    if named or keys:
                        return (named or [keys[0][1]])[0], "subject of the clause"
            if verb.dep_ not in ("conj", "ccomp", "advcl", "xcomp", "relcl") or verb.head.i == verb.i:
                break
            if verb.dep_ == "xcomp":
                # "ordering ByteDance to pay 8 million yuan": who is ordered to pay is who pays (object control)
                controller = next((c for c in verb.head.children if c.dep_ == "dobj" and c.i < verb.i), None)
                key = self._key_of(controller, metric_words) if controller is not None else None
                if key and not key.startswith("place/"):
                    return key, "object of the verb the clause completes"
            verb = verb.head
        best: tuple[int, str] | None = None
        for token in span.sent:
            if token.i >= span.start:
                break
            if token.i in included:
                continue
            if (key := self._key_of(token, metric_words)) and not key.startswith("person/") and key not in sources:
                # people are what a sentence is about, rarely what its numbers measure: the topic does better
                distance = span.start - token.i
                if best is None or distance < best[0]:
                    best = (distance, key)
        return (best[1], "nearest name before") if best else (None, "")


_TARGETS = {"target", "targets", "objective", "objectives"}  # what a broker sets for a stock's price
_OF_THEM = re.compile(r"\s+of\s+(?:them|whom|those)\b")  # "31 million of them paid", "70% of whom"
_INCLUSIONS = {"including", "excluding", "like", "besides", "except", "as"}  # "such as": "as" under "such"
_PAY_VERBS = {"pay", "pays", "paid", "paying", "put", "puts", "invest", "invests", "invested", "investing"}
_LISTED = "<listed>"  # a placeholder measure, settled from the list's last number
_LISTED_NEXT = re.compile(r"\s*(?:,\s*and|,|and)\s+(?:about\s+|around\s+|nearly\s+)?(?:US\$|HK\$|\$|RMB\s?|¥)?\d")
_LIST_GAP = re.compile(r"[\s,]*(?:and)?[\s,]*(?:and)?\s*(?:about|around|nearly)?\s*")
# What stands between a figure and the change after it: "45 billion messages a day, [18% more]"
_APPOSED_CHANGE = re.compile(r"[\w ]{0,30},\s*(?:or\s+|an?\s+|up\s+|down\s+)?")
_TO_A_PRICE = re.compile(r"\s*(?:higher|lower)?\s*(?:to|at)\s+(?:US\$|HK\$|S\$|\$|RMB\s?|¥|€|£)\d")
_WITH_APPOSITION = re.compile(r",\s+(?:the|an?)\s+[^,;.()\"“”]{0,80}?\s+with\s+(?:(?:about|around|more than|over|nearly|"
                              r"almost|some|roughly|just over|just under)\s+)?\Z")
_SHARE_WORDS = re.compile(r"\b(?:shares?|stocks?|ADSs?|ADRs?|traded|listed|listing|IPO|closed|valued)\b")
_USE_PERIOD = re.compile(r"\b(?:use|uses|used|visit|visits|visited|open|opens|log on to|log in to|watch|watches)\b"
                         r".*?\b(?:(?:each|every|a|per)\s+(month|day)|(monthly|daily))\b")
_TEAM_OF = re.compile(r"\b(?:team|staff|workforce|headcount)\s+of\s+(?:about\s+|around\s+|nearly\s+|roughly\s+|"
                      r"some\s+|more than\s+|almost\s+)?\Z")
_PER_SHARE = re.compile(r"\s+per\s+(?:diluted\s+)?(?:share|ADS|American depositary share)\b", re.IGNORECASE)
MODIFIER_SUFFIX = re.compile(r"-(?:like|style|backed|owned|controlled|based|listed|rival|sized|owner|parent|maker|"
                             r"operator)\b", re.IGNORECASE)
# "between 290 and 300 million US dollars": the scale and currency after the upper end belong to the lower end
_RANGE_END = re.compile(r"\s*(?:and|to|-|–)\s*(?:US\$|HK\$|RMB|\$)?\d[\d.,]*\s?(?P<scale>thousand|million|billion|trillion)"
                        r"(?P<tail>\s(?:yuan|RMB|renminbi|US dollars|U\.S\. dollars|dollars|euros|HK dollars))?\b",
                        re.IGNORECASE)


def _is_unit_price(text: str, quantity: Quantity) -> bool:
    """'HK$76.30', '$15.60', 'HK$115': an amount under 10,000 written without a scale word."""
    return quantity.value is not None and 0 < quantity.value < 10_000 and not re.search(
        r"(?i)\d\s*(?:thousand|million|billion|trillion|mn|bn|k|m|b)\b|[万亿千]", text)


def _with_range_scale(quantity: Quantity, text: str, span: "Span") -> Quantity:
    if quantity.value is None or quantity.unit or re.search(r"[a-zA-Z%$¥]", span.text) or "," in span.text:
        return quantity  # "953,000 and 1.05 million": a number written in full has its own scale
    match = _RANGE_END.match(text, span.end_char)
    if not match:
        return quantity
    upper = parse_quantity(f"1 {match.group('scale')}{match.group('tail') or ''}")
    return replace(quantity, value=quantity.value * (upper.value if upper else 1),
                   currency=quantity.currency or (upper.currency if upper else None))


def _outside_inclusions(token: "Token") -> list["Token"]:
    """A phrase's words but those of its 'including' / 'excluding' / 'such as' part: 'Total paying users,
    including 3.6 million of Tantan, were 13.4 million' is not about Tantan."""
    inside = {t.i for c in token.children if c.dep_ == "prep" and c.lower_ in _INCLUSIONS for t in c.subtree}
    return [t for t in token.subtree if t.i not in inside]


def _followed_by_of(span: "Span") -> bool:
    return span.end < len(span.doc) and span.doc[span.end].lower_ == "of"


def _is_only_a_name(token: "Token", entity_at: EntityAt) -> bool:
    """The metric phrase is nothing but an entity's name."""
    key = entity_at(token.idx, token.idx + len(token))
    return bool(key) and all(entity_at(t.idx, t.idx + len(t)) == key for t in token.subtree if not t.is_punct)


def _topic_subject(text: str, start: int, figures: list[Figure], entity_at: EntityAt) -> str | None:
    """A figure with no entity in its sentence is about the paragraph's topic: the subject of the figures before
    it, else the nearest thing (not a person) named before it in the paragraph."""
    paragraph_start = text.rfind("\n", 0, start)
    for figure in reversed(figures):
        if figure.start < paragraph_start:
            break
        if figure.subject:
            return figure.subject
    modifiers: set[str] = set()  # names made a modifier at this place ("the two New York-listed firms")
    for pos in range(start - 1, paragraph_start, -1):
        key = entity_at(pos, pos + 1)
        if key and MODIFIER_SUFFIX.match(text, pos + 1):
            modifiers.add(key)
        elif key and not key.startswith("person/") and key not in modifiers:
            return key
        elif key is None:
            modifiers.clear()
    return None


def _approximation(text: str, span: "Span") -> str | None:
    inside = _LEADING_APPROX.match(span.text)
    if inside:
        return APPROXIMATIONS[inside.group(1).lower()]
    before = text[max(span.sent.start_char, span.start_char - 30):span.start_char]
    match = _APPROX_RE.search(before)
    return APPROXIMATIONS[match.group(1).lower()] if match else None


def _metric_head(span: "Span") -> "Token | None":
    """The noun the number counts: '380 million [users]', 'the number of [users] ... reached 380 million'."""
    root = span.root
    doc = span.doc
    # "millions of [mother-and-child groups]", "tens of millions of [classmates groups]"
    nxt = doc[span.end] if span.end < len(doc) else None
    if nxt is not None and nxt.lower_ == "of":
        objs = [c for c in nxt.children if c.dep_ == "pobj"]
        if objs:
            return objs[0]
    if span.end + 1 < len(doc) and doc[span.end - 1].lower_ == "of" and doc[span.end].pos_ in ("NOUN", "PROPN"):
        return _noun_chunk_head(doc[span.end])
    if root.dep_ in ("nummod", "quantmod", "compound", "amod") and root.head.pos_ in ("NOUN", "PROPN") \
            and root.head.i not in range(span.start, span.end):
        return _hyphen_tail(root.head)
    if nxt is not None and nxt.pos_ in ("NOUN", "PROPN") and "%" not in span.text and "percent" not in span.text:
        return _noun_chunk_head(nxt)
    # "of which 594 million were [mobile Internet users]": the number is the subject of a copula.
    if root.dep_ in ("nsubj", "nsubjpass"):
        attrs = [c for c in root.head.children if c.dep_ in ("attr", "dobj") and c.pos_ in ("NOUN", "PROPN")]
        if attrs:
            return attrs[0]
    # "revenue of $3 billion", "a valuation of $10 billion": the number is the object of "of" after a noun
    if root.dep_ == "pobj" and root.head.lower_ == "of" and root.head.head.pos_ in ("NOUN", "PROPN"):
        return _unwrap_measure(root.head.head)
    # "a price target increase to $14.00": the change noun the level hangs from (its compound names the measure)
    if root.dep_ == "pobj" and root.head.lower_ in ("to", "from") and root.head.head.pos_ == "NOUN":
        return root.head.head
    # The number is the object of a verb: "the number of users reached 380 million" / "revenue exceeding 10 billion".
    head = root.head
    while head.dep_ in ("prep", "pobj", "dobj", "attr", "npadvmod", "advmod") and head.head.i != head.i \
            and head.pos_ not in ("VERB", "AUX"):
        head = head.head
    if head.pos_ in ("VERB", "AUX"):
        if head.dep_ in ("acl", "relcl") and head.head.pos_ in ("NOUN", "PROPN"):
            return head.head
        objects = [c for c in head.children if c.dep_ == "dobj" and c.pos_ == "NOUN"]
        if objects and root.dep_ == "pobj" and root.head.lower_ in ("to", "from") and root.head.head == head:
            return _unwrap_measure(objects[0])  # "cut its net loss by half, to 1.27 billion yuan": what changed
        subjects = [c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subjects:
            return _unwrap_measure(subjects[0])
        if head.dep_ in ("conj", "xcomp", "advcl") and head.head.pos_ in ("VERB", "AUX"):
            subjects = [c for c in head.head.children if c.dep_ in ("nsubj", "nsubjpass")]
            if subjects:
                return _unwrap_measure(subjects[0])
    return None


def _noun_chunk_head(token: "Token") -> "Token":
    while token.dep_ in ("compound", "amod") and token.head.i > token.i:
        token = token.head
    return _hyphen_tail(token)


def _hyphen_tail(token: "Token") -> "Token":
    """'580,000 mini-programs': the parse can leave a hyphenated noun's parts side by side; its last part is the
    noun ('mini' was the measure, and took the sentence's daily active users)."""
    doc = token.doc
    while token.i + 2 < len(doc) and doc[token.i + 1].text == "-" and not token.whitespace_ \
            and not doc[token.i + 1].whitespace_ and doc[token.i + 2].pos_ in ("NOUN", "PROPN"):
        token = doc[token.i + 2]
    return token


def _unwrap_measure(token: "Token") -> "Token":
    """'the number of [users]': the counted noun, not 'number' ('the proportion of users' keeps 'proportion')."""
    if token.lower_ in _MEASURE_WORDS and token.lower_ not in _RATIO_WORDS:
        for prep in token.children:
            if prep.dep_ == "prep" and prep.lower_ == "of":
                objs = [c for c in prep.children if c.dep_ == "pobj"]
                if objs:
                    return objs[0]
    return token


def _metric_phrase(head: "Token", span: "Span", entity_at: EntityAt) -> tuple[str, list["Token"], str | None]:
    """Readable metric ('monthly active users', 'proportion of Internet users'), the tokens that may name its
    subject, and the entity named at the front of the metric itself ('[QQ] monthly active users')."""
    span_tokens = set(range(span.start, span.end))
    modifiers = [t for t in head.lefts if t.dep_ not in _SKIP_MODIFIERS and t.i not in span_tokens
                 and t.dep_ != "poss" and t.pos_ != "DET"]
    start = min([head.i] + [t.left_edge.i for t in modifiers])
    doc = head.doc
    while start >= 2 and doc[start - 1].text == "-" and not doc[start - 2].whitespace_ and not doc[start - 1].whitespace_ \
            and doc[start - 2].i not in span_tokens:
        start -= 2  # "mini-programs" whose parts the parse left side by side
    words = [t for t in head.doc[start:head.i + 1] if t.i not in span_tokens and t.pos_ not in ("DET", "PUNCT", "NUM")
             and t.dep_ != "poss" and not (t.dep_ == "case")]
    named = entity_at(words[0].idx, words[0].idx + len(words[0])) if words else None
    if named:
        rest = [t for t in words if entity_at(t.idx, t.idx + len(t)) != named]
        if rest and rest[0].i == words[len(words) - len(rest)].i:  # the name opens the phrase, the measure follows
            words = rest
        else:
            named = None
    about: list["Token"] = []
    for child in head.children:
        if child.dep_ == "poss":
            about.extend(child.subtree)
    for child in head.children:
        if child.dep_ == "prep" and child.lower_ == "per" and any(c.lower_ in ("share", "ads") for c in child.children):
            words += [child, *[c for c in child.children if c.lower_ in ("share", "ads")]]  # "income per share"
        if child.dep_ == "prep" and child.lower_ in ("of", "in", "on", "for", "at"):
            objs = [c for c in child.children if c.dep_ == "pobj"]
            if head.lower_ in _RATIO_WORDS and objs and child.lower_ == "of":
                words += [child, *[t for t in objs[0].subtree if t.i <= objs[0].i and t.pos_ != "DET"]]
            else:
                about.extend(t for o in objs for t in o.subtree)
    # the possessor of the number itself: "Alibaba's $242.04 billion"
    for child in span.root.children:
        if child.dep_ == "poss" and child.i not in span_tokens:
            about.extend(child.subtree)
    metric = " ".join(t.text for t in words).strip()
    metric = re.sub(r"\s+-\s+", "-", metric)
    return metric, about, named


def _figure_date(text: str, sent: "Span", number_end: int, article_date: str | None = None,
                 period: str | None = None) -> str | None:
    """'as of September 30, 2023' -> '2023-09-30'; 'as of June 2015' -> '2015-06'; 'by the end of 2014' -> '2014';
    '... 61.2 million in January 2021' -> '2021-01'; a month without a year ('by the end of June', '... in March')
    -> the last such month up to the article's date, 'last month' the month before it; else the end of the
    reporting period ('2019-Q2' -> '2019-06')."""
    match = (_DATE_FOR.search(text, sent.start_char, sent.end_char)
             or _DATE_AFTER.match(text[number_end:sent.end_char]))
    if not match:
        return _month_of(text, sent, number_end, article_date) or _period_end(period)
    month_name, day, year = match.groups()
    month = MONTHS.get((month_name or "").lower().rstrip("."))
    if month and day:
        return f"{year}-{month:02d}-{int(day):02d}"
    return f"{year}-{month:02d}" if month else year


# "by the end of June", "as of March", "... in September" (after the number): a month the article leaves the year of
_MONTH_ONLY_FOR = re.compile(rf"\b(?:as of|by the end of|at the end of|by end of|as at)\s+(?:early\s+|mid-?\s*|late\s+)?"
                             rf"(?P<m>{_MONTH_NAMES})(?![\w.])(?!\s*\d)(?!,?\s*(?:19|20)\d\d)", re.IGNORECASE)
_MONTH_ONLY_AFTER = re.compile(rf"^[^.;]*?\b(?:in|during)\s+(?:early\s+|mid-?\s*|late\s+)?(?P<m>{_MONTH_NAMES})"
                               rf"(?![\w.])(?!\s*\d)(?!,?\s*(?:19|20)\d\d)", re.IGNORECASE)
_LAST_MONTH = re.compile(r"\blast month\b", re.IGNORECASE)


def _month_of(text: str, sent: "Span", number_end: int, article_date: str | None) -> str | None:
    if not article_date or not re.match(r"\d{4}-\d{2}", article_date):
        return None
    year, now = int(article_date[:4]), int(article_date[5:7])
    match = _MONTH_ONLY_FOR.search(text, sent.start_char, sent.end_char) or _MONTH_ONLY_AFTER.match(
        text[number_end:sent.end_char])
    if match:
        month = MONTHS.get(match.group("m").lower().rstrip("."))
        if month:
            return f"{year if month <= now else year - 1}-{month:02d}"  # "in March" of an August article
    if _LAST_MONTH.search(text, number_end, sent.end_char):
        return f"{year if now > 1 else year - 1}-{(now - 2) % 12 + 1:02d}"
    return None


def _period_end(period: str | None) -> str | None:
    """'2019-Q2' -> '2019-06': a figure for a quarter holds as of its end."""
    match = re.fullmatch(r"(\d{4})-Q([1-4])", period or "")
    return f"{match.group(1)}-{int(match.group(2)) * 3:02d}" if match else None


def _period(text: str, sent: "Span", default_date: str | None) -> str | None:
    """The reporting period the sentence names: 'Q1 2017', 'the fourth quarter of 2020' -> '2020-Q4'."""
    match = _QUARTER.search(text, sent.start_char, sent.end_char)
    if not match:
        return None
    quarter = (match.group("q") or match.group("q2") or _ORDINAL_QUARTER[match.group("ord").lower()]).upper()
    year = match.group("y1") or match.group("y2") or match.group("y3") or (default_date or "")[:4]
    return f"{year}-{quarter}" if year else quarter
