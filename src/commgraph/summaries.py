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
from collections import Counter
from typing import Any, Iterable

import pyoxigraph as ox

from .vocab import CG, RDF, SCHEMA, XSD, Minter

# ("articles", entity) | ("mentions", entity) | ("quotes", person) | ("role", holder, title, org)
# | ("pair", entity, product)
Key = tuple[str, ...]
INTEGER = ox.NamedNode(str(XSD.integer))
COUNT_OF = {"articles": CG.articleCount, "mentions": CG.mentionCount, "quotes": CG.quoteCount,
            "role": CG.roleCount, "pair": CG.coMentionCount}
NODES = {"role": "summary/role/", "pair": "summary/pair/"}  # kinds counted on a node of their own
_MENTIONS, _REFERS, _HOLDER = str(SCHEMA.mentions), str(CG.refersTo), str(CG.roleHolder)
_SPEAKER, _ROLE_NAME, _ROLE_ORG = str(SCHEMA.creator), str(SCHEMA.roleName), str(CG.roleOrganization)
_DESCRIBES, _TYPE, _PRODUCT = str(CG.describes), str(CG.entityType), str(SCHEMA.Product)
_READ = {_MENTIONS, _REFERS, _HOLDER, _SPEAKER, _ROLE_NAME, _ROLE_ORG, _DESCRIBES, _TYPE}
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
    for s, p, o in triples:
        predicate = _text(p)
        if predicate not in _READ:
            continue
        if predicate == _MENTIONS:
            counts["articles", _text(o)] += 1
            mentioned.add(_text(o))
        elif predicate in (_DESCRIBES, _TYPE):
            descriptions.setdefault(_text(s), {})[predicate] = _text(o)
        elif predicate == _REFERS:
            counts["mentions", _text(o)] += 1
        elif predicate == _SPEAKER:
            counts["quotes", _text(o)] += 1
        else:
            roles.setdefault(_text(s), {})[predicate] = _text(o)
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

    One query for the few predicates that count (a tenth of an article's triples), on either store."""
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
        deletes, inserts, retired = [], [], []
        for key in batch:
            subject, count = _subject(minter, key), ox.NamedNode(str(COUNT_OF[key[0]]))
            old = current.get(key, 0)
            new = old + delta[key]
            if new < 0:
                raise ValueError(f"summary {key} would fall below zero ({old} {delta[key]:+d}): the summaries "
                                 "graph disagrees with the article graphs; run `commgraph ingest --rebuild`")
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
        if retired:
            operations.append(f"DELETE {{ GRAPH {graph} {{ ?s ?p ?o }} }} WHERE {{ VALUES ?s {{ {' '.join(retired)} }} "
                              f"GRAPH {graph} {{ ?s ?p ?o }} }}")
        if inserts:
            operations.append(f"INSERT DATA {{ GRAPH {graph} {{ {' '.join(inserts)} }} }}")
        if operations:
            store.update(" ;\n".join(operations))


def stored_counts(store, minter: Minter, keys: list[Key] | None = None) -> Counter[Key]:
    """The counts the summaries graph holds now: for these keys, or (None) all of them."""
    graph = summaries_graph(minter)
    found: Counter[Key] = Counter()
    role = f"""?s a <{CG.RoleSummary}> ; <{CG.summaryHolder}> ?holder ; <{CG.summaryTitle}> ?title
               OPTIONAL {{ ?s <{CG.summaryOrganization}> ?org }}"""
    pair = f"?s <{CG.coMentionOf}> ?x ; <{CG.coMentionedProduct}> ?product"
    kinds = {str(v): k for k, v in COUNT_OF.items()}
    if keys is None:
        rows = store.query(f"SELECT ?s ?p ?n ?holder ?title ?org ?x ?product WHERE {{ GRAPH {graph} {{ ?s ?p ?n "
                           f"FILTER(?p IN ({', '.join(f'<{p}>' for p in COUNT_OF.values())})) "
                           f"OPTIONAL {{ {role} }} OPTIONAL {{ {pair} }} }} }}")
        for row in rows:
            kind = kinds[row["p"].value]
            if kind == "role":
                found[_role_key(row)] = int(row["n"].value)
            elif kind == "pair":
                found["pair", row["x"].value, row["product"].value] = int(row["n"].value)
            else:
                found[kind, row["s"].value] = int(row["n"].value)
        return found
    pairs = {(str(_subject(minter, k)), str(ox.NamedNode(str(COUNT_OF[k[0]])))): k for k in keys}
    values = " ".join(f"({s} {p})" for s, p in pairs)
    for row in store.query(f"SELECT ?s ?p ?n WHERE {{ VALUES (?s ?p) {{ {values} }} GRAPH {graph} {{ ?s ?p ?n }} }}"):
        found[pairs[str(row["s"]), str(row["p"])]] = int(row["n"].value)
    return found


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
    return counts


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


def _node_triples(key: Key, subject: ox.NamedNode) -> list[str]:
    """What a summary node states besides its count (an entity's counts need nothing more)."""
    if key[0] == "pair":
        return [f"{subject} <{RDF.type}> <{CG.CoMention}> .", f"{subject} <{CG.coMentionOf}> <{key[1]}> .",
                f"{subject} <{CG.coMentionedProduct}> <{key[2]}> ."]
    if key[0] != "role":
        return []
    _, holder, title, org = key
    triples = [f"{subject} <{RDF.type}> <{CG.RoleSummary}> .", f"{subject} <{CG.summaryHolder}> <{holder}> .",
               f"{subject} <{CG.summaryTitle}> {ox.Literal(title)} ."]
    if org:
        triples.append(f"{subject} <{CG.summaryOrganization}> <{org}> .")
    return triples


def _text(term) -> str:
    """An IRI or a literal's lexical form, from an rdflib or a pyoxigraph term."""
    return term.value if isinstance(term, (ox.NamedNode, ox.Literal, ox.BlankNode)) else str(term)
