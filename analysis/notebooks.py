"""Execute each chapter once into a notebook that Quarto renders for both formats.

Quarto executes a ``.qmd`` chapter once per output format, each time in a
fresh kernel (a project render turns ``execute: daemon`` off), and most of a
cold render of this book was that execution. Quarto does not execute an
``.ipynb`` chapter: it renders the outputs the notebook holds. So the book
lists, for each chapter that computes something, the notebook of its source
executed once (``chapters/_sources/association.qmd`` ->
``chapters/association.ipynb``). The source lives in its own folder because
Quarto takes an ``.ipynb`` with a ``.qmd`` of the same name beside it for a
by-product of that ``.qmd`` and leaves it out of the book (quarto-cli
``src/execute/jupyter/jupyter.ts``, ``intermediateFiles``). This module makes
the notebooks the way Quarto's own Jupyter engine makes the notebook it
renders from a ``.qmd``:

- :func:`qmd_to_notebook` splits the source into cells as quarto-cli's
  ``quartoMdToJupyter`` does (``src/core/jupyter/jupyter.ts``): front matter
  as a raw cell, prose as Markdown cells with their inline `` `{python} x` ``
  expressions intact, ``{python}`` blocks as code cells keeping their ``#|``
  options;
- :func:`execute_notebook` runs it as quarto-cli's ``notebook.py`` does:
  Quarto's set-up in a fresh kernel started in the notebook's folder, each code
  cell without its option lines, ``eval: false`` cells skipped, and each
  Markdown cell's inline expressions evaluated in the kernel, the results
  stored in the cell's ``user_expressions`` metadata, where Quarto's
  ``jupyterToMarkdown`` substitutes them when it renders the notebook.

Every notebook records the fingerprint of everything a chapter is made from
(:func:`book_fingerprint`: code, raw data, themes, lock file, the book's sources
and configuration; not the derived outputs, which are made from these);
:func:`stale_notebooks` lists those made from other inputs, and the pre-render step (``chapters/_scripts/pre_render.py``)
executes them again before Quarto reads them, so a render never shows numbers
from old code, data or prose. The same inputs give byte-identical notebooks,
which are committed: a clean clone renders without executing a chapter.

Examples
--------
>>> notebook = qmd_to_notebook("# Title\\n\\n```{python}\\n#| label: x\\nx = 1\\n```\\n\\nx is `{python} x`.\\n")
>>> [(cell.cell_type, cell.source) for cell in notebook.cells]
[('markdown', '# Title'), ('code', '#| label: x\\nx = 1'), ('markdown', 'x is `{python} x`.')]
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import subprocess
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from analysis import cache, config
from analysis.errors import CompendiumError

#: Where each notebook keeps the fingerprint of the inputs it was executed from.
FINGERPRINT_KEY = "compendium_inputs_sha256"
#: Files a chapter may read besides :data:`analysis.cache.INPUTS`: the book's
#: sources (the teaching appendix reads every chapter), its configuration and references.
BOOK_SOURCES = ("_quarto.yml", "index.qmd", "chapters/*.qmd", "chapters/_sources/*.qmd", "references.bib", "pyproject.toml")
#: The folder, beside the notebooks, that holds the sources of the chapters listed as notebooks.
SOURCES_FOLDER = "_sources"
#: Option keys Quarto reads from a cell's ``#|`` lines (quarto-cli ``kJupyterCellOptionKeys``,
#: the subset this book may use); any other key Quarto would move into the cell's metadata.
CELL_OPTION_KEYS = frozenset(
    {
        "eval", "echo", "warning", "error", "output", "include", "label", "classes", "panel", "column",
        "fig-cap", "fig-subcap", "fig-scap", "fig-cap-location", "tbl-cap-location", "cap-location",
        "fig-column", "tbl-column", "fig-link", "fig-align", "fig-alt", "fig-env", "fig-pos",
        "lst-label", "lst-cap", "out-width", "out-height", "md-indent", "code-fold",
        "code-line-numbers", "code-summary", "code-overflow", "html-table-processing",
        "layout-align", "layout-valign", "layout-ncol", "layout-nrow", "layout", "tbl-cap", "tbl-colwidths",
    }
)
#: Quarto's set-up, run in the kernel before the chapter (quarto-cli
#: ``src/resources/jupyter/lang/python/setup.py``, with this book's values): pyplot
#: imported, figures as SVG without a creation date (so notebooks are reproducible),
#: then ``%reset``. Figures are SVG in both formats, as the website had them.
QUARTO_SETUP = """\
import matplotlib.pyplot as plt
plt.rcParams['figure.figsize'] = (6.5, 4.0)
plt.rcParams['figure.dpi'] = 96
plt.rcParams['savefig.dpi'] = 96
from matplotlib_inline.backend_inline import set_matplotlib_formats
set_matplotlib_formats('svg', bbox_inches='tight', metadata={'Date': None})
import pandas as pd
%reset -f
"""
_CELL_OPEN = re.compile(r"^(\s*)(`{3,})\s*\{python( *[ ,].*)?\}\s*$")
_FENCE_OPEN = re.compile(r"^(\s*)```")
_OPTION = re.compile(r"^#\s*\| ?")
#: Inline expressions as quarto-cli's ``cell_execute_inline`` finds them.
INLINE = re.compile(r"(?:^|[^`])`\{python\}[ \t]([^`]+)`", re.MULTILINE)
#: Seconds a cell may run before the chapter fails.
CELL_TIMEOUT = 600


class ChapterExecutionError(CompendiumError):
    """A chapter's cell or inline expression failed in the kernel."""


