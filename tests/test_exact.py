"""The exact conditional test (network met in the middle) against independent computations.

References: full enumeration written here (itertools, not the network code),
the enumeration of analysis.association for the 5 × 2 ceased table, R's
fisher.test for the probability ordering, and the seeded Monte Carlo test.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import config
from analysis.association import collapse_outcome, exact_test, monte_carlo_tests
from analysis.exact import NetworkBudgetError, exact_conditional_test
from analysis.load import load_counts


def brute_force_p_values(observed: np.ndarray) -> tuple[float, float, float]:
    """Probability, X² and G² p-values by listing every table cell by cell with itertools."""
    rows, columns = observed.sum(axis=1), observed.sum(axis=0)
    total = observed.sum()
    expected = np.outer(rows, columns) / total

    def log_probability(table):
        return (
            sum(math.lgamma(r + 1) for r in rows) + sum(math.lgamma(c + 1) for c in columns)
            - math.lgamma(total + 1) - sum(math.lgamma(x + 1) for x in table.ravel())
        )

    def pearson(table):
        return float(((table - expected) ** 2 / expected).sum())

    def g_squared(table):
        return float(2 * sum(x * math.log(x / e) for x, e in zip(table.ravel(), expected.ravel()) if x > 0))

    def completions(row: int, remaining: np.ndarray):
        """Every way to fill rows ``row..`` given the column totals still to fill."""
        if row == len(rows) - 1:
            yield [remaining]
            return
        for cells in itertools.product(*(range(min(rows[row], left) + 1) for left in remaining)):
            if sum(cells) == rows[row]:
                for rest in completions(row + 1, remaining - np.array(cells)):
                    yield [np.array(cells), *rest]

    tables = [np.array(rows_) for rows_ in completions(0, columns)]
    observed_log_p = log_probability(observed)
    probability = as_large_x2 = as_large_g2 = 0.0
    for table in tables:
        p = math.exp(log_probability(table))
        probability += p if log_probability(table) <= observed_log_p + math.log1p(1e-7) else 0.0
        as_large_x2 += p if pearson(table) >= pearson(observed) * (1 - 1e-7) else 0.0
        as_large_g2 += p if g_squared(table) >= g_squared(observed) * (1 - 1e-7) else 0.0
    return probability, as_large_x2, as_large_g2


def assert_within_bound(result, reference: float, slack: float = 1e-12) -> None:
    """The reference lies in [p - bound, p + bound], up to the reference's own rounding (``slack``, relative)."""
    assert abs(result.p_value - reference) <= result.error_bound + slack * reference


small_tables = st.integers(2, 4).flatmap(
    lambda n_rows: st.integers(2, 4).flatmap(
        lambda n_columns: st.lists(
            st.lists(st.integers(0, 4), min_size=n_columns, max_size=n_columns), min_size=n_rows, max_size=n_rows
        )
    )
).map(np.array).filter(
    # Non-empty margins, and at most 24 charities so that the brute-force reference stays quick.
    lambda table: (table.sum(axis=0) > 0).all() and (table.sum(axis=1) > 0).all() and table.sum() <= 24
)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(small_tables)
def test_matches_brute_force_enumeration_on_small_tables(table):
    result = exact_conditional_test(pd.DataFrame(table))
    for computed, reference in zip(result.results(), brute_force_p_values(table)):
        assert_within_bound(computed, reference)


def test_error_bounds_are_tiny_and_non_negative_when_nothing_is_dropped():
    result = exact_conditional_test(pd.DataFrame([[3, 1, 0], [1, 4, 2], [0, 2, 5]]), prune_below=0.0)
    for computed in result.results():
        assert 0 <= computed.error_bound <= 1e-10 * computed.p_value


def test_ceased_against_the_rest_matches_full_enumeration():
    # analysis.association.exact_test enumerates all 673,584 tables of the 5 x 2 table (p = 5.98e-11)
    ceased = collapse_outcome(load_counts(), ("Ceased",))
    enumerated = exact_test(ceased)
    network = exact_conditional_test(ceased)
    assert network.probability.p_value == pytest.approx(enumerated.p_value, rel=1e-12)
    assert network.pearson.p_value == pytest.approx(enumerated.p_value_pearson, rel=1e-12)
    assert network.probability.p_value == pytest.approx(5.98e-11, rel=1e-3)


