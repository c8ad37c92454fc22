"""Turn number phrases ("380 million", "88.9%", "10 billion yuan", "tens of millions") into values."""

from __future__ import annotations

import re
from dataclasses import dataclass

SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "hundred": 1e2,
          "k": 1e3, "m": 1e6, "mn": 1e6, "bn": 1e9, "wan": 1e4, "yi": 1e8}
WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
         "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
         "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
         "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
         "thousand": 1000, "dozen": 12, "a dozen": 12}
CURRENCIES = {"yuan": "CNY", "rmb": "CNY", "renminbi": "CNY", "dollars": "USD", "dollar": "USD", "us$": "USD",
              "$": "USD", "¥": "CNY", "euros": "EUR", "euro": "EUR", "hk$": "HKD"}
# "tens of millions" -> [1e7, 1e8); "hundreds of thousands" -> [1e5, 1e6); "millions" -> [1e6, 1e7)
_CURRENCY_WORDS = {word: re.compile(rf"(^|\W){re.escape(word)}(\W|$)") for word in CURRENCIES}
_MAGNITUDE = re.compile(r"^(?:(tens|hundreds|dozens)\s+of\s+)?(thousands|millions|billions)(?:\s+of)?$")
_NUMBER = re.compile(r"(\d+(?:[.,]\d+)*)")


@dataclass(frozen=True)
class Quantity:
    value: float | None
    unit: str | None = None
    currency: str | None = None
    min_value: float | None = None
    max_value: float | None = None


def parse_quantity(text: str) -> Quantity | None:
    """Parse a number phrase ("380 million", "8亿", "百分之二十", "5.3亿元"); None when it holds no number."""
    if _CJK_NUMBER.search(text):
        return parse_chinese_quantity(text)
    lowered = text.lower().strip()
    currency = next((code for word, code in CURRENCIES.items() if _CURRENCY_WORDS[word].search(lowered)
                     or (not word.isalpha() and word in lowered)), None)
    core = re.sub(r"\b(yuan|rmb|renminbi|dollars?|euros?|us\$|hk\$)\b|[$¥]", "", lowered).strip()
    magnitude = _MAGNITUDE.match(core)
    if magnitude:
        low = SCALES[magnitude.group(2)[:-1]] * {"tens": 10, "hundreds": 100, "dozens": 12, None: 1}[magnitude.group(1)]
        return Quantity(value=None, currency=currency, min_value=low, max_value=low * 10)
    percent = "%" in core or "percent" in core or "per cent" in core
    match = _NUMBER.search(core)
    if match:
        value = float(match.group(1).replace(",", ""))
        rest = core[match.end():].split()
        if rest and rest[0] in SCALES:
            value *= SCALES[rest[0]]
        elif rest and rest[0] in ("cents", "cent"):
            value, currency = value / 100, currency or "USD"  # "8 cents per share"
    elif core in WORDS:
        value = float(WORDS[core])
    else:
        words = core.split()
        tens, _, units = (words[0] if words else "").partition("-")
        if words and tens in WORDS and units in WORDS and WORDS[tens] >= 20 and WORDS[units] < 10:
            value = float(WORDS[tens] + WORDS[units])  # "sixty-five per cent"
        elif words and words[0] in WORDS:
            value = float(WORDS[words[0]])
        else:
            return None
        for word in words[1:]:
            value *= SCALES.get(word, 1)
    return Quantity(value=value, unit="percent" if percent else None, currency=currency)


def is_small_word_number(text: str) -> bool:
    """'two', 'five': counts in prose ("two historical periods"), not published figures."""
    return text.lower().strip() in WORDS and WORDS[text.lower().strip()] < 10


# Chinese number phrases: 8亿, 2000万, 三千万, 1.2亿元, 10亿美元, 百分之二十, 55%, 三成, 数千万.
CN_SCALES = {"万亿": 1e12, "千亿": 1e11, "百亿": 1e10, "亿": 1e8, "千万": 1e7, "百万": 1e6, "十万": 1e5, "万": 1e4,
             "千": 1e3, "百": 1e2}
