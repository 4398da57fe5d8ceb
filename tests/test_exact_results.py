"""The stored exact p-values of Table 5.1: fresh, within their own bounds, and refused when stale.

The values come from ``python -m analysis exact`` (minutes, so not rerun here);
the algorithm itself is checked in ``tests/test_exact.py``.
"""

from __future__ import annotations

import math
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd

import pytest

from analysis import config
from analysis.association import likelihood_ratio_test, monte_carlo_tests, pearson_chi_square
from analysis.errors import CompendiumError
from analysis.exact import ORDERINGS, exact_conditional_test
from analysis.exact_results import EXACT_TABLES, load_exact_results
from analysis.load import load_counts


def test_the_stored_file_was_computed_from_the_current_counts_and_code():
    stored = load_exact_results()  # raises if counts or analysis/exact.py changed since it was written
    assert sorted(stored["table"].unique()) == sorted(EXACT_TABLES)
    assert (stored.groupby("table")["ordering"].apply(sorted) == [sorted(ORDERINGS)] * len(EXACT_TABLES)).all()


def table_probability(table) -> float:
    """Multiple hypergeometric probability of a table, by log-factorials (math.lgamma)."""
    cells = table.to_numpy()
    log_p = sum(math.lgamma(m + 1) for m in [*cells.sum(axis=1), *cells.sum(axis=0)])
    log_p -= math.lgamma(cells.sum() + 1) + sum(math.lgamma(x + 1) for x in cells.ravel())
    return math.exp(log_p)


def test_stored_bounds_are_small_and_the_statistics_match_independent_computations():
    stored = load_exact_results().set_index(["table", "ordering"])
    counts = load_counts()
    for name, make in EXACT_TABLES.items():
        table = make(counts)
        for ordering in ORDERINGS:
            row = stored.loc[(name, ordering)]
            assert 0 < row.error_bound <= 1.01e-5 * row.p_value
        # the file stores 8 significant figures (config.STORED_SIGNIFICANT_DIGITS): equal to that precision
        stored_precision = config.VERIFY_RELATIVE_TOLERANCE
        assert stored.loc[(name, "pearson")].statistic == pytest.approx(pearson_chi_square(table).statistic, rel=stored_precision)
        assert stored.loc[(name, "likelihood_ratio")].statistic == pytest.approx(
            likelihood_ratio_test(table).statistic, rel=stored_precision
        )
        assert stored.loc[(name, "probability")].statistic == pytest.approx(table_probability(table), rel=stored_precision)


def test_exact_x2_p_value_lies_within_the_monte_carlo_interval():
    # 200,000 seeded draws (the chapter's run): the exact value must lie below the exact 95% upper bound
    stored = load_exact_results().set_index(["table", "ordering"])
    simulated = monte_carlo_tests(load_counts(), draws=200_000, seed=config.SEED)["pearson"]
    exact = stored.loc[("Table 5.1", "pearson")]
    assert exact.p_value - exact.error_bound <= simulated.p_value_upper_95


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda path: path.unlink(), r"exact_tests\.csv: missing; run `python -m analysis exact`"),
        (
            lambda path: pd.read_csv(path).assign(depends_on_sha256="0" * 64).to_csv(path, index=False),
            r"exact_tests\.csv: depends_on_sha256: computed from other counts",
        ),
        (lambda path: path.write_text("table,p\nx,1\n"), r"exact_tests\.csv: header: expected table,ordering"),
    ],
)
def test_a_missing_stale_or_malformed_file_is_refused_in_one_line(tmp_path, edit, message):
    copy = tmp_path / "exact_tests.csv"
    shutil.copy(config.DERIVED_EXACT, copy)
    edit(copy)
    with pytest.raises(CompendiumError, match=message) as error:
        load_exact_results(copy)
    assert "\n" not in str(error.value)


def test_the_exact_command_stops_on_sigterm_with_one_line_and_writes_nothing():
    exact_conditional_test(pd.DataFrame([[1, 2, 1, 1]] * 5))  # compile and cache the kernels first
    before = config.DERIVED_EXACT.read_bytes()
    process = subprocess.Popen(
        [sys.executable, "-m", "analysis", "exact"], cwd=config.ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().startswith("exact test of Table 5.1")
    time.sleep(5)  # well inside the computation, which takes minutes
    process.send_signal(signal.SIGTERM)
    _, error = process.communicate(timeout=120)
    assert process.returncode == 143
    assert error.strip().splitlines() == [error.strip()] and error.startswith("interrupted by SIGTERM")
    assert config.DERIVED_EXACT.read_bytes() == before
