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

from pathlib import Path

import yaml

import qmd
from analysis import config
from analysis.notebooks import chapter_source, listed_files


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


def theme_anchors() -> set[str]:
    """Section labels that the thematic summaries create when a chapter embeds them."""
    from analysis.themes import load_themes, render_themes

    return set(qmd.MARKDOWN_LABEL.findall(render_themes(load_themes())))


def book_labels() -> set[str]:
    """Every cross-reference label defined anywhere in the book, theme anchors included."""
    labels: set[str] = set()
    for path in chapter_files():
        labels |= qmd.parse(path).labels()
    return labels | theme_anchors()
