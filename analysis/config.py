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

#: Significant figures of every floating-point number written to a derived CSV file
#: (:func:`analysis.io.csv_bytes`). The model fits are iterative (statsmodels, firthmodels),
#: and their last bits move with the CPU, the OpenBLAS kernel and the thread count. Measured
#: on the development machine (x86_64, OpenBLAS 0.3.31, Haswell kernel by default): under
#: ``OPENBLAS_CORETYPE=Prescott OPENBLAS_NUM_THREADS=1`` the raw values of 311 of the 712 rows
#: of ``statistics.csv`` differ, by at most 9.6e-11 relative; a build on another machine of the
#: same kind differed in 283 rows, by at most 3.8e-12. Rounded to 8 figures, every value is
#: the same under all three, and the value nearest a rounding boundary lies 31 times the
#: largest difference seen from it (at 9 figures, 3 times; at 10 figures two values already
#: differ). Eight figures is more than any table of the book prints, and as fine as the Firth
#: fits resolve (they stop once a step is below 1e-8).
STORED_SIGNIFICANT_DIGITS = 8
#: Largest relative difference ``verify`` accepts between a rebuilt number and the committed
#: one: one unit in the last stored figure, which is what a value lying on a rounding
#: boundary can move by. Anything larger, and any changed count, text or row, is drift.
VERIFY_RELATIVE_TOLERANCE = 10.0 ** (1 - STORED_SIGNIFICANT_DIGITS)
