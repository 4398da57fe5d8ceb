"""Reproduced on any machine: the derived files do not depend on the machine's last bits.

The model fits are iterative, and their last bits move with the CPU, the OpenBLAS
kernel and the thread count. Two numerical set-ups that move them on these
machines are the default (OpenBLAS picks the CPU's own kernel, several threads)
and ``OPENBLAS_CORETYPE=Prescott OPENBLAS_NUM_THREADS=1`` (an old SSE3 kernel, one
thread). The tests build under both, in subprocesses, and require byte-identical
derived files; they check first that the raw, unrounded values really do differ
between the set-ups, so that the equality is not vacuous. Then ``verify`` runs on
a fresh ``git clone`` of the committed project under both set-ups and must say
REPRODUCED (byte-identical), as a reviewer's machine would.

``compare_csv``, which tells noise from drift when bytes do differ, is checked on
small files with known answers.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from analysis import config
from analysis.build import OUTPUTS
from analysis.verify import compare_csv

#: Environment variables of each numerical set-up (OpenBLAS variables not named are unset).
NUMERICS = {
    "default": {},
    "prescott-one-thread": {"OPENBLAS_CORETYPE": "Prescott", "OPENBLAS_NUM_THREADS": "1"},
}
#: The numeric columns of ``statistics.csv``.
NUMBERS = ["value", "ci_low", "ci_high"]

RAW_STATISTICS = """
import sys
from analysis.build import statistics_table
from analysis.load import load_counts

statistics_table(load_counts()).to_csv(sys.argv[1], index=False, float_format=lambda v: repr(float(v)))
"""

BUILD = """
import sys
from pathlib import Path
from analysis.build import build

