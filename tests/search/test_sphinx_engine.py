"""The Sphinx engine against a real searchd (conftest's sphinx_server): generations on one real-time index,
our query syntax in SphinxQL, facets by GROUP BY, snippets by CALL SNIPPETS. The results contract shared with
the Whoosh engine is in test_engine_contract.py; here is what only this engine has to get right."""

from __future__ import annotations

from pathlib import Path

import pytest

from commgraph.search.protocol import IndexDocument, SearchRequest
from commgraph.search.sphinx_engine import SearchServerError, SphinxEngine, day_number

DOCS = [
    IndexDocument(id="a1", title="QQ interest tribes grow", body="Tencent said the interest tribes of QQ grew to "
                  "100 million monthly users. Wu Xiaobo spoke <script>alert(1)</script> & left.", date="2016-08-10",
                  lang="en", entities=("organization/tencent", "person/wu-xiaobo", "product/qq"),
                  names={"organization": ("Tencent",), "person": ("Wu Xiaobo",), "product": ("QQ",)}),
    IndexDocument(id="a2", title="WeChat and Weibo", body="Weibo users and WeChat users; the tribe is running.",
                  date="2017-01", lang="en", entities=("product/wechat", "product/weibo"),
                  names={"product": ("WeChat", "Weibo")}),
    IndexDocument(id="a3", title="腾讯公司发布", body="腾讯公司高级执行副总裁汤道生在QQ群的发布会上说，微信公众号增长。",
                  date="2018-05-05", lang="zh", entities=("organization/tencent", "product/qq"),
                  names={"organization": ("Tencent", "腾讯"), "product": ("QQ",)}),
]


def generation(root: Path, number: int) -> Path:
    return root / "generations" / f"g{number:06d}" / "index"


def write(engine: SphinxEngine, directory: Path, docs, previous: Path | None = None, delete=()) -> None:
    writer = engine.writer(directory, previous=previous)
    for doc in docs:
        writer.replace(doc)
    for article_id in delete:
        writer.delete(article_id)
    writer.commit()


def ids(index, text: str, **kw) -> list[str]:
    return [hit.id for hit in index.search(SearchRequest(text=text, **kw)).hits]


@pytest.fixture
def index(sphinx_engine, tmp_path):
    write(sphinx_engine, generation(tmp_path, 1), DOCS)
    return sphinx_engine.open(generation(tmp_path, 1))


def test_words_phrases_and_operators(index):
    assert sorted(ids(index, "tribes")) == ["a1", "a2"]  # stemmed: tribe, tribes
    assert ids(index, "running") == ["a2"]
    assert ids(index, '"interest tribes"') == ["a1"]
    assert ids(index, '"tribes interest"') == []
    assert ids(index, '"tribes of QQ"') == ["a1"]  # the stop word is skipped, as in the Whoosh engine
    assert sorted(ids(index, "qq OR weibo")) == ["a1", "a2", "a3"]
    assert ids(index, "users NOT tencent") == ["a2"]
    assert sorted(ids(index, "NOT weibo")) == ["a1", "a3"]
    assert sorted(ids(index, "weibo OR NOT tencent")) == ["a2", "a3"]  # a3 writes 腾讯, not the word


def test_entity_fields_filters_and_facets(index):
    assert ids(index, 'person:"Wu Xiaobo"') == ["a1"]
    assert sorted(ids(index, "organization:腾讯")) == ["a3"]
    assert ids(index, "users", entity_filters=("person/wu-xiaobo",)) == ["a1"]
    result = index.search(SearchRequest(text="qq"))
    assert result.total == 2
    assert result.facets["Organization"] == [("organization/tencent", "organization/tencent", 2)]
    assert result.facets["Product"] == [("product/qq", "product/qq", 2)]
    assert result.type_counts == {"Organization": 2, "Person": 1, "Product": 2}
    assert result.languages == {"en": 1, "zh": 1}
    assert ids(index, "qq", languages=("zh",)) == ["a3"]
    assert ids(index, "qq lang:zh") == ["a3"]


def test_dates_sorting_and_paging(index):
    assert ids(index, "qq OR weibo", date_from="2017", date_to="2017-12") == ["a2"]
    assert ids(index, "qq OR weibo", date_from="2017-01-01") == ["a3"]  # "2017-01" sorts before it
    assert ids(index, "qq OR weibo", sort="date") == ["a3", "a2", "a1"]
    assert ids(index, "qq OR weibo", sort="date", page=2, page_size=2) == ["a1"]
    assert day_number("2016-08") == 20160800 and day_number("2016-08", upper=True) == 20160899


def test_chinese_words_are_jiebas(index):
    assert ids(index, "腾讯") == ["a3"]
    assert ids(index, "公众") == ["a3"]
    assert ids(index, "讯公") == []  # Sphinx's own CJK ngrams would match across 腾讯|公司
    assert ids(index, '"腾讯公司"') == ["a3"]


def test_snippets_are_escaped_and_marked(index):
    bodies = {d.id: d.body for d in DOCS}
    hit = index.search(SearchRequest(text="spoke"), texts=lambda wanted: {i: bodies[i] for i in wanted}).hits[0]
    assert '<b class="match">spoke</b>' in hit.snippet
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet
    zh = index.search(SearchRequest(text="腾讯"), texts=lambda wanted: {i: bodies[i] for i in wanted}).hits[0]
    assert '<b class="match">腾讯</b>' in zh.snippet and "\u200b" not in zh.snippet


