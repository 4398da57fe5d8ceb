"""Logistic models of ceasing (and of exit) by size band: ML, separation and Firth.

Each charity in Table 5.1 either ceased or did not, so the chance of ceasing
in a band is a binomial proportion and size can enter a logistic regression in
three ways: as a categorical factor (one log-odds per band, Micro the
reference), as a linear trend in the band's score 1-5, or as a linear trend in
the log10 of an assumed income midpoint for the band.

Models are fitted to grouped binomial data (events out of ``n`` per band),
which has exactly the likelihood of the individual 0/1 data. Two fitting
methods are offered:

* maximum likelihood (ML, statsmodels GLM Binomial), with a separation check:
  when a band has no events (or only events), the ML estimate of its term is
  infinite. Such terms are flagged and reported as ``-inf``/``+inf`` rather
  than the large finite number where the optimiser happens to stop;
* Firth's penalised likelihood (``firthmodels``), which adds half the log
  determinant of the Fisher information (a Jeffreys prior) to the
  log-likelihood. Estimates are always finite; intervals are profile
  penalised-likelihood intervals and tests are penalised likelihood-ratio
  tests. A smaller model is tested inside a larger one by maximising the
  larger model's penalised likelihood under the smaller model's
  restriction (:mod:`analysis.constrained`), never by comparing two fits
  that each carry their own penalty.

Every function is pure: it takes a table of counts (rows: size bands in the
order of :data:`analysis.domain.SIZE_BANDS`, columns: outcomes), passes it
through :func:`analysis.contingency.validate_counts` and returns a frozen
dataclass or a DataFrame.

The fitting libraries (statsmodels; firthmodels with scikit-learn) are
imported by the functions that fit, so a chapter that only shows observed
proportions does not load them (about 0.5 s in each chapter's kernel).

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame(
...     {"Ceased": [6, 3, 1], "Other": [4, 7, 9]}, index=["Micro", "Small", "Medium"]
... )
>>> fit = fit_firth(table, predictor="size")
>>> round(float(fit.estimate("intercept")), 4)  # log((6 + 0.5) / (4 + 0.5))
0.3677
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.stats
from scipy.special import expit, xlogy
from scipy.stats.contingency import odds_ratio as conditional_odds_ratio

from analysis import constrained
from analysis.association import clopper_pearson_interval
from analysis.contingency import validate_counts
from analysis.domain import INCOME_BANDS, SIZE_BANDS

if TYPE_CHECKING:
    from firthmodels import FirthLogisticRegression

#: Event definitions used by the compendium: name -> outcomes counted as the event.
EVENTS: dict[str, tuple[str, ...]] = {"ceased": ("Ceased",), "exit": ("Ceased", "Merged")}

#: How size enters a model: the categorical factor, two linear trends, or not at all.
PREDICTORS: tuple[str, ...] = ("size", "trend_score", "trend_log10_midpoint", "null")

#: Readable names of the predictors, for tables and figure legends.
PREDICTOR_NAMES: dict[str, str] = {
    "size": "categorical",
    "trend_score": "trend (score)",
    "trend_log10_midpoint": "trend (log10 income)",
    "null": "no size effect",
}

#: Readable names of the fitting methods.
METHOD_NAMES: dict[str, str] = {"ml": "ML", "firth": "Firth"}

#: Assumed floor of the Micro band (its published lower limit is £0, which has no logarithm).
MICRO_FLOOR = 1_000
#: Assumed ceiling of the open-ended Major band (an assumption, not a published figure).
MAJOR_CEILING = 100_000_000

#: Confidence level of every interval in this module.
CONFIDENCE = 0.95

#: Convergence settings for Firth fits (tighter than firthmodels' 1e-4 defaults;
#: much tighter and the constrained fits of ``lrt()`` stall in step-halving). The NumPy
#: backend always: firthmodels switches to Numba kernels when Numba is installed (it is,
#: for analysis.exact), which changes the results in the tenth significant digit.
_FIRTH_SETTINGS = {"max_iter": 200, "gtol": 1e-8, "xtol": 1e-8, "backend": "numpy"}
_PROFILE_SETTINGS = {"max_iter": 100, "tol": 1e-8}


class ModelInputError(ValueError):
    """A table or option that the logistic models cannot use."""


@dataclass(frozen=True)
class Separation:
    """Separation diagnosis of one model on one table.

    Attributes
    ----------
    separated : bool
        Whether the ML estimate of at least one coefficient is infinite
        (linear-programming check of Konis 2007, ``firthmodels.detect_separation``).
    directions : dict[str, int]
        For each term, +1 (ML estimate is +inf), -1 (-inf) or 0 (finite).
    boundary_bands : dict[str, str]
        The data-level symptom: bands whose events are all absent (``"no events"``)
        or all present (``"only events"``).
    """

    separated: bool
    directions: dict[str, int]
    boundary_bands: dict[str, str]

    def infinite_terms(self) -> list[str]:
        """Terms whose ML estimate diverges, in model order.

        Examples
        --------
        >>> Separation(True, {"intercept": 0, "Large": -1}, {"Large": "no events"}).infinite_terms()
        ['Large']
        """
        return [term for term, direction in self.directions.items() if direction != 0]


@dataclass(frozen=True)
class LogisticFit:
    """One fitted logistic model of an event by size band.

    Attributes
    ----------
    method : str
        ``"ml"`` or ``"firth"``.
    predictor : str
        One of :data:`PREDICTORS`.
    event : tuple of str
        Outcomes counted as the event.
    groups : pandas.DataFrame
        The grouped binomial data (see :func:`binomial_groups`).
    design : pandas.DataFrame
        Design matrix, one row per band, one column per term (``intercept`` first).
    coefficients : pandas.DataFrame
        One row per term: ``term, estimate, std_error, ci_low, ci_high, p_value,
        separated``. ML: Wald intervals and tests; separated terms have an
        infinite estimate and NaN interval and p-value. Firth: profile
        penalised-likelihood intervals and penalised likelihood-ratio p-values.
    covariance : numpy.ndarray
        Inverse Fisher information at the estimate (terms in design order).
    log_likelihood : float
        ML: the Bernoulli log-likelihood of the individual charities.
        Firth: the penalised log-likelihood (log-likelihood + ½ log det I).
    separation : Separation
        Diagnosis of the data for this design (reported for both methods).
    """

    method: str
    predictor: str
    event: tuple[str, ...]
    groups: pd.DataFrame = field(repr=False, compare=False)
    design: pd.DataFrame = field(repr=False, compare=False)
    coefficients: pd.DataFrame = field(repr=False, compare=False)
    covariance: np.ndarray = field(repr=False, compare=False)
    log_likelihood: float
    separation: Separation

    @property
    def n_parameters(self) -> int:
        """Number of estimated coefficients, intercept included."""
        return self.design.shape[1]

    @property
    def aic(self) -> float:
        """Akaike information criterion, ``2k - 2 log L`` (ML fits only; NaN for Firth)."""
        if self.method != "ml":
            return math.nan
        return 2 * self.n_parameters - 2 * self.log_likelihood

    @property
    def label(self) -> str:
        """Readable model name such as ``'Firth categorical'``."""
        return f"{METHOD_NAMES[self.method]} {PREDICTOR_NAMES[self.predictor]}"

    def estimate(self, term: str) -> float:
        """The estimated coefficient of ``term`` on the log-odds scale."""
        return float(self.coefficients.set_index("term").loc[term, "estimate"])


@dataclass(frozen=True)
class LikelihoodRatioTest:
    """Likelihood-ratio test of a restricted model against a fuller one it is nested in.

    For Firth fits the statistic is the nested penalised likelihood-ratio
    statistic: the fuller model's penalised log-likelihood at its maximum
    against its maximum under the restricted model's constraint (same
    penalty on both sides).
    """

    method: str
    restricted: str
    full: str
    statistic: float
    df: int
    p_value: float


def income_midpoints(micro_floor: float = MICRO_FLOOR, major_ceiling: float = MAJOR_CEILING) -> dict[str, float]:
    """Assumed income midpoint of each size band: the geometric mean of its limits.

    The bands are a decade wide each (Micro up to £10,000, Small up to
    £100,000, ...), so the geometric mean, the midpoint on the log scale, is
    the natural centre. Two limits are not published and are ASSUMPTIONS:
    Micro's floor (its lower limit is £0, which has no logarithm; default
    £1,000) and Major's ceiling (the band is open-ended; default £100m). Pass
    other values to see how much the log10-income trend depends on them.

    Parameters
    ----------
    micro_floor, major_ceiling : float
        Assumed lower limit of Micro and upper limit of Major, in pounds.

    Returns
    -------
    dict[str, float]
        Band name -> midpoint in pounds, in the order of :data:`SIZE_BANDS`.

    Examples
    --------
    >>> {band: round(math.log10(value), 3) for band, value in income_midpoints().items()}
    {'Micro': 3.5, 'Small': 4.5, 'Medium': 5.5, 'Large': 6.5, 'Major': 7.5}
    """
    if not 0 < micro_floor < INCOME_BANDS["Micro"].upper:
        raise ModelInputError(f"micro_floor: {micro_floor!r} must lie strictly between 0 and Micro's upper limit")
    if not major_ceiling > INCOME_BANDS["Major"].lower:
        raise ModelInputError(f"major_ceiling: {major_ceiling!r} must exceed Major's lower limit")
    midpoints = {}
    for band in SIZE_BANDS:
        limits = INCOME_BANDS[band]
        lower = micro_floor if band == "Micro" else limits.lower
        upper = major_ceiling if limits.upper is None else limits.upper
        midpoints[band] = math.sqrt(lower * upper)
    return midpoints


def binomial_groups(
    table: pd.DataFrame, event: tuple[str, ...] = EVENTS["ceased"], midpoints: dict[str, float] | None = None
) -> pd.DataFrame:
    """Collapse a counts table to events out of ``n`` per size band.

    Parameters
    ----------
    table : pandas.DataFrame
        Counts, rows are size bands (a subset of :data:`SIZE_BANDS`, in that
        order), columns are outcomes.
    event : tuple of str
        Outcome columns counted as the event, e.g. ``("Ceased",)`` or
        ``("Ceased", "Merged")`` for exit.
    midpoints : dict, optional
        Income midpoint of each band in pounds; :func:`income_midpoints` by default.

    Returns
    -------
    pandas.DataFrame
        ``size_band, events, n, score, log10_midpoint``; ``score`` is the band's
        position in :data:`SIZE_BANDS` (Micro = 1 ... Major = 5).

    Raises
    ------
    ModelInputError
        If a row is not a size band, bands are out of order, an event outcome
        is not a column, no charity or every charity has the event, or a
        midpoint is missing or not positive.

    Examples
    --------
    >>> table = pd.DataFrame({"Ceased": [3, 0], "Increased": [1, 4]}, index=["Micro", "Large"])
    >>> binomial_groups(table)[["size_band", "events", "n", "score"]].to_numpy().tolist()
    [['Micro', 3, 4, 1], ['Large', 0, 4, 4]]
    """
    counts = validate_counts(table, name="counts table")
    bands = [str(band) for band in counts.index]
    for band in bands:
        if band not in SIZE_BANDS:
            raise ModelInputError(f"counts table: row {band!r} is not a size band (expected one of {', '.join(SIZE_BANDS)})")
    scores = [SIZE_BANDS.index(band) + 1 for band in bands]
    if scores != sorted(set(scores)):
        raise ModelInputError(f"counts table: rows {bands} are repeated or not in the order {', '.join(SIZE_BANDS)}")
    if not event:
        raise ModelInputError("event: needs at least one outcome")
    for outcome in event:
        if outcome not in counts.columns:
            raise ModelInputError(
                f"counts table: event outcome {outcome!r} is not a column (columns: {', '.join(map(str, counts.columns))})"
            )
    events = counts[list(event)].sum(axis=1)
    if events.sum() == 0:
        raise ModelInputError(f"counts table: no charity has the event {' or '.join(event)}; nothing to model")
    if events.sum() == counts.to_numpy().sum():
        raise ModelInputError(f"counts table: every charity has the event {' or '.join(event)}; nothing to model")
    midpoints = income_midpoints() if midpoints is None else midpoints
    for band in bands:
        value = midpoints.get(band)
        if value is None or not value > 0:
            raise ModelInputError(f"midpoints: band {band!r} needs a positive income midpoint, got {value!r}")
    return pd.DataFrame(
        {
            "size_band": bands,
            "events": events.to_numpy(dtype=np.int64),
            "n": counts.sum(axis=1).to_numpy(dtype=np.int64),
            "score": np.array(scores, dtype=np.int64),
            "log10_midpoint": [math.log10(midpoints[band]) for band in bands],
        }
    )


def design_matrix(groups: pd.DataFrame, predictor: str) -> pd.DataFrame:
    """Design matrix of a model, one row per band, ``intercept`` first.

    ``size`` uses treatment coding with the first band (Micro) as reference,
    so each band term is that band's log odds ratio against the reference.

    Examples
    --------
    >>> groups = pd.DataFrame({"size_band": ["Micro", "Small"], "score": [1, 2], "log10_midpoint": [3.5, 4.5]})
    >>> design_matrix(groups, "size").to_numpy().tolist()
    [[1.0, 0.0], [1.0, 1.0]]
    """
    if predictor not in PREDICTORS:
        raise ModelInputError(f"predictor: {predictor!r} is not one of {', '.join(PREDICTORS)}")
    bands = list(groups["size_band"])
    columns: dict[str, np.ndarray] = {"intercept": np.ones(len(bands))}
    if predictor == "size":
        for band in bands[1:]:
            columns[band] = (groups["size_band"] == band).to_numpy(dtype=float)
    elif predictor == "trend_score":
        columns["score"] = groups["score"].to_numpy(dtype=float)
    elif predictor == "trend_log10_midpoint":
        columns["log10_midpoint"] = groups["log10_midpoint"].to_numpy(dtype=float)
    return pd.DataFrame(columns, index=pd.Index(bands, name="size_band"))


def _event_rows(groups: pd.DataFrame, design: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two rows per band (event, non-event) with counts as weights: X, y, weights."""
    x = np.repeat(design.to_numpy(dtype=float), 2, axis=0)
    y = np.tile([1, 0], len(groups))
    weights = np.column_stack([groups["events"], groups["n"] - groups["events"]]).ravel().astype(float)
    return x, y, weights


