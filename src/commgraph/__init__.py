"""commgraph: turn news articles about China's online-community ecosystem into a knowledge graph and search engine."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Settings", "ingest", "create_app", "__version__"]

if TYPE_CHECKING:
    from .pipeline import ingest
    from .server import create_app
    from .settings import Settings


def __getattr__(name: str) -> Any:
    # Lazy re-exports: importing commgraph must not import spaCy, Flask or the stores.
    if name == "ingest":
        from .pipeline import ingest

        return ingest
    if name == "create_app":
        from .server import create_app

        return create_app
    if name == "Settings":
        from .settings import Settings

        return Settings
    raise AttributeError(name)
