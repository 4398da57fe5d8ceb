"""The post-render accessibility step (analysis.accessibility).

Small hand-written pages check each correction alone, and that nothing else in
the document changes; the pages of a real Quarto 1.10 render
(``../shared/render/html``, present beside a CI clone, made with this book's
post-render step) check that what readers get has none of the defects axe-core
reported, and that a second run changes nothing.
"""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from analysis import accessibility, config
from analysis.accessibility import accessible_html
from analysis.notebooks import listed_files

CALLOUT = (
    '<div class="callout-header d-flex collapsed" data-bs-toggle="collapse" data-bs-target=".callout-2-contents" '
    'aria-controls="callout-2" aria-expanded="false" aria-label="Toggle callout">'
    '<span class="screen-reader-only">Tip</span>Solution</div>'
)
PAGINATION = (
    '<a href="../chapters/a.html" class="pagination-link" aria-label="Rebuilding Table 5.1">'
    '<span class="chapter-number">2</span>&nbsp; <span class="chapter-title">Rebuilding Table 5.1</span></a>'
)
SECTION_TOGGLE = '<a class="sidebar-item-toggle" data-bs-toggle="collapse" role="navigation" aria-expanded="true">'


class _Tree(HTMLParser):
    """The document as a list of events: start tags with attributes, end tags, text, comments."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.events.append(("start", tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        self.events.append(("end", tag))

    def handle_data(self, data):
        self.events.append(("text", data))

    def handle_comment(self, data):
        self.events.append(("comment", data))

    def handle_decl(self, decl):
        self.events.append(("decl", decl))


def _start_tags(page: str) -> list[tuple[str, dict]]:
    return [(event[1], event[2]) for event in _Tree(page).events if event[0] == "start"]


def _problems(page: str) -> dict[str, int]:
    """Count, in one page, every defect axe-core reported on Quarto's templates."""
    tags = _start_tags(page)
    # The title block's copy of the breadcrumbs (class d-none d-lg-block) shows only on wide
    # screens, where Quarto's CSS hides the secondary bar that holds the other copy; a
    # reader never meets both, so it is left out of the uniqueness count.
    navs = [
        attrs
        for tag, attrs in tags
        if (tag == "nav" or attrs.get("role") in ("navigation", "doc-toc")) and "d-none" not in attrs.get("class", "")
    ]
    names = [attrs.get("aria-label") or attrs.get("aria-labelledby") for attrs in navs]
    return {
        "aria-expanded without role": sum(
            1 for tag, attrs in tags if tag == "div" and "aria-expanded" in attrs and "role" not in attrs
        ),
        "pagination aria-label": sum(
            1 for tag, attrs in tags if "pagination-link" in attrs.get("class", "").split() and "aria-label" in attrs
        ),
        "toggle with role navigation": sum(
            1 for tag, attrs in tags if tag != "nav" and attrs.get("role") == "navigation"
        ),
        "unnamed navigation landmark": sum(1 for name in names if not name),
        "duplicate landmark name": len(names) - len(set(names)) if all(names) else 0,
        "misspelt aria attribute": sum(1 for _, attrs in tags if "aria-labelelledby" in attrs),
    }


# --- each correction on a small page -------------------------------------------------


def test_callout_header_becomes_a_button_named_by_its_title():
    fixed = _start_tags(accessible_html(CALLOUT))[0][1]
    assert fixed["role"] == "button" and fixed["tabindex"] == "0"
    assert fixed["aria-expanded"] == "false", "the state must stay"
    assert "aria-label" not in fixed, "'Toggle callout' would hide the visible title"


def test_pagination_link_is_named_by_its_visible_text():
    fixed = _start_tags(accessible_html(PAGINATION))[0][1]
    assert "aria-label" not in fixed
    assert fixed["href"] == "../chapters/a.html"


def test_section_toggle_is_a_button_not_a_landmark():
    assert _start_tags(accessible_html(SECTION_TOGGLE))[0][1]["role"] == "button"