def diagnose_separation(groups: pd.DataFrame, design: pd.DataFrame) -> Separation:
    """Check whether the ML estimates of a model are infinite.

    Runs the linear-programming check of Konis (2007) on the individual-level
    design (one row per observed band/outcome pair; duplicates do not change
    the answer) and records the data-level symptom: bands with no events or
    no non-events.

    Examples
    --------
    >>> groups = binomial_groups(pd.DataFrame({"Ceased": [3, 0], "Other": [2, 5]}, index=["Micro", "Large"]))
    >>> result = diagnose_separation(groups, design_matrix(groups, "size"))
    >>> result.directions, result.boundary_bands
    ({'intercept': 0, 'Large': -1}, {'Large': 'no events'})
    """
    x, y, weights = _event_rows(groups, design)
    observed = weights > 0
    from firthmodels import detect_separation

    # The design already holds the intercept column, so the LP adds none.
    result = detect_separation(x[observed], y[observed], fit_intercept=False)
    directions = {term: int(direction) for term, direction in zip(design.columns, result.directions)}
    boundary = {}
    for band, events, n in zip(groups["size_band"], groups["events"], groups["n"]):
        if events == 0:
            boundary[band] = "no events"
        elif events == n:
            boundary[band] = "only events"
    return Separation(bool(result.separation), directions, boundary)


