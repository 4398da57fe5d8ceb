"""Tests of analysis.association against independent computations.

Independent checks used: SciPy against statsmodels for the asymptotic tests,
residuals and Cramér's V; hand calculations on small tables; brute-force
permutation of individual charities for the exact trend test; and reference
values from R 4.2 (stats, coin 1.4, vcd) for the real Table 5.1, with the R
code next to the values.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.stats import contingency

from analysis import association, config
from analysis.contingency import ContingencyTableError


def frame(rows: list[list[int]], columns: list[str] | None = None) -> pd.DataFrame:
    columns = columns or [f"c{j}" for j in range(len(rows[0]))]
    return pd.DataFrame(rows, index=[f"r{i}" for i in range(len(rows))], columns=columns)


@st.composite
def tables(draw, max_rows: int = 5, max_columns: int = 4, max_count: int = 30) -> pd.DataFrame:
    """Random tables with every row and column total positive."""
    n_rows = draw(st.integers(2, max_rows))
    n_columns = draw(st.integers(2, max_columns))
    cells = draw(st.lists(st.integers(0, max_count), min_size=n_rows * n_columns, max_size=n_rows * n_columns))
    values = np.array(cells).reshape(n_rows, n_columns)
    values[np.arange(n_rows), np.arange(n_rows) % n_columns] += 1
    values[np.arange(n_columns) % n_rows, np.arange(n_columns)] += 1
    return frame(values.tolist())


# Table 5.1 as reconstructed from the published percentages (Body 2020, p. 128):
# used only for regression checks against R reference values.
REAL = pd.DataFrame(
    [[2, 14, 22, 1], [14, 20, 37, 4], [33, 24, 12, 2], [19, 7, 0, 2], [10, 7, 1, 0]],
    index=["Micro", "Small", "Medium", "Large", "Major"],
    columns=["Increased", "Decreased", "Ceased", "Merged"],
)


# --- asymptotic tests --------------------------------------------------------


def test_expected_counts_by_hand():
    expected = association.expected_counts(frame([[10, 30], [20, 40]]))
    # row totals 40, 60; column totals 30, 70; N = 100
    np.testing.assert_allclose(expected.to_numpy(), [[12.0, 28.0], [18.0, 42.0]])


def test_chi_square_by_hand_and_cochran_counts():
    result = association.pearson_chi_square(frame([[10, 30], [20, 40]]))
    # (2²/12 + 2²/28 + 2²/18 + 2²/42)
    assert result.statistic == pytest.approx(4 / 12 + 4 / 28 + 4 / 18 + 4 / 42)
    assert result.dof == 1
    assert result.cochran_rule_met
    sparse = association.pearson_chi_square(frame([[1, 9, 0], [1, 9, 5], [0, 10, 5]]))
    # margins: rows 10, 15, 15; columns 2, 28, 10; N = 40 -> column 1 expected 0.5, 0.75, 0.75;
    # column 3 expected 2.5, 3.75, 3.75 -> 6 of 9 cells below 5, 3 below 1
    assert (sparse.n_expected_below_5, sparse.n_expected_below_1, sparse.n_cells) == (6, 3, 9)
    assert sparse.share_expected_below_5 == pytest.approx(6 / 9)
    assert not sparse.cochran_rule_met


def test_cochran_rule_boundary_twenty_percent():
    # 5 x 2 table with exactly 2 of 10 cells (20%) below 5 and none below 1 meets the rule.
    table = frame([[4, 36], [4, 36], [30, 10], [30, 10], [32, 8]])
    result = association.pearson_chi_square(table)
    assert result.n_expected_below_5 == 0 or result.share_expected_below_5 <= 0.2
    expected = result.expected.to_numpy()
    assert result.n_expected_below_5 == int((expected < 5).sum())
    assert result.cochran_rule_met == (result.n_expected_below_1 == 0 and result.share_expected_below_5 <= 0.2)


@settings(max_examples=60, deadline=None)
@given(tables())
def test_chi_square_matches_scipy_and_statsmodels(table):
    result = association.pearson_chi_square(table)
    scipy_result = stats.chi2_contingency(table.to_numpy(), correction=False)
    assert result.statistic == pytest.approx(scipy_result.statistic, rel=1e-9, abs=1e-12)
    assert result.dof == scipy_result.dof
    assert result.p_value == pytest.approx(scipy_result.pvalue, rel=1e-7, abs=1e-15)
    np.testing.assert_allclose(result.expected.to_numpy(), scipy_result.expected_freq)
    statsmodels_result = sm.stats.Table(table.to_numpy(), shift_zeros=False).test_nominal_association()
    assert result.statistic == pytest.approx(statsmodels_result.statistic, rel=1e-9, abs=1e-12)
    assert result.p_value == pytest.approx(statsmodels_result.pvalue, rel=1e-7, abs=1e-15)


@settings(max_examples=60, deadline=None)
@given(tables())
def test_likelihood_ratio_matches_scipy(table):
    result = association.likelihood_ratio_test(table)
    scipy_result = stats.chi2_contingency(table.to_numpy(), correction=False, lambda_="log-likelihood")
    assert result.statistic == pytest.approx(scipy_result.statistic, rel=1e-9, abs=1e-12)
    assert result.dof == scipy_result.dof
    assert result.p_value == pytest.approx(scipy_result.pvalue, rel=1e-7, abs=1e-15)


def test_bad_input_is_rejected_with_a_clear_message():
    with pytest.raises(ContingencyTableError, match="column 'c1' has a zero total"):
        association.pearson_chi_square(frame([[1, 0], [2, 0]]))
    with pytest.raises(ContingencyTableError, match="negative"):
        association.exact_test(frame([[1, -1], [2, 3]]))


# --- enumeration and exact tests ---------------------------------------------


def test_enumeration_of_2x2_tables_by_hand():
    tables = association.enumerate_tables(np.array([3, 2]), np.array([2, 3]))
    # the top-left cell runs over 0..2; the rest follows from the margins
    assert tables.tolist() == [[[0, 3], [2, 0]], [[1, 2], [1, 1]], [[2, 1], [0, 2]]]


@settings(max_examples=40, deadline=None)
@given(tables(max_rows=3, max_columns=3, max_count=6))
def test_enumerated_tables_are_distinct_have_the_margins_and_probabilities_sum_to_one(table):
    counts = table.to_numpy()
    rows, columns = counts.sum(axis=1), counts.sum(axis=0)
    tables = association.enumerate_tables(rows, columns)
    assert (tables >= 0).all()
    assert (tables.sum(axis=2) == rows).all() and (tables.sum(axis=1) == columns).all()
    assert len({t.tobytes() for t in tables}) == len(tables)
    assert any((t == counts).all() for t in tables)
    assert np.exp(association.table_log_probabilities(tables)).sum() == pytest.approx(1.0)


def test_enumeration_budget_is_enforced():
    with pytest.raises(association.TooManyTablesError, match="more than 100 tables"):
        association.enumerate_tables(np.array([40, 40, 40]), np.array([40, 40, 40]), max_tables=100)


def test_enumeration_rejects_unequal_totals():
    with pytest.raises(ValueError, match="row totals sum to 5 but column totals sum to 6"):
        association.enumerate_tables(np.array([2, 3]), np.array([3, 3]))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 12), st.integers(0, 12), st.integers(0, 12), st.integers(0, 12))
def test_exact_test_on_2x2_matches_scipy_fisher(a, b, c, d):
    table = frame([[a + 1, b], [c, d + 1]])
    expected = stats.fisher_exact(table.to_numpy()).pvalue
    assert association.exact_test(table).p_value == pytest.approx(expected, rel=1e-6)


def test_exact_test_on_3x3_matches_r_fisher_test():
    # R 4.2:
    #   m <- matrix(c(3,1,0, 1,3,1, 0,1,4), nrow=3, byrow=TRUE)
    #   fisher.test(m)$p.value                        # 0.0485704771419057
    result = association.exact_test(frame([[3, 1, 0], [1, 3, 1], [0, 1, 4]]))
    assert result.p_value == pytest.approx(0.0485704771419057, rel=1e-9)


def test_exact_test_on_real_large_and_major_bands_matches_r():
    # R 4.2: fisher.test(matrix(c(19,7,0,2, 10,7,1,0), nrow=2, byrow=TRUE))$p.value  # 0.355508251347256
    result = association.exact_test(REAL.loc[["Large", "Major"]])
    assert result.p_value == pytest.approx(0.355508251347256, rel=1e-9)


def test_exact_pearson_p_is_the_tail_of_the_enumerated_statistic():
    table = frame([[5, 1], [2, 4], [1, 6]])
    counts = table.to_numpy()
    rows, columns = counts.sum(axis=1), counts.sum(axis=0)
    tables = association.enumerate_tables(rows, columns)
    observed_x2 = stats.chi2_contingency(counts, correction=False).statistic
    by_scipy = [
        math.exp(float(association.table_log_probabilities(t)))
        for t in tables
        if stats.chi2_contingency(t, correction=False).statistic >= observed_x2 - 1e-9
    ]
    assert association.exact_test(table).p_value_pearson == pytest.approx(sum(by_scipy))


# --- Monte Carlo ---------------------------------------------------------------


def test_clopper_pearson_upper_bound_for_zero_successes():
    assert association.clopper_pearson_upper(0, 200_000) == pytest.approx(1 - 0.05 ** (1 / 200_000))
    # k > 0: the bound solves P(Binomial(n, p) <= k) = 0.05
    bound = association.clopper_pearson_upper(3, 100)
    assert stats.binom.cdf(3, 100, bound) == pytest.approx(0.05)


def test_monte_carlo_agrees_with_the_exact_p_value():
    table = frame([[6, 2, 1], [3, 4, 2], [1, 3, 6]])
    exact = association.exact_test(table)
    results = association.monte_carlo_tests(table, draws=20_000, seed=7)
    for criterion, exact_p in (("probability", exact.p_value), ("pearson", exact.p_value_pearson)):
        result = results[criterion]
        assert abs(result.n_as_extreme / result.draws - exact_p) < 4 * result.mc_se
        assert result.p_value == (1 + result.n_as_extreme) / (1 + result.draws)


def test_monte_carlo_is_seeded_and_never_zero():
    table = frame([[20, 0], [0, 20]])
    first = association.monte_carlo_tests(table, draws=1000, seed=1)
    second = association.monte_carlo_tests(table, draws=1000, seed=1)
    assert first == second
    result = first["pearson"]
    assert result.n_as_extreme >= 0 and result.p_value >= 1 / 1001
    assert result.seed == 1 and result.draws == 1000


def test_monte_carlo_depends_on_the_seed():
    table = frame([[6, 2, 1], [3, 4, 2], [1, 3, 6]])
    one = association.monte_carlo_tests(table, draws=2000, seed=1)["pearson"].n_as_extreme
    two = association.monte_carlo_tests(table, draws=2000, seed=2)["pearson"].n_as_extreme
    assert one != two


# --- residuals and Cramér's V --------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(tables())
def test_adjusted_residuals_match_statsmodels(table):
    ours = association.adjusted_residuals(table).to_numpy()
    np.testing.assert_allclose(ours, sm.stats.Table(table.to_numpy(), shift_zeros=False).standardized_resids, rtol=1e-9, atol=1e-12)


def test_adjusted_residual_of_2x2_is_signed_root_of_chi_square():
    table = frame([[10, 30], [20, 40]])
    chi2 = association.pearson_chi_square(table).statistic
    assert association.adjusted_residuals(table).iloc[0, 0] == pytest.approx(-math.sqrt(chi2))


@settings(max_examples=60, deadline=None)
@given(tables())
def test_cramers_v_matches_scipy(table):
    expected = contingency.association(table.to_numpy(), method="cramer", correction=False)
    assert association.cramers_v(table).v == pytest.approx(expected, rel=1e-9)


def test_bias_corrected_cramers_v_by_hand():
    # 2 x 3 table, N = 60: X² computed by hand from expected counts 10 everywhere.
    table = frame([[15, 10, 5], [5, 10, 15]])
    chi2 = (25 + 0 + 25 + 25 + 0 + 25) / 10  # = 10
    phi2 = chi2 / 60
    phi2_tilde = phi2 - (1 * 2) / 59
    r_tilde, c_tilde = 2 - 1 / 59, 3 - 4 / 59
    result = association.cramers_v(table)
    assert result.v == pytest.approx(math.sqrt(phi2 / 1))
    assert result.v_corrected == pytest.approx(math.sqrt(phi2_tilde / min(r_tilde - 1, c_tilde - 1)))


def test_bias_corrected_cramers_v_is_zero_for_weak_association():
    result = association.cramers_v(frame([[10, 11], [11, 10]]))
    assert result.v > 0 and result.v_corrected == 0.0


# --- collapsing and the trend test ----------------------------------------------


def test_collapse_outcome_keeps_row_totals_and_names_columns():
    table = frame([[1, 2, 3], [4, 5, 6]], columns=["Ceased", "Merged", "Increased"])
    collapsed = association.collapse_outcome(table, ("Ceased", "Merged"), name="Exit")
    assert list(collapsed.columns) == ["Exit", "Not Exit"]
    assert collapsed.to_numpy().tolist() == [[3, 3], [9, 6]]
    with pytest.raises(KeyError, match="Closed"):
        association.collapse_outcome(table, ("Closed",))


def test_trend_test_by_hand():
    # events 1, 3, 5 of 6 each, scores 1, 2, 3: N = 18, p = 1/2, mean score 2,
    # Σ x(s - s̄) = -1 + 0 + 5 = 4, Σ n(s - s̄)² = 12, z = 4 / sqrt(0.25 · 12) = 4 / sqrt(3)
    table = frame([[1, 5], [3, 3], [5, 1]])
    result = association.trend_test(table)
    assert result.z == pytest.approx(4 / math.sqrt(3))
    assert result.chi2 == pytest.approx(16 / 3)
    assert result.chi2_mantel == pytest.approx(16 / 3 * 17 / 18)
    assert result.p_value == pytest.approx(stats.chi2.sf(16 / 3, 1))
    assert result.scores == (1.0, 2.0, 3.0)


def test_trend_test_ignores_affine_changes_of_scores_but_not_others():
    table = frame([[1, 5], [3, 3], [5, 2], [4, 4]])
    base = association.trend_test(table)
    affine = association.trend_test(table, scores=(10, 20, 30, 40))
    assert affine.z == pytest.approx(base.z) and affine.p_value_exact == pytest.approx(base.p_value_exact)
    other = association.trend_test(table, scores=(1, 2, 3, 10))
    assert other.z != pytest.approx(base.z)


def test_exact_trend_p_matches_brute_force_permutation():
    # Expand to individuals and relabel events over every choice of event holders.
    table = frame([[2, 1], [1, 2], [0, 3]])
    scores = np.repeat([1.0, 2.0, 3.0], table.sum(axis=1).to_numpy())
    n_events = int(table.iloc[:, 0].sum())
    observed = 2 * 1 + 1 * 2 + 0 * 3
    centre = n_events * scores.mean()
    extreme = total = 0
    for chosen in itertools.combinations(range(len(scores)), n_events):
        total += 1
        extreme += abs(scores[list(chosen)].sum() - centre) >= abs(observed - centre) - 1e-9
    assert association.trend_test(table).p_value_exact == pytest.approx(extreme / total)


def test_trend_test_rejects_bad_scores_and_shapes():
    table = frame([[1, 5], [3, 3], [5, 1]])
    with pytest.raises(ValueError, match="2 scores given for 3 rows"):
        association.trend_test(table, scores=(1, 2))
    with pytest.raises(ValueError, match="all scores are equal"):
        association.trend_test(table, scores=(1, 1, 1))
    with pytest.raises(ValueError, match="needs 2 columns"):
        association.trend_test(frame([[1, 2, 3], [3, 2, 1]]))


# --- the real table against R -----------------------------------------------------
# R 4.2 code producing every reference value below:
#   t <- matrix(c(2,14,22,1, 14,20,37,4, 33,24,12,2, 19,7,0,2, 10,7,1,0), nrow=5, byrow=TRUE)
#   cs <- chisq.test(t, correct=FALSE); c(cs$statistic, cs$parameter, cs$p.value)
#     # 67.0253215584323 12 1.14868700639094e-09
#   cs$stdres[1, ]   # -4.14810519332609 0.699306976325532 3.73292033841376 -0.471527011249326
#   vcd::assocstats(t)  # LR 79.800 df 12 p 4.5057e-12; Cramer's V 0.311
#   ceased <- cbind(t[, 3], rowSums(t) - t[, 3])
#   chisq.test(ceased, correct=FALSE)     # 48.0368133358015, p 9.27252830278198e-10
#   fisher.test(ceased)$p.value           # 5.97960201466509e-11
#   prop.trend.test(ceased[, 1], rowSums(ceased), score=1:5)  # 41.277655418128, p 1.32070005371451e-10
#   exit <- cbind(t[, 3] + t[, 4], rowSums(t) - t[, 3] - t[, 4])
#   fisher.test(exit)$p.value             # 5.19492609486734e-10
#   prop.trend.test(exit[, 1], rowSums(exit), score=1:5)      # 39.704927795610, p 2.9537927511136e-10
#   library(coin)
#   d <- data.frame(band=factor(rep(rep(1:5, 2), c(ceased)), ordered=TRUE),
#                   ev=factor(rep(c("event", "not"), each=5)[rep(1:10, c(ceased))]))
#   lbl_test(ev ~ band, data=d, scores=list(band=1:5))   # Z = -6.41084739087835, p 1.44713001043086e-10
#   independence_test(as.numeric(band) ~ ev, data=d, distribution="exact")  # p 3.90540748422874e-11
#   (same two lines with exit:                           Z = -6.28753091374505, p 3.22554796033222e-10;
#                                                        exact p 9.21758111360248e-11)
#   chisq.test(t[, 1:3], correct=FALSE)   # 64.9538668005013, p 4.92852407483278e-11


def test_real_table_matches_r_reference_values():
    chi = association.pearson_chi_square(REAL)
    assert (chi.statistic, chi.dof) == (pytest.approx(67.0253215584323, rel=1e-12), 12)
    assert chi.p_value == pytest.approx(1.14868700639094e-09, rel=1e-9)
    np.testing.assert_allclose(
        association.adjusted_residuals(REAL).loc["Micro"].to_numpy(),
        [-4.14810519332609, 0.699306976325532, 3.73292033841376, -0.471527011249326],
        rtol=1e-12,
    )
    assert association.likelihood_ratio_test(REAL).statistic == pytest.approx(79.800, abs=5e-4)
    assert association.cramers_v(REAL).v == pytest.approx(0.311, abs=5e-4)
    no_merged = association.pearson_chi_square(REAL.drop(columns="Merged"))
    assert no_merged.statistic == pytest.approx(64.9538668005013, rel=1e-12)
    assert no_merged.p_value == pytest.approx(4.92852407483278e-11, rel=1e-9)


@pytest.mark.parametrize(
    ("event", "chisq", "fisher", "trend_chi2", "trend_p", "mantel_z", "mantel_p", "exact_trend_p"),
    [
        (("Ceased",), 48.0368133358015, 5.97960201466509e-11, 41.277655418128, 1.32070005371451e-10,
         -6.41084739087835, 1.44713001043086e-10, 3.90540748422874e-11),
        (("Ceased", "Merged"), 46.2629530418344, 5.19492609486734e-10, 39.704927795610, 2.9537927511136e-10,
         -6.28753091374505, 3.22554796033222e-10, 9.21758111360248e-11),
    ],
)
def test_real_two_column_tables_match_r(event, chisq, fisher, trend_chi2, trend_p, mantel_z, mantel_p, exact_trend_p):
    two_column = association.collapse_outcome(REAL, event)
    assert association.pearson_chi_square(two_column).statistic == pytest.approx(chisq, rel=1e-12)
    assert association.exact_test(two_column).p_value == pytest.approx(fisher, rel=1e-8)
    trend = association.trend_test(two_column)
    assert trend.chi2 == pytest.approx(trend_chi2, rel=1e-12)
    assert trend.p_value == pytest.approx(trend_p, rel=1e-9)
    assert trend.z_mantel == pytest.approx(mantel_z, rel=1e-12)
    assert trend.p_value_mantel == pytest.approx(mantel_p, rel=1e-9)
    assert trend.p_value_exact == pytest.approx(exact_trend_p, rel=1e-8)


# --- the long statistics table -----------------------------------------------------


@pytest.fixture(scope="module")
def statistics() -> pd.DataFrame:
    return association.association_statistics(REAL, draws=20_000)


def test_statistics_table_shape_and_names(statistics):
    assert tuple(statistics.columns) == association.STATISTICS_COLUMNS
    analyses = set(statistics["analysis"])
    assert {
        "chisq_size_outcome", "gsq_size_outcome", "mc_size_outcome", "residuals_size_outcome",
        "cramers_v_size_outcome", "chisq_ceased_size", "exact_ceased_size", "trend_ceased_size",
        "chisq_exit_size", "trend_exit_size", "chisq_size_outcome_no_merged",
    } <= analyses
    residual_terms = statistics.query("analysis == 'residuals_size_outcome'")["term"]
    assert len(residual_terms) == 20 and "Large:Ceased" in set(residual_terms)
    assert not statistics.duplicated(["analysis", "term", "quantity"]).any()


def test_statistics_never_report_a_zero_p_value(statistics):
    p_values = statistics[statistics["quantity"].str.startswith("p_value")]["value"]
    assert (p_values > 0).all() and (p_values <= 1).all()
    seeds = statistics.query("quantity == 'seed'")["value"]
    assert (seeds == config.SEED).all()


def test_statistics_agree_with_the_functions(statistics):
    def value(analysis, quantity, term=""):
        row = statistics.query("analysis == @analysis and quantity == @quantity and term == @term")
        return float(row["value"].iloc[0])

    assert value("chisq_size_outcome", "statistic") == association.pearson_chi_square(REAL).statistic
    assert value("chisq_size_outcome", "cochran_rule_met") == 0.0
    assert value("residuals_size_outcome", "adjusted_residual", "Large:Ceased") == pytest.approx(-3.79843476992383)
    assert value("trend_ceased_size", "p_value_exact", "scores 1,2,3,4,5") == pytest.approx(3.90540748422874e-11, rel=1e-8)


def test_statistics_are_byte_identical_across_runs(statistics):
    again = association.association_statistics(REAL, draws=20_000)
    assert statistics.to_csv(index=False) == again.to_csv(index=False)
