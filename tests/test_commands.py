"""The command line end to end, in a scratch copy of the repository.

``verify`` must report a clean copy as reproduced, and fail loudly (exit 1,
naming the file) when a derived output or a raw data byte changes. ``render``
without Quarto must still rebuild the outputs, then stop with a clear message.
The copies keep the real repository untouched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from analysis import config

pytestmark = pytest.mark.slow


@pytest.fixture
def repository_copy(tmp_path):
    copy = tmp_path / "repo"
    for name in ("analysis", "data"):
        shutil.copytree(config.ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("references.bib", "_quarto.yml", "pyproject.toml"):
        shutil.copy2(config.ROOT / name, copy / name)
    return copy


def run(copy, *arguments, path=None):
    environment = dict(os.environ, PYTHONPATH=str(copy))
    if path is not None:
        environment["PATH"] = path
    return subprocess.run(
        [sys.executable, "-m", "analysis", *arguments], cwd=copy, env=environment, capture_output=True, text=True
    )


def test_verify_reports_a_clean_copy_as_reproduced(repository_copy):
    completed = run(repository_copy, "verify")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.startswith("verify: reproduced")


def test_verify_fails_when_a_derived_output_changes(repository_copy):
    statistics = repository_copy / "data" / "derived" / "statistics.csv"
    statistics.write_text(statistics.read_text().replace("chisq_size_outcome,,statistic,", "chisq_size_outcome,,statistic,1", 1))
    completed = run(repository_copy, "verify")
    assert completed.returncode == 1
    assert "DRIFT" in completed.stdout
    assert "data/derived/statistics.csv: committed output does not match its manifest hash" in completed.stdout


def test_verify_fails_when_a_raw_byte_changes(repository_copy):
    raw = repository_copy / "data" / "raw" / "datapackage.json"
    raw.write_bytes(raw.read_bytes() + b" ")
    completed = run(repository_copy, "verify")
    assert completed.returncode == 1
    assert "data/raw/datapackage.json: raw input changed since the manifest was committed" in completed.stdout


def test_build_reports_bad_raw_data_in_one_line(repository_copy):
    table = repository_copy / "data" / "raw" / "table5_1_published.csv"
    table.write_text(table.read_text().replace("Micro", "Mikro", 1))
    completed = run(repository_copy, "build")
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
    assert completed.stderr.startswith("error: ") and "table5_1_published.csv" in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1


def test_render_without_quarto_rebuilds_then_explains(repository_copy):
    derived = repository_copy / "data" / "derived"
    shutil.rmtree(derived)
    completed = run(repository_copy, "render", path=os.path.dirname(sys.executable) + os.pathsep + "/usr/bin:/bin")
    if shutil.which("quarto", path=os.path.dirname(sys.executable) + os.pathsep + "/usr/bin:/bin"):
        pytest.skip("Quarto is installed in a system folder; cannot simulate its absence")
    assert completed.returncode == 3
    assert "Quarto was not found" in completed.stderr and "quarto.org" in completed.stderr
    assert (derived / "table5_1_counts.csv").exists() and (derived / "manifest.json").exists()
