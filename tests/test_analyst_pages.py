"""The analyst's pages of issue 16 (connections, figures that disagree, downloads, SPARQL completion), through
Flask's test client on the session corpus; the browser tests drive the same pages in Chromium."""

from __future__ import annotations


def test_connections_are_typed_weighted_and_ranked(client):
    """Stated relations (roles, 'provides') come first with their sentence; shared articles are the weight."""
    data = client.get("/api/connections/organization/tencent").get_json()
    assert data["name"] == "Tencent"
    rows = {row["key"]: row for row in data["connections"]}
    qq = rows["product/qq-groups"]
    assert [r["label"] for r in qq["relations"]] == ["provides"]
    assert all("#s" in url for url in qq["relations"][0]["sources"])
    tang = rows["person/daosheng-tang"]
    assert "senior executive vice president" in [r["label"] for r in tang["relations"]]
    assert tang["articles"] == 2 and 0 < tang["weight"] <= 100
    related = [row["relations"] != [] for row in data["connections"]]
    assert related == sorted(related, reverse=True), "an entity with a stated relation comes first"
    assert "person/daosheng-tang" in {r["key"] for r in client.get("/api/entity/organization/tencent").get_json()[
        "connections"]}


def test_connections_of_an_unknown_entity_is_a_404(client):
    response = client.get("/api/connections/person/nobody-at-all")
    assert response.status_code == 404 and "/search" in response.get_json()["error"]


def test_figures_page_sets_disagreeing_reports_side_by_side(extractor, tmp_path):
    """Two articles give QQ groups' monthly active users as of June 2016 as 420 and 410 million: the page shows
    both values together, each linked to its sentence, and marks their rows; a same-valued pair is no change."""
    from commgraph.pipeline import ingest
    from commgraph.server import create_app
    from commgraph.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for day, value, source in [("01", "420", "Tencent said on Thursday"), ("20", "410", "according to a report"),
                               ("25", "410", "a third report repeated")]:
        (corpus / f"2016-09-{day}-qq-groups-{value}.md").write_text(
            f"---\ntitle: \"QQ groups report of September {day}\"\ndate: 2016-09-{day}\n---\n"
            f"As of June 2016, QQ groups had {value} million monthly active users, {source}.\n")
    (corpus / "2016-09-26-weibo.md").write_text(
        "---\ntitle: \"Weibo report\"\ndate: 2016-09-26\n---\nAs of June 2016, Weibo had 282 million monthly "
        "active users, the company said.\n")
    settings = Settings.create(data_dir=tmp_path / "data")
    assert not ingest([corpus], settings, extractor=extractor).failed
    app = create_app(settings)
    try:
        client = app.test_client()
        data = client.get("/api/figures").get_json()
        assert len(data["disagreements"]) == 1
        group = data["disagreements"][0]
        assert (group["subject"], group["metric"], group["date"]) == ("QQ groups", "monthly active users", "2016-06")
        assert [(r["published"], r["value"]) for r in group["reports"]] == [
            ("2016-09-01", "420,000,000"), ("2016-09-20", "410,000,000"), ("2016-09-25", "410,000,000")]
        assert all("#s" in r["sentence_url"] for r in group["reports"])
        page = client.get("/figures").get_data(as_text=True)
        assert "Reports that disagree" in page and page.count('class="differs"') == 3
        assert 'id="changed-1"' in page and "Weibo" not in page.split('id="changed-h"')[1].split("</section>")[0]
        rows = client.get("/api/figures?format=json").get_json()["figures"]
        assert sum(r["differs_from_another_report"] for r in rows) == 3
    finally:
        app.extensions["commgraph"].close()


def test_figures_download_follows_the_filters(client):
    """CSV and JSON downloads of the figures table keep metric=, subject= and the row filter (rows=)."""
    import csv
    import io

    response = client.get("/api/figures?format=csv&subject=QQ+groups&rows=monthly+active")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows and all(r["subject"] == "QQ groups" and "monthly active" in r["metric"] for r in rows)
    assert {"380 million", "420 million"} <= {r["value_text"] for r in rows}
    assert all(r["sentence_url"].startswith("http://") and "#s" in r["sentence_url"] for r in rows)
    every = client.get("/api/figures?format=json").get_json()
    assert len(every["figures"]) > len(rows) and every["columns"][0] == "subject"
    assert client.get("/api/figures?format=xml").status_code == 400
    page = client.get("/figures?metric=users").get_data(as_text=True)
    assert 'href="/api/figures?metric=users&amp;format=csv"' in page


def test_sparql_completions_are_our_vocabulary_with_the_ontology_pages_words(client):
    """Every term of vocab.py is offered with what docs/ontology.md says of it; the kept hints are the page's."""
    import json
    from pathlib import Path

    from commgraph.server import sparql_terms
    from commgraph.vocab import CG, SCHEMA

    page = (Path(__file__).resolve().parent.parent / "docs" / "ontology.md").read_text(encoding="utf-8")
    kept = json.loads(sparql_terms.HINTS_FILE.read_text(encoding="utf-8"))
    assert kept == sparql_terms.hints_from_ontology_page(page), \
        "run: python -m commgraph.server.sparql_terms docs/ontology.md"
    offered = {t["term"]: t for t in sparql_terms.completions()["terms"]}
    for prefix, namespace in (("schema", SCHEMA), ("cg", CG)):
        for name in namespace.__annotations__:
            assert offered[f"{prefix}:{name}"]["hint"], f"{prefix}:{name} has no words on the ontology page"
    assert offered["cg:roleHolder"]["hint"].startswith("role → person")
    assert offered["schema:Person"]["kind"] == "class"
    html = client.get("/sparql", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "data-completions=" in html and "cg:roleHolder" in html
