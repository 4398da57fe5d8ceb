"""Shared set-up imported at the top of every chapter (like r4ds's ``_common.R``).

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

    Figures use seaborn's colour-blind palette, a white grid and a size that
    fits both the website column and an A4 PDF page.
    """
    import matplotlib
    import pandas as pd
    import seaborn as sns

    sns.set_theme(style="whitegrid", palette=PALETTE, context="notebook")
    matplotlib.rcParams.update(
        {
            "figure.figsize": (6.5, 4.0),
            "figure.dpi": 150,
            "savefig.bbox": "tight",
            "svg.hashsalt": "compendium",
        }
    )
    pd.set_option("display.precision", 3)
