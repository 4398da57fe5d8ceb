"""Turning numbers into the short strings the book's prose shows.

Chapters never type a number by hand: they compute it, then format it here so
that the same kind of quantity always reads the same way. In particular a
p-value is never shown as 0, however small it is, and a value written in
several words ("< 0.001", "3.9 × 10⁻¹¹") joins them with no-break spaces
(:data:`NO_BREAK_SPACE`), so that a narrow table column or the end of a line
never splits it.

Examples
--------
>>> format_p(0.0432), format_p(3e-11)
('0.043', '<\xa00.001')
"""

from __future__ import annotations

import math

_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
#: Joins the words of one value: a space that neither HTML nor Typst breaks a line at.
NO_BREAK_SPACE = "\u00a0"


def format_p(p_value: float, *, digits: int = 3, floor: float = 0.001) -> str:
    """Format a p-value for prose: ``digits`` decimals, or ``"< floor"`` when smaller.

    Parameters
    ----------
    p_value : float
        A probability in [0, 1]. A p-value that underflowed to 0 is shown as
        ``"< floor"``, never as 0.
    digits : int
        Decimal places for p-values at or above ``floor``.
    floor : float
        Smallest p-value shown as a number.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        When ``p_value`` is missing or outside [0, 1].

    Examples
    --------
    >>> format_p(0.5), format_p(0.00099), format_p(1e-6, floor=1e-4)
    ('0.500', '<\xa00.001', '<\xa00.0001')
    """
    if p_value is None or math.isnan(p_value) or not 0 <= p_value <= 1:
        raise ValueError(f"p-value {p_value!r} is not a probability in [0, 1]")
    if p_value < floor:
        return f"<{NO_BREAK_SPACE}{floor:g}"
    return f"{p_value:.{digits}f}"


def format_scientific(value: float, *, digits: int = 1) -> str:
    """Format a positive number as ``"a.b × 10⁻ⁿ"`` with Unicode superscripts and no-break spaces.

    Plain Unicode (no Markdown markup) reads the same in HTML, in Typst and
    in inline code output, which Quarto may escape.

    Parameters
    ----------
    value : float
        A positive number.
    digits : int
        Decimals of the mantissa.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        When ``value`` is not a positive, finite number (a p-value of 0 cannot be shown).

    Examples
    --------
    >>> format_scientific(3.9054e-11), format_scientific(0.015, digits=2)
    ('3.9\xa0×\xa010⁻¹¹', '1.50\xa0×\xa010⁻²')
    """
    if value is None or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{value!r} is not a positive finite number")
    exponent = math.floor(math.log10(value))
    mantissa = value / 10**exponent
    if round(mantissa, digits) >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.{digits}f}{NO_BREAK_SPACE}×{NO_BREAK_SPACE}10{str(exponent).translate(_SUPERSCRIPTS)}"


def format_count(value: float) -> str:
    """Format a whole number with thousands separators.

    Examples
    --------
    >>> format_count(200000), format_count(12.0)
    ('200,000', '12')
    """
    return f"{int(round(value)):,}"
