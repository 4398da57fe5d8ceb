"""Tests of analysis.reconstruct: recovering counts from printed percentages.

Independent checks used here: a hand calculation of Table 5.1's counts (in
the comments below), a brute-force enumeration of every 2 x 2 table (numpy,
no staged search), and, in the property test, percentages printed with
``decimal`` half-up rounding rather than the module's own :func:`publish`.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.contingency import ContingencyTableError
from analysis.domain import N_CHARITIES, OUTCOMES, SIZE_BANDS
from analysis.load import SHARE_LABEL, PublishedTable, load_published_table, parse_published
from analysis.reconstruct import (
    MAX_CANDIDATES,
    InfeasibleTableError,
    NotUniqueError,
    SearchBudgetError,
    count_interval,
    is_consistent,
    publish,
    reconstruct,
    round_trip,
)

# Hand calculation of Table 5.1 (Body 2020, p. 128), N = 231.
# Row totals: 16.9% x 231 = 39.04 -> Micro n = 39 (39/231 = 16.88%; 38 -> 16.45%, 40 -> 17.32%);
#   32.5% -> 75.08 -> Small 75; 30.7% -> 70.92 -> Medium 71; 12.1% -> 27.95 -> Large 28;
#   7.8% -> 18.02 -> Major 18.  39 + 75 + 71 + 28 + 18 = 231.
# Micro (n = 39):  2/39 = 5.13%, 14/39 = 35.90%, 22/39 = 56.41%, 1/39 = 2.56%.
# Small (n = 75):  14/75 = 18.67%, 20/75 = 26.67%, 37/75 = 49.33%, 4/75 = 5.33%.
# Medium (n = 71): 33/71 = 46.48%, 24/71 = 33.80%, 12/71 = 16.90%, 2/71 = 2.82%.
# Large (n = 28):  19/28 = 67.86%, 7/28 = 25.00%, 0/28 = 0.0%, 2/28 = 7.14%.
# Major (n = 18):  10/18 = 55.56%, 7/18 = 38.89%, 1/18 = 5.56%, 0/18 = 0.0%.
# Columns: Increased 2+14+33+19+10 = 78 (33.77%), Decreased 14+20+24+7+7 = 72 (31.17%),
#   Ceased 22+37+12+0+1 = 72 (31.17%), Merged 1+4+2+2+0 = 9 (3.90%).
HAND_COUNTS = pd.DataFrame(
    [[2, 14, 22, 1], [14, 20, 37, 4], [33, 24, 12, 2], [19, 7, 0, 2], [10, 7, 1, 0]],
    index=pd.Index(SIZE_BANDS, name="size_band"),
    columns=pd.Index(OUTCOMES, name="outcome"),
    dtype=np.int64,
)


def printed_frame(rows: dict[str, list[str]], columns: list[str]) -> pd.DataFrame:
    """A printed table as text, in the layout of the raw CSV."""
    return pd.DataFrame([[label, *figures] for label, figures in rows.items()], columns=["row", *columns, SHARE_LABEL])


def parse(rows: dict[str, list[str]], columns: list[str]) -> PublishedTable:
    bands = tuple(label for label in rows if label != SHARE_LABEL)
    return parse_published(printed_frame(rows, columns), source="synthetic", bands=bands, outcomes=tuple(columns))


# --- the rounding rule ---------------------------------------------------------


def test_is_consistent_accepts_both_sides_of_an_exact_half():
    # 1/8 = 12.5% exactly: printed with 0 decimals it may be 12 or 13, never 11 or 14.
    assert [is_consistent(p, 0, 1, 8) for p in (11, 12, 13, 14)] == [False, True, True, False]
    # 1/3 = 33.33...%: only 33.3 with one decimal.
    assert [is_consistent(p, 1, 1, 3) for p in (332, 333, 334)] == [False, True, False]


@pytest.mark.parametrize(("printed", "decimals", "denominator"), [(169, 1, 231), (0, 1, 28), (51, 1, 39), (12, 0, 8), (1000, 1, 18)])
def test_count_interval_holds_exactly_the_consistent_counts(printed, decimals, denominator):
    low, high = count_interval(printed, decimals, denominator)
    inside = [k for k in range(denominator + 1) if low <= k <= high]
    assert inside == [k for k in range(denominator + 1) if is_consistent(printed, decimals, k, denominator)]


def test_count_interval_by_hand():
    # 16.9% of 231 is anywhere from 16.85% to 16.95%: 38.9235 to 39.1545 charities.
    assert count_interval(169, 1, 231) == (Fraction(389235, 10000), Fraction(391545, 10000))


# --- the real table --------------------------------------------------------------


def test_table_5_1_has_exactly_one_solution_equal_to_the_hand_calculation():
    result = reconstruct(load_published_table(), N_CHARITIES)
    assert len(result.solutions) == 1
    pd.testing.assert_frame_equal(result.unique(), HAND_COUNTS)
    assert result.row_totals == {"Micro": (39,), "Small": (75,), "Medium": (71,), "Large": (28,), "Major": (18,)}


def test_table_5_1_stage_counts():
    stages = reconstruct(load_published_table()).stage_table()
    assert stages["stage"].tolist() == ["row totals", "single cells", "row vectors", "whole tables", "column shares"]
    # Stage 1 tests n = 1..231 for each of 5 rows; a 0.1-point share of 231 is 0.231 charities
    # wide, so at most one n fits per row.
    assert stages.loc[0, ["examined", "kept"]].tolist() == [5 * 231, 5]
    # Stage 2 tests k = 0..n for 4 outcomes: 4 x (40 + 76 + 72 + 29 + 19) = 944.
    assert stages.loc[1, "examined"] == 4 * (40 + 76 + 72 + 29 + 19)
    assert stages["kept"].iloc[-1] == 1


def test_table_5_1_round_trip_matches_all_30_figures():
    published = load_published_table()
    check = round_trip(HAND_COUNTS, published)
    assert len(check) == 30
    assert check["matches"].all()
    assert (check["printed"] == check["recomputed"]).all()
    assert check["figure"].value_counts().to_dict() == {"cell": 20, "row share": 5, "column share": 4, "total": 1}
    micro = check.set_index(["row", "column"]).loc[("Micro", "Increased")]
    assert (micro["fraction"], micro["printed"]) == ("2/39", "5.1")


def test_round_trip_flags_every_figure_a_wrong_count_breaks():
    # Move one Micro charity from Ceased to Decreased: 15/39 = 38.5% (printed 35.9),
    # 21/39 = 53.8% (56.4), Decreased 73/231 = 31.6% (31.2), Ceased 71/231 = 30.7% (31.2).
    counts = HAND_COUNTS.copy()
    counts.loc["Micro", "Ceased"] -= 1
    counts.loc["Micro", "Decreased"] += 1
    check = round_trip(counts, load_published_table())
    wrong = check.loc[~check["matches"], ["row", "column", "recomputed"]].values.tolist()
    assert wrong == [
        ["Micro", "Decreased", "38.5"],
        ["Micro", "Ceased", "53.8"],
        [SHARE_LABEL, "Decreased", "31.6"],
        [SHARE_LABEL, "Ceased", "30.7"],
    ]


def test_round_trip_rejects_counts_with_other_labels():
    with pytest.raises(ContingencyTableError, match="do not match the printed table"):
        round_trip(HAND_COUNTS.rename(index={"Micro": "Tiny"}), load_published_table())


def test_wrong_sample_size_names_the_first_row_it_breaks():
    # 16.9% of 230 = 38.87: 38/230 = 16.52% and 39/230 = 16.96% both miss 16.9.
    with pytest.raises(InfeasibleTableError, match=r"^data/raw/table5_1_published\.csv: row Micro: no row total n in 1\.\.230 gives n/230 that rounds to 16\.9%"):
        reconstruct(load_published_table(), 230)


def test_conflicting_column_share_is_named():
    published = load_published_table()
    shares = published.column_shares.copy()
    shares["Merged"] = 43  # 4.3%: the only feasible Merged total is 9 of 231 = 3.9%
    tampered = dataclasses.replace(published, column_shares=shares)
    with pytest.raises(InfeasibleTableError, match=r"^data/raw/table5_1_published\.csv: column Merged: printed 4\.3% but feasible row solutions give column totals in \{9\}"):
        reconstruct(tampered)


# --- synthetic tables with known answers --------------------------------------------

# N = 114, whole percentages. Two tables print identically:
#   A: a = (51, 10), b = (1, 52);  B: a = (52, 10), b = (1, 51).
# a: 51/61 = 83.6 -> 84, 10/61 = 16.4 -> 16, 61/114 = 53.5 -> 54 | 52/62 = 83.9 -> 84, 10/62 = 16.1 -> 16, 62/114 = 54.4 -> 54
# b: 1/53 = 1.9 -> 2, 52/53 = 98.1 -> 98, 53/114 = 46.5 -> 46   | 1/52 = 1.9 -> 2, 51/52 = 98.1 -> 98, 52/114 = 45.6 -> 46
# columns: x 52/114 = 45.6 -> 46, y 62/114 = 54.4 -> 54          | x 53/114 = 46.5 -> 46, y 61/114 = 53.5 -> 54
AMBIGUOUS = {"a": ["84", "16", "54"], "b": ["2", "98", "46"], SHARE_LABEL: ["46", "54", "100"]}


def brute_force_2x2(published: PublishedTable, n_total: int) -> list[list[list[int]]]:
    """Every 2 x 2 table of N counts consistent with every printed figure, by plain enumeration."""
    a, b, c = (axis.ravel() for axis in np.meshgrid(*[np.arange(n_total + 1)] * 3, indexing="ij"))
    d = n_total - a - b - c
    keep = d >= 0
    a, b, c, d = a[keep], b[keep], c[keep], d[keep]
    scale = 100 * 10**published.decimals

    def fits(printed, numerator, denominator):
        return (denominator > 0) & (2 * np.abs(scale * numerator - printed * denominator) <= denominator)

    cells, shares, columns = published.cells.to_numpy(), published.row_shares.to_numpy(), published.column_shares.to_numpy()
    ok = (
        fits(cells[0, 0], a, a + b) & fits(cells[0, 1], b, a + b) & fits(cells[1, 0], c, c + d) & fits(cells[1, 1], d, c + d)
        & fits(shares[0], a + b, n_total) & fits(shares[1], c + d, n_total)
        & fits(columns[0], a + c, n_total) & fits(columns[1], b + d, n_total)
    )
    return [[[int(a[i]), int(b[i])], [int(c[i]), int(d[i])]] for i in np.flatnonzero(ok)]


def test_ambiguous_table_reports_every_solution():
    published = parse(AMBIGUOUS, ["x", "y"])
    result = reconstruct(published, 114)
    found = [solution.to_numpy().tolist() for solution in result.solutions]
    assert sorted(found) == [[[51, 10], [1, 52]], [[52, 10], [1, 51]]]
    assert sorted(found) == sorted(brute_force_2x2(published, 114))
    with pytest.raises(NotUniqueError, match="2 integer tables are consistent"):
        result.unique()
    for solution in result.solutions:
        assert round_trip(solution, published)["matches"].all()


def test_brute_force_agrees_on_a_unique_2x2_table():
    counts = pd.DataFrame({"x": [3, 5], "y": [4, 0]}, index=["a", "b"])
    published = publish(counts)
    assert [s.to_numpy().tolist() for s in reconstruct(published, 12).solutions] == brute_force_2x2(published, 12)


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        (pd.DataFrame({"x": [1, -1], "y": [1, 2]}, index=["a", "b"]), "row 'b', column 'x': -1 is not a non-negative whole number"),
        (pd.DataFrame({"x": [1, 0], "y": [1.5, 0]}, index=["a", "b"]), "row 'a', column 'y': 1.5 is not"),
        (pd.DataFrame({"x": [1, 0], "y": [1, 0]}, index=["a", "b"]), "row 'b' has a zero total"),
    ],
)
def test_publish_rejects_bad_counts(counts, message):
    with pytest.raises(ContingencyTableError, match=re.escape(message)):
        publish(counts)


def test_zero_cell_is_recovered():
    # a = (5, 0, 5), b = (2, 3, 0), N = 15. Row totals: 66.7% of 15 -> [9.9975, 10.0125] -> 10;
    # 33.3% -> [4.9875, 5.0025] -> 5. Cells then pin to 5, 0, 5 and 2, 3, 0 exactly.
    rows = {"a": ["50.0", "0.0", "50.0", "66.7"], "b": ["40.0", "60.0", "0.0", "33.3"], SHARE_LABEL: ["46.7", "20.0", "33.3", "100.0"]}
    solution = reconstruct(parse(rows, ["x", "y", "z"]), 15).unique()
    assert solution.to_numpy().tolist() == [[5, 0, 5], [2, 3, 0]]


def test_infeasible_row_share_is_named():
    # n/7 is 42.9% for n = 3 and 57.1% for n = 4: nothing prints as 50.0%.
    rows = {"a": ["50.0", "50.0", "50.0"], "b": ["50.0", "50.0", "50.0"], SHARE_LABEL: ["50.0", "50.0", "100.0"]}
    with pytest.raises(InfeasibleTableError, match=r"^synthetic: row a: no row total n in 1\.\.7 gives n/7 that rounds to 50\.0%"):
        reconstruct(parse(rows, ["x", "y"]), 7)


def test_infeasible_cell_is_named():
    # Row a has n = 3 (42.9% of 7), and k/3 is 0, 33.3, 66.7 or 100%: never 50.0%.
    rows = {"a": ["50.0", "50.0", "42.9"], "b": ["50.0", "50.0", "57.1"], SHARE_LABEL: ["42.9", "57.1", "100.0"]}
    with pytest.raises(InfeasibleTableError, match=r"^synthetic: row a, column x: no count k/n with n in \{3\} rounds to 50\.0%"):
        reconstruct(parse(rows, ["x", "y"]), 7)


def test_row_totals_that_cannot_reach_n_are_named():
    # Whole percentages, N = 3: 33% forces n = 1 in each row, so the rows total 2, never 3.
    index = pd.Index(["a", "b"], name="size_band")
    columns = pd.Index(["x", "y"], name="outcome")
    published = PublishedTable(
        cells=pd.DataFrame([[100, 0], [0, 100]], index=index, columns=columns),
        row_shares=pd.Series([33, 33], index=index),
        column_shares=pd.Series([33, 33], index=columns),
        total=100,
        decimals=0,
        source="synthetic",
    )
    with pytest.raises(InfeasibleTableError, match=r"row totals a: \{1\}, b: \{1\} sum to values in \{2\}"):
        reconstruct(published, 3)


# --- property: printing then reconstructing recovers the table ---------------------


def print_half_up(numerator: int, denominator: int) -> str:
    """Percentage with one decimal, rounded half up, computed with decimal arithmetic."""
    value = Decimal(100 * numerator) / Decimal(denominator)
    return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@st.composite
def small_tables(draw):
    n_rows = draw(st.integers(2, 4))
    n_columns = draw(st.integers(2, 4))
    rows = []
    for _ in range(n_rows):
        row = draw(st.lists(st.integers(0, 15), min_size=n_columns, max_size=n_columns).filter(lambda r: sum(r) > 0))
        rows.append(row)
    return rows


@settings(max_examples=150, deadline=None)
@given(small_tables())
def test_printing_then_reconstructing_recovers_the_original(rows):
    columns = [f"o{j}" for j in range(len(rows[0]))]
    n_total = sum(map(sum, rows))
    printed = {
        f"r{i}": [print_half_up(k, sum(row)) for k in row] + [print_half_up(sum(row), n_total)]
        for i, row in enumerate(rows)
    }
    printed[SHARE_LABEL] = [print_half_up(sum(column), n_total) for column in zip(*rows)] + ["100.0"]
    result = reconstruct(parse(printed, columns), n_total)
    assert rows in [solution.to_numpy().tolist() for solution in result.solutions]
    for solution in result.solutions:
        assert solution.to_numpy().sum() == n_total


# --- bounded work ----------------------------------------------------------------------


def row_vectors_by_brute_force(published, row, n_total):
    """Count the vectors of one row consistent with its printed figures (every k tried)."""
    printed = [int(value) for value in published.cells.loc[row]]
    share = int(published.row_shares[row])
    count = 0
    for n in range(1, n_total + 1):
        if 2 * abs(1000 * n - share * n_total) > n_total:
            continue
        options = [[k for k in range(n + 1) if 2 * abs(1000 * k - value * n) <= n] for value in printed]
        count += sum(1 for vector in itertools.product(*options) if sum(vector) == n)
    return count


def test_large_n_stops_at_the_budget_saying_how_many_it_would_need():
    published = load_published_table()
    n_total = 11_550  # fifty times the sample: the whole-table stage would explode
    need = math.prod(row_vectors_by_brute_force(published, row, n_total) for row in published.rows)
    with pytest.raises(SearchBudgetError) as caught:
        reconstruct(published, n_total)
    message = str(caught.value)
    assert message == (
        f"data/raw/table5_1_published.csv: with N = 11550, the search stage 'whole tables' would examine "
        f"{need:,} candidates, more than the budget of {MAX_CANDIDATES:,}; to search anyway, call "
        f"reconstruct(..., max_candidates={need})"
    )
    assert need > MAX_CANDIDATES


def test_budget_is_exact_at_the_boundary():
    published = load_published_table()
    # Stage 1 examines every n in 1..231 for each of the 5 rows: 1,155 candidates, the largest stage.
    assert reconstruct(published, N_CHARITIES, max_candidates=5 * N_CHARITIES).unique().to_numpy().sum() == N_CHARITIES
    with pytest.raises(SearchBudgetError, match=r"stage 'row totals' would examine 1,155 candidates, more than the budget of 1,154"):
        reconstruct(published, N_CHARITIES, max_candidates=5 * N_CHARITIES - 1)


@pytest.mark.parametrize("n_total", [231.0, "231", True, 0, -5])
def test_sample_size_must_be_a_positive_int(n_total):
    with pytest.raises(InfeasibleTableError) as caught:
        reconstruct(load_published_table(), n_total)
    message = str(caught.value)
    assert message == (
        f"data/raw/table5_1_published.csv: sample size N = {n_total!r} ({type(n_total).__name__}): "
        "must be a positive whole number (an int)"
    )


def test_numpy_integer_sample_size_is_accepted():
    assert reconstruct(load_published_table(), np.int64(N_CHARITIES)).n_total == N_CHARITIES
