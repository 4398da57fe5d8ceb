"""The book's tables, laid out by the real pandoc and Typst with the book's rules, read as printed.

See ``tests/pdf.py``. Every table of every chapter is set on the book's page
and checked three ways: no word printed over another, no word past the right
edge of its column (two columns run together, "sec. Methodologyeach", end
past it), no value broken across lines ("9.3 ×" over "10⁻¹⁰"). Then every
table is set again at twenty heights on a page, so that page breaks cut it
everywhere they can: a short table (at most ``short-table-rows`` body rows)
that fits on a page never breaks, and no page holds a single row of a table.
The first tests check the checks on tables made to fail them.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

import pdf
import qmd
import reader
from analysis.formatting import format_scientific
from analysis.tables import markdown_table
from book import chapter_files

pytestmark = pytest.mark.skipif(pdf.missing_tools() is not None, reason=f"PDF layout check: {pdf.missing_tools()}")

CHAPTERS = chapter_files()
#: Lines of filler set before a table, so that each placement of it starts lower on its page.
OFFSETS = tuple(range(0, 60, 3))
#: The largest number of body rows of a table that never breaks across pages (book-rules.typ).
SHORT_TABLE_ROWS = int(re.search(r"#let short-table-rows = (\d+)", pdf.BOOK_RULES.read_text(encoding="utf-8"))[1])


def _long_table() -> str:
    frame = pd.DataFrame({"Package": [f"package-{index}" for index in range(97)], "Version": ["1.2.3"] * 97})
    return markdown_table(frame).data


def _wide_table() -> str:
    frame = pd.DataFrame(
        {
            "Quantity": ["Share of the tracked charities receiving grant funding in 2008"] * 3,
            "Value": ["£100,000"] * 3,
            "Unit": ["percent"] * 3,
            "Where": ["sec. Methodology"] * 3,
            "Note": ["an approximate upper bound, reported from Gill et al (2011) as cited by Body"] * 3,
            "p": [format_scientific(9.3e-10)] * 3,
        }
    )
    return markdown_table(frame).data


def _rows(count: int) -> str:
    return markdown_table(pd.DataFrame({"Key": [f"row {index}" for index in range(1, count + 1)], "Value": ["a value"] * count})).data


def _read(document: str, folder, name: str = "document"):
    compiled = pdf.compile_pdf(document, folder, name)
    return pdf.words(compiled), pdf.cells(compiled)


def test_the_checks_see_overprinted_colliding_and_broken_words(tmp_path):
    found, placed = _read(pdf.table_document([("long", _long_table()), ("wide", _wide_table())]), tmp_path)
    assert pdf.overlaps(found) == [] and pdf.overflows(found, placed) == [] and pdf.split_values(found) == []
    assert len({cell["page"] for cell in placed if cell["table"] == 1}) > 1, "the long table should continue on a second page"

    lines = _wide_table().replace("\u00a0", " ").splitlines()
    lines[1] = "|" + "|".join(["-" * 30, "-", "-", "-", "-" * 60, "-"]) + "|"
    found, placed = _read(pdf.table_document([("narrow", "\n".join(lines))]), tmp_path)
    overflowing = {word.text for word, _ in pdf.overflows(found, placed)}
    assert {"£100,000", "percent"} <= overflowing, "words wider than their column must be found"
    assert pdf.split_values(found), "a p-value written with breaking spaces, broken in a narrow column, must be found"

    overprinted = [pdf.Word(1, "term", 10, 100, 60, 112.5), pdf.Word(1, "description", 20, 108.3, 90, 120.8)]
    assert pdf.overlaps(overprinted), "a term 0.4 em into the line below it is overprinted"
    assert not pdf.overlaps([overprinted[0], pdf.Word(1, "next", 20, 112.4, 90, 124.9)]), "neighbouring lines touch"


def test_the_breaking_checks_see_split_short_tables_and_lone_rows(tmp_path):
    tables = [("short", _rows(5)), ("long", _rows(14))]
    fixed = pdf.cells(pdf.compile_pdf(pdf.table_document(tables, offsets=OFFSETS, probe=pdf.ROW_PROBE), tmp_path))
    assert _broken_short_tables(fixed, len(OFFSETS)) == [] and pdf.lone_rows(fixed) == []
    every_table_breaks = '#show figure.where(kind: "quarto-float-tbl"): set block(breakable: true)'
    broken = pdf.cells(pdf.compile_pdf(pdf.table_document(tables, rules=every_table_breaks, offsets=OFFSETS, probe=pdf.ROW_PROBE), tmp_path))
    assert _broken_short_tables(broken, len(OFFSETS)), "a short table cut by a page break must be found"
    assert pdf.lone_rows(broken), "a row alone at the foot of a page or on a page of its own must be found"


def _tables(path) -> list[tuple[str, str]]:
    """``(caption, table)`` for every pipe table a reader sees on the page: in its prose and in what its cells show."""
    if not qmd.parse(path).blocks:
        return [(f"{path.name} table {index}", table) for index, table in enumerate(reader.pipe_tables(qmd.parse(path).markdown), 1)]
    tables = []
    for cell in qmd.executed(path).cells:
        texts = [cell.source] if cell.cell_type == "markdown" else reader.markdown_outputs(cell)
        tables += [(f"{path.name} line {cell.metadata['qmd']['line']}", table) for text in texts for table in reader.pipe_tables(text)]
    return tables


def _broken_short_tables(placed: list[dict], placements: int) -> list[int]:
    """Placements of a short table set on two pages though the same table fits on one at the top of a page."""
    rows = pdf.rows_by_page(placed)
    pages = {table: set().union(*by_row.values()) for table, by_row in rows.items()}
    broken = []
    for table, by_row in rows.items():
        first = table - (table - 1) % placements
        fits = len(pages.get(first, ())) == 1
        if len(by_row) <= SHORT_TABLE_ROWS and fits and len(pages[table]) > 1:
            broken.append(table)
    return broken


@pytest.mark.slow
@pytest.mark.parametrize("path", CHAPTERS, ids=lambda path: path.name)
def test_every_table_fits_its_columns_in_the_pdf(path, tmp_path):
    tables = _tables(path)
    if not tables:
        pytest.skip(f"{path.name} shows no table")
    found, placed = _read(pdf.table_document(tables), tmp_path)
    problems = [f"p{a.page} {a.text!r} over {b.text!r}" for a, b in pdf.overlaps(found)]
    problems += [f"p{word.page} {word.text!r} runs out of column {cell['column'] + 1} of {tables[cell['table'] - 1][0]}" for word, cell in pdf.overflows(found, placed)]
    problems += [f"p{a.page} {a.text!r} ends a line before {b.text!r}" for a, b in pdf.split_values(found)]
    assert not problems, f"{path.name}: " + "; ".join(problems[:12])


@pytest.mark.slow
@pytest.mark.parametrize("path", CHAPTERS, ids=lambda path: path.name)
def test_tables_break_only_where_a_reader_can_follow(path, tmp_path):
    tables = _tables(path)
    if not tables:
        pytest.skip(f"{path.name} shows no table")
    placed = pdf.cells(pdf.compile_pdf(pdf.table_document(tables, offsets=OFFSETS, probe=pdf.ROW_PROBE), tmp_path))
    name = lambda table: tables[(table - 1) // len(OFFSETS)][0]  # noqa: E731
    problems = [f"{name(table)} is cut by a page break" for table in _broken_short_tables(placed, len(OFFSETS))]
    problems += [f"{name(table)} leaves row {row} alone on page {page}" for table, page, row in pdf.lone_rows(placed)]
    assert not problems, f"{path.name}: " + "; ".join(sorted(set(problems))[:12])


#: A template rule of the kind that printed "Chapter 2." in the real render: the heading's own
#: numbering pattern, trailing full stop included. The book's rules come after the template's.
_TEMPLATE_REF_RULE = """\
#set heading(numbering: "1.", supplement: [Chapter])
#show ref: it => context {
  let target = it.element
  if target != none and target.func() == heading {
    link(target.location(), [#target.supplement #numbering("1.", ..counter(heading).at(target.location()))])
  } else { it }
}
"""
_BODY = """
= One <sec-one>
See @sec-two, #ref(<sec-two>, supplement: [Chapter]) and @sec-two-one.
= Two <sec-two>
== Two one <sec-two-one>
#state("appendix-state", none).update("Appendices")
#counter(heading).update(0)
#set heading(supplement: [Appendix])
= Data <sec-data>
= Code <sec-code>
Reproduce it (@sec-code).
"""


def _text(document: str, folder) -> str:
    pdf_file = pdf.compile_pdf(document, folder)
    return " ".join(word.text for word in pdf.words(pdf_file))


def test_cross_references_read_chapter_2_and_appendix_b_without_a_full_stop(tmp_path):
    page = "\n".join([pdf.STAND_IN.read_text(encoding="utf-8"), "#show: book-page", _TEMPLATE_REF_RULE])
    text = _text("\n".join([page, pdf.BOOK_RULES.read_text(encoding="utf-8"), _BODY]), tmp_path)
    assert "See Chapter 2, Chapter 2 and Chapter 2.1." in text
    assert "(Appendix B)." in text
    without = _text("\n".join([page, _BODY]), tmp_path)
    assert "Chapter 2." in without and "(Appendix 2.)" in without, "the check must see the stray full stop"
