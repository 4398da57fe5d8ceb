"""The book as a course: reading order, learning objectives and exercises, read from the chapters.

The teachers' appendix ("Using this book in a course") shows three tables built
here at render time, so they cannot drift from the chapters:

* the reading order, from the parts of ``_quarto.yml``, with the background each
  chapter needs (written on the teachers' page and checked against the chapters);
* every chapter's learning objectives, from its ``## Learning objectives`` callout;
* every exercise, from the chapter's ``## Exercises`` section, where each exercise
  is a numbered item that begins ``**Title.** *(kind, about N minutes)*`` (kind
  ``discussion`` or ``data``) and has a folded solution callout.

A chapter that breaks the convention raises :class:`CourseError` naming the file,
the line and the problem.

Examples
--------
>>> text = "# A chapter {#sec-a}\\n\\n## Exercises\\n\\n1. **Try it.** *(data, about 15 minutes)* Do it.\\n"
>>> text += '\\n::: {.callout-tip collapse="true"}\\n## Solution\\n\\nDone.\\n:::\\n'
>>> [(e.number, e.title, e.kind, e.minutes) for e in parse_exercises(text, "a.qmd")]
[(1, 'Try it', 'data', 15)]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from analysis import config
from analysis.notebooks import chapter_source

#: Kinds of exercise the book uses.
KINDS: tuple[str, ...] = ("discussion", "data")

TITLE = re.compile(r"^# (?P<title>.+?)(?:\s*\{#(?P<label>sec-[\w-]+)[^}]*\})?\s*$")
NUMBERED = re.compile(r"^(?P<number>\d+)\.\s")
EXERCISE = re.compile(
    r"^(?P<number>\d+)\. \*\*(?P<title>.+?)\.?\*\* \*\((?P<kind>\w+), about (?P<minutes>\d+) minutes\)\*(?:\s|$)"
)
SOLUTION_OPEN = re.compile(r'^::: ?\{\.callout-tip collapse="true"\}\s*$')
SOLUTION_HEADING = re.compile(r"^## (?:Model answer|Solution)")


class CourseError(ValueError):
    """A chapter breaks the objectives or exercise convention; the message names file, line and problem."""


@dataclass(frozen=True)
class Exercise:
    """One exercise of a chapter, as its title line states it.

    Examples
    --------
    >>> Exercise(1, "Try it", "data", 15).minutes
    15
    """

    number: int
    title: str
    kind: str
    minutes: int


@dataclass(frozen=True)
class Chapter:
    """What the teachers' page needs to know about one chapter.

    Examples
    --------
    >>> Chapter("chapters/a.qmd", "Part", "A", "sec-a", ("Learn.",), ()).reference
    'A (@sec-a)'
    """

    path: str
    part: str
    title: str
    label: str | None
    objectives: tuple[str, ...]
    exercises: tuple[Exercise, ...]

    @property
    def reference(self) -> str:
        """The chapter's title with a cross-reference to it, for a table cell."""
        return f"{self.title} (@{self.label})" if self.label else self.title


def parse_title(text: str, where: str) -> tuple[str, str | None]:
    """The chapter's level-1 heading and its ``sec-`` label.

    Examples
    --------
    >>> parse_title("# Glossary {#sec-glossary}\\n", "g.qmd")
    ('Glossary', 'sec-glossary')
    """
    for line in text.splitlines():
        match = TITLE.match(line)
        if match:
            return match["title"].strip(), match["label"]
    raise CourseError(f"{where}: no level-1 heading ('# Title')")


def parse_objectives(text: str, where: str) -> tuple[str, ...]:
    """The bullet points of the ``## Learning objectives`` callout, or ``()`` if there is none.

    Examples
    --------
    >>> parse_objectives("::: {.callout-note}\\n## Learning objectives\\n\\n- One.\\n- Two.\\n:::\\n", "a.qmd")
    ('One.', 'Two.')
    """
    lines = text.splitlines()
    starts = [index for index, line in enumerate(lines) if line.strip() == "## Learning objectives"]
    if not starts:
        return ()
    objectives = []
    for index in range(starts[0] + 1, len(lines)):
        line = lines[index]
        if line.startswith(":::"):
            break
        if line.startswith(("- ", "* ")):
            objectives.append(line[2:].strip())
        elif line.startswith("  ") and objectives:
            objectives[-1] += " " + line.strip()
    else:
        raise CourseError(f"{where}, line {starts[0] + 1}: the Learning objectives callout is never closed")
    if not objectives:
        raise CourseError(f"{where}, line {starts[0] + 1}: the Learning objectives callout has no bullet points")
    return tuple(objectives)


