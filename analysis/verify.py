"""Check that every derived output reproduces from raw data.

``python -m analysis verify`` calls :func:`verify`. It

1. checks every raw input against the hashes in the committed manifest
   (a changed raw byte is drift);
2. rebuilds every output from raw data in a fresh temporary folder (a clean
   state: nothing from ``data/derived`` is read) and compares it with the
   committed file: byte-identical is the aim; where the bytes differ, the two
   CSV files are compared cell by cell (:func:`compare_csv`);
3. checks the committed files in ``data/derived`` against the manifest's
   hashes, and names an incomplete set (some outputs match the manifest, others
   do not: the mark of a build killed while switching its outputs into place).

The verdict is one of three:

- **REPRODUCED**: every rebuilt output is byte-identical to the committed one;
- **REPRODUCED WITHIN TOLERANCE**: some rebuilt numbers differ from the committed
  ones, each by at most :data:`analysis.config.VERIFY_RELATIVE_TOLERANCE`
  relative (one unit in the last stored figure: a value that lies on a rounding
  boundary and moved with another machine's floating-point noise); the verdict
  names the largest such difference;
- **DRIFT**: anything else, each difference named with its file, line, column
  and both values. A changed count (two different whole numbers), a changed text,
  a missing or added row or column is always drift, whatever its size.

``verify`` exits 0 for the first two and 1 for drift. A broken raw input stops
the rebuild with the loader's one-line error, exactly as ``build`` does.

Examples
--------
>>> VerifyReport(inputs_checked=6, outputs_checked=3, differences=(), within_tolerance=()).verdict
'verify: REPRODUCED: 3 outputs rebuilt from raw data are byte-identical to the committed ones, and 6 raw inputs match the committed manifest'
>>> print(Difference("data/derived/statistics.csv", "committed output does not match its manifest hash"))
data/derived/statistics.csv: committed output does not match its manifest hash
"""

from __future__ import annotations

import csv
import io
import json
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

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
class NumericGap:
    """Two numbers in the same cell of a committed and a rebuilt CSV file, and how far apart they are."""

    path: str
    line: int
    row: str
    column: str
    committed: str
    rebuilt: str
    relative: float

    def __str__(self) -> str:
        return (
            f"{self.path}: line {self.line} ({self.row}), column {self.column}: committed {self.committed}, "
            f"rebuilt {self.rebuilt} (relative difference {self.relative:.2g})"
        )


@dataclass(frozen=True)
class VerifyReport:
    """Outcome of a verification: what was checked, every difference, and the noise tolerated."""

    inputs_checked: int
    outputs_checked: int
    differences: tuple[Difference, ...]
    #: For each output whose bytes differ only within tolerance, its largest numeric gap.
    within_tolerance: tuple[NumericGap, ...] = ()

    @property
    def reproduced(self) -> bool:
        """Whether the verdict is REPRODUCED or REPRODUCED WITHIN TOLERANCE (exit status 0)."""
        return not self.differences

    @property
    def verdict(self) -> str:
        """A one-line verdict for the terminal."""
        if self.differences:
            return f"verify: DRIFT: {len(self.differences)} difference(s) from the committed manifest"
        if self.within_tolerance:
            worst = max(self.within_tolerance, key=lambda gap: gap.relative)
            return (
                f"verify: REPRODUCED WITHIN TOLERANCE: {len(self.within_tolerance)} of {self.outputs_checked} "
                f"rebuilt outputs differ from the committed ones in numbers only, each by at most "
                f"{config.VERIFY_RELATIVE_TOLERANCE:.0e} relative; the largest difference: {worst}"
            )
        return (
            f"verify: REPRODUCED: {self.outputs_checked} outputs rebuilt from raw data are byte-identical to the "
            f"committed ones, and {self.inputs_checked} raw inputs match the committed manifest"
        )


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


