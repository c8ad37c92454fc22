"""JSON twins of the pages, under /api/."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from ..errors import QueryError
from . import views
from .downloads import csv_download, json_download

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search():
    """The search page as JSON, or with format=csv its top results as a spreadsheet."""
    fmt = request.args.get("format", "json")
    if fmt == "csv":
        return csv_download(views.search_rows(), ["article", "title", "date", "url", "score", "snippet"], "search.csv")
    if fmt != "json":
        raise QueryError(f"parameter format must be 'json' or 'csv', got {fmt[:20]!r}")
    return jsonify(views.search_data())


@bp.get("/complete")
def complete():
    return jsonify(views.complete_data())


@bp.get("/stats")
def stats():
    return jsonify(views.home_data())


@bp.get("/entity/<kind>/<path:slug>")
def entity(kind: str, slug: str):
    return jsonify(views.entity_data(kind, slug))


@bp.get("/connections/<kind>/<path:slug>")
def connections(kind: str, slug: str):
    return jsonify(views.connections_data(kind, slug))


@bp.get("/article/<article_id>")
def article(article_id: str):
    return jsonify(views.article_data(article_id))


@bp.get("/articles")
def articles():
    return jsonify(views.articles_data())


@bp.get("/figures")
def figures():
    """The figures page as JSON; format=csv or format=json: its table as a file, following metric=, subject=
    and rows= (the row filter)."""
    fmt = request.args.get("format", "")
    if not fmt:
        return jsonify(views.figures_data())
    if fmt == "csv":
        return csv_download(views.figure_rows(), views.FIGURE_COLUMNS, "figures.csv")
    if fmt == "json":
        filters = {k: request.args.get(k, "") for k in ("metric", "subject", "rows") if request.args.get(k)}
        return json_download({"filters": filters, "columns": views.FIGURE_COLUMNS, "figures": views.figure_rows()},
                             "figures.json")
    raise QueryError(f"parameter format must be 'csv' or 'json' (or left out for the page's JSON), got {fmt[:20]!r}")


@bp.route("/labels", methods=["GET", "POST"])
def labels():
    return jsonify(views.labels_data())


@bp.get("/figure/<article_id>/<int:n>")
def figure(article_id: str, n: int):
    return jsonify(views.figure_data(article_id, n))
