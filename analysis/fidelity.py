"""Measures of how closely the compendium's own words follow the two source texts.

The coding rules say summaries are written in our own words and structure, that
no run of :data:`COPIED_RUN_WORDS` words from a source appears outside quotation
marks, and that every quotation and stated figure sits at the page or section
its locator names. These functions turn those rules into numbers a test can
check: word tokens, shared word sequences, and the text of a source at a locator.

The copyrighted source texts are read from :data:`analysis.config.SOURCES` at
test time; nothing here stores any of their wording.

Examples
--------
>>> tokens("Children’s services — ‘under strain’ in 2016.")
["children's", 'services', 'under', 'strain', 'in', '2016']
>>> outside_quotations('He said “a short quote” and left.')
'He said and left.'
>>> shared_share(tokens("one two three four five six"), {("two", "three", "four", "five", "six")}, 5)
0.5
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from analysis import config
from analysis.themes import BODY_2019_SECTIONS, PAGE, PAGES, SECTION

#: Longest run of a source's words allowed outside quotation marks is one less than this.
COPIED_RUN_WORDS = 8
#: Length of the word sequences (shingles) used to measure close paraphrase.
SHINGLE_WORDS = 5
#: Largest share of a summary sentence's 5-word sequences that may also occur in its source.
#: The audited coding stays well below it; the pre-audit close paraphrases are above it.
MAX_SHARED_SHINGLES = 0.3
#: Sentences shorter than this many words are too short for a meaningful share.
MIN_SENTENCE_WORDS = 8

#: Page-start markers such as "(p.118)" in the Body (2020) text.
PAGE_MARKER = re.compile(r"\(p\.(?P<page>\d+)\)")
#: Quoted passages: curly double, straight double (which may run over a line break),
#: and curly or straight single quotes that open after a non-word character and close
#: before one (so apostrophes stay).
QUOTATION = re.compile(r"“[^”]*”|\"[^\"]{0,400}\"|(?<![\w’'])‘[^‘]*?’(?![\w])|(?<![\w’'])'[^'\n]*?'(?![\w])")
#: Pandoc citations and cross-references: ``[@key, p. 3]`` and bare ``@key``.
CITATION = re.compile(r"\[[^\]]*@[^\]]*\]|@[A-Za-z][\w:.-]*\w")
#: Identifiers that are not prose: web addresses and DOIs (``doi:10.1332/...``).
IDENTIFIER = re.compile(r"<?https?://[^\s>]+>?|\bdoi:\s*\S+|\b10\.\d{4,9}/\S+")
#: An ellipsis marking words left out of a quotation.
ELLIPSIS = re.compile(r"\s*(?:…|\.{3,})\s*")
#: A sentence end: punctuation, optional closing quote or bracket, space, then a capital or opener.
SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?]['\"’”)\]]))\s+(?=[A-Z“\"‘(])")


def tokens(text: str) -> list[str]:
    """Lower-case word tokens, with curly apostrophes and dashes normalised.

    Examples
    --------
    >>> tokens("Process-driven, not ‘relational’!")
    ['process', 'driven', 'not', 'relational']
    """
    text = text.replace("’", "'").replace("‘", "'").replace("–", " ").replace("—", " ").replace("-", " ")
    return [word.strip("'") for word in re.findall(r"[a-z0-9']+", text.lower()) if word.strip("'")]


def outside_quotations(text: str) -> str:
    """``text`` with quoted passages, Pandoc citations, web addresses and DOIs blanked out.

    Examples
    --------
    >>> outside_quotations("They wanted to 'get it right' [@body2019, sec. Findings].")
    'They wanted to .'
    >>> outside_quotations("Policy Press. doi:10.1332/policypress/9781447346432.003.0006")
    'Policy Press.'
    """
    return " ".join(CITATION.sub(" ", IDENTIFIER.sub(" ", QUOTATION.sub(" ", text))).split())


def comparable(text: str) -> str:
    """Text reduced to what a verbatim comparison looks at.

    Curly quotation marks and apostrophes become straight, emphasis asterisks
    and page markers go, and whitespace is collapsed, so that a quotation typed
    in the book can be compared with the source text as stored.

    Examples
    --------
    >>> comparable("they *‘behind closed doors’*  (p.118) said")
    "they 'behind closed doors' said"
    """
    for curly, straight in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("*", "")):
        text = text.replace(curly, straight)
    return normalise(text)


def is_verbatim(quote: str, source: str) -> bool:
    """Whether a quotation appears word for word in ``source`` (a :func:`comparable` text).

    An ellipsis in the quotation marks words left out: the pieces on either side
    must appear in order. Punctuation at either end of a piece, and the case of
    its first letter, may differ from the source (a quotation may start a
    sentence, or end where the source's sentence goes on); nothing else may.

    Examples
    --------
    >>> source = comparable("I don’t think that is necessarily about size. Really.")
    >>> is_verbatim("I don’t think that is necessarily about size.", source)
    True
    >>> is_verbatim("not necessarily about size", source)
    False
    >>> is_verbatim("I don’t think … about size", source)
    True
    >>> is_verbatim("about size … I don’t think", source)
    False
    >>> is_verbatim("size. R", source)  # whole words only
    False
    """
    position = 0
    for piece in ELLIPSIS.split(comparable(quote)):
        piece = piece.strip(" .,;:!?")
        if not piece:
            continue
        first = f"[{re.escape(piece[0].upper())}{re.escape(piece[0].lower())}]"
        match = re.compile(rf"(?<!\w){first}{re.escape(piece[1:])}(?!\w)").search(source, position)
        if match is None:
            return False
        position = match.end()
    return True


def sentences(text: str) -> list[str]:
    """Split prose into sentences at a full stop, question or exclamation mark.

    Examples
    --------
    >>> sentences("One idea. Another (with a note). “Quoted.” Last")
    ['One idea.', 'Another (with a note).', '“Quoted.”', 'Last']
    """
    return [part.strip() for part in SENTENCE_END.split(" ".join(text.split())) if part.strip()]


def ngrams(words: list[str], size: int) -> set[tuple[str, ...]]:
    """Every run of ``size`` consecutive words.

    Examples
    --------
    >>> sorted(ngrams(["a", "b", "c"], 2))
    [('a', 'b'), ('b', 'c')]
    """
    return {tuple(words[start : start + size]) for start in range(len(words) - size + 1)}


def shared_share(words: list[str], source_ngrams: set[tuple[str, ...]], size: int = SHINGLE_WORDS) -> float:
    """Share of the ``size``-word sequences of ``words`` that also occur in the source.

    Returns 0.0 when ``words`` is shorter than ``size``.

    Examples
    --------
    >>> shared_share(["a", "b", "c"], {("a", "b")}, 2)
    0.5
    """
    runs = [tuple(words[start : start + size]) for start in range(len(words) - size + 1)]
    return sum(run in source_ngrams for run in runs) / len(runs) if runs else 0.0


def copied_runs(text: str, source_ngrams: set[tuple[str, ...]], size: int = COPIED_RUN_WORDS) -> list[str]:
    """Maximal runs of at least ``size`` words of ``text``, outside quotations, found in a source.

    ``source_ngrams`` holds the source's ``size``-word sequences (see :func:`ngrams`).

    Examples
    --------
    >>> source = ngrams(tokens("one two three four five six seven"), 3)
    >>> copied_runs("zero one two three four nine", source, 3)
    ['one two three four']
    >>> copied_runs("zero 'one two three four' nine", source, 3)
    []
    """
    words = tokens(outside_quotations(text))
    hits = [start for start in range(len(words) - size + 1) if tuple(words[start : start + size]) in source_ngrams]
    runs: list[tuple[int, int]] = []
    for start in hits:
        if runs and start <= runs[-1][1]:
            runs[-1] = (runs[-1][0], start + size)
        else:
            runs.append((start, start + size))
    return [" ".join(words[first:last]) for first, last in runs]


def close_paraphrases(
    text: str, source_ngrams: set[tuple[str, ...]], limit: float = MAX_SHARED_SHINGLES
) -> list[tuple[float, str]]:
    """Sentences of ``text`` whose share of shared 5-word sequences exceeds ``limit``.

    Quotations and citations are left out before measuring; sentences under
    :data:`MIN_SENTENCE_WORDS` words are skipped.

    Examples
    --------
    >>> source = ngrams(tokens("the cat sat on the mat by the door of the old house"), 5)
    >>> close_paraphrases("The cat sat on the mat by the door of the new house.", source)
    [(0.78, 'The cat sat on the mat by the door of the new house.')]
    """
    found = []
    for sentence in sentences(text):
        words = tokens(outside_quotations(sentence))
        if len(words) >= MIN_SENTENCE_WORDS:
            share = shared_share(words, source_ngrams)
            if share > limit:
                found.append((round(share, 2), sentence))
    return found


def source_words(path: Path) -> list[str]:
    """Word tokens of a source text, page markers removed."""
    return tokens(PAGE_MARKER.sub(" ", path.read_text(encoding="utf-8")))


def normalise(text: str) -> str:
    """Whitespace collapsed and page markers removed, for matching verbatim wording.

    Examples
    --------
    >>> normalise("a  (p.118) b\\nc")
    'a b c'
    """
    return " ".join(PAGE_MARKER.sub(" ", text).split())


def body2020_pages(text: str, first_page: int = 109) -> dict[int, str]:
    """Text of each printed page of Body (2020): a page runs from its marker to the next.

    Text before the first marker belongs to ``first_page``; the markers themselves
    are dropped and whitespace collapsed.

    Examples
    --------
    >>> body2020_pages("start (p.110) middle (p.111) end")
    {109: 'start', 110: 'middle', 111: 'end'}
    """
    pages: dict[int, str] = {}
    page, position = first_page, 0
    for marker in PAGE_MARKER.finditer(text):
        pages[page] = pages.get(page, "") + text[position : marker.start()]
        page, position = int(marker["page"]), marker.end()
    pages[page] = pages.get(page, "") + text[position:]
    return {number: normalise(body) for number, body in pages.items()}


def body2019_sections(text: str) -> dict[str, str]:
    """Text of each section of Body (2019), from its heading line to the next heading.

    Examples
    --------
    >>> body2019_sections("Introduction\\nsome text\\nMethodology\\nmore")["Introduction"]
    'some text'
    """
    lines = text.splitlines()
    starts = [(index, line.strip()) for index, line in enumerate(lines) if line.strip() in BODY_2019_SECTIONS]
    bounds = [*starts, (len(lines), "")]
    return {
        heading: normalise("\n".join(lines[start + 1 : bounds[position + 1][0]]))
        for position, (start, heading) in enumerate(starts)
    }


def located_text(source: str, locator: str, parts: Mapping[object, str], spill: bool = False) -> str:
    """The text a locator points to: a Body (2019) section, or Body (2020) pages joined.

    ``parts`` is the output of :func:`body2019_sections` or :func:`body2020_pages`.
    With ``spill``, a Body (2020) locator also takes the page after its last one,
    for wording that starts on the cited page and runs over the page break.

    Examples
    --------
    >>> located_text("body2020", "p. 110", {109: "a", 110: "b c", 111: "d e"})
    'b c'
    >>> located_text("body2020", "pp. 110–111", {109: "a", 110: "b c", 111: "d e"})
    'b c d e'
    >>> located_text("body2019", "sec. Findings", {"Findings": "text"})
    'text'
    """
    if source == "body2019":
        match = SECTION.match(locator)
        return parts.get(match["heading"], "") if match else ""
    single, span = PAGE.match(locator), PAGES.match(locator)
    if not (single or span):
        return ""
    first = int((single or span)["first"])
    last = int(span["last"]) + (1 if spill else 0) if span else first + (1 if spill else 0)
    return " ".join(parts.get(page, "") for page in range(first, last + 1) if parts.get(page))


def quotation_is_located(quote: str, source: str, locator: str, parts: Mapping[object, str]) -> bool:
    """Whether a verbatim quotation begins inside the section or pages its locator names.

    A Body (2020) quotation may run over onto the next page, but must start on a
    cited page.

    Examples
    --------
    >>> pages = {109: "a", 110: "b c", 111: "d e"}
    >>> quotation_is_located("c d", "body2020", "p. 110", pages)
    True
    >>> quotation_is_located("d e", "body2020", "p. 110", pages)
    False
    """
    quote = " ".join(quote.split())
    cited = located_text(source, locator, parts)
    if source == "body2019":
        return quote in cited
    extended = located_text(source, locator, parts, spill=True)
    start = extended.find(quote)
    while start != -1:
        if start < len(cited):
            return True
        start = extended.find(quote, start + 1)
    return False


def figure_wordings(value: float, unit: str) -> list[str]:
    """Regular expressions for the ways a source may write a stated figure.

    Examples
    --------
    >>> any(re.search(p, "fifteen commissioners") for p in figure_wordings(15, "count"))
    True
    >>> any(re.search(p, "£4billion reduction") for p in figure_wordings(4e9, "pounds"))
    True
    >>> any(re.search(p, "more than half") for p in figure_wordings(0.5, "fraction"))
    True
    """
    if unit == "fraction":
        return [FRACTION_WORDS[round(value, 4)]] if round(value, 4) in FRACTION_WORDS else []
    if unit == "pounds":
        for size, word in ((1e9, "billion"), (1e6, "million")):
            if value >= size and value % size == 0:
                return [rf"£{value / size:g} ?{word}"]
        return [rf"£{value:,.0f}(?![\d,])"]
    number = int(value)
    patterns = [rf"(?<![\d.,£]){number}(?!\d|,\d)", rf"(?<![\d.,£]){number:,}(?!\d|,\d)"]
    if number in NUMBER_WORDS:
        patterns.append(rf"\b{NUMBER_WORDS[number]}\b")
    if number == 1:
        patterns.append(r"\bsingle\b")
    return patterns


#: Counts a source may spell out in words.
NUMBER_WORDS: dict[int, str] = {
    0: "none", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight",
    9: "nine", 10: "ten", 11: "eleven", 12: "twelve", 15: "fifteen", 20: "twenty", 100: "hundred",
}  # fmt: skip
#: Fractions a source may state in words ("over a third", "four out of five").
FRACTION_WORDS: dict[float, str] = {
    0.2: r"\bfifth\b",
    0.25: r"\bquarter\b",
    0.3333: r"\bthird\b",
    0.5: r"\bhalf\b",
    0.8: r"\bfour out of five\b",
}


def figure_is_stated(value: float, unit: str, text: str) -> bool:
    """Whether ``text`` writes the figure in one of the ways :func:`figure_wordings` knows.

    Examples
    --------
    >>> figure_is_stated(72, "percent", "a 72% reduction")
    True
    >>> figure_is_stated(73, "percent", "a 72% reduction")
    False
    """
    return any(re.search(pattern, text, re.IGNORECASE) for pattern in figure_wordings(value, unit))


def sentences_stating(value: float, unit: str, text: str) -> list[str]:
    """The sentences of ``text`` that state the figure.

    Examples
    --------
    >>> sentences_stating(22, "percent", "Demand rose. There was a 22% rise (Vibert, 2016). Then more.")
    ['There was a 22% rise (Vibert, 2016).']
    """
    return [sentence for sentence in sentences(text) if figure_is_stated(value, unit, sentence)]


def recorded_keys(note: str) -> list[str]:
    """Citation keys a stated-figure note records as the work the source cites for it.

    Examples
    --------
    >>> recorded_keys("between 2008 and 2015; Body cites @vibert2016")
    ['vibert2016']
    """
    return re.findall(r"(?<![\w@])@([A-Za-z][\w-]*\w)", note)


def all_ngrams(paths: Iterable[Path], size: int) -> set[tuple[str, ...]]:
    """Every ``size``-word sequence of the given source texts."""
    found: set[tuple[str, ...]] = set()
    for path in paths:
        found |= ngrams(source_words(path), size)
    return found


#: The two source texts by citation key.
SOURCE_TEXTS: dict[str, Path] = {"body2020": config.SOURCE_BODY_2020, "body2019": config.SOURCE_BODY_2019}
