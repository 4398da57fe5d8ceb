"""Exact conditional tests of independence for r × c tables by a network algorithm.

Given both margins, a table's probability under independence is multiple
hypergeometric, P = Π rᵢ! Π cⱼ! / (N! Π xᵢⱼ!). The exact p-value of an ordering
is the total probability of the tables at least as extreme as the observed
one. Three orderings are offered, each a sum of per-row terms (so a table can
be built row by row):

* ``probability`` (Fisher–Freeman–Halton): extreme means P ≤ P_obs (1 + 1e-7);
  the row term is Σⱼ log xᵢⱼ!;
* ``pearson``: X² ≥ X²_obs (1 - 1e-7); the row term is Σⱼ xᵢⱼ² N / (rᵢ cⱼ),
  since X² = Σ x² / E - N;
* ``likelihood_ratio``: G² ≥ G²_obs (1 - 1e-7); the row term is Σⱼ xᵢⱼ log xᵢⱼ,
  since G² = 2 (Σ x log x - Σ r log r - Σ c log c + N log N).

The algorithm is the network algorithm of Mehta and Patel (1983; ``mehta1983network``), as refined
in FEXACT (Clarkson, Fan and Joe 1993; ``clarkson1993remark``): rows are placed one at a time; a node
is the vector of column totals still to fill. A backward pass over every
node computes the exact smallest and largest total that the remaining rows can
add (the shortest and longest paths). The forward pass carries states (node,
value so far, path weight); a state all of whose completions are extreme adds
its whole probability in closed form (the completions of a node with remaining
column totals m and n units left weigh n! / Π mⱼ!); a state none of whose
completions is extreme is dropped; the rest are expanded. States with the
same node and exactly the same value are merged, which is exact.

Numerical error is bounded, not ignored: every comparison with the threshold
keeps a margin ``eta`` larger than the worst floating-point error of a sum of
non-negative row terms; a complete table whose value falls inside that margin
is *ambiguous*, is counted as extreme, and its probability is added to the
error bound. The relative error of the probabilities themselves (log-factorial
sums, merges and the final correctly rounded sum) is bounded the same way.
So the true p-value lies in ``[p_value - error_bound, p_value]``.

Limits. Exact bounds prune far less than the tail's size suggests: for
Table 5.1 (``python tests/benchmark.py --exact``) the network has about
2.5e8 edges, and after the two largest rows about 6.6e7 of 1.6e8 partial
tables are still undecided for every ordering, so the default budget stops it
at once with a one-line message; the 5 × 2 and smaller 5 × 4 tables take
well under two seconds.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"yes": [3, 0], "no": [0, 3]}, index=["a", "b"])
>>> result = exact_conditional_test(table)
>>> round(result.probability.p_value, 6)  # 2 / C(6, 3)
0.1
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from analysis.association import RELATIVE_TOLERANCE
from analysis.contingency import validate_counts

#: Largest number of network steps (edges built plus states expanded) before giving up.
DEFAULT_WORK_BUDGET = 30_000_000

#: Orderings computed by :func:`exact_conditional_test`, in order.
ORDERINGS = ("probability", "pearson", "likelihood_ratio")

_UNIT_ROUNDOFF = 2.0**-53
#: Safety factor on the textbook floating-point error bounds (covers a few ulps of error in gammaln and log).
_SAFETY = 64


class NetworkBudgetError(ValueError):
    """The network for these margins needs more work than the budget allows."""


@dataclass(frozen=True)
class ExactPValue:
    """Exact conditional p-value of one ordering, with a bound on its numerical error.

    Attributes
    ----------
    ordering : str
        ``"probability"``, ``"pearson"`` or ``"likelihood_ratio"``.
    statistic : float
        Observed value: the table's probability, X² or G².
    p_value : float
        Total probability of the tables at least as extreme as observed.
    error_bound : float
        Guaranteed bound on the numerical error: the exact p-value lies in
        ``[p_value - error_bound, p_value]``.
    """

    ordering: str
    statistic: float
    p_value: float
    error_bound: float


@dataclass(frozen=True)
class ExactConditionalTest:
    """The three exact p-values of one table and the size of the network behind them.

    Attributes
    ----------
    probability, pearson, likelihood_ratio : ExactPValue
        One result per ordering.
    n_nodes : int
        Nodes of the network (vectors of column totals still to fill, over all stages).
    n_edges : int
        Edges of the network (row vectors placed at a node).
    n_states : int
        Forward states expanded, summed over the three orderings.
    """

    probability: ExactPValue
    pearson: ExactPValue
    likelihood_ratio: ExactPValue
    n_nodes: int
    n_edges: int
    n_states: int

    def results(self) -> tuple[ExactPValue, ...]:
        """The three results in the order of :data:`ORDERINGS`."""
        return (self.probability, self.pearson, self.likelihood_ratio)


# ---------------------------------------------------------------------------
# The network: nodes and edges, stage by stage
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stage:
    """Edges from the nodes of one stage (before placing a row) to the next stage's nodes."""

    parent: np.ndarray  # index of the parent node in this stage, non-decreasing
    child: np.ndarray  # index of the child node in the next stage
    cells: np.ndarray  # the row placed, shape (edges, columns)
    offsets: np.ndarray  # edges of parent p are offsets[p]:offsets[p + 1]


