"""SPARQL protocol core, no web framework: analyse a query, run it bounded in a worker, serialise the result.

Safety comes before any parser sees the text: a length cap, a nesting-depth check (deep braces crash
pyoxigraph with SIGSEGV), and a lexical scan that refuses updates, SERVICE (Oxigraph and rdflib both fetch
it over HTTP and cannot be told not to) and FROM / FROM NAMED graphs we do not hold. The scan fails closed:
text it cannot tokenise is refused.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape as xml_escape

from .errors import QueryError

RESULT_FORMATS = {  # SELECT / ASK: media type -> short name
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
}
GRAPH_FORMATS = {  # CONSTRUCT / DESCRIBE: media type -> short name
    "text/turtle": "turtle",
    "application/turtle": "turtle",
    "application/x-turtle": "turtle",
    "text/n3": "turtle",  # Turtle is a subset of N3
    "text/rdf+n3": "turtle",
    "application/n3": "turtle",
    "application/json": "jsonld",
    "application/x-json+ld": "jsonld",
    "application/n-triples": "ntriples",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdfxml",
    "application/trig": "trig",
    "application/n-quads": "nquads",
    "text/plain": "ntriples",
}
MEDIA_TYPES = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml", "csv": "text/csv",
    "tsv": "text/tab-separated-values", "turtle": "text/turtle", "ntriples": "application/n-triples",
    "jsonld": "application/ld+json", "rdfxml": "application/rdf+xml", "trig": "application/trig",
    "nquads": "application/n-quads",
}
FORMAT_ALIASES = {"ttl": "turtle", "n3": "turtle", "application/sparql-results+json": "json", "nt": "ntriples", "n-triples": "ntriples", "json-ld": "jsonld", "rdf": "rdfxml",
                  "rdf+xml": "rdfxml", "srj": "json", "srx": "xml", "nq": "nquads"}
UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
  | (?P<pname>(?:[A-Za-z\u00c0-\uffff][\w.\-\u00b7]*)?:(?:[\w\-.:%\\\u00b7]|\\[^\s])*)
  | (?P<word>[A-Za-z_][\w]*)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<number>[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))
  | (?P<open>[{(\[])
  | (?P<close>[})\]])
  | (?P<punct>\^\^|&&|\|\||!=|<=|>=|[.,;*=<>!+\-/|^])
""", re.VERBOSE)


@dataclass
class Limits:
    max_bytes: int = 20000
    max_depth: int = 40
    max_rows: int = 10000
    timeout: float = 10.0
    sandbox: str = "required"  # "required", "off", or "remote" (workers must reach a remote store: none)

    @classmethod
    def from_settings(cls, settings) -> "Limits":
        return cls(max_bytes=settings.max_query_bytes, max_depth=settings.max_query_depth,
                   max_rows=settings.max_rows, timeout=settings.query_timeout,
                   # cg:textScore asks the search engine inside the worker: a search server needs the network too
                   sandbox="remote" if settings.store or settings.search_engine != "whoosh"
                   else settings.query_sandbox)


@dataclass
class QueryInfo:
    form: str  # SELECT, ASK, CONSTRUCT, DESCRIBE
    prefixes: dict[str, str] = field(default_factory=dict)
    from_graphs: list[str] = field(default_factory=list)


def tokenize(text: str) -> list[tuple[str, str]]:
    """SPARQL tokens (kind, text) without whitespace and comments; raises QueryError on anything unknown."""
    tokens = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise QueryError(f"cannot read the query near character {pos}: {text[pos:pos + 20]!r}; "
                             "check quotes and IRIs (the query was not run)")
        kind = match.lastgroup or ""
        if kind not in ("ws", "comment"):
            tokens.append((kind, match.group()))
        pos = match.end()
    return tokens


