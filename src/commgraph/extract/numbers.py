"""Turn number phrases ("380 million", "88.9%", "10 billion yuan", "tens of millions") into values."""

from __future__ import annotations

import re
from dataclasses import dataclass

SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "hundred": 1e2,
          "k": 1e3, "m": 1e6, "bn": 1e9, "wan": 1e4, "yi": 1e8}
WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
         "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
         "forty": 40, "fifty": 50, "hundred": 100, "thousand": 1000, "dozen": 12, "a dozen": 12}
CURRENCIES = {"yuan": "CNY", "rmb": "CNY", "renminbi": "CNY", "dollars": "USD", "dollar": "USD", "us$": "USD",
              "$": "USD", "¥": "CNY", "euros": "EUR", "euro": "EUR", "hk$": "HKD"}
# "tens of millions" -> [1e7, 1e8); "hundreds of thousands" -> [1e5, 1e6); "millions" -> [1e6, 1e7)
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
    """Parse a number phrase; None when the text holds no number."""
    lowered = text.lower().strip()
    currency = next((code for word, code in CURRENCIES.items() if re.search(rf"(^|\W){re.escape(word)}(\W|$)", lowered)
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
    elif core in WORDS:
        value = float(WORDS[core])
    else:
        words = core.split()
        if not words or words[0] not in WORDS:
            return None
        value = float(WORDS[words[0]])
        for word in words[1:]:
            value *= SCALES.get(word, 1)
    return Quantity(value=value, unit="percent" if percent else None, currency=currency)


def is_small_word_number(text: str) -> bool:
    """'two', 'five': counts in prose ("two historical periods"), not published figures."""
    return text.lower().strip() in WORDS and WORDS[text.lower().strip()] < 10
