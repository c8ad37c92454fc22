"""The shape of the package: the web process loads no extraction code, and imports only point down the layers."""

import json
import subprocess
import sys


def test_the_web_process_loads_no_extraction_code():
    """`import commgraph.server` (and building an app) must not run `extract/`, spaCy or jieba: the web process
    depends on plain data (commgraph.facts) only. A fresh interpreter, so other tests' imports do not count."""
    probe = ("import json, sys\n"
             "import commgraph.server\n"
             "from commgraph.graph import open_store\n"
             "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('spacy', 'jieba', 'thinc')\n"
             "                        or m.startswith('commgraph.extract'))))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(done.stdout) == []


# The layers, first to last: a module may import its own layer's modules and earlier layers', never a later one.
# `graph` and `search` are one layer of two siblings that never import each other.
LAYERS = (
    ("base", {"errors", "settings", "vocab", "facts", "language"}),  # plain data and declarations every step shares
    ("sources", {"sources", "pdf_text", "fetch"}),
    ("extract", {"extract", "cluster", "evaluate"}),  # cluster: extraction on a Dask cluster; evaluate: `make eval`
    ("graph", {"graph", "lookup", "queries", "summaries"}),
    ("search", {"search"}),
    ("generations", {"generations", "pipeline", "check"}),
    ("sparql", {"sparql", "workers", "query_runner"}),
    ("server", {"server", "serving"}),  # serving: gunicorn's side, which imports the app only in its worker
    ("cli", {"cli", "__main__", "__init__"}),  # the package's own __init__ re-exports ingest / create_app lazily
)
SIBLINGS = {"graph": 3, "search": 3}  # one rank: the same step of the flow, neither above the other
# Cycles made by a lazy import inside one layer, there before this test: a dispatcher that imports its plug-in on
# first use, and the plug-in importing the dispatcher's helpers back. Not import-time cycles, but cycles still:
# moving the shared helpers into a module of their own would end them. No other cycle may appear.
KNOWN_CYCLES: set[str] = set()  # none left: pdf_text and chinese_facts no longer import their callers
SRC = __import__("pathlib").Path(__file__).resolve().parents[1] / "src" / "commgraph"


def _rank(module: str) -> tuple[int, str]:
    """(rank, layer name) of a module named like "graph.remote" (relative to commgraph)."""
    head = module.split(".")[0]
    for rank, (name, members) in enumerate(LAYERS):
        if head in members:
            return SIBLINGS.get(name, rank), name
    raise AssertionError(f"src/commgraph/{module.replace('.', '/')}: no layer; add it to LAYERS in tests/test_layers.py")


def _modules() -> dict[str, "__import__('pathlib').Path"]:
    """{"graph.remote": path, "graph": path of graph/__init__.py, ...} for every module of the package."""
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imports(module: str, path, modules: set[str]) -> set[str]:
    """The package's modules that `module` imports, anywhere in the file (lazy and TYPE_CHECKING imports too:
    the layering holds for every import, not only for those run at start-up)."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    package = module.split(".") if is_package else module.split(".")[:-1]
    if module == "__init__":
        package = []
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.startswith("commgraph.")]
            targets |= {n[len("commgraph."):] for n in names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)] if node.level > 1 else package
                base_name = ".".join([*base, *(node.module.split(".") if node.module else [])])
            elif node.module and node.module.startswith("commgraph"):
                base_name = node.module[len("commgraph."):] if node.module != "commgraph" else ""
            else:
                continue
            for alias in node.names:  # `from . import lookup` imports a module, `from .graph import X` a name
                sub = f"{base_name}.{alias.name}" if base_name else alias.name
                targets.add(sub if sub in modules else base_name)
    return {t for t in targets if t and t in modules and t != module}


def test_imports_follow_the_layers_and_make_no_cycle():
    """sources -> extract -> graph + search -> generations / pipeline -> sparql -> server -> cli: every import
    points to an earlier layer (or within a layer); graph and search never import each other; no cycles."""
    modules = _modules()
    edges = {m: _imports(m, p, set(modules)) for m, p in modules.items()}
    back = []
    for module, targets in sorted(edges.items()):
        rank, layer = _rank(module)
        for target in sorted(targets):
            target_rank, target_layer = _rank(target)
            if target_rank > rank or (target_rank == rank and target_layer != layer):
                back.append(f"{module} ({layer}) imports {target} ({target_layer})")
    assert not back, "imports against the layers:\n" + "\n".join(back)
    # graph, search, the SPARQL workers and the web see plain data (facts.py), never the extraction code
    spacy_side = [f"{m} imports {t}" for m, targets in sorted(edges.items()) for t in sorted(targets)
                  if _rank(m)[1] in ("graph", "search", "sparql", "server") and _rank(t)[1] == "extract"]
    assert not spacy_side, "extraction code imported past the plain-data seam:\n" + "\n".join(spacy_side)
    # no cycle, within a layer either (a package's __init__ importing its own submodules is not one)
    state: dict[str, int] = {}
    cycles: list[str] = []

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges[module]):
            if module.startswith(target + "."):
                continue  # a submodule importing names of its own package's __init__: Python's package import
            if state.get(target) == 1:
                cycles.append(" -> ".join([*trail[trail.index(target):], target]))
            elif target not in state:
                visit(target, [*trail, target])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    new = sorted(set(cycles) - KNOWN_CYCLES)
    assert not new, "import cycles:\n" + "\n".join(new)
