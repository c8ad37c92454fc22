"""Graph building and the Oxigraph store, without spaCy: extractions are built by hand."""

import pyoxigraph as ox
from rdflib import Literal

from commgraph.facts import Entity, Extraction, Figure, Mention, Quote, Role, Sentence
from commgraph.graph import EmbeddedStore, article_triples, build_graph
from commgraph.sources import Article
from commgraph.vocab import CG, NIF, RDF, SCHEMA, Minter

MINTER = Minter("http://example.org/")


def make_extraction(article_id="a1", body="Tom Tang said QQ groups have 380 million users.") -> Extraction:
    article = Article(id=article_id, title="T", body=body, source="x.txt", date="2015-08-06")
    person = Entity("person/daosheng-tang", "Tang Daosheng", "Person", {"Tom Tang"})
    product = Entity("product/qq-groups", "QQ groups", "Product")
    org = Entity("organization/tencent", "Tencent", "Organization")
    return Extraction(
        article=article, sentences=[Sentence(0, 0, len(body), body)],
        entities={e.key: e for e in (person, product, org)},
        mentions=[Mention(person.key, "Tom Tang", 0, 8, 0), Mention(product.key, "QQ groups", 14, 23, 0)],
        figures=[Figure(text="380 million", value=380e6, metric="users", start=29, end=40, sentence=0,
                        subject=product.key, approximation="more than", date="2015-06")],
        roles=[Role(person.key, "vice president", org.key, False, 0, 0, 8)],
        quotes=[Quote(person.key, "QQ groups have 380 million users", 14, 46, 0)],
    )


def replace(store: EmbeddedStore, extraction: Extraction) -> int:
    return store.replace_article(MINTER.article(extraction.article.id), article_triples(extraction, MINTER))


def test_article_graph_uses_schema_org_and_evidence():
    g = build_graph(make_extraction(), MINTER)
    art = MINTER.article("a1")
    assert g.identifier == art
    assert (art, RDF.type, SCHEMA.NewsArticle) in g
    person = MINTER.entity("person/daosheng-tang")
    assert (art, SCHEMA.mentions, person) in g
    description = g.value(predicate=CG.describes, object=person)
    assert (description, CG.alias, Literal("Tom Tang", lang="en")) in g  # names carry their language
    assert g.value(description, CG.entityType) == SCHEMA.Person
    assert not list(g.triples((person, SCHEMA.name, None)))  # merged descriptions live in the entities graph
    figure = MINTER.part("a1", "figure", 0)
    assert g.value(figure, SCHEMA.value).toPython() == 380e6
    assert str(g.value(figure, SCHEMA.observationDate)) == "2015-06"
    sentence = g.value(figure, CG.evidence)
    assert "380 million" in str(g.value(sentence, NIF.anchorOf))
    assert (person, SCHEMA.worksFor, MINTER.entity("organization/tencent")) in g


def test_same_extraction_gives_same_quads():
    first = set(build_graph(make_extraction(), MINTER))
    second = set(build_graph(make_extraction(), MINTER))
    assert first == second


def test_article_triples_are_the_graph_each_once():
    """Two roles give the person the same job title: the store gets that triple once, like the Graph."""
    extraction = make_extraction()
    extraction.roles.append(extraction.roles[0])
    triples = article_triples(extraction, MINTER)
    assert len(triples) == len(set(triples)) and set(triples) == set(build_graph(extraction, MINTER))


def test_store_replace_and_remove_article(tmp_path):
    store = EmbeddedStore(tmp_path / "store", MINTER)
    n = replace(store, make_extraction())
    assert store.quad_count() == n
    replace(store, make_extraction())  # idempotent
    assert store.quad_count() == n
    replace(store, make_extraction("a2"))
    assert store.article_graphs() == {str(MINTER.article("a1")), str(MINTER.article("a2"))}
    store.refresh_entities({str(MINTER.entity(k)) for k in make_extraction().entities})
    assert store.entity_count() == 3
    store.remove_article(MINTER.article("a1"))
    assert store.article_graphs() == {str(MINTER.article("a2"))}
    trig = store.export("trig").decode()
    assert "a2" in trig and "/article/a1>" not in trig
    store.close()


def test_entities_graph_merges_and_retracts(tmp_path):
    """Two articles describe one entity: one merged description; it goes when its last article goes."""
    store = EmbeddedStore(tmp_path / "store", MINTER)
    first = make_extraction("a1")
    second = make_extraction("a2")
    second.entities["person/daosheng-tang"] = Entity("person/daosheng-tang", "Tang Daosheng", "Person", {"Daosheng Tang"})
    for extraction in (first, second):
        replace(store, extraction)
    keys = {str(MINTER.entity(k)) for k in first.entities}
    store.refresh_entities(keys)
    rows = list(store.dataset.query(
        "SELECT ?n ?alias WHERE { GRAPH ?g { ?p a <https://schema.org/Person> ; <https://schema.org/name> ?n ; "
        "<https://schema.org/alternateName> ?alias } } ORDER BY ?alias"))
    assert [(str(n), str(a)) for n, a in rows] == [("Tang Daosheng", "Daosheng Tang"), ("Tang Daosheng", "Tom Tang")]
    store.remove_article(MINTER.article("a1"))
    store.remove_article(MINTER.article("a2"))
    store.refresh_entities(keys)
    assert store.entity_iris() == set() and store.quad_count() == 0
    store.close()


