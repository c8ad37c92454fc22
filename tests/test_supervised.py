"""No article can stall or sink a batch: extraction in killable child processes under a time budget."""

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import commgraph.extract as extract_module
from commgraph import generations as gens
from commgraph.cli import main
from commgraph.pipeline import ingest
from commgraph.settings import Settings

GOOD = "Tencent vice president Yin Yu said QQ groups reached {n}00 million monthly active users in June 2015."


def _write(folder, name, body):
    (folder / name).write_text(f"{name.split('.')[0]} report\n\n{body}\n", encoding="utf-8")


def _fork_even_beside_threads(monkeypatch):
    """The patched step reaches the child only by fork. With another thread alive (a session fixture's) ingest
    would extract a given extractor in this process instead: a test of the child forks regardless."""
    monkeypatch.setattr(threading, "active_count", lambda: 1)


def _stored(settings):
    return sorted(gens.read_manifest(gens.require_current(settings.data_dir)).articles)


def test_a_hanging_a_crashing_and_a_failing_article_are_reported_while_the_rest_lands(tmp_path, extractor,
                                                                                       monkeypatch):
    """One figures step that sleeps, one that kills its process, one that raises: each is cut off or caught in
    the real child process and reported with its file and step; the articles around them land."""
    real = extract_module.extract_figures

    def troubled_figures(doc, *args, **kwargs):
        if "Stallville" in doc.text:
            time.sleep(120)
        if "Crashtown" in doc.text:
            os.kill(os.getpid(), signal.SIGKILL)
        if "Raiseburg" in doc.text:
            raise ValueError("a rule met something it never saw")
        return real(doc, *args, **kwargs)

    monkeypatch.setattr(extract_module, "extract_figures", troubled_figures)
    folder = tmp_path / "in"
    folder.mkdir()
    _write(folder, "a-good.txt", GOOD.format(n=1))
    _write(folder, "b-stall.txt", "Stallville said QQ groups reached 300 million users in 2015.")
    _write(folder, "c-crash.txt", "Crashtown said WeChat reached 400 million users in 2015.")
    _write(folder, "d-raise.txt", "Raiseburg said Weibo reached 500 million users in 2015.")
    _write(folder, "e-good.txt", GOOD.format(n=2))
    settings = Settings.create(data_dir=tmp_path / "data", extract_timeout=3.0, lock_timeout=1.0)
    _fork_even_beside_threads(monkeypatch)
    started = time.monotonic()
    report = ingest([folder], settings, extractor=extractor)
    assert time.monotonic() - started < 60
    assert sorted(report.added) == ["a-good", "e-good"]
    assert _stored(settings) == ["a-good", "e-good"]
    failed = {f.path.rsplit("/", 1)[-1]: f for f in report.failed}
    assert set(failed) == {"b-stall.txt", "c-crash.txt", "d-raise.txt"}
    stall = failed["b-stall.txt"]
    assert "b-stall.txt: extraction took longer than 3 s (setting extract_timeout)" in stall.message
    assert "troubled_figures" in stall.step and "doc_to_extraction" in stall.step
    assert "died (killed by signal SIGKILL)" in failed["c-crash.txt"].message
    assert "ValueError: a rule met something it never saw" in failed["d-raise.txt"].message
    assert "troubled_figures" in failed["d-raise.txt"].step
    # The failed ones are not stored, so the next ingest tries them again; the good ones are unchanged.
    monkeypatch.setattr(extract_module, "extract_figures", real)
    again = ingest([folder], settings, extractor=extractor)
    assert sorted(again.added) == ["b-stall", "c-crash", "d-raise"] and not again.failed


def test_an_article_over_budget_is_stopped_in_a_real_child_and_the_command_reports_it(tmp_path):
    """The command-line path, no patching: the model loads in the child, a long article overruns a small
    budget for real, the short ones beside it land; the printed report and --report FILE name the file."""
    folder = tmp_path / "in"
    folder.mkdir()
    paragraph = ("Tencent vice president Yin Yu said QQ groups reached 380 million monthly active users, and "
                 "Momo said its revenue grew to US$2 billion as WeChat and Weibo competed in Beijing. ")
    _write(folder, "long.txt", "\n\n".join(paragraph * 3 for _ in range(150)))  # ~80,000 characters
    for n in range(3):
        _write(folder, f"short-{n}.txt", GOOD.format(n=n + 1))
    report_file = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "data"), "--extract-timeout", "1.5",
                                       "ingest", str(folder), "--report", str(report_file)], catch_exceptions=False)
    assert result.exit_code == 1
    assert "long.txt: extraction took longer than 1.5 s (setting extract_timeout)" in result.output
    assert "added  3" in result.output and "failed  1" in result.output
    written = json.loads(report_file.read_text())
    assert sorted(written["added"]) == ["short-0", "short-1", "short-2"]
    assert [f["path"].rsplit("/", 1)[-1] for f in written["failed"]] == ["long.txt"]
    assert written["failed"][0]["step"]


def test_worker_processes_keep_the_budget_and_the_order(tmp_path, extractor, monkeypatch):
    """Two workers: the stalled article is stopped, the others come out in article order and all land."""
    real = extract_module.extract_figures

    def stalling(doc, *args, **kwargs):
        if "Stallville" in doc.text:
            time.sleep(120)
        return real(doc, *args, **kwargs)

    monkeypatch.setattr(extract_module, "extract_figures", stalling)
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(9):
        _write(folder, f"a{n}.txt", GOOD.format(n=n + 1) if n != 4 else "Stallville said QQ grew 5% in 2015.")
    settings = Settings.create(data_dir=tmp_path / "data", extract_timeout=3.0, ingest_workers=2)
    _fork_even_beside_threads(monkeypatch)
    report = ingest([folder], settings, extractor=extractor)
    assert report.added == [f"a{n}" for n in range(9) if n != 4]
    assert [f.path.rsplit("/", 1)[-1] for f in report.failed] == ["a4.txt"]


