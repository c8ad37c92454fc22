"""Articles from the web, only where the user asks (`ingest --feed URL`, `ingest --urls FILE`).

Every request is bounded: one deadline for connect + headers + body (`fetch_timeout`), a size cap
(`max_article_bytes`), at most `fetch_max_redirects` redirects, each hop checked again, and a user agent that
says who we are (`fetch_user_agent`). A host that resolves to a private, loopback, link-local or reserved
address is refused unless `fetch_private_addresses` is `allow`; the connection then goes to the address that
was checked, so a second DNS answer cannot point it elsewhere. Nothing here runs unless a feed or a URL list
is given.
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import quote, urljoin, urlsplit

from .errors import ArticleError
from .settings import Settings
from .sources import Article, PartialArticles, parse_bytes, slugify

Progress = Callable[[str, int, int], None]
CHUNK = 65536
_KINDS = (("pdf", "pdf"), ("html", "html"), ("xml", "html"), ("json", "json"), ("markdown", "markdown"),
          ("text/plain", "text"))


class FetchError(ArticleError):
    """A URL that could not be fetched; the message names the URL, what happened and what to do."""


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    content_type: str  # "text/html", without parameters
    charset: str | None
    data: bytes


@dataclass
class Fetched:
    """What a feed or URL list gave: new articles, known items (their article ids) and failures by URL."""

    articles: list[Article] = field(default_factory=list)
    known: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)


def fetch(url: str, settings: Settings, accept: str = "text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.5"
          ) -> Response:
    """GET one URL within the limits of `settings` (see the module docstring); FetchError when it cannot."""
    deadline = time.monotonic() + settings.fetch_timeout
    current = url
    for _ in range(settings.fetch_max_redirects + 1):
        scheme, host, port, path = _parts(url, current)
        address = _checked_address(url, host, port, settings.fetch_private_addresses == "allow")
        connection = _connection(scheme, host, port, address, _left(deadline, url, settings))
        try:
            connection.request("GET", path, headers={"User-Agent": settings.fetch_user_agent, "Accept": accept,
                                                     "Accept-Encoding": "identity", "Connection": "close"})
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                current = urljoin(current, response.getheader("Location"))
                continue
            if response.status != 200:
                raise FetchError(f"{url}: the server answered HTTP {response.status} {response.reason}; check the URL")
            data = _read_capped(response, connection, url, settings, deadline)
            content_type = response.getheader("Content-Type") or ""
            mime, _, params = content_type.partition(";")
            charset = next((p.split("=", 1)[1].strip().strip('"') for p in params.split(";")
                            if p.strip().lower().startswith("charset=")), None)
            return Response(current, mime.strip().lower(), charset, data)
        except (TimeoutError, socket.timeout):
            raise FetchError(f"{url}: no answer within {settings.fetch_timeout} s (fetch_timeout); try again "
                             "later or raise fetch_timeout") from None
        except ssl.SSLError as exc:
            raise FetchError(f"{url}: TLS failed ({exc.reason or exc}); check the address") from None
        except (ConnectionError, http.client.HTTPException, OSError) as exc:
            raise FetchError(f"{url}: connection failed ({getattr(exc, 'strerror', None) or exc}); check the "
                             "address, or try again later") from None
        finally:
            connection.finish()
    raise FetchError(f"{url}: more than {settings.fetch_max_redirects} redirects (fetch_max_redirects); "
                     "give the final address")


def _parts(url: str, current: str) -> tuple[str, str, int, str]:
    """(scheme, ASCII host, port, request path) of an http(s) URL; Chinese host names and paths are encoded."""
    try:
        parts = urlsplit(current)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        raise FetchError(f"{url}: not a valid URL ({current[:200]!r}); check it") from None
    if parts.scheme not in ("http", "https") or not host:
        raise FetchError(f"{url}: only http:// and https:// URLs are fetched, not {current[:200]!r}")
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=~-._") + (
        f"?{quote(parts.query, safe='/%:@!$&()*+,;=?~-._')}" if parts.query else "")
    return parts.scheme, host, port, path


def _left(deadline: float, url: str, settings: Settings) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchError(f"{url}: took longer than {settings.fetch_timeout} s (fetch_timeout); try again later "
                         "or raise fetch_timeout")
    return left


def _checked_address(url: str, host: str, port: int, allow_private: bool) -> tuple:
    """The socket address to connect to: every address the host resolves to must be public, unless allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"{url}: cannot resolve {host} ({getattr(exc, 'strerror', None) or exc}); check the "
                         "address") from None
    for *_, sockaddr in infos:
        ip = ipaddress.ip_address(sockaddr[0].split("%")[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if not allow_private and (not ip.is_global or ip.is_multicast):
            raise FetchError(f"{url}: refused: {host} is {ip}, a private, loopback or reserved address; set "
                             "fetch_private_addresses=allow to fetch from your own network")
    return infos[0][0], infos[0][4]


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTP to the checked address, whatever the host name resolves to by now."""

    def __init__(self, host: str, port: int, address: tuple, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address
        self.live_socket: socket.socket | None = None  # kept: the response reads from it after close()

    def connect(self) -> None:
        family, sockaddr = self._address
        self.sock = self.live_socket = socket.socket(family, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(sockaddr)

    def close(self) -> None:
        # http.client closes the connection once the headers say the server will close it, but the body is
        # still read from this socket, whose timeout keeps shrinking to the deadline: `finish` closes it.
        self.sock = None
        super().close()

    def finish(self) -> None:
        self.close()
        if self.live_socket is not None:
            self.live_socket.close()
            self.live_socket = None


class _PinnedHTTPS(_PinnedHTTP):
    """HTTPS to the checked address; the certificate is verified for the host name (SNI)."""

    default_port = 443

    def connect(self) -> None:
        super().connect()
        self.sock = self.live_socket = ssl.create_default_context().wrap_socket(self.sock, server_hostname=self.host)


def _connection(scheme: str, host: str, port: int, address: tuple, timeout: float) -> http.client.HTTPConnection:
    kind = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    return kind(host, port, address, timeout)


def _read_capped(response: http.client.HTTPResponse, connection: _PinnedHTTP, url: str, settings: Settings,
                 deadline: float) -> bytes:
    """The body, refused past the size cap; a server that trickles bytes still stops at the deadline."""
    cap = settings.max_article_bytes
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > cap:
        raise FetchError(f"{url}: {length} bytes is over the limit of {cap} (max_article_bytes); raise it or skip "
                         "this URL")
    chunks, size = [], 0
    while True:
        if connection.live_socket is not None:
            connection.live_socket.settimeout(_left(deadline, url, settings))
        chunk = response.read1(CHUNK)  # what has arrived: a trickle cannot hold one read past the deadline
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > cap:
            raise FetchError(f"{url}: more than {cap} bytes (max_article_bytes); raise it or skip this URL")
        _left(deadline, url, settings)
        chunks.append(chunk)


def article_from(response: Response, source: str, settings: Settings, title: str = "", date: str | None = None
                 ) -> list[Article]:
    """The article(s) in a fetched page or file; its id comes from its canonical URL (stable across runs)."""
    kind = next((k for marker, k in _KINDS if marker in response.content_type), None)
    if response.data.startswith(b"%PDF-"):
        kind = "pdf"
    kind = kind or "html"
    data = response.data
    if response.charset and kind != "pdf":
        try:  # the server's charset decides; sources.decode() would guess
            data = data.decode(response.charset).encode("utf-8")
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        articles = parse_bytes(data, kind, name=source, stem=_url_stem(response.url))
    except PartialArticles as exc:
        articles = exc.articles
    digest = hashlib.sha256(response.data).hexdigest()
    out = []
    for article in articles:
        canonical = article.url or response.url
        stem = _url_stem(canonical) if len(articles) == 1 else article.id
        out.append(Article(id=slugify(stem), title=article.title or title, body=article.body, source=source,
                           date=article.date or date, url=canonical, lang=article.lang, author=article.author,
                           site_name=article.site_name, pages=article.pages, source_sha256=digest))
    return out


def _url_stem(url: str) -> str:
    """A readable, unique stem for a URL: host and path words, and a short hash of the whole URL."""
    parts = urlsplit(url)
    words = slugify(f"{parts.hostname or ''} {parts.path}", max_len=60)
    return f"{words}-{hashlib.sha256(url.encode()).hexdigest()[:8]}"


def read_feeds_and_lists(feeds: Iterable[str], url_lists: Iterable[str | Path], settings: Settings,
                         known: dict[str, str], progress: Progress) -> Fetched:
    """Fetch every item of the feeds and every URL of the lists that is not `known` yet.

    `known` maps URLs and content hashes (SHA-256 of the bytes fetched) of stored articles to their ids: an
    item met before is not fetched again, and a new URL that gives the same bytes as a stored one is not
    stored twice. A failing feed, URL or list line is one problem; the others go on.
    """
    result = Fetched()
    items: list[tuple[str, str, str | None]] = []  # (url, title, date) from feeds and lists, in order
    for feed_url in feeds:
        try:
            items += _feed_items(feed_url, settings)
        except ArticleError as exc:
            result.problems.append((feed_url, exc.message))
    for list_file in url_lists:
        try:
            lines = Path(list_file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            result.problems.append((str(list_file), f"{list_file}: cannot read the URL list "
                                    f"({getattr(exc, 'strerror', None) or exc}); give a text file, one URL a line"))
            continue
        for number, line in enumerate(lines, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                parts = urlsplit(line)
                valid = parts.scheme in ("http", "https") and bool(parts.hostname)
            except ValueError:
                valid = False
            if not valid:
                result.problems.append((f"{list_file}:{number}", f"{list_file}:{number}: {line[:100]!r} is not an "
                                        "http(s) URL; one URL a line, '#' starts a comment"))
                continue
            items.append((line, "", None))
    seen: set[str] = set()
    todo = []
    for url, title, date in items:
        if url in seen:
            continue  # listed twice: fetched once
        seen.add(url)
        if url in known:
            result.known.append(known[url])
        else:
            todo.append((url, title, date))
    hashes = dict(known)
    for n, (url, title, date) in enumerate(todo, 1):
        progress(f"fetching {url}", n, len(todo))
        try:
            response = fetch(url, settings)
            digest = hashlib.sha256(response.data).hexdigest()
            if digest in hashes:
                result.known.append(hashes[digest])
                continue
            articles = article_from(response, url, settings, title, date)
        except ArticleError as exc:
            result.problems.append((url, exc.message if exc.message.startswith(url) else f"{url}: {exc.message}"))
            continue
        for article in articles:
            hashes[digest] = article.id
        result.articles += articles
    return result


def _feed_items(feed_url: str, settings: Settings) -> list[tuple[str, str, str | None]]:
    """(link, title, date) of every entry of an RSS or Atom feed, links made absolute."""
    import io

    import feedparser

    response = fetch(feed_url, settings, accept="application/rss+xml,application/atom+xml,application/xml;q=0.9,"
                                                "text/xml;q=0.8,*/*;q=0.1")
    # A stream, never a URL: feedparser would fetch a URL itself, without our limits.
    parsed = feedparser.parse(io.BytesIO(response.data), response_headers={
        "content-location": response.url, "content-type": response.content_type or "application/xml"})
    if not parsed.entries:
        reason = f" ({parsed.get('bozo_exception')})" if parsed.get("bozo") else ""
        raise FetchError(f"{feed_url}: no entries in this RSS or Atom feed{reason}; check the feed URL")
    items = []
    for entry in parsed.entries:
        link = entry.get("link") or ""
        if not link:
            continue
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        date = time.strftime("%Y-%m-%d", when) if when else None
        items.append((urljoin(response.url, link), " ".join(str(entry.get("title") or "").split()), date))
    return items
