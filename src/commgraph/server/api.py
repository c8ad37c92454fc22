"""JSON twins of the pages, under /api/."""

from __future__ import annotations

from flask import Blueprint, jsonify

from .. import lookup
from . import services, views

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search():
    return jsonify(views.search_data())


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
    gen = services().generation()
    return jsonify({"articles": lookup.articles(gen.store)})


@bp.get("/figures")
def figures():
    return jsonify(views.figures_data())


@bp.route("/labels", methods=["GET", "POST"])
def labels():
    return jsonify(views.labels_data())


@bp.get("/figure/<article_id>/<int:n>")
def figure(article_id: str, n: int):
    return jsonify(views.figure_data(article_id, n))
