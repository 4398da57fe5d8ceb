"""The claims ledger against hand calculations and reference values from R."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.claims import VERDICT_RULES, claims_ledger
from analysis.exact_results import load_exact_results

BANDS = pd.Index(["Micro", "Small", "Medium", "Large", "Major"], name="size_band")


def table(increased, decreased, ceased, merged):
    return pd.DataFrame({"Increased": increased, "Decreased": decreased, "Ceased": ceased, "Merged": merged}, index=BANDS)


#: The counts rebuilt from Table 5.1 (see tests/test_reconstruct.py for their derivation).
REBUILT = table([2, 14, 33, 19, 10], [14, 20, 24, 7, 7], [22, 37, 12, 0, 1], [1, 4, 2, 2, 0])


@pytest.fixture(scope="module")
def ledger():
    return claims_ledger(REBUILT, draws=5000).set_index("claim_id")


def test_even_spread_is_judged_by_an_equivalence_test_matching_r(ledger):
    # Totals 78, 72, 72 of 222; margin ±0.10 around 1/3. R 4.2:
    #   binom.test(78, 222, conf.level=0.90)$conf.int                  # 0.298125971596 0.407575893936
    #   binom.test(78, 222, p=1/3+0.1, alternative="less")$p.value     # 0.00783724681586601 (the largest
    #   of the six one-sided p-values, so the equivalence p)
    row = ledger.loc["even-spread"]
    assert row["estimate"] == pytest.approx(78 / 222, rel=1e-15)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((0.298125971596, 0.407575893936), rel=1e-9)
    assert row["p_value"] == pytest.approx(0.00783724681586601, rel=1e-9)
    assert row["verdict"] == "equivalent within margin"
    assert "7.4 points" in row["caveat"]  # smallest margin 0.407575893936 - 1/3 = 0.0742


def test_small_charities_are_compared_with_each_larger_band_matching_r(ledger):
    # Micro + Small: 59 of 114 ceased, against Medium 12/71, Large 0/28, Major 1/18. R 4.2:
    #   ps <- sapply(list(c(12, 59), c(0, 28), c(1, 17)), function(b)
    #     fisher.test(matrix(c(59, 55, b), 2, byrow=TRUE))$p.value)
    #   p.adjust(ps, "holm")   # 4.44783531804e-06 1.13192883985e-07 0.000184395742811
    #   fisher.test(matrix(c(59, 55, 12, 59), 2, byrow=TRUE))  # OR 5.2266969, CI 2.457822009 11.86427189
    # (R's limits come from uniroot at its default tolerance, hence rel=1e-3 on them.)
    row = ledger.loc["under-100k-vulnerable"]
    assert row["p_value"] == pytest.approx(0.000184395742811, rel=1e-9)
    assert row["estimate"] == pytest.approx(5.2266969, rel=1e-3)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((2.457822009, 11.86427189), rel=1e-3)
    assert row["verdict"] == "supported"
    assert "post hoc" in row["caveat"] and "Medium, Large, Major" in row["check"]


def test_pooling_the_larger_bands_can_no_longer_hide_one_that_fares_as_badly():
    # The Major band ceases as often as Micro and Small; pooled with Medium and Large
    # it would vanish into a low "rest" (13 of 117), but band by band it is not supported.
    major_bad = table([2, 14, 33, 19, 4], [14, 20, 24, 7, 4], [22, 37, 12, 0, 10], [1, 4, 2, 2, 0])
    row = claims_ledger(major_bad, draws=2000).set_index("claim_id").loc["under-100k-vulnerable"]
    assert row["verdict"] == "not supported"
    assert row["p_value"] > 0.05


def test_no_large_charity_ceased_restates_the_table_with_a_two_sided_interval(ledger):
    # 0 of 28: two-sided exact 95% interval (0, 1 - 0.025 ** (1 / 28)).
    # R 4.2: binom.test(0, 28)$conf.int  ->  0 0.1234361185
    row = ledger.loc["no-large-ceased"]
    assert row["estimate"] == 0 and row["ci_low"] == 0
    assert row["ci_high"] == pytest.approx(1 - 0.025 ** (1 / 28), rel=1e-12)
    assert row["ci_high"] == pytest.approx(0.1234361185, rel=1e-9)
    assert row["verdict"] == "restates the table"
    assert "Circular" in row["caveat"]


def test_association_claim_uses_the_monte_carlo_upper_bound(ledger):
    row = ledger.loc["uneven-by-size"]
    # no draw as extreme: p is the floor 1 / (B + 1), its bound 1 - 0.05 ** (1 / B)
    assert row["p_value"] == 1 / 5001
    assert row["ci_high"] == pytest.approx(1 - 0.05 ** (1 / 5000), rel=1e-12)
    assert row["verdict"] == "supported"
    # with only 50 draws the bound, 1 - 0.05 ** (1 / 50) = 0.058, cannot go below 0.05
    few = claims_ledger(REBUILT, draws=50).set_index("claim_id").loc["uneven-by-size"]
    assert few["ci_high"] == pytest.approx(1 - 0.05 ** (1 / 50), rel=1e-12)
    assert few["verdict"] == "not supported"


def test_association_claim_uses_the_exact_p_value_and_its_bound_when_given():
    # the stored exact X² p-value of Table 5.1 (tests/test_exact_results.py checks it is fresh)
    exact = load_exact_results().set_index(["table", "ordering"]).loc[("Table 5.1", "pearson")]
    row = claims_ledger(REBUILT, exact_p=(exact.p_value, exact.error_bound)).set_index("claim_id").loc["uneven-by-size"]
    assert row["p_value"] == exact.p_value
    assert (row["ci_low"], row["ci_high"]) == (exact.p_value - exact.error_bound, exact.p_value + exact.error_bound)
    assert row["verdict"] == "supported" and "Exact conditional" in row["check"]
    # the verdict reads the upper end of the bound: a value whose bound reaches 0.05 does not count
    borderline = claims_ledger(REBUILT, exact_p=(0.049, 0.002)).set_index("claim_id").loc["uneven-by-size"]
    assert borderline["verdict"] == "not supported"


def test_claims_outside_the_table_are_marked_not_checkable(ledger):
    outside = ledger[ledger["verdict"] == "not checkable here"]
    assert set(outside.index) == {"support-split-2008", "ncvo-funding-decrease", "ncvo-staffing", "mohan-predictors"}
    assert outside[["estimate", "p_value"]].isna().all(axis=None)
    assert set(ledger["verdict"]) <= set(VERDICT_RULES)


def test_verdicts_follow_the_data_not_the_source():
    # Ceasing does not depend on size, some Large charities ceased, and the outcomes
    # are far from even: every checkable claim should fail.
    flat = table([30, 30, 30, 30, 30], [5, 5, 5, 5, 5], [5, 5, 5, 4, 5], [1, 1, 1, 1, 1])
    ledger = claims_ledger(flat, draws=2000).set_index("claim_id")
    assert ledger.loc["even-spread", "verdict"] == "equivalence not shown"
    assert ledger.loc["uneven-by-size", "verdict"] == "not supported"
    assert ledger.loc["under-100k-vulnerable", "verdict"] == "not supported"
    assert ledger.loc["no-large-ceased", "verdict"] == "not supported"
    assert not math.isnan(ledger.loc["no-large-ceased", "ci_high"])
