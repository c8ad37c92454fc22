"""Crash safety: SIGKILL an ingest at seeded random moments; the current generation always stays consistent."""

import os
import random
import signal
import subprocess
import sys
import threading
import time

from commgraph import generations as gens
from commgraph.check import check_generation
from commgraph.graph import EmbeddedStore
from commgraph.search import engine_from_settings
from commgraph.settings import Settings
from commgraph.pipeline import ingest
from commgraph.vocab import Minter

from conftest import FIXTURES, SEED


def ingest_process(settings, *paths):
    env = dict(os.environ, COMMGRAPH_DATA_DIR=str(settings.data_dir))
    return subprocess.Popen([sys.executable, "-m", "commgraph", "ingest", *map(str, paths)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def snapshot_ids(data_dir):
    """What a reader sees: article ids in graph and index of the generation `current` points to."""

    path = gens.current_path(data_dir)
    if path is None:
        return None
    manifest = gens.read_manifest(path)
    base = manifest.base_iri + "article/"
    graphs = {g[len(base):] for g in EmbeddedStore(path / "store", Minter(manifest.base_iri), read_only=True).article_graphs()}
    return graphs, engine_from_settings(Settings()).open(path / "index").article_ids(), set(manifest.articles)


def test_sigkill_at_random_points_never_tears(settings, extractor, tmp_path):
    ingest([SEED], settings, extractor=extractor)
    rng = random.Random(20150806)
    stop = threading.Event()
    mismatches, reads = [], [0]

    def reader():
        while not stop.is_set():
            seen = snapshot_ids(settings.data_dir)
            reads[0] += 1
            if seen and not (seen[0] == seen[1] == seen[2]):
                mismatches.append(seen)

    thread = threading.Thread(target=reader)
    thread.start()
    article = tmp_path / "variant.txt"
    try:
        for round_ in range(8):
            article.write_text(f"Variant {round_}\n\nTencent said QQ groups reached {round_ + 1}00 million users "
                               f"as of June 2015, and WeChat groups grew in Beijing.")
            process = ingest_process(settings, SEED, article, FIXTURES / "articles")
            time.sleep(rng.uniform(0.05, 2.5))
            process.send_signal(signal.SIGKILL)
            process.wait()
            assert check_generation(settings) == []
    finally:
        stop.set()
        thread.join()
    assert mismatches == [] and reads[0] > 0
    # A re-run after the last kill completes and lands everything.
    report = ingest([SEED, article, FIXTURES / "articles"], settings, extractor=extractor)
    assert not report.failed
    assert check_generation(settings) == []
    graphs, index_ids, manifest_ids = snapshot_ids(settings.data_dir)
    assert graphs == index_ids == manifest_ids and "variant" in manifest_ids
    leftovers = [p for p in gens.generations_dir(settings.data_dir).iterdir() if p.name.startswith("tmp-")]
    assert leftovers == []


def test_manifest_is_a_dataclass_that_writes_what_it_read(settings, extractor, tmp_path):
    """The manifest on disk reads into `Manifest` / `ArticleEntry` and writes back the same JSON (older
    generations keep opening); one that is not a manifest is named, with the file, by `damage`."""
    import json

    ingest([SEED, FIXTURES / "articles"], settings, extractor=extractor)
    current = gens.require_current(settings.data_dir)
    on_disk = json.loads((current / gens.MANIFEST).read_text())
    manifest = gens.read_manifest(current)
    assert isinstance(manifest, gens.Manifest) and manifest.to_json() == on_disk
    entry = next(iter(manifest.articles.values()))
    assert isinstance(entry, gens.ArticleEntry) and len(entry.hash) == 64 and entry.quads > 0
    assert manifest.files and manifest.base_iri == settings.base_iri and manifest.totals["articles"] == len(manifest.articles)
    # a manifest written before data format 7 (no files, no totals) still reads
    old = {k: v for k, v in on_disk.items() if k not in ("files", "totals")}
    assert gens.Manifest.from_json(old).files is None and "files" not in gens.Manifest.from_json(old).to_json()
    broken = tmp_path / "g000099"
    broken.mkdir()
    (broken / gens.MANIFEST).write_text(json.dumps({"generation": 99, "articles": {"a": {"title": "no hash"}}}))
    [problem] = gens.damage(broken)
    assert "g000099/manifest.json" in problem and "cannot be read" in problem


def test_checksums_of_linked_files_come_from_the_previous_manifests_files_alone(tmp_path, monkeypatch):
    """An update hashes only the files it wrote; the previous manifest is read for its `files` only (building
    its 11,000 article entries was ~0.1 s of adding one article to 10,000), so even entries that would not
    make a Manifest leave the recorded checksums usable."""
    import json

    previous, work = tmp_path / "g000001", tmp_path / "work"
    (previous / "store").mkdir(parents=True)
    (work / "store").mkdir(parents=True)
    (previous / "store" / "kept.sst").write_bytes(b"kept")
    os.link(previous / "store" / "kept.sst", work / "store" / "kept.sst")
    (work / "store" / "new.sst").write_bytes(b"new")
    recorded = gens.file_digests(previous)
    (previous / gens.MANIFEST).write_text(json.dumps({"articles": {"a": "not an entry"}, "files": recorded}))
    hashed = []
    real = gens._sha256
    monkeypatch.setattr(gens, "_sha256", lambda path: hashed.append(path.name) or real(path))
    digests = gens.file_digests(work, previous)
    assert hashed == ["new.sst"]
    assert digests["store/kept.sst"] == recorded["store/kept.sst"]
    assert digests == gens.file_digests(work)  # the same checksums as hashing every file