def parse_exercises(text: str, where: str) -> tuple[Exercise, ...]:
    """The exercises of the ``## Exercises`` section, checked against the book's convention.

    Raises
    ------
    CourseError
        If a numbered item lacks the ``**Title.** *(kind, about N minutes)*`` opening,
        names an unknown kind, is numbered out of order, or if the section has fewer
        folded solutions than exercises.

    Examples
    --------
    >>> parse_exercises("## Exercises\\n\\n1. Do something.\\n", "b.qmd")
    Traceback (most recent call last):
    ...
    analysis.course.CourseError: b.qmd, line 3: exercise 1 does not open with '**Title.** *(kind, about N minutes)*'
    """
    lines = text.splitlines()
    start = next((index for index, line in enumerate(lines) if line.startswith("## Exercises")), None)
    if start is None:
        return ()
    exercises: list[Exercise] = []
    solutions, depth, fence = 0, 0, None
    for index in range(start + 1, len(lines)):
        line, where_line = lines[index], f"{where}, line {index + 1}"
        if fence:
            fence = None if line.strip() == fence else fence
            continue
        if line.startswith("```"):
            fence = re.match(r"`+", line).group(0)
            continue
        if line.startswith(":::"):
            opened = line.strip() != ":::"
            depth += 1 if opened else -1
            if opened and SOLUTION_OPEN.match(line) and SOLUTION_HEADING.match(_next_text(lines, index)):
                solutions += 1
            continue
        if depth == 0 and line.startswith("## "):
            break
        if depth == 0 and NUMBERED.match(line):
            exercises.append(_exercise(line, where_line, len(exercises) + 1))
    if solutions < len(exercises):
        raise CourseError(
            f"{where}: {len(exercises)} exercises but {solutions} folded solutions "
            "('::: {.callout-tip collapse=\"true\"}' with '## Model answer' or '## Solution')"
        )
    return tuple(exercises)


def _next_text(lines: list[str], index: int) -> str:
    return next((line for line in lines[index + 1 :] if line.strip()), "")


def _exercise(line: str, where: str, expected: int) -> Exercise:
    number = int(NUMBERED.match(line)["number"])
    match = EXERCISE.match(line)
    if not match:
        raise CourseError(f"{where}: exercise {number} does not open with '**Title.** *(kind, about N minutes)*'")
    if match["kind"] not in KINDS:
        raise CourseError(f"{where}: exercise {number} has kind {match['kind']!r} (known: {', '.join(KINDS)})")
    if number != expected:
        raise CourseError(f"{where}: exercise numbered {number}, expected {expected}")
    return Exercise(number, match["title"].rstrip("."), match["kind"], int(match["minutes"]))


def book_parts(quarto_config: Path = config.QUARTO_CONFIG) -> list[tuple[str, str]]:
    """``(part title, chapter source)`` for every chapter inside a part of the book, in book order.

    A chapter the book lists as its executed notebook is read from its ``.qmd`` source.

    Examples
    --------
    >>> ("The voices", "chapters/_sources/discretion.qmd") in book_parts()
    True
    """
    book = yaml.safe_load(Path(quarto_config).read_text(encoding="utf-8"))["book"]
    return [
        (entry["part"], chapter_source(chapter))
        for entry in book.get("chapters", [])
        if isinstance(entry, dict) and "part" in entry
        for chapter in entry.get("chapters", [])
    ]


def read_chapter(path: str, part: str, root: Path = config.ROOT) -> Chapter:
    """Title, label, objectives and exercises of one chapter file (relative to ``root``)."""
    text = (Path(root) / path).read_text(encoding="utf-8")
    title, label = parse_title(text, path)
    return Chapter(path, part, title, label, parse_objectives(text, path), parse_exercises(text, path))