def _row_vectors(margins: np.ndarray, total: int, budget: int) -> tuple[np.ndarray, np.ndarray]:
    """Every row with sum ``total`` and cell j at most ``margins[node, j]``, for every node.

    Returns the node index of each row and the rows; rows of one node are contiguous.
    """
    n_nodes, n_columns = margins.shape
    suffix = np.cumsum(margins[:, ::-1], axis=1)[:, ::-1]  # units the columns j.. can still take
    parent = np.arange(n_nodes)
    remaining = np.full(n_nodes, total, dtype=np.int64)
    cells = np.zeros((n_nodes, 0), dtype=np.int64)
    for column in range(n_columns):
        later = suffix[parent, column + 1] if column + 1 < n_columns else np.zeros(len(parent), dtype=np.int64)
        low = np.maximum(0, remaining - later)
        high = np.minimum(margins[parent, column], remaining)
        repeats = np.maximum(high - low + 1, 0)
        if repeats.sum() > budget:
            raise NetworkBudgetError(int(repeats.sum()))
        source = np.repeat(np.arange(len(parent)), repeats)
        value = low[source] + np.arange(repeats.sum()) - np.repeat(np.cumsum(repeats) - repeats, repeats)
        cells = np.column_stack([cells[source], value])
        parent = parent[source]
        remaining = remaining[source] - value
    return parent, cells


def _build_network(rows: np.ndarray, columns: np.ndarray, budget: int) -> tuple[list[np.ndarray], list[_Stage]]:
    """Nodes (remaining column totals) of every stage and the edges between stages."""
    nodes = [columns[np.newaxis, :].astype(np.int64)]
    stages = []
    work = 0
    for total in rows:
        margins = nodes[-1]
        try:
            parent, cells = _row_vectors(margins, int(total), budget - work)
        except NetworkBudgetError as error:
            raise NetworkBudgetError(work + int(error.args[0])) from None
        work += len(parent)
        remaining = margins[parent] - cells
        children, child = np.unique(remaining, axis=0, return_inverse=True)
        offsets = np.searchsorted(parent, np.arange(len(margins) + 1))
        stages.append(_Stage(parent=parent, child=child.ravel(), cells=cells, offsets=offsets))
        nodes.append(children)
    return nodes, stages


# ---------------------------------------------------------------------------
# Row terms and thresholds of the three orderings
# ---------------------------------------------------------------------------


def _row_terms(ordering: str, cells: np.ndarray, row_total: int, columns: np.ndarray, total: int) -> np.ndarray:
    """Each row's contribution to the ordering's statistic; larger means more extreme."""
    cells = cells.astype(float)
    if ordering == "probability":
        return special.gammaln(cells + 1).sum(axis=1)
    if ordering == "pearson":
        return (cells**2 * total / (row_total * columns)).sum(axis=1)
    return special.xlogy(cells, cells).sum(axis=1)


