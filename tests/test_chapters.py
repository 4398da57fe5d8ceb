"""Every chapter runs in a real Jupyter kernel, and what it shows is what a reader should see.

Each chapter runs once per test session in a fresh kernel in its own folder,
with the book's own engine (``analysis/notebooks.py``: Quarto's set-up, the
cells, the inline expressions), which makes the notebook Quarto renders
(``qmd.executed`` shares it between the tests below). A failing cell fails the
test, naming the chapter, the line and the cell's label (``tests/test_notebooks.py``
also checks that each committed notebook is byte for byte this execution). The executed notebook is then checked the way a reader would see the
render (``tests/reader.py``): one image per figure, no raw output, one
Markdown table per table cell, every table word inside its PDF column, long
tables breakable, no internal identifiers. Markdown that ``output: asis``
cells print (the thematic summaries) is checked for citations missing from
``references.bib``.
"""

from __future__ import annotations

import re

import bibtexparser
import pytest

import qmd
import reader
from analysis import config
from book import chapter_files

EXECUTABLE = [path for path in chapter_files() if path.exists() and qmd.parse(path).blocks]
BOOK_RULES = config.ROOT / "chapters" / "_theme" / "book-rules.typ"

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("path", EXECUTABLE, ids=lambda path: path.name)]


def test_chapter_executes(path):
    notebook = qmd.executed(path)
    values = qmd.inline_values(notebook)
    expected = [block.source for block in qmd.parse(path).blocks if block.kind == "inline"]
    assert [expression.strip() for _, expression, _ in values] == expected, f"{path.name}: not every inline expression was evaluated"
    for line, expression, shown in values:
        where = f"{path.name}: inline expression `{expression}` in the paragraph at line {line}"
        assert not re.search(r"\d\.\d{6,}", shown), f"{where} shows an unformatted float: {shown}"
        assert not re.fullmatch(r"'.*'|\".*\"", shown), f"{where} shows a quoted string: {shown}"
    keys = {entry.key for entry in bibtexparser.parse_file(str(config.REFERENCES_BIB)).entries}
    unknown = qmd.citation_keys(qmd.asis_markdown(notebook)) - keys
    assert not unknown, f"{path.name}: embedded Markdown cites keys missing from references.bib: {sorted(unknown)}"


def test_each_figure_is_shown_once(path):
    problems = reader.figure_problems(qmd.executed(path), path.name)
    assert not problems, "\n".join(problems)


def test_no_raw_output(path):
    problems = reader.output_problems(qmd.executed(path), path.name)
    assert not problems, "\n".join(problems)


def test_each_table_cell_shows_one_markdown_table(path):
    problems = reader.table_problems(qmd.executed(path), path.name)
    assert not problems, "\n".join(problems)


def test_table_words_fit_their_pdf_columns(path):
    problems = reader.width_problems(qmd.executed(path), path.name)
    assert not problems, "\n".join(problems)


def test_long_tables_break_across_pages(path):
    problems = reader.long_table_problems(qmd.executed(path), path.name, BOOK_RULES.read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)


def test_no_internal_identifiers_shown(path):
    problems = reader.identifier_problems(qmd.executed(path), path.name)
    assert not problems, "\n".join(problems)
