"""Logistic likelihoods maximised over a restricted set of coefficients.

Two questions of the models chapter need a logistic (or Firth-penalised
logistic) likelihood maximised with the coefficients held to an affine set
``beta = offset + restriction @ gamma``:

* the **nested penalised likelihood-ratio test** (logistf's ``anova(...,
  method = "nested")``): a smaller model is tested inside a larger one by
  maximising the *larger* model's penalised likelihood, with the *larger*
  design's Jeffreys penalty, over the coefficients the smaller model allows.
  Comparing two Firth fits that each carry their own penalty is not a valid
  test, because the penalties come from different designs;
* **profile-likelihood intervals** for any linear combination ``a' beta``
  (a coefficient, or a band's linear predictor): fix ``a' beta = t``,
  maximise over the rest, and keep the ``t`` whose likelihood-ratio
  statistic stays below the chi-square(1) quantile.

The data are grouped binomial counts (``events`` out of ``n`` per row of the
design). The log-likelihood is the Bernoulli kernel of the individual
charities (no binomial coefficients); the penalised version adds
``0.5 * log det I(beta)``, ``I = X' W X`` with ``W = diag(n p (1 - p))``.

The maximiser is the Newton iteration that logistf and brglm2 use: the
(modified, for Firth) score, projected onto the free directions, with the
projected Fisher information as the step matrix and step-halving on the
objective.

Examples
--------
>>> import numpy as np
>>> design = np.array([[1.0, 0.0], [1.0, 1.0]])
>>> events, n = np.array([6.0, 2.0]), np.array([10.0, 10.0])
>>> fit = maximise(design, events, n, penalised=False)
>>> np.round(fit.beta, 4).tolist()  # logit(0.6) and log odds ratio (2/8)/(6/4)
[0.4055, -1.7918]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.optimize
import scipy.stats
from scipy.special import expit, log_expit

#: Newton iterations allowed for one constrained maximisation.
MAX_ITERATIONS = 200
#: Convergence: largest change in any coefficient in the last Newton step.
TOLERANCE = 1e-10
#: Largest distance (on the scale of ``a' beta``) searched for a profile bound before it is declared infinite.
SEARCH_LIMIT = 60.0


class ConstrainedFitError(ArithmeticError):
    """A constrained maximisation that did not converge."""


@dataclass(frozen=True)
class ConstrainedMaximum:
    """Maximum of a (penalised) logistic log-likelihood over an affine set of coefficients.

    Attributes
    ----------
    beta : numpy.ndarray
        The maximising coefficients, in the design's parametrisation.
    log_likelihood : float
        The maximised log-likelihood (penalised if the fit was penalised).
    iterations : int
        Newton iterations used.
    """

    beta: np.ndarray
    log_likelihood: float
    iterations: int


def log_likelihood(design: np.ndarray, events: np.ndarray, n: np.ndarray, beta: np.ndarray, *, penalised: bool) -> float:
    """Bernoulli log-likelihood of grouped data, plus ``0.5 log det I`` when ``penalised``.

    Examples
    --------
    >>> round(log_likelihood(np.ones((1, 1)), np.array([1.0]), np.array([2.0]), np.zeros(1), penalised=False), 6)
    -1.386294
    """
    eta = design @ beta
    value = float(np.sum(events * log_expit(eta) + (n - events) * log_expit(-eta)))
    if penalised:
        weights = n * expit(eta) * expit(-eta)
        value += 0.5 * float(np.linalg.slogdet(design.T @ (weights[:, None] * design))[1])
    return value


def _score_and_information(design, events, n, beta, penalised):
    eta = design @ beta
    p = expit(eta)
    weights = n * p * expit(-eta)
    information = design.T @ (weights[:, None] * design)
    residual = events - n * p
    if penalised:
        # Firth's modified score: the hat value of each row times (1/2 - p).
        leverage = weights * np.einsum("ij,ji->i", design, np.linalg.solve(information, design.T))
        residual = residual + leverage * (0.5 - p)
    return design.T @ residual, information


def maximise(
    design: np.ndarray,
    events: np.ndarray,
    n: np.ndarray,
    *,
    restriction: np.ndarray | None = None,
    offset: np.ndarray | None = None,
    start: np.ndarray | None = None,
    penalised: bool = True,
) -> ConstrainedMaximum:
    """Maximise the (penalised) log-likelihood over ``beta = offset + restriction @ gamma``.

    Parameters
    ----------
    design : numpy.ndarray
        Design matrix (rows: groups, columns: coefficients). The penalty, if
        any, is always that of this full design.
    events, n : numpy.ndarray
        Events and trials per row.
    restriction : numpy.ndarray, optional
        ``k x m`` matrix whose columns span the free directions; identity
        (no restriction) by default. ``m`` may be 0 (``beta`` fully fixed).
    offset : numpy.ndarray, optional
        A point of the affine set; zero by default.
    start : numpy.ndarray, optional
        Starting coefficients (projected onto the set); zero by default.
    penalised : bool
        Add the Jeffreys penalty ``0.5 log det I(beta)`` (Firth) or not (ML).

    Returns
    -------
    ConstrainedMaximum

    Raises
    ------
    ConstrainedFitError
        If the iteration has not converged after :data:`MAX_ITERATIONS` steps
        (for ML, typically because the restricted maximum is at infinity).

    Examples
    --------
    >>> design = np.array([[1.0, 0.0], [1.0, 1.0]])
    >>> events, n = np.array([6.0, 2.0]), np.array([10.0, 10.0])
    >>> no_effect = maximise(design, events, n, restriction=np.array([[1.0], [0.0]]), penalised=False)
    >>> np.round(no_effect.beta, 4).tolist()  # the pooled logit, log(8 / 12)
    [-0.4055, 0.0]
    """
    k = design.shape[1]
    restriction = np.eye(k) if restriction is None else np.asarray(restriction, dtype=float).reshape(k, -1)
    offset = np.zeros(k) if offset is None else np.asarray(offset, dtype=float)
    start = np.zeros(k) if start is None else np.asarray(start, dtype=float)
    if restriction.shape[1] == 0:
        return ConstrainedMaximum(offset, log_likelihood(design, events, n, offset, penalised=penalised), 0)
    gamma = np.linalg.lstsq(restriction, start - offset, rcond=None)[0]
    beta = offset + restriction @ gamma
    current = log_likelihood(design, events, n, beta, penalised=penalised)
    for iteration in range(1, MAX_ITERATIONS + 1):
        score, information = _score_and_information(design, events, n, beta, penalised)
        step = np.linalg.solve(restriction.T @ information @ restriction, restriction.T @ score)
        for _ in range(60):
            candidate = beta + restriction @ step
            value = log_likelihood(design, events, n, candidate, penalised=penalised)
            if value >= current - 1e-13 * max(1.0, abs(current)):
                break
            step = step / 2
        change = float(np.max(np.abs(candidate - beta)))
        beta, current = candidate, value
        if change < TOLERANCE:
            return ConstrainedMaximum(beta, current, iteration)
    raise ConstrainedFitError(f"constrained maximisation did not converge in {MAX_ITERATIONS} Newton steps")


def restriction_between(small: np.ndarray, large: np.ndarray) -> np.ndarray:
    """The matrix ``C`` with ``large @ C == small``: the smaller model inside the larger one.

    Raises
    ------
    ValueError
        If the columns of ``small`` are not linear combinations of those of
        ``large`` (the models are not nested).

    Examples
    --------
    >>> large = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 0.0]])
    >>> restriction_between(large[:, :1], large).round(12).tolist()
    [[1.0], [0.0]]
    """
    restriction = np.linalg.lstsq(large, small, rcond=None)[0]
    if not np.allclose(large @ restriction, small, rtol=0, atol=1e-9):
        raise ValueError("the smaller design is not in the column space of the larger one (models not nested)")
    return restriction


def profile_interval(
    design: np.ndarray,
    events: np.ndarray,
    n: np.ndarray,
    direction: np.ndarray,
    *,
    penalised: bool,
    confidence: float = 0.95,
) -> tuple[float, float, float]:
    """Profile (penalised) likelihood interval for the linear combination ``direction' beta``.

    The bounds are the two values ``t`` at which twice the drop from the
    maximum, with ``direction' beta = t`` and the other directions
    re-maximised, equals the chi-square(1) quantile at ``confidence``
    (as in logistf, brglm2 and ``MASS::confint.glm``). A bound farther than
    :data:`SEARCH_LIMIT` from the estimate is returned as infinite.

    Returns
    -------
    tuple of float
        Estimate, lower bound, upper bound of ``direction' beta``.

    Examples
    --------
    >>> design, events, n = np.ones((1, 1)), np.array([3.0]), np.array([10.0])
    >>> estimate, low, high = profile_interval(design, events, n, np.ones(1), penalised=False)
    >>> round(float(expit(estimate)), 3), round(float(expit(low)), 3), round(float(expit(high)), 3)
    (0.3, 0.085, 0.607)
    """
    direction = np.asarray(direction, dtype=float)
    best = maximise(design, events, n, penalised=penalised)
    estimate = float(direction @ best.beta)
    free = scipy.linalg.null_space(direction[None, :])
    norm = float(direction @ direction)
    cutoff = float(scipy.stats.chi2.ppf(confidence, 1))

    def excess(value: float) -> float:
        point = direction * value / norm
        start = best.beta - direction * (estimate - value) / norm
        fit = maximise(design, events, n, restriction=free, offset=point, start=start, penalised=penalised)
        return 2 * (best.log_likelihood - fit.log_likelihood) - cutoff

    _, information = _score_and_information(design, events, n, best.beta, penalised)
    spread = float(np.sqrt(direction @ np.linalg.solve(information, direction)))
    bounds = []
    for sign in (-1.0, 1.0):
        inner, distance = estimate, spread
        while distance <= SEARCH_LIMIT and excess(estimate + sign * distance) < 0:
            inner, distance = estimate + sign * distance, 2 * distance
        if distance > SEARCH_LIMIT:
            bounds.append(sign * np.inf)
            continue
        outer = estimate + sign * distance
        bounds.append(scipy.optimize.brentq(excess, min(inner, outer), max(inner, outer), xtol=1e-12, rtol=1e-14))
    return estimate, float(bounds[0]), float(bounds[1])
