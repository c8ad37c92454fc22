"""Ingest on a Dask cluster: a real LocalCluster over TCP on 127.0.0.1 with two worker processes (one for the
whole module: the machine is shared). The facts come back in article order and equal local extraction's;
per-article failures are reported as locally; a worker killed mid-ingest loses and doubles no article."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import time
from pathlib import Path

import dask
import distributed
import pytest
from click.testing import CliRunner

from commgraph import generations as gens
from commgraph.cli import main
from commgraph.errors import SettingsError
from commgraph.pipeline import ingest
from commgraph.settings import Settings

TUNE = Path(__file__).resolve().parent / "fixtures" / "eval" / "en" / "tune"
ZH_TUNE = TUNE.parent.parent / "zh" / "tune"
GOOD = "Tencent vice president Yin Yu said QQ groups reached {n}00 million monthly active users in June 2015."


@pytest.fixture(scope="module")
def cluster():
    """Scheduler and two single-threaded worker processes (each with a nanny that restarts it), on 127.0.0.1.

    A batch may lose one worker and run again; a second loss fails it (default: three), so that the test of an
    article that keeps killing its workers restarts four workers, not eight."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                     protocol="tcp", dashboard_address="127.0.0.1:0", silence_logs=50) as local:
        yield local


@pytest.fixture
def client(cluster):
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as connected:
        yield connected


