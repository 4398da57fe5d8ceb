"""Every chapter's Python cells and inline expressions run in a real Jupyter kernel.

Each chapter runs in a fresh kernel in its own folder, as Quarto runs it once
per output format. A failing cell fails the test, naming the chapter, the
line and the cell's label. Markdown that ``output: asis`` cells print (the
thematic summaries) is checked for citations missing from ``references.bib``.
"""

from __future__ import annotations

import re

import bibtexparser
import pytest

import qmd
from analysis import config
from book import chapter_files

EXECUTABLE = [path for path in chapter_files() if path.exists() and qmd.parse(path).blocks]


@pytest.mark.slow
@pytest.mark.parametrize("path", EXECUTABLE, ids=lambda path: path.name)
def test_chapter_executes(path):
    notebook = qmd.execute(path)
    inline_outputs = [
        cell for cell in notebook.cells if cell.metadata["qmd"]["kind"] == "inline"
    ]
    for cell in inline_outputs:
        results = [output for output in cell.outputs if output.get("output_type") == "execute_result"]
        where = f"{path.name}: inline expression at line {cell.metadata['qmd']['line']}"
        assert results, f"{where} produced no value"
        shown = results[0]["data"].get("text/plain", "")
        assert not re.search(r"\d\.\d{6,}", shown), f"{where} shows an unformatted float: {shown}"
    keys = {entry.key for entry in bibtexparser.parse_file(str(config.REFERENCES_BIB)).entries}
    unknown = qmd.citation_keys(qmd.asis_markdown(notebook)) - keys
    assert not unknown, f"{path.name}: embedded Markdown cites keys missing from references.bib: {sorted(unknown)}"
