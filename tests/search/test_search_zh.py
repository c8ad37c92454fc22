"""Chinese search on a real index on disk: words inside Chinese text, highlights, phrases, one entity across
languages, the language facet, and no Latin spelling suggestions for Chinese queries.

The articles here are test fixtures written for these tests (our own sentences, not published text).
"""

import re

import pytest
from whoosh.analysis import StemmingAnalyzer

from commgraph.search.analysis import ChineseAwareAnalyzer
from commgraph.extract.model import Entity, Extraction, Mention, Sentence
from commgraph.search import document_for
from commgraph.search._whoosh_query import parse_user_query
from commgraph.search.whoosh_engine import WhooshIndex as SearchIndex, create_or_open, fields_of, search
from commgraph.sources import Article

ZH_BODY = ("腾讯公司董事会主席兼首席执行官马化腾表示，微信的月活跃用户已超过6亿。"
           "腾讯高级执行副总裁汤道生在发布会上说，兴趣部落和QQ群会继续开放。")
ZH_OTHER = "陌陌首席执行官唐岩透露，公司的用户同比增长。腾讯并未回应。公司方面没有评论。"
EN_BODY = "Tencent said WeChat has 600 million monthly active users. Tang Daosheng spoke about QQ groups."
BODIES = {"zh1": ZH_BODY, "zh2": ZH_OTHER, "en1": EN_BODY}
TENCENT = "organization/tencent"


def _extraction(article_id: str, title: str, body: str, lang: str, names: dict[str, str]) -> Extraction:
    """An article mentioning Tencent under the surface name `names[TENCENT]` (as extraction resolves it)."""
    article = Article(id=article_id, title=title, body=body, source=f"{article_id}.txt", date="2015-08-12",
                      lang=lang)
    entities = {key: Entity(key, "Tencent", "Organization", {name} - {"Tencent"}) for key, name in names.items()}
    start = body.find(names[TENCENT])
    return Extraction(article=article, sentences=[Sentence(0, 0, len(body), body)], entities=entities,
                      mentions=[Mention(TENCENT, names[TENCENT], start, start + len(names[TENCENT]), 0)],
                      figures=[], roles=[], quotes=[])


EXTRACTIONS = [
    _extraction("zh1", "腾讯公布业绩", ZH_BODY, "zh", {TENCENT: "腾讯"}),
    _extraction("zh2", "陌陌用户增长", ZH_OTHER, "zh", {TENCENT: "腾讯"}),
    _extraction("en1", "Tencent results", EN_BODY, "en", {TENCENT: "Tencent"}),
]


def entities_named(texts: list[str]) -> dict[str, list[str]]:
    """What the server asks the graph (cg:nameKey): every name and alias of the entities, across articles."""
    table: dict[str, set[str]] = {}
    for extraction in EXTRACTIONS:
        for entity in extraction.entities.values():
            for name in (entity.name, *entity.aliases):
                table.setdefault(name.lower(), set()).add(entity.key)
    return {text: sorted(table[text.lower()]) for text in texts if text.lower() in table}


def texts(ids):
    return {i: BODIES[i] for i in ids}


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    path = tmp_path_factory.mktemp("zh") / "index"
    ix = create_or_open(path)
    writer = ix.writer()
    for extraction in EXTRACTIONS:
        writer.update_document(**fields_of(document_for(extraction)))
    writer.commit()
    return SearchIndex.open(path)  # reopened: the analyzer comes back from the pickled schema, as in the server


def ids(result) -> set[str]:
    return {hit.id for hit in result.hits}


@pytest.mark.parametrize("word", ["马化腾", "汤道生", "微信", "董事会", "兴趣部落", "月活跃用户"])
def test_words_inside_chinese_text_match(engine, word):
    assert ids(search(engine, word)) == {"zh1"}


def test_a_word_inside_a_longer_word_matches_and_common_words_rank(engine):
    assert ids(search(engine, "董事")) == {"zh1"}  # jieba's 董事会 holds 董事
    assert ids(search(engine, "公司")) == {"zh1", "zh2"}
    assert search(engine, "的").total == 0  # a function word is a stop word, as "the" is