def _thresholds(observed: np.ndarray) -> dict[str, tuple[float, float]]:
    """Observed statistic and the threshold on the sum of row terms, per ordering."""
    rows = observed.sum(axis=1).astype(float)
    columns = observed.sum(axis=0).astype(float)
    total = float(observed.sum())
    cells = observed.astype(float)
    log_factorials = special.gammaln(cells + 1).sum()
    log_probability = (
        special.gammaln(rows + 1).sum() + special.gammaln(columns + 1).sum() - special.gammaln(total + 1) - log_factorials
    )
    pearson_terms = (cells**2 * total / np.outer(rows, columns)).sum()
    x_log_x = special.xlogy(cells, cells).sum()
    g_constant = special.xlogy(rows, rows).sum() + special.xlogy(columns, columns).sum() - total * math.log(total)
    g_squared = 2 * (x_log_x - g_constant)
    x_squared = pearson_terms - total
    return {
        # P <= P_obs (1 + tol)  <=>  sum log x! >= observed sum - log(1 + tol)
        "probability": (math.exp(log_probability), log_factorials - math.log1p(RELATIVE_TOLERANCE)),
        "pearson": (x_squared, total + x_squared * (1 - RELATIVE_TOLERANCE)),
        "likelihood_ratio": (g_squared, g_constant + g_squared * (1 - RELATIVE_TOLERANCE) / 2),
    }


# ---------------------------------------------------------------------------
# Bounds (backward pass) and tail probability (forward pass)
# ---------------------------------------------------------------------------


def _path_bounds(terms: list[np.ndarray], stages: list[_Stage], nodes: list[np.ndarray]) -> tuple[list, list]:
    """Smallest and largest sum of row terms from each node to the end (exact, by dynamic programming)."""
    smallest = [np.zeros(1)]
    largest = [np.zeros(1)]
    for stage, term in zip(reversed(stages), reversed(terms)):
        low = term + smallest[0][stage.child]
        high = term + largest[0][stage.child]
        smallest.insert(0, np.minimum.reduceat(low, stage.offsets[:-1]))
        largest.insert(0, np.maximum.reduceat(high, stage.offsets[:-1]))
    return smallest, largest


def _log_completions(margins: np.ndarray) -> np.ndarray:
    """log of n! / Π mⱼ!, the total weight of every completion of a node."""
    return special.gammaln(margins.sum(axis=1) + 1.0) - special.gammaln(margins + 1.0).sum(axis=1)


