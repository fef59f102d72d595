"""Seeded demo data: two years of a client-service department with a story to find (design §1).

The story: revenue is Pareto-shaped; clients sign every month and churn; five manager
behaviours (ideal, obsequious, squeezer, indifferent, over-competent) show up in NPS, margin,
response times and meeting lengths; one lead has 9 direct reports; one manager left and handed
over their clients; two clients have no manager in the client list.

Everything is generated per block of clients with its own random stream, so the in-memory
frames (:func:`generate`) and the chunked CSV files (:func:`write_csvs`) hold the same rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

DEFAULT_END = dt.date(2026, 11, 23)
HISTORY_MONTHS = 24
TABLE_ORDER = ("managers", "clients", "payments", "interactions", "nps_responses")

_BLOCK_CLIENTS = 512  # clients per random stream: fixes the data, whatever the chunk size
_EPOCH = dt.date(1970, 1, 1)
_DAY_S = 86_400
_NEVER = np.iinfo(np.int64).max // (2 * _DAY_S)  # a day after every timestamp here


@dataclass(frozen=True)
class Ratios:
    """Table sizes relative to the interactions: one client per ``per_client`` interactions, …"""

    per_client: float = 100
    per_payment: float = 5
    per_nps: float = 30


DEMO_RATIOS = Ratios()  # 60k interactions → 600 clients, 12k payments, 2k NPS answers
BENCH_RATIOS = Ratios(per_client=20, per_payment=5, per_nps=50)


# ------------------------------------------------------------------------------ the cast

@dataclass(frozen=True)
class Behaviour:
    """How a manager works; every field is visible in some metric."""

    margin_rate: float      # mean margin of a payment
    price_factor: float     # payments vs the client's budget (discounts < 1)
    growth_rate: float      # monthly change of a client's payments
    churn_factor: float     # × the segment's monthly churn hazard
    contact_factor: float   # × interactions per client
    proactivity: float      # × odds of an outbound contact
    nps_mean: float         # centre of the clients' scores
    complaint_share: float  # of inbound contacts
    missed_call_rate: float  # of inbound calls
    response_factor: float  # × first response and resolution times
    meeting_share: float    # of contacts
    meeting_minutes: float  # median meeting length
    talk_factor: float      # × length of calls, chats, e-mails


BEHAVIOURS: dict[str, Behaviour] = {
    "normal": Behaviour(0.40, 1.00, 0.004, 1.0, 1.00, 1.0, 8.0, 0.06, 0.08, 1.0, 0.07, 55, 1.0),
    "ideal": Behaviour(0.50, 1.00, 0.015, 0.5, 1.10, 1.2, 9.3, 0.03, 0.04, 0.8, 0.08, 50, 1.0),
    "obsequious": Behaviour(0.24, 0.88, 0.005, 0.6, 1.20, 1.2, 9.1, 0.03, 0.06, 0.9, 0.08, 60, 1.1),
    "squeezer": Behaviour(0.56, 1.10, 0.010, 1.8, 0.90, 1.0, 6.0, 0.14, 0.08, 1.0, 0.05, 45, 0.9),
    "indifferent": Behaviour(0.36, 1.00, -0.008, 2.4, 0.45, 0.5, 5.8, 0.12, 0.20, 6.0, 0.04, 40, 0.8),
    "over_competent": Behaviour(0.40, 1.00, 0.005, 0.9, 1.25, 1.3, 8.4, 0.04, 0.06, 1.0, 0.22, 130, 1.6),
}
_BEHAVIOUR_NAMES = tuple(BEHAVIOURS)


def _behaviour_param(name: str) -> np.ndarray:
    """One behaviour field as an array indexed by behaviour code."""
    return np.array([getattr(b, name) for b in BEHAVIOURS.values()], dtype=np.float64)


@dataclass(frozen=True)
class _Manager:
    name: str
    team: str
    lead: str | None
    hired_month: int         # months after the history's first month (negative: before it)
    left_month: int | None
    weekly_hours: float
    behaviour: str = "normal"
    book_weight: float = 1.0  # share of new clients relative to a full-time manager


_KA, _GROWTH, _REGIONS = "Key accounts", "Growth", "Регионы"
_LEAVER, _SUCCESSOR = "Петров Олег", "Daniel Kim"

ROSTER: tuple[_Manager, ...] = (
    _Manager("Иванова Анна", _KA, None, -70, None, 40, book_weight=0.4),
    _Manager("Смирнова Ольга", _KA, "Иванова Анна", -40, None, 40, "ideal"),
    _Manager("David Brooks", _KA, "Иванова Анна", -30, None, 40, "obsequious"),
    _Manager("Попов Сергей", _KA, "Иванова Анна", -55, None, 40, "over_competent"),
    _Manager("Emma Walsh", _KA, "Иванова Анна", -20, None, 40),
    _Manager("Волкова Мария", _KA, "Иванова Анна", -26, None, 30, book_weight=0.75),
    _Manager("James Carter", _KA, "Иванова Анна", -14, None, 40),
    _Manager("Лебедев Артём", _KA, "Иванова Анна", -33, None, 40),
    _Manager("Sophie Martin", _KA, "Иванова Анна", -9, None, 40),
    _Manager("Новикова Екатерина", _KA, "Иванова Анна", -18, None, 40),
    _Manager("Michael Turner", _GROWTH, None, -48, None, 40, book_weight=0.4),
    _Manager("Морозова Ирина", _GROWTH, "Michael Turner", -28, None, 40, "ideal"),
    _Manager("Laura Chen", _GROWTH, "Michael Turner", -22, None, 40, "squeezer"),
    _Manager(_LEAVER, _GROWTH, "Michael Turner", -36, 15, 40),
    _Manager(_SUCCESSOR, _GROWTH, "Michael Turner", 14, None, 40),
    _Manager("Ryan Hughes", _GROWTH, "Michael Turner", -12, None, 20, book_weight=0.5),
    _Manager("Федоров Илья", _GROWTH, "Michael Turner", -16, None, 40),
    _Manager("Кузнецов Дмитрий", _REGIONS, None, -60, None, 40, book_weight=0.4),
    _Manager("Соколов Павел", _REGIONS, "Кузнецов Дмитрий", -44, None, 40, "indifferent"),
    _Manager("Anna Schmidt", _REGIONS, "Кузнецов Дмитрий", -24, None, 40),
    _Manager("Егорова Наталья", _REGIONS, "Кузнецов Дмитрий", -19, None, 40),
    _Manager("Mark Ellis", _REGIONS, "Кузнецов Дмитрий", -10, None, 40),
)
_TEAMS = (_KA, _GROWTH, _REGIONS)
_MANAGER_NAMES = tuple(m.name for m in ROSTER)

# Segments by budget quantile, their churn hazard per month, products billed, team fit.
SEGMENTS = ("Enterprise", "Mid-market", "SMB")
_SEGMENT_FROM_QUANTILE = (0.92, 0.65)  # budget quantile ≥ 0.92 → Enterprise, ≥ 0.65 → Mid-market
_SEGMENT_CHURN = np.array([0.012, 0.025, 0.045])
_SEGMENT_PRODUCTS = np.array([3.0, 2.0, 1.2])
_TEAM_FIT = np.array([  # rows: segment; columns: _TEAMS
    [1.0, 0.10, 0.05],
    [0.6, 1.00, 0.30],
    [0.1, 0.80, 1.00],
])
PRODUCTS = ("Platform", "Analytics", "Support", "Внедрение")
PAYMENT_KINDS = ("new", "renewal", "upsell", "cross_sell")
CHANNELS = ("call", "email", "meeting", "chat", "messenger")
INTERACTION_KINDS = ("request", "complaint", "upsell", "cross_sell", "renewal", "report", "meeting", "other")
DIRECTIONS = ("inbound", "outbound")

_PARETO_ALPHA = 1.2
_BUDGET_MIN = 1_000.0  # monthly
_REFUND_RATE = 0.012
_COST_MISSING_RATE = 0.30  # of the last month's payments
_COMMENT_RATE = 0.35
_RESPONDER_RATE = 0.7  # clients who ever answer the survey
_STARTING_BOOK = 10.0  # weight of month 0 among the cohorts: the clients the history starts with

_WEEKDAY_WEIGHTS = (1.0, 1.05, 1.0, 0.95, 0.85, 0.05, 0.03)  # Mon..Sun
_HOUR_WEIGHTS = (0, 0, 0, 0, 0, 0, 0, 0.2, 1.2, 6, 10, 11, 10, 7, 9, 10, 9, 7.5, 5, 2.5, 1.2, 0.6, 0.2, 0)
_CHANNEL_WEIGHTS = np.array([0.36, 0.30, 0.0, 0.20, 0.14])  # meetings come from the behaviour
_INBOUND_ODDS = np.array([0.55, 0.55, 0.25, 0.92, 0.70])  # P(inbound) per channel, proactivity 1
_DURATION_MEDIAN = np.array([5.0, 6.0, 0.0, 9.0, 4.0])  # minutes; meetings from the behaviour
_RESPONSE_MEDIAN = np.array([0.5, 40.0, np.nan, 3.0, 15.0])  # first response, minutes
_OUTBOUND_KINDS = np.array([0.22, 0.0, 0.14, 0.06, 0.12, 0.28, 0.0, 0.18])  # INTERACTION_KINDS

_CLIENT_NAMES = {  # (legal forms, roots, endings) per language
    "ru": (
        ("ООО «{}»", "АО «{}»", "ООО «{}»", "ООО «{}»"),
        ("Ромашка", "Вектор", "Гранит", "Меридиан", "Импульс", "Лотос", "Орбита", "Кедр",
         "Созвездие", "Светоч", "Берёзка", "Радуга", "Горизонт", "Профиль", "Формула", "Алмаз",
         "Волна", "Сокол", "Пульсар", "Заря"),
        ("", "-Сервис", "-Трейд", "-Логистик", " Групп", "-Строй", "-Софт", " Плюс"),
    ),
    "en": (
        ("{}",),
        ("Northwind", "Bluepeak", "Silverline", "Brightway", "Ironbridge", "Greenfield", "Oakmont",
         "Redwood", "Sunstone", "Clearwater", "Highland", "Lakeside", "Starling", "Westbrook",
         "Evergreen", "Fairport", "Harbor", "Kingsley", "Maple", "Summit"),
        (" Ltd", " Inc", " Logistics", " Foods", " Systems", " Partners", " Retail", " Health"),
    ),
}
_COMMENT_BANDS = ("promoter", "passive", "detractor", "detractor_price", "detractor_slow")
_COMMENTS = {
    "en": (
        ("Great service, very responsive team.", "Our manager always finds a solution.",
         "Reports are clear and on time.", "Happy with the results this quarter.",
         "Easy to work with, would recommend."),
        ("Good overall, but reports are sometimes late.", "Fine, nothing special.",
         "Service is OK, prices could be lower.", "Mostly satisfied."),
        ("Hard to reach anyone when something breaks.", "Too many mistakes in invoices.",
         "We are considering other vendors.", "Problems take weeks to resolve."),
        ("Prices keep going up without explanation.", "Feels like we pay extra for everything."),
        ("Our manager takes days to reply.", "Nobody called us back."),
    ),
    "ru": (
        ("Отличный сервис, всегда на связи.", "Менеджер всегда находит решение.",
         "Отчёты понятные и вовремя.", "Довольны результатами квартала.", "Рекомендуем коллегам."),
        ("В целом хорошо, но отчёты иногда задерживаются.", "Нормально, без сюрпризов.",
         "Сервис неплохой, но дороговато.", "Скорее доволен."),
        ("Невозможно дозвониться, когда что-то ломается.", "Много ошибок в счетах.",
         "Рассматриваем других подрядчиков.", "Проблемы решаются неделями."),
        ("Цены растут без объяснений.", "Постоянно навязывают платные допы."),
        ("Менеджер отвечает через несколько дней.", "Нам так и не перезвонили."),
    ),
}
_LANGS = ("en", "ru")


# ------------------------------------------------------------------------------ small helpers

def _day(d: dt.date) -> int:
    return (d - _EPOCH).days


def _add_months(d: dt.date, n: int) -> dt.date:
    months = d.year * 12 + d.month - 1 + n
    return dt.date(months // 12, months % 12 + 1, 1)


def _cdf(weights) -> np.ndarray:
    """Weights (…, K) → cumulative probabilities, last column exactly 1."""
    w = np.asarray(weights, dtype=np.float64)
    cdf = np.cumsum(w / w.sum(axis=-1, keepdims=True), axis=-1)
    cdf[..., -1] = 1.0
    return cdf


def _pick(rng: np.random.Generator, cdf: np.ndarray, size: int) -> np.ndarray:
    """Draw ``size`` categories from one cumulative distribution (K,)."""
    return np.searchsorted(cdf, rng.random(size), side="right").astype(np.int64)


def _pick_by(rng: np.random.Generator, cdf: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Draw one category per row from its group's cumulative distribution ``cdf[group]``."""
    u = rng.random(len(group))
    return (u[:, None] >= cdf[group]).sum(axis=1).astype(np.int64)


