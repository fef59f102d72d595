"""Values from files inside Streamlit's markdown elements (captions, st.info/warning/…).

Those elements render markdown (and Streamlit's ``:color[…]`` directives, ``:emoji:`` codes,
``$…$`` maths): a client called ``**x**`` would show in bold. Every data value put into such
a message goes through :func:`plain`; tables show values as text already (st.dataframe).
"""

from __future__ import annotations

import re

# CommonMark lets any ASCII punctuation be backslash-escaped. Escaped everywhere: what marks
# emphasis, code, links, HTML, entities, tables and Streamlit's directives/maths/emoji. Plain
# punctuation (". - + =" inside a name or a file name) stays as it is; only at the very start
# can it open a list, a heading or a quote block.
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>~:$&|#])")
_BLOCK_START = re.compile(r"^(\s*)([-+=>]|\d+[.)])")


def plain(value) -> str:
    """``value`` as text that markdown shows literally (no emphasis, links, HTML, directives)."""
    text = _SPECIAL.sub(r"\\\1", str(value).replace("\r", " ").replace("\n", " "))
    return _BLOCK_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)
