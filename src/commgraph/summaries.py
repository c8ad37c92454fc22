"""Per-entity summaries that ingest keeps current, so that the example queries read a few rows per entity
instead of scanning every mention, role and quote of the store (issue 18: SPARQL at 10 M quads).

One named graph, `{base}graph/summaries`, holds counts derived from the article graphs (docs/ontology.md):

    entity cg:articleCount n      articles that mention it (schema:mentions)
    entity cg:mentionCount n      mentions that refer to it (cg:refersTo)
    person cg:quoteCount n        quotations it said (schema:creator)
    cg:RoleSummary node           one per distinct (holder, title, organisation) that some role states:
                                  cg:summaryHolder, cg:summaryTitle, cg:summaryOrganization, cg:roleCount
    cg:CoMention node             one per entity and product that articles mention together (the product
                                  called a product by the article): cg:coMentionOf, cg:coMentionedProduct,
                                  cg:coMentionCount (how many articles)
    cg:QuoteSummary node          one per distinct (speaker, words) that quotations state: cg:summarySpeaker,
                                  cg:summaryText, cg:saidCount
    cg:FigureBucket node          one per order of magnitude of figure values (cg:bucketMagnitude) and one per
                                  year of figure dates (cg:bucketYear), with cg:figureCount; each figure is
                                  filed under its buckets (figure cg:valueMagnitude m, figure cg:dateYear y), so
                                  "the largest figures" or "the latest" read the top buckets, not every figure

Every article *contributes* to these counts (`contributions`). Adding an article adds what its triples
contribute, replacing or removing one first subtracts what its stored graph contributed (read before it goes),
so an ingest costs O(the change) like the entities graph, even for an entity ten thousand articles mention.
A rebuild starts the graph over. `derive_all` recounts everything from the article graphs with the scanning
queries the summaries replace: `commgraph check` and the tests compare the two.

Works on any store that answers `query` and `update` (SPARQL 1.1 Query and Update): the embedded Oxigraph
store and a remote SPARQL server alike.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from typing import Any, Iterable

import pyoxigraph as ox

from .vocab import CG, RDF, SCHEMA, XSD, Minter

# ("articles", entity) | ("mentions", entity) | ("quotes", person) | ("role", holder, title, org)
# | ("pair", entity, product) | ("said", person, words) | ("magnitude", m) | ("year", y)
# | ("valued", figure, m) | ("dated", figure, y)   (m, y: integers as text)
Key = tuple[str, ...]
INTEGER = ox.NamedNode(str(XSD.integer))
COUNT_OF = {"articles": CG.articleCount, "mentions": CG.mentionCount, "quotes": CG.quoteCount,
            "role": CG.roleCount, "pair": CG.coMentionCount, "said": CG.saidCount,
            "magnitude": CG.figureCount, "year": CG.figureCount}
NODES = {"role": "summary/role/", "pair": "summary/pair/", "said": "summary/said/",  # counted on a node of their own
         "magnitude": "summary/magnitude/", "year": "summary/year/"}
FILED = {"valued": CG.valueMagnitude, "dated": CG.dateYear}  # a figure's bucket: a triple, no count (0 or 1)
_MENTIONS, _REFERS, _HOLDER = str(SCHEMA.mentions), str(CG.refersTo), str(CG.roleHolder)
_SPEAKER, _ROLE_NAME, _ROLE_ORG = str(SCHEMA.creator), str(SCHEMA.roleName), str(CG.roleOrganization)
_DESCRIBES, _TYPE, _PRODUCT = str(CG.describes), str(CG.entityType), str(SCHEMA.Product)
_WORDS, _VALUE, _DATE = str(SCHEMA.text), str(SCHEMA.value), str(SCHEMA.observationDate)
_READ = {_MENTIONS, _REFERS, _HOLDER, _SPEAKER, _ROLE_NAME, _ROLE_ORG, _DESCRIBES, _TYPE, _WORDS, _VALUE, _DATE}
# Buckets that always hold the top rows of a descending sort, whatever their order among themselves: NaN and INF
# sort above every number in Oxigraph, and a date that is no xsd:date / gYearMonth / gYear sorts unpredictably.
TOP_MAGNITUDE, TOP_YEAR = 400, 999999
_DATE_TYPES = {str(XSD.date), str(XSD.gYearMonth), str(XSD.gYear)}
_YEAR = re.compile(r"(-?\d{4,})(?:-\d\d){0,2}")
BATCH = 400  # keys per query or update request: small enough for any server's request size limit


def contributions(triples: Iterable[tuple[Any, Any, Any]]) -> Counter[Key]:
    """What one article graph contributes to the summaries, from its triples (rdflib or pyoxigraph terms).

    The same function reads a new article's triples before they are written and an old article's graph
    before it is removed, so what is added is exactly what is later taken away.
    """
    counts: Counter[Key] = Counter()
    roles: dict[str, dict[str, str]] = {}
    descriptions: dict[str, dict[str, str]] = {}
    mentioned: set[str] = set()
    words: dict[str, str] = {}  # subject -> schema:text (a quotation's words; the article's body too)
    speakers: dict[str, str] = {}
    for s, p, o in triples:
        predicate = _text(p)
        if predicate not in _READ:
            continue
        if predicate == _VALUE:
            counts.update(figure_buckets("valued", _text(s), magnitude(_text(o))))
        elif predicate == _DATE:
            counts.update(figure_buckets("dated", _text(s), year(_text(o), _datatype(o))))
        elif predicate == _WORDS:
            words[_text(s)] = _text(o)
        elif predicate == _MENTIONS:
            counts["articles", _text(o)] += 1
            mentioned.add(_text(o))
        elif predicate in (_DESCRIBES, _TYPE):
            descriptions.setdefault(_text(s), {})[predicate] = _text(o)
        elif predicate == _REFERS:
            counts["mentions", _text(o)] += 1
        elif predicate == _SPEAKER:
            counts["quotes", _text(o)] += 1
            speakers[_text(s)] = _text(o)
        else:
            roles.setdefault(_text(s), {})[predicate] = _text(o)
    for quote, speaker in speakers.items():
        if quote in words:
            counts["said", speaker, words[quote]] += 1
    for role in roles.values():
        if _HOLDER in role and _ROLE_NAME in role:
            counts["role", role[_HOLDER], role[_ROLE_NAME], role.get(_ROLE_ORG, "")] += 1
    products = {d[_DESCRIBES] for d in descriptions.values() if d.get(_TYPE) == _PRODUCT and _DESCRIBES in d}
    for product in products & mentioned:
        for entity in mentioned - {product}:
            counts["pair", entity, product] += 1
    return counts


def article_contributions(store, article_iri: str) -> Counter[Key]:
    """What an article graph now in the store contributes (read before the article is replaced or removed).

    One query for the few predicates that count (a fifth of an article's triples), on either store."""
    predicates = " ".join(f"<{p}>" for p in sorted(_READ))
    rows = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{article_iri}> {{ VALUES ?p {{ {predicates} }} ?s ?p ?o }} }}",
                       use_default_graph_as_union=True)
    return contributions((row["s"], row["p"], row["o"]) for row in rows)


