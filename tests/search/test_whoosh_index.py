"""Every Whoosh feature we rely on (whoosh-reloaded is unmaintained upstream, so our tests pin its behaviour)."""

import pytest

from commgraph.search import document_for
from commgraph.search._whoosh_query import parse_user_query
from commgraph.search.whoosh_engine import WhooshIndex as SearchIndex, article_ids, create_or_open, fields_of, search

from test_graph import make_extraction


BODIES = {}


def texts(ids):
    return {i: BODIES[i] for i in ids}


def labels(keys):
    names = {"person/daosheng-tang": "Tang Daosheng", "product/qq-groups": "QQ groups", "organization/tencent": "Tencent"}
    return {k: names[k] for k in keys if k in names}


@pytest.fixture
def ix(tmp_path):
    index = create_or_open(tmp_path / "index")
    writer = index.writer()
    body_a = "Tom Tang said QQ groups have 380 million users. Interest tribes grow. <script>alert(1)</script>"
    body_b = "WeChat groups and Momo groups compete. Tribes are popular with fans in Beijing."
    BODIES.update(a1=body_a, a2=body_b)
    for article_id, body, date in (("a1", body_a, "2015-08-06"), ("a2", body_b, "2016-01-01")):
        extraction = make_extraction(article_id, body)
        extraction.article.__dict__["date"] = date  # frozen dataclass: set the test date directly
        writer.update_document(**fields_of(document_for(extraction)))
    writer.commit()
    return index


def test_keyword_phrase_and_boolean(ix):
    assert [h.id for h in search(SearchIndex(ix), "interest tribes").hits] == ["a1"]
    assert {h.id for h in search(SearchIndex(ix), "tribes").hits} == {"a1", "a2"}  # stemming: tribe / tribes
    assert [h.id for h in search(SearchIndex(ix), '"interest tribes"').hits] == ["a1"]
    assert [h.id for h in search(SearchIndex(ix), "tribes NOT wechat").hits] == ["a1"]
    assert {h.id for h in search(SearchIndex(ix), "momo OR interest").hits} == {"a1", "a2"}


def test_snippets_are_escaped_and_highlighted(ix):
    hit = search(SearchIndex(ix), "script alert", texts=texts).hits[0]
    assert "<script" not in hit.snippet and "&lt;" in hit.snippet and "&gt;" in hit.snippet
    assert '<b class="match' in hit.snippet


def test_entity_field_and_facets(ix):
    result = search(SearchIndex(ix), 'person:"tom tang"', labels=labels)
    assert {h.id for h in result.hits} == {"a1", "a2"}
    assert ("person/daosheng-tang", "Tang Daosheng", 2) in result.facets["Person"]
    assert ("product/qq-groups", "QQ groups", "Product") in result.hits[0].entities
    filtered = search(SearchIndex(ix), "tribes", entity_filters=("product/qq-groups",))
    assert filtered.total == 2


def test_sort_and_date_filter(ix):
    assert [h.id for h in search(SearchIndex(ix), "tribes", sort="date").hits] == ["a2", "a1"]
    assert [h.id for h in search(SearchIndex(ix), "tribes", date_from="2016-01-01").hits] == ["a2"]


def test_no_wildcard_or_fuzzy_expansion(ix):
    query = parse_user_query(ix.schema, "tri* t?ibes~2")
    assert "Wildcard" not in type(query).__name__ and "Wildcard" not in repr(query)
    assert "Fuzzy" not in repr(query)


@pytest.mark.parametrize("odd", ['"', "(", ")", "((((", "(" * 2000, '"unbalanced', "AND OR NOT", "::", "*", "?????"])
def test_odd_input_never_raises(ix, odd):
    result = search(SearchIndex(ix), odd)
    assert result.total >= 0


def test_overlong_query_gives_empty_results_and_a_notice(ix):
    result = search(SearchIndex(ix), "tribes " * 100)
    assert result.total == 0 and "limit" in result.notice


