"""Tests of analysis.models against independent computations.

Independent checks used here:

* closed forms: ML log odds ratios of the categorical model are differences
  of empirical logits; Firth for that saturated model adds 0.5 to each
  event and non-event cell (Haldane–Anscombe);
* a Newton–Raphson on the Jeffreys-penalised log-likelihood written in this
  file (and a constrained maximisation by SciPy for profile intervals);
* statsmodels ``Logit`` and ``firthmodels`` fitted to one 0/1 row per charity;
* ``scipy.stats.binomtest`` for Clopper–Pearson intervals;
* reference values from R 4.2 (``glm``, ``brglm2::brglmFit``), with the R code.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.optimize
import scipy.stats
import statsmodels.api as sm
from firthmodels import FirthLogisticRegression
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.special import expit

from analysis.contingency import ContingencyTableError
from analysis.domain import SIZE_BANDS
from analysis.models import (
    EVENTS,
    ModelInputError,
    binomial_groups,
    design_matrix,
    fit_all,
    fit_firth,
    fit_ml,
    income_midpoints,
    likelihood_ratio_test,
    likelihood_ratio_tests,
    model_comparison,
    model_statistics,
    observed_proportions,
    odds_ratios,
    predicted_probabilities,
)

CHI2_95 = scipy.stats.chi2.ppf(0.95, 1)


def table_of(ceased, merged, other, bands=SIZE_BANDS):
    """A counts table with the given per-band counts of Ceased, Merged and one other outcome."""
    return pd.DataFrame({"Ceased": ceased, "Merged": merged, "Increased": other}, index=list(bands))


#: Reconstructed Table 5.1 (Increased, Decreased, Ceased, Merged), for the R regression test only.
REAL = pd.DataFrame(
    {
        "Increased": [2, 14, 33, 19, 10],
        "Decreased": [14, 20, 24, 7, 7],
        "Ceased": [22, 37, 12, 0, 1],
        "Merged": [1, 4, 2, 2, 0],
    },
    index=list(SIZE_BANDS),
)

#: A synthetic table without empty cells.
DENSE = table_of([9, 7, 5, 3, 2], [1, 2, 1, 2, 1], [6, 11, 14, 15, 9])
#: A synthetic table in which Large has no ceased charity (quasi-complete separation).
SEPARATED = table_of([9, 7, 5, 0, 2], [1, 2, 1, 2, 1], [6, 11, 14, 15, 9])


# --- independent Firth implementation -------------------------------------------------


def penalised_log_likelihood(beta, x, events, n):
    """Jeffreys-penalised binomial log-likelihood (Bernoulli kernel) of grouped data."""
    p = expit(x @ beta)
    log_likelihood = np.sum(events * np.log(p) + (n - events) * np.log1p(-p))
    information = x.T @ ((n * p * (1 - p))[:, None] * x)
    return log_likelihood + 0.5 * np.linalg.slogdet(information)[1]


def firth_newton_raphson(x, events, n, iterations=100):
    """Firth's modified score equations solved by plain Newton-Raphson with step halving."""
    beta = np.zeros(x.shape[1])
    for _ in range(iterations):
        p = expit(x @ beta)
        w = n * p * (1 - p)
        information = x.T @ (w[:, None] * x)
        inverse = np.linalg.inv(information)
        hat = w * np.einsum("ij,jk,ik->i", x, inverse, x)  # leverage of each band
        score = x.T @ (events - n * p + hat * (0.5 - p))
        step = inverse @ score
        current = penalised_log_likelihood(beta, x, events, n)
        while penalised_log_likelihood(beta + step, x, events, n) < current - 1e-12:
            step = step / 2
        beta = beta + step
        if np.max(np.abs(step)) < 1e-12:
            break
    return beta


