"""The first pages' results, computed into the shared cache before anyone asks for them.

``make run`` starts the server through ``serve.py``, which calls :func:`warm_first_page` as
soon as Streamlit's runtime exists, then :func:`warm_meeting`: the Overview and the weekly
meeting of a first visit (default filters and week, every language, a user of every team) are
then read from the cache when a browser opens them, and the modules they need (pandas, Ibis,
DuckDB) are already imported. Nothing here runs at import time.

The server also turns on :func:`after_change` (:func:`enable_rewarm`): when an import or an
undo moves the data version (``app_state.data_version`` notices), the same pages are warmed
again for the new version in one background thread, so the meeting opened after the week's
upload is read from the cache too. A bare ``streamlit run`` and the tests leave it off.
"""

from __future__ import annotations

import logging
import os
import threading
import time

import i18n

log = logging.getLogger(__name__)

# what pages/overview.py reads, in its order (each loader takes (filters, version, settings))
FIRST_PAGE = ("load_kpis", "load_kpi_trend", "load_revenue_by_period")


def _first_visit():
    """(settings, version, options) a first visit of a user of every team starts from, or None
    when there is nothing to warm (caching off, or no payments in the database)."""
    import app_state

    if os.environ.get("DASHBOARD_NO_CACHE") == "1":
        return None
    settings = app_state.get_settings()
    version = app_state.data_version()
    options = app_state.load_options(version, None)  # as dashboard.py asks for a user of every team
    return None if options.is_empty else (settings, version, options)


def warm_first_page(langs: tuple[str, ...] = i18n.LANGS) -> int:
    """Compute the first page's loaders for a first visit in each of ``langs`` → how many
    loader calls were made (0 when caching is off or the database holds no payments)."""
    import app_state

    visit = _first_visit()
    if visit is None:
        return 0
    settings, version, options = visit
    calls = 0
    for lang in langs:
        filters = app_state.default_filters(options, lang, settings)
        for name in FIRST_PAGE:
            getattr(app_state, name)(filters, version, settings)
            calls += 1
    return calls


def warm_meeting(langs: tuple[str, ...] = i18n.LANGS) -> int:
    """The weekly meeting's numbers for its default week (what pages/meeting.py shows first),
    in each of ``langs`` → how many snapshots were built (0 as :func:`warm_first_page`, or when
    the data has no complete week)."""
    import app_state
    from app_state import meeting

    visit = _first_visit()
    week = visit and meeting.default_week(visit[2])
    if not week:
        return 0
    settings, version, options = visit
    for lang in langs:
        meeting.build_snapshot(app_state.default_filters(options, lang, settings), version, settings, week)
    return len(langs)


_rewarm = {"enabled": False, "worker": None, "again": False}
_rewarm_lock = threading.Lock()


def enable_rewarm() -> None:
    """Warm again after every data change from now on (serve.py, as the server starts)."""
    _rewarm["enabled"] = True


def after_change() -> threading.Thread | None:
    """The data version moved: warm the first page and the meeting again in the background →
    the thread doing it (None when re-warming is off). One thread at a time: a change noticed
    while it runs makes it warm once more when it is done, for the newest version."""
    with _rewarm_lock:
        if not _rewarm["enabled"]:
            return None
        if _rewarm["worker"] is not None:
            _rewarm["again"] = True
            return _rewarm["worker"]
        worker = threading.Thread(target=_rewarm_until_current, name="rewarm", daemon=True)
        _rewarm["worker"] = worker
    worker.start()
    return worker


def warm_pages(occasion: str) -> None:
    """The first page, then the meeting (both logged with their time); a failure is logged and
    nothing else happens: the pages then compute on their next visit."""
    started = time.monotonic()
    try:
        calls, snapshots = warm_first_page(), warm_meeting()
    except Exception:
        log.exception("warming the first pages %s failed; they compute on their next visit", occasion)
        return
    log.info("first pages warmed %s: %s Overview loader calls, %s meeting snapshots in %.1f s",
             occasion, calls, snapshots, time.monotonic() - started)


def _rewarm_until_current() -> None:
    while True:
        warm_pages("after a data change")
        with _rewarm_lock:
            if not _rewarm["again"]:
                _rewarm["worker"] = None
                return
            _rewarm["again"] = False
