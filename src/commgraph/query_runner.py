"""`commgraph query`: the same analysis, limits and worker isolation as /sparql, from the command line."""

from __future__ import annotations

from . import generations as gens
from .settings import Settings
from .sparql import Limits, analyse, choose_format
from .vocab import Minter
from .workers import Outcome, QueryPool, Task


def run_query(settings: Settings, text: str, fmt: str | None = None) -> Outcome:
    current = gens.require_current(settings.data_dir)
    manifest = gens.read_manifest(current)
    minter = Minter(settings.base_iri)
    limits = Limits.from_settings(settings)
    info = analyse(text, limits, minter.queryable_graphs(manifest.articles))
    pool = QueryPool(1, limits)
    try:
        return pool.run(Task(generation=str(current), query=text, form=info.form,
                             fmt=choose_format(info.form, [], fmt), max_rows=limits.max_rows,
                             settings=settings))
    finally:
        pool.close()