def profile_statistic(fit, term, value):
    """Penalised LR statistic with ``term`` fixed at ``value``, others maximised by SciPy."""
    x = fit.design.to_numpy(dtype=float)
    events = fit.groups["events"].to_numpy(dtype=float)
    n = fit.groups["n"].to_numpy(dtype=float)
    index = list(fit.design.columns).index(term)
    free = [i for i in range(x.shape[1]) if i != index]
    estimate = fit.coefficients["estimate"].to_numpy()

    def negative(beta_free):
        beta = np.empty(x.shape[1])
        beta[index] = value
        beta[free] = beta_free
        return -penalised_log_likelihood(beta, x, events, n)

    result = scipy.optimize.minimize(negative, estimate[free], method="BFGS", options={"gtol": 1e-10})
    return 2 * (penalised_log_likelihood(estimate, x, events, n) + result.fun)


def individual_rows(table, event):
    """One row per charity: band and 0/1 event."""
    groups = binomial_groups(table, event)
    bands, outcome = [], []
    for band, events, n in zip(groups["size_band"], groups["events"], groups["n"]):
        bands += [band] * n
        outcome += [1] * events + [0] * (n - events)
    return pd.Series(bands), np.array(outcome)


# --- grouped data ---------------------------------------------------------------------


def test_binomial_groups_counts_events_and_totals_per_band():
    groups = binomial_groups(DENSE, EVENTS["exit"])
    assert groups["events"].tolist() == [10, 9, 6, 5, 3]
    assert groups["n"].tolist() == [16, 20, 20, 20, 12]
    assert groups["score"].tolist() == [1, 2, 3, 4, 5]


def test_income_midpoints_are_geometric_means_of_band_limits():
    midpoints = income_midpoints()
    assert midpoints["Micro"] == pytest.approx(math.sqrt(1_000 * 10_000))
    assert midpoints["Small"] == pytest.approx(math.sqrt(10_001 * 100_000))
    assert midpoints["Major"] == pytest.approx(math.sqrt(10_000_001 * 100_000_000))
    assert income_midpoints(major_ceiling=1e9)["Major"] == pytest.approx(math.sqrt(10_000_001 * 1e9))


def test_caller_midpoints_change_the_log10_column():
    custom = {band: 10.0 ** (i + 1) for i, band in enumerate(SIZE_BANDS)}
    assert binomial_groups(DENSE, midpoints=custom)["log10_midpoint"].tolist() == pytest.approx([1, 2, 3, 4, 5])


@pytest.mark.parametrize(
    ("table", "event", "message"),
    [
        (DENSE, ("Vanished",), "event outcome 'Vanished' is not a column"),
        (DENSE.rename(index={"Micro": "Tiny"}), ("Ceased",), "row 'Tiny' is not a size band"),
        (DENSE.iloc[::-1], ("Ceased",), "not in the order"),
        (DENSE, ("Ceased", "Merged", "Increased"), "every charity has the event"),
        (DENSE, (), "needs at least one outcome"),
    ],
)
def test_bad_tables_raise_a_one_line_model_input_error(table, event, message):
    with pytest.raises(ModelInputError, match=message):
        binomial_groups(table, event)


def test_invalid_counts_are_rejected_by_the_shared_validator():
    with pytest.raises(ContingencyTableError, match="negative"):
        fit_ml(table_of([1, -1, 2, 3, 4], [0] * 5, [5] * 5))


def test_subset_of_bands_keeps_their_scores():
    groups = binomial_groups(DENSE.loc[["Micro", "Medium", "Major"]])
    assert groups["score"].tolist() == [1, 3, 5]


# --- maximum likelihood -------------------------------------------------------------


