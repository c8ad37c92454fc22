"""Feeds and URL lists (issue 19): a real HTTP server on 127.0.0.1 serves the site-layout fixture pages and
a feed; ingest fetches through the real bounded fetcher (fetch_private_addresses=allow, as only tests need)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from commgraph.cli import main
from commgraph.errors import ArticleError
from commgraph.fetch import fetch
from commgraph.pipeline import ingest
from commgraph.settings import Settings

from conftest import FIXTURES

SITES = FIXTURES / "sites"


def _rss(base: str, pages: list[str]) -> bytes:
    items = "".join(f"<item><title>Item {page}</title><link>{base}/{page}</link>"
                    f"<pubDate>Wed, 10 Aug 2016 04:00:00 GMT</pubDate></item>" for page in pages)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>TEST FIXTURE feed</title>'
            f"<link>{base}/</link><description>test</description>{items}</channel></rss>").encode()


class Site:
    """What the fixture server serves (path -> (status, headers, body)) and every request it saw."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict, bytes]] = {}
        self.requests: list[tuple[str, str]] = []  # (path, user agent)
        self.base = ""


@pytest.fixture
def site():
    state = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            state.requests.append((self.path, self.headers.get("User-Agent", "")))
            if self.path == "/slow":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                for _ in range(40):  # a trickle: every byte in time, the whole far too late
                    self.wfile.write(b"<p>slow</p>")
                    self.wfile.flush()
                    time.sleep(0.1)
                return
            status, headers, body = state.routes.get(self.path, (404, {}, b"not found"))
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            pass  # a client that stopped reading (the size cap, the deadline) is what some tests do

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    for page in SITES.glob("*.html"):
        state.routes[f"/{page.name}"] = (200, {"Content-Type": "text/html; charset=utf-8"}, page.read_bytes())
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def allowed(tmp_path) -> Settings:
    return Settings.create(data_dir=tmp_path / "data", lock_timeout=1.0, fetch_private_addresses="allow",
                           fetch_timeout=2.0)


def test_feed_ingests_its_items_once_and_a_second_run_nothing_new(site, allowed, extractor):
    site.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"},
                                _rss(site.base, ["wire-divsoup.html", "paywall-premium.html"]))
    first = ingest([], allowed, feeds=[f"{site.base}/feed.xml"], extractor=extractor)
    assert not first.failed and len(first.added) == 2 and first.generation == 1
    from commgraph import generations as gens

    manifest = gens.read_manifest(gens.require_current(allowed.data_dir)).articles
    sources = {entry.source: entry for entry in manifest.values()}
    assert set(sources) == {f"{site.base}/wire-divsoup.html", f"{site.base}/paywall-premium.html"}
    wire = sources[f"{site.base}/wire-divsoup.html"]
    assert wire.url == "https://wire.example.com/technology/tencent-qq-groups-2016-08-10/"  # canonical
    assert wire.date == "2016-08-10" and wire.author == "Alex Kim" and len(wire.fetched_sha256) == 64
    assert all(agent == allowed.fetch_user_agent for _, agent in site.requests)

    second = ingest([], allowed, feeds=[f"{site.base}/feed.xml"], extractor=extractor)
    assert second.added == [] and second.generation is None and sorted(second.unchanged) == sorted(first.added)
    assert [path for path, _ in site.requests].count("/wire-divsoup.html") == 1  # each item fetched once

    # A new item: only it is fetched and added; the same bytes under a second URL are not stored twice.
    site.routes["/copy-of-wire.html"] = site.routes["/wire-divsoup.html"]
    site.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"},
                                _rss(site.base, ["wire-divsoup.html", "paywall-premium.html", "tech-blog.html",
                                                 "copy-of-wire.html"]))
    third = ingest([], allowed, feeds=[f"{site.base}/feed.xml"], extractor=extractor)
    assert len(third.added) == 1 and not third.failed and third.generation == 2
    assert [path for path, _ in site.requests].count("/tech-blog.html") == 1


