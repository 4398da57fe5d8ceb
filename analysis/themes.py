"""The thematic coding of the two sources: load, validate, select and render.

Each source has one hand-written YAML file in ``data/themes`` (``body2020.yaml``,
``body2019.yaml``). A file lists *themes*: a summary in the coder's own words,
short verbatim quotations as evidence, citations with page or section locators,
and links to related themes in the other source. :func:`load_themes` turns the
files into frozen :class:`Theme` objects and refuses anything a reader could not
check (an unknown section, a page outside the chapter, a citation key missing
from ``references.bib``, an over-long quotation, a dangling link).
:func:`render_themes` writes them as Markdown with Pandoc citations for the book.

Examples
--------
>>> check_locator("body2020", "pp. 125–127") is None
True
>>> check_locator("body2020", "p. 150")
'page 150 is outside body2020 (pp. 109–143)'
>>> check_locator("body2019", "sec. Findings") is None
True
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import bibtexparser
import pandas as pd
import yaml

from analysis import config
from analysis.errors import CompendiumError, one_line, read_utf8
from analysis.errors import display_path as _name

#: Coverage groups (the ``section`` field) each source's coding must use.
SECTIONS: dict[str, tuple[str, ...]] = {
    "body2020": (
        "introduction",
        "policy-context",
        "challenges",
        "definition",
        "process-relational",
        "over-formalisation",
        "size-matters",
        "bureaucratic-procurement",
        "working-together",
        "conclusion",
    ),
    "body2019": (
        "commissioning-role",
        "discretion",
        "research-context",
        "method",
        "constraining-factors",
        "strategies",
        "approaches",
        "conclusions",
    ),
}

#: Prefix every theme id of a source must carry.
ID_PREFIXES: dict[str, str] = {"body2020": "b20-", "body2019": "b19-"}

#: The other source whose text a quotation's ``also_in`` locator points into.
SHARED_WITH: dict[str, str] = {"body2020": "body2019"}

#: The chapter section that presents each coverage group: the themes are woven into an
#: argument (written prose, or :func:`render_argument`) rather than given headings of their own.
PRESENTED_IN: dict[str, dict[str, str]] = {
    "body2020": {
        "introduction": "sec-voices-argument",
        "policy-context": "sec-context-policy",
        "challenges": "sec-context-challenges",
        "definition": "sec-voices-definition",
        "process-relational": "sec-voices-process",
        "over-formalisation": "sec-voices-formalisation",
        "size-matters": "sec-voices-size",
        "bureaucratic-procurement": "sec-voices-procurement",
        "working-together": "sec-voices-together",
        "conclusion": "sec-voices-conclusion",
    },
    "body2019": {
        "commissioning-role": "sec-discretion-why",
        "discretion": "sec-discretion-two-dimensions",
        "research-context": "sec-discretion-evidence",
        "method": "sec-discretion-evidence",
        "constraining-factors": "sec-discretion-factors",
        "strategies": "sec-discretion-strategies",
        "approaches": "sec-discretion-approaches",
        "conclusions": "sec-discretion-conclusions",
    },
}

#: Printed page range of Body (2020), chapter 5.
BODY_2020_PAGES: tuple[int, int] = (109, 143)

#: Section headings of Body (2019), accepted manuscript, in the order they appear.
#: The manuscript has no page numbers, so section locators use these headings.
BODY_2019_SECTIONS: tuple[str, ...] = (
    "Abstract",
    "Introduction",
    "The Rise of Commissioning and the Commissioner",
    "The Role of Discretion in Public Policy",
    "Research Context",
    "Methodology",
    "Findings",
    "Factors Reducing 'Space' for Discretion",
    "Strategies Employed to Bypass Bureaucratic Systems",
    "Strategy one: Back-stage engagement",
    "Strategy two: Promoting visibility of preferred TSOs",
    "Strategy three: Buffering",
    "Discussion",
    "Conclusion",
)

#: Longest quotation allowed as evidence, in words.
MAX_QUOTE_WORDS = 40

#: Levels of discretion used to place an approach on the Body (2019) typology.
DISCRETION_LEVELS: tuple[str, ...] = ("low", "high")

KEBAB_CASE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PAGE = re.compile(r"^p\. (?P<first>\d+)$")
PAGES = re.compile(r"^pp\. (?P<first>\d+)–(?P<last>\d+)$")
SECTION = re.compile(r"^sec\. (?P<heading>.+)$")
#: A sentence end followed by more words: marks a quotation of more than one sentence.
SENTENCE_BREAK = re.compile(r"[.!?…]['\"’”)\]]*\s+\S")
#: Pandoc citation keys in running text, e.g. ``[@body2020, p. 128]``.
CITATION_KEY = re.compile(r"(?<![\w@.])@(?P<key>[A-Za-z][\w:.#$%&+?<>~/-]*\w)")

REQUIRED_THEME_FIELDS: tuple[str, ...] = ("id", "title", "section", "summary", "citations")


# bibtexparser logs each unparsable block as a multi-line warning; bibliography_keys reports
# the first one as a one-line error instead, so the log has no handler of last resort.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())


class ThemeError(CompendiumError):
    """A thematic-coding file breaks the schema; the message names file, theme and problem."""


class BibliographyError(CompendiumError):
    """``references.bib`` cannot be read or has an entry BibTeX cannot parse; the message names the line."""


@dataclass(frozen=True)
class Citation:
    """One citation of a theme, rendered as ``[@key, locator]``.

    Examples
    --------
    >>> Citation("body2019", "sec. Findings").pandoc()
    '[@body2019, sec. Findings]'
    """

    key: str
    locator: str = ""

    def pandoc(self) -> str:
        """The Pandoc citation in brackets."""
        return f"[{self.inline()}]"

    def inline(self) -> str:
        """The citation without brackets, for joining several with ``;``."""
        return f"@{self.key}, {self.locator}" if self.locator else f"@{self.key}"


@dataclass(frozen=True)
class Evidence:
    """A short verbatim quotation from a source, with the speaker's role and its locator.

    ``also_in`` is set when the other source prints the same words: the Body
    (2019) section locator of a Body (2020) quotation the two works share.

    Examples
    --------
    >>> Evidence("one sentence", "Commissioner", "sec. Findings").speaker
    'Commissioner'
    >>> Evidence("shared words", "Commissioner", "p. 118", also_in="sec. Discussion").also_in
    'sec. Discussion'
    """

    quote: str
    speaker: str
    locator: str
    also_in: str | None = None


@dataclass(frozen=True)
class Theme:
    """One coded theme of a source.

    ``discretion`` is set only for the Body (2019) approaches: the levels of
    vertical (granted) and horizontal (used) discretion the source gives them.
    ``figures`` names the stated figures (``figure_id`` in ``data/raw/source_figures``)
    the summary reports, so a test can check it cites the work the source cites for them.

    Examples
    --------
    >>> theme = Theme("b19-x", "body2019", "X", "method", "Text.", (), (Citation("body2019", "sec. Methodology"),), ())
    >>> theme.anchor
    'sec-b19-x'
    """

    id: str
    source: str
    title: str
    section: str
    summary: str
    evidence: tuple[Evidence, ...]
    citations: tuple[Citation, ...]
    related: tuple[str, ...]
    discretion: tuple[str, str] | None = None  # (vertical, horizontal)
    figures: tuple[str, ...] = ()

    @property
    def anchor(self) -> str:
        """The cross-reference label of the theme's heading."""
        return f"sec-{self.id}"


