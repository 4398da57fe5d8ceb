"""Rebuild every derived output from raw data, all or nothing, with a hash manifest.

``python -m analysis build`` calls :func:`build`. It

1. validates every raw input with its loader (:func:`analysis.inputs.validate_inputs`),
   so a broken input stops it before anything is written;
2. recomputes the counts and every output listed in :data:`OUTPUTS` in memory;
3. writes them, with ``manifest.json`` (the SHA-256 of every input and
   output), into ``data/derived`` as one all-or-nothing set
   (:func:`analysis.io.write_files_together`): an interrupted build leaves
   the previous complete set.

Running it twice gives byte-identical files. To add an output, add an
:class:`Output` to :data:`OUTPUTS`; to add statistics, extend
:func:`statistics_table`.

Examples
--------
>>> import tempfile, pathlib
>>> result = build(pathlib.Path(tempfile.mkdtemp()))
>>> sorted(result.outputs)
['statistics.csv', 'table5_1_counts.csv', 'table5_1_counts_wide.csv']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis import config
from analysis.association import association_statistics
from analysis.inputs import InputPaths, validate_inputs
from analysis.io import csv_bytes, json_bytes, relative_to_root, sha256_bytes, sha256_file, write_files_together
from analysis.load import counts_long
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


def raw_inputs(paths: InputPaths = InputPaths()) -> list[Path]:
    """Every raw input file the analyses read, in a stable order.

    Examples
    --------
    >>> any(path.name == "table5_1_published.csv" for path in raw_inputs())
    True
    """
    return sorted(
        (path for folder in paths.raw_folders if folder.exists() for path in folder.rglob("*") if path.is_file()),
        key=lambda path: relative_to_root(path, paths.root),
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


@dataclass(frozen=True)
class Output:
    """One derived output: its file name in ``data/derived`` and how it is made from the counts."""

    name: str
    make: Callable[[pd.DataFrame], pd.DataFrame]


def _wide_counts(counts: pd.DataFrame) -> pd.DataFrame:
    return counts.reset_index()


#: Every derived output, in the order written (the manifest is always written last).
OUTPUTS: tuple[Output, ...] = (
    Output(config.DERIVED_COUNTS.name, counts_long),
    Output(config.DERIVED_COUNTS_WIDE.name, _wide_counts),
    Output(config.DERIVED_STATISTICS.name, statistics_table),
)


def build(folder: Path = config.DERIVED, inputs: InputPaths = InputPaths()) -> BuildResult:
    """Validate every input, recompute every output and write the set into ``folder``.

    Parameters
    ----------
    folder : Path
        Where to write. ``data/derived`` by default; ``verify`` builds into a
        fresh temporary folder instead.
    inputs : InputPaths
        Where the raw inputs are (the repository's own by default).

    Returns
    -------
    BuildResult
        Hashes of every output and input, and the manifest's path.

    Raises
    ------
    analysis.errors.CompendiumError
        A one-line error naming the input at fault, or the output that could
        not be written; ``folder`` is then left exactly as it was.
    """
    folder = Path(folder)
    counts = reconstruct(validate_inputs(inputs).published).unique()
    contents = {output.name: csv_bytes(output.make(counts)) for output in OUTPUTS}
    output_hashes = {name: sha256_bytes(data) for name, data in sorted(contents.items())}
    input_hashes = {relative_to_root(path, inputs.root): sha256_file(path) for path in raw_inputs(inputs)}
    manifest = json_bytes(
        {
            "description": "SHA-256 of every raw input read and every output written by `python -m analysis build`.",
            "inputs": input_hashes,
            "outputs": output_hashes,
            "seed": config.SEED,
        }
    )
    written = write_files_together(folder, {**contents, config.MANIFEST.name: manifest})
    return BuildResult(folder, output_hashes, input_hashes, written[config.MANIFEST.name])
