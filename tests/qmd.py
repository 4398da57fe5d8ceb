"""Read Quarto documents without Quarto: their cells, inline code, labels and citations.

Quarto cannot be installed on the build machines, so the tests check a chapter
the way Quarto would see it: the executable ``{python}`` cells in document
order, each with its ``#|`` options, and every inline `` `{python} expr` ``
expression at the point where it appears. :func:`execute` runs a chapter in a
real Jupyter kernel with the book's own engine (:mod:`analysis.notebooks`),
which makes the very notebook Quarto renders.

Examples
--------
>>> doc = parse_text("a `{python} 1 + 1`\\n\\n```{python}\\n#| label: fig-x\\nx = 1\\n```\\n")
>>> [(block.kind, block.source) for block in doc.blocks]
[('inline', '1 + 1'), ('cell', 'x = 1')]
>>> doc.blocks[1].options["label"]
'fig-x'
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

from analysis import notebooks
from analysis.notebooks import ExecutedChapter

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


#: A citation in brackets, which pandoc prints inside parentheses of its own: ``[see @key, p. 3]``.
_BRACKETED_CITATION = re.compile(r"\[[^\[\]]*(?<![\w@.])-?@[A-Za-z][^\[\]]*\](?!\()")
#: Code spans and link targets, whose parentheses are not the prose's.
_NOT_PROSE = re.compile(r"`[^`]*`|\]\([^)]*\)")


def parenthesised_citations(markdown: str) -> list[str]:
    """Bracketed citations written inside parentheses, which print nested: "(commentary, (Body 2020, 128))".

    A citation inside a parenthesis needs a form without brackets of its own:
    the words before it as a prefix inside the brackets (``[commentary,
    @body2020, p. 128]``), or ``@key`` / ``[-@key]`` in running text.

    Examples
    --------
    >>> parenthesised_citations("Vulnerable (author's commentary,\\n[@body2020, p. 128]).")
    ['[@body2020, p. 128]']
    >>> parenthesised_citations("Vulnerable [author's commentary, @body2020, p. 128] (see @tbl-x).")
    []
    """
    found = []
    for paragraph in re.split(r"\n[ \t]*\n", markdown):
        text = _NOT_PROSE.sub(lambda match: " " * len(match.group()), paragraph)
        depth, index = 0, 0
        while index < len(text):
            citation = _BRACKETED_CITATION.match(text, index)
            if citation:
                if depth > 0 and citation_keys(citation.group()):
                    found.append(" ".join(citation.group().split()))
                index = citation.end()
                continue
            depth = depth + 1 if text[index] == "(" else max(depth - 1, 0) if text[index] == ")" else depth
            index += 1
    return found


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


_EXECUTED: dict[Path, ExecutedChapter] = {}


def execute(path: Path) -> ExecutedChapter:
    """Execute a chapter into its notebook with the book's own engine (:mod:`analysis.notebooks`).

    This is exactly what the pre-render step writes to ``chapters/<name>.ipynb``
    and Quarto renders; for the two pages Quarto executes itself (the preface
    and the reproducibility appendix) it is what Quarto's Jupyter engine runs.
    """
    return notebooks.execute_notebook(Path(path))


def executed_chapter(path: Path) -> ExecutedChapter:
    """:func:`execute`, once per chapter per test session (the chapter tests share the result)."""
    path = Path(path).resolve()
    if path not in _EXECUTED:
        _EXECUTED[path] = execute(path)
    return _EXECUTED[path]


def annotated(chapter: ExecutedChapter) -> nbformat.NotebookNode:
    """A copy of the chapter's notebook whose cells say where they come from, for ``tests/reader.py``.

    Each cell gets ``metadata["qmd"]``: its kind (``"cell"`` for code,
    ``"markdown"``, ``"raw"``), the source line where it starts, and its
    ``label``, ``output`` and ``include`` options. The notebook Quarto renders
    carries none of this (Quarto would print unknown metadata as attributes).
    """
    notebook = copy.deepcopy(chapter.notebook)
    for cell, line in zip(notebook.cells, chapter.lines, strict=True):
        options = notebooks.cell_options(cell)
        cell.metadata["qmd"] = {
            "kind": "cell" if cell.cell_type == "code" else cell.cell_type,
            "line": line,
            "label": options.get("label"),
            "output": options.get("output"),
            "include": options.get("include", True),
        }
    return notebook


def executed(path: Path) -> nbformat.NotebookNode:
    """The annotated notebook (:func:`annotated`) of :func:`executed_chapter`."""
    return annotated(executed_chapter(path))


def inline_values(notebook: nbformat.NotebookNode) -> list[tuple[int, str, str]]:
    """``(line, expression, text shown)`` for every inline expression, as Quarto substitutes it."""
    values = []
    for cell in notebook.cells:
        for item in cell.metadata.get("user_expressions", []):
            data = item["result"].get("data", {})
            shown = data.get("text/markdown", data.get("text/plain", ""))
            values.append((cell.metadata.get("qmd", {}).get("line", 0), item["expression"], shown))
    return values


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
