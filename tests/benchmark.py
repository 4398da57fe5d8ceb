"""Time the compendium's commands as whole processes and report medians and ratios.

Run with ``make bench`` or ``python tests/benchmark.py [--runs N]``. Each
command is run N times in a fresh process; the table gives the median wall
time and its ratio to the *floor*: a bare process that only imports the
project's dependencies. Ratios, not absolute seconds, are what carry over
between machines. Nothing here asserts a time; this is a measurement script,
not a test (pytest does not collect it).

What a render costs, without Quarto: Quarto executes every chapter once per
output format, each in a fresh kernel. "execute every chapter, pass 1" is the
first format of a cold render (empty results cache), "pass 2" the second
format (expensive results loaded from ``.cache/results``); the pre-render
guard is the caching decision every render pays. ``--imports`` adds a table
of what each chapter's set-up cell costs in a fresh process after Quarto's own
set-up (imports and loading).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

FLOOR = "import numpy, pandas, scipy.stats, statsmodels.api, matplotlib, seaborn, firthmodels, yaml, tabulate, bibtexparser"
EXECUTE_CHAPTERS = (
    "import sys; sys.path.insert(0, 'tests'); import qmd, book; "
    "[qmd.execute(path) for path in book.chapter_files() if qmd.parse(path).blocks]"
)
CLEAR_RESULTS = "import shutil; shutil.rmtree('.cache/results', ignore_errors=True); "

COMMANDS: dict[str, list[str]] = {
    "import floor (dependencies only)": [PYTHON, "-c", FLOOR],
    "python -m analysis build": [PYTHON, "-m", "analysis", "build"],
    "python -m analysis verify": [PYTHON, "-m", "analysis", "verify"],
    "execute every chapter, pass 1 (results cache empty)": [PYTHON, "-c", CLEAR_RESULTS + EXECUTE_CHAPTERS],
    "execute every chapter, pass 2 (results cached)": [PYTHON, "-c", EXECUTE_CHAPTERS],
    "pre-render guard, inputs unchanged (caching decision)": [PYTHON, "-S", "_scripts/guard_freeze.py"],
    "test suite (pytest)": [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
}


def time_command(command: list[str], runs: int) -> list[float]:
    """Wall-clock seconds of ``runs`` fresh-process runs of ``command``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if completed.returncode != 0:
            raise SystemExit(f"benchmark: {' '.join(command[:4])} failed:\n{completed.stdout[-2000:]}{completed.stderr[-2000:]}")
    return times


def chapter_setup_times(runs: int) -> dict[str, float]:
    """Median seconds of each chapter's set-up cell in a fresh process, after Quarto's own set-up."""
    sys.path.insert(0, str(ROOT / "tests"))
    import book
    import qmd

    prelude = qmd.QUARTO_SETUP
    floor = statistics.median(time_command([PYTHON, "-c", prelude], runs))
    times = {}
    for path in book.chapter_files():
        cells = [block for block in qmd.parse(path).blocks if block.kind == "cell"]
        if not cells:
            continue
        command = [PYTHON, "-c", f"import os; os.chdir({str(path.parent)!r})\n{prelude}\n{cells[0].source}"]
        times[path.name] = statistics.median(time_command(command, runs)) - floor
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per command (default 3)")
    parser.add_argument("--skip", action="append", default=[], help="skip commands whose name contains this text")
    parser.add_argument("--imports", action="store_true", help="also time each chapter's set-up cell")
    arguments = parser.parse_args()
    medians: dict[str, float] = {}
    for name, command in COMMANDS.items():
        if any(text in name for text in arguments.skip):
            continue
        times = time_command(command, arguments.runs)
        medians[name] = statistics.median(times)
        print(f"measured {name}: {', '.join(f'{t:.2f}' for t in times)} s", file=sys.stderr)
    floor = medians["import floor (dependencies only)"]
    print(f"| command | median (s), {arguments.runs} runs | ratio to import floor |")
    print("|---|---:|---:|")
    for name, median in medians.items():
        print(f"| {name} | {median:.2f} | {median / floor:.1f}× |")
    if arguments.imports:
        print("\n| chapter | set-up cell (s), after Quarto's set-up |\n|---|---:|")
        for chapter, seconds in chapter_setup_times(arguments.runs).items():
            print(f"| {chapter} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
