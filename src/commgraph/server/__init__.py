"""create_app(settings): the Flask application, with blueprints that adapt HTTP to the library functions."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..errors import CommgraphError, is_read_error
from ..settings import Settings
from .state import Services

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                               "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
                               "form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def web_dir() -> Path:
    """Templates and static files: inside the wheel (commgraph/web) or at the repository's top-level web/."""
    packaged = Path(__file__).resolve().parent.parent / "web"
    return packaged if packaged.exists() else Path(__file__).resolve().parents[3] / "web"


def create_app(settings: Settings | None = None, *, freeze_heap: bool = False, warm_workers: bool = False) -> Flask:
    """A fresh app bound to `settings`; nothing global, nothing opened until the first request needs it.

    `freeze_heap`: the server process (not tests) keeps long-lived objects out of the garbage collector's full
    collections (see state._freeze_heap). `warm_workers`: each generation the server opens is prepared in the
    background: the search index's arrays, then the SPARQL query workers start and open it (Services._prepare).
    """
    settings = settings or Settings.from_env()
    web = web_dir()
    app = Flask("commgraph", template_folder=str(web / "templates"), static_folder=str(web / "static"))
    app.config["MAX_CONTENT_LENGTH"] = max(settings.max_query_bytes * 4, 1_000_000)
    app.json.sort_keys = False
    app.extensions["commgraph"] = Services(settings, freeze_heap=freeze_heap, warm_workers=warm_workers)
    app.add_template_global(search_url)
    from .views import entity_url

    app.add_template_global(entity_url)

    from . import api, pages, sparql_endpoint

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(sparql_endpoint.bp)

    @app.get("/healthz")
    def healthz():
        """JSON on every outcome: 200 when graph store and search index answer (`"status": "degraded"` when a
        damaged `current` is served around), 503 when no generation does."""
        body, status = app.extensions["commgraph"].health()
        return jsonify(body), status

    @app.errorhandler(CommgraphError)
    def handle_error(error: CommgraphError):
        return render_error(error.status, error.message)

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        return render_error(error.code or 500, error.description or error.name)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        """A data file that cannot be read is a 503 that says what to do (and starts a check of the files);
        any other error stays a bug (Flask's 500)."""
        if not is_read_error(error):
            raise error
        svc = app.extensions["commgraph"]
        svc.read_failed(error)
        return render_error(503, f"the data files cannot be read ({type(error).__name__}: {str(error)[:200]}); the "
                                 "server checks them and, if they are damaged, serves the newest intact generation. "
                                 "Run `commgraph check`, then `commgraph ingest --rebuild`")

    @app.after_request
    def add_headers(response):
        if response.mimetype == "text/html":
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
        else:
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    return app


def search_url(**params) -> str:
    """A /search link; list values repeat the parameter (entity=a&entity=b), empty values are left out."""
    from flask import url_for

    return url_for("pages.search", **{k: v for k, v in params.items() if v not in (None, "", [], ())})


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json")


def render_error(status: int, message: str):
    """One error renders as JSON for the API and machines, as a friendly page for people."""
    if request.path.startswith("/sparql"):
        return message + "\n", status, {"Content-Type": "text/plain; charset=utf-8"}
    if wants_json():
        return jsonify({"error": message, "status": status}), status
    return render_template("error.html", status=status, message=message), status


def services(app: Flask | None = None) -> Services:
    from flask import current_app

    return (app or current_app).extensions["commgraph"]
