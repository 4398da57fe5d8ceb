"""Is size associated with outcome? Tests of independence on a bands-by-outcomes table.

Every function takes a table of counts (rows: ordered groups such as the size
bands of Table 5.1, columns: outcomes), passes it through
:func:`analysis.contingency.validate_counts`, and returns a frozen dataclass
or a DataFrame. Nothing here prints or formats.

The module offers these families of results:

* the asymptotic Pearson chi-square and likelihood-ratio (G²) tests, with the
  expected counts and Cochran's rule for judging the chi-square approximation;
* conditional tests that do not rest on that approximation: exact p-values by
  full enumeration of the tables with the observed margins, when their number
  fits a budget, and otherwise a seeded Monte Carlo test under the same
  conditional null;
* descriptive measures: adjusted standardised residuals and Cramér's V (plain
  and bias-corrected);
* a two-column view (an event against the rest) with the Cochran–Armitage
  trend test across ordered groups and the test of departure from it;
* the mean-score (generalised Cochran–Mantel–Haenszel) test of ordered
  groups against unordered outcomes, with the remainder of X²;
* checks on the approximation and the precision: the seeded calibration of
  X² and G² under the table's margins, an interval for Cramér's V, and the
  exact power of Fisher's test for small bands;
* the checks behind the claims ledger: one group of bands against each other
  band (Holm-adjusted), equivalence of outcome shares to equal shares, and
  the two-sided Clopper–Pearson interval the book uses for every proportion.

:func:`association_statistics` gathers them into the long table written to
``data/derived/statistics.csv``.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"yes": [10, 20], "no": [20, 10]}, index=["a", "b"])
>>> round(pearson_chi_square(table).statistic, 4)
6.6667
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special, stats
from scipy.stats.contingency import odds_ratio

from analysis import config
from analysis.contingency import validate_counts
from analysis.domain import SIZE_BANDS

#: Relative tolerance when comparing a statistic or probability with the observed
#: one, so that ties broken only by rounding still count as "as extreme" (the
#: value R's ``fisher.test`` uses).
RELATIVE_TOLERANCE = 1e-7

#: Largest number of tables :func:`enumerate_tables` will build before giving up.
DEFAULT_TABLE_BUDGET = 2_000_000

#: Monte Carlo draws used by :func:`association_statistics` by default.
DEFAULT_DRAWS = 200_000

#: Tables drawn per batch in the Monte Carlo test (fixed, so results depend only on seed and draws).
_BATCH = 50_000


class TooManyTablesError(ValueError):
    """Full enumeration of the tables with the observed margins would exceed the budget."""


# ---------------------------------------------------------------------------
# Asymptotic tests
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChiSquareResult:
    """Pearson chi-square test of independence and the checks on its approximation.

    Attributes
    ----------
    statistic : float
        Pearson's X² = sum over cells of (O - E)² / E.
    dof : int
        Degrees of freedom, (rows - 1) × (columns - 1).
    p_value : float
        Upper tail of the chi-square distribution with ``dof`` degrees of freedom.
    expected : pandas.DataFrame
        Expected counts under independence, row total × column total / N.
    n_cells : int
        Number of cells in the table.
    n_expected_below_5, n_expected_below_1 : int
        Cells whose expected count is below 5 and below 1.
    share_expected_below_5 : float
        ``n_expected_below_5 / n_cells``.
    cochran_rule_met : bool
        Cochran's rule: no expected count below 1 and at most 20% below 5.
    """

    statistic: float
    dof: int
    p_value: float
    expected: pd.DataFrame
    n_cells: int
    n_expected_below_5: int
    n_expected_below_1: int
    share_expected_below_5: float
    cochran_rule_met: bool


@dataclass(frozen=True)
class LikelihoodRatioResult:
    """Likelihood-ratio (G²) test of independence.

    ``statistic`` is G² = 2 Σ O log(O / E) over cells with O > 0.
    """

    statistic: float
    dof: int
    p_value: float


def expected_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Expected counts under independence: row total × column total / N.

    Parameters
    ----------
    table : pandas.DataFrame
        Counts, groups in rows and outcomes in columns.

    Returns
    -------
    pandas.DataFrame
        Floats with the same index and columns as ``table``.

    Examples
    --------
    >>> table = pd.DataFrame({"yes": [1, 3], "no": [3, 1]}, index=["a", "b"])
    >>> expected_counts(table).to_numpy().tolist()
    [[2.0, 2.0], [2.0, 2.0]]
    """
    counts = validate_counts(table)
    rows = counts.sum(axis=1).to_numpy(dtype=float)
    columns = counts.sum(axis=0).to_numpy(dtype=float)
    return pd.DataFrame(np.outer(rows, columns) / rows.sum(), index=counts.index, columns=counts.columns)


def pearson_chi_square(table: pd.DataFrame) -> ChiSquareResult:
    """Pearson chi-square test of independence (no continuity correction).

    Parameters
    ----------
    table : pandas.DataFrame
        Counts, groups in rows and outcomes in columns.

    Returns
    -------
    ChiSquareResult

    Examples
    --------
    >>> table = pd.DataFrame({"yes": [10, 20], "no": [20, 10]}, index=["a", "b"])
    >>> result = pearson_chi_square(table)
    >>> result.dof, round(result.p_value, 4), result.cochran_rule_met
    (1, 0.0098, True)
    """
    counts = validate_counts(table)
    expected = expected_counts(counts)
    observed = counts.to_numpy(dtype=float)
    statistic = float(((observed - expected.to_numpy()) ** 2 / expected.to_numpy()).sum())
    dof = (counts.shape[0] - 1) * (counts.shape[1] - 1)
    n_cells = counts.size
    below_5 = int((expected.to_numpy() < 5).sum())
    below_1 = int((expected.to_numpy() < 1).sum())
    share = below_5 / n_cells
    return ChiSquareResult(
        statistic=statistic,
        dof=dof,
        p_value=float(stats.chi2.sf(statistic, dof)),
        expected=expected,
        n_cells=n_cells,
        n_expected_below_5=below_5,
        n_expected_below_1=below_1,
        share_expected_below_5=share,
        cochran_rule_met=below_1 == 0 and share <= 0.2,
    )


def likelihood_ratio_test(table: pd.DataFrame) -> LikelihoodRatioResult:
    """Likelihood-ratio (G²) test of independence; empty cells contribute zero.

    Parameters
    ----------
    table : pandas.DataFrame
        Counts, groups in rows and outcomes in columns.

    Returns
    -------
    LikelihoodRatioResult

    Examples
    --------
    >>> table = pd.DataFrame({"yes": [1, 3], "no": [3, 1]}, index=["a", "b"])
    >>> round(likelihood_ratio_test(table).statistic, 4)  # 2 * (2 log(1/2) + 6 log(3/2))
    2.093
    """
    counts = validate_counts(table)
    observed = counts.to_numpy(dtype=float)
    expected = expected_counts(counts).to_numpy()
    statistic = float(2 * special.xlogy(observed, observed / expected).sum())
    dof = (counts.shape[0] - 1) * (counts.shape[1] - 1)
    return LikelihoodRatioResult(statistic=statistic, dof=dof, p_value=float(stats.chi2.sf(statistic, dof)))


# ---------------------------------------------------------------------------
# Conditional (exact and Monte Carlo) tests
# ---------------------------------------------------------------------------


