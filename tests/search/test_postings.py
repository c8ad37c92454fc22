"""The vectorised evaluator gives Whoosh's own matches, scores and ranking (it reads Whoosh internals: pinned)."""

import random

import numpy as np
import pytest
from whoosh import query as wq

from commgraph.search._postings import Postings
from commgraph.search._whoosh_query import parse_user_query
from commgraph.search.whoosh_engine import WhooshIndex as SearchIndex, create_or_open, search

WORDS = ("tencent qq group tribe interest user wechat weibo momo douban fan star game music campus city "
         "growth million active monthly platform community").split()


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    """400 articles of random length over a small vocabulary, in several segments, some deleted or replaced."""
    rng = random.Random(7)
    index = create_or_open(tmp_path_factory.mktemp("postings") / "index")
    for batch in range(4):
        writer = index.writer()
        for n in range(100):
            doc = batch * 100 + n
            body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 400)))
            entities = sorted({f"product/{rng.choice(WORDS[:8])}" for _ in range(rng.randint(0, 4))})
            writer.update_document(id=f"a{doc}", title=" ".join(rng.sample(WORDS, 3)), body=body,
                                   body_pairs=body, date=f"20{10 + doc % 10}-0{1 + doc % 9}-01",
                                   entity=",".join(entities))
        writer.commit(merge=False)
    writer = index.writer()
    for doc in range(0, 400, 37):
        writer.delete_by_term("id", f"a{doc}")
    writer.update_document(id="a5", title="replaced", body="tencent replaced body", body_pairs="tencent replaced body",
                           date="2019-01-01", entity="product/tencent")
    writer.commit(merge=False)
    assert len(index._segments()) > 1  # several segments and deletions: doc numbers offset and masked
    return index


QUERIES = ["tencent", "interest tribes", "group OR momo", "qq NOT wechat", "fan ANDMAYBE star",
           "(weibo OR douban) AND growth", "NOT tencent", "million active monthly", "replaced", "nothingatall"]


@pytest.mark.parametrize("text", QUERIES)
def test_scores_and_ranking_equal_whoosh(ix, text):
    query = parse_user_query(ix.schema, text)
    postings = Postings()
    with ix.searcher() as searcher:
        ours = postings.evaluate(searcher, query)
        theirs = {hit.docnum: hit.score for hit in searcher.search(query, limit=None)}
    assert dict(zip(ours.docs.tolist(), ours.scores.tolist())) == pytest.approx(theirs, rel=1e-5)
    # The exact top 20 of Whoosh's scores. (Whoosh's own `search(limit=20)` is not always that: over several
    # segments it returned "(weibo OR douban) AND growth" without two of its top five.)
    ranked = sorted(theirs, key=lambda doc: (-round(theirs[doc], 9), doc))[:20]
    assert postings.top(searcher, ours, 20).tolist() == ranked


def test_entity_filter_and_every(ix):
    query = wq.And([wq.Every(), wq.Term("entity", "product/qq")])
    postings = Postings()
    with ix.searcher() as searcher:
        ours = postings.evaluate(searcher, query)
        theirs = {hit.docnum for hit in searcher.search(query, limit=None)}
    assert set(ours.docs.tolist()) == theirs and theirs


def test_phrase_needs_every_pair_in_order(tmp_path):
    index = create_or_open(tmp_path / "index")
    writer = index.writer()
    for doc, body in (("p1", "monthly active users of QQ"), ("p2", "active users, monthly"),
                      ("p3", "users active monthly"), ("p4", "the number of users grew")):
        writer.add_document(id=doc, title="t", body=body, body_pairs=body, entity="")
    writer.commit()
    engine = SearchIndex(index)
    assert [h.id for h in search(engine, '"monthly active users"').hits] == ["p1"]
    assert {h.id for h in search(engine, '"active users"').hits} == {"p1", "p2"}
    assert [h.id for h in search(engine, '"number of users"').hits] == ["p4"]  # stop words: as in Whoosh
    assert [h.id for h in search(engine, '"users monthly"').hits] == ["p2"]  # across punctuation: as Whoosh
    assert search(engine, '"monthly users"').total == 0


