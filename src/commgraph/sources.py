"""Read article files (txt, md, html, json, pdf) into plain `Article`s, with site boilerplate removed. No spaCy here.

HTML pages go through trafilatura (main text and metadata of real news sites: div layouts, paywall boxes,
related-article lists), with our own tag rules as the fallback where it finds nothing; every kind of source then
loses the lines `rules/boilerplate.toml` names (photo credits, copyright footers, bylines, paywall prompts).
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterable, Iterator

from .errors import ArticleError
from .facts import Article
from .language import normalise_lang

SUFFIXES = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".json": "json",
            ".pdf": "pdf"}

# Lines that open the navigation / teaser tail of a news page: everything from here on is not the article.
_TAIL_MARKERS = re.compile(r"^\s*(<<\s*:|>>\s*:|recommend(ed)?\s*(reading|articles)?\s*$|related (articles|posts|news)\s*$|"
                           r"previous\s*:|next\s*:|read more\s*$)", re.IGNORECASE)
# A short all-caps site name before a colon, e.g. "CATDOLL: "; only stripped when it heads the title.
_SITE_PREFIX = re.compile(r"^([A-Z][A-Z0-9&.\-]{1,24}):\s+")
_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def slugify(text: str, max_len: int = 80) -> str:
    """A readable ASCII id for any name, never empty: lower case, words joined by '-'.

    Chinese becomes pinyin (a run of up to four characters is one word: 微信 -> "weixin"), accents are dropped
    (é -> e). Whenever that loses information (any character that is not plain ASCII: Chinese, emoji, accents),
    six hex digits of a hash of the original text follow, so that 微信 and 薇信 (both "weixin") or 腾讯QQ群 and
    腾讯QQ get different ids; a name with nothing readable left is "article-" and the hash.
    """
    original = unicodedata.normalize("NFC", text.strip())
    lossy = not original.isascii()
    text = original
    if lossy:
        text = _HAN_RUN.sub(lambda m: f" {_pinyin(m.group(0))} ", text)
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    slug = slug[:max_len - 7 if lossy else max_len].rstrip("-")
    if not lossy and slug:
        return slug
    digest = hashlib.sha256(original.encode())
    return f"{slug or 'article'}-{digest.hexdigest()[:6]}"


def _pinyin(han: str) -> str:
    """Pinyin without tones: a short run is one word ("weixin"), a long one a syllable a word (readable)."""
    from pypinyin import lazy_pinyin

    syllables = lazy_pinyin(han)
    return "".join(syllables) if len(han) <= 4 else " ".join(syllables)


def iter_source_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Expand files and directories (recursively, sorted) into article files; a missing path is an error."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUFFIXES and not child.name.startswith("."):
                    if child.name.lower() != "readme.md":
                        yield child
        elif path.is_file():
            yield path
        else:
            raise ArticleError(f"{path}: no such file or directory; give an article file or a folder of them")


class PartialArticles(ArticleError):
    """Some records of a JSON list are bad: `articles` holds the good ones, `problems` (where, message) the rest."""

    def __init__(self, articles: list[Article], problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(message for _, message in problems))
        self.articles = articles
        self.problems = problems


def read_path(path: Path, max_bytes: int = 5_000_000) -> list[Article]:
    """Read one file into articles (a JSON file may hold a list; see `PartialArticles` for its bad records)."""
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise ArticleError(f"{path}: unsupported file type {path.suffix!r}; use one of {', '.join(sorted(SUFFIXES))}")
    size = path.stat().st_size
    if size > max_bytes:
        raise ArticleError(f"{path}: {size} bytes is over the limit of {max_bytes}; split it or raise max_article_bytes")
    return parse_bytes(path.read_bytes(), kind, name=str(path), stem=path.stem)


def parse_bytes(data: bytes, kind: str, name: str, stem: str) -> list[Article]:
    """Decode and parse raw bytes of the given kind ('text', 'markdown', 'html', 'json', 'pdf')."""
    if kind == "pdf":
        from .pdf_text import read_pdf

        pdf = read_pdf(data, name, stem, boilerplate().is_furniture)
        return [Article(id=slugify(stem), title=pdf.title, body=pdf.body, source=name,
                        date=_date_from_name(stem) or _iso_date(pdf.created), pages=pdf.pages)]
    text = decode(data, name)
    if not text.strip():
        raise ArticleError(f"{name}: the file is empty; remove it or add the article text")
    parser = {"text": _parse_text, "markdown": _parse_markdown, "html": _parse_html, "json": _parse_json}[kind]
    articles = parser(text, name, stem)
    for article in articles:
        if _too_short(article.body):
            raise ArticleError(f"{name}: no article text found after removing boilerplate; check the file")
    return articles


def _too_short(body: str) -> bool:
    return len(body.split()) < 3 and len(body.strip()) < 15


def decode(data: bytes, name: str) -> str:
    """UTF-8 first; otherwise detect (GB18030 and Big5 occur in this field); refuse binary data."""
    if b"\x00" in data[:8192]:
        raise ArticleError(f"{name}: looks like a binary file (NUL bytes); give text, Markdown, HTML or JSON")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["gb18030", "big5", "utf_16", "cp1252", "latin_1"]).best()
    if best is None:
        raise ArticleError(f"{name}: cannot tell the text encoding; convert the file to UTF-8 and ingest again")
    return str(best)


def _date_from_name(stem: str) -> str | None:
    match = _DATE_IN_NAME.search(stem)
    return "-".join(match.groups()) if match else None


def _strip_site_prefix(title: str) -> str:
    return _SITE_PREFIX.sub("", title).strip()


@dataclass(frozen=True)
class Boilerplate:
    """rules/boilerplate.toml compiled: lines to drop, and lines that open a page's teaser tail."""

    drop: re.Pattern
    tail: re.Pattern
    strip: re.Pattern

    def is_furniture(self, line: str) -> bool:
        """A photo credit, copyright footer, byline, share bar or paywall prompt (one stripped line)."""
        return bool(self.drop.search(line))

    def without_credits(self, line: str) -> str:
        """The line with a trailing photo credit and a leading "FILE PHOTO:" cut off."""
        return self.strip.sub("", line).strip()