@dataclass(frozen=True)
class ExecutedChapter:
    """A chapter executed into a notebook.

    Attributes
    ----------
    source : Path
        The ``.qmd`` file.
    notebook : nbformat.NotebookNode
        The executed notebook, as written to :func:`notebook_path`.
    lines : tuple of int
        For each cell, the line of the source where it starts (1-based), so
        that a problem can name its place in the chapter.
    seconds : float
        Wall time of the execution, kernel start included.
    """

    source: Path
    notebook: object
    lines: tuple[int, ...]
    seconds: float


def notebook_path(source: Path) -> Path:
    """The executed notebook of a chapter source: the folder above its ``_sources`` folder, ``.ipynb``.

    Examples
    --------
    >>> notebook_path(Path("chapters/_sources/association.qmd")).as_posix()
    'chapters/association.ipynb'
    """
    source = Path(source)
    return _page_folder(source) / (source.stem + ".ipynb")


def _page_folder(source: Path) -> Path:
    """Where a source's page lives, and where Quarto would run it: its notebook's folder."""
    return source.parent.parent if source.parent.name == SOURCES_FOLDER else source.parent


def chapter_source(name: str) -> str:
    """The source of a file the book lists: a listed notebook is made from ``_sources/<name>.qmd``.

    Examples
    --------
    >>> chapter_source("chapters/association.ipynb"), chapter_source("index.qmd")
    ('chapters/_sources/association.qmd', 'index.qmd')
    """
    if not name.endswith(".ipynb"):
        return name
    folder, _, file = name.rpartition("/")
    return "/".join(part for part in (folder, SOURCES_FOLDER, file[: -len(".ipynb")] + ".qmd") if part)


def book_notebook_sources(root: Path = config.ROOT) -> list[Path]:
    """The sources of every notebook that ``_quarto.yml`` lists, in book order."""
    import yaml

    book = yaml.safe_load((Path(root) / "_quarto.yml").read_text(encoding="utf-8"))["book"]
    listed = listed_files(book.get("chapters") or []) + listed_files(book.get("appendices") or [])
    return [Path(root) / chapter_source(name) for name in listed if name.endswith(".ipynb")]