def enumerate_tables(
    row_sums: np.ndarray, column_sums: np.ndarray, *, max_tables: int = DEFAULT_TABLE_BUDGET
) -> np.ndarray:
    """Every table of non-negative integers with the given row and column totals.

    Cells are filled one at a time (row by row, after transposing so that rows
    are no more numerous than columns), each taking every value its remaining
    row and column totals allow; the last cell of a row and the whole last row
    are then determined. Every partial table extends to at least one
    complete table, so the work never exceeds the number of tables.

    Parameters
    ----------
    row_sums, column_sums : array of int
        Margins with equal totals.
    max_tables : int
        Budget; :class:`TooManyTablesError` is raised as soon as it is passed.

    Returns
    -------
    numpy.ndarray
        Shape (number of tables, rows, columns), int64.

    Raises
    ------
    TooManyTablesError
        When more than ``max_tables`` tables (or partial tables) arise.

    Examples
    --------
    >>> enumerate_tables(np.array([1, 1]), np.array([1, 1])).tolist()
    [[[0, 1], [1, 0]], [[1, 0], [0, 1]]]
    """
    rows = np.asarray(row_sums, dtype=np.int64)
    columns = np.asarray(column_sums, dtype=np.int64)
    if rows.sum() != columns.sum():
        raise ValueError(f"row totals sum to {rows.sum()} but column totals sum to {columns.sum()}")
    if len(rows) > len(columns):  # fewer, longer rows are faster to fill
        return enumerate_tables(columns, rows, max_tables=max_tables).transpose(0, 2, 1)
    n_rows, n_columns = len(rows), len(columns)
    cells = np.zeros((1, 0), dtype=np.int64)
    remaining_columns = columns[np.newaxis, :].copy()
    for row in range(n_rows - 1):
        remaining_row = np.full(len(cells), rows[row], dtype=np.int64)
        for column in range(n_columns - 1):
            upper = np.minimum(remaining_row, remaining_columns[:, column])
            repeats = upper + 1
            if repeats.sum() > max_tables:
                raise TooManyTablesError(
                    f"more than {max_tables:,} tables have these margins; use the Monte Carlo test"
                )
            parent = np.repeat(np.arange(len(cells)), repeats)
            value = np.arange(repeats.sum()) - np.repeat(np.cumsum(repeats) - repeats, repeats)
            cells = np.column_stack([cells[parent], value])
            remaining_row = remaining_row[parent] - value
            remaining_columns = remaining_columns[parent].copy()
            remaining_columns[:, column] -= value
        feasible = remaining_row <= remaining_columns[:, -1]
        cells = np.column_stack([cells[feasible], remaining_row[feasible]])
        remaining_columns = remaining_columns[feasible].copy()
        remaining_columns[:, -1] -= remaining_row[feasible]
    tables = np.column_stack([cells, remaining_columns])
    return tables.reshape(len(tables), n_rows, n_columns)


def table_log_probabilities(tables: np.ndarray) -> np.ndarray:
    """Log hypergeometric probability of each table given its own margins.

    P(table) = Π rᵢ! Π cⱼ! / (N! Π nᵢⱼ!), the probability of the table among
    all tables with the same margins when rows and columns are independent.

    Parameters
    ----------
    tables : numpy.ndarray
        Shape (..., rows, columns).

    Examples
    --------
    >>> round(float(np.exp(table_log_probabilities(np.array([[1, 0], [0, 1]])))), 3)
    0.5
    """
    tables = np.asarray(tables, dtype=np.int64)
    rows = tables.sum(axis=-1)
    columns = tables.sum(axis=-2)
    total = rows.sum(axis=-1)
    log_factorial = special.gammaln(np.arange(total.max() + 2))  # log k! = gammaln(k + 1), looked up
    return (
        log_factorial[rows + 1].sum(axis=-1)
        + log_factorial[columns + 1].sum(axis=-1)
        - log_factorial[total + 1]
        - log_factorial[tables + 1].sum(axis=(-2, -1))
    )


