"""PDF reports (issue 19): a multi-page report written by the test itself with reportlab, read through the
real pypdf extraction, ingested with the real model into a real store; evidence keeps its page."""

from __future__ import annotations

from pathlib import Path

import pytest

from commgraph.errors import ArticleError
from commgraph.sources import iter_source_files, read_path

HEADER = "Test Fixture Internet Institute | Statistical Report on Community Apps 2016"
# What each page says, as lines set on the page; a line of cells is a table row ("\t" between cells).
PAGES = [
    ["TEST FIXTURE: Statistical Report on Community Apps",
     "",
     "By June 2016 the number of QQ group users in China had reached",
     "800 million, and the interest tribes of Tencent grew fast among stu-",
     "dents in Beijing and Shanghai.",
     "",
     "Tang Daosheng said the tribes would open to all users by the end of",
     "the year."],
    ["Weibo had 282 million monthly active users at the end of June 2016.",
     "",
     "Platform\tUsers (million)\tGrowth",
     "QQ groups\t800\t12%",
     "Weibo\t282\t33%",
     "",
     "Douban reached 200 million registered users, according to the report, while Momo said its",
     "monthly active users rose to 81 million in the second"],
    ["quarter of 2016.",
     "",
     "Bilibili had 100 million monthly active users, most of them born after 1990."],
]
BODY = ("By June 2016 the number of QQ group users in China had reached 800 million, and the interest tribes of "
        "Tencent grew fast among students in Beijing and Shanghai.\n\n"
        "Tang Daosheng said the tribes would open to all users by the end of the year.\n\n"
        "Weibo had 282 million monthly active users at the end of June 2016.\n\n"
        "Platform | Users (million) | Growth\n\nQQ groups | 800 | 12%\n\nWeibo | 282 | 33%\n\n"
        "Douban reached 200 million registered users, according to the report, while Momo said its monthly active "
        "users rose to 81 million in the second quarter of 2016.\n\n"
        "Bilibili had 100 million monthly active users, most of them born after 1990.")


def write_report(path: Path, pages: list[list[str]] = PAGES, title: str | None = None) -> Path:
    """The fixture PDF: a running header and a 'Page N of M' footer on every page, body lines at 16 pt."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    width, height = A4
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)  # invariant: the same bytes on every run
    if title:
        pdf.setTitle(title)
    for number, lines in enumerate(pages, 1):
        pdf.setFont("Helvetica", 9)
        pdf.drawString(72, height - 40, HEADER)
        pdf.drawString(width / 2 - 30, 30, f"Page {number} of {len(pages)}")
        pdf.setFont("Helvetica", 11)
        y = height - 90
        for line in lines:
            for column, cell in enumerate(line.split("\t")):
                pdf.drawString(72 + 160 * column, y, cell)
            y -= 16
        pdf.showPage()
    pdf.save()
    return path


def test_multi_page_report_text_headers_hyphens_tables_and_pages(tmp_path):
    article = read_path(write_report(tmp_path / "2016-08-10-test-fixture-community-report.pdf"))[0]
    assert article.title == "TEST FIXTURE: Statistical Report on Community Apps"
    assert article.date == "2016-08-10" and article.lang == "en"
    assert article.body == BODY  # no header, no "Page 2 of 3", "students" whole, a table row a line
    assert len(article.pages) == 3
    assert article.body[article.pages[1]:].startswith("Weibo had 282 million")
    assert article.body[article.pages[2]:].startswith("quarter of 2016.")  # the sentence crosses the break
    assert article.page_at(BODY.index("800 million")) == 1
    assert article.page_at(BODY.index("Douban")) == 2
    assert article.page_at(BODY.index("Bilibili")) == 3


def test_pdf_metadata_title_wins_and_a_folder_lists_pdfs(tmp_path):
    write_report(tmp_path / "report.pdf", title="TEST FIXTURE: Community apps, first half of 2016")
    assert tmp_path / "report.pdf" in list(iter_source_files([tmp_path]))
    article = read_path(tmp_path / "report.pdf")[0]
    assert article.title == "TEST FIXTURE: Community apps, first half of 2016"
    assert article.body.startswith("TEST FIXTURE: Statistical Report")  # the heading is then body


def test_scanned_pdf_says_so_and_is_skipped(tmp_path, settings, extractor):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from commgraph.pipeline import ingest

    scanned = tmp_path / "in" / "scanned-report.pdf"
    scanned.parent.mkdir()
    pdf = canvas.Canvas(str(scanned), pagesize=A4, invariant=1)
    for _ in range(2):  # pages of pictures only: grey boxes where a scanner would put the image
        pdf.setFillGray(0.5)
        pdf.rect(72, 72, 400, 600, fill=1)
        pdf.showPage()
    pdf.save()
    with pytest.raises(ArticleError, match=r"scanned-report\.pdf: no text layer in its 2 page\(s\).*OCR"):
        read_path(scanned)
    write_report(scanned.parent / "2016-08-10-report.pdf")
    report = ingest([scanned.parent], settings, extractor=extractor)
    assert report.added == ["2016-08-10-report"]  # the readable one lands, the scanned one is not stored empty
    assert [f.path for f in report.failed] == [str(scanned)] and "OCR" in report.failed[0].message


def test_damaged_pdf_is_a_clear_error(tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF")
    with pytest.raises(ArticleError, match=r"broken\.pdf: not a readable PDF \(PdfReadError: .*\); check the file"):
        read_path(broken)
    broken.write_bytes(b"not a PDF at all, only its name")
    with pytest.raises(ArticleError, match=r"broken\.pdf: not a readable PDF"):
        read_path(broken)


def test_evidence_keeps_its_page_and_offsets_point_into_the_text(tmp_path, settings, extractor):
    from commgraph import generations as gens
    from commgraph.check import check_generation
    from commgraph.graph import EmbeddedStore
    from commgraph.pipeline import ingest
    from commgraph.vocab import Minter

    path = write_report(tmp_path / "2016-08-10-test-fixture-community-report.pdf")
    report = ingest([path], settings, extractor=extractor)
    assert report.added == ["2016-08-10-test-fixture-community-report"] and not report.failed
    store = EmbeddedStore(gens.require_current(settings.data_dir) / "store", Minter(settings.base_iri), read_only=True)
    rows = list(store.query("""
        PREFIX cg: <https://w3id.org/commgraph/ns#> PREFIX nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#>
        PREFIX schema: <https://schema.org/>
        SELECT ?text ?begin ?end ?page ?body WHERE {
          ?f a schema:Observation ; cg:valueText ?text ; nif:beginIndex ?begin ; nif:endIndex ?end ; cg:evidence ?s .
          ?s cg:page ?page ; schema:isPartOf ?a . ?a schema:text ?body }""", use_default_graph_as_union=True))
    pages = {row["text"].value: int(row["page"].value) for row in rows}
    assert pages.get("800 million") == 1 and pages.get("282 million") == 2 and pages.get("100 million") == 3
    for row in rows:  # each figure's offsets are offsets into the extracted text
        assert row["body"].value[int(row["begin"].value):int(row["end"].value)] == row["text"].value
    assert check_generation(settings, shacl=True) == []  # cg:page fits the shapes
    # A rebuild from the store (no file given) keeps the pages
    rebuilt = ingest([], settings, extractor=extractor, rebuild=True)
    assert rebuilt.updated == ["2016-08-10-test-fixture-community-report"]
    store = EmbeddedStore(gens.require_current(settings.data_dir) / "store", Minter(settings.base_iri), read_only=True)
    assert store.query("ASK { ?s <https://w3id.org/commgraph/ns#page> 3 }", use_default_graph_as_union=True)
