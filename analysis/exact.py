"""Exact conditional tests of independence for r × c tables: a network split in the middle.

Given both margins, a table's probability under independence is multiple
hypergeometric, P = Π rᵢ! Π cⱼ! / (N! Π xᵢⱼ!). The exact p-value of an ordering
is the total probability of the tables at least as extreme as the observed
one. Three orderings are offered, each a sum of per-row terms, so a table can
be built row by row:

* ``probability`` (Fisher–Freeman–Halton): extreme means P ≤ P_obs (1 + 1e-7);
  the row term is Σⱼ log xᵢⱼ!;
* ``pearson``: X² ≥ X²_obs (1 - 1e-7); the row term is Σⱼ xᵢⱼ² N / (rᵢ cⱼ),
  since X² = Σ x² / E - N;
* ``likelihood_ratio``: G² ≥ G²_obs (1 - 1e-7); the row term is Σⱼ xᵢⱼ log xᵢⱼ,
  since G² = 2 (Σ x log x - Σ r log r - Σ c log c + N log N).

The algorithm
-------------
It is the network of Mehta and Patel (1983; ``mehta1983network``), as refined
in FEXACT (Clarkson, Fan and Joe 1993; ``clarkson1993remark``): rows are
placed one at a time, largest first, and a node is the vector of column
totals still to fill. Instead of walking the network from its start to its
end, it meets in the middle, at the node reached after all but three rows:

* the *future* of a node two rows from the end is listed in full, sorted by
  its value, with cumulative weights (the completions of a node with
  remaining column totals m and n units left weigh n! / Π mⱼ! in all);
* the *past* of a meeting node is every way of placing the first rows that
  leads to it, sorted by value; the future of a meeting node is one more row
  (an edge) followed by a sorted list of the child node;
* each pair is counted by merging two sorted lists (the past side through a
  grid of bucket starts, so each look-up costs a step or two), so a tail
  probability costs one pass over the pairs that can reach the threshold,
  never a sum over every table;
* columns with equal totals are interchangeable (swapping them keeps every
  table's probability, X² and G²), so of the meeting nodes that differ only by
  such a swap one is computed and counted for all (Table 5.1's Decreased and
  Ceased columns both hold 72 charities, which halves the work).

Bounds prune what cannot matter:

* exact bounds (the largest and smallest value any completion can add, by
  dynamic programming) decide a past state whose completions are all, or
  none, extreme;
* a Chernoff bound decides the rest: with M(λ) the weighted moment generating
  function of the completions of a node (computed exactly by the same
  dynamic programming), the probability still to come from a past state of
  value v is at most min over λ ≥ 0 of exp(log weight + log M(λ) - λ (T - v)),
  by Markov's inequality. A state, or a block of pairs, whose bound is below
  ``prune_below`` is dropped and its bound added to the error.

Numerical error is bounded, not ignored: every comparison with the threshold
keeps a margin ``eta`` larger than the worst floating-point error of a sum of
row terms, and a table whose value falls inside that margin is *ambiguous*;
the relative error of the probabilities themselves (log-factorial sums, then
exp) is bounded the same way. So the exact p-value lies in
``[p_value - error_bound, p_value + error_bound]``, with the dropped bounds,
the ambiguous tables and the rounding all inside ``error_bound``. While the
dropped part is more than ``dropped_share`` of the p-value (1e-5 by default),
the ordering is computed again with a threshold lowered in proportion.

Costs. For Table 5.1 (231 charities, about 4.9 × 10¹³ tables) the meeting
point lies after the two largest rows. With the column swap, each ordering
lists about 1.1 × 10⁸ past states and merges 2 to 3 × 10⁹ past-future pairs
one by one, so the three orderings take about a minute on two cores; see
``python tests/benchmark.py --exact``. The compiled kernels use Numba; they are
cached on disk after the first call.

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

import numba
import numpy as np
import pandas as pd
from scipy import special

from analysis.association import RELATIVE_TOLERANCE
from analysis.contingency import validate_counts

#: Largest amount of work (past states listed plus future pairs before pruning) before giving up.
DEFAULT_WORK_BUDGET = 20_000_000_000

#: First threshold below which a state or block of pairs is dropped and its bound added to the error.
DEFAULT_PRUNE_BELOW = 1e-30

#: Default largest share of the p-value that the dropped bounds may take.
DEFAULT_DROPPED_SHARE = 1e-5

#: Orderings computed by :func:`exact_conditional_test`, in order.
ORDERINGS = ("probability", "pearson", "likelihood_ratio")

#: Largest number of nodes of one stage kept in a dense index (4 bytes each).
_DENSE_LIMIT = 100_000_000
#: Exponents of the Chernoff bound, in units of the ordering's statistic (X²; G² and -2 log P count twice).
_LAMBDAS = np.array([0.0, 0.01, 0.02, 0.04, 0.07, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.8])
_UNIT_ROUNDOFF = 2.0**-53
#: Safety factor on the textbook floating-point error bounds (covers a few ulps of error in gammaln and log).
_SAFETY = 64
#: Added to every log moment generating function, so that its rounding can only loosen a bound.
_LOG_SAFETY = 1e-6
_TINY = 1e-300
#: Meeting nodes per call of the compiled kernel (signals are handled between calls).
_NODES_PER_CALL = 1024


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
        Guaranteed bound on the error: the exact p-value lies in
        ``[p_value - error_bound, p_value + error_bound]``.
    """

    ordering: str
    statistic: float
    p_value: float
    error_bound: float