@lru_cache(maxsize=1)
def boilerplate() -> Boilerplate:
    """The boilerplate rules shipped in the package (read once; a broken file names itself)."""
    path = Path(__file__).parent / "rules" / "boilerplate.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        drop = [p for patterns in data["drop"].values() for p in patterns]
        return Boilerplate(re.compile("|".join(f"(?:{p})" for p in drop), re.IGNORECASE),
                           re.compile("|".join(f"(?:{p})" for p in data["tail"]["markers"]), re.IGNORECASE),
                           re.compile("|".join(f"(?:{p})" for p in data["strip"]["credits"]), re.IGNORECASE))
    except (tomllib.TOMLDecodeError, KeyError, re.error) as exc:
        raise ArticleError(f"{path}: {exc}; fix the file (it lists [drop] and [tail] patterns)") from None


def clean_lines(lines: list[str]) -> tuple[str, list[str]]:
    """Split page lines into (title, body paragraphs): drop repeated titles, site prefixes, the teaser tail
    and furniture lines (credits, copyright, bylines, paywall prompts: rules/boilerplate.toml)."""
    paragraphs = [line.strip() for line in lines if line.strip()]
    if not paragraphs:
        return "", []
    rules = boilerplate()
    raw_title = paragraphs[0]
    title = _strip_site_prefix(raw_title)
    body: list[str] = []
    for line in paragraphs[1:]:
        if _TAIL_MARKERS.match(line) or rules.tail.search(line):
            break
        if line == raw_title or _strip_site_prefix(line) == title:
            continue  # the title repeated as a heading
        line = rules.without_credits(line)
        if not line or rules.is_furniture(line):
            continue
        body.append(line)
    return title, body


def _parse_text(text: str, name: str, stem: str) -> list[Article]:
    title, body = clean_lines(text.splitlines())
    return [Article(id=slugify(stem), title=title, body="\n\n".join(body), source=name,
                    date=_date_from_name(stem))]


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)


def _parse_markdown(text: str, name: str, stem: str) -> list[Article]:
    """Front matter for metadata; markdown-it renders the rest, which is then read like an HTML page."""
    from markdown_it import MarkdownIt

    meta: dict[str, str] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        for line in match.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep:
                meta[key.strip().lower()] = value.strip().strip("'\"")
        text = text[match.end():]
    # html=False: raw HTML inside Markdown stays text (escaped later), never markup
    html = MarkdownIt("commonmark", {"html": False}).render(text)
    article = _parse_html(html, name, stem, main_text=False)[0]
    title = _strip_site_prefix(meta.get("title") or article.title)
    body = article.body
    if meta.get("title") and article.title and _strip_site_prefix(article.title) != title:
        # No heading in the text: its first paragraph was taken for the title, but it is the body's start
        body = f"{article.title}\n\n{body}" if body else article.title
    if body.startswith(title):
        body = body[len(title):].lstrip()
    lang = meta.get("lang") or meta.get("language")
    return [Article(id=slugify(meta.get("id") or stem), title=title, body=body, source=name,
                    date=_iso_date(meta.get("date")) or _date_from_name(stem), url=meta.get("url"),
                    lang=normalise_lang(lang, f"{name}: front matter") if lang else "")]


