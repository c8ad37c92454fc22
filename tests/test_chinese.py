"""The Chinese pipeline: numbers, entities across languages, figures, quotes and roles (issue 14)."""

import pytest

from commgraph.extract.numbers import parse_quantity


@pytest.mark.parametrize("text, value, unit, currency", [
    ("8亿", 8e8, None, None), ("2000万", 2e7, None, None), ("三千万", 3e7, None, None),
    ("1.2亿元", 1.2e8, None, "CNY"), ("10亿美元", 1e9, None, "USD"), ("149.8港元", 149.8, None, "HKD"),
    ("人民币5亿元", 5e8, None, "CNY"), ("3.5万亿", 3.5e12, None, None), ("1,000万", 1e7, None, None),
    ("百分之二十", 20, "percent", None), ("百分之五十五", 55, "percent", None), ("５５％", 55, "percent", None),
    ("三成", 30, "percent", None), ("近八成", 80, "percent", None), ("五亿", 5e8, None, None),
    ("一亿二千万", 1.2e8, None, None),
])
def test_chinese_quantities(text, value, unit, currency):
    quantity = parse_quantity(text)
    assert quantity is not None and quantity.value == pytest.approx(value)
    assert (quantity.unit, quantity.currency) == (unit, currency)


def test_chinese_ranges_and_english_unchanged():
    assert (parse_quantity("数千万").min_value, parse_quantity("数千万").max_value) == (1e7, 1e8)
    assert parse_quantity("上亿").min_value == 1e8 and parse_quantity("上亿").max_value is None
    assert parse_quantity("亿") is None
    assert parse_quantity("380 million").value == 3.8e8
    assert parse_quantity("88.9%").unit == "percent"
