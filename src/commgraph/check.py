"""`commgraph check`: the current generation's graph, index and manifest agree, and every article graph
conforms to the SHACL shapes of our ontology (shapes.ttl)."""

from __future__ import annotations

import pickle
import zlib
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from . import generations as gens
from .graph import GraphStore, open_store
from .search import engine_from_settings
from .settings import Settings
from .summaries import derive_all, stored_counts
from .vocab import Minter

SHAPES = Path(__file__).with_name("shapes.ttl")
REPAIR = ("to repair: run `commgraph ingest --rebuild` (it rebuilds from the newest intact generation; add the "
          "corpus paths, e.g. `commgraph ingest --rebuild corpus/`, to re-read articles from their files)")


def check_generation(settings: Settings, shacl: bool = False) -> list[str]:
    """Problems found (empty when consistent). `shacl` also validates every article graph (slower)."""
    current = gens.require_current(settings.data_dir)
    # Files first: a damaged file can make the store or the index fail to open, or answer wrongly.
    problems = gens.damage(current)
    manifest = gens.read_manifest(current)
    if not problems and manifest.files is None:
        problems.append(f"{current.name}/{gens.MANIFEST} records no file checksums (made before data format 7)")
    if problems:
        return problems + [REPAIR]
    minter = Minter(manifest.base_iri or settings.base_iri)
    expected = set(manifest.articles)
    try:
        store = open_store(settings, current, minter, read_only=True)
        in_store = store.article_graphs()
        in_index = engine_from_settings(settings).open(current / "index").article_ids()
    except (OSError, RuntimeError, EOFError, ValueError, pickle.UnpicklingError, zlib.error) as exc:
        # Files that match their checksums but still fail: written damaged, or a library cannot read them.
        return [f"{current.name} cannot be read: {type(exc).__name__}: {exc}", REPAIR]
    graphs = {str(minter.article(a)) for a in expected}
    if in_store != graphs:
        problems.append(f"store holds {len(in_store)} article graphs, manifest lists {len(graphs)}: "
                        f"differing {sorted(in_store ^ graphs)[:5]}")
    if in_index != expected:
        problems.append(f"index holds {len(in_index)} articles, manifest lists {len(expected)}: "
                        f"differing {sorted(in_index ^ expected)[:5]}")
    described, mentioned = store.entity_iris(), store.mentioned()
    if described != mentioned:
        problems.append(f"entities graph describes {len(described)} entities, articles mention {len(mentioned)}: "
                        f"differing {sorted(described ^ mentioned)[:5]}")
    problems += summary_problems(store, minter)
    if shacl:
        problems += shacl_problems(store, [*sorted(in_store & graphs), minter.entities_graph(), minter.summaries_graph()])
    return problems


def summary_problems(store: GraphStore, minter: Minter) -> list[str]:
    """The summaries graph holds what a recount of the article graphs gives (a scan of the store: seconds at
    10,000 articles)."""
    stored, recount = stored_counts(store, minter), derive_all(store)
    if stored == recount:
        return []
    differing = sorted(k for k in stored.keys() | recount.keys() if stored[k] != recount[k])
    return [f"summaries graph disagrees with a recount of the article graphs in {len(differing)} counts, e.g. "
            + "; ".join(f"{' '.join(k)}: {stored[k]} stored, {recount[k]} counted" for k in differing[:3])]


def shacl_problems(store: GraphStore, graph_iris: list[str], limit: int = 20) -> list[str]:
    """Validate each graph on its own (article graphs are self-contained), so memory stays bounded."""
    from pyshacl import validate

    shapes = Graph().parse(SHAPES)
    problems: list[str] = []
    for iri in graph_iris:
        data = Graph().parse(data=ox.serialize(store.graph_triples(iri), format=ox.RdfFormat.N_TRIPLES), format="nt")
        conforms, report, _ = validate(data, shacl_graph=shapes, inference="none")
        if not conforms:
            problems.append(f"{iri} does not conform to the ontology's shapes: "
                            + _first_messages(report, limit - len(problems)))
        if len(problems) >= limit:
            break
    return problems


def _first_messages(report: Graph, limit: int) -> str:
    """A few violations, for the error line (rdflib's engine is fine on a small report graph)."""
    query = """PREFIX sh: <http://www.w3.org/ns/shacl#>
        SELECT ?focus ?path ?message WHERE { ?r a sh:ValidationResult ; sh:focusNode ?focus ; sh:resultMessage ?message .
        OPTIONAL { ?r sh:resultPath ?path } } LIMIT 3"""
    return "; ".join(f"{row.focus} {row.path or ''}: {row.message}" for row in report.query(query))
