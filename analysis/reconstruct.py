"""Recovering the integer counts behind a table of rounded percentages.

Table 5.1 prints percentages, not counts. With the sample size N known, each
printed figure still pins its count down closely: a figure printed as ``P``
with ``d`` decimals says that the exact percentage lies within half a printed
unit of ``P``. In exact integer arithmetic, with ``s = 100 * 10**d`` and ``P``
in printed units (``5.1`` % with one decimal is ``P = 51``, ``s = 1000``),

    ``k / n`` is consistent with ``P``  iff  ``|s*k - P*n| <= n/2``,

that is ``2*|s*k - P*n| <= n``. The boundary is included on both sides, so a
value exactly halfway between two printed figures is accepted whether the
author rounded half up or half down (or half to even): the search never rules
out a table because of an assumed tie-breaking rule.

:func:`reconstruct` finds *every* table of non-negative integers consistent
with every printed figure by an exhaustive search in five stages, each
narrowing the previous one:

1. row totals ``n_i``: every ``n`` in ``1..N`` tested against the row's
   printed share of the sample (a row of percentages needs ``n >= 1``);
2. single cells: for each surviving ``n_i`` and each outcome, every ``k`` in
   ``0..n_i`` tested against the printed row percentage;
3. row vectors: every combination of surviving cells, kept if it sums to ``n_i``;
4. whole tables: every combination of one row vector per row, kept if the
   row totals sum to ``N``;
5. column shares: kept if every column total is consistent with its printed
   share of the sample.

Each stage tests every candidate the previous stage left, and the tests are
necessary conditions, so nothing consistent can be lost: the solutions
returned are all the solutions there are.

Examples
--------
>>> from analysis.load import load_published_table
>>> result = reconstruct(load_published_table())
>>> len(result.solutions)
1
>>> result.unique().loc["Micro"].tolist()
[2, 14, 22, 1]
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from analysis.contingency import ContingencyTableError
from analysis.domain import N_CHARITIES
from analysis.errors import CompendiumError
from analysis.load import SHARE_LABEL, PublishedTable

#: Most candidates any one stage of the search may examine unless the caller raises it.
#: Table 5.1 with N = 231 needs at most 1,155 per stage; ten times the sample, under 20,000.
MAX_CANDIDATES = 1_000_000


class InfeasibleTableError(CompendiumError):
    """No table of integer counts is consistent with the printed figures."""


class NotUniqueError(CompendiumError):
    """A unique table was asked for, but the printed figures allow zero or several."""


class SearchBudgetError(CompendiumError):
    """A stage of the search would examine more candidates than its budget allows."""


@dataclass(frozen=True)
class SearchStage:
    """How many candidates one stage of the search examined and kept.

    Examples
    --------
    >>> SearchStage("row totals", "n_i in 1..N", 10, 2).kept
    2
    """

    name: str
    description: str
    examined: int
    kept: int


@dataclass(frozen=True, eq=False)
class Reconstruction:
    """Every integer table consistent with a printed percentage table.

    Attributes
    ----------
    solutions : tuple of pandas.DataFrame
        Each an int64 table of counts laid out like the printed cells.
    stages : tuple of SearchStage
        Candidates examined and kept at each of the five stages.
    row_totals : dict
        For each row, the row totals ``n_i`` consistent with its printed share.
    row_vectors : dict
        For each row, every vector of counts consistent with its printed
        percentages and share (before the rows are combined).
    n_total : int
        The sample size ``N`` the search used.
    source : str
        Where the printed figures came from (named in errors).

    Examples
    --------
    >>> from analysis.load import load_published_table
    >>> reconstruct(load_published_table()).row_totals["Micro"]
    (39,)
    """

    solutions: tuple[pd.DataFrame, ...]
    stages: tuple[SearchStage, ...]
    row_totals: dict[str, tuple[int, ...]]
    row_vectors: dict[str, tuple[tuple[int, ...], ...]]
    n_total: int
    source: str

    def unique(self) -> pd.DataFrame:
        """The one consistent table of counts.

        Raises
        ------
        NotUniqueError
            If the printed figures allow no table or more than one.

        Examples
        --------
        >>> from analysis.load import load_published_table
        >>> int(reconstruct(load_published_table()).unique().to_numpy().sum())
        231
        """
        if len(self.solutions) != 1:
            raise NotUniqueError(
                f"{self.source}: {len(self.solutions)} integer tables are consistent with the printed figures "
                f"(N = {self.n_total}); the counts are not uniquely identified"
            )
        return self.solutions[0]

    def stage_table(self) -> pd.DataFrame:
        """The search stages as a DataFrame (columns stage, description, examined, kept).

        Examples
        --------
        >>> from analysis.load import load_published_table
        >>> reconstruct(load_published_table()).stage_table()["kept"].tolist()
        [5, 20, 5, 1, 1]
        """
        return pd.DataFrame(
            [(stage.name, stage.description, stage.examined, stage.kept) for stage in self.stages],
            columns=["stage", "description", "examined", "kept"],
        ).astype({"examined": np.int64, "kept": np.int64})


def is_consistent(printed: int, decimals: int, numerator: int, denominator: int) -> bool:
    """Whether ``numerator / denominator`` rounds to ``printed`` units of ``10**-decimals`` percent.

    Exact integer test ``2*|s*numerator - printed*denominator| <= denominator``
    with ``s = 100 * 10**decimals``; exact halves are accepted either way.

    Examples
    --------
    >>> is_consistent(51, 1, 2, 39)      # 2/39 = 5.128...% prints as 5.1
    True
    >>> is_consistent(51, 1, 2, 40)      # 2/40 = 5.0%
    False
    >>> is_consistent(3, 0, 1, 40), is_consistent(2, 0, 1, 40)   # 2.5% is a tie
    (True, True)
    """
    scale = 100 * 10**decimals
    return 2 * abs(scale * numerator - printed * denominator) <= denominator


def count_interval(printed: int, decimals: int, denominator: int) -> tuple[Fraction, Fraction]:
    """The exact range of counts ``k`` out of ``denominator`` that print as ``printed``.

    A figure printed as ``P`` units stands for any exact percentage within
    half a unit of it, so the count lies in
    ``[(P - 1/2) * denominator / s, (P + 1/2) * denominator / s]`` with
    ``s = 100 * 10**decimals``; the whole numbers in this interval are exactly
    those that pass :func:`is_consistent`.

    Examples
    --------
    >>> low, high = count_interval(169, 1, 231)     # 16.9% of 231 charities
    >>> float(low), float(high)
    (38.9235, 39.1545)
    """
    scale = 100 * 10**decimals
    half = Fraction(1, 2)
    low = max(Fraction(0), (printed - half) * denominator / scale)
    return low, (printed + half) * denominator / scale


def reconstruct(
    published: PublishedTable, n_total: int = N_CHARITIES, max_candidates: int = MAX_CANDIDATES
) -> Reconstruction:
    """Find every table of counts consistent with ``published`` and sample size ``n_total``.

    Works for any number of rows and outcomes and any ``N``; see the module
    docstring for the five stages and the rounding convention.

    Parameters
    ----------
    published : PublishedTable
        Printed row percentages, row shares, column shares and total.
    n_total : int
        Number of units in the whole table (231 charities for Table 5.1).
    max_candidates : int
        Budget: the most candidates any one stage may examine. Each stage
        counts its candidates before it enumerates them, so a search too large
        for the budget stops at once instead of running for hours.

    Returns
    -------
    Reconstruction

    Raises
    ------
    InfeasibleTableError
        If no table fits, naming the table's source and the printed figures that conflict.
    SearchBudgetError
        If a stage would examine more than ``max_candidates`` candidates,
        saying how many it would need.

    Examples
    --------
    >>> table = publish(pd.DataFrame({"yes": [1, 3], "no": [2, 0]}, index=["a", "b"]))
    >>> reconstruct(table, n_total=6).unique().to_numpy().tolist()
    [[1, 2], [3, 0]]
    """
    source = published.source
    if not isinstance(n_total, numbers.Integral) or isinstance(n_total, bool) or n_total < 1:
        raise InfeasibleTableError(
            f"{source}: sample size N = {n_total!r} ({type(n_total).__name__}): must be a positive whole number (an int)"
        )
    n_total = int(n_total)
    decimals = published.decimals
    shown = published.as_text

    def within_budget(stage: str, candidates: int) -> None:
        if candidates > max_candidates:
            raise SearchBudgetError(
                f"{source}: with N = {n_total}, the search stage '{stage}' would examine {candidates:,} candidates, "
                f"more than the budget of {max_candidates:,}; to search anyway, call "
                f"reconstruct(..., max_candidates={candidates})"
            )

    if published.total != published.hundred_percent:
        raise InfeasibleTableError(
            f"{source}: row {SHARE_LABEL!r}, column {SHARE_LABEL!r}: printed {shown(published.total)}% "
            "but any table's share of itself is 100%"
        )
    rows, outcomes = published.rows, published.outcomes

    # Stage 1: row totals from each row's printed share of the whole sample.
    within_budget("row totals", len(rows) * n_total)
    row_totals: dict[str, tuple[int, ...]] = {}
    for row in rows:
        share = int(published.row_shares[row])
        row_totals[row] = tuple(n for n in range(1, n_total + 1) if is_consistent(share, decimals, n, n_total))
        if not row_totals[row]:
            raise InfeasibleTableError(
                f"{source}: row {row}: no row total n in 1..{n_total} gives n/{n_total} that rounds to "
                f"{shown(share)}% (printed share of the overall sample)"
            )
    stage_totals = SearchStage(
        "row totals", f"each n in 1..N per row, against the row's share of N = {n_total}",
        len(rows) * n_total, sum(len(totals) for totals in row_totals.values()),
    )

    # Stages 2 and 3: single cells, then whole row vectors, for each candidate total.
    within_budget("single cells", sum(len(outcomes) * (n + 1) for totals in row_totals.values() for n in totals))
    cells_examined = cells_kept = vectors_examined = 0
    row_vectors: dict[str, tuple[tuple[int, ...], ...]] = {}
    for row in rows:
        printed = [int(value) for value in published.cells.loc[row]]
        vectors: list[tuple[int, ...]] = []
        empty_cells: dict[int, list[str]] = {}
        for n in row_totals[row]:
            options = [[k for k in range(n + 1) if is_consistent(value, decimals, k, n)] for value in printed]
            cells_examined += len(outcomes) * (n + 1)
            cells_kept += sum(len(option) for option in options)
            empty_cells[n] = [outcome for outcome, option in zip(outcomes, options) if not option]
            vectors_examined += math.prod(len(option) for option in options)
            within_budget("row vectors", vectors_examined)
            vectors.extend(vector for vector in itertools.product(*options) if sum(vector) == n)
        if not vectors:
            raise InfeasibleTableError(f"{source}: " + _row_conflict(row, row_totals[row], printed, empty_cells, outcomes, shown))
        row_vectors[row] = tuple(vectors)
    stage_cells = SearchStage(
        "single cells", "each k in 0..n_i per outcome, against the printed row percentage", cells_examined, cells_kept
    )
    stage_vectors = SearchStage(
        "row vectors", "each combination of surviving cells, kept if it sums to n_i",
        vectors_examined, sum(len(vectors) for vectors in row_vectors.values()),
    )

    # Stage 4: one vector per row, kept if the row totals add up to N.
    tables_examined = math.prod(len(vectors) for vectors in row_vectors.values())
    within_budget("whole tables", tables_examined)
    tables = [table for table in itertools.product(*row_vectors.values()) if sum(map(sum, table)) == n_total]
    stage_tables = SearchStage(
        "whole tables", f"each choice of one row vector per row, kept if the rows sum to N = {n_total}",
        tables_examined, len(tables),
    )
    if not tables:
        reachable = sorted({sum(choice) for choice in itertools.product(*row_totals.values())})
        raise InfeasibleTableError(
            f"{source}: row shares: no combination of feasible row totals sums to N = {n_total} "
            f"(row totals {_describe(row_totals)} sum to values in {_set_text(reachable)})"
        )

    # Stage 5: column totals against the printed column shares.
    column_printed = [int(value) for value in published.column_shares]
    solutions = [
        table for table in tables
        if all(is_consistent(share, decimals, total, n_total) for share, total in zip(column_printed, _column_totals(table)))
    ]
    stage_columns = SearchStage(
        "column shares", f"each whole table, against every outcome's share of N = {n_total}", len(tables), len(solutions)
    )
    if not solutions:
        raise InfeasibleTableError(f"{source}: " + _column_conflict(tables, column_printed, outcomes, decimals, n_total, shown))

    frames = tuple(
        pd.DataFrame(
            [list(vector) for vector in table],
            index=pd.Index(rows, name="size_band"),
            columns=pd.Index(outcomes, name="outcome"),
            dtype=np.int64,
        )
        for table in solutions
    )
    return Reconstruction(
        solutions=frames,
        stages=(stage_totals, stage_cells, stage_vectors, stage_tables, stage_columns),
        row_totals=row_totals,
        row_vectors=row_vectors,
        n_total=n_total,
        source=source,
    )


def _column_totals(table: tuple[tuple[int, ...], ...]) -> list[int]:
    return [sum(column) for column in zip(*table)]


def _set_text(values: Iterable[int]) -> str:
    return "{" + ", ".join(str(value) for value in values) + "}"


def _describe(row_totals: dict[str, tuple[int, ...]]) -> str:
    return ", ".join(f"{row}: {_set_text(totals)}" for row, totals in row_totals.items())


def _row_conflict(
    row: str,
    totals: tuple[int, ...],
    printed: list[int],
    empty_cells: dict[int, list[str]],
    outcomes: tuple[str, ...],
    shown: Callable[[int], str],
) -> str:
    """Message naming the printed figures of ``row`` that no count vector can meet."""
    for outcome, value in zip(outcomes, printed):
        if all(outcome in empty_cells[n] for n in totals):
            return (
                f"row {row}, column {outcome}: no count k/n with n in {_set_text(totals)} "
                f"rounds to {shown(value)}%"
            )
    figures = ", ".join(f"{outcome} {shown(value)}%" for outcome, value in zip(outcomes, printed))
    return (
        f"row {row}: no counts with a total n in {_set_text(totals)} match all its printed "
        f"percentages ({figures}) at once"
    )


def _column_conflict(
    tables: list[tuple[tuple[int, ...], ...]],
    column_printed: list[int],
    outcomes: tuple[str, ...],
    decimals: int,
    n_total: int,
    shown: Callable[[int], str],
) -> str:
    """Message naming the printed column shares that no whole table can meet."""
    for index, (outcome, share) in enumerate(zip(outcomes, column_printed)):
        reachable = sorted({_column_totals(table)[index] for table in tables})
        if not any(is_consistent(share, decimals, total, n_total) for total in reachable):
            return (
                f"column {outcome}: printed {shown(share)}% but feasible row solutions give "
                f"column totals in {_set_text(reachable)} (of N = {n_total}), none of which rounds to it"
            )
    return "column shares: each is met by some feasible table, but no single table meets all of them at once"


def publish(counts: pd.DataFrame, decimals: int = 1) -> PublishedTable:
    """Print a table of counts the way Table 5.1 is printed (rounding exact halves up).

    Parameters
    ----------
    counts : pandas.DataFrame
        Non-negative integer counts; every row needs a positive total.
    decimals : int
        Decimals to print.

    Returns
    -------
    PublishedTable
        Row percentages, row and column shares of the total, and 100 %.

    Examples
    --------
    >>> counts = pd.DataFrame({"yes": [2, 1], "no": [37, 0]}, index=["a", "b"])
    >>> publish(counts).printed().values.tolist()
    [['a', '5.1', '94.9', '97.5'], ['b', '100.0', '0.0', '2.5'], ['Of overall sample', '7.5', '92.5', '100.0']]
    """
    matrix = _count_matrix(counts)
    scale = 100 * 10**decimals
    row_totals = matrix.sum(axis=1)
    n_total = int(row_totals.sum())

    def rounded(numerator: int, denominator: int) -> int:
        return (2 * scale * int(numerator) + int(denominator)) // (2 * int(denominator))

    index = pd.Index([str(row) for row in counts.index], name="size_band")
    columns = pd.Index([str(column) for column in counts.columns], name="outcome")
    cells = pd.DataFrame(
        [[rounded(k, n) for k in row] for row, n in zip(matrix, row_totals)], index=index, columns=columns, dtype=np.int64
    )
    row_shares = pd.Series([rounded(n, n_total) for n in row_totals], index=index, dtype=np.int64)
    column_shares = pd.Series([rounded(c, n_total) for c in matrix.sum(axis=0)], index=columns, dtype=np.int64)
    return PublishedTable(cells, row_shares, column_shares, scale, decimals, "computed from counts")


def _count_matrix(counts: pd.DataFrame) -> np.ndarray:
    """Check ``counts`` holds non-negative whole numbers with positive row totals; return them."""
    values = counts.apply(pd.to_numeric, errors="coerce")
    for row in counts.index:
        for column in counts.columns:
            value = values.loc[row, column]
            where = f"counts: row {row!r}, column {column!r}"
            if pd.isna(value) or value < 0 or not float(value).is_integer():
                raise ContingencyTableError(f"{where}: {counts.loc[row, column]} is not a non-negative whole number")
    matrix = values.to_numpy(dtype=np.int64)
    for row, total in zip(counts.index, matrix.sum(axis=1)):
        if total == 0:
            raise ContingencyTableError(f"counts: row {row!r} has a zero total, so its percentages are undefined")
    return matrix


def round_trip(counts: pd.DataFrame, published: PublishedTable) -> pd.DataFrame:
    """Recompute every printed figure from ``counts`` and compare it at printed precision.

    Parameters
    ----------
    counts : pandas.DataFrame
        Counts with the same row and column labels as ``published``.
    published : PublishedTable
        The printed table.

    Returns
    -------
    pandas.DataFrame
        One line per printed figure in reading order (for Table 5.1: 30), with
        columns ``figure`` (cell, row share, column share, total), ``row``,
        ``column``, ``fraction`` (the exact count ratio, e.g. ``2/39``),
        ``printed``, ``recomputed`` (rounded half up to the printed decimals)
        and ``matches`` (the consistency test of :func:`is_consistent`, which
        also accepts an exact half rounded down).

    Examples
    --------
    >>> counts = pd.DataFrame({"yes": [2, 1], "no": [37, 0]}, index=["a", "b"])
    >>> check = round_trip(counts, publish(counts))
    >>> len(check), bool(check["matches"].all())
    (9, True)
    """
    if list(map(str, counts.index)) != list(published.rows) or list(map(str, counts.columns)) != list(published.outcomes):
        raise ContingencyTableError(
            f"counts: labels {list(counts.index)} x {list(counts.columns)} do not match the printed table's "
            f"{list(published.rows)} x {list(published.outcomes)}"
        )
    matrix = _count_matrix(counts)
    recomputed = publish(counts, published.decimals)
    row_totals = matrix.sum(axis=1)
    column_totals = matrix.sum(axis=0)
    n_total = int(row_totals.sum())
    figures = []
    for i, row in enumerate(published.rows):
        for j, outcome in enumerate(published.outcomes):
            figures.append(("cell", row, outcome, matrix[i, j], row_totals[i],
                            published.cells.iloc[i, j], recomputed.cells.iloc[i, j]))
        figures.append(("row share", row, SHARE_LABEL, row_totals[i], n_total,
                        published.row_shares.iloc[i], recomputed.row_shares.iloc[i]))
    for j, outcome in enumerate(published.outcomes):
        figures.append(("column share", SHARE_LABEL, outcome, column_totals[j], n_total,
                        published.column_shares.iloc[j], recomputed.column_shares.iloc[j]))
    figures.append(("total", SHARE_LABEL, SHARE_LABEL, n_total, n_total, published.total, recomputed.total))
    return pd.DataFrame(
        [
            (figure, row, column, f"{int(numerator)}/{int(denominator)}", published.as_text(printed),
             published.as_text(again), is_consistent(int(printed), published.decimals, int(numerator), int(denominator)))
            for figure, row, column, numerator, denominator, printed, again in figures
        ],
        columns=["figure", "row", "column", "fraction", "printed", "recomputed", "matches"],
    ).astype({"matches": bool})
