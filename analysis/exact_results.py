"""The exact conditional p-values of Table 5.1, computed once by a command and stored.

The exact test of the whole table (:mod:`analysis.exact`) takes minutes, too long
for every build, test run and render. ``python -m analysis exact`` computes it for
Table 5.1 and for the table with the Merged column left out, and writes
``data/derived/exact_tests.csv`` together with the fingerprint of what the values
depend on: the rebuilt counts (``data/derived/table5_1_counts.csv``) and the code of
the test (``analysis/exact.py``). :func:`load_exact_results` refuses a file whose
fingerprint no longer matches, with a one-line error that says which command
refreshes it, so the book never shows a value from older counts or code.

Examples
--------
>>> sorted(EXACT_TABLES)
['Merged left out', 'Table 5.1']
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from analysis import config
from analysis.errors import CompendiumError, display_path
from analysis.io import csv_bytes, write_bytes_atomic

#: The tables whose exact p-values are stored, each made from the wide counts.
EXACT_TABLES: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "Table 5.1": lambda counts: counts,
    "Merged left out": lambda counts: counts.drop(columns="Merged"),
}
#: What the stored values depend on.
DEPENDENCIES = (config.DERIVED_COUNTS, config.ROOT / "analysis" / "exact.py")
COLUMNS = ["table", "ordering", "statistic", "p_value", "error_bound", "prune_below", "depends_on_sha256"]


def dependency_fingerprint(paths: tuple[Path, ...] = DEPENDENCIES) -> str:
    """SHA-256 over the bytes of the counts file and of the exact test's code.

    Examples
    --------
    >>> len(dependency_fingerprint())
    64
    """
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def exact_results(counts: pd.DataFrame, report: Callable[[str], object] = lambda line: None) -> pd.DataFrame:
    """Exact p-values (three orderings) of every table in :data:`EXACT_TABLES`, one row each.

    Takes minutes for Table 5.1 (see ``python tests/benchmark.py --exact``);
    ``report`` is called with a line as each table starts.
    """
    from analysis.exact import exact_conditional_test

    rows = []
    for name, make in EXACT_TABLES.items():
        report(f"exact test of {name}: three orderings")
        result = exact_conditional_test(make(counts))
        rows += [
            {
                "table": name,
                "ordering": r.ordering,
                "statistic": r.statistic,
                "p_value": r.p_value,
                "error_bound": r.error_bound,
                "prune_below": result.prune_below,
            }
            for r in result.results()
        ]
    return pd.DataFrame(rows)


def write_exact_results(
    path: Path = config.DERIVED_EXACT, report: Callable[[str], object] = lambda line: None
) -> Path:
    """Compute :func:`exact_results` from the rebuilt counts and write them with their fingerprint."""
    from analysis.load import load_counts

    frame = exact_results(load_counts(), report).assign(depends_on_sha256=dependency_fingerprint())
    return write_bytes_atomic(path, csv_bytes(frame[COLUMNS]))


def load_exact_results(path: Path = config.DERIVED_EXACT) -> pd.DataFrame:
    """The stored exact p-values, checked to be fresh.

    Raises
    ------
    CompendiumError
        If the file is missing, malformed, or was computed from other counts or code.
    """
    refresh = "run `python -m analysis exact` (a few minutes)"
    if not path.is_file():
        raise CompendiumError(f"{display_path(path)}: missing; {refresh}")
    frame = pd.read_csv(path)
    if list(frame.columns) != COLUMNS:
        raise CompendiumError(f"{display_path(path)}: header: expected {','.join(COLUMNS)}")
    if set(frame["depends_on_sha256"]) != {dependency_fingerprint()}:
        raise CompendiumError(
            f"{display_path(path)}: depends_on_sha256: computed from other counts or another version of "
            f"analysis/exact.py; {refresh}"
        )
    return frame.drop(columns="depends_on_sha256")