@dataclass(frozen=True)
class ExactConditionalTest:
    """The three exact p-values of one table and the work behind them.

    Attributes
    ----------
    probability, pearson, likelihood_ratio : ExactPValue
        One result per ordering.
    n_past_states : int
        Past states listed at the meeting nodes, summed over the orderings.
    n_pairs : int
        Past-future pairs merged one by one, summed over the orderings.
    prune_below : float
        Threshold of the last pass, below which states and blocks of pairs were dropped.
    """

    probability: ExactPValue
    pearson: ExactPValue
    likelihood_ratio: ExactPValue
    n_past_states: int
    n_pairs: int
    prune_below: float

    def results(self) -> tuple[ExactPValue, ...]:
        """The three results in the order of :data:`ORDERINGS`."""
        return (self.probability, self.pearson, self.likelihood_ratio)


# ---------------------------------------------------------------------------
# Compiled kernels
# ---------------------------------------------------------------------------


@numba.njit(cache=True, inline="always")
def _key(margins, stride):
    key = 0
    for j in range(stride.shape[0]):
        key += margins[j] * stride[j]
    return key


@numba.njit(cache=True, inline="always")
def _fits(cells, margins):
    for j in range(cells.shape[0]):
        if cells[j] > margins[j]:
            return False
    return True


@numba.njit(cache=True, parallel=True)
def _futures(nodes, row_cells, row_log_weight, row_value, last_log_factorial, last_term, log_factorial, lambdas):
    """Two rows left: every completion of each node, sorted by value (descending), with cumulative weights.

    Returns offsets, values, cumulative weight fractions, log total weight,
    largest and smallest value, and log moment generating function per node.
    """
    n_nodes, n_columns = nodes.shape
    n_lambdas = lambdas.shape[0]
    counts = np.zeros(n_nodes, np.int64)
    for node in numba.prange(n_nodes):
        for k in range(row_cells.shape[0]):
            if _fits(row_cells[k], nodes[node]):
                counts[node] += 1
    offsets = np.zeros(n_nodes + 1, np.int64)
    for node in range(n_nodes):
        offsets[node + 1] = offsets[node] + counts[node]
    values = np.empty(offsets[-1])
    cumulative = np.empty(offsets[-1])
    log_total = np.empty(n_nodes)
    largest = np.empty(n_nodes)
    smallest = np.empty(n_nodes)
    log_mgf = np.empty((n_nodes, n_lambdas))
    for node in numba.prange(n_nodes):
        start, end = offsets[node], offsets[node + 1]
        node_values = np.empty(end - start)
        node_weights = np.empty(end - start)
        position = 0
        for k in range(row_cells.shape[0]):
            if _fits(row_cells[k], nodes[node]):
                value = row_value[k]
                log_weight = row_log_weight[k] + last_log_factorial
                for j in range(n_columns):
                    last = nodes[node, j] - row_cells[k, j]
                    value += last_term[j, last]
                    log_weight -= log_factorial[last]
                node_values[position] = value
                node_weights[position] = log_weight
                position += 1
        order = np.argsort(-node_values)
        peak = node_weights.max()
        total = 0.0
        for i in range(end - start):
            total += math.exp(node_weights[i] - peak)
        log_total[node] = peak + math.log(total)
        running = 0.0
        for i in range(end - start):
            running += math.exp(node_weights[order[i]] - log_total[node])
            cumulative[start + i] = running
            values[start + i] = node_values[order[i]]
        largest[node] = values[start]
        smallest[node] = values[end - 1]
        for q in range(n_lambdas):
            top = -1e300
            for i in range(end - start):
                top = max(top, node_weights[i] + lambdas[q] * node_values[i])
            total = 0.0
            for i in range(end - start):
                total += math.exp(node_weights[i] + lambdas[q] * node_values[i] - top)
            log_mgf[node, q] = top + math.log(total)
    return offsets, values, cumulative, log_total, largest, smallest, log_mgf


