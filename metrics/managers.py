"""Managers: books of clients, hours, portfolio-adjusted growth, scorecard, span (design §4)."""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from metrics._time import Window, client_revenue_in_windows, comparison_windows, in_day_window, in_window
from metrics.nps import nps_summary
from metrics.service import service_headline, service_kpis

NEW_TIER = "new"
TIERS_COUNT = 5  # quintiles of base-window revenue

# Balance quadrant of NPS (client's interest) × margin per hour (company's interest).
MANAGER_TYPES = ("ideal", "obsequious", "squeezer", "indifferent")

SCORECARD_COLUMNS = (
    "manager",
    "team",
    "clients_count",
    "revenue_amount",
    "margin_amount",
    "hours",
    "is_hours_estimated",
    "margin_per_hour",
    "nps",
    "nps_responses",
    "retention_rate",
    "nrr",
    "growth_index",
    "first_response_median_min",
    "missed_call_rate",
    "complaints_per_100",
    "manager_type",
)


def left_attach(left: ir.Table, right: ir.Table, key: str) -> ir.Table:
    """Left join on a same-named key, keeping one copy of the key column."""
    joined = left.left_join(right, key)
    duplicate = f"{key}_right"
    return joined.drop(duplicate) if duplicate in joined.columns else joined


def distinct_keys(key: str, *tables: ir.Table) -> ir.Table:
    """The distinct values of ``key`` over several tables (nullability unified for the union)."""
    parts = [t.select(t[key].cast("string").name(key)) for t in tables]
    return ibis.union(*parts, distinct=True)


def _ratio(part: ir.NumericValue, whole: ir.NumericValue) -> ir.FloatingValue:
    return part.cast("float64") / whole.cast("float64").nullif(0.0)


def client_manager(
    clients: ir.Table,
    interactions: ir.Table,
    *,
    start: dt.date,
    end: dt.date,
    unlisted_contacts: ir.Table | None = None,
    clients_unique: bool = False,
) -> ir.Table:
    """clients + interactions → one row per client: client_id, manager.

    The manager is ``clients.manager``; where it is missing (or the client appears only in
    interactions), the manager with most interactions with the client in [start, end); ties go
    to the alphabetically first name. A client listed twice keeps the alphabetically last
    non-null manager. Clients with neither stay with a null manager.

    ``unlisted_contacts`` (optional; warehouse/derived.py ``unlisted_contacts``: client_id,
    first_day, last_day of the interactions of clients without a listed manager) only narrows
    which raw interactions are counted — those of the clients whose days overlap the window —
    so the busiest-manager fallback does not probe every interaction of the window against the
    client list. The result is the same as without it (the counts still come from
    ``interactions``).

    ``clients_unique``: ``clients`` holds at most one row per client_id (the warehouse's table:
    an import keys a client by its id), so its rows are the list as they are — no collapsing
    of every client's rows (10M interactions: 500k clients, ~0.08 s of CPU per query).
    """
    listed = (clients.select("client_id", listed_manager=clients.manager) if clients_unique
              else clients.group_by("client_id").aggregate(listed_manager=clients.manager.max()))
    # the busiest manager only matters for clients without a listed one: count just theirs
    has_listed = listed.filter(listed.listed_manager.notnull())
    busiest = busiest_unlisted(has_listed, interactions, start=start, end=end, unlisted_contacts=unlisted_contacts)
    # three disjoint parts: listed; busiest (only unlisted clients); unlisted without contacts
    unlisted = listed.filter(listed.listed_manager.isnull()).anti_join(busiest, "client_id")
    parts = [
        has_listed.select("client_id", manager="listed_manager"),
        busiest,
        unlisted.mutate(manager=ibis.null("string")),
    ]  # nullable types, so that the parts of any input unite
    return ibis.union(*(p.select(client_id=p.client_id.cast("string"), manager=p.manager.cast("string"))
                        for p in parts))