def test_chinese_snippets_mark_the_chinese_words(engine):
    hit = search(engine, "马化腾", texts=texts).hits[0]
    assert re.search(r'执行官<b class="match term\d+">马化腾</b>表示', hit.snippet)
    hit = search(engine, "董事", texts=texts).hits[0]
    assert re.search(r'公司<b class="match term\d+">董事</b>会', hit.snippet)


def test_chinese_phrase_query(engine):
    # zh1 has 腾讯公司 together; zh2 has 腾讯 and 公司 apart: the words match both, the phrase only zh1
    assert ids(search(engine, "腾讯 公司")) == {"zh1", "zh2"}
    assert ids(search(engine, '"腾讯公司"')) == {"zh1"}
    assert ids(search(engine, '"腾讯 公司"')) == {"zh1"}
    assert ids(search(engine, '"公司 腾讯"')) == set()
    assert ids(search(engine, "“腾讯公司”")) == ids(search(engine, "「腾讯公司」")) == {"zh1"}  # Chinese quotes


def test_a_name_finds_the_articles_of_both_languages_through_the_entity(engine):
    assert ids(search(engine, "腾讯", entities_named=entities_named)) == {"zh1", "zh2", "en1"}
    assert ids(search(engine, "Tencent", entities_named=entities_named)) == {"zh1", "zh2", "en1"}
    assert ids(search(engine, "腾讯")) == {"zh1", "zh2"}  # without the graph: the text alone
    assert ids(search(engine, "Tencent")) == {"en1"}
    # the entity widens only the word that names it
    assert ids(search(engine, "Tencent 马化腾", entities_named=entities_named)) == {"zh1"}
    assert ids(search(engine, "Tencent NOT 陌陌", entities_named=entities_named)) == {"zh1", "en1"}
    assert ids(search(engine, "lang:en 腾讯", entities_named=entities_named)) == {"en1"}


def test_language_filter_and_facet(engine):
    assert ids(search(engine, "lang:zh")) == {"zh1", "zh2"}
    result = search(engine, "腾讯", entities_named=entities_named, languages=("en",))
    assert ids(result) == {"en1"} and result.hits[0].lang == "en"
    result = search(engine, "Tencent", entities_named=entities_named)
    assert result.languages == {"zh": 2, "en": 1}
    assert {hit.id: hit.lang for hit in result.hits} == {"zh1": "zh", "zh2": "zh", "en1": "en"}
    assert ids(search(engine, "", languages=("zh",))) == {"zh1", "zh2"}


def test_no_latin_suggestions_for_a_chinese_query(engine):
    assert search(engine, "抖音").total == 0
    assert search(engine, "抖音").suggestion is None
    assert search(engine, "快手").suggestion is None
    assert search(engine, "wechatt").suggestion == "wechat"  # English spelling help stays


def test_english_analysis_is_unchanged():
    """Every English token, position and stem as Whoosh's StemmingAnalyzer gives them."""
    text = ("Tencent's QQ groups (380 million users) grew 2.5% in Q2; U.S. analysts said WeChat-style "
            "interest tribes are growing, e.g. Tieba and Douban.")
    ours = [(t.text, t.startchar, t.endchar) for t in ChineseAwareAnalyzer()(text, chars=True, mode="index")]
    theirs = [(t.text, t.startchar, t.endchar) for t in StemmingAnalyzer()(text, chars=True, mode="index")]
    assert ours == theirs


def test_mixed_runs_are_split_between_scripts():
    tokens = [t.text for t in ChineseAwareAnalyzer()("陌陌CEO唐岩在QQ群发言，Tencent's users", mode="query")]
    assert tokens[:3] == ["陌陌", "ceo", "唐岩"] and "qq" in tokens and "tencent" in tokens


