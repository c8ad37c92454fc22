"""Read-side questions the pages ask of the graph, answered with fixed SPARQL run inside Oxigraph.

Every function takes an open store (anything `graph.protocol.Queryable`: the embedded or a remote one) and
returns plain dicts and lists, its rows made by `graph.rows.select`.
User-supplied values reach the queries only as IRIs minted by `Minter` (validated) or as escaped literals.
"""

from __future__ import annotations

from typing import Any

from .facts import ENTITY_TYPES as TYPES
from .graph.protocol import Queryable
from .graph.rows import literal, select
from .vocab import PREFIXES, name_keys


def one_name(rows: list[dict[str, Any]], keys: tuple[str, ...], name: str) -> list[dict[str, Any]]:
    """Rows once per `keys`, though an entity has one schema:name a language ("Tencent"@en, "腾讯"@zh): the row
    with the name in Latin letters (the English one) is kept, in the place of the first; nothing else changes."""
    chosen: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        key = tuple(row.get(k) for k in keys)
        if key not in chosen or (_latin(row.get(name)) and not _latin(chosen[key].get(name))):
            chosen[key] = row
    return list(chosen.values())


def _latin(name: Any) -> bool:
    return isinstance(name, str) and not any("\u3400" <= ch <= "\u9fff" for ch in name)


def stats(store: Queryable) -> dict[str, Any]:
    by_type = {r["type"].rsplit("/", 1)[-1]: r["n"] for r in select(store, """
        SELECT ?type (COUNT(?e) AS ?n) WHERE {
          VALUES ?type { schema:Person schema:Organization schema:Product schema:Place schema:Event schema:CreativeWork }
          ?e a ?type } GROUP BY ?type""")}
    counts = select(store, """SELECT (COUNT(DISTINCT ?a) AS ?articles) (COUNT(DISTINCT ?f) AS ?figures)
        WHERE { { ?a a schema:NewsArticle } UNION { ?f a schema:Observation } }""")[0]
    return {"articles": counts["articles"], "figures": counts["figures"],
            "entities": {t: by_type.get(t, 0) for t in TYPES}}


def top_entities(store: Queryable, limit: int = 20) -> list[dict[str, Any]]:
    return one_name(select(store, f"""
        SELECT ?e ?label ?kind ?mentions WHERE {{
          {{ SELECT ?e (COUNT(?m) AS ?mentions) WHERE {{ ?m cg:refersTo ?e }}
             GROUP BY ?e ORDER BY DESC(?mentions) LIMIT {int(limit)} }}
          ?e schema:name ?label ; a ?kind }} ORDER BY DESC(?mentions) ?label"""), ("e",), "label")


QUOTES_SHOWN = 50  # an entity's own quotes on its page, the newest


def entity(store: Queryable, iri: str, quotes_page: int = 1, quotes_per_page: int = 50) -> dict[str, Any] | None:
    """Everything the entity page shows: names, roles, figures, quotes, mentions and neighbours; of what the
    people at an organisation said, page `quotes_page` (`people_quotes_more`: whether another follows)."""
    base = select(store, f"""SELECT DISTINCT ?name (LANG(?name) AS ?lang) ?type WHERE {{ <{iri}> schema:name ?name ;
        a ?type }} ORDER BY ?name""")
    base = sorted(base, key=lambda r: (not _latin(r["name"]), r["name"]))  # the English name first
    if not base:
        return None
    aliases = sorted({r["alias"] for r in select(store, f"SELECT DISTINCT ?alias WHERE {{ <{iri}> schema:alternateName ?alias }}")})
    # each (title, organisation) from its summary with a few of its statements: Jiaxin Peng's 7,600 roles at
    # 10,000 articles took 8.8 s to read and made a 4 MB page
    held = _roles_held(store, iri)
    roles = [] if not held else select(store, f"""
        SELECT DISTINCT ?title ?org ?orgName ?s ?sentence ?article ?headline ?date ?confidence ?method WHERE {{
          {_role_statements(store, held, per_role=5)}
          ?s nif:anchorOf ?sentence . ?article schema:headline ?headline
          OPTIONAL {{ ?article schema:datePublished ?date }}
          OPTIONAL {{ ?r cg:roleOrganization ?org . ?org schema:name ?orgName }}
          OPTIONAL {{ ?r cg:confidence ?confidence }} OPTIONAL {{ ?r cg:method ?method }} }} ORDER BY ?title""")
    roles = one_name(roles, ("title", "org", "s", "confidence", "method"), "orgName")
    figures = figures_about(store, iri, limit=100)
    # the newest quotes, picked before any is described (Tang Daosheng's 3,886 at 10,000 articles took 1.1 s
    # and made a 2.4 MB page)
    quote_count = _count(store, iri, "cg:quoteCount")
    quotes = select(store, f"""
        SELECT DISTINCT ?q ?text ?s ?article ?headline ?date ?confidence ?method WHERE {{
          {{ SELECT ?q ?article ?date WHERE {{ GRAPH ?article {{ ?q schema:creator <{iri}> }} {_dates(quote_count)}
             }} ORDER BY DESC(?date) LIMIT {int(QUOTES_SHOWN)} }}
          ?q schema:text ?text ; schema:isPartOf ?article . ?article schema:headline ?headline
          OPTIONAL {{ ?q cg:evidence ?s }} OPTIONAL {{ ?article schema:datePublished ?date }}
          OPTIONAL {{ ?q cg:confidence ?confidence }} OPTIONAL {{ ?q cg:method ?method }} }} ORDER BY DESC(?date) ?article ?q""")
    quotes = one_name(quotes, ("q",), "text")
    # a mention's article is its graph's name (no schema:isPartOf lookup for each mention read)
    mentions = select(store, f"""
        SELECT ?article ?headline ?date ?s ?sentence ?lang WHERE {{
          {{ SELECT DISTINCT ?article ?s WHERE {{ GRAPH ?article {{ ?m cg:refersTo <{iri}> ; cg:evidence ?s }} }}
             LIMIT 200 }}
          ?s nif:anchorOf ?sentence . ?article schema:headline ?headline .
          OPTIONAL {{ ?article schema:datePublished ?date }} OPTIONAL {{ ?article schema:inLanguage ?lang }}
        }} ORDER BY DESC(?date) ?article""")
    neighbours = co_mentioned(store, iri)
    people_quotes = quotes_of_people_at(store, iri, limit=quotes_per_page + 1,
                                        offset=(max(1, quotes_page) - 1) * quotes_per_page)
    return {"iri": iri, "name": base[0]["name"], "names": sorted({r["name"] for r in base}),
            "names_by_language": [{"name": r["name"], "lang": r["lang"] or ""} for r in base],
            "type": base[0]["type"].rsplit("/", 1)[-1], "aliases": aliases, "roles": roles, "figures": figures,
            "quotes": quotes, "mentions": mentions, "neighbours": neighbours,
            "article_count": article_count(store, iri), "co_mention_sample": CO_MENTION_SAMPLE,
            "quote_count": quote_count,
            "people": people_at(store, iri), "people_quotes": people_quotes[:quotes_per_page],
            "people_quotes_page": max(1, quotes_page), "people_quotes_more": len(people_quotes) > quotes_per_page}