def test_generations_are_isolated_and_cancel_leaves_nothing(sphinx_engine, tmp_path):
    first, second, third = (generation(tmp_path, n) for n in (1, 2, 3))
    write(sphinx_engine, first, DOCS)
    changed = IndexDocument(id="a2", title="Weibo alone", body="Only weibo now.", lang="en")
    write(sphinx_engine, second, [changed], previous=first, delete=["a3"])
    old, new = sphinx_engine.open(first), sphinx_engine.open(second)
    assert old.article_ids() == {"a1", "a2", "a3"} and new.article_ids() == {"a1", "a2"}
    assert ids(old, "wechat") == ["a2"] and ids(new, "wechat") == []
    assert new.indexed(["a1", "a3", "zz"]) == {"a1"}
    writer = sphinx_engine.writer(third, previous=second)
    writer.replace(IndexDocument(id="a9", title="never", body="never published"))
    writer.cancel()
    assert ids(new, "never") == [] and new.doc_count() == 2 and old.doc_count() == 3
    rows = sphinx_engine.connections().run(f"SELECT COUNT(*) FROM {sphinx_engine.index}")
    assert rows[0][0] == 4  # a1, a2 (old and new), a3: the cancelled document is gone


def test_a_collected_generation_is_dropped_by_the_next_writer(sphinx_engine, tmp_path):
    first, second, third = (generation(tmp_path, n) for n in (1, 2, 3))
    write(sphinx_engine, first, DOCS)
    write(sphinx_engine, second, [IndexDocument(id="a2", title="Weibo alone", body="Only weibo.")], previous=first)
    for file in first.iterdir():
        file.unlink()  # generation 1 collected
    write(sphinx_engine, third, [], previous=second)
    rows = sphinx_engine.connections().run(f"SELECT COUNT(*) FROM {sphinx_engine.index}")
    assert rows[0][0] == 3  # the old a2 held only generation 1's tag
    assert sphinx_engine.open(third).article_ids() == {"a1", "a2", "a3"}


def test_scores_are_bm25_weights(index):
    scores = index.scores("tribes")
    assert set(scores) == {"a1", "a2"} and scores["a1"] > scores["a2"]  # in a1's title too (weight 2)


def test_a_server_that_does_not_answer_is_a_503_naming_it(tmp_path, sphinx_engine):
    write(sphinx_engine, generation(tmp_path, 1), DOCS)
    away = SphinxEngine(host="127.0.0.1", port=1, index=sphinx_engine.index)
    with pytest.raises(SearchServerError) as caught:
        away.open(generation(tmp_path, 1))
    assert caught.value.status == 503 and "127.0.0.1:1" in caught.value.message and "searchd" in caught.value.message


def test_did_you_mean_comes_from_the_generations_words(sphinx_engine, tmp_path):
    write(sphinx_engine, generation(tmp_path, 1), DOCS)
    index = sphinx_engine.open(generation(tmp_path, 1))
    assert index.search(SearchRequest(text="tencnet")).suggestion == "tencent"
    assert index.search(SearchRequest(text="monthyl users")).suggestion == "monthly users"  # a word, not "monthli"
    assert index.search(SearchRequest(text="tribes")).suggestion is None  # found: nothing to correct
    assert index.search(SearchRequest(text="腾迅")).suggestion is None  # Chinese words are never corrected
    write(sphinx_engine, generation(tmp_path, 2), [], previous=generation(tmp_path, 1), delete=["a1"])
    # Only a1 wrote "tencent" in English; generation 2 does not hold it, so it is not suggested there.
    assert sphinx_engine.open(generation(tmp_path, 2)).search(SearchRequest(text="tencnet")).suggestion is None


def test_the_config_a_deployment_copies_declares_every_index(capsys, tmp_path):
    """docs/scaling.md: `python -m commgraph.search.sphinx_engine DIR PORT` prints the config searchd runs here."""
    from commgraph.search.sphinx_engine import config_text, main

    main([str(tmp_path), "9399"])
    printed = capsys.readouterr().out
    assert printed.strip() == config_text("commgraph", tmp_path, 9399).strip()
    for name in ("commgraph", "commgraph_keys", "commgraph_words", "commgraph_text"):
        assert f"index {name}\n" in printed
    assert "listen = 127.0.0.1:9399:mysql41" in printed


def test_settings_that_cannot_name_a_server_or_an_index_are_refused_clearly():
    from commgraph.errors import StoreError
    from commgraph.settings import Settings

    engine = SphinxEngine.from_settings(Settings(search_engine="sphinx", search_server="10.0.0.7:9306"))
    assert (engine.host, engine.port, engine.index) == ("10.0.0.7", 9306, "commgraph")
    with pytest.raises(StoreError, match="search_server must be host:port"):
        SphinxEngine.from_settings(Settings(search_engine="sphinx", search_server="searchd"))
    with pytest.raises(StoreError, match="search_index must be a Sphinx index name"):
        SphinxEngine.from_settings(Settings(search_engine="sphinx", search_index="x; DROP"))


def test_stored_entity_keys_carry_mentions_and_rows_written_before_them_read_as_none():
    """Mentions ride in the ekeys attribute after a bar (no searchd config change); a row written before data
    format 12 has no bar, and its hit's mentions are None (the page counts them in the graph)."""
    from commgraph.search._sphinx_writer import ekeys, split_ekeys

    document = IndexDocument(id="a1", title="t", body="b", entities=("organization/tencent", "product/qq"),
                             mentions={"product/qq": 3})
    assert ekeys(document) == "organization/tencent,product/qq|0,3"
    assert split_ekeys(ekeys(document)) == (["organization/tencent", "product/qq"],
                                             {"organization/tencent": 0, "product/qq": 3})
    assert split_ekeys("organization/tencent,product/qq") == (["organization/tencent", "product/qq"], None)
    assert split_ekeys(ekeys(IndexDocument(id="a2", title="t", body="b"))) == ([], {})
