"""Static checks of the Quarto book: configuration, files, labels, citations, apparatus.

Quarto is not installed on the build machines, so these tests check what a
render would trip over: a listed file that does not exist, an empty part, a
cross-reference without a label, a citation without a bibliography entry, a
table or figure without its caption, a figure without alt text.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import bibtexparser
import pytest

import qmd
from analysis import config
from book import appendix_files, book_numbered_labels, chapter_files, numbered_labels, page_markdown, parts, quarto_config

CHAPTERS = chapter_files()
TEACHING_PARTS = ("The numbers", "The voices")


def _id(path):
    return path.name


def test_config_is_a_book_with_both_formats():
    cfg = quarto_config()
    assert cfg["project"]["type"] == "book"
    assert (config.ROOT / "index.qmd").exists(), "index.qmd must sit beside _quarto.yml"
    assert CHAPTERS[0] == config.ROOT / "index.qmd"
    assert cfg["book"]["author"], "Quarto's Typst book template fails without book.author"
    assert set(cfg["format"]) == {"html", "typst"}
    assert cfg["format"]["typst"]["citeproc"] is True
    assert cfg["bibliography"] == "references.bib"


def test_website_apparatus():
    cfg = quarto_config()
    html = cfg["format"]["html"]
    assert html["code-fold"] is True and html["code-tools"] is True
    assert set(html["theme"]) == {"light", "dark"}
    book = cfg["book"]
    assert book["search"] is True
    assert "pdf" in book["downloads"]
    assert book["repo-url"].startswith("https://")
    assert "MIT" in book["page-footer"]["left"] and "CC BY 4.0" in book["page-footer"]["left"]


def test_every_listed_file_exists_and_parts_are_not_empty():
    missing = [str(path.relative_to(config.ROOT)) for path in CHAPTERS if not path.exists()]
    assert not missing, f"listed in _quarto.yml but missing: {missing}"
    assert list(parts()) == ["Context", "The numbers", "The voices", "Synthesis"]
    assert all(parts().values()), "every part needs at least one chapter"
    assert [path.stem for path in appendix_files()] == ["data-provenance", "reproducibility", "glossary", "teaching", "references"]


@pytest.mark.parametrize("path", CHAPTERS, ids=_id)
def test_cross_references_name_a_label_quarto_numbers(path):
    """Every ``@sec-``/``@tbl-``/``@fig-`` reference, in the prose or in Markdown a cell shows, resolves.

    Quarto resolves a reference only to a numbered heading or a captioned table
    or figure; any other target prints ``?@sec-…`` in both formats.
    """
    unresolved = set(qmd.CROSSREF.findall(page_markdown(path))) - book_numbered_labels()
    assert not unresolved, f"{path.name}: cross-references to no label Quarto numbers: {sorted(unresolved)}"


def test_the_cross_reference_check_sees_unnumbered_targets(tmp_path):
    page = tmp_path / "page.qmd"
    page.write_text(
        "# Chapter {#sec-chapter}\n\n## Numbered {#sec-numbered}\n\n#### Run-in {#sec-run-in .unnumbered .unlisted}\n\n"
        "```{python}\n#| label: tbl-captioned\n#| tbl-cap: A table.\nx\n```\n\n```{python}\n#| label: tbl-bare\nx\n```\n",
        encoding="utf-8",
    )
    assert numbered_labels(page) == {"sec-chapter", "sec-numbered", "tbl-captioned"}
    page.write_text("# Preface {.unnumbered}\n\n## Part {#sec-part}\n", encoding="utf-8")
    assert numbered_labels(page) == set(), "headings of an unnumbered chapter are unnumbered"


def _bibliography_keys() -> set[str]:
    library = bibtexparser.parse_file(str(config.REFERENCES_BIB))
    return {entry.key for entry in library.entries}


@pytest.mark.parametrize("path", CHAPTERS, ids=_id)
def test_citations_resolve(path):
    unknown = qmd.parse(path).citations() - _bibliography_keys()
    assert not unknown, f"{path.name}: citation keys missing from references.bib: {sorted(unknown)}"


@pytest.mark.parametrize("path", CHAPTERS, ids=_id)
def test_no_citation_in_brackets_inside_parentheses(path):
    """A bracketed citation inside a parenthesis prints nested brackets, "(commentary, (Body 2020, 128))"."""
    nested = qmd.parenthesised_citations(page_markdown(path))
    assert not nested, f"{path.name}: citations in brackets inside parentheses: {nested}"


#: A straight quotation mark or apostrophe, where pandoc's smart quotes would print a curly one.
_STRAIGHT_QUOTE = re.compile(r"['\"]")
#: The text of a figure: matplotlib's SVG keeps each drawn string in a comment beside its glyphs.
_SVG_TEXT = re.compile(r"<!-- (.*?) -->")


def straight_quotes_outside_pandoc(cfg: dict, notebooks: list) -> list[str]:
    """Text that reaches the page without pandoc's smart quotes and has a straight quote or apostrophe.

    That is the book's title, subtitle and author (the Typst template prints
    the author as a plain string: the 2026-12-04 title page mixed "Children’s"
    and "Children's") and every string drawn in a figure.
    """
    found = [f"_quarto.yml book.{field}: {cfg['book'][field]}" for field in ("title", "subtitle", "author") if _STRAIGHT_QUOTE.search(cfg["book"].get(field, ""))]
    for notebook in notebooks:
        for cell in notebook.cells:
            for output in cell.get("outputs", []):
                svg = output.get("data", {}).get("image/svg+xml", "")
                found += [f"a figure: {text}" for text in _SVG_TEXT.findall(svg) if _STRAIGHT_QUOTE.search(text)]
    return found


def test_one_apostrophe_style_on_the_title_page_and_in_figures():
    import nbformat

    from analysis.notebooks import book_notebook_sources, notebook_path

    notebooks = [nbformat.read(notebook_path(source), as_version=4) for source in book_notebook_sources()]
    assert straight_quotes_outside_pandoc(quarto_config(), notebooks) == []
    straight = {"book": {"title": "Children's", "author": "Children’s"}}
    assert straight_quotes_outside_pandoc(straight, []) == ["_quarto.yml book.title: Children's"]


@pytest.mark.parametrize("path", CHAPTERS, ids=_id)
def test_tables_and_figures_have_captions_and_alt_text(path):
    for block in qmd.parse(path).blocks:
        label = block.label or ""
        if label.startswith("tbl-"):
            assert block.options.get("tbl-cap"), f"{path.name}: {label} has no tbl-cap"
        if label.startswith("fig-"):
            assert block.options.get("fig-cap"), f"{path.name}: {label} has no fig-cap"
            assert block.options.get("fig-alt"), f"{path.name}: {label} has no fig-alt"
        if block.kind == "cell" and ("tbl-cap" in block.options or "fig-cap" in block.options):
            assert label, f"{path.name}: captioned cell at line {block.line} has no label"


def test_cross_reference_labels_are_unique_across_the_book():
    seen: dict[str, str] = {}
    for path in CHAPTERS:
        for label in (label for label in qmd.parse(path).labels() if qmd.CROSSREF.fullmatch("@" + label)):
            assert label not in seen, f"label {label} defined in {seen[label]} and {path.name}"
            seen[label] = path.name


@pytest.mark.parametrize("path", [p for ps in parts().values() for p in ps], ids=_id)
def test_chapters_open_with_learning_objectives(path):
    text = path.read_text(encoding="utf-8")
    match = re.search(r"## Learning objectives\n(?P<body>(?:.*\n)*?):::", text)
    assert match, f"{path.name}: no 'Learning objectives' callout"
    bullets = [line for line in match.group("body").splitlines() if line.lstrip().startswith(("-", "*"))]
    assert 2 <= len(bullets) <= 4, f"{path.name}: {len(bullets)} learning objectives"


@pytest.mark.parametrize("path", [p for name in TEACHING_PARTS for p in parts()[name]], ids=_id)
def test_teaching_chapters_end_with_exercises_and_folded_solutions(path):
    text = path.read_text(encoding="utf-8")
    assert re.search(r"^## Exercises", text, re.MULTILINE), f"{path.name}: no Exercises section"
    exercises = text[text.index("## Exercises"):]
    solutions = re.findall(r'::: \{\.callout-tip collapse="true"\}', exercises)
    assert solutions, f"{path.name}: exercises have no collapsible solutions"


#: Numbers that are not statistics: section and table numbers, page numbers, years, bands.
_NOT_A_STATISTIC = re.compile(
    r"Table \d+\.\d+|ch(?:apter|\.) \d+|pp?\. ?\d+(?:[–-]\d+)?|\b(?:19|20)\d\d(?:/\d\d)?\b|£[\d,.]+\s?(?:million|m|k)?|\d+\.\d+ (?:or later|and later)|Quarto \d+(?:\.\d+)*|Python \d+(?:\.\d+)*|CC BY \d\.\d|\b95% (?:confidence |exact |profile |Clopper–Pearson )?(?:interval|CI|upper bound|bounds?)"
)
_INLINE = re.compile(r"`\{python\}[^`]*`|`[^`]*`|\[[^\]]*@[^\]]*\]|\{#[^}]*\}|<[^>]*>|\]\([^)]*\)")


@pytest.mark.parametrize("path", CHAPTERS, ids=_id)
def test_prose_has_no_hand_typed_statistics(path):
    """Decimals and percentages in prose must come from inline code, not the keyboard."""
    prose = _NOT_A_STATISTIC.sub(" ", _INLINE.sub(" ", qmd.parse(path).markdown))
    typed = re.findall(r"(?<![\w.])\d+(?:\.\d+)?\s?%|(?<![\w.])\d+\.\d+(?![\w.])", prose)
    assert not typed, f"{path.name}: hand-typed statistics in prose: {typed}"


def test_readme_and_ci_use_the_same_test_command():
    readme = (config.ROOT / "README.md").read_text(encoding="utf-8")
    ci = (config.ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = "python3 -m uv run --locked pytest"
    assert command in readme and command in ci


def test_citation_cff_is_in_step_with_the_preface():
    cff = (config.ROOT / "CITATION.cff").read_text(encoding="utf-8")
    preface = (config.ROOT / "index.qmd").read_text(encoding="utf-8")
    version = re.search(r"^version: (.+)$", cff, re.MULTILINE).group(1)
    title = re.search(r'^title: "(.+)"$', cff, re.MULTILINE).group(1)
    assert f"version {version}" in preface
    assert title in " ".join(preface.replace("*", "").replace("> ", "").split())


@pytest.mark.skipif(shutil.which("quarto") is None, reason="Quarto is not installed on this machine; render tests need it")
def test_quarto_renders_the_book(tmp_path):
    completed = subprocess.run(["quarto", "render", "--output-dir", str(tmp_path)], cwd=config.ROOT, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert (tmp_path / "index.html").exists()
