"""The command line: thin commands over the library, clear errors, non-zero exits."""

import json
import os
import resource
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from commgraph.cli import main

from conftest import FIXTURES, ROOT, SEED, SEED_ID


def run(*args, input=None, data_dir=None):
    options = ["--data-dir", str(data_dir)] if data_dir else []
    return CliRunner().invoke(main, [*options, *args], input=input, catch_exceptions=False)


def test_ingest_stdin_bad_file_report_and_exit_code(tmp_path):
    data = tmp_path / "data"
    bad = tmp_path / "broken.json"
    bad.write_text("{oops")
    text = "Momo and WeChat compete\n\nMomo said WeChat groups have more than 500 million users in China."
    result = run("ingest", "-", str(bad), input=text, data_dir=data)
    assert result.exit_code == 1
    assert "broken.json: malformed JSON" in result.output
    assert "added  1" in result.output
    report = json.loads((data / "last-ingest.json").read_text())
    assert report["added"] == ["momo-and-wechat-compete"] and report["failed"][0]["path"].endswith("broken.json")
    again = run("ingest", "-", input=text, data_dir=data)
    assert again.exit_code == 0 and "unchanged  1" in again.output


def test_remove_unknown_id(tmp_path):
    result = run("remove", "nope", data_dir=tmp_path / "data")
    assert result.exit_code == 1 and "no article with id 'nope'" in result.output


def test_commands_on_an_empty_data_dir_say_what_to_do(tmp_path):
    for command in (["stats"], ["check"], ["export"], ["query", "ASK {}"]):
        result = run(*command, data_dir=tmp_path / "empty")
        assert result.exit_code == 1 and "commgraph ingest" in result.output, command


def test_stats_export_check_query(corpus_data):
    data = corpus_data.data_dir
    stats = json.loads(run("stats", data_dir=data).output)
    assert stats["articles"] == 4 and stats["quads"] > 1000
    assert SEED_ID in run("stats", "--ids", data_dir=data).output
    trig = run("export", "--format", "trig", "--article", SEED_ID, data_dir=data).output
    assert "Tang Daosheng" in trig and "test-fixture" not in trig
    assert run("check", data_dir=data).output.startswith("ok")
    rows = run("query", "PREFIX schema: <https://schema.org/> SELECT DISTINCT ?n { ?p a schema:Person ; schema:name ?n }",
               "--format", "csv", data_dir=data)
    assert rows.exit_code == 0 and "Tang Daosheng" in rows.output
    refused = run("query", "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", data_dir=data)
    assert refused.exit_code == 1 and "SERVICE is not allowed" in refused.output


def test_bad_setting_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["--port", "eighty", "stats"])
    assert result.exit_code != 0 and "port" in result.output


def test_settings_lists_every_setting():
    output = run("settings").output
    assert "COMMGRAPH_QUERY_TIMEOUT" in output and "COMMGRAPH_DATA_DIR" in output


def test_fixture_folder_ingest(tmp_path):
    result = run("ingest", str(FIXTURES / "articles"), data_dir=tmp_path / "data")
    assert result.exit_code == 0 and "added  2" in result.output


# File-system trouble (issue 15, item 6): one line naming the path and the fix, exit 1, a traceback only with
# --debug. The tests run as root in CI, where chmod stops nobody: a path under a file and a file-size limit
# (RLIMIT_FSIZE) fail for root too; a real full disk (a 1.2 MB tmpfs) and a real read-only mount need a mount
# namespace (`unshare -m`) and are skipped where it is not allowed; chmod is tried when not root.


