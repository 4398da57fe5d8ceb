"""Read Quarto documents without Quarto: their cells, inline code, labels and citations.

Quarto cannot be installed on the build machines, so the tests check a chapter
the way Quarto would see it: the executable ``{python}`` cells in document
order, each with its ``#|`` options, and every inline `` `{python} expr` ``
expression at the point where it appears. :func:`execute` runs them all in a
real Jupyter kernel (nbclient), in the chapter's own folder, as Quarto does,
after the set-up cell that Quarto runs first in every kernel (pyplot imported,
figure size and image format set), so that figures are displayed exactly as
in a render.

Examples
--------
>>> doc = parse_text("a `{python} 1 + 1`\\n\\n```{python}\\n#| label: fig-x\\nx = 1\\n```\\n")
>>> [(block.kind, block.source) for block in doc.blocks]
[('inline', '1 + 1'), ('cell', 'x = 1')]
>>> doc.blocks[1].options["label"]
'fig-x'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

CELL_OPEN = re.compile(r"^(?P<fence>`{3,})\{python(?P<attrs>[^}]*)\}\s*$")
ANY_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})")
INLINE = re.compile(r"`\{python\}\s+(?P<expr>[^`]+?)`")
OPTION = re.compile(r"^#\|\s?(?P<body>.*)$")
#: A label defined in Markdown: ``{#tbl-x}``, ``{#fig-x .class}``, ``# Heading {#sec-x}``.
MARKDOWN_LABEL = re.compile(r"\{#(?P<label>(?:tbl|fig|sec|eq|lst|tip|nte|wrn|imp|cau|exr|sol)-[\w-]+)")
#: A cross-reference such as ``@tbl-published`` or ``@fig-heatmap``.
CROSSREF = re.compile(r"(?<![\w@])@(?P<label>(?:tbl|fig|sec|eq|lst|tip|nte|wrn|imp|cau|exr|sol)-[\w-]*\w)")
#: A Pandoc citation key inside brackets or in text: ``[@body2020, p. 128]``, ``@body2019``.
CITATION = re.compile(r"(?<![\w@.])-?@(?P<key>[A-Za-z][\w:.#$%&+?<>~/-]*\w)")


@dataclass(frozen=True)
class Block:
    """One executable unit of a chapter: a code cell or an inline expression."""

    kind: str  # "cell" or "inline"
    source: str
    line: int
    options: dict = field(default_factory=dict)

    @property
    def label(self) -> str | None:
        return self.options.get("label")


@dataclass(frozen=True)
class QuartoDocument:
    """A parsed ``.qmd`` file: front matter, executable blocks and plain Markdown."""

    path: Path | None
    front_matter: dict
    blocks: list[Block]
    markdown: str  # prose outside executable cells and non-executable fences

    def labels(self) -> set[str]:
        """Every cross-reference label the document defines."""
        from_cells = {block.label for block in self.blocks if block.label}
        return from_cells | set(MARKDOWN_LABEL.findall(self.markdown))

    def crossrefs(self) -> set[str]:
        """Every ``@tbl-``/``@fig-``/``@sec-`` reference in the prose."""
        return set(CROSSREF.findall(self.markdown))

    def citations(self) -> set[str]:
        """Every Pandoc citation key in the prose (cross-references excluded)."""
        return citation_keys(self.markdown)


def citation_keys(markdown: str) -> set[str]:
    """Pandoc citation keys in a Markdown string, without cross-references.

    Examples
    --------
    >>> sorted(citation_keys("See [@body2020, p. 128; @body2019] and @tbl-x."))
    ['body2019', 'body2020']
    """
    keys = set()
    for match in CITATION.finditer(markdown):
        key = match.group("key")
        if not CROSSREF.fullmatch("@" + key):
            keys.add(key)
    return keys


def parse_text(text: str, path: Path | None = None) -> QuartoDocument:
    """Parse the text of a ``.qmd`` document."""
    lines = text.splitlines()
    front_matter: dict = {}
    start = 0
    if lines and lines[0].strip() == "---":
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
        front_matter = yaml.safe_load("\n".join(lines[1:end])) or {}
        start = end + 1
    blocks: list[Block] = []
    prose: list[str] = []
    index = start
    while index < len(lines):
        line = lines[index]
        opening = CELL_OPEN.match(line)
        other_fence = ANY_FENCE.match(line)
        if opening or other_fence:
            fence = (opening or other_fence).group("fence")
            body_start = index + 1
            index = body_start
            while index < len(lines) and lines[index].rstrip() != fence:
                index += 1
            body = lines[body_start:index]
            index += 1
            if opening:
                blocks.append(_cell(body, body_start + 1))
            continue
        for match in INLINE.finditer(line):
            blocks.append(Block("inline", match.group("expr").strip(), index + 1))
        prose.append(line)
        index += 1
    return QuartoDocument(path, front_matter, blocks, "\n".join(prose))


def _cell(body: list[str], first_line: int) -> Block:
    option_lines = []
    for line in body:
        match = OPTION.match(line)
        if not match:
            break
        option_lines.append(match.group("body"))
    options = yaml.safe_load("\n".join(option_lines)) or {}
    source = "\n".join(body[len(option_lines):]).strip("\n")
    return Block("cell", source, first_line, options)


def parse(path: Path) -> QuartoDocument:
    """Parse a ``.qmd`` file."""
    path = Path(path)
    return parse_text(path.read_text(encoding="utf-8"), path)


#: What Quarto's Jupyter engine runs in every kernel before the first cell
#: (quarto-cli ``src/resources/jupyter/lang/python/setup.py``, reduced to what
#: changes how outputs are displayed): pyplot is imported, which activates the
#: inline backend, and the image format is chosen.
QUARTO_SETUP = """\
import matplotlib.pyplot as plt
plt.rcParams['figure.figsize'] = (6.5, 4.0)
plt.rcParams['figure.dpi'] = 96
plt.rcParams['savefig.dpi'] = 96
from matplotlib_inline.backend_inline import set_matplotlib_formats
set_matplotlib_formats('png')
import pandas as pd
"""


def to_notebook(document: QuartoDocument) -> nbformat.NotebookNode:
    """Turn the executable blocks into a notebook, one code cell per block.

    The first cell is Quarto's own set-up (:data:`QUARTO_SETUP`, kind
    ``"setup"``). Cells with ``eval: false`` are left out, as Quarto leaves
    them unexecuted. Each cell keeps its origin (kind, line, label, options)
    in its metadata.
    """
    notebook = nbformat.v4.new_notebook()
    setup = nbformat.v4.new_code_cell(QUARTO_SETUP)
    setup.metadata["qmd"] = {"kind": "setup", "line": 0, "label": None, "output": False, "include": False}
    notebook.cells.append(setup)
    for block in document.blocks:
        if block.options.get("eval", True) is False:
            continue
        cell = nbformat.v4.new_code_cell(block.source)
        cell.metadata["qmd"] = {
            "kind": block.kind,
            "line": block.line,
            "label": block.label,
            "output": block.options.get("output"),
            "include": block.options.get("include", True),
        }
        notebook.cells.append(cell)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


class ChapterExecutionError(AssertionError):
    """A chapter's cell or inline expression raised in the kernel."""


