"""One place for every path the compendium reads or writes.

Raw inputs live under ``data/raw`` and ``data/themes`` and are never written by
code. Everything under ``data/derived`` is written by ``python -m analysis
build`` and can be rebuilt at any time.

Examples
--------
>>> from analysis import config
>>> config.DERIVED_COUNTS.name
'table5_1_counts.csv'
"""

from __future__ import annotations

import os
from pathlib import Path

#: Root of the repository (the folder holding ``_quarto.yml``).
ROOT = Path(__file__).resolve().parent.parent

DATA = ROOT / "data"
#: Immutable inputs typed from the published sources.
RAW = DATA / "raw"
#: Thematic coding of the two sources (hand-authored, immutable to code).
THEMES = DATA / "themes"
#: Outputs written by ``python -m analysis build``.
DERIVED = DATA / "derived"

DATAPACKAGE = RAW / "datapackage.json"
PUBLISHED_TABLE = RAW / "table5_1_published.csv"
#: Figures the two sources state in their text, one CSV per source (``body2020.csv``, ``body2019.csv``).
SOURCE_FIGURES = RAW / "source_figures"

DERIVED_COUNTS = DERIVED / "table5_1_counts.csv"
DERIVED_COUNTS_WIDE = DERIVED / "table5_1_counts_wide.csv"
DERIVED_STATISTICS = DERIVED / "statistics.csv"
#: Exact conditional p-values of Table 5.1, written by ``python -m analysis exact`` (minutes, not part of build).
DERIVED_EXACT = DERIVED / "exact_tests.csv"
MANIFEST = DERIVED / "manifest.json"

CHAPTERS = ROOT / "chapters"
#: The chapters that compute something, as written (Quarto Markdown); the book renders each one's
#: executed notebook, ``chapters/<name>.ipynb`` (see :mod:`analysis.notebooks`).
CHAPTER_SOURCES = CHAPTERS / "_sources"
#: The website's own SCSS palette and rules, and its small html include.
THEME = CHAPTERS / "_theme"
REFERENCES_BIB = ROOT / "references.bib"
QUARTO_CONFIG = ROOT / "_quarto.yml"
#: The project's declared dependencies, and the lock file that pins every installed package.
PYPROJECT = ROOT / "pyproject.toml"
LOCKFILE = ROOT / "uv.lock"

#: Text of the two copyrighted source works. They are never copied into the
#: project; tests that need them are skipped when the folder is absent.
SOURCES = Path(os.environ.get("CCC_SOURCES", ROOT.parent / "shared" / "sources"))
SOURCE_BODY_2020 = SOURCES / "body-2020-childrens-charities-in-crisis-ch5.txt"
SOURCE_BODY_2019 = SOURCES / "body-2019-commissioners-perspective-aam.txt"

#: Pages of a real Quarto render (``index.html``, ``chapters/*.html``), the fixtures of
#: the post-render accessibility tests; they are skipped when the folder is absent.
RENDERED_HTML = Path(os.environ.get("CCC_RENDERED_HTML", ROOT.parent / "shared" / "render" / "html"))

#: Seed for every random draw in the compendium (Monte Carlo tests).
SEED = 20200128
