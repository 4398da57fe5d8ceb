"""Figures for the book: each function takes tidy data and returns a matplotlib Figure.

Chapters call these functions as the last value of a ``fig-`` cell; nothing here
computes a statistic. Every figure uses the book's colour-blind palette and fits
a 6.5-inch-wide PDF page.

Figures are built with :func:`new_figure`, outside pyplot's list of open
figures: the notebook's inline backend shows every open pyplot figure at the
end of a cell, so a pyplot figure that is also the cell's value is drawn twice
(Quarto then lays the two copies out as sub-figures "(a)" and "(b)"). A figure
that pyplot does not know is shown once, as the cell's value.

Examples
--------
>>> import pandas as pd
>>> figure = stated_figures_bar(pd.DataFrame({"label": ["a"], "value": [3.0]}), xlabel="Charities")
>>> figure.axes[0].get_xlabel()
'Charities'
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from analysis.book import PALETTE
from analysis.contingency import validate_counts


def new_figure(width: float, height: float) -> tuple[Figure, Axes]:
    """A figure with one axes, in the book's theme, not registered with pyplot, so a notebook shows it once.

    Parameters
    ----------
    width, height : float
        Size in inches.

    Returns
    -------
    tuple of matplotlib.figure.Figure and matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> figure, axes = new_figure(6.5, 4.0)
    >>> figure in [plt.figure(number) for number in plt.get_fignums()]
    False
    """
    _apply_theme()
    figure = Figure(figsize=(width, height))
    return figure, figure.subplots()


@functools.cache
def _apply_theme() -> None:
    """The book's figure theme (seaborn's white grid, colour-blind palette), set once per process."""
    sns.set_theme(style="whitegrid", palette=PALETTE, context="notebook")


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
    figure, axes = new_figure(6.5, 0.6 + 0.55 * len(frame))
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
    'Horizontal discretion: freedom to decide (“as used”)'
    >>> sum(text.get_text() == "Approach i" for text in figure.axes[0].texts)
    1
    """
    import textwrap

    colours = sns.color_palette(PALETTE)
    centre = {"low": 0.25, "high": 0.75}
    figure, axes = new_figure(6.5, 5.2)
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.axhline(0.5, color="0.35", linewidth=1)
    axes.axvline(0.5, color="0.35", linewidth=1)
    axes.set_xticks([0.25, 0.75], ["Low", "High"])
    axes.set_yticks([0.25, 0.75], ["Low", "High"])
    axes.set_xlabel("Horizontal discretion: freedom to decide (“as used”)")
    axes.set_ylabel("Vertical discretion: freedom from\nexternal control (“as granted”)")
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
    >>> [float(limit) for limit in figure.axes[0].get_ylim()]
    [0.0, 1.0]
    """
    bands = list(observed["size_band"])
    models = list(dict.fromkeys(predictions["model"]))
    colours = sns.color_palette(PALETTE)
    markers = ["s", "D", "^", "v", "P", "X"]
    width = 0.5
    step = width / max(len(models), 1)
    figure, axes = new_figure(6.5, 4.2)

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


def _text_colour(rgb: tuple[float, float, float]) -> str:
    """Black or white, whichever reads better on a fill of colour ``rgb`` (WCAG relative luminance)."""
    linear = [channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4 for channel in rgb[:3]]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "black" if luminance > 0.179 else "white"


#: Colours of the four outcomes of Table 5.1 in the colour-blind palette
#: (blue, orange, vermilion, reddish purple), fixed so every figure agrees.
OUTCOME_COLOURS: dict[str, int] = {"Increased": 0, "Decreased": 1, "Ceased": 3, "Merged": 4}


def outcome_composition_figure(table: pd.DataFrame, *, label_threshold: float = 5.0) -> Figure:
    """100% stacked horizontal bars: the share of each outcome within each size band.

    One bar per row of ``table`` (first row at the top), split into the
    outcomes in column order. Segments of at least ``label_threshold`` percent
    carry their percentage, and each bar is labelled with its number of
    charities, so neither colour nor bar length is the only cue.

    Parameters
    ----------
    table : pandas.DataFrame
        Counts, bands in rows and outcomes in columns.
    label_threshold : float
        Smallest segment, in percent, that gets a printed percentage.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; ``axes.containers[j]`` holds the bars of the j-th outcome,
        widths in percent of the band.

    Examples
    --------
    >>> table = pd.DataFrame({"Increased": [1, 3], "Ceased": [3, 1]}, index=["Small", "Large"])
    >>> figure = outcome_composition_figure(table)
    >>> [float(bar.get_width()) for bar in figure.axes[0].containers[0]]
    [25.0, 75.0]
    >>> [label.get_text() for label in figure.axes[0].get_yticklabels()]
    ['Small\\nn = 4', 'Large\\nn = 4']
    """
    counts = validate_counts(table)
    totals = counts.sum(axis=1)
    percentages = counts.div(totals, axis=0) * 100
    palette = sns.color_palette(PALETTE)
    figure, axes = new_figure(6.5, 4.0)
    positions = np.arange(len(counts))
    left = np.zeros(len(counts))
    for index, outcome in enumerate(counts.columns):
        colour = palette[OUTCOME_COLOURS.get(outcome, index) % len(palette)]
        widths = percentages[outcome].to_numpy()
        bars = axes.barh(positions, widths, left=left, color=colour, edgecolor="white", linewidth=0.8, label=outcome)
        labels = [f"{width:.0f}%" if width >= label_threshold else "" for width in widths]
        axes.bar_label(bars, labels=labels, label_type="center", fontsize=8.5, color=_text_colour(colour))
        left += widths
    axes.set_yticks(positions, [f"{band}\nn = {total}" for band, total in totals.items()])
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xticks(range(0, 101, 20), [f"{tick}%" for tick in range(0, 101, 20)])
    axes.set_xlabel("Share of the band’s charities")
    axes.set_ylabel("Size band (income in 2008)")
    axes.grid(axis="y", visible=False)
    axes.legend(
        title=None, ncols=len(counts.columns), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, fontsize=9
    )
    figure.tight_layout()
    return figure


def residual_heatmap(residuals: pd.DataFrame, *, decimals: int = 1) -> Figure:
    """Heat map of adjusted standardised residuals, every cell annotated with its value.

    A diverging colour-blind-safe map (``vlag``: blue below, red above) is
    centred on 0 and made symmetric, so equal colours mean equal distances
    from independence in either direction. Values beyond ±1.96 would be
    unusual (about 5% of cells) if size and outcome were independent.

    Parameters
    ----------
    residuals : pandas.DataFrame
        Residuals, groups in rows and outcomes in columns (for example from
        :func:`analysis.association.adjusted_residuals`).
    decimals : int
        Decimals of the printed values.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> residuals = pd.DataFrame({"Ceased": [2.04, -2.04]}, index=["Small", "Large"])
    >>> figure = residual_heatmap(residuals)
    >>> [text.get_text() for text in figure.axes[0].texts]
    ['2.0', '−2.0']
    """
    limit = max(2.5, float(np.abs(residuals.to_numpy()).max()))
    annotations = residuals.map(
        lambda value: f"{round(value, decimals) + 0.0:.{decimals}f}".replace("-", "\N{MINUS SIGN}")
    )
    figure, axes = new_figure(6.5, 4.0)
    sns.heatmap(
        residuals,
        ax=axes,
        cmap="vlag",
        center=0,
        vmin=-limit,
        vmax=limit,
        annot=annotations,
        fmt="",
        annot_kws={"fontsize": 10},
        linewidths=1,
        linecolor="white",
        cbar_kws={"label": "Adjusted residual"},
    )
    axes.set_xlabel("Outcome 2008/09 to 2013/14")
    axes.set_ylabel("Size band")
    axes.tick_params(axis="y", rotation=0)
    axes.tick_params(axis="x", rotation=0)
    figure.tight_layout()
    return figure
