"""The extraction scored as `make eval` scores it, on the held-out fixtures (written from real articles'
constructions, never developed against): floors a little under today's scores, so that a change that loses
ground on text the rules were not written for fails here. The scores themselves are in `make eval`."""

import pytest

from commgraph.evaluate import Score, evaluate_target, score_entities, score_quotes
from commgraph.sources import read_path

from conftest import FIXTURES

EVAL = FIXTURES / "eval"

# Held-out scores when the floors were last set (make eval, 2026-12-02, session 7): en entities P 0.92 R 0.91,
# figures 0.98, subject 0.86, canonical metric 0.84, roles 0.90 (P 0.93), quotes 0.98 (P 0.98); zh (raised in
# session 8, 2026-12-02) entities P 0.98 R 0.94, figures 1.00, subject 0.95, metric 0.87, roles 1.00 (P 1.00),
# quotes 0.90.
# Floors sit a few points under them:
# a change that loses ground on text the rules were not written for fails here.
FLOORS = {
    "en": {("entity all", "precision"): 0.87, ("entity all", "recall"): 0.86, ("figures", "recall"): 0.94,
           ("figure subject", "recall"): 0.83, ("figure metric", "recall"): 0.81, ("roles", "recall"): 0.87,
           ("roles", "precision"): 0.87, ("quotes", "recall"): 0.93, ("quotes", "precision"): 0.95},
    "zh": {("entity all", "precision"): 0.93, ("entity all", "recall"): 0.89, ("figures", "recall"): 0.95,
           ("figure subject", "recall"): 0.90, ("figure metric", "recall"): 0.80, ("roles", "recall"): 0.95,
           ("roles", "precision"): 0.95, ("quotes", "recall"): 0.85},
}


@pytest.fixture(scope="module")
def held_out(extractor):
    def extract(path):
        return extractor.extract(read_path(path)[0])
    return {lang: evaluate_target(EVAL / lang / "heldout", extract)[0].scores for lang in FLOORS}


@pytest.mark.parametrize("lang", sorted(FLOORS))
def test_held_out_floors(held_out, lang):
    scores = held_out[lang]
    low = {f"{kind} {measure}": round(getattr(scores[kind], measure), 2)
           for (kind, measure), floor in FLOORS[lang].items() if getattr(scores[kind], measure) < floor}
    assert not low, f"{lang} held-out scores under their floors: {low}"


def test_every_fixture_has_gold_and_every_gold_its_article():
    for folder in sorted(EVAL.glob("*/*")):
        articles = {p.name.split(".")[0] for p in folder.iterdir() if not p.name.endswith(".gold.json")}
        golds = {p.name.removesuffix(".gold.json") for p in folder.glob("*.gold.json")}
        assert articles == golds, f"{folder}: articles without gold or gold without article"
    assert len(list(EVAL.glob("en/heldout/*.gold.json"))) >= 15 and len(list(EVAL.glob("zh/heldout/*.gold.json"))) >= 6


def test_quote_scores_need_the_right_speaker(seed_extraction):
    """A quotation is right only with its speaker; one found twice is still that one gold quote."""
    quote = seed_extraction.quotes[0]
    speaker = seed_extraction.entities[quote.speaker].name
    gold = [{"speaker": speaker, "starts": quote.text[:20]}]
    doubled = type(seed_extraction)(**{**seed_extraction.__dict__, "quotes": [quote, quote]})
    score = score_quotes(gold, doubled)
    assert score.recall == 1.0 and score.precision == 1.0  # both predictions are that gold quote
    other = score_quotes([{"speaker": "Nobody Here", "starts": quote.text[:20]}], doubled)
    assert other.recall == 0.0 and other.precision == 0.0 and isinstance(other, Score)


def test_a_types_entity_precision_counts_that_types_extractions(seed_extraction):
    """A gold Organization that may also be a Product, extracted as a Product, is a right Product: it counts for the
    Product row's precision, never above 1 for the Organization row."""
    entity = next(iter(seed_extraction.entities.values()))
    product = type(entity)(key="product/weixin", name="Weixin", type="Product")
    gold = [{"name": "Weixin", "type": "Organization", "alt_types": ["Product"]}]
    extraction = type(seed_extraction)(**{**seed_extraction.__dict__, "entities": {product.key: product}})
    scores = score_entities(gold, extraction)
    assert scores["Product"].precision == 1.0 and scores["Organization"].precision <= 1.0
    assert scores["all"].precision == 1.0 and scores["Organization"].recall == 1.0
