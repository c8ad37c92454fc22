"""ingest(): sources -> extract -> graph + index, written as a new immutable generation by the one writer."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import generations as gens
from .errors import ArticleError, StoreError
from .extract.rules import load_rules
from .facts import Entity, Extraction
from .graph import EmbeddedStore, GraphStore, article_triples, open_store, update_entities
from .search import SearchEngine, document_for, engine_from_settings
from .settings import Settings
from .summaries import article_contributions, contributions, derive_all, update_summaries
from .sources import Article, PartialArticles, iter_source_files, parse_bytes, read_path, slugify
from .vocab import SCHEMA, Minter

Progress = Callable[[str, int, int], None]  # (message, done, total)
# Articles still being extracted when the index writes out the documents so far (IndexWriter.checkpoint): about
# the last batch of the children (extract/supervised.py BATCH_SIZE). The Whoosh commit, 1.1 s of a 100-article
# ingest in one process and done after the last extraction, then overlaps it; the end's commit takes 0.12 s.
INDEX_REST = 8
# An ingest that wrote a quarter of the articles or more (a rebuild, a first ingest) compacts a store this big
# (store.optimize): at 14.1 M quads it halved the cost of every lookup the example queries make (83 s, on a
# 48-minute build); at 1.1 M quads it changed nothing measurable (4.6 s), so smaller stores skip it.
COMPACT_QUADS = 2_000_000
# Bump when the graph layout, the index schema or the extraction code changes: stored generations then say
# a rebuild is due (and `make run` rebuilds).
DATA_FORMAT = 13  # 7: the manifest records every file's size and checksum; 8: the index segments Chinese, holds lang;
# 9: names language-tagged ("Tencent"@en, "腾讯"@zh), schema:inLanguage on every article; 10: the index's
# analyzers moved to commgraph.search (its pickled schema names them), so older indexes no longer open; 11: the
# summaries graph (summaries.py) holds the counts the example queries read; 12: the index holds each article's
# mentions per entity (the search page's chips); 13: the summaries graph holds quote summaries and figure buckets


@dataclass
class Failure:
    path: str
    message: str
    step: str | None = None  # where extraction of the article stopped, for a failure of that kind


@dataclass
class Report:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    entities: int = 0
    figures: int = 0
    quads: int = 0
    articles: int = 0
    seconds: float = 0.0
    generation: int | None = None
    rebuild_due: str | None = None
    recovered: str | None = None  # set when `current` was damaged and the generation came from another one

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)


def ingest(paths: Iterable[str | Path], settings: Settings, *, rebuild: bool = False, rebuild_if_due: bool = False,
           remove: Iterable[str] = (), progress: Progress | None = None, extractor=None,
           feeds: Iterable[str] = (), url_lists: Iterable[str | Path] = (), compact: bool = False) -> Report:
    """Add new, update changed, skip unchanged and remove named articles; publish one new generation.

    `rebuild` re-derives every stored article; `rebuild_if_due` does so only when the rules or model changed.
    `feeds` (RSS/Atom URLs) and `url_lists` (files of URLs) are fetched (fetch.py); an item whose URL or
    content a stored article already came from is not fetched or stored again. `compact` publishes a
    generation whose graph store is compacted (see COMPACT_QUADS) even when no article changed.
    """
    started = time.monotonic()
    engine_from_settings(settings)  # a search_engine that does not exist fails here, before the model loads
    report = Report()
    progress = progress or (lambda message, done, total: None)
    data_dir = settings.data_dir
    with gens.ingest_lock(data_dir, settings.lock_timeout), _early_extraction(settings, extractor,
                                                                            paths or feeds or url_lists) as early:
        gens.collect_garbage(data_dir, settings.keep_generations)  # leftovers of a killed ingest
        current, damaged = gens.ingest_source(data_dir, recover=rebuild or rebuild_if_due, checksums=rebuild)
        manifest = gens.read_manifest(current) if current else gens.Manifest()
        stored = manifest.articles
        if damaged:  # `current` is damaged: re-derive everything from an intact generation and the given files
            rebuild = True
            report.recovered = (f"the current generation was damaged ({'; '.join(damaged[:3])}); rebuilt from "
                                + (f"{current.name} and the given files" if current else "the given files only"))
        rules = load_rules(settings.rules_path)
        due = bool(stored) and (manifest.rules != rules.fingerprint or manifest.model != settings.model
                                or manifest.format != DATA_FORMAT)
        rebuild = rebuild or (rebuild_if_due and due)
        if due and not rebuild:
            report.rebuild_due = ("the gazetteer/curation rules, the model or the data format changed since the last "
                                  "rebuild; run `commgraph ingest --rebuild` to re-derive every article")
        articles = _read_all(paths, settings, report, progress)
        feeds, url_lists = list(feeds), list(url_lists)
        if feeds or url_lists:
            _fetch_all(feeds, url_lists, settings, stored, articles, report, progress)
        minter = Minter(settings.base_iri)
        to_extract: list[Article] = []
        for article in articles.values():
            old = stored.get(article.id)
            if old is None:
                report.added.append(article.id)
            elif old.hash != article.content_hash or rebuild:
                report.updated.append(article.id)
            else:
                report.unchanged.append(article.id)
                continue
            to_extract.append(article)
        for article_id in remove:
            if article_id not in stored:
                report.failed.append(Failure(article_id, f"no article with id {article_id!r}; "
                                                         "`commgraph stats --ids` lists the stored ids"))
            else:
                report.removed.append(article_id)
        if damaged:
            report.failed += _lost_articles(data_dir, stored, articles)
        if rebuild and current:
            kept = [a for a in stored if a not in articles and a not in report.removed]
            to_extract += _stored_articles(settings, current, minter, {a: stored[a] for a in kept})
            report.updated += kept
        if to_extract or report.removed or (compact and current):
            try:
                new_manifest = _write_generation(data_dir, current, manifest, to_extract, report, settings, rules,
                                                 minter, progress, extractor, rebuild, compact, early)
            except BaseException:
                with contextlib.suppress(OSError):  # the error being raised says more than a failed clean-up
                    gens.collect_garbage(data_dir, settings.keep_generations)  # frees the unfinished one (full disk)
                raise
            report.generation = new_manifest.generation
            if rebuild:
                report.rebuild_due = None
            gens.collect_garbage(data_dir, settings.keep_generations)
        else:
            new_manifest = manifest
        totals = new_manifest.totals
        report.entities, report.figures = totals.get("entities", 0), totals.get("figures", 0)
        report.quads, report.articles = totals.get("quads", 0), len(new_manifest.articles)
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _read_all(paths: Iterable[str | Path], settings: Settings, report: Report, progress: Progress) -> dict[str, Article]:
    """Read every source; a bad file is reported and skipped, the others still land."""
    articles: dict[str, Article] = {}
    files: list[str | Path] = []
    for path in paths:
        if str(path) == "-":
            files.append("-")
            continue
        try:
            files.extend(iter_source_files([Path(path)]))
        except ArticleError as exc:
            report.failed.append(Failure(str(path), exc.message))
    for n, path in enumerate(files, 1):
        progress(f"reading {path}", n, len(files))
        try:
            batch = _read_stdin(settings) if path == "-" else read_path(Path(path), settings.max_article_bytes)
        except PartialArticles as exc:  # a JSON list: its good records land, each bad one is reported
            report.failed += [Failure(where, message) for where, message in exc.problems]
            batch = exc.articles
        except ArticleError as exc:
            report.failed.append(Failure(str(path), exc.message))
            continue
        except OSError as exc:
            report.failed.append(Failure(str(path), f"{path}: cannot read ({exc.strerror}); check permissions"))
            continue
        for article in batch:
            if article.id in articles:
                report.failed.append(Failure(str(path), f"{path}: article id {article.id!r} also comes from "
                                                        f"{articles[article.id].source}; rename one of the files"))
                continue
            articles[article.id] = article
    return articles


def _fetch_all(feeds: list[str], url_lists: list[str | Path], settings: Settings, stored: dict[str, gens.ArticleEntry],
               articles: dict[str, Article], report: Report, progress: Progress) -> None:
    """Feed items and listed URLs into `articles`; known ones count as unchanged, failures by URL."""
    from .fetch import read_feeds_and_lists

    known: dict[str, str] = {}
    for article_id, entry in stored.items():
        for key in (entry.source, entry.url, entry.fetched_sha256):
            if key:
                known.setdefault(key, article_id)
    fetched = read_feeds_and_lists(feeds, url_lists, settings, known, progress)
    report.failed += [Failure(where, message) for where, message in fetched.problems]
    report.unchanged += [a for a in dict.fromkeys(fetched.known) if a not in report.unchanged]
    for article in fetched.articles:
        if article.id in articles:
            report.failed.append(Failure(article.source, f"{article.source}: article id {article.id!r} also comes "
                                                         f"from {articles[article.id].source}; give it once"))
            continue
        articles[article.id] = article


def _lost_articles(data_dir: Path, kept: dict[str, gens.ArticleEntry], given: dict[str, Article]) -> list[Failure]:
    """Articles of the damaged `current` that neither the generation rebuilt from nor the given files hold."""
    target = gens.current_target(data_dir)
    try:
        listed = gens.read_manifest(target).articles if target else {}
    except (OSError, ValueError):
        return []  # its manifest is unreadable too: nothing to name
    return [Failure(entry.source or article_id, f"article {article_id!r} was only in the damaged generation "
                    f"{target.name}; ingest its source file {entry.source!r} again")
            for article_id, entry in sorted(listed.items()) if article_id not in kept and article_id not in given]


def _read_stdin(settings: Settings) -> list[Article]:
    data = sys.stdin.buffer.read(settings.max_article_bytes + 1)
    if len(data) > settings.max_article_bytes:
        raise ArticleError(f"<stdin>: more than {settings.max_article_bytes} bytes; split the input")
    head = data.lstrip()[:1]
    kind = "json" if head in (b"{", b"[") else "html" if head == b"<" else "text"
    first_line = data.decode("utf-8", "replace").strip().splitlines()[0] if data.strip() else ""
    return parse_bytes(data, kind, name="<stdin>", stem=slugify(first_line) or "stdin")


def _stored_articles(settings: Settings, generation: Path, minter: Minter,
                     entries: dict[str, gens.ArticleEntry]) -> list[Article]:
    """Articles rebuilt from the graph, for a --rebuild of articles whose files are not given."""
    if not entries:
        return []
    store = open_store(settings, generation, minter, read_only=True)
    articles = []
    for article_id, entry in entries.items():
        iri = minter.article(article_id)
        rows = list(store.query(
            f"SELECT ?title ?body ?lang WHERE {{ GRAPH <{iri}> {{ <{iri}> <{SCHEMA.headline}> ?title ; "
            f"<{SCHEMA.text}> ?body OPTIONAL {{ <{iri}> <{SCHEMA.inLanguage}> ?lang }} }} }}"))
        if not rows:
            raise StoreError(f"article {article_id} is in the manifest but not in the store; run `commgraph check`")
        lang = rows[0]["lang"]  # kept, so that a front-matter language survives a rebuild from the store
        articles.append(Article(id=article_id, title=rows[0]["title"].value, body=rows[0]["body"].value,
                                source=entry.source, date=entry.date, url=entry.url,
                                lang=lang.value if lang is not None else "", author=entry.author,
                                site_name=entry.site_name, pages=tuple(entry.pages or ()),
                                source_sha256=entry.fetched_sha256))
    return articles


def _write_generation(data_dir: Path, current: Path | None, manifest: gens.Manifest, to_extract: list[Article],
                      report: Report, settings: Settings, rules, minter: Minter, progress: Progress,
                      extractor, rebuild: bool, compact: bool = False, early=None) -> gens.Manifest:
    # Extraction starts first: worker processes load the model while the generation is set up.
    if to_extract:
        progress("loading the spaCy model", 0, len(to_extract))
    extractions = _extractions(to_extract, settings, rules, extractor, early) if to_extract else iter(())
    try:
        new_manifest = _build_generation(data_dir, current, manifest, to_extract, extractions, report, settings,
                                         rules, minter, progress, rebuild, compact)
    finally:
        getattr(extractions, "close", lambda: None)()
    for failure in getattr(extractions, "failures", ()):  # stopped or failed articles: the rest was published
        for ids in (report.added, report.updated):
            if failure.article.id in ids:
                ids.remove(failure.article.id)
        report.failed.append(Failure(failure.article.source, failure.message, failure.step))
    return new_manifest


def _build_generation(data_dir: Path, current: Path | None, manifest: gens.Manifest, to_extract: list[Article],
                      extractions: Iterator[Extraction], report: Report, settings: Settings, rules, minter: Minter,
                      progress: Progress, rebuild: bool, compact: bool = False) -> gens.Manifest:
    work = gens.start_generation(data_dir)
    if current and not rebuild:  # a rebuild starts from empty store and index (the schema may have changed)
        if not settings.store:  # a remote store is shared, not copied per generation
            EmbeddedStore(current / "store", minter, read_only=True).backup(work / "store")
    store = open_store(settings, work, minter)
    engine = engine_from_settings(settings)
    # Chinese gazetteer names are dictionary words of the index's segmenter (B站, QQ群 stay whole)
    writer = engine.writer(work / "index", previous=current / "index" if current and not rebuild else None,
                           words=tuple(n for k in rules.known for n in (k.name, *k.aliases)),
                           timeout=settings.lock_timeout)
    articles = {} if rebuild else dict(manifest.articles)
    try:
        # Entities whose merged description must be re-derived (a rebuild of a shared remote store: all of them),
        # and what new articles say of entities, which usually only adds aliases (see update_entities).
        affected: set[str] = store.entity_iris() if rebuild else set()
        added: list[Entity] = []
        for article_id in [*report.removed, *(a.id for a in to_extract if a.id in articles)]:
            affected |= store.mentioned_entities(minter.article(article_id))
        summaries: Counter = Counter()  # what changed articles add to the summaries, less what they took away
        for article_id in report.removed:
            summaries.subtract(article_contributions(store, minter.article(article_id)))
            store.remove_article(minter.article(article_id))
            writer.delete(article_id)
            articles.pop(article_id, None)
        written: list[str] = []  # an article whose extraction failed keeps its previous version, if any
        checkpoint_at = len(to_extract) - INDEX_REST if len(to_extract) >= 2 * INDEX_REST else 0
        if to_extract:
            with store.bulk_loading():
                for n, extraction in enumerate(extractions, 1):
                    article = extraction.article
                    written.append(article.id)
                    if article.id in articles:  # what the version it replaces counted goes from the summaries
                        summaries.subtract(article_contributions(store, minter.article(article.id)))
                    triples = article_triples(extraction, minter)
                    quads = store.replace_article(minter.article(article.id), triples)
                    summaries.update(contributions(triples))
                    added += extraction.entities.values()
                    writer.replace(document_for(extraction))
                    articles[article.id] = gens.ArticleEntry(
                        hash=article.content_hash, title=article.title, source=article.source, date=article.date,
                        url=article.url, entities=len(extraction.entities), figures=len(extraction.figures),
                        quads=quads, author=article.author, site_name=article.site_name,
                        fetched_sha256=article.source_sha256, pages=list(article.pages) if article.pages else None)
                    progress(f"extracted {article.id}", n, len(to_extract))
                    if n == checkpoint_at:
                        writer.checkpoint()
        update_entities(store, minter, affected, added)
        # a rebuild recounts from the store: a shared remote store keeps the graphs of articles that failed
        update_summaries(store, minter, derive_all(store) if rebuild else summaries, reset=rebuild)
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    store.flush()
    if compact or (len(written) * 4 >= len(articles) and sum(a.quads for a in articles.values()) >= COMPACT_QUADS):
        progress("compacting the graph store", 0, 0)
        store.optimize()
    _verify(store, engine, work / "index", articles, minter, changed=written, removed=report.removed)
    # Totals from the manifest, not from a scan of the store: an update costs O(the change), not O(the store).
    totals = {"articles": len(articles), "entities": store.entity_count(),
              "quads": sum(a.quads for a in articles.values()),
              "figures": sum(a.figures for a in articles.values())}
    store.close()
    new_manifest = gens.Manifest(
        generation=gens.next_number(data_dir, manifest),
        created=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        model=settings.model,
        # The rules an ingest that re-derived everything used; a plain update keeps the old fingerprint so that
        # "a rebuild is due" keeps being said until one runs.
        rules=rules.fingerprint if rebuild or not manifest.articles else manifest.rules,
        format=DATA_FORMAT if rebuild or not manifest.articles else manifest.format,
        base_iri=settings.base_iri, articles=articles, totals=totals)
    gens.publish(data_dir, work, new_manifest, previous=None if rebuild else current)
    return new_manifest


@contextlib.contextmanager
def _early_extraction(settings: Settings, extractor, given) -> Iterator:
    """One extraction child started before the files are read, so that the model loads meanwhile (reading and
    cleaning 100 files took 0.6 s, all of it before the first extraction), or None where no articles are given
    or `_extractions` would start none (a Dask cluster; a given extractor beside other threads). Stopped at the
    end of the ingest, used or not: an ingest in which nothing changed loaded the model in vain (in a child,
    beside the reading)."""
    import threading

    from .extract import extract_in_processes

    if not given or settings.dask_scheduler or (extractor is not None and threading.active_count() > 1):
        yield None
        return
    early = extract_in_processes(settings.model, str(settings.rules_path), [], 1, timeout=settings.extract_timeout,
                                 extractor=extractor)
    try:
        yield early
    finally:
        early.close()


def _extractions(articles: list[Article], settings: Settings, rules, extractor, early=None):
    """Extractions in article order, from child processes that can be killed: each article runs under the
    budget `extract_timeout`, and one that overruns, crashes or raises is left out and listed in the
    iterator's `failures` (extract/supervised.py). Several workers for big batches only.

    A given `extractor` is inherited by forked children; when this process runs other threads it cannot be
    forked safely, and the given extractor runs here, without a budget (the command line never gives one).
    With `dask_scheduler` set, the batches go to that Dask cluster instead (cluster.py), where each worker has
    loaded the model; the failures and the order are the same.
    """
    import threading

    from .extract import extract_in_processes

    if settings.dask_scheduler:
        from .cluster import extract_on_cluster

        return extract_on_cluster(settings.dask_scheduler, settings.model, rules, articles,
                                  timeout=settings.extract_timeout)
    workers = settings.ingest_workers if len(articles) >= 4 * settings.ingest_workers else 1
    if early is not None:  # its child has been loading the model since before the files were read
        early.extend(articles, workers)
        return early
    if extractor is not None and threading.active_count() > 1:
        return extractor.extract_many(articles)
    return extract_in_processes(settings.model, str(settings.rules_path), articles, workers,
                                timeout=settings.extract_timeout, extractor=extractor)


def _verify(store: GraphStore, engine: SearchEngine, index_dir: Path, articles: dict, minter: Minter, changed: list[str],
            removed: list[str]) -> None:
    """Before publishing: the index holds one document per manifest entry, every changed article is in both
    graph store and index, and every removed one is in neither.

    O(the change): listing every named graph cost 0.1-0.2 s at 10,000 articles. `commgraph check` compares
    every id of a generation.
    """
    index = engine.open(index_dir)
    indexed, present = index.doc_count(), index.indexed([*changed, *removed])
    problems = [f"{a} not indexed" for a in changed if a not in present]
    problems += [f"{a} still indexed" for a in removed if a in present]
    graphs = store.present_graphs([str(minter.article(a)) for a in [*changed, *removed]])
    problems += [f"{a} has no graph" for a in changed if str(minter.article(a)) not in graphs]
    problems += [f"{a} still has a graph" for a in removed if str(minter.article(a)) in graphs]
    if indexed != len(articles):
        problems.insert(0, f"{indexed} index documents for {len(articles)} manifest entries")
    if problems:
        raise StoreError(f"generation check failed: {'; '.join(problems[:3])}; nothing was published, "
                         "run the ingest again")