# Co-mentions are counted over at most this many of an entity's articles (Oxigraph's first ones, in the order
# of its index, which is no order of date or topic): counting over all 10,714 that mention Tencent at 10,000
# articles read every mention of the store (0.47-1.0 s). Five hundred give the same leaders (the same 10, and
# 24 of the 25, at 1,000 and at 10,000 articles) for 15-24 ms of CPU at 1,000 articles; a thousand took 26-42.
CO_MENTION_SAMPLE = 500


def _articles_sample(iri: str, sample: int) -> str:
    return f"{{ SELECT ?article WHERE {{ ?article schema:mentions <{iri}> }} LIMIT {int(sample)} }}"


def co_mentioned(store: Queryable, iri: str, limit: int = 25, sample: int = CO_MENTION_SAMPLE) -> list[dict[str, Any]]:
    """The entities mentioned in the most articles with `iri`, with that number of articles (among the
    `sample` first articles that mention `iri`: every one, unless `article_count` says it has more)."""
    rows = select(store, f"""
        SELECT ?other ?label ?kind ?articles WHERE {{
          {{ SELECT ?other (COUNT(?article) AS ?articles) WHERE {{
               {_articles_sample(iri, sample)}
               ?article schema:mentions ?other . FILTER(?other != <{iri}>) }}
             GROUP BY ?other ORDER BY DESC(?articles) LIMIT {int(limit)} }}
          ?other schema:name ?label ; a ?kind }} ORDER BY DESC(?articles) ?label""")
    return one_name(rows, ("other",), "label")


def article_count(store: Queryable, iri: str) -> int:
    """How many articles mention `iri`, from its summary (cg:articleCount; 0 when none does)."""
    return _count(store, iri, "cg:articleCount")


def _count(store: Queryable, iri: str, predicate: str) -> int:
    rows = select(store, f"SELECT ?n WHERE {{ <{iri}> {predicate} ?n }} LIMIT 1")
    return int(rows[0]["n"]) if rows else 0