def _bernoulli_log_likelihood(groups: pd.DataFrame, probabilities: np.ndarray) -> float:
    events = groups["events"].to_numpy(dtype=float)
    non_events = (groups["n"] - groups["events"]).to_numpy(dtype=float)
    return float(np.sum(xlogy(events, probabilities) + xlogy(non_events, 1 - probabilities)))


def _fisher_information(groups: pd.DataFrame, design: pd.DataFrame, beta: np.ndarray) -> np.ndarray:
    x = design.to_numpy(dtype=float)
    p = expit(x @ beta)
    weights = groups["n"].to_numpy(dtype=float) * p * (1 - p)
    return x.T @ (weights[:, None] * x)


def fit_ml(
    table: pd.DataFrame,
    event: tuple[str, ...] = EVENTS["ceased"],
    predictor: str = "size",
    midpoints: dict[str, float] | None = None,
) -> LogisticFit:
    """Maximum-likelihood logistic regression on grouped binomial data.

    Fitted with statsmodels' GLM (Binomial family, ``(events, n - events)``
    response). Intervals and p-values are Wald. When the data are separated
    (see :func:`diagnose_separation`), the affected terms get an estimate of
    ``+inf`` or ``-inf``, a NaN standard error, interval and p-value, and
    ``separated = True``: the number the optimiser stops at is an artefact
    of its stopping rule, not an estimate.

    Parameters
    ----------
    table : pandas.DataFrame
        Counts by size band and outcome.
    event : tuple of str
        Outcomes counted as the event.
    predictor : str
        One of :data:`PREDICTORS`.
    midpoints : dict, optional
        Income midpoints for ``trend_log10_midpoint`` (see :func:`income_midpoints`).

    Returns
    -------
    LogisticFit

    Examples
    --------
    >>> table = pd.DataFrame({"Ceased": [6, 2], "Other": [4, 8]}, index=["Micro", "Small"])
    >>> fit = fit_ml(table)
    >>> round(fit.estimate("Small"), 4) == round(math.log((2 / 8) / (6 / 4)), 4)
    True
    """
    import statsmodels.api as sm

    groups = binomial_groups(table, event, midpoints)
    design = design_matrix(groups, predictor)
    separation = diagnose_separation(groups, design)
    endog = np.column_stack([groups["events"], groups["n"] - groups["events"]]).astype(float)
    with warnings.catch_warnings():
        # Separation makes the optimiser run towards infinity; it is diagnosed above.
        warnings.simplefilter("ignore")
        result = sm.GLM(endog, design, family=sm.families.Binomial()).fit(maxiter=200, tol=1e-12)
    beta = np.asarray(result.params, dtype=float)
    covariance = np.asarray(result.cov_params(), dtype=float)
    std_error = np.sqrt(np.diag(covariance))
    z = scipy.stats.norm.ppf(0.5 + CONFIDENCE / 2)
    estimate = beta.copy()
    low, high = beta - z * std_error, beta + z * std_error
    p_value = 2 * scipy.stats.norm.sf(np.abs(beta / std_error))
    separated = np.array([separation.directions[term] != 0 for term in design.columns])
    directions = np.array([separation.directions[term] for term in design.columns], dtype=float)
    estimate[separated] = directions[separated] * np.inf
    for values in (std_error, low, high, p_value):
        values[separated] = np.nan
    fitted = expit(design.to_numpy(dtype=float) @ beta)
    coefficients = pd.DataFrame(
        {
            "term": list(design.columns),
            "estimate": estimate,
            "std_error": std_error,
            "ci_low": low,
            "ci_high": high,
            "p_value": p_value,
            "separated": separated,
        }
    )
    return LogisticFit(
        "ml", predictor, tuple(event), groups, design, coefficients, covariance,
        _bernoulli_log_likelihood(groups, fitted), separation,
    )


#: Looser convergence settings tried, in turn, when a fit or a penalised LR
#: test stalls in step-halving at the strict tolerance. This happens when the
#: estimate is already exact to about 1e-9 and rounding stops further progress
#: (seen for tables with an empty cell next to a band of one or two charities).
_LRT_FALLBACK_SETTINGS = ({**_FIRTH_SETTINGS, "gtol": 1e-6, "xtol": 1e-6},)


