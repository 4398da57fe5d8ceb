"""Post-render step: correct the accessibility defects of Quarto's html templates.

Quarto (1.10) writes three patterns that the axe-core engine reports under
WCAG 2.1, and offers no option to change them:

- a collapsible callout's header is a ``div`` with ``aria-expanded`` but no
  role (aria-allowed-attr, critical): it becomes ``role="button"``,
  ``tabindex="0"``, and loses its ``aria-label="Toggle callout"`` so that its
  name is its visible title (``chapters/_theme/disclosure-keys.html`` lets
  Enter and Space toggle it);
- the previous/next page links carry an ``aria-label`` without the chapter
  number they show (label-content-name-mismatch, serious): the label is
  dropped, so the name is the visible text;
- the sidebar's section toggles are ``role="navigation"`` and no ``nav``
  landmark has a name (landmark-unique): the toggles become buttons and each
  ``nav`` gets a name.

It also corrects the misspelt ``aria-labelelledby`` of the code-tools menu.
Only the start tags concerned are rewritten; every other byte of a page is
kept, and a second run changes nothing. Quarto runs the step after each render
(``post-render`` in ``_quarto.yml``) as ``python -m analysis.accessibility``,
on the pages in ``QUARTO_PROJECT_OUTPUT_DIR``.

Examples
--------
>>> page = '<a href="c.html" class="pagination-link" aria-label="Title"><span>2</span> Title</a>'
>>> accessible_html(page)
'<a href="c.html" class="pagination-link"><span>2</span> Title</a>'
"""

from __future__ import annotations

import html
import os
import re
import sys
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path

Attributes = list[tuple[str, str | None]]

#: Names given to the ``nav`` landmarks of a book page, keyed by what identifies them.
NAV_NAMES = {
    "quarto-sidebar": "Chapters",
    "quarto-secondary-nav": "Breadcrumbs and sidebar toggle",
    "page-navigation": "Previous and next chapter",
}
#: ``id`` of the heading that names the page's table of contents.
TOC_TITLE_ID = "toc-title"


