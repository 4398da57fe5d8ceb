"""Checks of the Body (2020) coding and stated figures against the chapter text.

The shared loader validates the schema of ``data/themes/body2020.yaml`` and
``data/raw/source_figures/body2020.csv``; these tests check the *content*:
every quotation is copied exactly from the page it is located on, every
speaker role is the one the chapter attaches to that quotation, and every
stated figure appears in the chapter's words on its page with a value that
matches those words. The source text is copyrighted and lives outside the
repository, so the tests are skipped when it is absent.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis import config

CODING = config.THEMES / "body2020.yaml"
FIGURES = config.SOURCE_FIGURES / "body2020.csv"
FIRST_PAGE, LAST_PAGE = 109, 143

PAGE_MARKER = re.compile(r"\(p\.(\d+)\)")
LOCATOR = re.compile(r"^(?:p\. (?P<page>\d+)|pp\. (?P<first>\d+)–(?P<last>\d+))$")
#: Attributions the chapter prints after an interview extract, e.g. "(CEO, small children’s charity)".
ATTRIBUTION = re.compile(
    r"\(((?:CEO|Commissioner|Business Manager|Service Lead|Early Intervention Worker)[^()]*)\)"
)
#: Number words the chapter uses, with their values: an independent reading of the text.
NUMBER_WORDS = {
    "none": 0,
    "three": 3,
    "five": 5,
    "one quarter": 0.25,
    "one fifth": 0.2,
    "half": 0.5,
    "four out of five": 0.8,
    "£1 million": 1_000_000,
}

def pages_of(text: str) -> dict[int, str]:
    """Split the chapter text at its "(p.NNN)" markers into {page: text on that page}."""
    pieces = PAGE_MARKER.split(text)
    return {int(number): body for number, body in zip(pieces[1::2], pieces[2::2])}


def page_range(locator: str) -> range:
    """Pages a "p. N" or "pp. N–M" locator covers."""
    match = LOCATOR.match(locator)
    assert match, f"bad locator {locator!r}"
    if match["page"]:
        return range(int(match["page"]), int(match["page"]) + 1)
    return range(int(match["first"]), int(match["last"]) + 1)


def test_pages_of_splits_at_markers():
    assert pages_of("intro (p.1) one (p.2) two") == {1: " one ", 2: " two"}


def test_page_range_reads_single_pages_and_ranges():
    assert list(page_range("p. 128")) == [128]
    assert list(page_range("pp. 125–127")) == [125, 126, 127]


@pytest.fixture(scope="module")
def source_text() -> str:
    if not config.SOURCE_BODY_2020.exists():
        pytest.skip(f"source text not available at {config.SOURCE_BODY_2020} (set CCC_SOURCES)")
    return config.SOURCE_BODY_2020.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pages(source_text: str) -> dict[int, str]:
    return pages_of(source_text)


@pytest.fixture(scope="module")
def themes() -> list[dict]:
    return yaml.safe_load(CODING.read_text(encoding="utf-8"))["themes"]


@pytest.fixture(scope="module")
def figures() -> pd.DataFrame:
    return pd.read_csv(FIGURES)


def evidence(themes: list[dict]) -> list[tuple[str, dict]]:
    return [(theme["id"], item) for theme in themes for item in theme["evidence"]]


def test_every_theme_has_evidence_and_ids_are_unique(themes):
    ids = [theme["id"] for theme in themes]
    assert len(ids) == len(set(ids))
    assert all(theme["evidence"] for theme in themes), "every Body (2020) theme carries a quotation"


def test_quotations_are_short(themes):
    too_long = [(tid, len(item["quote"].split())) for tid, item in evidence(themes) if len(item["quote"].split()) > 40]
    assert not too_long


def test_every_locator_is_within_the_chapter(themes, figures):
    locators = [item["locator"] for _, item in evidence(themes)]
    locators += [citation["locator"] for theme in themes for citation in theme["citations"] if citation["key"] == "body2020"]
    locators += list(figures["locator"])
    outside = [loc for loc in locators if not all(FIRST_PAGE <= page <= LAST_PAGE for page in page_range(loc))]
    assert not outside


def test_every_quotation_is_on_its_located_page(themes, pages):
    missing = []
    for theme_id, item in evidence(themes):
        text = "".join(pages[page] for page in page_range(item["locator"]))
        if item["quote"] not in text:
            missing.append((theme_id, item["locator"], item["quote"][:40]))
    assert not missing, f"quotations not found on their pages: {missing}"


def test_quotation_page_lies_within_its_theme_citation(themes):
    outside = []
    for theme in themes:
        cited = {page for citation in theme["citations"] for page in page_range(citation["locator"])}
        outside += [(theme["id"], item["locator"]) for item in theme["evidence"] if not set(page_range(item["locator"])) <= cited]
    assert not outside


def test_speaker_is_the_attribution_that_follows_the_quotation(themes, source_text):
    wrong = []
    for theme_id, item in evidence(themes):
        if item["speaker"] == "Author":
            continue
        end = source_text.index(item["quote"]) + len(item["quote"])
        attribution = ATTRIBUTION.search(source_text, end)
        if attribution is None or attribution.group(1) != item["speaker"]:
            wrong.append((theme_id, item["speaker"], attribution and attribution.group(1)))
    assert not wrong


def test_author_quotations_are_not_interview_extracts(themes, source_text):
    """The author's prose is never followed directly by a speaker attribution."""
    misattributed = []
    for theme_id, item in evidence(themes):
        if item["speaker"] != "Author":
            continue
        end = source_text.index(item["quote"]) + len(item["quote"])
        if ATTRIBUTION.match(source_text[end:].lstrip(" ’.\n")):
            misattributed.append(theme_id)
    assert not misattributed