def bibliography_keys(path: Path = config.REFERENCES_BIB) -> frozenset[str]:
    """Citation keys defined in a BibTeX file (parsed with bibtexparser v2).

    Raises
    ------
    BibliographyError
        If the file cannot be read as UTF-8, or a block fails to parse or
        repeats a key (naming the block's line).

    Examples
    --------
    >>> {"body2019", "body2020"} <= bibliography_keys()
    True
    """
    name = _name(path)
    text = read_utf8(path, BibliographyError)
    library = bibtexparser.parse_string(text)
    if library.failed_blocks:
        block = library.failed_blocks[0]
        problem = getattr(block.error, "abort_reason", "") or str(block.error)
        entry = one_line(block.raw)[:40]
        raise BibliographyError(f"{name}: line {block.start_line + 1}: cannot parse {entry!r}: {one_line(problem)}")
    return frozenset(entry.key for entry in library.entries)


def check_locator(source: str, locator: str) -> str | None:
    """Return the problem with a locator for ``source``, or ``None`` if it is valid.

    Body (2020) takes ``p. N`` or ``pp. N–M`` (en dash) within pp. 109–143;
    Body (2019) takes ``sec. <heading>`` with one of :data:`BODY_2019_SECTIONS`.
    Other works take an optional page locator.

    Examples
    --------
    >>> check_locator("body2019", "sec. Results")
    "section 'Results' is not a heading of body2019"
    >>> check_locator("body2020", "pp. 130–128")
    "page range 'pp. 130–128' runs backwards"
    """
    if source == "body2019":
        match = SECTION.match(locator)
        if not match:
            return f"locator {locator!r} is not of the form 'sec. <Section heading>'"
        if match["heading"] not in BODY_2019_SECTIONS:
            return f"section {match['heading']!r} is not a heading of body2019"
        return None
    if source != "body2020" and locator == "":
        return None
    single, span = PAGE.match(locator), PAGES.match(locator)
    if not (single or span):
        return f"locator {locator!r} is not of the form 'p. N' or 'pp. N–M'"
    first = int((single or span)["first"])
    last = int(span["last"]) if span else first
    if last < first:
        return f"page range {locator!r} runs backwards"
    if source == "body2020":
        low, high = BODY_2020_PAGES
        for page in (first, last):
            if not low <= page <= high:
                return f"page {page} is outside body2020 (pp. {low}–{high})"
    return None


