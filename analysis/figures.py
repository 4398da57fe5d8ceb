"""Figures for the book: each function takes tidy data and returns a matplotlib Figure.

Chapters call these functions as the last value of a ``fig-`` cell; nothing here
computes a statistic. Every figure uses the book's colour-blind palette and fits
a 6.5-inch-wide PDF page.

Examples
--------
>>> import pandas as pd
>>> figure = stated_figures_bar(pd.DataFrame({"label": ["a"], "value": [3.0]}), xlabel="Charities")
>>> figure.axes[0].get_xlabel()
'Charities'
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from analysis.book import PALETTE


def stated_figures_bar(frame: pd.DataFrame, *, xlabel: str, value_format: str = "{:g}") -> Figure:
    """Horizontal bars of figures a source states, one bar per row, each labelled with its value.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``label`` (the bar's name, shown on the vertical axis) and
        ``value`` (the stated number); bars are drawn top to bottom in row order.
    xlabel : str
        Label of the horizontal axis (what the values count).
    value_format : str
        Format applied to each value for the label at the end of its bar.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> frame = pd.DataFrame({"label": ["spoken to", "in a partnership"], "value": [40.0, 16.0]})
    >>> figure = stated_figures_bar(frame, xlabel="Charities")
    >>> [text.get_text() for text in figure.axes[0].texts]
    ['40', '16']
    """
    colour = sns.color_palette(PALETTE)[0]
    figure, axes = plt.subplots(figsize=(6.5, 0.6 + 0.55 * len(frame)))
    positions = range(len(frame))
    axes.barh(list(positions), frame["value"], color=colour)
    axes.set_yticks(list(positions), frame["label"])
    axes.invert_yaxis()
    for position, number in zip(positions, frame["value"]):
        axes.annotate(
            value_format.format(number),
            (number, position),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
        )
    axes.set_xlabel(xlabel)
    axes.set_xlim(0, frame["value"].max() * 1.12)
    axes.grid(axis="y", visible=False)
    figure.tight_layout()
    return figure