def relations(store: Queryable, iri: str, per_kind: int = 100, per_role: int = 5) -> list[dict[str, Any]]:
    """The entities `iri` is related to by a stated fact, with the sentence that states it: relations read
    from the text (founder, provider, publisher, location, manages, acquired; both directions) and roles
    (a person's title at an organisation, or the people holding one at it). `dir` is "out" when `iri` is
    the subject ("Tencent provides QQ" on Tencent's page), "in" when it is the object.

    The entity's own pattern comes first: Oxigraph follows the written order of equally bound patterns, and
    `?st a rdf:Statement` first read every statement of the store until the LIMIT. At most `per_kind`
    statements of each of the four kinds, and of the people holding a role at `iri` each
    (person, title) from its summary with `per_role` sentences: one LIMIT over them all (500) filled up with
    250 sentences of one relation at Tencent (1,000 articles) and left out the people with roles there."""
    summaries = _role_summaries(store, iri)
    held = (f"""UNION {{ {{ SELECT ?other ?title ?s WHERE {{ {_role_statements(store, summaries, per_role)}
             BIND(?person AS ?other) }} }} BIND(cg:roleHolder AS ?rel) BIND("in" AS ?dir) }}""" if summaries else "")
    rows = select(store, f"""
        SELECT DISTINCT ?other ?otherName ?kind ?rel ?title ?dir ?s WHERE {{
          {{ {{ SELECT ?other ?rel ?s WHERE {{ ?st rdf:subject <{iri}> ; a rdf:Statement ; rdf:predicate ?rel ;
               rdf:object ?other . OPTIONAL {{ ?st cg:evidence ?s }} }} LIMIT {int(per_kind)} }} BIND("out" AS ?dir) }}
          UNION {{ {{ SELECT ?other ?rel ?s WHERE {{ ?st rdf:object <{iri}> ; a rdf:Statement ; rdf:subject ?other ;
               rdf:predicate ?rel . OPTIONAL {{ ?st cg:evidence ?s }} }} LIMIT {int(per_kind)} }} BIND("in" AS ?dir) }}
          UNION {{ {{ SELECT ?other ?title ?s WHERE {{ ?r cg:roleHolder <{iri}> ; cg:roleOrganization ?other ;
               schema:roleName ?title . OPTIONAL {{ ?r cg:evidence ?s }} }} LIMIT {int(per_kind)} }}
             BIND(cg:roleOrganization AS ?rel) BIND("out" AS ?dir) }}
          {held}
          FILTER(?other != <{iri}> && isIRI(?other))
        }}""")
    # the names and types of the few others once each, not once a row (Tencent: 12 others in 300 rows)
    others = " ".join(sorted({f"<{r['other']}>" for r in rows}))
    described: dict[str, list[dict[str, Any]]] = {}
    if others:
        for r in select(store, f"""SELECT DISTINCT ?other ?otherName ?kind WHERE {{ VALUES ?other {{ {others} }}
                ?other schema:name ?otherName ; a ?kind }}"""):
            described.setdefault(r["other"], []).append(r)
    rows = [dict(row, otherName=d["otherName"], kind=d["kind"]) for row in rows for d in described.get(row["other"], [])]
    return one_name(rows, ("other", "rel", "title", "dir", "s"), "otherName")


def shared_articles(store: Queryable, iri: str, others: list[str], sample: int = CO_MENTION_SAMPLE) -> dict[str, int]:
    """How many articles mention both `iri` and each of `others` (IRIs minted or read from the store), among
    the same articles of `iri` as `co_mentioned` counts."""
    if not others:
        return {}
    values = " ".join(f"<{o}>" for o in others)
    # both sides are sub-selects, which Oxigraph joins by hashing: 3.4 ms for Tencent's 12 people at 1,000
    # articles (29 ms at 10,000), where looking up each article's mentions took 53 ms (a lookup a row)
    rows = select(store, f"""SELECT ?other (COUNT(DISTINCT ?article) AS ?n) WHERE {{ {_articles_sample(iri, sample)}
        {{ SELECT ?article ?other WHERE {{ VALUES ?other {{ {values} }} ?article schema:mentions ?other }} }}
        }} GROUP BY ?other""")
    return {r["other"]: r["n"] for r in rows}


def people_at(store: Queryable, org: str, per_role: int = 5, most: int = 200) -> list[dict[str, Any]]:
    """The people holding a role at an organisation (or product): who they are there, with the evidence.

    Each distinct (person, title) is read from its role summary (summaries.py: one node per holder, title and
    organisation, with `count`, how many roles state it), then at most `per_role` of its statements are looked
    up and shown newest first. Scanning every role of the organisation instead cost 0.46 s for Tencent at
    1,000 articles (2,526 roles) and 6 s at 10,000: Oxigraph pays a lookup per role and per joined pattern.
    """
    summaries = _role_summaries(store, org, most)
    if not summaries:
        return []
    counts = {(r["person"], r["title"]): r["count"] for r in summaries}
    rows = select(store, f"""
        SELECT DISTINCT ?person ?personName ?title ?s ?sentence ?article ?headline ?date ?confidence WHERE {{
          {_role_statements(store, summaries, per_role)}
          ?person schema:name ?personName . ?s nif:anchorOf ?sentence . ?article schema:headline ?headline
          OPTIONAL {{ ?article schema:datePublished ?date }} OPTIONAL {{ ?r cg:confidence ?confidence }}
        }} ORDER BY ?personName ?title DESC(?date) ?s""")
    return [dict(row, count=counts[row["person"], row["title"]])
            for row in one_name(rows, ("person", "title", "s"), "personName")]