def check_quote(quote: str) -> str | None:
    """Return the problem with an evidence quotation, or ``None`` if it is short enough.

    Examples
    --------
    >>> check_quote("One sentence only.") is None
    True
    >>> check_quote("First sentence. Second one.")
    'quotation has more than one sentence'
    """
    words = len(quote.split())
    if words == 0:
        return "quotation is empty"
    if words > MAX_QUOTE_WORDS:
        return f"quotation has {words} words (limit {MAX_QUOTE_WORDS})"
    if SENTENCE_BREAK.search(quote.strip()):
        return "quotation has more than one sentence"
    return None


def load_themes(folder: Path = config.THEMES, bibliography: Path = config.REFERENCES_BIB) -> tuple[Theme, ...]:
    """Load and validate every ``*.yaml`` coding file in ``folder``.

    Parameters
    ----------
    folder : Path
        Folder of coding files, one per source.
    bibliography : Path
        BibTeX file every citation key must resolve in.

    Returns
    -------
    tuple of Theme
        All themes, file by file (sorted by file name), in file order.

    Raises
    ------
    ThemeError
        Naming the file, the theme id and the problem.

    Examples
    --------
    >>> themes = load_themes()
    >>> sorted({theme.source for theme in themes}) >= ["body2019"]
    True
    """
    keys = bibliography_keys(bibliography)
    themes: list[Theme] = []
    origin: dict[str, Path] = {}
    for path in sorted(Path(folder).glob("*.yaml")):
        for theme in _read_file(path, keys):
            if theme.id in origin:
                raise ThemeError(f"{_name(path)}: theme {theme.id}: duplicate id (also in {_name(origin[theme.id])})")
            origin[theme.id] = path
            themes.append(theme)
    by_id = {theme.id: theme for theme in themes}
    for theme in themes:
        for related in theme.related:
            if related not in by_id:
                raise ThemeError(f"{_name(origin[theme.id])}: theme {theme.id}: related id {related!r} does not exist")
            if by_id[related].source == theme.source:
                raise ThemeError(
                    f"{_name(origin[theme.id])}: theme {theme.id}: related id {related!r} is in the same source"
                )
    return tuple(themes)


