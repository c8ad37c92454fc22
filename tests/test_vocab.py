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
