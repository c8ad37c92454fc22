"""The docs are part of the product: README commands and settings, the ontology page, the example queries."""

import re

from click.testing import CliRunner
from rdflib import RDF

from commgraph.cli import main
from commgraph.queries import render_markdown
from commgraph.settings import SETTINGS
from commgraph.vocab import CG, NIF, SCHEMA, Minter

from conftest import ROOT

README = (ROOT / "README.md").read_text()
ONTOLOGY = (ROOT / "docs" / "ontology.md").read_text()


def test_readme_has_the_two_commands_and_curls():
    assert "make run" in README and "make test" in README
    assert "curl" in README and "/sparql" in README and "/api/search" in README


def test_readme_lists_every_command():
    for name in main.commands:
        assert f"commgraph {name}" in README, f"command {name} missing from README"


def test_readme_lists_every_setting():
    for setting in SETTINGS:
        assert f"COMMGRAPH_{setting.name.upper()}" in README, setting.name
        assert f"--{setting.name.replace('_', '-')}" in CliRunner().invoke(main, ["--help"]).output


def _terms(namespace):
    return [name for name in namespace.__annotations__ if not name.startswith("_")]


def test_ontology_page_documents_every_term():
    for prefix, namespace in (("schema", SCHEMA), ("cg", CG), ("nif", NIF)):
        for term in _terms(namespace):
            assert f"`{prefix}:{term}`" in ONTOLOGY or f"{prefix}:{term}`" in ONTOLOGY, f"{prefix}:{term}"


def test_every_predicate_in_a_real_graph_is_in_our_vocabulary(corpus_data):
    from commgraph import generations as gens
    from commgraph.graph import EmbeddedStore

    store = EmbeddedStore(gens.require_current(corpus_data.data_dir) / "store", Minter(corpus_data.base_iri), read_only=True)
    known = {str(SCHEMA[t]) for t in _terms(SCHEMA)} | {str(CG[t]) for t in _terms(CG)} | {str(NIF[t]) for t in _terms(NIF)}
    known |= {str(t) for t in (RDF.type, RDF.Statement, RDF.subject, RDF.predicate, RDF.object)}
    predicates = {q.predicate.value for q in store.ox.quads_for_pattern(None, None, None)}
    classes = {q.object.value for q in store.ox.quads_for_pattern(None, None, None) if q.predicate.value == str(RDF.type)}
    assert predicates <= known
    assert classes <= known


def test_queries_doc_is_current():
    assert (ROOT / "docs" / "queries.md").read_text() == render_markdown(), \
        "docs/queries.md is stale: python -m commgraph.queries > docs/queries.md"


def test_readme_screenshots_exist():
    for path in re.findall(r"\]\((docs/screenshots/[^)]+)\)", README):
        assert (ROOT / path).exists(), path


def test_readme_settings_table_states_each_default():
    rows = {line.split("|")[1].strip(): line for line in README.splitlines() if line.startswith("| ")}
    for setting in SETTINGS:
        if setting.default != "":
            assert f"| `{setting.default}` |" in rows[setting.name], (setting.name, setting.default)


def test_readme_says_which_exit_status_means_another_ingest_is_running():
    from commgraph.cli import EXIT_LOCKED

    assert f"`{EXIT_LOCKED}` another ingest is running" in README
