"""Column widths for the interactive grid (st.dataframe), from the text each column shows.

Left to itself the grid sizes a column from its first rows only, so a wide value further down
("2,034.3 h" under rows of "32.1 h") is clipped on the left. ``column_width`` estimates the
pixels of the widest shown cell and of the header in the grid's type (Source Sans, 14 px:
``charts.text_px``) and adds the cell padding. Text columns are capped: a long comment is cut
short in its cell (opening the cell shows it whole) rather than pushing every other column off
the screen.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from charts import text_px  # the app's type, measured once for the grid and the charts

CELL_PADDING_PX = 17   # 8 px each side and the cell border
HEADER_EXTRA_PX = 4    # a header is measured in the same type; a hair more for its edge
MIN_PX, TEXT_MAX_PX = 48, 560
WIDE_TABLE_PX = 1_429  # the main block at 1920 px with the sidebar open (Chromium); see is_wide
MEASURED = 64  # the longest distinct cells measured per column (a manager's 25k clients: not each)


def column_width(header: str, cells: Iterable[str], *, text: bool) -> int:
    """Pixels for a column showing ``cells`` under ``header``: room for the widest of them.

    ``text``: names and words, capped at TEXT_MAX_PX (numbers are never capped: a clipped
    number reads as another number).
    """
    longest = heapq.nlargest(MEASURED, set(cells), key=len)
    widest = max((text_px(cell) for cell in longest), default=0.0)
    width = max(widest + CELL_PADDING_PX, text_px(header) + CELL_PADDING_PX + HEADER_EXTRA_PX, MIN_PX)
    if text:
        width = min(width, TEXT_MAX_PX)
    return int(width + 0.999)


def is_wide(widths: Iterable[int]) -> bool:
    """Whether columns this wide need a sideways scroll on a 1920 px screen with the sidebar
    open: then the first column (the names) stays pinned. Only then: the grid draws a pinned
    column's text grey, which reads less well on a shared screen."""
    return sum(widths) > WIDE_TABLE_PX

