"""What a reader sees in an executed chapter, checked without Quarto.

Every defect of a real render has a signature in the executed notebook that
Quarto turns into a page: a figure cell with two images becomes sub-figures
"(a)" and "(b)"; a ``text/plain`` result or a ``print`` becomes a raw output
block; a table whose separator gives a column fewer characters than its
longest word overprints the next column in the PDF. Each function here takes
an executed notebook (from :func:`qmd.executed`, which marks each cell with
its place in the chapter) and returns the problems it
finds, each naming the chapter, the line and the cell, so a test can assert
that the list is empty.

Examples
--------
>>> import nbformat
>>> cell = nbformat.v4.new_code_cell("print([1, 2])")
>>> cell.metadata["qmd"] = {"kind": "cell", "line": 7, "label": None, "output": None, "include": True}
>>> cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="[1, 2]\\n")]
>>> notebook = nbformat.v4.new_notebook(cells=[cell])
>>> output_problems(notebook, "x.qmd")
['x.qmd: line 7 (unlabelled cell) shows a stdout print: [1, 2]']
"""

from __future__ import annotations

import math
import re

import nbformat

from analysis.tables import PipeTable, longest_word, parse_pipe_table, text_width, visible_text

#: Lines of table text that fit on one page of the PDF (A4, 10-11 pt): a taller table must break.
PAGE_LINES = 40
#: The Typst rule that lets a long table's float break across pages (see ``chapters/_theme/book-rules.typ``).
BREAKABLE_TABLES = re.compile(r'#show figure\.where\(kind: "quarto-float-tbl"\): it => context \{\n(?:  .*\n)*  set block\(breakable: long or tall\)')
_SEPARATOR = re.compile(r"^\s*\|(\s*:?-+:?\s*\|)+\s*$")
#: Internal names a reader should not meet: snake_case and camelCase words outside code
#: (a one-letter stem with a subscript, such as ``n_i``, is notation, not a name).
_IDENTIFIER = re.compile(r"(?<![\w./-])(?:[a-z]{2,}_[a-z0-9_]+|[a-z]+[A-Z][a-zA-Z]*)(?![\w/.-]*\.\w)")
_CODE = re.compile(r"`[^`]*`|\]\([^)]*\)|\{#[^}]*\}|<[^>]*>|@[\w:-]+|https?://\S+")


def _where(chapter: str, cell: nbformat.NotebookNode) -> str:
    origin = cell.metadata["qmd"]
    return f"{chapter}: line {origin['line']} ({origin['label'] or 'unlabelled cell'})"


