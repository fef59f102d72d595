"""Our download buttons under every table: formula-safe CSV and XLSX (see ``exports``).

Streamlit's own dataframe download is off (client.disableDataExport): it does not neutralise
formulas. The files are built only when a button is clicked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pandas as pd
import streamlit as st

import exports
import i18n

MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def download_key(name: str, columns, fmt: str) -> str:
    """A widget key unique per table: its name and its columns (two tables may share a name)."""
    digest = hashlib.sha1("\x1f".join(map(str, columns)).encode("utf-8")).hexdigest()[:8]
    return f"download_{name}_{digest}_{fmt}"


def download_buttons(frame: Callable[[], pd.DataFrame], columns: list[str], rows: int, name: str,
                     lang: str) -> None:
    """CSV and XLSX buttons for the table ``frame()`` makes — ``rows`` rows of ``columns`` —
    (file names ``<name>.csv`` / ``<name>.xlsx``); it is made only when a button is clicked."""
    from app_state import auth

    build = {
        "csv": lambda: exports.csv_bytes(frame(), lang),
        "xlsx": lambda: exports.xlsx_bytes({name: frame()}),
    }
    user = auth.session_user_name()
    with st.container(horizontal=True):
        for fmt, data in build.items():
            st.download_button(
                i18n.t(f"exports.download_{fmt}", lang), data=audited(data, user, f"{name}.{fmt} ({rows} rows)"),
                file_name=f"{name}.{fmt}",
                mime=MIME[fmt], key=download_key(name, columns, fmt),
                help=i18n.t("exports.download_help", lang), on_click="ignore",
                icon=":material/download:", type="tertiary")


def audited(build, user: str, detail: str):
    """The file builder, which also writes an ``export`` audit event when a download is made."""
    def data() -> bytes:
        from app_state import auth

        auth.audit("export", user, detail)
        return build()
    return data