def stated_wording(note: str) -> str:
    match = re.match(r"stated: “(?P<words>[^”]+)”;", note)
    assert match, f"note does not start with 'stated: “...”;': {note!r}"
    return match["words"]


def value_matches_wording(value: float, wording: str) -> bool:
    """Whether ``value`` is what ``wording`` says, read independently of the CSV."""
    digits = {f"{value:g}", f"{value:,.0f}"}
    if any(re.search(rf"(?<![\d,.]){re.escape(d)}(?![\d,])", wording) for d in digits):
        return True
    return any(words in wording and number == value for words, number in NUMBER_WORDS.items())


def test_value_matches_wording_reads_digits_and_words():
    assert value_matches_wording(231, "231 children’s charities")
    assert value_matches_wording(100000, "under £100,000 turnover")
    assert value_matches_wording(0.2, "just one fifth")
    assert value_matches_wording(1_000_000, "under £1 million turnover")
    assert not value_matches_wording(0.25, "just one fifth")
    assert not value_matches_wording(13, "87% in the form of grant funding")


def test_figure_ids_are_unique_and_source_is_body2020(figures):
    assert figures["figure_id"].is_unique
    assert set(figures["source"]) == {"body2020"}


def test_every_figure_value_matches_its_stated_wording(figures):
    mismatched = [
        row.figure_id for row in figures.itertuples() if not value_matches_wording(row.value, stated_wording(row.note))
    ]
    assert not mismatched


def test_every_figure_wording_is_on_its_located_page(figures, pages):
    missing = [
        (row.figure_id, row.locator)
        for row in figures.itertuples()
        if stated_wording(row.note) not in "".join(pages[page] for page in page_range(row.locator))
    ]
    assert not missing, f"stated wording not found on its page: {missing}"


def test_orientation_proportions_are_on_their_pages(figures, pages):
    orientation = figures.set_index("figure_id").loc[
        ["orientation-procurement-share", "orientation-service-provision-share"]
    ]
    assert "just one fifth of how the commissioners defined it" in pages[115]
    assert "just over half of the commissioners frame their role in terms of service provision" in pages[116]
    assert list(orientation["value"]) == [0.2, 0.5]


def test_table_5_1_is_not_re_entered(figures):
    """Table 5.1 has its own raw file; its cell percentages must not reappear here."""
    table_cells = {5.1, 35.9, 56.4, 18.7, 46.5, 67.9, 55.6, 33.8, 31.2}
    assert not table_cells & set(figures["value"])


def test_partnership_counts_are_consistent(figures):
    value = figures.set_index("figure_id")["value"]
    assert value["charities-in-partnership"] <= value["charities-partnered-past-three-years"] <= value["charities-interviewed"]
    assert value["support-grant-and-infrastructure"] + value["support-infrastructure-only"] == 100


def test_related_ids_exist_in_the_body2019_coding(themes):
    other = config.THEMES / "body2019.yaml"
    if not other.exists():
        pytest.skip(f"{other} not written yet")
    known = {theme["id"] for theme in yaml.safe_load(other.read_text(encoding="utf-8"))["themes"]}
    dangling = [(theme["id"], rid) for theme in themes for rid in theme["related"] if rid not in known]
    assert not dangling


