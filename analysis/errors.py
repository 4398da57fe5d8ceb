"""The one error type the command line reports, and how messages name files.

Every problem a user can cause or meet (a bad input file, an output folder
that cannot be written, a search too large for its budget) raises a
:class:`CompendiumError`, or a subclass named after the file kind, whose
message is one line that starts with the file it is about. ``python -m
analysis`` prints it as ``error: <message>`` and exits with status 1.

Examples
--------
>>> from analysis import config
>>> display_path(config.PUBLISHED_TABLE)
'data/raw/table5_1_published.csv'
>>> str(CompendiumError("data/raw/x.csv: line 3: has 7 fields, expected 6"))
'data/raw/x.csv: line 3: has 7 fields, expected 6'
"""

from __future__ import annotations

from pathlib import Path

from analysis import config


class CompendiumError(ValueError):
    """A problem reported to the user as one line naming the file (and row or field) at fault."""


class OutputWriteError(CompendiumError):
    """An output file could not be written; the message names the target, not a temporary file."""


def display_path(path: Path | str) -> str:
    """How an error message names a file: repository-relative when inside the repository.

    Examples
    --------
    >>> display_path("/elsewhere/table.csv")
    '/elsewhere/table.csv'
    """
    resolved = Path(path).resolve()
    if resolved.is_relative_to(config.ROOT):
        return resolved.relative_to(config.ROOT).as_posix()
    return str(path)


def one_line(text: str) -> str:
    """Collapse any run of whitespace, newlines included, into one space.

    Examples
    --------
    >>> one_line("expected\\n  a value ")
    'expected a value'
    """
    return " ".join(str(text).split())


def read_utf8(path: Path | str, error: type[CompendiumError]) -> str:
    """The text of ``path``, or ``error`` with one line naming the file when it cannot be read as UTF-8.

    Examples
    --------
    >>> read_utf8("/no/such/file.yaml", CompendiumError)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    analysis.errors.CompendiumError: /no/such/file.yaml: cannot be read (No such file or directory)
    """
    name = display_path(path)
    try:
        return Path(path).read_bytes().decode("utf-8")
    except OSError as problem:
        raise error(f"{name}: cannot be read ({problem.strerror or problem})") from None
    except UnicodeDecodeError as problem:
        raise error(f"{name}: not UTF-8 text (byte at offset {problem.start})") from None