@numba.njit(cache=True, parallel=True)
def _one_row_back(nodes, row_cells, row_log_weight, row_value, child_index, child_log_mgf, child_largest,
                  child_smallest, child_sizes, stride, lambdas):
    """Log moment generating function, largest and smallest value, and pairs, one row before the children."""
    n_nodes, n_columns = nodes.shape
    n_lambdas = lambdas.shape[0]
    row_scale = np.full(n_lambdas, -1e300)
    for k in range(row_cells.shape[0]):
        for q in range(n_lambdas):
            row_scale[q] = max(row_scale[q], row_log_weight[k] + lambdas[q] * row_value[k])
    child_scale = np.full(n_lambdas, -1e300)
    for i in range(child_log_mgf.shape[0]):
        for q in range(n_lambdas):
            child_scale[q] = max(child_scale[q], child_log_mgf[i, q])
    # scaled to at most 1, and never below _TINY, so that underflow can only loosen a bound
    row_factor = np.empty((row_cells.shape[0], n_lambdas))
    for k in range(row_cells.shape[0]):
        for q in range(n_lambdas):
            row_factor[k, q] = max(math.exp(row_log_weight[k] + lambdas[q] * row_value[k] - row_scale[q]), _TINY)
    child_factor = np.empty((child_log_mgf.shape[0], n_lambdas))
    for i in range(child_log_mgf.shape[0]):
        for q in range(n_lambdas):
            child_factor[i, q] = max(math.exp(child_log_mgf[i, q] - child_scale[q]), _TINY)
    log_mgf = np.empty((n_nodes, n_lambdas))
    largest = np.empty(n_nodes)
    smallest = np.empty(n_nodes)
    pairs = np.zeros(n_nodes, np.int64)
    for node in numba.prange(n_nodes):
        total = np.zeros(n_lambdas)
        high = -1e300
        low = 1e300
        child = np.empty(n_columns, np.int64)
        for k in range(row_cells.shape[0]):
            if not _fits(row_cells[k], nodes[node]):
                continue
            for j in range(n_columns):
                child[j] = nodes[node, j] - row_cells[k, j]
            index = child_index[_key(child, stride)]
            for q in range(n_lambdas):
                total[q] += row_factor[k, q] * child_factor[index, q]
            high = max(high, row_value[k] + child_largest[index])
            low = min(low, row_value[k] + child_smallest[index])
            pairs[node] += child_sizes[index]
        for q in range(n_lambdas):
            log_mgf[node, q] = math.log(total[q]) + row_scale[q] + child_scale[q]
        largest[node] = high
        smallest[node] = low
    return log_mgf, largest, smallest, pairs


@numba.njit(cache=True)
def _search_first_below(values, start, end, limit):
    """First index in [start, end) of a descending array whose value is below ``limit``."""
    while start < end:
        middle = (start + end) // 2
        if values[middle] >= limit:
            start = middle + 1
        else:
            end = middle
    return start


@numba.njit(cache=True, inline="always")
def _first_at_least(values, count, grid, bounds, lowest, scale_inverse, limit):
    """First index of the ascending ``values[:count]`` at least ``limit``, via a grid of bucket starts."""
    if limit <= lowest:
        return 0
    cell = int((limit - lowest) * scale_inverse)
    if cell >= grid.shape[0]:
        cell = grid.shape[0] - 1
    while cell > 0 and bounds[cell] > limit:
        cell -= 1
    index = grid[cell]
    while index < count and values[index] < limit:
        index += 1
    return index