def listed_files(entries: list) -> list[str]:
    """The files a ``book: chapters`` (or ``appendices``) list of ``_quarto.yml`` names, parts flattened, in order.

    Examples
    --------
    >>> listed_files(["index.qmd", {"part": "P", "chapters": ["a.ipynb", "b.qmd"]}, {"href": "c.qmd"}])
    ['index.qmd', 'a.ipynb', 'b.qmd', 'c.qmd']
    """
    files: list[str] = []
    for entry in entries:
        if isinstance(entry, str):
            files.append(entry)
        elif isinstance(entry, dict) and "part" in entry:
            if entry["part"].endswith(".qmd"):
                files.append(entry["part"])
            files.extend(listed_files(entry.get("chapters") or []))
        elif isinstance(entry, dict) and "href" in entry:
            files.append(entry["href"])
    return files


def book_fingerprint(root: Path = config.ROOT) -> str:
    """SHA-256 of everything a chapter is made from: :data:`analysis.cache.INPUTS` and the book's sources.

    Examples
    --------
    >>> len(book_fingerprint())
    64
    """
    root = Path(root)
    digest = hashlib.sha256(cache.input_fingerprint(root).encode())
    cache.add_files(digest, root, sorted({file for pattern in BOOK_SOURCES for file in root.glob(pattern) if file.is_file()}))
    return digest.hexdigest()


def stored_fingerprint(path: Path) -> str | None:
    """The fingerprint a notebook on disk was executed from, or ``None`` if it is missing or unreadable."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))["metadata"].get(FINGERPRINT_KEY)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def stale_notebooks(root: Path = config.ROOT, fingerprint: str | None = None) -> list[Path]:
    """The sources whose notebook is missing or was executed from other inputs than the current ones."""
    fingerprint = fingerprint or book_fingerprint(root)
    return [source for source in book_notebook_sources(root) if stored_fingerprint(notebook_path(source)) != fingerprint]


def qmd_to_notebook(text: str):
    """Split a ``.qmd`` text into notebook cells, as Quarto does before it executes a chapter.

    A port of quarto-cli's ``quartoMdToJupyter``: YAML front matter becomes a
    raw cell; each ``{python}`` block a code cell, its ``#|`` options kept in
    its source; everything else, other code blocks included, Markdown cells;
    each cell loses its leading and trailing blank lines, and empty cells are
    dropped. Cells carry no ids (nbformat 4.4), as Quarto's own notebook.

    Raises
    ------
    ChapterExecutionError
        If a cell sets an option that Quarto would move into the cell's
        metadata (it would then appear as an attribute on the page).
    """
    return _split(text)[0]


def _split(text: str):
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.nbformat_minor = 4
    notebook.metadata = nbformat.from_dict(
        {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        }
    )
    lines = text.splitlines()
    starts: list[int] = []
    buffer: list[tuple[int, str]] = []  # (line number, text)

    def flush(cell_type: str) -> None:
        body = list(buffer)
        buffer.clear()
        while body and body[0][1].strip() == "":
            body.pop(0)
        while body and body[-1][1].strip() == "":
            body.pop()
        if not body:
            return
        source = "\n".join(line for _, line in body)
        if cell_type == "code":
            unknown = set(_options(source)) - CELL_OPTION_KEYS
            if unknown:
                raise ChapterExecutionError(f"line {body[0][0]}: cell option(s) {sorted(unknown)} are not supported")
            cell = nbformat.from_dict({"cell_type": "code", "metadata": {}, "source": source, "outputs": [], "execution_count": None})
        else:
            cell = nbformat.from_dict({"cell_type": cell_type, "metadata": {}, "source": source})
        notebook.cells.append(cell)
        starts.append(body[0][0])

    # the states of quartoMdToJupyter; as there, ``seen_code`` stays set after the first
    # plain code block, and from then on a ``---`` line is prose, never front matter
    in_yaml = in_cell = seen_code = False
    ticks = 0
    for index, line in enumerate(lines):
        number = index + 1
        next_line = lines[index + 1] if index + 1 < len(lines) else ""
        if re.match(r"^---\s*$", line) and not in_cell and not seen_code and next_line.strip() != "":
            if in_yaml:
                buffer.append((number, line))
                flush("raw")
                in_yaml = False
            else:
                flush("markdown")
                buffer.append((number, line))
                in_yaml = True
        elif not in_cell and _CELL_OPEN.match(line):
            flush("markdown")
            in_cell = True
            ticks = len(_CELL_OPEN.match(line).group(2))
        elif in_cell and re.match(r"^`{" + str(ticks) + r"}\s*$", line):
            in_cell = False
            flush("code")
        elif not in_cell and _FENCE_OPEN.match(line):
            seen_code = True
            buffer.append((number, line))
        else:
            buffer.append((number, line))
    flush("markdown")
    return notebook, tuple(starts)


def _options(source: str) -> dict:
    import yaml

    option_lines = []
    for line in source.splitlines():
        match = _OPTION.match(line)
        if not match:
            break
        option_lines.append(line[match.end():])
    return yaml.safe_load("\n".join(option_lines)) or {} if option_lines else {}


def cell_options(cell) -> dict:
    """The ``#|`` options of a code cell (an empty dict for other cells)."""
    return _options(cell.source) if cell.cell_type == "code" else {}


