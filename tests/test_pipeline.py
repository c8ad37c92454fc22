"""Ingest: idempotent, incremental, removal, bad input, one writer; all on a real store and index."""

import contextlib
import json
import shutil
import threading

import pytest

from commgraph import generations as gens
from commgraph.errors import IngestLocked
from commgraph.graph import EmbeddedStore
from commgraph.pipeline import ingest
from commgraph.vocab import Minter

from conftest import FIXTURES, SEED, SEED_ID


def quads(settings) -> set:
    store = EmbeddedStore(gens.require_current(settings.data_dir) / "store", Minter(settings.base_iri), read_only=True)
    return {str(q) for q in store.ox.quads_for_pattern(None, None, None)}


def hits(settings, text):
    from commgraph.search import SearchRequest, engine_from_settings

    index = engine_from_settings(settings).open(gens.require_current(settings.data_dir) / "index")
    return [h.id for h in index.search(SearchRequest(text)).hits]


def test_ingest_twice_equals_once(settings, extractor):
    first = ingest([SEED], settings, extractor=extractor)
    assert first.added == [SEED_ID] and first.generation == 1
    before = quads(settings)
    second = ingest([SEED], settings, extractor=extractor)
    assert second.unchanged == [SEED_ID] and second.generation is None
    assert quads(settings) == before
    assert hits(settings, "interest tribes") == [SEED_ID]
    assert hits(settings, "vampire") == []  # teaser-only word


def test_edit_changes_only_that_article(settings, extractor, tmp_path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    shutil.copy(SEED, corpus)
    shutil.copy(FIXTURES / "articles" / "test-fixture-community-report.json", corpus)
    ingest([corpus], settings, extractor=extractor)
    seed_graph = {q for q in quads(settings) if f"/article/{SEED_ID}>" in q.split(" ")[-1] or SEED_ID in q}
    edited = corpus / "test-fixture-community-report.json"
    edited.write_text(edited.read_text().replace("260 million users of Weibo", "270 million users of Douban"))
    report = ingest([corpus], settings, extractor=extractor)
    assert report.updated == ["test-fixture-community-report"] and report.unchanged == [SEED_ID]
    after = quads(settings)
    assert seed_graph <= after
    assert any("270 million" in q for q in after) and not any("260 million" in q for q in after)
    assert hits(settings, "douban") and "test-fixture-community-report" in hits(settings, "douban")


def test_remove_retracts_facts_hits_and_orphan_entities(settings, extractor):
    ingest([SEED, FIXTURES / "articles"], settings, extractor=extractor)
    assert any("entity/product/momo" in q for q in quads(settings))
    report = ingest([], settings, remove=[SEED_ID, "test-fixture-qq-tribes-followup"], extractor=extractor)
    assert sorted(report.removed) == sorted([SEED_ID, "test-fixture-qq-tribes-followup"])
    remaining = quads(settings)
    assert not any(SEED_ID in q for q in remaining)
    assert not any("entity/product/momo" in q for q in remaining)  # only those two articles mentioned Momo
    assert any("entity/organization/penguin-intelligence" in q for q in remaining)  # still supported
    assert hits(settings, "interest tribes") == []


def test_remove_unknown_id_fails_clearly(settings, extractor):
    ingest([SEED], settings, extractor=extractor)
    report = ingest([], settings, remove=["no-such-article"], extractor=extractor)
    assert report.failed and "no-such-article" in report.failed[0].message
    assert report.generation is None


def test_bad_files_are_reported_and_the_rest_lands(settings, extractor, tmp_path):
    ingest([SEED], settings, extractor=extractor)
    before = quads(settings)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.txt").write_bytes(b"\x00\x01\x02\x03")
    (bad / "broken.json").write_text("{nope")
    (bad / "huge.txt").write_text("Title\n\n" + "word " * 2_000_000)
    shutil.copy(FIXTURES / "articles" / "test-fixture-community-report.json", bad)
    report = ingest([bad, tmp_path / "missing.txt"], settings, extractor=extractor)
    failed = {f.path.rsplit("/", 1)[-1]: f.message for f in report.failed}
    assert set(failed) == {"empty.txt", "binary.txt", "broken.json", "huge.txt", "missing.txt"}
    assert "empty" in failed["empty.txt"] and "binary" in failed["binary.txt"]
    assert "malformed JSON" in failed["broken.json"] and "limit" in failed["huge.txt"]
    assert "no such file" in failed["missing.txt"]
    assert report.added == ["test-fixture-community-report"]
    summaries = f"<{Minter(settings.base_iri).summaries_graph()}>"  # whose counts grow with the new article
    assert {q for q in before if not q.endswith(summaries)} <= quads(settings)  # nothing already stored was lost


@contextlib.contextmanager
def lock_held_elsewhere(data_dir):
    """Another ingest's lock, held by a thread until the block ends."""
    holding, release = threading.Event(), threading.Event()

    def hold_lock():
        with gens.ingest_lock(data_dir, timeout=1):
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=hold_lock)
    thread.start()
    holding.wait(5)
    try:
        yield
    finally:
        release.set()
        thread.join()