def _read_file(path: Path, keys: frozenset[str]) -> list[Theme]:
    name = _name(path)
    text = read_utf8(path, ThemeError)
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ThemeError(f"{name}: not valid YAML ({str(error).splitlines()[0]})") from None
    if not isinstance(document, dict) or "source" not in document or "themes" not in document:
        raise ThemeError(f"{name}: needs top-level fields 'source' and 'themes'")
    source = document["source"]
    if source not in SECTIONS:
        raise ThemeError(f"{name}: unknown source {source!r} (known: {', '.join(SECTIONS)})")
    if not isinstance(document["themes"], list) or not document["themes"]:
        raise ThemeError(f"{name}: 'themes' must be a non-empty list")
    themes, seen = [], set()
    for position, record in enumerate(document["themes"], start=1):
        theme = _theme(record, source, keys, f"{name}: theme {_label(record, position)}")
        if theme.id in seen:
            raise ThemeError(f"{name}: theme {theme.id}: duplicate id")
        seen.add(theme.id)
        themes.append(theme)
    return themes


def _label(record: object, position: int) -> str:
    if isinstance(record, dict) and isinstance(record.get("id"), str):
        return record["id"]
    return f"#{position} (no id)"


def _theme(record: object, source: str, keys: frozenset[str], where: str) -> Theme:
    if not isinstance(record, dict):
        raise ThemeError(f"{where}: must be a mapping of fields")
    for field in REQUIRED_THEME_FIELDS:
        if record.get(field) in (None, "", []):
            raise ThemeError(f"{where}: missing required field {field!r}")
    theme_id = record["id"]
    if not KEBAB_CASE.match(theme_id) or not theme_id.startswith(ID_PREFIXES[source]):
        raise ThemeError(f"{where}: id must be kebab-case and start with {ID_PREFIXES[source]!r}")
    if record["section"] not in SECTIONS[source]:
        raise ThemeError(f"{where}: unknown section {record['section']!r} for {source}")
    for key in sorted({match["key"] for match in CITATION_KEY.finditer(str(record["summary"]))}):
        if key not in keys:
            raise ThemeError(f"{where}: summary cites {key!r}, which is not in references.bib")
    return Theme(
        id=theme_id,
        source=source,
        title=str(record["title"]).strip(),
        section=record["section"],
        summary=str(record["summary"]).strip(),
        evidence=tuple(_evidence(item, source, where) for item in record.get("evidence") or ()),
        citations=tuple(_citation(item, keys, where) for item in record["citations"]),
        related=tuple(record.get("related") or ()),
        discretion=_discretion(record.get("discretion"), where),
        figures=_figures(record.get("figures"), where),
    )


def _evidence(item: object, source: str, where: str) -> Evidence:
    if not isinstance(item, dict):
        raise ThemeError(f"{where}: each evidence item must be a mapping")
    for field in ("quote", "speaker", "locator"):
        if not item.get(field):
            raise ThemeError(f"{where}: evidence is missing required field {field!r}")
    quote = " ".join(str(item["quote"]).split())
    problem = check_quote(quote) or check_locator(source, str(item["locator"]))
    also_in = item.get("also_in")
    if also_in is not None and not problem:
        problem = _shared_locator_problem(source, str(also_in))
    if problem:
        raise ThemeError(f"{where}: evidence {quote[:30]!r}...: {problem}")
    return Evidence(quote, str(item["speaker"]), str(item["locator"]), None if also_in is None else str(also_in))


def _shared_locator_problem(source: str, locator: str) -> str | None:
    other = SHARED_WITH.get(source)
    if other is None:
        return f"'also_in' is not used for {source}"
    problem = check_locator(other, locator)
    return f"also_in: {problem}" if problem else None


def _citation(item: object, keys: frozenset[str], where: str) -> Citation:
    if not isinstance(item, dict) or not item.get("key"):
        raise ThemeError(f"{where}: each citation needs a 'key'")
    key, locator = str(item["key"]), str(item.get("locator") or "")
    if key not in keys:
        raise ThemeError(f"{where}: citation key {key!r} is not in references.bib")
    problem = check_locator(key, locator)
    if problem:
        raise ThemeError(f"{where}: citation {key}: {problem}")
    return Citation(key, locator)


