import json

import pytest

from commgraph.errors import ArticleError
from commgraph.sources import iter_source_files, parse_bytes, read_path

from conftest import FIXTURES, SEED


def test_seed_boilerplate_removed():
    article = read_path(SEED)[0]
    assert article.title.startswith("The first China Mobile Community Conference")
    assert "CATDOLL" not in article.title and "CATDOLL" not in article.body
    assert article.date == "2015-08-06"
    assert article.body.startswith("On August 6, the first China Internet Mobile Community Conference")
    for teaser in ("Vampire", "PPTV", "Recommend", "<<:", ">>:", "Blood Type", "Daughter of Evil"):
        assert teaser not in article.body
    assert article.body.rstrip().endswith("will be opened up.")


def test_seed_is_byte_for_byte_the_shared_copy():
    shared = SEED.parent.parent.parent / "shared" / "corpus" / SEED.name
    if shared.exists():
        assert shared.read_bytes() == SEED.read_bytes()


def test_markdown_front_matter():
    article = read_path(FIXTURES / "articles" / "test-fixture-qq-tribes-followup.md")[0]
    assert article.title.startswith("TEST FIXTURE")
    assert article.date == "2016-08-10"
    assert "*" not in article.body and "# " not in article.body


def test_json_article():
    article = read_path(FIXTURES / "articles" / "test-fixture-community-report.json")[0]
    assert article.id == "test-fixture-community-report"
    assert article.url == "https://example.org/test-fixture-community-report"


def test_html_drops_scripts_navigation_and_footer():
    article = read_path(FIXTURES / "xss-article.html")[0]
    assert "window.evil" not in article.body
    assert "Login" not in article.body and "zanzibarfooter" not in article.body
    assert "Tencent QQ" in article.body


@pytest.mark.parametrize("data, kind, message", [
    (b"", "text", "empty"),
    (b"   \n\n  ", "text", "empty"),
    (b"\x00\x01\x02binary", "text", "binary"),
    (b"{not json", "json", "malformed JSON"),
    (json.dumps({"title": "x"}).encode(), "json", "no 'body'"),
    (b"[1, 2]", "json", "not an object"),
])
def test_bad_input_is_a_clear_error(data, kind, message):
    with pytest.raises(ArticleError, match=message) as info:
        parse_bytes(data, kind, name="bad-file.x", stem="bad-file")
    assert "bad-file.x" in info.value.message


def test_gb18030_and_big5_are_decoded():
    samples = {"gb18030": "腾讯QQ群月活跃用户达到3.8亿。这是一篇关于兴趣部落和微信的测试文章，内容足够长以便识别编码。",
               "big5": "騰訊QQ群月活躍用戶達到3.8億。這是一篇關於興趣部落和微信的測試文章，內容足夠長以便識別編碼。"}
    for encoding, text in samples.items():
        data = ("Title line\n\n" + text * 3).encode(encoding)
        article = parse_bytes(data, "text", name=f"x.{encoding}", stem="x")[0]
        assert article.body == text * 3


def test_size_limit(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("Title\n\n" + "word " * 1000)
    with pytest.raises(ArticleError, match="over the limit"):
        read_path(big, max_bytes=100)


def test_missing_path_and_unsupported_type(tmp_path):
    with pytest.raises(ArticleError, match="no such file"):
        list(iter_source_files([tmp_path / "nope"]))
    odd = tmp_path / "article.docx"
    odd.write_bytes(b"x")
    with pytest.raises(ArticleError, match="unsupported file type"):
        read_path(odd)


def test_directory_expansion_skips_readme():
    files = list(iter_source_files([SEED.parent]))
    assert SEED in files and all(f.name.lower() != "readme.md" for f in files)
