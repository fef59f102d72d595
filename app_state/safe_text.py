"""Values from files inside Streamlit's markdown elements (captions, st.info/warning/…).

Those elements render markdown (and Streamlit's ``:color[…]`` directives, ``:emoji:`` codes,
``$…$`` maths): a client called ``**x**`` would show in bold. Every data value put into such
a message goes through :func:`plain`; tables show values as text already (st.dataframe).
"""

from __future__ import annotations

import re

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that mean
# something to markdown, HTML entities or Streamlit's extensions.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&=^\"'])")


def plain(value) -> str:
    """``value`` as text that markdown shows literally (no emphasis, links, HTML, directives)."""
    text = str(value).replace("\r", " ").replace("\n", " ")
    return _SPECIAL.sub(r"\\\1", text)
