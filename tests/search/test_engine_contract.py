"""The SearchEngine contract (commgraph/search/protocol.py), the same for every engine: writers on immutable
generations, search results (hits, snippets, facets, did-you-mean, notices), cg:textScore scores, ids for
check, and the search budget. Written against the protocol only; each engine is a parameter of
`engine_factory`. To hold another engine to it, add its factory to ENGINE_FACTORIES (it receives pytest's
`request`, e.g. to ask for a fixture that starts its server)."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Callable

import pytest

from commgraph.search import (IndexDocument, IndexWriter, SearchBudget, SearchEngine, SearchIndex, SearchLimits,
                              SearchRefused, SearchRequest, engine_from_settings)
from commgraph.settings import Settings


def _whoosh(request) -> SearchEngine:
    return engine_from_settings(Settings(search_engine="whoosh"))


def _sphinx(request) -> SearchEngine:
    """The session's searchd (conftest.sphinx_server), its indexes emptied for each test."""
    return request.getfixturevalue("sphinx_engine")


ENGINE_FACTORIES: dict[str, Callable[[pytest.FixtureRequest], SearchEngine]] = {
    "whoosh": _whoosh,
    "sphinx": _sphinx,
}

DOCS = [
    IndexDocument(id="a1", title="QQ interest tribes grow",
                  body="Tencent said QQ interest tribes reached 380 million users. <script>alert(1)</script>",
                  date="2015-08-06", lang="en", entities=("organization/tencent", "product/qq"),
                  names={"organization": ("Tencent",), "product": ("QQ",)},
                  mentions={"organization/tencent": 1, "product/qq": 2}),
    IndexDocument(id="a2", title="Momo groups",
                  body="Momo groups and WeChat groups compete for fans in Beijing. Tribes are popular.",
                  date="2016-01-01", lang="en", entities=("organization/momo", "place/beijing", "product/wechat"),
                  names={"organization": ("Momo",), "place": ("Beijing",), "product": ("WeChat", "Weixin")}),
    IndexDocument(id="a3", title="腾讯发布QQ兴趣部落", body="腾讯公司表示，QQ兴趣部落的月活跃用户达到一亿。",
                  date="2016-03-01", lang="zh", entities=("organization/tencent", "product/qq"),
                  names={"organization": ("Tencent", "腾讯"), "product": ("QQ",)}),
    IndexDocument(id="a4", title="Douban reading",
                  body="Douban users rate books. Wu Xiaobo said monthly active users doubled.",
                  date="2014-05-05", lang="en", entities=("organization/douban", "person/wu-xiaobo"),
                  names={"organization": ("Douban",), "person": ("Wu Xiaobo",)}),
]
BODIES = {d.id: d.body for d in DOCS}
LABELS = {"organization/tencent": "Tencent", "organization/momo": "Momo", "organization/douban": "Douban",
          "product/qq": "QQ", "product/wechat": "WeChat", "place/beijing": "Beijing", "person/wu-xiaobo": "Wu Xiaobo"}
WORDS = ("兴趣部落",)  # a gazetteer name as a dictionary word


def texts(ids: list[str]) -> dict[str, str]:
    return {i: BODIES[i] for i in ids if i in BODIES}


def labels(keys: list[str]) -> dict[str, str]:
    return {k: LABELS[k] for k in keys if k in LABELS}


def generation(root: Path, number: int) -> Path:
    """Where a generation's index lives, as in a data directory."""
    return root / "generations" / f"g{number:06d}" / "index"


def write(engine: SearchEngine, directory: Path, docs=(), delete=(), previous: Path | None = None) -> None:
    writer = engine.writer(directory, previous=previous, words=WORDS)
    for doc in docs:
        writer.replace(doc)
    for article_id in delete:
        writer.delete(article_id)
    writer.commit()


@pytest.fixture(params=sorted(ENGINE_FACTORIES))
def engine_factory(request) -> Callable[[], SearchEngine]:
    """A maker of the engine under test (configuration only: each call gives an equal engine)."""
    return lambda: ENGINE_FACTORIES[request.param](request)