def pearson_statistics(tables: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Pearson X² of each table against a fixed table of expected counts.

    Examples
    --------
    >>> float(pearson_statistics(np.array([[1, 3], [3, 1]]), np.full((2, 2), 2.0)))
    2.0
    """
    return (((np.asarray(tables) - expected) ** 2) / expected).sum(axis=(-2, -1))


@dataclass(frozen=True)
class ExactTestResult:
    """Exact conditional test of independence by full enumeration.

    Attributes
    ----------
    p_value : float
        Fisher–Freeman–Halton p: total probability of the tables (with the
        observed margins) no more probable than the observed one.
    p_value_pearson : float
        Total probability of the tables whose Pearson X² is at least the observed one.
    n_tables : int
        Number of tables with the observed margins.
    """

    p_value: float
    p_value_pearson: float
    n_tables: int


def exact_test(table: pd.DataFrame, *, max_tables: int = DEFAULT_TABLE_BUDGET) -> ExactTestResult:
    """Exact conditional test of independence (Fisher–Freeman–Halton) by enumeration.

    Conditional on both margins, each table has a hypergeometric probability.
    The p-value sums the probabilities of every table at most as probable as
    the observed one (within a relative tolerance of ``1e-7``, as R's
    ``fisher.test``); the Pearson variant sums those with X² at least as large.

    Parameters
    ----------
    table : pandas.DataFrame
        Counts, groups in rows and outcomes in columns.
    max_tables : int
        Enumeration budget.

    Returns
    -------
    ExactTestResult

    Raises
    ------
    TooManyTablesError
        When the margins admit more than ``max_tables`` tables.

    Examples
    --------
    >>> table = pd.DataFrame({"yes": [3, 0], "no": [0, 3]}, index=["a", "b"])
    >>> round(exact_test(table).p_value, 4)  # 2 / C(6, 3)
    0.1
    """
    observed = validate_counts(table).to_numpy()
    tables = enumerate_tables(observed.sum(axis=1), observed.sum(axis=0), max_tables=max_tables)
    log_probabilities = table_log_probabilities(tables)
    probabilities = np.exp(log_probabilities)
    observed_log_probability = table_log_probabilities(observed)
    as_probable = log_probabilities <= observed_log_probability + np.log1p(RELATIVE_TOLERANCE)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    statistics = pearson_statistics(tables, expected)
    as_large = statistics >= pearson_statistics(observed, expected) * (1 - RELATIVE_TOLERANCE)
    return ExactTestResult(
        p_value=float(min(1.0, probabilities[as_probable].sum())),
        p_value_pearson=float(min(1.0, probabilities[as_large].sum())),
        n_tables=len(tables),
    )


@dataclass(frozen=True)
class MonteCarloResult:
    """Monte Carlo test of independence under the conditional (fixed-margins) null.

    Attributes
    ----------
    criterion : str
        ``"pearson"`` (tables with X² at least the observed) or
        ``"probability"`` (tables at most as probable as the observed, the
        Fisher–Freeman–Halton ordering).
    draws : int
        Number of simulated tables B.
    seed : int
        Seed of the random generator.
    n_as_extreme : int
        Number k of simulated tables at least as extreme as the observed.
    p_value : float
        (1 + k) / (1 + B): counts the observed table among the draws, so it is
        never 0 and is a valid (slightly conservative) p-value.
    mc_se : float
        Monte Carlo standard error sqrt(p̂(1 - p̂)/B) of p̂ = k/B.
    p_value_upper_95 : float
        One-sided exact (Clopper–Pearson) 95% upper bound on the true
        conditional p-value given k of B; about 3/B when k = 0.
    """

    criterion: str
    draws: int
    seed: int
    n_as_extreme: int
    p_value: float
    mc_se: float
    p_value_upper_95: float


def clopper_pearson_upper(successes: int, trials: int, *, confidence: float = 0.95) -> float:
    """One-sided exact (Clopper–Pearson) upper confidence bound for a binomial proportion.

    Examples
    --------
    >>> round(clopper_pearson_upper(0, 1000), 6)  # 1 - 0.05 ** (1 / 1000), near 3 / 1000
    0.002991
    """
    if successes >= trials:
        return 1.0
    return float(stats.beta.ppf(confidence, successes + 1, trials - successes))


def clopper_pearson_interval(successes: int, trials: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Two-sided exact (Clopper–Pearson) confidence interval for a binomial proportion.

    The book's one interval for a proportion: every "compatible with up to …"
    statement (for example the Large band's 0 ceased of 28) quotes the upper
    end of this two-sided 95% interval. Each end has at most (1 - confidence)/2
    probability of missing; at 0 successes the lower end is 0 and the upper
    end is 1 - ((1 - confidence)/2) ** (1/trials).

    Parameters
    ----------
    successes, trials : int
        Events and trials, 0 <= successes <= trials, trials > 0.
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    tuple of float
        (lower, upper).

    Raises
    ------
    ValueError
        When the counts are impossible.

    Examples
    --------
    >>> low, high = clopper_pearson_interval(0, 28)
    >>> low, round(high, 6)  # 1 - 0.025 ** (1 / 28)
    (0.0, 0.123436)
    """
    if trials <= 0 or not 0 <= successes <= trials:
        raise ValueError(f"binomial interval: {successes} successes in {trials} trials is impossible")
    tail = (1 - confidence) / 2
    low = 0.0 if successes == 0 else float(stats.beta.ppf(tail, successes, trials - successes + 1))
    high = 1.0 if successes == trials else float(stats.beta.ppf(1 - tail, successes + 1, trials - successes))
    return low, high


def draw_null_tables(
    row_sums: np.ndarray, column_sums: np.ndarray, *, draws: int, seed: int
) -> Iterator[np.ndarray]:
    """Tables drawn from the conditional null of independence, in fixed batches.

    Every table with the given margins is drawn with its multiple
    hypergeometric probability (the r2dtable sampler of
    :func:`scipy.stats.random_table`), from :func:`numpy.random.default_rng`
    seeded with ``seed``; batches of 50,000 make the draws depend only on the
    seed and their number.

    Parameters
    ----------
    row_sums, column_sums : array of int
        Margins with equal totals.
    draws : int
        Number of tables in all.
    seed : int
        Seed of the generator.

    Yields
    ------
    numpy.ndarray
        Batches of shape (batch, rows, columns).

    Examples
    --------
    >>> batches = list(draw_null_tables(np.array([2, 3]), np.array([4, 1]), draws=7, seed=1))
    >>> [batch.shape for batch in batches], bool((batches[0].sum(axis=2) == [2, 3]).all())
    ([(7, 2, 2)], True)
    """
    generator = np.random.default_rng(seed)
    distribution = stats.random_table(np.asarray(row_sums), np.asarray(column_sums))
    remaining = draws
    while remaining > 0:
        batch = distribution.rvs(size=min(_BATCH, remaining), random_state=generator)
        remaining -= len(batch)
        yield batch


def monte_carlo_tests(
    table: pd.DataFrame, *, draws: int = DEFAULT_DRAWS, seed: int = config.SEED
) -> dict[str, MonteCarloResult]:
    """Monte Carlo p-values for independence, by Pearson X² and by table probability.

    Tables are drawn from the exact conditional null (all tables with the
    observed margins, weighted by their hypergeometric probability) by
    :func:`draw_null_tables`; both criteria use the same draws.

    Parameters
    ----------
    table : pandas.DataFrame
        Counts, groups in rows and outcomes in columns.
    draws : int
        Number of simulated tables.
    seed : int
        Seed for :func:`numpy.random.default_rng`.

    Returns
    -------
    dict of str to MonteCarloResult
        Keys ``"pearson"`` and ``"probability"``.

    Examples
    --------
    >>> table = pd.DataFrame({"yes": [8, 2], "no": [2, 8]}, index=["a", "b"])
    >>> result = monte_carlo_tests(table, draws=2000, seed=1)["pearson"]
    >>> 0.01 < result.p_value < 0.04, result.p_value > 0
    (True, True)
    """
    counts = validate_counts(table).to_numpy()
    rows, columns = counts.sum(axis=1), counts.sum(axis=0)
    expected = np.outer(rows, columns) / counts.sum()
    observed_statistic = pearson_statistics(counts, expected)
    observed_log_probability = table_log_probabilities(counts)
    as_large = as_probable = 0
    for batch in draw_null_tables(rows, columns, draws=draws, seed=seed):
        as_large += int((pearson_statistics(batch, expected) >= observed_statistic * (1 - RELATIVE_TOLERANCE)).sum())
        log_probabilities = table_log_probabilities(batch)
        as_probable += int((log_probabilities <= observed_log_probability + np.log1p(RELATIVE_TOLERANCE)).sum())

    def result(criterion: str, k: int) -> MonteCarloResult:
        share = k / draws
        return MonteCarloResult(
            criterion=criterion,
            draws=draws,
            seed=seed,
            n_as_extreme=k,
            p_value=(1 + k) / (1 + draws),
            mc_se=float(np.sqrt(share * (1 - share) / draws)),
            p_value_upper_95=clopper_pearson_upper(k, draws),
        )

    return {"pearson": result("pearson", as_large), "probability": result("probability", as_probable)}


# ---------------------------------------------------------------------------
# Descriptive measures
# ---------------------------------------------------------------------------


def adjusted_residuals(table: pd.DataFrame) -> pd.DataFrame:
    """Adjusted standardised (Haberman) residuals, (O - E) / sqrt(E (1 - rᵢ/N)(1 - cⱼ/N)).

    Under independence each is roughly standard normal, so values beyond
    about ±2 mark cells with clearly more (positive) or fewer (negative)
    charities than independence predicts.

    Examples
    --------
    >>> table = pd.DataFrame({"yes": [10, 20], "no": [20, 10]}, index=["a", "b"])
    >>> round(float(adjusted_residuals(table).loc["a", "yes"]), 4)  # = -sqrt(X²) for a 2x2 table
    -2.582
    """
    counts = validate_counts(table)
    observed = counts.to_numpy(dtype=float)
    total = observed.sum()
    rows = observed.sum(axis=1, keepdims=True)
    columns = observed.sum(axis=0, keepdims=True)
    expected = rows * columns / total
    variance = expected * (1 - rows / total) * (1 - columns / total)
    return pd.DataFrame((observed - expected) / np.sqrt(variance), index=counts.index, columns=counts.columns)


@dataclass(frozen=True)
class CramersV:
    """Cramér's V and its bias-corrected version.

    Attributes
    ----------
    v : float
        sqrt(φ² / (min(r, c) - 1)) with φ² = X² / N; 0 means no association, 1 perfect.
    v_corrected : float
        Bergsma (2013): sqrt(φ̃² / min(r̃ - 1, c̃ - 1)) with
        φ̃² = max(0, φ² - (r - 1)(c - 1)/(N - 1)), r̃ = r - (r - 1)²/(N - 1),
        c̃ = c - (c - 1)²/(N - 1). Removes most of the upward bias of V in
        small samples and sparse tables.
    """

    v: float
    v_corrected: float


def cramers_v(table: pd.DataFrame) -> CramersV:
    """Cramér's V, plain and Bergsma's bias-corrected, from Pearson's X².

    Examples
    --------
    >>> table = pd.DataFrame({"yes": [10, 0], "no": [0, 10]}, index=["a", "b"])
    >>> cramers_v(table).v
    1.0
    """
    counts = validate_counts(table)
    n_rows, n_columns = counts.shape
    total = float(counts.to_numpy().sum())
    phi_squared = pearson_chi_square(counts).statistic / total
    corrected_phi_squared = max(0.0, phi_squared - (n_rows - 1) * (n_columns - 1) / (total - 1))
    corrected_rows = n_rows - (n_rows - 1) ** 2 / (total - 1)
    corrected_columns = n_columns - (n_columns - 1) ** 2 / (total - 1)
    return CramersV(
        v=float(np.sqrt(phi_squared / (min(n_rows, n_columns) - 1))),
        v_corrected=float(np.sqrt(corrected_phi_squared / min(corrected_rows - 1, corrected_columns - 1))),
    )


# ---------------------------------------------------------------------------
# An event against the rest, and the trend across ordered groups
# ---------------------------------------------------------------------------


def collapse_outcome(table: pd.DataFrame, event: tuple[str, ...] = ("Ceased",), *, name: str | None = None) -> pd.DataFrame:
    """Collapse the outcomes into two columns: the event and everything else.

    Parameters
    ----------
    table : pandas.DataFrame
        Counts, groups in rows and outcomes in columns.
    event : tuple of str
        Outcome columns that make up the event, e.g. ``("Ceased", "Merged")``.
    name : str, optional
        Name of the event column; defaults to the outcomes joined by " or ".
        The other column is named ``"Not " + name``.

    Returns
    -------
    pandas.DataFrame
        Two int64 columns, event first.

    Raises
    ------
    KeyError
        When an outcome in ``event`` is not a column of ``table``.

    Examples
    --------
    >>> table = pd.DataFrame({"Ceased": [1, 2], "Merged": [0, 1], "Grew": [3, 3]}, index=["a", "b"])
    >>> collapse_outcome(table, ("Ceased", "Merged")).to_dict(orient="list")
    {'Ceased or Merged': [1, 3], 'Not Ceased or Merged': [3, 3]}
    """
    counts = validate_counts(table)
    missing = [outcome for outcome in event if outcome not in counts.columns]
    if missing:
        raise KeyError(f"outcome(s) {missing} not among the table's columns {list(counts.columns)}")
    label = name or " or ".join(event)
    events = counts[list(event)].sum(axis=1)
    return pd.DataFrame({label: events, f"Not {label}": counts.sum(axis=1) - events}, index=counts.index)


@dataclass(frozen=True)
class TrendTestResult:
    """Test for a linear trend in the event proportion across ordered groups.

    The statistic T = Σ sᵢ xᵢ (score × events) is compared with its mean and
    variance under independence. Two variance conventions exist:

    * ``N`` form (Cochran–Armitage, R's ``prop.trend.test``):
      z² = [Σ xᵢ(sᵢ - s̄)]² / (p̄(1 - p̄) Σ nᵢ(sᵢ - s̄)²);
    * ``N - 1`` form (Mantel's linear-by-linear M² = (N - 1) r², as SAS and
      R's ``coin::lbl_test``): the same statistic times (N - 1)/N, the exact
      conditional (hypergeometric) variance.

    Attributes
    ----------
    scores : tuple of float
        Score of each group, in row order.
    z, chi2, p_value : float
        Signed z (positive: the event becomes more common with the score),
        its square and the two-sided p-value, N form.
    z_mantel, chi2_mantel, p_value_mantel : float
        The same in the N - 1 form.
    p_value_exact : float
        Exact conditional two-sided p: total probability of the tables (with
        the observed margins) whose |T - E(T)| is at least the observed.
    departure_chi2, departure_dof, departure_p_value : float, int, float
        The rest of Pearson's X² of the groups × 2 table once the trend is
        taken out, X² - z² (both in the N form, an exact partition), on
        r - 2 degrees of freedom: the test of departure from a linear trend.
    """

    scores: tuple[float, ...]
    z: float
    chi2: float
    p_value: float
    z_mantel: float
    chi2_mantel: float
    p_value_mantel: float
    p_value_exact: float
    departure_chi2: float
    departure_dof: int
    departure_p_value: float


def trend_test(
    table: pd.DataFrame, scores: tuple[float, ...] | None = None, *, max_tables: int = DEFAULT_TABLE_BUDGET
) -> TrendTestResult:
    """Cochran–Armitage / linear-by-linear trend test on a groups × (event, not event) table.

    Parameters
    ----------
    table : pandas.DataFrame
        Two columns, the event first (as :func:`collapse_outcome` returns),
        groups in their natural order.
    scores : tuple of float, optional
        One score per group; defaults to 1, 2, ..., r (equally spaced bands).
    max_tables : int
        Enumeration budget for the exact p-value.

    Returns
    -------
    TrendTestResult

    Raises
    ------
    ValueError
        When the table has other than two columns, the number of scores does
        not match the rows, or all scores are equal.

    Examples
    --------
    >>> table = pd.DataFrame({"event": [1, 3, 5], "not": [5, 3, 1]}, index=["a", "b", "c"])
    >>> result = trend_test(table)
    >>> round(result.chi2, 4), round(result.chi2_mantel / result.chi2, 4)  # ratio (N - 1) / N
    (5.3333, 0.9444)
    """
    counts = validate_counts(table, name="trend table")
    if counts.shape[1] != 2:
        raise ValueError(f"trend table: needs 2 columns (event, not event), got {counts.shape[1]}")
    score_values = np.arange(1, counts.shape[0] + 1, dtype=float) if scores is None else np.asarray(scores, dtype=float)
    if score_values.shape != (counts.shape[0],):
        raise ValueError(f"trend table: {len(score_values)} scores given for {counts.shape[0]} rows")
    if np.ptp(score_values) == 0:
        raise ValueError("trend table: all scores are equal, so there is no trend to test")
    events = counts.iloc[:, 0].to_numpy(dtype=float)
    sizes = counts.sum(axis=1).to_numpy(dtype=float)
    total = sizes.sum()
    share = events.sum() / total
    mean_score = (sizes * score_values).sum() / total
    numerator = (events * (score_values - mean_score)).sum()
    variance = share * (1 - share) * (sizes * (score_values - mean_score) ** 2).sum()
    z = numerator / np.sqrt(variance)
    z_mantel = z * np.sqrt((total - 1) / total)

    tables = enumerate_tables(counts.sum(axis=0).to_numpy(), counts.sum(axis=1).to_numpy(), max_tables=max_tables)
    probabilities = np.exp(table_log_probabilities(tables))
    deviations = np.abs(tables[:, 0, :] @ score_values - events.sum() * mean_score)
    as_large = deviations >= abs(numerator) * (1 - RELATIVE_TOLERANCE)
    departure = pearson_chi_square(counts).statistic - z**2
    departure_dof = counts.shape[0] - 2
    return TrendTestResult(
        scores=tuple(float(score) for score in score_values),
        z=float(z),
        chi2=float(z**2),
        p_value=float(2 * stats.norm.sf(abs(z))),
        z_mantel=float(z_mantel),
        chi2_mantel=float(z_mantel**2),
        p_value_mantel=float(2 * stats.norm.sf(abs(z_mantel))),
        p_value_exact=float(min(1.0, probabilities[as_large].sum())),
        departure_chi2=float(departure),
        departure_dof=departure_dof,
        departure_p_value=float(stats.chi2.sf(departure, departure_dof)) if departure_dof > 0 else float("nan"),
    )


# ---------------------------------------------------------------------------
# An ordered factor against an unordered one: the mean-score test
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MeanScoreResult:
    """Generalised Cochran–Mantel–Haenszel mean-score test (one stratum).

    Rows are ordered and scored; columns are unordered. The test asks whether
    the mean row score differs between the columns (for Table 5.1: whether
    the average size score differs between the outcomes). With s̄ⱼ the mean
    score in column j, s̄ the overall mean and SST = Σᵢ nᵢ₊(sᵢ - s̄)²,

        Q = (N - 1) Σⱼ n₊ⱼ (s̄ⱼ - s̄)² / SST  on c - 1 degrees of freedom,

    the "row mean scores differ" statistic of SAS and of R's
    ``coin::cmh_test`` (exact conditional variance, hence N - 1). The N form
    multiplies by N / (N - 1).

    Attributes
    ----------
    scores : tuple of float
        Score of each row.
    statistic, dof, p_value : float, int, float
        Q in the N - 1 form, c - 1, and its chi-square p-value.
    statistic_n_form : float
        N Σⱼ n₊ⱼ (s̄ⱼ - s̄)² / SST.
    remainder, remainder_dof, remainder_p_value : float, int, float
        Pearson's X² minus Q, on (r - 1)(c - 1) - (c - 1) = (r - 2)(c - 1)
        degrees of freedom: what of the association the mean scores leave.
    remainder_n_form : float
        X² minus the N form of Q, the exact partition of X² (both terms in the
        N convention); the same degrees of freedom.
    """

    scores: tuple[float, ...]
    statistic: float
    dof: int
    p_value: float
    statistic_n_form: float
    remainder: float
    remainder_dof: int
    remainder_p_value: float
    remainder_n_form: float


def mean_score_test(table: pd.DataFrame, scores: tuple[float, ...] | None = None) -> MeanScoreResult:
    """Mean-score test of ordered rows against unordered columns (generalised CMH, one stratum).

    Parameters
    ----------
    table : pandas.DataFrame
        Counts, ordered groups in rows, unordered outcomes in columns.
    scores : tuple of float, optional
        One score per row; defaults to 1, 2, ..., r.

    Returns
    -------
    MeanScoreResult

    Raises
    ------
    ValueError
        When the number of scores does not match the rows or all scores are equal.

    Examples
    --------
    >>> table = pd.DataFrame({"x": [4, 1], "y": [1, 4]}, index=["low", "high"])
    >>> result = mean_score_test(table)  # a 2 x 2 table: Q = (N - 1) r² = 9 * 0.36
    >>> round(result.statistic, 4), result.dof, result.remainder_dof
    (3.24, 1, 0)
    """
    counts = validate_counts(table)
    score_values = np.arange(1, counts.shape[0] + 1, dtype=float) if scores is None else np.asarray(scores, dtype=float)
    if score_values.shape != (counts.shape[0],):
        raise ValueError(f"mean-score test: {len(score_values)} scores given for {counts.shape[0]} rows")
    if np.ptp(score_values) == 0:
        raise ValueError("mean-score test: all scores are equal, so the rows have no order to test")
    observed = counts.to_numpy(dtype=float)
    total = observed.sum()
    row_totals, column_totals = observed.sum(axis=1), observed.sum(axis=0)
    mean_score = (row_totals * score_values).sum() / total
    column_means = (score_values @ observed) / column_totals
    between = (column_totals * (column_means - mean_score) ** 2).sum()
    total_squares = (row_totals * (score_values - mean_score) ** 2).sum()
    dof = counts.shape[1] - 1
    statistic = (total - 1) * between / total_squares
    statistic_n_form = total * between / total_squares
    pearson = pearson_chi_square(counts).statistic
    remainder_dof = (counts.shape[0] - 2) * dof
    remainder = pearson - statistic
    return MeanScoreResult(
        scores=tuple(float(score) for score in score_values),
        statistic=float(statistic),
        dof=dof,
        p_value=float(stats.chi2.sf(statistic, dof)),
        statistic_n_form=float(statistic_n_form),
        remainder=float(remainder),
        remainder_dof=remainder_dof,
        remainder_p_value=float(stats.chi2.sf(remainder, remainder_dof)) if remainder_dof > 0 else float("nan"),
        remainder_n_form=float(pearson - statistic_n_form),
    )


# ---------------------------------------------------------------------------
# How far the chi-square approximation holds, and how strong the association is
# ---------------------------------------------------------------------------

#: Nominal levels at which :func:`chi_square_calibration` checks the approximation.
NOMINAL_LEVELS = (0.05, 0.01, 0.001)


def likelihood_ratio_statistics(tables: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """G² of each table against a fixed table of expected counts (empty cells add 0).

    Examples
    --------
    >>> round(float(likelihood_ratio_statistics(np.array([[1, 3], [3, 1]]), np.full((2, 2), 2.0))), 4)
    2.093
    """
    tables = np.asarray(tables, dtype=float)
    return 2 * special.xlogy(tables, tables / expected).sum(axis=(-2, -1))


def chi_square_calibration(
    table: pd.DataFrame,
    *,
    levels: tuple[float, ...] = NOMINAL_LEVELS,
    draws: int = DEFAULT_DRAWS,
    seed: int = config.SEED,
) -> pd.DataFrame:
    """Actual size of the asymptotic X² and G² tests under the table's own margins.

    Tables are drawn from the conditional null (:func:`draw_null_tables`,
    both margins fixed, seeded). For each statistic and nominal level α, the
    share of drawn tables whose statistic reaches the chi-square critical
    value is the real probability of rejecting at "level α" for tables with
    these margins. The approximation is good where that share is close to α.

    Parameters
    ----------
    table : pandas.DataFrame
        Counts; only its margins matter.
    levels : tuple of float
        Nominal levels to check.
    draws, seed : int
        Number of simulated tables and the seed.

    Returns
    -------
    pandas.DataFrame
        One row per statistic (``pearson``, ``likelihood_ratio``) and level:
        ``statistic, nominal, critical_value, n_exceeding, draws, seed,
        actual, mc_se, ci_low, ci_high`` (``actual`` = n_exceeding / draws,
        ``mc_se`` its binomial standard error, the interval two-sided exact
        Clopper–Pearson 95%).

    Examples
    --------
    >>> table = pd.DataFrame({"y": [10, 20, 15], "n": [20, 10, 15]}, index=["a", "b", "c"])
    >>> frame = chi_square_calibration(table, levels=(0.05,), draws=2000, seed=1)
    >>> frame[["statistic", "nominal"]].to_numpy().tolist()
    [['pearson', 0.05], ['likelihood_ratio', 0.05]]
    >>> round(float(frame["critical_value"].iloc[0]), 4)  # chi-square 95% point on 2 df
    5.9915
    """
    counts = validate_counts(table).to_numpy()
    rows, columns = counts.sum(axis=1), counts.sum(axis=0)
    expected = np.outer(rows, columns) / counts.sum()
    dof = (len(rows) - 1) * (len(columns) - 1)
    critical = {level: float(stats.chi2.isf(level, dof)) for level in levels}
    exceeding = {(name, level): 0 for name in ("pearson", "likelihood_ratio") for level in levels}
    for batch in draw_null_tables(rows, columns, draws=draws, seed=seed):
        for name, values in (
            ("pearson", pearson_statistics(batch, expected)),
            ("likelihood_ratio", likelihood_ratio_statistics(batch, expected)),
        ):
            for level in levels:
                exceeding[name, level] += int((values >= critical[level]).sum())
    records = []
    for (name, level), k in exceeding.items():
        actual = k / draws
        low, high = clopper_pearson_interval(k, draws)
        records.append(
            {
                "statistic": name, "nominal": level, "critical_value": critical[level], "n_exceeding": k,
                "draws": draws, "seed": seed, "actual": actual,
                "mc_se": float(np.sqrt(actual * (1 - actual) / draws)), "ci_low": low, "ci_high": high,
            }
        )
    return pd.DataFrame(records)


@dataclass(frozen=True)
class CramersVInterval:
    """Confidence interval for Cramér's V by inverting the noncentral chi-square.

    Attributes
    ----------
    confidence : float
        Two-sided level.
    noncentrality_low, noncentrality_high : float
        Limits λ for the noncentrality of X²: the observed X² sits at the
        upper (1 - confidence)/2 point of χ²(df, λ_low) and at the lower one
        of χ²(df, λ_high); λ_low is 0 when even λ = 0 puts X² inside.
    low, high : float
        The limits as V, sqrt(λ / (N (k - 1))), with k the smaller of the
        number of rows and columns (λ / N estimates the population φ²).
    """

    confidence: float
    noncentrality_low: float
    noncentrality_high: float
    low: float
    high: float


def cramers_v_interval(table: pd.DataFrame, *, confidence: float = 0.95) -> CramersVInterval:
    """Confidence interval for Cramér's V by noncentral chi-square inversion.

    Under an alternative, Pearson's X² is approximately noncentral chi-square
    with noncentrality λ = N φ² (φ² the population mean-square contingency).
    The interval for λ collects the values under which the observed X² is
    not in either (1 - confidence)/2 tail; it is mapped to V through
    V = sqrt(λ / (N (k - 1))). It rests on the same large-sample
    approximation as the asymptotic test.

    Parameters
    ----------
    table : pandas.DataFrame
        Counts.
    confidence : float
        Two-sided level.

    Returns
    -------
    CramersVInterval

    Examples
    --------
    >>> table = pd.DataFrame({"y": [30, 10], "n": [10, 30]}, index=["a", "b"])
    >>> interval = cramers_v_interval(table)
    >>> bool(interval.low < cramers_v(table).v < interval.high)
    True
    """
    counts = validate_counts(table)
    chi_square = pearson_chi_square(counts)
    total = float(counts.to_numpy().sum())
    k = min(counts.shape)
    tail = (1 - confidence) / 2

    def upper_tail(noncentrality: float) -> float:
        return float(stats.ncx2.sf(chi_square.statistic, chi_square.dof, noncentrality))

    def solve(target: float) -> float:
        if upper_tail(0.0) >= target:
            return 0.0
        high = max(1.0, chi_square.statistic)
        while upper_tail(high) < target:
            high *= 2
        return float(optimize.brentq(lambda value: upper_tail(value) - target, 0.0, high, xtol=1e-12, rtol=1e-14))

    low_noncentrality, high_noncentrality = solve(tail), solve(1 - tail)
    return CramersVInterval(
        confidence=confidence,
        noncentrality_low=low_noncentrality,
        noncentrality_high=high_noncentrality,
        low=float(np.sqrt(low_noncentrality / (total * (k - 1)))),
        high=float(np.sqrt(high_noncentrality / (total * (k - 1)))),
    )


# ---------------------------------------------------------------------------
# One group of bands against each other band, equivalence of shares, and power
# ---------------------------------------------------------------------------


def holm_adjust(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error control).

    Examples
    --------
    >>> holm_adjust(np.array([0.01, 0.04, 0.03])).tolist()
    [0.03, 0.06, 0.06]
    """
    p_values = np.asarray(p_values, dtype=float)
    order = np.argsort(p_values, kind="stable")
    multipliers = len(p_values) - np.arange(len(p_values))
    stepped = np.minimum(1.0, np.maximum.accumulate(p_values[order] * multipliers))
    adjusted = np.empty_like(stepped)
    adjusted[order] = stepped
    return adjusted


def compare_group_with_bands(
    table: pd.DataFrame, group: tuple[str, ...], event: tuple[str, ...] = ("Ceased",)
) -> pd.DataFrame:
    """The event in a pooled group of bands against each band outside it, one 2 × 2 table each.

    Each comparison gives the conditional maximum-likelihood odds ratio (odds
    of the event in the group over those in the band) with its exact 95%
    interval (R's ``fisher.test``), Fisher's exact two-sided p and Holm's
    adjustment of the p-values over the comparisons.

    Parameters
    ----------
    table : pandas.DataFrame
        Bands × outcomes counts.
    group : tuple of str
        Bands pooled into the group (e.g. ``("Micro", "Small")``).
    event : tuple of str
        Outcome columns that make up the event.

    Returns
    -------
    pandas.DataFrame
        ``band, group_events, group_n, band_events, band_n, odds_ratio,
        ci_low, ci_high, p_value, p_value_holm``; the odds ratio is infinite
        when the band has no events.

    Raises
    ------
    KeyError
        When a band of ``group`` is not a row of ``table``.

    Examples
    --------
    >>> table = pd.DataFrame({"Ceased": [8, 2, 1], "Other": [2, 8, 9]}, index=["a", "b", "c"])
    >>> compare_group_with_bands(table, ("a",))["band"].tolist()
    ['b', 'c']
    """
    collapsed = collapse_outcome(table, event)
    missing = [band for band in group if band not in collapsed.index]
    if missing:
        raise KeyError(f"band(s) {missing} not among the table's rows {list(collapsed.index)}")
    in_group = collapsed.index.isin(group)
    group_events, group_others = (int(value) for value in collapsed[in_group].sum())
    records = []
    for band, (band_events, band_others) in collapsed[~in_group].iterrows():
        two_by_two = np.array([[group_events, group_others], [band_events, band_others]])
        ratio = odds_ratio(two_by_two, kind="conditional")
        interval = ratio.confidence_interval(confidence_level=0.95)
        records.append(
            {
                "band": band, "group_events": group_events, "group_n": group_events + group_others,
                "band_events": int(band_events), "band_n": int(band_events + band_others),
                "odds_ratio": float(ratio.statistic), "ci_low": float(interval.low), "ci_high": float(interval.high),
                "p_value": float(stats.fisher_exact(two_by_two).pvalue),
            }
        )
    frame = pd.DataFrame(records)
    frame["p_value_holm"] = holm_adjust(frame["p_value"].to_numpy())
    return frame


@dataclass(frozen=True)
class ShareEquivalence:
    """Equivalence of outcome shares to equal shares (two one-sided tests per share).

    Attributes
    ----------
    shares : pandas.DataFrame
        ``outcome, count, share, ci_low, ci_high, distance``: each share with
        its two-sided exact (Clopper–Pearson) interval at level 1 - 2α and
        the largest distance of that interval from the equal share.
    target : float
        The equal share, 1 / (number of outcomes).
    margin : float
        Largest departure from ``target``, in absolute share, still called
        "even" (stated before looking: 0.10 is ten percentage points).
    alpha : float
        Level of each one-sided test.
    smallest_margin : float
        The smallest margin for which the data would show equivalence.
    p_value : float
        p-value of the intersection–union equivalence test: the largest, over
        shares and both sides, of the one-sided exact binomial p-values against
        a true share at target - margin or target + margin.
    equivalent : bool
        Every interval lies strictly within target ± margin: each share is
        shown to be within the margin by two one-sided exact binomial tests at
        level α, and, as an intersection–union test, so is the whole spread.
    """

    shares: pd.DataFrame
    target: float
    margin: float
    alpha: float
    smallest_margin: float
    p_value: float
    equivalent: bool


def share_equivalence(
    table: pd.DataFrame, outcomes: tuple[str, ...], *, margin: float = 0.10, alpha: float = 0.05
) -> ShareEquivalence:
    """Test whether the overall shares of some outcomes are equal to within a margin.

    Parameters
    ----------
    table : pandas.DataFrame
        Bands × outcomes counts; the column totals are used.
    outcomes : tuple of str
        Outcomes whose shares (of their own total) are compared with equal shares.
    margin : float
        Equivalence margin in absolute share.
    alpha : float
        Level of each one-sided test.

    Returns
    -------
    ShareEquivalence

    Examples
    --------
    >>> table = pd.DataFrame({"a": [50, 50], "b": [48, 52], "c": [51, 49]}, index=["x", "y"])
    >>> result = share_equivalence(table, ("a", "b", "c"))
    >>> result.equivalent, round(result.target, 4)
    (True, 0.3333)
    """
    counts = validate_counts(table)
    totals = counts[list(outcomes)].sum()
    total = int(totals.sum())
    target = 1 / len(outcomes)
    records = []
    p_value = 0.0
    for outcome, count in totals.items():
        low, high = clopper_pearson_interval(int(count), total, confidence=1 - 2 * alpha)
        above_lower = stats.binom.sf(int(count) - 1, total, max(0.0, target - margin))
        below_upper = stats.binom.cdf(int(count), total, min(1.0, target + margin))
        p_value = max(p_value, float(above_lower), float(below_upper))
        records.append(
            {"outcome": outcome, "count": int(count), "share": count / total, "ci_low": low, "ci_high": high,
             "distance": max(abs(low - target), abs(high - target))}
        )
    shares = pd.DataFrame(records)
    smallest = float(shares["distance"].max())
    return ShareEquivalence(shares, target, margin, alpha, smallest, p_value, bool(smallest < margin))


def _fisher_rejection_region(band_n: int, reference_n: int, alpha: float) -> np.ndarray:
    """Boolean (band_n + 1) × (reference_n + 1) array: does Fisher's two-sided test reject at x events?"""
    total_n = band_n + reference_n
    reject = np.zeros((band_n + 1, reference_n + 1), dtype=bool)
    for total_events in range(total_n + 1):
        support = np.arange(max(0, total_events - reference_n), min(band_n, total_events) + 1)
        pmf = stats.hypergeom.pmf(support, total_n, total_events, band_n)
        p_values = np.array([pmf[pmf <= value * (1 + RELATIVE_TOLERANCE)].sum() for value in pmf])
        reject[support, total_events - support] = p_values <= alpha
    return reject


def fisher_power(band_n: int, band_rate: float, reference_n: int, reference_rate: float, *, alpha: float = 0.05) -> float:
    """Exact power of Fisher's two-sided test comparing two independent binomial groups.

    Sums the probability of every pair of event counts (x in the band,
    y in the reference group) for which Fisher's exact test rejects at
    ``alpha``; no simulation.

    Examples
    --------
    >>> round(fisher_power(10, 0.5, 10, 0.5), 4) <= 0.05  # the size never exceeds alpha
    True
    """
    reject = _fisher_rejection_region(band_n, reference_n, alpha)
    band = stats.binom.pmf(np.arange(band_n + 1), band_n, band_rate)
    reference = stats.binom.pmf(np.arange(reference_n + 1), reference_n, reference_rate)
    return float(band @ reject @ reference)


def minimal_detectable_rate(
    band_n: int, reference_n: int, reference_rate: float, *, power: float = 0.8, alpha: float = 0.05
) -> float:
    """Highest event rate in a band that Fisher's test tells apart from a higher reference rate with ``power``.

    Solves fisher_power(band_n, rate, reference_n, reference_rate) = power for
    a rate below ``reference_rate``; the minimal detectable difference is
    ``reference_rate`` minus the result. NaN when even a rate of 0 is not
    detected with that power.

    Examples
    --------
    >>> rate = minimal_detectable_rate(50, 50, 0.5)
    >>> 0.1 < rate < 0.3 and abs(fisher_power(50, rate, 50, 0.5) - 0.8) < 1e-6
    True
    """
    reject = _fisher_rejection_region(band_n, reference_n, alpha)
    reference = reject @ stats.binom.pmf(np.arange(reference_n + 1), reference_n, reference_rate)

    def shortfall(rate: float) -> float:
        return float(stats.binom.pmf(np.arange(band_n + 1), band_n, rate) @ reference) - power

    if shortfall(0.0) < 0:
        return float("nan")
    return float(optimize.brentq(shortfall, 0.0, reference_rate, xtol=1e-12, rtol=1e-12))


# ---------------------------------------------------------------------------
# Sensitivity analyses: each p-value with its kind and bound
# ---------------------------------------------------------------------------

#: Columns of :func:`sensitivity_analyses`.
SENSITIVITY_COLUMNS = (
    "coding", "statistic_name", "statistic", "df", "p_kind", "p_value", "p_bound", "n_as_extreme", "draws", "cochran_rule_met",
)


def sensitivity_analyses(
    table: pd.DataFrame,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = config.SEED,
    exact_p_values: Mapping[str, tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """Every coding of the outcome with each of its p-values, their kind and their bound.

    Codings: the full bands × outcomes table, ceased or not, exit (ceased or
    merged) or not, and the table with Merged left out. For each, the
    asymptotic Pearson p-value (``p_kind`` ``"asymptotic"``, no bound: its
    accuracy is judged by :func:`chi_square_calibration`), then the
    conditional one: ``"exact"`` by full enumeration for the two-column
    tables (``p_bound`` 0: no numerical error beyond rounding) or
    ``"Monte Carlo"`` for the larger ones, whose ``p_value`` is
    (1 + k)/(1 + B) and whose ``p_bound`` is the one-sided Clopper–Pearson
    95% upper bound on the conditional p-value. Exact p-values of the larger
    tables (``exact_p_values``: coding → (p-value, error bound), from
    :func:`analysis.exact_results.load_exact_results`) follow their Monte
    Carlo row, kind ``"exact"``, with the numerical error bound in ``p_bound``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SENSITIVITY_COLUMNS`, one row per p-value.

    Examples
    --------
    >>> table = pd.DataFrame(
    ...     {"Increased": [5, 9], "Decreased": [6, 5], "Ceased": [9, 2], "Merged": [1, 1]}, index=["S", "L"]
    ... )
    >>> sensitivity_analyses(table, draws=500)["p_kind"].tolist()[:2]
    ['asymptotic', 'Monte Carlo']
    """
    counts = validate_counts(table)
    codings = (
        ("Size × outcome", counts, True),
        ("Ceased or not", collapse_outcome(counts, ("Ceased",)), False),
        ("Exit (ceased or merged) or not", collapse_outcome(counts, ("Ceased", "Merged"), name="Exit"), False),
        ("Merged left out", counts.drop(columns="Merged"), True),
    )
    records = []
    for coding, coded, simulate in codings:
        chi_square = pearson_chi_square(coded)
        common = {"coding": coding, "statistic_name": "Pearson X²", "statistic": chi_square.statistic,
                  "df": chi_square.dof, "cochran_rule_met": chi_square.cochran_rule_met}
        records.append({**common, "p_kind": "asymptotic", "p_value": chi_square.p_value, "p_bound": np.nan,
                        "n_as_extreme": np.nan, "draws": np.nan})
        if simulate:
            result = monte_carlo_tests(coded, draws=draws, seed=seed)["pearson"]
            records.append({**common, "p_kind": "Monte Carlo", "p_value": result.p_value, "p_bound": result.p_value_upper_95,
                            "n_as_extreme": result.n_as_extreme, "draws": result.draws})
            if exact_p_values and coding in exact_p_values:
                p_value, error_bound = exact_p_values[coding]
                records.append({**common, "p_kind": "exact", "p_value": p_value, "p_bound": error_bound,
                                "n_as_extreme": np.nan, "draws": np.nan})
        else:
            records.append({**common, "p_kind": "exact", "p_value": exact_test(coded).p_value_pearson, "p_bound": 0.0,
                            "n_as_extreme": np.nan, "draws": np.nan})
    return pd.DataFrame(records, columns=list(SENSITIVITY_COLUMNS))


# ---------------------------------------------------------------------------
# How many tests sit near the 0.05 line
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PValueCensus:
    """The book's tests sorted by how far their p-value is from the 0.05 line.

    Attributes
    ----------
    n_tests : int
        Tests counted: each ``p_value`` row (one per analysis and term, the
        test's main p-value) and each ``…_p_value`` row (a further test reported
        with it, such as the departure from a trend), intercepts left out.
        Variants of one test (``p_value_exact``, ``p_value_mantel``, …) are not
        counted again.
    n_below_0_001 : int
        Those with p < 0.001.
    near_line : pandas.DataFrame
        ``analysis, term, quantity, value`` of those with ``low <= p <= high``.
    low, high : float
        The window counted as near the line.
    """

    n_tests: int
    n_below_0_001: int
    near_line: pd.DataFrame
    low: float
    high: float


def p_value_census(statistics: pd.DataFrame, *, low: float = 0.01, high: float = 0.10) -> PValueCensus:
    """Count the tests in a statistics table and pick those near the 0.05 line.

    Parameters
    ----------
    statistics : pandas.DataFrame
        The long table of ``statistics.csv`` (``analysis, term, quantity, value``).
    low, high : float
        Window of p-values counted as near the line.

    Returns
    -------
    PValueCensus

    Examples
    --------
    >>> frame = pd.DataFrame({"analysis": ["a", "b", "c"], "term": ["", "intercept", ""],
    ...                       "quantity": ["p_value"] * 3, "value": [0.04, 0.03, 1e-5]})
    >>> census = p_value_census(frame)
    >>> census.n_tests, census.n_below_0_001, census.near_line["analysis"].tolist()
    (2, 1, ['a'])
    """
    is_test = (statistics["quantity"] == "p_value") | statistics["quantity"].str.endswith("_p_value")
    tests = statistics[is_test & (statistics["term"].fillna("") != "intercept")]
    tests = tests.dropna(subset=["value"])
    near = tests[(tests["value"] >= low) & (tests["value"] <= high)]
    return PValueCensus(
        n_tests=len(tests),
        n_below_0_001=int((tests["value"] < 0.001).sum()),
        near_line=near[["analysis", "term", "quantity", "value"]].reset_index(drop=True),
        low=low,
        high=high,
    )


# ---------------------------------------------------------------------------
# The long table of every reported quantity
# ---------------------------------------------------------------------------

#: Columns of :func:`association_statistics`, in order.
STATISTICS_COLUMNS = ("analysis", "term", "quantity", "value", "ci_low", "ci_high")


def _rows(analysis: str, quantities: dict[str, float], term: str = "") -> list[dict]:
    return [
        {"analysis": analysis, "term": term, "quantity": quantity, "value": float(value), "ci_low": np.nan, "ci_high": np.nan}
        for quantity, value in quantities.items()
    ]


def _interval_row(analysis: str, quantity: str, value: float, interval: tuple[float, float], term: str = "") -> dict:
    return {"analysis": analysis, "term": term, "quantity": quantity, "value": float(value),
            "ci_low": float(interval[0]), "ci_high": float(interval[1])}


def _chi_square_rows(analysis: str, result: ChiSquareResult) -> list[dict]:
    return _rows(
        analysis,
        {
            "statistic": result.statistic,
            "df": result.dof,
            "p_value": result.p_value,
            "n_expected_below_5": result.n_expected_below_5,
            "n_expected_below_1": result.n_expected_below_1,
            "share_expected_below_5": result.share_expected_below_5,
            "cochran_rule_met": result.cochran_rule_met,
        },
    )


def _monte_carlo_rows(analysis: str, results: dict[str, MonteCarloResult]) -> list[dict]:
    rows = []
    for criterion, result in results.items():
        rows += _rows(
            analysis,
            {
                "p_value": result.p_value,
                "n_as_extreme": result.n_as_extreme,
                "mc_se": result.mc_se,
                "p_value_upper_95": result.p_value_upper_95,
                "draws": result.draws,
                "seed": result.seed,
            },
            term=criterion,
        )
    return rows


def _trend_rows(analysis: str, result: TrendTestResult) -> list[dict]:
    return _rows(
        analysis,
        {
            "z": result.z,
            "statistic": result.chi2,
            "p_value": result.p_value,
            "z_mantel": result.z_mantel,
            "statistic_mantel": result.chi2_mantel,
            "p_value_mantel": result.p_value_mantel,
            "p_value_exact": result.p_value_exact,
            "departure_statistic": result.departure_chi2,
            "departure_df": result.departure_dof,
            "departure_p_value": result.departure_p_value,
        },
        term="scores " + ",".join(f"{score:g}" for score in result.scores),
    )


def association_statistics(
    table: pd.DataFrame, *, seed: int = config.SEED, draws: int = DEFAULT_DRAWS
) -> pd.DataFrame:
    """Every quantity of the association analysis as one long, deterministic table.

    Analyses (``analysis`` column): ``chisq_size_outcome``,
    ``gsq_size_outcome``, ``mc_size_outcome`` (term ``pearson`` or
    ``probability``), ``residuals_size_outcome`` (term ``Band:Outcome``),
    ``cramers_v_size_outcome``; for ceased against the rest
    ``chisq_ceased_size``, ``exact_ceased_size``, ``trend_ceased_size``
    (term names the scores); the sensitivity analyses ``chisq_exit_size``,
    ``exact_exit_size``, ``trend_exit_size`` (exit = Ceased or Merged) and
    ``chisq_size_outcome_no_merged``, ``gsq_size_outcome_no_merged``,
    ``mc_size_outcome_no_merged``, ``cramers_v_size_outcome_no_merged``;
    the mean-score test ``mean_score_size_outcome`` and the calibration of
    the chi-square approximation ``calibration_size_outcome`` (term: the
    statistic and nominal level). Tables with the five bands of Table 5.1
    also get the rows behind the claims ledger and the power of the small
    bands: ``ceased_under_100k_vs_band``, ``equivalence_outcome_shares``,
    ``ceased_proportion_clopper_pearson`` and ``power_ceased_band_vs_reference``.
    Intervals (Cramér's V, actual levels, odds ratios, shares, proportions)
    sit in ``ci_low`` and ``ci_high``. Booleans are stored as 0/1.

    Parameters
    ----------
    table : pandas.DataFrame
        Bands × outcomes counts with columns including ``Ceased`` and ``Merged``.
    seed : int
        Seed of the Monte Carlo tests.
    draws : int
        Monte Carlo draws per test.

    Returns
    -------
    pandas.DataFrame
        Columns ``analysis, term, quantity, value, ci_low, ci_high``; floats
        at full precision, NaN where there is no confidence interval.

    Examples
    --------
    >>> table = pd.DataFrame(
    ...     {"Increased": [5, 9], "Decreased": [6, 5], "Ceased": [9, 2], "Merged": [1, 1]}, index=["S", "L"]
    ... )
    >>> frame = association_statistics(table, draws=500)
    >>> list(frame.columns)
    ['analysis', 'term', 'quantity', 'value', 'ci_low', 'ci_high']
    >>> frame.query("analysis == 'mc_size_outcome' and quantity == 'seed'")["value"].tolist()[0] == config.SEED
    True
    """
    counts = validate_counts(table)
    ceased = collapse_outcome(counts, ("Ceased",))
    exit_ = collapse_outcome(counts, ("Ceased", "Merged"))
    no_merged = counts.drop(columns="Merged")
    cramer = cramers_v(counts)
    residuals = adjusted_residuals(counts)

    rows = _chi_square_rows("chisq_size_outcome", pearson_chi_square(counts))
    likelihood_ratio = likelihood_ratio_test(counts)
    rows += _rows("gsq_size_outcome", {"statistic": likelihood_ratio.statistic, "df": likelihood_ratio.dof, "p_value": likelihood_ratio.p_value})
    rows += _monte_carlo_rows("mc_size_outcome", monte_carlo_tests(counts, draws=draws, seed=seed))
    for band in residuals.index:
        for outcome in residuals.columns:
            rows += _rows("residuals_size_outcome", {"adjusted_residual": residuals.loc[band, outcome]}, term=f"{band}:{outcome}")
    interval = cramers_v_interval(counts)
    rows.append(_interval_row("cramers_v_size_outcome", "v", cramer.v, (interval.low, interval.high)))
    rows += _rows(
        "cramers_v_size_outcome",
        {"v_corrected": cramer.v_corrected, "noncentrality_low": interval.noncentrality_low,
         "noncentrality_high": interval.noncentrality_high},
    )
    mean_score = mean_score_test(counts)
    rows += _rows(
        "mean_score_size_outcome",
        {
            "statistic": mean_score.statistic, "df": mean_score.dof, "p_value": mean_score.p_value,
            "statistic_n_form": mean_score.statistic_n_form, "remainder_statistic": mean_score.remainder,
            "remainder_df": mean_score.remainder_dof, "remainder_p_value": mean_score.remainder_p_value,
            "remainder_statistic_n_form": mean_score.remainder_n_form,
        },
        term="scores " + ",".join(f"{score:g}" for score in mean_score.scores),
    )
    for record in chi_square_calibration(counts, draws=draws, seed=seed).to_dict(orient="records"):
        term = f"{record['statistic']} at {record['nominal']:g}"
        rows.append(_interval_row("calibration_size_outcome", "actual_level", record["actual"], (record["ci_low"], record["ci_high"]), term))
        rows += _rows(
            "calibration_size_outcome",
            {"nominal_level": record["nominal"], "critical_value": record["critical_value"],
             "n_exceeding": record["n_exceeding"], "mc_se": record["mc_se"], "draws": record["draws"], "seed": record["seed"]},
            term=term,
        )

    for label, two_column in (("ceased", ceased), ("exit", exit_)):
        rows += _chi_square_rows(f"chisq_{label}_size", pearson_chi_square(two_column))
        exact = exact_test(two_column)
        rows += _rows(
            f"exact_{label}_size",
            {"p_value": exact.p_value, "p_value_pearson": exact.p_value_pearson, "n_tables": exact.n_tables},
        )
        rows += _trend_rows(f"trend_{label}_size", trend_test(two_column))

    rows += _chi_square_rows("chisq_size_outcome_no_merged", pearson_chi_square(no_merged))
    likelihood_ratio = likelihood_ratio_test(no_merged)
    rows += _rows(
        "gsq_size_outcome_no_merged",
        {"statistic": likelihood_ratio.statistic, "df": likelihood_ratio.dof, "p_value": likelihood_ratio.p_value},
    )
    rows += _monte_carlo_rows("mc_size_outcome_no_merged", monte_carlo_tests(no_merged, draws=draws, seed=seed))
    no_merged_interval = cramers_v_interval(no_merged)
    rows.append(
        _interval_row("cramers_v_size_outcome_no_merged", "v", cramers_v(no_merged).v, (no_merged_interval.low, no_merged_interval.high))
    )
    rows += _rows("cramers_v_size_outcome_no_merged", {"v_corrected": cramers_v(no_merged).v_corrected})
    if set(SIZE_BANDS) <= set(counts.index):
        rows += _ledger_rows(counts)
    return pd.DataFrame(rows, columns=list(STATISTICS_COLUMNS))


#: Bands under £100,000 a year in the 2008 accounts (Micro < £10,000; Small £10,001–£100,000).
UNDER_100K = ("Micro", "Small")

#: Equal-share margin for the "fairly even" spread of outcomes, in absolute share.
EVEN_SPREAD_MARGIN = 0.10

#: Outcomes whose overall spread Body calls "fairly even".
EVEN_SPREAD_OUTCOMES = ("Increased", "Decreased", "Ceased")


def _ledger_rows(counts: pd.DataFrame) -> list[dict]:
    """Rows for the checks behind the claims ledger and the power of the small bands."""
    rows = []
    comparisons = compare_group_with_bands(counts, UNDER_100K)
    for record in comparisons.to_dict(orient="records"):
        term = f"Micro+Small vs {record['band']}"
        rows.append(_interval_row("ceased_under_100k_vs_band", "odds_ratio", record["odds_ratio"], (record["ci_low"], record["ci_high"]), term))
        rows += _rows("ceased_under_100k_vs_band", {"p_value": record["p_value"], "p_value_holm": record["p_value_holm"]}, term=term)
    spread = share_equivalence(counts, EVEN_SPREAD_OUTCOMES, margin=EVEN_SPREAD_MARGIN)
    for record in spread.shares.to_dict(orient="records"):
        rows.append(_interval_row("equivalence_outcome_shares", "share", record["share"], (record["ci_low"], record["ci_high"]), record["outcome"]))
    rows += _rows(
        "equivalence_outcome_shares",
        {"margin": spread.margin, "smallest_margin": spread.smallest_margin, "p_value": spread.p_value,
         "equivalent": spread.equivalent},
    )
    ceased = collapse_outcome(counts, ("Ceased",)).iloc[:, 0]
    sizes = counts.sum(axis=1)
    for band in ceased.index:
        interval = clopper_pearson_interval(int(ceased[band]), int(sizes[band]))
        rows.append(_interval_row("ceased_proportion_clopper_pearson", "proportion", ceased[band] / sizes[band], interval, band))
    references = {"Micro+Small": UNDER_100K, "Medium": ("Medium",)}
    for band in ("Large", "Major"):
        for reference_name, reference_bands in references.items():
            reference_n = int(sizes[list(reference_bands)].sum())
            reference_rate = float(ceased[list(reference_bands)].sum() / reference_n)
            rows += _rows(
                "power_ceased_band_vs_reference",
                {
                    "band_n": int(sizes[band]), "reference_n": reference_n, "reference_rate": reference_rate,
                    "power_at_zero": fisher_power(int(sizes[band]), 0.0, reference_n, reference_rate),
                    "minimal_detectable_rate": minimal_detectable_rate(int(sizes[band]), reference_n, reference_rate),
                },
                term=f"{band} vs {reference_name}",
            )
    return rows