@numba.njit(cache=True)
def _past_states(placed, lists, lengths, list_log_weight, list_value, n_past_rows, term, log_factorial, row_totals,
                 start_log_weight):
    """Every way of placing the first ``n_past_rows`` rows with column totals ``placed``: values, log weights."""
    n_columns = placed.shape[0]
    if n_past_rows == 0:
        return np.zeros(1), np.full(1, start_log_weight)
    capacity = 1024
    values = np.empty(capacity)
    log_weights = np.empty(capacity)
    count = 0
    depth = n_past_rows - 1  # rows placed from the lists; the last past row is what remains
    remaining = np.empty((depth + 1, n_columns), np.int64)
    value_so_far = np.zeros(depth + 1)
    weight_so_far = np.zeros(depth + 1)
    position = np.zeros(depth + 1, np.int64)
    remaining[0] = placed
    weight_so_far[0] = start_log_weight
    level = 0
    while level >= 0:
        if level == depth:
            value = value_so_far[level]
            log_weight = weight_so_far[level] + log_factorial[row_totals[depth]]
            for j in range(n_columns):
                value += term[depth, j, remaining[level, j]]
                log_weight -= log_factorial[remaining[level, j]]
            if count == capacity:
                capacity *= 2
                grown_values = np.empty(capacity)
                grown_weights = np.empty(capacity)
                grown_values[:count] = values[:count]
                grown_weights[:count] = log_weights[:count]
                values, log_weights = grown_values, grown_weights
            values[count] = value
            log_weights[count] = log_weight
            count += 1
            level -= 1
            continue
        found = False
        while position[level] < lengths[level]:
            k = position[level]
            position[level] += 1
            if _fits(lists[level, k], remaining[level]):
                found = True
                break
        if not found:
            level -= 1
            continue
        for j in range(n_columns):
            remaining[level + 1, j] = remaining[level, j] - lists[level, k, j]
        value_so_far[level + 1] = value_so_far[level] + list_value[level, k]
        weight_so_far[level + 1] = weight_so_far[level] + list_log_weight[level, k]
        position[level + 1] = 0
        level += 1
    return values[:count], log_weights[:count]


