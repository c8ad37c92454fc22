"""`commgraph check`: the current generation's graph, index and manifest must agree."""

from __future__ import annotations

from . import generations as gens
from .graph import GraphStore
from .index import article_ids
from .settings import Settings
from .vocab import Minter


def check_generation(settings: Settings) -> list[str]:
    """Problems found (empty when consistent)."""
    current = gens.require_current(settings.data_dir)
    manifest = gens.read_manifest(current)
    minter = Minter(manifest.get("base_iri", settings.base_iri))
    from whoosh import index as whoosh_index

    expected = set(manifest["articles"])
    in_store = GraphStore(current / "store", read_only=True).article_graphs()
    in_index = article_ids(whoosh_index.open_dir(str(current / "index")))
    problems = []
    graphs = {str(minter.article(a)) for a in expected}
    if in_store != graphs:
        problems.append(f"store holds {len(in_store)} article graphs, manifest lists {len(graphs)}: "
                        f"differing {sorted(in_store ^ graphs)[:5]}")
    if in_index != expected:
        problems.append(f"index holds {len(in_index)} articles, manifest lists {len(expected)}: "
                        f"differing {sorted(in_index ^ expected)[:5]}")
    return problems
