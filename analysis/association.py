"""Is size associated with outcome? Tests of independence on a bands-by-outcomes table.

Every function takes a table of counts (rows: ordered groups such as the size
bands of Table 5.1, columns: outcomes), passes it through
:func:`analysis.contingency.validate_counts`, and returns a frozen dataclass
or a DataFrame. Nothing here prints or formats.

The module offers four families of results:

* the asymptotic Pearson chi-square and likelihood-ratio (G²) tests, with the
  expected counts and Cochran's rule for judging the chi-square approximation;
* conditional tests that do not rest on that approximation: exact p-values by
  full enumeration of the tables with the observed margins, when their number
  fits a budget, and otherwise a seeded Monte Carlo test under the same
  conditional null;
* descriptive measures: adjusted standardised residuals and Cramér's V (plain
  and bias-corrected);
* a two-column view (an event against the rest) with the Cochran–Armitage
  trend test across ordered groups.

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

from dataclasses import dataclass
import numpy as np
import pandas as pd
from scipy import special, stats

from analysis import config
from analysis.contingency import validate_counts

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


def monte_carlo_tests(
    table: pd.DataFrame, *, draws: int = DEFAULT_DRAWS, seed: int = config.SEED
) -> dict[str, MonteCarloResult]:
    """Monte Carlo p-values for independence, by Pearson X² and by table probability.

    Tables are drawn from the exact conditional null (all tables with the
    observed margins, weighted by their hypergeometric probability) with
    :func:`scipy.stats.random_table`; both criteria use the same draws.

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
    generator = np.random.default_rng(seed)
    distribution = stats.random_table(rows, columns)
    as_large = as_probable = 0
    remaining = draws
    while remaining > 0:
        batch = distribution.rvs(size=min(_BATCH, remaining), random_state=generator)
        remaining -= len(batch)
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
    """

    scores: tuple[float, ...]
    z: float
    chi2: float
    p_value: float
    z_mantel: float
    chi2_mantel: float
    p_value_mantel: float
    p_value_exact: float


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
    return TrendTestResult(
        scores=tuple(float(score) for score in score_values),
        z=float(z),
        chi2=float(z**2),
        p_value=float(2 * stats.norm.sf(abs(z))),
        z_mantel=float(z_mantel),
        chi2_mantel=float(z_mantel**2),
        p_value_mantel=float(2 * stats.norm.sf(abs(z_mantel))),
        p_value_exact=float(min(1.0, probabilities[as_large].sum())),
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
    ``mc_size_outcome_no_merged``. Booleans are stored as 0/1.

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
    rows += _rows("cramers_v_size_outcome", {"v": cramer.v, "v_corrected": cramer.v_corrected})

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
    rows += _rows("cramers_v_size_outcome_no_merged", {"v": cramers_v(no_merged).v, "v_corrected": cramers_v(no_merged).v_corrected})
    return pd.DataFrame(rows, columns=list(STATISTICS_COLUMNS))
