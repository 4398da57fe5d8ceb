"""The render configuration that a real Quarto render depends on, checked without Quarto.

- ``.gitignore`` holds, verbatim, the lines ``quarto render`` appends when
  they are missing; otherwise a render of a clean clone modifies a tracked
  file and the reproducibility appendix reports the commit as ``-dirty``.
- The Typst format includes the book's rules: before the template
  (``chapters/_theme/book-pages.typ``) no blank pages, and at the start of
  the body (``chapters/_theme/book-rules.typ``) tables that break only where
  a reader can follow, unhyphenated ragged-right table cells, a layout for
  term lists, running heads of the book's own and cross-references to
  chapters without a stray full stop; its table of contents lists parts and
  chapters only. (``tests/test_pdf_tables.py`` and ``tests/test_pdf_book.py``
  lay pages out with them.)
- Every page with code is rendered from its executed notebook, except the two
  pages Quarto must execute itself, and nothing makes Quarto execute a notebook.
- The pre-render step refreshes the notebooks (``tests/test_notebooks.py``
  proves it end to end) and clears the frozen results of the pages Quarto
  executes when ``analysis/``, ``data/`` or ``uv.lock`` change (proved here
  on a copy of the project in ``tmp_path``).

Each check is also run against a deliberately broken copy, so it is known to fail.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

import reader
from analysis import cache, config
from book import quarto_config

#: What Quarto 1.10 appends to .gitignore when these exact lines are missing.
QUARTO_IGNORES = ("/.quarto/", "**/*.quarto_ipynb")
PRE_RENDER = config.ROOT / "chapters" / "_scripts" / "pre_render.py"


def missing_quarto_ignores(gitignore: str) -> list[str]:
    lines = {line.strip() for line in gitignore.splitlines()}
    return [line for line in QUARTO_IGNORES if line not in lines]


def _included(typst: dict, option: str, read) -> str:
    names = typst.get(option, [])
    return "\n".join(read(name) for name in ([names] if isinstance(names, str) else names))


def typst_problems(cfg: dict, read) -> list[str]:
    """What is missing from the typst format's settings; ``read`` reads a project file."""
    typst = cfg["format"]["typst"]
    problems = []
    if typst.get("toc-depth", 3) > 1:
        problems.append(f"toc-depth {typst.get('toc-depth', 3)}: the table of contents runs to several pages")
    if "#show pagebreak:" not in _included(typst, "include-in-header", read):
        problems.append("no page rule before the template: every part and chapter begins on an odd page, after a blank one")
    rules = _included(typst, "include-before-body", read)
    if not reader.BREAKABLE_TABLES.search(rules) or "#set table.cell(breakable: false)" not in rules:
        problems.append("no rules for breaking tables: long tables are overprinted at the page foot, short ones split")
    if "#show table: set text(hyphenate: false)" not in rules or "#show table: set par(justify: false)" not in rules:
        problems.append("table cells are justified and hyphenated")
    if "#show terms:" not in rules:
        problems.append("no layout for term lists: the template prints each term over its description")
    if "#set page(header:" not in rules:
        problems.append("no running heads of the book's own: the references are headed by the last appendix's letter")
    if "#show ref:" not in rules or 'numbering(if in-appendix { "A.1" } else { "1.1" }' not in rules:
        problems.append("no rule numbering cross-references to chapters without a full stop")
    return problems


def test_gitignore_has_the_lines_quarto_appends(tmp_path):
    assert missing_quarto_ignores((config.ROOT / ".gitignore").read_text(encoding="utf-8")) == []
    assert missing_quarto_ignores(".quarto/\n_book/\n") == list(QUARTO_IGNORES)


def test_git_commit_is_clean_when_only_ignored_files_change(tmp_path):
    from analysis.reproducibility import git_commit

    if git_commit() is None:
        pytest.skip("not a git checkout")
    (config.ROOT / ".quarto").mkdir(exist_ok=True)
    probes = [config.ROOT / ".quarto" / "probe.json", config.ROOT / "chapters" / "probe.quarto_ipynb"]
    for probe in probes:
        probe.write_text("{}", encoding="utf-8")
    try:
        status = subprocess.run(["git", "status", "--porcelain", "--", *map(str, probes)], cwd=config.ROOT, capture_output=True, text=True)
        assert status.stdout == "", f"render by-products are not ignored: {status.stdout}"
        assert git_commit() is None or not git_commit().endswith("-dirty") or _tracked_changes()
    finally:
        for probe in probes:
            probe.unlink()


def _tracked_changes() -> bool:
    return bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=config.ROOT, capture_output=True, text=True).stdout)


def test_typst_settings_for_long_tables_cross_references_and_contents():
    read = lambda name: (config.ROOT / name).read_text(encoding="utf-8")  # noqa: E731
    assert typst_problems(quarto_config(), read) == []


def test_typst_settings_check_fails_without_the_rules():
    broken = {"format": {"typst": {"toc": True, "include-before-body": "rules.typ"}}}
    problems = typst_problems(broken, lambda name: "#show figure: set block(breakable: false)")
    assert len(problems) == 7


#: The pages Quarto executes itself: the preface (``index.qmd`` must be a ``.qmd`` beside
#: ``_quarto.yml``) and the appendix that reports the render (commit, date, Quarto).
EXECUTED_BY_QUARTO = ("index.qmd", "chapters/reproducibility.qmd")


#: Quarto takes a notebook with a file of the same name and one of these extensions beside it for
#: that file's by-product and leaves it out of the project's inputs (quarto-cli
#: ``src/execute/jupyter/jupyter.ts``, ``intermediateFiles``; ``kQmdExtensions`` and the
#: percent-script extensions): the chapter would be missing from the book.
INTERMEDIATE_OF = (".qmd", ".py", ".jl", ".r")