# R 4.x, fisher.test (FEXACT), options(digits = 15):
#   t1 <- matrix(c(19,7,0,2, 10,7,1,0), nrow=2, byrow=TRUE);             fisher.test(t1)$p.value  # 0.355508251347256
#   t2 <- matrix(c(3,1,0, 1,4,2, 0,2,5), nrow=3, byrow=TRUE);            fisher.test(t2)$p.value  # 0.0465503450797568
#   t3 <- matrix(c(2,5,1, 4,1,0, 1,2,6, 3,0,2), nrow=4, byrow=TRUE);     fisher.test(t3)$p.value  # 0.0170158443123865
#   t4 <- matrix(c(1,3,4,0, 3,4,7,1, 6,5,2,0, 4,1,0,1, 2,1,0,0), nrow=5, byrow=TRUE)
#   fisher.test(t4)$p.value  # 0.158588266127932
#   t5 <- matrix(c(0,3,5,0, 2,4,8,1, 7,5,1,0, 5,1,0,1, 3,1,0,0), nrow=5, byrow=TRUE)
#   fisher.test(t5)$p.value  # 0.00190934141381112
#   t6 <- matrix(c(2,0,1, 0,3,1, 1,1,0, 3,0,0, 0,2,1, 1,0,2), nrow=6, byrow=TRUE)
#   fisher.test(t6)$p.value  # 0.0821090674031844
#   t7 <- matrix(c(4,1,0, 1,5,2, 0,2,6, 3,0,1, 2,2,0, 0,1,3), nrow=6, byrow=TRUE)
#   fisher.test(t7, workspace = 2e8)$p.value  # 0.00276881042209954
R_FISHER = [
    ([[19, 7, 0, 2], [10, 7, 1, 0]], 0.355508251347256),
    ([[3, 1, 0], [1, 4, 2], [0, 2, 5]], 0.0465503450797568),
    ([[2, 5, 1], [4, 1, 0], [1, 2, 6], [3, 0, 2]], 0.0170158443123865),
    ([[1, 3, 4, 0], [3, 4, 7, 1], [6, 5, 2, 0], [4, 1, 0, 1], [2, 1, 0, 0]], 0.158588266127932),
    ([[0, 3, 5, 0], [2, 4, 8, 1], [7, 5, 1, 0], [5, 1, 0, 1], [3, 1, 0, 0]], 0.00190934141381112),
    # six rows: three of them placed before the meeting point
    ([[2, 0, 1], [0, 3, 1], [1, 1, 0], [3, 0, 0], [0, 2, 1], [1, 0, 2]], 0.0821090674031844),
    ([[4, 1, 0], [1, 5, 2], [0, 2, 6], [3, 0, 1], [2, 2, 0], [0, 1, 3]], 0.00276881042209954),
]


@pytest.mark.parametrize(("table", "r_p_value"), R_FISHER)
def test_probability_ordering_matches_r_fisher_test(table, r_p_value):
    assert exact_conditional_test(pd.DataFrame(table)).probability.p_value == pytest.approx(r_p_value, rel=1e-12)


@pytest.mark.parametrize("which", [2, 5])
def test_x2_and_g2_orderings_match_enumeration_on_moderate_tables(which):
    # 4 x 3 (N = 27) and 6 x 3 (N = 18): thousands of tables, listed by brute force
    table = np.array(R_FISHER[which][0])
    reference = brute_force_p_values(table)
    result = exact_conditional_test(pd.DataFrame(table))
    assert_within_bound(result.pearson, reference[1])
    assert_within_bound(result.likelihood_ratio, reference[2])


def test_columns_with_equal_totals_are_computed_once_and_counted_for_every_arrangement():
    # all three column totals are 5, and the rows differ: nodes that only swap columns are merged
    table = np.array([[2, 1, 1], [0, 2, 1], [1, 0, 2], [1, 1, 0], [1, 1, 1]])
    assert len(set(table.sum(axis=0))) == 1
    result = exact_conditional_test(pd.DataFrame(table), prune_below=0.0)
    for computed, reference in zip(result.results(), brute_force_p_values(table)):
        assert_within_bound(computed, reference)


def test_dropped_bounds_are_counted_in_the_error_bound():
    # a coarse pruning threshold drops real probability: the error bound must still cover the exact value,
    # and the default threshold must leave a far smaller bound
    table = pd.DataFrame(R_FISHER[4][0])
    reference = R_FISHER[4][1]
    coarse = exact_conditional_test(table, prune_below=1e-3)
    assert coarse.prune_below < 1e-3  # the dropped part was too large at first, so the threshold was lowered
    assert abs(coarse.probability.p_value - reference) <= coarse.probability.error_bound + 1e-12 * reference
    default = exact_conditional_test(table)
    for computed in default.results():  # dropped bounds at most 1e-5 of the p-value, plus rounding
        assert computed.error_bound <= 1.01e-5 * computed.p_value
    assert exact_conditional_test(table, prune_below=0.0).probability.error_bound <= 1e-10 * reference


def test_monte_carlo_estimate_covers_the_exact_value():
    # a moderately extreme 5 x 4 table (exact p about 0.002 to 0.012); 40,000 draws with the project's seed
    table = pd.DataFrame(R_FISHER[4][0])
    exact = exact_conditional_test(table)
    simulated = monte_carlo_tests(table, draws=40_000, seed=config.SEED)
    for criterion, computed in (("pearson", exact.pearson), ("probability", exact.probability)):
        estimate = simulated[criterion].n_as_extreme / simulated[criterion].draws
        standard_error = math.sqrt(computed.p_value * (1 - computed.p_value) / simulated[criterion].draws)
        assert abs(estimate - computed.p_value) < 4 * standard_error


def test_budget_error_names_the_margins_and_the_work():
    table = pd.DataFrame(R_FISHER[3][0])
    with pytest.raises(NetworkBudgetError, match=r"^exact test: the network for row totals .* needs [\d,]+ steps \(budget 1,000"):
        exact_conditional_test(table, max_work=1_000)
