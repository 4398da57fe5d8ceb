"""The command line end to end, in a scratch copy of the repository.

``verify`` must accept a move in the last stored figure as noise (exit 0,
naming it), and fail loudly (exit 1, naming the file, and the cell where it
can) on any other change of a derived output or any change of a raw data byte;
``tests/test_reproducible.py`` runs it on a fresh clone. A broken
theme, stated-figures file or data package makes ``build`` and ``verify``
fail with the loader's one-line error. ``render`` without Quarto must still
rebuild the outputs, then stop with a clear message; its extra arguments go
to Quarto. An interrupted build leaves a complete set of outputs. The copies
keep the real repository untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import yaml

from analysis import __main__ as command_line
from analysis import config

pytestmark = pytest.mark.slow


@pytest.fixture
def repository_copy(tmp_path):
    copy = tmp_path / "repo"
    for name in ("analysis", "data"):
        shutil.copytree(config.ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("references.bib", "_quarto.yml", "pyproject.toml", "uv.lock", "Makefile"):
        shutil.copy2(config.ROOT / name, copy / name)
    return copy


def run(copy, *arguments, path=None):
    environment = dict(os.environ, PYTHONPATH=str(copy))
    if path is not None:
        environment["PATH"] = path
    return subprocess.run(
        [sys.executable, "-m", "analysis", *arguments], cwd=copy, env=environment, capture_output=True, text=True
    )


def folder_hashes(folder):
    """SHA-256 of every file in a folder, hidden (temporary) files included."""
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.iterdir())}


#: PATH without Quarto: the interpreter's folder and the system's.
PATH_WITHOUT_QUARTO = os.path.dirname(sys.executable) + os.pathsep + "/usr/bin:/bin"


def commit_edited_statistics(copy, edit):
    """Edit the committed statistics.csv of a copy and record its new hash in the manifest, as a commit would."""
    derived = copy / "data" / "derived"
    statistics = derived / "statistics.csv"
    statistics.write_text(edit(statistics.read_text(encoding="utf-8")), encoding="utf-8")
    manifest = json.loads((derived / "manifest.json").read_text(encoding="utf-8"))
    manifest["outputs"]["statistics.csv"] = hashlib.sha256(statistics.read_bytes()).hexdigest()
    (derived / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def last_figure_moved(text, quantity="chisq_size_outcome,,statistic,"):
    """The text with that row's value moved by one unit in its last stored figure, and the old and new values."""
    start = text.index(quantity) + len(quantity)
    value = text[start : text.index(",", start)]
    moved = value[:-1] + str((int(value[-1]) + 1) % 10)
    return text.replace(quantity + value, quantity + moved, 1), value, moved


def test_verify_reports_a_last_figure_move_as_reproduced_within_tolerance(repository_copy):
    # (the fresh-clone test in tests/test_reproducible.py checks that a clean copy is byte-identical: REPRODUCED)
    moved = {}
    def edit(text):
        edited, moved["rebuilt"], moved["committed"] = last_figure_moved(text)
        return edited
    commit_edited_statistics(repository_copy, edit)
    completed = run(repository_copy, "verify")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    (verdict,) = completed.stdout.splitlines()
    assert verdict.startswith(
        "verify: REPRODUCED WITHIN TOLERANCE: 1 of 3 rebuilt outputs differ from the committed ones in numbers only, "
        "each by at most 1e-07 relative; the largest difference: data/derived/statistics.csv: line 2 "
        f"(chisq_size_outcome, statistic), column value: committed {moved['committed']}, rebuilt {moved['rebuilt']}"
    ), verdict


def test_verify_reports_a_larger_change_as_drift_naming_the_cell(repository_copy):
    commit_edited_statistics(repository_copy, lambda text: text.replace("chisq_size_outcome,,df,12.0", "chisq_size_outcome,,df,13.0", 1))
    completed = run(repository_copy, "verify")
    assert completed.returncode == 1
    assert completed.stdout.splitlines() == [
        "verify: DRIFT: 1 difference(s) from the committed manifest",
        "  - data/derived/statistics.csv: line 3 (chisq_size_outcome, df), column value: committed 13.0, rebuilt 12.0 "
        "(a count or text changed)",
    ]


