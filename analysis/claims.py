"""The claims ledger: each quantitative claim Body (2020) makes about the 231 charities,
set beside the test or estimate that checks it against the rebuilt table.

Each check is computed live from a counts table, so the ledger follows the
data. Claims about data outside Table 5.1 (NCVO's national figures, Mohan et
al.'s predictors, the 2008 support split) are listed as not checkable here.

Verdicts follow fixed rules, stated in :data:`VERDICT_RULES`. Not rejecting
a hypothesis is never read as support: a claim that outcomes are "fairly
even" needs an equivalence test with a stated margin, and a claim that merely
repeats a number of Table 5.1, from which the counts were rebuilt, is marked
as restating the table rather than as confirmed.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame(
...     {"Increased": [2, 14, 33, 19, 10], "Decreased": [14, 20, 24, 7, 7],
...      "Ceased": [22, 37, 12, 0, 1], "Merged": [1, 4, 2, 2, 0]},
...     index=pd.Index(["Micro", "Small", "Medium", "Large", "Major"], name="size_band"))
>>> ledger = claims_ledger(table, draws=2000)
>>> ledger.set_index("claim_id").loc["no-large-ceased", "verdict"]
'restates the table'
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd

from analysis import config
from analysis.association import (
    DEFAULT_DRAWS,
    EVEN_SPREAD_MARGIN,
    EVEN_SPREAD_OUTCOMES,
    UNDER_100K,
    clopper_pearson_interval,
    compare_group_with_bands,
    monte_carlo_tests,
    share_equivalence,
)
from analysis.contingency import validate_counts

ALPHA = 0.05

VERDICT_RULES = {
    "supported": "a claim of association or difference whose test gives p < 0.05 in the claimed direction "
    "(a Monte Carlo test counts only when its 95% upper bound on p is below 0.05; several comparisons "
    "count only when every Holm-adjusted p is below 0.05)",
    "equivalent within margin": "a claim of no difference that an equivalence test shows: every share lies within "
    "the stated margin of an equal share (two one-sided exact tests at the 5% level)",
    "equivalence not shown": "a claim of no difference that the equivalence test cannot confirm; failing to "
    "reject equality is not counted as support",
    "restates the table": "the claim reads a number off Table 5.1, from which the counts were rebuilt, so the "
    "rebuilt count agrees by construction: no independent check",
    "not supported": "the check does not bear the claim out",
    "not checkable here": "the claim concerns data that are not in Table 5.1",
}


@dataclass(frozen=True)
class ClaimCheck:
    """One row of the ledger."""

    claim_id: str
    claim: str
    locator: str
    check: str
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    verdict: str
    caveat: str


def _even_spread(counts: pd.DataFrame) -> ClaimCheck:
    result = share_equivalence(counts, EVEN_SPREAD_OUTCOMES, margin=EVEN_SPREAD_MARGIN, alpha=ALPHA)
    deciding = result.shares.loc[result.shares["distance"].idxmax()]
    margin_points = f"{100 * result.margin:.0f}"
    confidence = f"{100 * (1 - 2 * result.alpha):.0f}%"
    return ClaimCheck(
        "even-spread",
        "Across all charities, the numbers that increased, decreased or ceased are fairly evenly spread.",
        "p. 128",
        f"Equivalence test (Merged left out): is each outcome's share within ±{margin_points} percentage points "
        f"of one third? Two one-sided exact binomial tests per share; estimate: the share farthest from a third, "
        f"with its exact {confidence} interval.",
        float(deciding["share"]),
        float(deciding["ci_low"]),
        float(deciding["ci_high"]),
        result.p_value,
        "equivalent within margin" if result.equivalent else "equivalence not shown",
        f"'Fairly even' is read as every share within ±{margin_points} points of a third, a margin chosen for this "
        f"ledger; the data would show equivalence for any margin above {100 * result.smallest_margin:.1f} points.",
    )


def _uneven_by_size(
    counts: pd.DataFrame, draws: int, seed: int, exact_p: tuple[float, float] | None = None
) -> ClaimCheck:
    caveat = "An association in one area's charities; it does not show that size caused the outcome."
    if exact_p is not None:
        p_value, error_bound = exact_p
        return ClaimCheck(
            "uneven-by-size",
            "The spread of outcomes is not even across organisational size.",
            "p. 128",
            "Exact conditional chi-square test of independence of size and outcome (every table with the "
            "observed margins, ordered by Pearson's X²); estimate: the exact p-value, with its guaranteed "
            "numerical error bound as the interval.",
            p_value,
            p_value - error_bound,
            p_value + error_bound,
            p_value,
            "supported" if p_value + error_bound < ALPHA else "not supported",
            caveat,
        )
    result = monte_carlo_tests(counts, draws=draws, seed=seed)["pearson"]
    return ClaimCheck(
        "uneven-by-size",
        "The spread of outcomes is not even across organisational size.",
        "p. 128",
        f"Monte Carlo chi-square test of independence of size and outcome ({draws} tables drawn "
        f"with fixed margins, seed {seed}); estimate: share of drawn tables as extreme as observed, "
        "with the exact one-sided 95% upper bound on the conditional p-value.",
        result.n_as_extreme / result.draws,
        math.nan,
        result.p_value_upper_95,
        result.p_value,
        "supported" if result.p_value_upper_95 < ALPHA else "not supported",
        caveat,
    )


def _small_vulnerable(counts: pd.DataFrame) -> ClaimCheck:
    comparisons = compare_group_with_bands(counts, UNDER_100K)
    weakest = comparisons.loc[comparisons["odds_ratio"].idxmin()]
    supported = bool((comparisons["p_value_holm"] < ALPHA).all() and (comparisons["odds_ratio"] > 1).all())
    return ClaimCheck(
        "under-100k-vulnerable",
        "Charities with a turnover under £100,000 a year appear particularly vulnerable.",
        "p. 128",
        "Odds of ceasing, Micro and Small pooled against each larger band in turn (Medium, Large, Major): "
        "conditional maximum-likelihood odds ratios with exact 95% intervals and Fisher's exact tests, "
        f"Holm-adjusted over the {len(comparisons)} comparisons; estimate: the smallest odds ratio "
        f"(against {weakest['band']}), p: the largest adjusted p.",
        float(weakest["odds_ratio"]),
        float(weakest["ci_low"]),
        float(weakest["ci_high"]),
        float(comparisons["p_value_holm"].max()),
        "supported" if supported else "not supported",
        "The £100,000 line is a reading of the printed table (post hoc), so these p-values overstate the "
        "evidence for that particular line. Reads 'vulnerable' as ceasing to operate; size is from 2008 accounts, "
        "and area deprivation and charity age are not measured.",
    )


def _no_large_ceased(counts: pd.DataFrame) -> ClaimCheck:
    large = counts.loc["Large"]
    n_large, ceased = int(large.sum()), int(large["Ceased"])
    low, high = clopper_pearson_interval(ceased, n_large)
    return ClaimCheck(
        "no-large-ceased",
        "No Large charity (£1 million–£10 million) ceased (printed as 0.0%).",
        "p. 128",
        "Rebuilt count of Large charities that ceased; estimate: the observed proportion with its exact "
        "two-sided 95% (Clopper–Pearson) interval.",
        ceased / n_large,
        low,
        high,
        math.nan,
        "restates the table" if ceased == 0 else "not supported",
        "Circular as a check: the rebuilt 0 comes from the printed 0.0%, so agreement is guaranteed. What the "
        "zero allows is a range: a true ceasing rate up to the interval's upper end is compatible with 0 of "
        f"{n_large}. This zero causes separation in the models.",
    )


_NOT_CHECKABLE = (
    (
        "support-split-2008",
        "In 2008 most of the charities received grant funding and infrastructure support, the rest "
        "infrastructure support or advice only.",
        "p. 127",
        "The form of statutory support is not recorded in Table 5.1.",
    ),
    (
        "ncvo-funding-decrease",
        "NCVO's Civil Society Almanac (2015) finds small and medium organisations most affected by "
        "spending cuts, with a fall in funding for those under £1 million.",
        "p. 128",
        "National data on funding amounts, reported by Body; not part of Table 5.1.",
    ),
    (
        "ncvo-staffing",
        "NCVO's figures, Body reports, suggest staffing rose in large and major charities and fell in small and micro ones.",
        "p. 128",
        "Staffing is not recorded in Table 5.1.",
    ),
    (
        "mohan-predictors",
        "Mohan et al. (2016) suggest that, besides size, the deprivation of the area and the charity's age "
        "are the strongest predictors of concern about finances.",
        "p. 129",
        "Deprivation and founding date are not recorded in Table 5.1.",
    ),
)


def claims_ledger(
    table: pd.DataFrame,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = config.SEED,
    exact_p: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """Every quantitative claim about the sample, its check, result and verdict.

    Parameters
    ----------
    table : pandas.DataFrame
        Counts with bands ``Micro`` … ``Major`` in rows and the four outcomes in columns.
    draws, seed : int
        Monte Carlo draws and seed for the test of independence, used when no exact p-value is given.
    exact_p : tuple of float, optional
        Exact conditional p-value of the X² test of independence and its error bound
        (:func:`analysis.exact_results.load_exact_results`); the check then uses it instead of simulating.

    Returns
    -------
    pandas.DataFrame
        One row per claim: ``claim_id, claim, locator, check, estimate, ci_low,
        ci_high, p_value, verdict, caveat`` (NaN where a field does not apply).
    """
    counts = validate_counts(table, name="claims table")
    checks = [
        _even_spread(counts),
        _uneven_by_size(counts, draws, seed, exact_p),
        _small_vulnerable(counts),
        _no_large_ceased(counts),
    ]
    checks += [
        ClaimCheck(claim_id, claim, locator, "—", math.nan, math.nan, math.nan, math.nan, "not checkable here", why)
        for claim_id, claim, locator, why in _NOT_CHECKABLE
    ]
    return pd.DataFrame([asdict(check) for check in checks])
