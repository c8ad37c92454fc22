"""`commgraph check`: consistency of a generation, and SHACL shapes that really catch a broken graph."""

from rdflib import Literal

from commgraph.check import check_generation, shacl_problems
from commgraph.graph import EmbeddedStore, build_graph
from commgraph.pipeline import ingest
from commgraph.vocab import CG, SCHEMA, Minter

from conftest import SEED
from test_graph import make_extraction, replace

MINTER = Minter("http://example.org/")


def test_good_graph_conforms(tmp_path):
    store = EmbeddedStore(tmp_path / "store", MINTER)
    replace(store, make_extraction())
    assert shacl_problems(store, [str(MINTER.article("a1"))]) == []


def test_broken_graph_is_reported(tmp_path):
    graph = build_graph(make_extraction(), MINTER)
    quote = MINTER.part("a1", "quote", 0)
    graph.remove((quote, SCHEMA.creator, None))  # a quotation nobody said
    description = MINTER.part("a1", "entity", 0)
    graph.add((description, CG.entityType, SCHEMA.Organization))  # two types for one entity
    graph.add((MINTER.part("a1", "figure", 0), SCHEMA.value, Literal("many")))
    store = EmbeddedStore(tmp_path / "store", MINTER)
    store.replace_article(graph.identifier, graph)
    problems = shacl_problems(store, [str(MINTER.article("a1"))])
    assert len(problems) == 1 and "does not conform" in problems[0]


def test_generation_consistency_and_shapes(settings, extractor):
    ingest([SEED], settings, extractor=extractor)
    assert check_generation(settings, shacl=True) == []
