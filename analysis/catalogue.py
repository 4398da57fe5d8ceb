"""Which code makes which output: every table and figure of the book, its chapter,
the ``analysis`` function that computes it, and the file that holds its numbers.

This is the replication-package map shown in the reproducibility appendix. A
test checks it against the book itself: every labelled table and figure is
listed exactly once, in the right chapter, each function exists and is called
by that chapter, and each file exists.

Examples
--------
>>> catalogue = output_catalogue()
>>> catalogue.set_index("label").loc["tbl-counts", "file"]
'data/derived/table5_1_counts_wide.csv'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

COUNTS = "data/derived/table5_1_counts.csv"
STATISTICS = "data/derived/statistics.csv"
LIVE = "computed when the chapter runs"


@dataclass(frozen=True)
class CatalogueEntry:
    """One table or figure of the book."""

    label: str
    chapter: str
    function: str
    file: str


ENTRIES: tuple[CatalogueEntry, ...] = (
    CatalogueEntry("tbl-published", "rebuilding-table-5-1", "analysis.load.load_published_table", "data/raw/table5_1_published.csv"),
    CatalogueEntry("tbl-stages", "rebuilding-table-5-1", "analysis.reconstruct.reconstruct", LIVE),
    CatalogueEntry("tbl-counts", "rebuilding-table-5-1", "analysis.reconstruct.reconstruct", "data/derived/table5_1_counts_wide.csv"),
    CatalogueEntry("tbl-round-trip", "rebuilding-table-5-1", "analysis.reconstruct.round_trip", LIVE),
    CatalogueEntry("fig-association-composition", "association", "analysis.figures.outcome_composition_figure", COUNTS),
    CatalogueEntry("tbl-association-expected", "association", "analysis.association.pearson_chi_square", STATISTICS),
    CatalogueEntry("tbl-association-calibration", "association", "analysis.association.chi_square_calibration", STATISTICS),
    CatalogueEntry("tbl-association-residuals", "association", "analysis.association.adjusted_residuals", STATISTICS),
    CatalogueEntry("fig-association-residuals", "association", "analysis.figures.residual_heatmap", STATISTICS),
    CatalogueEntry("tbl-association-partition", "association", "analysis.association.mean_score_test", STATISTICS),
    CatalogueEntry("tbl-association-ceased", "association", "analysis.association.collapse_outcome", COUNTS),
    CatalogueEntry("tbl-association-trend", "association", "analysis.association.trend_test", STATISTICS),
    CatalogueEntry("tbl-association-sensitivity", "association", "analysis.association.sensitivity_analyses", STATISTICS),
    CatalogueEntry("tbl-association-power", "association", "analysis.association.minimal_detectable_rate", STATISTICS),
    CatalogueEntry("tbl-models-observed", "ceasing-models", "analysis.models.observed_proportions", STATISTICS),
    CatalogueEntry("tbl-models-ml", "ceasing-models", "analysis.models.odds_ratios", STATISTICS),
    CatalogueEntry("tbl-models-firth", "ceasing-models", "analysis.models.fit_firth", STATISTICS),
    CatalogueEntry("tbl-models-tests", "ceasing-models", "analysis.models.likelihood_ratio_tests", STATISTICS),
    CatalogueEntry("tbl-models-gof", "ceasing-models", "analysis.models.goodness_of_fit", STATISTICS),
    CatalogueEntry("tbl-models-aic", "ceasing-models", "analysis.models.model_comparison", STATISTICS),
    CatalogueEntry("tbl-models-predicted", "ceasing-models", "analysis.models.predicted_probabilities", STATISTICS),
    CatalogueEntry("fig-predicted", "ceasing-models", "analysis.figures.predicted_probability_figure", STATISTICS),
    CatalogueEntry("tbl-models-exit", "ceasing-models", "analysis.models.odds_ratios", STATISTICS),
    CatalogueEntry("tbl-verdict-rules", "claims-ledger", "analysis.claims.claims_ledger", LIVE),
    CatalogueEntry("tbl-claims", "claims-ledger", "analysis.claims.claims_ledger", LIVE),
    CatalogueEntry("tbl-claims-under-100k", "claims-ledger", "analysis.association.compare_group_with_bands", STATISTICS),
    CatalogueEntry("tbl-claims-even-spread", "claims-ledger", "analysis.association.share_equivalence", STATISTICS),
    CatalogueEntry("tbl-claims-caveats", "claims-ledger", "analysis.claims.claims_ledger", LIVE),
    CatalogueEntry("tbl-context-timeline", "context", "analysis.source_figures.load_source_figures", "data/raw/source_figures/body2020.csv"),
    CatalogueEntry("tbl-context-key-figures", "context", "analysis.source_figures.load_source_figures", "data/raw/source_figures/body2020.csv"),
    CatalogueEntry("tbl-voices-speakers", "voices", "analysis.themes.load_themes", "data/themes/body2020.yaml"),
    CatalogueEntry("tbl-voices-orientations", "voices", "analysis.source_figures.load_source_figures", "data/raw/source_figures/body2020.csv"),
    CatalogueEntry("tbl-voices-size", "voices", "analysis.source_figures.load_source_figures", "data/raw/source_figures/body2020.csv"),
    CatalogueEntry("fig-voices-partnerships", "voices", "analysis.figures.stated_figures_bar", "data/raw/source_figures/body2020.csv"),
    CatalogueEntry("tbl-voices-shared", "voices", "analysis.themes.load_themes", "data/themes/body2020.yaml"),
    CatalogueEntry("tbl-voices-themes", "voices", "analysis.themes.theme_reference", "data/themes/body2020.yaml"),
    CatalogueEntry("tbl-b19-context-method", "discretion", "analysis.source_figures.load_source_figures", "data/raw/source_figures/body2019.csv"),
    CatalogueEntry("fig-b19-backgrounds", "discretion", "analysis.figures.stated_figures_bar", "data/raw/source_figures/body2019.csv"),
    CatalogueEntry("fig-discretion-typology", "discretion", "analysis.figures.discretion_typology_figure", "data/themes/body2019.yaml"),
    CatalogueEntry("tbl-discretion-themes", "discretion", "analysis.themes.theme_reference", "data/themes/body2019.yaml"),
    CatalogueEntry("tbl-size-themes", "synthesis", "analysis.themes.select_themes", "data/themes/body2020.yaml"),
    CatalogueEntry("tbl-size-figures", "synthesis", "analysis.source_figures.load_source_figures", "data/raw/source_figures/body2020.csv"),
    CatalogueEntry("tbl-ceased-by-band", "synthesis", "analysis.models.observed_proportions", COUNTS),
    CatalogueEntry("tbl-datapackage-fields", "data-provenance", "analysis.provenance.datapackage_fields", "data/raw/datapackage.json"),
    CatalogueEntry("tbl-data-files", "data-provenance", "analysis.provenance.data_files", "data/derived/manifest.json"),
    CatalogueEntry("tbl-environment", "reproducibility", "analysis.reproducibility.environment_facts", LIVE),
    CatalogueEntry("tbl-packages", "reproducibility", "analysis.reproducibility.direct_dependencies", LIVE),
    CatalogueEntry("tbl-catalogue", "reproducibility", "analysis.catalogue.output_catalogue", LIVE),
    CatalogueEntry("tbl-teaching-order", "teaching", "analysis.course.reading_order", LIVE),
    CatalogueEntry("tbl-teaching-objectives", "teaching", "analysis.course.objectives_table", LIVE),
    CatalogueEntry("tbl-teaching-exercises", "teaching", "analysis.course.exercises_table", LIVE),
    CatalogueEntry("tbl-teaching-time", "teaching", "analysis.course.exercise_time_by_kind", LIVE),
)


def output_catalogue() -> pd.DataFrame:
    """The catalogue as a table: ``label, chapter, function, file``, in book order.

    Examples
    --------
    >>> list(output_catalogue().columns)
    ['label', 'chapter', 'function', 'file']
    """
    return pd.DataFrame([asdict(entry) for entry in ENTRIES], columns=["label", "chapter", "function", "file"])