def commgraph(*args, data_dir, limit_bytes=None, cwd=ROOT):
    """`python -m commgraph` in a subprocess (what a user sees on the terminal), optionally under a file-size
    limit that makes every write past it fail with EFBIG, as a full disk does with ENOSPC."""
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run([sys.executable, "-m", "commgraph", "--data-dir", str(data_dir), *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=300,
                          preexec_fn=limit if limit_bytes else None)


def one_line_error(result, *fragments):
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and all(f in errors[0] for f in fragments), result.stderr[-2000:]


def test_data_dir_under_a_file(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where a directory should be")
    data = blocker / "data"
    result = commgraph("ingest", FIXTURES / "articles", data_dir=data)
    one_line_error(result, str(data), "Not a directory", "use another --data-dir")
    debug = commgraph("--debug", "ingest", FIXTURES / "articles", data_dir=data)
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "NotADirectoryError" in debug.stderr
    for command in (["stats"], ["check", "--no-shacl"]):
        one_line_error(commgraph(*command, data_dir=data), "commgraph ingest")
    one_line_error(commgraph("stats", data_dir=blocker), "is a file, not a data directory")


def test_write_past_the_file_size_limit_keeps_current(tmp_path, extractor):
    from commgraph import generations as gens
    from commgraph.check import check_generation
    from commgraph.pipeline import ingest
    from commgraph.settings import Settings

    settings = Settings.create(data_dir=tmp_path / "data")
    ingest([FIXTURES / "articles"], settings, extractor=extractor)
    result = commgraph("ingest", SEED, data_dir=settings.data_dir, limit_bytes=60_000)
    one_line_error(result, "File too large", str(settings.data_dir), "raise the limit or use another --data-dir")
    assert gens.current_path(settings.data_dir).name == "g000001" and check_generation(settings) == []
    assert [p.name for p in gens.generations_dir(settings.data_dir).iterdir()] == ["g000001"]  # no leftovers


def in_mount_namespace(script: str) -> subprocess.CompletedProcess:
    """Run a shell script in a private mount namespace (its mounts vanish with it); skip where not allowed."""
    if not shutil.which("unshare") or subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode:
        pytest.skip("no mount namespace here (unshare -m is not permitted)")
    return subprocess.run(["unshare", "-m", "sh", "-ec", script], capture_output=True, text=True, timeout=300,
                          cwd=ROOT)


def test_full_disk_and_read_only_mount(tmp_path, extractor):
    from commgraph import generations as gens
    from commgraph.check import check_generation
    from commgraph.pipeline import ingest
    from commgraph.settings import Settings

    small, data = tmp_path / "small", tmp_path / "small" / "data"
    small.mkdir()
    python = f"{sys.executable} -m commgraph --data-dir {data}"
    full = in_mount_namespace(f"mount -t tmpfs -o size=1200k tmpfs {small}\n"
                              f"{python} ingest {FIXTURES / 'articles'} >/dev/null 2>&1\n"
                              f"{python} ingest {SEED} || echo exit=$?\n"
                              f"{python} check --no-shacl\n"
                              f"ls {gens.generations_dir(data)}")
    assert "exit=1" in full.stdout and "Traceback" not in full.stderr, full.stderr[-2000:]
    errors = [line for line in full.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "No space left on device" in errors[0] and "the disk is full" in errors[0]
    assert "ok: graph, index and manifest agree" in full.stdout and full.stdout.split()[-1] == "g000001"

    settings = Settings.create(data_dir=data)
    ingest([FIXTURES / "articles"], settings, extractor=extractor)
    read_only = in_mount_namespace(f"mount --bind {data} {data}\nmount -o remount,ro,bind {data}\n"
                                   f"{python} ingest {SEED} || echo exit=$?\n{python} stats")
    assert "exit=1" in read_only.stdout and "Traceback" not in read_only.stderr, read_only.stderr[-2000:]
    errors = [line for line in read_only.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "Read-only file system" in errors[0] and "remount it writable" in errors[0]
    assert '"articles": 2' in read_only.stdout  # reading still works
    assert check_generation(settings) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="chmod does not stop root (the mount test covers read-only)")
def test_unwritable_data_dir(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o555)
    try:
        one_line_error(commgraph("ingest", FIXTURES / "articles", data_dir=data), "Permission denied", str(data))
    finally:
        data.chmod(0o755)