def _real_articles(folder: Path, count: int) -> list[str]:
    """`count` English tune articles and a Chinese one (which the workers extract with jieba)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = sorted(TUNE.glob("*.txt"))[:count] + sorted(ZH_TUNE.glob("*.txt"))[:1]
    for path in paths:
        shutil.copy(path, folder / path.name)
    return sorted(path.stem for path in paths)


def _manifest(settings: Settings) -> dict:
    return gens.read_manifest(gens.require_current(settings.data_dir)).articles


class Troubles(distributed.WorkerPlugin):
    """Patches a step of extraction on every worker, restarted ones too; the forked children inherit it."""

    name = "test-troubles"

    def setup(self, worker) -> None:
        import commgraph.extract as extract_module

        real = self.real = extract_module.extract_figures

        def troubled_figures(doc, *args, **kwargs):
            if "Stallville" in doc.text:
                time.sleep(120)
            if "Crashtown" in doc.text:
                os.kill(os.getpid(), signal.SIGKILL)
            if "Raiseburg" in doc.text:
                raise ValueError("a rule met something it never saw")
            if "Workerkill" in doc.text:  # the worker process itself, not the extraction child
                os.kill(os.getppid(), signal.SIGKILL)
            return real(doc, *args, **kwargs)

        extract_module.extract_figures = troubled_figures

    def teardown(self, worker) -> None:
        import commgraph.extract as extract_module

        extract_module.extract_figures = self.real


@contextlib.contextmanager
def troubles(client):
    client.register_plugin(Troubles())
    try:
        yield
    finally:
        client.unregister_worker_plugin(Troubles.name)


def test_cluster_ingest_gives_the_local_facts_in_order_and_reports_failures_as_locally(tmp_path, cluster, client,
                                                                                        extractor):
    """Seven real articles (one Chinese) and three troubled ones on the cluster: the good ones land with the very facts a
    local ingest derives, written in input order; the one that hangs, the one that kills its process and the
    one that raises are reported with their file and step, as locally, and the workers live on."""
    folder = tmp_path / "in"
    ids = _real_articles(folder, 6)
    for name, town in (("c-stall", "Stallville"), ("d-crash", "Crashtown"), ("e-raise", "Raiseburg")):
        (folder / f"{ids[2]}-{name}.txt").write_text(f"{town} report\n\n{town} said WeChat reached 400 million "
                                                     "users in 2015.\n", encoding="utf-8")
    local = Settings.create(data_dir=tmp_path / "local", lock_timeout=1.0)
    on_cluster = Settings.create(data_dir=tmp_path / "cluster", lock_timeout=1.0, extract_timeout=8.0,
                                 dask_scheduler=cluster.scheduler_address)
    ingest([folder], local, extractor=extractor)  # the three test towns extract fine here: no troubles locally
    pids = client.run(os.getpid)
    written: list[str] = []
    with troubles(client):
        report = ingest([folder], on_cluster,
                        progress=lambda message, done, total: written.append(message.removeprefix("extracted "))
                        if message.startswith("extracted ") else None)
    assert sorted(report.added) == ids and written == ids  # in input order, each once
    failed = {f.path.rsplit("/", 1)[-1]: f for f in report.failed}
    assert set(failed) == {f"{ids[2]}-c-stall.txt", f"{ids[2]}-d-crash.txt", f"{ids[2]}-e-raise.txt"}
    stall = failed[f"{ids[2]}-c-stall.txt"]
    assert "c-stall.txt: extraction took longer than 8 s (setting extract_timeout)" in stall.message
    assert "troubled_figures" in stall.step and "doc_to_extraction" in stall.step
    assert "died (killed by signal SIGKILL)" in failed[f"{ids[2]}-d-crash.txt"].message
    assert "ValueError: a rule met something it never saw" in failed[f"{ids[2]}-e-raise.txt"].message
    assert "troubled_figures" in failed[f"{ids[2]}-e-raise.txt"].step
    # The same facts as local extraction: entities, figures and quads of every article, and the totals.
    local_articles, cluster_articles = _manifest(local), _manifest(on_cluster)
    assert {a: cluster_articles[a] for a in ids} == {a: local_articles[a] for a in ids}
    assert set(cluster_articles) == set(ids)
    assert client.run(os.getpid) == pids  # the crash killed an extraction child, never a worker
    # The failed ones are not stored: the next ingest on the cluster extracts just them.
    again = ingest([folder], on_cluster)
    assert len(again.added) == 3 and not again.failed and sorted(again.unchanged) == ids


def test_a_worker_killed_mid_ingest_loses_and_doubles_no_article(tmp_path, cluster, client):
    """SIGKILL one worker process while it extracts a batch: the scheduler runs its batches again on the
    restarted worker or the other one, and the generation holds every article exactly once."""
    folder = tmp_path / "in"
    folder.mkdir()
    ids = [f"a{n:02d}" for n in range(24)]
    for n, article_id in enumerate(ids):
        (folder / f"{article_id}.txt").write_text(f"Report {n}\n\n{GOOD.format(n=n + 1)} {GOOD.format(n=n + 2)}\n",
                                                  encoding="utf-8")
    settings = Settings.create(data_dir=tmp_path / "data", lock_timeout=1.0, dask_scheduler=cluster.scheduler_address)
    before = client.run(os.getpid)
    killed: list[str] = []
    written: list[str] = []

    def progress(message: str, done: int, total: int) -> None:
        if not message.startswith("extracted "):
            return
        written.append(message.removeprefix("extracted "))
        if not killed:
            busy = [worker for worker, keys in client.processing().items() if keys]
            assert busy, "no worker was extracting: the kill would test nothing"
            os.kill(before[busy[0]], signal.SIGKILL)
            killed.append(busy[0])

    report = ingest([folder], settings, progress=progress)
    assert killed
    assert sorted(report.added) == ids and not report.failed
    assert written == ids  # each article written once, in order
    assert sorted(_manifest(settings)) == ids
    assert report.articles == 24
    client.wait_for_workers(2, timeout=60)
    after = client.run(os.getpid)
    assert before[killed[0]] not in after.values()  # the worker really died (its nanny started a new one)


def test_an_article_that_keeps_killing_its_workers_fails_alone_and_its_batch_lands(tmp_path, cluster, client):
    """An article whose extraction kills the worker process: its batch runs again, then each of its articles
    alone; that one is reported as failed in step extract, the others land once and in order."""
    folder = tmp_path / "in"
    folder.mkdir()
    ids = [f"k{n:02d}" for n in range(12)]  # batches of two: the killer shares one with k06
    for n, article_id in enumerate(ids):
        (folder / f"{article_id}.txt").write_text(f"Report {n}\n\n{GOOD.format(n=n + 1)}\n", encoding="utf-8")
    (folder / "k05-x.txt").write_text("Workerkill report\n\nWorkerkill said QQ reached 9 million users.\n",
                                      encoding="utf-8")
    settings = Settings.create(data_dir=tmp_path / "data", lock_timeout=1.0, dask_scheduler=cluster.scheduler_address)
    written: list[str] = []
    with troubles(client):
        report = ingest([folder], settings, progress=lambda message, done, total: written.append(
            message.removeprefix("extracted ")) if message.startswith("extracted ") else None)
    assert sorted(report.added) == ids and written == ids
    assert [f.path.rsplit("/", 1)[-1] for f in report.failed] == ["k05-x.txt"]
    failure = report.failed[0]
    assert failure.step == "extract" and "k05-x.txt: the Dask workers extracting it died" in failure.message
    assert sorted(_manifest(settings)) == ids
    client.wait_for_workers(2, timeout=60)


def test_cluster_setting_errors_name_the_setting_and_what_to_do(tmp_path, cluster, monkeypatch):
    """A malformed address, an unreachable scheduler, a model the workers lack: one clear line, exit 1, nothing
    published."""
    with pytest.raises(SettingsError, match=r"dask_scheduler \(COMMGRAPH_DASK_SCHEDULER\) must be a Dask scheduler"):
        Settings.create(dask_scheduler="127.0.0.1:8786")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "one.txt").write_text(f"One\n\n{GOOD.format(n=1)}\n", encoding="utf-8")
    import commgraph.cluster

    monkeypatch.setattr(commgraph.cluster, "CONNECT_TIMEOUT", 1.0)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    data = tmp_path / "data"
    result = CliRunner().invoke(main, ["--data-dir", str(data), "--dask-scheduler", f"tcp://127.0.0.1:{port}",
                                       "ingest", str(folder)])
    assert result.exit_code == 1
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port} (setting dask_scheduler)" in result.output
    assert "unset COMMGRAPH_DASK_SCHEDULER" in result.output and "Traceback" not in result.output
    assert gens.current_target(data) is None
    missing = Settings.create(data_dir=data, model="en_core_web_sm_not_installed",
                              dask_scheduler=cluster.scheduler_address)
    with pytest.raises(SettingsError, match="a Dask worker of tcp://127.0.0.1:.* cannot load the model"):
        ingest([folder], missing)
    assert gens.current_target(data) is None
