"""The output catalogue (reproducibility appendix) is in step with the book."""

from __future__ import annotations

import importlib

import pytest

import qmd
from analysis import config
from analysis.catalogue import LIVE, output_catalogue
from book import chapter_files

CATALOGUE = output_catalogue()
#: Each page of the book by name (``association``), as written.
SOURCES = {path.stem: path for path in chapter_files()}


def _book_outputs() -> dict[str, str]:
    outputs = {}
    for path in chapter_files():
        for block in qmd.parse(path).blocks:
            if block.label and block.label.startswith(("tbl-", "fig-")):
                outputs[block.label] = path.stem
    return outputs


def test_every_table_and_figure_is_catalogued_once_in_its_chapter():
    book = _book_outputs()
    assert not CATALOGUE["label"].duplicated().any()
    catalogued = dict(zip(CATALOGUE["label"], CATALOGUE["chapter"]))
    assert set(book) - set(catalogued) == set(), "tables/figures missing from analysis/catalogue.py"
    assert set(catalogued) - set(book) == set(), "catalogue entries with no table/figure in the book"
    assert catalogued == book


@pytest.mark.parametrize("entry", list(CATALOGUE.itertuples(index=False)), ids=lambda entry: entry.label)
def test_function_exists_is_called_by_the_chapter_and_file_exists(entry):
    module_name, function_name = entry.function.rsplit(".", 1)
    assert callable(getattr(importlib.import_module(module_name), function_name))
    chapter = SOURCES[entry.chapter].read_text(encoding="utf-8")
    assert function_name in chapter, f"{entry.chapter}.qmd never calls {function_name}"
    if entry.file != LIVE:
        assert (config.ROOT / entry.file).exists(), entry.file