def test_entities_graph_has_a_lookup_key_for_every_name(tmp_path):
    """cg:nameKey holds each name and alias case- and space-normalised, also for aliases added later."""
    from commgraph.lookup import find_entities_by_name

    store = EmbeddedStore(tmp_path / "store", MINTER)
    extraction = make_extraction()
    replace(store, extraction)
    store.refresh_entities({str(MINTER.entity(k)) for k in extraction.entities})
    person = str(MINTER.entity("person/daosheng-tang"))
    store.add_aliases({person: {"Tom  TANG Jr"}})
    keys = {q.object.value for q in store.ox.quads_for_pattern(None, ox.NamedNode(str(CG.nameKey)), None, None)
            if q.subject.value == person}
    assert keys == {"tang daosheng", "tom tang", "tom tang jr"}
    assert [r["name"] for r in find_entities_by_name(store, ["TOM tang"])] == ["Tang Daosheng"]
    assert [r["name"] for r in find_entities_by_name(store, ["tom tang jr"])] == ["Tang Daosheng"]
    assert find_entities_by_name(store, ["tom"]) == []
    store.close()


def test_names_are_language_tagged_and_meet_across_languages(tmp_path):
    """An English and a Chinese article about Tencent: one IRI, schema:name "Tencent"@en and "腾讯"@zh,
    each article's language as schema:inLanguage."""
    store = EmbeddedStore(tmp_path / "store", MINTER)
    english = make_extraction("en1")
    body = "腾讯表示，QQ群的月活跃用户达到8亿。"
    zh_article = Article(id="zh1", title="腾讯", body=body, source="zh.txt", lang="zh")
    tencent = Entity("organization/tencent", "腾讯", "Organization", {"Tencent", "騰訊"},
                     names={"zh": "腾讯", "en": "Tencent"})
    chinese = Extraction(article=zh_article, sentences=[Sentence(0, 0, len(body), body)],
                         entities={tencent.key: tencent}, mentions=[Mention(tencent.key, "腾讯", 0, 2, 0)],
                         figures=[], roles=[], quotes=[])
    for extraction in (english, chinese):
        replace(store, extraction)
    iri = str(MINTER.entity("organization/tencent"))
    store.refresh_entities({iri})
    names = {(q.object.value, q.object.language) for q in store.ox.quads_for_pattern(
        ox.NamedNode(iri), ox.NamedNode(str(SCHEMA.name)), None, store.entities_graph)}
    assert names == {("Tencent", "en"), ("腾讯", "zh")}
    others = {(q.object.value, q.object.language) for q in store.ox.quads_for_pattern(
        ox.NamedNode(iri), ox.NamedNode(str(SCHEMA.alternateName)), None, store.entities_graph)}
    assert ("騰訊", "zh") in others
    languages = {q.subject.value: q.object.value for q in store.ox.quads_for_pattern(
        None, ox.NamedNode(str(SCHEMA.inLanguage)), None, None)}
    assert languages == {str(MINTER.article("en1")): "en", str(MINTER.article("zh1")): "zh"}
    from commgraph.lookup import find_entities_by_name

    assert {r["e"] for r in find_entities_by_name(store, ["腾讯"])} == {iri}
    assert {r["e"] for r in find_entities_by_name(store, ["騰訊"])} == {iri}
    store.close()


def test_every_fact_says_how_it_was_found_and_how_sure_we_are():
    x = make_extraction()
    x.figures[0] = Figure(text="380 million", value=380e6, metric="users", start=29, end=40, sentence=0,
                          subject="product/qq-groups", canonical="users", growth=True, period="2015-Q2",
                          method="parse: noun the number counts; subject: paragraph topic", confidence=0.4)
    x.roles[0] = Role("person/daosheng-tang", "vice president", "organization/tencent", False, 0, 0, 8,
                      method="words: titles before the name", confidence=0.85)
    x.quotes[0] = Quote("person/daosheng-tang", "QQ groups have 380 million users", 14, 46, 0,
                        method="parse: subject of the speech verb", confidence=0.9)
    x.mentions[0] = Mention("person/daosheng-tang", "Tom Tang", 0, 8, 0, "model: NER PERSON", 0.7)
    g = build_graph(x, MINTER)
    figure = MINTER.part("a1", "figure", 0)
    assert (figure, CG.canonicalMetric, Literal("users")) in g
    assert (figure, CG.isChange, Literal(True)) in g and (figure, CG.period, Literal("2015-Q2")) in g
    assert g.value(figure, CG.confidence).toPython() == 0.4
    assert "paragraph topic" in str(g.value(figure, CG.method))
    for kind, method in (("role", "titles before"), ("quote", "speech verb"), ("mention", "NER PERSON")):
        node = MINTER.part("a1", kind, 0)
        assert method in str(g.value(node, CG.method)) and 0 < g.value(node, CG.confidence).toPython() <= 1


def test_both_stores_keep_the_graph_store_protocol():
    """Every method of graph.protocol.GraphStore exists on the embedded and the remote store and takes the
    protocol's parameters (extra ones only with defaults), so code typed against the protocol runs on either."""
    import inspect

    from commgraph.graph import GraphStore, RemoteStore

    members = [name for name, value in vars(GraphStore).items() if callable(value) and not name.startswith("_")]
    members += ["query"]  # from Queryable
    assert {"replace_article", "refresh_entities", "present_graphs", "export", "query"} <= set(members)
    for store in (EmbeddedStore, RemoteStore):
        for name in members:
            wanted = inspect.signature(getattr(GraphStore, name)).parameters
            got = inspect.signature(getattr(store, name)).parameters
            takes_any = any(p.kind is p.VAR_KEYWORD for p in got.values())
            missing = [p for p in wanted if p not in got and not (takes_any and wanted[p].kind is wanted[p].VAR_KEYWORD)]
            extra = [p for p, v in got.items() if p not in wanted and v.default is v.empty
                     and v.kind not in (v.VAR_KEYWORD, v.VAR_POSITIONAL)]
            assert not missing and not extra, f"{store.__name__}.{name}: missing {missing}, extra {extra}"