@numba.njit(cache=True, parallel=True)
def _meet(nodes, node_order, columns, lists, lengths, list_log_weight, list_value, n_past_rows, term, log_factorial,
          row_totals, start_log_weight, future_log_mgf, future_largest, future_smallest, future_log_total, lambdas,
          child_index, child_offsets, child_values, child_cumulative, child_log_total, stride, threshold, eta,
          prune_below):
    """Tail probability through each meeting node: surely extreme, ambiguous, dropped; states and pairs merged."""
    n_nodes, n_columns = nodes.shape
    log_prune = math.log(prune_below) if prune_below > 0 else -math.inf
    n_lambdas = lambdas.shape[0]
    edge_row = n_past_rows
    sure = np.zeros(n_nodes)
    ambiguous = np.zeros(n_nodes)
    dropped = np.zeros(n_nodes)
    n_states = np.zeros(n_nodes, np.int64)
    n_pairs = np.zeros(n_nodes, np.int64)
    for position in numba.prange(node_order.shape[0]):
        node = node_order[position]
        margins = nodes[node]
        placed = columns - margins
        values, log_weights = _past_states(placed, lists, lengths, list_log_weight, list_value, n_past_rows, term,
                                           log_factorial, row_totals, start_log_weight)
        n_states[node] = values.shape[0]
        node_pairs = 0
        node_sure = 0.0
        node_ambiguous = 0.0
        node_dropped = 0.0
        keep = np.zeros(values.shape[0], np.bool_)
        for i in range(values.shape[0]):
            value = values[i]
            if value + future_smallest[node] >= threshold + eta:
                node_sure += math.exp(log_weights[i] + future_log_total[node])
            elif value + future_largest[node] >= threshold - eta:
                bound = 1e300
                for q in range(n_lambdas):
                    bound = min(bound, future_log_mgf[node, q] - lambdas[q] * (threshold - value))
                bound += log_weights[i] + _LOG_SAFETY
                if bound < log_prune:
                    node_dropped += math.exp(bound)
                else:
                    keep[i] = True
        kept_values = values[keep]
        n_kept = kept_values.shape[0]
        if n_kept > 0:
            order = np.argsort(kept_values)
            kept_values = kept_values[order]
            kept_weights = log_weights[keep][order]
            peak = kept_weights.max()
            # past_tail[i]: weight of kept past states i.. (ascending values), relative to exp(peak)
            past_tail = np.empty(n_kept + 1)
            past_tail[n_kept] = 0.0
            for i in range(n_kept - 1, -1, -1):
                past_tail[i] = past_tail[i + 1] + math.exp(kept_weights[i] - peak)
            lowest, highest = kept_values[0], kept_values[n_kept - 1]
            # bucket starts over [lowest, highest]: bounds[g] = lowest + g * width, grid[g] = first index >= bounds[g]
            n_cells = 4 * n_kept + 1
            width = (highest - lowest) / n_cells if highest > lowest else 1.0
            scale_inverse = 1.0 / width
            bounds = np.empty(n_cells)
            grid = np.empty(n_cells, np.int64)
            position_in = 0
            for cell in range(n_cells):
                bounds[cell] = lowest + cell * width
                while position_in < n_kept and kept_values[position_in] < bounds[cell]:
                    position_in += 1
                grid[cell] = position_in
            child = np.empty(n_columns, np.int64)
            for k in range(lengths[edge_row]):
                if not _fits(lists[edge_row, k], margins):
                    continue
                for j in range(n_columns):
                    child[j] = margins[j] - lists[edge_row, k, j]
                index = child_index[_key(child, stride)]
                start, end = child_offsets[index], child_offsets[index + 1]
                scale = math.exp(peak + list_log_weight[edge_row, k] + child_log_total[index])
                shift = list_value[edge_row, k]
                # completions extreme with every kept past state: one block
                first = _search_first_below(child_values, start, end, threshold + eta - shift - lowest)
                done = child_cumulative[first - 1] if first > start else 0.0
                node_sure += scale * done * past_tail[0]
                # completions extreme with no kept past state end the window
                stop = _search_first_below(child_values, first, end, threshold - eta - shift - highest)
                if stop == first:
                    continue
                window = child_cumulative[stop - 1]
                # the top of the window, while its weight times every kept past state is negligible: one block
                limit = done + prune_below / (scale * past_tail[0])
                top = first + np.searchsorted(child_cumulative[first:stop], limit)
                if top > first:
                    node_dropped += scale * (child_cumulative[top - 1] - done) * past_tail[0]
                    done = child_cumulative[top - 1]
                if top == stop:
                    continue
                high_cut, low_cut = threshold + eta - shift, threshold - eta - shift
                negligible = prune_below / scale
                edge_sure = 0.0
                edge_ambiguous = 0.0
                for i in range(top, stop):
                    node_pairs += 1
                    weight = child_cumulative[i] - done
                    done = child_cumulative[i]
                    value = child_values[i]
                    sure_index = _first_at_least(kept_values, n_kept, grid, bounds, lowest, scale_inverse,
                                                 high_cut - value)
                    # past states within 2 eta below are ambiguous (rare: eta is a few ulps)
                    edge_index = sure_index
                    while edge_index > 0 and kept_values[edge_index - 1] >= low_cut - value:
                        edge_index -= 1
                    edge_sure += weight * past_tail[sure_index]
                    edge_ambiguous += weight * (past_tail[edge_index] - past_tail[sure_index])
                    # the rest of the window is worth at most its weight times this tail
                    rest = (window - done) * past_tail[edge_index]
                    if rest < negligible:
                        node_dropped += scale * rest
                        break
                node_sure += scale * edge_sure
                node_ambiguous += scale * edge_ambiguous
        sure[node] = node_sure
        ambiguous[node] = node_ambiguous
        dropped[node] = node_dropped
        n_pairs[node] = node_pairs
    return sure, ambiguous, dropped, n_states, n_pairs


# ---------------------------------------------------------------------------
# Set-up: orientation, row lists, thresholds
# ---------------------------------------------------------------------------


