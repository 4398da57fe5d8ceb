"""Reading a hand-typed CSV file strictly, so every fault is named by file and line.

The raw tables are typed by hand, so the reader trusts nothing: it reads the
bytes itself, then checks that they are UTF-8 text without NUL bytes, that the file has a
header line whose names carry no stray spaces and do not repeat, and that
every row has exactly as many fields as the header. (A general CSV parser
guesses instead: it reports an empty file as "no columns", an extra field in
the first data row as a shifted index, and a spaced header name as a missing
column.) The loaders then check the meaning of each field.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
>>> _ = path.write_text("a,b\\n1,2\\n\\n3,4\\n")
>>> table = read_csv_file(path, ValueError)
>>> table.header, table.rows
(('a', 'b'), ((2, ('1', '2')), (4, ('3', '4'))))
>>> _ = path.write_text("a,b\\n1,2,3\\n")
>>> read_csv_file(path, ValueError)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: .../t.csv: line 2 (row '1'): has 3 fields, expected 2 (one per header column)
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from analysis.errors import display_path


@dataclass(frozen=True)
class CsvFile:
    """A CSV file's header and its non-blank rows, each with its line number (the header is line 1)."""

    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]


def read_csv_file(path: Path, error: type[Exception]) -> CsvFile:
    """Read ``path`` as a strict CSV file, raising ``error`` with a one-line message on any fault.

    Parameters
    ----------
    path : Path
        The file.
    error : type of Exception
        Raised with a message that starts with the file's name and gives the line.

    Returns
    -------
    CsvFile
        Header names and rows as text, exactly as typed; blank lines are skipped.
    """
    name = display_path(path)
    try:
        data = Path(path).read_bytes()
    except OSError as problem:
        raise error(f"{name}: cannot be read ({problem.strerror or problem})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        line = data[: problem.start].count(b"\n") + 1
        raise error(
            f"{name}: line {line}: not UTF-8 text (byte 0x{data[problem.start]:02x} at offset {problem.start}); "
            "is this the right file?"
        ) from None
    if not text.strip():
        raise error(f"{name}: file is empty (expected a header line, then one line per row)")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise error(f"{name}: line {line}: contains a NUL byte, so it is not CSV text; is this the right file?")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, tuple[str, ...]]] = []
    try:
        for record in reader:
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            records.append((reader.line_num, tuple(record)))
    except csv.Error as problem:
        raise error(f"{name}: line {reader.line_num + 1}: not valid CSV ({problem})") from None
    (header_line, header), rows = records[0], records[1:]
    _check_header(header, header_line, name, error)
    for line, record in rows:
        if len(record) != len(header):
            raise error(
                f"{name}: line {line} (row {record[0].strip()!r}): has {len(record)} fields, "
                f"expected {len(header)} (one per header column)"
            )
    return CsvFile(header, tuple(rows))


def _check_header(header: tuple[str, ...], line: int, name: str, error: type[Exception]) -> None:
    seen: set[str] = set()
    for position, field in enumerate(header, start=1):
        where = f"{name}: line {line}, column {position}"
        if not field.strip():
            raise error(f"{where}: empty column name in the header")
        if field != field.strip():
            raise error(f"{where}: column name {field!r} has spaces around it (write {field.strip()!r})")
        if field in seen:
            raise error(f"{where}: column name {field!r} appears twice in the header")
        seen.add(field)
