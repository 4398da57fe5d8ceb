"""references.bib parses cleanly, has the fields each entry type needs, and the two sources are exact."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import bibtexparser
import pytest

from analysis import config
from analysis.themes import load_themes

sys.path.insert(0, str(Path(__file__).parent))
import qmd  # noqa: E402

REQUIRED = {
    "article": [("author",), ("title",), ("journal",), ("year",)],
    "book": [("author", "editor"), ("title",), ("publisher",), ("year",)],
    "incollection": [("author",), ("title",), ("booktitle",), ("publisher",), ("year",)],
    "misc": [("author", "institution"), ("title",), ("year",)],
    "report": [("author", "institution"), ("title",), ("year",)],
    "techreport": [("author", "institution"), ("title",), ("year",)],
}
DOI = re.compile(r"^10\.\d{4,9}/\S+$")

#: Metadata of the two sources, typed from their own headers: the Policy Press
#: Scholarship Online page of Body (2020) and the Kent Academic Repository cover
#: sheet of Body (2019). The author's given name is cut to its initial, the one
#: form of her name every entry's source supports (Body and Kendall included).
SOURCE_METADATA = {
    "body2020": {
        "ENTRYTYPE": "incollection",
        "author": "Body, A.",
        "title": "Commissioning Children's Services: Challenges, Contestation and Crisis",
        "booktitle": "Children's Charities in Crisis: Early Intervention and the State",
        "chapter": "5",
        "pages": "109--143",
        "publisher": "Policy Press",
        "year": "2020",
        "isbn": "9781447346432",
        "doi": "10.1332/policypress/9781447346432.003.0006",
    },
    "body2019": {
        "ENTRYTYPE": "article",
        "author": "Body, A.",
        "title": "The Commissioners Perspective: The Lived Realities of Commissioning Children's Preventative "
        "Services in {England} and the Role of Discretion",
        "journal": "Voluntary Sector Review",
        "volume": "10",
        "number": "3",
        "pages": "253--271",
        "year": "2019",
        "issn": "2040-8056",
        "doi": "10.1332/204080519X15718896711502",
    },
}


@pytest.fixture(scope="module")
def library():
    return bibtexparser.parse_file(str(config.REFERENCES_BIB))


def test_the_file_parses_without_failed_blocks(library):
    assert [type(block).__name__ for block in library.failed_blocks] == []


def test_no_duplicate_keys_in_the_raw_text():
    keys = re.findall(r"^@\w+\{([^,\s]+),", config.REFERENCES_BIB.read_text(encoding="utf-8"), re.M)
    assert len(keys) == len(set(keys)) > 2


@pytest.mark.parametrize("entry_type", sorted(REQUIRED))
def test_required_fields_per_entry_type(library, entry_type):
    for entry in library.entries:
        if entry.entry_type.lower() != entry_type:
            continue
        fields = entry.fields_dict
        missing = [" or ".join(options) for options in REQUIRED[entry_type] if not any(fields.get(o) for o in options)]
        assert missing == [], entry.key


def test_every_entry_type_is_one_we_check(library):
    assert {entry.entry_type.lower() for entry in library.entries} <= set(REQUIRED)


def test_dois_look_like_dois(library):
    bad = [(entry.key, entry.fields_dict["doi"].value) for entry in library.entries if "doi" in entry.fields_dict]
    assert [pair for pair in bad if not DOI.match(pair[1])] == []


@pytest.mark.parametrize("key", sorted(SOURCE_METADATA))
def test_source_entries_have_the_exact_metadata(library, key):
    entry = next(entry for entry in library.entries if entry.key == key)
    actual = {"ENTRYTYPE": entry.entry_type.lower()} | {name: field.value for name, field in entry.fields_dict.items()}
    assert actual == SOURCE_METADATA[key]


@pytest.mark.skipif(not config.SOURCES.is_dir(), reason=f"source texts folder {config.SOURCES} is absent")
@pytest.mark.parametrize(("key", "path"), [("body2020", config.SOURCE_BODY_2020), ("body2019", config.SOURCE_BODY_2019)])
def test_source_dois_appear_in_the_source_texts(key, path):
    assert SOURCE_METADATA[key]["doi"] in path.read_text(encoding="utf-8")


def test_every_key_cited_by_the_coding_and_my_chapters_exists(library):
    keys = {entry.key for entry in library.entries}
    cited = {citation.key for theme in load_themes() for citation in theme.citations}
    cited |= {key for theme in load_themes() for key in qmd.citation_keys(theme.summary)}
    for name in ("discretion.qmd", "synthesis.qmd"):
        cited |= qmd.parse(config.CHAPTER_SOURCES / name).citations()
    assert cited - keys == set()


def author_forms(entries) -> dict[str, set[str]]:
    """Family name -> the ways the bibliography writes that author's given names."""
    forms: dict[str, set[str]] = {}
    for entry in entries:
        if "author" not in entry.fields_dict:
            continue
        for name in entry.fields_dict["author"].value.split(" and "):
            family, comma, given = (part.strip() for part in name.partition(","))
            if comma:
                forms.setdefault(family, set()).add(given)
    return forms


def test_each_author_is_written_one_way(library):
    # Issue 19: "Body, Alison" in two entries and "Body, A." in a third made citeproc see two authors.
    assert {family: given for family, given in author_forms(library.entries).items() if len(given) > 1} == {}
    assert author_forms(library.entries)["Body"] == {"A."}


def test_two_forms_of_one_author_are_caught():
    entries = bibtexparser.parse_string(
        "@book{a, author = {Body, Alison}, title = {X}, publisher = {P}, year = {2020}}\n"
        "@book{b, author = {Body, A. and Kendall, J.}, title = {Y}, publisher = {P}, year = {2019}}\n"
    ).entries
    assert author_forms(entries)["Body"] == {"Alison", "A."}
