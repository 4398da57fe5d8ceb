"""Bad input and faults: every case stops the build before it writes anything.

Each case breaks one input in a scratch copy of ``data/`` and ``references.bib``
(the repository itself is never touched), then runs ``build`` and ``verify``
on the copy, as ``python -m analysis build`` and ``verify`` do, and checks:

- both raise a :class:`~analysis.errors.CompendiumError` with the same one-line
  message, which starts with the broken file's path and names the row, line
  or field where there is one;
- the raw inputs (``data/raw``, ``data/themes``, ``references.bib``) are
  byte-for-byte unchanged, in the copy and in the repository;
- the copy's ``data/derived`` is unchanged: the old complete set, and no
  partial output or temporary file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from analysis import config
from analysis.build import build
from analysis.errors import CompendiumError
from analysis.inputs import InputPaths
from analysis.verify import verify

TABLE = "data/raw/table5_1_published.csv"
PACKAGE = "data/raw/datapackage.json"
FIGURES_2020 = "data/raw/source_figures/body2020.csv"
FIGURES_2019 = "data/raw/source_figures/body2019.csv"
THEMES_2020 = "data/themes/body2020.yaml"
THEMES_2019 = "data/themes/body2019.yaml"
BIBLIOGRAPHY = "references.bib"

# --- ways to break a file ---------------------------------------------------------------


def write(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def edit_lines(edit: Callable[[list[str]], None]) -> Callable[[Path], None]:
    def mutate(path: Path) -> None:
        lines = path.read_text(encoding="utf-8").splitlines()
        edit(lines)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    return mutate


def set_line(number: int, text: str) -> Callable[[Path], None]:
    def edit(lines: list[str]) -> None:
        lines[number] = text

    return edit_lines(edit)


def append_to_line(number: int, text: str) -> Callable[[Path], None]:
    def edit(lines: list[str]) -> None:
        lines[number] += text

    return edit_lines(edit)


def edit_csv(edit: Callable[[list[list[str]]], None]) -> Callable[[Path], None]:
    def mutate(path: Path) -> None:
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        edit(rows)
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        path.write_text(buffer.getvalue(), encoding="utf-8")

    return mutate


def set_cell(row: int, column: str, value: str) -> Callable[[Path], None]:
    def edit(rows: list[list[str]]) -> None:
        rows[row][rows[0].index(column)] = value

    return edit_csv(edit)


def edit_json(edit: Callable[[dict], None]) -> Callable[[Path], None]:
    def mutate(path: Path) -> None:
        package = json.loads(path.read_text(encoding="utf-8"))
        edit(package)
        path.write_text(json.dumps(package, indent=2), encoding="utf-8")

    return mutate


def field(package: dict, name: str) -> dict:
    return next(item for item in package["resources"][0]["schema"]["fields"] if item["name"] == name)


def edit_yaml(edit: Callable[[dict], None]) -> Callable[[Path], None]:
    def mutate(path: Path) -> None:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        edit(document)
        path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")

    return mutate


def first_theme(change: Callable[[dict], None]) -> Callable[[Path], None]:
    return edit_yaml(lambda document: change(document["themes"][0]))


def first_citation_locator(value: str) -> Callable[[dict], None]:
    def change(theme: dict) -> None:
        theme["citations"][0]["locator"] = value

    return change


def append_text(text: str) -> Callable[[Path], None]:
    return lambda path: path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def copy_first_figure_into_2020(path: Path) -> None:
    """Give body2020.csv a figure_id already used in body2019.csv."""
    taken = next(csv.reader(io.StringIO(path.with_name("body2019.csv").read_text(encoding="utf-8").splitlines()[1])))[0]
    set_cell(1, "figure_id", taken)(path)


@dataclass(frozen=True)
class Fault:
    id: str
    file: str
    mutate: Callable[[Path], None]
    fragments: tuple[str, ...]


BINARY = bytes(range(0x80, 0x100)) + b"\x00\x01PK\x03\x04"
SHARE = "Of overall sample"

FAULTS = [
    # the published table: reading
    Fault("table-empty", TABLE, write(b""), ("file is empty",)),
    Fault("table-whitespace-only", TABLE, write(b"  \n\t\n   \n"), ("file is empty",)),
    Fault("table-binary-garbage", TABLE, write(BINARY), ("line 1: not UTF-8 text", "byte 0x80 at offset 0")),
    Fault("table-nul-byte", TABLE, write(b"row,Increased\nMicro,\x005.1\n"), ("line 2: contains a NUL byte",)),
    Fault("table-extra-field", TABLE, append_to_line(3, ",9.9"), ("line 4 (row 'Medium'): has 7 fields, expected 6",)),
    Fault("table-extra-field-first-row", TABLE, append_to_line(1, ",9.9"), ("line 2 (row 'Micro'): has 7 fields, expected 6",)),
    Fault("table-missing-field", TABLE, set_line(5, "Major,55.6,38.9,5.6,0.0"), ("line 6 (row 'Major'): has 5 fields, expected 6",)),
    Fault(
        "table-spaces-around-header",
        TABLE,
        set_line(0, f"row, Increased ,Decreased,Ceased,Merged,{SHARE}"),
        ("line 1, column 2: column name ' Increased ' has spaces around it",),
    ),
    Fault("table-duplicate-header", TABLE, set_line(0, f"row,Increased,Increased,Ceased,Merged,{SHARE}"), ("line 1, column 3", "appears twice")),
    Fault("table-unknown-column", TABLE, set_line(0, f"row,Increased,Decreased,Closed,Merged,{SHARE}"), ("missing column 'Ceased'",)),
    # the published table: figures
    Fault("table-not-a-number", TABLE, set_cell(1, "Ceased", "abc"), ("row 'Micro', field 'Ceased': 'abc' is not a number",)),
    Fault("table-negative", TABLE, set_cell(2, "Merged", "-5.3"), ("row 'Small', field 'Merged'", "is negative")),
    Fault("table-over-100", TABLE, set_cell(3, "Increased", "146.5"), ("row 'Medium', field 'Increased'", "exceeds 100")),
    Fault("table-missing-figure", TABLE, set_cell(4, "Decreased", ""), ("row 'Large', field 'Decreased': missing figure",)),
    Fault("table-two-decimals", TABLE, set_cell(5, "Ceased", "5.60"), ("row 'Major', field 'Ceased'", "2 decimals")),
    Fault("table-unknown-band", TABLE, set_cell(1, "row", "Mini"), ("row 'Mini': unknown size band",)),
    Fault("table-duplicated-row", TABLE, set_cell(2, "row", "Micro"), ("row 'Micro': duplicated row",)),
    Fault("table-row-sum", TABLE, set_cell(1, "Merged", "2.9"), ("row 'Micro': percentages sum to 100.3%",)),
    Fault("table-corner-total", TABLE, set_cell(6, SHARE, "99.0"), (f"row '{SHARE}', field '{SHARE}'", "expected 100%")),
    # the published table: figures each plausible, jointly impossible (found by the search)
    Fault(
        "table-column-total-conflict",
        TABLE,
        edit_csv(lambda rows: (rows[6].__setitem__(3, "31.1"), rows[6].__setitem__(4, "4.0"))),
        ("column Ceased: printed 31.1% but feasible row solutions give column totals in {72}",),
    ),
    Fault(
        "table-row-share-conflict",
        TABLE,
        edit_csv(lambda rows: (rows[1].__setitem__(5, "17.0"), rows[2].__setitem__(5, "32.4"))),
        ("row Micro: no row total n in 1..231 gives n/231 that rounds to 17.0%",),
    ),
    Fault(
        "table-cell-conflict",
        TABLE,
        edit_csv(lambda rows: (rows[1].__setitem__(1, "5.2"), rows[1].__setitem__(2, "35.8"))),
        ("row Micro, column Increased: no count k/n with n in {39} rounds to 5.2%",),
    ),
    # the data package
    Fault("package-truncated-json", PACKAGE, lambda path: path.write_text(path.read_text()[:200]), ("not valid JSON", "line ")),
    Fault("package-empty", PACKAGE, write(b""), ("line 1, column 1: not valid JSON (Expecting value)",)),
    Fault("package-binary-garbage", PACKAGE, write(BINARY), ("not UTF-8 text (byte at offset 0)",)),
    Fault("package-no-resources", PACKAGE, edit_json(lambda package: package.pop("resources")), ("field 'resources'",)),
    Fault("package-field-type", PACKAGE, edit_json(lambda package: field(package, "Ceased").update(type="numbr")), ('field type "numbr" is not supported',)),
    Fault(
        "package-missing-data-file",
        PACKAGE,
        edit_json(lambda package: package["resources"][0].update(path="missing.csv")),
        ("resource 'table5_1_published'", "missing.csv", "scheme-error"),
    ),
    Fault("package-unsafe-path", PACKAGE, edit_json(lambda package: package["resources"][0].update(path="/etc/passwd")), ('"/etc/passwd" is not safe',)),
    Fault(
        "package-maximum-breaks-a-row",
        PACKAGE,
        edit_json(lambda package: field(package, "Ceased")["constraints"].update(maximum=50)),
        ("resource 'table5_1_published' (table5_1_published.csv), row 2, field 'Ceased'", 'constraint "maximum" is "50"'),
    ),
    Fault(
        "package-enum-breaks-a-row",
        PACKAGE,
        edit_json(lambda package: field(package, "row")["constraints"]["enum"].remove("Major")),
        ("row 6, field 'row'", 'constraint "enum"'),
    ),
    Fault("package-renamed-field", PACKAGE, edit_json(lambda package: field(package, "Merged").update(name="Merge")), ('Label "Merged"', "incorrect-label")),
    # the stated figures
    Fault("figures-empty", FIGURES_2020, write(b""), ("file is empty",)),
    Fault("figures-binary-garbage", FIGURES_2019, write(BINARY), ("line 1: not UTF-8 text",)),
    Fault("figures-extra-field", FIGURES_2020, append_to_line(2, ",extra"), ("line 3", "has 8 fields, expected 7")),
    Fault("figures-wrong-header", FIGURES_2019, set_line(0, "id,source,quantity,value,unit,locator,note"), (", line 1: header must be",)),
    Fault("figures-spaces-around-header", FIGURES_2020, set_line(0, "figure_id,source ,quantity,value,unit,locator,note"), ("line 1, column 2: column name 'source '",)),
    Fault("figures-value-not-a-number", FIGURES_2019, set_cell(1, "value", "fifteen"), (", line 2: value 'fifteen' is not a number",)),
    Fault("figures-unknown-unit", FIGURES_2020, set_cell(1, "unit", "decades"), (", line 2: unit 'decades' is not one of",)),
    Fault("figures-page-outside-chapter", FIGURES_2020, set_cell(1, "locator", "p. 150"), (", line 2: locator: page 150 is outside body2020",)),
    Fault("figures-duplicate-id", FIGURES_2020, copy_first_figure_into_2020, (", line 2: figure_id", "duplicates body2019.csv, line 2")),
    # the thematic coding
    Fault("themes-invalid-yaml", THEMES_2020, append_text("\n  - id: [unclosed\n"), ("not valid YAML",)),
    Fault("themes-binary-garbage", THEMES_2019, write(BINARY), ("not UTF-8 text",)),
    Fault("themes-empty", THEMES_2019, write(b""), ("needs top-level fields 'source' and 'themes'",)),
    Fault("themes-page-outside-chapter", THEMES_2020, first_theme(first_citation_locator("p. 150")), (": theme b20-", "page 150 is outside body2020")),
    Fault("themes-unknown-section", THEMES_2019, first_theme(lambda theme: theme.update(section="nowhere")), (": theme b19-", "unknown section 'nowhere'")),
    Fault(
        "themes-unknown-citation-key",
        THEMES_2020,
        first_theme(lambda theme: theme["citations"][0].update(key="nobody1999")),
        (": theme b20-", "'nobody1999' is not in references.bib"),
    ),
    # the bibliography
    Fault("bibliography-unclosed-entry", BIBLIOGRAPHY, append_text("\n@article{broken2024,\n  title = {unclosed\n"), ("line ", "broken2024")),
    Fault("bibliography-duplicate-key", BIBLIOGRAPHY, append_text("\n@misc{body2020,\n  title = {again},\n}\n"), ("line ", "Duplicate entry key 'body2020'")),
    Fault("bibliography-binary-garbage", BIBLIOGRAPHY, write(BINARY), ("not UTF-8 text",)),
]


def snapshot(*paths: Path) -> dict[str, str]:
    """SHA-256 of every file (hidden ones included) under the given files and folders."""
    files = [path for root in paths for path in ([root] if root.is_file() else sorted(root.rglob("*"))) if path.is_file()]
    return {str(path): hashlib.sha256(path.read_bytes()).hexdigest() for path in files}


def repository_raw() -> dict[str, str]:
    return snapshot(config.RAW, config.THEMES, config.REFERENCES_BIB)


@pytest.fixture
def scratch(tmp_path):
    """A copy of the inputs and of the committed outputs (the old complete set)."""
    root = tmp_path / "repo"
    shutil.copytree(config.DATA, root / "data", ignore=shutil.ignore_patterns(".*"))
    shutil.copy2(config.REFERENCES_BIB, root / BIBLIOGRAPHY)
    return root


def assert_stops_cleanly(root: Path, broken: str, fragments: tuple[str, ...], run=build) -> str:
    """Run ``build`` and ``verify`` on ``root``; check the message, raw data and outputs."""
    inputs = InputPaths(root)
    raw_files = (root / "data" / "raw", root / "data" / "themes", root / BIBLIOGRAPHY)
    raw_before, derived_before, repository_before = snapshot(*raw_files), snapshot(root / "data" / "derived"), repository_raw()
    messages = []
    for command in (lambda: run(root / "data" / "derived", inputs), lambda: verify(root / "data" / "derived", inputs)):
        with pytest.raises(CompendiumError) as caught:
            command()
        messages.append(str(caught.value))
    build_message, verify_message = messages
    assert build_message == verify_message, "build and verify must give the loader's error"
    assert "\n" not in build_message
    assert build_message.startswith(f"{root / broken}"), build_message
    for fragment in fragments:
        assert fragment in build_message, build_message
    assert snapshot(*raw_files) == raw_before, "raw data changed"
    assert repository_raw() == repository_before, "the repository's raw data changed"
    assert snapshot(root / "data" / "derived") == derived_before, "partial output or temporary file left"
    return build_message


@pytest.mark.parametrize("fault", FAULTS, ids=[fault.id for fault in FAULTS])
def test_fault_stops_build_and_verify_before_any_write(scratch, fault):
    fault.mutate(scratch / fault.file)
    assert_stops_cleanly(scratch, fault.file, fault.fragments)


def test_there_are_at_least_40_fault_cases():
    assert len(FAULTS) >= 40 and len({fault.id for fault in FAULTS}) == len(FAULTS)


def test_unbroken_scratch_copy_builds(scratch):
    """The control: the untouched copy builds, so each fault above is what stops it."""
    result = build(scratch / "data" / "derived", InputPaths(scratch))
    assert result.outputs == json.loads((config.MANIFEST).read_text())["outputs"]


def test_read_only_output_folder_names_the_target_not_the_temporary_file(scratch, monkeypatch):
    """As root a chmod cannot make a folder unwritable, so the refusal is injected where the OS gives it."""

    def refused(*args, dir=None, prefix="", suffix=""):
        raise PermissionError(13, "Permission denied", str(Path(dir) / f"{prefix}x1y2z3{suffix}"))

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    inputs = InputPaths(scratch)
    before, raw_before = snapshot(scratch / "data" / "derived"), snapshot(scratch / "data" / "raw")
    with pytest.raises(CompendiumError) as caught:
        build(scratch / "data" / "derived", inputs)
    message = str(caught.value)
    assert message == f"{scratch}/data/derived/table5_1_counts.csv: cannot write (Permission denied)"
    assert ".tmp" not in message
    assert snapshot(scratch / "data" / "derived") == before and snapshot(scratch / "data" / "raw") == raw_before


def test_unwritable_output_folder_for_real(scratch):
    """Without root, a real read-only folder; as root, a folder path taken by a file fails for real."""
    derived = scratch / "data" / "derived"
    if os.geteuid() != 0:
        derived.chmod(0o555)
        target, problem = derived / "table5_1_counts.csv", "Permission denied"
    else:
        derived = scratch / "data" / "occupied"
        derived.write_text("a file where the output folder should be\n")
        target, problem = derived, "File exists"
    before = snapshot(scratch / "data")
    try:
        with pytest.raises(CompendiumError) as caught:
            build(derived, InputPaths(scratch))
    finally:
        if derived.is_dir():
            derived.chmod(0o755)
    assert str(caught.value) == f"{target}: cannot write ({problem})"
    assert snapshot(scratch / "data") == before


def test_a_write_failing_midway_leaves_the_old_set(scratch, monkeypatch):
    """The disk fills while the third file is staged: nothing is switched, no temporary file stays."""
    real_fdopen = os.fdopen
    opened = []

    def failing_fdopen(handle, mode):
        opened.append(handle)
        if len(opened) == 3:
            os.close(handle)
            raise OSError(28, "No space left on device")
        return real_fdopen(handle, mode)

    monkeypatch.setattr("analysis.io.os.fdopen", failing_fdopen)
    before = snapshot(scratch / "data" / "derived")
    with pytest.raises(CompendiumError, match=r"data/derived/statistics\.csv: cannot write \(No space left on device\)$"):
        build(scratch / "data" / "derived", InputPaths(scratch))
    assert snapshot(scratch / "data" / "derived") == before
