"""Quarto pre-render step: drop frozen chapter results when analysis/, data/ or uv.lock changed.

Run by ``quarto render`` before anything else (``project: pre-render`` in
``_quarto.yml``), with whatever Python Quarto finds; it needs only the
standard library. See ``analysis/cache.py``.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from analysis.cache import guard_freeze  # noqa: E402

decision = guard_freeze(ROOT)
print(
    "inputs unchanged: frozen chapter results reused"
    if decision == "reused"
    else "inputs changed (analysis/, data/ or uv.lock): frozen results cleared, every chapter executes"
)
