"""Reading and validating Table 5.1 as printed, and the derived table of counts.

Two files enter the analysis here:

* ``data/raw/table5_1_published.csv``: Table 5.1 of Body (2020, p. 128)
  exactly as printed, every figure a percentage with one decimal. It is read
  by :func:`load_published_table`, which keeps the printed precision by
  storing each figure as a whole number of tenths of a percent (``5.1`` is
  ``51``), so no floating-point rounding ever touches a printed figure.
* ``data/derived/table5_1_counts.csv``: the integer counts rebuilt from it,
  stored long (``size_band,outcome,count``). :func:`load_counts` reads it and
  returns the wide table every statistical chapter starts from;
  :func:`counts_long` is its inverse.

Bad input raises :class:`TableFormatError` with a one-line message naming
the file, the row or line, the field and the problem.

Examples
--------
>>> published = load_published_table()
>>> int(published.cells.loc["Micro", "Increased"]), published.decimals
(51, 1)
>>> published.printed().loc[3].tolist()
['Large', '67.9', '25.0', '0.0', '7.1', '12.1']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import config
from analysis.csvfile import read_csv_file
from analysis.domain import OUTCOMES, SIZE_BANDS
from analysis.errors import CompendiumError, display_path

#: Label of the printed margin: the last row (column shares) and the last column (row shares).
SHARE_LABEL = "Of overall sample"
#: Name of the first column of the raw CSV, holding the row labels as printed.
ROW_FIELD = "row"
#: Columns of the long counts file.
COUNT_FIELDS: tuple[str, ...] = ("size_band", "outcome", "count")

_FIGURE = re.compile(r"^(?P<whole>\d+)(?:\.(?P<fraction>\d+))?$")
_WHOLE_NUMBER = re.compile(r"^\d+$")


class TableFormatError(CompendiumError):
    """A raw or derived table file that does not have the expected content."""


@dataclass(frozen=True, eq=False)
class PublishedTable:
    """A percentage table as printed, each figure kept at its printed precision.

    Every figure is an integer number of units of ``10**-decimals`` percent:
    with one printed decimal, ``5.1`` % is stored as ``51``.

    Attributes
    ----------
    cells : pandas.DataFrame
        Row percentages (int64 units), index ``size_band``, columns ``outcome``.
    row_shares : pandas.Series
        Each row's printed share of the whole sample (int64 units), by row.
    column_shares : pandas.Series
        Each outcome's printed share of the whole sample (int64 units).
    total : int
        The printed share of the whole sample in the corner cell (``1000`` for ``100.0``).
    decimals : int
        Number of printed decimals.
    source : str
        Where the figures came from (a file path or a description).

    Examples
    --------
    >>> table = load_published_table()
    >>> table.unit_name, table.total
    ('0.1%', 1000)
    >>> float(table.percentages().loc["Major", "Ceased"])
    5.6
    """

    cells: pd.DataFrame
    row_shares: pd.Series
    column_shares: pd.Series
    total: int
    decimals: int
    source: str

    @property
    def rows(self) -> tuple[str, ...]:
        """Row labels (size bands) in table order."""
        return tuple(self.cells.index)

    @property
    def outcomes(self) -> tuple[str, ...]:
        """Column labels (outcomes) in table order."""
        return tuple(self.cells.columns)

    @property
    def hundred_percent(self) -> int:
        """100 % expressed in printed units (``1000`` with one decimal)."""
        return 100 * 10**self.decimals

    @property
    def unit_name(self) -> str:
        """The printed unit as text, e.g. ``'0.1%'``."""
        return f"{10.0**-self.decimals:.{self.decimals}f}%" if self.decimals else "1%"

    def percentages(self) -> pd.DataFrame:
        """Row percentages as floats (for plotting; never for rounding tests)."""
        return self.cells / 10**self.decimals

    def printed(self) -> pd.DataFrame:
        """The table in the printed layout, every figure as printed text.

        Returns
        -------
        pandas.DataFrame
            Columns ``row``, the outcomes and ``Of overall sample``; the last
            row holds the column shares and the corner total.
        """
        rows = [
            [label, *(self.as_text(value) for value in self.cells.loc[label]), self.as_text(self.row_shares[label])]
            for label in self.rows
        ]
        rows.append([SHARE_LABEL, *(self.as_text(value) for value in self.column_shares), self.as_text(self.total)])
        return pd.DataFrame(rows, columns=[ROW_FIELD, *self.outcomes, SHARE_LABEL])

    def as_text(self, units: int) -> str:
        """Write a number of printed units as the table prints it (``250`` -> ``'25.0'``).

        Examples
        --------
        >>> load_published_table().as_text(0)
        '0.0'
        """
        whole, fraction = divmod(int(units), 10**self.decimals)
        return f"{whole}.{fraction:0{self.decimals}d}" if self.decimals else str(whole)


def load_published_table(path: Path = config.PUBLISHED_TABLE) -> PublishedTable:
    """Read Table 5.1 as printed from ``path`` and validate every figure.

    Parameters
    ----------
    path : Path
        CSV with columns ``row``, the four outcomes and ``Of overall sample``;
        one row per size band plus the ``Of overall sample`` row.

    Returns
    -------
    PublishedTable
        Rows in :data:`analysis.domain.SIZE_BANDS` order.

    Raises
    ------
    TableFormatError
        A file that is not UTF-8 CSV text, is empty, or has a row with too
        many or too few fields; missing column, unknown / duplicated / missing row, a figure that is
        missing, not a number, negative or above 100, printed with a different
        number of decimals, or a row of percentages that cannot sum to 100 %
        within rounding.

    Examples
    --------
    >>> load_published_table().row_shares.tolist()
    [169, 325, 307, 121, 78]
    """
    table = read_csv_file(path, TableFormatError)
    frame = pd.DataFrame([record for _, record in table.rows], columns=list(table.header), dtype=str)
    return parse_published(frame, source=display_path(path))


def parse_published(
    frame: pd.DataFrame,
    *,
    source: str,
    bands: tuple[str, ...] = SIZE_BANDS,
    outcomes: tuple[str, ...] = OUTCOMES,
) -> PublishedTable:
    """Validate a printed percentage table given as text and convert it to units.

    Parameters
    ----------
    frame : pandas.DataFrame
        All cells as text, laid out as printed (see :meth:`PublishedTable.printed`).
    source : str
        Named in error messages (usually the file path).
    bands, outcomes : tuple of str
        Expected row and column labels; rows are returned in this order.

    Returns
    -------
    PublishedTable

    Examples
    --------
    >>> frame = pd.DataFrame(
    ...     [["a", "25.0", "75.0", "40.0"], ["b", "50.0", "50.0", "60.0"],
    ...      [SHARE_LABEL, "40.0", "60.0", "100.0"]],
    ...     columns=["row", "yes", "no", SHARE_LABEL])
    >>> parse_published(frame, source="demo", bands=("a", "b"), outcomes=("yes", "no")).cells.loc["a"].tolist()
    [250, 750]
    """
    expected_fields = (ROW_FIELD, *outcomes, SHARE_LABEL)
    for field in expected_fields:
        if field not in frame.columns:
            raise TableFormatError(f"{source}: missing column {field!r} (expected columns {', '.join(expected_fields)})")
    for field in frame.columns:
        if field not in expected_fields:
            raise TableFormatError(f"{source}: unexpected column {field!r} (expected columns {', '.join(expected_fields)})")

    labels = [str(label).strip() for label in frame[ROW_FIELD]]
    allowed = (*bands, SHARE_LABEL)
    for label in labels:
        if label not in allowed:
            raise TableFormatError(f"{source}: row {label!r}: unknown size band (expected one of {', '.join(allowed)})")
    for label in allowed:
        if labels.count(label) > 1:
            raise TableFormatError(f"{source}: row {label!r}: duplicated row")
        if label not in labels:
            kind = "share row" if label == SHARE_LABEL else "size band row"
            raise TableFormatError(f"{source}: row {label!r}: missing {kind}")

    parsed = {
        (label, field): _parse_figure(record[field], source=source, row=label, field=field)
        for label, (_, record) in zip(labels, frame.iterrows())
        for field in (*outcomes, SHARE_LABEL)
    }
    (first_row, first_field), (_, decimals) = next(iter(parsed.items()))
    for (label, field), (_, places) in parsed.items():
        if places != decimals:
            raise TableFormatError(
                f"{source}: row {label!r}, field {field!r}: figure printed with {places} decimals, "
                f"but the first figure (row {first_row!r}, field {first_field!r}) has {decimals}"
            )
    figures = {key: units for key, (units, _) in parsed.items()}

    hundred = 100 * 10**decimals
    cells = pd.DataFrame(
        [[figures[band, outcome] for outcome in outcomes] for band in bands],
        index=pd.Index(bands, name="size_band"),
        columns=pd.Index(outcomes, name="outcome"),
        dtype=np.int64,
    )
    row_shares = pd.Series([figures[band, SHARE_LABEL] for band in bands], index=cells.index, dtype=np.int64)
    column_shares = pd.Series([figures[SHARE_LABEL, outcome] for outcome in outcomes], index=cells.columns, dtype=np.int64)
    total = figures[SHARE_LABEL, SHARE_LABEL]
    if total != hundred:
        raise TableFormatError(
            f"{source}: row {SHARE_LABEL!r}, field {SHARE_LABEL!r}: the whole sample is printed as "
            f"{frame[SHARE_LABEL].iloc[labels.index(SHARE_LABEL)]!r}, expected 100%"
        )
    for band in bands:
        _check_sum(cells.loc[band].tolist(), decimals, f"{source}: row {band!r}: percentages")
    _check_sum(column_shares.tolist(), decimals, f"{source}: row {SHARE_LABEL!r}: column shares")
    _check_sum(row_shares.tolist(), decimals, f"{source}: column {SHARE_LABEL!r}: row shares")
    return PublishedTable(cells, row_shares, column_shares, total, decimals, source)


def _parse_figure(text: str, *, source: str, row: str, field: str) -> tuple[int, int]:
    """Return ``(units, decimals)`` for one printed percentage, or raise."""
    where = f"{source}: row {row!r}, field {field!r}"
    stripped = str(text).strip()
    if stripped == "":
        raise TableFormatError(f"{where}: missing figure")
    if stripped.startswith("-") and _FIGURE.match(stripped[1:]):
        raise TableFormatError(f"{where}: percentage {stripped!r} is negative")
    match = _FIGURE.match(stripped)
    if match is None:
        raise TableFormatError(f"{where}: {stripped!r} is not a number")
    fraction = match["fraction"] or ""
    units = int(match["whole"] + fraction)
    if units > 100 * 10 ** len(fraction):
        raise TableFormatError(f"{where}: percentage {stripped!r} exceeds 100")
    return units, len(fraction)


def _check_sum(values: list[int], decimals: int, where: str) -> None:
    """Raise unless ``values`` (each rounded to ``decimals``) can sum to exactly 100 %.

    Each printed value is within half a unit of its exact value, so ``m``
    values may miss 100 % by at most ``m`` half-units.
    """
    hundred = 100 * 10**decimals
    gap = sum(values) - hundred
    if 2 * abs(gap) > len(values):
        scale = 10**decimals
        raise TableFormatError(
            f"{where} sum to {sum(values) / scale:.{decimals}f}%, more than {len(values)} x "
            f"{0.5 / scale:g} points from 100% (rounding cannot explain the gap)"
        )


def load_counts(path: Path = config.DERIVED_COUNTS) -> pd.DataFrame:
    """Read the long counts file and return the wide table of counts.

    Parameters
    ----------
    path : Path
        CSV with columns ``size_band,outcome,count``, one line per cell.

    Returns
    -------
    pandas.DataFrame
        int64 counts, index ``size_band`` in :data:`~analysis.domain.SIZE_BANDS`
        order, columns :data:`~analysis.domain.OUTCOMES` in order.

    Raises
    ------
    TableFormatError
        Missing column, unknown size band or outcome, duplicated pair, missing
        cell, or a count that is missing, negative or not a whole number.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> wide = pd.DataFrame([[1, 2, 3, 4]] * 5, index=list(SIZE_BANDS), columns=list(OUTCOMES))
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "counts.csv"
    >>> counts_long(wide).to_csv(path, index=False)
    >>> load_counts(path).loc["Major"].tolist()
    [1, 2, 3, 4]
    """
    table = read_csv_file(path, TableFormatError)
    name = display_path(path)
    for field in COUNT_FIELDS:
        if field not in table.header:
            raise TableFormatError(f"{name}: missing column {field!r} (expected columns {', '.join(COUNT_FIELDS)})")
    positions = [table.header.index(field) for field in COUNT_FIELDS]
    counts: dict[tuple[str, str], int] = {}
    first_line: dict[tuple[str, str], int] = {}
    for line, record in table.rows:
        band, outcome, count = (record[position].strip() for position in positions)
        if band not in SIZE_BANDS:
            raise TableFormatError(
                f"{name}: line {line}, field 'size_band': unknown size band {band!r} (expected one of {', '.join(SIZE_BANDS)})"
            )
        if outcome not in OUTCOMES:
            raise TableFormatError(
                f"{name}: line {line}, field 'outcome': unknown outcome {outcome!r} (expected one of {', '.join(OUTCOMES)})"
            )
        if (band, outcome) in counts:
            raise TableFormatError(
                f"{name}: line {line}: duplicate pair ({band}, {outcome}), first given on line {first_line[band, outcome]}"
            )
        counts[band, outcome] = _parse_count(count, where=f"{name}: line {line}, field 'count'")
        first_line[band, outcome] = line
    for band in SIZE_BANDS:
        for outcome in OUTCOMES:
            if (band, outcome) not in counts:
                raise TableFormatError(f"{name}: missing cell: no line for size_band {band!r}, outcome {outcome!r}")
    return pd.DataFrame(
        [[counts[band, outcome] for outcome in OUTCOMES] for band in SIZE_BANDS],
        index=pd.Index(SIZE_BANDS, name="size_band"),
        columns=pd.Index(OUTCOMES, name="outcome"),
        dtype=np.int64,
    )


def _parse_count(text: str, *, where: str) -> int:
    if text == "":
        raise TableFormatError(f"{where}: missing count")
    if text.startswith("-") and _FIGURE.match(text[1:]):
        raise TableFormatError(f"{where}: count {text!r} is negative")
    if not _WHOLE_NUMBER.match(text):
        raise TableFormatError(f"{where}: count {text!r} is not a whole number")
    return int(text)


def counts_long(wide: pd.DataFrame) -> pd.DataFrame:
    """Turn a wide table of counts into the long ``size_band,outcome,count`` layout.

    The inverse of :func:`load_counts`: one line per cell, rows of ``wide``
    first, then its columns, both in their existing order.

    Parameters
    ----------
    wide : pandas.DataFrame
        Counts, index size bands, columns outcomes.

    Returns
    -------
    pandas.DataFrame
        Columns ``size_band``, ``outcome`` and ``count`` (int64).

    Examples
    --------
    >>> wide = pd.DataFrame({"Increased": [2, 14], "Decreased": [14, 20]}, index=["Micro", "Small"])
    >>> counts_long(wide).values.tolist()
    [['Micro', 'Increased', 2], ['Micro', 'Decreased', 14], ['Small', 'Increased', 14], ['Small', 'Decreased', 20]]
    """
    records = [(str(band), str(outcome), int(wide.loc[band, outcome])) for band in wide.index for outcome in wide.columns]
    return pd.DataFrame(records, columns=list(COUNT_FIELDS)).astype({"count": np.int64})