def test_verify_fails_when_a_derived_output_changes(repository_copy):
    statistics = repository_copy / "data" / "derived" / "statistics.csv"
    statistics.write_text(statistics.read_text().replace("chisq_size_outcome,,statistic,", "chisq_size_outcome,,statistic,1", 1))
    completed = run(repository_copy, "verify")
    assert completed.returncode == 1
    assert "DRIFT" in completed.stdout
    assert "data/derived/statistics.csv: committed output does not match its manifest hash" in completed.stdout
    assert "data/derived: incomplete set of outputs: 1 of 3 (statistics.csv) differ from the manifest" in completed.stdout


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


def break_first_theme_page(copy):
    path = copy / "data" / "themes" / "body2020.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["themes"][0]["citations"][0]["locator"] = "p. 150"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return "data/themes/body2020.yaml: theme b20-", "page 150 is outside body2020 (pp. 109–143)"


def break_stated_figure(copy):
    path = copy / "data" / "raw" / "source_figures" / "body2019.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] += ",one field too many"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "data/raw/source_figures/body2019.csv: line 2 (row ", "has 8 fields, expected 7"


def break_datapackage(copy):
    path = copy / "data" / "raw" / "datapackage.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"resources": [', '"resources": [[', 1), encoding="utf-8")
    return "data/raw/datapackage.json: line ", "not valid JSON"


@pytest.mark.parametrize("breaker", [break_first_theme_page, break_stated_figure, break_datapackage])
def test_broken_input_fails_build_and_verify_with_the_loaders_error(repository_copy, breaker):
    start, problem = breaker(repository_copy)
    derived = repository_copy / "data" / "derived"
    before = folder_hashes(derived)
    errors = []
    for command in ("build", "verify"):
        completed = run(repository_copy, command)
        assert completed.returncode == 1, completed.stdout + completed.stderr
        assert completed.stdout == "" and "Traceback" not in completed.stderr
        (line,) = completed.stderr.splitlines()
        assert line.startswith(f"error: {start}") and problem in line, line
        errors.append(line)
    assert errors[0] == errors[1]
    assert folder_hashes(derived) == before, "build wrote despite a broken input"


def test_build_survives_a_read_only_derived_folder_with_a_named_error(repository_copy):
    derived = repository_copy / "data" / "derived"
    (derived / "statistics.csv").unlink()
    (derived / "statistics.csv").mkdir()  # a folder where an output file must go: fails for root too
    completed = run(repository_copy, "build")
    assert completed.returncode == 1
    (line,) = completed.stderr.splitlines()
    assert line.startswith("error: data/derived/statistics.csv: cannot write (") and ".tmp" not in line, line
    assert not [path.name for path in derived.iterdir() if path.name.endswith(".tmp")]


# --- interruption: the outputs are a complete old set or a complete new set -------------

OUTPUT_NAMES = ("statistics.csv", "table5_1_counts.csv", "table5_1_counts_wide.csv")


def plant_old_set(derived):
    """Replace the outputs by a different, complete and self-consistent set (the 'old' build)."""
    old = {name: f"old {name}\n".encode() for name in OUTPUT_NAMES}
    for name, data in old.items():
        (derived / name).write_bytes(data)
    manifest = json.loads((derived / "manifest.json").read_text())
    manifest["outputs"] = {name: hashlib.sha256(data).hexdigest() for name, data in old.items()}
    (derived / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return folder_hashes(derived)


@pytest.mark.parametrize(
    ("number", "point", "expected"),
    [
        (signal.SIGINT, "staged table5_1_counts_wide.csv", "old"),
        (signal.SIGTERM, "staged table5_1_counts_wide.csv", "old"),
        (signal.SIGINT, "replaced table5_1_counts_wide.csv", "new"),
        (signal.SIGTERM, "replaced table5_1_counts_wide.csv", "new"),
    ],
    ids=["SIGINT-while-staging", "SIGTERM-while-staging", "SIGINT-while-switching", "SIGTERM-while-switching"],
)
def test_interrupted_build_leaves_a_complete_set_and_no_temporary_file(repository_copy, tmp_path, number, point, expected):
    derived = repository_copy / "data" / "derived"
    new = folder_hashes(config.DERIVED)  # the committed outputs are what a fresh build writes (test_build)
    old = plant_old_set(derived)
    marker = tmp_path / "paused"
    environment = dict(os.environ, PYTHONPATH=str(repository_copy), CCC_PAUSE_AT=point, CCC_PAUSE_MARKER=str(marker))
    process = subprocess.Popen(
        [sys.executable, "-m", "analysis", "build"],
        cwd=repository_copy, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 180
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert marker.exists(), "the build never reached the pause point: " + "".join(process.communicate())
    process.send_signal(number)
    time.sleep(0.2)  # let the signal land while the build is paused
    marker.unlink(missing_ok=True)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 128 + number, stderr
    assert stderr.splitlines() == [
        f"interrupted by {number.name}: outputs are written all or nothing, so data/derived holds a complete "
        "set; run the command again"
    ]
    assert folder_hashes(derived) == (old if expected == "old" else new)


def test_render_without_quarto_rebuilds_then_explains(repository_copy):
    derived = repository_copy / "data" / "derived"
    shutil.rmtree(derived)
    completed = run(repository_copy, "render", path=PATH_WITHOUT_QUARTO)
    if shutil.which("quarto", path=PATH_WITHOUT_QUARTO):
        pytest.skip("Quarto is installed in a system folder; cannot simulate its absence")
    assert completed.returncode == 3
    assert "Quarto was not found" in completed.stderr and "quarto.org" in completed.stderr
    assert (derived / "table5_1_counts.csv").exists() and (derived / "manifest.json").exists()


def test_render_passes_its_extra_arguments_to_quarto(monkeypatch):
    calls = []
    monkeypatch.setattr(command_line, "_build", lambda: 0)
    monkeypatch.setattr(command_line.shutil, "which", lambda name: f"/opt/bin/{name}")
    monkeypatch.setattr(
        command_line.subprocess, "run", lambda command, **options: calls.append(command) or subprocess.CompletedProcess(command, 0)
    )
    assert command_line.main(["render", "--to", "html"]) == 0
    assert command_line.main(["render", "--", "chapters/voices.ipynb", "--to", "pdf"]) == 0
    assert calls == [["/opt/bin/quarto", "render", "--to", "html"], ["/opt/bin/quarto", "render", "chapters/voices.ipynb", "--to", "pdf"]]


def test_other_commands_refuse_extra_arguments(capsys):
    with pytest.raises(SystemExit) as exited:
        command_line.main(["build", "--to", "html"])
    assert exited.value.code == 2
    assert "unrecognized arguments: --to html" in capsys.readouterr().err


def test_make_render_reports_the_commands_status(repository_copy):
    """make exits 2 after any failed command (GNU make always does) and names the command's status 3."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    if shutil.which("quarto", path=PATH_WITHOUT_QUARTO):
        pytest.skip("Quarto is installed in a system folder; cannot simulate its absence")
    stamp = repository_copy / ".venv" / ".synced"
    stamp.parent.mkdir()
    stamp.touch()  # environment already synced: make must not install anything
    environment = dict(os.environ, PYTHONPATH=str(repository_copy), PATH=PATH_WITHOUT_QUARTO)
    completed = subprocess.run(
        ["make", "render", "RUN=env", "UV=false"],  # env finds this interpreter first on PATH
        cwd=repository_copy, env=environment, capture_output=True, text=True,
    )
    assert completed.returncode == 2
    assert "sync" not in completed.stdout + completed.stderr, "make reinstalled the environment"
    assert "Quarto was not found" in completed.stderr
    assert "make render: python -m analysis render exited with status 3 (3 means Quarto was not found" in completed.stderr
    assert "Error 3" in completed.stderr


def test_placeholder_repository_address_is_in_step_and_named_as_a_placeholder():
    quarto = yaml.safe_load(config.QUARTO_CONFIG.read_text(encoding="utf-8"))
    citation = yaml.safe_load((config.ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    address = quarto["book"]["repo-url"]
    assert citation["repository-code"] == address
    readme = " ".join((config.ROOT / "README.md").read_text(encoding="utf-8").split())
    assert f"<{address}> is a **placeholder**" in readme
