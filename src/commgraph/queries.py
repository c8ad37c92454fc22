"""The example SPARQL queries (queries.toml): one list for the SPARQL page, the docs and the tests."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .vocab import PREFIXES


@dataclass(frozen=True)
class Example:
    id: str
    title: str
    sparql: str

    @property
    def text(self) -> str:
        """The query with our prefixes declared, ready to send."""
        prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
        return prologue + self.sparql.strip() + "\n"


def example_queries() -> list[Example]:
    with (Path(__file__).parent / "queries.toml").open("rb") as handle:
        data = tomllib.load(handle)
    return [Example(q["id"], q["title"], q["sparql"]) for q in data["query"]]
