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


def render_markdown() -> str:
    """docs/queries.md, generated from queries.toml (a test keeps the file current)."""
    lines = ["# Example SPARQL queries", "",
             "Generated from `src/commgraph/queries.toml` (the SPARQL page shows the same list). Every query is",
             "tested to return rows on the seed corpus. The prefixes `schema:`, `cg:`, `nif:`, `xsd:` and `rdf:` are",
             "declared in front of each query.", ""]
    for example in example_queries():
        lines += [f"## {example.title}", "", f"`{example.id}`", "", "```sparql", example.sparql.strip(), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render_markdown(), end="")
