"""Stated figures: the tidy CSVs load, validate, and agree with the source text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis import config
from analysis.source_figures import COLUMNS, UNITS, SourceFigureError, load_source_figures
from analysis.themes import BODY_2019_SECTIONS

needs_sources = pytest.mark.skipif(
    not config.SOURCES.is_dir(), reason=f"source texts folder {config.SOURCES} is absent (copyrighted, not in the repo)"
)

NUMBER_WORDS = {
    1: "one", 2: "two", 3: "three", 6: "six", 12: "twelve", 15: "fifteen",
}  # fmt: skip


@pytest.fixture(scope="module")
def figures():
    return load_source_figures()


def test_loaded_table_has_the_schema(figures):
    assert figures.columns.tolist() == list(COLUMNS)
    assert figures["value"].dtype == "float64"
    assert figures["figure_id"].is_unique
    assert set(figures["unit"]) <= set(UNITS)
    assert "body2019" in set(figures["source"])


def test_body2019_backgrounds_add_up_to_the_interviewees(figures):
    # Hand check of the typed data: 3 + 2 + 2 + 2 + 3 = 12 children's-workforce
    # professionals, plus 3 from policy/procurement = the 15 interviewed.
    value = figures.set_index("figure_id")["value"]
    professions = ["social-work", "teaching", "early-years", "youth-work", "mental-health"]
    assert sum(value[f"background-{name}"] for name in professions) == value["background-childrens-workforce"] == 12
    assert value["background-childrens-workforce"] + value["background-policy-procurement"] == value[
        "commissioners-interviewed"
    ]
    assert value["factors-vertical"] + value["factors-horizontal"] == value["factors-reducing-discretion"]


def section_texts() -> dict[str, str]:
    """Text of each Body (2019) section, from its heading line to the next heading."""
    lines = config.SOURCE_BODY_2019.read_text(encoding="utf-8").splitlines()
    starts = [(index, line.strip()) for index, line in enumerate(lines) if line.strip() in BODY_2019_SECTIONS]
    bounds = starts + [(len(lines), None)]
    return {heading: "\n".join(lines[start:bounds[i + 1][0]]) for i, (start, heading) in enumerate(starts)}


@needs_sources
def test_every_body2019_whole_number_is_stated_in_its_section(figures):
    texts = section_texts()
    rows = figures[(figures["source"] == "body2019") & figures["unit"].isin(["count", "percent", "hours", "years"])]
    assert len(rows) >= 20
    absent = []
    for row in rows.itertuples():
        text = texts[row.locator.removeprefix("sec. ")].lower()
        number = int(row.value)
        spellings = [rf"(?<![\d.]){number}(?![\d])", rf"\b{NUMBER_WORDS.get(number, '@')}\b", r"\bsingle\b" if number == 1 else "@"]
        if not any(re.search(pattern, text) for pattern in spellings):
            absent.append(row.figure_id)
    assert absent == []


@needs_sources
def test_body2019_funding_figures_are_stated():
    text = config.SOURCE_BODY_2019.read_text(encoding="utf-8")
    assert "£4billion reduction in funding" in text
    assert "over a third of local authorities" in text
    assert "more than half of the Commissioners" in text


HEADER = ",".join(COLUMNS)


def write_figures(folder: Path, source: str, *rows: str) -> Path:
    path = folder / f"{source}.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


GOOD_2019 = "commissioners,body2019,commissioners interviewed,15,count,sec. Methodology,note"
GOOD_2020 = "tracked,body2020,charities tracked,231,count,p. 127,"


def test_small_valid_files_load(tmp_path):
    write_figures(tmp_path, "body2019", GOOD_2019)
    write_figures(tmp_path, "body2020", GOOD_2020)
    frame = load_source_figures(tmp_path)
    assert frame["figure_id"].tolist() == ["commissioners", "tracked"]
    assert frame["value"].tolist() == [15.0, 231.0]


@pytest.mark.parametrize(
    ("source", "row", "problem"),
    [
        ("body2019", "commissioners,body2019,commissioners,fifteen,count,sec. Methodology,", "value 'fifteen' is not a number"),
        ("body2019", "commissioners,body2019,commissioners,15,people,sec. Methodology,", "unit 'people'"),
        ("body2019", "commissioners,body2019,commissioners,15,count,sec. Results,", "'Results' is not a heading"),
        ("body2019", "commissioners,body2019,commissioners,15,count,p. 3,", "not of the form 'sec."),
        ("body2020", "tracked,body2020,charities,231,count,p. 200,", "page 200 is outside body2020"),
        ("body2020", "tracked,body2020,charities,231,count,pp. 127-128,", "not of the form 'p. N' or 'pp. N–M'"),
        ("body2020", "tracked,body2019,charities,231,count,p. 127,", "match the file name 'body2020'"),
        ("body2020", "Tracked Charities,body2020,charities,231,count,p. 127,", "not kebab-case"),
        ("body2020", "tracked,body2020,,231,count,p. 127,", "field 'quantity' is empty"),
        ("body2020", "tracked,body2020,charities,231,count", "has 5 fields, expected 7"),
    ],
)
def test_bad_rows_raise_naming_file_and_line(tmp_path, source, row, problem):
    good = GOOD_2019 if source == "body2019" else GOOD_2020
    write_figures(tmp_path, source, good.replace(good.split(",")[0], "first-row", 1), row)
    with pytest.raises(SourceFigureError) as raised:
        load_source_figures(tmp_path)
    message = str(raised.value)
    assert re.match(rf"(.*/)?{source}\.csv(, |: )line 3\b", message), message
    assert problem in message


def test_duplicate_ids_across_files_are_rejected(tmp_path):
    write_figures(tmp_path, "body2019", GOOD_2019)
    write_figures(tmp_path, "body2020", GOOD_2020.replace("tracked", "commissioners", 1))
    with pytest.raises(SourceFigureError, match=r"body2020\.csv, line 2: .*duplicates body2019\.csv, line 2"):
        load_source_figures(tmp_path)


def test_wrong_header_is_rejected(tmp_path):
    (tmp_path / "body2019.csv").write_text("id,value\nx,1\n", encoding="utf-8")
    with pytest.raises(SourceFigureError, match=r"body2019\.csv, line 1: header must be"):
        load_source_figures(tmp_path)