def busiest_unlisted(
    has_listed: ir.Table,
    interactions: ir.Table,
    *,
    start: dt.date,
    end: dt.date,
    unlisted_contacts: ir.Table | None = None,
) -> ir.Table:
    """has_listed (client_id of the clients with a listed manager) + interactions → one row per
    other client with an interaction by a named manager in [start, end): client_id, manager —
    the manager with most of them, ties to the alphabetically first name (the fallback of
    :func:`client_manager`; ``unlisted_contacts`` as there)."""
    window = Window(start, end)
    t = interactions
    if unlisted_contacts is not None:
        # the clients whose days of contact overlap the window: a superset of those to count
        candidates = unlisted_contacts.filter((unlisted_contacts.first_day < ibis.literal(window.end))
                                              & (unlisted_contacts.last_day >= ibis.literal(window.start)))
        t = t.semi_join(candidates.select("client_id").distinct(), "client_id")
    t = t.filter(in_window(t.occurred_at, window) & t.manager.notnull()).anti_join(has_listed, "client_id")
    contacts = t.group_by(["client_id", "manager"]).aggregate(contacts_count=t.count())
    contact_rank = ibis.row_number().over(
        group_by=contacts.client_id,
        order_by=[contacts.contacts_count.desc(), contacts.manager.asc()],
    )
    return (
        contacts.mutate(contact_rank=contact_rank)
        .filter(lambda x: x.contact_rank == 0)
        .select("client_id", "manager")
    )


def hours_by_manager(
    interactions: ir.Table, managers: ir.Table, *, start: dt.date, end: dt.date,
    interactions_daily: ir.Table | None = None,
) -> ir.Table:
    """interactions + managers → one row per manager: manager, hours, is_hours_estimated.

    hours = Σ duration_min ÷ 60 of the manager's interactions in [start, end). A manager with
    no duration at all in the window gets weekly_hours × the weeks of the window they were
    employed (days of [start, end) from hired_at through left_at, its last day, ÷ 7; a missing
    date does not shorten the window) and is_hours_estimated = true. Without weekly_hours, or
    not employed on any day of the window, hours is null (not estimated).
    ``interactions_daily`` (warehouse/derived.py: duration sums and counts by day and manager),
    when given, gives the same sums without reading the window's raw rows.
    """
    window = Window(start, end)
    if interactions_daily is None:
        t = interactions.filter(
            in_window(interactions.occurred_at, window) & interactions.manager.notnull()
        )
        logged = t.group_by("manager").aggregate(
            logged_minutes=t.duration_min.sum(), logged_count=t.duration_min.count()
        )
    else:
        days = interactions_daily.filter(
            in_day_window(interactions_daily.day, window) & interactions_daily.manager.notnull()
        )
        logged = days.group_by("manager").aggregate(
            logged_minutes=days.duration_sum.sum(), logged_count=days.duration_count.sum()
        )
    contracted = managers.group_by("manager").aggregate(
        weekly_hours=managers.weekly_hours.max(), **_employment(managers))
    roster = distinct_keys("manager", managers, logged)
    j = left_attach(left_attach(roster, logged, "manager"), contracted, "manager")
    employed_from = ibis.greatest(j.hired_on.fill_null(start), ibis.literal(start))
    employed_until = ibis.least(j.left_after.fill_null(end), ibis.literal(end))
    employed_days = employed_until.delta(employed_from, unit="day")
    employed_weeks = ibis.ifelse(employed_days > 0, employed_days / 7.0, ibis.null("float64"))
    has_log = j.logged_count.fill_null(0) > 0
    estimated_hours = j.weekly_hours * employed_weeks
    return j.select(
        "manager",
        hours=ibis.ifelse(has_log, j.logged_minutes / 60.0, estimated_hours),
        is_hours_estimated=~has_log & estimated_hours.notnull(),
    )


def _employment(managers: ir.Table) -> dict:
    """Aggregates of a manager's rows: hired_on (first hired_at's day) and left_after (the day
    after the last left_at: employment is [hired_on, left_after)); null when not given or when
    the table has no such column."""
    columns = managers.columns
    hired = managers.hired_at.min().cast("date") if "hired_at" in columns else ibis.null("date")
    left = (managers.left_at.max().cast("date") + ibis.interval(days=1)).cast("date") \
        if "left_at" in columns else ibis.null("date")
    return {"hired_on": hired, "left_after": left}


