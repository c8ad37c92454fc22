"""Bilingual search end to end: the real pipeline and app on an English and a Chinese test-fixture article
about Tencent (tests/fixtures/eval/*/tune/01-*, written by us): 腾讯 and Tencent each find both, the search
page marks Chinese words and offers the language facet, the Tencent entity page lists the Chinese mentions."""

import re

import pytest

ZH_ARTICLE = "01-test-fixture-tencent-q2-results-2015-08-12.txt"
EN_ARTICLE = "01-test-fixture-tencent-profit-misses-wechat-marketing.txt"


@pytest.fixture(scope="module")
def bilingual_client(tmp_path_factory, extractor):
    from commgraph.pipeline import ingest
    from commgraph.server import create_app
    from commgraph.settings import Settings

    from conftest import FIXTURES

    eval_dir = FIXTURES / "eval"
    settings = Settings.create(data_dir=tmp_path_factory.mktemp("bilingual") / "data", query_timeout=5.0)
    report = ingest([eval_dir / "zh" / "tune" / ZH_ARTICLE, eval_dir / "en" / "tune" / EN_ARTICLE], settings,
                    extractor=extractor)
    assert not report.failed and len(report.added) == 2, report
    app = create_app(settings)
    app.config["TESTING"] = True
    yield app.test_client()
    app.extensions["commgraph"].close()


def _article_ids(client, query: str) -> dict[str, str]:
    response = client.get("/api/search", query_string={"q": query})
    assert response.status_code == 200
    return {hit["id"]: hit["lang"] for hit in response.get_json()["hits"]}


def test_tencent_in_either_language_finds_both_articles(bilingual_client):
    for query in ("腾讯", "Tencent"):
        assert sorted(_article_ids(bilingual_client, query).values()) == ["en", "zh"], query


def test_a_name_of_several_words_finds_both_articles(bilingual_client):
    # the English article writes Pony Ma, the Chinese one 马化腾: one person, and its name is two plain words
    for query in ("Pony Ma", '"Pony Ma"', "pony ma 腾讯"):
        assert sorted(_article_ids(bilingual_client, query).values()) == ["en", "zh"], query
    assert sorted(_article_ids(bilingual_client, "Pony AND Ma").values()) == ["en"]  # operators: words only


def test_search_page_marks_chinese_words_and_offers_the_language_facet(bilingual_client):
    data = bilingual_client.get("/api/search", query_string={"q": "马化腾"}).get_json()
    hits = {hit["lang"]: hit for hit in data["hits"]}
    assert set(hits) == {"zh", "en"}  # the English article names him Pony Ma: one person across languages
    assert re.search(r'<b class="match term\d+">马化腾</b>', hits["zh"]["snippet"])
    data = bilingual_client.get("/api/search", query_string={"q": "腾讯"}).get_json()
    assert {row["lang"]: row["count"] for row in data["languages"]} == {"en": 1, "zh": 1}
    only = bilingual_client.get("/api/search", query_string={"q": "腾讯", "lang": "zh"}).get_json()
    assert [hit["lang"] for hit in only["hits"]] == ["zh"] and only["lang"] == ["zh"]
    page = bilingual_client.get("/search", query_string={"q": "腾讯"}).get_data(as_text=True)
    assert 'lang="zh"' in page and "Chinese" in page and "lang=zh" in page
    assert bilingual_client.get("/api/search", query_string={"q": "x", "lang": "中文"}).status_code == 400


def test_tencent_entity_page_lists_chinese_mentions_with_their_sentences(bilingual_client):
    data = bilingual_client.get("/api/entity/organization/tencent").get_json()
    sentences = [m["sentence"] for m in data["mentions"]]
    assert any("腾讯" in s for s in sentences), sentences
    assert any("Tencent" in s for s in sentences), sentences
    assert {m["lang"] for m in data["mentions"]} == {"zh", "en"}
    page = bilingual_client.get("/entity/organization/tencent").get_data(as_text=True)
    assert '<li lang="zh"><a href="/article/01-test-fixture-tencent-q2-results-2015-08-12">' in page