def test_ml_categorical_matches_empirical_logits_and_hand_standard_errors():
    fit = fit_ml(DENSE)
    groups = binomial_groups(DENSE)
    e, n = groups["events"].to_numpy(float), groups["n"].to_numpy(float)
    logits = np.log(e / (n - e))
    coefficients = fit.coefficients.set_index("term")
    assert coefficients.loc["intercept", "estimate"] == pytest.approx(logits[0], abs=1e-8)
    for i, band in enumerate(SIZE_BANDS[1:], start=1):
        assert coefficients.loc[band, "estimate"] == pytest.approx(logits[i] - logits[0], abs=1e-8)
        # Woolf's variance of a log odds ratio: sum of reciprocal cell counts.
        se = math.sqrt(1 / e[i] + 1 / (n[i] - e[i]) + 1 / e[0] + 1 / (n[0] - e[0]))
        assert coefficients.loc[band, "std_error"] == pytest.approx(se, rel=1e-6)
    assert not fit.separation.separated


def test_separation_is_detected_and_the_diverging_term_is_reported_infinite():
    fit = fit_ml(SEPARATED)
    assert fit.separation.separated
    assert fit.separation.infinite_terms() == ["Large"]
    assert fit.separation.directions["Large"] == -1
    assert fit.separation.boundary_bands == {"Large": "no events"}
    large = fit.coefficients.set_index("term").loc["Large"]
    assert large["estimate"] == -np.inf
    assert large["separated"]
    assert np.isnan(large[["std_error", "ci_low", "ci_high", "p_value"]].astype(float)).all()
    ratios = odds_ratios(fit).set_index("term")
    assert ratios.loc["Large", "odds_ratio"] == 0.0
    # The other terms are unaffected: same closed form as without separation.
    groups = binomial_groups(SEPARATED)
    e, n = groups["events"].to_numpy(float), groups["n"].to_numpy(float)
    assert fit.estimate("Medium") == pytest.approx(math.log(e[2] / (n[2] - e[2])) - math.log(e[0] / (n[0] - e[0])), abs=1e-7)


def test_a_band_with_only_events_diverges_to_plus_infinity():
    fit = fit_ml(table_of([9, 7, 5, 3, 4], [1, 1, 1, 1, 0], [6, 11, 14, 15, 0]))
    assert fit.separation.directions["Major"] == 1
    assert fit.separation.boundary_bands == {"Major": "only events"}
    assert fit.estimate("Major") == np.inf
    predictions = predicted_probabilities(fit).set_index("size_band")
    assert predictions.loc["Major", "probability"] == 1.0
    assert np.isnan(predictions.loc["Major", "ci_low"])


def test_trend_model_is_not_separated_when_one_band_is_empty():
    fit = fit_ml(SEPARATED, predictor="trend_score")
    assert not fit.separation.separated
    assert fit.separation.boundary_bands == {"Large": "no events"}
    assert np.isfinite(fit.coefficients["estimate"]).all()


@pytest.mark.parametrize("predictor", ["size", "trend_score", "trend_log10_midpoint", "null"])
@pytest.mark.parametrize("event_name", ["ceased", "exit"])
def test_grouped_ml_equals_individual_level_logit(predictor, event_name):
    event = EVENTS[event_name]
    grouped = fit_ml(DENSE, event, predictor)
    bands, y = individual_rows(DENSE, event)
    groups = binomial_groups(DENSE, event)
    x = design_matrix(groups, predictor).loc[bands].to_numpy(dtype=float)
    individual = sm.Logit(y, x).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
    assert grouped.coefficients["estimate"].to_numpy() == pytest.approx(individual.params, abs=1e-6)
    assert grouped.coefficients["std_error"].to_numpy() == pytest.approx(individual.bse, abs=1e-6)
    assert grouped.log_likelihood == pytest.approx(individual.llf, abs=1e-6)
    assert grouped.aic == pytest.approx(individual.aic, abs=1e-6)


def test_ml_log_likelihood_of_separated_categorical_model_is_the_saturated_maximum():
    fit = fit_ml(SEPARATED)
    groups = binomial_groups(SEPARATED)
    e, n = groups["events"].to_numpy(float), groups["n"].to_numpy(float)
    p = e / n
    saturated = np.sum(scipy.special.xlogy(e, p) + scipy.special.xlogy(n - e, 1 - p))
    assert fit.log_likelihood == pytest.approx(saturated, abs=1e-6)


