"""Managers: books of clients, hours, portfolio-adjusted growth, scorecard, span (design §4)."""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from metrics._time import Window, client_revenue_in_windows, comparison_windows, in_window
from metrics.ltv import ltv_by_client
from metrics.nps import nps_summary
from metrics.retention import nrr_grr
from metrics.service import service_speed

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
    clients: ir.Table, interactions: ir.Table, *, start: dt.date, end: dt.date
) -> ir.Table:
    """clients + interactions → one row per client: client_id, manager.

    The manager is ``clients.manager``; where it is missing (or the client appears only in
    interactions), the manager with most interactions with the client in [start, end); ties go
    to the alphabetically first name. A client listed twice keeps the alphabetically last
    non-null manager. Clients with neither stay with a null manager.
    """
    listed = clients.group_by("client_id").aggregate(listed_manager=clients.manager.max())
    # the busiest manager only matters for clients without a listed one: count just theirs
    has_listed = listed.filter(listed.listed_manager.notnull()).select("client_id")
    t = interactions.filter(
        in_window(interactions.occurred_at, Window(start, end)) & interactions.manager.notnull()
    ).anti_join(has_listed, "client_id")
    contacts = t.group_by(["client_id", "manager"]).aggregate(contacts_count=t.count())
    contact_rank = ibis.row_number().over(
        group_by=contacts.client_id,
        order_by=[contacts.contacts_count.desc(), contacts.manager.asc()],
    )
    busiest = (
        contacts.mutate(contact_rank=contact_rank)
        .filter(lambda x: x.contact_rank == 0)
        .select("client_id", busiest_manager="manager")
    )
    ids = distinct_keys("client_id", listed, busiest)
    joined = left_attach(left_attach(ids, listed, "client_id"), busiest, "client_id")
    return joined.select(
        "client_id", manager=joined.listed_manager.coalesce(joined.busiest_manager)
    )


def hours_by_manager(
    interactions: ir.Table, managers: ir.Table, *, start: dt.date, end: dt.date
) -> ir.Table:
    """interactions + managers → one row per manager: manager, hours, is_hours_estimated.

    hours = Σ duration_min ÷ 60 of the manager's interactions in [start, end). A manager with
    no duration at all in the window gets weekly_hours × weeks in the window (window days ÷ 7)
    and is_hours_estimated = true; without weekly_hours either, hours is null (not estimated).
    """
    window = Window(start, end)
    weeks_in_window = window.days / 7.0
    t = interactions.filter(
        in_window(interactions.occurred_at, window) & interactions.manager.notnull()
    )
    logged = t.group_by("manager").aggregate(
        logged_minutes=t.duration_min.sum(), logged_count=t.duration_min.count()
    )
    contracted = managers.group_by("manager").aggregate(weekly_hours=managers.weekly_hours.max())
    roster = distinct_keys("manager", managers, logged)
    j = left_attach(left_attach(roster, logged, "manager"), contracted, "manager")
    has_log = j.logged_count.fill_null(0) > 0
    estimated_hours = j.weekly_hours * weeks_in_window
    return j.select(
        "manager",
        hours=ibis.ifelse(has_log, j.logged_minutes / 60.0, estimated_hours),
        is_hours_estimated=~has_log & j.weekly_hours.notnull(),
    )


def _revenue_tiers(client_revenue: ir.Table) -> ir.Table:
    """client revenue in base/current → one row per client with base revenue > 0: client_id,
    group ("q1" smallest … "q5" largest; equal base revenue always shares a tier)."""
    based = client_revenue.filter(client_revenue.base_revenue_amount > 0)
    size_rank = ibis.rank().over(order_by=based.base_revenue_amount)  # 0-based, ties share it
    clients_n = based.client_id.count().over(ibis.window())
    quintile = (size_rank * TIERS_COUNT) // clients_n + 1
    return based.select(
        "client_id", group=ibis.literal("q").concat(quintile.cast("int64").cast("string"))
    )


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
    rev_C(i) = rev_B(i) × company NRR of i's tier (``nrr_grr`` with the tiers as groups);
    index = Σ rev_C ÷ Σ expected over the manager's clients. New clients expect 0 (rev_B = 0)
    but their current revenue counts in Σ rev_C, so winning new clients lifts the index.
    1.0 = the book grew like the company's clients of the same size. Null without expected.
    """
    base, current = comparison_windows(end, grain, length)
    revenue = client_revenue_in_windows(payments, base, current)
    tiers = _revenue_tiers(revenue)
    tier_nrr = nrr_grr(payments, end=end, grain=grain, length=length, client_groups=tiers)
    tier_nrr = tier_nrr.select("group", tier_nrr_rate="nrr")
    tiered = left_attach(left_attach(revenue, tiers, "client_id"), tier_nrr, "group")
    expected = tiered.base_revenue_amount * tiered.tier_nrr_rate.fill_null(0.0)
    books = tiered.mutate(expected_revenue_amount=expected).join(client_manager, "client_id")
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
    """Facts keep their own manager where present, else take the client's book manager."""
    joined = left_attach(facts, book.rename(book_manager="manager"), "client_id")
    return joined.mutate(manager=joined.manager.coalesce(joined.book_manager)).drop("book_manager")


