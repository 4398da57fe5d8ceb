"""The book's structure as ``_quarto.yml`` declares it, for the book tests.

A chapter the book lists as its executed notebook (``chapters/x.ipynb``) is
given here by its source (``chapters/x.qmd``), which is what the tests read;
:func:`book_files` gives the entries as listed.

Examples
--------
>>> files = chapter_files()
>>> files[0].name
'index.qmd'
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import yaml

import qmd
from analysis import config
from analysis.notebooks import cell_options, chapter_source, listed_files, notebook_path

#: A Markdown heading and its attribute block: ``## Title {#sec-x .unnumbered}``.
_HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<title>.*?)(?:[ \t]*\{(?P<attributes>[^}]*)\})?[ \t]*$", re.MULTILINE)


def quarto_config() -> dict:
    """The parsed ``_quarto.yml``."""
    return yaml.safe_load(config.QUARTO_CONFIG.read_text(encoding="utf-8"))


def _flatten(entries: list) -> list[str]:
    return [chapter_source(name) for name in listed_files(entries)]


def parts() -> dict[str, list[Path]]:
    """Part title -> its chapter files, in book order."""
    book = quarto_config()["book"]
    return {
        entry["part"]: [config.ROOT / chapter_source(name) for name in entry.get("chapters", [])]
        for entry in book["chapters"]
        if isinstance(entry, dict) and "part" in entry
    }


def appendix_files() -> list[Path]:
    """Appendix files, in book order."""
    return [config.ROOT / name for name in _flatten(quarto_config()["book"].get("appendices", []))]


def chapter_files() -> list[Path]:
    """Every file of the book: chapters (parts flattened) then appendices."""
    book = quarto_config()["book"]
    return [config.ROOT / name for name in _flatten(book["chapters"])] + appendix_files()


def book_files() -> list[Path]:
    """Every file ``_quarto.yml`` lists, as listed (notebooks as ``.ipynb``), in book order."""
    book = quarto_config()["book"]
    return [config.ROOT / name for name in listed_files(book["chapters"]) + listed_files(book.get("appendices", []))]


def _shown_markdown(cell) -> list[str]:
    """The Markdown a code cell puts on the page: its Markdown results and, for ``output: asis``, its printed text."""
    options = cell_options(cell)
    if options.get("include") is False or options.get("output") is False:
        return []
    shown = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and options.get("output") == "asis":
            shown.append(output.get("text", ""))
        elif "text/markdown" in output.get("data", {}):
            shown.append(output["data"]["text/markdown"])
    return shown


def page_markdown(path: Path) -> str:
    """The Markdown of a book page as Quarto reads it, fenced code left out.

    For a chapter the book lists as its executed notebook this is the
    committed notebook, cell by cell: the prose and the Markdown its code
    cells show (tables, the thematic summaries), so cross-references that code
    writes are read too. Any other page is its prose (the two pages Quarto
    executes show no cross-reference from code).
    """
    notebook = notebook_path(path)
    if path.parent != config.CHAPTER_SOURCES or not notebook.exists():
        return qmd.parse(path).markdown
    cells = nbformat.read(notebook, as_version=4).cells
    parts = [cell.source if cell.cell_type == "markdown" else "\n\n".join(_shown_markdown(cell)) for cell in cells]
    return qmd.parse_text("\n\n".join(parts)).markdown


def _attributes(text: str | None) -> tuple[str | None, set[str]]:
    """The id and classes of a Pandoc attribute block such as ``#sec-x .unnumbered``."""
    words = (text or "").split()
    ids = [word[1:] for word in words if word.startswith("#")]
    return (ids[0] if ids else None), {word[1:] for word in words if word.startswith(".")}


def numbered_labels(path: Path) -> set[str]:
    """The labels of a page that Quarto numbers, so that ``@label`` resolves to them.

    Those are its captioned tables and figures (cells labelled ``tbl-``/``fig-``
    with a caption, or a Markdown ``{#tbl-…}``/``{#fig-…}``) and its headings
    that carry an id and are not ``.unnumbered``, in a chapter that is numbered
    itself. Quarto marks every heading of an unnumbered chapter as unnumbered
    (quarto-cli ``src/resources/filters/quarto-pre/book-numbering.lua``), and
    resolves ``@sec-`` only to a numbered section: a reference to any other
    heading prints ``?@sec-…`` in both formats.

    Examples
    --------
    >>> sorted(numbered_labels(config.ROOT / "chapters" / "glossary.qmd"))
    ['sec-glossary']
    """
    blocks = qmd.parse(path).blocks
    floats = {block.label for block in blocks if (block.label or "").startswith(("tbl-", "fig-")) and {"tbl-cap", "fig-cap"} & set(block.options)}
    markdown = page_markdown(path)
    floats |= {label for label in qmd.MARKDOWN_LABEL.findall(markdown) if label.startswith(("tbl-", "fig-"))}
    headings = [(len(match["hashes"]), *_attributes(match["attributes"])) for match in _HEADING.finditer(markdown)]
    chapter = next((classes for level, _, classes in headings if level == 1), set())
    if "unnumbered" in chapter:
        return floats
    return floats | {label for _, label, classes in headings if label and "unnumbered" not in classes}


def book_numbered_labels() -> set[str]:
    """Every label of the book that Quarto numbers (:func:`numbered_labels` of every page)."""
    return set().union(*(numbered_labels(path) for path in chapter_files()))