def test_no_link_targets_a_body2020_theme_heading():
    """Body (2020) themes are woven into the argument without headings of their own, so no chapter
    and no rendering of the other source's themes may point at an ``@sec-b20-...`` heading."""
    from analysis.themes import load_themes, render_themes, select_themes

    in_chapters = [path.name for path in [*config.CHAPTERS.glob("*.qmd"), *config.CHAPTER_SOURCES.glob("*.qmd")] if "@sec-b20-" in path.read_text(encoding="utf-8")]
    assert not in_chapters
    assert "@sec-b20-" not in render_themes(select_themes(load_themes(), source="body2019"))


# Shared interview material ------------------------------------------------------------------------


def comparable(text: str) -> str:
    """Text as the two sources can be compared: straight quotes, one ellipsis form, no editorial
    [insertions], single spaces, no closing punctuation."""
    text = text.replace("’", "'").replace("‘", "'").replace("…", "...")
    text = re.sub(r"\s*\.{3,}\s*", " ... ", text)
    text = re.sub(r"\s*\[[^\]]*\]", "", text)
    return " ".join(text.split()).rstrip(".!?,; ")


def test_comparable_drops_insertions_and_normalises_quotes():
    assert comparable("extension of [the] public sector workforce") == "extension of public sector workforce"
    assert comparable("You don’t get sued that way.") == "You don't get sued that way"
    assert comparable("by the book … You") == comparable("by the book.... You")


def sections_of_2019(text: str) -> dict[str, str]:
    """Split the Body (2019) manuscript into its sections, at the heading lines in document order."""
    from analysis.themes import BODY_2019_SECTIONS

    sections: dict[str, list[str]] = {}
    pending = list(BODY_2019_SECTIONS)
    current = None
    for line in text.splitlines():
        if pending and line.strip() == pending[0]:
            current = pending.pop(0)
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    assert not pending, f"headings not found in the manuscript: {pending}"
    return {heading: "\n".join(lines) for heading, lines in sections.items()}


@pytest.fixture(scope="module")
def source_2019() -> str:
    if not config.SOURCE_BODY_2019.exists():
        pytest.skip(f"source text not available at {config.SOURCE_BODY_2019} (set CCC_SOURCES)")
    return config.SOURCE_BODY_2019.read_text(encoding="utf-8")


def test_shared_quotations_appear_in_both_sources_in_the_stated_section(themes, source_text, source_2019):
    sections = {heading: comparable(body) for heading, body in sections_of_2019(source_2019).items()}
    shared = [(theme_id, item) for theme_id, item in evidence(themes) if "also_in" in item]
    assert len(shared) >= 3, "at least three commissioner quotations are printed in both works"
    wrong = []
    for theme_id, item in shared:
        heading = item["also_in"].removeprefix("sec. ")
        if item["quote"] not in source_text or comparable(item["quote"]) not in sections.get(heading, ""):
            wrong.append((theme_id, item["quote"][:40], item["also_in"]))
    assert not wrong, f"shared quotations not found in both sources where stated: {wrong}"


def test_every_quotation_printed_in_both_sources_is_marked_shared(themes, source_2019):
    """Completeness: a quotation of four words or more that Body (2019) also prints carries ``also_in``."""
    other = comparable(source_2019)
    unmarked = [
        (theme_id, item["quote"][:40])
        for theme_id, item in evidence(themes)
        if len(item["quote"].split()) >= 4 and comparable(item["quote"]) in other and "also_in" not in item
    ]
    assert not unmarked, f"quotations printed in both works but not marked also_in: {unmarked}"


# Coverage (copying is checked over all of the project's prose in tests/test_fidelity.py) ---------

#: Parts of the chapter the coding must cover (issue 11), with the pages a theme must cite.
COVERAGE = {
    "b20-central-argument": (109, 110),
    "b20-rescuing-children": (112, 112),
    "b20-hopes-and-reservations": (113, 114),
    "b20-not-a-true-voice": (123, 123),
    "b20-form-filling": (126, 126),
    "b20-private-providers": (140, 141),
    "b20-not-about-size": (141, 142),
    "b20-mission-drift": (142, 142),
    # issue 19: the business manager on assumed expertise, the community budgets, the refuge ethos
    "b20-assumed-expertise": (122, 122),
    "b20-rules-of-the-game": (130, 130),
    "b20-shared-history-partnerships": (136, 136),
}


def test_coverage_themes_cite_the_pages_they_cover(themes):
    cited = {
        theme["id"]: {page for citation in theme["citations"] if citation["key"] == "body2020" for page in page_range(citation["locator"])}
        for theme in themes
    }
    missing = [(theme_id, first, last) for theme_id, (first, last) in COVERAGE.items() if not {first, last} <= cited.get(theme_id, set())]
    assert not missing
