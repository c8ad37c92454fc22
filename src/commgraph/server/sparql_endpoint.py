"""/sparql: the SPARQL 1.1 Protocol over HTTP, read-only and bounded; the query UI for browsers."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from ..errors import QueryError
from ..sparql import analyse, choose_format
from ..vocab import CG
from ..workers import Task
from . import services

bp = Blueprint("sparql", __name__)
CACHED_BODY_BYTES = 512 * 1024

CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type, Accept", "Access-Control-Expose-Headers": "X-Commgraph-Truncated"}


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def endpoint():
    if request.method == "OPTIONS":
        return Response(status=204, headers=CORS)
    query, defaults, named = _protocol_parameters()
    if query is None:
        if request.accept_mimetypes.best_match(["text/html", "text/turtle"]) == "text/html":
            from ..queries import example_queries

            from ..vocab import PREFIXES
            from .sparql_terms import completions

            return render_template("sparql.html", examples=example_queries(), base_iri=services().settings.base_iri,
                                   prefixes=PREFIXES, completions=completions())
        return Response(service_description(), mimetype="text/turtle", headers=CORS)
    svc = services()
    gen = svc.generation()
    holds = gen.graph_iris
    for graph in (defaults or []) + (named or []):
        if graph not in holds:
            raise QueryError(f"graph <{graph}> is not one this endpoint holds; it never loads remote graphs", 400)
    info = analyse(query, svc.limits, holds)
    fmt = choose_format(info.form, list(request.accept_mimetypes), request.values.get("format"))
    key = (query, fmt, tuple(defaults or ()), tuple(named or ()))
    outcome = svc.queries.get(gen.path, key)
    if outcome is None:
        outcome = svc.pool.run(Task(generation=str(gen.path), query=query, form=info.form, fmt=fmt,
                                    max_rows=svc.limits.max_rows, default_graphs=defaults, named_graphs=named,
                                    settings=svc.settings))
        if outcome.status == 200 and len(outcome.body) <= CACHED_BODY_BYTES and svc.remote is None:
            svc.queries.put(gen.path, key, outcome)  # a remote store can change under us: never cached
    headers = dict(CORS)
    headers["Vary"] = "Accept"
    if outcome.truncated:
        headers["X-Commgraph-Truncated"] = f"true; rows cut at {svc.limits.max_rows} (setting max_rows)"
    return Response(outcome.body, status=outcome.status, content_type=outcome.content_type, headers=headers)


def _protocol_parameters() -> tuple[str | None, list[str] | None, list[str] | None]:
    """(query, default-graph-uri list, named-graph-uri list) from GET, form POST or direct POST."""
    if "update" in request.values or request.mimetype == "application/sparql-update":
        raise QueryError("SPARQL Update is not accepted: this endpoint is read-only", 403)
    if request.method == "GET":
        queries = request.args.getlist("query")
    elif request.mimetype == "application/x-www-form-urlencoded":
        queries = request.form.getlist("query") + request.args.getlist("query")
    elif request.mimetype == "application/sparql-query":
        if "query" in request.args:
            raise QueryError("give the query either in the body or as ?query=, not both", 400)
        try:
            queries = [request.get_data(cache=False).decode("utf-8")]
        except UnicodeDecodeError:
            raise QueryError("the query body is not valid UTF-8", 400) from None
    else:
        raise QueryError(f"unsupported Content-Type {request.mimetype or '(none)'!r} for POST /sparql; use "
                         "application/x-www-form-urlencoded or application/sparql-query", 415)
    if len(queries) > 1:
        raise QueryError("more than one query parameter; send exactly one", 400)
    defaults = request.values.getlist("default-graph-uri") or None
    named = request.values.getlist("named-graph-uri") or None
    if not queries:
        if request.method == "POST":
            raise QueryError("missing query: send it as query= or as an application/sparql-query body", 400)
        return None, None, None
    return queries[0], defaults, named


def service_description() -> str:
    """A SPARQL 1.1 Service Description of this endpoint (Turtle)."""
    url = request.base_url
    return f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix cg: <{CG._NS}> .

<{url}> a sd:Service ;
    sd:endpoint <{url}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:resultFormat <http://www.w3.org/ns/formats/SPARQL_Results_JSON>, <http://www.w3.org/ns/formats/SPARQL_Results_XML>,
        <http://www.w3.org/ns/formats/SPARQL_Results_CSV>, <http://www.w3.org/ns/formats/SPARQL_Results_TSV>,
        <http://www.w3.org/ns/formats/Turtle>, <http://www.w3.org/ns/formats/N-Triples>,
        <http://www.w3.org/ns/formats/JSON-LD>, <http://www.w3.org/ns/formats/RDF_XML>, <http://www.w3.org/ns/formats/TriG> ;
    sd:feature sd:UnionDefaultGraph ;
    sd:extensionFunction cg:textScore, cg:textHit ;
    sd:defaultDataset [ a sd:Dataset ; sd:defaultGraph [ a sd:Graph ] ] .
"""
