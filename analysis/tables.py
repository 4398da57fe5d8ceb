"""Presentation of DataFrames as Markdown tables for the book.

Markdown pipe tables render the same in the website and in the Typst PDF,
so every table in the book goes through :func:`markdown_table`. Nothing here
computes a statistic: it only formats what other modules return.

Examples
--------
>>> import pandas as pd
>>> print(markdown_table(pd.DataFrame({"band": ["Micro"], "n": [39]})).data)
| band   |   n |
|:-------|----:|
| Micro  |  39 |
"""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown


def markdown_table(frame: pd.DataFrame, *, index: bool = False, floatfmt: str = ".3g") -> Markdown:
    """Render ``frame`` as a Markdown pipe table that Quarto can caption and cross-reference.

    Parameters
    ----------
    frame : pandas.DataFrame
        Already formatted for reading (column names as headings).
    index : bool
        Whether to show the index as the first column.
    floatfmt : str
        Format for float cells (tabulate's ``floatfmt``).

    Returns
    -------
    IPython.display.Markdown
        Display object; as a cell's last value it becomes the table under the
        cell's ``tbl-cap`` and ``label``.

    Examples
    --------
    >>> markdown_table(pd.DataFrame({"p": [0.12345]})).data.splitlines()[-1]
    '| 0.123 |'
    """
    return Markdown(frame.to_markdown(index=index, floatfmt=floatfmt))
