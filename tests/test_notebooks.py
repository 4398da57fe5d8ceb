"""The chapter notebooks Quarto renders: made as Quarto makes them, current, and never stale.

- :func:`analysis.notebooks.qmd_to_notebook` splits a chapter as quarto-cli's
  ``quartoMdToJupyter`` does (``src/core/jupyter/jupyter.ts``); the expected
  cells below follow that function's rules, line by line.
- :func:`analysis.notebooks.execute_notebook` stores inline results where
  Quarto's renderer reads them (a Markdown cell's ``user_expressions``, as
  quarto-cli's ``notebook.py`` writes them) and names the failing cell.
- Each committed notebook is byte for byte a fresh execution of its chapter.
- The pre-render step re-executes a chapter when an input changed, and only then
  (proved end to end on a copy of the project).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import nbformat
import pytest

import qmd
from analysis import config, notebooks
from analysis.notebooks import ChapterExecutionError, qmd_to_notebook

NOTEBOOK_SOURCES = notebooks.book_notebook_sources()
PRE_RENDER = config.ROOT / "chapters" / "_scripts" / "pre_render.py"


def cells(text):
    return [(cell.cell_type, cell.source) for cell in qmd_to_notebook(text).cells]


def test_split_follows_quarto():
    text = (
        "---\ntitle: T\n---\n\n# Heading {#sec-h}\n\nSome `{python} x` prose.\n\n"
        "```{python}\n#| label: tbl-a\n#| tbl-cap: A\n\ntable()\n\n```\n\n"
        "```bash\n# a shell block stays prose\n```\n\n---\nnot front matter after a code block\n"
    )
    # a closing "---" followed by a blank line is not matched (quarto-cli issue 8998): the front
    # matter stays at the top of the first Markdown cell, where Quarto's renderer finds it
    assert cells(text) == [
        ("markdown", "---\ntitle: T\n---\n\n# Heading {#sec-h}\n\nSome `{python} x` prose."),
        ("code", "#| label: tbl-a\n#| tbl-cap: A\n\ntable()"),
        ("markdown", "```bash\n# a shell block stays prose\n```\n\n---\nnot front matter after a code block"),
    ]
    notebook = qmd_to_notebook(text)
    assert (notebook.nbformat, notebook.nbformat_minor) == (4, 4) and not any("id" in cell for cell in notebook.cells)
    nbformat.validate(notebook)


def test_front_matter_closed_on_a_line_of_its_own_is_a_raw_cell():
    assert cells("---\ntitle: T\n---\n# Heading\n") == [("raw", "---\ntitle: T\n---"), ("markdown", "# Heading")]


def test_split_keeps_four_backtick_cells_and_drops_empty_ones():
    assert cells("````{python}\nx = '```'\n````\n\n```{python}\n\n```\n") == [("code", "x = '```'")]


def test_an_option_quarto_would_print_as_an_attribute_is_refused():
    with pytest.raises(ChapterExecutionError, match=r"line 2: cell option\(s\) \['tags'\] are not supported"):
        qmd_to_notebook("```{python}\n#| tags: [x]\n1\n```\n")


def test_strings_are_shown_without_quotes_and_other_values_as_they_are():
    ok = {"status": "ok", "metadata": {}}
    shown = notebooks._inline_result({**ok, "data": {"text/plain": "\"children's\""}})
    assert shown["data"] == {"text/plain": "\"children's\"", "text/markdown": "children's"}
    assert notebooks._inline_result({**ok, "data": {"text/plain": "231"}})["data"] == {"text/plain": "231"}
    markdown = {**ok, "data": {"text/plain": "<IPython.core.display.Markdown object>", "text/markdown": "**b**"}}
    assert notebooks._inline_result(markdown) == markdown
    quoted_repr = {**ok, "data": {"text/plain": "'a' + 1"}}  # not a string literal: left alone
    assert notebooks._inline_result(quoted_repr) == quoted_repr


@pytest.fixture(scope="module")
def small_chapter(tmp_path_factory):
    folder = tmp_path_factory.mktemp("chapter")
    source = folder / "small.qmd"
    source.write_text(
        "# Small\n\n```{python}\n#| label: setup\n#| include: false\nx = 2\nname = 'Body'\n```\n\n"
        "Twice `{python} x * 21` and `{python} name`.\n\n"
        "```{python}\n#| eval: false\n1 / 0\n```\n\n```{python}\nprint(x)\n```\n",
        encoding="utf-8",
    )
    return notebooks.execute_notebook(source, fingerprint="f" * 64)


def test_execution_stores_inline_results_where_quarto_reads_them(small_chapter):
    notebook = small_chapter.notebook
    prose = notebook.cells[2]
    assert [item["expression"] for item in prose.metadata["user_expressions"]] == ["x * 21", "name"]
    assert [item["result"]["data"].get("text/markdown", item["result"]["data"]["text/plain"]) for item in prose.metadata["user_expressions"]] == ["42", "Body"]
    skipped, printed = notebook.cells[3], notebook.cells[4]
    assert skipped.outputs == [] and skipped.execution_count is None, "an eval: false cell is not run"
    assert printed.execution_count == 2 and printed.outputs[0]["text"] == "2\n"
    assert printed.source == "print(x)" and notebook.cells[1].source.startswith("#| label: setup"), "sources keep their options"
    assert notebook.metadata[notebooks.FINGERPRINT_KEY] == "f" * 64
    assert small_chapter.lines == (1, 4, 10, 13, 18), "each cell starts at its first line of content"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("```{python}\n#| label: boom\n1 / 0\n```\n", r"broken\.qmd: line 2 \(label boom\) failed: ZeroDivisionError: division by zero"),
        ("Value `{python} undefined_name`.\n", r"broken\.qmd: line 1: inline expression `undefined_name` failed: NameError"),
    ],
)
def test_a_failure_names_the_chapter_the_line_and_the_cell(tmp_path, body, message):
    source = tmp_path / "broken.qmd"
    source.write_text(body, encoding="utf-8")
    with pytest.raises(ChapterExecutionError, match=message):
        notebooks.execute_notebook(source, fingerprint="0" * 64)


def test_every_notebook_is_current_and_valid():
    stale = [path.name for path in notebooks.stale_notebooks()]
    assert stale == [], f"notebooks executed from other inputs: {stale}; run `python -m analysis notebooks` and commit them"
    for source in NOTEBOOK_SOURCES:
        notebook = nbformat.read(notebooks.notebook_path(source), as_version=nbformat.NO_CONVERT)
        nbformat.validate(notebook)  # nbformat 4.4, as Quarto writes the notebooks it executes
        assert (notebook.nbformat, notebook.nbformat_minor) == (4, 4), source.name


@pytest.mark.slow
@pytest.mark.parametrize("source", NOTEBOOK_SOURCES, ids=lambda path: path.name)
def test_the_committed_notebook_is_this_execution(source):
    """What Quarto renders is what the code computes now, byte for byte (so it is also reproducible)."""
    committed = notebooks.notebook_path(source)
    fresh = nbformat.writes(qmd.executed_chapter(source).notebook)
    assert committed.read_text(encoding="utf-8") == fresh, (
        f"{committed.relative_to(config.ROOT)} differs from a fresh execution of {source.name}: "
        "run `python -m analysis notebooks` and commit the notebook"
    )


def _book_copy(root, *ignored):
    """The book's inputs and sources, as in a clone (without what ``ignored`` names)."""
    for name in ("analysis", "data", "chapters"):
        shutil.copytree(config.ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__", "*_files", *ignored))
    for name in ("uv.lock", "_quarto.yml", "index.qmd", "references.bib", "pyproject.toml"):
        shutil.copy(config.ROOT / name, root / name)
    return root


def test_any_input_change_makes_every_notebook_stale(tmp_path):
    root = _book_copy(tmp_path, "*.ipynb")
    fingerprint = notebooks.book_fingerprint(root)
    for source in notebooks.book_notebook_sources(root):
        notebook = nbformat.v4.new_notebook(metadata={notebooks.FINGERPRINT_KEY: fingerprint})
        notebooks.notebook_path(source).write_text(nbformat.writes(notebook), encoding="utf-8")
    assert notebooks.stale_notebooks(root) == []
    for changed in ("analysis/formatting.py", "data/raw/table5_1_published.csv", "uv.lock", "chapters/glossary.qmd", "chapters/_sources/association.qmd", "_quarto.yml"):
        original = (root / changed).read_bytes()
        (root / changed).write_bytes(original + b"\n")
        assert len(notebooks.stale_notebooks(root)) == len(NOTEBOOK_SOURCES), f"a change to {changed} left a notebook current"
        (root / changed).write_bytes(original)
    for output in sorted((root / "data" / "derived").iterdir()):
        # derived files are made from the inputs above; a rebuild that moves their bytes is not a new input
        original = output.read_bytes()
        output.write_bytes(original + b"\n")
        assert notebooks.stale_notebooks(root) == [], f"a rebuilt {output.name} made a notebook stale"
        output.write_bytes(original)
    (root / "chapters" / "context.ipynb").write_text("{not json", encoding="utf-8")
    assert [path.name for path in notebooks.stale_notebooks(root)] == ["context.qmd"], "an unreadable notebook is stale"


def _pre_render(root):
    """What `quarto render` runs first, in the copy (its own `analysis` package first on the path)."""
    environment = {**os.environ, "PYTHONPATH": str(root)}
    completed = subprocess.run([sys.executable, str(root / "chapters" / "_scripts" / "pre_render.py")], capture_output=True, text=True, env=environment, cwd=root)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


@pytest.mark.slow
def test_the_pre_render_step_executes_a_chapter_again_when_its_data_change(tmp_path):
    root = _book_copy(tmp_path)
    # the book of the copy lists two short notebooks (executed side by side), to keep the test short
    quarto = (config.ROOT / "_quarto.yml").read_text(encoding="utf-8")
    for source in NOTEBOOK_SOURCES:
        if source.stem not in ("context", "data-provenance"):
            quarto = quarto.replace(f"        - chapters/{source.stem}.ipynb\n", "").replace(f"    - chapters/{source.stem}.ipynb\n", "")
    (root / "_quarto.yml").write_text(quarto, encoding="utf-8")
    assert [path.name for path in notebooks.book_notebook_sources(root)] == ["context.qmd", "data-provenance.qmd"]
    notebook, other = root / "chapters" / "context.ipynb", root / "chapters" / "data-provenance.ipynb"

    report = _pre_render(root)  # the copy's book differs from the project's: both are executed
    assert "executed chapters/context.ipynb" in report and "executed chapters/data-provenance.ipynb" in report
    made = notebook.read_bytes(), other.read_bytes()
    assert "nothing executed" in _pre_render(root), "unchanged inputs must reuse the notebooks"
    assert (notebook.read_bytes(), other.read_bytes()) == made

    figures = root / "data" / "raw" / "source_figures" / "body2020.csv"
    text = figures.read_text(encoding="utf-8")
    assert ",87," in text and ",13," in text
    figures.write_text(text.replace(",87,", ",86,").replace(",13,", ",14,"), encoding="utf-8")
    assert "executed chapters/context.ipynb" in _pre_render(root)
    assert notebooks.stored_fingerprint(other) == notebooks.book_fingerprint(root), "every chapter must see the new data"
    shown = [item["result"]["data"].get("text/markdown") for cell in nbformat.reads(notebook.read_text(encoding="utf-8"), 4).cells for item in cell.metadata.get("user_expressions", [])]
    assert "86%" in shown and "87%" not in shown, "the changed data did not reach the chapter"
