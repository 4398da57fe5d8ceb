"""Tests of the association figures: what they draw, not just that they run."""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from analysis.book import setup  # noqa: E402
from analysis.contingency import ContingencyTableError  # noqa: E402
from analysis.figures import outcome_composition_figure, residual_heatmap  # noqa: E402

TABLE = pd.DataFrame(
    {"Increased": [1, 6, 9], "Decreased": [4, 3, 1], "Ceased": [5, 1, 0], "Merged": [0, 2, 0]},
    index=["Micro", "Small", "Large"],
)
RESIDUALS = pd.DataFrame(
    {"Increased": [-4.148, 2.72], "Ceased": [3.733, -0.04]}, index=["Micro", "Large"]
)


@pytest.fixture(autouse=True)
def book_style():
    setup()
    yield
    plt.close("all")


def test_bar_widths_are_the_row_percentages_and_stack_to_100():
    axes = outcome_composition_figure(TABLE).axes[0]
    assert len(axes.containers) == 4
    widths = np.array([[bar.get_width() for bar in container] for container in axes.containers]).T
    # by hand: Micro 1/10, 4/10, 5/10, 0/10; Small 6/12, 3/12, 1/12, 2/12; Large 9/10, 1/10, 0, 0
    np.testing.assert_allclose(
        widths, [[10, 40, 50, 0], [50, 25, 100 / 12, 100 / 6], [90, 10, 0, 0]]
    )
    lefts = np.array([[bar.get_x() for bar in container] for container in axes.containers]).T
    np.testing.assert_allclose(lefts[:, -1] + widths[:, -1], 100)
    np.testing.assert_allclose(lefts[:, 1], widths[:, 0])


def test_bands_are_labelled_with_their_size_in_table_order():
    axes = outcome_composition_figure(TABLE).axes[0]
    labels = [label.get_text() for label in axes.get_yticklabels()]
    assert labels == ["Micro\nn = 10", "Small\nn = 12", "Large\nn = 10"]
    # first band at the top
    assert axes.get_ylim()[0] > axes.get_ylim()[1]


def test_segments_carry_percentages_only_when_wide_enough():
    axes = outcome_composition_figure(TABLE, label_threshold=9).axes[0]
    texts = sorted(text.get_text() for text in axes.texts if text.get_text())
    assert texts == sorted(["10%", "40%", "50%", "50%", "25%", "17%", "90%", "10%"])


def test_legend_names_every_outcome_and_colours_differ():
    axes = outcome_composition_figure(TABLE).axes[0]
    assert [text.get_text() for text in axes.get_legend().get_texts()] == list(TABLE.columns)
    colours = {tuple(container[0].get_facecolor()) for container in axes.containers}
    assert len(colours) == 4


def test_composition_rejects_a_bad_table():
    with pytest.raises(ContingencyTableError, match="row 'Small' has a zero total"):
        outcome_composition_figure(pd.DataFrame({"a": [1, 0], "b": [1, 0]}, index=["Micro", "Small"]))


def test_heatmap_annotations_are_the_rounded_residuals():
    axes = residual_heatmap(RESIDUALS).axes[0]
    texts = [text.get_text().replace("\N{MINUS SIGN}", "-") for text in axes.texts]
    assert texts == ["-4.1", "3.7", "2.7", "0.0"]  # no "-0.0"


def test_heatmap_colour_scale_is_symmetric_about_zero():
    figure = residual_heatmap(RESIDUALS)
    mesh = figure.axes[0].collections[0]
    low, high = mesh.get_clim()
    assert low == pytest.approx(-high) and high >= 4.148
    assert figure.axes[1].get_ylabel() == "Adjusted residual"


def test_figures_fit_the_pdf_page():
    for figure in (outcome_composition_figure(TABLE), residual_heatmap(RESIDUALS)):
        assert tuple(figure.get_size_inches()) == (6.5, 4.0)


@pytest.mark.parametrize("draw", [lambda: outcome_composition_figure(TABLE), lambda: residual_heatmap(RESIDUALS)])
def test_svg_output_is_byte_identical(draw):
    def svg() -> bytes:
        buffer = io.BytesIO()
        draw().savefig(buffer, format="svg", metadata={"Date": None})
        return buffer.getvalue()

    assert svg() == svg()
