import pytest

from commgraph.vocab import CG, NIF, SCHEMA, Minter, check_iri


def test_closed_namespaces_reject_typos():
    assert str(SCHEMA.Person) == "https://schema.org/Person"
    with pytest.raises(AttributeError):
        SCHEMA.Persn  # noqa: B018
    with pytest.raises(AttributeError):
        CG.refersToo  # noqa: B018
    assert str(NIF.beginIndex).endswith("nif-core#beginIndex")


def test_minted_iris_are_stable_valid_and_reversible():
    minter = Minter("http://example.org/")
    iri = minter.entity("person/tang-daosheng")
    assert str(iri) == "http://example.org/entity/person/tang-daosheng"
    odd = minter.entity("organization/腾讯 <x> \"q\"")
    check_iri(str(odd))
    assert minter.entity_key(str(odd)) == "organization/腾讯 <x> \"q\""
    assert minter.entity("person/x") == minter.entity("person/x")


@pytest.mark.parametrize("bad", ["http://a b", "ftp://x", "http://x/<y>", 'http://x/"'])
def test_bad_iris_refused(bad):
    with pytest.raises(ValueError):
        check_iri(bad)


def test_parse_gives_back_what_was_minted():
    from commgraph.vocab import Minted

    minter = Minter("http://example.org/")
    odd = "organization/腾讯 <x> \"q\"/y"
    assert minter.parse(str(minter.entity(odd))) == Minted("entity", key=odd)
    assert minter.parse(str(minter.article("微信 a"))) == Minted("article", article="微信 a")
    assert minter.parse(str(minter.part("a1", "sentence", 12))) == Minted("part", article="a1", part="sentence", n=12)
    assert minter.parse(str(minter.part("a1", "figure", 0))) == Minted("part", article="a1", part="figure", n=0)
    assert minter.parse(minter.entities_graph()) == Minted("entities-graph")
    # not ours: another base, another shape, a spelling that minting would not give
    for iri in ("http://other.org/article/a1", "http://example.org/article/a1/sentence/x",
                "http://example.org/article/%61", "http://example.org/entity/person", "http://example.org/",
                "http://example.org/article/a1/sentence/3/4"):
        assert minter.parse(iri) is None, iri
