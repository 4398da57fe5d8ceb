"""Time the compendium's commands as whole processes and report medians and ratios.

Run with ``make bench`` or ``python tests/benchmark.py [--runs N]``. Each
command is run N times in a fresh process; the table gives the median wall
time and its ratio to the *floor*: a bare process that only imports the
project's dependencies. Ratios, not absolute seconds, are what carry over
between machines. Nothing here asserts a time; this is a measurement script,
not a test (pytest does not collect it).

What a render costs, without Quarto: every chapter with code is executed once
into its notebook (``python -m analysis notebooks``, two chapters at a time),
which Quarto renders in both formats without executing it. "execute every
chapter notebook (results cache empty)" is what a render pays when every input
changed; "(results cached)" when only prose changed. The pre-render step with
every notebook current is the caching decision every render pays. Quarto still
executes two pages itself, once per format: "the two pages Quarto executes"
times one execution of each in a fresh kernel (Quarto's own launch cost per
execution is not included; it cannot be measured without Quarto).
``--chapters`` adds a table per chapter (one execution into its notebook,
kernel start included, results cache emptied first); ``--imports`` one of what
each chapter's set-up cell costs in a fresh process after Quarto's own set-up
(imports and loading).
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
CLEAR_RESULTS = "import shutil; shutil.rmtree('.cache/results', ignore_errors=True); "
REFRESH_NOTEBOOKS = "from analysis.notebooks import refresh_notebooks; refresh_notebooks(force=True)"
EXECUTE_QUARTO_PAGES = (
    "import sys; sys.path.insert(0, 'tests'); import qmd; "
    "[qmd.execute(page) for page in ('index.qmd', 'chapters/reproducibility.qmd')]"
)

COMMANDS: dict[str, list[str]] = {
    "import floor (dependencies only)": [PYTHON, "-c", FLOOR],
    "python -m analysis build": [PYTHON, "-m", "analysis", "build"],
    "python -m analysis verify": [PYTHON, "-m", "analysis", "verify"],
    "execute every chapter notebook, two at a time (results cache empty)": [PYTHON, "-c", CLEAR_RESULTS + REFRESH_NOTEBOOKS],
    "execute every chapter notebook, two at a time (results cached)": [PYTHON, "-c", REFRESH_NOTEBOOKS],
    "the two pages Quarto executes, once each (one format)": [PYTHON, "-c", EXECUTE_QUARTO_PAGES],
    "pre-render step, every notebook current (caching decision)": [PYTHON, "chapters/_scripts/pre_render.py"],
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

    from analysis.notebooks import QUARTO_SETUP

    prelude = "\n".join(line for line in QUARTO_SETUP.splitlines() if not line.startswith("%"))  # no magics in plain Python
    floor = statistics.median(time_command([PYTHON, "-c", prelude], runs))
    times = {}
    for path in book.chapter_files():
        cells = [block for block in qmd.parse(path).blocks if block.kind == "cell"]
        if not cells:
            continue
        command = [PYTHON, "-c", f"import os; os.chdir({str(path.parent)!r})\n{prelude}\n{cells[0].source}"]
        times[path.name] = statistics.median(time_command(command, runs)) - floor
    return times


def chapter_timings() -> dict[str, float]:
    """Seconds to execute each chapter into its notebook in a fresh kernel, one after another.

    Measured in this process with the results cache emptied first, as when every input changed.
    """
    import shutil

    from analysis.notebooks import book_notebook_sources, execute_notebook

    shutil.rmtree(ROOT / ".cache" / "results", ignore_errors=True)
    return {source.name: execute_notebook(source).seconds for source in book_notebook_sources()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per command (default 3)")
    parser.add_argument("--skip", action="append", default=[], help="skip commands whose name contains this text")
    parser.add_argument("--imports", action="store_true", help="also time each chapter's set-up cell")
    parser.add_argument("--chapters", action="store_true", help="also time each chapter's execution into its notebook")
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
        print("\n| chapter | execution into its notebook, kernel start included (s) |\n|---|---:|")
        for chapter, seconds in timings.items():
            print(f"| {chapter} | {seconds:.2f} |")
        print(f"| all {len(timings)} chapters, one after another | {sum(timings.values()):.2f} |")
    if arguments.imports:
        print("\n| chapter | set-up cell (s), after Quarto's set-up |\n|---|---:|")
        for chapter, seconds in chapter_setup_times(arguments.runs).items():
            print(f"| {chapter} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
