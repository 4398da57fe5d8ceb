"""Lay the book's Markdown out with the real pandoc and Typst, and read the pages back.

Quarto cannot be installed on the build machines, but the two programs that
lay out the book's PDF can: pandoc (PyPI ``pypandoc_binary``) turns Markdown
into Typst as in a render, and Typst (PyPI ``typst``, the compiler version
Quarto 1.10 bundles) sets it with the book's own rules, the files that
``_quarto.yml`` includes, in the places Quarto puts them. The template Quarto
renders a book with is not installable here; ``tests/quarto_book.typ`` stands
in for what of it decides the pages (page size, margins, text, odd-page
breaks, running heads, part pages, appendices, term lists), each behaviour
read from the template's source and seen in the real render.

Two readers check the result: Poppler's ``pdftotext -bbox`` gives every
word's box (:func:`words`), and ``typst query`` gives where Typst placed each
table cell (:data:`CELL_PROBE`, :func:`cells`). From them: words printed over
each other (:func:`overlaps`), words outside their column (:func:`overflows`),
a value broken across lines (:func:`split_values`), rows left alone on a page
(:func:`lone_rows`), and the lines of text on each page (:func:`body_lines`).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from analysis import config
from book import quarto_config

BOOK_RULES = config.THEME / "book-rules.typ"
STAND_IN = Path(__file__).with_name("quarto_book.typ")
#: The page of the stand-in template (``tests/quarto_book.typ``), in points: A4, margins 3 cm
#: at the sides and top and 2.5 cm at the foot, as in the real render.
PAGE_HEIGHT, TOP_MARGIN, BOTTOM_MARGIN = 841.89, 85.04, 70.87
_CROSSREF = re.compile(r"@(?:tbl|fig|sec)-[\w-]*\w")
_WORD = re.compile(
    r'<word xMin="(?P<x0>[\d.]+)" yMin="(?P<y0>[\d.]+)" xMax="(?P<x1>[\d.]+)" yMax="(?P<y1>[\d.]+)">(?P<text>.*?)</word>'
)
#: Records, for ``typst query``, where Typst places each table cell: its table (the number of
#: the last ``probe-table.update``), row and column, page, left edge, top and width in points,
#: and its inset. It comes after the book's rules, so it sees every table they make.
CELL_PROBE = """\
#let probe-table = state("probe-table", 0)
#show table.cell: it => layout(size => context {
  let inset = if type(it.inset) == dictionary { it.inset.at("right", default: 0pt) } else { it.inset }
  let spot = here().position()
  [#metadata((table: probe-table.get(), row: it.y, column: it.x, page: here().page(), x: spot.x.pt(), y: spot.y.pt(), width: size.width.pt(), inset: inset.length.to-absolute().pt())) <cell>]
  it
})
"""
#: Records only the table, row and page of each cell: enough to see how page breaks cut tables,
#: and quick to lay out many times.
ROW_PROBE = """\
#let probe-table = state("probe-table", 0)
#show table.cell: it => { context [#metadata((table: probe-table.get(), row: it.y, page: here().page())) <cell>]; it }
"""
#: Marks that Typst lets hang past the end of a line, and how far at most, in points (10 pt text).
HANGING, OVERHANG = (".", ",", ":", ";", "-", "–", "’", "”", ")"), 3.0
#: Characters that must not end a line when a value continues after them: "9.3 × 10⁻¹⁰", "< 0.001".
VALUE_JOINERS = ("×", "<", "≤", "±", ">", "≥")


@dataclass(frozen=True)
class Word:
    """A word on a PDF page with its bounding box in points."""

    page: int
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


def missing_tools() -> str | None:
    """Why the layout check cannot run here, or ``None`` when pandoc, Typst and pdftotext are all present."""
    try:
        import pypandoc  # noqa: F401
        import typst  # noqa: F401
    except ImportError as error:
        return f"{error.name} is not installed (it is in the dev dependency group)"
    if shutil.which("pdftotext") is None:
        return "pdftotext (Debian package poppler-utils) is not on PATH"
    return None


def included(option: str) -> str:
    """The Typst of the files ``_quarto.yml`` includes under ``format: typst: <option>``, joined."""
    names = quarto_config()["format"]["typst"].get(option, [])
    names = [names] if isinstance(names, str) else names
    return "\n".join((config.ROOT / name).read_text(encoding="utf-8") for name in names)


def markdown_to_typst(markdown: str) -> str:
    """Pandoc's Typst for a page's Markdown, with tables as Quarto's table floats.

    A cross-reference is written as Quarto would print it at its widest
    ("Table 9.99"); a citation stays as its key, about as long as its
    rendered form.
    """
    import pypandoc

    body = pypandoc.convert_text(_CROSSREF.sub("Table 9.99", markdown), "typst", format="markdown-citations", extra_args=["--columns=72"])
    return body.replace("kind: table", 'kind: "quarto-float-tbl", supplement: [Table]')


def book_document(body: str, header: str | None = None, before: str | None = None, title: str = "A book") -> str:
    """A whole book as Quarto assembles it: the stand-in template, the book's includes, the body.

    ``header`` and ``before`` default to what ``_quarto.yml`` includes under
    ``include-in-header`` (before the template's show rule) and
    ``include-before-body`` (at the start of the body); ``""`` leaves them out.
    """
    header = included("include-in-header") if header is None else header
    before = included("include-before-body") if before is None else before
    return "\n".join([STAND_IN.read_text(encoding="utf-8"), header, f"#show: book.with(title: [{title}])", before, body])


def page_document(body: str, rules: str | None = None, probe: str = "") -> str:
    """Pages of the book's body (the stand-in's page, text and tables) holding ``body``, a Typst body.

    ``rules`` defaults to the book's ``include-before-body`` files; ``probe``
    (:data:`CELL_PROBE`, :data:`ROW_PROBE`) comes after them.
    """
    rules = included("include-before-body") if rules is None else rules
    return "\n".join([STAND_IN.read_text(encoding="utf-8"), "#show: book-page", rules, probe, body])


def table_document(tables: list[tuple[str, str]], rules: str | None = None, offsets: tuple[int, ...] = (0,), probe: str = CELL_PROBE) -> str:
    """Pages of the book's body holding each ``(caption, markdown table)`` once per offset.

    Each placement starts a page, after ``offset`` lines of filler text, so
    that a table is seen at the top of a page and lower down where a page
    break cuts it. ``rules`` defaults to the book's ``include-before-body``
    files. The cells are probed (``probe``: :data:`CELL_PROBE` or
    :data:`ROW_PROBE`); placement ``n`` is table ``n`` of :func:`cells`.
    """
    parts, number = [], 0
    for caption, table in tables:
        converted = markdown_to_typst(f"{table}\n\n: {caption}\n")
        for offset in offsets:
            number += 1
            filler = "".join(f"Filler line {line}.\\\n" for line in range(offset))
            parts.append(f"#pagebreak(weak: true)\n{filler}\n#probe-table.update({number})\n{converted}")
    return page_document("\n".join(parts), rules, probe)


#: The compiler of each PDF written by :func:`compile_pdf`, so that :func:`cells` reuses its layout.
_COMPILERS: dict[Path, object] = {}


def compile_pdf(document: str, folder: Path, name: str = "document") -> Path:
    """Compile a Typst document to ``folder/<name>.pdf``."""
    import typst

    source = folder / f"{name}.typ"
    source.write_text(document, encoding="utf-8")
    output = folder / f"{name}.pdf"
    compiler = typst.Compiler(str(source), ignore_system_fonts=True)
    compiler.compile(output=str(output))
    _COMPILERS[output] = compiler
    return output


def query(pdf: Path, selector: str) -> list:
    """The values of the metadata matching ``selector`` (a label) in the document compiled to ``pdf``."""
    import typst

    compiler = _COMPILERS.get(pdf) or typst.Compiler(str(pdf.with_suffix(".typ")), ignore_system_fonts=True)
    return json.loads(compiler.query(selector, field="value"))


def cells(pdf: Path) -> list[dict]:
    """Every probed table cell of the document compiled to ``pdf`` (see :data:`CELL_PROBE`, :data:`ROW_PROBE`)."""
    return query(pdf, "<cell>")


def words(pdf: Path) -> list[Word]:
    """Every word of the PDF with its page and bounding box (``pdftotext -bbox``)."""
    listing = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    found = []
    for number, page in enumerate(listing.split("<page ")[1:], start=1):
        for match in _WORD.finditer(page):
            box = {key: float(match.group(key)) for key in ("x0", "y0", "x1", "y1")}
            found.append(Word(number, html.unescape(match.group("text")), **box))
    return found


def _by_page(found: list[Word]) -> dict[int, list[Word]]:
    pages: dict[int, list[Word]] = defaultdict(list)
    for word in found:
        pages[word.page].append(word)
    return pages


def overlaps(found: list[Word], tolerance: float = 0.5, share: float = 0.15) -> list[tuple[Word, Word]]:
    """Pairs of words on the same page printed over each other.

    Two boxes count as overlapping when they share more than ``tolerance``
    points across and more than ``share`` of the smaller box's height down.
    A word's box runs from the font's ascender to its descender, so the boxes
    of neighbouring lines set with the book's leading touch or overlap by
    less than a twentieth of their height; a term printed 0.4 em into the
    first line of its description overlaps it by a third.
    """
    pairs = []
    for page_words in _by_page(found).values():
        page_words.sort(key=lambda word: word.x0)
        for index, first in enumerate(page_words):
            for second in page_words[index + 1:]:
                if second.x0 >= first.x1 - tolerance:
                    break
                across = min(first.x1, second.x1) - max(first.x0, second.x0)
                down = min(first.y1, second.y1) - max(first.y0, second.y0)
                if across > tolerance and down > share * min(first.y1 - first.y0, second.y1 - second.y0):
                    pairs.append((first, second))
    return pairs


def _in_text_block(word: Word) -> bool:
    """Whether a word's middle lies between the top and bottom margins (not the running head or page number)."""
    return TOP_MARGIN <= (word.y0 + word.y1) / 2 <= PAGE_HEIGHT - BOTTOM_MARGIN


