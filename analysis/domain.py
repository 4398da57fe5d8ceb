"""The fixed vocabulary of Table 5.1: size bands and outcomes.

Size bands follow the table's note (Body 2020, p. 128): the band of the
charity's income in its 2008 accounts. Outcomes are the direction of
financial travel between 2008/09 and 2013/14.

Examples
--------
>>> from analysis.domain import SIZE_BANDS, OUTCOMES
>>> SIZE_BANDS[0], OUTCOMES[-1]
('Micro', 'Merged')
"""

from __future__ import annotations

from dataclasses import dataclass

#: Size bands, smallest first (the table's row order).
SIZE_BANDS: tuple[str, ...] = ("Micro", "Small", "Medium", "Large", "Major")

#: Outcomes, in the table's column order.
OUTCOMES: tuple[str, ...] = ("Increased", "Decreased", "Ceased", "Merged")

#: Number of charities tracked (Body 2020, p. 127).
N_CHARITIES = 231


@dataclass(frozen=True)
class IncomeBand:
    """Income limits of one size band in pounds, as the table's note gives them.

    ``upper`` is ``None`` for the open-ended Major band.

    Examples
    --------
    >>> INCOME_BANDS["Small"].lower
    10001
    """

    name: str
    lower: int
    upper: int | None


#: Income limits from the note under Table 5.1 (Body 2020, p. 128).
INCOME_BANDS: dict[str, IncomeBand] = {
    "Micro": IncomeBand("Micro", 0, 10_000),
    "Small": IncomeBand("Small", 10_001, 100_000),
    "Medium": IncomeBand("Medium", 100_001, 1_000_000),
    "Large": IncomeBand("Large", 1_000_001, 10_000_000),
    "Major": IncomeBand("Major", 10_000_001, None),
}