def analyse(text: str, limits: Limits, known_graphs: set[str] | None = None) -> QueryInfo:
    """Refuse what must never run: oversize, over-deep, updates, SERVICE, foreign FROM graphs, and a store's own
    extensions (Virtuoso's built-ins and pragmas)."""
    size = len(text.encode("utf-8"))
    if size > limits.max_bytes:
        raise QueryError(f"query is {size} bytes; the limit is {limits.max_bytes} (setting max_query_bytes)", 413)
    _check_depth(text, limits.max_depth)
    tokens = tokenize(text)
    info = QueryInfo(form="")
    depth = 0
    for i, (kind, value) in enumerate(tokens):
        upper = value.upper()
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "word":
            if upper in UPDATE_KEYWORDS:
                raise QueryError(f"SPARQL updates ({upper}) are not accepted: this endpoint is read-only", 403)
            if upper == "SERVICE":
                raise QueryError("SERVICE is not allowed: this endpoint never fetches remote data", 403)
            if upper == "DEFINE":
                raise QueryError("Virtuoso pragmas (DEFINE ...) are not accepted: they make the store fetch remote "
                                 "data; write standard SPARQL 1.1", 403)
            if upper in QUERY_FORMS and not info.form and depth == 0:
                info.form = upper
            if upper == "PREFIX" and i + 2 < len(tokens) and tokens[i + 1][0] == "pname" and tokens[i + 2][0] == "iri":
                info.prefixes[tokens[i + 1][1].rstrip(":")] = tokens[i + 2][1][1:-1]
            if upper == "FROM":
                info.from_graphs.append(_graph_after(tokens, i, info.prefixes))
        elif kind in ("iri", "pname") and _store_built_in(kind, value, info.prefixes):
            raise QueryError(f"{value} is a store built-in: Virtuoso's bif: and sql: functions reach its SQL, files "
                             "and network (bif:http_get fetches any URL), so they are not accepted", 403)
    if not info.form:
        raise QueryError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    for graph in info.from_graphs:
        if known_graphs is None or graph not in known_graphs:
            raise QueryError(f"FROM <{graph}> names a graph this endpoint does not hold; it never loads remote "
                             "or local files. Use an article graph IRI (see /api/articles)", 403)
    return info


# Virtuoso runs its SQL functions from SPARQL under these IRI schemes (also as its predeclared bif: / sql:
# prefixes): a query on its anonymous endpoint could fetch URLs with bif:http_get. No standard term uses them.
_BUILT_IN_SCHEMES = ("bif:", "sql:")


def _store_built_in(kind: str, value: str, prefixes: dict[str, str]) -> bool:
    """Whether this IRI or prefixed name names a store built-in (any case: fail closed)."""
    if kind == "iri":
        return value[1:-1].lower().startswith(_BUILT_IN_SCHEMES)
    prefix, _, local = value.partition(":")
    return (prefix.lower() + ":").startswith(_BUILT_IN_SCHEMES) or \
        (prefixes.get(prefix, "") + local).lower().startswith(_BUILT_IN_SCHEMES)


def _graph_after(tokens: list[tuple[str, str]], i: int, prefixes: dict[str, str]) -> str:
    j = i + 1
    if j < len(tokens) and tokens[j][1].upper() == "NAMED":
        j += 1
    if j >= len(tokens):
        raise QueryError("FROM without a graph IRI")
    kind, value = tokens[j]
    if kind == "iri":
        return value[1:-1]
    if kind == "pname":
        prefix, _, local = value.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
    raise QueryError(f"FROM must be followed by a graph IRI, got {value!r}")


def _check_depth(text: str, max_depth: int) -> None:
    """Bracket depth, counted before any parser runs (strings may hold brackets: over-counting fails closed)."""
    depth = deepest = 0
    for ch in text:
        if ch in "{([":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > max_depth:
                raise QueryError(f"query nests brackets deeper than {max_depth} (setting max_query_depth)", 400)
        elif ch in "})]":
            depth -= 1


def choose_format(form: str, accept: list[tuple[str, float]], override: str | None) -> str:
    """Short format name from `format=` or the Accept header (with q weights); defaults JSON / Turtle.

    The Accept header is matched by werkzeug's MIMEAccept: the most specific range with the highest weight
    wins, so `text/*` gives CSV for a SELECT (the first text type we serve), and `*/*` the default."""
    from werkzeug.datastructures import MIMEAccept

    table = RESULT_FORMATS if form in ("SELECT", "ASK") else GRAPH_FORMATS
    allowed = set(table.values())
    if override:
        name = FORMAT_ALIASES.get(override.lower(), override.lower())
        if name == "xml" and form not in ("SELECT", "ASK"):
            name = "rdfxml"  # format=xml asks for RDF/XML when the result is a graph
        if name not in allowed:
            raise QueryError(f"format {override!r} does not fit a {form} query; use one of {', '.join(sorted(allowed))}",
                             406)
        return name
    default = "json" if form in ("SELECT", "ASK") else "turtle"
    if not accept:
        return default
    # Parameters (charset=...) say nothing about the format, and werkzeug would require them to be equal.
    ranges = MIMEAccept([(media.split(";")[0].strip().lower(), quality) for media, quality in accept])
    # The default's media type first: werkzeug picks the first of equally good matches (*/*, application/*).
    offered = [MEDIA_TYPES[default], *(media for media in table if media != MEDIA_TYPES[default])]
    best = ranges.best_match(offered)
    if best is not None:
        return table[best]
    if not any(media.startswith("text/html") for media, _ in ranges):
        raise QueryError(f"none of the requested media types fits a {form} query; acceptable: "
                         f"{', '.join(sorted(table))}", 406)
    return default  # a browser asking for a page gets the default format


