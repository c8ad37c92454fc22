"""The SPARQL safety analysis and serialisers, without HTTP."""

import json

import pytest

from commgraph.errors import QueryError
from commgraph.sparql import Limits, analyse, choose_format, serialize_select, tokenize

LIMITS = Limits(max_bytes=2000, max_depth=10)
OURS = {"http://commgraph.localhost/article/a1"}


@pytest.mark.parametrize("query", [
    "INSERT DATA { <http://a> <http://b> <http://c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "LOAD <http://example.org/x>",
    "CLEAR ALL", "DROP GRAPH <http://x>", "CREATE GRAPH <http://x>",
    "PREFIX x: <http://x/> WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "ADD <http://a> TO <http://b>", "MOVE DEFAULT TO <http://b>", "COPY DEFAULT TO <http://b>",
    "SELECT * WHERE { ?s ?p ?o } ; INSERT DATA { <a> <b> <c> }",
])
def test_updates_refused(query):
    with pytest.raises(QueryError) as info:
        analyse(query, LIMITS, OURS)
    assert info.value.status == 403


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE SILENT <http://x/> { ?s ?q ?r } } }",
    "SELECT * WHERE { { SELECT ?s WHERE { service <http://x/> { ?s ?p ?o } } } }",
    "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE <http://x/> { ?s ?p ?o } } }",
    "SELECT * WHERE { ?s ?p ?o MINUS { SeRvIcE <http://x/> { ?s ?p ?o } } }",
    "PREFIX r: <http://x/> SELECT * WHERE { SERVICE r:endpoint { ?s ?p ?o } }",
    "ASK { SERVICE ?endpoint { ?s ?p ?o } }",
])
def test_service_refused_in_every_position(query):
    with pytest.raises(QueryError, match="SERVICE") as info:
        analyse(query, LIMITS, OURS)
    assert info.value.status == 403


@pytest.mark.parametrize("query", [
    'SELECT (bif:http_get("http://127.0.0.1:9/") AS ?x) WHERE { }',
    'SELECT (<bif:http_get>("http://127.0.0.1:9/") AS ?x) WHERE { }',
    'SELECT * WHERE { ?s ?p ?o FILTER(<BIF:length>(?o) > 0) }',
    'PREFIX v: <bif:> SELECT (v:http_get("http://x/") AS ?x) WHERE { }',
    'PREFIX bif: <http://example.org/> SELECT (bif:http_get("http://x/") AS ?x) WHERE { }',
    'SELECT (sql:RDF_GRAPH_USER_PERMS_GET("http://x/", "nobody") AS ?x) WHERE { }',
    'PREFIX Sql: <x:> ASK { FILTER(Sql:f(1)) }',
])
def test_store_built_ins_refused(query):
    # Virtuoso runs its SQL built-ins from SPARQL: bif:http_get fetched any URL through its public endpoint.
    with pytest.raises(QueryError, match="built-in") as info:
        analyse(query, LIMITS, OURS)
    assert info.value.status == 403


@pytest.mark.parametrize("query", [
    'DEFINE get:soft "replace" SELECT * FROM <http://commgraph.localhost/article/a1> WHERE { ?s ?p ?o }',
    'define input:grab-all "yes" SELECT * WHERE { <http://x/> ?p ?o }',
])
def test_virtuoso_pragmas_refused(query):
    with pytest.raises(QueryError, match="DEFINE") as info:
        analyse(query, LIMITS, OURS)
    assert info.value.status == 403


def test_built_in_words_in_strings_and_other_iris_are_fine():
    query = ('PREFIX bifx: <http://x/> SELECT ?define WHERE { ?s <http://x/bif:http_get> "bif:http_get DEFINE" ; '
             "bifx:p <urn:sql:x> }")
    assert analyse(query, LIMITS, OURS).form == "SELECT"


@pytest.mark.parametrize("query", [
    "SELECT * FROM <http://example.org/remote.ttl> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "PREFIX f: <file:///etc/> SELECT * FROM f:passwd WHERE { ?s ?p ?o }",
])
def test_foreign_from_refused(query):
    with pytest.raises(QueryError, match="does not hold"):
        analyse(query, LIMITS, OURS)