def execution_problems(cfg: dict, listed: list[str], read, exists) -> list[str]:
    """Why a render would execute more than it must, or miss a chapter (an empty list if neither).

    ``listed`` are the book's files as ``_quarto.yml`` lists them; ``read``
    reads a project file and ``exists`` tells whether one exists. Every page
    with code is rendered from its executed notebook, except
    :data:`EXECUTED_BY_QUARTO`; no notebook has its source missing or a
    namesake that would make Quarto drop it; and nothing turns on Quarto's
    execution of notebooks.
    """
    import qmd
    from analysis.notebooks import chapter_source

    problems = []
    for name in listed:
        if name.endswith(".ipynb"):
            namesakes = [name[: -len(".ipynb")] + extension for extension in INTERMEDIATE_OF]
            problems += [f"{name} would be dropped from the book as a by-product of {other}" for other in namesakes if exists(other)]
        source = chapter_source(name)
        try:
            document = qmd.parse_text(read(source))
        except FileNotFoundError:
            problems.append(f"{name}: its source {source} is missing")
            continue
        if name.endswith(".qmd") and any(block.kind == "cell" for block in document.blocks) and name not in EXECUTED_BY_QUARTO:
            problems.append(f"{name} has code but is not listed as its notebook: Quarto executes it once per format")
        if document.front_matter.get("execute", {}).get("enabled") is True:
            problems.append(f"{source} sets execute: enabled: true, so Quarto would execute its notebook again")
    settings = [cfg.get("execute", {})] + [options.get("execute", {}) for options in cfg.get("format", {}).values() if isinstance(options, dict)]
    if any(execute.get("enabled") is True for execute in settings):
        problems.append("execute: enabled: true makes Quarto execute every notebook, once per format")
    return problems


def test_each_page_with_code_is_executed_once_not_once_per_format():
    from book import book_files

    read = lambda name: (config.ROOT / name).read_text(encoding="utf-8")  # noqa: E731
    exists = lambda name: (config.ROOT / name).exists()  # noqa: E731
    listed = [path.relative_to(config.ROOT).as_posix() for path in book_files()]
    assert execution_problems(quarto_config(), listed, read, exists) == []
    assert all(exists(name) for name in listed), "a listed notebook is missing"
    broken_listing = [name.replace("association.ipynb", "_sources/association.qmd") for name in listed] + ["chapters/gone.ipynb"]
    broken_config = {**quarto_config(), "execute": {"enabled": True}}
    assert len(execution_problems(broken_config, broken_listing, read, exists)) == 3
    beside_its_source = lambda name: exists(name) or name == "chapters/voices.qmd"  # noqa: E731
    assert execution_problems(quarto_config(), listed, read, beside_its_source) == [
        "chapters/voices.ipynb would be dropped from the book as a by-product of chapters/voices.qmd"
    ]


def test_the_pre_render_step_refreshes_notebooks():
    cfg = quarto_config()
    assert cfg["execute"]["freeze"] == "auto"
    assert cfg["project"]["pre-render"] == "chapters/_scripts/pre_render.py" and PRE_RENDER.exists()
    assert "daemon" not in cfg["execute"], "a project render turns execute: daemon off (quarto-cli render/project.ts)"


def test_the_appendix_that_reports_the_build_is_never_frozen():
    """Its git commit and date describe the render itself, whatever the inputs' fingerprint."""
    import qmd

    document = qmd.parse(config.CHAPTERS / "reproducibility.qmd")
    assert document.front_matter["execute"]["freeze"] is False


def _project_copy(tmp_path):
    """The analysis package and a small data folder, as in a clone."""
    shutil.copytree(config.ROOT / "analysis", tmp_path / "analysis", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(config.RAW, tmp_path / "data" / "raw")
    (tmp_path / "uv.lock").write_text("version = 1\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("changed", ["analysis/formatting.py", "data/raw/table5_1_published.csv", "uv.lock"])
def test_a_change_to_any_input_clears_every_frozen_page(tmp_path, changed):
    root = _project_copy(tmp_path)
    assert cache.guard_freeze(root) == "invalidated"
    frozen = [root / "_freeze" / name / "execute-results" / "typ.json" for name in ("index", "chapters/reproducibility")]
    for file in frozen:  # what Quarto stores after executing each page
        file.parent.mkdir(parents=True)
        file.write_text("{}", encoding="utf-8")
    assert cache.guard_freeze(root) == "reused"
    assert all(file.exists() for file in frozen), "unchanged inputs must keep the frozen results"
    with (root / changed).open("a", encoding="utf-8") as handle:
        handle.write("\n")
    assert cache.guard_freeze(root) == "invalidated"
    assert not (root / "_freeze").exists(), f"a change to {changed} left frozen results behind"


calls = []


def _counted(value):
    calls.append(value)
    return value * 2


def test_cached_results_are_reused_only_while_the_inputs_are_unchanged(tmp_path):
    root = _project_copy(tmp_path)
    assert cache.cached(_counted, 21, root=root) == 42
    assert cache.cached(_counted, 21, root=root) == 42
    assert calls == [21], "the second call with the same inputs must load the stored result"
    (root / "data" / "raw" / "table5_1_published.csv").write_text("changed\n", encoding="utf-8")
    cache._current_fingerprint.cache_clear()  # a new render pass starts a new kernel
    assert cache.cached(_counted, 21, root=root) == 42
    assert calls == [21, 21], "after an input changed the result must be computed again"
