"""Presentation of DataFrames as Markdown tables for the book.

Markdown pipe tables render the same in the website and in the Typst PDF,
so every table in the book goes through :func:`markdown_table`. Nothing here
computes a statistic: it only formats what other modules return.

Column widths. Pandoc lays out a pipe table whose lines are longer than
:data:`PANDOC_LINE` characters across the full text width, giving each column
a share proportional to the dashes of its separator line. Left to a plain
formatter, the dashes follow the longest cell, so a column of short words next
to a column of long notes gets a sliver too narrow for its own words: they
collide with the next column or are hyphenated one syllable per line. Here
every column gets at least its longest word (:func:`column_widths`), and the
rest of the :data:`PAGE_CHARS` characters of the PDF's text block go to the
columns with long text. A short table keeps pandoc's natural widths.

Examples
--------
>>> import pandas as pd
>>> print(markdown_table(pd.DataFrame({"band": ["Micro"], "n": [39]})).data)
| band   |   n |
|:-------|----:|
| Micro  |  39 |
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd
from IPython.display import Markdown

from analysis.formatting import NO_BREAK_SPACE

#: Pandoc's ``--columns`` default: a pipe table with a longer line gets relative column widths.
PANDOC_LINE = 72
#: Characters of table text that fit across the PDF's text block (A4, the book's Typst
#: template, 10-11 pt serif), with a margin for wide letters and figures.
PAGE_CHARS = 96
#: Characters a cell loses to its padding on either side (Typst table inset).
CELL_PADDING = 2
#: Line-break opportunities inside a word that Typst uses: after a hyphen, dash or slash.
_BREAK_AFTER = re.compile(r"(?<=[-–/])")
#: Spaces a line may break at; a no-break space (U+00A0, U+202F) joins the words beside it.
_BREAKING_SPACE = re.compile(r"[ \t\n]+")
#: Abbreviations after which pandoc's Markdown reader puts a no-break space, joining them to the
#: next word ("sec. Methodology", "p. 128"): its default list, printed by
#: ``pandoc --print-default-data-file=abbreviations`` (pandoc 3.9).
PANDOC_ABBREVIATIONS = frozenset(
    "aet. aetat. al. Apr. Aug. bk. Bros. c. Capt. cf. ch. chap. chs. Co. col. Corp. cp. d. Dec. Dr. "
    "e.g. ed. eds. esp. f. fasc. Feb. ff. fig. fl. fol. fols. Fr. Gen. Gov. Hon. i.e. ill. Inc. incl. "
    "Jan. Jr. Jul. Jun. Ltd. M.A. M.D. Mar. Mr. Mrs. Ms. n. n.b. nn. No. Nov. Oct. p. Ph.D. pp. Pres. "
    "Prof. pt. q.v. Rep. Rev. s.v. s.vv. saec. sec. Sen. Sep. Sept. Sgt. Sr. St. univ. viz. vol. vs.".split()
)
#: Markdown that takes no room when rendered (emphasis, code ticks) or is replaced by its text.
_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\([^)]*\)")
_CROSSREF = re.compile(r"@(?:tbl|fig|sec)-[\w-]*\w")
_MARKUP = re.compile(r"[*`]")
_CODE_SPAN = re.compile(r"(`[^`]*`)")
#: A sign that belongs to the number after it ("≤ 1.5", "± 4.1"): the space between them.
_SIGN_SPACE = re.compile(r"(?<=[<>≤≥±]) (?=\d)")
#: Width of a monospaced (code) character relative to an average character of the serif text.
CODE_WIDTH = 1.3
#: Width of a capital letter relative to an average character (measured with Typst's serif font).
CAPITAL_WIDTH = 1.4


@dataclass(frozen=True)
class PipeTable:
    """A Markdown pipe table split into its parts.

    Attributes
    ----------
    header : list of str
        Header cells, stripped.
    separator : list of str
        Separator cells (dashes and alignment colons), stripped.
    rows : list of list of str
        Body cells, stripped.
    longest_line : int
        Length of the longest line of the table as written.
    """

    header: list[str]
    separator: list[str]
    rows: list[list[str]]
    longest_line: int

    @property
    def has_relative_widths(self) -> bool:
        """Whether pandoc sizes the columns by the separator's dashes (the table is wide)."""
        return self.longest_line > PANDOC_LINE

    def column_chars(self) -> list[float]:
        """Characters of text each column holds in the PDF (after padding), from the dashes."""
        if not self.has_relative_widths:
            return [float(PAGE_CHARS)] * len(self.header)
        dashes = [len(cell) for cell in self.separator]
        return [PAGE_CHARS * count / sum(dashes) - 2 * CELL_PADDING for count in dashes]