@dataclass(frozen=True)
class CsvComparison:
    """How a rebuilt CSV file compares with the committed one, cell by cell.

    ``drift`` lists every difference that is not floating-point noise;
    ``largest_gap`` is the largest numeric difference found within tolerance
    (``None`` when there is none).
    """

    drift: tuple[Difference, ...]
    largest_gap: NumericGap | None


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def compare_csv(
    committed: bytes, rebuilt: bytes, path: str, tolerance: float = config.VERIFY_RELATIVE_TOLERANCE
) -> CsvComparison:
    """Compare two CSV files cell by cell, telling floating-point noise from drift.

    Two cells whose text differs are noise when both are numbers, not both whole
    numbers (a changed count is drift), and their relative difference is at most
    ``tolerance``; any other difference (text, a count, a missing value, a row or
    column added or removed) is drift, named with its line, column and both values.

    Examples
    --------
    >>> header = b"analysis,quantity,value\\n"
    >>> noise = compare_csv(header + b"fit,log_odds,4.3408241\\n", header + b"fit,log_odds,4.3408242\\n", "x.csv")
    >>> noise.drift
    ()
    >>> print(noise.largest_gap)
    x.csv: line 2 (fit, log_odds), column value: committed 4.3408241, rebuilt 4.3408242 (relative difference 2.3e-08)
    >>> [str(d) for d in compare_csv(header + b"fit,n,231.0\\n", header + b"fit,n,232.0\\n", "x.csv").drift]
    ['x.csv: line 2 (fit, n), column value: committed 231.0, rebuilt 232.0 (a count or text changed)']
    """
    old, new = (list(csv.reader(io.StringIO(data.decode("utf-8")))) for data in (committed, rebuilt))
    if not old or not new or old[0] != new[0]:
        return CsvComparison((Difference(path, "the columns differ"),), None)
    if len(old) != len(new):
        return CsvComparison((Difference(path, f"{len(old) - 1} rows committed, {len(new) - 1} rebuilt"),), None)
    header = old[0]
    drift: list[Difference] = []
    largest: NumericGap | None = None
    for line, (old_row, new_row) in enumerate(zip(old[1:], new[1:]), start=2):
        if old_row == new_row:
            continue
        if len(old_row) != len(new_row):
            drift.append(Difference(path, f"line {line}: {len(old_row)} fields committed, {len(new_row)} rebuilt"))
            continue
        label = ", ".join(cell for cell in old_row if cell and _number(cell) is None)
        for column, before, after in zip(header, old_row, new_row):
            if before == after:
                continue
            gap = _relative_gap(before, after)
            where = f"line {line} ({label}), column {column}: committed {before or '(empty)'}, rebuilt {after or '(empty)'}"
            if gap is None:
                drift.append(Difference(path, f"{where} (a count or text changed)"))
            elif gap > tolerance:
                drift.append(Difference(path, f"{where} (relative difference {gap:.2g}, tolerance {tolerance:.0e})"))
            elif largest is None or gap > largest.relative:
                largest = NumericGap(path, line, label, column, before, after, gap)
    return CsvComparison(tuple(drift), largest)


def _relative_gap(before: str, after: str) -> float | None:
    """Relative difference of two numbers written as text; ``None`` if either is not a number or both are whole."""
    a, b = _number(before), _number(after)
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
        return None
    if a.is_integer() and b.is_integer():
        return None
    return abs(a - b) / max(abs(a), abs(b))


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
        With a one-line ``verdict``, every difference, and the largest numeric gap
        of each output that differs only within tolerance.
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

    within_tolerance: list[NumericGap] = []
    with tempfile.TemporaryDirectory(prefix="verify-") as scratch:
        rebuilt = build(Path(scratch), inputs)
        for name in sorted(set(manifest["outputs"]) | set(rebuilt.outputs)):
            location = f"data/derived/{name}"
            if name not in rebuilt.outputs:
                differences.append(Difference(location, "in the manifest but no longer produced by the build"))
            elif name not in manifest["outputs"]:
                differences.append(Difference(location, "produced by the build but missing from the manifest"))
            elif rebuilt.outputs[name] != manifest["outputs"][name]:
                if not (committed / name).is_file():
                    differences.append(Difference(location, "rebuilt output differs from the manifest"))
                    continue
                comparison = compare_csv((committed / name).read_bytes(), (Path(scratch) / name).read_bytes(), location)
                differences += comparison.drift
                if comparison.largest_gap is not None and not comparison.drift:
                    within_tolerance.append(comparison.largest_gap)

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

    return VerifyReport(len(current_inputs), len(rebuilt.outputs), tuple(differences), tuple(within_tolerance))
