"""The render configuration that a real Quarto render depends on, checked without Quarto.

- ``.gitignore`` holds, verbatim, the lines ``quarto render`` appends when
  they are missing; otherwise a render of a clean clone modifies a tracked
  file and the reproducibility appendix reports the commit as ``-dirty``.
- The Typst format includes the book's rules (``chapters/_theme/book-rules.typ``):
  breakable table floats, unhyphenated ragged-right table cells, and
  cross-references to chapters without a stray full stop; its table of
  contents lists parts and chapters only.
- Chapters are frozen only behind the pre-render guard that clears ``_freeze/``
  when ``analysis/``, ``data/`` or ``uv.lock`` change, and the guard does so
  (the never-stale property): proved on a copy of the project in ``tmp_path``.
- Each chapter's kernel is kept alive between its two formats
  (``execute: daemon``), and when the inputs change the guard renews the
  modification time of ``analysis/__init__.py``, which makes Quarto restart a
  kernel still alive from an earlier render instead of reusing what it read.

Each check is also run against a deliberately broken copy, so it is known to fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

import reader
from analysis import cache, config
from book import quarto_config

#: What Quarto 1.10 appends to .gitignore when these exact lines are missing.
QUARTO_IGNORES = ("/.quarto/", "**/*.quarto_ipynb")
GUARD = config.ROOT / "chapters" / "_scripts" / "guard_freeze.py"


def missing_quarto_ignores(gitignore: str) -> list[str]:
    lines = {line.strip() for line in gitignore.splitlines()}
    return [line for line in QUARTO_IGNORES if line not in lines]


def typst_problems(cfg: dict, read) -> list[str]:
    """What is missing from the typst format's settings; ``read`` reads a project file."""
    typst = cfg["format"]["typst"]
    problems = []
    if typst.get("toc-depth", 3) > 1:
        problems.append(f"toc-depth {typst.get('toc-depth', 3)}: the table of contents runs to several pages")
    includes = typst.get("include-before-body", [])
    includes = [includes] if isinstance(includes, str) else includes
    rules = "\n".join(read(name) for name in includes)
    if not reader.BREAKABLE_TABLES.search(rules):
        problems.append("no rule making table floats breakable: long tables are overprinted at the page foot")
    if "#show table: set text(hyphenate: false)" not in rules or "#show table: set par(justify: false)" not in rules:
        problems.append("table cells are justified and hyphenated")
    if "#show ref:" not in rules or 'numbering(if in-appendix { "A.1" } else { "1.1" }' not in rules:
        problems.append("no rule numbering cross-references to chapters without a full stop")
    return problems


def test_gitignore_has_the_lines_quarto_appends(tmp_path):
    assert missing_quarto_ignores((config.ROOT / ".gitignore").read_text(encoding="utf-8")) == []
    assert missing_quarto_ignores(".quarto/\n_book/\n") == list(QUARTO_IGNORES)


def test_git_commit_is_clean_when_only_ignored_files_change(tmp_path):
    from analysis.reproducibility import git_commit

    if git_commit() is None:
        pytest.skip("not a git checkout")
    (config.ROOT / ".quarto").mkdir(exist_ok=True)
    probes = [config.ROOT / ".quarto" / "probe.json", config.ROOT / "chapters" / "probe.quarto_ipynb"]
    for probe in probes:
        probe.write_text("{}", encoding="utf-8")
    try:
        status = subprocess.run(["git", "status", "--porcelain", "--", *map(str, probes)], cwd=config.ROOT, capture_output=True, text=True)
        assert status.stdout == "", f"render by-products are not ignored: {status.stdout}"
        assert git_commit() is None or not git_commit().endswith("-dirty") or _tracked_changes()
    finally:
        for probe in probes:
            probe.unlink()


def _tracked_changes() -> bool:
    return bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=config.ROOT, capture_output=True, text=True).stdout)


def test_typst_settings_for_long_tables_cross_references_and_contents():
    read = lambda name: (config.ROOT / name).read_text(encoding="utf-8")  # noqa: E731
    assert typst_problems(quarto_config(), read) == []


def test_typst_settings_check_fails_without_the_rules():
    broken = {"format": {"typst": {"toc": True, "include-before-body": "rules.typ"}}}
    problems = typst_problems(broken, lambda name: "#show figure: set block(breakable: false)")
    assert len(problems) == 4


