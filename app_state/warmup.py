"""The first page's results, computed into the shared cache before anyone asks for them.

``make run`` starts the server through ``serve.py``, which calls
:func:`warm_first_page` as soon as Streamlit's runtime exists: the Overview of a first visit
(default filters, every language, a user of every team) is then read from the cache when the
first browser opens it, and the modules it needs (pandas, Ibis, DuckDB) are already imported.
Nothing here runs at import time.
"""

from __future__ import annotations

import os

import i18n

# what pages/overview.py reads, in its order (each loader takes (filters, version, settings))
FIRST_PAGE = ("load_kpis", "load_kpi_trend", "load_revenue_by_period")


def warm_first_page(langs: tuple[str, ...] = i18n.LANGS) -> int:
    """Compute the first page's loaders for a first visit in each of ``langs`` → how many
    loader calls were made (0 when caching is off or the database holds no payments)."""
    import app_state

    if os.environ.get("DASHBOARD_NO_CACHE") == "1":
        return 0
    settings = app_state.get_settings()
    version = app_state.data_version()
    options = app_state.load_options(version, None)  # as dashboard.py asks for a user of every team
    if options.is_empty:
        return 0
    calls = 0
    for lang in langs:
        filters = app_state.default_filters(options, lang, settings)
        for name in FIRST_PAGE:
            getattr(app_state, name)(filters, version, settings)
            calls += 1
    return calls