def _without_options(source: str) -> str:
    lines = source.splitlines()
    count = 0
    while count < len(lines) and _OPTION.match(lines[count]):
        count += 1
    return "\n".join(lines[count:])


def _inline_result(result: dict) -> dict:
    """A user expression's result, with a string's value as Markdown (no quotes), as the reader sees it."""
    text = result.get("data", {}).get("text/plain")
    if text is not None and "text/markdown" not in result["data"] and text[:1] in "'\"":
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = None
        if isinstance(value, str):
            result = {**result, "data": {**result["data"], "text/markdown": value}}
    return result


def execute_notebook(source: Path, timeout: int = CELL_TIMEOUT, fingerprint: str | None = None) -> ExecutedChapter:
    """Execute a chapter into a notebook in a fresh Jupyter kernel, as Quarto would for one format.

    Parameters
    ----------
    source : Path
        The ``.qmd`` file; the kernel runs in the folder of its page (its
        notebook's folder, for a source in ``_sources/``), as Quarto runs a page.
    timeout : int
        Seconds allowed per cell.
    fingerprint : str, optional
        The inputs' fingerprint to record (default :func:`book_fingerprint`).

    Returns
    -------
    ExecutedChapter

    Raises
    ------
    ChapterExecutionError
        Naming the chapter, the line and label of the failing cell or inline
        expression, and the error the kernel reported.
    """
    import time

    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    source = Path(source)
    start = time.perf_counter()
    try:
        notebook, lines = _split(source.read_text(encoding="utf-8"))
    except ChapterExecutionError as error:
        raise ChapterExecutionError(f"{source.name}: {error}") from None
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(_page_folder(source))}},
    )
    # the kernel's own log (transport warnings, shutdown notices) is not the chapter's output
    with client.setup_kernel(stderr=subprocess.DEVNULL):
        _run_hidden(client, QUARTO_SETUP, source)
        count = 0
        for index, (cell, line) in enumerate(zip(notebook.cells, lines)):
            where = f"{source.name}: line {line}"
            if cell.cell_type == "markdown":
                _evaluate_inline(client, cell, where)
                continue
            if cell.cell_type != "code":
                continue
            options = cell_options(cell)
            if options.get("eval", True) is False:
                continue
            count += 1
            original = cell.source
            cell.source = _without_options(original)
            try:
                client.execute_cell(cell, index, execution_count=count)
            except CellExecutionError as error:
                label = f" (label {options['label']})" if options.get("label") else ""
                raise ChapterExecutionError(f"{where}{label} failed: {_first_line(str(error))}") from None
            finally:
                cell.source = original
    notebook.metadata[FINGERPRINT_KEY] = fingerprint or book_fingerprint()
    return ExecutedChapter(source, notebook, lines, time.perf_counter() - start)


def _first_line(message: str) -> str:
    """The last non-empty line of a kernel error (the exception itself), without terminal colours."""
    lines = [line for line in re.sub(r"\x1b\[[0-9;]*m", "", message).strip().splitlines() if line.strip()]
    return lines[-1] if lines else message


