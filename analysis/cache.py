"""Never-stale reuse of results: a fingerprint of the inputs, Quarto's freeze guard, a results cache.

Everything the book computes depends only on the *inputs*: the ``analysis``
package, the raw data and the thematic coding, and the locked environment.
The derived outputs (``data/derived``) are not inputs: they are made from the
inputs, and their last bits may differ from machine to machine (see
:data:`analysis.config.STORED_SIGNIFICANT_DIGITS`), so a rebuild never makes a
notebook or a stored result stale. Their fingerprint
(:func:`input_fingerprint`) decides what may be reused:

- the chapter notebooks record it with the book's sources
  (:func:`analysis.notebooks.book_fingerprint`) and are executed again when it
  changes;
- :func:`guard_freeze` runs before every render (``project: pre-render`` in
  ``_quarto.yml``) and deletes ``_freeze/``, where Quarto keeps the results of
  the pages it executes itself (``execute: freeze: auto``), whenever the
  fingerprint differs from the one they were made with;
- :func:`cached` keeps the results of expensive calls on disk under the
  fingerprint, so executing a chapter again with the same inputs (``--force``,
  the chapter tests) loads them instead of recomputing them.

This module uses the standard library only.

Examples
--------
>>> len(input_fingerprint())
64
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from analysis import config

#: What a chapter's results are made from, relative to the project root (not ``data/derived``,
#: which is made from these).
INPUTS = ("analysis", "data/raw", "data/themes", "uv.lock")
#: Files under the inputs that are not inputs (compiled bytecode).
_NOT_INPUTS = ("__pycache__",)
Result = TypeVar("Result")


def _input_files(root: Path) -> list[Path]:
    files = []
    for name in INPUTS:
        path = root / name
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files += [
                file
                for file in path.rglob("*")
                if file.is_file() and not any(part in _NOT_INPUTS for part in file.relative_to(root).parts)
            ]
    return sorted(files)


def input_fingerprint(root: Path = config.ROOT) -> str:
    """SHA-256 over the path and content of every input file (``analysis/``, ``data/raw/``, ``data/themes/``, ``uv.lock``).

    Any edit, added or removed file changes it; timestamps do not.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "uv.lock").write_text("a = 1")
    5
    >>> before = input_fingerprint(folder)
    >>> (folder / "uv.lock").write_text("a = 2")
    5
    >>> input_fingerprint(folder) == before
    False
    """
    digest = hashlib.sha256()
    add_files(digest, Path(root), _input_files(Path(root)))
    return digest.hexdigest()


def add_files(digest, root: Path, files: list[Path]) -> None:
    """Feed each file's path (relative to ``root``) and the SHA-256 of its content to ``digest``, in order."""
    for file in files:
        digest.update(file.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())


def guard_freeze(root: Path = config.ROOT) -> str:
    """Delete Quarto's ``_freeze/`` and old cached results when the inputs changed since they were made.

    The fingerprint the stored results were made with is kept in
    ``.cache/inputs.sha256``.

    Returns
    -------
    str
        ``"reused"`` (inputs unchanged: frozen results stay) or
        ``"invalidated"`` (results deleted; every chapter executes again).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "data" / "raw").mkdir(parents=True)
    >>> (folder / "data" / "raw" / "x.csv").write_text("1")
    1
    >>> guard_freeze(folder), guard_freeze(folder)
    ('invalidated', 'reused')
    >>> (folder / "data" / "raw" / "x.csv").write_text("2")
    1
    >>> guard_freeze(folder)
    'invalidated'
    """
    root = Path(root)
    stamp = root / ".cache" / "inputs.sha256"
    fingerprint = input_fingerprint(root)
    if stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == fingerprint:
        return "reused"
    shutil.rmtree(root / "_freeze", ignore_errors=True)
    shutil.rmtree(root / ".cache" / "results", ignore_errors=True)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fingerprint + "\n", encoding="utf-8")
    return "invalidated"


@functools.cache
def _current_fingerprint(root: Path) -> str:
    return input_fingerprint(root)


def cached(function: Callable[..., Result], *args, root: Path = config.ROOT, **kwargs) -> Result:
    """``function(*args, **kwargs)``, computed once per input fingerprint and kept on disk.

    For expensive, deterministic calls in chapters (Monte Carlo and exact
    tests, model fits): the first render pass computes and stores the result
    under ``.cache/results/<fingerprint>/``, and later passes with the same
    inputs load it. A change to ``analysis/``, ``data/raw/``, ``data/themes/`` or ``uv.lock`` gives a
    new fingerprint, so a stale result is never found.

    Parameters
    ----------
    function : callable
        A module-level function (its module and name are part of the key).
    *args, **kwargs
        Its arguments; they must be picklable, and are part of the key.
    root : Path
        Project root (the fingerprint's and the cache's location).

    Examples
    --------
    >>> import math, tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> cached(math.comb, 231, 3, root=folder)
    2027795
    >>> len(list((folder / ".cache" / "results").rglob("*.pickle")))
    1
    """
    root = Path(root)
    key = hashlib.sha256(
        pickle.dumps((function.__module__, function.__qualname__, args, sorted(kwargs.items())), protocol=5)
    ).hexdigest()
    path = root / ".cache" / "results" / _current_fingerprint(root)[:16] / f"{key}.pickle"
    if path.is_file():
        return pickle.loads(path.read_bytes())
    result = function(*args, **kwargs)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_bytes(pickle.dumps(result, protocol=5))
    partial.replace(path)
    return result
