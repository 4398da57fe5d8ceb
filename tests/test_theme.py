"""The website's own theme (chapters/_theme/): WCAG 2.1 AA contrast in both schemes.

The palette of each scheme is read from its SCSS file; every text colour
(``$book-fg-*``) must reach 4.5:1 on every background (``$book-bg-*``), and the
Bootstrap and Quarto variables the site draws its colours from must be pinned
to that palette. The rules shared by both schemes must underline citation
links, use the checked grey for muted text, and wrap long names in tables.
"""

from __future__ import annotations

import itertools
import re

import pytest

from analysis import config
from book import quarto_config

SCHEMES = {"light": "cosmo", "dark": "darkly"}
AA_NORMAL_TEXT = 4.5


def _relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of a #rrggbb colour (sRGB, linearised)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast ratio, (L1 + 0.05) / (L2 + 0.05) with L1 the lighter."""
    lighter, darker = sorted((_relative_luminance(foreground), _relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _assignments(path) -> dict[str, str]:
    """Every top-level ``$name: value;`` of an SCSS file, comments removed."""
    text = re.sub(r"//[^\n]*", "", path.read_text(encoding="utf-8"))
    return {name: value.strip() for name, value in re.findall(r"^\$([\w-]+)\s*:\s*([^;]+);", text, re.MULTILINE)}


def _palette(scheme: str) -> tuple[dict[str, str], dict[str, str]]:
    variables = _assignments(config.THEME / f"{scheme}.scss")
    for name, value in variables.items():
        if name.startswith("book-"):
            assert re.fullmatch(r"#[0-9a-f]{6}", value), f"{scheme}.scss: ${name} must be a #rrggbb colour, not {value}"
    foregrounds = {n: v for n, v in variables.items() if n.startswith("book-fg-")}
    backgrounds = {n: v for n, v in variables.items() if n.startswith("book-bg-")}
    return foregrounds, backgrounds


@pytest.mark.parametrize(
    ("foreground", "background", "expected"),
    [
        # Hand-checkable ends of the scale, and the ratios axe-core reported on the
        # unthemed site (issue 13): #6d7a86 on white 4.39, #6c757d on #222 3.39.
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#6d7a86", "#ffffff", 4.39),
        ("#6c757d", "#222222", 3.39),
        ("#6c757d", "#434343", 2.11),
    ],
)
def test_contrast_ratio_matches_known_values(foreground, background, expected):
    assert contrast_ratio(foreground, background) == pytest.approx(expected, abs=0.005)
    assert contrast_ratio(background, foreground) == contrast_ratio(foreground, background)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_text_colour_reaches_aa_on_every_background(scheme):
    foregrounds, backgrounds = _palette(scheme)
    assert {"book-fg-text", "book-fg-muted", "book-fg-link"} <= set(foregrounds)
    assert "book-bg-page" in backgrounds
    failures = [
        f"${fg} {foregrounds[fg]} on ${bg} {backgrounds[bg]}: {contrast_ratio(foregrounds[fg], backgrounds[bg]):.2f}"
        for fg, bg in itertools.product(foregrounds, backgrounds)
        if contrast_ratio(foregrounds[fg], backgrounds[bg]) < AA_NORMAL_TEXT
    ]
    assert not failures, f"{scheme}: below {AA_NORMAL_TEXT}:1: {failures}"


@pytest.mark.parametrize("scheme", SCHEMES)
def test_site_colours_are_pinned_to_the_checked_palette(scheme):
    variables = _assignments(config.THEME / f"{scheme}.scss")
    pinned = {
        "body-bg": "$book-bg-page",
        "body-color": "$book-fg-text",
        "link-color": "$book-fg-link",
        "text-muted": "$book-fg-muted",
        "body-secondary": "$book-fg-muted",
    }
    assert {name: variables.get(name) for name in pinned} == pinned
    if "book-bg-breadcrumb" in variables:
        assert variables.get("breadcrumb-bg") == "$book-bg-breadcrumb"


def _rule_blocks() -> list[tuple[list[str], str]]:
    text = re.sub(r"//[^\n]*", "", (config.THEME / "rules.scss").read_text(encoding="utf-8"))
    return [
        ([s.strip() for s in selectors.split(",")], body)
        for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text.replace("/*-- scss:rules --*/", ""))
    ]


def _declarations_for(selector_pattern: str) -> str:
    return " ".join(body for selectors, body in _rule_blocks() if any(re.search(selector_pattern, s) for s in selectors))


def test_rules_underline_citation_links():
    assert re.search(r"text-decoration:\s*underline", _declarations_for(r"\.citation a$"))


@pytest.mark.parametrize(
    "element",
    [r"\.blockquote$", r"figcaption$", r"\.header-section-number$", r"details\.code-fold > summary$",
     r"\.code-tools-button$", r"\.breadcrumb-item a$"],
)
def test_rules_colour_muted_text_with_the_checked_grey(element):
    assert re.search(r"color:\s*\$book-fg-muted", _declarations_for(element)), element


def test_rules_wrap_long_names_in_table_cells():
    assert re.search(r"overflow-wrap:\s*anywhere", _declarations_for(r"\.table td code$"))


def test_quarto_config_uses_the_theme_math_and_post_render_step():
    cfg = quarto_config()
    html = cfg["format"]["html"]
    for scheme, base in SCHEMES.items():
        layers = html["theme"][scheme]
        assert layers[0] == base
        assert layers[1:] == [f"chapters/_theme/{scheme}.scss", "chapters/_theme/rules.scss"]
        for layer in layers[1:]:
            assert (config.ROOT / layer).is_file(), layer
    assert (config.ROOT / html["include-after-body"]).is_file()
    assert html["html-math-method"] == "mathml", "MathJax would be fetched from a CDN"
    assert cfg["project"]["post-render"] == "python -m analysis.accessibility"
