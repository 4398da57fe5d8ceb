"""The executed-notebook checks (tests/reader.py) fail on a deliberately broken chapter.

One chapter in ``tmp_path`` holds a broken cell for each kind of defect a
real render showed (a figure drawn twice, a list repr, a print, a plain-text
DataFrame, two tables in one cell, a table without a header, a column too
narrow for its words, a long table, an internal identifier) beside a
correct cell of each kind. It runs once in a real kernel; each check must
name exactly the broken cells, with chapter, line and label.
"""

from __future__ import annotations

import pytest

import qmd
import reader
from analysis import config

CHAPTER = '''# Broken {#sec-broken}

```{python}
#| label: setup
#| include: false
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from analysis.figures import new_figure
from analysis.tables import markdown_table

print("hidden set-up output is not shown")
```

```{python}
#| label: fig-twice
#| fig-cap: "Drawn through pyplot and also returned."
#| fig-alt: "A line."
figure, axes = plt.subplots()
axes.plot([1, 2])
figure
```

```{python}
#| label: fig-once
#| fig-cap: "Built outside pyplot and returned."
#| fig-alt: "A line."
figure, axes = new_figure(3, 2)
axes.plot([1, 2])
figure
```

```{python}
#| label: solution-list
[231, 462]
```

```{python}
#| label: solution-print
print("odds ratio 5.68")
```

```{python}
#| label: solution-frame
pd.DataFrame({"iterations": [5, 10]})
```

```{python}
#| label: solution-sentence
Markdown("The sizes that fit are 231 and 462.")
```

```{python}
#| output: asis
print("- a Markdown list item printed as-is")
```

```{python}
#| label: tbl-two
#| tbl-cap: "Two tables in one cell."
display(markdown_table(pd.DataFrame({"a": [1]})))
markdown_table(pd.DataFrame({"b": [2]}))
```

```{python}
#| label: tbl-headerless
#| tbl-cap: "No header row."
Markdown("| 1 | 2 |")
```

```{python}
#| label: tbl-narrow
#| tbl-cap: "A column of dashes too few for its words."
Markdown(
    "| Quantity | Value | Note |\\n|---------------------------|-|------------------------------------------------|\\n"
    "| Children's charities whose finances were tracked | £100,000 | an approximate upper bound reported by Body |"
)
```

```{python}
#| label: tbl-long
#| tbl-cap: "Ninety-seven packages."
markdown_table(pd.DataFrame({"Package": [f"package-{i}" for i in range(97)], "Version": ["1.2.3"] * 97}))
```

```{python}
#| label: tbl-identifier
#| tbl-cap: "An internal name shown to readers."
markdown_table(pd.DataFrame({"Field": ["row"], "Description": ["a size band; see sizeBands"]}))
```

```{python}
#| label: tbl-good
#| tbl-cap: "A wide table whose columns fit their words."
markdown_table(
    pd.DataFrame(
        {
            "Quantity": ["Children's charities whose finances were tracked"],
            "Value": ["£100,000"],
            "Note": ["an approximate upper bound reported by Body, with the page and the wording " * 2],
        }
    )
)
```
'''


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    path = tmp_path_factory.mktemp("book") / "broken.qmd"
    path.write_text(CHAPTER, encoding="utf-8")
    return qmd.annotated(qmd.execute(path))


def _named(problems: list[str]) -> list[str]:
    """The cells the problems name, as ``label`` (every problem must name chapter and line)."""
    assert all(problem.startswith("broken.qmd: line ") for problem in problems), problems
    return sorted({problem.split("(", 1)[1].split(")", 1)[0] for problem in problems})


pytestmark = pytest.mark.slow


def test_figure_check_names_the_figure_drawn_twice(broken):
    assert _named(reader.figure_problems(broken, "broken.qmd")) == ["fig-twice"]


def test_output_check_names_raw_reprs_prints_and_plain_dataframes(broken):
    assert _named(reader.output_problems(broken, "broken.qmd")) == ["solution-frame", "solution-list", "solution-print"]


def test_table_check_names_cells_without_exactly_one_headed_table(broken):
    assert _named(reader.table_problems(broken, "broken.qmd")) == ["tbl-headerless", "tbl-two"]


def test_width_check_names_the_column_too_narrow_for_its_words(broken):
    problems = reader.width_problems(broken, "broken.qmd")
    assert _named(problems) == ["tbl-narrow"]
    assert "'Value'" in problems[0] and "£100,000" in problems[0]


def test_long_table_check_needs_the_breakable_rule(broken):
    assert _named(reader.long_table_problems(broken, "broken.qmd", book_rules="")) == ["tbl-long"]
    rules = (config.ROOT / "chapters" / "_theme" / "book-rules.typ").read_text(encoding="utf-8")
    assert reader.long_table_problems(broken, "broken.qmd", book_rules=rules) == []


def test_identifier_check_names_internal_names(broken):
    assert _named(reader.identifier_problems(broken, "broken.qmd")) == ["tbl-identifier"]