@pytest.fixture
def index(engine_factory, tmp_path) -> SearchIndex:
    engine = engine_factory()
    write(engine, generation(tmp_path, 1), DOCS)
    return engine.open(generation(tmp_path, 1))


def ids(result) -> list[str]:
    return [hit.id for hit in result.hits]


def find(index: SearchIndex, text: str, **kwargs) -> set[str]:
    return set(ids(index.search(SearchRequest(text, page_size=50, **kwargs))))


def test_engines_implement_the_protocol_and_cross_into_worker_processes(engine_factory, tmp_path):
    engine = engine_factory()
    assert isinstance(engine, SearchEngine) and engine.name
    writer = engine.writer(generation(tmp_path, 1), words=WORDS)
    assert isinstance(writer, IndexWriter)
    writer.replace(DOCS[0])
    writer.commit()
    copy = pickle.loads(pickle.dumps(engine))  # a SPARQL worker gets its engine inside its task
    opened = copy.open(generation(tmp_path, 1))
    assert isinstance(opened, SearchIndex)
    assert opened.article_ids() == {"a1"}


def test_ids_counts_and_membership(index):
    assert index.doc_count() == 4
    assert index.article_ids() == {"a1", "a2", "a3", "a4"}
    assert index.indexed(["a1", "a4", "nope"]) == {"a1", "a4"}


def test_generations_are_immutable(engine_factory, tmp_path):
    engine = engine_factory()
    first, second = generation(tmp_path, 1), generation(tmp_path, 2)
    write(engine, first, DOCS)
    old = engine.open(first)
    assert find(old, "douban") == {"a4"}
    changed = IndexDocument(id="a1", title="QQ groups", body="Tencent said QQ groups now hold fans.",
                            date="2015-08-07", lang="en", entities=("product/qq",), names={"product": ("QQ",)})
    added = IndexDocument(id="a5", title="Bilibili", body="Bilibili creators upload videos.", date="2017-02-02",
                          lang="en")
    write(engine, second, [changed, added], delete=["a4", "never-indexed"], previous=first)
    new = engine.open(second)
    assert new.article_ids() == {"a1", "a2", "a3", "a5"} and new.doc_count() == 4
    assert find(new, "douban") == set() and find(new, "bilibili") == {"a5"}
    assert find(new, "interest") == set()  # a1 was replaced, not added to
    for reader in (old, engine.open(first)):  # the previous generation, open or opened again, is as it was
        assert reader.article_ids() == {"a1", "a2", "a3", "a4"}
        assert find(reader, "douban") == {"a4"} and find(reader, "interest") == {"a1"}
        assert find(reader, "bilibili") == set()


def test_cancel_leaves_the_previous_generation_as_it_was(engine_factory, tmp_path):
    engine = engine_factory()
    write(engine, generation(tmp_path, 1), DOCS)
    writer = engine.writer(generation(tmp_path, 2), previous=generation(tmp_path, 1), words=WORDS)
    writer.replace(IndexDocument(id="a9", title="Never", body="Never published words."))
    writer.delete("a1")
    writer.cancel()
    before = engine.open(generation(tmp_path, 1))
    assert before.article_ids() == {"a1", "a2", "a3", "a4"} and find(before, "never") == set()


