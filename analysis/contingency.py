"""Validation of contingency tables handed to the statistical functions.

Every test and model in the compendium works on a table of counts shaped like
Table 5.1 (rows: ordered groups, columns: outcomes). :func:`validate_counts`
is the single gate they all pass through, so bad input gets the same clear
message wherever it enters.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"yes": [1, 2], "no": [3, 4]}, index=["a", "b"])
>>> validate_counts(table).to_numpy().tolist()
[[1, 3], [2, 4]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd


class ContingencyTableError(ValueError):
    """A table of counts that no test in the compendium can accept."""


def validate_counts(table: pd.DataFrame, *, name: str = "table", min_rows: int = 2, min_columns: int = 2) -> pd.DataFrame:
    """Check that ``table`` is a usable table of counts and return it as int64.

    Parameters
    ----------
    table : pandas.DataFrame
        Counts, one row per group and one column per outcome.
    name : str
        How to name the table in error messages.
    min_rows, min_columns : int
        Smallest acceptable shape.

    Returns
    -------
    pandas.DataFrame
        The same table with an int64 dtype.

    Raises
    ------
    ContingencyTableError
        For too few rows or columns, missing, non-integer or negative counts,
        or a row or column whose total is zero (naming that row or column).

    Examples
    --------
    >>> validate_counts(pd.DataFrame({"y": [1.0], "n": [2.0]}, index=["a"]))
    Traceback (most recent call last):
    ...
    analysis.contingency.ContingencyTableError: table: needs at least 2 rows, got 1
    """
    if not isinstance(table, pd.DataFrame):
        raise ContingencyTableError(f"{name}: expected a pandas DataFrame, got {type(table).__name__}")
    rows, columns = table.shape
    if rows < min_rows:
        raise ContingencyTableError(f"{name}: needs at least {min_rows} rows, got {rows}")
    if columns < min_columns:
        raise ContingencyTableError(f"{name}: needs at least {min_columns} columns, got {columns}")
    for column in table.columns:
        values = pd.to_numeric(table[column], errors="coerce")
        for row, value, original in zip(table.index, values, table[column]):
            where = f"{name}: row {row!r}, column {column!r}"
            if pd.isna(value):
                raise ContingencyTableError(f"{where}: count {original!r} is missing or not a number")
            if value < 0:
                raise ContingencyTableError(f"{where}: count {value:g} is negative")
            if not float(value).is_integer():
                raise ContingencyTableError(f"{where}: count {value:g} is not a whole number")
    counts = table.apply(pd.to_numeric).astype(np.int64)
    for row, total in counts.sum(axis=1).items():
        if total == 0:
            raise ContingencyTableError(f"{name}: row {row!r} has a zero total")
    for column, total in counts.sum(axis=0).items():
        if total == 0:
            raise ContingencyTableError(f"{name}: column {column!r} has a zero total")
    return counts
