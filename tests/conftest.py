"""Shared fixtures: real spaCy model, real on-disk store and index, real HTTP server, real browser."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from commgraph.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEED = CORPUS / "2015-08-06-tencent-qq-mobile-community-conference.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_ID = "2015-08-06-tencent-qq-mobile-community-conference"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for one test: its own data directory, a short query timeout."""
    return Settings.create(data_dir=tmp_path / "data", query_timeout=5.0, lock_timeout=1.0)


@pytest.fixture(scope="session")
def rules():
    from commgraph.extract import load_rules

    return load_rules(Settings().rules_path)


@pytest.fixture(scope="session")
def extractor(rules):
    """The real model with our gazetteer: loaded once per test session."""
    from commgraph.extract import Extractor

    return Extractor.load(Settings().model, rules)


@pytest.fixture(scope="session")
def seed_extraction(extractor):
    from commgraph.sources import read_path

    return extractor.extract(read_path(SEED)[0])


@pytest.fixture(scope="session")
def corpus_data(tmp_path_factory, extractor) -> Settings:
    """A data directory with the seed article, the two test-fixture articles and the XSS probe ingested."""
    from commgraph.pipeline import ingest

    root = tmp_path_factory.mktemp("corpus")
    settings = Settings.create(data_dir=root / "data", query_timeout=3.0, max_rows=50, query_workers=2)
    report = ingest([SEED, FIXTURES / "articles", FIXTURES / "xss-article.html"], settings, extractor=extractor)
    assert not report.failed, report.failed
    return settings


@pytest.fixture(scope="session")
def app(corpus_data):
    from commgraph.server import create_app

    application = create_app(corpus_data)
    application.config["TESTING"] = True
    yield application
    application.extensions["commgraph"].close()


@pytest.fixture
def client(app):
    return app.test_client()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not come up within {timeout} s")


@pytest.fixture(scope="session")
def live_server(corpus_data):
    """`commgraph serve` as a real subprocess on 127.0.0.1; yields its base URL."""
    port = free_port()
    env = dict(os.environ, COMMGRAPH_DATA_DIR=str(corpus_data.data_dir), COMMGRAPH_PORT=str(port),
               COMMGRAPH_QUERY_TIMEOUT="3", COMMGRAPH_MAX_ROWS="50", COMMGRAPH_QUERY_WORKERS="2")
    log = open(corpus_data.data_dir.parent / "server.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "commgraph", "serve"], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz")
        yield base
    finally:
        stop_process(process)
        log.close()


def stop_process(process: subprocess.Popen) -> None:
    """Stop a server the test started: ask, then kill it if it has not gone in 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def chromium_path() -> str | None:
    return shutil.which("chromium") or (("/usr/bin/chromium") if Path("/usr/bin/chromium").exists() else None)


@pytest.fixture(scope="session")
def sphinx_server(tmp_path_factory):
    """A private searchd (Debian's sphinxsearch 2.2.11) on 127.0.0.1 with commgraph's three indexes, from a
    config in a temp directory (pid, logs, binlog there too); yields a SphinxEngine pointed at it. Skipped when
    the binary is missing, unless COMMGRAPH_REQUIRE_REMOTE=1 (CI), where that is a failure."""
    from commgraph.search.sphinx_engine import SphinxEngine, config_text

    binary = shutil.which("searchd")
    if binary is None:
        message = "no searchd binary: apt-get install -y sphinxsearch"
        if os.environ.get("COMMGRAPH_REQUIRE_REMOTE") == "1":
            pytest.fail(f"{message} (COMMGRAPH_REQUIRE_REMOTE=1: CI must run every search server)")
        pytest.skip(message)
    directory = tmp_path_factory.mktemp("searchd")
    port = free_port()
    config = directory / "sphinx.conf"
    config.write_text(config_text("cgtest", directory, port), encoding="utf-8")
    log = open(directory / "console.log", "wb")
    process = subprocess.Popen([binary, "--config", str(config), "--nodetach"], stdout=log, stderr=log)
    engine = SphinxEngine(host="127.0.0.1", port=port, index="cgtest")
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log.close()
                raise RuntimeError("searchd did not come up:\n"
                                   + (directory / "console.log").read_text(errors="replace")[-2000:]) from None
            time.sleep(0.1)
    try:
        yield engine
    finally:
        stop_process(process)
        log.close()


@pytest.fixture
def sphinx_engine(sphinx_server):
    """The session's searchd with its indexes emptied: each test starts from no documents."""
    connections = sphinx_server.connections()
    for name in ("", "_keys", "_words", "_text"):
        connections.run(f"TRUNCATE RTINDEX {sphinx_server.index}{name}")
    return sphinx_server