def test_facets_count_every_match_not_only_the_top_ones(tmp_path):
    index = create_or_open(tmp_path / "index")
    writer = index.writer()
    for n in range(450):
        writer.add_document(id=f"d{n}", title="t", body="qq groups " * (1 + n % 7),
                            entity="product/qq-groups" + (",person/tang" if n % 3 == 0 else ""))
    writer.commit()
    result = search(SearchIndex(index), "groups")
    assert result.total == 450
    assert dict((k, c) for k, _, c in result.facets["Product"])["product/qq-groups"] == 450
    assert dict((k, c) for k, _, c in result.facets["Person"])["person/tang"] == 150
    assert result.type_counts == {"Product": 450, "Person": 150}


def test_postings_are_read_a_block_at_a_time(ix):
    """The fast path reads Whoosh 2.7's on-disk matcher internals; if an upgrade renames them, this fails."""
    leaf, _ = next(iter(ix.reader().leaf_readers()))
    matcher = leaf.postings("body", "tencent")
    matcher = getattr(matcher, "child", matcher)
    assert all(hasattr(matcher, name) for name in ("_read_data", "_data", "_byteids", "_blocklength", "_next_block"))
    ids, weights = Postings._posting_arrays(ix.reader(), "body", "tencent")
    assert len(ids) == ix.reader().doc_frequency("body", "tencent") and np.all(weights >= 1)


@pytest.mark.parametrize("field,text", [("body", "tencent"), ("body", "platform"), ("title", "qq"),
                                        ("entity", "product/tencent"), ("body_pairs", "interest user")])
def test_block_decoded_postings_equal_whoosh_stepping_through_them(ix, field, text):
    """Blocks decoded with numpy (delta ids, weights stored, None or one float) give every posting of Whoosh's
    own block decoding (_read_ids / _read_weights), deleted documents included, across segments."""
    want_ids, want_weights = [], []
    for leaf, base in ix.reader().leaf_readers():
        if (field, text) not in leaf:
            continue
        matcher = leaf.postings(field, text)
        matcher = getattr(matcher, "child", matcher)
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            want_ids += [i + base for i in matcher._ids]
            want_weights += list(matcher._weights)
            matcher._next_block()
    ids, weights = Postings._posting_arrays(ix.reader(), field, text)
    assert want_ids and ids.tolist() == want_ids and np.allclose(weights, want_weights)


@pytest.mark.parametrize("field", ["title", "body", "entity", "no_such_field"])
def test_field_lengths_read_whole_columns_as_whoosh_reads_each(ix, field):
    from commgraph.search._postings import _length_columns

    reader = ix.reader()
    each = np.array([reader.doc_field_length(n, field, 1) for n in range(reader.doc_count_all())], np.float64)
    whole = _length_columns(reader, field)
    assert whole is not None and np.array_equal(whole, each, equal_nan=True)


def test_warm_up_builds_every_array_that_searches_read(ix):
    """The server prepares an index before its first search (Services._prepare): afterwards no search builds
    a per-index array of its own (0.5-1.1 s of the first search at 10,000 articles)."""
    from commgraph.search import SearchRequest

    index = SearchIndex(ix)
    index.warm_up()
    prepared = set(index.postings._cache)
    assert {"live", "entities", "dates"} <= prepared
    expected = {text: search(SearchIndex(ix), text).total for text in ("tencent", "interest tribes", '"qq group"')}
    for request in (SearchRequest("tencent"), SearchRequest("interest tribes", sort="date"),
                    SearchRequest('"qq group"'), SearchRequest("tribe", entity_filters=("product/qq",)),
                    SearchRequest("growth", date_from="2012", date_to="2015"), SearchRequest("NOT tencent")):
        result = index.search(request)
        if request.text in expected and not request.entity_filters and request.sort == "relevance":
            assert result.total == expected[request.text]
    assert set(index.postings._cache) == prepared