def _cell_of(word: Word, page_cells: list[dict], tolerance: float) -> dict | None:
    """The cell whose column a word starts in and whose row is the lowest that starts above it."""
    above = [cell for cell in page_cells if cell["x"] - tolerance <= word.x0 < cell["x"] + cell["width"] and cell["y"] <= word.y0 + tolerance]
    return max(above, key=lambda cell: cell["y"], default=None)


def overflows(found: list[Word], placed: list[dict], tolerance: float = 0.5) -> list[tuple[Word, dict]]:
    """Words of a table that run past the right edge of their cell's text.

    Each word belongs to the cell it starts in (its column, and the last row
    that starts above it; a caption above a table's first row belongs to no
    cell); it must end within the cell's width less its inset. A word too
    wide for its column, or two words run together across a column
    ("Methodologyeach"), end past it. A word that ends a line with a full
    stop, comma or hyphen may end up to :data:`OVERHANG` further: Typst hangs
    such marks into the margin (``text.overhang``, on by default).
    """
    by_page: dict[int, list[dict]] = defaultdict(list)
    for cell in placed:
        by_page[cell["page"]].append(cell)
    found_overflows = []
    for word in filter(_in_text_block, found):
        cell = _cell_of(word, by_page.get(word.page, []), tolerance)
        hang = OVERHANG if word.text.endswith(HANGING) else 0.0
        if cell is not None and word.x1 > cell["x"] + cell["width"] - cell["inset"] + tolerance + hang:
            found_overflows.append((word, cell))
    return found_overflows