def _placements(total: int, caps: np.ndarray) -> np.ndarray:
    """Every row of non-negative cells with sum ``total`` and cell j at most ``caps[j]``, in lexicographic order."""
    cells = np.zeros((1, 0), dtype=np.int64)
    remaining = np.array([total], dtype=np.int64)
    room = np.append(np.cumsum(caps[::-1])[::-1], 0)
    for column, cap in enumerate(caps):
        low = np.maximum(0, remaining - room[column + 1])
        high = np.minimum(cap, remaining)
        repeats = np.maximum(high - low + 1, 0)
        source = np.repeat(np.arange(len(remaining)), repeats)
        value = low[source] + np.arange(repeats.sum()) - np.repeat(np.cumsum(repeats) - repeats, repeats)
        cells = np.column_stack([cells[source], value])
        remaining = remaining[source] - value
    return cells


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


def _cell_terms(ordering: str, rows: np.ndarray, columns: np.ndarray, total: int) -> np.ndarray:
    """term[i, j, x]: the ordering's term for x units in cell (i, j); larger means more extreme."""
    units = np.arange(total + 1, dtype=float)
    if ordering == "probability":
        per_unit = special.gammaln(units + 1)
        return np.broadcast_to(per_unit, (len(rows), len(columns), total + 1)).copy()
    if ordering == "pearson":
        return units[None, None, :] ** 2 * total / (rows[:, None, None] * columns[None, :, None])
    return np.broadcast_to(special.xlogy(units, units), (len(rows), len(columns), total + 1)).copy()


@dataclass(frozen=True)
class _Network:
    """Everything about the margins that the orderings share."""

    rows: np.ndarray
    columns: np.ndarray
    total: int
    cells: np.ndarray  # cells[i, k]: the k-th way of filling row i (padded)
    lengths: np.ndarray
    log_weights: np.ndarray  # log(rᵢ! / Π x!) of each way
    stride: np.ndarray
    log_factorial: np.ndarray
    meeting_nodes: np.ndarray
    child_nodes: np.ndarray
    child_index: np.ndarray
    start_log_weight: float


def _network(rows: np.ndarray, columns: np.ndarray) -> _Network:
    total = int(rows.sum())
    lists = [_placements(int(r), columns) for r in rows]
    width = max(len(cells) for cells in lists)
    padded = np.zeros((len(rows), width, len(columns)), dtype=np.int64)
    log_factorial = special.gammaln(np.arange(total + 2) + 1.0)
    log_weights = np.zeros((len(rows), width))
    for i, cells in enumerate(lists):
        padded[i, : len(cells)] = cells
        log_weights[i, : len(cells)] = log_factorial[rows[i]] - log_factorial[cells].sum(axis=1)
    stride = np.zeros(len(columns), dtype=np.int64)
    size = 1
    for j in range(len(columns) - 2, -1, -1):  # the last column is fixed by the node's total
        stride[j] = size
        size *= int(columns[j]) + 1
    if size > _DENSE_LIMIT:
        raise NetworkBudgetError(f"a dense index of {size:,} nodes")
    left = np.append(np.cumsum(rows[::-1])[::-1], 0)
    meeting, last_two = max(len(rows) - 3, 0), len(rows) - 2
    child_nodes = _placements(int(left[last_two]), columns)
    child_index = np.full(size, -1, dtype=np.int64)
    child_index[child_nodes @ stride] = np.arange(len(child_nodes))
    return _Network(
        rows=rows,
        columns=columns,
        total=total,
        cells=padded,
        lengths=np.array([len(cells) for cells in lists]),
        log_weights=log_weights,
        stride=stride,
        log_factorial=log_factorial,
        meeting_nodes=_placements(int(left[meeting]), columns) if len(rows) > 2 else columns[None, :].copy(),
        child_nodes=child_nodes,
        child_index=child_index,
        start_log_weight=float(log_factorial[columns].sum() - log_factorial[total]),
    )