def update_summaries(store, minter: Minter, delta: Counter[Key], reset: bool = False) -> None:
    """Add `delta` (new articles' contributions minus old ones') to the stored counts; a count that reaches
    zero is retracted with its node. `reset` first drops every summary (a rebuild: `delta` is then the
    whole corpus)."""
    graph = summaries_graph(minter)
    if reset:
        store.update(f"DROP SILENT GRAPH {graph}")
    keys = sorted(k for k, n in delta.items() if n)
    # nothing to read back in a new store (the first ingest of a corpus writes every count at once)
    fresh = reset or not store.query(f"ASK {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
    for start in range(0, len(keys), BATCH):
        batch = keys[start:start + BATCH]
        current = {} if fresh else stored_counts(store, minter, batch)
        deletes, inserts, retired, unfiled = [], [], [], []
        for key in batch:
            old = current.get(key, 0)
            new = old + delta[key]
            if new < 0 or (key[0] in FILED and new > 1):
                raise ValueError(f"summary {key} would become {new} ({old} {delta[key]:+d}): the summaries "
                                 "graph disagrees with the article graphs; run `commgraph ingest --rebuild`")
            if key[0] in FILED:  # a figure's bucket: the triple is there (1) or not (0)
                if old and not new:
                    unfiled.append(_filed_triple(key))
                elif new and not old:
                    inserts.append(_filed_triple(key) + " .")
                continue
            subject, count = _subject(minter, key), ox.NamedNode(str(COUNT_OF[key[0]]))
            if old:
                deletes.append(f"({subject} {count})")
            if new and not old:
                inserts += _node_triples(key, subject)
            elif old and not new and key[0] in NODES:
                retired.append(str(subject))
            if new:
                inserts.append(f"{subject} {count} {ox.Literal(str(new), datatype=INTEGER)} .")
        operations = []
        if deletes:
            operations.append(f"DELETE {{ GRAPH {graph} {{ ?s ?p ?n }} }} WHERE {{ VALUES (?s ?p) {{ "
                              f"{' '.join(deletes)} }} GRAPH {graph} {{ ?s ?p ?n }} }}")
        if unfiled:
            operations.append(f"DELETE DATA {{ GRAPH {graph} {{ {' . '.join(unfiled)} }} }}")
        if retired:
            operations.append(f"DELETE {{ GRAPH {graph} {{ ?s ?p ?o }} }} WHERE {{ VALUES ?s {{ {' '.join(retired)} }} "
                              f"GRAPH {graph} {{ ?s ?p ?o }} }}")
        if inserts:
            operations.append(f"INSERT DATA {{ GRAPH {graph} {{ {' '.join(inserts)} }} }}")
        if operations:
            store.update(" ;\n".join(operations))


def stored_counts(store, minter: Minter, keys: list[Key] | None = None) -> Counter[Key]:
    """The counts the summaries graph holds now: for these keys, or (None) all of them (a figure filed under a
    bucket counts 1)."""
    graph = summaries_graph(minter)
    found: Counter[Key] = Counter()
    if keys is None:
        # one query a kind: a figure's bucket triples (two a figure) must not pay for the nodes' OPTIONALs
        for kind, key_of, pattern in _STORED:
            for row in store.query(f"SELECT * WHERE {{ GRAPH {graph} {{ {pattern} }} }}"):
                found[(kind, *key_of(row))] = 1 if kind in FILED else int(row["n"].value)
        return found
    counted = [k for k in keys if k[0] not in FILED]
    pairs = {(str(_subject(minter, k)), str(ox.NamedNode(str(COUNT_OF[k[0]])))): k for k in counted}
    if pairs:
        values = " ".join(f"({s} {p})" for s, p in pairs)
        for row in store.query(f"SELECT ?s ?p ?n WHERE {{ VALUES (?s ?p) {{ {values} }} GRAPH {graph} {{ ?s ?p ?n }} }}"):
            found[pairs[str(row["s"]), str(row["p"])]] = int(row["n"].value)
    filed = {_filed_triple(k): k for k in keys if k[0] in FILED}
    if filed:
        values = " ".join(f"({triple})" for triple in filed)
        for row in store.query(f"SELECT ?s ?p ?o WHERE {{ VALUES (?s ?p ?o) {{ {values} }} GRAPH {graph} {{ ?s ?p ?o }} }}"):
            found[filed[f"{row['s']} {row['p']} {row['o']}"]] = 1
    return found


# What stored_counts(None) reads, a kind at a time: (kind, the key after the kind from a row, the pattern)
_STORED = [
    *((kind, lambda row: (row["s"].value,), f"?s <{COUNT_OF[kind]}> ?n") for kind in ("articles", "mentions", "quotes")),
    ("role", lambda row: _role_key(row)[1:], f"""?s a <{CG.RoleSummary}> ; <{CG.summaryHolder}> ?holder ;
        <{CG.summaryTitle}> ?title ; <{CG.roleCount}> ?n OPTIONAL {{ ?s <{CG.summaryOrganization}> ?org }}"""),
    ("pair", lambda row: (row["x"].value, row["product"].value),
     f"?s <{CG.coMentionOf}> ?x ; <{CG.coMentionedProduct}> ?product ; <{CG.coMentionCount}> ?n"),
    ("said", lambda row: (row["speaker"].value, row["words"].value),
     f"?s <{CG.summarySpeaker}> ?speaker ; <{CG.summaryText}> ?words ; <{CG.saidCount}> ?n"),
    ("magnitude", lambda row: (row["b"].value,), f"?s <{CG.bucketMagnitude}> ?b ; <{CG.figureCount}> ?n"),
    ("year", lambda row: (row["b"].value,), f"?s <{CG.bucketYear}> ?b ; <{CG.figureCount}> ?n"),
    *((kind, lambda row: (row["s"].value, row["b"].value), f"?s <{predicate}> ?b") for kind, predicate in FILED.items()),
]


def derive_all(store) -> Counter[Key]:
    """Every count recomputed from the article graphs by scanning them (the queries the summaries spare the
    example queries): what the summaries graph must hold."""
    counts: Counter[Key] = Counter()
    scans = {"articles": f"GRAPH ?g {{ ?a <{SCHEMA.mentions}> ?x }}", "mentions": f"GRAPH ?g {{ ?m <{CG.refersTo}> ?x }}",
             "quotes": f"GRAPH ?g {{ ?q <{SCHEMA.creator}> ?x }}"}
    for kind, pattern in scans.items():
        for row in store.query(f"SELECT ?x (COUNT(*) AS ?n) WHERE {{ {pattern} }} GROUP BY ?x"):
            counts[kind, row["x"].value] = int(row["n"].value)
    rows = store.query(f"""SELECT ?x ?product (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{
        ?a <{SCHEMA.mentions}> ?x, ?product . ?d <{CG.describes}> ?product ; <{CG.entityType}> <{SCHEMA.Product}>
        FILTER(?x != ?product) }} }} GROUP BY ?x ?product""")
    for row in rows:
        counts["pair", row["x"].value, row["product"].value] = int(row["n"].value)
    rows = store.query(f"""SELECT ?holder ?title ?org (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{
        ?r <{CG.roleHolder}> ?holder ; <{SCHEMA.roleName}> ?title OPTIONAL {{ ?r <{CG.roleOrganization}> ?org }} }} }}
        GROUP BY ?holder ?title ?org""")
    for row in rows:
        counts[_role_key(row)] = int(row["n"].value)
    rows = store.query(f"""SELECT ?x ?words (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{
        ?q <{SCHEMA.creator}> ?x ; <{SCHEMA.text}> ?words }} }} GROUP BY ?x ?words""")
    for row in rows:
        counts["said", row["x"].value, row["words"].value] = int(row["n"].value)
    # the buckets are computed here as at ingest (SPARQL has no logarithm): one row a figure
    for row in store.query(f"SELECT ?f ?v WHERE {{ GRAPH ?g {{ ?f <{SCHEMA.value}> ?v }} }}"):
        counts.update(figure_buckets("valued", row["f"].value, magnitude(row["v"].value)))
    for row in store.query(f"SELECT ?f ?d WHERE {{ GRAPH ?g {{ ?f <{SCHEMA.observationDate}> ?d }} }}"):
        counts.update(figure_buckets("dated", row["f"].value, year(row["d"].value, row["d"].datatype.value)))
    return counts


def magnitude(lexical: str) -> int:
    """A figure value's bucket: floor(log10(value)), so that a larger number never has a smaller bucket (zero
    and negative numbers below every positive one, in reverse order of magnitude; NaN and INF on top)."""
    try:
        value = float(lexical)
    except ValueError:
        return TOP_MAGNITUDE
    if math.isnan(value) or value == math.inf:
        return TOP_MAGNITUDE
    if value == -math.inf:
        return -1400
    if value > 0:
        return math.floor(math.log10(value))  # -324 ... 308
    return -400 if value == 0 else -1000 - math.floor(math.log10(-value))


def year(lexical: str, datatype: str) -> int:
    """A figure date's bucket: its year (Oxigraph orders xsd:date, gYearMonth and gYear on one timeline, so a
    later year never sorts below an earlier one); any other literal goes in the top bucket."""
    match = _YEAR.fullmatch(lexical) if datatype in _DATE_TYPES else None
    return int(match.group(1)) if match else TOP_YEAR


def figure_buckets(kind: str, figure: str, bucket: int) -> Counter[Key]:
    """A figure filed under its bucket, and one more figure counted in the bucket."""
    return Counter({(kind, figure, str(bucket)): 1, ("magnitude" if kind == "valued" else "year", str(bucket)): 1})


def summaries_graph(minter: Minter) -> ox.NamedNode:
    """The one named graph holding every summary (beside the entities graph)."""
    return ox.NamedNode(minter.summaries_graph())


def _role_key(row) -> Key:
    org = row["org"]
    return ("role", row["holder"].value, row["title"].value, "" if org is None else org.value)


def _subject(minter: Minter, key: Key) -> ox.NamedNode:
    """The node a count is stated on: the entity itself, or a role summary's or co-mention's node minted from
    its key."""
    if key[0] not in NODES:
        return ox.NamedNode(key[1])
    digest = hashlib.sha256("\x1f".join(key[1:]).encode("utf-8")).hexdigest()[:24]
    return ox.NamedNode(f"{minter.base}{NODES[key[0]]}{digest}")


def _filed_triple(key: Key) -> str:
    """`figure cg:valueMagnitude m` or `figure cg:dateYear y` (N-Triples, without the final dot)."""
    kind, figure, bucket = key
    return f"<{figure}> <{FILED[kind]}> {ox.Literal(bucket, datatype=INTEGER)}"


def _node_triples(key: Key, subject: ox.NamedNode) -> list[str]:
    """What a summary node states besides its count (an entity's counts need nothing more)."""
    if key[0] == "pair":
        return [f"{subject} <{RDF.type}> <{CG.CoMention}> .", f"{subject} <{CG.coMentionOf}> <{key[1]}> .",
                f"{subject} <{CG.coMentionedProduct}> <{key[2]}> ."]
    if key[0] == "said":
        return [f"{subject} <{RDF.type}> <{CG.QuoteSummary}> .", f"{subject} <{CG.summarySpeaker}> <{key[1]}> .",
                f"{subject} <{CG.summaryText}> {ox.Literal(key[2])} ."]
    if key[0] in ("magnitude", "year"):
        bound = CG.bucketMagnitude if key[0] == "magnitude" else CG.bucketYear
        return [f"{subject} <{RDF.type}> <{CG.FigureBucket}> .",
                f"{subject} <{bound}> {ox.Literal(key[1], datatype=INTEGER)} ."]
    if key[0] != "role":
        return []
    _, holder, title, org = key
    triples = [f"{subject} <{RDF.type}> <{CG.RoleSummary}> .", f"{subject} <{CG.summaryHolder}> <{holder}> .",
               f"{subject} <{CG.summaryTitle}> {ox.Literal(title)} ."]
    if org:
        triples.append(f"{subject} <{CG.summaryOrganization}> <{org}> .")
    return triples


def _datatype(term) -> str:
    """A literal's datatype IRI (rdflib or pyoxigraph); "" for anything else."""
    if isinstance(term, ox.Literal):
        return term.datatype.value
    datatype = getattr(term, "datatype", None)
    return str(datatype) if datatype is not None else ""


def _text(term) -> str:
    """An IRI or a literal's lexical form, from an rdflib or a pyoxigraph term."""
    return term.value if isinstance(term, (ox.NamedNode, ox.Literal, ox.BlankNode)) else str(term)
