"""The search seam stays real: outside `commgraph/search/`, code asks the package (its protocol and
engine_from_settings) and never an engine's modules, their private helpers or Whoosh itself."""

from __future__ import annotations

import ast
from pathlib import Path

from commgraph import search

SRC = Path(__file__).resolve().parents[2] / "src" / "commgraph"
# What the rest of the code may take from commgraph.search: the names it exports, and the modules of the protocol
# and the engine-neutral budget.
ALLOWED = {*search.__all__, "protocol", "budget"}


def _imports(path: Path) -> list[str]:
    """Absolute names of the modules a file imports (relative imports resolved against its package)."""
    package = ["commgraph", *path.relative_to(SRC).parent.parts]
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            # `from . import x` / `from .search import protocol`: x may itself be a module
            names += [module] + [f"{module}.{alias.name}" for alias in node.names]
    return names


def test_only_the_search_package_knows_which_engine_runs():
    leaks = []
    for path in sorted(SRC.rglob("*.py")):
        if path.is_relative_to(SRC / "search"):
            continue
        for name in _imports(path):
            engine_module = name.startswith("commgraph.search.") and name.split(".")[2] not in ALLOWED
            if name.split(".")[0] == "whoosh" or engine_module:
                leaks.append(f"{path.relative_to(SRC)} imports {name}")
    assert not leaks, "\n".join(leaks)