# Longest first, so that 美元 is dollars and not yuan (元), 港元 Hong Kong dollars.
CN_CURRENCIES = (("美元", "USD"), ("美金", "USD"), ("美分", "USD"), ("港元", "HKD"), ("港币", "HKD"), ("欧元", "EUR"), ("日元", "JPY"),
                 ("人民币", "CNY"), ("元", "CNY"), ("块", "CNY"))
_CN_DIGITS = "零〇一二两三四五六七八九十百千万亿点壹贰叁肆伍陆柒捌玖拾佰仟"
_CJK_NUMBER = re.compile(r"[\u4e00-\u9fff\uff05\uff10-\uff19]")  # any Han character, full-width digit or %
_CN_NUMERAL = re.compile(rf"[{_CN_DIGITS}]+")
_ARABIC_SCALED = re.compile(r"(\d+(?:[.,]\d+)*)\s*(万亿|千亿|百亿|亿|千万|百万|十万|万|千|百)?")
# 数千万 "tens of millions", 上亿 "a hundred million or more", 几百万 "several million"
_CN_MAGNITUDE = re.compile(r"(数|几|上)(十|百|千)?(万亿|亿|千万|百万|万|千|百)")


def parse_chinese_quantity(text: str) -> Quantity | None:
    """A Chinese (or full-width) number phrase as a value: Arabic digits with 万/亿 scales, Chinese numerals
    (through cn2an), 百分之 and % (percent), 成 (tenths: 三成 = 30 %), currencies (元 = CNY, 美元 = USD)."""
    import unicodedata

    core = unicodedata.normalize("NFKC", text).strip()
    currency = next((code for word, code in CN_CURRENCIES if word in core), None)
    for word, _ in CN_CURRENCIES:
        core = core.replace(word, "")
    core = re.sub(r"(人民币|rmb|us\$|hk\$|[$¥￥])", "", core, flags=re.IGNORECASE).strip()
    magnitude = _CN_MAGNITUDE.search(core)
    if magnitude:
        low = CN_SCALES[magnitude.group(3)] * {"十": 10, "百": 100, "千": 1000, None: 1}[magnitude.group(2)]
        if magnitude.group(1) == "上":
            return Quantity(value=None, currency=currency, min_value=low)
        return Quantity(value=None, currency=currency, min_value=low, max_value=low * 10)
    unit = None
    if core.startswith("百分之") or "%" in core:
        unit, core = "percent", core.replace("百分之", "").replace("%", "")
    elif "成" in core[1:]:  # 三成 = 30 %; Hong Kong reports add the units: 六成四 = 64 %, 五成半 = 55 %
        tens, _, units = core.partition("成")
        value = _chinese_number(tens)
        extra = 5.0 if units == "半" else _chinese_number(units) if units else 0.0
        if value is None or extra is None:
            return None
        return Quantity(value=value * 10 + extra, unit="percent", currency=currency)
    value = _chinese_number(core)
    if value is None:
        return None
    if "美分" in text:
        value /= 100  # 35美分 is 0.35 dollars
    return Quantity(value=value, unit=unit, currency=currency)


def _chinese_number(text: str) -> float | None:
    """8亿 -> 8e8, 2000万 -> 2e7, 1,000万 -> 1e7, 3.5万亿 -> 3.5e12, 三千万 -> 3e7, 一亿二千万 -> 1.2e8."""
    arabic = _ARABIC_SCALED.search(text)
    if arabic:
        value = float(arabic.group(1).replace(",", ""))
        return value * CN_SCALES[arabic.group(2)] if arabic.group(2) else value
    numeral = _CN_NUMERAL.search(text)
    if not numeral:
        return None
    import cn2an

    try:
        return float(cn2an.cn2an(numeral.group(0), "smart"))
    except ValueError:  # cn2an's own message is in Chinese only; not a number then
        return None
