"""The only Streamlit glue: cached connection, cursor per operation, URL-bound filters, loaders.

Loaders are ``st.cache_data`` functions keyed by a frozen :class:`Filters` and the warehouse's
``data_version``; each opens its own cursor, builds Ibis expressions from ``metrics`` and brings
back small pandas frames. Nothing here runs at import time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import inspect
import logging
import math
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, fields

import ibis
import pandas as pd
import streamlit as st

import i18n
from metrics import _time
from metrics.revenue import REVENUE_COLUMNS
from metrics.service import SERVICE_COLUMNS

log = logging.getLogger(__name__)

TABLE_NAMES = ("payments", "clients", "managers", "interactions", "nps_responses")  # + warehouse.derived.NAMES
GRAINS = ("month", "week")
FILTER_KEYS = ("filter_start", "filter_end", "filter_grain", "filter_team", "filter_manager", "filter_segment")


def cached(*, in_words: bool = False, **options):
    """``st.cache_data(**options)`` for a loader — or no cache at all when the process runs with
    ``DASHBOARD_NO_CACHE=1`` (the load harness's uncached baseline). Read when the module is
    loaded, like Streamlit's own config.

    A loader whose first parameter is ``filters`` computes numbers, the same in every
    language: it is cached (and computed) once for all languages — it sees ``filters`` with
    ``lang=""`` — unless ``in_words`` (its result holds text in the viewer's language). Every
    loader takes the ``version``, so a new data version drops them all (:func:`data_version`).
    """
    if os.environ.get("DASHBOARD_NO_CACHE") == "1":
        return lambda loader: loader

    def wrap(loader):
        cached_loader = st.cache_data(**options)(loader)
        if in_words or list(inspect.signature(loader).parameters)[:1] != ["filters"]:
            return cached_loader

        @functools.wraps(loader)
        def in_any_language(filters: Filters, *args, **kwargs):
            return cached_loader(dataclasses.replace(filters, lang=""), *args, **kwargs)

        return in_any_language

    return wrap


LOADER_THREADS = 2  # the machine a department gets has two cores


def _in_page_run(call):
    """``call`` wrapped to run in another thread with the page run's Streamlit context (the
    cache and the session see the page's run)."""
    from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

    context = get_script_run_ctx(suppress_warning=True)

    def run():
        if context is not None:
            add_script_run_ctx(threading.current_thread(), context)
        return call()

    return run


def concurrently(*calls):
    """The results of zero-argument ``calls`` (a page's independent loaders), in their order,
    computed ``LOADER_THREADS`` at a time. DuckDB works outside Python's lock and one query
    seldom keeps both cores busy (10M interactions: 1.4–1.7 of 2 cores while a page computes),
    so a page whose loaders run side by side is ready sooner; the work is the same. The first
    call that raises makes this raise it, after the others are done. Give the longest first:
    the threads take the calls in order."""
    from warehouse import parallel

    return parallel.mapped(lambda call: call(), [_in_page_run(call) for call in calls],
                           threads=LOADER_THREADS, name="loader")


def in_background(call):
    """Start a slow loader now, in its own thread → a future whose ``result()`` waits for it
    (and raises what it raised). The page draws what a quicker loader gives meanwhile, so its
    first part shows without waiting for the slow one (the Clients page: the concentration
    chart does not wait for the at-risk list), and the two share the cores."""
    from concurrent.futures import Future

    from warehouse import parallel

    if LOADER_THREADS < 2:  # one at a time: computed here and now
        future = Future()
        future.set_result(call())
        return future
    return parallel.started(_in_page_run(call), name="loader-background")


# ---------------------------------------------------------------- settings and filters

@dataclass(frozen=True)
class Settings:
    """Deployment settings: ``[settings]`` in .streamlit/secrets.toml, else ``DASHBOARD_*`` env."""

    currency: str = "RUB"
    sla_minutes: tuple[tuple[str, float], ...] = ()  # (channel, minutes) over metrics' defaults
    churn_after_days: int = 90
    no_contact_days: int = 30
    revenue_drop: float = 0.30
    default_margin_rate: float | None = None  # fills a missing cost (margin marked estimated)
    risk_weights: tuple[tuple[str, float], ...] = ()  # (flag, weight) over metrics.risk's 1.0 each
    idle_minutes: int = 30  # a signed-in session left alone this long is signed out
    query_timeout_s: int = 60  # a page query running longer is interrupted with a message


@dataclass(frozen=True)
class Filters:
    """Everything a loader's result depends on besides the data. ``end`` is exclusive."""

    start: dt.date
    end: dt.date
    grain: str = "month"
    teams: tuple[str, ...] = ()
    managers: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    lang: str = "en"
    currency: str = "RUB"
    granted: tuple[str, ...] | None = None  # the signed-in user's teams (None = every team)

    def previous(self) -> Filters:
        """The same filters over the window of the same length just before this one."""
        length = self.end - self.start
        return dataclasses.replace(self, start=self.start - length, end=self.start)


@dataclass(frozen=True)
class DataOptions:
    """What the sidebar needs: the data's date bounds and the values to filter by."""

    is_empty: bool
    first_day: dt.date | None
    last_day: dt.date | None
    teams: tuple[str, ...]
    managers: tuple[str, ...]
    segments: tuple[str, ...]


def _secret_settings() -> dict:
    try:
        return dict(st.secrets.get("settings", {}))
    except Exception:  # no secrets.toml at all: Streamlit raises its own not-found error
        return {}


def get_settings() -> Settings:
    """Settings from secrets, then env (``DASHBOARD_CHURN_AFTER_DAYS`` …), then defaults.

    ``sla_minutes`` is a table in secrets (``[settings.sla_minutes] call = 1``) or
    ``DASHBOARD_SLA_MINUTES="call=1,email=240"`` in the environment.
    """
    secret = _secret_settings()
    values = {}
    for f in fields(Settings):
        raw = secret.get(f.name, os.environ.get(f"DASHBOARD_{f.name.upper()}"))
        if raw is None:
            continue
        if f.name in ("sla_minutes", "risk_weights"):
            pairs = raw.items() if hasattr(raw, "items") else (
                item.split("=", 1) for item in str(raw).split(",") if "=" in item)
            values[f.name] = tuple(sorted((str(k).strip(), float(v)) for k, v in pairs))
        else:
            values[f.name] = float(raw) if f.default is None else type(f.default)(raw)
    return Settings(**values)


def settings_summary(settings: Settings) -> str:
    """The settings in force as one line ('currency=RUB; churn_after_days=90; …') for the audit."""
    return "; ".join(f"{f.name}={getattr(settings, f.name)}" for f in fields(settings))


def sla_minutes(settings: Settings) -> dict[str, float]:
    """The SLA per channel in force: metrics' defaults with the settings' overrides."""
    from metrics import service

    return dict(service.ServiceSettings().with_overrides(dict(settings.sla_minutes)).sla_minutes)


# ---------------------------------------------------------------- connection

@st.cache_resource(show_spinner=False)
def get_connection(path: str | None = None):
    """One shared DuckDB connection per database file (default: ``$DASHBOARD_DB``)."""
    from warehouse import connection

    return connection.connect(path or connection.default_db_path())


def db_path() -> str:
    from warehouse import connection

    return str(connection.default_db_path())


@contextlib.contextmanager
def cursor(path: str | None = None, *, timeout_s: float | None = None) -> Iterator:
    """A fresh cursor of the shared connection to ``path`` (default: $DASHBOARD_DB) for one
    operation, always closed (closing rolls back an open transaction). With ``timeout_s`` a
    query still running after that long is interrupted (duckdb.InterruptException); other
    sessions' cursors are not touched."""
    cur = get_connection(path or db_path()).cursor()
    timer = threading.Timer(timeout_s, cur.interrupt) if timeout_s else None
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        yield cur
    finally:
        if timer is not None:
            timer.cancel()
        cur.close()


@dataclass(frozen=True)
class DataVersion:
    """Which database and which state of it: the data part of every loader's cache key."""

    db_path: str
    number: int


def data_version() -> DataVersion:
    """warehouse.connection.data_version of the configured database (grows on import/undo).

    The first call that sees a database's version move on (an import or an undo, by any
    session) drops every cached loader result — all of them belong to older versions, which
    no page asks for again, so a long-running server holds one version's results, not one per
    import — and has the first pages warmed for the new version in the background
    (:func:`app_state.warmup.after_change`; on under ``make run``'s server only)."""
    from warehouse import connection

    path = db_path()
    with cursor(path) as cur:
        version = DataVersion(path, connection.data_version(cur))
    _note_version(version)
    return version


_last_versions: dict[str, int] = {}  # db path → the data version last seen by data_version()
_versions_lock = threading.Lock()


def _note_version(version: DataVersion) -> None:
    with _versions_lock:
        seen = _last_versions.get(version.db_path)
        _last_versions[version.db_path] = version.number
    if seen is None or seen == version.number:
        return
    log.info("data version %s → %s: older cached results dropped", seen, version.number)
    st.cache_data.clear()  # only the loaders use it, and each is keyed by the version
    from app_state import warmup

    warmup.after_change()


def _ibis_tables(cur, version: DataVersion) -> tuple:
    """(Ibis backend over ``cur``, {metric argument name: table}) with nullable column types.

    The schema's NOT NULL columns come through Ibis as non-nullable types, and Ibis refuses a
    union of a non-nullable and a nullable column; metrics are written against nullable types.
    The tables are named tables of those schemas (read once per data version, not described
    again by every loader), so the SQL reads the stored tables directly.
    """
    from warehouse import sqltemplates

    backend = sqltemplates.Backend.from_connection(cur)
    tables = {name: ibis.table(schema, name=name) for name, schema in _nullable_schemas(version, cur).items()}
    tables["nps"] = tables.pop("nps_responses")
    return backend, tables


@st.cache_resource(show_spinner=False, max_entries=8)
def _nullable_schemas(version: DataVersion, _cur) -> dict:
    """{table: its Ibis schema with every column nullable} of the versioned database."""
    from warehouse import derived

    backend = ibis.duckdb.from_connection(_cur)
    return {name: ibis.schema({column: dtype.copy(nullable=True)
                               for column, dtype in backend.table(name).schema().items()})
            for name in (*TABLE_NAMES, *derived.NAMES)}


@contextlib.contextmanager
def scoped_tables(filters: Filters, version: DataVersion) -> Iterator[tuple]:
    """(backend, tables) of the versioned database, restricted to the filters' scope."""
    from metrics import scope

    with cursor(version.db_path, timeout_s=get_settings().query_timeout_s) as cur:
        backend, tables = _ibis_tables(cur, version)
        if filters.granted is not None:  # the user's teams first: nothing outside them is read
            tables = scope.apply_filters(tables, teams=filters.granted)
        yield backend, scope.apply_filters(
            tables, teams=filters.teams, managers=filters.managers, segments=filters.segments
        )


@st.cache_resource(show_spinner=False, max_entries=8)
def managed_facts(version: DataVersion) -> dict[str, bool]:
    """{"interactions_managed", "nps_managed"}: whether every stored interaction / NPS response
    names its manager (then none falls back to the client's book manager:
    metrics.managers.scorecard_by_manager). Asked once per data version, of the whole tables —
    so of any scope too."""
    with cursor(version.db_path) as cur:
        row = cur.execute(
            "SELECT NOT EXISTS (SELECT 1 FROM interactions WHERE manager IS NULL),"
            " NOT EXISTS (SELECT 1 FROM nps_responses WHERE manager IS NULL)").fetchall()[0]
    return {"interactions_managed": bool(row[0]), "nps_managed": bool(row[1])}


def book_hints(tables: dict) -> dict:
    """What the stored tables tell the metrics that build a client's book (client_manager and
    those calling it): the derived list of unlisted clients' contacts, and that ``clients``
    holds one row per client_id — an import keys a client by its id and counts a client
    already stored, or repeated in the file, as a duplicate (warehouse.ingest; scoping only
    filters the rows). Same results, less work. The unlisted contacts are read unscoped on
    purpose (metrics.scope passes them through): they only narrow the scoped raw interactions,
    which give the counts."""
    return {"unlisted_contacts": tables["unlisted_contacts"], "clients_unique": True}


def _window(filters: Filters) -> _time.Window:
    return _time.Window(filters.start, filters.end)


def _before_end(payments, filters: Filters):
    """payments up to the window's end (cohorts need the history before ``start``)."""
    return payments.filter(payments.paid_at < _time.ts_literal(filters.end))


def _in_window(table, column: str, filters: Filters):
    return table.filter(_time.in_window(table[column], _window(filters)))


# ---------------------------------------------------------------- sidebar state

@cached(show_spinner=False, max_entries=64)
def load_options(version: DataVersion, granted: tuple[str, ...] | None = None) -> DataOptions:
    """Date bounds of the payments and the distinct teams, managers, segments — of the
    ``granted`` teams only when the user is limited to some (their scope, as every loader's)."""
    from metrics import scope

    with cursor(version.db_path) as cur:
        backend, tables = _ibis_tables(cur, version)
        if granted is not None:
            tables = scope.apply_filters(tables, teams=granted)
        payments, staff, clients = tables["payments"], tables["managers"], tables["clients"]
        bounds = backend.execute(payments.aggregate(first=payments.paid_at.min(), last=payments.paid_at.max(),
                                                    count=payments.count()))
        teams = backend.execute(staff.filter(staff.team.notnull()).select("team").distinct().order_by("team"))
        names = staff.select("manager").union(clients.select("manager"))
        managers = backend.execute(names.filter(names.manager.notnull()).distinct().order_by("manager"))
        segments = backend.execute(clients.filter(clients.segment.notnull()).select("segment").distinct()
                                   .order_by("segment"))
    first, last, count = bounds.iloc[0]
    return DataOptions(
        is_empty=int(count) == 0,
        first_day=first.date() if pd.notna(first) else None,
        last_day=last.date() if pd.notna(last) else None,
        teams=tuple(teams["team"]),
        managers=tuple(managers["manager"]),
        segments=tuple(segments["segment"]),
    )


def default_range(options: DataOptions) -> tuple[dt.date, dt.date]:
    """The last 12 calendar months of data: (first day, last day inclusive)."""
    last = options.last_day or dt.date.today()
    start = _time.shift_period(last, "month", -11)
    if options.first_day and start < options.first_day:
        start = options.first_day
    return start, last


def url_choice(container, label: str, options: list[str], default: str, key: str,
               format_func) -> str:
    """A segmented control whose *code* lives in the URL (``?key=code``).

    ``bind="query-params"`` stores the formatted (translated) label in the URL, which would
    make a link depend on the viewer's language; here the URL holds the code.
    """
    from_url = st.query_params.get(key)
    if key not in st.session_state:
        st.session_state[key] = from_url if from_url in options else default
    value = container.segmented_control(label, options=options, key=key, format_func=format_func,
                                        persist_state="session") or default
    if value == default:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = value
    return value


def language_switch() -> str:
    """The sidebar language switch: ``?lang=ru``, else the browser's locale."""
    detected = i18n.detect_lang(st.context.locale)
    pending = st.session_state.pop("lang_pending", None)  # a signed-in user's remembered language
    if pending in i18n.LANGS:
        st.session_state["lang"] = pending
    chosen = st.session_state.get("lang") or st.query_params.get("lang")
    lang = chosen if chosen in i18n.LANGS else detected
    return url_choice(st.sidebar, i18n.t("app.language", lang), list(i18n.LANGS), detected, "lang",
                      lambda code: i18n.t(f"lang.{code}", code))


def default_filters(options: DataOptions, lang: str, settings: Settings,
                    granted: tuple[str, ...] | None = None) -> Filters:
    """The filters of a first visit (what :func:`sidebar_filters` returns before any choice):
    the default range, by month, every team, manager and segment."""
    first_day, last_day = default_range(options)
    return Filters(first_day, last_day + dt.timedelta(days=1), "month", (), (), (), lang,
                   settings.currency, granted)


def sidebar_filters(options: DataOptions, lang: str, settings: Settings,
                    granted: tuple[str, ...] | None = None) -> Filters:
    """Date range, grain, team, manager, segment: sidebar widgets bound to the URL."""
    t = i18n.t
    first_day, last_day = default_range(options)
    lo = options.first_day or first_day
    hi = options.last_day or last_day
    _follow_data_range(first_day, last_day)
    side = st.sidebar
    side.subheader(t("filters.title", lang))
    start = side.date_input(t("filters.start", lang), value=first_day, min_value=lo, max_value=hi,
                             key="filter_start", bind="query-params", format=_date_format(lang))
    end_inclusive = side.date_input(t("filters.end", lang), value=last_day, min_value=lo,
                                     max_value=hi, key="filter_end", bind="query-params",
                                     format=_date_format(lang))
    grain = url_choice(side, t("filters.grain", lang), list(GRAINS), "month", "filter_grain",
                       lambda g: t(f"filters.grain.{g}", lang))
    teams = side.multiselect(t("filters.team", lang), options=list(options.teams),
                             key="filter_team", bind="query-params",
                             placeholder=t("filters.all", lang))
    managers = side.multiselect(t("filters.manager", lang), options=list(options.managers),
                                key="filter_manager", bind="query-params",
                                placeholder=t("filters.all", lang))
    segments = side.multiselect(t("filters.segment", lang), options=list(options.segments),
                                key="filter_segment", bind="query-params",
                                placeholder=t("filters.all", lang))
    start = start or first_day
    end_inclusive = end_inclusive or last_day
    if end_inclusive < start:
        side.warning(t("filters.bad_range", lang))
        start, end_inclusive = end_inclusive, start
    return Filters(start, end_inclusive + dt.timedelta(days=1), grain, tuple(teams),
                   tuple(managers), tuple(segments), lang, settings.currency, granted)


def _follow_data_range(first_day: dt.date, last_day: dt.date) -> None:
    """After an import or an undo moves the data's default range, a date still at the old
    default (the user did not choose it) follows the new one; a date the user chose stays.
    Without this the widgets keep the old range and new rows stay outside the window."""
    marker = (first_day, last_day)
    previous = st.session_state.get("_filter_default_range")
    if previous == marker:
        return
    if previous is not None:
        for key, old_default in zip(("filter_start", "filter_end"), previous, strict=True):
            if st.session_state.get(key) == old_default:
                st.session_state.pop(key, None)
    st.session_state["_filter_default_range"] = marker


def _date_format(lang: str) -> str:
    return "DD.MM.YYYY" if lang == "ru" else "YYYY-MM-DD"


@dataclass(frozen=True)
class PageContext:
    """What the entry script hands every page in this run."""

    lang: str
    filters: Filters
    version: DataVersion
    settings: Settings
    options: DataOptions
    user: object = None  # access.users.User of this session


_CONTEXT_KEY = "_page_context"


@contextlib.contextmanager
def page_context_for_run(context: PageContext) -> Iterator[None]:
    """Hands ``context`` to the page run inside the block, and only to it."""
    st.session_state[_CONTEXT_KEY] = context
    try:
        yield
    finally:
        st.session_state.pop(_CONTEXT_KEY, None)


def page_context() -> PageContext:
    """The context the entry script (dashboard.py) set for this run.

    Until the process's first st.navigation call, Streamlit runs a page of the ``pages/``
    folder on its own (its legacy multipage mode). Such a run has no context: switch the
    legacy mode off and rerun, so the entry script runs and routes to the same page.
    """
    context = st.session_state.get(_CONTEXT_KEY)
    if context is None:
        from streamlit.runtime.pages_manager import PagesManager

        PagesManager.uses_pages_directory = False
        st.rerun()
    return context


# ---------------------------------------------------------------- tables for display

TABLE_ROWS_SHOWN = 500  # rows an interactive table draws; its downloads hold every row


def show_table(df: pd.DataFrame, columns: dict[str, str], lang: str, currency: str,
               *, height: int | str = "auto", name: str = "table", shown_rows: int | None = None,
               static: bool = False) -> None:
    """st.dataframe of ``columns`` {column: kind}: headers from ``col.<column>``, values formatted.

    kind is a registry metric name or one of ``text``, ``date``, ``money``, ``number``,
    ``minutes``, ``percent``, ``bool``. The values stay numeric underneath (a Styler formats
    them), so sorting a column sorts by value. Names render as plain text. Below the table,
    formula-safe CSV/XLSX downloads ``<name>.csv``/``<name>.xlsx`` of the same columns (numbers
    and dates as values, translated codes as shown), made from every row when clicked.
    ``shown_rows`` (default TABLE_ROWS_SHOWN): the table draws (and formats) only the first
    rows, and says so under it — a long list stays light in the browser and on the server
    (10M interactions: 189k clients at risk took 0.7 s to format on every run, a manager's 25k
    clients 1.3 s through the Styler). ``static``: a plain table in the page's own type size
    and no downloads, for a slide on a shared screen (the interactive grid's small type does
    not carry across a room).
    """
    from app_state import downloads, table_layout

    shown = df.head(TABLE_ROWS_SHOWN if shown_rows is None else shown_rows)
    if static:
        _static_table(shown, columns, lang, currency)
        return
    view, number_formats = _formatted_view(shown, columns, lang, currency)
    widths = {}
    for label in view.columns:
        if label in number_formats:
            # Streamlit draws a null cell as "None" whatever the Styler says: a missing number
            # becomes −inf (sorts last, shown as "—"), so the column still sorts by value.
            view[label] = view[label].fillna(-math.inf)
            # the widest number is among the largest and the smallest values
            cells = map(number_formats[label], pd.concat([view[label].nlargest(16), view[label].nsmallest(16)]))
        else:
            cells = view[label]
        widths[label] = table_layout.column_width(label, cells, text=label not in number_formats)
    pin = table_layout.is_wide(widths.values())  # the first column, when the grid scrolls sideways
    config = {label: st.column_config.Column(label, width=width, pinned=pin and i == 0)
              for i, (label, width) in enumerate(widths.items())}
    st.dataframe(view.style.format(number_formats), hide_index=True, width="stretch", height=height,
                 column_config=config)
    if len(df) > len(shown):
        st.caption(i18n.t("exports.table_shown", lang, shown=i18n.fmt_number(len(shown), lang),
                          count=i18n.fmt_number(len(df), lang)))
    downloads.download_buttons(lambda: _export_frame(df, columns, lang, currency), list(view.columns),
                               len(df), name, lang)


def _export_frame(df: pd.DataFrame, columns: dict[str, str], lang: str, currency: str) -> pd.DataFrame:
    """Every row of ``columns`` for a download, headed as the table: numbers, text and dates as
    values, anything else (codes, yes/no) as the table words it."""
    export = pd.DataFrame(index=range(len(df)))
    for column, kind in columns.items():
        values = df[column].reset_index(drop=True)
        if not (_is_number(values) or kind in ("text", "date")):
            fmt = cell_formatter(kind, lang, currency)
            values = [fmt(v) for v in values]
        export[i18n.t(f"col.{column}", lang)] = values
    return export


def _static_table(df: pd.DataFrame, columns: dict[str, str], lang: str, currency: str) -> None:
    """st.table of the formatted cells; a number column keeps its numbers under the Styler's text,
    so st.table right-aligns it — its header too, with rules between rows only (digits line up
    down a column on the big screen). st.table renders markdown in cells, so every cell's text
    goes through safe_text.plain (a name from a file shows as written)."""
    from app_state.safe_text import plain

    view, number_formats = _formatted_view(df.reset_index(drop=True), columns, lang, currency, wrap=plain)
    st.table(view.style.format(number_formats), hide_index=True, border="horizontal")


def _formatted_view(df: pd.DataFrame, columns: dict[str, str], lang: str, currency: str,
                    wrap=None) -> tuple[pd.DataFrame, dict]:
    """``columns`` of ``df`` headed by their labels → (the view: a number column's numbers as
    float64, any other column its formatted text; {label: the text of a number} for a Styler).
    ``wrap``: applied to every text (a slide's markdown escaping)."""
    view = pd.DataFrame(index=df.index)
    number_formats = {}
    for column, kind in columns.items():
        fmt = cell_formatter(kind, lang, currency)
        if wrap is not None:
            fmt = (lambda inner: lambda v: wrap(inner(v)))(fmt)
        label, values = i18n.t(f"col.{column}", lang), df[column]
        if _is_number(values):
            view[label] = values.astype("float64")
            number_formats[label] = fmt
        else:
            view[label] = [fmt(v) for v in values]
    return view, number_formats


def _is_number(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def cell_formatter(kind: str, lang: str, currency: str):
    """The text a table cell of ``kind`` shows (``show_table``'s kinds), "—" when missing."""
    return _missing_aware(_formatter(kind, lang, currency))


def _missing_aware(fmt):
    def formatted(value) -> str:
        if i18n.is_missing(value) or value == -math.inf:
            return i18n.MISSING
        return fmt(value)

    return formatted


def _formatter(kind: str, lang: str, currency: str):
    if kind == "text":
        return str
    simple = {
        "date": lambda v: i18n.fmt_date(v, lang),
        "datetime": lambda v: f"{i18n.fmt_date(v, lang)} {v:%H:%M:%S}",
        "money": lambda v: i18n.fmt_money(v, lang, currency),
        "number": lambda v: i18n.fmt_number(v, lang),
        "decimal": lambda v: i18n.fmt_number(v, lang, 1),
        "minutes": lambda v: i18n.fmt_duration_min(v, lang),
        "percent": lambda v: i18n.fmt_percent(v, lang),
        "bool": lambda v: i18n.t("value.yes" if v else "value.no", lang),
    }
    if kind in simple:
        return simple[kind]
    if kind.startswith("code:"):  # a code translated through ``<prefix>.<code>``
        prefix = kind.removeprefix("code:")
        return lambda v: i18n.t(f"{prefix}.{v}", lang)
    metric_info(kind)  # an unknown kind fails loudly
    return lambda v: i18n.fmt_metric(kind, v, lang, currency)


def metric_info(name: str):
    """The registry entry of a metric (unit, fmt, higher_is_better)."""
    from metrics import registry

    return registry.get(name)


# ---------------------------------------------------------------- loaders
# Each loader: (filters, version[, options]) → small pandas frame(s). ``version`` is
# warehouse.connection.data_version: part of the cache key, so an import or undo refreshes.

# NRR/GRR windows: a month against the month before; with weeks, four weeks against four
# (clients who pay monthly would otherwise look lost in every other week).
NRR_LENGTH = {"month": 1, "week": 4}

KPI_METRICS = (
    "revenue_amount", "margin_amount", "active_clients_count", "nps",
    "nrr", "churn_rate", "first_response_median_min", "missed_call_rate",
)


def _revenue_totals(tables: dict, filters: Filters, settings: Settings, *, by_period: bool = False):
    """metrics.revenue.revenue_totals of the filters' window (one row, or one per period)."""
    from metrics import revenue

    return revenue.revenue_totals(tables["payments"], tables["payments_daily"], start=filters.start,
                                  end=filters.end, grain=filters.grain if by_period else None,
                                  default_margin_rate=settings.default_margin_rate)


def _service_kpis(tables: dict, filters: Filters, *, by_period: bool = False):
    """metrics.service.service_kpis of the filters' window (one row, or one per period)."""
    from metrics import service

    return service.service_kpis(tables["interactions"], tables["interactions_daily"], start=filters.start,
                                end=filters.end, grain=filters.grain if by_period else None)


def _kpi_values(backend, tables: dict, filters: Filters, settings: Settings) -> dict:
    """One value per KPI for the window of ``filters``, but the churn rate (None here; see
    :func:`_churn_periods`)."""
    from metrics import nps, retention

    payments = tables["payments"]
    values = {}
    values.update(_first_row(backend, _revenue_totals(tables, filters, settings)))
    values.update(_first_row(backend, nps.nps_from_daily(tables["nps_daily"], start=filters.start,
                                                          end=filters.end)))
    values.update(_first_row(backend, retention.nrr_grr(
        payments, end=filters.end, grain=filters.grain, length=NRR_LENGTH[filters.grain])))
    values.update(_first_row(backend, _service_kpis(tables, filters)))
    return {name: _clean(values.get(name)) for name in KPI_METRICS}


@cached(show_spinner=False, max_entries=256)
def _churn_periods(filters: Filters, version: DataVersion, settings: Settings) -> pd.DataFrame:
    """metrics.churn.churn_by_period from the period holding the last day before the window to
    the window's end: the trend's churn rows and the churn KPI of the window and of the one
    before (each the rate of its last period, as churn_of_last_period gives it) from one query,
    shared by :func:`load_kpis` and :func:`load_kpi_trend` (10M interactions: the two one-period
    queries were ~0.34 s of the Overview's ~1.6 s of CPU). A period's rate does not depend on
    where the range starts (each bound looks back from itself)."""
    from metrics import churn

    first = _time.period_start(filters.start - dt.timedelta(days=1), filters.grain)
    with scoped_tables(filters, version) as (backend, tables):
        return backend.execute(churn.churn_by_period(
            tables["payments"], tables["clients"], grain=filters.grain, start=first, end=filters.end,
            churn_after_days=settings.churn_after_days))


def _last_period_churn(churn_rates: pd.DataFrame, filters: Filters):
    """The churn KPI of the filters' window: the rate of the period holding its last day."""
    last = pd.Timestamp(_time.period_start(filters.end - dt.timedelta(days=1), filters.grain))
    rows = churn_rates.loc[pd.to_datetime(churn_rates["period"]) == last, "churn_rate"]
    return rows.iloc[0] if len(rows) else None


def _first_row(backend, expr) -> dict:
    df = backend.execute(expr)
    return df.iloc[0].to_dict() if len(df) else {}


def _clean(value):
    if value is None or (isinstance(value, float) and value != value):
        return None
    return float(value)


@cached(show_spinner=False, max_entries=256)
def load_kpis(filters: Filters, version: DataVersion, settings: Settings) -> pd.DataFrame:
    """One row per KPI: metric, value, previous_value (the window of the same length before)."""
    with scoped_tables(filters, version) as (backend, tables):
        current = _kpi_values(backend, tables, filters, settings)
        previous = _kpi_values(backend, tables, filters.previous(), settings)
    # asked last: load_kpi_trend, beside it on the page, asks it first — computed once, meanwhile
    churn_rates = _churn_periods(filters, version, settings)
    current["churn_rate"], previous["churn_rate"] = (
        _clean(_last_period_churn(churn_rates, window)) for window in (filters, filters.previous()))
    frame = pd.DataFrame({
        "metric": list(KPI_METRICS),
        "value": [current[m] for m in KPI_METRICS],
        "previous_value": [previous[m] for m in KPI_METRICS],
    })
    frame["delta"] = frame["value"] - frame["previous_value"]
    return frame


@cached(show_spinner=False, max_entries=256)
def load_kpi_trend(filters: Filters, version: DataVersion, settings: Settings) -> pd.DataFrame:
    """One row per period of the window: every KPI that has a per-period value."""
    from metrics import nps

    churned = _churn_periods(filters, version, settings)  # first: load_kpis asks it last
    first = pd.Timestamp(_time.period_start(filters.start, filters.grain))  # the window's periods only
    churned = churned[pd.to_datetime(churned["period"]) >= first]
    with scoped_tables(filters, version) as (backend, tables):
        revenue = backend.execute(_revenue_totals(tables, filters, settings, by_period=True))
        scores = backend.execute(nps.nps_from_daily(tables["nps_daily"], grain=filters.grain,
                                                    start=filters.start, end=filters.end))
        speed = backend.execute(_service_kpis(tables, filters, by_period=True))
    trend = revenue
    for frame, columns in ((scores, ["nps"]), (churned, ["churn_rate"]),
                           (speed, ["first_response_median_min", "missed_call_rate"])):
        trend = trend.merge(frame[["period", *columns]], on="period", how="outer")
    return trend.sort_values("period").reset_index(drop=True)


@cached(show_spinner=False, max_entries=256)
def load_revenue_by_period(filters: Filters, version: DataVersion,
                           settings: Settings) -> pd.DataFrame:
    """One row per period with payments: period, revenue_amount, margin_amount,
    active_clients_count — the revenue columns of :func:`load_kpi_trend` (computed once)."""
    trend = load_kpi_trend(filters, version, settings)
    revenue = trend.loc[trend["revenue_amount"].notna(), ["period", *REVENUE_COLUMNS]]
    return revenue.astype({"active_clients_count": "int64"}).reset_index(drop=True)


@cached(show_spinner=False, max_entries=256)
def load_retention(filters: Filters, version: DataVersion, kind: str) -> pd.DataFrame:
    """One row per (cohort, k) for cohorts starting in the window (history before it counts)."""
    from metrics import retention

    with scoped_tables(filters, version) as (backend, tables):
        expr = retention.retention_by_cohort(
            _before_end(tables["payments"], filters), grain=filters.grain, kind=kind,
            data_end=filters.end)
        expr = expr.filter(expr.cohort >= filters.start).order_by(["cohort", "k"])
        return backend.execute(expr)


@cached(show_spinner=False, max_entries=256)
def load_nrr_grr(filters: Filters, version: DataVersion) -> pd.DataFrame:
    """One row: base/current revenue, nrr, grr for the last month (or 4 weeks) of the window."""
    from metrics import retention

    with scoped_tables(filters, version) as (backend, tables):
        return backend.execute(retention.nrr_grr(tables["payments"], end=filters.end,
                                                 grain=filters.grain,
                                                 length=NRR_LENGTH[filters.grain]))


@cached(show_spinner=False, max_entries=256)
def load_ltv_curves(filters: Filters, version: DataVersion, measure: str,
                    settings: Settings) -> pd.DataFrame:
    """One row per (cohort, k): cumulative LTV per cohort client, cohorts in the window."""
    from metrics import ltv

    with scoped_tables(filters, version) as (backend, tables):
        expr = ltv.ltv_curve_by_cohort(_before_end(tables["payments"], filters),
                                       grain=filters.grain, data_end=filters.end, measure=measure,
                                       default_margin_rate=settings.default_margin_rate)
        expr = expr.filter(expr.cohort >= filters.start).order_by(["cohort", "k"])
        return backend.execute(expr)


def _client_ltv(tables: dict, filters: Filters, settings: Settings):
    """Clients with a payment in the window → lifetime value to the window's end, with names."""
    from metrics import ltv

    payments = _before_end(tables["payments"], filters)
    in_window = _in_window(tables["payments"], "paid_at", filters).select("client_id").distinct()
    values = ltv.ltv_by_client(payments, default_margin_rate=settings.default_margin_rate)
    values = values.join(in_window, "client_id")
    names = tables["clients"].select("client_id", "client_name", "manager", "segment")
    return values.left_join(names, "client_id").drop("client_id_right")


@cached(show_spinner=False, max_entries=256)
def load_ltv_distribution(filters: Filters, version: DataVersion, measure: str,
                          settings: Settings) -> pd.DataFrame:
    """Clients active in the window → histogram bins of their LTV (``measure`` amount)."""
    from metrics import distribution

    column = f"{measure}_amount"
    with scoped_tables(filters, version) as (backend, tables):
        values = _client_ltv(tables, filters, settings)
        edges = _nice_edges(backend, values, column)
        return backend.execute(distribution.histogram(values, column, edges=edges))


def _nice_edges(backend, table, column: str, bins: int = 12) -> list[float]:
    """Round bin edges from 0 to about the 95th percentile, open-ended above (and below 0).

    The step is 1, 2, 2.5 or 5 × 10^k, so the labels read as round numbers.
    """
    row = backend.execute(table.aggregate(lo=table[column].min(),
                                          hi=table[column].quantile(0.95)))
    lo, hi = row["lo"].iloc[0], row["hi"].iloc[0]
    lo = 0.0 if lo is None or lo != lo else float(lo)
    hi = 0.0 if hi is None or hi != hi else float(hi)
    step = _nice_step(max(hi, 1.0) / bins)
    edges = [step * i for i in range(int(math.ceil(max(hi, 1.0) / step)) + 1)]
    if lo < 0:
        edges.insert(0, -math.inf)
    return [*edges, math.inf]


def _nice_step(raw: float) -> float:
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power >= raw)


@cached(show_spinner=False, max_entries=256)
def load_top_clients(filters: Filters, version: DataVersion, measure: str, settings: Settings,
                     limit: int = 20) -> pd.DataFrame:
    """The ``limit`` clients with the largest lifetime ``measure`` among those active in the window."""
    column = f"{measure}_amount"
    with scoped_tables(filters, version) as (backend, tables):
        values = _client_ltv(tables, filters, settings)
        return backend.execute(values.order_by([ibis.desc(column), "client_id"]).limit(limit))


@cached(show_spinner=False, max_entries=256)
def load_nps(filters: Filters, version: DataVersion) -> dict[str, pd.DataFrame]:
    """NPS frames: summary (one row), trend (per period), by_manager, detractor comments."""
    from metrics import nps

    with scoped_tables(filters, version) as (backend, tables):
        responses = tables["nps"]
        summary = backend.execute(nps.nps_summary(responses, start=filters.start, end=filters.end))
        trend = backend.execute(nps.nps_by_period(responses, grain=filters.grain,
                                                  start=filters.start, end=filters.end))
        by_manager = backend.execute(nps.nps_summary(
            responses.filter(responses.manager.notnull()), start=filters.start, end=filters.end,
            by=("manager",)).order_by("manager"))
        window = _in_window(responses, "answered_at", filters)
        detractors = window.filter((window.score <= 6) & window.comment.notnull()
                                   & (window.comment.strip() != ""))
        names = tables["clients"].select("client_id", "client_name")
        comments = backend.execute(
            detractors.left_join(names, "client_id")
            .select("answered_at", "client_name", "manager", "score", "comment")
            .order_by([ibis.desc("answered_at"), "client_name", "score"]).limit(200))
    return {"summary": summary, "trend": trend, "by_manager": by_manager, "comments": comments}


def _company_wide(filters: Filters) -> Filters:
    """The filters without the team/manager scope: managers are compared with all managers."""
    return dataclasses.replace(filters, teams=(), managers=())


def _in_manager_scope(frame: pd.DataFrame, filters: Filters, staff: pd.DataFrame) -> pd.DataFrame:
    """Rows of the managers selected by the filters' teams and managers (all when none)."""
    keep = staff["manager"]
    if filters.teams:
        keep = staff.loc[staff["team"].isin(filters.teams), "manager"]
    if filters.managers:
        keep = keep[keep.isin(filters.managers)]
    return frame[frame["manager"].isin(keep)].reset_index(drop=True)


@cached(show_spinner=False, max_entries=256)
def load_scorecard(filters: Filters, version: DataVersion) -> dict:
    """Scorecard rows of the selected managers (metrics.managers, by revenue) and the medians
    over *all* managers that split the balance quadrant: {"rows", "nps_median",
    "margin_per_hour_median"}. Types and medians compare with every manager, whatever the scope.
    """
    from metrics import managers

    company = _company_wide(filters)
    with scoped_tables(company, version) as (backend, tables):
        expr = managers.scorecard_by_manager(
            tables["payments"], tables["clients"], tables["managers"], tables["interactions"],
            tables["nps"], start=filters.start, end=filters.end, grain=filters.grain,
            interactions_daily=tables["interactions_daily"], **managed_facts(version),
            **book_hints(tables))
        everyone = backend.execute(expr.order_by([ibis.desc("revenue_amount"), "manager"]))
    return {
        "rows": _in_manager_scope(everyone, filters, everyone),
        "nps_median": _clean(everyone["nps"].median()),
        "margin_per_hour_median": _clean(everyone["margin_per_hour"].median()),
    }


@cached(show_spinner=False, max_entries=256)
def load_growth_index(filters: Filters, version: DataVersion) -> pd.DataFrame:
    """One row per selected manager: base, current and expected revenue, growth_index (the
    company's pace per client-size tier comes from all clients in the segment scope)."""
    from metrics import managers

    company = _company_wide(filters)
    with scoped_tables(company, version) as (backend, tables):
        owners = managers.client_manager(tables["clients"], tables["interactions"],
                                         start=filters.start, end=filters.end,
                                         **book_hints(tables))
        everyone = backend.execute(managers.growth_index_by_manager(
            tables["payments"], owners, end=filters.end, grain=filters.grain,
            length=NRR_LENGTH[filters.grain]))
    staff = load_scorecard(company, version)["rows"][["manager", "team"]]
    return _in_manager_scope(everyone, filters, staff)


@cached(show_spinner=False, max_entries=256)
def load_manager_clients(filters: Filters, version: DataVersion, manager: str) -> pd.DataFrame:
    """The manager's clients (clients.manager, else most interactions) with window revenue."""
    from metrics import managers

    with scoped_tables(filters, version) as (backend, tables):
        owners = managers.client_manager(tables["clients"], tables["interactions"],
                                         start=filters.start, end=filters.end,
                                         **book_hints(tables))
        owned = owners.filter(owners.manager == manager).select("client_id")
        window = _in_window(tables["payments"], "paid_at", filters)
        revenue = window.group_by("client_id").aggregate(
            revenue_amount=window.amount.sum(),
            margin_amount=(window.amount - window.cost_amount).sum(),
            last_paid_at=window.paid_at.max(),
        )
        names = tables["clients"].select("client_id", "client_name", "segment")
        expr = (owned.left_join(names, "client_id").drop("client_id_right")
                .left_join(revenue, "client_id").drop("client_id_right")
                .order_by([ibis.desc("revenue_amount"), "client_id"]))
        return backend.execute(expr)


@cached(show_spinner=False, max_entries=256)
def load_service(filters: Filters, version: DataVersion, settings: Settings) -> dict[str, pd.DataFrame]:
    """Service frames: totals, by_channel, by_manager, weekday_hour, two minute histograms —
    each part on its own cursor, side by side (:func:`concurrently`; 10M, medians of 4: 1.74 → 1.46 s)."""
    from metrics import distribution, service

    kw = dict(start=filters.start, end=filters.end, sla_minutes=dict(settings.sla_minutes))

    def speed(backend, tables):  # totals, channels and managers in one query (service_speed_levels)
        return backend.execute(service.service_speed_levels(
            tables["interactions"], levels=SPEED_LEVELS, interactions_daily=tables["interactions_daily"], **kw))

    def minutes(column):
        def histogram(backend, tables):
            window = _in_window(tables["interactions"], "occurred_at", filters)
            answered = window.filter(window[column].notnull())
            return backend.execute(distribution.histogram(answered, column,
                                                          edges=_nice_edges(backend, answered, column)))
        return histogram

    parts = {
        "speed": speed,
        "first_response_min": minutes("first_response_min"),
        "resolution_min": minutes("resolution_min"),
        "weekday_hour": lambda backend, tables: backend.execute(service.contacts_by_weekday_hour(
            tables["interactions"], start=filters.start, end=filters.end)),
    }
    frames = dict(zip(parts, concurrently(*(functools.partial(_scoped, filters, version, part)
                                             for part in parts.values()))))
    return {**_speed_levels(frames.pop("speed")), **frames}


# load_service's groupings of service_speed: the window, each channel, each manager
SPEED_LEVELS = (None, "channel", "manager")


def _speed_levels(levels: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """service_speed_levels(levels=SPEED_LEVELS) rows → {"totals", "by_channel", "by_manager"}
    frames as service_speed gives them (managers: highest missed-call rate first)."""
    def level(i: int, key: str | None) -> pd.DataFrame:
        rows = levels[levels["level"] == i]
        return rows[[*([key] if key else []), *SERVICE_COLUMNS]].reset_index(drop=True)

    by_manager = level(2, "manager").sort_values(["missed_call_rate", "manager"], ascending=[False, True],
                                                 na_position="last", kind="stable")
    return {"totals": level(0, None), "by_channel": level(1, "channel"),
            "by_manager": by_manager.reset_index(drop=True)}


def _scoped(filters: Filters, version: DataVersion, part):
    """``part(backend, tables)`` on a cursor of its own, with the filters' scope."""
    with scoped_tables(filters, version) as (backend, tables):
        return part(backend, tables)


@cached(show_spinner=False, max_entries=256)
def load_concentration(filters: Filters, version: DataVersion) -> dict[str, pd.DataFrame]:
    """Lorenz curve points (at most LORENZ_POINTS + 1, exact points of the curve) and the
    one-row concentration summary (gini, top-20 % share, over every client)."""
    from metrics import concentration

    with scoped_tables(filters, version) as (backend, tables):
        both = backend.execute(concentration.concentration_with_curve(
            tables["payments"], start=filters.start, end=filters.end, points=LORENZ_POINTS))
    curve = both[both["rank"].notna()]  # no point when no client has revenue
    return {
        "lorenz": curve[list(concentration.CURVE_COLUMNS)].astype({"rank": "int64"}).reset_index(drop=True),
        "summary": both[list(concentration.SUMMARY_COLUMNS)].head(1).reset_index(drop=True),
    }


def risk_settings(settings: Settings):
    """metrics.risk.RiskSettings from our settings (fields it does not have are left out)."""
    from metrics import risk

    weights = {**dict(risk.RiskSettings().weights), **dict(settings.risk_weights)}
    return risk.RiskSettings(no_contact_days=settings.no_contact_days, revenue_drop=settings.revenue_drop,
                             weights=weights)


def risk_score_text(settings: Settings, lang: str) -> str:
    """How the risk score is made, with the thresholds and weights in force (they are settings)."""
    rs = risk_settings(settings)
    return i18n.t("risk.score_explained", lang, days=rs.no_contact_days, drop=round(100 * rs.revenue_drop),
                  nps=rs.detractor_max_score,
                  **{f"w_{flag}": i18n.fmt_number(rs.weight(flag), lang, 1) for flag in
                     ("no_contact", "revenue_drop", "detractor", "open_complaint")})


def load_at_risk(filters: Filters, version: DataVersion, settings: Settings) -> pd.DataFrame:
    """One row per at-risk client as of the window's end, largest revenue at risk first, with
    its reasons in the viewer's language: the rows are cached once for all languages, the
    reasons per language (not a second copy of 189k rows per language at 10M)."""
    at_risk = _at_risk_rows(filters, version, settings)
    at_risk["reasons"] = _at_risk_reasons(filters, version, settings)
    return at_risk


@cached(in_words=True, show_spinner=False, max_entries=256)
def _at_risk_reasons(filters: Filters, version: DataVersion, settings: Settings) -> pd.api.extensions.ExtensionArray:
    return _reasons_text(_at_risk_rows(filters, version, settings), filters.lang)


@cached(show_spinner=False, max_entries=256)
def _at_risk_rows(filters: Filters, version: DataVersion, settings: Settings) -> pd.DataFrame:
    from metrics import risk

    with scoped_tables(filters, version) as (backend, tables):
        expr = risk.at_risk_clients(tables["payments"], tables["clients"], tables["interactions"],
                                    tables["nps"], as_of=filters.end, grain=filters.grain,
                                    settings=risk_settings(settings),
                                    open_complaints=tables["open_complaints_daily"], **book_hints(tables))
        return backend.execute(expr.order_by([ibis.desc("revenue_at_risk_amount"), "client_id"]))


def _reasons_text(at_risk: pd.DataFrame, lang: str) -> pd.api.extensions.ExtensionArray:
    """metrics.risk.risk_reasons of every row, in words. Rows worded alike share a key — the
    flags, the values their reasons show, the drop in whole percent — found by one pandas
    group-by, and each key is worded once, from its first row (10M interactions: ~190k clients
    at risk, ~3.8k keys). A text array taken from the keys' texts: a list of 190k strings took
    ~45 ms to become a column and ~12 ms to pickle into the cache and back."""
    import numpy as np

    from metrics import risk

    def words(values: tuple) -> str:
        return "; ".join(i18n.t(key, lang, **params)
                         for key, params in risk.risk_reasons(dict(zip(risk.REASON_COLUMNS, values))))

    if at_risk.empty:
        return pd.array([], dtype="str")
    key = {}
    for flag, columns in risk.REASON_VALUES.items():
        key[flag] = at_risk[flag].fillna(False).astype(bool).to_numpy()
        for column in columns:
            key[column] = np.where(key[flag], at_risk[column].astype("float64").to_numpy(), np.nan)
    key["revenue_change_rate"] = risk.revenue_drop_percent(key["revenue_change_rate"])
    codes = pd.DataFrame(key).groupby(list(key), dropna=False, sort=False).ngroup().to_numpy()
    _, first = np.unique(codes, return_index=True)  # codes are 0..n−1 in order of appearance
    cells = at_risk.iloc[first][list(risk.REASON_COLUMNS)].astype(object)
    cells = cells.where(cells.notna(), None)
    texts = [words(row) for row in zip(*(cells[column].tolist() for column in risk.REASON_COLUMNS))]
    return pd.array(texts, dtype="str").take(codes)


# points the Lorenz chart is drawn through (10M interactions: ~400k clients with revenue; all of
# them made a 47 MB figure that took 12-15 s to build)
LORENZ_POINTS = 1000
CLIENT_CHOICES = 500  # clients offered by the picker at once (10M interactions: 500k clients)


@cached(show_spinner=False, max_entries=256)
def load_client_list(filters: Filters, version: DataVersion, search: str = "",
                     limit: int | None = None) -> tuple[pd.DataFrame, int]:
    """(client_id, client_name of at most ``limit`` (default CLIENT_CHOICES) clients in scope
    whose name or id contains ``search`` (any case), by name; how many match in all) — never
    the whole clients table."""
    limit = CLIENT_CHOICES if limit is None else limit
    with scoped_tables(filters, version) as (backend, tables):
        clients = tables["clients"]
        if search.strip():
            needle = search.strip().lower()
            clients = clients.filter(clients.client_name.lower().contains(needle)
                                     | clients.client_id.lower().contains(needle))
        total = int(backend.execute(clients.count()))
        shown = backend.execute(clients.select("client_id", "client_name")
                                .order_by(["client_name", "client_id"]).limit(limit))
    return shown, total


def client_labels(clients: pd.DataFrame, selected: str | None) -> dict[str, str]:
    """client_id → what the picker shows (the name, else the id); the client already picked
    (e.g. from the link) stays on offer even when the list no longer holds it."""
    labels = dict(zip(clients["client_id"], clients["client_name"].fillna(clients["client_id"])))
    if selected and selected not in labels:
        labels[selected] = selected
    return labels


@cached(show_spinner=False, max_entries=256)
def load_client_detail(filters: Filters, version: DataVersion, client_id: str) -> dict[str, pd.DataFrame]:
    """One client's payments, interactions and NPS answers in the window, newest first."""
    with scoped_tables(filters, version) as (backend, tables):
        def rows(table, column, *cols):
            t = _in_window(table, column, filters)
            t = t.filter(t.client_id == client_id).select(column, *cols)
            return backend.execute(t.order_by([ibis.desc(column), *cols]).limit(500))

        return {
            "payments": rows(tables["payments"], "paid_at", "amount", "cost_amount", "product",
                             "kind", "manager"),
            "interactions": rows(tables["interactions"], "occurred_at", "channel", "direction",
                                 "kind", "manager", "first_response_min", "is_resolved"),
            "nps": rows(tables["nps"], "answered_at", "score", "comment", "manager"),
        }


def delta_text(metric: str, delta, lang: str, currency: str) -> str | None:
    """A KPI change as signed text ("+RUB 12", "-1.1 pp"); st.metric colours it by the sign."""
    if i18n.is_missing(delta):
        return None
    return i18n.fmt_metric_change(metric, delta, lang, currency)


def delta_color(metric: str) -> str:
    """st.metric's delta_color: green when the change goes the good way."""
    return "normal" if metric_info(metric).higher_is_better else "inverse"