def test_ml_predictions_use_delta_method_on_logit_scale():
    fit = fit_ml(DENSE, predictor="trend_score")
    beta = fit.coefficients["estimate"].to_numpy()
    x = np.array([1.0, 3.0])  # Medium
    eta = x @ beta
    se = math.sqrt(x @ fit.covariance @ x)
    row = predicted_probabilities(fit).set_index("size_band").loc["Medium"]
    assert row["probability"] == pytest.approx(expit(eta))
    assert row["ci_low"] == pytest.approx(expit(eta - 1.959963984540054 * se))
    assert row["ci_high"] == pytest.approx(expit(eta + 1.959963984540054 * se))


# --- Firth ----------------------------------------------------------------------------


@pytest.mark.parametrize("table", [DENSE, SEPARATED], ids=["dense", "separated"])
def test_firth_categorical_equals_haldane_anscombe_closed_form(table):
    fit = fit_firth(table)
    groups = binomial_groups(table)
    e, n = groups["events"].to_numpy(float), groups["n"].to_numpy(float)
    logits = np.log((e + 0.5) / (n - e + 0.5))
    expected = np.concatenate([[logits[0]], logits[1:] - logits[0]])
    assert fit.coefficients["estimate"].to_numpy() == pytest.approx(expected, abs=1e-7)
    assert np.isfinite(fit.coefficients["estimate"]).all()


@pytest.mark.parametrize("predictor", ["trend_score", "trend_log10_midpoint", "null"])
@pytest.mark.parametrize("table", [DENSE, SEPARATED], ids=["dense", "separated"])
def test_firth_trend_matches_own_newton_raphson(table, predictor):
    fit = fit_firth(table, predictor=predictor)
    x = fit.design.to_numpy(dtype=float)
    events, n = fit.groups["events"].to_numpy(float), fit.groups["n"].to_numpy(float)
    beta = firth_newton_raphson(x, events, n)
    assert fit.coefficients["estimate"].to_numpy() == pytest.approx(beta, abs=1e-7)
    assert fit.log_likelihood == pytest.approx(penalised_log_likelihood(beta, x, events, n), abs=1e-8)


@pytest.mark.parametrize(("predictor", "term"), [("trend_score", "score"), ("size", "Large"), ("size", "Small")])
def test_firth_profile_interval_bounds_sit_at_the_chi_square_quantile(predictor, term):
    fit = fit_firth(SEPARATED, predictor=predictor)
    row = fit.coefficients.set_index("term").loc[term]
    assert row["ci_low"] < row["estimate"] < row["ci_high"]
    for bound in (row["ci_low"], row["ci_high"]):
        assert profile_statistic(fit, term, bound) == pytest.approx(CHI2_95, abs=1e-4)


def test_firth_p_value_is_a_penalised_likelihood_ratio_test_with_the_full_model_penalty():
    fit = fit_firth(SEPARATED, predictor="trend_score")
    statistic = profile_statistic(fit, "score", 0.0)
    assert fit.coefficients.set_index("term").loc["score", "p_value"] == pytest.approx(
        scipy.stats.chi2.sf(statistic, 1), rel=1e-5
    )


@pytest.mark.parametrize("predictor", ["size", "trend_score"])
@pytest.mark.parametrize("event_name", ["ceased", "exit"])
def test_grouped_firth_equals_individual_level_firth(predictor, event_name):
    event = EVENTS[event_name]
    grouped = fit_firth(SEPARATED, event, predictor)
    bands, y = individual_rows(SEPARATED, event)
    x = design_matrix(binomial_groups(SEPARATED, event), predictor).loc[bands].to_numpy(dtype=float)
    individual = FirthLogisticRegression(fit_intercept=False, gtol=1e-8, xtol=1e-8, max_iter=200).fit(x, y)
    assert individual.converged_
    assert grouped.coefficients["estimate"].to_numpy() == pytest.approx(individual.coef_, abs=1e-6)
    assert grouped.log_likelihood == pytest.approx(individual.loglik_, abs=1e-6)
    intervals = individual.conf_int(method="pl", tol=1e-8, max_iter=100)
    assert grouped.coefficients["ci_low"].to_numpy() == pytest.approx(intervals[:, 0], abs=1e-6)
    assert grouped.coefficients["ci_high"].to_numpy() == pytest.approx(intervals[:, 1], abs=1e-6)