def split_values(found: list[Word]) -> list[tuple[Word, Word]]:
    """A number broken across lines at one of :data:`VALUE_JOINERS`: "9.3 ×" over "10⁻¹⁰", "<" over "0.001".

    In reading order, a sign followed by a number, or a number followed by a
    sign, must be on one line ("Size × outcome" may break).
    """
    broken = []
    for first, second in zip(found, found[1:]):
        joined = (first.text.endswith(VALUE_JOINERS) and second.text[:1].isdigit()) or (first.text[-1:].isdigit() and second.text.startswith(VALUE_JOINERS))
        if joined and first.page == second.page and abs(first.y0 - second.y0) > 1:
            broken.append((first, second))
    return broken


def rows_by_page(placed: list[dict]) -> dict[int, dict[int, set[int]]]:
    """Table number -> body row -> the pages it is set on (the header row, row 0, left out)."""
    tables: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for cell in placed:
        if cell["row"] > 0:
            tables[cell["table"]][cell["row"]].add(cell["page"])
    return tables


def lone_rows(placed: list[dict]) -> list[tuple[int, int, int]]:
    """``(table, page, row)`` for each page holding just one body row of a table of several."""
    lone = []
    for table, rows in rows_by_page(placed).items():
        if len(rows) < 2:
            continue
        on_page: dict[int, list[int]] = defaultdict(list)
        for row, pages in rows.items():
            for page in pages:
                on_page[page].append(row)
        lone += [(table, page, held[0]) for page, held in sorted(on_page.items()) if len(held) == 1]
    return lone


def body_lines(found: list[Word]) -> dict[int, int]:
    """Page -> the number of lines of text on it, running head and page number left out.

    A line is a distinct baseline among the words inside the text block
    (between the top and bottom margins of the page).
    """
    lines: dict[int, set[int]] = defaultdict(set)
    for word in filter(_in_text_block, found):
        lines[word.page].add(round(word.y1))
    pages = max((word.page for word in found), default=0)
    return {page: len(lines.get(page, ())) for page in range(1, pages + 1)}


def running_heads(found: list[Word]) -> dict[int, str]:
    """Page -> the text of its running head (the words above the text block), page number left out."""
    heads: dict[int, list[Word]] = defaultdict(list)
    for word in found:
        if (word.y0 + word.y1) / 2 < TOP_MARGIN:
            heads[word.page].append(word)
    return {
        page: " ".join(word.text for word in sorted(head, key=lambda word: word.x0) if word.text != str(page))
        for page, head in heads.items()
    }