def _orbit_sizes(nodes: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """How many nodes each node stands for when columns with equal totals are interchangeable (0: another does).

    Swapping two columns with the same total maps every table with the margins to
    another with the same probability, X² and G², and a node to the swapped node,
    so the tail through a node equals the tail through its image. Within each group
    of equal totals a node is kept if its entries do not decrease; it then counts
    for every distinct rearrangement of them.

    Examples
    --------
    >>> _orbit_sizes(np.array([[1, 2, 5], [2, 1, 5], [3, 3, 2]]), np.array([4, 4, 9])).tolist()
    [2, 0, 1]
    """
    sizes = np.ones(len(nodes), dtype=np.int64)
    for total in np.unique(columns):
        group = nodes[:, columns == total]
        if group.shape[1] < 2:
            continue
        sizes[(np.diff(group, axis=1) < 0).any(axis=1)] = 0
        for row, entries in enumerate(group):
            if sizes[row]:
                _, repeats = np.unique(entries, return_counts=True)
                sizes[row] *= math.factorial(len(entries)) // math.prod(math.factorial(k) for k in repeats)
    return sizes


@dataclass(frozen=True)
class _Tail:
    sure: float
    ambiguous: float
    dropped: float
    n_states: int
    n_pairs: int


def _tail(network: _Network, ordering: str, threshold: float, prune_below: float, budget: int) -> _Tail:
    """Probability of the tables whose row terms sum to at least ``threshold`` (three parts) and the work done."""
    rows, columns, total = network.rows, network.columns, network.total
    term = _cell_terms(ordering, rows.astype(float), columns.astype(float), total)
    lambdas = _LAMBDAS * (1.0 if ordering == "pearson" else 2.0)
    n_rows = len(rows)
    values = np.zeros(network.log_weights.shape)
    for i in range(n_rows):
        used = network.cells[i, : network.lengths[i]]
        values[i, : network.lengths[i]] = term[i, np.arange(len(columns)), used].sum(axis=1)
    last_two = n_rows - 2
    futures = _futures(
        network.child_nodes,
        network.cells[last_two, : network.lengths[last_two]],
        network.log_weights[last_two, : network.lengths[last_two]],
        values[last_two, : network.lengths[last_two]],
        float(network.log_factorial[rows[-1]]),
        term[-1],
        network.log_factorial,
        lambdas,
    )
    offsets, child_values, cumulative, child_log_total, child_largest, child_smallest, child_log_mgf = futures
    # every comparison is of a sum of at most rows x columns + 2 terms, each at most the largest row value
    eta = _SAFETY * (rows.size * columns.size + 4) * _UNIT_ROUNDOFF * (1.0 + abs(threshold) + n_rows * values.max())
    if n_rows == 2:  # the start node is itself two rows from the end
        first = _search_first_below(child_values, 0, offsets[1], threshold + eta)
        edge = _search_first_below(child_values, first, offsets[1], threshold - eta)
        base = math.exp(network.start_log_weight + child_log_total[0])
        sure = base * (cumulative[first - 1] if first > 0 else 0.0)
        ambiguous = base * (cumulative[edge - 1] if edge > 0 else 0.0) - sure
        return _Tail(sure=sure, ambiguous=max(ambiguous, 0.0), dropped=0.0, n_states=1, n_pairs=int(offsets[1]))
    meeting = n_rows - 3
    edge_cells = network.cells[meeting, : network.lengths[meeting]]
    log_mgf, largest, smallest, pairs = _one_row_back(
        network.meeting_nodes, edge_cells, network.log_weights[meeting, : network.lengths[meeting]],
        values[meeting, : network.lengths[meeting]], network.child_index, child_log_mgf, child_largest,
        child_smallest, np.diff(offsets), network.stride, lambdas,
    )
    listed = len(network.meeting_nodes) * int(np.prod(network.lengths[: max(meeting - 1, 0)], dtype=float))
    work = listed + int(pairs.sum())
    if work > budget:
        raise NetworkBudgetError(f"{work:,} steps")
    log_total = network.log_factorial[network.meeting_nodes.sum(axis=1)] - network.log_factorial[
        network.meeting_nodes
    ].sum(axis=1)
    # one node of each set that a swap of equal column totals maps into each other, counted for all of them
    multiplicity = _orbit_sizes(network.meeting_nodes, columns)
    # spread the nodes over the threads evenly: a fixed shuffle, so that results do not depend on timing;
    # and call the kernel on slices of them, so that Ctrl-C and SIGTERM are handled within a second or two
    order = np.random.default_rng(0).permutation(np.flatnonzero(multiplicity))
    parts = []
    for chunk in np.array_split(order, max(1, len(order) // _NODES_PER_CALL)):
        parts.append(_meet(
            network.meeting_nodes, chunk, columns, network.cells, network.lengths, network.log_weights, values,
            meeting, term, network.log_factorial, rows, network.start_log_weight, log_mgf, largest, smallest,
            log_total, lambdas, network.child_index, offsets, child_values, cumulative, child_log_total,
            network.stride, threshold, eta, prune_below,
        ))
    sure, ambiguous, dropped, n_states, n_pairs = (np.sum(arrays, axis=0) for arrays in zip(*parts))
    return _Tail(
        sure=math.fsum((multiplicity * sure).tolist()),
        ambiguous=math.fsum((multiplicity * ambiguous).tolist()),
        dropped=math.fsum((multiplicity * dropped).tolist()),
        n_states=int(n_states.sum()),
        n_pairs=int(n_pairs.sum()),
    )


def exact_conditional_test(
    table: pd.DataFrame,
    *,
    max_work: int = DEFAULT_WORK_BUDGET,
    prune_below: float = DEFAULT_PRUNE_BELOW,
    dropped_share: float = DEFAULT_DROPPED_SHARE,
) -> ExactConditionalTest:
    """Exact conditional p-values (probability, X², G² orderings) with error bounds.

    Parameters
    ----------
    table : pandas.DataFrame
        Counts, groups in rows and outcomes in columns.
    max_work : int
        Budget on the work of one ordering (past states listed plus future
        pairs before pruning), checked before the long part starts, so the
        function never runs without limit.
    prune_below : float
        First threshold below which a state or block of pairs is dropped,
        its bound added to ``error_bound`` (0 drops nothing).
    dropped_share : float
        Largest share of the p-value the dropped bounds may take: while they
        take more, the threshold is lowered in proportion and the ordering
        computed again.

    Returns
    -------
    ExactConditionalTest

    Raises
    ------
    NetworkBudgetError
        With a one-line message giving the margins and the work needed.

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
    margins_text = f"row totals {rows.tolist()}, column totals {columns.tolist()}"
    try:
        network = _network(rows, columns)
    except NetworkBudgetError as error:
        raise NetworkBudgetError(
            f"exact test: the network for {margins_text} needs {error} (at most {_DENSE_LIMIT:,}); "
            "use the Monte Carlo test"
        ) from None
    n_cells = observed.size + len(rows) + len(columns) + 2
    # relative error of each table's probability: log-weight sums of magnitude <= log N!, then exp
    relative_error = _SAFETY * n_cells * _UNIT_ROUNDOFF * (1.0 + float(network.log_factorial[network.total]))
    results = {}
    n_states = n_pairs = 0
    threshold_used = prune_below
    for ordering, (statistic, threshold) in _thresholds(observed).items():
        cut = prune_below
        while True:
            try:
                tail = _tail(network, ordering, threshold, cut, max_work)
            except NetworkBudgetError as error:
                raise NetworkBudgetError(
                    f"exact test: the network for {margins_text} needs {error} "
                    f"(budget {max_work:,}, {ordering} ordering); raise max_work or use the Monte Carlo test"
                ) from None
            n_states += tail.n_states
            n_pairs += tail.n_pairs
            if tail.dropped <= dropped_share * tail.sure or cut == 0.0:
                break
            # the dropped part shrinks about in proportion to the threshold: aim at a tenth of the allowance
            # (the pairs merged barely grow as the threshold falls, so aiming low costs little)
            shrink = dropped_share * tail.sure / (10 * tail.dropped) if tail.sure > 0 else 1e-8
            cut = cut * min(0.1, shrink) if cut > 1e-290 else 0.0
        threshold_used = min(threshold_used, cut)
        low = tail.sure * (1 - relative_error)
        high = min(1.0, (tail.sure + tail.ambiguous + tail.dropped) * (1 + relative_error))
        results[ordering] = ExactPValue(
            ordering=ordering,
            statistic=float(statistic),
            p_value=float((low + high) / 2),
            error_bound=float((high - low) / 2),
        )
    return ExactConditionalTest(**results, n_past_states=n_states, n_pairs=n_pairs, prune_below=threshold_used)