def test_firth_predictions_are_wald_on_the_logit_scale():
    fit = fit_firth(SEPARATED)
    row = predicted_probabilities(fit).set_index("size_band").loc["Large"]
    e, n = 0, 17  # Large: no ceased out of 17
    # Saturated model: the band's Firth logit and its Wald variance from the Firth fit.
    logit = math.log((e + 0.5) / (n - e + 0.5))
    p = expit(logit)
    se = 1 / math.sqrt(n * p * (1 - p))
    assert row["probability"] == pytest.approx(0.5 / 18, abs=1e-8)
    assert row["ci_low"] == pytest.approx(expit(logit - 1.959963984540054 * se), rel=1e-6)
    assert row["ci_high"] == pytest.approx(expit(logit + 1.959963984540054 * se), rel=1e-6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)).filter(lambda c: c[0] + c[1] > 0), min_size=2, max_size=5))
def test_property_firth_categorical_is_haldane_anscombe_for_any_table(cells):
    bands = SIZE_BANDS[: len(cells)]
    events = [c[0] for c in cells]
    others = [c[1] for c in cells]
    if sum(events) == 0 or sum(others) == 0:
        return
    table = pd.DataFrame({"Ceased": events, "Other": others}, index=list(bands))
    fit = fit_firth(table)
    logits = np.log((np.array(events) + 0.5) / (np.array(others) + 0.5))
    expected = np.concatenate([[logits[0]], logits[1:] - logits[0]])
    assert fit.coefficients["estimate"].to_numpy() == pytest.approx(expected, abs=1e-6)
    empty = {band for band, e, o in zip(bands, events, others) if e == 0 or o == 0}
    assert set(fit.separation.boundary_bands) == empty


# --- observed proportions, tests between models -------------------------------------


def test_clopper_pearson_intervals_match_scipy_binomtest():
    observed = observed_proportions(SEPARATED)
    for row in observed.itertuples(index=False):
        interval = scipy.stats.binomtest(int(row.events), int(row.n)).proportion_ci(confidence_level=0.95, method="exact")
        assert row.ci_low == pytest.approx(interval.low, abs=1e-10)
        assert row.ci_high == pytest.approx(interval.high, abs=1e-10)
        assert row.proportion == row.events / row.n


def test_ml_trend_versus_categorical_is_the_deviance_of_the_trend_model():
    full, restricted = fit_ml(DENSE), fit_ml(DENSE, predictor="trend_score")
    test = likelihood_ratio_test(restricted, full)
    # Hand: the categorical model is saturated, so the statistic is the trend model's deviance.
    groups = binomial_groups(DENSE)
    e, n = groups["events"].to_numpy(float), groups["n"].to_numpy(float)
    fitted = n * expit(restricted.design.to_numpy() @ restricted.coefficients["estimate"].to_numpy())
    deviance = 2 * np.sum(e * np.log(e / fitted) + (n - e) * np.log((n - e) / (n - fitted)))
    assert test.df == 3
    assert test.statistic == pytest.approx(deviance, abs=1e-8)
    assert test.p_value == pytest.approx(scipy.stats.chi2.sf(deviance, 3))