def _converged_firth_model(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> FirthLogisticRegression | None:
    """Fit at the strict tolerance, else at the fallback ones; ``None`` if none converges."""
    from firthmodels import FirthLogisticRegression
    from sklearn.exceptions import ConvergenceWarning

    for settings in (_FIRTH_SETTINGS, *_LRT_FALLBACK_SETTINGS):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = FirthLogisticRegression(fit_intercept=False, **settings).fit(x, y, sample_weight=weights)
        if model.converged_:
            return model
    return None


def _penalised_lrt_p_values(model: FirthLogisticRegression, x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Penalised likelihood-ratio p-values, retrying stalled tests at looser tolerances.

    A stalled test leaves NaN; the caller raises if any remain after the retries.
    """
    from firthmodels import FirthLogisticRegression
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.lrt()
    p_values = np.asarray(model.lrt_pvalues_, dtype=float).copy()
    for settings in _LRT_FALLBACK_SETTINGS:
        stalled = np.flatnonzero(np.isnan(p_values))
        if not stalled.size:
            break
        retry = FirthLogisticRegression(fit_intercept=False, **settings).fit(x, y, sample_weight=weights)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            retry.lrt(features=[int(index) for index in stalled])
        p_values[stalled] = np.asarray(retry.lrt_pvalues_, dtype=float)[stalled]
    return p_values


def fit_firth(
    table: pd.DataFrame,
    event: tuple[str, ...] = EVENTS["ceased"],
    predictor: str = "size",
    midpoints: dict[str, float] | None = None,
) -> LogisticFit:
    """Firth penalised-likelihood logistic regression on grouped binomial data.

    The grouped data enter ``firthmodels.FirthLogisticRegression`` as two
    rows per band (event, non-event) weighted by their counts, which gives
    the same penalised likelihood as the individual 0/1 rows. Intervals are
    profile penalised-likelihood intervals (``conf_int(method="pl")``):
    the values of a coefficient whose constrained penalised likelihood lies
    within ``chi2(1, 0.95) / 2`` of the maximum. P-values are penalised
    likelihood-ratio tests (``lrt()``). ``std_error`` is the Wald standard
    error from the inverse Fisher information at the estimate.

    Returns
    -------
    LogisticFit
        Its ``separation`` field describes the data (and so the ML fit); the
        Firth estimates themselves are always finite.

    Examples
    --------
    >>> table = pd.DataFrame({"Ceased": [6, 0], "Other": [4, 8]}, index=["Micro", "Small"])
    >>> fit = fit_firth(table)
    >>> round(fit.estimate("Small"), 4) == round(math.log(0.5 / 8.5) - math.log(6.5 / 4.5), 4)
    True
    """
    groups = binomial_groups(table, event, midpoints)
    design = design_matrix(groups, predictor)
    separation = diagnose_separation(groups, design)
    x, y, weights = _event_rows(groups, design)
    model = _converged_firth_model(x, y, weights)
    if model is None:
        raise ModelInputError(f"Firth fit of {predictor!r} for {event} did not converge")
    beta = np.asarray(model.coef_, dtype=float)
    intervals = model.conf_int(alpha=1 - CONFIDENCE, method="pl", **_PROFILE_SETTINGS)
    p_values = _penalised_lrt_p_values(model, x, y, weights)
    if np.isnan(p_values).any():
        raise ModelInputError(f"Firth fit of {predictor!r} for {event}: a penalised likelihood-ratio test did not converge")
    covariance = np.linalg.inv(_fisher_information(groups, design, beta))
    coefficients = pd.DataFrame(
        {
            "term": list(design.columns),
            "estimate": beta,
            "std_error": np.sqrt(np.diag(covariance)),
            "ci_low": intervals[:, 0],
            "ci_high": intervals[:, 1],
            "p_value": p_values,
            "separated": np.zeros(len(beta), dtype=bool),
        }
    )
    return LogisticFit(
        "firth", predictor, tuple(event), groups, design, coefficients, covariance, float(model.loglik_), separation
    )


def odds_ratios(fit: LogisticFit) -> pd.DataFrame:
    """Odds ratios of the model's size terms with their 95% intervals.

    Returns
    -------
    pandas.DataFrame
        ``term, odds_ratio, ci_low, ci_high, p_value, method, separated``,
        intercept excluded. A separated ML term has odds ratio 0 or inf and NaN
        interval: read it as "diverges (separation)".

    Examples
    --------
    >>> table = pd.DataFrame({"Ceased": [6, 2], "Other": [4, 8]}, index=["Micro", "Small"])
    >>> round(float(odds_ratios(fit_ml(table))["odds_ratio"].iloc[0]), 4)  # (2/8) / (6/4)
    0.1667
    """
    rows = fit.coefficients[fit.coefficients["term"] != "intercept"]
    return pd.DataFrame(
        {
            "term": rows["term"].to_numpy(),
            "odds_ratio": np.exp(rows["estimate"].to_numpy()),
            "ci_low": np.exp(rows["ci_low"].to_numpy()),
            "ci_high": np.exp(rows["ci_high"].to_numpy()),
            "p_value": rows["p_value"].to_numpy(),
            "method": fit.label,
            "separated": rows["separated"].to_numpy(),
        }
    )


def _grouped_arrays(fit: LogisticFit) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Design, events and trials of a fit as float arrays."""
    return (
        fit.design.to_numpy(dtype=float),
        fit.groups["events"].to_numpy(dtype=float),
        fit.groups["n"].to_numpy(dtype=float),
    )


def predicted_probabilities(fit: LogisticFit) -> pd.DataFrame:
    """Model-predicted probability of the event in each band, with 95% intervals.

    Firth fits: the interval is the profile penalised-likelihood interval of
    the band's linear predictor ``eta = x' beta`` (the band's logit held at
    each candidate value, all other directions re-maximised, cut-off
    chi-square(1) as for the coefficients), transformed with the logistic
    function. This is the interval logistf or brglm2 give for the intercept
    when the model is refitted with that band as the reference.

    ML fits: Wald on the logit scale, ``eta ± z·se(eta)`` with
    ``se(eta)² = x' V x``. A band whose linear predictor involves a
    separated ML term gets its limiting probability (0 or 1) and a NaN
    interval.

    Returns
    -------
    pandas.DataFrame
        ``size_band, model, probability, ci_low, ci_high, interval`` (the
        kind of interval: ``"profile penalised likelihood"`` or ``"Wald"``).

    Examples
    --------
    >>> table = pd.DataFrame({"Ceased": [6, 2], "Other": [4, 8]}, index=["Micro", "Small"])
    >>> predicted_probabilities(fit_ml(table))["probability"].round(3).tolist()
    [0.6, 0.2]
    >>> firth = predicted_probabilities(fit_firth(table))
    >>> firth["probability"].round(4).tolist()  # (6 + 0.5) / (10 + 1), (2 + 0.5) / (10 + 1)
    [0.5909, 0.2273]
    >>> bool((firth["ci_low"] < firth["probability"]).all() and (firth["probability"] < firth["ci_high"]).all())
    True
    """
    x, events, n = _grouped_arrays(fit)
    estimate = fit.coefficients["estimate"].to_numpy(dtype=float)
    if fit.method == "firth":
        bounds = np.array([constrained.profile_interval(x, events, n, row, penalised=True, confidence=CONFIDENCE) for row in x])
        eta, low, high = bounds[:, 0], bounds[:, 1], bounds[:, 2]
        return pd.DataFrame(
            {
                "size_band": fit.design.index.to_numpy(),
                "model": fit.label,
                "probability": expit(x @ estimate),
                "ci_low": expit(low),
                "ci_high": expit(high),
                "interval": "profile penalised likelihood",
            }
        )
    separated = fit.coefficients["separated"].to_numpy(dtype=bool)
    finite_beta = np.where(separated, 0.0, estimate)
    eta = x @ finite_beta
    se = np.sqrt(np.einsum("ij,jk,ik->i", x, fit.covariance, x))
    z = scipy.stats.norm.ppf(0.5 + CONFIDENCE / 2)
    probability, low, high = expit(eta), expit(eta - z * se), expit(eta + z * se)
    involved = (x[:, separated] != 0).any(axis=1)
    for row in np.flatnonzero(involved):
        limit = np.sum(x[row, separated] * estimate[separated])
        probability[row] = 1.0 if limit > 0 else 0.0
        low[row] = high[row] = np.nan
    return pd.DataFrame(
        {
            "size_band": fit.design.index.to_numpy(),
            "model": fit.label,
            "probability": probability,
            "ci_low": low,
            "ci_high": high,
            "interval": "Wald",
        }
    )


def observed_proportions(table: pd.DataFrame, event: tuple[str, ...] = EVENTS["ceased"]) -> pd.DataFrame:
    """Observed proportion of the event per band with exact Clopper–Pearson and Jeffreys 95% intervals.

    ``ci_low, ci_high`` is the exact two-sided Clopper–Pearson interval (its
    upper end for 0 events is the book's "compatible with up to ..."
    figure). ``jeffreys_low, jeffreys_high`` is the equal-tailed Jeffreys
    interval, the 2.5% and 97.5% quantiles of Beta(events + ½, n − events + ½),
    without the Brown–Cai–DasGupta boundary modification (which would set the
    lower end to 0 when there are no events).

    Returns
    -------
    pandas.DataFrame
        ``size_band, n, events, proportion, ci_low, ci_high, jeffreys_low, jeffreys_high``.

    Examples
    --------
    >>> table = pd.DataFrame({"Ceased": [0, 5], "Other": [10, 5]}, index=["Micro", "Small"])
    >>> observed_proportions(table)[["proportion", "ci_low"]].round(4).to_numpy().tolist()
    [[0.0, 0.0], [0.5, 0.1871]]
    >>> round(float(observed_proportions(table)["ci_high"].iloc[0]), 4)  # 1 - 0.025 ** (1 / 10)
    0.3085
    """
    groups = binomial_groups(table, event)
    low, high = zip(
        *(clopper_pearson_interval(int(events), int(n), confidence=CONFIDENCE) for events, n in zip(groups["events"], groups["n"]))
    )
    tail = (1 - CONFIDENCE) / 2
    events, non_events = groups["events"].to_numpy(dtype=float), (groups["n"] - groups["events"]).to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "size_band": groups["size_band"],
            "n": groups["n"],
            "events": groups["events"],
            "proportion": groups["events"] / groups["n"],
            "ci_low": np.asarray(low, dtype=float),
            "ci_high": np.asarray(high, dtype=float),
            "jeffreys_low": scipy.stats.beta.ppf(tail, events + 0.5, non_events + 0.5),
            "jeffreys_high": scipy.stats.beta.ppf(1 - tail, events + 0.5, non_events + 0.5),
        }
    )


