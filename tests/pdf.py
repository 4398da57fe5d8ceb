"""Lay Markdown tables out with the real pandoc and Typst, and find words printed over each other.

Quarto cannot be installed on the build machines, but the two programs that
lay out the book's PDF tables can: pandoc (PyPI ``pypandoc_binary``) turns
each Markdown table into a Typst table exactly as in a render, and Typst
(PyPI ``typst``) sets it on an A4 page with the book's own rules
(``chapters/_theme/book-rules.typ``) and a text block as wide as the book's. Poppler's
``pdftotext -bbox`` then gives every word's box; two words whose boxes
overlap are words printed over each other. This is not Quarto's whole
template (no title page, chapter openers or fonts of its own), but the table
layout is the same.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from analysis import config

BOOK_RULES = config.ROOT / "chapters" / "_theme" / "book-rules.typ"
#: Page set like the book's PDF: A4, a text block 166 mm wide (measured on the rendered
#: pages), justified 11 pt serif text.
PAGE = """\
#set page(paper: "a4", margin: (x: 22mm, y: 30mm), numbering: "1")
#set text(size: 11pt)
#set par(justify: true)
"""
_CROSSREF = re.compile(r"@(?:tbl|fig|sec)-[\w-]*\w")
_WORD = re.compile(
    r'<word xMin="(?P<x0>[\d.]+)" yMin="(?P<y0>[\d.]+)" xMax="(?P<x1>[\d.]+)" yMax="(?P<y1>[\d.]+)">(?P<text>.*?)</word>'
)


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


def typst_document(tables: list[tuple[str, str]], rules: str | None = None) -> str:
    """A Typst document holding each ``(caption, markdown table)`` as the book's PDF would.

    Pandoc writes each table as a Typst ``figure``; its kind is set to
    Quarto's table kind, so the book's rules for tables apply to it. A
    cross-reference is written as Quarto would print it at its widest
    ("Table 9.99"); a citation stays as its key, about as long as its
    rendered form.
    """
    import pypandoc

    rules = BOOK_RULES.read_text(encoding="utf-8") if rules is None else rules
    markdown = "\n\n".join(f"{_CROSSREF.sub('Table 9.99', table)}\n\n: {caption}\n" for caption, table in tables)
    body = pypandoc.convert_text(markdown, "typst", format="markdown-citations", extra_args=["--columns=72"])
    body = body.replace("kind: table", 'kind: "quarto-float-tbl", supplement: [Table]')
    return "\n".join([PAGE, rules, body])


def compile_pdf(document: str, folder: Path) -> Path:
    """Compile a Typst document to ``folder/tables.pdf``."""
    import typst

    source = folder / "tables.typ"
    source.write_text(document, encoding="utf-8")
    output = folder / "tables.pdf"
    typst.compile(str(source), output=str(output))
    return output


def words(pdf: Path) -> list[Word]:
    """Every word of the PDF with its page and bounding box (``pdftotext -bbox``)."""
    listing = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    found = []
    for number, page in enumerate(listing.split("<page ")[1:], start=1):
        for match in _WORD.finditer(page):
            box = {key: float(match.group(key)) for key in ("x0", "y0", "x1", "y1")}
            found.append(Word(number, html.unescape(match.group("text")), **box))
    return found


def overlaps(found: list[Word], tolerance: float = 0.5) -> list[tuple[Word, Word]]:
    """Pairs of words on the same page printed over each other.

    Two boxes count as overlapping when they share more than ``tolerance``
    points across and more than half the smaller box's height, so the boxes
    of neighbouring lines (whose font boxes touch) do not count.
    """
    pairs = []
    by_page: dict[int, list[Word]] = {}
    for word in found:
        by_page.setdefault(word.page, []).append(word)
    for page_words in by_page.values():
        page_words.sort(key=lambda word: word.x0)
        for index, first in enumerate(page_words):
            for second in page_words[index + 1:]:
                if second.x0 >= first.x1 - tolerance:
                    break
                across = min(first.x1, second.x1) - max(first.x0, second.x0)
                down = min(first.y1, second.y1) - max(first.y0, second.y0)
                if across > tolerance and down > 0.5 * min(first.y1 - first.y0, second.y1 - second.y0):
                    pairs.append((first, second))
    return pairs