def course_chapters(quarto_config: Path = config.QUARTO_CONFIG, root: Path = config.ROOT) -> tuple[Chapter, ...]:
    """Every chapter inside a part of the book, read from its file, in book order.

    Examples
    --------
    >>> chapters = course_chapters()
    >>> all(chapter.objectives for chapter in chapters)
    True
    """
    return tuple(read_chapter(path, part, root) for part, path in book_parts(quarto_config))


def reading_order(chapters: tuple[Chapter, ...], background: Mapping[str, str]) -> pd.DataFrame:
    """The suggested reading order with the background each chapter needs.

    Parameters
    ----------
    chapters : tuple of Chapter
        In book order (see :func:`course_chapters`).
    background : mapping
        Chapter path to the background a reader needs; every chapter needs one
        entry and every entry must name a chapter.

    Raises
    ------
    CourseError
        Naming the chapters without background, or entries that are not chapters.

    Examples
    --------
    >>> chapters = (Chapter("a.qmd", "Part", "A", "sec-a", ("x",), ()),)
    >>> reading_order(chapters, {"a.qmd": "None."}).columns.tolist()
    ['Step', 'Part', 'Chapter', 'Background needed']
    """
    paths = [chapter.path for chapter in chapters]
    missing = [path for path in paths if path not in background]
    unknown = sorted(set(background) - set(paths))
    if missing or unknown:
        raise CourseError(f"reading order: no background for {missing}; background for non-chapters {unknown}")
    return pd.DataFrame(
        {
            "Step": range(1, len(chapters) + 1),
            "Part": [chapter.part for chapter in chapters],
            "Chapter": [chapter.reference for chapter in chapters],
            "Background needed": [background[chapter.path] for chapter in chapters],
        }
    )


def objectives_table(chapters: tuple[Chapter, ...]) -> pd.DataFrame:
    """Every learning objective, one row each, the chapter named on its first row.

    Examples
    --------
    >>> chapters = (Chapter("a.qmd", "Part", "A", "sec-a", ("One.", "Two."), ()),)
    >>> objectives_table(chapters)["Chapter"].tolist()
    ['A (@sec-a)', '']
    """
    rows = [
        {"Chapter": chapter.reference if position == 0 else "", "Objective": objective}
        for chapter in chapters
        for position, objective in enumerate(chapter.objectives)
    ]
    return pd.DataFrame(rows, columns=["Chapter", "Objective"])


def exercises_table(chapters: tuple[Chapter, ...]) -> pd.DataFrame:
    """Every exercise with its kind and time estimate, in book order.

    Examples
    --------
    >>> chapters = (Chapter("a.qmd", "Part", "A", "sec-a", ("x",), (Exercise(1, "Try", "data", 15),)),)
    >>> exercises_table(chapters).to_dict("records")
    [{'Chapter': 'A (@sec-a)', 'No.': 1, 'Exercise': 'Try', 'Kind': 'data', 'Minutes': 15}]
    """
    rows = [
        {
            "Chapter": chapter.reference,
            "No.": exercise.number,
            "Exercise": exercise.title,
            "Kind": exercise.kind,
            "Minutes": exercise.minutes,
        }
        for chapter in chapters
        for exercise in chapter.exercises
    ]
    return pd.DataFrame(rows, columns=["Chapter", "No.", "Exercise", "Kind", "Minutes"])


def exercise_time_by_kind(chapters: tuple[Chapter, ...]) -> pd.DataFrame:
    """Number of exercises and total minutes per kind, for planning sessions.

    Examples
    --------
    >>> chapters = (Chapter("a.qmd", "P", "A", None, ("x",), (Exercise(1, "T", "data", 15), Exercise(2, "U", "data", 10))),)
    >>> exercise_time_by_kind(chapters).to_dict("records")
    [{'Kind': 'data', 'Exercises': 2, 'Minutes': 25}]
    """
    table = exercises_table(chapters)
    grouped = table.groupby("Kind", sort=True).agg(Exercises=("No.", "size"), Minutes=("Minutes", "sum"))
    return grouped.reset_index().astype({"Exercises": int, "Minutes": int})