def test_url_list_failures_are_per_url_and_the_rest_lands(site, allowed, extractor, tmp_path):
    site.routes["/loop"] = (302, {"Location": "/loop"}, b"")
    site.routes["/big.html"] = (200, {"Content-Type": "text/html"}, b"<p>" + b"x" * 200_000 + b"</p>")
    site.routes["/%E6%96%B0%E9%97%BB/%E8%B1%86%E7%93%A3.html"] = site.routes["/chinese-portal.html"]
    urls = tmp_path / "reading-list.txt"
    urls.write_text(f"# reading list\n{site.base}/tech-blog.html\n{site.base}/新闻/豆瓣.html\n{site.base}/missing.html\n{site.base}/loop\n"
                    f"{site.base}/big.html\n{site.base}/slow\nftp://example.com/x\n\n", encoding="utf-8")
    settings = Settings.create(**{**allowed.__dict__, "max_article_bytes": 100_000})
    report = ingest([], settings, url_lists=[urls], extractor=extractor)
    assert len(report.added) == 2 and report.generation == 1  # a Chinese path is sent percent-encoded
    failed = {f.path: f.message for f in report.failed}
    assert "HTTP 404" in failed[f"{site.base}/missing.html"]
    assert "more than 5 redirects" in failed[f"{site.base}/loop"]
    assert "over the limit of 100000" in failed[f"{site.base}/big.html"]
    assert "2.0 s" in failed[f"{site.base}/slow"]
    assert "not an http(s) URL" in failed[f"{urls}:8"]
    assert all("\n" not in message for message in failed.values())


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x.html", "http://localhost:9/x", "http://10.1.2.3/x",
                                 "http://192.168.0.1/x", "http://169.254.169.254/latest/meta-data/",
                                 "http://[::1]:9/x", "http://[::ffff:127.0.0.1]:9/x", "http://0.0.0.0:9/x"])
def test_private_and_loopback_addresses_are_refused_by_default(url, tmp_path):
    settings = Settings.create(data_dir=tmp_path / "data")
    with pytest.raises(ArticleError, match="refused: .* private, loopback or reserved address; set "
                                           "fetch_private_addresses=allow"):
        fetch(url, settings)


def test_a_private_url_is_refused_unless_allowed_end_to_end(site, tmp_path, extractor):
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{site.base}/wire-divsoup.html\n", encoding="utf-8")
    refused = Settings.create(data_dir=tmp_path / "refused")
    report = ingest([], refused, url_lists=[urls], extractor=extractor)
    assert report.added == [] and "refused" in report.failed[0].message
    assert site.requests == []  # refused before any connection
    allowed = Settings.create(data_dir=tmp_path / "allowed", fetch_private_addresses="allow")
    assert len(ingest([], allowed, url_lists=[urls], extractor=extractor).added) == 1


def test_a_redirect_to_a_private_address_is_checked_again(site, allowed):
    """Each hop is checked again: the fixture server (allowed for the first hop only) redirects to the cloud
    metadata address, which is refused before any connection is made to it."""
    site.routes["/hop"] = (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b"")
    refuse_after_first = _HopSettings(allowed)
    with pytest.raises(ArticleError, match="refused: 169.254.169.254"):
        fetch(f"{site.base}/hop", refuse_after_first)


class _HopSettings:
    """Settings that allow the first address checked (the fixture server) and refuse every later one."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._asked = 0

    def __getattr__(self, name):
        if name == "fetch_private_addresses":
            self._asked += 1
            return "allow" if self._asked == 1 else "refuse"
        return getattr(self._settings, name)


def test_cli_ingest_urls_reports_like_files(site, tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{site.base}/chinese-portal.html\n{site.base}/gone.html\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "data"), "--fetch-private-addresses", "allow",
                                       "ingest", "--urls", str(urls)])
    assert result.exit_code == 1, result.output
    assert "added  1" in result.output and "failed  1" in result.output
    assert f"error: {site.base}/gone.html: the server answered HTTP 404" in result.stderr
    assert "fetching" in result.stderr  # progress, as for files