build(Path(sys.argv[1]))
"""


def _environment(numerics: str, root=config.ROOT) -> dict[str, str]:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("OPENBLAS_")}
    return {**environment, **NUMERICS[numerics], "PYTHONPATH": str(root)}


def _python(code: str, *arguments: str, numerics: str, cwd=config.ROOT) -> subprocess.CompletedProcess:
    completed = subprocess.run(
        [sys.executable, "-c", code, *arguments], cwd=cwd, env=_environment(numerics, cwd), capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stderr
    return completed


needs_openblas_kernels = pytest.mark.skipif(
    platform.machine() not in ("x86_64", "AMD64"),
    reason="OPENBLAS_CORETYPE=Prescott names an x86-64 kernel; on other CPUs it moves nothing",
)


@pytest.mark.slow
@needs_openblas_kernels
def test_the_two_numerical_set_ups_move_the_raw_values(tmp_path):
    # On the development machine (x86_64, OpenBLAS 0.3.31, Haswell kernel by default) 311 of
    # the 712 rows differ, by at most 9.6e-11 relative; e.g. the Firth fit of ceasing on
    # log10(midpoint): intercept log-odds 4.340824... differs from the 12th figure on.
    raw = {}
    for numerics in NUMERICS:
        _python(RAW_STATISTICS, str(tmp_path / f"{numerics}.csv"), numerics=numerics)
        raw[numerics] = pd.read_csv(tmp_path / f"{numerics}.csv")
    default, prescott = (raw[numerics][NUMBERS] for numerics in NUMERICS)
    assert default.shape == prescott.shape
    moved = (default != prescott) & ~(default.isna() & prescott.isna())
    assert moved.to_numpy().sum() > 0, "the set-ups gave identical raw values: the byte test below proves nothing"
    relative = ((default - prescott).abs() / prescott.abs()).where(moved).max().max()
    assert relative < config.VERIFY_RELATIVE_TOLERANCE / 100, "the set-ups moved more than last bits"


@pytest.mark.slow
def test_derived_files_are_byte_identical_under_both_numerical_set_ups(tmp_path):
    built = {}
    for numerics in NUMERICS:
        folder = tmp_path / numerics
        _python(BUILD, str(folder), numerics=numerics)
        built[numerics] = {path.name: path.read_bytes() for path in sorted(folder.iterdir())}
    default, prescott = built.values()
    assert sorted(default) == sorted(prescott) == sorted([config.MANIFEST.name, *(output.name for output in OUTPUTS)])
    for name in sorted(default, key=lambda name: name == config.MANIFEST.name):  # the manifest last
        assert default[name] == prescott[name], f"{name} differs between the numerical set-ups"
        assert default[name] == (config.DERIVED / name).read_bytes(), f"data/derived/{name} differs from a build here"


@pytest.fixture(scope="module")
def fresh_clone(tmp_path_factory):
    """A ``git clone`` of the committed project: what a reviewer (or CI) starts from.

    It holds the last commit, not the working tree's uncommitted changes.
    """
    if shutil.which("git") is None or not (config.ROOT / ".git").exists():
        pytest.skip("the project is not a git repository here, so it cannot be cloned")
    clone = tmp_path_factory.mktemp("clone") / "main"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(config.ROOT), str(clone)], check=True)
    return clone


@pytest.mark.slow
@pytest.mark.parametrize("numerics", NUMERICS)
def test_verify_on_a_fresh_clone_says_reproduced(fresh_clone, numerics):
    completed = subprocess.run(
        [sys.executable, "-m", "analysis", "verify"],
        cwd=fresh_clone, env=_environment(numerics, fresh_clone), capture_output=True, text=True,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.startswith("verify: REPRODUCED: "), completed.stdout
    status = subprocess.run(["git", "status", "--porcelain"], cwd=fresh_clone, capture_output=True, text=True, check=True)
    assert status.stdout == "", "verify changed the clone"


# --- noise or drift: compare_csv on known answers ------------------------------------------

HEADER = "analysis,term,quantity,value\n"


def _compare(committed: str, rebuilt: str):
    return compare_csv((HEADER + committed).encode(), (HEADER + rebuilt).encode(), "data/derived/statistics.csv")


def test_identical_files_have_no_difference():
    comparison = _compare("fit,Large,log_odds,-2.5\n", "fit,Large,log_odds,-2.5\n")
    assert comparison.drift == () and comparison.largest_gap is None


def test_a_move_in_the_last_stored_figure_is_noise_and_the_largest_is_named():
    comparison = _compare(
        "fit,Large,log_odds,4.3408241\nfit,Micro,p_value,7.0003713e-12\n",
        "fit,Large,log_odds,4.3408242\nfit,Micro,p_value,7.0003714e-12\n",
    )
    assert comparison.drift == ()
    gap = comparison.largest_gap
    # relative gaps: 1e-7 / 4.3408242 = 2.3e-8 (the log-odds) and 1e-19 / 7.0003714e-12 = 1.4e-8 (the p-value)
    assert (gap.line, gap.row, gap.column) == (2, "fit, Large, log_odds", "value")
    assert gap.relative == pytest.approx(1e-7 / 4.3408242, rel=1e-6)


@pytest.mark.parametrize(
    ("committed", "rebuilt", "problem"),
    [
        (
            "fit,Large,log_odds,4.3408241\n",
            "fit,Large,log_odds,4.3418241\n",
            "line 2 (fit, Large, log_odds), column value: committed 4.3408241, rebuilt 4.3418241 "
            "(relative difference 0.00023, tolerance 1e-07)",
        ),
        ("fit,,df,12.0\n", "fit,,df,13.0\n", "line 2 (fit, df), column value: committed 12.0, rebuilt 13.0 (a count or text changed)"),
        (
            "fit,Large,log_odds,4.3408241\n",
            "fit,Major,log_odds,4.3408241\n",
            "line 2 (fit, Large, log_odds), column term: committed Large, rebuilt Major (a count or text changed)",
        ),
        (
            "fit,Large,log_odds,4.3408241\n",
            "fit,Large,log_odds,\n",
            "line 2 (fit, Large, log_odds), column value: committed 4.3408241, rebuilt (empty) (a count or text changed)",
        ),
    ],
    ids=["beyond-tolerance", "count", "text", "missing-value"],
)
def test_anything_but_last_figure_noise_is_drift_named_with_both_values(committed, rebuilt, problem):
    comparison = _compare(committed, rebuilt)
    assert [str(difference) for difference in comparison.drift] == [f"data/derived/statistics.csv: {problem}"]
    assert comparison.largest_gap is None


def test_a_changed_row_set_or_header_is_drift():
    (rows,) = _compare("fit,Large,log_odds,1.5\n", "fit,Large,log_odds,1.5\nfit,Major,log_odds,1.5\n").drift
    assert str(rows) == "data/derived/statistics.csv: 1 rows committed, 2 rebuilt"
    (columns,) = compare_csv(b"a,b\n1,2\n", b"a,c\n1,2\n", "x.csv").drift
    assert str(columns) == "x.csv: the columns differ"


@pytest.mark.slow
@pytest.mark.parametrize("numerics", NUMERICS)
def test_a_fresh_clone_rebuilds_and_refreshes_its_notebooks_without_a_change(fresh_clone, numerics):
    # what `python -m analysis render` does before Quarto: build, then the pre-render step
    for command in (["build"], ["notebooks"]):
        completed = subprocess.run(
            [sys.executable, "-m", "analysis", *command],
            cwd=fresh_clone, env=_environment(numerics, fresh_clone), capture_output=True, text=True,
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.splitlines()[-1].endswith("chapter notebooks are current: nothing executed"), completed.stdout
    status = subprocess.run(["git", "status", "--porcelain"], cwd=fresh_clone, capture_output=True, text=True, check=True)
    assert status.stdout == "", f"a rebuild and the pre-render step changed tracked files:\n{status.stdout}"