def test_query_parse_of_chinese_words_is_not_one_run(engine):
    query = parse_user_query(engine.schema, "马化腾表示")
    assert {text for _field, text in query.all_terms()} >= {"马化腾", "表示"}


def test_gazetteer_names_are_dictionary_words(tmp_path):
    """Names the pipeline passes from the gazetteer (B站, QQ群) are single words: B站 does not match every 站,
    and QQ still finds QQ群. Without them jieba cut B站 into B (too short to index) and 站."""
    ix = create_or_open(tmp_path / "index", words=("B站", "QQ群", "Tencent"))
    writer = ix.writer()
    for article_id, body in (("b", "年轻人喜欢在B站看视频，也在QQ群聊天。"), ("s", "他站在门口等车。")):
        writer.update_document(id=article_id, title="", body=body, body_pairs=body, lang="zh")
    writer.commit()
    engine = SearchIndex.open(tmp_path / "index")
    assert ids(search(engine, "B站")) == {"b"}
    assert ids(search(engine, "站")) == {"b", "s"}
    assert ids(search(engine, "QQ")) == ids(search(engine, "QQ群")) == {"b"}
    assert ids(search(engine, '"QQ群 聊天"')) == {"b"}


def test_traditional_and_simplified_characters_find_each_other(tmp_path):
    ix = create_or_open(tmp_path / "index")
    writer = ix.writer()
    for article_id, body in (("hant", "騰訊控股公佈業績，微信的合併月活躍賬戶數達6億。"), ("hans", "腾讯公布业绩。")):
        writer.update_document(id=article_id, title="", body=body, body_pairs=body, lang="zh")
    writer.commit()
    engine = SearchIndex.open(tmp_path / "index")
    assert ids(search(engine, "腾讯")) == ids(search(engine, "騰訊")) == {"hant", "hans"}
    assert ids(search(engine, "活跃")) == {"hant"}
    hit = search(engine, "腾讯", texts=lambda _ids: {"hant": "騰訊控股公佈業績，微信的合併月活躍賬戶數達6億。"}).hits
    snippet = next(h.snippet for h in hit if h.id == "hant")
    assert re.search(r'<b class="match term\d+">騰訊</b>控股', snippet)  # the text keeps its own script


def test_opening_an_index_with_chinese_articles_loads_the_segmenter_in_the_background(tmp_path):
    """The first Chinese query no longer pays for jieba's dictionary (1.2 s here, 4 s on a busy machine)."""
    import threading

    from commgraph.search import analysis

    words = ("B站", "QQ群")  # the gazetteer test's dictionary (Tencent has no Han): one jieba instance fewer
    ix = create_or_open(tmp_path / "index", words=words)
    writer = ix.writer()
    writer.update_document(id="z", title="", body="中文", body_pairs="中文", lang="zh")
    writer.commit()
    del analysis._segmenters[words]  # as in a server process that has not analysed Chinese with it yet
    SearchIndex.open(tmp_path / "index").warm_up()  # as the server does when it opens a generation
    for thread in threading.enumerate():
        if thread.name == "jieba-warm-up":
            thread.join(timeout=60)
    assert words in analysis._segmenters


def test_spelling_suggestions_are_whole_words(tmp_path):
    """The corrector suggests index terms, Porter stems ("monthli"); the suggestion shown is the word of an
    article that the stem came from."""
    body = "Monthly active users of the family community grew happily on WeChat."
    ix = create_or_open(tmp_path / "index")
    writer = ix.writer()
    writer.update_document(id="a", title="T", body=body, body_pairs=body, lang="en")
    writer.commit()
    engine = SearchIndex.open(tmp_path / "index")

    def one_text(article_ids):
        return {"a": body}

    assert search(engine, "monthyl", texts=one_text).suggestion == "monthly"
    assert search(engine, "famly 腾讯", texts=one_text).suggestion == "family 腾讯"
    assert search(engine, "wechatt", texts=one_text).suggestion == "wechat"
    assert search(engine, "monthyl").suggestion == "monthli"  # without texts at hand: the stem