def likelihood_ratio_test(restricted: LogisticFit, full: LogisticFit) -> LikelihoodRatioTest:
    """Likelihood-ratio test of ``restricted`` against ``full`` (same method, nested models).

    ML: twice the gain in log-likelihood from the restricted to the full fit
    (for a separated full model, its log-likelihood is the finite supremum).

    Firth: the nested penalised likelihood-ratio test (logistf's ``anova``
    with ``method = "nested"``). The full model's penalised log-likelihood,
    penalty ``0.5 log det I`` of the FULL design, is maximised once freely and
    once under the restricted model's constraint (its design's columns are
    combinations of the full design's, e.g. band effects on a straight line
    for a trend inside the categorical model); the statistic is twice the
    difference. The restricted model's own Firth fit, with its own penalty,
    does not enter.

    The statistic is referred to chi-square with the difference in
    parameters as df. Both trends are nested in the categorical model, and
    every model contains the null model.

    Examples
    --------
    >>> table = pd.DataFrame({"Ceased": [6, 2], "Other": [4, 8]}, index=["Micro", "Small"])
    >>> test = likelihood_ratio_test(fit_ml(table, predictor="null"), fit_ml(table))
    >>> test.df, round(test.statistic, 3)
    (1, 3.452)
    >>> round(likelihood_ratio_test(fit_firth(table, predictor="null"), fit_firth(table)).statistic, 3)
    3.092
    """
    if restricted.method != full.method or restricted.event != full.event:
        raise ModelInputError("likelihood-ratio test: both fits need the same method and event")
    df = full.n_parameters - restricted.n_parameters
    if df <= 0:
        raise ModelInputError(f"likelihood-ratio test: {full.label} is not larger than {restricted.label}")
    if full.method == "firth":
        x, events, n = _grouped_arrays(full)
        try:
            restriction = constrained.restriction_between(restricted.design.to_numpy(dtype=float), x)
        except ValueError as error:
            raise ModelInputError(f"likelihood-ratio test: {restricted.label} is not nested in {full.label}") from error
        start = restriction @ restricted.coefficients["estimate"].to_numpy(dtype=float)
        under_restriction = constrained.maximise(x, events, n, restriction=restriction, start=start, penalised=True)
        statistic = 2 * (full.log_likelihood - under_restriction.log_likelihood)
    else:
        statistic = 2 * (full.log_likelihood - restricted.log_likelihood)
    return LikelihoodRatioTest(
        full.method, restricted.predictor, full.predictor, statistic, df, float(scipy.stats.chi2.sf(statistic, df))
    )


