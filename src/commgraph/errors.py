"""The project's error types: each carries a message for people and an HTTP status for the server."""

from __future__ import annotations


class CommgraphError(Exception):
    """Base error; `message` says what is wrong and what to do next."""

    status = 500

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class SettingsError(CommgraphError):
    status = 500


class ArticleError(CommgraphError):
    """An input file cannot become an article."""

    status = 400


class QueryError(CommgraphError):
    """A SPARQL or search request is refused or failed."""

    status = 400


class NotFound(CommgraphError):
    status = 404


class IngestLocked(CommgraphError):
    status = 409


class StoreError(CommgraphError):
    """The data directory is missing, empty or inconsistent."""

    status = 503