def _rows(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counts per owner → (owner of each row, position of the row within its owner)."""
    counts = np.asarray(counts, dtype=np.int64)
    owner = np.repeat(np.arange(len(counts)), counts)
    first = np.cumsum(counts) - counts
    return owner, np.arange(len(owner)) - first[owner]


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` rows over owners in proportion to ``weights`` (largest remainder)."""
    weights = np.asarray(weights, dtype=np.float64)
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    share = weights / weights.sum() * total
    counts = np.floor(share).astype(np.int64)
    short = total - int(counts.sum())
    if short:
        counts[np.argsort(counts - share, kind="stable")[:short]] += 1
    return counts


def _lognormal(rng: np.random.Generator, median, sigma: float, n: int) -> np.ndarray:
    return np.asarray(median) * np.exp(sigma * rng.standard_normal(n))


def _text(codes: np.ndarray, vocab) -> pa.Array:
    """Codes into ``vocab`` (−1 = missing) → a string array."""
    codes = np.asarray(codes, dtype=np.int32)
    return pa.DictionaryArray.from_arrays(
        pa.array(codes, mask=codes < 0), pa.array(list(vocab), pa.string())
    ).dictionary_decode()


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _timestamps(seconds: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    micros = np.asarray(seconds, dtype=np.int64) * 1_000_000
    return pa.array(micros, pa.timestamp("us"), mask=missing)


def _floats(values: np.ndarray) -> pa.Array:
    values = np.asarray(values, dtype=np.float64)
    return pa.array(values, pa.float64(), mask=np.isnan(values))


def _booleans(values: np.ndarray, present: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=bool), pa.bool_(), mask=~present)


def _width(count: int) -> int:
    return max(6, len(str(count)))


# ------------------------------------------------------------------------------ the plan

@dataclass
class _Plan:
    """Everything decided per client before rows are drawn (arrays indexed by client)."""

    seed: int
    end_day: int
    month_start: np.ndarray   # day of each month's first day, n_months + 1 entries
    month_stop: np.ndarray    # day after each month's last day inside the history
    manager_hired: np.ndarray  # day per roster row
    manager_left: np.ndarray   # day per roster row (huge when still there)
    # per client
    client_name: list[str]
    segment: np.ndarray
    budget: np.ndarray        # monthly
    budget_amount: np.ndarray  # annual, as the CRM holds it
    first_month: np.ndarray   # cohort month (index)
    stop_month: np.ndarray    # first month without payments (n_months: still paying)
    signed_day: np.ndarray
    churned_day: np.ndarray   # −1: not recorded
    billing_day: np.ndarray   # 0..24: day of month of the regular payment
    manager: np.ndarray       # roster index before the hand-over
    successor: np.ndarray     # roster index after the hand-over
    handover_day: np.ndarray  # huge when none
    listed_manager: np.ndarray  # clients.manager (−1: empty)
    behaviour: np.ndarray
    is_russian: np.ndarray
    mood: np.ndarray          # client-level NPS offset
    primary_product: np.ndarray
    span_start: np.ndarray    # interactions in [span_start, span_stop) days
    span_stop: np.ndarray
    first_survey: np.ndarray  # first quarter-end month the client is surveyed
    surveys: np.ndarray       # quarter-end months surveyed
    payments_count: np.ndarray
    interactions_count: np.ndarray
    nps_count: np.ndarray

    @property
    def n_months(self) -> int:
        return len(self.month_start) - 1

    @property
    def clients_count(self) -> int:
        return len(self.segment)

    def client_ids(self, client: np.ndarray) -> pa.Array:
        """Client index → client_id ("C000001" is the first client signed)."""
        return _ids("C", client + 1, _width(self.clients_count))

    def manager_at(self, client: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """Roster index of each row's manager at its time (hand-over applied)."""
        after = seconds >= self.handover_day[client] * _DAY_S
        return np.where(after, self.successor[client], self.manager[client])

    def day_in_month(self, month: np.ndarray, day_of_month: np.ndarray) -> np.ndarray:
        """Day of ``day_of_month`` (0-based) in ``month``, wrapped into the history's last month."""
        available = self.month_stop[month] - self.month_start[month]
        return self.month_start[month] + day_of_month % available


def _history(end: dt.date) -> tuple[dt.date, int]:
    """First day and number of months of the history: 24 whole months + the month of ``end``."""
    return _add_months(end, -HISTORY_MONTHS), HISTORY_MONTHS + (1 if end.day > 1 else 0)


def _plan(interactions: int, seed: int, end: dt.date, ratios: Ratios) -> _Plan:
    """Clients, their managers, lifetimes and row counts (one row per client)."""
    if interactions < 1:
        raise ValueError("interactions must be at least 1")
    rng = np.random.default_rng([seed, 0])
    start, n_months = _history(end)
    month_start = np.array([_day(_add_months(start, m)) for m in range(n_months + 1)], dtype=np.int64)
    start_day, end_day = int(month_start[0]), _day(end)
    month_stop = np.minimum(month_start[1:], end_day)
    n = max(1, round(interactions / ratios.per_client))

    # cohorts: a starting book in month 0, then a slowly growing stream of new clients
    month_days = month_stop - month_start[:-1]
    cohort_weight = (1 + 0.03 * np.arange(n_months)) * month_days / month_days.max()
    cohort_weight[0] *= _STARTING_BOOK
    first_month = _pick(rng, _cdf(cohort_weight), n)
    billing_day = rng.integers(0, 25, n)  # + up to 3 days for a month's later payments
    first_paid = month_start[first_month] + billing_day % month_days[first_month]
    signed_day = np.where(
        first_month == 0,
        start_day - rng.integers(30, 1100, n),  # the book the department started with
        first_paid - rng.integers(0, 11, n),
    )
    order = np.argsort(signed_day, kind="stable")  # client ids follow the signing order
    first_month, billing_day, signed_day = first_month[order], billing_day[order], signed_day[order]

    budget, segment, budget_amount = _budgets(rng, n)

    hired = np.array([_day(_add_months(start, m.hired_month)) + 9 for m in ROSTER], dtype=np.int64)
    left = np.array(
        [_NEVER if m.left_month is None else _day(_add_months(start, m.left_month)) + 9 for m in ROSTER],
        dtype=np.int64,
    )
    manager = _assign_managers(rng, segment, np.maximum(signed_day, start_day), hired, left)
    behaviour_of = np.array([_BEHAVIOUR_NAMES.index(m.behaviour) for m in ROSTER])
    behaviour = behaviour_of[manager]

    # lifetimes: geometric churn by segment × behaviour
    hazard = np.clip(_SEGMENT_CHURN[segment] * _behaviour_param("churn_factor")[behaviour], 1e-4, 0.9)
    stop_month = np.minimum(first_month + rng.geometric(hazard), n_months)
    churned = stop_month < n_months
    recorded_day = month_start[stop_month] + rng.integers(5, 41, n)
    churned_day = np.where(churned & (rng.random(n) < 0.55) & (recorded_day < end_day), recorded_day, -1)

    tenure_months = (stop_month - first_month).astype(np.float64)
    span_start = np.maximum(signed_day, start_day)
    span_stop = np.where(churned, np.minimum(month_start[stop_month] + 20, end_day), end_day)

    # the hand-over: the leaver's clients still around when they left go to the successor
    leaver, successor_row = _roster_index(_LEAVER), _roster_index(_SUCCESSOR)
    handed = (manager == leaver) & (span_stop > left[leaver])
    successor = np.where(handed, successor_row, manager)
    handover_day = np.where(handed, left[leaver], _NEVER)
    listed_manager = successor.copy()
    listed_manager[_unlisted_clients(rng, manager, handed)] = -1

    month_number = start.year * 12 + start.month - 1 + first_month  # calendar month of the cohort
    first_survey = first_month + 1 + (2 - (month_number + 1)) % 3  # next Mar/Jun/Sep/Dec
    surveys = np.maximum(0, (stop_month - first_survey + 2) // 3)
    client_name, is_russian = _client_names(rng, n)

    # rows per client: payments by paying months × products, contacts by days × size, answers by
    # surveys; gamma noise keeps equal clients from getting equal counts
    size_weight = (budget / _BUDGET_MIN) ** 0.3
    noise = rng.gamma(4.0, 0.25, (3, n))
    payments_total = round(interactions / ratios.per_payment)
    payment_weight = tenure_months * _SEGMENT_PRODUCTS[segment] * noise[0]
    if payments_total >= n:  # every client pays at least once (its "new" payment)
        payments_count = 1 + _allocate(payments_total - n, payment_weight)
    else:
        payments_count = _allocate(payments_total, payment_weight)
    contact_weight = (span_stop - span_start) * size_weight * _behaviour_param("contact_factor")[behaviour]
    interactions_count = _allocate(interactions, contact_weight * noise[1])
    responder = rng.random(n) < _RESPONDER_RATE
    nps_weight = surveys * responder * size_weight * noise[2]
    nps_count = _allocate(round(interactions / ratios.per_nps), nps_weight)

    return _Plan(
        seed=seed, end_day=end_day, month_start=month_start,
        month_stop=month_stop, manager_hired=hired, manager_left=left,
        client_name=client_name, segment=segment, budget=budget,
        budget_amount=budget_amount, first_month=first_month, stop_month=stop_month,
        signed_day=signed_day, churned_day=churned_day, billing_day=billing_day, manager=manager,
        successor=successor, handover_day=handover_day, listed_manager=listed_manager,
        behaviour=behaviour, is_russian=is_russian, mood=0.9 * rng.standard_normal(n),
        primary_product=rng.integers(0, 3, n),
        span_start=span_start, span_stop=span_stop, first_survey=first_survey, surveys=surveys,
        payments_count=payments_count, interactions_count=interactions_count, nps_count=nps_count,
    )


def _budgets(rng, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Clients → (monthly budget, segment code, annual budget_amount as the CRM holds it).

    Budgets are Pareto quantiles, one per stratum of width 1/n, so even 30 clients have the
    80/20 shape; segments follow the quantile.
    """
    quantile = (rng.permutation(n) + rng.random(n)) / n * 0.9995  # truncated: no absurd giant
    budget = np.round(_BUDGET_MIN * (1 - quantile) ** (-1 / _PARETO_ALPHA), -1)
    enterprise, mid_market = _SEGMENT_FROM_QUANTILE
    segment = np.where(quantile >= enterprise, 0, np.where(quantile >= mid_market, 1, 2))
    budget_amount = np.round(budget * 12 * np.exp(0.15 * rng.standard_normal(n)), -3)
    return budget, segment, budget_amount


def _roster_index(name: str) -> int:
    return _MANAGER_NAMES.index(name)


def _assign_managers(rng, segment: np.ndarray, assign_day: np.ndarray, hired: np.ndarray,
                     left: np.ndarray) -> np.ndarray:
    """Clients → roster index: team fit by segment × book weight, among managers employed then.

    Nobody gets new clients in their last 30 days. With few clients every manager still gets
    one (taken from a manager who has more) so each behaviour shows at any size.
    """
    team = np.array([_TEAMS.index(m.team) for m in ROSTER])
    book = np.array([m.book_weight for m in ROSTER])
    boundaries = np.unique(np.concatenate([hired, left - 30]))
    era = np.searchsorted(boundaries, assign_day, side="right")
    manager = np.zeros(len(segment), dtype=np.int64)
    for key in np.unique(segment * (len(boundaries) + 1) + era):
        seg, era_index = divmod(int(key), len(boundaries) + 1)
        rows = np.flatnonzero((segment == seg) & (era == era_index))
        day = int(assign_day[rows[0]])
        employed = (hired <= day) & (day < left - 30)
        weight = _TEAM_FIT[seg, team] * book * employed
        manager[rows] = rng.choice(len(ROSTER), size=len(rows), p=weight / weight.sum())
    for m in range(len(ROSTER)):
        books = np.bincount(manager, minlength=len(ROSTER))
        if books[m]:
            continue
        movable = np.flatnonzero(
            (books[manager] > 1) & (hired[m] <= assign_day) & (assign_day < left[m] - 30)
        )
        if movable.size:
            manager[rng.choice(movable)] = m
    return manager


def _unlisted_clients(rng, manager: np.ndarray, handed: np.ndarray) -> np.ndarray:
    """Two clients of ordinary managers with a big enough book, to leave without a manager."""
    ordinary = np.array([m.lead is not None and m.behaviour == "normal" for m in ROSTER])
    books = np.bincount(manager, minlength=len(ROSTER))
    candidates = np.flatnonzero(ordinary[manager] & ~handed & (books[manager] > 2))
    return rng.choice(candidates, size=min(2, candidates.size), replace=False)


def _client_names(rng, n: int) -> tuple[list[str], np.ndarray]:
    """About half Cyrillic (``ООО «Ромашка»``), half Latin; unique (a number added on reuse).

    Returns the names and which of them are Russian.
    """
    russian = rng.random(n) < 0.5
    pools = {}
    for lang, (forms, roots, endings) in _CLIENT_NAMES.items():
        pool = [forms[(i + j) % len(forms)].format(root + ending)
                for i, root in enumerate(roots) for j, ending in enumerate(endings)]
        pools[lang] = [pool[i] for i in rng.permutation(len(pool))]
    rank = np.where(russian, np.cumsum(russian), np.cumsum(~russian)) - 1  # within the language
    names = []
    for is_russian, k in zip(russian.tolist(), rank.tolist()):
        pool = pools["ru" if is_russian else "en"]
        reuse, index = divmod(k, len(pool))
        names.append(pool[index] if reuse == 0 else f"{pool[index]} {reuse + 1}")
    return names, russian


# ------------------------------------------------------------------------------ small tables

def _managers_table(plan: _Plan) -> pa.Table:
    """The roster → one row per manager (leads included)."""
    never = plan.manager_left == _NEVER
    return pa.table({
        "manager": pa.array(_MANAGER_NAMES, pa.string()),
        "team": pa.array([m.team for m in ROSTER], pa.string()),
        "lead": pa.array([m.lead for m in ROSTER], pa.string()),
        "hired_at": _timestamps(plan.manager_hired * _DAY_S),
        "left_at": _timestamps(np.where(never, 0, plan.manager_left) * _DAY_S, never),
        "weekly_hours": pa.array([float(m.weekly_hours) for m in ROSTER], pa.float64()),
    })


def _clients_table(plan: _Plan) -> pa.Table:
    """The plan → one row per client."""
    n = plan.clients_count
    return pa.table({
        "client_id": plan.client_ids(np.arange(n)),
        "client_name": pa.array(plan.client_name, pa.string()),
        "manager": _text(plan.listed_manager, _MANAGER_NAMES),
        "segment": _text(plan.segment, SEGMENTS),
        "signed_at": _timestamps(plan.signed_day * _DAY_S),
        "churned_at": _timestamps(np.maximum(plan.churned_day, 0) * _DAY_S, plan.churned_day < 0),
        "budget_amount": _floats(plan.budget_amount),
    })


# ------------------------------------------------------------------------------ row tables per block

def _offsets(counts: np.ndarray) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(counts)])


def _by_time(columns: dict[str, np.ndarray], seconds: np.ndarray) -> dict[str, np.ndarray]:
    """Row arrays of one block → the same rows in time order."""
    order = np.argsort(seconds, kind="stable")
    return {name: col[order] for name, col in columns.items()}


def _payments_block(plan: _Plan, rng, lo: int, hi: int, first_id: int, width: int) -> pa.Table:
    """Clients [lo, hi) → their payments: spread evenly over each client's paying months."""
    owner, position = _rows(plan.payments_count[lo:hi])
    client = owner + lo
    n = len(client)
    count = plan.payments_count[client]
    tenure = plan.stop_month[client] - plan.first_month[client]
    month = plan.first_month[client] + position * tenure // count
    later = np.where(position == 0, 0, rng.integers(1, 4, n))  # the "new" payment comes first
    day = plan.day_in_month(month, plan.billing_day[client] + later)
    seconds = day * _DAY_S + rng.integers(9 * 3600, 19 * 3600, n)
    first_seconds = seconds[np.arange(n) - position]  # the client's first payment
    seconds = np.where(position == 0, seconds, np.maximum(seconds, first_seconds + 3600))

    behaviour = plan.behaviour[client]
    months_in = month - plan.first_month[client]
    trend = (1 + _behaviour_param("growth_rate")[behaviour]) ** months_in
    per_payment = plan.budget[client] * tenure / count * _behaviour_param("price_factor")[behaviour]
    amount = np.round(per_payment * trend * np.exp(0.1 * rng.standard_normal(n)), 2)

    later_kind = _pick(rng, _cdf([0.80, 0.12, 0.08]), n) + 1  # renewal / upsell / cross_sell
    kind = np.where(position == 0, 0, later_kind)
    primary = plan.primary_product[client]
    other = (primary + 1 + rng.integers(0, 3, n)) % len(PRODUCTS)
    product = np.where(kind == 3, other, primary)

    margin_rate = _behaviour_param("margin_rate")[behaviour] + 0.04 * rng.standard_normal(n)
    margin_rate = np.clip(margin_rate, 0.2, 0.6)
    cost = np.round(amount * (1 - margin_rate), 2)
    refund = (position > 0) & (rng.random(n) < _REFUND_RATE)
    amount = np.where(refund, -np.round(amount * rng.uniform(0.2, 1.0, n), 2), amount)
    cost = np.where(refund, 0.0, cost)
    # Costs of the last month are partly not booked yet: their margin is unknown, as in real life,
    # without blanking every cohort's whole LTV curve.
    last_month = month == plan.n_months - 1
    cost = np.where(last_month & (rng.random(n) < _COST_MISSING_RATE), np.nan, cost)

    manager = plan.manager_at(client, seconds)
    manager = np.where(plan.listed_manager[client] < 0, -1, manager)
    columns = _by_time({
        "client": client, "paid_at": seconds, "amount": amount, "cost_amount": cost,
        "product": product, "kind": kind, "manager": manager,
    }, seconds)
    return pa.table({
        "payment_id": _ids("P", first_id + 1 + np.arange(n), width),
        "paid_at": _timestamps(columns["paid_at"]),
        "client_id": plan.client_ids(columns["client"]),
        "amount": _floats(columns["amount"]),
        "cost_amount": _floats(columns["cost_amount"]),
        "product": _text(columns["product"], PRODUCTS),
        "kind": _text(columns["kind"], PAYMENT_KINDS),
        "manager": _text(columns["manager"], _MANAGER_NAMES),
    })


def _interactions_block(plan: _Plan, rng, lo: int, hi: int, first_id: int, width: int) -> pa.Table:
    """Clients [lo, hi) → their contacts, on working days and hours, shaped by the manager."""
    owner, _ = _rows(plan.interactions_count[lo:hi])
    client = owner + lo
    n = len(client)
    behaviour = plan.behaviour[client]
    span_start, span_stop = plan.span_start[client], plan.span_stop[client]

    day = span_start + np.floor(rng.random(n) * (span_stop - span_start)).astype(np.int64)
    monday = day - (day + 3) % 7  # 1970-01-01 was a Thursday
    day = np.clip(monday + _pick(rng, _cdf(_WEEKDAY_WEIGHTS), n), span_start, span_stop - 1)
    seconds = day * _DAY_S + _pick(rng, _cdf(_HOUR_WEIGHTS), n) * 3600 + rng.integers(0, 3600, n)

    meeting_share = _behaviour_param("meeting_share")
    channel_weights = _CHANNEL_WEIGHTS[None, :] * (1 - meeting_share[:, None])
    channel_weights[:, CHANNELS.index("meeting")] = meeting_share
    channel = _pick_by(rng, _cdf(channel_weights), behaviour)
    inbound_odds = _INBOUND_ODDS[channel]
    proactivity = _behaviour_param("proactivity")[behaviour]
    inbound = rng.random(n) < inbound_odds / (inbound_odds + (1 - inbound_odds) * proactivity)

    complaint = _behaviour_param("complaint_share")
    inbound_kinds = np.zeros((len(BEHAVIOURS), len(INTERACTION_KINDS)))
    inbound_kinds[:, INTERACTION_KINDS.index("request")] = 0.77 - complaint
    inbound_kinds[:, INTERACTION_KINDS.index("complaint")] = complaint
    inbound_kinds[:, INTERACTION_KINDS.index("renewal")] = 0.05
    inbound_kinds[:, INTERACTION_KINDS.index("other")] = 0.18
    inbound_kind = _pick_by(rng, _cdf(inbound_kinds), behaviour)
    kind = np.where(inbound, inbound_kind, _pick(rng, _cdf(_OUTBOUND_KINDS), n))
    is_meeting = channel == CHANNELS.index("meeting")
    kind = np.where(is_meeting & (rng.random(n) < 0.6), INTERACTION_KINDS.index("meeting"), kind)

    is_call = channel == CHANNELS.index("call")
    missed = is_call & inbound & (rng.random(n) < _behaviour_param("missed_call_rate")[behaviour])
    talk = np.where(is_meeting, _behaviour_param("meeting_minutes")[behaviour],
                    _DURATION_MEDIAN[channel] * _behaviour_param("talk_factor")[behaviour])
    duration = np.where(missed, 0.0, np.round(_lognormal(rng, talk, np.where(is_meeting, 0.35, 0.7), n), 1))

    is_ticket = np.isin(kind, [INTERACTION_KINDS.index("request"), INTERACTION_KINDS.index("complaint")])
    is_complaint = kind == INTERACTION_KINDS.index("complaint")
    response_factor = _behaviour_param("response_factor")[behaviour]
    answered_ticket = inbound & is_ticket & ~missed & ~is_meeting
    first_response = _lognormal(rng, _RESPONSE_MEDIAN[channel] * response_factor, 0.8, n)
    first_response = np.where(answered_ticket, np.round(first_response, 1), np.nan)

    has_outcome = inbound & is_ticket & ~missed  # tickets the client opened
    resolved_odds = np.where(is_complaint, 0.85, 0.94) - np.where(response_factor > 2, 0.2, 0.0)
    # Old tickets get closed eventually; only recent ones are still open in bulk.
    age_days = plan.end_day - day
    resolved_odds = np.where(age_days <= 14, resolved_odds * 0.6,
                             np.where(age_days <= 60, resolved_odds, 0.995))
    resolved = rng.random(n) < resolved_odds
    resolution = _lognormal(rng, np.where(is_complaint, 1440.0, 180.0) * np.sqrt(response_factor), 1.0, n)
    resolution = np.fmax(np.round(resolution, 1), np.nan_to_num(first_response))
    resolution = np.where(has_outcome & resolved, resolution, np.nan)

    columns = _by_time({
        "client": client, "seconds": seconds, "manager": plan.manager_at(client, seconds),
        "channel": channel, "inbound": inbound, "kind": kind, "duration": duration,
        "first_response": first_response, "resolution": resolution, "missed": missed,
        "is_call": is_call, "resolved": resolved, "has_outcome": has_outcome,
    }, seconds)
    return pa.table({
        "interaction_id": _ids("I", first_id + 1 + np.arange(n), width),
        "occurred_at": _timestamps(columns["seconds"]),
        "client_id": plan.client_ids(columns["client"]),
        "manager": _text(columns["manager"], _MANAGER_NAMES),
        "channel": _text(columns["channel"], CHANNELS),
        "direction": _text(np.where(columns["inbound"], 0, 1), DIRECTIONS),
        "kind": _text(columns["kind"], INTERACTION_KINDS),
        "duration_min": _floats(columns["duration"]),
        "first_response_min": _floats(columns["first_response"]),
        "resolution_min": _floats(columns["resolution"]),
        "is_missed": _booleans(columns["missed"], columns["is_call"]),
        "is_resolved": _booleans(columns["resolved"], columns["has_outcome"]),
    })


def _nps_block(plan: _Plan, rng, lo: int, hi: int, first_id: int, width: int) -> pa.Table:
    """Clients [lo, hi) → survey answers at quarter ends; scores follow the manager and churn."""
    owner, _ = _rows(plan.nps_count[lo:hi])
    client = owner + lo
    n = len(client)
    behaviour = plan.behaviour[client]
    month = plan.first_survey[client] + 3 * np.floor(rng.random(n) * plan.surveys[client]).astype(np.int64)
    day = plan.day_in_month(month, rng.integers(4, 26, n))
    seconds = day * _DAY_S + rng.integers(9 * 3600, 22 * 3600, n)

    leaving_soon = (plan.stop_month[client] < plan.n_months) & (month >= plan.stop_month[client] - 3)
    latent = (_behaviour_param("nps_mean")[behaviour] + plan.mood[client]
              + 1.1 * rng.standard_normal(n) - 2.5 * leaving_soon)
    score = np.clip(np.rint(latent), 0, 10).astype(np.int32)

    band = np.where(score >= 9, 0, np.where(score >= 7, 1, 2))
    flavour = rng.random(n) < 0.6
    band = np.where((band == 2) & flavour & (behaviour == _BEHAVIOUR_NAMES.index("squeezer")), 3, band)
    band = np.where((band == 2) & flavour & (behaviour == _BEHAVIOUR_NAMES.index("indifferent")), 4, band)
    pools = [_COMMENTS[lang][b] for lang in _LANGS for b in range(len(_COMMENT_BANDS))]
    pool_size = np.array([len(p) for p in pools])
    pool_first = np.cumsum(pool_size) - pool_size
    pool = plan.is_russian[client].astype(np.int64) * len(_COMMENT_BANDS) + band
    comment = pool_first[pool] + np.floor(rng.random(n) * pool_size[pool]).astype(np.int64)
    comment = np.where(rng.random(n) < _COMMENT_RATE, comment, -1)

    manager = np.where(plan.listed_manager[client] < 0, -1, plan.manager_at(client, seconds))
    columns = _by_time({
        "client": client, "seconds": seconds, "score": score, "comment": comment, "manager": manager,
    }, seconds)
    return pa.table({
        "response_id": _ids("R", first_id + 1 + np.arange(n), width),
        "answered_at": _timestamps(columns["seconds"]),
        "client_id": plan.client_ids(columns["client"]),
        "score": pa.array(columns["score"], pa.int32()),
        "comment": _text(columns["comment"], [c for p in pools for c in p]),
        "manager": _text(columns["manager"], _MANAGER_NAMES),
    })


_ROW_TABLES = {  # table → (its rows per client in the plan, block builder)
    "payments": ("payments_count", _payments_block),
    "interactions": ("interactions_count", _interactions_block),
    "nps_responses": ("nps_count", _nps_block),
}


def _blocks(plan: _Plan):
    """Yield {table: pa.Table} for each block of clients, from the block's own random stream."""
    offsets = {name: _offsets(getattr(plan, count)) for name, (count, _) in _ROW_TABLES.items()}
    widths = {name: _width(int(o[-1])) for name, o in offsets.items()}
    for block, lo in enumerate(range(0, plan.clients_count, _BLOCK_CLIENTS)):
        hi = min(lo + _BLOCK_CLIENTS, plan.clients_count)
        rng = np.random.default_rng([plan.seed, 1, block])
        yield {
            name: build(plan, rng, lo, hi, int(offsets[name][lo]), widths[name])
            for name, (_, build) in _ROW_TABLES.items()
        }


# ------------------------------------------------------------------------------ public API

def _to_pandas(table: pa.Table) -> pd.DataFrame:
    return table.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)


def generate(*, interactions: int = 60_000, seed: int = 7, end: dt.date = DEFAULT_END,
             ratios: Ratios = DEMO_RATIOS) -> dict[str, pd.DataFrame]:
    """Seed → one DataFrame per canonical table (schema.sql columns, no import_id/row_key).

    History: the 24 whole months before the month of ``end`` plus that month up to ``end``
    (exclusive). Sizes: ``interactions`` rows, the other tables by ``ratios``.
    """
    plan = _plan(interactions, seed, end, ratios)
    tables = {"managers": _managers_table(plan), "clients": _clients_table(plan)}
    blocks = list(_blocks(plan))
    for name in _ROW_TABLES:
        tables[name] = pa.concat_tables([b[name] for b in blocks])
    return {name: _to_pandas(tables[name]) for name in TABLE_ORDER}


class _CsvFile:
    """One canonical CSV: header line, then rows appended in batches (UTF-8, comma, ISO times)."""

    def __init__(self, path: Path, schema: pa.Schema):
        self.path = path
        self.schema = pa.schema([
            pa.field(f.name, pa.timestamp("s")) if pa.types.is_timestamp(f.type) else f for f in schema
        ])
        self.file = open(path, "wb")
        self.file.write((",".join(schema.names) + "\n").encode("utf-8"))
        self.writer = pacsv.CSVWriter(
            self.file, self.schema,
            write_options=pacsv.WriteOptions(include_header=False, quoting_style="needed"),
        )
        self.pending: list[pa.Table] = []
        self.pending_rows = 0

    def add(self, table: pa.Table, chunk_rows: int) -> None:
        self.pending.append(table)
        self.pending_rows += table.num_rows
        if self.pending_rows >= chunk_rows:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.writer.write_table(pa.concat_tables(self.pending).cast(self.schema))
        self.pending, self.pending_rows = [], 0

    def close(self) -> None:
        self.flush()
        self.writer.close()
        self.file.close()


def write_csvs(out_dir: str | Path, *, interactions: int, seed: int, chunk_rows: int = 1_000_000,
               end: dt.date = DEFAULT_END, ratios: Ratios = DEMO_RATIOS) -> dict[str, Path]:
    """Seed → one canonical UTF-8 CSV per table in ``out_dir`` (``<table>.csv``); same rows as
    :func:`generate`. Rows are written every ``chunk_rows`` so memory stays bounded.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = _plan(interactions, seed, end, ratios)
    paths = {name: out_dir / f"{name}.csv" for name in TABLE_ORDER}
    for name, table in (("managers", _managers_table(plan)), ("clients", _clients_table(plan))):
        small = _CsvFile(paths[name], table.schema)
        small.add(table, 0)
        small.close()
    files: dict[str, _CsvFile] = {}
    try:
        for block in _blocks(plan):
            for name, table in block.items():
                if name not in files:
                    files[name] = _CsvFile(paths[name], table.schema)
                files[name].add(table, chunk_rows)
    finally:
        for f in files.values():
            f.close()
    return paths


def build_demo_db(path: str | Path, *, interactions: int = 60_000, seed: int = 7, replace: bool = False,
                  end: dt.date = DEFAULT_END, ratios: Ratios = DEMO_RATIOS) -> dict[str, int]:
    """Seed → a DuckDB file holding the demo (each table imported via ``import_frame``).

    Returns rows inserted per table. An existing file is an error unless ``replace=True``.
    """
    from warehouse.connection import connect
    from warehouse.ingest import import_frame

    path = Path(path)
    if path.exists():
        if not replace:
            raise FileExistsError(f"{path} exists; pass replace=True to rebuild it")
        path.unlink()
        Path(f"{path}.wal").unlink(missing_ok=True)
    frames = generate(interactions=interactions, seed=seed, end=end, ratios=ratios)
    con = connect(path)
    try:
        counts = {}
        for name in TABLE_ORDER:
            result = import_frame(con, name, frames[name], file_name=f"demo-{name}.csv", imported_by="demo")
            counts[name] = result.rows_inserted
    finally:
        con.close()
    return counts