def parse_pipe_table(markdown: str) -> PipeTable:
    """Split the first pipe table of ``markdown`` into header, separator and rows.

    Examples
    --------
    >>> table = parse_pipe_table("| a | b |\\n|:--|--:|\\n| 1 | 2 |")
    >>> table.header, table.separator, table.rows
    (['a', 'b'], [':--', '--:'], [['1', '2']])
    """
    lines = [line.strip() for line in markdown.strip().splitlines() if line.strip().startswith("|")]
    if len(lines) < 2:
        raise ValueError(f"not a pipe table (needs a header and a separator line): {markdown[:80]!r}")

    def cells(line: str) -> list[str]:
        return [cell.strip() for cell in line.strip().strip("|").split("|")]

    return PipeTable(cells(lines[0]), cells(lines[1]), [cells(line) for line in lines[2:]], max(map(len, lines)))


def visible_text(cell: str) -> str:
    """The text a reader sees in a cell: link text for links, ``Table 9.99`` for a cross-reference.

    Examples
    --------
    >>> visible_text("[`data.csv`](../data.csv), see @tbl-counts")
    'data.csv, see Table 9.99'
    """
    text = _LINK.sub(lambda match: match.group("text"), cell)
    text = _CROSSREF.sub("Table 9.99", text)
    return _MARKUP.sub("", text)


def _words(text: str) -> list[str]:
    """The pieces of ``text`` between which a line may break at a space.

    Examples
    --------
    >>> _words("sec. Methodology and 9.3\u00a0×\u00a010⁻¹⁰")
    ['sec. Methodology', 'and', '9.3\xa0×\xa010⁻¹⁰']
    """
    words: list[str] = []
    for word in _BREAKING_SPACE.split(text.strip()):
        if words and words[-1].split(" ")[-1] in PANDOC_ABBREVIATIONS:
            words[-1] += " " + word
        elif word:
            words.append(word)
    return words


def _widths(cell: str) -> tuple[list[int], int]:
    """Widths, in average serif characters, of the unbreakable pieces of ``cell`` and of the whole."""
    pieces, total = [], 0.0
    for part in _CODE_SPAN.split(_LINK.sub(lambda match: match.group("text"), cell)):
        scale = CODE_WIDTH if part.startswith("`") else 1.0
        text = visible_text(part)
        total += scale * _length(text)
        pieces += [math.ceil(scale * _length(piece)) for word in _words(text) for piece in _BREAK_AFTER.split(word)]
    return pieces, math.ceil(total)


def _length(text: str) -> float:
    """Characters, a capital letter counting :data:`CAPITAL_WIDTH` of an average one."""
    return len(text) + (CAPITAL_WIDTH - 1) * sum(character.isupper() for character in text)


def longest_word(cell: str) -> int:
    """Width of the widest piece of ``cell`` that the PDF cannot break across lines.

    Lines break at spaces and after hyphens, dashes and slashes, but not at a
    no-break space, nor after an abbreviation that pandoc joins to the next
    word (:data:`PANDOC_ABBREVIATIONS`); table cells are never hyphenated (see
    ``chapters/_theme/book-rules.typ``). Widths are in
    average characters of the text font; code counts :data:`CODE_WIDTH` times
    and a capital :data:`CAPITAL_WIDTH` times.

    Examples
    --------
    >>> longest_word("data/derived/statistics.csv and more")
    14
    >>> longest_word("`statistics.csv`")
    19
    >>> longest_word("MAJOR")
    7
    >>> longest_word("sec. Methodology")
    17
    """
    return max(_widths(cell)[0], default=0)


