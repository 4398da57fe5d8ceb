"""Rebuild every derived output from raw data, atomically, with a hash manifest.

``python -m analysis build`` calls :func:`build`. It reads only the raw inputs
(``data/raw``, ``data/themes``), recomputes the counts, every statistic and
model, writes them under ``data/derived`` and records the SHA-256 of every
input and output in ``data/derived/manifest.json``. Running it twice gives
byte-identical files.

Examples
--------
>>> import tempfile, pathlib
>>> result = build(pathlib.Path(tempfile.mkdtemp()))
>>> sorted(result.outputs)
['statistics.csv', 'table5_1_counts.csv', 'table5_1_counts_wide.csv']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis import config
from analysis.association import association_statistics
from analysis.io import relative_to_root, sha256_file, write_csv_atomic, write_json_atomic
from analysis.load import counts_long, load_published_table
from analysis.models import model_statistics
from analysis.reconstruct import reconstruct

#: Columns of ``statistics.csv``, in order.
STATISTICS_COLUMNS = ["analysis", "term", "quantity", "value", "ci_low", "ci_high"]


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote: output file name -> SHA-256, and the manifest's path."""

    folder: Path
    outputs: dict[str, str]
    inputs: dict[str, str]
    manifest: Path


def raw_inputs() -> list[Path]:
    """Every raw input file the analyses read, in a stable order.

    Examples
    --------
    >>> any(path.name == "table5_1_published.csv" for path in raw_inputs())
    True
    """
    folders = (config.RAW, config.THEMES)
    return sorted(
        (path for folder in folders if folder.exists() for path in folder.rglob("*") if path.is_file()),
        key=lambda path: relative_to_root(path),
    )


def statistics_table(counts: pd.DataFrame) -> pd.DataFrame:
    """Every reported statistic for a counts table, one tidy row per quantity.

    Examples
    --------
    >>> from analysis.load import load_counts
    >>> list(statistics_table(load_counts()).columns)
    ['analysis', 'term', 'quantity', 'value', 'ci_low', 'ci_high']
    """
    table = pd.concat([association_statistics(counts), model_statistics(counts)], ignore_index=True)
    return table[STATISTICS_COLUMNS]


def build(folder: Path = config.DERIVED) -> BuildResult:
    """Recompute and write every derived output into ``folder``.

    Parameters
    ----------
    folder : Path
        Where to write. ``data/derived`` by default; ``verify`` builds into a
        fresh temporary folder instead.

    Returns
    -------
    BuildResult
        Hashes of every output and input, and the manifest's path.
    """
    folder = Path(folder)
    counts = reconstruct(load_published_table()).unique()
    outputs = {
        "table5_1_counts.csv": write_csv_atomic(folder / config.DERIVED_COUNTS.name, counts_long(counts)),
        "table5_1_counts_wide.csv": write_csv_atomic(
            folder / config.DERIVED_COUNTS_WIDE.name, counts.reset_index()
        ),
        "statistics.csv": write_csv_atomic(folder / config.DERIVED_STATISTICS.name, statistics_table(counts)),
    }
    output_hashes = {name: sha256_file(path) for name, path in sorted(outputs.items())}
    input_hashes = {relative_to_root(path): sha256_file(path) for path in raw_inputs()}
    manifest = write_json_atomic(
        folder / config.MANIFEST.name,
        {
            "description": "SHA-256 of every raw input read and every output written by `python -m analysis build`.",
            "inputs": input_hashes,
            "outputs": output_hashes,
            "seed": config.SEED,
        },
    )
    return BuildResult(folder, output_hashes, input_hashes, manifest)