def fit_all(
    table: pd.DataFrame, event: tuple[str, ...] = EVENTS["ceased"], midpoints: dict[str, float] | None = None
) -> dict[tuple[str, str], LogisticFit]:
    """Every model of one event: (method, predictor) -> fit, for both methods and all predictors.

    Examples
    --------
    >>> table = pd.DataFrame({"Ceased": [6, 2, 1], "Other": [4, 8, 9]}, index=["Micro", "Small", "Medium"])
    >>> sorted(fit_all(table))[:2]
    [('firth', 'null'), ('firth', 'size')]
    """
    return {
        (method, predictor): fitter(table, event, predictor, midpoints)
        for method, fitter in (("ml", fit_ml), ("firth", fit_firth))
        for predictor in PREDICTORS
    }


def likelihood_ratio_tests(fits: dict[tuple[str, str], LogisticFit]) -> pd.DataFrame:
    """The model comparisons of the chapter, for each method in ``fits``.

    Size (categorical) and each trend against no size effect, and each trend
    against the categorical model (does a straight line on the log-odds
    scale leave anything out?). Firth rows are nested penalised tests (see
    :func:`likelihood_ratio_test`).

    For nested ML models the AIC difference is a function of the LR
    statistic: ``AIC(full) - AIC(restricted) = 2 df - statistic``. So
    preferring the lower AIC is the LR test at the fixed level
    ``P(chi2(df) > 2 df)`` (``aic_level``), and adds no information to it.

    Returns
    -------
    pandas.DataFrame
        ``method, restricted, full, df, statistic, p_value, aic_difference,
        aic_level`` (the last two NaN for Firth rows).

    Examples
    --------
    >>> table = pd.DataFrame({"Ceased": [6, 2, 1], "Other": [4, 8, 9]}, index=["Micro", "Small", "Medium"])
    >>> likelihood_ratio_tests(fit_all(table))["df"].tolist()
    [2, 1, 1, 1, 1, 2, 1, 1, 1, 1]
    """
    pairs = [
        ("null", "size"),
        ("null", "trend_score"),
        ("null", "trend_log10_midpoint"),
        ("trend_score", "size"),
        ("trend_log10_midpoint", "size"),
    ]
    tests = [
        likelihood_ratio_test(fits[(method, restricted)], fits[(method, full)])
        for method in ("ml", "firth")
        for restricted, full in pairs
    ]
    return pd.DataFrame(
        {
            "method": [test.method for test in tests],
            "restricted": [test.restricted for test in tests],
            "full": [test.full for test in tests],
            "df": [test.df for test in tests],
            "statistic": [test.statistic for test in tests],
            "p_value": [test.p_value for test in tests],
            "aic_difference": [2 * test.df - test.statistic if test.method == "ml" else math.nan for test in tests],
            "aic_level": [
                float(scipy.stats.chi2.sf(2 * test.df, test.df)) if test.method == "ml" else math.nan for test in tests
            ],
        }
    )


def model_comparison(fits: dict[tuple[str, str], LogisticFit]) -> pd.DataFrame:
    """Parameters, log-likelihood and AIC of each ML model (best AIC first).

    The log-likelihood is that of the individual charities (Bernoulli), so
    the AIC equals that of a fit to one 0/1 row per charity. Software that
    fits grouped binomial data (e.g. R's ``glm(cbind(events, n - events) ~ ...)``)
    adds the constant sum of log binomial coefficients, which shifts every
    AIC by the same amount and leaves differences unchanged.

    When the ML fit is separated (``supremum`` is True) its log-likelihood
    is a supremum, approached as a coefficient runs to infinity and never
    attained, so the estimate sits on the boundary of the parameter space
    and the regularity conditions behind AIC's penalty of one unit per
    parameter do not hold; read that AIC with this caveat.

    Returns
    -------
    pandas.DataFrame
        ``model, parameters, log_likelihood, aic, delta_aic, supremum``.

    Examples
    --------
    >>> table = pd.DataFrame({"Ceased": [6, 2, 1], "Other": [4, 8, 9]}, index=["Micro", "Small", "Medium"])
    >>> model_comparison(fit_all(table))["delta_aic"].iloc[0]
    np.float64(0.0)
    """
    ml_fits = [fit for (method, _), fit in fits.items() if method == "ml"]
    frame = pd.DataFrame(
        {
            "model": [fit.predictor for fit in ml_fits],
            "parameters": [fit.n_parameters for fit in ml_fits],
            "log_likelihood": [fit.log_likelihood for fit in ml_fits],
            "aic": [fit.aic for fit in ml_fits],
        }
    )
    frame["delta_aic"] = frame["aic"] - frame["aic"].min()
    frame["supremum"] = [fit.separation.separated for fit in ml_fits]
    return frame.sort_values(["aic", "model"], kind="stable").reset_index(drop=True)


def ml_profile_intervals(fit: LogisticFit) -> pd.DataFrame:
    """Profile-likelihood 95% intervals of the coefficients of a non-separated ML fit, beside Wald.

    Each bound is where twice the drop in the log-likelihood, with the
    coefficient fixed and the others re-maximised, reaches the chi-square(1)
    quantile (what R's ``confint()`` of a ``glm`` computes, by interpolating
    a grid of profile points; here by root-finding).

    Returns
    -------
    pandas.DataFrame
        ``term, estimate, wald_low, wald_high, profile_low, profile_high``.

    Raises
    ------
    ModelInputError
        If the fit is separated (its profile is not defined at a finite maximum).

    Examples
    --------
    >>> table = pd.DataFrame({"Ceased": [6, 2], "Other": [4, 8]}, index=["Micro", "Small"])
    >>> intervals = ml_profile_intervals(fit_ml(table)).set_index("term")
    >>> bool(intervals.loc["Small", "profile_high"] < intervals.loc["Small", "wald_high"])
    True
    """
    if fit.method != "ml":
        raise ModelInputError(f"{fit.label}: profile intervals here are for ML fits (Firth fits carry their own)")
    if fit.separation.separated:
        raise ModelInputError(f"{fit.label}: the fit is separated, so its likelihood has no finite maximum to profile")
    x, events, n = _grouped_arrays(fit)
    profiles = np.array(
        [constrained.profile_interval(x, events, n, unit, penalised=False, confidence=CONFIDENCE) for unit in np.eye(x.shape[1])]
    )
    return pd.DataFrame(
        {
            "term": list(fit.design.columns),
            "estimate": fit.coefficients["estimate"].to_numpy(dtype=float),
            "wald_low": fit.coefficients["ci_low"].to_numpy(dtype=float),
            "wald_high": fit.coefficients["ci_high"].to_numpy(dtype=float),
            "profile_low": profiles[:, 1],
            "profile_high": profiles[:, 2],
        }
    )


