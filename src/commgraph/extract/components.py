"""FastAttributeRuler: spaCy's AttributeRuler with the same patterns and annotations, matched faster.

Imported only when a pipeline is built (it imports spaCy).
"""

from __future__ import annotations

from spacy import attrs as spacy_attrs
from spacy.matcher import Matcher
from spacy.pipeline import AttributeRuler
from spacy.strings import get_string_id
from spacy.tokens import Doc

# What a one-token pattern may test to be looked up rather than matched; the order is the lookup's columns.
LOOKUP_ATTRS = ("TAG", "LOWER", "DEP", "IS_SPACE")
_TAG, _LOWER = 0, 1


class FastAttributeRuler(AttributeRuler):
    """The English model's 179 attribute-ruler patterns nearly all test one token for its tag, its lower-cased
    form, its dependency label or whether it is whitespace. spaCy's Matcher tries every pattern at every token
    (19 µs a token, 17 % of the whole pipeline); here those patterns are looked up by the token's tag or form,
    and only the others (several tokens, regular expressions, operators) go through a Matcher. The matches
    are the same and are applied in the same order by AttributeRuler.set_annotations, so the annotations are
    the same (tests/test_extract.py compares them token by token).
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
    """The ruler's patterns split into a table of one-token patterns and a Matcher for the rest."""

    def __init__(self, ruler: AttributeRuler) -> None:
        self.strings = ruler.vocab.strings
        self.matcher = Matcher(ruler.vocab)
        self.by_tag: dict[int, list] = {}
        self.by_lower: dict[int, list] = {}
        self.anywhere: list = []
        for attr_id, entry in enumerate(ruler.patterns):
            key = self.strings.add(str(attr_id))  # the match key AttributeRuler gives this pattern
            for pattern in entry["patterns"]:
                checks = _checks(pattern)
                if checks is None:
                    self.matcher.add(key, [pattern])
                else:
                    self._register((attr_id, key, checks))

    def _register(self, entry: tuple) -> None:
        """File a one-token pattern under every tag it accepts, else every form, else under 'anywhere'."""
        checks = entry[2]
        for column, table in ((_TAG, self.by_tag), (_LOWER, self.by_lower)):
            accepted = next((values for col, values in checks if col == column), None)
            if accepted is not None:
                for value in accepted:
                    table.setdefault(value, []).append(entry)
                return
        self.anywhere.append(entry)

    def match(self, doc: Doc) -> list[tuple[int, int, int, int]]:
        """(attribute id, match key, start, end) sorted, as AttributeRuler.match returns them."""
        found = {(int(self.strings[key]), key, start, end)
                 for key, start, end in self.matcher(doc, allow_missing=True, as_spans=False)}
        rows = doc.to_array([getattr(spacy_attrs, name) for name in LOOKUP_ATTRS]).tolist()
        by_tag, by_lower, anywhere = self.by_tag, self.by_lower, self.anywhere
        for i, row in enumerate(rows):
            for candidates in (by_tag.get(row[_TAG]), by_lower.get(row[_LOWER]), anywhere):
                if candidates:
                    for attr_id, key, checks in candidates:
                        if all(row[column] in values for column, values in checks):
                            found.add((attr_id, key, i, i + 1))
        return sorted(found)


def _checks(pattern: list[dict]) -> list[tuple[int, set[int]]] | None:
    """[(column, accepted values)] for a one-token pattern of plain values or IN lists; None for any other."""
    if len(pattern) != 1 or not set(pattern[0]) <= set(LOOKUP_ATTRS):
        return None
    checks = []
    for name, wanted in pattern[0].items():
        if isinstance(wanted, dict):
            if set(wanted) != {"IN"}:
                return None
            wanted = wanted["IN"]
        else:
            wanted = [wanted]
        if name == "IS_SPACE":
            accepted = {int(bool(value)) for value in wanted}
        else:
            accepted = {get_string_id(value) for value in wanted}
        checks.append((LOOKUP_ATTRS.index(name), accepted))
    return checks