def _role_summaries(store: Queryable, org: str, most: int = 200) -> list[dict[str, Any]]:
    """(person, title, org, count) of the roles at `org`, from the summaries graph: the most stated first."""
    return select(store, f"""SELECT ?person ?title ?org ?count WHERE {{ ?x cg:summaryOrganization <{org}> ;
        cg:summaryHolder ?person ; cg:summaryTitle ?title ; cg:roleCount ?count BIND(<{org}> AS ?org) }}
        ORDER BY DESC(?count) ?person ?title LIMIT {int(most)}""")


def _roles_held(store: Queryable, holder: str, most: int = 200) -> list[dict[str, Any]]:
    """(person, title, org or None, count) of the roles `holder` holds, from the summaries graph."""
    return select(store, f"""SELECT ?person ?title ?org ?count WHERE {{ ?x cg:summaryHolder <{holder}> ;
        cg:summaryTitle ?title ; cg:roleCount ?count OPTIONAL {{ ?x cg:summaryOrganization ?org }}
        BIND(<{holder}> AS ?person) }} ORDER BY DESC(?count) ?title ?org LIMIT {int(most)}""")


def _role_statements(store: Queryable, summaries: list[dict[str, Any]], per_role: int) -> str:
    """A UNION binding ?person ?title ?r ?s ?article: at most `per_role` roles (with their evidence) of each
    summarised (person, title, org), one sub-select a role so that each stops at its own LIMIT.

    Oxigraph follows the written order of equally bound patterns, and a pattern after the first costs a lookup
    per row: each role's roles are found from the smallest of its holder's, its title's and its organisation's
    roles, by the summaries' counts (from the holder, the 9 roles of Tang Daosheng with a Chinese title took
    9 ms of lookups among his 287 roles at 1,000 articles; from the title, 0.3 ms)."""
    keys = {"holder": ("cg:summaryHolder", {f"<{r['person']}>" for r in summaries}),
            "title": ("cg:summaryTitle", {literal(r["title"]) for r in summaries}),
            "org": ("cg:summaryOrganization", {f"<{r['org']}>" for r in summaries if r.get("org")})}
    totals = {(r["kind"], r["key"]): r["n"] for r in select(store, "SELECT ?kind ?key (SUM(?c) AS ?n) WHERE { " + " UNION ".join(
        f"""{{ VALUES ?key {{ {" ".join(sorted(values))} }} ?x {predicate} ?key ; cg:roleCount ?c BIND("{kind}" AS ?kind) }}"""
        for kind, (predicate, values) in keys.items() if values) + " } GROUP BY ?kind ?key")}
    branches = []
    for r in summaries:
        person, title = f"<{r['person']}>", literal(r["title"])
        patterns = [(totals.get(("holder", r["person"]), 0), f"?r cg:roleHolder {person} ."),
                    (totals.get(("title", r["title"]), 0), f"?r schema:roleName {title} .")]
        if r.get("org"):
            patterns.append((totals.get(("org", r["org"]), 0), f"?r cg:roleOrganization <{r['org']}> ."))
        alone = "" if r.get("org") else "FILTER NOT EXISTS { ?r cg:roleOrganization ?anyOrganization }"
        branches.append(f"""{{ {{ SELECT ?r ?s ?article WHERE {{ {" ".join(p for _, p in sorted(patterns))}
            ?r cg:evidence ?s ; schema:isPartOf ?article {alone} }} LIMIT {int(per_role)} }}
          VALUES (?person ?title) {{ ({person} {title}) }} }}""")
    return " UNION ".join(branches)