@dataclass(frozen=True)
class GoodnessOfFit:
    """Deviance and Pearson goodness-of-fit statistics of a grouped ML logistic fit.

    The saturated model has one parameter per band (the categorical model),
    so the deviance equals the ML likelihood-ratio statistic of this model
    against the categorical one.

    Attributes
    ----------
    model : str
        The fit's label.
    deviance, pearson : float
        ``G² = Σ 2[y log(y/μ) + (n-y) log((n-y)/(n-μ))]`` and
        ``X² = Σ (y-μ)² / (μ(1-μ/n))`` over bands.
    df : int
        Bands minus coefficients.
    deviance_p_value, pearson_p_value : float
        Chi-square(df) upper tails (large-sample approximations).
    bands : pandas.DataFrame
        Per band: ``size_band, events, n, fitted_events, pearson_residual,
        deviance_contribution, pearson_contribution`` (the contributions sum
        to the statistics; the residual's sign says whether the band has more
        events than the model expects).
    """

    model: str
    deviance: float
    pearson: float
    df: int
    deviance_p_value: float
    pearson_p_value: float
    bands: pd.DataFrame = field(repr=False, compare=False)


def goodness_of_fit(fit: LogisticFit) -> GoodnessOfFit:
    """Deviance and Pearson goodness of fit of an ML fit, with each band's contribution.

    Examples
    --------
    >>> table = pd.DataFrame({"Ceased": [6, 2, 1], "Other": [4, 8, 9]}, index=["Micro", "Small", "Medium"])
    >>> gof = goodness_of_fit(fit_ml(table, predictor="trend_score"))
    >>> test = likelihood_ratio_test(fit_ml(table, predictor="trend_score"), fit_ml(table))
    >>> gof.df, round(gof.deviance, 8) == round(test.statistic, 8)
    (1, True)
    """
    if fit.method != "ml":
        raise ModelInputError(f"{fit.label}: goodness of fit is computed for ML fits")
    df = len(fit.groups) - fit.n_parameters
    if df <= 0:
        raise ModelInputError(f"{fit.label}: the model is saturated, so there is no goodness of fit to test")
    x, events, n = _grouped_arrays(fit)
    fitted = n * expit(x @ fit.coefficients["estimate"].to_numpy(dtype=float))
    deviance_terms = 2 * (xlogy(events, events / fitted) + xlogy(n - events, (n - events) / (n - fitted)))
    residuals = (events - fitted) / np.sqrt(fitted * (1 - fitted / n))
    bands = pd.DataFrame(
        {
            "size_band": fit.groups["size_band"].to_numpy(),
            "events": fit.groups["events"].to_numpy(),
            "n": fit.groups["n"].to_numpy(),
            "fitted_events": fitted,
            "pearson_residual": residuals,
            "deviance_contribution": deviance_terms,
            "pearson_contribution": residuals**2,
        }
    )
    deviance, pearson = float(deviance_terms.sum()), float((residuals**2).sum())
    return GoodnessOfFit(
        fit.label, deviance, pearson, df, float(scipy.stats.chi2.sf(deviance, df)), float(scipy.stats.chi2.sf(pearson, df)), bands
    )


@dataclass(frozen=True)
class ExactOddsRatio:
    """Exact conditional inference for the odds ratio of an event in one band against another.

    Attributes
    ----------
    band, reference : str
        The compared band and the reference band (odds ratio = odds in
        ``band`` / odds in ``reference``).
    events, n, reference_events, reference_n : int
        The 2×2 table.
    odds_ratio : float
        Conditional maximum-likelihood estimate (0 or inf when a cell is empty).
    ci_low, ci_high : float
        Exact conditional 95% interval (inverting the two one-sided
        noncentral-hypergeometric tests, as R's ``fisher.test``).
    p_value : float
        Fisher's exact two-sided p-value (tables no more probable than the
        observed one, as R's ``fisher.test``).
    """

    band: str
    reference: str
    events: int
    n: int
    reference_events: int
    reference_n: int
    odds_ratio: float
    ci_low: float
    ci_high: float
    p_value: float


def exact_odds_ratio(
    table: pd.DataFrame, band: str = "Large", reference: str = "Micro", event: tuple[str, ...] = EVENTS["ceased"]
) -> ExactOddsRatio:
    """Conditional exact odds ratio, interval and Fisher p-value for ``band`` against ``reference``.

    Conditioning on both margins of the 2×2 table removes the nuisance
    parameter, so the inference is valid even when a cell is empty and the
    unconditional ML odds ratio is 0 (separation).

    Examples
    --------
    >>> table = pd.DataFrame({"Ceased": [6, 0], "Other": [4, 8]}, index=["Micro", "Large"])
    >>> result = exact_odds_ratio(table)
    >>> result.odds_ratio, result.ci_low, round(result.p_value, 4)  # (C(10, 6) + C(8, 6)) / C(18, 6)
    (0.0, 0.0, 0.0128)
    """
    groups = binomial_groups(table, event).set_index("size_band")
    for name in (band, reference):
        if name not in groups.index:
            raise ModelInputError(f"counts table: band {name!r} is not a row (rows: {', '.join(groups.index)})")
    rows = [groups.loc[name] for name in (band, reference)]
    cells = [[int(row["events"]), int(row["n"] - row["events"])] for row in rows]
    result = conditional_odds_ratio(cells, kind="conditional")
    interval = result.confidence_interval(confidence_level=CONFIDENCE)
    p_value = scipy.stats.fisher_exact(cells, alternative="two-sided").pvalue
    return ExactOddsRatio(
        band, reference, cells[0][0], int(rows[0]["n"]), cells[1][0], int(rows[1]["n"]),
        float(result.statistic), float(interval.low), float(interval.high), float(p_value),
    )


def _rows(analysis: str, term: str, quantity: str, value: float, low: float = math.nan, high: float = math.nan) -> dict:
    return {"analysis": analysis, "term": term, "quantity": quantity, "value": float(value), "ci_low": float(low), "ci_high": float(high)}


def _fit_rows(name: str, fit: LogisticFit) -> list[dict]:
    rows = []
    for row in fit.coefficients.itertuples(index=False):
        rows.append(_rows(name, row.term, "log_odds", row.estimate, row.ci_low, row.ci_high))
        if row.term != "intercept":
            rows.append(_rows(name, row.term, "odds_ratio", math.exp(row.estimate), math.exp(row.ci_low), math.exp(row.ci_high)))
        rows.append(_rows(name, row.term, "std_error", row.std_error))
        rows.append(_rows(name, row.term, "p_value", row.p_value))
        rows.append(_rows(name, row.term, "separated", float(row.separated)))
    rows.append(_rows(name, "model", "log_likelihood", fit.log_likelihood))
    rows.append(_rows(name, "model", "parameters", fit.n_parameters))
    if fit.method == "ml":
        rows.append(_rows(name, "model", "aic", fit.aic))
    return rows


