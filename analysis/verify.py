"""Check that every derived output reproduces from raw data, byte for byte.

``python -m analysis verify`` calls :func:`verify`. It

1. checks every raw input against the hashes in the committed manifest
   (a changed raw byte is drift);
2. rebuilds every output from raw data in a fresh temporary folder (a clean
   state: nothing from ``data/derived`` is read) and compares each hash with
   the committed manifest;
3. checks the committed files in ``data/derived`` against the same hashes,
   and names an incomplete set (some outputs match the manifest, others do
   not: the mark of a build killed while switching its outputs into place).

A broken raw input stops the rebuild with the loader's one-line error,
exactly as ``build`` does.

Where a rebuilt CSV differs, the report gives the largest relative numeric
difference, so a reviewer can tell a last-digit floating-point difference
(another BLAS, another platform) from a real change.

Examples
--------
>>> VerifyReport(inputs_checked=6, outputs_checked=3, differences=()).verdict
'verify: reproduced: 3 outputs rebuilt from raw data and 6 raw inputs match the committed manifest'
>>> print(Difference("data/derived/statistics.csv", "committed output does not match its manifest hash"))
data/derived/statistics.csv: committed output does not match its manifest hash
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import config
from analysis.build import build, raw_inputs
from analysis.inputs import InputPaths
from analysis.io import relative_to_root, sha256_file


@dataclass(frozen=True)
class Difference:
    """One thing that did not reproduce."""

    path: str
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


@dataclass(frozen=True)
class VerifyReport:
    """Outcome of a verification: what was checked and every difference found."""

    inputs_checked: int
    outputs_checked: int
    differences: tuple[Difference, ...]

    @property
    def reproduced(self) -> bool:
        return not self.differences

    @property
    def verdict(self) -> str:
        """A one-line verdict for the terminal."""
        if self.reproduced:
            return (
                f"verify: reproduced: {self.outputs_checked} outputs rebuilt from raw data and "
                f"{self.inputs_checked} raw inputs match the committed manifest"
            )
        return f"verify: DRIFT: {len(self.differences)} difference(s) from the committed manifest"


def _load_manifest(path: Path) -> dict:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no committed manifest; run `python -m analysis build` first") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: manifest is not valid JSON ({error.msg} at line {error.lineno})") from None
    for field in ("inputs", "outputs"):
        if not isinstance(manifest.get(field), dict):
            raise ValueError(f"{path}: manifest has no '{field}' mapping")
    return manifest


def _numeric_gap(expected: Path, actual: Path) -> str:
    """Describe how two CSV files differ: shape, or the largest relative numeric gap."""
    try:
        left, right = pd.read_csv(expected), pd.read_csv(actual)
    except (OSError, ValueError):
        return "contents differ"
    if left.shape != right.shape or list(left.columns) != list(right.columns):
        return f"shape or columns differ ({left.shape} vs {right.shape})"
    numeric = left.select_dtypes("number").columns
    text_differs = not left.drop(columns=numeric).fillna("").equals(right.drop(columns=numeric).fillna(""))
    a, b = left[numeric].to_numpy(float), right[numeric].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.where(np.isclose(a, b, rtol=0, atol=0, equal_nan=True), 0.0, np.abs(a - b) / np.maximum(np.abs(a), np.abs(b)))
    worst = float(np.nanmax(gap)) if gap.size else 0.0
    return f"contents differ (largest relative numeric difference {worst:.3g}" + ("; text fields differ)" if text_differs else ")")


def verify(committed: Path = config.DERIVED, inputs: InputPaths = InputPaths()) -> VerifyReport:
    """Rebuild everything in a clean folder and compare with the committed manifest.

    Parameters
    ----------
    committed : Path
        Folder holding the committed outputs and ``manifest.json``.
    inputs : InputPaths
        Where the raw inputs are (the repository's own by default).

    Returns
    -------
    VerifyReport
        With a one-line ``verdict`` and every difference.
    """
    committed = Path(committed)
    manifest = _load_manifest(committed / config.MANIFEST.name)
    differences: list[Difference] = []

    current_inputs = {relative_to_root(path, inputs.root): sha256_file(path) for path in raw_inputs(inputs)}
    for name in sorted(set(manifest["inputs"]) | set(current_inputs)):
        if name not in current_inputs:
            differences.append(Difference(name, "raw input listed in the manifest is missing"))
        elif name not in manifest["inputs"]:
            differences.append(Difference(name, "raw input is not in the committed manifest"))
        elif current_inputs[name] != manifest["inputs"][name]:
            differences.append(Difference(name, "raw input changed since the manifest was committed"))

    with tempfile.TemporaryDirectory(prefix="verify-") as scratch:
        rebuilt = build(Path(scratch), inputs)
        for name in sorted(set(manifest["outputs"]) | set(rebuilt.outputs)):
            location = f"data/derived/{name}"
            if name not in rebuilt.outputs:
                differences.append(Difference(location, "in the manifest but no longer produced by the build"))
            elif name not in manifest["outputs"]:
                differences.append(Difference(location, "produced by the build but missing from the manifest"))
            elif rebuilt.outputs[name] != manifest["outputs"][name]:
                detail = _numeric_gap(committed / name, Path(scratch) / name) if (committed / name).exists() else "contents differ"
                differences.append(Difference(location, f"rebuilt output differs from the manifest: {detail}"))

    matching, stale = [], []
    for name, expected in sorted(manifest["outputs"].items()):
        path = committed / name
        if not path.exists():
            differences.append(Difference(f"data/derived/{name}", "committed output is missing"))
            stale.append(name)
        elif sha256_file(path) != expected:
            differences.append(Difference(f"data/derived/{name}", "committed output does not match its manifest hash"))
            stale.append(name)
        else:
            matching.append(name)
    if matching and stale:
        differences.append(
            Difference(
                "data/derived",
                f"incomplete set of outputs: {len(stale)} of {len(manifest['outputs'])} ({', '.join(stale)}) "
                f"differ from the manifest while the rest match (was a build killed?); run `python -m analysis build`",
            )
        )

    return VerifyReport(len(current_inputs), len(rebuilt.outputs), tuple(differences))
