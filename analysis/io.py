"""All-or-nothing, deterministic writing of derived outputs, and their hashes.

Every file the build writes goes through :func:`write_files_together`, which
writes a whole *set* of files so that a reader finds either the complete old
set or the complete new set, never a mix:

1. **stage**: each file's bytes go to a temporary file beside its target
   (``.<name>.build<pid>.<random>.tmp``), flushed to disk;
2. **switch**: each temporary file replaces its target with ``os.replace``,
   the last file given (the build's manifest) last. The switch takes
   microseconds, and SIGINT (Ctrl-C) and SIGTERM are deferred until it has
   finished, so an interruption lands before it (old set kept) or after it
   (new set complete);
3. **clean up**: if anything fails or is interrupted before the switch, every
   staged temporary file is removed, and the error names the target file.

Only a hard kill (SIGKILL, power loss) inside the switch can leave a mix;
``python -m analysis verify`` detects and names such an incomplete set.
Writers refuse any path inside the raw-data folders, so code cannot change
raw data by mistake.

**Test hook.** Setting the environment variable ``CCC_PAUSE_AT`` to
``staged <name>`` or ``replaced <name>`` makes the writer pause right after
staging or replacing that file: it creates the file named by
``CCC_PAUSE_MARKER`` and waits (at most a minute) until that file is deleted.
A test uses this to deliver a signal at a known point inside the writing.
The hook changes nothing else, and does nothing when the variables are unset.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> paths = write_files_together(folder, {"a.txt": b"hello\\n", "b.txt": b"world\\n"})
>>> sorted(path.name for path in folder.iterdir())
['a.txt', 'b.txt']
>>> sha256_file(paths["a.txt"])[:12]
'5891b5b522d5'
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pandas as pd

from analysis import config
from analysis.errors import OutputWriteError, display_path

#: Folders that code must never write to.
READ_ONLY_FOLDERS: tuple[Path, ...] = (config.RAW, config.THEMES)

#: Environment variables of the documented pause hook (see the module docstring).
PAUSE_AT = "CCC_PAUSE_AT"
PAUSE_MARKER = "CCC_PAUSE_MARKER"
#: Longest the pause hook waits for its marker file to be deleted, in seconds.
PAUSE_LIMIT = 60.0


class RawDataWriteError(PermissionError):
    """Raised when code tries to write inside a raw-data folder."""


def _refuse_raw(path: Path) -> None:
    resolved = path.resolve()
    for folder in READ_ONLY_FOLDERS:
        if resolved.is_relative_to(folder.resolve()):
            raise RawDataWriteError(
                f"{path}: refusing to write inside the read-only raw-data folder {folder}"
            )


def write_files_together(folder: Path, files: Mapping[str, bytes]) -> dict[str, Path]:
    """Write every file of ``files`` into ``folder`` as one all-or-nothing set.

    Parameters
    ----------
    folder : Path
        Target folder, created if needed.
    files : mapping of str to bytes
        File name -> complete contents. The files are switched into place in
        this order, so put the file that vouches for the others (a manifest) last.

    Returns
    -------
    dict of str to Path
        File name -> the path written.

    Raises
    ------
    OutputWriteError
        If a file cannot be written (read-only folder, full disk, ...), naming
        the target file; no target has been changed and no temporary file is left.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_files_together(folder, {"x.bin": b"ab"})["x.bin"].read_bytes()
    b'ab'
    """
    folder = Path(folder)
    targets = {name: folder / name for name in files}
    for target in targets.values():
        _refuse_raw(target)
    with _naming_target(folder):
        folder.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(folder, files)
    staged: dict[str, Path] = {}
    try:
        for name, data in files.items():
            with _naming_target(targets[name]):
                staged[name] = _stage(targets[name], data)
            _pause_point(f"staged {name}")
        with _interrupts_deferred():
            for name, temporary in staged.items():
                with _naming_target(targets[name]):
                    os.replace(temporary, targets[name])
                _pause_point(f"replaced {name}")
    except BaseException:
        for temporary in staged.values():
            temporary.unlink(missing_ok=True)
        for stray in folder.glob(f".*.build{os.getpid()}.*.tmp"):
            stray.unlink(missing_ok=True)
        raise
    return targets


def _stage(target: Path, data: bytes) -> Path:
    """Write ``data`` to a new temporary file beside ``target``, flushed to disk; return its path."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.build{os.getpid()}.", suffix=".tmp")
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    return Path(temporary)


