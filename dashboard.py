"""Entry point: page config, language, URL-bound sidebar filters, navigation of every page."""

from __future__ import annotations

import logging

import duckdb
import streamlit as st

import app_state
import i18n
from app_state import auth
from warehouse.connection import DatabaseInUse

log = logging.getLogger("dashboard")

# (file, title key, icon, action the user must be allowed): every file in pages/, in menu order.
PAGES = (
    ("pages/overview.py", "page.overview.title", ":material/dashboard:", "view"),
    ("pages/meeting.py", "page.meeting.title", ":material/co_present:", "view"),
    ("pages/retention.py", "page.retention.title", ":material/replay:", "view"),
    ("pages/ltv.py", "page.ltv.title", ":material/savings:", "view"),
    ("pages/nps.py", "page.nps.title", ":material/sentiment_satisfied:", "view"),
    ("pages/managers.py", "page.managers.title", ":material/groups:", "view"),
    ("pages/service.py", "page.service.title", ":material/support_agent:", "view"),
    ("pages/clients.py", "page.clients.title", ":material/person_search:", "view"),
    ("pages/upload.py", "page.upload.title", ":material/upload_file:", "upload"),
    ("pages/admin.py", "page.admin.title", ":material/admin_panel_settings:", "admin"),
)
UPLOAD_PAGE = "pages/upload.py"


def main() -> None:
    st.set_page_config(page_title="Client service", page_icon=":material/monitoring:",
                       layout="wide", initial_sidebar_state="expanded")
    lang = app_state.language_switch()
    t = i18n.t
    st.set_page_config(page_title=t("app.title", lang))
    settings = app_state.get_settings()
    try:
        auth.audit_config_change("settings", app_state.settings_summary(settings))
        user = auth.current_user(settings.idle_minutes)
    except DatabaseInUse as exc:
        _database_in_use(exc, lang)
        return
    if user is None:  # nothing but the sign-in form until someone signs in
        st.navigation([st.Page(auth.sign_in_page, title=t("auth.title", lang), url_path="sign-in")],
                      position="hidden").run()
        return
    pages = {path: st.Page(path, title=t(key, lang), icon=icon, default=(i == 0))
             for i, (path, key, icon, action) in enumerate(PAGES) if user.can(action)}
    current = st.navigation(list(pages.values()))
    auth.sidebar_account(user, lang)
    auth.remember_language(user, lang)
    try:
        version = app_state.data_version()
        options = app_state.load_options(version, user.teams)
    except DatabaseInUse as exc:
        _database_in_use(exc, lang)
        return
    except Exception:
        log.exception("cannot open the database %s", app_state.db_path())
        st.error(t("app.db_unavailable", lang))
        return
    filters = app_state.sidebar_filters(options, lang, settings, user.teams)
    context = app_state.PageContext(lang, filters, version, settings, options, user)
    if options.is_empty and current.url_path != pages.get(UPLOAD_PAGE, current).url_path:
        st.title(current.title)
        st.info(t("app.empty", lang))
        if UPLOAD_PAGE in pages:
            st.page_link(pages[UPLOAD_PAGE], label=t("app.empty.link", lang), icon=":material/upload_file:")
        return
    try:
        with app_state.page_context_for_run(context):
            current.run()
    except duckdb.InterruptException:
        log.warning("page %s: a query ran over %s s and was interrupted", current.url_path, settings.query_timeout_s)
        st.error(t("app.query_timeout", lang, seconds=settings.query_timeout_s))
    except Exception:  # rerun/stop are BaseException: they pass through
        log.exception("page %s failed", current.url_path or "overview")
        st.error(t("app.error", lang))


def _database_in_use(exc: DatabaseInUse, lang: str) -> None:
    log.error("cannot open the database %s: %s", app_state.db_path(), exc)
    who = exc.pid if exc.pid is not None else "?"
    st.error(i18n.t("app.db_in_use", lang, pid=who))


main()