def test_closing_stops_the_children_even_when_one_hangs(settings, extractor, monkeypatch):
    from commgraph.extract import extract_in_processes
    from commgraph.sources import Article

    monkeypatch.setattr(extract_module, "extract_figures", lambda *a, **k: time.sleep(120))
    articles = [Article(id=f"a{n}", title="A", body="Tencent said QQ groups grew 5% in 2015.", source=f"a{n}.txt")
                for n in range(3)]
    extractions = extract_in_processes(settings.model, str(settings.rules_path), articles, 2, timeout=60,
                                       extractor=extractor)
    children = list(extractions._children)
    time.sleep(0.5)
    started = time.monotonic()
    extractions.close()
    assert time.monotonic() - started < 10
    assert not any(child.process.is_alive() for child in children)


def test_the_child_extracts_on_while_the_parent_is_not_reading(settings, extractor, monkeypatch):
    """A parent busy writing an article out does not hold the child up: with extractions bigger than the pipe
    holds (64 KB), the child goes on to the third article before the parent has read the second."""
    import pickle

    from commgraph.extract import extract_in_processes
    from commgraph.sources import Article

    asked = settings.data_dir.parent / "asked"
    real = extractor.extract_many

    def extract_many(articles):
        for n, extraction in enumerate(real(articles), 1):
            yield extraction
            asked.write_text(str(n))  # the child came back for the next one: it has handed article n over

    monkeypatch.setattr(extractor, "extract_many", extract_many)
    body = " ".join(GOOD.format(n=n % 9 + 1) for n in range(400))
    articles = [Article(id=f"big{n}", title="Big report", body=body, source=f"big{n}.txt") for n in range(3)]
    extractions = extract_in_processes(settings.model, str(settings.rules_path), articles, 1, timeout=120,
                                       extractor=extractor)
    try:
        first = next(extractions)  # from here on this process reads nothing until the child has asked again
        assert len(pickle.dumps(first)) > 1 << 16
        deadline = time.monotonic() + 60
        while (not asked.exists() or asked.read_text() != "2") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert asked.read_text() == "2", "the child waited for this process to read its second extraction"
        assert [first.article.id, *(e.article.id for e in extractions)] == ["big0", "big1", "big2"]
        assert not extractions.failures
    finally:
        extractions.close()


@pytest.mark.parametrize("limit", [50, 1000])
def test_pieces_join_back_to_the_text(limit):
    from commgraph.extract.pieces import split_pieces

    text = ("First paragraph, short.\n\nSecond one is a little longer than that.\nA line.\n\n"
            + "x" * 1500 + " tail words here. And more." * 20)
    pieces = split_pieces(text, limit)
    assert "".join(pieces) == text
    assert all(len(p) <= limit for p in pieces)
    assert pieces[0].endswith("\n\n")


def test_an_article_extracted_in_pieces_keeps_its_offsets_and_nearly_all_its_facts(extractor):
    """The seed article cut into pieces of about 2,000 characters: the joined facts point at the body's text,
    and nearly all are those of the one-Doc extraction (a piece misses only aliases from earlier pieces)."""
    from commgraph.extract.pieces import extract_in_pieces
    from commgraph.sources import read_path

    from conftest import SEED

    article = read_path(SEED)[0]
    whole = extractor.extract(article)
    joined = extract_in_pieces(article, extractor._extract_alone, limit=2000)
    for item in [*joined.sentences, *joined.mentions, *joined.figures, *joined.quotes]:
        assert article.body[item.start:item.end] == item.text
    assert [s.index for s in joined.sentences] == list(range(len(joined.sentences)))
    assert all(joined.sentences[m.sentence].start <= m.start < joined.sentences[m.sentence].end
               for m in joined.mentions)
    same = {(f.start, f.text) for f in whole.figures} & {(f.start, f.text) for f in joined.figures}
    assert len(same) >= 0.9 * len(whole.figures)
    assert set(joined.entities) >= {m.entity for m in joined.mentions}


def test_a_killed_ingest_leaves_no_child_behind_holding_the_lock(tmp_path):
    """SIGKILL the ingest while its child hangs on an article: the child dies with it, and the next ingest
    gets the lock at once."""
    import subprocess
    import sys

    folder = tmp_path / "in"
    folder.mkdir()
    _write(folder, "stall.txt", "Stallville said QQ groups reached 300 million users in 2015.")
    script = tmp_path / "hang.py"
    script.write_text(f"""
import time
import commgraph.extract as extract_module
from commgraph.pipeline import ingest
from commgraph.settings import Settings
real = extract_module.extract_figures
def stall(doc, *args, **kwargs):
    print("stalling", flush=True)
    time.sleep(300)
extract_module.extract_figures = stall
ingest([{str(folder)!r}], Settings.create(data_dir={str(tmp_path / 'data')!r}, extract_timeout=300))
""")
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    with process.stdout:
        assert process.stdout.readline().strip() == "stalling"  # printed by the child, inside the extraction
        children = [int(p) for p in Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()]
        assert children
        process.kill()
        process.wait(10)

    def alive(pid):
        try:
            return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
        except OSError:
            return False

    deadline = time.monotonic() + 10
    while any(alive(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(c) for c in children)
    with gens.ingest_lock(tmp_path / "data", timeout=0.5):
        pass