def _book_sales(payments: ir.Table, book: ir.Table, window: Window) -> ir.Table:
    """Window payments → one row per manager: clients_count (clients with a positive payment),
    revenue_amount, margin_amount (from ``ltv_by_client`` over the window's payments)."""
    p = payments.filter(in_window(payments.paid_at, window))
    per_client = ltv_by_client(p)
    active = p.filter(p.amount > 0).select("client_id").distinct().mutate(is_active=True)
    per_client = left_attach(per_client, active, "client_id").join(book, "client_id")
    return per_client.group_by("manager").aggregate(
        clients_count=per_client.count(where=per_client.is_active.fill_null(False)),
        revenue_amount=per_client.revenue_amount.sum(),
        margin_amount=per_client.margin_amount.sum(),
    )


def _book_retention(payments: ir.Table, book: ir.Table, *, end: dt.date, grain: str) -> ir.Table:
    """→ one row per manager: retention_rate = book clients with revenue in the base period
    that also have revenue in the current one ÷ book clients with revenue in the base period."""
    base, current = comparison_windows(end, grain, 1)
    revenue = client_revenue_in_windows(payments, base, current).join(book, "client_id")
    in_base = revenue.base_revenue_amount > 0
    kept = in_base & (revenue.current_revenue_amount > 0)
    agg = revenue.group_by("manager").aggregate(
        base_clients_count=revenue.count(where=in_base), kept_clients_count=revenue.count(where=kept)
    )
    return agg.select("manager", retention_rate=_ratio(agg.kept_clients_count, agg.base_clients_count))


def manager_balance_type(scores: ir.Table) -> ir.Table:
    """One row per manager with nps, margin_per_hour → the same rows plus manager_type.

    Medians are over the managers with both values: "ideal" (NPS ≥ median and margin/h ≥ median),
    "obsequious" (NPS ≥, margin/h <), "squeezer" (NPS <, margin/h ≥), "indifferent" (both <);
    null where either value is unknown.
    """
    is_known = scores.nps.notnull() & scores.margin_per_hour.notnull()
    known = scores.filter(is_known)
    medians = known.aggregate(
        nps_median=known.nps.median(), margin_per_hour_median=known.margin_per_hour.median()
    )
    t = scores.cross_join(medians)
    pleases = t.nps >= t.nps_median
    earns = t.margin_per_hour >= t.margin_per_hour_median
    kind = ibis.cases(
        (pleases & earns, MANAGER_TYPES[0]),
        (pleases & ~earns, MANAGER_TYPES[1]),
        (~pleases & earns, MANAGER_TYPES[2]),
        else_=MANAGER_TYPES[3],
    )
    typed = t.mutate(
        manager_type=ibis.ifelse(t.nps.notnull() & t.margin_per_hour.notnull(), kind, ibis.null("string"))
    )
    return typed.drop("nps_median", "margin_per_hour_median")


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
) -> ir.Table:
    """All tables → one row per manager (the managers table plus any book manager).

    Attribution: money, clients, retention, NRR and growth follow the client's book manager
    (:func:`client_manager` over [start, end)); NPS responses and interactions keep their own
    ``manager`` and fall back to the book manager.
    - clients_count: book clients with a positive payment in [start, end); revenue_amount,
      margin_amount over the window (``ltv_by_client``); hours, is_hours_estimated from
      :func:`hours_by_manager`; margin_per_hour = margin ÷ hours;
    - nps, nps_responses over the window; first_response_median_min, missed_call_rate,
      complaints_per_100 from ``service_speed``;
    - retention_rate, nrr (``nrr_grr`` per book) and growth_index compare the grain period
      ending at ``end`` with the one before;
    - manager_type: "ideal" (NPS ≥ median and margin/h ≥ median of the managers),
      "obsequious" (NPS ≥, margin/h <), "squeezer" (NPS <, margin/h ≥), "indifferent" (both
      <); null where NPS or margin per hour is unknown.
    """
    window = Window(start, end)
    book = client_manager(clients, interactions, start=start, end=end)
    book = book.filter(book.manager.notnull())

    sales = _book_sales(payments, book, window)
    hours = hours_by_manager(interactions, managers, start=start, end=end)
    satisfaction = nps_summary(
        _with_book_manager(nps, book), start=start, end=end, by=("manager",)
    ).select("manager", "nps", nps_responses="responses_count")
    retention = _book_retention(payments, book, end=end, grain=grain)
    book_nrr = nrr_grr(
        payments, end=end, grain=grain, length=1, client_groups=book.rename(group="manager")
    ).select(manager="group", nrr="nrr")
    growth = growth_index_by_manager(payments, book, end=end, grain=grain).select(
        "manager", "growth_index"
    )
    service = service_speed(
        _with_book_manager(interactions, book), start=start, end=end, by=("manager",)
    ).select("manager", "first_response_median_min", "missed_call_rate", "complaints_per_100")
    teams = managers.group_by("manager").aggregate(team=managers.team.max())

    roster = distinct_keys("manager", managers, book)
    card = roster
    for part in (teams, sales, hours, satisfaction, retention, book_nrr, growth, service):
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
