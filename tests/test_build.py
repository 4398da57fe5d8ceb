"""The build: outputs, determinism, atomic writes, and raw data left untouched.

The integration test rebuilds everything into a temporary folder twice and
compares bytes; the committed ``data/derived`` must equal a fresh build.
"""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest

from analysis import config, io
from analysis.build import STATISTICS_COLUMNS, build, raw_inputs
from analysis.domain import N_CHARITIES, OUTCOMES, SIZE_BANDS


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    before = {path: path.read_bytes() for path in raw_inputs()}
    first = build(tmp_path_factory.mktemp("first"))
    second = build(tmp_path_factory.mktemp("second"))
    after = {path: path.read_bytes() for path in raw_inputs()}
    return first, second, before, after


def test_build_is_byte_identical_on_rerun(two_builds):
    first, second, _, _ = two_builds
    for name in first.outputs:
        assert (first.folder / name).read_bytes() == (second.folder / name).read_bytes(), name
    assert first.manifest.read_bytes() == second.manifest.read_bytes()


def test_build_never_changes_raw_data(two_builds):
    _, _, before, after = two_builds
    assert before == after


def test_manifest_hashes_every_output_and_input(two_builds):
    first, _, _, _ = two_builds
    manifest = json.loads(first.manifest.read_text())
    assert set(manifest["outputs"]) == {"table5_1_counts.csv", "table5_1_counts_wide.csv", "statistics.csv"}
    for name, digest in manifest["outputs"].items():
        assert io.sha256_file(first.folder / name) == digest
    assert "data/raw/table5_1_published.csv" in manifest["inputs"]
    assert manifest["seed"] == config.SEED


def test_counts_file_has_the_contracted_long_form(two_builds):
    first, _, _, _ = two_builds
    counts = pd.read_csv(first.folder / "table5_1_counts.csv")
    assert list(counts.columns) == ["size_band", "outcome", "count"]
    assert len(counts) == len(SIZE_BANDS) * len(OUTCOMES)
    assert counts["count"].sum() == N_CHARITIES
    assert list(dict.fromkeys(counts["size_band"])) == list(SIZE_BANDS)


def test_statistics_file_is_tidy_and_has_no_zero_p_values(two_builds):
    first, _, _, _ = two_builds
    statistics = pd.read_csv(first.folder / "statistics.csv", keep_default_na=False, na_values=[""])
    assert list(statistics.columns) == STATISTICS_COLUMNS
    assert not statistics.duplicated(["analysis", "term", "quantity"]).any()
    p_values = statistics[statistics["quantity"].str.startswith("p_value")]
    assert len(p_values) > 0 and (p_values["value"].dropna() > 0).all(), "a p-value of 0 was written"
    missing = p_values[p_values["value"].isna()]
    separated = statistics.query("quantity == 'separated' and value == 1")[["analysis", "term"]]
    assert set(zip(missing["analysis"], missing["term"])) <= set(zip(separated["analysis"], separated["term"])), (
        "only the diverging estimates of separated ML terms may lack a p-value"
    )
    chi_square = statistics.query("analysis == 'chisq_size_outcome' and quantity == 'statistic'")
    assert len(chi_square) == 1
    firth_large = statistics.query("analysis == 'firth_ceased_size' and term == 'Large' and quantity == 'log_odds'")
    assert len(firth_large) == 1 and firth_large[["value", "ci_low", "ci_high"]].notna().all(axis=None)


def test_committed_outputs_equal_a_fresh_build(two_builds):
    first, _, _, _ = two_builds
    for name in first.outputs:
        assert (config.DERIVED / name).read_bytes() == (first.folder / name).read_bytes(), (
            f"data/derived/{name} is stale: run `python -m analysis build` and commit"
        )


def test_atomic_write_leaves_old_file_when_interrupted(tmp_path, monkeypatch):
    target = io.write_text_atomic(tmp_path / "out.txt", "old\n")

    def interrupted(source, destination):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        io.write_text_atomic(target, "new\n")
    assert target.read_text() == "old\n"
    assert [path.name for path in tmp_path.iterdir()] == ["out.txt"], "temporary file left behind"


@pytest.mark.parametrize("folder", [config.RAW, config.THEMES])
def test_writers_refuse_raw_folders(folder):
    with pytest.raises(io.RawDataWriteError, match="read-only"):
        io.write_text_atomic(folder / "should-not-exist.txt", "x")
    assert not (folder / "should-not-exist.txt").exists()
