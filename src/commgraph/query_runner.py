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
    limits = Limits(max_bytes=settings.max_query_bytes, max_depth=settings.max_query_depth,
                    max_rows=settings.max_rows, timeout=settings.query_timeout)
    info = analyse(text, limits, {str(minter.article(a)) for a in manifest["articles"]})
    pool = QueryPool(1, limits)
    try:
        remote = None
        if settings.store:
            from .remote import Endpoints

            remote = Endpoints.from_setting(settings.store, settings.store_query_path, settings.store_update_path,
                                            settings.store_data_path)
        return pool.run(Task(generation=str(current), query=text, form=info.form,
                             fmt=choose_format(info.form, [], fmt), max_rows=limits.max_rows, remote=remote))
    finally:
        pool.close()