def test_one_writer_at_a_time(settings, extractor):
    ingest([SEED], settings, extractor=extractor)
    with lock_held_elsewhere(settings.data_dir):
        with pytest.raises(IngestLocked, match="ingest already running"):
            ingest([FIXTURES / "articles"], settings, extractor=extractor)
    assert ingest([FIXTURES / "articles"], settings, extractor=extractor).added


def test_rules_change_says_rebuild_is_due(settings, extractor, tmp_path):
    rules_dir = tmp_path / "rules"
    shutil.copytree(settings.rules_path, rules_dir)
    custom = settings.__class__.create(data_dir=settings.data_dir, rules_dir=str(rules_dir), lock_timeout=1.0)
    ingest([SEED], custom, extractor=extractor)
    with (rules_dir / "curation.toml").open("a") as handle:
        handle.write('\n[[merge]]\nname = "Yin Yu"\ntype = "Person"\naliases = ["Y. Yu"]\n')
    report = ingest([SEED], custom, extractor=extractor)
    assert report.rebuild_due and "--rebuild" in report.rebuild_due
    rebuilt = ingest([SEED], custom, rebuild=True, extractor=extractor)
    assert rebuilt.updated == [SEED_ID] and rebuilt.rebuild_due is None
    assert ingest([SEED], custom, extractor=extractor).rebuild_due is None


def test_generations_are_collected(settings, extractor, tmp_path):
    article = tmp_path / "a.txt"
    for n in range(5):
        article.write_text(f"Title {n}\n\nTencent launched QQ groups version {n} with more than {n + 1},000 users.")
        ingest([article], settings, extractor=extractor)
    finished = sorted(p.name for p in gens.generations_dir(settings.data_dir).iterdir())
    assert len(finished) == settings.keep_generations
    assert gens.current_path(settings.data_dir).name == finished[-1]


def test_two_worker_processes_give_the_same_graph(tmp_path, extractor):
    """ingest_workers=2 extracts in spawned processes; the quads are the same as in one process."""
    from commgraph.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(8):
        (corpus / f"a{n}.txt").write_text(f"Article {n}\n\nTencent vice president Yin Yu said QQ groups reached "
                                          f"{n + 1}00 million monthly active users as of June 2015.")
    one = Settings.create(data_dir=tmp_path / "one")
    two = Settings.create(data_dir=tmp_path / "two", ingest_workers=2)
    ingest([corpus], one, extractor=extractor)
    report = ingest([corpus], two)
    assert len(report.added) == 8
    assert quads(one) == quads(two)


def test_the_index_written_out_before_the_last_articles_holds_what_one_commit_writes(tmp_path, extractor,
                                                                                      monkeypatch):
    """Ingest writes the index's documents so far out while the last INDEX_REST articles are extracted: the
    published index holds the same documents, stored fields and postings as one written in one commit."""
    from whoosh import index as whoosh_index

    from commgraph import pipeline
    from commgraph.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    count = 2 * pipeline.INDEX_REST + 3
    for n in range(count):
        (corpus / f"a{n:02d}.txt").write_text(f"Article {n}\n\nTencent vice president Yin Yu said QQ groups reached "
                                              f"{n + 1}00 million monthly active users as of June {2000 + n}.")

    def written(name: str) -> tuple:
        settings = Settings.create(data_dir=tmp_path / name)
        assert len(ingest([corpus], settings, extractor=extractor).added) == count
        ix = whoosh_index.open_dir(str(gens.require_current(settings.data_dir) / "index"))
        with ix.searcher() as searcher:
            reader = searcher.reader()
            ids = {n: fields["id"] for n, fields in reader.iter_docs()}
            postings = {term: sorted((ids[d], w) for d, w in reader.postings(*term).items_as("weight"))
                        for term in reader.all_terms()}
            return list(searcher.all_stored_fields()), postings, len(reader.leaf_readers()), quads(settings)

    parted = written("parted")
    monkeypatch.setattr(pipeline, "INDEX_REST", 100)  # more than the articles: one commit at the end
    whole = written("whole")
    assert parted[2] == 2 and whole[2] == 1
    assert parted[0] == whole[0] and parted[1] == whole[1] and parted[3] == whole[3]


