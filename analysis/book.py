"""Shared set-up imported at the top of every chapter (like r4ds's ``_common.R``).

It stays cheap: a chapter that only shows tables pays for no plotting
library beyond the matplotlib that Quarto itself imports. The figures'
theme (seaborn's colour-blind palette and white grid) is applied by
:mod:`analysis.figures` when the first figure is built. Figures are built
outside pyplot, so each is shown once, as its cell's value (see
:func:`analysis.figures.new_figure`).

Examples
--------
>>> from analysis.book import setup
>>> setup()
>>> import matplotlib
>>> matplotlib.rcParams["figure.dpi"]
150.0
"""

from __future__ import annotations

#: Colour-blind-safe qualitative palette used by every figure (Okabe–Ito order via seaborn).
PALETTE = "colorblind"


def setup() -> None:
    """Apply the book's plotting and display defaults.

    Figures get a size that fits both the website column and an A4 PDF
    page, and reproducible SVG ids; pandas shows three decimals.
    """
    import matplotlib
    import pandas as pd

    matplotlib.rcParams.update(
        {
            "figure.figsize": (6.5, 4.0),
            "figure.dpi": 150,
            "savefig.bbox": "tight",
            "svg.hashsalt": "compendium",
        }
    )
    pd.set_option("display.precision", 3)
