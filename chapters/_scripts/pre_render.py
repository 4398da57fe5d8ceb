"""Quarto pre-render step: bring every chapter notebook up to date before Quarto reads it.

Run by ``quarto render`` before anything else (``project: pre-render`` in
``_quarto.yml``), with the Python Quarto finds, which must be the project's
environment (Quarto's Jupyter kernel needs it too). It is
``python -m analysis notebooks``: a chapter whose notebook was executed from
other inputs (``analysis/``, ``data/raw/``, ``data/themes/``, ``uv.lock`` or the
book's sources) is
executed again, and frozen results of the two pages Quarto executes itself are
cleared when the inputs changed. With nothing changed it executes nothing.
A failure stops the render with one line naming the chapter and the cell.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

try:
    from analysis.__main__ import main
except ImportError as error:
    sys.exit(
        f"error: the pre-render step needs the project's environment ({error}); "
        "render with `python3 -m uv run --locked python -m analysis render`"
    )

sys.exit(main(["notebooks"]))
