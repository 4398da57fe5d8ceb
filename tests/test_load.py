"""Tests of analysis.load: the printed Table 5.1, its data package, and the counts file.

Every bad-input case tampers with a copy written to ``tmp_path``; the raw data
folder is never written.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import config
from analysis.domain import N_CHARITIES, OUTCOMES, SIZE_BANDS
from analysis.provenance import DataPackageError, datapackage_fields
from analysis.load import (
    SHARE_LABEL,
    TableFormatError,
    counts_long,
    load_counts,
    load_published_table,
)

# The 30 figures of Table 5.1, typed independently from the book page
# (Body 2020, p. 128), in the printed layout.
PRINTED = {
    "Micro": ["5.1", "35.9", "56.4", "2.6", "16.9"],
    "Small": ["18.7", "26.7", "49.3", "5.3", "32.5"],
    "Medium": ["46.5", "33.8", "16.9", "2.8", "30.7"],
    "Large": ["67.9", "25.0", "0.0", "7.1", "12.1"],
    "Major": ["55.6", "38.9", "5.6", "0.0", "7.8"],
    SHARE_LABEL: ["33.8", "31.2", "31.2", "3.9", "100.0"],
}


def raw_lines() -> list[str]:
    return config.PUBLISHED_TABLE.read_text(encoding="utf-8").splitlines()


def tampered(tmp_path: Path, replace: dict[int, str] | None = None, drop: int | None = None, append: str | None = None) -> Path:
    """Copy the raw CSV to tmp_path with some lines replaced, dropped or added."""
    lines = raw_lines()
    for number, text in (replace or {}).items():
        lines[number] = text
    if drop is not None:
        del lines[drop]
    if append is not None:
        lines.append(append)
    path = tmp_path / "table.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def assert_error(path: Path, *fragments: str) -> str:
    with pytest.raises(TableFormatError) as caught:
        load_published_table(path)
    message = str(caught.value)
    assert "\n" not in message
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message
    return message


# --- the printed table -------------------------------------------------------


def test_raw_file_holds_exactly_the_printed_figures():
    frame = pd.read_csv(config.PUBLISHED_TABLE, dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["row", *OUTCOMES, SHARE_LABEL]
    assert {row[0]: list(row[1:]) for row in frame.itertuples(index=False)} == PRINTED


def test_raw_file_matches_the_source_text():
    """Every figure of the raw CSV appears, in order, under 'Table 5.1:' in the source text."""
    if not config.SOURCE_BODY_2020.exists():
        pytest.skip(f"source text not available at {config.SOURCE_BODY_2020} (set CCC_SOURCES)")
    text = config.SOURCE_BODY_2020.read_text(encoding="utf-8")
    start = text.index("Table 5.1: Changes in children")
    block = text[start : text.index("Note: (*)", start)]
    tokens = [token.strip() for token in block.splitlines() if token.strip()][1:]
    header, body = tokens[:6], tokens[6:]
    assert header == ["Size*", *OUTCOMES, SHARE_LABEL]
    assert [body[i : i + 6] for i in range(0, len(body), 6)] == [[label, *figures] for label, figures in PRINTED.items()]
    assert "Micro < £10,000, Small £10,001– £100,000" in text[start : start + 2000]


def test_published_table_keeps_printed_precision():
    table = load_published_table()
    assert table.decimals == 1
    assert table.rows == SIZE_BANDS and table.outcomes == OUTCOMES
    assert table.cells.dtypes.eq(np.int64).all()
    # 5.1 % is 51 tenths; 25.0 and 0.0 keep their decimal place when printed back.
    assert table.cells.loc["Micro"].tolist() == [51, 359, 564, 26]
    assert table.cells.loc["Large"].tolist() == [679, 250, 0, 71]
    assert table.row_shares.tolist() == [169, 325, 307, 121, 78]
    assert table.column_shares.tolist() == [338, 312, 312, 39]
    assert table.total == 1000


def test_printed_round_trips_the_raw_file_byte_for_byte():
    text = load_published_table().printed().to_csv(index=False, lineterminator="\n")
    assert text == config.PUBLISHED_TABLE.read_text(encoding="utf-8")


def test_rows_in_another_order_are_returned_in_band_order(tmp_path):
    lines = raw_lines()
    path = tmp_path / "shuffled.csv"
    path.write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n", encoding="utf-8")
    assert load_published_table(path).rows == SIZE_BANDS


def test_missing_column(tmp_path):
    frame = pd.read_csv(config.PUBLISHED_TABLE, dtype=str).drop(columns="Ceased")
    path = tmp_path / "table.csv"
    frame.to_csv(path, index=False)
    assert_error(path, "missing column 'Ceased'")


@pytest.mark.parametrize(
    ("line", "bad", "fragment"),
    [
        ("Micro,5.1,35.9,abc,2.6,16.9", "abc", "'abc' is not a number"),
        ("Micro,5.1,35.9,,2.6,16.9", "", "missing figure"),
        ("Micro,5.1,35.9,-56.4,2.6,16.9", "-56.4", "'-56.4' is negative"),
        ("Micro,5.1,35.9,156.4,2.6,16.9", "156.4", "'156.4' exceeds 100"),
        ("Micro,5.1,35.9,56.40,2.6,16.9", "56.40", "printed with 2 decimals"),
    ],
)
def test_bad_percentage_names_row_and_field(tmp_path, line, bad, fragment):
    path = tampered(tmp_path, replace={1: line})
    assert_error(path, "row 'Micro'", "field 'Ceased'", fragment)


def test_row_that_cannot_sum_to_100(tmp_path):
    # 5.1 + 35.9 + 56.4 + 2.9 = 100.3: more than 4 x 0.05 = 0.2 from 100.
    path = tampered(tmp_path, replace={1: "Micro,5.1,35.9,56.4,2.9,16.9"})
    assert_error(path, "row 'Micro'", "sum to 100.3%")


def test_row_off_by_rounding_alone_is_accepted(tmp_path):
    # 5.1 + 35.9 + 56.4 + 2.8 = 100.2: exactly the 4 x 0.05 allowance.
    path = tampered(tmp_path, replace={1: "Micro,5.1,35.9,56.4,2.8,16.9"})
    assert load_published_table(path).cells.loc["Micro", "Merged"] == 28


def test_row_shares_that_cannot_sum_to_100(tmp_path):
    path = tampered(tmp_path, replace={5: "Major,55.6,38.9,5.6,0.0,8.8"})
    assert_error(path, f"column '{SHARE_LABEL}'", "row shares sum to 101.0%")


def test_column_shares_that_cannot_sum_to_100(tmp_path):
    path = tampered(tmp_path, replace={6: f"{SHARE_LABEL},33.8,31.2,31.2,4.9,100.0"})
    assert_error(path, f"row '{SHARE_LABEL}'", "column shares sum to 101.1%")


def test_corner_total_must_be_100(tmp_path):
    path = tampered(tmp_path, replace={6: f"{SHARE_LABEL},33.8,31.2,31.2,3.9,99.0"})
    assert_error(path, f"field '{SHARE_LABEL}'", "expected 100%")


def test_unknown_size_band(tmp_path):
    path = tampered(tmp_path, replace={1: "Mini,5.1,35.9,56.4,2.6,16.9"})
    assert_error(path, "row 'Mini'", "unknown size band")


def test_duplicated_row(tmp_path):
    path = tampered(tmp_path, append="Small,18.7,26.7,49.3,5.3,32.5")
    assert_error(path, "row 'Small'", "duplicated row")


def test_missing_band_row(tmp_path):
    path = tampered(tmp_path, drop=3)
    assert_error(path, "row 'Medium'", "missing size band row")


def test_missing_share_row(tmp_path):
    path = tampered(tmp_path, drop=6)
    assert_error(path, f"row '{SHARE_LABEL}'", "missing share row")


# --- the data package ----------------------------------------------------------


def test_datapackage_is_valid_frictionless():
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(config.DATAPACKAGE))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_datapackage_schema_rejects_a_tampered_copy(tmp_path):
    frictionless = pytest.importorskip("frictionless")
    (tmp_path / config.DATAPACKAGE.name).write_text(config.DATAPACKAGE.read_text(encoding="utf-8"), encoding="utf-8")
    lines = raw_lines()
    lines[1] = "Micro,5.1,35.9,156.4,2.6,16.9"
    (tmp_path / config.PUBLISHED_TABLE.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = frictionless.validate(str(tmp_path / config.DATAPACKAGE.name))
    assert not report.valid
    assert [error[:2] for error in report.flatten(["rowNumber", "fieldName"])] == [[2, "Ceased"]]


def test_datapackage_describes_the_table():
    package = json.loads(config.DATAPACKAGE.read_text(encoding="utf-8"))
    assert package["profile"] == "tabular-data-package"
    (resource,) = package["resources"]
    assert resource["path"] == config.PUBLISHED_TABLE.name
    fields = [field["name"] for field in resource["schema"]["fields"]]
    assert fields == ["row", *OUTCOMES, SHARE_LABEL]
    assert resource["schema"]["fields"][0]["constraints"]["enum"] == [*SIZE_BANDS, SHARE_LABEL]
    assert "10.1332/policypress/9781447346432.003.0006" in json.dumps(package)
    assert str(N_CHARITIES) in resource["description"]


# --- the derived counts --------------------------------------------------------

# Counts used only to exercise the reader (not the reconstruction).
WIDE = pd.DataFrame(
    np.arange(1, 21).reshape(5, 4),
    index=pd.Index(SIZE_BANDS, name="size_band"),
    columns=pd.Index(OUTCOMES, name="outcome"),
)


def write_long(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "counts.csv"
    path.write_text("\n".join(["size_band,outcome,count", *lines]) + "\n", encoding="utf-8")
    return path


def good_lines() -> list[str]:
    return [f"{band},{outcome},{WIDE.loc[band, outcome]}" for band in SIZE_BANDS for outcome in OUTCOMES]


def assert_counts_error(path: Path, *fragments: str) -> None:
    with pytest.raises(TableFormatError) as caught:
        load_counts(path)
    message = str(caught.value)
    assert str(path) in message and "\n" not in message
    for fragment in fragments:
        assert fragment in message, message


def test_counts_long_order_and_inverse(tmp_path):
    long = counts_long(WIDE)
    assert list(long.columns) == ["size_band", "outcome", "count"]
    assert long.iloc[:5].values.tolist() == [
        ["Micro", "Increased", 1],
        ["Micro", "Decreased", 2],
        ["Micro", "Ceased", 3],
        ["Micro", "Merged", 4],
        ["Small", "Increased", 5],
    ]
    path = tmp_path / "counts.csv"
    long.to_csv(path, index=False)
    wide = load_counts(path)
    pd.testing.assert_frame_equal(wide, WIDE.astype(np.int64))
    assert wide.index.name == "size_band" and list(wide.columns) == list(OUTCOMES)


def test_counts_in_any_line_order(tmp_path):
    wide = load_counts(write_long(tmp_path, list(reversed(good_lines()))))
    assert wide.loc["Micro"].tolist() == [1, 2, 3, 4]


def test_counts_missing_column(tmp_path):
    path = tmp_path / "counts.csv"
    path.write_text("size_band,outcome\nMicro,Increased\n", encoding="utf-8")
    assert_counts_error(path, "missing column 'count'")


@pytest.mark.parametrize(
    ("line", "fragments"),
    [
        ("Mini,Increased,1", ("line 2", "field 'size_band'", "unknown size band 'Mini'")),
        ("Micro,Grew,1", ("line 2", "field 'outcome'", "unknown outcome 'Grew'")),
        ("Micro,Increased,1.5", ("line 2", "field 'count'", "'1.5' is not a whole number")),
        ("Micro,Increased,-1", ("line 2", "field 'count'", "'-1' is negative")),
        ("Micro,Increased,", ("line 2", "field 'count'", "missing count")),
    ],
)
def test_counts_bad_line(tmp_path, line, fragments):
    lines = good_lines()
    lines[0] = line
    assert_counts_error(write_long(tmp_path, lines), *fragments)


def test_counts_duplicate_pair(tmp_path):
    lines = good_lines()
    lines.append("Small,Ceased,9")
    assert_counts_error(write_long(tmp_path, lines), "line 22", "duplicate pair (Small, Ceased)", "line 8")


def test_counts_missing_cell(tmp_path):
    lines = [line for line in good_lines() if not line.startswith("Large,Merged,")]
    message_parts = ("missing cell", "'Large'", "'Merged'")
    assert_counts_error(write_long(tmp_path, lines), *message_parts)


def test_counts_error_message_is_one_line_with_location(tmp_path):
    lines = good_lines()
    lines[3] = "Micro,Merged,x"
    path = write_long(tmp_path, lines)
    with pytest.raises(TableFormatError, match=re.escape(f"{path}: line 5, field 'count'")):
        load_counts(path)


def test_counts_extra_field_in_the_first_data_row_is_reported_on_that_row(tmp_path):
    lines = good_lines()
    lines[0] += ",7"
    assert_counts_error(write_long(tmp_path, lines), "line 2 (row 'Micro'): has 4 fields, expected 3")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"resources": [', "line 1, column 16: not valid JSON (Expecting value)"),
        ('{"name": "x"}', "field 'resources': a data package needs a list of resources"),
        ('{"resources": [{"path": "t.csv"}]}', "resource #1: needs a 'name'"),
    ],
)
def test_malformed_datapackage_gives_a_one_line_error_in_the_appendix_reader(tmp_path, text, fragment):
    path = tmp_path / "datapackage.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataPackageError) as caught:
        datapackage_fields(path)
    assert str(caught.value) == f"{path}: {fragment}"