class _StartTags(HTMLParser):
    """Collect every start tag with its offset in the page and its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[tuple[int, int], str, Attributes, str]] = []

    def handle_starttag(self, tag: str, attrs: Attributes) -> None:
        self.tags.append((self.getpos(), tag, attrs, self.get_starttag_text() or ""))

    handle_startendtag = handle_starttag


def _get(attrs: Attributes, name: str) -> str | None:
    return next((value for key, value in attrs if key == name), None)


def _has(attrs: Attributes, name: str) -> bool:
    return any(key == name for key, _ in attrs)


def _without(attrs: Attributes, name: str) -> Attributes:
    return [(key, value) for key, value in attrs if key != name]


def _classes(attrs: Attributes) -> set[str]:
    return set((_get(attrs, "class") or "").split())


def corrected_attributes(tag: str, attrs: Attributes, toc_title: bool = True) -> Attributes:
    """Return a start tag's attributes with the template defects corrected.

    Parameters
    ----------
    tag, attrs
        The tag name and its attributes in document order (as
        :class:`html.parser.HTMLParser` gives them).
    toc_title
        Whether the page holds the table-of-contents heading (``id="toc-title"``)
        that names the contents landmark.

    Returns
    -------
    list of (name, value)
        The same list when nothing needs correcting; otherwise the corrected
        attributes, original order kept and new ones appended.

    Examples
    --------
    >>> corrected_attributes("a", [("class", "sidebar-item-toggle"), ("data-bs-toggle", "collapse"),
    ...                            ("role", "navigation")])
    [('class', 'sidebar-item-toggle'), ('data-bs-toggle', 'collapse'), ('role', 'button')]
    """
    classes = _classes(attrs)
    fixed = attrs
    if _has(fixed, "aria-labelelledby"):
        fixed = [("aria-labelledby" if key == "aria-labelelledby" else key, value) for key, value in fixed]
    if tag == "div" and "callout-header" in classes and _has(fixed, "aria-expanded") and not _has(fixed, "role"):
        fixed = [*_without(fixed, "aria-label"), ("role", "button"), ("tabindex", "0")]
    if tag == "a" and "pagination-link" in classes and _has(fixed, "aria-label"):
        fixed = _without(fixed, "aria-label")
    if _get(fixed, "role") == "navigation" and _get(fixed, "data-bs-toggle") == "collapse":
        fixed = [(key, "button" if key == "role" else value) for key, value in fixed]
    if tag == "nav" and not _has(fixed, "aria-label") and not _has(fixed, "aria-labelledby"):
        key = next((k for k in (_get(fixed, "id"), *sorted(classes)) if k in NAV_NAMES), None)
        if key is not None:
            fixed = [*fixed, ("aria-label", NAV_NAMES[key])]
        elif _get(fixed, "role") == "doc-toc" and toc_title:
            fixed = [*fixed, ("aria-labelledby", TOC_TITLE_ID)]
    return fixed


def _start_tag(tag: str, attrs: Attributes, self_closing: bool) -> str:
    parts = [tag] + [key if value is None else f'{key}="{html.escape(value, quote=True)}"' for key, value in attrs]
    return "<" + " ".join(parts) + ("/>" if self_closing else ">")


def accessible_html(page: str) -> str:
    """Return the page with every defective start tag rewritten, all else unchanged.

    Parameters
    ----------
    page
        The text of an html page as Quarto wrote it.

    Returns
    -------
    str
        The corrected page; the input itself when nothing needed correcting.
    """
    parser = _StartTags()
    parser.feed(page)
    parser.close()
    line_starts = [0, *(match.end() for match in re.finditer("\n", page))]
    toc_title = f'id="{TOC_TITLE_ID}"' in page
    pieces: list[str] = []
    done = 0
    for (line, column), tag, attrs, text in parser.tags:
        fixed = corrected_attributes(tag, attrs, toc_title)
        if fixed == attrs:
            continue
        start = line_starts[line - 1] + column
        if page[start : start + len(text)] != text:
            raise ValueError(f"could not locate the <{tag}> tag at line {line}, column {column}")
        pieces += [page[done:start], _start_tag(tag, fixed, text.endswith("/>"))]
        done = start + len(text)
    return "".join(pieces) + page[done:] if pieces else page


def correct_site(output_dir: Path) -> tuple[int, int]:
    """Correct every html page under a rendered site, in place.

    Parameters
    ----------
    output_dir
        Quarto's output folder (``_book``); Quarto's own libraries under
        ``site_libs`` are left alone.

    Returns
    -------
    (int, int)
        The number of pages rewritten and the number of pages read.
    """
    if not output_dir.is_dir():
        raise FileNotFoundError(f"{output_dir}: rendered site folder not found")
    pages = sorted(p for p in output_dir.rglob("*.html") if "site_libs" not in p.relative_to(output_dir).parts)
    changed = 0
    for path in pages:
        page = path.read_bytes().decode("utf-8")
        fixed = accessible_html(page)
        if fixed != page:
            path.write_bytes(fixed.encode("utf-8"))
            changed += 1
    return changed, len(pages)


def main(argv: Sequence[str] | None = None) -> int:
    """Correct the rendered site named by the argument or by ``QUARTO_PROJECT_OUTPUT_DIR``."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    folder = arguments[0] if arguments else os.environ.get("QUARTO_PROJECT_OUTPUT_DIR")
    if not folder:
        print("accessibility: no site folder given (argument or QUARTO_PROJECT_OUTPUT_DIR)", file=sys.stderr)
        return 2
    try:
        changed, read = correct_site(Path(folder))
    except (FileNotFoundError, ValueError) as error:
        print(f"accessibility: {error}", file=sys.stderr)
        return 2
    print(f"accessibility: corrected {changed} of {read} html pages in {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
