"""The one way a trusted SELECT becomes rows, and the one way text becomes a SPARQL literal."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from rdflib import Literal

from ..vocab import PREFIXES
from .protocol import Queryable

PROLOGUE = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
_FLOATS = frozenset(("double", "decimal", "float"))
_INTEGERS = frozenset(("integer", "nonNegativeInteger", "int", "long"))


def select(store: Queryable, query: str) -> list[dict[str, Any]]:
    """Run a trusted SELECT (our prefixes declared, the default graph the union of the article graphs) on the
    embedded or a remote store; rows as {variable: value}: numbers as int / float, other terms as their
    lexical form, None where the variable is unbound."""
    result = store.query(PROLOGUE + query, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    return [{name: None if (term := solution[name]) is None else value(term) for name in names}
            for solution in result]


def value(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Any:
    """A term as Python: xsd numbers as int / float, everything else its lexical form (or IRI)."""
    if isinstance(term, ox.Literal):
        dtype = term.datatype.value.rsplit("#", 1)[-1]
        if dtype in _FLOATS:
            return float(term.value)
        if dtype in _INTEGERS:
            return int(term.value)
    return term.value


def literal(text: str) -> str:
    """A SPARQL string literal for any text, in rdflib's Turtle/SPARQL term syntax.

    Not json.dumps: it writes characters outside the BMP as a surrogate pair of \\u escapes, which SPARQL
    rejects ("qq 😀" in a search made every entity-card lookup fail). Lone surrogates, which no UTF-8 text can
    hold, become U+FFFD (utf-16 with surrogatepass pairs the well-formed ones and replaces the rest).
    """
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return Literal(text).n3()
