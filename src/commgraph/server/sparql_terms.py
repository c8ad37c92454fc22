"""Completions for the SPARQL page's editor: every term of our closed vocabularies (vocab.py) with what
docs/ontology.md says of it, and the prefixes. The descriptions are kept in sparql_terms.json, made from the
ontology page (`python -m commgraph.server.sparql_terms docs/ontology.md`); a test keeps the two equal."""

from __future__ import annotations

import json
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from rdflib.namespace import DefinedNamespace

from ..vocab import CG, NIF, PREFIXES, SCHEMA

HINTS_FILE = Path(__file__).with_name("sparql_terms.json")

# rdf: terms a query of our graph uses (types, and the parts of a reified relation); rdf is not closed in vocab.py
RDF_TERMS = {"rdf:type": "the class of a thing (`a` for short)",
             "rdf:Statement": "a relation with its evidence (founder, provider, publisher, manages, acquired, location)",
             "rdf:subject": "statement → the relation's subject", "rdf:predicate": "statement → the relation",
             "rdf:object": "statement → the relation's object"}


def _names(namespace: type[DefinedNamespace]) -> list[str]:
    return [name for name in namespace.__annotations__ if not name.startswith("_")]


@lru_cache(maxsize=1)
def completions() -> dict[str, Any]:
    """{"prefixes": {prefix: namespace}, "terms": [{"term", "kind", "hint"}]}: embedded in the SPARQL page."""
    hints = json.loads(HINTS_FILE.read_text(encoding="utf-8"))
    terms = []
    for prefix, namespace in (("schema", SCHEMA), ("cg", CG), ("nif", NIF)):
        for name in _names(namespace):
            term = f"{prefix}:{name}"
            terms.append({"term": term, "kind": "class" if name[0].isupper() else "property",
                          "hint": hints.get(term, "")})
    for term, hint in RDF_TERMS.items():
        terms.append({"term": term, "kind": "class" if term.split(":")[1][0].isupper() else "property", "hint": hint})
    return {"prefixes": dict(PREFIXES), "terms": sorted(terms, key=lambda t: t["term"].lower())}


def hints_from_ontology_page(text: str, longest: int = 90) -> dict[str, str]:
    """{"cg:roleHolder": "role → person", "schema:Person": "a person", ...} from the ontology page's tables:
    a class's 'what', a property's 'domain → range' (and its meaning, cut to `longest` characters)."""
    hints: dict[str, str] = {}
    table = ""
    for line in text.splitlines():
        if line.startswith("| class |"):
            table = "class"
        elif line.startswith("| property |"):
            table = "property"
        elif not line.startswith("|"):
            table = ""
        if not table or not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        what = cells[1].replace("`", "")
        if table == "property" and len(cells) > 2:
            meaning = cells[2].replace("`", "")
            what = f"{what}: {meaning}" if len(meaning) + len(what) < longest else f"{what}: {meaning[:longest - len(what)].rstrip()}…"
        for term in re.findall(r"`([a-z]+:[A-Za-z]+)`", cells[0]):
            hints.setdefault(term, what)
    return hints


if __name__ == "__main__":
    page = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/ontology.md").read_text(encoding="utf-8")
    HINTS_FILE.write_text(json.dumps(hints_from_ontology_page(page), ensure_ascii=False, indent=1, sort_keys=True)
                          + "\n", encoding="utf-8")
    print(f"wrote {HINTS_FILE}")