def test_likelihood_ratio_test_refuses_models_that_are_not_nested_by_size():
    with pytest.raises(ModelInputError, match="not larger"):
        likelihood_ratio_test(fit_ml(DENSE), fit_ml(DENSE, predictor="trend_score"))
    with pytest.raises(ModelInputError, match="same method"):
        likelihood_ratio_test(fit_ml(DENSE, predictor="null"), fit_firth(DENSE))


def test_model_comparison_orders_ml_models_by_aic():
    comparison = model_comparison(fit_all(DENSE))
    assert set(comparison["model"]) == {"size", "trend_score", "trend_log10_midpoint", "null"}
    assert comparison["aic"].is_monotonic_increasing
    assert comparison["aic"].to_numpy() == pytest.approx(2 * comparison["parameters"] - 2 * comparison["log_likelihood"])


# --- regression test on the reconstructed Table 5.1 against R -------------------------

# R 4.2.2, brglm2 0.9:
#   library(brglm2)
#   d <- data.frame(band = factor(c("Micro","Small","Medium","Large","Major"),
#                                 levels = c("Micro","Small","Medium","Large","Major")),
#                   score = 1:5, ceased = c(22, 37, 12, 0, 1), merged = c(1, 4, 2, 2, 0),
#                   n = c(39, 75, 71, 28, 18))
#   d$exit <- d$ceased + d$merged
#   coef(glm(cbind(ceased, n - ceased) ~ band, binomial, d, method = "brglmFit", type = "AS_mean"))
#   coef(glm(cbind(ceased, n - ceased) ~ score, binomial, d, method = "brglmFit", type = "AS_mean"))
#   coef(glm(cbind(exit, n - exit) ~ band, binomial, d, method = "brglmFit", type = "AS_mean"))
#   coef(glm(cbind(exit, n - exit) ~ score, binomial, d, method = "brglmFit", type = "AS_mean"))
#   sqrt(diag(vcov(...)))  # for the two ceased models above
R_FIRTH_STD_ERROR = {
    ("ceased", "size"): [0.322788017423, 0.396906377795, 0.449846976036, 1.487266461583, 0.931779624275],
    ("ceased", "trend_score"): [0.426001656520, 0.180684694477],
}
R_FIRTH = {
    ("ceased", "size"): [0.251314428281, -0.277631736598, -1.811562096524, -4.294365696115, -2.708050201102],
    ("ceased", "trend_score"): [1.71321603552, -1.05104367661],
    ("exit", "size"): [0.353640040244, -0.168905937044, -1.731276338620, -2.714494041362, -2.810375813065],
    ("exit", "trend_score"): [1.729836590956, -0.962670155729],
}
#   m1 <- glm(cbind(ceased, n - ceased) ~ score, binomial, d); coef(m1); sqrt(diag(vcov(m1))); deviance(m1)
#   m2 <- glm(cbind(exit, n - exit) ~ band, binomial, d); coef(m2)
#   anova(glm(cbind(exit, n - exit) ~ score, binomial, d), m2, test = "Chisq")
R_ML_CEASED_TREND = {"estimate": [1.75113936798, -1.07155730857], "std_error": [0.428970272134, 0.182617263908]}
R_ML_CEASED_TREND_DEVIANCE = 9.04300301075
R_ML_EXIT_SIZE = [0.362905493689, -0.175693951601, -1.766899431909, -2.927854851151, -3.196118837745]
R_ML_EXIT_TREND_VS_SIZE = {"deviance": 5.406069602, "p_value": 0.14437}


@pytest.fixture(scope="module")
def real_fits():
    return {name: fit_all(REAL, event) for name, event in EVENTS.items()}


@pytest.mark.parametrize("key", sorted(R_FIRTH))
def test_real_table_firth_matches_brglm2(real_fits, key):
    event_name, predictor = key
    fit = real_fits[event_name][("firth", predictor)]
    assert fit.coefficients["estimate"].to_numpy() == pytest.approx(R_FIRTH[key], abs=1e-6)
    if key in R_FIRTH_STD_ERROR:
        assert fit.coefficients["std_error"].to_numpy() == pytest.approx(R_FIRTH_STD_ERROR[key], abs=1e-6)


