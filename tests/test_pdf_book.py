"""The book's pages, laid out by the real pandoc and Typst with the book's rules, read as printed.

See ``tests/pdf.py``. A book of the same make as this one is set with the
stand-in for Quarto's Typst book template (``tests/quarto_book.typ``) and the
files ``_quarto.yml`` includes: the preface, the parts and chapters, the
appendices and the unnumbered references, in the order and with the titles
``_quarto.yml`` and the chapters give, each chapter with a few pages of
stand-in prose of varying length, so that chapters end on odd and on even
pages. Its pages are read back: no page but the title page and the part
pages holds fewer than a few lines (no blank versos, no page with only the
"Appendices" heading), and every running head names the chapter of its own
page. The glossary's own Markdown is set too: no term over its description.
Each test also sets the same pages without the book's rules and requires the
defect the real render showed, so the check is known to see it.

What only a real Quarto render can show: that Quarto's template behaves as
the stand-in does in every other respect (fonts, callouts, figures, the
table of contents), and the page count of the whole book.
"""

from __future__ import annotations

import re

import pytest

import pdf
import qmd
from analysis import config
from book import page_markdown, quarto_config

pytestmark = pytest.mark.skipif(pdf.missing_tools() is not None, reason=f"PDF layout check: {pdf.missing_tools()}")

#: A page must hold at least this many lines of text, unless it is the title page or a part page.
#: (Typst keeps a paragraph's last line from standing alone at the top of a page, so a page of
#: one line is a heading or a blank page; a chapter may still end with two lines on a page, as
#: in any book, which only editing the prose avoids.)
MIN_LINES = 2
_PROSE = "This sentence stands in for a line or so of the chapter's prose, long enough to wrap once. " * 4
_HEADING = re.compile(r"^# (?P<title>.+?)(?: \{(?P<attributes>[^}]*)\})?$", re.MULTILINE)


def _title(name: str) -> tuple[str, bool]:
    """The title of a listed page and whether Quarto numbers it."""
    match = _HEADING.search(page_markdown(config.ROOT / qmd_source(name)))
    return match["title"], ".unnumbered" not in (match["attributes"] or "")


def qmd_source(name: str) -> str:
    from analysis.notebooks import chapter_source

    return chapter_source(name)


def _chapter(title: str, numbered: bool, index: int) -> str:
    """Markdown for a chapter of stand-in prose: two sections, a length that varies with ``index``.

    A marker records the page the chapter begins on, for :func:`misnamed_heads`.
    """
    marker = f'```{{=typst}}\n#context [#metadata((title: "{title}", page: here().page())) <chapter>]\n```'
    # Quarto marks every heading of an unnumbered chapter unnumbered (quarto-pre/book-numbering.lua).
    unnumbered = "" if numbered else " {.unnumbered}"
    heading = f"# {title}{unnumbered}"
    sections = [f"## {title}, part {part}{unnumbered}\n\n" + "\n\n".join([_PROSE] * (3 + (7 * index + 5 * part) % 17)) for part in (1, 2)]
    return "\n\n".join([heading, marker, *sections])


def book_body() -> str:
    """The Typst body of a book made as ``_quarto.yml`` lists this one, with stand-in prose."""
    book = quarto_config()["book"]
    parts, index = [], 0
    for entry in book["chapters"]:
        names = [entry] if isinstance(entry, str) else entry["chapters"]
        if isinstance(entry, dict):
            parts.append(f"#part[{entry['part']}]")
        for name in names:
            index += 1
            parts.append(pdf.markdown_to_typst(_chapter(*_title(name), index)))
    # What Quarto's orange-book filter writes before the first appendix (orange-book.lua).
    parts.append('#show: appendices.with("Appendices", hide-parent: true)\n#heading(level: 1, numbering: none)[Appendices]')
    for name in book["appendices"]:
        index += 1
        parts.append(pdf.markdown_to_typst(_chapter(*_title(name), index)))
    return "\n\n".join(parts)


def _read(document: str, folder, name: str):
    compiled = pdf.compile_pdf(document, folder, name)
    return pdf.words(compiled), pdf.query(compiled, "<part-page>"), pdf.query(compiled, "<chapter>")


def short_pages(found, part_pages) -> list[tuple[int, int]]:
    """``(page, lines)`` for each page, but the title page and the part pages, with fewer than :data:`MIN_LINES`."""
    exempt = {1} | {part["page"] for part in part_pages}
    return [(page, lines) for page, lines in pdf.body_lines(found).items() if page not in exempt and lines < MIN_LINES]


def misnamed_heads(found, chapters) -> list[tuple[int, str, str]]:
    """``(page, head, chapter)`` for each running head that does not name the chapter of its page.

    An unnumbered chapter (the preface, the references) is headed by its title
    alone, with neither number nor letter.
    """
    starts = sorted((chapter["page"], chapter["title"]) for chapter in chapters)
    wrong = []
    for page, head in sorted(pdf.running_heads(found).items()):
        head = head.replace("’", "'")
        title = max((start for start in starts if start[0] <= page), default=(0, ""))[1]
        unnumbered = title in ("Preface", "References")
        if title not in head or (unnumbered and not head.startswith(title)):
            wrong.append((page, head, title))
    return wrong


def test_no_blank_or_nearly_empty_pages_and_every_head_names_its_chapter(tmp_path):
    body = book_body()
    found, part_pages, chapters = _read(pdf.book_document(body), tmp_path, "book")
    assert len(part_pages) == len(quarto_config()["book"]["chapters"]) - 1, "every part must have its page"
    assert short_pages(found, part_pages) == [], "pages with fewer than a few lines of text"
    assert misnamed_heads(found, chapters) == [], "running heads that name another chapter"
    assert pdf.overlaps(found) == []

    found, part_pages, chapters = _read(pdf.book_document(body, header="", before=""), tmp_path, "template")
    blank = short_pages(found, part_pages)
    assert len(blank) >= 5 and any(lines == 0 for _, lines in blank), f"the template's blank versos must be found: {blank}"
    appendices = next(chapter["page"] for chapter in chapters if chapter["title"] == "Data and provenance")
    assert (appendices - 1, 1) in blank or (appendices - 2, 1) in blank, "the page holding only 'Appendices' must be found"
    assert any(re.fullmatch(r"[A-Z]\. References", head) for _, head, _ in misnamed_heads(found, chapters)), (
        "the references headed by the last appendix's letter must be found"
    )


def test_the_glossary_prints_no_term_over_its_description(tmp_path):
    body = pdf.markdown_to_typst(qmd.parse(config.CHAPTERS / "glossary.qmd").markdown)
    found = pdf.words(pdf.compile_pdf(pdf.page_document(body), tmp_path, "glossary"))
    terms = re.findall(r"^(\S.*)\n: ", (config.CHAPTERS / "glossary.qmd").read_text(encoding="utf-8"), re.MULTILINE)
    assert len(terms) > 20 and {"Back-stage", "Buffering"} <= {word.text for word in found}
    assert pdf.overlaps(found) == [], "a term printed over its description"
    template = pdf.words(pdf.compile_pdf(pdf.page_document(body, rules=""), tmp_path, "template"))
    assert len(pdf.overlaps(template)) > len(terms), "the template's rule prints each term over its description"