def daemon_problems(cfg: dict) -> list[str]:
    """Why the render would not keep each chapter's kernel for both formats (an empty list if it would)."""
    daemon = cfg.get("execute", {}).get("daemon")
    if daemon is True or (isinstance(daemon, int) and not isinstance(daemon, bool) and daemon > 0):
        return []
    return [f"execute: daemon is {daemon!r}: each chapter starts a kernel per format (unset means none outside a terminal)"]


def test_each_chapter_keeps_one_kernel_for_both_formats():
    import qmd
    from book import chapter_files

    assert daemon_problems(quarto_config()) == []
    for path in chapter_files():  # a chapter's own front matter would override the project's setting
        execute = qmd.parse(path).front_matter.get("execute", {})
        if "daemon" in execute:
            assert daemon_problems({"execute": execute}) == [], path.name
    for broken in ({"execute": {"freeze": "auto"}}, {"execute": {"daemon": False}}, {"execute": {"daemon": 0}}):
        assert len(daemon_problems(broken)) == 1, broken


def test_freeze_is_guarded_by_the_input_fingerprint():
    cfg = quarto_config()
    assert cfg["execute"]["freeze"] == "auto"
    assert cfg["project"]["pre-render"] == "chapters/_scripts/guard_freeze.py" and GUARD.exists()


def test_the_appendix_that_reports_the_build_is_never_frozen():
    """Its git commit and date describe the render itself, whatever the inputs' fingerprint."""
    import qmd

    document = qmd.parse(config.CHAPTERS / "reproducibility.qmd")
    assert document.front_matter["execute"]["freeze"] is False


def _project_copy(tmp_path):
    """The guard script, the analysis package and a small data folder, as in a clone."""
    shutil.copytree(config.ROOT / "analysis", tmp_path / "analysis", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "chapters" / "_scripts").mkdir(parents=True)
    shutil.copy(GUARD, tmp_path / "chapters" / "_scripts")
    shutil.copytree(config.RAW, tmp_path / "data" / "raw")
    (tmp_path / "uv.lock").write_text("version = 1\n", encoding="utf-8")
    return tmp_path


def _render_prelude(root):
    """What `quarto render` runs first: the pre-render guard, with Python's standard library only (-S)."""
    completed = subprocess.run([sys.executable, "-S", str(root / "chapters" / "_scripts" / "guard_freeze.py")], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


@pytest.mark.parametrize("changed", ["analysis/formatting.py", "data/raw/table5_1_published.csv", "uv.lock"])
def test_a_change_to_any_input_clears_every_frozen_chapter(tmp_path, changed):
    root = _project_copy(tmp_path)
    package = root / "analysis" / "__init__.py"  # imported by every chapter: Quarto checks its mtime
    assert "cleared" in _render_prelude(root)
    frozen = [root / "_freeze" / "chapters" / name / "execute-results" / "typ.json" for name in ("association", "voices")]
    for file in frozen:  # what Quarto stores after executing each chapter
        file.parent.mkdir(parents=True)
        file.write_text("{}", encoding="utf-8")
    os.utime(package, (1_000_000_000, 1_000_000_000))  # as a kept-alive kernel recorded it
    assert "reused" in _render_prelude(root)
    assert all(file.exists() for file in frozen), "unchanged inputs must keep the frozen results"
    assert package.stat().st_mtime == 1_000_000_000, "unchanged inputs must keep the kept-alive kernels"
    with (root / changed).open("a", encoding="utf-8") as handle:
        handle.write("\n")
    assert "cleared" in _render_prelude(root)
    assert not (root / "_freeze").exists(), f"a change to {changed} left frozen results behind"
    assert package.stat().st_mtime > 1_000_000_000, f"a change to {changed} would not restart a kept-alive kernel"


calls = []


def _counted(value):
    calls.append(value)
    return value * 2


def test_cached_results_are_reused_only_while_the_inputs_are_unchanged(tmp_path):
    root = _project_copy(tmp_path)
    assert cache.cached(_counted, 21, root=root) == 42
    assert cache.cached(_counted, 21, root=root) == 42
    assert calls == [21], "the second call with the same inputs must load the stored result"
    (root / "data" / "raw" / "table5_1_published.csv").write_text("changed\n", encoding="utf-8")
    cache._current_fingerprint.cache_clear()  # a new render pass starts a new kernel
    assert cache.cached(_counted, 21, root=root) == 42
    assert calls == [21, 21], "after an input changed the result must be computed again"