def test_a_directory_with_thousands_of_files(settings, extractor, tmp_path):
    """Thousands of files: unsupported ones are skipped, bad ones reported one line each, the good one lands."""
    folder = tmp_path / "dump"
    folder.mkdir()
    for n in range(1500):
        (folder / f"capture-{n}.log").write_text("not an article")
    for n in range(600):
        (folder / f"empty-{n:04d}.txt").write_text("")
    (folder / "real.txt").write_text("Real article\n\nTencent said QQ groups reached 380 million users.")
    report = ingest([folder], settings, extractor=extractor)
    assert report.added == ["real"]
    assert len(report.failed) == 600 and all("empty" in f.message for f in report.failed)


def test_rebuild_without_the_files_uses_the_stored_text(settings, extractor):
    ingest([SEED, FIXTURES / "articles"], settings, extractor=extractor)
    before = quads(settings)
    report = ingest([], settings, rebuild=True, extractor=extractor)
    assert sorted(report.updated) == sorted([SEED_ID, "test-fixture-community-report", "test-fixture-qq-tribes-followup"])
    assert quads(settings) == before


def test_a_generation_that_lost_an_article_is_not_published(settings, extractor, monkeypatch, tmp_path):
    """The pre-publish check: a changed article without its graph, or a removed one still there, stops the
    ingest with a clear error and leaves the current generation as it was."""
    from commgraph.errors import StoreError

    ingest([SEED], settings, extractor=extractor)
    before = gens.require_current(settings.data_dir)
    other = tmp_path / "other.txt"
    other.write_text("Other\n\nTencent said QQ groups grew.\n")
    real_replace = EmbeddedStore.replace_article
    monkeypatch.setattr(EmbeddedStore, "replace_article",
                        lambda self, name, triples: 0 if "other" in str(name) else real_replace(self, name, triples))
    with pytest.raises(StoreError, match="other has no graph.*nothing was published"):
        ingest([other], settings, extractor=extractor)
    assert gens.require_current(settings.data_dir) == before
    monkeypatch.setattr(EmbeddedStore, "remove_article", lambda self, name: None)
    with pytest.raises(StoreError, match=f"{SEED_ID} still has a graph"):
        ingest([], settings, remove=[SEED_ID], extractor=extractor)
    assert gens.require_current(settings.data_dir) == before
    assert hits(settings, "tribes") == [SEED_ID]


def test_worker_processes_start_at_once_and_stop_on_close_even_unread(settings):
    """Workers start before the generation is set up (the model loads meanwhile); closing the iterator, as a
    failed ingest does, stops them even if no extraction was read, instead of leaving them extracting on."""
    import multiprocessing

    from commgraph.extract import extract_in_processes
    from commgraph.sources import Article

    articles = [Article(id=f"a{n}", title=f"A{n}", body="Tencent said QQ groups grew.", source=f"a{n}.txt")
                for n in range(16)]
    before = {p.pid for p in multiprocessing.active_children()}
    extractions = extract_in_processes(settings.model, str(settings.rules_path), articles, 2)
    started = {p.pid for p in multiprocessing.active_children()} - before
    assert len(started) == 2
    extractions.close()
    assert not started & {p.pid for p in multiprocessing.active_children()}


def test_the_model_loads_while_the_files_are_read_and_stops_when_nothing_changed(settings, extractor, monkeypatch):
    """The extraction child starts before the files are read (reading and cleaning 100 files took 0.6 s, all of
    it before the first extraction); an ingest in which nothing changed stops it as well."""
    import multiprocessing

    monkeypatch.setattr(threading, "active_count", lambda: 1)  # fork beside a session fixture's thread too
    before = {p.pid for p in multiprocessing.active_children()}
    seen = []

    def progress(message, done, total):
        if message.startswith("reading"):
            seen.append(len({p.pid for p in multiprocessing.active_children()} - before))

    assert ingest([SEED], settings, extractor=extractor, progress=progress).added == [SEED_ID]
    assert ingest([SEED], settings, extractor=extractor, progress=progress).unchanged == [SEED_ID]
    assert seen == [1, 1]
    assert not {p.pid for p in multiprocessing.active_children()} - before


