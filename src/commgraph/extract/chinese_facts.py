"""Figures of a Chinese article, read from its text and the mentions `chinese.py` found (quotes and roles are
`chinese_people.py`'s).

Everything is matched on the Simplified form of the text and cut from the original (same offsets), so a
Traditional article keeps its script in figure texts. No spaCy here.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import re
import weakref
from collections import Counter

from .chinese_text import HAN, Facts, employs_an_outsider, to_simplified
from .model import Figure, Mention
from .numbers import Quantity, parse_quantity

_CN_NUM = "零〇一二两三四五六七八九十百千万亿点"
_SCALE = "万亿|千亿|百亿|亿|千万|百万|十万|万|千"
_MONEY = "美元|美金|美分|港元|港币|欧元|日元|人民币|元"
# A number as Chinese reports write it: 229.06亿元, 8.43亿, 20%, 百分之五十五, 五亿, 近八成, 1,000万, HK$41.3 billion
_FIGURE = re.compile(
    rf"(?P<approx>约合|约|近|接近|超过|逾|已逾|超|多达|高达)?"
    rf"(?P<num>百分之[{_CN_NUM}\d.]+"
    rf"|\d+亿\d{{1,4}}(?:,\d{{3}})?万(?:{_MONEY})?"  # Hong Kong and Taiwan: 129億7,200萬美元, 14億100萬人
    rf"|[-−+]?\d+(?:\.\d+)?\s?(?:pcts|pct|ppts|ppt|pp|bps)(?![A-Za-z])"  # broker notes: 环比-2.3pcts
    rf"|(?:US\$|HK\$|RMB|\$|¥|￥)\s?\d+(?:[.,]\d+)*\s?(?:trillion|billion|million|thousand)?"
    rf"|\d+(?:[.,]\d+)*\s?(?:trillion|billion|million)"
    rf"|\d+(?:,\d{{3}})*(?:\.\d+)?(?:[多余](?={_SCALE}))?(?:{_SCALE})?(?:{_MONEY})?(?:%|％)?"
    rf"|(?:数|几|(?<!成千)(?<!成百)上)(?:十|百|千)?(?:万亿|亿|千万|百万|万|千|百)(?:{_MONEY})?"  # 数十亿元: a range (成千上万 an idiom)
    rf"|[{_CN_NUM}]*[{_CN_NUM.replace('点', '')}](?:{_SCALE})(?:{_MONEY})?"
    rf"|[一二两三四五六七八九十]成(?:[一二三四五六七八九](?![十百千万亿成倍])|半)?"
    rf"|(?:\d+(?:\.\d+)?|[一二两三四五六七八九十]+)倍)"
    rf"(?P<tail>左右|以上|余|多)?")
_COMPOUND = re.compile(rf"(\d+)亿(\d{{1,4}}(?:,\d{{3}})?)万({_MONEY})?")
_CLAUSE_BREAK = re.compile(r"[，,；;：:。！？!?（）()“”「」\n]")
_DATE_FULL = re.compile(r"(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?")
_DATE_MONTH_DAY = re.compile(r"(?<!\d)(\d{1,2})月(\d{1,2})日")
_QUARTER = re.compile(r"(?:(\d{4})年)?(?:第)?([一二三四1-4])季度|(?:(\d{4})年)?Q([1-4])")
_AS_OF = re.compile(r"截至(?:(\d{4})年)?(\d{1,2})月(?:(\d{1,2})日)?(?:末)?")
_TODAY = re.compile(r"今日|今天|当日|当天|截至今日")
_QUARTER_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
# Words that end the measure a clause opens with ("月均活跃用户首次破亿", "收入仍是…"), beside the linking verbs
_CLAUSE_VERBS = ("已经", "已", "首次", "首度", "破", "仍", "依然", "继续")
# Verbs that name a price as they give it: 收报 / 收于 / 报收 (closed at), 开盘报 (opened at)
_PRICE_VERB = re.compile(r"(?:收报|收于|报收于?|开盘报|开报|开于)$")
# A clause that names the measure the next one gives a number for ("至于日活跃用户，", "说到付费用户，")
_TOPIC = re.compile(rf"(?:至于|关于|说到|谈到|提到|就)([{HAN}A-Za-z]{{2,12}}?)(?:而言|来说|方面)?[，,]")
_POINTS = re.compile(r"([-−+]?)(\d+(?:\.\d+)?)\s?(pcts|pct|ppts|ppt|pp|bps)")
# From-to pairs: 从 (and a date with 的) before the first level, a verb of change with 至 / 到 between the two
# (a currency may stand before each number: "由2022年的人民币14.6亿元增至2024年的人民币22.3亿元")
_FROM_BEFORE = re.compile(r"[从由](?:[^，。；]{0,10}?的)?(?:人民币|美元|港元|港币)?$")
_FROM_TO = re.compile(r"(?:增长|减少|下降|上升|提升|增加|扩大|缩小|回落|涨|跌|降|升|增|减|提高)?(?:至|到)"
                      r"(?:\d{4}年(?:底|末|末的|底的|的)?)?(?:约|近|逾|超过)?(?:人民币|美元|港元|港币)?")
# Characters between a word of change and its number ("增长了", "增幅均超过"): stripped before the word is matched
_BEFORE_NUMBER = "了约达至为均都也亦则已仍"
# "7800万月活用户": a scaled number before a monthly or daily measure is no date
# A funding round named between a sum and 融资: "B轮", "Pre-A轮", "天使轮", "战略"
_ROUND = re.compile(r"(?:[A-Za-z]\+{0,2}|Pre-?[A-Za-z]\+?|天使|种子|战略|新一|首)轮?")
_MEASURE_AFTER = re.compile(r"[月日](?:活|均|付费|登录|平均)")
_NOT_AFTER = re.compile(r"\s?(?:年|月|日|号|季度|个月|时|分(?!钟)|点|周|天|届|代|版|期|楼|层)")


def extract_figures(facts: Facts, article_date: str | None) -> list[Figure]:
    """Every published number with its metric (the words it counts, never punctuation), its subject (the
    entity the clause is about; 其 / 该公司 resolved to the last organisation or product named), its as-of date
    (截至2015年6月30日, 第二季度) and, for 同比增长 X%, a growth figure of its own."""
    text, simple, words = facts.text, facts.simple, facts.vocab.figures
    linking = sorted(words.get("linking", []), key=len, reverse=True)
    growth_words = sorted(words.get("growth", []), key=len, reverse=True)
    decline = set(words.get("decline", []))
    approximations = words.get("approximations", {})
    classifiers = tuple(words.get("classifiers", []))
    openers = tuple(sorted(words.get("clause_openers", []), key=len, reverse=True))
    units = tuple(sorted(words.get("units_after_classifier", []), key=len, reverse=True))
    growth_after = tuple(sorted(words.get("growth_after", []), key=len, reverse=True))
    list_joiners = tuple(words.get("list_joiners", []))
    owner_words = tuple(sorted(words.get("owner_words", []), key=len, reverse=True))
    tails = set(words.get("measure_tails", []))
    number_words = [re.escape(w) for w in words.get("number_words", [])]
    by_char = {pos: m for m in facts.mentions for pos in range(m.start, m.end)}
    # (made once per rules, kept on them: rebuilt per article they were 5 % of the Chinese extraction, profiled on
    # the 35 tune articles)
    canonical, measure_forms = _per_rules(facts)
    tokens = _Tokens(facts.tokens)
    ordered = sorted(facts.mentions, key=lambda m: m.start)
    ordered_starts = [m.start for m in ordered]
    year = int(article_date[:4]) if article_date else None
    figures: list[Figure] = []
    paragraph_date: tuple[int, str | None] = (-1, None)
    chains: list[list[int]] = []  # figures that a list joins ("分别为7亿、4亿和3亿"), by index
    chain_clause: list[int] = []
    last_level: dict[int, Figure] = {}
    for match in _FIGURE.finditer(simple):
        start, end = match.start("num"), match.end("num")
        number = match.group("num")
        if not _is_figure(simple, start, end, number, by_char, classifiers, match.end()):
            continue
        # "500多万", "2000余万": more than the number before the scale
        inner_approx = re.search(r"(?<=\d)[多余]", number)
        points = _POINTS.fullmatch(number)
        if points:  # "环比-2.3pcts": a change in percentage points, its sign written
            value = float(points.group(2)) / (100 if points.group(3) == "bps" else 1)
            quantity = Quantity(value=-value if points.group(1) in ("-", "−") else value, unit="percentage points")
        elif (compound := _COMPOUND.fullmatch(number)) is not None:  # 129亿7,200万: 亿 and 万 added up
            whole = parse_quantity(compound.group(1) + "亿" + (compound.group(3) or ""))
            quantity = dataclasses.replace(whole, value=whole.value + float(compound.group(2).replace(",", "")) * 1e4)
        else:
            quantity = parse_quantity(number[:inner_approx.start()] + number[inner_approx.end():] if inner_approx else number)
        if quantity is None or (quantity.value is None and quantity.min_value is None):
            continue
        sentence = facts.sentences_of(start)  # type: ignore[operator]
        clause_start = _clause_start(simple, start)
        before = simple[clause_start:match.start()]
        # "料不超过2亿美元": 不 before 超过 makes an upper bound, and is no part of the measure
        at_most = match.group("approx") in ("超过", "逾", "超") and before.endswith("不")
        if at_most:
            before = before[:-1]
        growth_word = next((g for g in growth_words if before.rstrip(_BEFORE_NUMBER).endswith(g)), None)
        if growth_word and re.search(r"[至到]$", before.rstrip(_BEFORE_NUMBER.replace("至", ""))):
            growth_word = None  # "升至", "略有增长至逾7亿": the level it reached, not a change
        end_text = end
        tail = match.group("tail") or ""
        cls = next((c for c in classifiers if simple.startswith(c, end + len(tail))), None)
        if cls and tokens.word_at(end + len(tail), simple) not in (None, cls):
            cls = None  # "以7.8亿位居第一": 位 starts the word 位居, no classifier
        if cls and not number.endswith(("%", "％")) and not (quantity.currency and cls == "人"):
            end_text = end + len(tail) + len(cls)  # "200多个"; (亿元 + 人民币 is no count of people)
            unit_word = next((u for u in units if simple.startswith(u, end_text)), None)
            if unit_word:  # "26.2个小时", "5.9个百分点": the unit is the figure's, not what it counts
                end_text += len(unit_word)
        per_share = re.match(r"/股|/ADS|每股", simple[end_text:end_text + 4])
        if per_share and quantity.currency:  # "8.5美元/股": a price per share, "的发行价" after it names it
            end_text += per_share.end()
        after_word = next((g for g in growth_after if simple.startswith(g, end_text)), None) or (
            "points" if points else None)
        if after_word and not growth_word:  # "净利润实现了152%的增长": the change is named after the number
            growth_word = after_word
        value, unit = quantity.value, quantity.unit
        # "增长1.2倍": the digits match before their classifier 倍, which makes the number a multiple all the same
        if (number.endswith("倍") or cls == "倍") and value is not None:
            if growth_word:  # 增长了两倍: up 200 %
                value, unit = value * 100, "percent"
            else:
                unit = "times"
        if growth_word in decline and value is not None:
            value = -value
        date = _date_of(simple, start, clause_start, article_date, year)
        paragraph = simple.rfind("\n", 0, start)
        if date:
            paragraph_date = (paragraph, date)
        elif paragraph_date[0] == paragraph:
            date = paragraph_date[1]
        previous = last_level.get(sentence)
        before_figure = figures[-1] if figures and figures[-1].sentence == sentence else None
        # "分别同比增长31%和39%", "分别为3.09亿和6.80亿": the second number of a list is measured as the first
        listed = before_figure is not None and simple[before_figure.end:match.start()].strip() in list_joiners
        conversion = re.search(r"(?:约合|折合|合)(?:人民币|美元|港元)?$", simple[max(0, start - 8):start])
        reached = before_figure is not None and re.fullmatch(
            r"(?:至|到|达到|达)(?:约|近|逾|超过)?(?:人民币|美元|港元)?", simple[before_figure.end:match.start()]) is not None
        # "月活跃用户从去年同期的1.02亿增至1.09亿", "从2018年的290万减少至2024年的60万": the second level of a
        # from-to pair is measured as the first
        from_to = before_figure is not None and not before_figure.growth and _FROM_BEFORE.search(
            simple, max(clause_start, before_figure.start - 12), before_figure.start) is not None \
            and _FROM_TO.fullmatch(simple[before_figure.end:match.start()]) is not None
        if (reached and before_figure.growth or from_to) and not growth_word:
            # "同比增长17%至921亿元": the level the change led to
            metric, subject = before_figure.metric, before_figure.subject
        elif conversion and figures and figures[-1].sentence == sentence:
            metric, subject = figures[-1].metric, figures[-1].subject  # "1亿美元（约合人民币7亿元）"
        elif listed:
            metric, subject = before_figure.metric, before_figure.subject
            if before_figure.growth and not growth_word:
                growth_word = "listed"
                if value is not None and (before_figure.value or 0) < 0:
                    value = -value
        elif growth_word and previous is not None and not after_word and not canonical.known(
                own := _metric(simple, before, end_text, linking, openers, growth_word, by_char, clause_start,
                               facts.type_of, to_simplified, tokens, words.get("metric_fillers", []))) \
                and not _named_between(facts, simple, clause_start, start):
            metric, subject = previous.metric, previous.subject  # "同比增长3%": the change of the level before
        elif growth_word and previous is not None and not after_word:
            # "营业额升五成九" after the profit's level: the clause names a measure of its own
            metric = own
            subject = _subject(facts, simple, clause_start, start, by_char, sentence, previous.subject, own)
        else:
            metric = _metric(simple, before, end_text, linking, openers, growth_word, by_char, clause_start,
                             facts.type_of, to_simplified, tokens, words.get("metric_fillers", []),
                             after_word)
            residual = metric
            in_clause = ordered[bisect.bisect_left(ordered_starts, clause_start):bisect.bisect_left(ordered_starts, start)]
            for m in sorted(in_clause, key=lambda m: -len(m.text)):
                residual = residual.replace(_clean_metric(to_simplified(m.text)), "")
            for word in owner_words:
                residual = residual.replace(word, "")
            named_only = before_figure is not None and metric and residual != metric and len(residual) < 2
            if named_only:  # "抖音月活跃用户规模达到5.2亿，快手为4.4亿": the measure of the figure before
                metric = before_figure.metric
            elif not metric and before_figure is not None and before_figure.end > _clause_start(simple, clause_start - 1):
                # "股价上涨2.1%，收于381.4港元", "纯利增长六成四，至三百二十六亿元": the measure of the clause before
                metric = before_figure.metric
            elif not metric:
                # "月均活跃用户首次破亿，达到1.01亿", "净增用户规模已经超过去年全年，达到847万": the measure the clause
                # before names, up to its verb; else its leading nouns
                lo = _clause_start(simple, clause_start - 1)
                previous_clause = simple[lo:max(lo, clause_start - 1)]
                cut = min((i for w in (*linking, *_CLAUSE_VERBS) if (i := previous_clause.find(w)) > 0),
                          default=len(previous_clause))
                metric = _metric(simple, previous_clause[:cut], end_text, linking, openers, None, by_char, lo,
                                 facts.type_of, to_simplified, tokens, words.get("metric_fillers", []),
                                 noun_after=False)
                if canonical(metric) is None:
                    metric = _leading_nouns(tokens, simple, lo, clause_start - 1, by_char, facts.type_of)
            if not metric:
                after = re.match(rf"[{HAN}A-Za-z]{{1,8}}", simple[end_text:])
                metric = _clean_metric(after.group(0)) if after else ""
            if metric and canonical(metric) is None and simple.startswith("的", end_text):
                # "回复量超过10万的情况": the noun after 的 is no measure, the clause before names one
                own = _metric(simple, before, end_text, linking, openers, growth_word, by_char, clause_start,
                              facts.type_of, to_simplified, tokens, words.get("metric_fillers", []),
                              after_word, noun_after=False)
                metric = own if own and canonical(own) is not None else metric
            if not canonical.known(metric or "数量"):
                topic = _TOPIC.search(simple, _clause_start(simple, clause_start - 1), clause_start)
                if topic is not None and canonical.known(topic.group(1)):
                    metric = topic.group(1)  # "至于日活跃用户，多份报告的估算都在1亿上下": the measure named as the topic
                elif re.search(f"(?:{'|'.join(number_words)})$", metric or "") and number_words and figures:
                    metric = figures[-1].metric  # "全年数字略低，为3.15亿": the number of the measure before
            metric = metric or "数量"
            at = before.rfind("的" + metric)
            owner_product = by_char.get(clause_start + at - 1) if metric in tails and at > 0 else None
            if owner_product is not None and facts.type_of(owner_product.entity) == "Product":
                # "QQ群的总数", "豆瓣小组的数量": a generic measure of a product counts the product's kind
                metric = _clean_metric(to_simplified(owner_product.text)) + metric
            if canonical(metric, ending_only=True) is None and unit != "percent" and not growth_word:
                # "聚集了500多万粉丝", "拥有超过3亿月活跃用户": the measure named right after the number, unless
                # the clause ends in a measure of its own
                # ("5000万元B轮融资": a funding round's letter before the measure)
                after_at = r.end() if (r := _ROUND.match(simple, end_text)) else end_text
                form = next((f for f in measure_forms if simple.startswith(f, after_at)), None)
                metric = (simple[end_text:after_at] + form if form else None) or metric
            if quantity.currency and not canonical.known(metric) and _PRICE_VERB.search(before.rstrip(_BEFORE_NUMBER)):
                metric = "股价"  # "知乎上市首日收报8.5美元": the verb names the measure, a closing price
            # (the figures of the sentence before, in the same paragraph: "…遇见星球的平均月活跃用户为3,120万…。
            # 每名日活跃用户每日平均使用时长约为52分钟。" goes on about 遇见星球)
            # (only when the sentence speaks of the users the figures before measured: "每名日活跃用户", not another
            # measure of the company, "收费增值服务注册账户数" after QQ's accounts)
            carried = figures[-1].subject if figures and figures[-1].sentence == sentence - 1 \
                and simple.rfind("\n", 0, figures[-1].start) == paragraph and any(
                    f.sentence == sentence - 1 and len(f.metric) >= 4 and f.metric[-5:] in before for f in figures[-6:]) \
                else None
            subject = _subject(facts, simple, clause_start, start, by_char, sentence,
                               figures[-1].subject if figures and figures[-1].sentence == sentence else None, metric,
                               carried)
            owner = _owner_after(facts, simple, end_text, canonical)
            if owner is not None and not _named_between(facts, simple, clause_start, start):
                subject = owner  # "拥有3.2亿日活跃用户的快手": the measure's owner named after it
        approx = match.group("approx") or match.group("tail") or (inner_approx.group(0) if inner_approx else None)
        figure = Figure(
            text=text[start:end_text], value=value, metric=metric, start=start, end=end_text, sentence=sentence,
            subject=subject, unit=unit, currency=quantity.currency,
            approximation="at most" if at_most else approximations.get(approx) if approx else None,
            min_value=quantity.min_value,
            max_value=quantity.max_value, date=date, growth=bool(growth_word),
            # a percentage that is not a change is a share (占比, 渗透率, 八成), as on the English side
            # (not of a measure that has no canonical metric: 毛利率 41.5% is no share)
            canonical="share" if unit == "percent" and not growth_word and not canonical.unmapped(metric) else (
                before_figure.canonical if listed else canonical(metric)),
            method="zh: " + ("growth after its level" if growth_word and previous else "clause"))
        figures.append(figure)
        if listed and chains:
            chains[-1].append(len(figures) - 1)
        else:
            chains.append([len(figures) - 1])
            chain_clause.append(clause_start)
        if not growth_word:
            last_level[sentence] = figure
    return _respectively(facts, simple, figures, chains, chain_clause)


def _respectively(facts: Facts, simple: str, figures: list[Figure], chains: list[list[int]],
                  clause_starts: list[int]) -> list[Figure]:
    """"抖音、快手和B站的月活跃用户分别为7亿、4亿和3亿": as many names joined by 、 / 和 as numbers listed after
    分别, each number about the name in the same place of its list."""
    named, starts = _subjects_of(facts, simple)
    for chain, clause_start in zip(chains, clause_starts):
        first = figures[chain[0]]
        if len(chain) < 2 or "分别" not in simple[clause_start:first.start]:
            continue
        names = named[bisect.bisect_left(starts, clause_start):bisect.bisect_left(starts, first.start)]
        joined = all(simple[a.end:b.start] in ("、", "和", "及", "与", "以及", "，") for a, b in zip(names, names[1:]))
        if len(names) == len(chain) and joined and len({m.entity for m in names}) == len(names):
            for index, mention in zip(chain, names):
                figures[index] = dataclasses.replace(figures[index], subject=mention.entity)
    return figures


def _is_figure(simple: str, start: int, end: int, number: str, by_char, classifiers, after_tail: int | None = None) -> bool:
    """Not years, dates, ordinals, codes, versions or small counts in words."""
    if start in by_char or (end - 1) in by_char:
        return False  # inside a name: B站, QQ2015, 360
    scaled = re.search(f"(?:{_SCALE})(?:{_MONEY})?$", number) is not None
    if _NOT_AFTER.match(simple, end) and not (re.search(f"(?:{_SCALE})$", number) and _MEASURE_AFTER.match(simple, end)) \
            or simple[start - 1:start] in ("第", "前", "代", "码", "V", "v", "Q") \
            or simple[start - 1:start] == "号" and not scaled:  # "1号", "编号2017"; "违规账号3.2万个" counts
        return False
    # "5G", "3D", "iPhone 12": a number joined to Latin letters; a sum in 万 / 亿 is not ("5000万元B轮融资")
    if re.match(r"[A-Za-z]", simple[end:end + 1]) and not scaled or re.match(r"[A-Za-z]", simple[start - 1:start]) \
            and not number.startswith(("US$", "HK$", "RMB")):
        return False
    if simple[end:end + 1] == "岁":
        return bool(re.search(r"(?:为|是|达|约)$", simple[max(0, start - 2):start]))
    plain = re.fullmatch(r"\d+", number)
    if plain:
        # a bare integer counts only with a classifier after it (30款, 50条); a code or year does not
        return simple.startswith(classifiers, after_tail or end) and not simple.startswith("年", end)
    return True


def _clause_start(simple: str, pos: int) -> int:
    """Where the clause holding `pos` starts; a bracket or a quoted name inside it ("抖音（含抖音火山版）的日活跃
    用户", "小组“豆瓣鹅组”在…拥有") does not end it."""
    i = pos - 1
    while i > max(-1, pos - 80):
        if simple[i] in "）)":
            opening = max(simple.rfind("（", 0, i), simple.rfind("(", 0, i))
            if opening != -1 and i - opening <= 30:
                i = opening - 1
                continue
        if simple[i] in "”」":  # a short name in quotation marks ("娱乐类小组“豆瓣鹅组”在…拥有") is inside the clause
            opening = max(simple.rfind("“", 0, i), simple.rfind("「", 0, i))
            if opening != -1 and i - opening <= 13 and not _CLAUSE_BREAK.search(simple, opening + 1, i):
                i = opening - 1
                continue
        if _CLAUSE_BREAK.match(simple[i]):
            return i + 1
        i -= 1
    return max(0, i + 1)


def _bracketed(simple: str, pos: int) -> bool:
    """Whether `pos` is inside a bracket ("（含抖音火山版）"): names there are asides, not the subject."""
    opening = max(simple.rfind("（", max(0, pos - 30), pos), simple.rfind("(", max(0, pos - 30), pos))
    if opening == -1:
        return False
    closing = max(simple.rfind("）", opening, pos), simple.rfind(")", opening, pos))
    return closing == -1


def _metric(simple: str, before: str, end: int, linking, openers, growth_word, by_char, clause_start,
            type_of, to_simple, tokens, fillers=(), after_word=None, noun_after=True) -> str:
    """The noun phrase the number counts: the noun after it ("超过30款应用", "115港元的发行价"), else the clause
    before its linking verb, less time words, openers and the organisation it is about ("第二季度腾讯总收入为"
    -> 总收入). English words in a Chinese page: the last content word before the number ("a stake of")."""
    if noun_after and ((simple.startswith("的", end) and not after_word) or re.search(r"[款条个家名位部项台件种所座户]$", simple[:end])):
        noun = _noun_run(tokens, end + (1 if simple.startswith("的", end) else 0), simple)
        if len(noun) >= 2:
            return _clean_metric(noun)
    if re.search(r"[A-Za-z]{2,}\W*$", before) and not re.search(f"[{HAN}]", before[-12:]):
        words = [w for w in re.findall(r"[A-Za-z]+", before) if w.lower() not in _ENGLISH_FILLER]
        return words[-1].lower() if words else "value"
    phrase = before
    share = re.search(r"占(?:到|了)?(.{1,16}?)的(?:近|约|逾)?$", phrase)
    if share:  # "移动端广告收入已占该项收入的百分之五十五": the share of what stands before 占, else of what follows
        head = re.sub(r"(?:已经|已|约|仅)$", "", phrase[:share.start()])
        return _clean_metric(head) or _clean_metric(share.group(1))
    if growth_word and not after_word:
        phrase = phrase.rstrip(_BEFORE_NUMBER)[:-len(growth_word)]
    changed = True
    while changed:
        changed = False
        for word in linking:
            if phrase.endswith(word):
                phrase, changed = phrase[:-len(word)], True
    phrase = re.sub(r"截至(?:\d{4}年)?\d{1,2}月(?:\d{1,2}日)?(?:末|底)?(?:止)?|截至[^，,]*?(?:日|月末|月|年末|年)(?:止)?|(?:\d{4}年)?(?:第[一二三四1-4]季度|[一二三四]季度|"
                    r"Q[1-4])|\d{4}年(?:\d{1,2}月)?(?:\d{1,2}日)?|\d{1,2}月\d{1,2}日|今年|去年|上月|本月|当月|"
                    r"同期|此前|目前|已经|已|仍|达到|共|累计|总共|(?<![月日人周年每])平均|(?<![月日人周年每平])均", "", phrase)
    for opener in openers:
        if phrase.startswith(opener):
            phrase = phrase[len(opener):]
    # the organisation or person the clause is about is its subject, not part of the metric ("腾讯总收入");
    # a product stays ("QQ月活跃账户数")
    for mention in sorted(set(by_char.get(clause_start + i) for i in range(len(before))) - {None},
                          key=lambda m: -len(m.text)):
        if type_of(mention.entity) in ("Organization", "Person", "Place"):
            phrase = phrase.replace(to_simple(mention.text), "")
    if fillers:  # "日登录用户数首次", "纯利按年", "二者分别同比": adverbs and time words around the measure
        leading, trailing = _filler_patterns(tuple(fillers))
        phrase = trailing.sub("", leading.sub("", phrase))
    phrase = re.sub(r"(?:依然|仍然|依旧|仍|已经|已|均|都|也|还|将|就|则|稳定|保持|维持|在)+$", "", phrase)
    if "的" in phrase.rstrip("的"):
        head, tail = phrase.rstrip("的").rsplit("的", 1)
        at = before.rfind(head + "的")
        named = at != -1 and by_char.get(clause_start + at + len(head) - 1) is not None
        # "微信和WeChat的合并月活跃账户数": what is counted follows the last 的 after a name or reference;
        # "每月活跃的用户规模", "来自移动端的月活跃用户占比": a modifier with no name is part of the measure
        # ("平台上的兴趣房间": a reference with 上 / 内 is the owner too)
        phrase = tail if named or re.search(r"(?:其|该公司|该平台|公司|平台|我国|全国|全站|站内)(?:上|内|中)?$", head) \
            else head + tail
    phrase = re.sub(r"^(?:其|该公司|该平台|公司|的)", "", phrase)
    # "月活跃用户从去年同期的1.02亿", "收入由2022年的人民币14.6亿元": the measure ends before 从 / 由
    phrase = re.sub(r"(?:从|由)的?(?:人民币|美元|港元|港币)?$", "", phrase)
    return _clean_metric(phrase)


@functools.lru_cache(maxsize=8)
def _filler_patterns(fillers: tuple[str, ...]) -> tuple[re.Pattern, re.Pattern]:
    """The fillers of chinese.toml at the start and at the end of a measure, compiled once."""
    filler = "|".join(re.escape(f) for f in sorted(fillers, key=len, reverse=True))
    return re.compile(f"^(?:{filler})+"), re.compile(f"(?:{filler})+$")


class _Tokens(list):
    """jieba's tokens with their starts, made once per article."""

    def __init__(self, items) -> None:
        super().__init__(items)
        self.starts = [t[0] for t in items]

    def word_at(self, pos: int, simple: str) -> str | None:
        """The token that starts at `pos`, or None."""
        i = bisect.bisect_left(self.starts, pos)
        return simple[self[i][0]:self[i][1]] if i < len(self) and self.starts[i] == pos else None


def _token_starts(tokens) -> list[int]:
    """The start of every token, made once per article (a list per lookup was a tenth of a long article's time)."""
    cached = getattr(tokens, "starts", None)
    return cached if cached is not None else [t[0] for t in tokens]


def _leading_nouns(tokens: list[tuple[int, int, str]], simple: str, lo: int, hi: int, by_char, type_of) -> str:
    """The nouns a clause opens with, after time words and the organisation it is about ("B站第一季度月均活跃用户
    首次破亿" -> 月均活跃用户): the measure a number in the next clause counts."""
    starts = _token_starts(tokens)
    i = bisect.bisect_left(starts, lo)
    words = []
    while i < len(tokens) and tokens[i][0] < hi:
        start, end, tag = tokens[i]
        mention = by_char.get(start)
        if mention is not None and (not words or type_of(mention.entity) != "Product") or tag in ("t", "m", "q", "f") \
                or re.fullmatch(r"(?:第?[一二三四1-4]季度|\d{4}年|今年|去年|同期|其中|此外|用户方面|方面)", simple[start:end]):
            if words:
                break
        elif tag.startswith("n") or tag in ("vn", "eng", "j", "b") or mention is not None or simple[start:end] in ("活跃", "付费", "月均", "日均"):
            words.append(simple[start:end])
        elif words:
            break
        i += 1
    return _clean_metric("".join(words)) if len("".join(words)) >= 2 else ""


def _noun_run(tokens: list[tuple[int, int, str]], pos: int, simple: str) -> str:
    """The nouns jieba finds from `pos` on ("广点通 流量 | 扶持"), up to the first word that is not one."""
    starts = _token_starts(tokens)
    i = bisect.bisect_left(starts, pos)
    if i >= len(tokens) or tokens[i][0] != pos:
        return ""
    end, first = pos, i
    # the first word may be tagged a verb (jieba tags 应用 v in "30款应用"); the ones after it must be nouns
    # ("1200万条辱骂类评论": 类 / 型 join a kind to the noun it qualifies, when a noun follows)
    while i < len(tokens) and (tokens[i][2].startswith("n") or tokens[i][2] in ("vn", "eng", "j")
                               or i == first and tokens[i][2] == "v" and tokens[i][1] - tokens[i][0] >= 2
                               or i > first and simple[tokens[i][0]:tokens[i][1]] in ("类", "型") and i + 1 < len(tokens)
                               and tokens[i + 1][2].startswith("n")) \
            and tokens[i][1] - pos <= 10:
        end = tokens[i][1]
        i += 1
    return simple[pos:end]


_ENGLISH_FILLER = {"of", "about", "a", "an", "the", "at", "to", "by", "approximately", "nearly", "around", "was",
                   "is", "were", "are", "its", "has", "had", "have", "it", "some", "roughly", "almost", "over",
                   "more", "than", "up", "down", "for", "in", "on", "with", "and", "worth"}


def _clean_metric(text: str) -> str:
    text = re.sub(rf"[^{HAN}A-Za-z0-9]+", "", text)
    return text[-16:]


def _subject(facts: Facts, simple: str, clause_start: int, start: int, by_char, sentence: int,
             previous: str | None = None, metric: str = "", carried: str | None = None) -> str | None:
    """The organisation or product the clause names before the number (in the metric: "QQ月活跃账户数");
    else the subject of the sentence's figure before; else the one named earlier in the sentence; 其 / 该公司 or
    nothing at all: the last one named before."""
    named, starts = _subjects_of(facts, simple)

    def candidates(lo: int, hi: int) -> list[Mention]:
        return named[bisect.bisect_left(starts, lo):bisect.bisect_left(starts, hi)]

    holder = _holder(facts, simple, clause_start, start)
    if holder is not None:
        return holder
    in_clause = candidates(clause_start, start)
    if in_clause:
        return in_clause[-1].entity
    work = _product_referred(facts, simple, clause_start, start)
    if work is not None:
        return work
    group = _group_referred(facts, simple, clause_start, start, named)
    if group is not None:
        return group
    # "我国网民规模为9.04亿": a country named in the clause is what its national figures are about
    place = next((m for m in reversed(_places_of(facts)) if clause_start <= m.start < start
                  and _NATIONAL_MEASURE.match(simple, m.end)), None)
    if place is not None:
        return place.entity
    if previous is not None:
        return previous
    sentence_start = simple.rfind("\n", 0, clause_start) + 1
    for i in range(clause_start - 1, sentence_start - 1, -1):
        if simple[i] in "。！？":
            sentence_start = i + 1
            break
    earlier = candidates(sentence_start, clause_start)
    if earlier:
        return earlier[0].entity
    if carried is not None and not re.search(r"其|该|公司|平台|全站|站内", simple[sentence_start:start]):
        return carried  # no name and no reference in the sentence: the subject of the sentence before goes on
    before = candidates(0, start)
    organisations = [m for m in before if facts.type_of(m.entity) == "Organization"]
    if _NATIONAL_METRIC.search(metric):
        # "用户规模达9.81亿", "短视频行业其月活跃用户规模" in a report on the country ("我国网民规模…" before): the
        # country, when it was named with its national figures after the last organisation or product
        country = next((m for m in reversed(_places_of(facts)) if m.end <= start
                        and _NATIONAL_MEASURE.match(simple, m.end)), None)
        if country is not None and (not before or country.start > before[-1].start):
            return country.entity
    platform = "|".join(re.escape(w) for w in facts.rules.chinese.get("references", {}).get("platform", []))
    if re.search(r"公司", simple[clause_start:start]) and organisations:
        return organisations[-1].entity  # "公司去年录得经调整净利润1.9亿元": the company last named, not its app
    if re.search(r"其" + (f"|{platform}" if platform else ""), simple[clause_start:start]) and before:
        return before[-1].entity  # "全站目前有约100万名活跃吧主": the platform last named
    if organisations:
        # (an organisation named once, "即刻App由北京心光流美信息技术有限公司运营", gives way to what the article
        # names again and again: an interview's answers about 即刻 are 即刻's)
        counts = Counter(m.entity for m in before)
        most = max(reversed(before), key=lambda m: counts[m.entity])
        if counts[organisations[-1].entity] == 1 and counts[most.entity] >= 3:
            return most.entity
        return organisations[-1].entity
    return before[-1].entity if before else None


def _holder(facts: Facts, simple: str, clause_start: int, start: int) -> str | None:
    """'创始人岑子朗持股约31.5%，腾讯持股约7.9%': a stake is its holder's, a person's too, named right before the
    word of holding (chinese.toml [figures] holder_words)."""
    words = "|".join(re.escape(w) for w in facts.vocab.figures.get("holder_words", []))
    match = re.search(rf"(?:{words})(?:比例)?(?:约|为|达|约为)?$", simple[clause_start:start]) if words else None
    if match is None:
        return None
    at = clause_start + match.start()
    return next((m.entity for m in facts.mentions if m.end == at and facts.type_of(m.entity) in
                 ("Person", "Organization", "Product")), None)


def _product_referred(facts: Facts, simple: str, clause_start: int, start: int) -> str | None:
    """'這款遊戲上線首月的註冊玩家已突破3000萬': 这款游戏 / 该应用 in the clause refer to the product or work
    (a game in 《》) last named before (chinese.toml [references] product)."""
    words = facts.rules.chinese.get("references", {}).get("product", [])
    if not any(w in simple[clause_start:start] for w in words):
        return None
    named = [m for m in facts.mentions if m.end <= start and facts.type_of(m.entity) in ("Product", "CreativeWork")]
    return max(named, key=lambda m: m.start).entity if named else None


def _named_between(facts: Facts, simple: str, lo: int, hi: int) -> bool:
    """Whether an organisation or product that can be a subject is named between lo and hi."""
    named, starts = _subjects_of(facts, simple)
    return bisect.bisect_left(starts, lo) < bisect.bisect_left(starts, hi)


def _owner_after(facts: Facts, simple: str, end: int, canonical) -> str | None:
    """"拥有3.2亿日活跃用户的快手", "一个拥有3亿月活跃人数的贴吧": a measure right after the number, then 的 and an
    organisation or product: that one is what the number measures."""
    match = re.match(rf"([{HAN}A-Za-z]{{2,10}}?)的", simple[end:end + 12])
    if match is None or not canonical.known(match.group(1)):
        return None
    named, starts = _subjects_of(facts, simple)
    i = bisect.bisect_left(starts, end + match.end())
    return named[i].entity if i < len(named) and starts[i] == end + match.end() else None


def _group_referred(facts: Facts, simple: str, clause_start: int, start: int, named: list[Mention]) -> str | None:
    """"今天群里已经有超过30款应用", "每天有超过2.5亿用户在群里发言": 群里 in the clause refers to the group
    product last named before (QQ群, 微信群), when there is one."""
    words = facts.rules.chinese.get("references", {}).get("groups", [])
    breaks = _CLAUSE_BREAK.search(simple, start)
    clause = simple[clause_start:breaks.start() if breaks else len(simple)]
    if not words or not any(w in clause for w in words):
        return None
    groups = [m for m in named if m.end <= start and to_simplified(m.text).endswith("群")
              and facts.type_of(m.entity) == "Product"]
    return groups[-1].entity if groups else None


# what a country's statistics count: 我国网民规模, 中国手机网民规模, 全国网络视频用户
_NATIONAL_MEASURE = re.compile(rf"[{HAN}]{{0,12}}?(?:网民|用户|人数|规模|普及率)")
# measures of a country's or an industry's figures after it: 用户规模, 使用率, 全网月均MAU, 时长占比
_NATIONAL_METRIC = re.compile(r"网民|用户|人数|规模|普及率|使用率|MAU|DAU|月活|日活|时长|全网|行业")


def _places_of(facts: Facts) -> list[Mention]:
    """The places named, in text order, made once per article."""
    cached = getattr(facts, "_places", None)
    if cached is None:
        cached = sorted((m for m in facts.mentions if facts.type_of(m.entity) == "Place"), key=lambda m: m.start)
        facts._places = cached  # type: ignore[attr-defined]
    return cached


def _subjects_of(facts: Facts, simple: str) -> tuple[list[Mention], list[int]]:
    """Mentions that can be a figure's subject (organisations and products outside brackets), in text order,
    with their starts: made once per article (a scan per figure was quadratic in long articles)."""
    cached = getattr(facts, "_subjects", None)
    if cached is None:
        # exchanges and news outlets list and report companies, they are not what the figures measure
        # ('在港交所挂牌的网易云音乐 ... 收入增至33亿元' is the company's revenue)
        outlets = facts.rules.news_outlets()
        named = sorted((m for m in facts.mentions if facts.type_of(m.entity) in ("Organization", "Product")
                        and facts.entities[m.entity].name.lower().replace("-", " ") not in outlets
                        and not _bracketed(simple, m.start) and not _is_source(simple, m)
                        and not employs_an_outsider(facts, m) and not _invests(facts, simple, m)), key=lambda m: m.start)
        cached = (named, [m.start for m in named])
        facts._subjects = cached  # type: ignore[attr-defined]
    return cached


def _invests(facts: Facts, simple: str, mention: Mention) -> bool:
    """'由启明创投领投的5000万元融资': the investor of a round is not what its sum measures (the company raising it
    is); chinese.toml [figures] investor_verbs."""
    verbs = tuple(facts.vocab.figures.get("investor_verbs", []))
    return bool(verbs) and simple.startswith(verbs, mention.end) and simple[mention.start - 1:mention.start] in ("由", "、", "和")


# "易观分析给出的…为3.15亿", "据QuestMobile数据显示", "艾瑞咨询估计": a firm whose estimate the article reports
_SOURCE_AFTER = re.compile(r"(?:给出的|的数据|数据显示|报告显示|的报告|发布的|的估算|估算|估计|预计|统计|测算|的统计|显示"
                           r"|的调研|调研|的监测|监测"
                           # "华泰证券11月24日发布研究报告": a broker's note on the company it covers
                           r"|(?:\d{1,2}月\d{1,2}日|今日|昨日|近日)?(?:发布|发表)了?(?:最新)?(?:的)?(?:研究报告|研报|报告)"
                           # "高盛对腾讯维持“买入”评级", "中金维持腾讯跑赢行业评级": a broker rating a company
                           r"|(?:对[^，。；]{1,12}?)?(?:维持|给予|重申|首予|首次给予|上调|下调)[^，。；]{0,12}?评级)")
_SOURCE_BEFORE = re.compile(r"(?:据|根据|来自)$")


def _is_source(simple: str, mention: Mention) -> bool:
    """The mention names where a figure comes from (a research firm, a data service), not what it measures; the
    company a broker rates ("高盛对腾讯维持…评级", "维持快手“买入”评级") is what it measures."""
    if _RATED.search(simple, max(0, mention.start - 4), mention.start):
        return False
    return bool(_SOURCE_AFTER.match(simple, mention.end) or _SOURCE_BEFORE.search(simple, max(0, mention.start - 2),
                                                                                  mention.start))


_RATED = re.compile(r"(?:对|维持|给予|重申|首予|首次给予|覆盖)$")


def _date_of(simple: str, start: int, clause_start: int, article_date: str | None, year: int | None) -> str | None:
    """The figure's as-of date: 截至2015年6月30日 (or 截至3月31日, the year from the article), 第二季度
    (its last month), an explicit date in the sentence, 今日 (the article's date)."""
    sentence_start = max(simple.rfind(c, 0, start) for c in "。！？\n") + 1
    window = simple[sentence_start:start]
    as_of = list(_AS_OF.finditer(window))
    if as_of:
        y, m, d = as_of[-1].groups()
        y = int(y) if y else year
        if y:
            return f"{y:04d}-{int(m):02d}" + (f"-{int(d):02d}" if d else "")
    quarter = list(_QUARTER.finditer(window))
    if quarter:
        q = quarter[-1]
        y = q.group(1) or q.group(3)
        n = _QUARTER_NUM[q.group(2) or q.group(4)]
        y = int(y) if y else year
        if y:
            return f"{y:04d}-{3 * n:02d}"
    full = list(_DATE_FULL.finditer(window))
    if full:
        y, m, d = full[-1].groups()
        return f"{int(y):04d}-{int(m):02d}" + (f"-{int(d):02d}" if d else "")
    if _TODAY.search(window) and article_date:
        return article_date
    return None


_PER_RULES: dict[int, tuple] = {}  # id(rules) -> (a weak reference to them, canonical table, measure forms)


def _per_rules(facts: Facts):
    """The canonical table and the Chinese measure forms of these rules, made once per rules object (rebuilt per
    article they were 5 % of the Chinese extraction, profiled on the 35 tune articles); not kept on the rules
    themselves, which are pickled to extraction processes."""
    held = _PER_RULES.get(id(facts.rules))
    if held is None or held[0]() is not facts.rules:
        # (unmapped measures too: "1万名创作者" counts creators, not the 创作 of posts)
        forms = sorted((f for f in (*facts.rules.canonical_forms(), *facts.rules.unmapped_metrics)
                        if re.search(f"[{HAN}]", f)), key=len, reverse=True)
        held = _PER_RULES[id(facts.rules)] = (weakref.ref(facts.rules), _canonical_table(facts), forms)
    return held[1], held[2]


def _canonical_table(facts: Facts):
    """The canonical metric (rules/metrics.toml) whose form the metric contains, longest form first."""
    forms = sorted(facts.rules.canonical_forms().items(), key=lambda item: -len(item[0]))
    # measures with no canonical metric (每股收益 is not 收益) are forms too, and the longest ending wins
    han_forms = sorted([(f, c) for f, c in forms if re.search(f"[{HAN}]", f)]
                       + [(f, None) for f in facts.rules.unmapped_metrics if re.search(f"[{HAN}]", f)],
                       key=lambda item: -len(item[0]))

    tails = tuple(facts.vocab.figures.get("measure_tails", []))
    # one dictionary instead of a scan of every form per lookup (the scan was half the time of the Chinese
    # figures on the 20 tune articles): the longest form wins, as in the sorted list
    by_form: dict[str, str | None] = {}
    for f, c in han_forms:
        by_form.setdefault(f, c)
    lengths = sorted({len(f) for f in by_form}, reverse=True)

    def longest_ending(text: str):
        for i in range(len(text)):
            if text[i:] in by_form:
                return (text[i:], by_form[text[i:]])
        return None

    def longest_inside(text: str) -> str | None:
        # a Chinese measure ends in its head: the form that ends rightmost wins, the longest there
        for end in range(len(text) - 1, 0, -1):
            found = longest_ending(text[:end])
            if found is not None:
                return found[1]
        return None

    @functools.lru_cache(maxsize=4096)
    def known(metric: str) -> bool:
        """Whether the metric names a measure at all, with a canonical metric or an unmapped one (毛利润)."""
        metric = metric.lower()
        return any(metric[i:j] in by_form for j in range(len(metric), 0, -1) for i in range(j))

    @functools.lru_cache(maxsize=4096)
    def canonical(metric: str, ending_only: bool = False) -> str | None:
        """A form at the end of the metric first ("增值服务收入" ends in 收入; "付费用户规模" without its generic
        ending 规模 is 付费用户), else anywhere in it."""
        if not re.search(f"[{HAN}]", metric):  # an English word of a mixed page ("raised")
            return next((c for f, c in forms if metric.lower() == f or metric.lower().endswith(" " + f)), None)
        metric = metric.lower()  # forms are kept in lower case ("up主")
        if re.match(r"每(?![月日天周年季])", metric) and not re.search(r"时长|时间", metric):
            # a measure per share or per user ("每付费用户平均收入") is no total; time spent is per user anyway
            # ("每名日活跃用户每日平均使用时长")
            return None
        latin = re.search(r"[a-z]{2,}$", metric)
        if latin:  # "全网月均MAU": the English abbreviation that ends it
            found = next((c for f, c in forms if latin.group(0) == f), None)
            if found is not None:
                return found
        joined = re.split(r"[和及与、]", metric, maxsplit=1)
        if len(joined) == 2 and len(joined[0]) >= 2 and len(joined[1]) >= 2:
            # "视频播放量和播放用户数均增长30%": two measures, the first named is the canonical one
            first = canonical(joined[0], ending_only=True)
            if first is not None:
                return first
        core = next((metric[:-len(t)] for t in tails if metric.endswith(t) and len(metric) > len(t) + 1), None)
        ending = (longest_ending(core) if core else None) or longest_ending(metric)
        if ending is not None or ending_only:
            return ending[1] if ending is not None else None
        return longest_inside(metric)

    def unmapped(metric: str) -> bool:
        """Whether the measure ends in a form that has no canonical metric (毛利率, 利润率)."""
        found = longest_ending(metric.lower())
        return found is not None and found[1] is None

    canonical.known = known  # type: ignore[attr-defined]
    canonical.unmapped = unmapped  # type: ignore[attr-defined]
    return canonical
