"""The book's tables, laid out by the real pandoc and Typst, print no word over another.

See ``tests/pdf.py``. The first test checks the check itself: without the
book's Typst rules a 97-row table is overprinted at the foot of its page (as
in the real render of the package list), and a separator line that gives a
column too few dashes makes its words collide with the next column. The
second lays out every table of every chapter as executed.
"""

from __future__ import annotations

import pandas as pd
import pytest

import pdf
import qmd
import reader
from analysis.tables import markdown_table
from book import chapter_files

pytestmark = pytest.mark.skipif(pdf.missing_tools() is not None, reason=f"PDF layout check: {pdf.missing_tools()}")

EXECUTABLE = [path for path in chapter_files() if path.exists() and qmd.parse(path).blocks]


def _long_table() -> str:
    frame = pd.DataFrame({"Package": [f"package-{index}" for index in range(97)], "Version": ["1.2.3"] * 97})
    return markdown_table(frame).data


def _wide_table() -> str:
    frame = pd.DataFrame(
        {
            "Quantity": ["Share of the tracked charities receiving grant funding in 2008"] * 3,
            "Value": ["£100,000"] * 3,
            "Unit": ["percent"] * 3,
            "Stated as": ["over 80 commissioning processes"] * 3,
            "Note": ["an approximate upper bound, reported from Gill et al (2011) as cited by Body"] * 3,
            "Page": ["p. 127"] * 3,
        }
    )
    return markdown_table(frame).data


def test_layout_check_sees_overprinted_and_colliding_words(tmp_path):
    fixed = pdf.compile_pdf(pdf.typst_document([("long", _long_table()), ("wide", _wide_table())]), tmp_path)
    assert pdf.overlaps(pdf.words(fixed)) == []
    assert max(word.page for word in pdf.words(fixed)) > 1, "the long table should continue on a second page"

    unbreakable = pdf.compile_pdf(pdf.typst_document([("long", _long_table())], rules=""), tmp_path)
    assert len(pdf.overlaps(pdf.words(unbreakable))) > 50, "rows squeezed into one page must be found"

    lines = _wide_table().splitlines()
    lines[1] = "|" + "|".join(["-" * 30, "-", "-", "-" * 5, "-" * 60, "-"]) + "|"
    narrow = pdf.compile_pdf(pdf.typst_document([("narrow", "\n".join(lines))]), tmp_path)
    assert pdf.overlaps(pdf.words(narrow)), "a column narrower than its words must be found"


@pytest.mark.slow
@pytest.mark.parametrize("path", EXECUTABLE, ids=lambda path: path.name)
def test_no_two_words_of_a_table_overlap_in_the_pdf(path, tmp_path):
    notebook = qmd.executed(path)
    tables = [
        (f"{path.name} line {cell.metadata['qmd']['line']}", table)
        for cell in notebook.cells
        for text in reader.markdown_outputs(cell)
        for table in reader.pipe_tables(text)
    ]
    if not tables:
        pytest.skip(f"{path.name} shows no table")
    found = pdf.words(pdf.compile_pdf(pdf.typst_document(tables), tmp_path))
    pairs = pdf.overlaps(found)
    assert not pairs, f"{path.name}: words printed over each other: " + "; ".join(
        f"p{first.page} {first.text!r}/{second.text!r}" for first, second in pairs[:10]
    )


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
    rules = pdf.BOOK_RULES.read_text(encoding="utf-8")
    text = _text("\n".join([pdf.PAGE, _TEMPLATE_REF_RULE, rules, _BODY]), tmp_path)
    assert "See Chapter 2, Chapter 2 and Chapter 2.1." in text
    assert "(Appendix B)." in text
    without = _text("\n".join([pdf.PAGE, _TEMPLATE_REF_RULE, _BODY]), tmp_path)
    assert "Chapter 2." in without and "(Appendix 2.)" in without, "the check must see the stray full stop"