def model_statistics(table: pd.DataFrame, midpoints: dict[str, float] | None = None) -> pd.DataFrame:
    """Every reported quantity of the ceasing and exit models, one tidy row each.

    Analyses (``{event}`` is ``ceased`` or ``exit``):

    * ``{method}_{event}_{predictor}`` for method ``ml``/``firth`` and
      predictor ``size``, ``trend_score``, ``trend_log10_midpoint``, ``null``:
      per term (``intercept`` or a band/trend name) the quantities
      ``log_odds`` (the coefficient on the log-odds scale: the reference
      band's log-odds for ``intercept``, a log odds ratio for a band term or
      the change per unit for a trend), ``odds_ratio`` (not for the
      intercept), ``std_error``, ``p_value`` (ML: Wald; Firth: penalised LR),
      ``separated`` (1 or 0); and for term ``model``: ``log_likelihood``,
      ``parameters`` and (ML only) ``aic``. Intervals: ML Wald, Firth profile
      penalised likelihood. A separated ML term has value ±inf and NaN interval.
      Non-separated ML fits also get ``log_odds_profile`` (and, except for
      the intercept, ``odds_ratio_profile``): the estimate with its profile
      likelihood interval.
    * ``lrt_{event}_{restricted}_vs_{full}`` (restricted ``null``,
      ``trend_score``, ``trend_log10_midpoint``; full ``size`` or a trend),
      term ``ml`` or ``firth``: ``statistic``, ``df``, ``p_value`` (Firth:
      the nested penalised test); ML only: ``aic_difference`` (AIC of the
      fuller minus the restricted model, ``2 df - statistic``) and
      ``aic_level`` (the LR test level that "lower AIC" amounts to).
    * ``gof_{event}_{predictor}`` for the two ML trends: term ``model``:
      ``deviance``, ``pearson``, ``df``, ``deviance_p_value``,
      ``pearson_p_value``; per band: ``fitted_events``, ``pearson_residual``,
      ``deviance_contribution``, ``pearson_contribution``.
    * ``predicted_{event}_{method}`` (categorical model) and
      ``predicted_{event}_{method}_trend_score``: per band, ``probability``
      (Firth: profile penalised-likelihood interval; ML: Wald).
    * ``observed_{event}``: per band ``proportion`` (Clopper–Pearson
      interval), ``proportion_jeffreys`` (Jeffreys interval), ``events`` and ``n``.
    * ``exact_{event}_Large_vs_Micro``, term ``odds_ratio``:
      ``conditional_mle`` (exact conditional interval) and ``p_value``
      (Fisher's exact test).

    Returns
    -------
    pandas.DataFrame
        Columns ``analysis, term, quantity, value, ci_low, ci_high``;
        full-precision floats, NaN where there is no interval.

    Examples
    --------
    >>> table = pd.DataFrame(
    ...     {"Ceased": [6, 2, 1], "Merged": [1, 0, 1], "Other": [4, 8, 9]}, index=["Micro", "Small", "Medium"]
    ... )
    >>> statistics = model_statistics(table)
    >>> list(statistics.columns)
    ['analysis', 'term', 'quantity', 'value', 'ci_low', 'ci_high']
    >>> statistics.query("analysis == 'observed_exit' and term == 'Micro' and quantity == 'events'")["value"].item()
    7.0
    """
    rows: list[dict] = []
    for event_name, event in EVENTS.items():
        fits = fit_all(table, event, midpoints)
        for (method, predictor), fit in fits.items():
            rows.extend(_fit_rows(f"{method}_{event_name}_{predictor}", fit))
        for test in likelihood_ratio_tests(fits).itertuples(index=False):
            name = f"lrt_{event_name}_{test.restricted}_vs_{test.full}"
            rows.append(_rows(name, test.method, "statistic", test.statistic))
            rows.append(_rows(name, test.method, "df", test.df))
            rows.append(_rows(name, test.method, "p_value", test.p_value))
            if test.method == "ml":
                rows.append(_rows(name, test.method, "aic_difference", test.aic_difference))
                rows.append(_rows(name, test.method, "aic_level", test.aic_level))
        for predictor in PREDICTORS:
            fit = fits[("ml", predictor)]
            if fit.separation.separated:
                continue
            for row in ml_profile_intervals(fit).itertuples(index=False):
                name = f"ml_{event_name}_{predictor}"
                rows.append(_rows(name, row.term, "log_odds_profile", row.estimate, row.profile_low, row.profile_high))
                if row.term != "intercept":
                    rows.append(
                        _rows(name, row.term, "odds_ratio_profile", math.exp(row.estimate), math.exp(row.profile_low), math.exp(row.profile_high))
                    )
        for predictor in ("trend_score", "trend_log10_midpoint"):
            gof = goodness_of_fit(fits[("ml", predictor)])
            name = f"gof_{event_name}_{predictor}"
            for quantity in ("deviance", "pearson", "df", "deviance_p_value", "pearson_p_value"):
                rows.append(_rows(name, "model", quantity, getattr(gof, quantity)))
            for band in gof.bands.itertuples(index=False):
                for quantity in ("fitted_events", "pearson_residual", "deviance_contribution", "pearson_contribution"):
                    rows.append(_rows(name, band.size_band, quantity, getattr(band, quantity)))
        if {"Large", "Micro"} <= set(fits[("ml", "size")].groups["size_band"]):
            exact = exact_odds_ratio(table, "Large", "Micro", event)
            name = f"exact_{event_name}_Large_vs_Micro"
            rows.append(_rows(name, "odds_ratio", "conditional_mle", exact.odds_ratio, exact.ci_low, exact.ci_high))
            rows.append(_rows(name, "odds_ratio", "p_value", exact.p_value))
        for method in ("ml", "firth"):
            for predictor, suffix in (("size", ""), ("trend_score", "_trend_score")):
                predictions = predicted_probabilities(fits[(method, predictor)])
                for row in predictions.itertuples(index=False):
                    rows.append(_rows(f"predicted_{event_name}_{method}{suffix}", row.size_band, "probability", row.probability, row.ci_low, row.ci_high))
        for row in observed_proportions(table, event).itertuples(index=False):
            name = f"observed_{event_name}"
            rows.append(_rows(name, row.size_band, "proportion", row.proportion, row.ci_low, row.ci_high))
            rows.append(_rows(name, row.size_band, "proportion_jeffreys", row.proportion, row.jeffreys_low, row.jeffreys_high))
            rows.append(_rows(name, row.size_band, "events", row.events))
            rows.append(_rows(name, row.size_band, "n", row.n))
    return pd.DataFrame(rows, columns=["analysis", "term", "quantity", "value", "ci_low", "ci_high"])