def _figures(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) and KEBAB_CASE.match(item) for item in value):
        raise ThemeError(f"{where}: 'figures' must be a list of kebab-case figure ids")
    return tuple(value)


def _discretion(value: object, where: str) -> tuple[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"vertical", "horizontal"}:
        raise ThemeError(f"{where}: 'discretion' needs exactly the fields 'vertical' and 'horizontal'")
    if not {value["vertical"], value["horizontal"]} <= set(DISCRETION_LEVELS):
        raise ThemeError(f"{where}: discretion levels must be one of {DISCRETION_LEVELS}")
    return (value["vertical"], value["horizontal"])


def select_themes(
    themes: Iterable[Theme],
    source: str | None = None,
    section: str | None = None,
    ids: Iterable[str] | None = None,
) -> tuple[Theme, ...]:
    """Themes of one source and/or section; with ``ids``, exactly those themes in that order.

    Raises
    ------
    ThemeError
        If an id in ``ids`` is not among the themes that pass the other filters.

    Examples
    --------
    >>> themes = load_themes()
    >>> [t.id for t in select_themes(themes, ids=["b19-method"])]
    ['b19-method']
    >>> all(t.section == "strategies" for t in select_themes(themes, section="strategies"))
    True
    """
    chosen = [
        theme
        for theme in themes
        if (source is None or theme.source == source) and (section is None or theme.section == section)
    ]
    if ids is None:
        return tuple(chosen)
    by_id = {theme.id: theme for theme in chosen}
    missing = [theme_id for theme_id in ids if theme_id not in by_id]
    if missing:
        raise ThemeError(f"select_themes: no theme {', '.join(missing)} (source={source}, section={section})")
    return tuple(by_id[theme_id] for theme_id in ids)


def discretion_placements(themes: Iterable[Theme]) -> pd.DataFrame:
    """The approaches placed on the two discretion dimensions, one row per theme.

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``title``, ``vertical`` and ``horizontal`` (``"low"`` or
        ``"high"``), for every theme that carries a ``discretion`` placement.

    Examples
    --------
    >>> discretion_placements(load_themes()).columns.tolist()
    ['id', 'title', 'vertical', 'horizontal']
    """
    rows = [
        {"id": theme.id, "title": theme.title, "vertical": theme.discretion[0], "horizontal": theme.discretion[1]}
        for theme in themes
        if theme.discretion is not None
    ]
    return pd.DataFrame(rows, columns=["id", "title", "vertical", "horizontal"])


def render_themes(themes: Iterable[Theme], heading_level: int = 3) -> str:
    """Markdown for the book: per theme a heading, summary, quoted evidence, sources and links.

    Examples
    --------
    >>> theme = Theme(
    ...     "b19-x", "body2019", "A theme", "method", "My words.",
    ...     (Evidence("a short quote", "Commissioner", "sec. Findings"),),
    ...     (Citation("body2019", "sec. Findings"),), ("b20-y",))
    >>> print(render_themes([theme]))
    ### A theme {#sec-b19-x}
    <BLANKLINE>
    My words.
    <BLANKLINE>
    > “a short quote” — Commissioner [@body2019, sec. Findings]
    <BLANKLINE>
    Sources: [@body2019, sec. Findings].
    <BLANKLINE>
    See also @sec-b20-y.
    <BLANKLINE>
    """
    return "\n".join(_render_theme(theme, heading_level) for theme in themes)


def _render_theme(theme: Theme, heading_level: int) -> str:
    parts = [f"{'#' * heading_level} {theme.title} {{#{theme.anchor}}}", theme.summary]
    for evidence in theme.evidence:
        parts.append(f"> “{evidence.quote}” — {evidence.speaker} [@{theme.source}, {evidence.locator}]")
    parts.append(f"Sources: [{'; '.join(citation.inline() for citation in theme.citations)}].")
    if theme.related:
        parts.append("See also " + ", ".join(dict.fromkeys(reference(related) for related in theme.related)) + ".")
    return "\n\n".join(parts) + "\n"


