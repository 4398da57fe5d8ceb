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


def discretion_typology_figure(approaches: pd.DataFrame) -> Figure:
    """The 2 x 2 typology of Body (2019): approaches placed by vertical and horizontal discretion.

    Horizontal discretion (freedom to decide: "discretion as used") runs along
    the horizontal axis and vertical discretion (freedom from external control:
    "discretion as granted") up the vertical axis, each split into low and high.
    Each approach is written in the quadrant the data place it in; a quadrant
    with no approach says so.

    Parameters
    ----------
    approaches : pandas.DataFrame
        Columns ``title``, ``vertical`` and ``horizontal`` (``"low"`` or
        ``"high"``), e.g. from :func:`analysis.themes.discretion_placements`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> frame = pd.DataFrame({"title": ["Approach i"], "vertical": ["low"], "horizontal": ["low"]})
    >>> figure = discretion_typology_figure(frame)
    >>> figure.axes[0].get_xlabel()
    'Horizontal discretion: freedom to decide ("as used")'
    >>> sum(text.get_text() == "Approach i" for text in figure.axes[0].texts)
    1
    """
    import textwrap

    colours = sns.color_palette(PALETTE)
    centre = {"low": 0.25, "high": 0.75}
    figure, axes = plt.subplots(figsize=(6.5, 5.2))
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.axhline(0.5, color="0.35", linewidth=1)
    axes.axvline(0.5, color="0.35", linewidth=1)
    axes.set_xticks([0.25, 0.75], ["Low", "High"])
    axes.set_yticks([0.25, 0.75], ["Low", "High"])
    axes.set_xlabel('Horizontal discretion: freedom to decide ("as used")')
    axes.set_ylabel('Vertical discretion: freedom from\nexternal control ("as granted")')
    axes.grid(visible=False)
    occupied = set()
    for index, row in enumerate(approaches.itertuples(index=False)):
        x, y = centre[row.horizontal], centre[row.vertical]
        occupied.add((row.horizontal, row.vertical))
        axes.text(
            x,
            y,
            textwrap.fill(row.title, 24),
            ha="center",
            va="center",
            fontsize=10,
            bbox={"boxstyle": "round,pad=0.5", "facecolor": colours[index % len(colours)], "alpha": 0.25},
        )
    for horizontal in centre:
        for vertical in centre:
            x, y = centre[horizontal], centre[vertical]
            axes.text(
                x - 0.23, y + 0.23, f"{horizontal} used / {vertical} granted", fontsize=8, color="0.3", va="top"
            )
            if (horizontal, vertical) not in occupied:
                axes.text(x, y, "(no approach described)", ha="center", va="center", fontsize=9, color="0.4")
    figure.tight_layout()
    return figure


def predicted_probability_figure(
    predictions: pd.DataFrame, observed: pd.DataFrame, *, ylabel: str = "Probability of ceasing"
) -> Figure:
    """Point-and-interval plot of model-predicted and observed probabilities by size band.

    Each model's predicted probability in each band is a marker with its 95%
    interval; the observed proportion is overlaid as a hollow black circle
    with its exact (Clopper–Pearson) interval. Models differ by colour AND
    marker shape, so the figure reads in greyscale too. Bands run smallest
    to largest, each tick labelled with its number of charities.

    Parameters
    ----------
    predictions : pandas.DataFrame
        Columns ``size_band, model, probability, ci_low, ci_high``, e.g. from
        :func:`analysis.models.predicted_probabilities`; models are drawn in
        order of first appearance. A NaN interval draws no bar.
    observed : pandas.DataFrame
        Columns ``size_band, n, events, proportion, ci_low, ci_high``, e.g. from
        :func:`analysis.models.observed_proportions`; its row order sets the
        band order.
    ylabel : str
        Label of the vertical axis.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> observed = pd.DataFrame({"size_band": ["Micro", "Large"], "n": [10, 8], "events": [5, 0],
    ...     "proportion": [0.5, 0.0], "ci_low": [0.19, 0.0], "ci_high": [0.81, 0.37]})
    >>> predictions = pd.DataFrame({"size_band": ["Micro", "Large"], "model": ["Firth", "Firth"],
    ...     "probability": [0.5, 0.06], "ci_low": [0.2, 0.004], "ci_high": [0.8, 0.5]})
    >>> figure = predicted_probability_figure(predictions, observed)
    >>> [label.get_text() for label in figure.axes[0].get_xticklabels()]
    ['Micro\\n(n = 10)', 'Large\\n(n = 8)']
    >>> figure.axes[0].get_ylim()
    (0.0, 1.0)
    """
    bands = list(observed["size_band"])
    models = list(dict.fromkeys(predictions["model"]))
    colours = sns.color_palette(PALETTE)
    markers = ["s", "D", "^", "v", "P", "X"]
    width = 0.5
    step = width / max(len(models), 1)
    figure, axes = plt.subplots(figsize=(6.5, 4.2))

    def draw(frame: pd.DataFrame, offset: float, **style) -> None:
        positions = [bands.index(band) + offset for band in frame["size_band"]]
        values = frame[style.pop("value")].to_numpy(dtype=float)
        below = (values - frame["ci_low"].to_numpy(dtype=float)).clip(min=0)
        above = (frame["ci_high"].to_numpy(dtype=float) - values).clip(min=0)
        axes.errorbar(
            positions, values, yerr=[below, above], linestyle="none", capsize=3, markersize=7, clip_on=False, **style
        )

    for index, model in enumerate(models):
        frame = predictions[predictions["model"] == model]
        offset = -width / 2 + step * index
        colour = colours[index % len(colours)]
        draw(frame, offset, value="probability", marker=markers[index % len(markers)], color=colour, label=model)
    observed_offset = width / 2
    draw(
        observed,
        observed_offset,
        value="proportion",
        marker="o",
        color="black",
        markerfacecolor="white",
        label="Observed (Clopper–Pearson 95%)",
    )
    axes.set_xticks(range(len(bands)), [f"{band}\n(n = {n})" for band, n in zip(bands, observed["n"])])
    axes.set_xlim(-0.6, len(bands) - 0.4)
    axes.set_ylim(0.0, 1.0)
    axes.set_xlabel("Size band (income in 2008)")
    axes.set_ylabel(ylabel)
    axes.grid(axis="x", visible=False)
    axes.legend(loc="upper right", frameon=True, fontsize=9, title="Estimate and 95% interval", title_fontsize=9)
    figure.tight_layout()
    return figure
