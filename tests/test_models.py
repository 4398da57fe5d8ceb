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
import scipy.integrate
import scipy.optimize
import scipy.special
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
    exact_odds_ratio,
    goodness_of_fit,
    income_midpoints,
    likelihood_ratio_test,
    likelihood_ratio_tests,
    model_comparison,
    ml_profile_intervals,
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
        assert profile_statistic(fit, term, bound) == pytest.approx(CHI2_95, abs=1e-8)


def test_firth_p_value_is_a_penalised_likelihood_ratio_test_with_the_full_model_penalty():
    fit = fit_firth(SEPARATED, predictor="trend_score")
    statistic = profile_statistic(fit, "score", 0.0)
    assert fit.coefficients.set_index("term").loc["score", "p_value"] == pytest.approx(
        scipy.stats.chi2.sf(statistic, 1), rel=1e-8
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


def firthmodels_profile_of_band_logit(table, predictor, band):
    """Profile interval of a band's logit by firthmodels, after refitting with the band as reference.

    Categorical: indicators of the other bands, so the intercept is the band's
    logit. Trend: the score centred at the band's score. Individual 0/1 rows.
    """
    bands, y = individual_rows(table, EVENTS["ceased"])
    scores = bands.map({name: i + 1 for i, name in enumerate(SIZE_BANDS)}).to_numpy(float)
    if predictor == "size":
        x = np.column_stack([np.ones(len(y))] + [(bands == other).to_numpy(float) for other in SIZE_BANDS if other != band])
    else:
        x = np.column_stack([np.ones(len(y)), scores - (SIZE_BANDS.index(band) + 1)])
    model = FirthLogisticRegression(fit_intercept=False, gtol=1e-8, xtol=1e-8, max_iter=200).fit(x, y)
    assert model.converged_
    low, high = model.conf_int(method="pl", tol=1e-10, max_iter=200)[0]
    return expit(model.coef_[0]), expit(low), expit(high)


@pytest.mark.parametrize("predictor", ["size", "trend_score"])
@pytest.mark.parametrize("band", ["Micro", "Large", "Major"])
def test_firth_predictions_are_profile_intervals_of_the_band_logit(predictor, band):
    row = predicted_probabilities(fit_firth(SEPARATED, predictor=predictor)).set_index("size_band").loc[band]
    probability, low, high = firthmodels_profile_of_band_logit(SEPARATED, predictor, band)
    assert row["interval"] == "profile penalised likelihood"
    assert row["probability"] == pytest.approx(probability, rel=1e-8)
    assert row["ci_low"] == pytest.approx(low, rel=1e-6)
    assert row["ci_high"] == pytest.approx(high, rel=1e-6)


def test_firth_prediction_bounds_sit_at_the_chi_square_quantile_of_a_scipy_profile():
    fit = fit_firth(SEPARATED)
    x = fit.design.to_numpy(dtype=float)
    events, n = fit.groups["events"].to_numpy(float), fit.groups["n"].to_numpy(float)
    maximum = penalised_log_likelihood(fit.coefficients["estimate"].to_numpy(), x, events, n)
    row = predicted_probabilities(fit).set_index("size_band").loc["Large"]
    large = x[3]
    for bound in (row["ci_low"], row["ci_high"]):
        target = scipy.special.logit(bound)
        constraint = {"type": "eq", "fun": lambda beta: large @ beta - target}
        result = scipy.optimize.minimize(
            lambda beta: -penalised_log_likelihood(beta, x, events, n),
            fit.coefficients["estimate"].to_numpy(),
            method="SLSQP",
            constraints=[constraint],
            options={"ftol": 1e-14, "maxiter": 500},
        )
        assert 2 * (maximum + result.fun) == pytest.approx(CHI2_95, abs=1e-6)


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


def band_logit_constraints(restricted, bands=5):
    """Equality constraints on the categorical coefficients that define a restricted model.

    Written from the model definitions, not from the design matrices: the band
    logits are ``eta_j = beta_0 + beta_j``; no size effect makes every band
    term zero; a score trend makes every second difference of the logits zero.
    """
    def logits(beta):
        return beta[0] + np.concatenate([[0.0], beta[1:]])

    if restricted == "null":
        return [{"type": "eq", "fun": lambda beta: beta[1:]}]
    return [{"type": "eq", "fun": lambda beta: np.diff(logits(beta), 2)}]


def scipy_nested_statistic(table, event, restricted):
    """Nested penalised LR statistic: the categorical penalised likelihood maximised by SLSQP under the constraint."""
    full = fit_firth(table, event, "size")
    x = full.design.to_numpy(dtype=float)
    events, n = full.groups["events"].to_numpy(float), full.groups["n"].to_numpy(float)
    result = scipy.optimize.minimize(
        lambda beta: -penalised_log_likelihood(beta, x, events, n),
        np.zeros(x.shape[1]),
        method="SLSQP",
        constraints=band_logit_constraints(restricted),
        options={"ftol": 1e-15, "maxiter": 1000},
    )
    assert result.success
    return 2 * (penalised_log_likelihood(full.coefficients["estimate"].to_numpy(), x, events, n) + result.fun)


@pytest.mark.parametrize("restricted", ["null", "trend_score"])
@pytest.mark.parametrize("table", [DENSE, SEPARATED], ids=["dense", "separated"])
def test_firth_lr_test_against_categorical_is_the_nested_test_by_scipy(table, restricted):
    test = likelihood_ratio_test(fit_firth(table, predictor=restricted), fit_firth(table))
    expected = scipy_nested_statistic(table, EVENTS["ceased"], restricted)
    assert test.statistic == pytest.approx(expected, abs=1e-7)
    assert test.p_value == pytest.approx(scipy.stats.chi2.sf(expected, test.df), rel=1e-6)
    # Not the invalid comparison of two fits that each carry their own penalty.
    own_penalties = 2 * (fit_firth(table).log_likelihood - fit_firth(table, predictor=restricted).log_likelihood)
    assert abs(test.statistic - own_penalties) > 0.01


def test_firth_null_versus_trend_is_the_one_df_nested_test_of_the_slope():
    restricted, full = fit_firth(SEPARATED, predictor="null"), fit_firth(SEPARATED, predictor="trend_score")
    test = likelihood_ratio_test(restricted, full)
    # The 1-df nested test of the slope is what firthmodels' lrt() reports for the term.
    assert test.p_value == pytest.approx(full.coefficients.set_index("term").loc["score", "p_value"], rel=1e-7)
    assert test.statistic == pytest.approx(profile_statistic(full, "score", 0.0), abs=1e-8)


def test_ml_profile_interval_of_the_slope_by_scipy():
    fit = fit_ml(SEPARATED, predictor="trend_score")
    e, n, s = (fit.groups[c].to_numpy(float) for c in ("events", "n", "score"))

    def log_likelihood(intercept, slope):
        eta = intercept + slope * s
        return np.sum(e * scipy.special.log_expit(eta) + (n - e) * scipy.special.log_expit(-eta))

    def drop(slope):
        free = scipy.optimize.minimize_scalar(lambda a: -log_likelihood(a, slope), bounds=(-30, 30), method="bounded",
                                              options={"xatol": 1e-12})
        return 2 * (fit.log_likelihood + free.fun) - CHI2_95

    estimate = fit.estimate("score")
    low = scipy.optimize.brentq(drop, estimate - 5, estimate, xtol=1e-12)
    high = scipy.optimize.brentq(drop, estimate, estimate + 5, xtol=1e-12)
    row = ml_profile_intervals(fit).set_index("term").loc["score"]
    assert (row["profile_low"], row["profile_high"]) == pytest.approx((low, high), abs=1e-7)
    assert (row["wald_low"], row["wald_high"]) == (fit.coefficients["ci_low"].iloc[1], fit.coefficients["ci_high"].iloc[1])


def test_ml_profile_intervals_refuse_a_separated_fit():
    with pytest.raises(ModelInputError, match="separated"):
        ml_profile_intervals(fit_ml(SEPARATED))


def test_goodness_of_fit_matches_statsmodels_and_sums_its_band_contributions():
    fit = fit_ml(SEPARATED, predictor="trend_score")
    gof = goodness_of_fit(fit)
    groups = binomial_groups(SEPARATED)
    e, n = groups["events"].to_numpy(float), groups["n"].to_numpy(float)
    glm = sm.GLM(np.column_stack([e, n - e]), sm.add_constant(groups["score"].to_numpy(float)), family=sm.families.Binomial()).fit(tol=1e-14)
    assert gof.deviance == pytest.approx(glm.deviance, rel=1e-9)
    assert gof.pearson == pytest.approx(glm.pearson_chi2, rel=1e-9)
    assert gof.bands["pearson_residual"].to_numpy() == pytest.approx(glm.resid_pearson, rel=1e-7)
    assert gof.bands["deviance_contribution"].to_numpy() == pytest.approx(glm.resid_deviance**2, rel=1e-7)
    assert gof.df == 3
    assert gof.deviance == pytest.approx(likelihood_ratio_test(fit, fit_ml(SEPARATED)).statistic, abs=1e-9)
    assert gof.pearson_p_value == pytest.approx(scipy.stats.chi2.sf(glm.pearson_chi2, 3), rel=1e-8)


def test_goodness_of_fit_refuses_the_saturated_model():
    with pytest.raises(ModelInputError, match="saturated"):
        goodness_of_fit(fit_ml(DENSE))


def test_exact_odds_ratio_matches_a_hand_built_conditional_distribution():
    result = exact_odds_ratio(SEPARATED, "Large", "Micro")
    # Large: 0 of 17 ceased; Micro: 9 of 16. Given the margins, the number of
    # ceased Large charities is noncentral hypergeometric in the odds ratio.
    support = np.arange(0, 10)
    def probabilities(psi):
        weights = np.array([math.comb(17, k) * math.comb(16, 9 - k) for k in support], dtype=float) * psi ** support
        return weights / weights.sum()
    null = probabilities(1.0)
    assert result.p_value == pytest.approx(null[null <= null[0] * (1 + 1e-7)].sum(), rel=1e-10)
    upper = scipy.optimize.brentq(lambda psi: probabilities(psi)[0] - 0.025, 1e-6, 10, xtol=1e-14)
    assert (result.odds_ratio, result.ci_low) == (0.0, 0.0)
    assert result.ci_high == pytest.approx(upper, rel=1e-7)
    assert (result.events, result.n, result.reference_events, result.reference_n) == (0, 17, 9, 16)


def test_exact_odds_ratio_names_a_missing_band():
    with pytest.raises(ModelInputError, match="band 'Large' is not a row"):
        exact_odds_ratio(DENSE.drop(index="Large"))


def test_jeffreys_intervals_hold_two_and_a_half_percent_of_the_posterior_in_each_tail():
    observed = observed_proportions(SEPARATED)
    for row in observed.itertuples(index=False):
        a, b = row.events + 0.5, row.n - row.events + 0.5
        density = lambda p: p ** (a - 1) * (1 - p) ** (b - 1) / scipy.special.beta(a, b)  # noqa: E731
        assert scipy.integrate.quad(density, 0, row.jeffreys_low, epsabs=1e-13)[0] == pytest.approx(0.025, abs=1e-9)
        assert scipy.integrate.quad(density, row.jeffreys_high, 1, epsabs=1e-13)[0] == pytest.approx(0.025, abs=1e-9)


def test_aic_difference_of_nested_ml_models_is_the_lr_statistic_at_a_fixed_level():
    tests = likelihood_ratio_tests(fit_all(SEPARATED)).set_index(["method", "restricted", "full"])
    fits = fit_all(SEPARATED)
    row = tests.loc[("ml", "trend_score", "size")]
    assert row["aic_difference"] == pytest.approx(fits[("ml", "size")].aic - fits[("ml", "trend_score")].aic, abs=1e-9)
    # P(chi2_3 > 6) and P(chi2_1 > 2) in closed form.
    assert row["aic_level"] == pytest.approx(math.erfc(math.sqrt(3)) + math.sqrt(12 / math.pi) * math.exp(-3), rel=1e-12)
    assert tests.loc[("ml", "null", "trend_score"), "aic_level"] == pytest.approx(math.erfc(1), rel=1e-12)
    assert tests.xs("firth", level="method")["aic_difference"].isna().all()


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
#   pchisq(5.40606960229, 3, lower.tail = FALSE)
#   (standard errors with glm.control(epsilon = 1e-15, maxit = 100): R's default stopping rule reports them
#   from the penultimate IRLS weights, which differ in the fifth digit)
R_ML_CEASED_TREND = {"estimate": [1.75113936875636, -1.07155730901550], "std_error": [0.428974150714498, 0.182619832733889]}
R_ML_CEASED_TREND_DEVIANCE = 9.04300301075
R_ML_EXIT_SIZE = [0.362905493689, -0.175693951601, -1.766899431909, -2.927854851151, -3.196118837745]
R_ML_EXIT_TREND_VS_SIZE = {"deviance": 5.40606960229, "p_value": 0.144365889678717}


# Nested penalised LR tests, profile penalised-likelihood intervals of the
# predicted probabilities, ML profile intervals, goodness of fit and Fisher's
# test, R 4.2.2 with brglm2 0.9 and MASS 7.3 (logistf is not packaged for
# Debian, so the constrained maxima are direct optimisations with optim):
#   pll <- function(beta, X, e, n) {      # Jeffreys-penalised log-likelihood
#     eta <- drop(X %*% beta); w <- n * plogis(eta) * plogis(-eta)
#     sum(e * plogis(eta, log.p = TRUE) + (n - e) * plogis(-eta, log.p = TRUE)) +
#       0.5 * as.numeric(determinant(crossprod(X, w * X))$modulus)
#   }
#   cmax <- function(X, e, n, C, b0 = rep(0, ncol(X)), start = rep(0, ncol(C))) {  # max over b0 + C g
#     f <- function(g) -pll(b0 + C %*% g, X, e, n)
#     best <- optim(start, f, method = "BFGS", control = list(reltol = 1e-15, maxit = 10000))
#     for (i in 1:3) best <- optim(best$par, f, method = "BFGS", control = list(reltol = 1e-15, maxit = 10000))
#     -best$value
#   }
#   d$lmid <- log10(sqrt(c(1000 * 10000, 10001 * 1e5, 100001 * 1e6, 1000001 * 1e7, 10000001 * 1e8)))
#   Xcat <- model.matrix(~ band, d); Xsc <- model.matrix(~ score, d); Xlm <- model.matrix(~ lmid, d)
#   # for e <- d$ceased and e <- d$exit, n <- d$n:
#   tight <- brglmControl(epsilon = 1e-14, maxit = 1000)   # brglm2's default 1e-6 moves the 7th digit
#   full <- glm(cbind(e, n - e) ~ band, binomial, d, method = "brglmFit", type = "AS_mean", control = tight)
#   pfull <- pll(coef(full), Xcat, e, n)
#   2 * (pfull - cmax(Xcat, e, n, solve(Xcat, Xsc)))          # trend (score) vs categorical, etc.
#   ft <- glm(cbind(e, n - e) ~ Xsc - 1, binomial, method = "brglmFit", type = "AS_mean", control = tight)
#   2 * (pll(coef(ft), Xsc, e, n) - cmax(Xsc, e, n, matrix(c(1, 0), 2, 1)))   # null vs trend
#   # band j's logit x'beta profiled: beta = x t / |x|^2 + Null(x) g, uniroot on 2 * drop - qchisq(.95, 1)
#   prof <- function(t) 2 * (pmax - cmax(X, e, n, Null(x), x * t / sum(x^2), drop(crossprod(Null(x), b)))) - qchisq(0.95, 1)
#   plogis(uniroot(prof, c(eta0 - 15, eta0), tol = 1e-12)$root)   # and (eta0, eta0 + 15)
#   ml <- glm(cbind(e, n - e) ~ score, binomial, d); confint(ml)     # MASS profile (spline-interpolated)
#   deviance(ml); sum(residuals(ml, "pearson")^2); residuals(ml, "deviance")^2
#   fisher.test(matrix(c(0, 22, 28, 17), 2))
R_NESTED = {  # (event, restricted, full): statistic
    ("ceased", "null", "size"): 52.1414802232,
    ("ceased", "trend_score", "size"): 7.3972752154,
    ("ceased", "trend_log10_midpoint", "size"): 7.39755147366,
    ("ceased", "null", "trend_score"): 47.0273299213,
    ("ceased", "null", "trend_log10_midpoint"): 47.0270322203,
    ("exit", "null", "size"): 47.8982287978,
    ("exit", "trend_score", "size"): 5.43740148891,
    ("exit", "trend_log10_midpoint", "size"): 5.4376720847,
    ("exit", "null", "trend_score"): 44.2951686034,
    ("exit", "null", "trend_log10_midpoint"): 44.2948819489,
}
R_NESTED_P = {("ceased", "trend_score", "size"): 0.060257475568, ("exit", "trend_score", "size"): 0.142431012002}
R_PREDICTED_PROFILE = {  # (event, predictor): per band (probability, low, high)
    ("ceased", "size"): [
        (0.5625, 0.408471208756, 0.708753029831), (0.493421052632, 0.382642899166, 0.604635923311),
        (0.173611111111, 0.0982970107121, 0.27173555759), (0.0172413793103, 0.000138402886985, 0.110791214753),
        (0.0789473684211, 0.00938232757985, 0.253127508229),
    ],
    ("ceased", "trend_score"): [
        (0.659748247701, 0.537767029437, 0.768015520779), (0.403989033636, 0.330703104797, 0.481538544852),
        (0.191558481407, 0.131412483201, 0.260855609165), (0.0764944191578, 0.037172685565, 0.138826676631),
        (0.0281404592108, 0.00939944251427, 0.0713972625734),
    ],
    ("exit", "size"): [
        (0.5875, 0.433039519514, 0.731075145323), (0.546052631579, 0.433984654911, 0.655063645347),
        (0.201388888889, 0.12011437851, 0.303541725492), (0.0862068965517, 0.0188041754226, 0.222975619801),
        (0.0789473684211, 0.00938232757984, 0.253127508229),
    ],
    ("exit", "trend_score"): [
        (0.682907624155, 0.565730708414, 0.785078015056), (0.451279155648, 0.376314764106, 0.529115676908),
        (0.238999257287, 0.173733344396, 0.311050463483), (0.107087334484, 0.0571601976707, 0.179629823806),
        (0.0437924216305, 0.0164874376102, 0.100166447839),
    ],
}
#: MASS::confint of the ML score slope; MASS interpolates the profile with a spline, hence rel 1e-4 below.
R_ML_SLOPE_PROFILE = {"ceased": (-1.450574701242, -0.732332691806), "exit": (-1.331239670507, -0.664867641064)}
R_ML_CEASED_TREND_GOF = {
    "pearson": 7.24014049609,
    "deviance_contribution": [1.663672020414, 2.483938681351, 0.170961850791, 4.271154414114, 0.453276044081],
    "pearson_contribution": [1.731216045969, 2.529672961911, 0.166425020631, 2.219128705543, 0.593697762036],
}
#: fisher.test: p-value 1.9675827e-07, conf.int 0 to 0.134111521218 (uniroot at its default tolerance,
#: about 1e-4; the exact root, checked by brentq on the noncentral hypergeometric cdf, is 0.1341150078).
R_FISHER_LARGE_MICRO = {"p_value": 1.9675827e-07, "ci_high": 0.134111521218}


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
    assert trend.coefficients["estimate"].to_numpy() == pytest.approx(R_ML_CEASED_TREND["estimate"], rel=1e-9)
    assert trend.coefficients["std_error"].to_numpy() == pytest.approx(R_ML_CEASED_TREND["std_error"], rel=1e-9)
    tests = likelihood_ratio_tests(real_fits["ceased"]).set_index(["method", "restricted", "full"])
    assert tests.loc[("ml", "trend_score", "size"), "statistic"] == pytest.approx(R_ML_CEASED_TREND_DEVIANCE, abs=1e-6)
    assert real_fits["exit"][("ml", "size")].coefficients["estimate"].to_numpy() == pytest.approx(R_ML_EXIT_SIZE, abs=1e-6)
    exit_tests = likelihood_ratio_tests(real_fits["exit"]).set_index(["method", "restricted", "full"])
    row = exit_tests.loc[("ml", "trend_score", "size")]
    assert row["statistic"] == pytest.approx(R_ML_EXIT_TREND_VS_SIZE["deviance"], rel=1e-9)
    assert row["p_value"] == pytest.approx(R_ML_EXIT_TREND_VS_SIZE["p_value"], rel=1e-8)


@pytest.mark.parametrize("key", sorted(R_NESTED))
def test_real_table_nested_penalised_lr_tests_match_r(real_fits, key):
    event_name, restricted, full = key
    tests = likelihood_ratio_tests(real_fits[event_name]).set_index(["method", "restricted", "full"])
    row = tests.loc[("firth", restricted, full)]
    assert row["statistic"] == pytest.approx(R_NESTED[key], rel=1e-8)
    if key in R_NESTED_P:
        assert row["p_value"] == pytest.approx(R_NESTED_P[key], rel=1e-8)


@pytest.mark.parametrize("key", sorted(R_PREDICTED_PROFILE))
def test_real_table_predicted_probability_profile_intervals_match_r(real_fits, key):
    event_name, predictor = key
    predictions = predicted_probabilities(real_fits[event_name][("firth", predictor)])
    expected = np.array(R_PREDICTED_PROFILE[key])
    assert predictions["probability"].to_numpy() == pytest.approx(expected[:, 0], rel=1e-7)
    assert predictions["ci_low"].to_numpy() == pytest.approx(expected[:, 1], rel=1e-7)
    assert predictions["ci_high"].to_numpy() == pytest.approx(expected[:, 2], rel=1e-7)


@pytest.mark.parametrize("event_name", ["ceased", "exit"])
def test_real_table_ml_slope_profile_interval_matches_mass_confint(real_fits, event_name):
    row = ml_profile_intervals(real_fits[event_name][("ml", "trend_score")]).set_index("term").loc["score"]
    assert (row["profile_low"], row["profile_high"]) == pytest.approx(R_ML_SLOPE_PROFILE[event_name], rel=1e-4)


def test_real_table_goodness_of_fit_matches_r(real_fits):
    gof = goodness_of_fit(real_fits["ceased"][("ml", "trend_score")])
    assert gof.deviance == pytest.approx(R_ML_CEASED_TREND_DEVIANCE, rel=1e-9)
    assert gof.pearson == pytest.approx(R_ML_CEASED_TREND_GOF["pearson"], rel=1e-9)
    for column in ("deviance_contribution", "pearson_contribution"):
        assert gof.bands[column].to_numpy() == pytest.approx(R_ML_CEASED_TREND_GOF[column], rel=1e-8)


def test_real_table_exact_large_versus_micro_matches_fisher_test():
    result = exact_odds_ratio(REAL, "Large", "Micro")
    assert result.p_value == pytest.approx(R_FISHER_LARGE_MICRO["p_value"], rel=1e-7)
    assert result.ci_high == pytest.approx(R_FISHER_LARGE_MICRO["ci_high"], rel=1e-4)
    assert (result.odds_ratio, result.ci_low) == (0.0, 0.0)


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
        "gof_ceased_trend_score", "gof_exit_trend_log10_midpoint", "exact_ceased_Large_vs_Micro",
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
    nested = likelihood_ratio_test(fit_firth(SEPARATED, predictor="trend_score"), fit_firth(SEPARATED))
    assert indexed.loc[("lrt_ceased_trend_score_vs_size", "firth", "statistic"), "value"] == nested.statistic
    large = predicted_probabilities(fit_firth(SEPARATED)).set_index("size_band").loc["Large"]
    row = indexed.loc[("predicted_ceased_firth", "Large", "probability")]
    assert (row["ci_low"], row["ci_high"]) == (large["ci_low"], large["ci_high"])
    slope = ml_profile_intervals(fit_ml(SEPARATED, predictor="trend_score")).set_index("term").loc["score"]
    row = indexed.loc[("ml_ceased_trend_score", "score", "log_odds_profile")]
    assert (row["ci_low"], row["ci_high"]) == (slope["profile_low"], slope["profile_high"])
    exact = exact_odds_ratio(SEPARATED)
    row = indexed.loc[("exact_ceased_Large_vs_Micro", "odds_ratio", "conditional_mle")]
    assert (row["value"], row["ci_high"]) == (exact.odds_ratio, exact.ci_high)
    assert indexed.loc[("gof_ceased_trend_score", "Large", "deviance_contribution"), "value"] == (
        goodness_of_fit(fit_ml(SEPARATED, predictor="trend_score")).bands.set_index("size_band").loc["Large", "deviance_contribution"]
    )


def test_model_statistics_is_deterministic(statistics):
    again = model_statistics(SEPARATED)
    assert again.to_csv(index=False, float_format="%.17g") == statistics.to_csv(index=False, float_format="%.17g")


def test_fits_raise_no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit_firth(REAL)
        fit_ml(REAL, EVENTS["exit"], "trend_log10_midpoint")