def text_width(cell: str) -> int:
    """Width of the whole of ``cell`` on one line, in average characters of the text font.

    Examples
    --------
    >>> text_width("See [the data](data.csv)")
    13
    """
    return _widths(cell)[1]


def column_widths(header: list[str], rows: list[list[str]], page_chars: int = PAGE_CHARS) -> list[int]:
    """Characters per column: each at least its longest word, long text sharing what is left.

    A column whose cells all fit gets its longest cell; when the columns'
    natural widths exceed ``page_chars``, each keeps its longest word plus
    padding and the spare characters go to the columns in proportion to how
    much more their longest cell needs.

    Parameters
    ----------
    header : list of str
        Header cells.
    rows : list of list of str
        Body cells.
    page_chars : int
        Characters across the text block.

    Returns
    -------
    list of int
        One width per column, in characters, padding included.

    Examples
    --------
    >>> column_widths(["Value", "Note"], [["£100,000", "a long note " * 20]])
    [12, 84]
    """
    columns = list(zip(header, *rows))
    minimum = [max(map(longest_word, column)) + 2 * CELL_PADDING for column in columns]
    natural = [max(max(map(text_width, column)) + 2 * CELL_PADDING, low) for column, low in zip(columns, minimum)]
    if sum(natural) <= page_chars:
        return natural
    spare = page_chars - sum(minimum)
    extra = [want - low for want, low in zip(natural, minimum)]
    if spare <= 0 or sum(extra) == 0:
        return minimum
    return [low + math.floor(spare * more / sum(extra)) for low, more in zip(minimum, extra)]


def join_values(text: str) -> str:
    """``text`` with each sign joined to the number after it by a no-break space.

    A bound or an error written by a chapter ("≤ 1.5 × 10⁻⁵", "(± 4.1 × 10⁻²¹)")
    then stays on one line in a narrow column, as :mod:`analysis.formatting`
    keeps its own values together.

    Examples
    --------
    >>> join_values("≤ 1.5 and (± 0.2) but not - 3")
    '≤\xa01.5 and (±\xa00.2) but not - 3'
    """
    return _SIGN_SPACE.sub(NO_BREAK_SPACE, text)


def _separator(cell: str, width: int) -> str:
    left, right = cell.startswith(":"), cell.endswith(":")
    return (":" if left else "") + "-" * max(width - left - right, 1) + (":" if right else "")


def markdown_table(frame: pd.DataFrame, *, index: bool = False, floatfmt: str = ".3g") -> Markdown:
    """Render ``frame`` as a Markdown pipe table that Quarto can caption and cross-reference.

    A wide table gets relative column widths (see the module's notes) so that
    no word is wider than its column in the PDF, and a sign in a cell stays
    with the number after it (:func:`join_values`).

    Parameters
    ----------
    frame : pandas.DataFrame
        Already formatted for reading (column names as headings).
    index : bool
        Whether to show the index as the first column.
    floatfmt : str
        Format for float cells (tabulate's ``floatfmt``).

    Returns
    -------
    IPython.display.Markdown
        Display object; as a cell's last value it becomes the table under the
        cell's ``tbl-cap`` and ``label``.

    Examples
    --------
    >>> markdown_table(pd.DataFrame({"p": [0.12345]})).data.splitlines()[-1]
    '| 0.123 |'
    >>> wide = markdown_table(pd.DataFrame({"Value": ["£100,000"], "Note": ["a long note " * 20]}))
    >>> wide.data.splitlines()[1]  # dashes give Value 12 and Note 84 of 96 characters
    '|:-----------|:-----------------------------------------------------------------------------------|'
    """
    shown = frame.map(lambda value: join_values(value) if isinstance(value, str) else value)
    text = shown.to_markdown(index=index, floatfmt=floatfmt, tablefmt="pipe")
    table = parse_pipe_table(text)
    if not table.has_relative_widths:
        return Markdown(text)
    widths = column_widths(table.header, table.rows)
    lines = text.splitlines()
    lines[1] = "|" + "|".join(_separator(cell, width) for cell, width in zip(table.separator, widths)) + "|"
    return Markdown("\n".join(lines))