def test_delete_and_update_with_a_fresh_searcher(ix):
    """Never Searcher.refresh(): a new searcher after each change sees exactly the current documents."""
    for _ in range(5):
        writer = ix.writer()
        writer.update_document(id="a1", title="T", body="replaced text about Douban", date="2015-08-06", entity="")
        writer.commit()
    assert article_ids(ix) == {"a1", "a2"}
    assert [h.id for h in search(SearchIndex(ix), "douban").hits] == ["a1"]
    assert search(SearchIndex(ix), "interest").total == 0
    writer = ix.writer()
    writer.delete_by_term("id", "a2")
    writer.commit()
    assert article_ids(ix) == {"a1"}


def test_spelling_suggestion(ix):
    assert search(SearchIndex(ix), "wechatt").suggestion == "wechat"


def test_stemmers_are_safe_to_share_between_threads(tmp_path):
    """Server threads share the schema's analyzers (query parsing, highlighting). With a 100-word cache and
    eight threads stemming new words, Whoosh's own cache raises "dictionary changed size during iteration" in
    most rounds (without the fix this test failed 9 times in 10 with three rounds); after thread_safe_stemming
    none does, and stems are right."""
    import sys
    import threading

    from whoosh.analysis import StemFilter

    from commgraph.search.whoosh_engine import make_schema, thread_safe_stemming

    schema = make_schema()
    for _name, field_type in schema.items():
        for item in getattr(getattr(field_type, "analyzer", None), "items", ()):
            if isinstance(item, StemFilter):
                item.cachesize = 100
                item.clear()
    thread_safe_stemming(schema)
    analyzer = schema["body"].analyzer
    errors = []

    def stem_many(n: int) -> None:
        try:
            for i in range(3000):
                list(analyzer(f"walking{n}x{i} talked{n}y{i} jumping{i}"))
        except Exception as exc:  # noqa: BLE001 - any error is the failure being tested for
            errors.append(repr(exc))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        for _round in range(3):
            threads = [threading.Thread(target=stem_many, args=(n,)) for n in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert [t.text for t in analyzer("Walking talked")] == ["walk", "talk"]
    create_or_open(tmp_path / "ix")
    opened = SearchIndex.open(tmp_path / "ix")  # what the server opens: its stemmers are made safe too
    stemmers = [item for _n, f in opened.schema.items() for item in getattr(getattr(f, "analyzer", None), "items", ())
                if isinstance(item, StemFilter)]
    assert stemmers and all(hasattr(s._stem, "cache_parameters") for s in stemmers)  # functools.lru_cache


def test_an_index_pickled_with_the_old_module_paths_says_to_rebuild(tmp_path, monkeypatch):
    """Before data format 10 the schema's analyzers were pickled as commgraph.analysis.*; such an index cannot
    be unpickled now, and opening it (or starting a generation from it) says what to do."""
    import sys

    from commgraph.errors import StoreError
    from commgraph.search import analysis
    from commgraph.search.whoosh_engine import WhooshEngine

    with monkeypatch.context() as old_layout:  # the classes where they were when the index was written
        old_layout.setitem(sys.modules, "commgraph.analysis", analysis)
        old_layout.setattr(analysis.MixedTokenizer, "__module__", "commgraph.analysis")
        old = create_or_open(tmp_path / "old")
        writer = old.writer()
        writer.update_document(id="a", title="T", body="text")
        writer.commit()
    with pytest.raises(StoreError, match=r"older commgraph .*ingest --rebuild"):
        WhooshEngine().open(tmp_path / "old")
    with pytest.raises(StoreError, match="ingest --rebuild"):
        WhooshEngine().writer(tmp_path / "new", previous=tmp_path / "old")


def test_an_index_written_before_mention_counts_gives_hits_without_them(tmp_path):
    """An index of data format 11 (its pickled schema has no mentions field) takes updates and answers, its
    hits' mentions None, so the page counts them in the graph instead of showing every chip at 0."""
    from whoosh import index as whoosh_index

    from commgraph.search.whoosh_engine import WhooshWriter, make_schema

    schema = make_schema()
    schema.remove("mentions")
    (tmp_path / "old").mkdir()
    whoosh_index.create_in(str(tmp_path / "old"), schema)
    writer = WhooshWriter(whoosh_index.open_dir(str(tmp_path / "old")), timeout=1.0)
    extraction = make_extraction("a1", "Tom Tang said QQ groups have 380 million users. Tom Tang smiled.")
    writer.replace(document_for(extraction))
    writer.commit()
    old = search(SearchIndex(whoosh_index.open_dir(str(tmp_path / "old"))), "users").hits
    assert [h.id for h in old] == ["a1"] and old[0].mentions is None and old[0].entities
    new = create_or_open(tmp_path / "new")
    writer = WhooshWriter(new, timeout=1.0)
    writer.replace(document_for(extraction))
    writer.commit()
    hit = search(SearchIndex(new), "users").hits[0]
    expected = {key: sum(m.entity == key for m in extraction.mentions) for key in extraction.entities}
    assert hit.mentions == expected and max(expected.values()) >= 1


def test_searchers_read_the_segment_in_place_without_copying_it(tmp_path):
    """Every request thread opens its own searcher; Whoosh's BufferFile copied each of its segment's sub-files
    (41 MB a searcher at 10,000 articles). Four more searchers allocated 4x the segment's size with the copies,
    0.4x without (the searchers' own structures)."""
    import tracemalloc

    from whoosh import index as whoosh_index
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.query import Term

    path = tmp_path / "index"
    path.mkdir()
    ix = whoosh_index.create_in(str(path), Schema(id=ID(stored=True, unique=True), body=TEXT(stored=True)))
    writer = ix.writer()
    for n in range(150):
        writer.add_document(id=f"a{n}", body=" ".join(f"word{(n * 7 + k) % 1500} term{k}" for k in range(60)))
    writer.commit()
    segment = max((p for p in path.iterdir() if p.suffix == ".seg"), key=lambda p: p.stat().st_size)
    opened = SearchIndex.open(path)
    first = opened.ix.searcher()  # the first one also fills caches that every later searcher shares
    tracemalloc.start()
    try:
        searchers = [opened.ix.searcher() for _ in range(4)]
        allocated = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert segment.stat().st_size > 200_000
    assert allocated < segment.stat().st_size, (allocated, segment.stat().st_size)
    # and they read it right: stored fields, terms and postings through the in-place files
    assert searchers[0].document(id="a3")["body"].startswith("word21 term0")
    assert len(searchers[3].search(Term("body", "word21"), limit=None)) == len({n for n in range(150)
                                                                                 if any((n * 7 + k) % 1500 == 21
                                                                                        for k in range(60))})
    for searcher in [first, *searchers]:
        searcher.close()


def test_the_in_place_file_reads_as_bytesio_does():
    import io
    import os
    import pickle

    from commgraph.search.whoosh_engine import _ViewReader

    data = b"first line\nsecond\n" + bytes(range(256)) * 3
    ours, theirs = _ViewReader(memoryview(data)), io.BytesIO(data)
    for step in (lambda f: f.read(5), lambda f: f.readline(), lambda f: f.readline(3), lambda f: f.tell(),
                 lambda f: f.seek(-10, os.SEEK_END), lambda f: f.read(), lambda f: f.read(4),
                 lambda f: f.seek(2), lambda f: f.seek(3, os.SEEK_CUR), lambda f: f.readline(), lambda f: f.read(None)):
        assert step(ours) == step(theirs)
    ours.seek(11)
    assert ours.peek(3).startswith(b"second") and ours.tell() == 11  # a look ahead (pickle.load's) stays put
    assert pickle.load(_ViewReader(memoryview(pickle.dumps((1, "a", 2.5)) + b"tail"))) == (1, "a", 2.5)
