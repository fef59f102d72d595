"""Column widths for the interactive grid (st.dataframe), from the text each column shows.

Left to itself the grid sizes a column from its first rows only, so a wide value further down
("2,034.3 h" under rows of "32.1 h") is clipped on the left. ``column_width`` estimates the
pixels of the widest shown cell and of the header in the grid's type (Source Sans, 14 px) and
adds the cell padding. Text columns are capped: a long comment is cut short in its cell
(opening the cell shows it whole) rather than pushing every other column off the screen.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

# Advance widths in px of the grid's type (Source Sans, 14 px), by class of character, measured
# with a canvas in Chromium. Digits and separators at their width (a clipped number is cut on
# the left and misreads); letters at their average (Latin 6.6, Cyrillic 7.2; capitals 7.9–8.3):
# a name a little wider than estimated ends in an ellipsis, which still reads.
_CLASS_PX = {
    **dict.fromkeys(" \u00a0\u202f'.,:;|ijlI·", 3.7),
    **dict.fromkeys("!()-/[]\\{}frt", 4.9),
    **dict.fromkeys("mwMWМЖШЩЪЫЮФфшщъюыжм", 10.5),
    **dict.fromkeys("%@—…№", 12.7),
}
_PX_DIGIT, _PX_UPPER, _PX_OTHER = 7.0, 8.4, 7.2
CELL_PADDING_PX = 17   # 8 px each side and the cell border
HEADER_EXTRA_PX = 4    # a header is measured in the same type; a hair more for its edge
MIN_PX, TEXT_MAX_PX = 48, 560
WIDE_TABLE_PX = 1_429  # the main block at 1920 px with the sidebar open (Chromium); see is_wide
MEASURED = 64  # the longest distinct cells measured per column (a manager's 25k clients: not each)


def text_px(text: str) -> float:
    """Estimated width in px of ``text`` on one line in the grid's type."""
    total = 0.0
    for ch in text:
        px = _CLASS_PX.get(ch)
        if px is None:
            px = _PX_DIGIT if ch.isdigit() else _PX_UPPER if ch.isupper() else _PX_OTHER
        total += px
    return total


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