def _tail(
    threshold: float,
    terms: list[np.ndarray],
    log_weights: list[np.ndarray],
    stages: list[_Stage],
    nodes: list[np.ndarray],
    bounds: tuple[list, list],
    log_constant: float,
    eta: float,
    budget: int,
) -> tuple[float, float, int, float]:
    """Forward pass: (probability surely extreme, ambiguous probability, states expanded, merge error)."""
    smallest, largest = bounds
    node = np.zeros(1, dtype=np.int64)
    value = np.zeros(1)
    log_weight = np.zeros(1)
    sure: list[np.ndarray] = []
    ambiguous: list[np.ndarray] = []
    expanded = 0
    merge_error = 0.0
    for level, stage in enumerate(stages):
        counts = stage.offsets[node + 1] - stage.offsets[node]
        expanded += int(counts.sum())
        if expanded > budget:
            raise NetworkBudgetError(expanded)
        source = np.repeat(np.arange(len(node)), counts)
        edge = np.repeat(stage.offsets[node] - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        child = stage.child[edge]
        value = value[source] + terms[level][edge]
        log_weight = log_weight[source] + log_weights[level][edge]
        low = value + smallest[level + 1][child]
        high = value + largest[level + 1][child]
        all_in = low >= threshold + eta
        none_in = high < threshold - eta
        if level == len(stages) - 1:  # complete tables: low == high == value
            sure.append(log_weight[all_in] + log_constant)
            ambiguous.append(log_weight[~all_in & ~none_in] + log_constant)
            break
        sure.append(log_weight[all_in] + _log_completions(nodes[level + 1][child[all_in]]) + log_constant)
        keep = ~all_in & ~none_in
        node, value, log_weight = child[keep], value[keep], log_weight[keep]
        # merge states with the same node and exactly the same value (exact: they are interchangeable)
        order = np.lexsort((value, node))
        node, value, log_weight = node[order], value[order], log_weight[order]
        new_group = np.ones(len(node), dtype=bool)
        new_group[1:] = (node[1:] != node[:-1]) | (value[1:] != value[:-1])
        starts = np.flatnonzero(new_group)
        if len(starts) < len(node):
            peak = np.maximum.reduceat(log_weight, starts)
            sizes = np.diff(np.append(starts, len(node)))
            shifted = np.exp(log_weight - np.repeat(peak, sizes))
            log_weight = peak + np.log(np.add.reduceat(shifted, starts))
            merge_error += (int(sizes.max()) + 4) * _UNIT_ROUNDOFF
            node, value = node[starts], value[starts]
    return _probability_sum(sure), _probability_sum(ambiguous), expanded, merge_error


def _probability_sum(log_parts: list[np.ndarray]) -> float:
    """Correctly rounded sum of the probabilities whose logs are given."""
    return math.fsum(np.exp(np.concatenate(log_parts)).tolist()) if log_parts else 0.0


def exact_conditional_test(table: pd.DataFrame, *, max_work: int = DEFAULT_WORK_BUDGET) -> ExactConditionalTest:
    """Exact conditional p-values (probability, X², G² orderings) with error bounds.

    Parameters
    ----------
    table : pandas.DataFrame
        Counts, groups in rows and outcomes in columns.
    max_work : int
        Budget on network steps: edges built plus states expanded over the
        three orderings. :class:`NetworkBudgetError` is raised as soon as it
        is passed, so the function never runs without limit.

    Returns
    -------
    ExactConditionalTest

    Raises
    ------
    NetworkBudgetError
        With a one-line message giving the margins and the work reached.

    Examples
    --------
    >>> table = pd.DataFrame({"a": [2, 0, 1], "b": [0, 2, 1]}, index=["x", "y", "z"])
    >>> result = exact_conditional_test(table)
    >>> # 7 tables: six arrange (2, 1, 0) down column a (weight 1/4 each), one is (1, 1, 1) (weight 1)
    >>> [round(r.p_value, 4) for r in result.results()]  # (6 / 4) / (6 / 4 + 1)
    [0.6, 0.6, 0.6]
    """
    observed = validate_counts(table).to_numpy().astype(np.int64)
    # nodes are vectors of column totals: use the orientation with fewer of them, place large rows first
    if np.prod(observed.sum(axis=1) + 1.0) < np.prod(observed.sum(axis=0) + 1.0):
        observed = observed.T
    observed = observed[np.argsort(-observed.sum(axis=1), kind="stable")]
    rows, columns = observed.sum(axis=1), observed.sum(axis=0)
    total = int(observed.sum())
    margins_text = f"row totals {rows.tolist()}, column totals {columns.tolist()}"
    try:
        nodes, stages = _build_network(rows, columns, max_work)
    except NetworkBudgetError as error:
        raise NetworkBudgetError(
            f"exact test: the network for {margins_text} needs more than {int(error.args[0]):,} steps "
            f"(budget {max_work:,}); raise max_work or use the Monte Carlo test"
        ) from None
    n_edges = sum(len(stage.parent) for stage in stages)
    log_weights = [
        special.gammaln(float(row_total) + 1) - special.gammaln(stage.cells + 1.0).sum(axis=1)
        for row_total, stage in zip(rows, stages)
    ]
    log_constant = float(special.gammaln(columns + 1.0).sum() - special.gammaln(total + 1.0))
    n_terms = observed.size + len(rows) + len(columns) + 2
    # relative error of each table's probability: log-weight sums of magnitude <= log N!, then exp
    probability_error = _SAFETY * n_terms * _UNIT_ROUNDOFF * (1.0 + float(special.gammaln(total + 1.0)))
    results = {}
    work = n_edges
    for ordering, (statistic, threshold) in _thresholds(observed).items():
        terms = [_row_terms(ordering, stage.cells, int(r), columns, total) for r, stage in zip(rows, stages)]
        bounds = _path_bounds(terms, stages, nodes)
        # every value compared is a sum of at most rows * columns non-negative terms, each <= the largest path
        eta = _SAFETY * n_terms * _UNIT_ROUNDOFF * (1.0 + max(float(bounds[1][0][0]), abs(threshold)))
        try:
            sure, ambiguous, expanded, merge_error = _tail(
                threshold, terms, log_weights, stages, nodes, bounds, log_constant, eta, max_work - work
            )
        except NetworkBudgetError as error:
            raise NetworkBudgetError(
                f"exact test: the network for {margins_text} needs more than {work + int(error.args[0]):,} steps "
                f"(budget {max_work:,}, {ordering} ordering); raise max_work or use the Monte Carlo test"
            ) from None
        work += expanded
        p_value = min(1.0, sure + ambiguous)
        relative_error = probability_error + merge_error + 2 * _UNIT_ROUNDOFF
        results[ordering] = ExactPValue(
            ordering=ordering,
            statistic=float(statistic),
            p_value=float(p_value),
            error_bound=float(ambiguous + p_value * relative_error),
        )
    return ExactConditionalTest(
        **results,
        n_nodes=sum(len(level) for level in nodes),
        n_edges=n_edges,
        n_states=work - n_edges,
    )