#: What Quarto runs between two executions of a document in a kernel it keeps
#: alive (``execute: daemon``): its Python clean-up cell and the next set-up
#: cell both run ``%reset`` (quarto-cli ``src/resources/jupyter/lang/python/``
#: ``cleanup.py`` and ``setup.py``), which deletes every variable but keeps
#: every imported module, and with it any state held at module level.
QUARTO_RESET = "%reset"


def execute(path: Path, timeout: int = 600) -> nbformat.NotebookNode:
    """Run every cell and inline expression of a chapter in a fresh Jupyter kernel.

    Parameters
    ----------
    path : Path
        The ``.qmd`` file. The kernel's working folder is the file's folder,
        as in a Quarto render.
    timeout : int
        Seconds allowed per cell.

    Returns
    -------
    nbformat.NotebookNode
        The executed notebook, outputs included.

    Raises
    ------
    ChapterExecutionError
        Naming the chapter, the line and label of the failing cell, and the
        error the kernel reported.
    """
    return execute_passes(path, passes=1, timeout=timeout)[0]


def execute_passes(path: Path, passes: int = 2, timeout: int = 600) -> list[nbformat.NotebookNode]:
    """Run a chapter ``passes`` times in one kernel, as Quarto does for its formats with ``execute: daemon``.

    Each pass is a fresh notebook (Quarto's set-up first, then the chapter);
    between passes the namespace is reset as Quarto resets it
    (:data:`QUARTO_RESET`), while imported modules stay loaded.

    Returns
    -------
    list of nbformat.NotebookNode
        One executed notebook per pass, in order; each records its wall time
        in ``metadata["seconds"]`` (``"kernel start"``, first pass only, and
        ``"run"``, Quarto's set-up included).
    """
    import time

    from nbclient import NotebookClient

    document = parse(path)
    notebooks = [to_notebook(document) for _ in range(passes)]
    client = NotebookClient(
        notebooks[0],
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(Path(path).parent)}},
    )
    start = time.perf_counter()
    with client.setup_kernel():
        notebooks[0].metadata["seconds"] = {"kernel start": time.perf_counter() - start}
        for number, notebook in enumerate(notebooks):
            if number:
                _run(client, _reset_notebook(), path)
            start = time.perf_counter()
            _run(client, notebook, path)
            notebook.metadata.setdefault("seconds", {})["run"] = time.perf_counter() - start
    return notebooks