class _HtmlText(HTMLParser):
    """Collects block text from an HTML page, skipping scripts, styles and page furniture: the tags in SKIP, and
    elements whose class or id names furniture (rules/boilerplate.toml [html]); their text is kept apart."""

    SKIP = {"script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template", "iframe", "svg"}
    BLOCK = {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "section", "article", "tr",
             "figcaption", "main"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, furniture_class: re.Pattern | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.skip_depth = 0
        self.furniture_class = furniture_class
        self.class_skip: list = []  # [tag, depth] of the element whose class made us skip, while inside it
        self.chunks: list[str] = []
        self.furniture: list[str] = []  # text of skipped elements, to recognise it in trafilatura's output
        self.article_chunks: list[str] | None = None
        self.in_article = 0
        self.title = ""
        self.in_title = False
        self.h1 = ""
        self.in_h1 = False
        self.meta: dict[str, str] = {}

    @property
    def skipping(self) -> bool:
        return bool(self.skip_depth or self.class_skip)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key and a.get("content"):
                self.meta.setdefault(key, a["content"])
        elif tag == "link" and "canonical" in a.get("rel", "").lower().split() and a.get("href"):
            self.meta.setdefault("canonical", a["href"])
        elif tag == "time" and a.get("datetime"):
            self.meta.setdefault("time", a["datetime"])
        if self.class_skip:
            if tag == self.class_skip[0]:
                self.class_skip[1] += 1
        elif (self.furniture_class is not None and tag not in self.VOID and tag not in ("html", "body")
              and self.furniture_class.search(f"{a.get('class', '')} {a.get('id', '')}")):
            self.class_skip = [tag, 1]
        if tag in self.SKIP:
            self.skip_depth += 1
        elif tag == "title":
            self.in_title = True
        elif tag == "h1":
            self.in_h1 = True
        if tag in ("article", "main"):
            self.in_article += 1
            if self.article_chunks is None:
                self.article_chunks = []
        if tag in self.BLOCK:
            self._emit("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skip_depth:
            self.skip_depth -= 1
        elif tag == "title":
            self.in_title = False
        elif tag == "h1":
            self.in_h1 = False
        if self.class_skip and tag == self.class_skip[0]:
            self.class_skip[1] -= 1
            if not self.class_skip[1]:
                self.class_skip = []
                self._emit("\n")
        if tag in ("article", "main") and self.in_article:
            self.in_article -= 1
        if tag in self.BLOCK:
            self._emit("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        if self.skipping:
            if not self.in_title:
                self.furniture.append(data)
            return
        if self.in_h1:
            self.h1 += data
        if not self.in_title:  # the <title> is the heading's fallback, not a line of the body
            self._emit(data)

    def _emit(self, text: str) -> None:
        if text == "\n":
            self.furniture.append(text)
        self.chunks.append(text)
        if self.in_article and self.article_chunks is not None:
            self.article_chunks.append(text)


def _lines(chunks: list[str]) -> list[str]:
    return [re.sub(r"\s+", " ", line).strip() for line in "".join(chunks).split("\n")]


@lru_cache(maxsize=1)
def _furniture_class() -> re.Pattern:
    path = Path(__file__).parent / "rules" / "boilerplate.toml"
    words = tomllib.loads(path.read_text(encoding="utf-8"))["html"]["classes"]
    return re.compile(r"(?:^|[\s_-])(?:" + "|".join(map(re.escape, words)) + r")(?:$|[\s_-])", re.IGNORECASE)


def _parse_html(text: str, name: str, stem: str, main_text: bool = True) -> list[Article]:
    """A web page: trafilatura's main text and metadata when `main_text` (saved pages), else, or where it finds
    nothing, the text our tag rules keep; lines that are only page furniture's text are dropped either way."""
    parser = _HtmlText(_furniture_class() if main_text else None)
    parser.feed(text)
    parser.close()
    chunks = parser.article_chunks if parser.article_chunks else parser.chunks
    lines = _lines(chunks)
    found = _main_text(text) if main_text else None
    meta = parser.meta
    heading = (meta.get("og:title") or parser.h1 or (found.title if found else None) or parser.title or "").strip()
    title, body = clean_lines([heading, *lines] if heading else lines)
    if found is not None:
        furniture = {line for line in _lines(parser.furniture) if line}
        kept = [_table_row(line) for line in found.text.splitlines() if " ".join(line.split()) not in furniture
                and not _TABLE_RULE.match(line)]
        main_title, main_body = clean_lines([heading, *kept] if heading else kept)
        if not _too_short("\n".join(main_body)):  # else trafilatura found nothing we keep: our rules' text
            title, body = main_title, main_body
    date = _iso_date(meta.get("article:published_time") or meta.get("date") or meta.get("datepublished")
                     or meta.get("time")) or _iso_date(found.date if found else None)
    url = next((u for u in (meta.get("canonical"), meta.get("og:url"), found.url if found else None)
                if u and u.startswith(("http://", "https://"))), None)
    author = (found.author if found else None) or meta.get("author") or meta.get("article:author")
    site = meta.get("og:site_name") or (found.sitename if found else None)
    return [Article(id=slugify(stem), title=title, body="\n\n".join(body), source=name,
                    date=date or _date_from_name(stem), url=url, author=_clean_meta(author),
                    site_name=_clean_meta(site))]


_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")  # "|---|---|" under a header row


def _table_row(line: str) -> str:
    """trafilatura writes table rows as "| a | b |": a row is one line "a | b", as PDF tables are; and list items
    as "- item": the item is the line."""
    stripped = line.strip()
    if stripped.startswith("|") and stripped.endswith("|"):
        return stripped.strip("|").strip()
    return stripped[2:] if stripped.startswith("- ") else line


def _main_text(html: str):
    """trafilatura's main text and metadata of a page (a Document), or None when it finds no text."""
    import trafilatura

    # favor_precision: a site's teasers, share bars and subscription boxes are worse than a lost short paragraph;
    # fast (no comparison with its fallback extractors) and no extensive date search (meta tags and JSON-LD
    # still count): the same text on every fixture page at a fifth of the time (0.10 s for 14 pages, 0.52 s).
    # No fetching happens here: trafilatura is given the page, never a URL to follow.
    found = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=True,
                                        include_images=False, favor_precision=True, deduplicate=False, fast=True,
                                        date_extraction_params={"extensive_search": False, "original_date": True})
    return found if found is not None and (found.text or "").strip() else None


def _clean_meta(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    return value[:200] or None


def _parse_json(text: str, name: str, stem: str) -> list[Article]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ArticleError(f"{name}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    records = data if isinstance(data, list) else [data]
    articles = []
    problems: list[tuple[str, str]] = []
    for i, record in enumerate(records):
        where = f"{name}[{i}]" if isinstance(data, list) else f"{name}: item {i}"
        try:
            articles.append(_json_record(record, i, len(records), where, name, stem))
        except ArticleError as exc:
            if not isinstance(data, list):
                raise
            problems.append((where, exc.message))
    if problems:  # the good records of a list still land; each bad one is reported by its index
        raise PartialArticles(articles, problems)
    return articles


def _json_record(record: object, i: int, count: int, where: str, name: str, stem: str) -> Article:
    """One record of a JSON file (`where` names it: the file, or the file and its index in a list)."""
    if not isinstance(record, dict):
        raise ArticleError(f"{where}: not an object; expected {{\"title\": ..., \"body\": ...}}")
    title = str(record.get("title") or record.get("headline") or "").strip()
    body = record.get("body") or record.get("text") or record.get("content") or record.get("articleBody")
    if not isinstance(body, str) or not body.strip():
        raise ArticleError(f"{where}: no 'body' (or 'text'/'content') string; add the article text")
    _, paragraphs = clean_lines([title or "-", *body.splitlines()])
    if not paragraphs or _too_short("\n\n".join(paragraphs)):
        raise ArticleError(f"{where}: no article text found after removing boilerplate; check the record")
    default_id = stem if count == 1 else f"{stem}-{i + 1}"
    lang = record.get("lang") or record.get("inLanguage") or record.get("language")
    return Article(
        id=slugify(str(record.get("id") or default_id)), title=_strip_site_prefix(title) or paragraphs[0][:80],
        body="\n\n".join(paragraphs), source=name,
        date=_iso_date(record.get("date") or record.get("datePublished")) or _date_from_name(stem),
        url=record.get("url"), lang=normalise_lang(lang, where) if lang else "")


def _iso_date(value: object) -> str | None:
    match = _DATE_IN_NAME.search(str(value)) if value else None
    return "-".join(match.groups()) if match else None