# ---- serialisers for SELECT / ASK (our own: results may be cut at the row cap) ----

def term_json(term) -> dict:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": str(term)}


def serialize_select(variables: list[str], rows: list[list[dict | None]], fmt: str, truncated: bool) -> bytes:
    if fmt == "json":
        # Each binding is encoded once per term dict: rows that share a dict (workers.run_task makes one per
        # distinct term) share its text; one json.dumps of the whole document was 15-20 ms for 1,000 rows.
        names = [json.dumps(v, ensure_ascii=False) + ":" for v in variables]
        encoded: dict[int, str] = {}  # id of a term dict (alive in `rows` throughout) -> '"var":{...}'
        bindings = []
        for row in rows:
            parts = []
            for name, t in zip(names, row):
                if t is not None:
                    text = encoded.get(id(t))
                    if text is None or not text.startswith(name):
                        text = encoded[id(t)] = name + json.dumps(t, ensure_ascii=False)
                    parts.append(text)
            bindings.append("{" + ",".join(parts) + "}")
        head: dict = {"vars": variables}
        tail = ""
        if truncated:
            head["link"] = ["urn:commgraph:truncated"]
            tail = ',"truncated":true'
        return (f'{{"head":{json.dumps(head, ensure_ascii=False)},"results":{{"bindings":[{",".join(bindings)}]}}'
                f"{tail}}}").encode()
    if fmt == "xml":
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
        out += [f'<variable name="{xml_escape(v)}"/>' for v in variables]
        if truncated:
            out.append('<link href="urn:commgraph:truncated"/>')
        out.append("</head>\n<results>")
        for row in rows:
            out.append("<result>")
            for v, t in zip(variables, row):
                if t is not None:
                    out.append(f'<binding name="{xml_escape(v)}">{_xml_term(t)}</binding>')
            out.append("</result>")
        out.append("</results>\n</sparql>\n")
        return "\n".join(out).encode()
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(variables)
        for row in rows:
            writer.writerow(["" if t is None else t["value"] if t["type"] != "bnode" else "_:" + t["value"]
                             for t in row])
        return buffer.getvalue().encode()
    if fmt == "tsv":
        lines = ["\t".join("?" + v for v in variables)]
        lines += ["\t".join("" if t is None else _tsv_term(t) for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode()
    raise QueryError(f"unknown result format {fmt!r}")


def serialize_ask(value: bool, fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt == "xml":
        return (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
                f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode()
    if fmt in ("csv", "tsv"):
        return ("_askResult\n" if fmt == "csv" else "?_askResult\n").encode() + (b"true\n" if value else b"false\n")
    raise QueryError(f"unknown result format {fmt!r}")


def _xml_term(t: dict) -> str:
    value = xml_escape(t["value"])
    if t["type"] == "uri":
        return f"<uri>{value}</uri>"
    if t["type"] == "bnode":
        return f"<bnode>{value}</bnode>"
    if "xml:lang" in t:
        return f'<literal xml:lang="{xml_escape(t["xml:lang"])}">{value}</literal>'
    if "datatype" in t:
        return f'<literal datatype="{xml_escape(t["datatype"])}">{value}</literal>'
    return f"<literal>{value}</literal>"


def _tsv_term(t: dict) -> str:
    if t["type"] == "uri":
        return f"<{t['value']}>"
    if t["type"] == "bnode":
        return "_:" + t["value"]
    text = json.dumps(t["value"], ensure_ascii=False)
    if "xml:lang" in t:
        return f"{text}@{t['xml:lang']}"
    if "datatype" in t:
        return f"{text}^^<{t['datatype']}>"
    return text