def _reset_notebook() -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(QUARTO_RESET)])
    notebook.cells[0].metadata["qmd"] = {"kind": "reset", "line": 0, "label": None, "output": False, "include": False}
    return notebook


def _run(client, notebook: nbformat.NotebookNode, path: Path) -> None:
    """Execute ``notebook``'s cells in ``client``'s running kernel, naming the failing cell on error."""
    from nbclient.exceptions import CellExecutionError

    client.nb = notebook
    for index, cell in enumerate(notebook.cells):
        try:
            client.execute_cell(cell, index)
        except CellExecutionError as error:
            origin = cell.metadata["qmd"]
            where = f"{origin['kind']} at line {origin['line']}" + (f" (label {origin['label']})" if origin["label"] else "")
            raise ChapterExecutionError(f"{Path(path).name}: {where} failed:\n{error}") from None


_EXECUTED: dict[Path, list[nbformat.NotebookNode]] = {}


def executed(path: Path) -> nbformat.NotebookNode:
    """:func:`execute`, once per chapter per test session (the chapter tests share the result).

    The chapter is run twice in one kernel (:func:`execute_passes`), as a
    render of both formats runs it; this is the first run, in a fresh kernel.
    """
    return _passes(path)[0]


def reexecuted(path: Path) -> nbformat.NotebookNode:
    """The second run of :func:`executed`'s chapter, in the same kernel after Quarto's reset."""
    return _passes(path)[1]


def _passes(path: Path) -> list[nbformat.NotebookNode]:
    path = Path(path).resolve()
    if path not in _EXECUTED:
        _EXECUTED[path] = execute_passes(path, passes=2)
    return _EXECUTED[path]


def asis_markdown(notebook: nbformat.NotebookNode) -> str:
    """The Markdown that ``output: asis`` cells printed, as Quarto would embed it."""
    parts = []
    for cell in notebook.cells:
        if cell.metadata["qmd"].get("output") != "asis":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                parts.append(output.get("text", ""))
            elif "data" in output and "text/markdown" in output["data"]:
                parts.append(output["data"]["text/markdown"])
    return "\n".join(parts)


def markdown_outputs(notebook: nbformat.NotebookNode) -> str:
    """Every Markdown output of the notebook (tables built with ``Markdown``), joined."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if "data" in output and "text/markdown" in output["data"]:
                parts.append(output["data"]["text/markdown"])
    return "\n".join(parts)
