"""Summaries (summaries.py): ingest keeps them equal to a recount after every add, update and remove, and the
example queries that read them give the answers of the scanning queries they replaced. Real model, real
store and index on tmp_path."""

import json
import shutil
from collections import Counter

import pytest

from commgraph import generations as gens
from commgraph.graph import EmbeddedStore
from commgraph.pipeline import ingest
from commgraph.queries import Example, example_queries
from commgraph.summaries import derive_all, stored_counts
from commgraph.vocab import CG, Minter
from commgraph.workers import Task, run_task

from conftest import FIXTURES, SEED

# The example queries as they were before the summaries, scanning every role, quote and mention: each new
# form must give their answers.
SCANNING = {
    "people-roles": """
SELECT ?person ?name ?title ?orgName WHERE {
  { SELECT DISTINCT ?person ?title ?org WHERE { GRAPH ?article {
      ?role schema:roleName ?title ; cg:roleHolder ?person .
      OPTIONAL { ?role cg:roleOrganization ?org } } } }
  ?person schema:name ?name .
  BIND(COALESCE(?org, <urn:commgraph:none>) AS ?orgOrNone)
  OPTIONAL { ?orgOrNone schema:name ?orgName }
} ORDER BY ?name ?title""",
    "quotes": """
SELECT ?name ?text ?article WHERE {
  { SELECT DISTINCT ?person ?name WHERE {
      { SELECT DISTINCT ?person WHERE { ?quote schema:creator ?person } }
      ?person schema:name ?name } }
  GRAPH ?article { ?quote a schema:Quotation ; schema:creator ?person ; schema:text ?text }
} ORDER BY ?name""",
    "tencent-said": """
SELECT DISTINCT ?name ?title ?text WHERE {
  { SELECT DISTINCT ?person ?name ?title WHERE {
      { SELECT DISTINCT ?person ?title WHERE {
          ?tencent schema:name "Tencent"@en .
          ?role cg:roleOrganization ?tencent ; cg:roleHolder ?person ; schema:roleName ?title } }
      ?person schema:name ?name } }
  ?q schema:creator ?person ; schema:text ?text .
} ORDER BY ?name""",
    "with-wechat": """
SELECT ?product ?name ?articles WHERE {
  { SELECT ?product (COUNT(?article) AS ?articles) WHERE {
      ?wechat schema:name "WeChat"@en .
      ?article schema:mentions ?wechat, ?product .
      FILTER(?product != ?wechat)
    } GROUP BY ?product }
  ?product a schema:Product ; schema:name ?name .
} ORDER BY DESC(?articles) ?name""",
    "relations": """
SELECT ?subjectName ?predicate ?objectName ?sentence WHERE {
  { SELECT ?st ?predicate WHERE { ?st rdf:predicate ?predicate } }
  ?st rdf:subject ?s ; rdf:object ?o ; cg:evidence ?e .
  ?s schema:name ?subjectName . ?e nif:anchorOf ?sentence .
  OPTIONAL { ?o schema:name ?name }
  BIND(COALESCE(?name, STR(?o)) AS ?objectName)
} ORDER BY ?predicate""",
    "keyword-articles": """
SELECT ?article ?headline ?score WHERE {
  ?article a schema:NewsArticle ; schema:headline ?headline .
  BIND(cg:textScore(?article, "interest tribes") AS ?score)
  FILTER(BOUND(?score))
} ORDER BY DESC(?score)""",
    "keyword-entities": """
SELECT ?name (MAX(?score) AS ?best) WHERE {
  { SELECT ?article ?score WHERE {
      ?article a schema:NewsArticle .
      BIND(cg:textScore(?article, "\\"open platform\\"") AS ?score)
      FILTER(BOUND(?score)) } ORDER BY DESC(?score) LIMIT 100 }
  ?article schema:mentions ?person .
  ?person a schema:Person ; schema:name ?name .
} GROUP BY ?name ORDER BY DESC(?best) ?name LIMIT 50""",
    "sentences-for-entity": """
SELECT ?anchor ?sentence ?article WHERE {
  ?person schema:name "Tang Daosheng"@en .
  ?m cg:refersTo ?person ; nif:anchorOf ?anchor ; cg:evidence ?s ; schema:isPartOf ?article .
  ?s nif:anchorOf ?sentence .
} LIMIT 500""",
    "people-and-organisations": """
SELECT ?name ?relation ?orgName WHERE {
  { SELECT DISTINCT ?person ?relation ?org WHERE {
      VALUES ?relation { schema:worksFor schema:affiliation }
      ?person ?relation ?org } }
  ?person schema:name ?name . ?org schema:name ?orgName .
} ORDER BY ?orgName ?name""",
    "entities-by-articles": """
SELECT ?entity ?name ?type ?articles WHERE {
  { SELECT ?entity (COUNT(?article) AS ?articles) WHERE { ?article schema:mentions ?entity }
    GROUP BY ?entity }
  ?entity schema:name ?name ; a ?type .
} ORDER BY DESC(?articles) ?name""",
    "largest-figures": """
SELECT ?valueText ?value ?metric ?subjectName ?sentence WHERE {
  { SELECT ?f ?value WHERE { ?f schema:value ?value } ORDER BY DESC(?value) LIMIT 40 }
  FILTER NOT EXISTS { ?f schema:unitText "percent" }
  ?f cg:valueText ?valueText ; schema:variableMeasured ?metric ; cg:evidence ?s .
  ?s nif:anchorOf ?sentence .
  OPTIONAL { ?f schema:observationAbout ?subject . ?subject schema:name ?subjectName }
} ORDER BY DESC(?value) LIMIT 20""",
    "figures-by-date": """
SELECT ?date ?valueText ?metric ?subjectName WHERE {
  { SELECT ?f ?date WHERE { ?f schema:observationDate ?date } ORDER BY DESC(?date) LIMIT 200 }
  ?f cg:valueText ?valueText ; schema:variableMeasured ?metric .
  OPTIONAL { ?f schema:observationAbout ?subject . ?subject schema:name ?subjectName }
} ORDER BY DESC(?date) ?metric""",
    "entities-by-mentions": """
SELECT ?entity ?name ?mentions WHERE {
  { SELECT ?entity (COUNT(?m) AS ?mentions) WHERE { ?m cg:refersTo ?entity }
    GROUP BY ?entity }
  ?entity schema:name ?name .
} ORDER BY DESC(?mentions)""",
}
# LIMIT of each new form, and the variable its top rows are chosen by (ties at the cut may fall either way)
CUT = {"people-and-organisations": (500, None), "relations": (500, "predicate"), "keyword-articles": (50, "score"), "keyword-entities": (50, "best"), "sentences-for-entity": (500, None), "with-wechat": (50, "articles"), "people-roles": (500, None), "quotes": (200, None), "tencent-said": (200, None),
       "entities-by-articles": (50, "articles"), "entities-by-mentions": (20, "mentions"),
       "largest-figures": (20, "value"), "figures-by-date": (200, "date")}