def test_a_checkpoint_part_way_writes_an_index_that_answers_the_same(engine_factory, tmp_path):
    """Ingest writes the documents so far out while the last articles are extracted (IndexWriter.checkpoint):
    the index finds, ranks, scores and counts as the one written at once, and a document written before the
    checkpoint is still replaced by a later one with its id."""
    engine = engine_factory()
    write(engine, generation(tmp_path, 1), DOCS)
    writer = engine.writer(generation(tmp_path, 2), words=WORDS)
    for n, doc in enumerate(DOCS):
        writer.replace(doc)
        if n == 1:
            writer.checkpoint()
    writer.commit()
    whole, parted = engine.open(generation(tmp_path, 1)), engine.open(generation(tmp_path, 2))
    assert parted.doc_count() == 4 and parted.article_ids() == whole.article_ids()
    for text in ("tribes", "tencent OR douban", '"interest tribes"', "腾讯", "users NOT momo", "organization:Tencent"):
        a, b = (index.search(SearchRequest(text, page_size=50), texts=texts, labels=labels) for index in (whole, parted))
        assert [(h.id, h.title, h.date, h.lang, h.snippet, h.entities, h.mentions) for h in b.hits] == \
            [(h.id, h.title, h.date, h.lang, h.snippet, h.entities, h.mentions) for h in a.hits]
        assert [h.score for h in b.hits] == pytest.approx([h.score for h in a.hits], rel=1e-9)
        assert (b.total, b.facets, b.type_counts, b.languages) == (a.total, a.facets, a.type_counts, a.languages)
        assert parted.scores(text) == pytest.approx(whole.scores(text), rel=1e-9)
    writer = engine.writer(generation(tmp_path, 3), words=WORDS)
    writer.replace(DOCS[0])
    writer.checkpoint()
    writer.replace(IndexDocument(id="a1", title="QQ groups", body="Tencent said QQ groups now hold fans."))
    writer.commit()
    again = engine.open(generation(tmp_path, 3))
    assert again.doc_count() == 1 and find(again, "fans") == {"a1"} and find(again, "interest") == set()


def test_words_stems_phrases_and_operators(index):
    assert find(index, "tribes") == {"a1", "a2"}
    assert find(index, "tribe") == {"a1", "a2"}  # English is stemmed
    assert find(index, '"interest tribes"') == {"a1"}
    assert "a1" not in find(index, '"tribes interest"')
    assert find(index, "tribes NOT wechat") == {"a1"}
    assert find(index, "momo OR douban") == {"a2", "a4"}
    assert find(index, "tribes AND fans") == {"a2"}


def test_chinese_is_cut_into_words(index):
    assert find(index, "腾讯") == {"a3"}
    assert find(index, "兴趣部落") == {"a3"}  # a dictionary word given to the writer
    assert find(index, "活跃") == {"a3"}  # a word inside the body's run of characters


def test_entity_fields_filters_languages_and_dates(index):
    assert find(index, 'person:"wu xiaobo"') == {"a4"}
    assert find(index, "tribes", entity_filters=("product/qq",)) == {"a1"}
    assert find(index, "", languages=("zh",)) == {"a3"}  # filters alone select articles
    assert find(index, "tribes OR 腾讯", languages=("en",)) == {"a1", "a2"}
    assert find(index, "tribes OR douban OR 腾讯", date_from="2016", date_to="2016-12") == {"a2", "a3"}
    assert find(index, "tribes OR douban", date_to="2015-08") == {"a1", "a4"}


def test_ranking_sorting_and_pages(index):
    assert ids(index.search(SearchRequest("tribes", sort="date"))) == ["a2", "a1"]  # newest first
    first = index.search(SearchRequest("tribes", page=1, page_size=1))
    second = index.search(SearchRequest("tribes", page=2, page_size=1))
    assert first.total == second.total == 2 and len(first.hits) == len(second.hits) == 1
    assert {first.hits[0].id, second.hits[0].id} == {"a1", "a2"}
    assert (first.page, first.page_size, second.page) == (1, 1, 2)
    ranked = index.search(SearchRequest("tribes"))
    assert [h.score for h in ranked.hits] == sorted((h.score for h in ranked.hits), reverse=True)
    assert all(h.score > 0 for h in ranked.hits)
    assert index.search(SearchRequest("tribes", page=5, page_size=1)).hits == []


def test_hits_snippets_and_facets(index):
    result = index.search(SearchRequest("alert tencent"), texts=texts, labels=labels)
    hit = result.hits[0]
    assert (hit.id, hit.title, hit.date, hit.lang) == ("a1", "QQ interest tribes grow", "2015-08-06", "en")
    assert '<b class="match' in hit.snippet and "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet
    assert ("organization/tencent", "Tencent", "Organization") in hit.entities
    facets = index.search(SearchRequest("tribes OR 腾讯"), labels=labels)
    assert facets.total == 3
    assert ("organization/tencent", "Tencent", 2) in facets.facets["Organization"]  # every match counted
    assert ("place/beijing", "Beijing", 1) in facets.facets["Place"]
    assert facets.type_counts["Organization"] == 3 and facets.type_counts["Place"] == 1
    assert facets.languages == {"en": 2, "zh": 1}
    bare = index.search(SearchRequest("tribes"))  # no texts, no labels: entity keys stand for names
    assert all(key == name for h in bare.hits for key, name, _ in h.entities)


