"""Entity merging: the entities graph derived from what the article graphs say, over any GraphStore.

Every article describes the entities it mentions on nodes of its own (triples.py); the entities graph holds one
merged description per entity (rdf:type, a schema:name a language, schema:alternateName, cg:nameKey), which
the store writes (`refresh_entities`, `add_aliases`) from the counts computed here by the store's own queries.
"""

from __future__ import annotations

from collections import Counter

from ..facts import Entity
from ..vocab import CG, SCHEMA, Minter
from .protocol import GraphStore, Queryable
from .rows import select
from .triples import entity_names

def update_entities(store: GraphStore, minter: Minter, recount: set[str], added: list[Entity]) -> None:
    """Bring the entities graph up to date after articles changed.

    `recount`: entities of removed or replaced articles, re-derived from every article that describes them.
    `added`: what new articles say of entities. When the entity is already described with the same name and
    type, only new aliases are added; that keeps adding an article O(the article) even for an entity that ten
    thousand articles mention. Anything else is re-derived.
    """
    recount = set(recount)
    current = current_descriptions(store, minter, {str(minter.entity(e.key)) for e in added} - recount)
    aliases: dict[str, set[str]] = {}
    for entity in added:
        iri = str(minter.entity(entity.key))
        known = current.get(iri)
        if iri in recount or known is None or known[0] != str(SCHEMA[entity.type]) \
                or not {n for _, n in entity_names(entity)} <= known[1]:
            recount.add(iri)
            continue
        new = set(entity.aliases) - known[2] - known[1]
        if new:
            aliases.setdefault(iri, set()).update(new)
    for iri in recount:
        aliases.pop(iri, None)
    if aliases:
        store.add_aliases(aliases)
    store.refresh_entities(recount)


def current_descriptions(store: Queryable, minter: Minter, iris: set[str], batch: int = 200
                         ) -> dict[str, tuple[str, set[str], set[str]]]:
    """{entity IRI: (class IRI, names (one a language), other names)} as the entities graph has them now."""
    graph = minter.entities_graph()
    found: dict[str, tuple[str, str, set[str]]] = {}
    ordered = sorted(iris)
    for start in range(0, len(ordered), batch):
        values = " ".join(f"<{iri}>" for iri in ordered[start:start + batch])
        for row in select(store, f"""SELECT ?e ?type ?name ?alias WHERE {{ VALUES ?e {{ {values} }}
                GRAPH <{graph}> {{ ?e a ?type ; <{SCHEMA.name}> ?name OPTIONAL {{ ?e <{SCHEMA.alternateName}> ?alias }} }}
                }}"""):
            entry = found.setdefault(row["e"], (row["type"], set(), set()))
            entry[1].add(row["name"])
            if row["alias"] is not None:
                entry[2].add(row["alias"])
    return found


def merged_descriptions(store: Queryable, entity_iris: set[str], batch: int = 200
                        ) -> dict[str, tuple[str, str, list[str], dict[str, str]]]:
    """{entity IRI: (class IRI, canonical name, other names, {language: name})} from the articles' own
    descriptions: one schema:name a language (the most common there, "Tencent"@en and "腾讯"@zh).

    The counting is done by the store (three aggregate queries a batch), so an entity that a thousand
    articles mention costs milliseconds, not a Python loop over its thousand descriptions. Works on the
    embedded and the remote store alike. Each article counts once per name and type.
    """
    merged: dict[str, tuple[str, str, list[str]]] = {}
    ordered = sorted(entity_iris)
    for start in range(0, len(ordered), batch):
        values = " ".join(f"<{iri}>" for iri in ordered[start:start + batch])
        names: dict[str, Counter] = {}
        types: dict[str, Counter] = {}
        aliases: dict[str, set[str]] = {}
        languages: dict[str, dict[str, Counter]] = {}
        for row in select(store, f"""SELECT ?e ?v (SAMPLE(LANG(?v)) AS ?l) (COUNT(?d) AS ?n) WHERE {{
                VALUES ?e {{ {values} }} GRAPH ?g {{ ?d <{CG.describes}> ?e ; <{CG.name}> ?v }} }} GROUP BY ?e ?v"""):
            names.setdefault(row["e"], Counter())[row["v"]] += int(row["n"])
            languages.setdefault(row["e"], {}).setdefault(row["l"] or "", Counter())[row["v"]] += int(row["n"])
        for row in select(store, f"""SELECT ?e ?v (COUNT(?d) AS ?n) WHERE {{ VALUES ?e {{ {values} }}
                GRAPH ?g {{ ?d <{CG.describes}> ?e ; <{CG.entityType}> ?v }} }} GROUP BY ?e ?v"""):
            types.setdefault(row["e"], Counter())[row["v"]] = int(row["n"])
        for row in select(store, f"""SELECT DISTINCT ?e ?v WHERE {{ VALUES ?e {{ {values} }}
                GRAPH ?g {{ ?d <{CG.describes}> ?e ; <{CG.alias}> ?v }} }}"""):
            aliases.setdefault(row["e"], set()).add(row["v"])
        for iri, counts in names.items():
            by_language = {lang: most_common(c) for lang, c in languages[iri].items()}
            # the English name where an article gives one (the gazetteer's canonical name), else the most common
            canonical = by_language.get("en") or most_common(counts)
            others = sorted((aliases.get(iri, set()) | set(counts)) - set(by_language.values()) - {canonical})
            merged[iri] = (most_common(types[iri]), canonical, others, by_language)
    return merged



def most_common(counts: Counter[str]) -> str:
    """The most frequent value; ties go to the first in sort order, so every run picks the same one."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0][0]