def theme_reference(theme: Theme) -> str:
    """The cross-reference to where the book presents a theme: its numbered chapter section.

    No theme has a numbered heading of its own, and Quarto resolves ``@sec-``
    only to a numbered section (a reference to an ``.unnumbered`` heading
    prints ``?@sec-…``), so the reference is to the section that presents the
    theme's coverage group (:data:`PRESENTED_IN`).

    Examples
    --------
    >>> theme = Theme("b20-x", "body2020", "X", "size-matters", "Text.", (), (), ())
    >>> theme_reference(theme)
    '@sec-voices-size'
    >>> theme_reference(Theme("b19-x", "body2019", "X", "method", "Text.", (), (), ()))
    '@sec-discretion-evidence'
    """
    return f"@{PRESENTED_IN[theme.source][theme.section]}"


def reference(theme_id: str, index: Mapping[str, Theme] | None = None) -> str:
    """The cross-reference for a theme id, looked up in ``index`` (default: the book's themes).

    An id that is not in the index keeps the plain heading reference ``@sec-<id>``.

    Examples
    --------
    >>> reference("b20-survival-versus-mission")
    '@sec-voices-size'
    >>> reference("b19-back-stage-engagement")
    '@sec-discretion-strategies'
    >>> reference("b19-nothing-like-this", index={})
    '@sec-b19-nothing-like-this'
    """
    themes = _book_index() if index is None else index
    return theme_reference(themes[theme_id]) if theme_id in themes else f"@sec-{theme_id}"


@functools.cache
def _book_index() -> dict[str, Theme]:
    return {theme.id: theme for theme in load_themes()}


def render_argument(themes: Iterable[Theme], index: Mapping[str, Theme] | None = None) -> str:
    """Markdown that sets themes inside a chapter's argument: no headings, no "Sources" line.

    Each theme becomes a paragraph led by its title in bold and carrying its
    own citation, followed by its quotations as block quotes (the speaker's
    role and the page). A quotation the other source prints word for word
    says so, with that source's locator, so that agreement between the two
    works is not mistaken for independent corroboration. Related themes of
    the other source close the theme as one sentence of cross-references,
    each section that presents them named once.

    Parameters
    ----------
    themes : iterable of Theme
        The themes, in the order the argument uses them.
    index : mapping of str to Theme, optional
        Themes by id, to resolve related ids (default: the book's themes).

    Examples
    --------
    >>> theme = Theme(
    ...     "b20-x", "body2020", "A theme", "size-matters", "My words [@body2020, p. 128].",
    ...     (Evidence("a short quote", "Commissioner", "p. 118", also_in="sec. Discussion"),),
    ...     (Citation("body2020", "p. 128"),), ("b19-y",))
    >>> print(render_argument([theme], index={}))
    **A theme.** My words [@body2020, p. 128].
    <BLANKLINE>
    > “a short quote” — Commissioner [@body2020, p. 118]
    >
    > The same words appear in @body2019 [sec. Discussion].
    <BLANKLINE>
    In the other work, compare @sec-b19-y.
    <BLANKLINE>
    """
    return "\n".join(_argument_paragraphs(theme, index) for theme in themes)


def _argument_paragraphs(theme: Theme, index: Mapping[str, Theme] | None) -> str:
    parts = [f"**{theme.title.rstrip('.?!')}.** {theme.summary}"]
    for evidence in theme.evidence:
        quote = f"> “{evidence.quote}” — {evidence.speaker} [@{theme.source}, {evidence.locator}]"
        if evidence.also_in:
            other = SHARED_WITH[theme.source]
            quote += f"\n>\n> The same words appear in @{other} [{evidence.also_in}]."
        parts.append(quote)
    if theme.related:
        links = ", ".join(dict.fromkeys(reference(related, index) for related in theme.related))
        parts.append(f"In the other work, compare {links}.")
    return "\n\n".join(parts) + "\n"
