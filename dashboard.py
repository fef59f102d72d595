"""Entry point: page config, language, URL-bound sidebar filters, navigation of every page."""

from __future__ import annotations

import logging

import streamlit as st

import app_state
import i18n

log = logging.getLogger("dashboard")

# (file, title key, icon): every file in pages/, in menu order.
PAGES = (
    ("pages/overview.py", "page.overview.title", ":material/dashboard:"),
    ("pages/retention.py", "page.retention.title", ":material/replay:"),
    ("pages/ltv.py", "page.ltv.title", ":material/savings:"),
    ("pages/nps.py", "page.nps.title", ":material/sentiment_satisfied:"),
    ("pages/managers.py", "page.managers.title", ":material/groups:"),
    ("pages/service.py", "page.service.title", ":material/support_agent:"),
    ("pages/clients.py", "page.clients.title", ":material/person_search:"),
    ("pages/upload.py", "page.upload.title", ":material/upload_file:"),
)
UPLOAD_PAGE = "pages/upload.py"


def main() -> None:
    st.set_page_config(page_title="Client service", page_icon=":material/monitoring:",
                       layout="wide", initial_sidebar_state="expanded")
    lang = app_state.language_switch()
    t = i18n.t
    st.set_page_config(page_title=t("app.title", lang))
    pages = {path: st.Page(path, title=t(key, lang), icon=icon, default=(i == 0))
             for i, (path, key, icon) in enumerate(PAGES)}
    current = st.navigation(list(pages.values()))
    settings = app_state.get_settings()
    try:
        version = app_state.data_version()
        options = app_state.load_options(version)
    except Exception:
        log.exception("cannot open the database %s", app_state.db_path())
        st.error(t("app.db_unavailable", lang))
        return
    filters = app_state.sidebar_filters(options, lang, settings)
    context = app_state.PageContext(lang, filters, version, settings, options)
    if options.is_empty and current.url_path != pages[UPLOAD_PAGE].url_path:
        st.title(current.title)
        st.info(t("app.empty", lang))
        st.page_link(pages[UPLOAD_PAGE], label=t("app.empty.link", lang), icon=":material/upload_file:")
        return
    try:
        with app_state.page_context_for_run(context):
            current.run()
    except Exception:  # rerun/stop are BaseException: they pass through
        log.exception("page %s failed", current.url_path or "overview")
        st.error(t("app.error", lang))


main()
