"""Every raw input, checked by its own loader before anything is written.

:func:`validate_inputs` is the one entry point: ``python -m analysis build``
(and so ``verify``, which rebuilds) calls it first, and it calls each
loader in turn, so a broken input stops the build with exactly the one-line
error that loader gives, before a single output or hash is written:

1. the published table (``data/raw/table5_1_published.csv``),
   :func:`analysis.load.load_published_table`;
2. the data package (``data/raw/datapackage.json``) against its Frictionless
   schema, rows of the table included, :func:`analysis.provenance.validate_datapackage`;
3. the stated figures (``data/raw/source_figures/*.csv``),
   :func:`analysis.source_figures.load_source_figures`;
4. the bibliography (``references.bib``) and the thematic coding
   (``data/themes/*.yaml``), :func:`analysis.themes.load_themes`.

:class:`InputPaths` says where the inputs are; by default the repository's
own files, or the same layout under another root (a scratch copy).

Examples
--------
>>> inputs = validate_inputs()
>>> inputs.published.total, len(inputs.themes) > 0
(1000, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis import config
from analysis.load import PublishedTable, load_published_table
from analysis.provenance import validate_datapackage
from analysis.source_figures import load_source_figures
from analysis.themes import Theme, load_themes


@dataclass(frozen=True)
class InputPaths:
    """Where the raw inputs are: the layout of :mod:`analysis.config` under ``root``.

    Examples
    --------
    >>> InputPaths(Path("/copy")).published_table.as_posix()
    '/copy/data/raw/table5_1_published.csv'
    """

    root: Path = config.ROOT

    def _under_root(self, path: Path) -> Path:
        return Path(self.root) / path.relative_to(config.ROOT)

    @property
    def raw_folders(self) -> tuple[Path, ...]:
        """The read-only input folders (``data/raw``, ``data/themes``)."""
        return (self._under_root(config.RAW), self._under_root(config.THEMES))

    @property
    def published_table(self) -> Path:
        return self._under_root(config.PUBLISHED_TABLE)

    @property
    def datapackage(self) -> Path:
        return self._under_root(config.DATAPACKAGE)

    @property
    def source_figures(self) -> Path:
        return self._under_root(config.SOURCE_FIGURES)

    @property
    def themes(self) -> Path:
        return self._under_root(config.THEMES)

    @property
    def bibliography(self) -> Path:
        return self._under_root(config.REFERENCES_BIB)


@dataclass(frozen=True, eq=False)
class ValidInputs:
    """Every raw input, loaded and validated."""

    published: PublishedTable
    datapackage: dict
    source_figures: pd.DataFrame
    themes: tuple[Theme, ...]


def validate_inputs(paths: InputPaths = InputPaths()) -> ValidInputs:
    """Load and validate every raw input with its loader; the first fault raises.

    Parameters
    ----------
    paths : InputPaths
        Where the inputs are.

    Returns
    -------
    ValidInputs

    Raises
    ------
    analysis.errors.CompendiumError
        The loader's one-line error, naming the file and the row or field.
    """
    return ValidInputs(
        published=load_published_table(paths.published_table),
        datapackage=validate_datapackage(paths.datapackage),
        source_figures=load_source_figures(paths.source_figures),
        themes=load_themes(paths.themes, paths.bibliography),
    )