def test_our_graphs_allowed_in_from():
    info = analyse("SELECT * FROM <http://commgraph.localhost/article/a1> WHERE { ?s ?p ?o }", LIMITS, OURS)
    assert info.form == "SELECT" and info.from_graphs == list(OURS)


def test_words_inside_strings_iris_and_comments_are_not_keywords():
    query = ('SELECT ?service WHERE { ?s <http://x/SERVICE> "INSERT DATA SERVICE" . # SERVICE in a comment\n'
             "?s <http://x/p> '''DELETE\nLOAD''' }")
    assert analyse(query, LIMITS, OURS).form == "SELECT"


def test_size_and_depth_checked_before_parsing():
    with pytest.raises(QueryError) as info:
        analyse("SELECT * WHERE { " + "?s ?p ?o . " * 300 + "}", LIMITS, OURS)
    assert info.value.status == 413
    with pytest.raises(QueryError, match="deeper"):
        analyse("SELECT * WHERE " + "{" * 11 + "}" * 11, LIMITS, OURS)


def test_untokenisable_text_fails_closed():
    with pytest.raises(QueryError, match="cannot read"):
        tokenize('SELECT * WHERE { ?s ?p "unterminated }')


@pytest.mark.parametrize("form, accept, override, expected", [
    ("SELECT", [("application/sparql-results+xml", 1.0)], None, "xml"),
    ("SELECT", [("text/csv", 0.5), ("text/tab-separated-values", 0.9)], None, "tsv"),
    ("SELECT", [("*/*", 1.0)], None, "json"),
    ("SELECT", [("text/*", 1.0)], None, "csv"),  # werkzeug's MIMEAccept: the first text type we serve
    ("SELECT", [("text/*", 0.5), ("application/sparql-results+xml", 0.9)], None, "xml"),
    ("SELECT", [("application/*", 1.0)], None, "json"),
    ("SELECT", [("application/sparql-results+json;charset=utf-8", 1.0)], None, "json"),
    ("SELECT", [("*/*", 1.0), ("application/sparql-results+json", 0.0)], None, "xml"),
    ("CONSTRUCT", [("text/*", 1.0)], None, "turtle"),
    ("CONSTRUCT", [("text/html", 1.0), ("application/xhtml+xml", 1.0), ("*/*", 0.8)], None, "turtle"),
    ("SELECT", [], "csv", "csv"),
    ("CONSTRUCT", [("application/ld+json", 1.0)], None, "jsonld"),
    ("CONSTRUCT", [("text/html", 1.0)], None, "turtle"),
    ("DESCRIBE", [], "xml", "rdfxml"),
])
def test_content_negotiation(form, accept, override, expected):
    assert choose_format(form, accept, override) == expected


def test_unacceptable_format_is_406():
    with pytest.raises(QueryError) as info:
        choose_format("SELECT", [("image/png", 1.0)], None)
    assert info.value.status == 406
    with pytest.raises(QueryError):
        choose_format("SELECT", [], "turtle")


def test_select_json_of_a_term_shared_by_rows_and_columns():
    """serialize_select encodes each term dict once (workers share one per distinct term): the same dict in
    two columns and many rows still comes out under each column's name."""
    name = {"type": "literal", "value": "Tencent \"QQ\"", "xml:lang": "en"}
    iri = {"type": "uri", "value": "http://example.org/e/1"}
    body = serialize_select(["a", "b"], [[name, name], [iri, name], [None, iri], [name, None]], "json", False)
    assert json.loads(body) == {"head": {"vars": ["a", "b"]}, "results": {"bindings": [
        {"a": name, "b": name}, {"a": iri, "b": name}, {"b": iri}, {"a": name}]}}


def test_select_json_marks_truncation():
    body = serialize_select(["x"], [[{"type": "literal", "value": "a"}], [None]], "json", truncated=True)
    data = json.loads(body)
    assert data["truncated"] is True and data["results"]["bindings"] == [{"x": {"type": "literal", "value": "a"}}, {}]
