"""The printable ministry reports fit A4 landscape with every column: Chromium renders them to PDF
(the print style sheet, as a person printing gets it), and the columns are counted twice — in the
PDF's text (every header of every table is there) and in the print layout (no header cell reaches
past the printable width of an A4 landscape page)."""
from __future__ import annotations

import io
import re
import unicodedata

import pytest

from talent.extensions import db
from tests.browser_helpers import journey_folder, sign_in
from tests.factories import PASSWORD
from tests.test_browser_journeys import _ministry_data, browser, catalogs, journey, live  # noqa: F401

A4_LANDSCAPE_PT = (842, 595)
# 297 mm less 2 × 10 mm margins, in CSS pixels (96 per inch)
PRINTABLE_WIDTH_PX = (297 - 20) / 25.4 * 96

HEADERS_JS = """
() => Array.from(document.querySelectorAll(".print-report table")).map(t => ({
  headers: Array.from(t.querySelectorAll("thead th")).map(th => th.innerText.trim()),
  rights: Array.from(t.querySelectorAll("thead th")).map(th => th.getBoundingClientRect().right),
}))
"""


@pytest.mark.parametrize("report", ["regions", "dashboard", "fairness"])
def test_print_report_fits_a4_landscape_with_every_column(journey, factory, report, request):  # noqa: F811
    from pypdf import PdfReader
    _ministry_data(factory)
    analyst = factory.user("ministry", email="print@gov.az")
    db.session.commit()

    j = journey(locale="en-US")
    page = j.page
    sign_in(j, analyst.email, PASSWORD)
    j.goto(f"/ministry/print/{report}")

    page.emulate_media(media="print")
    page.set_viewport_size({"width": round(PRINTABLE_WIDTH_PX), "height": 900})
    tables = page.evaluate(HEADERS_JS)
    assert tables and all(t["headers"] for t in tables), tables
    widest = max(len(t["headers"]) for t in tables)
    for table in tables:
        overflow = [h for h, right in zip(table["headers"], table["rights"]) if right > PRINTABLE_WIDTH_PX + 1]
        assert not overflow, f"{report}: columns past the A4 landscape width: {overflow} of {table['headers']}"

    # The worst case for the first page: the skip link has focus, so it is a box before the report
    # (a CI run printed the first page on the default Letter size that way).
    page.keyboard.press("Tab")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (journey_folder(request.node.name) / f"{report}.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    sizes = [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages]
    assert sizes == [A4_LANDSCAPE_PT] * len(reader.pages), sizes   # every page, the first one too
    # NFKC: the PDF's text has the font's ligatures ("ﬁ" in "Certiﬁed").
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", " ".join(p.extract_text() or "" for p in reader.pages)))
    for table in tables:
        missing = [h for h in table["headers"] if h and re.sub(r"\s+", "", h) not in text
                   and not all(word in text for word in re.findall(r"\w+", h))]
        assert not missing, f"{report}: columns missing from the PDF: {missing}"
    if report == "regions":
        assert widest >= 10, tables  # the wide table the issue found cut to 8 of 15 columns
    j.assert_clean_console()