def _with_expected_revenue(client_revenue: ir.Table) -> ir.Table:
    """One row per client with base_revenue_amount, current_revenue_amount (0.0 where none) →
    the same rows plus expected_revenue_amount = rev_B × the company NRR of the client's tier.

    Tiers: clients with rev_B > 0 by quintile of rev_B (tier = ⌊rank · 5 ÷ N⌋ + 1, rank
    0-based, equal rev_B always shares a tier); the others are tier "new" and expect 0. A
    tier's NRR = Σ rev_C ÷ Σ rev_B over its clients (as ``nrr_grr`` with the tiers as groups).
    Window functions only: the client table is read once (no self-join).
    """
    t = client_revenue
    is_based = t.base_revenue_amount > 0
    size_rank = ibis.rank().over(group_by=is_based, order_by=t.base_revenue_amount)
    based_n = t.client_id.count().over(group_by=is_based)
    t = t.mutate(size_tier=ibis.ifelse(
        is_based, (size_rank * TIERS_COUNT) // based_n + 1, ibis.null("int64")))
    in_tier = ibis.window(group_by=t.size_tier)
    tier_nrr = _ratio(t.current_revenue_amount.sum().over(in_tier), t.base_revenue_amount.sum().over(in_tier))
    tier_nrr = ibis.ifelse(t.size_tier.notnull(), tier_nrr, ibis.null("float64"))
    return t.mutate(expected_revenue_amount=t.base_revenue_amount * tier_nrr.fill_null(0.0)).drop("size_tier")


def growth_index_by_manager(
    payments: ir.Table,
    client_manager: ir.Table,
    *,
    end: dt.date,
    grain: str,
    length: int = 1,
) -> ir.Table:
    """payments + client_manager → one row per manager: base_revenue_amount,
    current_revenue_amount, expected_revenue_amount, growth_index.

    Windows: current C = [E−L, E), base B = [E−2L, E−L) (``comparison_windows``). Each client
    with base revenue is tiered by it into quintiles; the others are tier "new". expected
    rev_C(i) = rev_B(i) × company NRR of i's tier (Σ rev_C ÷ Σ rev_B over the tier, as
    ``nrr_grr`` with the tiers as groups); index = Σ rev_C ÷ Σ expected over the manager's
    clients with a payment in B or C. New clients expect 0 (rev_B = 0) but their current
    revenue counts in Σ rev_C, so winning new clients lifts the index. 1.0 = the book grew
    like the company's clients of the same size. Null without expected.
    """
    base, current = comparison_windows(end, grain, length)
    revenue = _with_expected_revenue(client_revenue_in_windows(payments, base, current))
    books = revenue.join(client_manager, "client_id")
    books = books.filter(books.manager.notnull())
    agg = books.group_by("manager").aggregate(
        base_revenue_amount=books.base_revenue_amount.sum(),
        current_revenue_amount=books.current_revenue_amount.sum(),
        expected_revenue_amount=books.expected_revenue_amount.sum(),
    )
    return agg.mutate(
        growth_index=_ratio(agg.current_revenue_amount, agg.expected_revenue_amount)
    ).order_by("manager")


def _with_book_manager(facts: ir.Table, book: ir.Table) -> ir.Table:
    """Facts keep their own manager where present, else take the client's book manager.

    Only the rows without a manager are joined to the book (the others pass untouched), so a
    window of millions of attributed rows costs no join."""
    own = facts.filter(facts.manager.notnull())
    orphans = facts.filter(facts.manager.isnull())
    joined = left_attach(orphans, book.rename(book_manager="manager"), "client_id")
    adopted = joined.mutate(manager=joined.book_manager)
    # the same column order and nullable types on both sides, whatever the input's types
    types = {c: t.copy(nullable=True) for c, t in facts.schema().items()}
    return ibis.union(*(part.select(**{c: part[c].cast(types[c]) for c in facts.columns})
                        for part in (own, adopted)))


def _client_payments(payments: ir.Table, window: Window, base: Window, current: Window) -> ir.Table:
    """payments → one row per client with a payment in ``window`` or in base ∪ current (one
    pass for every money figure of the scorecard):

    - over ``window``: payments_count, revenue_amount (Σ amount), known_margin_amount (Σ
      amount − cost), unknown_margins_count (payments without cost), active_payments_count
      (amount > 0); the sums are null without a window payment;
    - base_revenue_amount, current_revenue_amount as ``client_revenue_in_windows`` (0.0 where
      none), compared_count = payments in base ∪ current.
    """
    span = Window(min(window.start, base.start), max(window.end, current.end))
    p = payments.filter(in_window(payments.paid_at, span))
    in_span, in_base, in_current = (in_window(p.paid_at, w) for w in (window, base, current))
    margin = p.amount - p.cost_amount
    per_client = p.group_by("client_id").aggregate(
        payments_count=p.count(where=in_span),
        revenue_amount=p.amount.sum(where=in_span),
        known_margin_amount=margin.sum(where=in_span),
        unknown_margins_count=p.count(where=in_span & margin.isnull()),
        active_payments_count=p.count(where=in_span & (p.amount > 0)),
        compared_count=p.count(where=in_base | in_current),
        base_revenue_amount=ibis.ifelse(in_base, p.amount, 0.0).sum(),
        current_revenue_amount=ibis.ifelse(in_current, p.amount, 0.0).sum(),
    )
    return per_client


def _book_money(payments: ir.Table, book: ir.Table, *, window: Window, grain: str) -> ir.Table:
    """Window and comparison payments → one row per book manager: clients_count (book clients
    with a positive payment in the window), revenue_amount, margin_amount (Σ of the clients'
    window margins, unknown ones left out), retention_rate (book clients with revenue in the
    base period that also have revenue in the current one ÷ those with base revenue), nrr
    (``nrr_grr`` per book: Σ_S rev_C ÷ Σ_S rev_B, S = base revenue > 0) and growth_index
    (:func:`growth_index_by_manager`, L = 1) — from one per-client pass over the payments."""
    base, current = comparison_windows(window.end, grain, 1)
    clients = _with_expected_revenue(_client_payments(payments, window, base, current))
    books = clients.join(book, "client_id")
    in_base = books.base_revenue_amount > 0
    # a client's margin is unknown when one of its window payments lacks cost (``ltv_by_client``)
    client_margin = ibis.ifelse(books.unknown_margins_count > 0, ibis.null("float64"), books.known_margin_amount)
    agg = books.group_by("manager").aggregate(
        clients_count=books.count(where=books.active_payments_count > 0),
        revenue_amount=books.revenue_amount.sum(),
        margin_amount=client_margin.sum(),
        base_clients_count=books.count(where=in_base),
        kept_clients_count=books.count(where=in_base & (books.current_revenue_amount > 0)),
        retained_base_amount=books.base_revenue_amount.sum(where=in_base),
        retained_current_amount=books.current_revenue_amount.sum(where=in_base),
        growth_current_amount=books.current_revenue_amount.sum(where=books.compared_count > 0),
        growth_expected_amount=books.expected_revenue_amount.sum(where=books.compared_count > 0),
    )
    return agg.select(
        "manager", "clients_count", "revenue_amount", "margin_amount",
        retention_rate=_ratio(agg.kept_clients_count, agg.base_clients_count),
        nrr=_ratio(agg.retained_current_amount, agg.retained_base_amount),
        growth_index=_ratio(agg.growth_current_amount, agg.growth_expected_amount),
    )


def manager_balance_type(scores: ir.Table) -> ir.Table:
    """One row per manager with nps, margin_per_hour → the same rows plus manager_type.

    Medians are over the managers with both values: "ideal" (NPS ≥ median and margin/h ≥ median),
    "obsequious" (NPS ≥, margin/h <), "squeezer" (NPS <, margin/h ≥), "indifferent" (both <);
    null where either value is unknown.
    """
    # compared at 6 decimals: a manager's margin summed in another order (another plan, another
    # backend) must not flip the median manager's type on the last bit
    compared = scores.mutate(nps_cmp=scores.nps.round(6), margin_cmp=scores.margin_per_hour.round(6))
    is_known = compared.nps_cmp.notnull() & compared.margin_cmp.notnull()
    # the medians as window aggregates over the same rows: a second reference to ``scores`` (an
    # aggregate cross-joined back) made DuckDB compute the whole scorecard twice (10M
    # interactions: ~0.25 s of its ~0.9 s of CPU); nulls (either value unknown) are left out
    everyone = ibis.window()
    t = compared.mutate(
        nps_median=ibis.ifelse(is_known, compared.nps_cmp, ibis.null("float64")).median().over(everyone),
        margin_per_hour_median=ibis.ifelse(is_known, compared.margin_cmp, ibis.null("float64")).median().over(everyone),
    )
    pleases = t.nps_cmp >= t.nps_median
    earns = t.margin_cmp >= t.margin_per_hour_median
    kind = ibis.cases(
        (pleases & earns, MANAGER_TYPES[0]),
        (pleases & ~earns, MANAGER_TYPES[1]),
        (~pleases & earns, MANAGER_TYPES[2]),
        else_=MANAGER_TYPES[3],
    )
    typed = t.mutate(
        manager_type=ibis.ifelse(t.nps.notnull() & t.margin_per_hour.notnull(), kind, ibis.null("string"))
    )
    return typed.drop("nps_cmp", "margin_cmp", "nps_median", "margin_per_hour_median")


def scorecard_by_manager(
    payments: ir.Table,
    clients: ir.Table,
    managers: ir.Table,
    interactions: ir.Table,
    nps: ir.Table,
    *,
    start: dt.date,
    end: dt.date,
    grain: str,
    unlisted_contacts: ir.Table | None = None,
    interactions_daily: ir.Table | None = None,
    clients_unique: bool = False,
    interactions_managed: bool = False,
    nps_managed: bool = False,
) -> ir.Table:
    """All tables → one row per manager (the managers table plus any book manager).

    Attribution: money, clients, retention, NRR and growth follow the client's book manager
    (:func:`client_manager` over [start, end)); NPS responses and interactions keep their own
    ``manager`` and fall back to the book manager.
    - clients_count: book clients with a positive payment in [start, end); revenue_amount,
      margin_amount over the window (a client's margin is unknown, and left out, when one of
      its window payments lacks cost — as ``ltv_by_client``); hours, is_hours_estimated from
      :func:`hours_by_manager`; margin_per_hour = margin ÷ hours;
    - nps, nps_responses over the window; first_response_median_min, missed_call_rate,
      complaints_per_100 as ``service_speed`` (``service_headline``);
    - retention_rate, nrr (as ``nrr_grr`` per book) and growth_index compare the grain period
      ending at ``end`` with the one before; every money figure comes from one per-client
      pass over the payments (``_book_money``);
    - manager_type: "ideal" (NPS ≥ median and margin/h ≥ median of the managers),
      "obsequious" (NPS ≥, margin/h <), "squeezer" (NPS <, margin/h ≥), "indifferent" (both
      <); null where NPS or margin per hour is unknown.
    ``unlisted_contacts`` and ``clients_unique`` are passed to :func:`client_manager` and
    ``interactions_daily`` to :func:`hours_by_manager` (same results, faster).
    ``interactions_managed`` / ``nps_managed``: every interaction / NPS response names its
    manager, so none falls back to the book manager and that step is left out — same results,
    and DuckDB no longer hashes the whole book for joins with nothing on their other side (10M
    interactions, 12 months, both: the scorecard's query 0.99 → 0.80 s).
    """
    window = Window(start, end)
    book = client_manager(clients, interactions, start=start, end=end, unlisted_contacts=unlisted_contacts,
                          clients_unique=clients_unique)
    book = book.filter(book.manager.notnull())

    money = _book_money(payments, book, window=window, grain=grain)
    hours = hours_by_manager(interactions, managers, start=start, end=end,
                             interactions_daily=interactions_daily)
    satisfaction = nps_summary(
        nps if nps_managed else _with_book_manager(nps, book), start=start, end=end, by=("manager",)
    ).select("manager", "nps", nps_responses="responses_count")
    if interactions_managed and interactions_daily is not None:
        # each contact counts for its own manager: the counts by manager come from the daily
        # table, the median from the window's answered rows (10M, 12 months: ~0.25 s of CPU less)
        service = service_kpis(interactions, interactions_daily, start=start, end=end, by=("manager",))
    else:
        # the window's interactions only, and only the columns the figures read, take a book manager
        contacts = interactions.filter(in_window(interactions.occurred_at, window)).select(
            "occurred_at", "client_id", "manager", "channel", "direction", "kind", "first_response_min", "is_missed")
        service = service_headline(contacts if interactions_managed else _with_book_manager(contacts, book),
                                   start=start, end=end, by=("manager",))
    service = service.select("manager", "first_response_median_min", "missed_call_rate", "complaints_per_100")
    teams = managers.group_by("manager").aggregate(team=managers.team.max())

    roster = distinct_keys("manager", managers, book)
    card = roster
    for part in (teams, money, hours, satisfaction, service):
        card = left_attach(card, part, "manager")
    card = card.mutate(
        clients_count=card.clients_count.fill_null(0),
        revenue_amount=card.revenue_amount.fill_null(0.0),
        nps_responses=card.nps_responses.fill_null(0),
        margin_per_hour=_ratio(card.margin_amount, card.hours),
    )
    return manager_balance_type(card).select(*SCORECARD_COLUMNS).order_by("manager")


def span_of_control(managers: ir.Table, *, low: int = 5, high: int = 7) -> ir.Table:
    """managers: one row per manager → one row per lead: lead, reports_count (distinct managers
    whose ``lead`` is that person, self-references ignored), is_flagged (outside [low, high])."""
    reports = managers.filter(managers.lead.notnull() & (managers.lead != managers.manager))
    agg = reports.group_by("lead").aggregate(reports_count=reports.manager.nunique())
    return agg.mutate(
        is_flagged=(agg.reports_count < low) | (agg.reports_count > high)
    ).order_by("lead")
