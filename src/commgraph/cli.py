"""The command line: each command parses its options, makes one library call and prints."""

from __future__ import annotations

import errno
import json
import re
import sys
from pathlib import Path

import click

from .errors import CommgraphError, IngestLocked, file_system_problem, is_read_error
from .settings import SETTINGS, Settings


def _settings_options(func):
    """One --option per declared setting (the same table as the README and COMMGRAPH_* variables)."""
    for setting in reversed(SETTINGS):
        flag = "--" + setting.name.replace("_", "-")
        func = click.option(flag, setting.name, default=None, show_default=False,
                            help=f"{setting.help} [env COMMGRAPH_{setting.name.upper()}; default {setting.default!r}]")(func)
    return func


class _Context:
    def __init__(self, overrides: dict) -> None:
        self.overrides = overrides

    def settings(self) -> Settings:
        return Settings.from_env(**self.overrides)


# "Temporary failure; the user is invited to retry" (sysexits.h EX_TEMPFAIL): another ingest holds the lock.
EXIT_LOCKED = 75


class _Locked(click.ClickException):
    exit_code = EXIT_LOCKED


class _Group(click.Group):
    """Turns our errors, and file-system errors (a full disk, a read-only or missing directory, no permission),
    into one clear line and exit status 1, for every command; `--debug` shows the traceback instead."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except IngestLocked as exc:  # its own exit status: scripts retry later rather than treat it as a failure
            if ctx.params.get("debug"):
                raise
            raise _Locked(exc.message) from None
        except CommgraphError as exc:
            if ctx.params.get("debug"):
                raise
            raise click.ClickException(exc.message) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise  # click's own (Exit is a RuntimeError)
        except Exception as exc:  # noqa: BLE001 - classified below; anything else goes on with its traceback
            problem = _damage_problem(exc) or file_system_problem(exc)
            if problem is None or ctx.params.get("debug"):
                raise
            raise click.ClickException(problem) from None


def _damage_problem(exc: Exception) -> str | None:
    """A published generation's file that is missing or unreadable is damage, not a path to correct."""
    text = f"{getattr(exc, 'filename', None) or ''} {exc}"
    if not is_read_error(exc) or getattr(exc, "errno", None) not in (None, errno.ENOENT, errno.EIO) \
            or (isinstance(exc, OSError) and not re.search(r"generations/g\d{6}", text)):
        return None
    return (f"the data files cannot be read ({type(exc).__name__}: {str(exc)[:300]}); run `commgraph check` to "
            "find the damaged file, then `commgraph ingest --rebuild`")


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@_settings_options
@click.option("--debug", is_flag=True, help="Show the full traceback of an error instead of one line.")
@click.pass_context
def main(ctx: click.Context, debug: bool, **overrides) -> None:
    """commgraph: news articles -> knowledge graph + search engine."""
    ctx.obj = _Context(overrides)


def _progress(message: str, done: int, total: int) -> None:
    if sys.stderr.isatty():
        width = 30
        filled = int(width * done / total) if total else 0
        click.echo(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {message[:60]:<60}", nl=False, err=True)
        if done == total and message.startswith("extracted"):
            click.echo("", err=True)
    else:
        click.echo(f"{done}/{total} {message}", err=True)


def _print_report(report, report_file: Path | None) -> None:
    rows = [("added", len(report.added)), ("updated", len(report.updated)), ("unchanged", len(report.unchanged)),
            ("removed", len(report.removed)), ("failed", len(report.failed)), ("articles stored", report.articles),
            ("entities", report.entities), ("figures", report.figures), ("quads", report.quads),
            ("seconds", report.seconds)]
    for name, value in rows:
        click.echo(f"{name:>16}  {value}")
    if report.generation:
        click.echo(f"{'generation':>16}  {report.generation} (now serving)")
    for failure in report.failed:
        click.echo(f"error: {failure.message}", err=True)
    if report.rebuild_due:
        click.echo(f"note: {report.rebuild_due}", err=True)
    if report.recovered:
        click.echo(f"note: {report.recovered}", err=True)
    if report_file:
        report_file.parent.mkdir(parents=True, exist_ok=True)
        report_file.write_text(report.to_json(), encoding="utf-8")


@main.command()
@click.argument("paths", nargs=-1)
@click.option("--rebuild", is_flag=True, help="Re-derive every article (after a change of model or rules).")
@click.option("--rebuild-if-due", is_flag=True, help="Rebuild only when the rules or the model changed since the last build.")
@click.option("--report", "report_file", type=click.Path(path_type=Path), default=None,
              help="Write the JSON report here (default: DATA_DIR/last-ingest.json).")
@click.option("--feed", "feeds", multiple=True, metavar="URL",
              help="Fetch the items of this RSS or Atom feed not fetched before (repeatable).")
@click.option("--urls", "url_lists", multiple=True, type=click.Path(path_type=Path), metavar="FILE",
              help="Fetch the URLs in this file, one a line, not fetched before (repeatable).")
@click.option("--compact", is_flag=True, help="Compact the graph store's files for reading, even when no article "
                                              "changed (after many small ingests).")
@click.pass_obj
def ingest(obj: _Context, paths: tuple[str, ...], rebuild: bool, rebuild_if_due: bool, report_file: Path | None,
           feeds: tuple[str, ...], url_lists: tuple[Path, ...], compact: bool) -> None:
    """Add new, update changed and skip unchanged articles from PATHS (files, folders, '-' for stdin; default
    corpus/ unless a feed or URL list is given), and from the web with --feed / --urls."""
    from .pipeline import ingest as run_ingest

    settings = obj.settings()
    default = () if feeds or url_lists or compact else ("corpus",)
    report = run_ingest(paths or default, settings, rebuild=rebuild, rebuild_if_due=rebuild_if_due,
                        progress=_progress, feeds=feeds, url_lists=url_lists, compact=compact)
    _print_report(report, report_file or settings.data_dir / "last-ingest.json")
    if report.failed:
        sys.exit(1)


@main.command()
@click.argument("ids", nargs=-1, required=True)
@click.pass_obj
def remove(obj: _Context, ids: tuple[str, ...]) -> None:
    """Delete articles (by id) with all their facts and index documents."""
    from .pipeline import ingest as run_ingest

    settings = obj.settings()
    report = run_ingest((), settings, remove=ids)
    _print_report(report, settings.data_dir / "last-ingest.json")
    if report.failed:
        sys.exit(1)


@main.command()
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="gunicorn worker processes.")
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True, help="Threads per worker.")
@click.pass_obj
def serve(obj: _Context, workers: int, threads: int) -> None:
    """Serve the web UI, the API and the SPARQL endpoint (gunicorn; the debugger is never enabled)."""
    from .serving import serve as run_server

    settings = obj.settings()
    click.echo(f"commgraph serving {settings.data_dir} at http://{settings.host}:{settings.port}/", err=True)
    run_server(settings, workers=workers, threads=threads)


