"""Time the compendium's commands as whole processes and report medians and ratios.

Run with ``make bench`` or ``python tests/benchmark.py [--runs N]``. Each
command is run N times in a fresh process; the table gives the median wall
time and its ratio to the *floor*: a bare process that only imports the
project's dependencies. Ratios, not absolute seconds, are what carry over
between machines. Nothing here asserts a time; this is a measurement script,
not a test (pytest does not collect it).

What a render costs, without Quarto: Quarto executes every chapter once per
output format. Without a kept-alive kernel each run starts a fresh kernel:
"execute every chapter, pass 1" is the first format of a cold render (empty
results cache), "pass 2" the second format (expensive results loaded from
``.cache/results``). With ``execute: daemon`` (the book's setting) a chapter's
second format runs in the first one's kernel after Quarto's reset: "both
formats, one kept-alive kernel per chapter" is what a cold render's execution
costs then. The pre-render guard is the caching decision every render pays.
``--chapters`` adds a table per chapter (kernel start, first run with
Quarto's set-up, second run in the same kernel); ``--imports`` one of what
each chapter's set-up cell costs in a fresh process after Quarto's own
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
EXECUTE_BOTH_FORMATS = (
    "import sys; sys.path.insert(0, 'tests'); import qmd, book; "
    "[qmd.execute_passes(path, passes=2) for path in book.chapter_files() if qmd.parse(path).blocks]"
)

COMMANDS: dict[str, list[str]] = {
    "import floor (dependencies only)": [PYTHON, "-c", FLOOR],
    "python -m analysis build": [PYTHON, "-m", "analysis", "build"],
    "python -m analysis verify": [PYTHON, "-m", "analysis", "verify"],
    "execute every chapter, pass 1 (results cache empty)": [PYTHON, "-c", CLEAR_RESULTS + EXECUTE_CHAPTERS],
    "execute every chapter, pass 2 (results cached)": [PYTHON, "-c", EXECUTE_CHAPTERS],
    "execute every chapter, both formats, one kept-alive kernel per chapter (results cache empty)": [
        PYTHON,
        "-c",
        CLEAR_RESULTS + EXECUTE_BOTH_FORMATS,
    ],
    "pre-render guard, inputs unchanged (caching decision)": [PYTHON, "-S", "chapters/_scripts/guard_freeze.py"],
    "test suite (pytest)": [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
}

#: The exact conditional test of Table 5.1 and of smaller tables, in one fresh process each; prints seconds,
#: peak resident memory and the outcome (the three p-values, or the budget error with the work needed).
EXACT_SCRIPT = """
import resource, sys, time
from analysis.association import collapse_outcome
from analysis.exact import NetworkBudgetError, exact_conditional_test
from analysis.load import load_counts
counts = load_counts()
tables = {"table 5.1 (5 x 4)": counts, "Merged left out (5 x 3)": counts.drop(columns="Merged"),
          "ceased vs rest (5 x 2)": collapse_outcome(counts, ("Ceased",))}
table = tables[sys.argv[1]]
start = time.perf_counter()
try:
    result = exact_conditional_test(table)
    outcome = ", ".join(f"{r.ordering} p={r.p_value:.4g} (bound {r.error_bound:.1g})" for r in result.results())
    outcome += f"; {result.n_past_states:,} past states, {result.n_pairs:,} pairs merged one by one"
except NetworkBudgetError as error:
    outcome = str(error)
seconds = time.perf_counter() - start
print(f"{seconds:.2f}|{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}|{outcome}")
"""
COMPILE_SCRIPT = "import pandas as pd; from analysis.exact import exact_conditional_test as t; t(pd.DataFrame([[1, 2, 1, 1]] * 5))"
EXACT_TABLES = ("table 5.1 (5 x 4)", "Merged left out (5 x 3)", "ceased vs rest (5 x 2)")


def exact_timings() -> None:
    """Time the exact conditional test (three orderings) on Table 5.1 and two smaller tables."""
    print("| table | seconds | peak RSS (MiB) | outcome |")
    print("|---|---:|---:|---|")
    # Numba compiles the kernels on the first call and caches them on disk: clear that cache and time it once, apart
    for cached_kernel in (ROOT / "analysis" / "__pycache__").glob("exact.*.nb[ci]"):
        cached_kernel.unlink()
    start = time.perf_counter()
    subprocess.run([PYTHON, "-c", COMPILE_SCRIPT], cwd=ROOT, check=True)
    print(f"| first call with no cached kernels (compiles and caches them) | {time.perf_counter() - start:.2f} | | |")
    for name in EXACT_TABLES:
        completed = subprocess.run([PYTHON, "-c", EXACT_SCRIPT, name], cwd=ROOT, capture_output=True, text=True)
        if completed.returncode != 0:
            raise SystemExit(f"benchmark: exact test on {name} failed:\n{completed.stderr[-2000:]}")
        seconds, memory, outcome = completed.stdout.strip().split("|", 2)
        print(f"| {name} | {seconds} | {memory} | {outcome} |")


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


def chapter_timings() -> dict[str, tuple[float, float, float]]:
    """Per chapter: kernel start, first run (Quarto's set-up included), second run in the same kernel.

    Measured in this process with the results cache emptied first, as in a cold render.
    """
    import shutil

    sys.path.insert(0, str(ROOT / "tests"))
    import book
    import qmd

    shutil.rmtree(ROOT / ".cache" / "results", ignore_errors=True)
    timings = {}
    for path in book.chapter_files():
        if not qmd.parse(path).blocks:
            continue
        first, second = qmd.execute_passes(path, passes=2)
        seconds = first.metadata["seconds"]
        timings[path.name] = (seconds["kernel start"], seconds["run"], second.metadata["seconds"]["run"])
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per command (default 3)")
    parser.add_argument("--skip", action="append", default=[], help="skip commands whose name contains this text")
    parser.add_argument("--imports", action="store_true", help="also time each chapter's set-up cell")
    parser.add_argument("--chapters", action="store_true", help="also time each chapter's two runs in one kernel")
    parser.add_argument("--exact", action="store_true", help="time only the exact conditional test")
    arguments = parser.parse_args()
    if arguments.exact:
        exact_timings()
        return
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
    if arguments.chapters:
        timings = chapter_timings()
        print("\n| chapter | kernel start (s) | first run (s) | second run, same kernel (s) |\n|---|---:|---:|---:|")
        for chapter, (start, first, second) in timings.items():
            print(f"| {chapter} | {start:.2f} | {first:.2f} | {second:.2f} |")
        totals = [sum(column) for column in zip(*timings.values())]
        print(f"| all {len(timings)} chapters | {totals[0]:.2f} | {totals[1]:.2f} | {totals[2]:.2f} |")
    if arguments.imports:
        print("\n| chapter | set-up cell (s), after Quarto's set-up |\n|---|---:|")
        for chapter, seconds in chapter_setup_times(arguments.runs).items():
            print(f"| {chapter} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