def _run_hidden(client, code: str, source: Path) -> None:
    import nbformat
    from nbclient.exceptions import CellExecutionError

    chapter = client.nb
    cell = nbformat.v4.new_code_cell(code)
    client.nb = nbformat.v4.new_notebook(cells=[cell])  # nbclient writes the cell back into client.nb
    try:
        client.execute_cell(cell, 0, store_history=False)
    except CellExecutionError as error:
        raise ChapterExecutionError(f"{source.name}: Quarto's set-up failed: {_first_line(str(error))}") from None
    finally:
        client.nb = chapter


def _evaluate_inline(client, cell, where: str) -> None:
    """Evaluate a Markdown cell's inline expressions in the kernel, as quarto-cli's ``cell_execute_inline``."""
    expressions = INLINE.findall(cell.source)
    if not expressions:
        return
    requests = {str(index): expression for index, expression in enumerate(expressions)}
    reply = client.wait_for_reply(client.kc.execute("", user_expressions=requests))
    content = reply["content"]
    if content.get("status") != "ok":
        raise ChapterExecutionError(f"{where}: inline expressions failed: {content.get('ename')}: {content.get('evalue')}")
    results = []
    for key, expression in requests.items():
        result = content["user_expressions"][key]
        if result.get("status") != "ok":
            raise ChapterExecutionError(
                f"{where}: inline expression `{expression.strip()}` failed: {result.get('ename')}: {result.get('evalue')}"
            )
        results.append({"expression": expression, "result": _inline_result(result)})
    cell.metadata["user_expressions"] = results


def write_notebook(chapter: ExecutedChapter) -> Path:
    """Write an executed chapter to its notebook file, all or nothing; return the path."""
    import nbformat

    path = notebook_path(chapter.source)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(nbformat.writes(chapter.notebook), encoding="utf-8")
    partial.replace(path)
    return path


def _build_one(source: str, fingerprint: str) -> tuple[str, float]:
    chapter = execute_notebook(Path(source), fingerprint=fingerprint)
    write_notebook(chapter)
    return source, chapter.seconds


def refresh_notebooks(
    root: Path = config.ROOT,
    *,
    force: bool = False,
    workers: int | None = None,
    report: Callable[[str], None] = lambda line: None,
) -> list[Path]:
    """Execute every stale chapter (or all, with ``force``) into its notebook, two at a time.

    Returns
    -------
    list of Path
        The notebooks written; empty when every notebook was current.
    """
    fingerprint = book_fingerprint(root)
    sources = book_notebook_sources(root) if force else stale_notebooks(root, fingerprint)
    if not sources:
        return []
    # longest chapters first, so the two workers finish together
    sources = sorted(sources, key=lambda path: path.stat().st_size, reverse=True)
    workers = workers or min(len(sources), os.cpu_count() or 1, 2)
    written = []
    with ProcessPoolExecutor(workers) as pool:
        for source, seconds in pool.map(_build_one, map(str, sources), [fingerprint] * len(sources)):
            path = notebook_path(Path(source))
            report(f"executed {path.relative_to(root)} in {seconds:.1f} s")
            written.append(path)
    return written


def refresh_book(root: Path = config.ROOT, *, force: bool = False, report: Callable[[str], None] = lambda line: None) -> list[Path]:
    """What runs before every render: clear stale frozen results, then refresh stale notebooks.

    Quarto still executes the two pages that are not notebooks (the preface
    and the reproducibility appendix); :func:`analysis.cache.guard_freeze`
    clears their frozen results when the inputs changed.

    Returns
    -------
    list of Path
        The notebooks executed.
    """
    if cache.guard_freeze(root) == "invalidated":
        report("inputs changed since the last render: frozen results of the executed pages cleared")
    written = refresh_notebooks(root, force=force, report=report)
    if not written:
        report(f"all {len(book_notebook_sources(root))} chapter notebooks are current: nothing executed")
    return written
