"""The claims ledger against hand calculations and reference values from R."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.claims import VERDICT_RULES, claims_ledger

BANDS = pd.Index(["Micro", "Small", "Medium", "Large", "Major"], name="size_band")


def table(increased, decreased, ceased, merged):
    return pd.DataFrame({"Increased": increased, "Decreased": decreased, "Ceased": ceased, "Merged": merged}, index=BANDS)


#: The counts rebuilt from Table 5.1 (see tests/test_reconstruct.py for their derivation).
REBUILT = table([2, 14, 33, 19, 10], [14, 20, 24, 7, 7], [22, 37, 12, 0, 1], [1, 4, 2, 2, 0])


@pytest.fixture(scope="module")
def ledger():
    return claims_ledger(REBUILT, draws=5000).set_index("claim_id")


def test_even_spread_matches_a_hand_calculation(ledger):
    # Totals 78, 72, 72; expected 74 each: X² = (16 + 4 + 4) / 74; df = 2, so p = exp(-X²/2).
    # R: chisq.test(c(78, 72, 72))$p.value  ->  0.8503033063
    row = ledger.loc["even-spread"]
    assert row["p_value"] == pytest.approx(math.exp(-(24 / 74) / 2), rel=1e-12)
    assert row["p_value"] == pytest.approx(0.8503033063, rel=1e-9)
    assert row["estimate"] == pytest.approx(78 / 222)
    assert row["verdict"] == "consistent"


def test_small_charities_ceasing_matches_r(ledger):
    # Micro + Small: 59 of 114 ceased; Medium + Large + Major: 13 of 117.
    # R 4.2.2: f <- fisher.test(matrix(c(59, 55, 13, 104), 2, byrow = TRUE))
    #   f$p.value 1.746970826e-11; f$estimate 8.495212336; f$conf.int 4.170003394 18.424445264
    row = ledger.loc["under-100k-vulnerable"]
    assert row["p_value"] == pytest.approx(1.746970826e-11, rel=1e-6)
    assert row["estimate"] == pytest.approx(8.495212336, rel=1e-5)
    assert row["ci_low"] == pytest.approx(4.170003394, rel=1e-4)
    assert row["ci_high"] == pytest.approx(18.424445264, rel=1e-4)
    assert row["verdict"] == "supported"


def test_no_large_charity_ceased_with_exact_upper_bound(ledger):
    # 0 of 28: the one-sided Clopper–Pearson 95% upper bound is 1 - 0.05 ** (1 / 28).
    row = ledger.loc["no-large-ceased"]
    assert row["estimate"] == 0
    assert row["ci_high"] == pytest.approx(1 - 0.05 ** (1 / 28), rel=1e-9)
    assert row["verdict"] == "supported"


def test_association_claim_is_supported_and_p_is_never_zero(ledger):
    row = ledger.loc["uneven-by-size"]
    assert 0 < row["p_value"] <= 1 / 5001 + 1e-15
    assert row["verdict"] == "supported"


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
    assert ledger.loc["even-spread", "verdict"] == "not supported"
    assert ledger.loc["uneven-by-size", "verdict"] == "not supported"
    assert ledger.loc["under-100k-vulnerable", "verdict"] == "not supported"
    assert ledger.loc["no-large-ceased", "verdict"] == "not supported"
