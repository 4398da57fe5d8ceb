"""The thematic coding: coverage, citations, verbatim quotations, own-words summaries, errors, rendering."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from analysis import config
from analysis.themes import (
    BODY_2019_SECTIONS,
    SECTIONS,
    Theme,
    ThemeError,
    bibliography_keys,
    check_locator,
    check_quote,
    discretion_placements,
    load_themes,
    render_themes,
    select_themes,
)

SOURCE_FILES = {"body2020": config.SOURCE_BODY_2020, "body2019": config.SOURCE_BODY_2019}
needs_sources = pytest.mark.skipif(
    not config.SOURCES.is_dir(), reason=f"source texts folder {config.SOURCES} is absent (copyrighted, not in the repo)"
)
#: Page-start markers such as "(p.118)" that the source text inserts mid-sentence.
PAGE_MARKER = re.compile(r"\(p\.\d+\)\s*")


@pytest.fixture(scope="module")
def themes() -> tuple[Theme, ...]:
    return load_themes()


def coded_sources() -> list:
    return [
        pytest.param(
            source,
            marks=pytest.mark.skipif(
                not (config.THEMES / f"{source}.yaml").exists(), reason=f"{source}.yaml not written yet"
            ),
        )
        for source in SECTIONS
    ]


def normalise_whitespace(text: str) -> str:
    return " ".join(PAGE_MARKER.sub("", text).split())


# Coverage, citations and links ------------------------------------------------------------


@pytest.mark.parametrize("source", coded_sources())
def test_every_coverage_section_has_a_theme(themes, source):
    used = {theme.section for theme in select_themes(themes, source=source)}
    assert set(SECTIONS[source]) - used == set()


def test_every_theme_has_a_resolving_citation_with_a_valid_locator(themes):
    keys = bibliography_keys()
    for theme in themes:
        assert theme.citations, theme.id
        for citation in theme.citations:
            assert citation.key in keys, (theme.id, citation.key)
            assert check_locator(citation.key, citation.locator) is None, (theme.id, citation.locator)
        assert any(citation.key == theme.source for citation in theme.citations), theme.id


def test_every_related_link_resolves_to_the_other_source(themes):
    by_id = {theme.id: theme for theme in themes}
    for theme in themes:
        for related in theme.related:
            assert related in by_id, (theme.id, related)
            assert by_id[related].source != theme.source


@pytest.mark.skipif(not (config.THEMES / "body2020.yaml").exists(), reason="body2020.yaml not written yet")
def test_process_vs_relational_links_across_sources(themes):
    linked = select_themes(themes, ids=["b19-process-vs-relational"])[0].related
    assert "b20-process-vs-relational" in linked


def test_ids_are_unique_and_prefixed(themes):
    ids = [theme.id for theme in themes]
    assert len(ids) == len(set(ids))
    assert all(theme.id.startswith({"body2020": "b20-", "body2019": "b19-"}[theme.source]) for theme in themes)


# Faithfulness to the sources ------------------------------------------------------------


@needs_sources
def test_every_quotation_appears_verbatim_in_its_source(themes):
    texts = {source: normalise_whitespace(path.read_text(encoding="utf-8")) for source, path in SOURCE_FILES.items()}
    missing = [
        (theme.id, evidence.quote)
        for theme in themes
        for evidence in theme.evidence
        if normalise_whitespace(evidence.quote) not in texts[theme.source]
    ]
    assert missing == []


@needs_sources
def test_body2019_section_list_matches_the_headings_of_the_source():
    lines = {line.strip() for line in config.SOURCE_BODY_2019.read_text(encoding="utf-8").splitlines()}
    assert [heading for heading in BODY_2019_SECTIONS if heading not in lines] == []


@needs_sources
def test_typology_placements_match_the_discussion_headings_of_body2019(themes):
    # The source heads each approach "i) Low Horizontal Discretion/ Low Vertical Discretion".
    text = config.SOURCE_BODY_2019.read_text(encoding="utf-8")
    stated = re.findall(r"^(i{1,3})\) (Low|High) Horizontal Discretion/ (Low|High) Vertical Discretion", text, re.M)
    assert len(stated) == 3
    placed = discretion_placements(themes)
    assert sorted(zip(placed["horizontal"], placed["vertical"])) == sorted(
        (horizontal.lower(), vertical.lower()) for _, horizontal, vertical in stated
    )
    numerals = [title.split(":")[0].removeprefix("Approach ") for title in placed["title"]]
    assert sorted(numerals) == sorted(numeral for numeral, _, _ in stated)


# Locator and quotation rules -------------------------------------------------------------


@given(st.integers(0, 300), st.integers(0, 300))
def test_body2020_page_ranges_are_valid_exactly_inside_the_chapter(first, last):
    valid = check_locator("body2020", f"pp. {first}–{last}") is None
    assert valid == (109 <= first <= last <= 143)


@pytest.mark.parametrize(
    "locator", ["p.120", "page 120", "pp. 120-125", "pp. 120–", "sec. Findings", "p. 108", "p. 144", ""]
)
def test_malformed_or_out_of_range_body2020_locators_are_rejected(locator):
    assert check_locator("body2020", locator) is not None


@pytest.mark.parametrize("heading", BODY_2019_SECTIONS)
def test_every_body2019_heading_is_a_valid_locator(heading):
    assert check_locator("body2019", f"sec. {heading}") is None


@pytest.mark.parametrize(
    ("quote", "ok"),
    [
        ("a moral duty to do the right thing", True),
        (" ".join(["word"] * 40), True),
        (" ".join(["word"] * 41), False),
        ("We followed the process. You don't get sued that way", False),
        ("Is it fair? Probably not", False),
        ("tick boxes to draw down money.", True),
    ],
)
def test_quote_limits(quote, ok):
    assert (check_quote(quote) is None) == ok


# Errors name the file, the theme and the problem ------------------------------------------


def minimal_theme(**changes) -> dict:
    theme = {
        "id": "b19-example",
        "title": "Example",
        "section": "method",
        "summary": "In my own words.",
        "evidence": [{"quote": "a short quotation", "speaker": "Commissioner", "locator": "sec. Methodology"}],
        "citations": [{"key": "body2019", "locator": "sec. Methodology"}],
        "related": [],
    }
    theme.update(changes)
    return theme


def write_coding(folder: Path, source: str, themes: list[dict]) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / f"{source}.yaml"
    path.write_text(yaml.safe_dump({"source": source, "themes": themes}, allow_unicode=True), encoding="utf-8")
    return path


def test_a_minimal_valid_file_loads(tmp_path):
    write_coding(tmp_path, "body2019", [minimal_theme()])
    (theme,) = load_themes(tmp_path)
    assert (theme.id, theme.section, theme.citations[0].locator) == ("b19-example", "method", "sec. Methodology")


def without(field: str) -> dict:
    theme = minimal_theme()
    del theme[field]
    return theme


@pytest.mark.parametrize(
    ("source", "theme", "problem"),
    [
        ("body2019", without("summary"), "missing required field 'summary'"),
        ("body2019", without("section"), "missing required field 'section'"),
        ("body2019", minimal_theme(section="size-matters"), "unknown section 'size-matters'"),
        ("body2019", minimal_theme(citations=[]), "missing required field 'citations'"),
        ("body2019", minimal_theme(citations=[{"key": "nobody1999"}]), "'nobody1999' is not in references.bib"),
        ("body2019", minimal_theme(summary="See [@nobody1999, p. 2]."), "'nobody1999', which is not in references.bib"),
        (
            "body2019",
            minimal_theme(citations=[{"key": "body2019", "locator": "sec. Results"}]),
            "'Results' is not a heading of body2019",
        ),
        (
            "body2019",
            minimal_theme(evidence=[{"quote": "short", "speaker": "Commissioner", "locator": "p. 3"}]),
            "not of the form 'sec. <Section heading>'",
        ),
        (
            "body2020",
            minimal_theme(id="b20-example", section="size-matters", evidence=[], citations=[{"key": "body2020", "locator": "p. 150"}]),
            "page 150 is outside body2020",
        ),
        (
            "body2020",
            minimal_theme(id="b20-example", section="size-matters", evidence=[], citations=[{"key": "body2020", "locator": "page 128"}]),
            "not of the form 'p. N' or 'pp. N–M'",
        ),
        (
            "body2019",
            minimal_theme(evidence=[{"quote": " ".join(["word"] * 41), "speaker": "Author", "locator": "sec. Conclusion"}]),
            "41 words (limit 40)",
        ),
        (
            "body2019",
            minimal_theme(evidence=[{"quote": "One. Two.", "speaker": "Author", "locator": "sec. Conclusion"}]),
            "more than one sentence",
        ),
        ("body2019", minimal_theme(related=["b20-nowhere"]), "related id 'b20-nowhere' does not exist"),
        ("body2019", minimal_theme(id="B19 Example"), "kebab-case"),
    ],
)
def test_bad_coding_raises_theme_error_naming_file_and_theme(tmp_path, source, theme, problem):
    write_coding(tmp_path, source, [theme])
    with pytest.raises(ThemeError) as raised:
        load_themes(tmp_path)
    message = str(raised.value)
    assert f"{source}.yaml" in message
    assert str(theme.get("id", "#1")) in message
    assert problem in message
    assert "\n" not in message


def test_duplicate_id_within_a_file(tmp_path):
    write_coding(tmp_path, "body2019", [minimal_theme(), minimal_theme(title="Again")])
    with pytest.raises(ThemeError, match=r"body2019\.yaml: theme b19-example: duplicate id"):
        load_themes(tmp_path)


def test_related_id_in_the_same_source_is_rejected(tmp_path):
    write_coding(tmp_path, "body2019", [minimal_theme(related=["b19-other"]), minimal_theme(id="b19-other")])
    with pytest.raises(ThemeError, match=r"body2019\.yaml: theme b19-example: related id 'b19-other' is in the same source"):
        load_themes(tmp_path)


def test_related_id_in_the_other_source_is_accepted(tmp_path):
    write_coding(tmp_path, "body2019", [minimal_theme(related=["b20-example"])])
    other = minimal_theme(id="b20-example", section="size-matters", evidence=[], citations=[{"key": "body2020", "locator": "p. 128"}])
    write_coding(tmp_path, "body2020", [other])
    assert {theme.id for theme in load_themes(tmp_path)} == {"b19-example", "b20-example"}


def test_the_real_files_still_load_from_a_copy(tmp_path):
    shutil.copytree(config.THEMES, tmp_path / "themes")
    assert len(load_themes(tmp_path / "themes")) == len(load_themes())


# Selection and rendering -----------------------------------------------------------------


def test_select_by_ids_keeps_the_requested_order_and_rejects_unknown_ids(themes):
    order = ["b19-buffering", "b19-back-stage-engagement"]
    assert [theme.id for theme in select_themes(themes, ids=order)] == order
    with pytest.raises(ThemeError, match="b19-nothing"):
        select_themes(themes, source="body2019", ids=["b19-nothing"])
    with pytest.raises(ThemeError, match="b19-method"):
        select_themes(themes, source="body2020", ids=["b19-method"])


def test_render_gives_anchored_headings_pandoc_citations_and_quotations(themes):
    chosen = select_themes(themes, source="body2019")
    markdown = render_themes(chosen)
    assert len(re.findall(r"^### .+ \{#sec-b19-[a-z0-9-]+\}$", markdown, re.M)) == len(chosen)
    assert "[@body2019, sec. Findings" in markdown
    assert "[@body2019, sec. Methodology]" in markdown
    quotes = sum(len(theme.evidence) for theme in chosen)
    assert len(re.findall(r"^> “.+” — .+ \[@body2019, sec\. [^\]]+\]$", markdown, re.M)) == quotes
    # Body (2020) themes are woven into sections without headings: links go to those sections.
    assert "See also @sec-voices-" in markdown or not (config.THEMES / "body2020.yaml").exists()


def test_render_heading_level(themes):
    markdown = render_themes(select_themes(themes, ids=["b19-method"]), heading_level=2)
    assert markdown.startswith("## Method: ")


# Every theme is presented where cross-references send the reader ------------------------------

#: A level-2 heading of a chapter with its label.
SECTION_HEADING = re.compile(r"^## .*\{#(?P<label>sec-[\w-]+)[ }]", re.M)
#: A citation group naming one of the two works, e.g. ``[@body2020, pp. 117–118; @body2019, sec. Discussion]``.
CITATION_GROUP = re.compile(r"\[[^\[\]]*@body20(?:19|20)[^\[\]]*\]")
CITATION_PART = re.compile(r"-?@(?P<key>body20(?:19|20)),\s*(?P<locator>(?:pp?|sec)\. [^;\]]+)")


def chapter_sections() -> dict[str, str]:
    """The Markdown of every level-2 section of the chapters that present themes, by label."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    import qmd

    sections = {}
    for name in ("context", "voices", "discretion"):
        text = (config.CHAPTER_SOURCES / f"{name}.qmd").read_text(encoding="utf-8")
        heads = list(SECTION_HEADING.finditer(text))
        for head, following in zip(heads, [*heads[1:], None]):
            sections[head["label"]] = text[head.start() : following.start() if following else len(text)]
    return sections


