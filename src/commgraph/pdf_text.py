"""PDF reports -> one `Article` whose body is the text of every page, with the offset where each page starts.

pypdf's layout mode keeps a page's blank lines (paragraph breaks) and the gaps between table columns, so:
running headers and footers (a line among the first or last three of most pages, digits aside) are dropped,
words hyphenated at a line end are joined, wrapped lines become paragraphs, and a table row stays one line with
its cells joined by " | ". Offsets of facts are offsets into this body; `Article.page_at` maps one to its page.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from typing import Callable

from .errors import ArticleError

EDGE_LINES = 3  # lines at the top and at the bottom of a page where running headers and footers sit
_PAGE_NUMBER = re.compile(r"^\W*((page|p\.|seite)\s*)?\d{1,4}(\s*(of|/)\s*\d{1,4})?\W*$|^第\s*\d+\s*页(\s*/?\s*共\s*\d+\s*页)?$",
                          re.IGNORECASE)
_COLUMN_GAP = re.compile(r"\S(\s{3,})\S")  # layout mode spaces table cells apart; prose has single spaces
_END_OF_SENTENCE = re.compile(r"[.!?:;。！？：；”\"')）]$")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_UNTITLED = re.compile(r"^(untitled|unknown|anonymous|microsoft word - .*|.*\.(docx?|pdf|indd|tex))$", re.IGNORECASE)
_MIN_LETTERS = 40  # fewer letters in the whole file than this: no text layer (a scanned report)


@dataclass(frozen=True)
class PdfText:
    """What a PDF file says: its title, its body, where each page starts in the body, its creation date."""

    title: str
    body: str
    pages: tuple[int, ...]
    created: str | None


def read_pdf(data: bytes, name: str, stem: str, is_furniture: Callable[[str], bool]) -> PdfText:
    """The text of one PDF file; `is_furniture` says which paragraphs are site furniture (sources' boilerplate
    rules). A file without a text layer (scanned pages) is an error that says so."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    # pypdf logs every recoverable oddity of a file as a warning of its logger: that is noise on the console
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ArticleError(f"{name}: the PDF is encrypted with a password; save a copy without it and ingest that")
        texts = [page.extract_text(extraction_mode="layout") or "" for page in reader.pages]
        info = reader.metadata or {}
        meta_title, created = str(info.get("/Title") or ""), str(info.get("/CreationDate") or "")
    # pypdf raises its own errors for a damaged file, and plain ones from deep inside its object parser
    except (PyPdfError, ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise ArticleError(f"{name}: not a readable PDF ({type(exc).__name__}: {str(exc)[:200]}); "
                           "check the file, or export it again") from None
    if not texts:
        raise ArticleError(f"{name}: the PDF has no pages")
    pages = [page.split("\n") for page in texts]
    if sum(ch.isalnum() for page in texts for ch in page) < _MIN_LETTERS:
        raise ArticleError(f"{name}: no text layer in its {len(pages)} page(s), probably scanned images; run OCR "
                           "on it first (e.g. `ocrmypdf in.pdf out.pdf`) and ingest the result. Skipped.")
    pages = _drop_running_lines(pages)
    paragraphs = [(n, kind, text) for n, lines in enumerate(pages) for kind, text in _paragraphs(lines)]
    paragraphs = [p for p in paragraphs if not is_furniture(p[2])]
    title = " ".join(meta_title.split())
    if not title or _UNTITLED.match(title):
        title = paragraphs[0][2] if paragraphs and len(paragraphs[0][2]) <= 200 else stem
    if paragraphs and " ".join(paragraphs[0][2].split()).lower() == title.lower():
        paragraphs = paragraphs[1:]  # the title page's heading is the title, not body
    body, starts = _join(paragraphs, len(pages))
    return PdfText(title=title, body=body, pages=tuple(starts), created=_pdf_date(created))


def _pdf_date(value: str) -> str | None:
    """'D:20160810093000+08'00'' -> '2016-08-10'."""
    match = re.match(r"^(?:D:)?(\d{4})(\d{2})(\d{2})", value)
    return "-".join(match.groups()) if match else None


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.split()).lower())


def _drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Remove headers and footers: a line at a page's top or bottom seen (digits aside, so "Page 3 of 9") on
    at least half the pages, and bare page numbers anywhere at the edges."""
    edges = []
    for lines in pages:
        filled = [i for i, line in enumerate(lines) if line.strip()]
        edges.append(set(filled[:EDGE_LINES] + filled[-EDGE_LINES:]))
    counts: dict[str, int] = {}
    for lines, edge in zip(pages, edges):
        for key in {_key(lines[i]) for i in edge}:
            counts[key] = counts.get(key, 0) + 1
    needed = max(2, (len(pages) + 1) // 2)
    kept = []
    for lines, edge in zip(pages, edges):
        kept.append(["" if i in edge and (counts[_key(line)] >= needed or _PAGE_NUMBER.match(line.strip()))
                     else line for i, line in enumerate(lines)])
    return kept


def _paragraphs(lines: list[str]) -> list[tuple[str, str]]:
    """A page's lines as ("prose" | "table", text): blank lines end paragraphs, wrapped lines are joined (a word
    hyphenated at the line end is made whole), and each table row is its own line with ' | ' between cells."""
    out: list[tuple[str, str]] = []
    current = ""
    for raw in [*lines, ""]:
        line = raw.strip()
        if line and _COLUMN_GAP.search(line):
            if current:
                out.append(("prose", current))
                current = ""
            out.append(("table", " | ".join(re.split(r"\s{3,}", line))))
        elif line:
            current = _join_lines(current, " ".join(line.split())) if current else " ".join(line.split())
        elif current:
            out.append(("prose", current))
            current = ""
    return out


def _join_lines(left: str, right: str) -> str:
    """Join two wrapped lines: 'stu-' + 'dents' -> 'students'; no space between Chinese characters."""
    if re.search(r"[^\W\d_]-$", left) and right[:1].islower():
        return left[:-1] + right
    if _CJK.match(left[-1:]) and _CJK.match(right[:1]):
        return left + right
    return f"{left} {right}"


def _join(paragraphs: list[tuple[int, str, str]], page_count: int) -> tuple[str, tuple[int, ...]]:
    """The body and the offset where each page starts. A sentence cut by a page break (no end punctuation
    before, lower case after) is joined into one paragraph; its page starts inside it."""
    body = ""
    starts = [0] * page_count
    last_page, last_kind = -1, ""
    for page, kind, text in paragraphs:
        for skipped in range(last_page + 1, page + 1):
            starts[skipped] = len(body) + (2 if body else 0)
        continues = (page != last_page and last_kind == "prose" and kind == "prose"
                     and not _END_OF_SENTENCE.search(body) and text[:1].islower())
        if continues:
            joined = _join_lines(body, text)
            starts[page] = len(body) + (len(joined) - len(body) - len(text))
            body = joined
        else:
            body = f"{body}\n\n{text}" if body else text
        last_page, last_kind = page, kind
    for skipped in range(last_page + 1, page_count):
        starts[skipped] = len(body)
    return body, tuple(starts)
