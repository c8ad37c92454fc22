"""Format names (what `--format`, the SPARQL endpoint and content negotiation choose) -> Oxigraph serialisers."""

from __future__ import annotations

from typing import Iterable

import pyoxigraph as ox

from ..vocab import PREFIXES

RDF_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
               "rdfxml": ox.RdfFormat.RDF_XML, "trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS}
DATASET_FORMATS = ("trig", "nquads", "jsonld")  # the ones that keep named graphs: `commgraph export`
_QUADS = (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS)  # serialisers that take quads, not triples
_PREFIXED = (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML)  # where prefixes shorten the output


def rdf_format(name: str) -> ox.RdfFormat:
    """The serialiser for a format name; a ValueError listing the names for any other."""
    try:
        return RDF_FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown RDF format {name!r}; one of {', '.join(RDF_FORMATS)}") from None


def serialize_triples(triples: Iterable[ox.Triple], name: str) -> bytes:
    """Triples (a CONSTRUCT, an entity's description) in any format of RDF_FORMATS, with our prefixes where
    the format has them; the quad formats get them in the default graph."""
    fmt = rdf_format(name)
    data = [ox.Quad(t.subject, t.predicate, t.object) for t in triples] if fmt in _QUADS else triples
    return ox.serialize(data, format=fmt, **({"prefixes": PREFIXES} if fmt in _PREFIXED else {}))


def serialize_quads(quads: Iterable[ox.Quad], name: str) -> bytes:
    """A dataset (named graphs kept) in one of DATASET_FORMATS."""
    if name not in DATASET_FORMATS:
        raise ValueError(f"cannot export a dataset as {name!r}; one of {', '.join(DATASET_FORMATS)}")
    return ox.serialize(quads, format=RDF_FORMATS[name])