def _remove_stale_temporaries(folder: Path, names: Iterable[str]) -> None:
    """Remove temporary files of these outputs that a killed earlier build left behind."""
    for name in names:
        for stray in folder.glob(f".{name}.build*.tmp"):
            stray.unlink(missing_ok=True)


@contextlib.contextmanager
def _naming_target(target: Path) -> Iterator[None]:
    """Turn an ``OSError`` into an :class:`OutputWriteError` that names ``target``."""
    try:
        yield
    except RawDataWriteError:
        raise
    except OSError as error:
        raise OutputWriteError(f"{display_path(target)}: cannot write ({error.strerror or error})") from None


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then act on the first one received.

    Python runs signal handlers in the main thread only, so swapping the
    handlers there defers the signal whichever thread the system delivered it to.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {number: signal.signal(number, lambda number, frame: received.append(number)) for number in signals}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if received:
            handler = previous[received[0]]
            if callable(handler):
                handler(received[0], None)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(received[0])


def _pause_point(point: str) -> None:
    """The documented test hook: pause here if ``CCC_PAUSE_AT`` names this point."""
    if os.environ.get(PAUSE_AT) != point:
        return
    marker = Path(os.environ[PAUSE_MARKER])
    marker.write_text(f"{os.getpid()}\n", encoding="utf-8")
    deadline = time.monotonic() + PAUSE_LIMIT
    while marker.exists() and time.monotonic() < deadline:
        time.sleep(0.01)


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Write one file atomically (a set of one) and return its path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_bytes_atomic(pathlib.Path(tempfile.mkdtemp()) / "x.bin", b"ab")
    >>> p.read_bytes()
    b'ab'
    """
    path = Path(path)
    return write_files_together(path.parent, {path.name: data})[path.name]


def write_text_atomic(path: Path, text: str) -> Path:
    """Write UTF-8 text with Unix line endings atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> write_text_atomic(pathlib.Path(tempfile.mkdtemp()) / "t.txt", "a\\n").read_text()
    'a\\n'
    """
    return write_bytes_atomic(path, text.encode("utf-8"))


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A DataFrame as CSV bytes: no index, ``\\n`` line ends, floats to the stored precision.

    Every float is rounded to :data:`analysis.config.STORED_SIGNIFICANT_DIGITS`
    significant figures and written as the shortest text that reads back as that
    rounded value (``-0.0`` as ``0.0``), so the file is byte-identical for identical
    inputs on any CPU, BLAS kernel or thread count (see the constant for the
    measurements behind the choice). Integers and text are written as they are.

    Examples
    --------
    >>> frame = pd.DataFrame({"a": [1, 2], "b": [0.1, 1 / 3]})
    >>> csv_bytes(frame).decode().splitlines()[2]
    '2,0.33333333'
    >>> stored_float(1.0000000000000002), stored_float(4.4189763e-09 * (1 + 1e-12)), stored_float(-0.0)
    ('1.0', '4.4189763e-09', '0.0')
    """
    return frame.to_csv(index=False, lineterminator="\n", float_format=stored_float).encode("utf-8")


def stored_float(value: float) -> str:
    """The text a derived file stores for a float: rounded to the stored significant figures."""
    return repr(float(f"{float(value):.{config.STORED_SIGNIFICANT_DIGITS}g}") + 0.0)


def json_bytes(payload: object) -> bytes:
    """JSON bytes with sorted keys, two-space indents and a trailing newline.

    Examples
    --------
    >>> json_bytes({"b": 1, "a": 2}).decode()
    '{\\n  "a": 2,\\n  "b": 1\\n}\\n'
    """
    return (json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 digest of some bytes.

    Examples
    --------
    >>> sha256_bytes(b"")[:16]
    'e3b0c44298fc1c14'
    """
    return hashlib.sha256(data).hexdigest()


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
    return sha256_bytes(Path(path).read_bytes())


def relative_to_root(path: Path, root: Path = config.ROOT) -> str:
    """Repository-relative POSIX path, used as a key in manifests.

    Examples
    --------
    >>> relative_to_root(config.DERIVED_COUNTS)
    'data/derived/table5_1_counts.csv'
    """
    return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
