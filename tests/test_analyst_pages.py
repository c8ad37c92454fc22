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
