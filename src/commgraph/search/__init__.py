"""Keyword search behind one protocol (protocol.py), with the engine chosen by the `search_engine` setting.

    engine = engine_from_settings(settings)          # a SearchEngine: configuration only, picklable
    writer = engine.writer(generation / "index", previous=old / "index")   # ingest: replace / delete / commit
    index = engine.open(generation / "index")        # pages, check, cg:textScore: search / scores / article_ids

`whoosh` (whoosh_engine.py, the default): a Whoosh index on disk inside each generation, with our analyzers
per language (analysis.py: English stemming, Chinese cut by jieba) and our own evaluator of its posting lists
(_postings.py, private to it). `sphinx` (sphinx_engine.py): a running searchd, fed our analyzers' terms.
budget.py prices and bounds searches for every engine; tests/search/test_engine_contract.py holds every
engine to the protocol.
"""

from __future__ import annotations

import importlib

from ..errors import SettingsError
from ..settings import Settings
from .budget import Cost, SearchBudget, SearchLimits, SearchRefused, SearchSession
from .protocol import (TYPE_FIELDS, Hit, IndexDocument, IndexWriter, SearchEngine, SearchIndex, SearchRequest,
                       SearchResult, document_for)

# search_engine setting -> (module, class). Each class is a SearchEngine with a `from_settings(settings)`
# constructor; its module is imported only when chosen, so an engine's client library is needed only by
# the deployments that use it.
ENGINES: dict[str, tuple[str, str]] = {
    "whoosh": ("commgraph.search.whoosh_engine", "WhooshEngine"),
    "sphinx": ("commgraph.search.sphinx_engine", "SphinxEngine"),
}


def engine_from_settings(settings: Settings) -> SearchEngine:
    """The engine the `search_engine` setting names (a SettingsError listing the valid names otherwise)."""
    name = getattr(settings, "search_engine", "whoosh")
    if name not in ENGINES:
        raise SettingsError(f"search_engine must be one of {', '.join(sorted(ENGINES))}, got {name!r}")
    module, cls = ENGINES[name]
    return getattr(importlib.import_module(module), cls).from_settings(settings)


__all__ = ["ENGINES", "TYPE_FIELDS", "Cost", "Hit", "IndexDocument", "IndexWriter", "SearchBudget", "SearchEngine",
           "SearchIndex", "SearchLimits", "SearchRefused", "SearchRequest", "SearchResult", "SearchSession",
           "document_for", "engine_from_settings"]