def test_workers_are_spawned_and_agree_when_other_threads_run(settings, extractor):
    """With another thread alive (a server, a test runner) workers are spawned, not forked; they extract the
    same as this process does."""
    import threading

    from commgraph.extract import extract_in_processes
    from commgraph.sources import Article

    articles = [Article(id=f"a{n}", title=f"A{n}", source=f"a{n}.txt",
                        body=f"Tencent vice president Yin Yu said QQ groups reached {n + 1}00 million users.")
                for n in range(8)]
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        extractions = extract_in_processes(settings.model, str(settings.rules_path), articles, 2)
        spawned = list(extractions)
        extractions.close()
    finally:
        stop.set()
        other.join()

    def summary(items):
        return [(x.article.id, sorted(x.entities), [f.text for f in x.figures], [r.title for r in x.roles])
                for x in items]

    assert summary(spawned) == summary(extractor.extract_many(articles))


def test_a_json_list_lands_its_good_records_and_reports_each_bad_one_by_index(settings, extractor, tmp_path):
    records = [{"title": "First", "body": "Tencent said QQ groups reached 380 million users in 2015."},
               {"title": "No body"},
               {"title": "Third", "body": "Momo said it had 100 million monthly active users in 2016."},
               "not an object"]
    listing = tmp_path / "list.json"
    listing.write_text(json.dumps(records))
    report = ingest([listing], settings, extractor=extractor)
    assert report.added == ["list-1", "list-3"]
    failed = {f.path.rsplit("/", 1)[-1]: f.message for f in report.failed}
    assert set(failed) == {"list.json[1]", "list.json[3]"}
    assert failed["list.json[1]"].endswith("list.json[1]: no 'body' (or 'text'/'content') string; add the article text")
    assert "list.json[3]: not an object" in failed["list.json[3]"]


def test_an_article_over_a_million_characters_ingests_and_an_over_cap_file_fails_alone(settings, extractor, tmp_path):
    """spaCy refuses one Doc over 1,000,000 characters (E088): the body is parsed in pieces of paragraphs, the
    offsets of the joined Doc are the body's, and the file over max_article_bytes beside it fails by itself."""
    import random

    from commgraph.sources import read_path

    rng = random.Random(15)
    folder = tmp_path / "in"
    folder.mkdir()
    paragraphs = [f"Tencent said QQ groups reached {n + 1} million users in {2000 + n % 20}. Attachment: "
                  + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(2000))
                  for n in range(500)]
    (folder / "long.txt").write_text("A long report\n\n" + "\n\n".join(paragraphs))
    (folder / "over-cap.txt").write_text("Too big\n\n" + "word " * 1_000_001)
    (folder / "short.txt").write_text("Short\n\nMomo said it had 100 million monthly active users in 2016.")
    report = ingest([folder], settings, extractor=extractor)
    assert sorted(report.added) == ["long", "short"]
    assert [(f.path.rsplit("/", 1)[-1], "over the limit" in f.message) for f in report.failed] == [("over-cap.txt", True)]
    article = read_path(folder / "long.txt")[0]
    assert len(article.body) > 1_000_000
    extraction = extractor.extract(article)
    assert len(extraction.figures) >= 450 and extraction.figures[-1].start > 1_000_000
    for item in [*extraction.figures, *extraction.mentions, *extraction.sentences]:
        assert article.body[item.start:item.end] == item.text
    assert hits(settings, "attachment") == ["long"]


def test_a_second_concurrent_ingest_exits_with_its_own_status(tmp_path):
    """Scripts tell "another ingest is running" (75, documented in the README) from a failure (1)."""
    from click.testing import CliRunner

    from commgraph.cli import EXIT_LOCKED, main

    data = tmp_path / "data"
    with lock_held_elsewhere(data):
        result = CliRunner().invoke(main, ["--data-dir", str(data), "--lock-timeout", "0.3", "ingest",
                                           str(FIXTURES / "articles")])
    assert result.exit_code == EXIT_LOCKED == 75
    assert "ingest already running" in result.output


def test_compact_publishes_the_same_graph_in_compacted_files(settings, extractor, monkeypatch):
    """`ingest --compact` with nothing to change still publishes a generation, its store compacted, holding
    exactly the quads and index of the one before; a plain re-ingest of nothing publishes none."""
    from commgraph.check import check_generation

    ingest([SEED], settings, extractor=extractor)
    before = quads(settings)
    calls = []
    original = EmbeddedStore.optimize
    monkeypatch.setattr(EmbeddedStore, "optimize", lambda self: (calls.append(1), original(self)))
    assert ingest([], settings, extractor=extractor).generation is None and not calls
    report = ingest([], settings, extractor=extractor, compact=True)
    assert report.generation == 2 and calls == [1]
    assert quads(settings) == before and hits(settings, "interest tribes") == [SEED_ID]
    assert check_generation(settings, shacl=False) == []