def test_hits_carry_each_entitys_mentions_as_written(index, engine_factory, tmp_path):
    """The search page's chips lead with what a hit is most about: the mentions come with the hit (asking the
    graph for them was a third of a search through HTTP)."""
    hits = {h.id: h for h in index.search(SearchRequest("tribes OR douban", page_size=50)).hits}
    assert hits["a1"].mentions == {"organization/tencent": 1, "product/qq": 2}
    assert hits["a4"].mentions == {"organization/douban": 0, "person/wu-xiaobo": 0}  # written with none
    engine = engine_factory()
    write(engine, generation(tmp_path, 7), [IndexDocument(id="b1", title="Tribes alone", body="No entity here.")])
    alone = engine.open(generation(tmp_path, 7)).search(SearchRequest("tribes")).hits
    assert [(h.entities, h.mentions) for h in alone] == [([], {})]


def test_did_you_mean_and_notices(index):
    missed = index.search(SearchRequest("tribbes"), texts=texts)
    assert missed.total == 0 and missed.suggestion
    assert index.search(SearchRequest(missed.suggestion)).total > 0
    assert index.search(SearchRequest("tribes")).suggestion is None
    overlong = index.search(SearchRequest("tribes " * 100))
    assert overlong.total == 0 and overlong.notice  # said, never raised
    assert index.search(SearchRequest("")).total == 0


def test_words_that_name_entities_find_the_articles_mentioning_them(index):
    def entities_named(candidates: list[str]) -> dict[str, list[str]]:
        return {text: ["product/wechat"] for text in candidates if text.lower() == "weixin"}

    assert find(index, "weixin") == set()
    assert ids(index.search(SearchRequest("weixin"), entities_named=entities_named)) == ["a2"]


def test_text_scores_for_sparql(index):
    scores = index.scores("tribes")
    assert set(scores) == {"a1", "a2"} and all(isinstance(s, float) and s > 0 for s in scores.values())
    assert index.scores("nothingmatchesthis") == {}
    assert index.scores("") == {}


def test_the_budget_is_asked_before_the_search_runs(index):
    with SearchBudget(SearchLimits(max_words=1)).session() as budget:
        with pytest.raises(SearchRefused) as refused:
            index.search(SearchRequest("tribes momo"), budget=budget)
    assert refused.value.status == 400 and "search_max_words" in refused.value.message
    with SearchBudget(SearchLimits()).session() as budget:
        assert index.search(SearchRequest("tribes"), budget=budget).total == 2
        assert budget.cost is not None and budget.cost.words == 1


def test_a_previous_index_of_another_engine_is_refused_with_what_to_do(engine_factory, tmp_path):
    """After the search_engine setting changed, a plain ingest cannot start from the previous generation."""
    from commgraph.errors import StoreError

    other = generation(tmp_path, 1)
    other.mkdir(parents=True)
    (other / "written-by-another-engine").write_text("{}")
    with pytest.raises(StoreError, match="ingest --rebuild"):
        engine_factory().writer(generation(tmp_path, 2), previous=other)


def test_an_unknown_engine_is_a_settings_error_naming_the_valid_ones(tmp_path):
    from commgraph.errors import SettingsError
    from commgraph.pipeline import ingest

    with pytest.raises(SettingsError, match="search_engine must be one of .*whoosh.*, got 'solr'"):
        engine_from_settings(Settings(search_engine="solr"))
    with pytest.raises(SettingsError, match="search_engine"):  # before any article is read or extracted
        ingest([tmp_path / "missing.txt"], Settings(data_dir=tmp_path / "data", search_engine="solr"))