def test_real_table_ml_matches_r_glm(real_fits):
    trend = real_fits["ceased"][("ml", "trend_score")]
    assert trend.coefficients["estimate"].to_numpy() == pytest.approx(R_ML_CEASED_TREND["estimate"], abs=1e-6)
    assert trend.coefficients["std_error"].to_numpy() == pytest.approx(R_ML_CEASED_TREND["std_error"], rel=1e-4)
    tests = likelihood_ratio_tests(real_fits["ceased"]).set_index(["method", "restricted", "full"])
    assert tests.loc[("ml", "trend_score", "size"), "statistic"] == pytest.approx(R_ML_CEASED_TREND_DEVIANCE, abs=1e-6)
    assert real_fits["exit"][("ml", "size")].coefficients["estimate"].to_numpy() == pytest.approx(R_ML_EXIT_SIZE, abs=1e-6)
    exit_tests = likelihood_ratio_tests(real_fits["exit"]).set_index(["method", "restricted", "full"])
    row = exit_tests.loc[("ml", "trend_score", "size")]
    assert row["statistic"] == pytest.approx(R_ML_EXIT_TREND_VS_SIZE["deviance"], abs=1e-6)
    assert row["p_value"] == pytest.approx(R_ML_EXIT_TREND_VS_SIZE["p_value"], abs=1e-5)


def test_real_table_large_band_is_separated_for_ceasing_but_not_for_exit(real_fits):
    ceased = real_fits["ceased"][("ml", "size")]
    assert ceased.separation.infinite_terms() == ["Large"]
    assert ceased.estimate("Large") == -np.inf
    assert not real_fits["exit"][("ml", "size")].separation.separated


# --- the statistics table -----------------------------------------------------------


@pytest.fixture(scope="module")
def statistics():
    return model_statistics(SEPARATED)


def test_model_statistics_has_the_agreed_columns_and_names(statistics):
    assert list(statistics.columns) == ["analysis", "term", "quantity", "value", "ci_low", "ci_high"]
    analyses = set(statistics["analysis"])
    for name in [
        "ml_ceased_size", "firth_ceased_size", "firth_ceased_trend_score", "firth_ceased_trend_log10_midpoint",
        "ml_ceased_trend_score", "lrt_ceased_trend_score_vs_size", "predicted_ceased_firth", "observed_ceased",
        "ml_exit_size", "firth_exit_size", "lrt_exit_trend_score_vs_size", "predicted_exit_firth", "observed_exit",
    ]:
        assert name in analyses
    assert not statistics.duplicated(["analysis", "term", "quantity"]).any()


def test_model_statistics_rows_agree_with_the_fits(statistics):
    indexed = statistics.set_index(["analysis", "term", "quantity"])
    firth = fit_firth(SEPARATED).coefficients.set_index("term").loc["Large"]
    row = indexed.loc[("firth_ceased_size", "Large", "log_odds")]
    assert (row["value"], row["ci_low"], row["ci_high"]) == (firth["estimate"], firth["ci_low"], firth["ci_high"])
    assert indexed.loc[("ml_ceased_size", "Large", "separated"), "value"] == 1.0
    assert indexed.loc[("ml_ceased_size", "Large", "log_odds"), "value"] == -np.inf
    assert indexed.loc[("ml_exit_size", "Large", "separated"), "value"] == 0.0
    assert indexed.loc[("observed_ceased", "Large", "proportion"), "value"] == 0.0


def test_model_statistics_is_deterministic(statistics):
    again = model_statistics(SEPARATED)
    assert again.to_csv(index=False, float_format="%.17g") == statistics.to_csv(index=False, float_format="%.17g")


def test_fits_raise_no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit_firth(REAL)
        fit_ml(REAL, EVENTS["exit"], "trend_log10_midpoint")
