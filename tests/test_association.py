"""Tests of analysis.association against independent computations.

Independent checks used: SciPy against statsmodels for the asymptotic tests,
residuals and Cramér's V; hand calculations on small tables; brute-force
permutation of individual charities for the exact trend test; and reference
values from R 4.2 (stats, coin 1.4) for the real Table 5.1, with the R
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


@pytest.mark.parametrize(
    ("rows", "first", "below_5", "rule_met"),
    [
        # Two columns, column totals 40 and 160 of N = 200, so the first column's expected
        # counts are row total / 5: rows 10, 10, 40, 40, 100 -> 2, 2, 8, 8, 20 (2 of 10 cells
        # below 5, exactly 20%, none below 1: met); rows 10, 10, 10, 70, 100 -> 2, 2, 2, 14, 20
        # (3 of 10, 30%: not met); rows 4, 16, 40, 40, 100 -> 0.8, 3.2, ... (0.8 and 3.2 in the first row, 3.2 in the second: 3 below 5, one below 1: not met).
        ([10, 10, 40, 40, 100], [2, 2, 8, 8, 20], 2, True),
        ([10, 10, 10, 70, 100], [2, 2, 2, 14, 20], 3, False),
        ([4, 16, 40, 40, 100], [1, 3, 8, 8, 20], 3, False),
    ],
)
def test_cochran_rule_at_and_across_the_twenty_percent_boundary(rows, first, below_5, rule_met):
    table = frame([[a, row - a] for a, row in zip(first, rows)])
    result = association.pearson_chi_square(table)
    np.testing.assert_allclose(result.expected.iloc[:, 0].to_numpy(), np.array(rows) / 5)
    assert result.n_expected_below_5 == below_5
    assert result.cochran_rule_met is rule_met


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


def test_monte_carlo_counts_match_an_independent_recount():
    # Same generator and sampler, but every statistic recomputed by SciPy: X² by
    # chi2_contingency, the table probability by scipy.stats.random_table(...).pmf.
    table = frame([[6, 2, 1], [3, 4, 2], [1, 3, 6]])
    counts = table.to_numpy()
    rows, columns = counts.sum(axis=1), counts.sum(axis=0)
    results = association.monte_carlo_tests(table, draws=3000, seed=11)
    drawn = stats.random_table(rows, columns).rvs(size=3000, random_state=np.random.default_rng(11))
    observed_x2 = stats.chi2_contingency(counts, correction=False).statistic
    observed_probability = stats.random_table(rows, columns).pmf(counts)
    as_large = sum(stats.chi2_contingency(t, correction=False).statistic >= observed_x2 * (1 - 1e-7) for t in drawn)
    as_probable = int((stats.random_table(rows, columns).pmf(drawn) <= observed_probability * (1 + 1e-7)).sum())
    assert results["pearson"].n_as_extreme == as_large
    assert results["probability"].n_as_extreme == as_probable
    assert results["pearson"].p_value == (1 + as_large) / 3001
    share = as_large / 3000
    assert results["pearson"].mc_se == pytest.approx(math.sqrt(share * (1 - share) / 3000), rel=1e-12)
    assert results["pearson"].p_value_upper_95 == pytest.approx(stats.beta.ppf(0.95, as_large + 1, 3000 - as_large), rel=1e-12)
    assert association.monte_carlo_tests(table, draws=3000, seed=11) == results


def test_monte_carlo_with_no_extreme_draw_reports_the_floor_and_its_bound():
    # Only the observed table and its mirror reach X² = 40; together they have
    # probability 2 / C(40, 20) ≈ 1.5e-11, so 1000 draws find none.
    result = association.monte_carlo_tests(frame([[20, 0], [0, 20]]), draws=1000, seed=1)["pearson"]
    assert result.n_as_extreme == 0
    assert result.p_value == 1 / 1001
    assert result.mc_se == 0.0
    assert result.p_value_upper_95 == pytest.approx(1 - 0.05 ** (1 / 1000), rel=1e-12)


def test_null_draws_have_the_margins_and_follow_the_seed():
    rows, columns = np.array([5, 7, 3]), np.array([6, 9])
    first = np.concatenate(list(association.draw_null_tables(rows, columns, draws=120_001, seed=3)))
    again = np.concatenate(list(association.draw_null_tables(rows, columns, draws=120_001, seed=3)))
    other = np.concatenate(list(association.draw_null_tables(rows, columns, draws=120_001, seed=4)))
    assert first.shape == (120_001, 3, 2)
    assert (first.sum(axis=2) == rows).all() and (first.sum(axis=1) == columns).all()
    assert np.array_equal(first, again) and not np.array_equal(first, other)


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
#   E <- outer(rowSums(t), colSums(t)) / sum(t); G2 <- 2 * sum(ifelse(t > 0, t * log(t / E), 0))
#   sprintf("%.15g", c(G2, pchisq(G2, 12, lower.tail=FALSE)))  # 79.8002424962039 4.50568664341629e-12
#   sprintf("%.15g", sqrt(cs$statistic / (sum(t) * 3)))         # Cramer's V 0.310994591153051
#   sprintf("%.15g", cs$stdres[4, 3])                            # Large, Ceased -3.79843476992383
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
    likelihood_ratio = association.likelihood_ratio_test(REAL)
    assert likelihood_ratio.statistic == pytest.approx(79.8002424962039, rel=1e-12)
    assert likelihood_ratio.p_value == pytest.approx(4.50568664341629e-12, rel=1e-9)
    # a second, independent route: SciPy's power-divergence statistic with lambda = 0
    scipy_g2 = stats.chi2_contingency(REAL.to_numpy(), correction=False, lambda_="log-likelihood")
    assert likelihood_ratio.statistic == pytest.approx(scipy_g2.statistic, rel=1e-12)
    assert association.cramers_v(REAL).v == pytest.approx(0.310994591153051, rel=1e-12)
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
        "mean_score_size_outcome", "calibration_size_outcome", "ceased_under_100k_vs_band",
        "equivalence_outcome_shares", "ceased_proportion_clopper_pearson", "power_ceased_band_vs_reference",
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
    # R: chisq.test(t, correct=FALSE)$stdres[4, 3] (see the R code above)
    assert value("residuals_size_outcome", "adjusted_residual", "Large:Ceased") == pytest.approx(-3.79843476992383, rel=1e-12)
    assert value("trend_ceased_size", "p_value_exact", "scores 1,2,3,4,5") == pytest.approx(3.90540748422874e-11, rel=1e-8)
    # the new quantities, against the R values quoted with their tests above
    assert value("mean_score_size_outcome", "statistic", "scores 1,2,3,4,5") == pytest.approx(54.2207666494578, rel=1e-12)
    assert value("mean_score_size_outcome", "remainder_p_value", "scores 1,2,3,4,5") == pytest.approx(0.171651198830788, rel=1e-9)
    v_row = statistics.query("analysis == 'cramers_v_size_outcome' and quantity == 'v'").iloc[0]
    assert (v_row["value"], v_row["ci_low"], v_row["ci_high"]) == pytest.approx((0.310994591153051, 0.205328378638, 0.361751724539), rel=1e-9)
    large = statistics.query("analysis == 'ceased_proportion_clopper_pearson' and term == 'Large'").iloc[0]
    assert (large["value"], large["ci_low"], large["ci_high"]) == pytest.approx((0.0, 0.0, 0.1234361185), rel=1e-9)
    assert value("ceased_under_100k_vs_band", "p_value_holm", "Micro+Small vs Major") == pytest.approx(0.000184395742811, rel=1e-9)
    assert value("power_ceased_band_vs_reference", "power_at_zero", "Large vs Medium") == pytest.approx(0.672478634534, rel=1e-9)
    assert value("equivalence_outcome_shares", "equivalent") == 1.0
    assert value("calibration_size_outcome", "draws", "pearson at 0.05") == 20_000


def test_statistics_are_byte_identical_across_runs(statistics):
    again = association.association_statistics(REAL, draws=20_000)
    assert statistics.to_csv(index=False) == again.to_csv(index=False)


# --- binomial intervals ------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        # R 4.2: binom.test(0, 28)$conf.int -> 0 0.1234361185 ; binom.test(1, 18)$conf.int
        #   -> 0.00140555616737 0.272943599673
        (0, 28, 0.0, 0.1234361185),
        (1, 18, 0.00140555616737, 0.272943599673),
    ],
)
def test_clopper_pearson_interval_matches_r_binom_test(successes, trials, low, high):
    interval = association.clopper_pearson_interval(successes, trials)
    assert interval[0] == pytest.approx(low, rel=1e-9, abs=1e-15)
    assert interval[1] == pytest.approx(high, rel=1e-9)
    scipy_interval = stats.binomtest(successes, trials).proportion_ci(method="exact")
    # SciPy solves for the limits numerically (brentq), so agreement is to about 1e-11
    assert interval == pytest.approx((scipy_interval.low, scipy_interval.high), rel=1e-10, abs=1e-15)


def test_clopper_pearson_interval_at_zero_by_hand_and_rejects_impossible_counts():
    assert association.clopper_pearson_interval(0, 28)[1] == pytest.approx(1 - 0.025 ** (1 / 28), rel=1e-12)
    assert association.clopper_pearson_interval(28, 28)[0] == pytest.approx(0.025 ** (1 / 28), rel=1e-12)
    with pytest.raises(ValueError, match="3 successes in 2 trials"):
        association.clopper_pearson_interval(3, 2)


# --- the mean-score test (ordered size, unordered outcome) ------------------------------
# R 4.2, coin 1.4:
#   library(coin)
#   t <- matrix(c(2,14,22,1, 14,20,37,4, 33,24,12,2, 19,7,0,2, 10,7,1,0), nrow=5, byrow=TRUE,
#          dimnames=list(size=c("Micro","Small","Medium","Large","Major"),
#                        outcome=c("Increased","Decreased","Ceased","Merged")))
#   d <- as.data.frame(as.table(t)); d <- d[rep(seq_len(nrow(d)), d$Freq), 1:2]
#   d$size <- factor(d$size, levels=rownames(t), ordered=TRUE)
#   r <- cmh_test(size ~ outcome, data=d, scores=list(size=1:5))  # chi-squared = 54.221, df = 3
#   sprintf("%.15g", statistic(r))                                # 54.2207666494578
#   Q <- statistic(r); sprintf("%.15g", pchisq(Q, 3, lower.tail=FALSE))   # 1.00677421131383e-11
#   X2 <- chisq.test(t, correct=FALSE)$statistic
#   sprintf("%.15g", c(X2 - Q, pchisq(X2 - Q, 9, lower.tail=FALSE)))  # 12.8045549089744 0.171651198830788
#   s <- as.numeric(d$size); N <- length(s)
#   ssb <- sum(tapply(s, d$outcome, function(x) length(x) * (mean(x) - mean(s))^2))
#   sprintf("%.15g", N * ssb / sum((s - mean(s))^2))             # N form 54.4565091131512
# (coin's own pvalue(r), 1.00677244319058e-11, differs from pchisq in the 6th digit.)


def test_mean_score_test_matches_r_coin_cmh_test():
    result = association.mean_score_test(REAL)
    assert result.dof == 3 and result.remainder_dof == 9
    assert result.statistic == pytest.approx(54.2207666494578, rel=1e-12)
    assert result.p_value == pytest.approx(1.00677421131383e-11, rel=1e-9)
    assert result.p_value == pytest.approx(1.00677244319058e-11, rel=1e-4)  # coin's pvalue()
    assert result.statistic_n_form == pytest.approx(54.4565091131512, rel=1e-12)
    assert result.remainder == pytest.approx(12.8045549089744, rel=1e-12)
    assert result.remainder_p_value == pytest.approx(0.171651198830788, rel=1e-9)
    assert result.remainder_n_form == pytest.approx(67.0253215584323 - 54.4565091131512, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(tables(max_rows=5, max_columns=4, max_count=12))
def test_mean_score_is_n_minus_1_times_r_squared_of_a_one_way_anova(table):
    # Expand to one record per charity; regress the row score on column dummies with
    # statsmodels OLS: Q = (N - 1) R², since R² = between / total sum of squares.
    counts = table.to_numpy()
    scores = np.arange(1, counts.shape[0] + 1, dtype=float)
    row_index, column_index = np.nonzero(counts)
    repeats = counts[row_index, column_index]
    y = np.repeat(scores[row_index], repeats)
    groups = np.repeat(column_index, repeats)
    design = np.column_stack([np.ones_like(y)] + [(groups == j).astype(float) for j in range(1, counts.shape[1])])
    r_squared = sm.OLS(y, design).fit().rsquared
    result = association.mean_score_test(table)
    assert result.statistic == pytest.approx((len(y) - 1) * r_squared, rel=1e-8, abs=1e-10)


def test_mean_score_on_two_columns_is_mantels_trend_statistic():
    table = frame([[1, 5], [3, 3], [5, 2], [4, 4]])
    assert association.mean_score_test(table).statistic == pytest.approx(association.trend_test(table).chi2_mantel, rel=1e-12)


def test_mean_score_rejects_bad_scores():
    with pytest.raises(ValueError, match="2 scores given for 3 rows"):
        association.mean_score_test(frame([[1, 5], [3, 3], [5, 1]]), scores=(1, 2))
    with pytest.raises(ValueError, match="all scores are equal"):
        association.mean_score_test(frame([[1, 5], [3, 3], [5, 1]]), scores=(2, 2, 2))


def test_departure_from_linear_trend_matches_r():
    # R 4.2: X² of the 5 x 2 ceased table minus prop.trend.test's statistic (values above):
    #   sprintf("%.15g", pchisq(48.0368133358015 - 41.277655418128, 3, lower.tail=FALSE))  # 0.0799835601413565
    trend = association.trend_test(association.collapse_outcome(REAL, ("Ceased",)))
    assert trend.departure_chi2 == pytest.approx(48.0368133358015 - 41.277655418128, rel=1e-11)
    assert trend.departure_dof == 3
    assert trend.departure_p_value == pytest.approx(0.0799835601413565, rel=1e-8)


# --- an interval for Cramér's V -----------------------------------------------------------
# R 4.2 (noncentral chi-square inversion by uniroot):
#   X2 <- chisq.test(t, correct=FALSE)$statistic; N <- sum(t)
#   f <- function(l, p) pchisq(X2, 12, ncp=l, lower.tail=FALSE) - p
#   lo <- uniroot(f, c(0, 200), p=0.025, tol=1e-13)$root   # 29.2167019505
#   hi <- uniroot(f, c(0, 400), p=0.975, tol=1e-13)$root   # 90.6889669734
#   sqrt(c(lo, hi) / (N * 3))                              # 0.205328378638 0.361751724539
#   (Merged left out: nm <- t[, 1:3], N <- sum(nm) = 222, 8 df, k - 1 = 2: 0.264778479861 0.456614237317)


def test_cramers_v_interval_matches_r_uniroot_inversion():
    interval = association.cramers_v_interval(REAL)
    assert interval.noncentrality_low == pytest.approx(29.2167019505, rel=1e-9)
    assert interval.noncentrality_high == pytest.approx(90.6889669734, rel=1e-9)
    assert (interval.low, interval.high) == pytest.approx((0.205328378638, 0.361751724539), rel=1e-9)
    no_merged = association.cramers_v_interval(REAL.drop(columns="Merged"))
    assert (no_merged.low, no_merged.high) == pytest.approx((0.264778479861, 0.456614237317), rel=1e-9)


def test_cramers_v_interval_starts_at_zero_when_independence_is_inside():
    table = frame([[10, 11], [11, 10]])
    interval = association.cramers_v_interval(table)
    assert interval.low == 0.0 and interval.noncentrality_low == 0.0
    # the upper limit still solves its defining equation
    x2 = association.pearson_chi_square(table).statistic
    assert stats.ncx2.sf(x2, 1, interval.noncentrality_high) == pytest.approx(0.975, rel=1e-9)


# --- calibration of the chi-square approximation ----------------------------------------------


def test_calibration_agrees_with_the_exact_null_distribution():
    # Exact size of the asymptotic tests on a small table, by enumerating every table with
    # its margins; the simulated size must lie within 4 Monte Carlo standard errors.
    table = frame([[3, 1, 2], [1, 4, 1], [2, 2, 5]])
    counts = table.to_numpy()
    tables = association.enumerate_tables(counts.sum(axis=1), counts.sum(axis=0))
    probabilities = np.exp(association.table_log_probabilities(tables))
    pearson = np.array([stats.chi2_contingency(t, correction=False).statistic for t in tables])
    g2 = np.array([stats.chi2_contingency(t, correction=False, lambda_="log-likelihood").statistic for t in tables])
    calibration = association.chi_square_calibration(table, levels=(0.05, 0.01), draws=40_000, seed=5)
    for row in calibration.itertuples():
        values = pearson if row.statistic == "pearson" else g2
        exact_size = probabilities[values >= stats.chi2.isf(row.nominal, 4)].sum()
        assert abs(row.actual - exact_size) < 4 * math.sqrt(exact_size * (1 - exact_size) / 40_000)
        assert row.ci_low <= row.actual <= row.ci_high


def test_calibration_counts_match_an_independent_recount():
    rows, columns = REAL.sum(axis=1).to_numpy(), REAL.sum(axis=0).to_numpy()
    calibration = association.chi_square_calibration(REAL, draws=4000, seed=9).set_index(["statistic", "nominal"])
    drawn = stats.random_table(rows, columns).rvs(size=4000, random_state=np.random.default_rng(9))
    for name, lambda_ in (("pearson", None), ("likelihood_ratio", "log-likelihood")):
        values = np.array([stats.chi2_contingency(t, correction=False, lambda_=lambda_).statistic for t in drawn])
        for level in (0.05, 0.01, 0.001):
            row = calibration.loc[(name, level)]
            k = int((values >= stats.chi2.isf(level, 12)).sum())
            assert row["n_exceeding"] == k
            assert (row["ci_low"], row["ci_high"]) == pytest.approx(association.clopper_pearson_interval(k, 4000), rel=1e-12)
            assert row["mc_se"] == pytest.approx(math.sqrt(k / 4000 * (1 - k / 4000) / 4000), rel=1e-12, abs=1e-15)


# --- Micro and Small against each larger band, Holm, equivalence, power -------------------------
# R 4.2:
#   for (b in 3:5) { m <- matrix(c(59, 55, t[b,3], sum(t[b,]) - t[b,3]), 2, byrow=TRUE); ft <- fisher.test(m)
#     print(sprintf("%.12g", c(ft$p.value, ft$estimate, ft$conf.int))) }
#   # Medium 2.22391765902e-06 5.2266969 2.457822009 11.86427189
#   # Large  3.77309613284e-08 Inf 7.07499161 Inf
#   # Major  0.000184395742811 17.94442082 2.640265391 771.8875994
#   p.adjust(c(2.22391765902e-06, 3.77309613284e-08, 0.000184395742811), "holm")
#   # 4.44783531804e-06 1.13192883985e-07 0.000184395742811
# R's fisher.test finds the estimate and limits with uniroot at its default tolerance (about 1e-4
# relative); each limit is therefore also checked against its defining tail equation with SciPy's
# Fisher noncentral hypergeometric distribution, which needs no root finder.


def test_micro_and_small_against_each_larger_band_match_r():
    comparisons = association.compare_group_with_bands(REAL, ("Micro", "Small")).set_index("band")
    assert list(comparisons.index) == ["Medium", "Large", "Major"]
    np.testing.assert_allclose(
        comparisons["p_value"], [2.22391765902e-06, 3.77309613284e-08, 0.000184395742811], rtol=1e-9
    )
    np.testing.assert_allclose(
        comparisons["p_value_holm"], [4.44783531804e-06, 1.13192883985e-07, 0.000184395742811], rtol=1e-9
    )
    assert comparisons.loc["Large", "odds_ratio"] == math.inf and comparisons.loc["Large", "ci_high"] == math.inf
    np.testing.assert_allclose(comparisons["odds_ratio"].iloc[[0, 2]], [5.2266969, 17.94442082], rtol=1e-3)
    np.testing.assert_allclose(comparisons["ci_low"], [2.457822009, 7.07499161, 2.640265391], rtol=1e-3)
    for band, row in comparisons.iterrows():
        # the group's events x in the 2 x 2 table with margins: group n, events total, N
        events_total = row["group_events"] + row["band_events"]
        n_total = row["group_n"] + row["band_n"]
        law = stats.nchypergeom_fisher
        assert law.sf(row["group_events"] - 1, n_total, events_total, row["group_n"], row["ci_low"]) == pytest.approx(0.025, rel=1e-6)
        if math.isfinite(row["ci_high"]):
            assert law.cdf(row["group_events"], n_total, events_total, row["group_n"], row["ci_high"]) == pytest.approx(0.025, rel=1e-6)


def test_holm_adjustment_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests

    p_values = np.array([0.01, 0.04, 0.03, 0.2, 0.001])
    np.testing.assert_allclose(association.holm_adjust(p_values), multipletests(p_values, method="holm")[1], rtol=1e-14)


def test_compare_group_rejects_an_unknown_band():
    with pytest.raises(KeyError, match="Tiny"):
        association.compare_group_with_bands(REAL, ("Tiny",))


def test_share_equivalence_matches_r_binom_test_and_depends_on_the_margin():
    # R 4.2: binom.test(78, 222, conf.level=0.90)$conf.int -> 0.298125971596 0.407575893936
    #        binom.test(72, 222, conf.level=0.90)$conf.int -> 0.272387472431 0.379809136685
    result = association.share_equivalence(REAL, ("Increased", "Decreased", "Ceased"), margin=0.10)
    shares = result.shares.set_index("outcome")
    assert shares["count"].tolist() == [78, 72, 72]
    assert (shares.loc["Increased", "ci_low"], shares.loc["Increased", "ci_high"]) == pytest.approx((0.298125971596, 0.407575893936), rel=1e-9)
    assert (shares.loc["Ceased", "ci_low"], shares.loc["Ceased", "ci_high"]) == pytest.approx((0.272387472431, 0.379809136685), rel=1e-9)
    assert result.smallest_margin == pytest.approx(0.407575893936 - 1 / 3, rel=1e-9)
    assert result.equivalent
    # R 4.2: the two one-sided exact tests for each share; the equivalence p is the largest
    #   binom.test(78, 222, p=1/3-0.1, alternative="greater")$p.value  # 4.74865490572274e-05
    #   binom.test(78, 222, p=1/3+0.1, alternative="less")$p.value     # 0.00783724681586601
    #   binom.test(72, 222, p=1/3-0.1, alternative="greater")$p.value  # 0.00125097162106929
    #   binom.test(72, 222, p=1/3+0.1, alternative="less")$p.value     # 0.000575298866629478
    assert result.p_value == pytest.approx(0.00783724681586601, rel=1e-9)
    narrow = association.share_equivalence(REAL, ("Increased", "Decreased", "Ceased"), margin=0.07)
    assert not narrow.equivalent and narrow.p_value > 0.05
    # an uneven spread is never called equivalent
    uneven = frame([[30, 5, 5], [30, 5, 4]], columns=["Increased", "Decreased", "Ceased"])
    assert not association.share_equivalence(uneven, ("Increased", "Decreased", "Ceased")).equivalent


# R 4.2, exact power of fisher.test by summing over every pair of outcomes:
#   power <- function(n1, p1, n2, p2) { s <- 0
#     for (x in 0:n1) for (y in 0:n2) if (fisher.test(matrix(c(x, n1-x, y, n2-y), 2, byrow=TRUE))$p.value <= 0.05)
#       s <- s + dbinom(x, n1, p1) * dbinom(y, n2, p2); s }
#   power(28, 0, 71, 12/71)     # 0.672478634534
#   power(18, 0, 71, 12/71)     # 0.210365908196
#   power(28, 0.2, 114, 59/114) # 0.861267877935
#   power(18, 0.2, 114, 59/114) # 0.720559507887


@pytest.mark.parametrize(
    ("band_n", "band_rate", "reference_n", "reference_rate", "expected"),
    [
        (28, 0.0, 71, 12 / 71, 0.672478634534),
        (18, 0.0, 71, 12 / 71, 0.210365908196),
        (28, 0.2, 114, 59 / 114, 0.861267877935),
        (18, 0.2, 114, 59 / 114, 0.720559507887),
    ],
)
def test_fisher_power_matches_r(band_n, band_rate, reference_n, reference_rate, expected):
    assert association.fisher_power(band_n, band_rate, reference_n, reference_rate) == pytest.approx(expected, rel=1e-9)


def test_fisher_power_matches_brute_force_with_scipy():
    n1, p1, n2, p2 = 6, 0.1, 9, 0.7
    power = sum(
        stats.binom.pmf(x, n1, p1) * stats.binom.pmf(y, n2, p2)
        for x in range(n1 + 1)
        for y in range(n2 + 1)
        if stats.fisher_exact([[x, n1 - x], [y, n2 - y]]).pvalue <= 0.05
    )
    assert association.fisher_power(n1, p1, n2, p2) == pytest.approx(power, rel=1e-12)


def test_minimal_detectable_rate_solves_the_power_equation():
    rate = association.minimal_detectable_rate(28, 114, 59 / 114)
    assert association.fisher_power(28, rate, 114, 59 / 114) == pytest.approx(0.8, abs=1e-9)
    assert association.fisher_power(28, rate + 0.01, 114, 59 / 114) < 0.8
    # against Medium's 12 of 71, not even a Major rate of zero reaches 80% power
    assert math.isnan(association.minimal_detectable_rate(18, 71, 12 / 71))


# --- sensitivity table and the census of p-values ------------------------------------------


def test_sensitivity_table_gives_each_p_value_its_kind_and_bound():
    table = association.sensitivity_analyses(REAL, draws=2000)
    assert tuple(table.columns) == association.SENSITIVITY_COLUMNS
    assert table["p_kind"].tolist() == ["asymptotic", "Monte Carlo", "asymptotic", "exact", "asymptotic", "exact", "asymptotic", "Monte Carlo"]
    asymptotic = table[table["p_kind"] == "asymptotic"]
    assert asymptotic["p_bound"].isna().all()
    assert asymptotic["p_value"].iloc[0] == pytest.approx(1.14868700639094e-09, rel=1e-9)
    simulated = table[table["p_kind"] == "Monte Carlo"]
    assert (simulated["n_as_extreme"] == 0).all()
    assert simulated["p_bound"].tolist() == pytest.approx([1 - 0.05 ** (1 / 2000)] * 2, rel=1e-12)
    exact = table[table["p_kind"] == "exact"].set_index("coding")
    # the X²-ordered exact p (checked against brute force above) for each 5 x 2 coding
    for coding, event in (("Ceased or not", ("Ceased",)), ("Exit (ceased or merged) or not", ("Ceased", "Merged"))):
        expected = association.exact_test(association.collapse_outcome(REAL, event)).p_value_pearson
        assert exact.loc[coding, "p_value"] == expected and exact.loc[coding, "p_bound"] == 0.0


def test_sensitivity_table_places_given_exact_p_values_after_their_monte_carlo_rows():
    given = {"Size × outcome": (2.0e-7, 2.0e-12), "Merged left out": (3.0e-8, 3.0e-13)}
    table = association.sensitivity_analyses(REAL, draws=200, exact_p_values=given)
    assert table["p_kind"].tolist() == [
        "asymptotic", "Monte Carlo", "exact", "asymptotic", "exact", "asymptotic", "exact", "asymptotic", "Monte Carlo", "exact",
    ]
    added = table.iloc[[2, 9]]
    assert added["coding"].tolist() == list(given)
    assert list(zip(added["p_value"], added["p_bound"])) == list(given.values())


def test_p_value_census_counts_tests_and_skips_intercepts():
    statistics = pd.DataFrame(
        {
            "analysis": ["a", "a", "a", "b", "c", "d", "e", "f"],
            "term": ["", "", "", "intercept", "x", "", "", ""],
            "quantity": ["p_value", "p_value_exact", "departure_p_value", "p_value", "p_value", "p_value", "p_value", "statistic"],
            "value": [0.049, 0.02, 0.08, 0.03, 1e-6, 0.5, np.nan, 0.05],
        }
    )
    census = association.p_value_census(statistics)
    assert (census.n_tests, census.n_below_0_001) == (4, 1)
    assert census.near_line[["analysis", "quantity"]].to_numpy().tolist() == [["a", "p_value"], ["a", "departure_p_value"]]
