"""HTML pages: each renders the view model that its /api/ twin returns as JSON."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from .. import lookup
from ..errors import NotFound
from . import services, views

bp = Blueprint("pages", __name__)

LINKED_DATA = {"text/turtle": "turtle", "application/ld+json": "jsonld", "application/n-triples": "ntriples",
               "application/rdf+xml": "rdfxml"}


@bp.get("/")
def home():
    return render_template("home.html", **views.home_data())


@bp.get("/search")
def search():
    return render_template("search.html", **views.search_data())


@bp.get("/entity/<kind>/<path:slug>")
def entity(kind: str, slug: str):
    best = request.accept_mimetypes.best_match(["text/html", *LINKED_DATA])
    if best in LINKED_DATA:
        return _linked_data(kind, slug, best)
    return render_template("entity.html", **views.entity_data(kind, slug))


def _linked_data(kind: str, slug: str, media: str) -> Response:
    """The entity IRI is this URL's twin: Turtle / JSON-LD / N-Triples / RDF/XML by content negotiation."""
    from ..graph.formats import serialize_triples

    svc = services()
    triples = lookup.describe(svc.generation().store, str(svc.minter.entity(f"{kind}/{slug}")))
    if not triples:
        raise NotFound(f"no entity {kind}/{slug}")
    return Response(serialize_triples(triples, LINKED_DATA[media]), mimetype=media, headers={"Vary": "Accept"})


@bp.get("/article/<article_id>")
def article(article_id: str):
    return render_template("article.html", **views.article_data(article_id))


@bp.get("/articles")
def articles():
    return render_template("articles.html", **views.articles_data())


@bp.get("/figures")
def figures():
    return render_template("figures.html", **views.figures_data())


@bp.get("/figure/<article_id>/<int:n>")
def figure(article_id: str, n: int):
    return render_template("figure.html", figure=views.figure_data(article_id, n))
