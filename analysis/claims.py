"""The claims ledger: each quantitative claim Body (2020) makes about the 231 charities,
set beside the test or estimate that checks it against the rebuilt table.

Each check is computed live from a counts table, so the ledger follows the
data. Claims about data outside Table 5.1 (NCVO's national figures, Mohan et
al.'s predictors, the 2008 support split) are listed as not checkable here.

Verdicts follow fixed rules, stated in :data:`VERDICT_RULES`:

- a claim of *association or difference* is ``supported`` when its test gives
  p < 0.05 (and the effect lies in the claimed direction), otherwise
  ``not supported``;
- a claim of *no difference* ("fairly even") is ``consistent`` when a test of
  equality gives p >= 0.05, otherwise ``not supported``;
- a claim about a count is ``supported`` when the rebuilt count equals it.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame(
...     {"Increased": [2, 14, 33, 19, 10], "Decreased": [14, 20, 24, 7, 7],
...      "Ceased": [22, 37, 12, 0, 1], "Merged": [1, 4, 2, 2, 0]},
...     index=pd.Index(["Micro", "Small", "Medium", "Large", "Major"], name="size_band"))
>>> ledger = claims_ledger(table, draws=2000)
>>> ledger.set_index("claim_id").loc["no-large-ceased", "verdict"]
'supported'
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd
from scipy import stats
from scipy.stats.contingency import odds_ratio

from analysis import config
from analysis.association import DEFAULT_DRAWS, clopper_pearson_upper, collapse_outcome, monte_carlo_tests
from analysis.contingency import validate_counts

ALPHA = 0.05

VERDICT_RULES = {
    "supported": "the check agrees with the claim (p < 0.05 in the claimed direction, or the count matches)",
    "consistent": "a claim of no difference that a test of equality does not reject (p >= 0.05)",
    "not supported": "the check does not bear the claim out",
    "not checkable here": "the claim concerns data that are not in Table 5.1",
}

#: Bands under £100,000 a year in the 2008 accounts (Micro < £10,000; Small £10,001–£100,000).
SMALL_BANDS = ("Micro", "Small")


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
    totals = counts[["Increased", "Decreased", "Ceased"]].sum()
    test = stats.chisquare(totals.to_numpy())
    shares = totals / totals.sum()
    return ClaimCheck(
        "even-spread",
        "Across all charities, the numbers that increased, decreased or ceased are fairly evenly spread.",
        "p. 128",
        "Chi-square goodness of fit of the three outcome totals to equal thirds (Merged left out); "
        "estimate: largest outcome share among the three.",
        float(shares.max()),
        math.nan,
        math.nan,
        float(test.pvalue),
        "consistent" if test.pvalue >= ALPHA else "not supported",
        "Not rejecting equality is not proof of equality; the test has modest power with three categories.",
    )


def _uneven_by_size(counts: pd.DataFrame, draws: int, seed: int) -> ClaimCheck:
    result = monte_carlo_tests(counts, draws=draws, seed=seed)["pearson"]
    return ClaimCheck(
        "uneven-by-size",
        "The spread of outcomes is not even across organisational size.",
        "p. 128",
        f"Monte Carlo chi-square test of independence of size and outcome ({draws} tables drawn "
        f"with fixed margins, seed {seed}); estimate: share of drawn tables as extreme as observed.",
        result.n_as_extreme / result.draws,
        math.nan,
        result.p_value_upper_95,
        result.p_value,
        "supported" if result.p_value < ALPHA else "not supported",
        "An association in one area's charities; it does not show that size caused the outcome.",
    )


def _small_vulnerable(counts: pd.DataFrame) -> ClaimCheck:
    ceased = collapse_outcome(counts, ("Ceased",))
    is_small = ceased.index.isin(SMALL_BANDS)
    two_by_two = pd.DataFrame([ceased[is_small].sum(), ceased[~is_small].sum()]).to_numpy()
    result = odds_ratio(two_by_two, kind="conditional")
    interval = result.confidence_interval(confidence_level=0.95)
    p_value = stats.fisher_exact(two_by_two).pvalue
    supported = p_value < ALPHA and result.statistic > 1
    return ClaimCheck(
        "under-100k-vulnerable",
        "Charities with a turnover under £100,000 a year appear particularly vulnerable.",
        "p. 128",
        "Odds of ceasing, Micro and Small bands against the rest: conditional maximum-likelihood odds "
        "ratio with exact 95% interval, and Fisher's exact test.",
        float(result.statistic),
        float(interval.low),
        float(interval.high),
        float(p_value),
        "supported" if supported else "not supported",
        "Reads 'vulnerable' as ceasing to operate; the size band is from 2008 accounts and other "
        "factors (area deprivation, charity age) are not measured.",
    )


def _no_large_ceased(counts: pd.DataFrame) -> ClaimCheck:
    large = counts.loc["Large"]
    n_large, ceased = int(large.sum()), int(large["Ceased"])
    return ClaimCheck(
        "no-large-ceased",
        "No Large charity (£1 million–£10 million) ceased (printed as 0.0%).",
        "p. 128",
        "Rebuilt count of Large charities that ceased; estimate: observed proportion, with the "
        "one-sided exact 95% upper bound on the true proportion.",
        ceased / n_large,
        0.0,
        clopper_pearson_upper(ceased, n_large),
        math.nan,
        "supported" if ceased == 0 else "not supported",
        "None ceased among the Large charities tracked; with so few, a true ceasing rate up to the "
        "upper bound is still compatible with the data. This zero causes separation in the models.",
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
        "NCVO reports staffing rising in large and major charities and falling in small and micro ones.",
        "p. 128",
        "Staffing is not recorded in Table 5.1.",
    ),
    (
        "mohan-predictors",
        "Mohan et al. (2016) find deprivation of the area and the charity's age predict concern about "
        "finances, besides size.",
        "p. 129",
        "Deprivation and founding date are not recorded in Table 5.1.",
    ),
)


def claims_ledger(table: pd.DataFrame, *, draws: int = DEFAULT_DRAWS, seed: int = config.SEED) -> pd.DataFrame:
    """Every quantitative claim about the sample, its check, result and verdict.

    Parameters
    ----------
    table : pandas.DataFrame
        Counts with bands ``Micro`` … ``Major`` in rows and the four outcomes in columns.
    draws, seed : int
        Monte Carlo draws and seed for the test of independence.

    Returns
    -------
    pandas.DataFrame
        One row per claim: ``claim_id, claim, locator, check, estimate, ci_low,
        ci_high, p_value, verdict, caveat`` (NaN where a field does not apply).
    """
    counts = validate_counts(table, name="claims table")
    checks = [
        _even_spread(counts),
        _uneven_by_size(counts, draws, seed),
        _small_vulnerable(counts),
        _no_large_ceased(counts),
    ]
    checks += [
        ClaimCheck(claim_id, claim, locator, "—", math.nan, math.nan, math.nan, math.nan, "not checkable here", why)
        for claim_id, claim, locator, why in _NOT_CHECKABLE
    ]
    return pd.DataFrame([asdict(check) for check in checks])
