"""The figures the two sources state in their text, as one validated tidy table.

Each source has a hand-typed CSV in ``data/raw/source_figures`` (``body2020.csv``,
``body2019.csv``) with the columns :data:`COLUMNS`: one row per stated figure,
with a page (Body 2020) or section (Body 2019) locator so a reader can find it.
Nothing here derives a figure: the loader only checks what was typed.

Examples
--------
>>> figures = load_source_figures()
>>> figures.columns.tolist() == list(COLUMNS)
True
>>> int(figures.set_index("figure_id").loc["commissioners-interviewed", "value"])
15
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from analysis import config
from analysis.csvfile import read_csv_file
from analysis.errors import CompendiumError, display_path
from analysis.themes import KEBAB_CASE, SECTIONS, check_locator

#: Columns of every stated-figures CSV, in order.
COLUMNS: tuple[str, ...] = ("figure_id", "source", "quantity", "value", "unit", "locator", "note")

#: Units a stated figure may carry. ``year`` is a calendar year, ``years`` a span of years.
UNITS: tuple[str, ...] = ("count", "percent", "fraction", "hours", "pounds", "year", "years")


#: The source's own wording at the head of a note, marked as a quotation: ``stated: “…”;``.
STATED = re.compile(r"^stated: “(?P<wording>[^”]+)”;? ?")


class SourceFigureError(CompendiumError):
    """A stated-figures CSV breaks the schema; the message names file, row and field."""


def load_source_figures(folder: Path = config.SOURCE_FIGURES) -> pd.DataFrame:
    """Load and validate every ``*.csv`` of stated figures in ``folder``.

    Parameters
    ----------
    folder : Path
        Folder holding one CSV per source, named after the source's citation key.

    Returns
    -------
    pandas.DataFrame
        The columns :data:`COLUMNS`; ``value`` as float, the rest as strings,
        files in name order and rows in file order.

    Raises
    ------
    SourceFigureError
        Naming the file, the CSV line and the field at fault.

    Examples
    --------
    >>> sorted(load_source_figures()["unit"].unique())[:2]
    ['count', 'fraction']
    """
    records: list[dict] = []
    seen: dict[str, str] = {}
    for path in sorted(Path(folder).glob("*.csv")):
        for line, record in _read_file(path):
            if record["figure_id"] in seen:
                raise SourceFigureError(
                    f"{display_path(path)}, line {line}: figure_id {record['figure_id']!r} "
                    f"duplicates {seen[record['figure_id']]}"
                )
            seen[record["figure_id"]] = f"{path.name}, line {line}"
            records.append(record)
    frame = pd.DataFrame(records, columns=list(COLUMNS))
    return frame.astype({"value": "float64"})


def _read_file(path: Path) -> list[tuple[int, dict]]:
    table = read_csv_file(path, SourceFigureError)
    if table.header != COLUMNS:
        raise SourceFigureError(f"{display_path(path)}, line 1: header must be {','.join(COLUMNS)}")
    return [(line, _record(row, path, line)) for line, row in table.rows]


def _record(row: tuple[str, ...], path: Path, line: int) -> dict:
    where = f"{display_path(path)}, line {line}"
    record = dict(zip(COLUMNS, (cell.strip() for cell in row), strict=True))
    for field in ("figure_id", "source", "quantity", "value", "unit", "locator"):
        if not record[field]:
            raise SourceFigureError(f"{where}: field {field!r} is empty")
    if not KEBAB_CASE.match(record["figure_id"]):
        raise SourceFigureError(f"{where}: figure_id {record['figure_id']!r} is not kebab-case")
    if record["source"] != path.stem or record["source"] not in SECTIONS:
        raise SourceFigureError(
            f"{where}: source {record['source']!r} must be a known source and match the file name {path.stem!r}"
        )
    try:
        value = float(record["value"])
    except ValueError:
        raise SourceFigureError(f"{where}: value {record['value']!r} is not a number") from None
    if not math.isfinite(value):
        raise SourceFigureError(f"{where}: value {record['value']!r} is not finite")
    if record["unit"] not in UNITS:
        raise SourceFigureError(f"{where}: unit {record['unit']!r} is not one of {', '.join(UNITS)}")
    problem = check_locator(record["source"], record["locator"])
    if problem:
        raise SourceFigureError(f"{where}: locator: {problem}")
    record["value"] = value
    return record


def stated_wording(figures: pd.DataFrame) -> pd.Series:
    """The source's own words for each figure whose note quotes them, by figure id.

    A Body (2020) note opens with the chapter's wording of the figure, quoted:
    ``stated: “just one fifth”; ...``. Rows whose note does not are left out.

    Examples
    --------
    >>> stated_wording(load_source_figures())["orientation-procurement-share"]
    'just one fifth'
    """
    wording = figures.set_index("figure_id")["note"].str.extract(STATED)["wording"]
    return wording.dropna()


def note_remarks(figures: pd.DataFrame) -> pd.Series:
    """Each figure's note without the quoted wording it opens with, by figure id.

    Examples
    --------
    >>> note_remarks(load_source_figures())["charities-tracked"]
    'early intervention charities in a single geographical area'
    """
    return figures.set_index("figure_id")["note"].str.replace(STATED, "", regex=True)