def quotes_of_people_at(store: Queryable, org: str, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """What the people with a role at `org` said, newest first: "who at Tencent said what"; one page of
    `limit` quotes from `offset` (ask for one more than you show to know whether there is a next page).

    The people come from the role summaries; their quotes are picked (sorted by date, cut to the page) before
    any is described. The dates join as a sub-select, which Oxigraph runs once and hashes: looked up per
    quote, they cost 0.43 s for the 16,772 quotes of Tencent's people at 10,000 articles (this plan: 41-59 ms).
    When the people said thousands of things, the page is first looked for in the quotes of the most recent
    articles (20-26 ms there), and in all of them only if those hold too few. Quotes of one date keep the
    store's order (a stable sort): a tie broken by the quote's IRI made Oxigraph read the text of thousands of
    IRIs (1.7 s instead of 0.13 s at 10,000 articles).
    """
    people = f"{{ SELECT DISTINCT ?person WHERE {{ ?x cg:summaryOrganization <{org}> ; cg:summaryHolder ?person }} }}"
    quoted = select(store, f"SELECT ?person ?n WHERE {{ {people} OPTIONAL {{ ?person cg:quoteCount ?n }} }}")
    if not quoted:  # nobody holds a role there (a person's page, say): nothing to sort
        return []
    recent = f"""{{ SELECT ?article ?date WHERE {{ ?article schema:datePublished ?date }}
        ORDER BY DESC(?date) LIMIT {300 * (1 + (offset + limit) // 50)} }}"""
    said = sum(r["n"] or 0 for r in quoted)
    plans = ([(recent, "")] if said >= 2000 else []) + [("", _dates(said))]
    for before, after in plans:
        rows = select(store, f"""
            SELECT DISTINCT ?q ?person ?personName ?text ?s ?article ?headline ?date ?confidence WHERE {{
              {{ SELECT ?q ?person ?article ?date WHERE {{ {before} {people}
                  GRAPH ?article {{ ?q schema:creator ?person }} {after}
                }} ORDER BY DESC(?date) LIMIT {int(limit)} OFFSET {int(offset)} }}
              ?q schema:text ?text ; schema:isPartOf ?article . ?person schema:name ?personName .
              ?article schema:headline ?headline
              OPTIONAL {{ ?q cg:evidence ?s }} OPTIONAL {{ ?q cg:confidence ?confidence }}
            }} ORDER BY DESC(?date) ?personName ?q""")
        rows = one_name(rows, ("q",), "personName")
        if len(rows) >= limit:  # the recent articles held a whole page: no quote outside them is newer
            break
    return rows


def _dates(rows: int) -> str:
    """The pattern giving ?article its ?date for about `rows` rows: looked up a row when they are few, else
    read all at once in a sub-select that Oxigraph hashes (~9 ms at 10,000 articles however few the rows)."""
    if rows < 500:
        return "OPTIONAL { ?article schema:datePublished ?date }"
    return "OPTIONAL { SELECT ?article ?date WHERE { ?article schema:datePublished ?date } }"


def figures_about(store: Queryable, iri: str | None = None, metric: str = "",
                  limit: int = 2000) -> list[dict[str, Any]]:
    """Figures (optionally about one entity, or whose metric contains `metric`) with their source sentence.

    The figures to show are chosen first in a sub-select and only then described: an entity with thousands of
    figures, or a corpus with a million quads, stays cheap. They are described by reading all that each states
    (one scan a figure) and the texts of their sentences, articles and subjects (one lookup each): sixteen
    OPTIONAL lookups a figure took 96-130 ms for Tencent's 100 at 1,000 articles, this 55-75 ms.
    """
    about = f"?f schema:observationAbout <{iri}> ." if iri else "?f a schema:Observation ."
    metric_filter = (f"?f schema:variableMeasured ?m . FILTER(CONTAINS(LCASE(?m), LCASE({literal(metric)})))"
                     if metric else "")
    stated = select(store, f"""SELECT ?f ?p ?v WHERE {{
          {{ SELECT ?f WHERE {{ {about} {metric_filter} }} LIMIT {int(limit)} }}
          ?f ?p ?o FILTER(?p IN ({", ".join(_FIGURE_PROPERTIES)}))
          BIND(IF(?p IN ({", ".join(p for p, _ in _FIGURE_NUMBERS_OF)}), STR(?o), ?o) AS ?v) }}""")
    figures: dict[str, dict[str, list[Any]]] = {}
    for row in stated:
        values = figures.setdefault(row["f"], {}).setdefault(_FIGURE_PROPERTIES[_curie(row["p"])], [])
        if row["v"] not in values:
            values.append(row["v"])
    texts = _texts(store, {"sentence": ("nif:anchorOf", _all(figures, "s")),
                           "headline": ("schema:headline", _all(figures, "article")),
                           "subjectName": ("schema:name", _all(figures, "subject"))})
    rows = []
    for f, values in figures.items():
        if not all(values.get(k) for k in ("valueText", "metric", "s", "article")):
            continue
        subjects = [(subject, name) for subject in values.get("subject", []) for name in texts["subjectName"].get(subject, [])]
        singles = {k: values.get(k) or [None] for k in _FIGURE_PROPERTIES.values() if k not in ("s", "article", "subject")}
        for s in values["s"]:
            for article in values["article"]:
                for sentence in texts["sentence"].get(s, []):
                    for headline in texts["headline"].get(article, []):
                        for subject, name in subjects or [(None, None)]:
                            base = {"f": f, "s": s, "sentence": sentence, "article": article, "headline": headline,
                                    "subject": subject, "subjectName": name}
                            rows += [dict(base, **combo) for combo in _combinations(singles)]
    rows.sort(key=lambda r: (_order_key(r["subjectName"]), _order_key(r["metric"]), _order_key(r["date"])))
    return one_name(_as_numbers(rows), ("f",), "subjectName")


# What a figure states, by predicate: the keys of figures_about's rows
_FIGURE_PROPERTIES = {"cg:valueText": "valueText", "schema:variableMeasured": "metric", "cg:evidence": "s",
                      "schema:isPartOf": "article", "schema:observationAbout": "subject", "schema:value": "value",
                      "schema:minValue": "min", "schema:maxValue": "max", "schema:unitText": "unit",
                      "schema:currency": "currency", "cg:approximation": "approx", "schema:observationDate": "date",
                      "cg:canonicalMetric": "canonical", "cg:isChange": "change", "cg:confidence": "confidence",
                      "cg:method": "method"}
_FIGURE_NUMBERS_OF = (("schema:value", "value"), ("schema:minValue", "min"), ("schema:maxValue", "max"))


def _curie(iri: str) -> str:
    """schema:value for https://schema.org/value: the names _FIGURE_PROPERTIES uses."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _all(figures: dict[str, dict[str, list[Any]]], key: str) -> set[str]:
    return {v for values in figures.values() for v in values.get(key, [])}


def _texts(store: Queryable, wanted: dict[str, tuple[str, set[str]]]) -> dict[str, dict[str, list[Any]]]:
    """{name: {node: [values of its predicate]}} for a few sets of nodes, in one query."""
    found: dict[str, dict[str, list[Any]]] = {name: {} for name in wanted}
    branches = [f"""{{ VALUES ?n {{ {" ".join(f"<{n}>" for n in sorted(nodes))} }} ?n {predicate} ?t BIND({literal(name)} AS ?k) }}"""
                for name, (predicate, nodes) in wanted.items() if nodes]
    if branches:
        for row in select(store, f"SELECT DISTINCT ?k ?n ?t WHERE {{ {' UNION '.join(branches)} }}"):
            found[row["k"]].setdefault(row["n"], []).append(row["t"])
    return found


def _combinations(values: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Every choice of one value per key (a figure states each property once, nearly always: one row)."""
    combos: list[dict[str, Any]] = [{}]
    for key, options in values.items():
        combos = [dict(c, **{key: v}) for c in combos for v in options]
    return combos


def _order_key(value: Any) -> tuple:
    """SPARQL's ORDER BY for one of these values: unbound first, then numbers, then texts."""
    if value is None:
        return (0, 0, "")
    return (1, value, "") if isinstance(value, (int, float)) else (2, 0, str(value))


def all_names(store: Queryable, limit: int = 200_000) -> list[str]:
    """Every entity name and alias (at most `limit`): what search's "did you mean" may offer."""
    rows = select(store, f"""SELECT DISTINCT ?name WHERE {{ ?e cg:nameKey ?k .
        {{ ?e schema:name ?name }} UNION {{ ?e schema:alternateName ?name }} }} LIMIT {int(limit)}""")
    return [r["name"] for r in rows if isinstance(r["name"], str)]


def figure_subjects(store: Queryable, limit: int = 2000) -> list[str]:
    """The names of the entities figures are about: the figures page's subject suggestions."""
    rows = select(store, f"""SELECT DISTINCT ?name WHERE {{
        {{ SELECT DISTINCT ?e WHERE {{ ?f schema:observationAbout ?e }} LIMIT {int(limit)} }}
        ?e schema:name ?name }} ORDER BY ?name""")
    return [r["name"] for r in rows]


def figure(store: Queryable, iri: str) -> dict[str, Any] | None:
    rows = select(store, f"""
        SELECT DISTINCT ?valueText ?value ?min ?max ?unit ?currency ?approx ?metric ?subject ?subjectName ?date
               ?canonical ?change ?confidence ?method ?s ?sentence ?article ?headline WHERE {{
          <{iri}> a schema:Observation ; cg:valueText ?valueText ; schema:variableMeasured ?metric ;
             cg:evidence ?s ; schema:isPartOf ?article . ?s nif:anchorOf ?sentence . ?article schema:headline ?headline .
          OPTIONAL {{ <{iri}> schema:observationAbout ?subject . ?subject schema:name ?subjectName }}
          {_exact_numbers(f"<{iri}>")} OPTIONAL {{ <{iri}> schema:unitText ?unit }}
          OPTIONAL {{ <{iri}> schema:currency ?currency }} OPTIONAL {{ <{iri}> cg:approximation ?approx }}
          OPTIONAL {{ <{iri}> schema:observationDate ?date }} OPTIONAL {{ <{iri}> cg:canonicalMetric ?canonical }}
          OPTIONAL {{ <{iri}> cg:isChange ?change }} OPTIONAL {{ <{iri}> cg:confidence ?confidence }}
          OPTIONAL {{ <{iri}> cg:method ?method }} }} LIMIT 4""")
    rows = one_name(_as_numbers(rows), ("valueText",), "subjectName")
    return dict(rows[0], f=iri) if rows else None


_FIGURE_NUMBERS = (("value", "value"), ("min", "minValue"), ("max", "maxValue"))


def _exact_numbers(node: str) -> str:
    """A figure's value, min and max read as text (STR), every digit kept: Virtuoso writes an xsd:double with
    six significant digits in its SPARQL results (23254173 -> "2.32542e+07"); STR gives its whole lexical
    form there and the same number on Oxigraph."""
    return " ".join(f"OPTIONAL {{ {node} schema:{p} ?{v}Number BIND(STR(?{v}Number) AS ?{v}) }}"
                    for v, p in _FIGURE_NUMBERS)


def _as_numbers(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The numbers `_exact_numbers` read as text, back to floats."""
    for row in rows:
        for v, _ in _FIGURE_NUMBERS:
            if row.get(v) is not None:
                row[v] = float(row[v])
    return rows


def article(store: Queryable, iri: str) -> dict[str, Any] | None:
    rows = select(store, f"""
        SELECT DISTINCT ?id ?headline ?text ?date ?source ?url ?lang WHERE {{ <{iri}> a schema:NewsArticle ;
          schema:identifier ?id ; schema:headline ?headline ; schema:text ?text ; cg:sourcePath ?source .
          OPTIONAL {{ <{iri}> schema:datePublished ?date }} OPTIONAL {{ <{iri}> schema:url ?url }}
          OPTIONAL {{ <{iri}> schema:inLanguage ?lang }} }}""")
    if not rows:
        return None
    spans = select(store, f"""
        SELECT DISTINCT ?node ?kind ?begin ?end ?target ?label WHERE {{
          {{ ?node a cg:Mention ; cg:refersTo ?target . ?target schema:name ?label . BIND("mention" AS ?kind) }}
          UNION {{ ?node a schema:Observation ; schema:variableMeasured ?label . BIND(?node AS ?target)
                   BIND("figure" AS ?kind) }}
          ?node schema:isPartOf <{iri}> ; nif:beginIndex ?begin ; nif:endIndex ?end .
        }} ORDER BY ?begin""")
    spans = one_name(spans, ("node",), "label")
    entities = select(store, f"""
        SELECT DISTINCT ?e ?name ?type WHERE {{ <{iri}> schema:mentions ?e . ?e schema:name ?name ; a ?type }}
        ORDER BY ?type ?name""")
    entities = one_name(entities, ("e",), "name")
    sentences = select(store, f"""
        SELECT DISTINCT ?s ?begin ?end WHERE {{ ?s a nif:Sentence ; schema:isPartOf <{iri}> ;
          nif:beginIndex ?begin ; nif:endIndex ?end }} ORDER BY ?begin""")
    return dict(rows[0], iri=iri, spans=spans, entities=entities, sentences=sentences)


def values_of(store: Queryable, iris: dict[str, str], predicate: str) -> dict[str, str]:
    """{key: value of `predicate`} for a few nodes, in one query; `iris` maps each key to its node's IRI.

    Used for the search page: article texts for snippets (schema:text), entity names for labels (schema:name).
    """
    if not iris:
        return {}
    values = " ".join(f"<{iri}>" for iri in iris.values())
    found: dict[str, Any] = {}
    for row in select(store, f"SELECT ?node ?value WHERE {{ VALUES ?node {{ {values} }} ?node {predicate} ?value }}"):
        if row["node"] not in found or (_latin(row["value"]) and not _latin(found[row["node"]])):
            found[row["node"]] = row["value"]  # of two names (one a language), the English one
    return {key: found[iri] for key, iri in iris.items() if iri in found}


def articles(store: Queryable) -> list[dict[str, Any]]:
    return select(store, """SELECT DISTINCT ?a ?id ?headline ?date WHERE { ?a a schema:NewsArticle ; schema:identifier ?id ;
        schema:headline ?headline OPTIONAL { ?a schema:datePublished ?date } } ORDER BY DESC(?date) ?id""")


def find_entities_by_name(store: Queryable, names: list[str]) -> list[dict[str, Any]]:
    """Entities whose name or alias equals one of `names` (case-insensitive): the search page's entity cards.

    A lookup of cg:nameKey (an index), not a LCASE filter over every name in the store.
    """
    if not names:
        return []
    values = " ".join(literal(k) for k in name_keys(names))
    return one_name(select(store, f"""
        SELECT DISTINCT ?e ?name ?type WHERE {{ VALUES ?q {{ {values} }}
          ?e cg:nameKey ?q ; schema:name ?name ; a ?type }}
        LIMIT 10"""), ("e",), "name")[:5]


def entities_named(store: Queryable, names: list[str], per_name: int = 5) -> dict[str, list[str]]:
    """{cg:nameKey of each name: IRIs of the entities so named or aliased (at most `per_name`)}: search lets a
    query word that names an entity match the articles mentioning it, in any language (腾讯 -> Tencent)."""
    keys = [k for k in name_keys(names) if k]
    if not keys:
        return {}
    values = " ".join(literal(k) for k in keys)
    found: dict[str, list[str]] = {}
    for row in select(store, f"SELECT DISTINCT ?q ?e WHERE {{ VALUES ?q {{ {values} }} ?e cg:nameKey ?q }} "
                             f"ORDER BY ?q ?e LIMIT {len(keys) * per_name * 4}"):
        iris = found.setdefault(row["q"], [])
        if len(iris) < per_name:
            iris.append(row["e"])
    return found


def describe(store: Queryable, iri: str):
    """All quads about an entity across article graphs (for its Turtle / JSON-LD representation)."""
    return list(store.query(f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}",
                            use_default_graph_as_union=True))


def mention_counts(store: Queryable, article_iris: list[str]) -> dict[tuple[str, str], int]:
    """{(article IRI, entity IRI): mentions} for a page of articles: search chips lead with what an article
    is most about."""
    if not article_iris:
        return {}
    values = " ".join(f"<{iri}>" for iri in article_iris)
    rows = select(store, f"""SELECT ?a ?e (COUNT(?m) AS ?n) WHERE {{ VALUES ?a {{ {values} }}
        ?m cg:refersTo ?e ; schema:isPartOf ?a }} GROUP BY ?a ?e""")
    return {(r["a"], r["e"]): int(r["n"]) for r in rows}


def completion_names(store: Queryable, limit: int = 200_000) -> list[dict[str, Any]]:
    """Every entity's names and aliases with its type and how often it is mentioned: the search box's
    autocomplete (read once per generation)."""
    types = " ".join(f"schema:{t}" for t in TYPES)
    names = select(store, f"""SELECT DISTINCT ?e ?name ?alias ?type WHERE {{ VALUES ?type {{ {types} }} ?e a ?type .
        {{ ?e schema:name ?name BIND(false AS ?alias) }} UNION {{ ?e schema:alternateName ?name BIND(true AS ?alias) }}
        }} LIMIT {int(limit)}""")
    counts = {r["e"]: int(r["n"]) for r in select(store, f"""SELECT ?e (COUNT(?m) AS ?n) WHERE {{ ?m cg:refersTo ?e }}
        GROUP BY ?e LIMIT {int(limit)}""")}
    return [dict(r, alias=r["alias"] in (True, "true"), mentions=counts.get(r["e"], 0)) for r in names
            if isinstance(r["name"], str)]


# An article's source: the site name the page gave, else the host of its URL (or of the URL it was fetched
# from), else "" (a local file). Written once, used by the list and by its filter and facet.
_ARTICLE_SOURCE = r"""
    OPTIONAL { ?a cg:siteName ?site } OPTIONAL { ?a schema:url ?url } OPTIONAL { ?a cg:sourcePath ?path }
    BIND(COALESCE(STR(?url), IF(STRSTARTS(STR(?path), "http"), STR(?path), "")) AS ?link)
    BIND(COALESCE(?site, REPLACE(?link, "^[a-zA-Z][a-zA-Z0-9+.-]*://(www\\.)?([^/:?#]*).*$", "$2")) AS ?source)"""


def _article_filters(source: str | None, lang: str, date_from: str, date_to: str) -> str:
    """FILTERs over ?source, ?lang and ?date for the articles list; every value an escaped literal."""
    parts = []
    if source is not None:
        parts.append(f"FILTER(STR(?source) = {literal(source)})")
    if lang:
        parts.append(f"FILTER(LCASE(STR(?lang)) = {literal(lang.lower())})")
    if date_from:  # a year or a month compares with the same length of the date: 2016 >= 2016 for 2016-03-01
        parts.append(f"FILTER(BOUND(?date) && SUBSTR(STR(?date), 1, {len(date_from)}) >= {literal(date_from)})")
    if date_to:
        parts.append(f"FILTER(BOUND(?date) && SUBSTR(STR(?date), 1, {len(date_to)}) <= {literal(date_to)})")
    return "\n    ".join(parts)


ARTICLE_SORTS = {"date": "?date", "title": "LCASE(STR(?headline))"}


def article_list(store: Queryable, sort: str = "date", descending: bool = True, source: str | None = None,
                 lang: str = "", date_from: str = "", date_to: str = "", limit: int = 25, offset: int = 0
                 ) -> tuple[list[dict[str, Any]], int]:
    """(one page of articles, how many match): id, headline, date, language, source and link, sorted by date
    or title; filtered by source (`""` is local files), language and a date range (years, months or days)."""
    where = f"""?a a schema:NewsArticle ; schema:identifier ?id ; schema:headline ?headline .
    OPTIONAL {{ ?a schema:datePublished ?date }} OPTIONAL {{ ?a schema:inLanguage ?lang }}{_ARTICLE_SOURCE}
    {_article_filters(source, lang, date_from, date_to)}"""
    key = ARTICLE_SORTS[sort]
    order = f"DESC({key})" if descending else f"ASC({key})"
    tie = "?id" if sort == "title" else "LCASE(STR(?headline)) ?id"
    if sort == "date":  # undated articles last, whichever the direction
        order = f"DESC(BOUND(?date)) {order}"
    rows = select(store, f"""SELECT ?a ?id ?headline ?date ?lang ?source ?link WHERE {{ {where} }}
        ORDER BY {order} {tie} LIMIT {int(limit)} OFFSET {int(offset)}""")
    total = select(store, f"SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ {where} }}")[0]["n"]
    return rows, int(total)


def article_facets(store: Queryable) -> dict[str, list[dict[str, Any]]]:
    """The sources and languages of all articles with their counts: the articles page's filter choices."""
    sources = select(store, f"""SELECT ?source (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?a a schema:NewsArticle .
        {_ARTICLE_SOURCE} }} GROUP BY ?source ORDER BY DESC(?n) ?source LIMIT 500""")
    languages = select(store, """SELECT ?lang (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a schema:NewsArticle ;
        schema:inLanguage ?lang } GROUP BY ?lang ORDER BY DESC(?n) ?lang LIMIT 100""")
    return {"sources": [{"source": r["source"] or "", "count": int(r["n"])} for r in sources],
            "languages": [{"lang": r["lang"], "count": int(r["n"])} for r in languages]}