@main.command()
@click.argument("sparql")
@click.option("--format", "fmt", default=None, help="json, xml, csv, tsv (SELECT/ASK); turtle, ntriples, jsonld, "
                                                      "rdfxml, trig (CONSTRUCT/DESCRIBE).")
@click.pass_obj
def query(obj: _Context, sparql: str, fmt: str | None) -> None:
    """Run a read-only SPARQL query through the same bounded path as /sparql ('-' reads it from stdin)."""
    from .query_runner import run_query

    settings = obj.settings()
    text = sys.stdin.read() if sparql == "-" else sparql
    outcome = run_query(settings, text, fmt)
    sys.stdout.buffer.write(outcome.body)
    if outcome.truncated:
        click.echo(f"\nnote: results cut at {settings.max_rows} rows (setting max_rows)", err=True)
    if outcome.status >= 400:
        sys.exit(1)


@main.command()
@click.option("--ids", is_flag=True, help="List the stored article ids.")
@click.pass_obj
def stats(obj: _Context, ids: bool) -> None:
    """Counts of the current generation."""
    from . import generations as gens

    settings = obj.settings()
    manifest = gens.read_manifest(gens.require_current(settings.data_dir))
    if ids:
        for article_id in sorted(manifest.articles):
            click.echo(article_id)
        return
    click.echo(json.dumps({"generation": manifest.generation, "created": manifest.created,
                           "model": manifest.model, **manifest.totals}, indent=1))


@main.command()
@click.option("--format", "fmt", type=click.Choice(["trig", "nquads", "jsonld"]), default="nquads", show_default=True)
@click.option("--article", "article_ids", multiple=True, help="Export only these articles (repeatable).")
@click.pass_obj
def export(obj: _Context, fmt: str, article_ids: tuple[str, ...]) -> None:
    """Write the graph (or some articles' named graphs) to stdout."""
    from . import generations as gens
    from .graph import open_store
    from .vocab import Minter

    settings = obj.settings()
    current = gens.require_current(settings.data_dir)
    manifest = gens.read_manifest(current)
    missing = [a for a in article_ids if a not in manifest.articles]
    if missing:
        raise click.ClickException(f"no article {missing[0]!r}; `commgraph stats --ids` lists them")
    minter = Minter(settings.base_iri)
    graphs = [str(minter.article(a)) for a in article_ids] or None
    sys.stdout.buffer.write(open_store(settings, current, minter, read_only=True).export(fmt, graphs))


@main.command()
@click.option("--no-shacl", is_flag=True, help="Skip the SHACL validation of every article graph.")
@click.pass_obj
def check(obj: _Context, no_shacl: bool) -> None:
    """Check the current generation: graph, index and manifest agree; article graphs fit the ontology (SHACL)."""
    from .check import check_generation

    problems = check_generation(obj.settings(), shacl=not no_shacl)
    for problem in problems:
        click.echo(f"problem: {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo("ok: graph, index and manifest agree" + ("" if no_shacl else "; every article graph conforms to the shapes"))


@main.command("settings")
def show_settings() -> None:
    """List every setting with its default and environment variable."""
    for setting in SETTINGS:
        click.echo(f"{setting.name:<18} COMMGRAPH_{setting.name.upper():<18} {setting.default!r:<30} {setting.help}")