@pytest.mark.parametrize(
    ("nav", "name"),
    [
        ('<nav id="quarto-sidebar" class="sidebar">', ("aria-label", "Chapters")),
        ('<nav class="quarto-secondary-nav">', ("aria-label", "Breadcrumbs and sidebar toggle")),
        ('<nav class="page-navigation">', ("aria-label", "Previous and next chapter")),
        ('<nav id="TOC" role="doc-toc"><h2 id="toc-title">Contents</h2>', ("aria-labelledby", "toc-title")),
    ],
)
def test_every_navigation_landmark_gets_a_name(nav, name):
    key, value = name
    assert _start_tags(accessible_html(nav))[0][1][key] == value


def test_named_landmarks_and_other_tags_are_left_alone():
    page = '<nav class="quarto-page-breadcrumbs" aria-label="breadcrumb"><a href="x.html" aria-label="X">X</a></nav>'
    assert accessible_html(page) == page


def test_misspelt_labelledby_is_corrected():
    page = '<ul class="dropdown-menu" aria-labelelledby="quarto-code-tools-menu"></ul>'
    assert accessible_html(page) == '<ul class="dropdown-menu" aria-labelledby="quarto-code-tools-menu"></ul>'


def test_only_the_corrected_tag_changes_byte_for_byte():
    before = "<!DOCTYPE html>\n<p class='x'>a &amp; b<br/>\r\n<img src=a.png alt=\"&quot;A&quot;\"></p>" + PAGINATION + "\n<!-- kept -->\n"
    after = accessible_html(before)
    assert after == before.replace(' aria-label="Rebuilding Table 5.1"', "")


def test_main_rewrites_the_site_named_by_quarto(tmp_path, monkeypatch, capsys):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "site_libs").mkdir()
    (tmp_path / "chapters" / "a.html").write_text(PAGINATION, encoding="utf-8")
    (tmp_path / "site_libs" / "lib.html").write_text(PAGINATION, encoding="utf-8")
    monkeypatch.setenv("QUARTO_PROJECT_OUTPUT_DIR", str(tmp_path))
    assert accessibility.main([]) == 0
    assert "aria-label" not in (tmp_path / "chapters" / "a.html").read_text(encoding="utf-8")
    assert (tmp_path / "site_libs" / "lib.html").read_text(encoding="utf-8") == PAGINATION
    assert "corrected 1 of 1 html pages" in capsys.readouterr().out


def test_main_names_a_missing_site_folder(tmp_path, capsys):
    missing = tmp_path / "_book"
    assert accessibility.main([str(missing)]) == 2
    assert capsys.readouterr().err.strip() == f"accessibility: {missing}: rendered site folder not found"


# --- the pages of a real render ------------------------------------------------------
#
# The render in ../shared/render/html was made by `quarto render` with this book's
# `post-render` step (_quarto.yml), so it is what readers get: every page must be free of
# every defect axe-core reported on Quarto's templates (the small pages above show that
# each one is there before the step), and the step must change nothing more on it.

RENDERED = sorted([config.RENDERED_HTML / "index.html", *config.RENDERED_HTML.glob("chapters/*.html")])
needs_render = pytest.mark.skipif(
    not (config.RENDERED_HTML / "index.html").exists(),
    reason=f"the pages of a real Quarto render are not in {config.RENDERED_HTML}",
)


def _listed_pages() -> list[str]:
    """The html page of every file the book lists in ``_quarto.yml``, as the render names them."""
    book = yaml.safe_load(config.QUARTO_CONFIG.read_text(encoding="utf-8"))["book"]
    listed = listed_files(book["chapters"]) + listed_files(book.get("appendices") or [])
    return sorted(str(Path(name).with_suffix(".html")) for name in listed)


@needs_render
def test_the_render_holds_every_page_of_the_book():
    rendered = sorted(str(path.relative_to(config.RENDERED_HTML)) for path in RENDERED)
    assert rendered == _listed_pages()


@needs_render
@pytest.mark.parametrize("path", RENDERED, ids=lambda p: p.name)
def test_real_page_shows_no_defect_and_the_step_changes_nothing_more(path):
    page = path.read_text(encoding="utf-8")
    assert _problems(page) == {key: 0 for key in _problems(page)}
    assert accessible_html(page) == page, "the step must change nothing on a page it has corrected"


@needs_render
def test_site_step_on_a_copy_of_the_render_changes_nothing(tmp_path):
    site = tmp_path / "_book"
    shutil.copytree(config.RENDERED_HTML, site)
    assert accessibility.correct_site(site) == (0, len(RENDERED))