def rows(settings, sparql: str) -> list[tuple]:
    """A query's rows through the SPARQL workers' own path (cg:textScore included), values as JSON text."""
    task = Task(str(gens.require_current(settings.data_dir)), Example("x", "x", sparql).text, "SELECT", "json", 100_000)
    outcome = run_task(task, {})
    assert outcome.status == 200, outcome.body[:300]
    body = json.loads(outcome.body)
    return [tuple(json.dumps(row.get(v), sort_keys=True) for v in body["head"]["vars"])
            for row in body["results"]["bindings"]]


def open_current(settings) -> EmbeddedStore:
    return EmbeddedStore(gens.require_current(settings.data_dir) / "store", Minter(settings.base_iri), read_only=True)


def assert_summaries_current(settings) -> Counter:
    store = open_current(settings)
    derived = derive_all(store)
    assert stored_counts(store, Minter(settings.base_iri)) == derived
    return derived


def test_summaries_equal_a_recount_after_add_update_and_remove(settings, extractor, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in [SEED, *sorted((FIXTURES / "articles").iterdir()), *sorted((FIXTURES / "more").iterdir())]:
        shutil.copy(path, corpus / path.name)
    ingest([corpus], settings, extractor=extractor)
    counts = assert_summaries_current(settings)
    tencent = str(Minter(settings.base_iri).entity("organization/tencent"))
    assert counts["articles", tencent] >= 3 and counts["mentions", tencent] > counts["articles", tencent]
    assert all(any(k[0] == kind for k in counts) for kind in ("role", "quotes", "pair", "said", "magnitude", "year",
                                                             "valued", "dated"))

    # update: the seed loses its second half (roles, quotes and mentions go), then one more article lands
    seed = corpus / SEED.name
    text = seed.read_text()
    seed.write_text(text[: len(text) // 2])
    report = ingest([corpus], settings, extractor=extractor)
    assert report.updated
    after_update = assert_summaries_current(settings)
    assert after_update != counts

    # remove: the seed goes; what only it contributed goes with it
    ingest([], settings, remove=[seed.stem], extractor=extractor)
    after_remove = assert_summaries_current(settings)
    assert after_remove["articles", tencent] == after_update["articles", tencent] - 1
    assert not any(n <= 0 for n in after_remove.values())

    # a rebuild starts the summaries over and gives the same counts
    ingest([corpus], settings, rebuild=True, extractor=extractor)
    rebuilt = assert_summaries_current(settings)
    assert rebuilt["articles", tencent] == after_remove["articles", tencent] + 1


@pytest.mark.parametrize("example", [e for e in example_queries() if e.id in SCANNING], ids=lambda e: e.id)
def test_example_queries_answer_as_the_scanning_queries_did(corpus_data, example):
    new, old = rows(corpus_data, example.sparql), rows(corpus_data, SCANNING[example.id])
    limit, by = CUT[example.id]
    assert new, example.id
    if len(old) <= limit:
        assert Counter(new) == Counter(old)
        return
    # the cut: the new rows are old rows, and rank for rank they hold the same counts
    assert set(new) <= set(old) and len(new) == limit
    if by is not None:
        position = next(i for i, name in enumerate(_variables(example.sparql)) if name == by)
        assert [r[position] for r in new] == [r[position] for r in old[:limit]]


def _variables(sparql: str) -> list[str]:
    head = sparql.split("WHERE", 1)[0]
    return [word[1:] for word in head.split() if word.startswith("?")]


def test_check_reports_summaries_that_disagree_with_the_articles(corpus_data, tmp_path):
    """`commgraph check` recounts: a count changed behind ingest's back is named with both values."""
    from commgraph.check import summary_problems

    minter = Minter(corpus_data.base_iri)
    open_current(corpus_data).backup(tmp_path / "store")
    store = EmbeddedStore(tmp_path / "store", minter)
    assert summary_problems(store, minter) == []
    tencent = minter.entity("organization/tencent")
    store.update(f"""DELETE {{ GRAPH <{minter.summaries_graph()}> {{ <{tencent}> <{CG.articleCount}> ?n }} }}
        INSERT {{ GRAPH <{minter.summaries_graph()}> {{ <{tencent}> <{CG.articleCount}> 99 }} }}
        WHERE {{ GRAPH <{minter.summaries_graph()}> {{ <{tencent}> <{CG.articleCount}> ?n }} }}""")
    problems = summary_problems(store, minter)
    assert len(problems) == 1 and f"articles {tencent}: 99 stored" in problems[0], problems
    store.close()


@pytest.mark.parametrize("example_id,cut", [("largest-figures", "40"), ("figures-by-date", "200")])
@pytest.mark.parametrize("top", [1, 3, 8])
def test_figure_buckets_give_the_top_figures_of_a_full_sort(corpus_data, example_id, cut, top):
    """With a cut smaller than the corpus (the seed corpus has fewer figures than the examples' 40 and 200), the
    buckets chosen still hold the figures a sort of every figure puts first: the same values, rank for rank."""
    example = next(e for e in example_queries() if e.id == example_id)
    new = example.sparql.replace(f"< {cut})", f"< {top})").replace(f"LIMIT {cut} }}", f"LIMIT {top} }}")
    old = SCANNING[example_id].replace(f"LIMIT {cut} }}", f"LIMIT {top} }}")
    assert new.count(f"< {top})") == 1 and new.count(f"LIMIT {top} }}") == 1
    by = CUT[example_id][1]
    position = next(i for i, name in enumerate(_variables(example.sparql)) if name == by)
    new_rows, old_rows = rows(corpus_data, new), rows(corpus_data, old)
    assert new_rows and sorted(r[position] for r in new_rows) == sorted(r[position] for r in old_rows)
