"""The teachers' page: objectives and exercises are read from the chapters, and broken chapters are refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis import config
from analysis.course import (
    CourseError,
    Exercise,
    course_chapters,
    exercise_time_by_kind,
    exercises_table,
    objectives_table,
    parse_exercises,
    parse_objectives,
    reading_order,
    read_chapter,
)

GOOD = """# A chapter {#sec-a}

::: {.callout-note}
## Learning objectives

- Learn one thing.
- Learn another thing,
  over two lines.
:::

Prose.

## Exercises

1. **First.** *(discussion, about 20 minutes)* Discuss.

::: {.callout-tip collapse="true"}
## Model answer

An answer, with a list:

1. not an exercise, inside the callout.
:::

2. **Second.** *(data, about 15 minutes)* Compute.

::: {.callout-tip collapse="true"}
## Solution

```{python}
1. + 1
```
:::

## After the exercises

3. A numbered list outside the exercises.
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "chapter.qmd"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_well_formed_chapter_is_read_in_full(tmp_path):
    write(tmp_path, GOOD)
    chapter = read_chapter("chapter.qmd", "Part", root=tmp_path)
    assert (chapter.title, chapter.label) == ("A chapter", "sec-a")
    assert chapter.objectives == ("Learn one thing.", "Learn another thing, over two lines.")
    assert chapter.exercises == (Exercise(1, "First", "discussion", 20), Exercise(2, "Second", "data", 15))


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("1. **First.** *(discussion, about 20 minutes)* Discuss.", "1. Discuss.", "line 15: exercise 1 does not open with"),
        ("*(discussion, about 20 minutes)*", "*(essay, about 20 minutes)*", "exercise 1 has kind 'essay'"),
        ("*(discussion, about 20 minutes)*", "*(discussion, 20 min)*", "exercise 1 does not open with"),
        ("2. **Second.**", "3. **Second.**", "exercise numbered 3, expected 2"),
        ("## Solution\n", "## Hint\n", "2 exercises but 1 folded solutions"),
        ('::: {.callout-tip collapse="true"}\n## Model answer', "::: {.callout-tip}\n## Model answer", "2 exercises but 1 folded solutions"),
        ("- Learn one thing.\n- Learn another thing,\n  over two lines.\n", "Just prose.\n", "has no bullet points"),
        ("# A chapter {#sec-a}", "A chapter", "no level-1 heading"),
    ],
)
def test_a_broken_chapter_is_refused_with_file_and_problem(tmp_path, old, new, problem):
    assert old in GOOD
    write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(CourseError) as raised:
        read_chapter("chapter.qmd", "Part", root=tmp_path)
    assert "chapter.qmd" in str(raised.value)
    assert problem in str(raised.value)


def test_an_unclosed_objectives_callout_is_refused():
    with pytest.raises(CourseError, match=r"x\.qmd, line 1: the Learning objectives callout is never closed"):
        parse_objectives("## Learning objectives\n\n- One.\n", "x.qmd")


def test_a_chapter_without_exercises_or_objectives_gives_empty_tuples():
    assert parse_exercises("# T\n\nProse.\n", "t.qmd") == ()
    assert parse_objectives("# T\n\nProse.\n", "t.qmd") == ()


@pytest.fixture(scope="module")
def chapters():
    return course_chapters()


def exercise_lines(path: Path) -> list[str]:
    """Exercise title lines counted independently: numbered bold items outside callouts."""
    text = path.read_text(encoding="utf-8")
    if "## Exercises" not in text:
        return []
    section = text[text.index("## Exercises") :]
    section = re.sub(r":::+ ?\{[^}]*\}.*?\n:::\n", "", section, flags=re.S)
    return re.findall(r"^\d+\. \*\*.+$", section, re.M)


def test_every_book_chapter_is_read_with_its_objectives_and_all_its_exercises(chapters):
    assert [chapter.path for chapter in chapters][:1] == ["chapters/_sources/context.qmd"]
    for chapter in chapters:
        assert 2 <= len(chapter.objectives) <= 4, chapter.path
        assert len(chapter.exercises) == len(exercise_lines(config.ROOT / chapter.path)), chapter.path
    assert sum(len(chapter.exercises) for chapter in chapters) >= 15


def test_every_qualitative_chapter_has_three_discussion_exercises_and_a_data_exercise(chapters):
    discretion = next(chapter for chapter in chapters if chapter.path == "chapters/_sources/discretion.qmd")
    kinds = [exercise.kind for exercise in discretion.exercises]
    assert kinds.count("discussion") >= 3 and kinds.count("data") >= 1


def test_tables_hold_every_objective_and_exercise(chapters):
    objectives = objectives_table(chapters)
    assert len(objectives) == sum(len(chapter.objectives) for chapter in chapters)
    assert (objectives["Chapter"] != "").sum() == len(chapters)
    exercises = exercises_table(chapters)
    assert exercises["Minutes"].sum() == sum(e.minutes for chapter in chapters for e in chapter.exercises)
    totals = exercise_time_by_kind(chapters).set_index("Kind")
    assert totals["Minutes"].sum() == exercises["Minutes"].sum()
    assert set(totals.index) <= {"discussion", "data"}


def test_reading_order_needs_a_background_for_every_chapter(chapters):
    background = {chapter.path: "Something." for chapter in chapters}
    order = reading_order(chapters, background)
    assert order["Step"].tolist() == list(range(1, len(chapters) + 1))
    incomplete = dict(list(background.items())[1:])
    with pytest.raises(CourseError, match="no background for \\['chapters/_sources/context.qmd'\\]"):
        reading_order(chapters, incomplete)
    with pytest.raises(CourseError, match="non-chapters \\['chapters/nowhere.qmd'\\]"):
        reading_order(chapters, background | {"chapters/nowhere.qmd": "x"})


def test_the_teachers_page_is_an_appendix_of_the_book():
    quarto = config.QUARTO_CONFIG.read_text(encoding="utf-8")
    appendices = quarto[quarto.index("appendices:") :].split("\n\n")[0]
    assert "chapters/teaching.ipynb" in appendices  # rendered from its executed notebook