def _shown(cell: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The outputs of ``cell`` that reach the page (Quarto's ``include``/``output`` options)."""
    origin = cell.metadata["qmd"]
    if origin.get("include") is False or origin.get("output") is False:
        return []
    return [output for output in cell.get("outputs", []) if output.get("output_type") != "error"]


def _is_image(output: nbformat.NotebookNode) -> bool:
    return any(kind.startswith("image/") for kind in output.get("data", {}))


def _snippet(output: nbformat.NotebookNode) -> str:
    text = output.get("text") or output.get("data", {}).get("text/plain", "") or str(list(output.get("data", {})))
    return " ".join(str(text).split())[:60]


def figure_problems(notebook: nbformat.NotebookNode, chapter: str) -> list[str]:
    """Every ``fig-`` cell shows exactly one image and nothing else.

    Two images in one figure cell are what Quarto lays out as sub-figures
    "(a)" and "(b)" under an empty caption.
    """
    problems = []
    for cell in notebook.cells:
        if not (cell.metadata["qmd"]["label"] or "").startswith("fig-"):
            continue
        shown = _shown(cell)
        images = [output for output in shown if _is_image(output)]
        others = [output for output in shown if not _is_image(output)]
        if len(images) != 1:
            problems.append(f"{_where(chapter, cell)} shows {len(images)} images, not exactly one")
        for output in others:
            problems.append(f"{_where(chapter, cell)} shows something besides its figure: {_snippet(output)}")
    return problems


def output_problems(notebook: nbformat.NotebookNode, chapter: str) -> list[str]:
    """Every visible output of a code cell is Markdown or an image.

    A ``text/plain`` result (a list, a string, a DataFrame printed as text),
    a ``print`` or anything written to stderr becomes a raw output block on
    the page. An ``output: asis`` cell's printed text is Markdown and allowed.
    """
    problems = []
    for cell in notebook.cells:
        origin = cell.metadata["qmd"]
        for output in _shown(cell):
            kind = output.get("output_type")
            if kind == "stream":
                if origin.get("output") == "asis" and output.get("name") == "stdout":
                    continue
                problems.append(f"{_where(chapter, cell)} shows a {output.get('name')} print: {_snippet(output)}")
            elif "text/markdown" not in output.get("data", {}) and not _is_image(output):
                problems.append(f"{_where(chapter, cell)} shows raw output ({', '.join(output.get('data', {}))}): {_snippet(output)}")
    return problems


def pipe_tables(markdown: str) -> list[str]:
    """The pipe tables in a Markdown string, each as its own text.

    Examples
    --------
    >>> len(pipe_tables("| a |\\n|---|\\n| 1 |\\n\\ntext\\n\\n| b |\\n|---|"))
    2
    """
    tables, current = [], []
    for line in markdown.splitlines() + [""]:
        if line.strip().startswith("|"):
            current.append(line)
        elif current:
            tables.append("\n".join(current))
            current = []
    return tables


def markdown_outputs(cell: nbformat.NotebookNode) -> list[str]:
    """The Markdown texts that ``cell`` shows (tables, sentences)."""
    return [output["data"]["text/markdown"] for output in _shown(cell) if "text/markdown" in output.get("data", {})]


def table_problems(notebook: nbformat.NotebookNode, chapter: str) -> list[str]:
    """Every ``tbl-`` cell shows exactly one Markdown pipe table with a header row."""
    problems = []
    for cell in notebook.cells:
        if not (cell.metadata["qmd"]["label"] or "").startswith("tbl-"):
            continue
        shown = _shown(cell)
        tables = [table for text in markdown_outputs(cell) for table in pipe_tables(text)]
        if len(shown) != 1 or len(tables) != 1:
            problems.append(
                f"{_where(chapter, cell)} shows {len(shown)} outputs and {len(tables)} Markdown tables, not one table"
            )
            continue
        lines = tables[0].splitlines()
        header = parse_pipe_table(tables[0]).header if len(lines) >= 2 else []
        if len(lines) < 2 or not _SEPARATOR.match(lines[1]) or not any(header):
            problems.append(f"{_where(chapter, cell)} shows a table without a header row")
    return problems


def _visible_tables(notebook: nbformat.NotebookNode, chapter: str):
    for cell in notebook.cells:
        for text in markdown_outputs(cell):
            for table in pipe_tables(text):
                lines = table.splitlines()
                if len(lines) >= 2 and _SEPARATOR.match(lines[1]):
                    yield _where(chapter, cell), parse_pipe_table(table)


def width_problems(notebook: nbformat.NotebookNode, chapter: str) -> list[str]:
    """No word of a table is wider than its column in the PDF.

    A table with a line longer than pandoc's 72 characters is laid out across
    the page with columns in proportion to its separator's dashes; each
    column then holds ``PAGE_CHARS * dashes / total`` characters less padding,
    and its longest word (header included) must fit. A narrower table keeps
    its natural widths; it must fit the page as a whole.
    """
    problems = []
    for where, table in _visible_tables(notebook, chapter):
        if not table.has_relative_widths:
            continue
        columns = list(zip(table.header, *table.rows))
        for name, column, chars in zip(table.header, columns, table.column_chars()):
            widest = max(column, key=longest_word)
            if longest_word(widest) > chars:
                problems.append(
                    f"{where}: column {visible_text(name)!r} holds {chars:.0f} characters in the PDF, "
                    f"but {visible_text(widest)!r} needs {longest_word(widest)}"
                )
    return problems


def table_lines(table: PipeTable) -> int:
    """Lines of text the table takes in the PDF: each row as tall as its most wrapped cell."""
    chars = table.column_chars()
    return sum(
        max(math.ceil(text_width(cell) / max(width, 1)) or 1 for cell, width in zip(row, chars))
        for row in [table.header, *table.rows]
    )


def long_table_problems(notebook: nbformat.NotebookNode, chapter: str, book_rules: str) -> list[str]:
    """A table taller than a page can break across pages, with its header repeated.

    ``book_rules`` is the Typst the book includes (``chapters/_theme/book-rules.typ``):
    it must make table floats breakable. The header repeats when the table
    has a header row, which pandoc writes as ``table.header``.
    """
    problems = []
    for where, table in _visible_tables(notebook, chapter):
        if table_lines(table) <= PAGE_LINES:
            continue
        if not BREAKABLE_TABLES.search(book_rules):
            problems.append(f"{where}: a table of {table_lines(table)} lines cannot break across pages (no breakable rule)")
        if not any(table.header):
            problems.append(f"{where}: a table of {table_lines(table)} lines has no header row to repeat")
    return problems


def identifier_problems(notebook: nbformat.NotebookNode, chapter: str) -> list[str]:
    """No internal identifier (snake_case or camelCase name) in visible Markdown, outside code."""
    problems = []
    for cell in notebook.cells:
        for text in markdown_outputs(cell):
            names = sorted(set(_IDENTIFIER.findall(_CODE.sub(" ", text))))
            if names:
                problems.append(f"{_where(chapter, cell)} shows internal identifiers outside code: {names}")
    return problems
