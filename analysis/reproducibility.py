"""Facts about the computing environment, for the reproducibility appendix.

Examples
--------
>>> facts = environment_facts()
>>> list(facts.columns)
['item', 'value']
>>> "Python" in set(facts["item"])
True
"""

from __future__ import annotations

import datetime as _dt
import platform
import re
import shutil
import subprocess
import tomllib
from importlib import metadata
from pathlib import Path

import pandas as pd

from analysis import config


def _run(command: list[str]) -> str | None:
    try:
        completed = subprocess.run(command, capture_output=True, text=True, check=True, cwd=config.ROOT, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return completed.stdout.strip()


def quarto_version() -> str | None:
    """Version of the Quarto on PATH, or ``None`` when Quarto is absent.

    Examples
    --------
    >>> quarto_version() is None or quarto_version()[0].isdigit()
    True
    """
    quarto = shutil.which("quarto")
    return _run([quarto, "--version"]) if quarto else None


def git_commit() -> str | None:
    """The checked-out commit, with ``-dirty`` when tracked files have changes.

    Examples
    --------
    >>> commit = git_commit()
    >>> commit is None or len(commit.split("-")[0]) == 40
    True
    """
    commit = _run(["git", "rev-parse", "HEAD"])
    if commit is None:
        return None
    changes = _run(["git", "status", "--porcelain", "--untracked-files=no"])
    return commit + ("-dirty" if changes else "")


def package_versions() -> pd.DataFrame:
    """Every installed distribution and its exact version, sorted by name.

    Examples
    --------
    >>> versions = package_versions()
    >>> versions.loc[versions["package"] == "pandas", "version"].item() == pd.__version__
    True
    """
    rows = {(dist.metadata["Name"] or "").lower(): dist.version for dist in metadata.distributions()}
    return pd.DataFrame(sorted(rows.items()), columns=["package", "version"])


def direct_dependencies(pyproject: Path = config.PYPROJECT) -> pd.DataFrame:
    """The packages the project itself declares, each with its requirement and installed version.

    The other installed packages are what these pull in; ``uv.lock`` pins
    them all.

    Examples
    --------
    >>> dependencies = direct_dependencies()
    >>> dependencies.set_index("package").loc["pandas", "installed"] == pd.__version__
    True
    """
    declared = tomllib.loads(Path(pyproject).read_text(encoding="utf-8"))["project"]["dependencies"]
    rows = []
    for requirement in declared:
        name = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0)
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "not installed"
        rows.append((name.lower(), requirement[len(name):].strip() or "any", installed))
    return pd.DataFrame(rows, columns=["package", "required", "installed"])


def environment_facts(today: _dt.date | None = None) -> pd.DataFrame:
    """Python, platform, Quarto, git commit and build date as an item/value table.

    Examples
    --------
    >>> environment_facts(_dt.date(2026, 1, 2)).set_index("item").loc["Build date", "value"]
    '2026-01-02'
    """
    today = today or _dt.datetime.now(_dt.timezone.utc).date()
    facts = [
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("Platform", platform.platform()),
        ("Quarto", quarto_version() or "not found on PATH"),
        ("Git commit", git_commit() or "not a git checkout"),
        ("Build date", today.isoformat()),
        ("Random seed", str(config.SEED)),
    ]
    return pd.DataFrame(facts, columns=["item", "value"])
