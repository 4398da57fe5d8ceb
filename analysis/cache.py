"""Never-stale reuse of chapter results: a fingerprint of the inputs, Quarto's freeze guard, a results cache.

Quarto executes every chapter once per output format, and with ``execute:
freeze: auto`` it reuses a chapter's stored results (``_freeze/``) until the
chapter's own source changes, but not when the code or data it calls change.
Everything a chapter computes depends only on the *inputs*: the ``analysis``
package, the data and the locked environment. Their fingerprint
(:func:`input_fingerprint`) decides what may be reused:

- :func:`guard_freeze` runs before every render (``project: pre-render`` in
  ``_quarto.yml``, via ``chapters/_scripts/guard_freeze.py``) and deletes ``_freeze/``
  whenever the fingerprint differs from the one it was made with, so a change
  to any input reaches every chapter on the next render;
- :func:`cached` keeps the results of expensive calls on disk under the
  fingerprint, so the second output format of a render (and the chapter
  tests) reuse the first one's results instead of recomputing them.

The book also keeps each chapter's Jupyter kernel alive between its two
output formats (``execute: daemon`` in ``_quarto.yml``). Quarto restarts a
kept-alive kernel when the modification time of any module it has imported
has changed (the ``kernel_deps`` check in quarto-cli's
``src/resources/jupyter/notebook.py``), which covers edits to ``analysis/``
and to installed packages but not to ``data/``; so when the inputs changed,
:func:`guard_freeze` also renews the modification time of
``analysis/__init__.py``, which every chapter imports, and no kernel that
read the old data survives into the next render.

This module uses the standard library only: the pre-render step runs it with
whatever Python Quarto finds.

Examples
--------
>>> len(input_fingerprint())
64
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from analysis import config

#: What a chapter's results depend on, relative to the project root.
INPUTS = ("analysis", "data", "uv.lock")
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
    """SHA-256 over the path and content of every input file (``analysis/``, ``data/``, ``uv.lock``).

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
    for file in _input_files(Path(root)):
        digest.update(file.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


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
    >>> (folder / "data").mkdir()
    >>> (folder / "data" / "x.csv").write_text("1")
    1
    >>> guard_freeze(folder), guard_freeze(folder)
    ('invalidated', 'reused')
    >>> (folder / "data" / "x.csv").write_text("2")
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
    _restart_kept_kernels(root)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fingerprint + "\n", encoding="utf-8")
    return "invalidated"


def _restart_kept_kernels(root: Path) -> None:
    """Make Quarto restart any chapter kernel still alive from an earlier render (see the module notes)."""
    package = root / "analysis" / "__init__.py"
    if package.is_file():
        os.utime(package)


@functools.cache
def _current_fingerprint(root: Path) -> str:
    return input_fingerprint(root)


def cached(function: Callable[..., Result], *args, root: Path = config.ROOT, **kwargs) -> Result:
    """``function(*args, **kwargs)``, computed once per input fingerprint and kept on disk.

    For expensive, deterministic calls in chapters (Monte Carlo and exact
    tests, model fits): the first render pass computes and stores the result
    under ``.cache/results/<fingerprint>/``, and later passes with the same
    inputs load it. A change to ``analysis/``, ``data/`` or ``uv.lock`` gives a
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
