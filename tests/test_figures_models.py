"""Tests of analysis.figures.predicted_probability_figure: what it draws, not how it looks."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from analysis.figures import predicted_probability_figure

matplotlib.use("Agg")

OBSERVED = pd.DataFrame(
    {
        "size_band": ["Micro", "Small", "Large"],
        "n": [40, 20, 10],
        "events": [20, 5, 0],
        "proportion": [0.5, 0.25, 0.0],
        "ci_low": [0.34, 0.09, 0.0],
        "ci_high": [0.66, 0.49, 0.31],
    }
)
PREDICTIONS = pd.DataFrame(
    {
        "size_band": ["Micro", "Small", "Large"] * 2,
        "model": ["Firth categorical"] * 3 + ["Firth trend (score)"] * 3,
        "probability": [0.5, 0.26, 0.05, 0.45, 0.3, 0.1],
        "ci_low": [0.35, 0.11, 0.003, 0.33, 0.2, 0.04],
        "ci_high": [0.65, 0.49, 0.46, 0.57, 0.42, 0.22],
    }
)


@pytest.fixture(scope="module")
def axes():
    figure = predicted_probability_figure(PREDICTIONS, OBSERVED)
    yield figure.axes[0]
    matplotlib.pyplot.close(figure)


def test_ticks_name_each_band_in_order_with_its_count(axes):
    labels = [label.get_text() for label in axes.get_xticklabels()]
    assert labels == ["Micro\n(n = 40)", "Small\n(n = 20)", "Large\n(n = 10)"]


def test_vertical_axis_is_a_probability(axes):
    assert tuple(float(limit) for limit in axes.get_ylim()) == (0.0, 1.0)
    assert "Probability" in axes.get_ylabel()


def test_each_series_has_its_own_colour_and_marker(axes):
    handles, labels = axes.get_legend_handles_labels()
    assert labels == ["Firth categorical", "Firth trend (score)", "Observed (Clopper–Pearson 95%)"]
    lines = [handle.lines[0] for handle in handles]
    assert len({line.get_marker() for line in lines}) == 3
    assert len({tuple(matplotlib.colors.to_rgba(line.get_color())) for line in lines}) == 3


def test_points_and_interval_ends_are_the_data(axes):
    containers = axes.containers
    observed_line = containers[2].lines[0]
    assert list(observed_line.get_ydata()) == pytest.approx(OBSERVED["proportion"].tolist())
    # The observed series sits to the right of its band's tick; models to the left.
    assert np.all(np.asarray(observed_line.get_xdata()) > np.arange(3))
    for index, model in enumerate(["Firth categorical", "Firth trend (score)"]):
        frame = PREDICTIONS[PREDICTIONS["model"] == model]
        assert list(containers[index].lines[0].get_ydata()) == pytest.approx(frame["probability"].tolist())
        segments = containers[index].lines[2][0].get_segments()
        ends = np.array([segment[:, 1] for segment in segments])
        assert ends == pytest.approx(frame[["ci_low", "ci_high"]].to_numpy())
    observed_segments = containers[2].lines[2][0].get_segments()
    assert np.array([segment[:, 1] for segment in observed_segments]) == pytest.approx(
        OBSERVED[["ci_low", "ci_high"]].to_numpy()
    )


def test_missing_interval_draws_a_point_without_a_bar():
    predictions = PREDICTIONS.iloc[:3].assign(ci_low=[0.35, 0.11, np.nan], ci_high=[0.65, 0.49, np.nan])
    figure = predicted_probability_figure(predictions, OBSERVED)
    segments = figure.axes[0].containers[0].lines[2][0].get_segments()
    drawn = [segment for segment in segments if segment.size and np.isfinite(segment).all()]
    assert len(drawn) == 2
    assert list(figure.axes[0].containers[0].lines[0].get_ydata()) == pytest.approx(predictions["probability"].tolist())
    matplotlib.pyplot.close(figure)
