"""Atomic, deterministic writing of derived outputs, and their hash manifest.

Every file the build writes goes through :func:`write_bytes_atomic`: the bytes
land in a temporary file in the same folder, are flushed to disk, and then
replace the target in one ``os.replace``. A crash leaves either the old file or
the new one, never half of one. Writers refuse any path inside the raw-data
folders, so code cannot change raw data by mistake.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> path = write_text_atomic(folder / "hello.txt", "hello\\n")
>>> sha256_file(path)[:12]
'5891b5b522d5'
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import pandas as pd

from analysis import config

#: Folders that code must never write to.
READ_ONLY_FOLDERS: tuple[Path, ...] = (config.RAW, config.THEMES)


class RawDataWriteError(PermissionError):
    """Raised when code tries to write inside a raw-data folder."""


def _refuse_raw(path: Path) -> None:
    resolved = path.resolve()
    for folder in READ_ONLY_FOLDERS:
        if resolved.is_relative_to(folder.resolve()):
            raise RawDataWriteError(
                f"{path}: refusing to write inside the read-only raw-data folder {folder}"
            )


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return ``path``.

    Parameters
    ----------
    path : Path
        Target file. Its folder is created if needed.
    data : bytes
        The complete contents.

    Returns
    -------
    Path
        The path written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_bytes_atomic(pathlib.Path(tempfile.mkdtemp()) / "x.bin", b"ab")
    >>> p.read_bytes()
    b'ab'
    """
    path = Path(path)
    _refuse_raw(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: Path, text: str) -> Path:
    """Write UTF-8 text with Unix line endings atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> write_text_atomic(pathlib.Path(tempfile.mkdtemp()) / "t.txt", "a\\n").read_text()
    'a\\n'
    """
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_csv_atomic(path: Path, frame: pd.DataFrame) -> Path:
    """Write a DataFrame as CSV (no index, ``\\n`` line ends, full float precision).

    Floats are written with ``repr`` precision (17 significant digits), so the
    file round-trips exactly and is byte-identical for identical inputs.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> frame = pd.DataFrame({"a": [1, 2], "b": [0.1, 1 / 3]})
    >>> path = write_csv_atomic(pathlib.Path(tempfile.mkdtemp()) / "f.csv", frame)
    >>> path.read_text().splitlines()[2]
    '2,0.3333333333333333'
    """
    text = frame.to_csv(index=False, lineterminator="\n", float_format=_float_repr)
    return write_text_atomic(path, text)


def _float_repr(value: float) -> str:
    return repr(float(value))


def write_json_atomic(path: Path, payload: object) -> Path:
    """Write JSON with sorted keys and a trailing newline, atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> write_json_atomic(pathlib.Path(tempfile.mkdtemp()) / "j.json", {"b": 1, "a": 2}).read_text()
    '{\\n  "a": 2,\\n  "b": 1\\n}\\n'
    """
    return write_text_atomic(path, json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def sha256_file(path: Path) -> str:
    """Hex SHA-256 digest of a file's bytes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "e"
    >>> _ = p.write_bytes(b"")
    >>> sha256_file(p)[:16]
    'e3b0c44298fc1c14'
    """
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def relative_to_root(path: Path) -> str:
    """Repository-relative POSIX path, used as a key in manifests.

    Examples
    --------
    >>> relative_to_root(config.DERIVED_COUNTS)
    'data/derived/table5_1_counts.csv'
    """
    return Path(path).resolve().relative_to(config.ROOT).as_posix()
