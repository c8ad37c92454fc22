"""FastAttributeRuler: spaCy's AttributeRuler with the same patterns and annotations, matched faster.

Imported only when a pipeline is built (it imports spaCy).
"""

from __future__ import annotations

import re

from spacy import attrs as spacy_attrs
from spacy.matcher import Matcher
from spacy.pipeline import AttributeRuler
from spacy.strings import get_string_id
from spacy.tokens import Doc

# What a pattern may test to be looked up rather than matched; the order is the lookup's columns.
LOOKUP_ATTRS = ("TAG", "LOWER", "DEP", "IS_SPACE")
# Columns a pattern is filed under, the most selective first: a form ("'s"), a tag, a dependency label.
_FILING_ORDER = (1, 0, 2)  # LOWER, TAG, DEP


class FastAttributeRuler(AttributeRuler):
    """The English model's 179 attribute-ruler patterns test a token's tag, lower-cased form, dependency label
    or whitespace, and a few test two tokens in a row. spaCy's Matcher tries every pattern at every token
    (19 µs a token, 15-17 % of the whole pipeline); here each pattern is filed under the tags (or forms, or
    labels) its first token accepts and checked only where those occur. Patterns this cannot express
    (operators, other attributes) still go through a Matcher. The matches are the same and are applied in the
    same order by AttributeRuler.set_annotations, so the annotations are the same (tests/test_extract.py
    compares them token by token).
    """

    _compiled: "_Lookup | None" = None

    def add(self, patterns, attrs, index: int = 0) -> None:
        super().add(patterns, attrs, index)
        self._compiled = None

    def clear(self) -> None:
        super().clear()
        self._compiled = None

    def match(self, doc: Doc):
        if self._compiled is None:
            self._compiled = _Lookup(self)
        return self._compiled.match(doc)


class _Lookup:
    """The ruler's patterns as fixed token sequences filed by their first token, plus a Matcher for the rest."""

    def __init__(self, ruler: AttributeRuler) -> None:
        self.strings = ruler.vocab.strings
        self.matcher = Matcher(ruler.vocab)
        self.tables: tuple[dict[int, list], ...] = ({}, {}, {})  # see _FILING_ORDER
        self.anywhere: list = []
        for attr_id, entry in enumerate(ruler.patterns):
            key = self.strings.add(str(attr_id))  # the match key AttributeRuler gives this pattern
            for pattern in entry["patterns"]:
                tokens = [_checks(spec) for spec in pattern]
                if not tokens or any(checks is None for checks in tokens):
                    self.matcher.add(key, [pattern])
                else:
                    self._register((attr_id, key, tokens))

    def _register(self, entry: tuple) -> None:
        """File a pattern under every form its first token accepts, else every tag, else every label; the
        check that filing answers is dropped from the first token's checks."""
        attr_id, key, tokens = entry
        for column, table in zip(_FILING_ORDER, self.tables):
            check = next((c for c in tokens[0] if c[0] == column and c[1] == "in"), None)
            if check is not None:
                rest = [[c for c in tokens[0] if c is not check], *tokens[1:]]
                for value in check[2]:
                    table.setdefault(value, []).append((attr_id, key, rest))
                return
        self.anywhere.append(entry)

    def match(self, doc: Doc) -> list[tuple[int, int, int, int]]:
        """(attribute id, match key, start, end) sorted, as AttributeRuler.match returns them."""
        found = set()
        if len(self.matcher):
            found = {(int(self.strings[key]), key, start, end)
                     for key, start, end in self.matcher(doc, allow_missing=True, as_spans=False)}
        rows = doc.to_array([getattr(spacy_attrs, name) for name in LOOKUP_ATTRS]).tolist()
        by_lower, by_tag, by_dep = self.tables  # in _FILING_ORDER
        anywhere, fits, n = self.anywhere, self._fits, len(rows)
        for i, row in enumerate(rows):
            for candidates in (by_lower.get(row[1]), by_tag.get(row[0]), by_dep.get(row[2]), anywhere):
                for attr_id, key, tokens in candidates or ():
                    if len(tokens) == 1:  # most patterns; the tag map's have no check left at all
                        if not tokens[0] or fits(row, tokens[0]):
                            found.add((attr_id, key, i, i + 1))
                    elif i + len(tokens) <= n and all(fits(rows[i + k], checks) for k, checks in enumerate(tokens)):
                        found.add((attr_id, key, i, i + len(tokens)))
        return sorted(found)

    def _fits(self, row: list[int], checks: list) -> bool:
        for column, kind, values in checks:
            if kind == "in":
                if row[column] not in values:
                    return False
            elif kind == "not in":
                if row[column] in values:
                    return False
            elif not values.search(self.strings[row[column]] if row[column] else ""):  # a regular expression
                return False
        return True


def _checks(spec: dict) -> list[tuple[int, str, object]] | None:
    """[(column, "in" | "not in" | "regex", accepted values or pattern)] for one token's spec, or None when it
    uses anything else (operators, other attributes)."""
    if not set(spec) <= set(LOOKUP_ATTRS):
        return None
    checks = []
    for name, wanted in spec.items():
        column = LOOKUP_ATTRS.index(name)
        if isinstance(wanted, dict):
            if len(wanted) != 1:
                return None
            (operator, value), = wanted.items()
            if operator == "REGEX" and name != "IS_SPACE":
                checks.append((column, "regex", re.compile(value)))
                continue
            if operator not in ("IN", "NOT_IN"):
                return None
            kind, wanted = ("in" if operator == "IN" else "not in"), value
        else:
            kind, wanted = "in", [wanted]
        values = {int(bool(v)) for v in wanted} if name == "IS_SPACE" else {get_string_id(v) for v in wanted}
        checks.append((column, kind, values))
    return checks