def cited_locations(text: str) -> set[tuple[str, str]]:
    """Pages (Body 2020) and sections (Body 2019) a piece of Markdown cites."""
    found = set()
    for group in CITATION_GROUP.findall(text):
        for part in CITATION_PART.finditer(group):
            locator = part["locator"].strip()
            if part["key"] == "body2019":
                found.add(("body2019", locator))
            else:
                numbers = [int(n) for n in re.findall(r"\d+", locator)]
                found |= {("body2020", f"p. {page}") for page in range(numbers[0], numbers[-1] + 1)}
    return found


def presentation_gaps(themes, sections: dict[str, str]) -> list[tuple[str, str]]:
    """Themes whose presenting section neither renders their coverage group nor cites where they are."""
    from analysis.themes import PRESENTED_IN

    gaps = []
    for theme in themes:
        label = PRESENTED_IN[theme.source][theme.section]
        text = sections.get(label, "")
        rendered = f'render_argument(select_themes(themes, source="{theme.source}", section="{theme.section}"))' in text
        own = cited_locations(" ".join(c.pandoc() for c in theme.citations if c.key == theme.source))
        if not rendered and not own & cited_locations(text):
            gaps.append((theme.id, label))
    return gaps


def test_every_theme_is_presented_in_the_section_its_links_point_to(themes):
    from analysis.themes import PRESENTED_IN

    sections = chapter_sections()
    assert {label for groups in PRESENTED_IN.values() for label in groups.values()} <= set(sections)
    assert {(source, section) for source in SECTIONS for section in SECTIONS[source]} == {
        (source, section) for source, groups in PRESENTED_IN.items() for section in groups
    }
    assert presentation_gaps(themes, sections) == []


def test_a_theme_its_section_does_not_cite_is_caught(themes):
    theme = select_themes(themes, ids=["b20-time-cost-of-tendering"])[0]
    cited = chapter_sections() | {"sec-voices-procurement": "Nothing here cites pp. 131–132 [@body2020, p. 109]."}
    assert presentation_gaps([theme], cited) == [("b20-time-cost-of-tendering", "sec-voices-procurement")]
    assert cited_locations("[@body2020, pp. 131–132; @body2019, sec. Discussion]") == {
        ("body2020", "p. 131"), ("body2020", "p. 132"), ("body2019", "sec. Discussion")
    }
