"""Property tests (DuckDB only): retention, NRR/GRR, churn, LTV and concentration against
naive pure-Python oracles written straight from design §4."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from metrics._time import comparison_windows
from metrics.churn import churn_by_period, client_churn_dates
from metrics.concentration import lorenz_curve, revenue_concentration
from metrics.ltv import ltv_by_client, ltv_curve_by_cohort
from metrics.retention import nrr_grr, retention_by_cohort

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CLIENTS = ["a", "b", "c", "d", "e"]
DAY0 = dt.datetime(2024, 1, 1)
DATA_END = dt.date(2024, 5, 15)
MONDAY0 = dt.date(1970, 1, 5)

# Days after DAY0 (a Monday), half of them on period starts: 1st of Feb–May, Mondays.
days = st.one_of(st.sampled_from([0, 14, 31, 60, 63, 91, 98, 121]), st.integers(0, 150))
moments = days.map(lambda d: DAY0 + dt.timedelta(days=d))
payment_rows = st.lists(
    st.tuples(
        st.sampled_from(CLIENTS),
        moments,
        st.sampled_from([-40.0, -10.0, 0.0, 10.0, 25.0, 60.0, 250.0]),
        st.one_of(st.none(), st.sampled_from([0.0, 5.0, 30.0])),
    ),
    max_size=14,
)
grains = st.sampled_from(["week", "month"])


def _payments(rows) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=["client_id", "paid_at", "amount", "cost_amount"])
    return frame.astype(
        {"client_id": "str", "paid_at": "datetime64[us]", "amount": "float64", "cost_amount": "float64"}
    )


def _number(day: dt.date, grain: str) -> int:
    if isinstance(day, dt.datetime):
        day = day.date()
    return day.year * 12 + day.month - 1 if grain == "month" else (day - MONDAY0).days // 7


def _start_of(number: int, grain: str) -> dt.date:
    if grain == "month":
        return dt.date(number // 12, number % 12 + 1, 1)
    return MONDAY0 + dt.timedelta(weeks=number)


def _nan_to_none(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


# ------------------------------------------------------------------ cohorts

def _oracle_cells(rows, grain, data_end, value):
    """(cohort start, k) → (cohort size, active clients, Σ value) straight from the definitions."""
    rows = [r for r in rows if r[1].date() < data_end]
    firsts: dict[str, int] = {}
    for client, paid_at, amount, _ in rows:
        if amount > 0:
            n = _number(paid_at, grain)
            firsts[client] = min(firsts.get(client, n), n)
    members = defaultdict(set)
    for client, n in firsts.items():
        members[n].add(client)
    last = _number(data_end - dt.timedelta(days=1), grain)
    cells = {}
    for cohort, clients in members.items():
        for k in range(last - cohort + 1):
            in_cell = [r for r in rows if r[0] in clients and _number(r[1], grain) == cohort + k]
            active = {r[0] for r in in_cell if r[2] > 0}
            values = [value(r) for r in in_cell]
            total = None if None in values else sum(values)
            cells[(_start_of(cohort, grain), k)] = (len(clients), len(active), total)
    return cells


def _assert_same(got: dict, expected: dict) -> None:
    """Same keys; tuple values equal, floats to 1e-9, None only where None is expected."""
    assert got.keys() == expected.keys()
    for key, values in expected.items():
        assert len(got[key]) == len(values)
        for g, e in zip(got[key], values):
            assert (g is None) == (e is None), (key, got[key], values)
            if e is not None:
                assert g == pytest.approx(e, rel=1e-9, abs=1e-9), (key, got[key], values)


def _cells_of(result: pd.DataFrame, columns: list[str]) -> dict:
    return {
        (pd.Timestamp(row.cohort).date(), int(row.k)): tuple(_nan_to_none(getattr(row, c)) for c in columns)
        for row in result.itertuples(index=False)
    }


@SETTINGS
@given(rows=payment_rows, grain=grains, kind=st.sampled_from(["logo", "revenue"]))
def test_retention_by_cohort_matches_oracle(duck, rows, grain, kind):
    result = duck.execute(
        retention_by_cohort(duck.table(_payments(rows)), grain=grain, kind=kind, data_end=DATA_END)
    )
    cells = _oracle_cells(rows, grain, DATA_END, value=lambda r: r[2])
    expected = {}
    for (cohort, k), (size, active, revenue) in cells.items():
        k0_revenue = cells[(cohort, 0)][2]
        if kind == "logo":
            rate = active / size
        else:
            rate = revenue / k0_revenue if k0_revenue > 0 else None
        expected[(cohort, k)] = (size, active, revenue, rate)
    got = _cells_of(result, ["cohort_clients_count", "clients_count", "revenue_amount", "rate"])
    _assert_same(got, expected)
    for (cohort, k), (_, _, _, rate) in got.items():
        if k == 0 and (kind == "logo" or cells[(cohort, 0)][2] > 0):
            assert rate == pytest.approx(1.0)


@SETTINGS
@given(data=st.data(), rows=payment_rows, grain=grains)
def test_retention_by_cohort_row_order_does_not_matter(duck, data, rows, grain):
    shuffled = data.draw(st.permutations(rows))
    results = [
        duck.execute(
            retention_by_cohort(duck.table(_payments(r)), grain=grain, kind="revenue", data_end=DATA_END)
        )
        for r in (rows, shuffled)
    ]
    columns = ["cohort_clients_count", "clients_count", "revenue_amount", "rate"]
    assert _cells_of(results[0], columns) == _cells_of(results[1], columns)


@SETTINGS
@given(rows=payment_rows, grain=grains, measure=st.sampled_from(["margin", "revenue"]))
def test_ltv_curve_by_cohort_matches_oracle(duck, rows, grain, measure):
    rate = 0.3
    result = duck.execute(
        ltv_curve_by_cohort(
            duck.table(_payments(rows)), grain=grain, data_end=DATA_END, measure=measure,
            default_margin_rate=rate,
        )
    )
    def value(r):
        if measure == "revenue":
            return r[2]
        return r[2] - r[3] if r[3] is not None else r[2] * rate

    cells = _oracle_cells(rows, grain, DATA_END, value=value)
    expected = {}
    for (cohort, k), (size, _, amount) in cells.items():
        so_far = sum(cells[(cohort, j)][2] for j in range(k + 1))
        expected[(cohort, k)] = (size, amount, so_far / size)
    got = _cells_of(result, ["cohort_clients_count", "period_amount", "ltv_amount"])
    _assert_same(got, expected)


# ------------------------------------------------------------------ LTV per client

@SETTINGS
@given(rows=payment_rows, rate=st.sampled_from([None, 0.25]))
def test_ltv_by_client_sums_to_totals(duck, rows, rate):
    result = duck.execute(ltv_by_client(duck.table(_payments(rows)), default_margin_rate=rate))
    margins = defaultdict(list)
    for client, _, amount, cost in rows:
        margins[client].append(amount - cost if cost is not None else (amount * rate if rate else None))
    expected = {c: (None if None in m else sum(m)) for c, m in margins.items()}
    got = {row.client_id: _nan_to_none(row.margin_amount) for row in result.itertuples()}
    _assert_same({c: (m,) for c, m in got.items()}, {c: (m,) for c, m in expected.items()})
    assert result.revenue_amount.sum() == pytest.approx(sum(r[2] for r in rows))
    assert int(result.payments_count.sum()) == len(rows)
    known = [m for m in expected.values() if m is not None]
    assert result.margin_amount.sum() == pytest.approx(sum(known))


# ------------------------------------------------------------------ NRR / GRR

@SETTINGS
@given(
    rows=payment_rows,
    grain=grains,
    length=st.sampled_from([1, 2]),
    end=st.sampled_from([dt.date(2024, 3, 1), dt.date(2024, 4, 15), dt.date(2024, 5, 6)]),
    group_of=st.fixed_dictionaries({c: st.sampled_from(["x", "y"]) for c in CLIENTS}),
)
@example(  # a refund makes a base client's current revenue negative: GRR still ≥ 0
    rows=[("a", DAY0 + dt.timedelta(days=9), 60.0, None), ("a", DAY0 + dt.timedelta(days=40), -40.0, None)],
    grain="month", length=1, end=dt.date(2024, 3, 1), group_of=dict.fromkeys(CLIENTS, "x"),
)
def test_nrr_grr_matches_oracle(duck, rows, grain, length, end, group_of):
    base, current = comparison_windows(end, grain, length)
    rev_b, rev_c = defaultdict(float), defaultdict(float)
    for client, paid_at, amount, _ in rows:
        day = paid_at.date()
        if base.start <= day < base.end:
            rev_b[client] += amount
        elif current.start <= day < current.end:
            rev_c[client] += amount
    kept = [c for c in rev_b if rev_b[c] > 0]
    b = sum(rev_b[c] for c in kept)
    c_ = sum(rev_c[c] for c in kept)
    r = sum(min(max(rev_c[c], 0.0), rev_b[c]) for c in kept)

    payments = duck.table(_payments(rows))
    got = duck.execute(nrr_grr(payments, end=end, grain=grain, length=length)).iloc[0]
    assert int(got.base_clients_count) == len(kept)
    sums = (got.base_revenue_amount, got.current_revenue_amount, got.retained_revenue_amount)
    assert sums == pytest.approx((b, c_, r))
    if not kept:
        assert math.isnan(got.nrr) and math.isnan(got.grr)
        return
    assert (got.nrr, got.grr) == pytest.approx((c_ / b, r / b))
    assert -1e-12 <= got.grr <= 1 + 1e-12
    if all(rev_c[c] >= 0 for c in kept):
        assert got.grr <= got.nrr + 1e-12

    groups = duck.table(pd.DataFrame({"client_id": CLIENTS, "group": [group_of[c] for c in CLIENTS]}))
    by_group = duck.execute(nrr_grr(payments, end=end, grain=grain, length=length, client_groups=groups))
    for column in ("base_clients_count", "base_revenue_amount", "current_revenue_amount",
                   "retained_revenue_amount"):
        assert by_group[column].sum() == pytest.approx(got[column])


# ------------------------------------------------------------------ churn

def _oracle_churn_at(client, as_of: dt.datetime, rows, recorded, days):
    if recorded.get(client) is not None:
        return (recorded[client], False) if recorded[client] < as_of else (None, False)
    positives = [r[1] for r in rows if r[0] == client and r[2] > 0 and r[1] < as_of]
    if positives and max(positives) + dt.timedelta(days=days) < as_of:
        return max(positives) + dt.timedelta(days=days), True
    return None, False


churn_clients = st.dictionaries(
    st.sampled_from(CLIENTS),
    st.one_of(st.none(), moments),
    max_size=5,
)


def _clients(recorded: dict) -> pd.DataFrame:
    frame = pd.DataFrame({"client_id": list(recorded), "churned_at": list(recorded.values())})
    return frame.astype({"client_id": "str", "churned_at": "datetime64[us]"})


@SETTINGS
@given(rows=payment_rows, recorded=churn_clients, days=st.sampled_from([7, 30, 90]),
       as_of=moments.map(lambda m: m.date()))
@example(  # churned_at exactly at 00:00 of as_of: not churned yet (as_of is exclusive)
    rows=[("a", DAY0, 10.0, None)], recorded={"a": DAY0 + dt.timedelta(days=31)}, days=90,
    as_of=dt.date(2024, 2, 1),
)
def test_client_churn_dates_matches_oracle(duck, rows, recorded, days, as_of):
    result = duck.execute(
        client_churn_dates(duck.table(_payments(rows)), duck.table(_clients(recorded)),
                           as_of=as_of, churn_after_days=days)
    )
    moment = dt.datetime.combine(as_of, dt.time())
    ids = set(recorded) | {r[0] for r in rows}
    expected = {c: _oracle_churn_at(c, moment, rows, recorded, days) for c in ids}
    got = {
        row.client_id: (
            None if pd.isna(row.churn_at) else pd.Timestamp(row.churn_at).to_pydatetime(),
            bool(row.is_inferred),
        )
        for row in result.itertuples()
    }
    assert len(result) == len(ids)
    assert got == expected


@pytest.mark.parametrize("bounds_for_flags", [10**6, 0], ids=["flags", "spans"])  # both exact forms
@SETTINGS
@given(rows=payment_rows, recorded=churn_clients, days=st.sampled_from([7, 30, 90]), grain=grains)
def test_churn_by_period_counts_match_oracle(duck, monkeypatch, bounds_for_flags, rows, recorded, days, grain):
    from metrics import churn

    monkeypatch.setattr(churn, "FLAGS_UP_TO_BOUNDS", bounds_for_flags)
    start, end = dt.date(2024, 2, 1), dt.date(2024, 5, 1)
    first, last = _number(start, grain), _number(end - dt.timedelta(days=1), grain)
    expected = []
    for n in range(first, last + 1):
        p, q = (dt.datetime.combine(_start_of(m, grain), dt.time()) for m in (n, n + 1))
        active_before = {r[0] for r in rows if r[2] > 0 and r[1] < p}
        base = {c for c in active_before if _oracle_churn_at(c, p, rows, recorded, days)[0] is None}
        churned = {c for c in base if _oracle_churn_at(c, q, rows, recorded, days)[0] is not None}
        expected.append((_start_of(n, grain), len(base), len(churned)))
    result = duck.execute(
        churn_by_period(duck.table(_payments(rows)), duck.table(_clients(recorded)),
                        grain=grain, start=start, end=end, churn_after_days=days)
    )
    result = result.sort_values("period")
    got = [
        (pd.Timestamp(r.period).date(), int(r.base_clients_count), int(r.churned_count))
        for r in result.itertuples()
    ]
    assert got == expected
    for row in result.itertuples():
        assert math.isnan(row.churn_rate) if row.base_clients_count == 0 else 0 <= row.churn_rate <= 1


# ------------------------------------------------------------------ concentration

@SETTINGS
@given(revenues=st.lists(st.integers(-20, 500), max_size=15))
def test_revenue_concentration_gini_equals_pairwise_definition(duck, revenues):
    day = DAY0 + dt.timedelta(days=3)
    rows = [(f"c{i:02d}", day, float(x), None) for i, x in enumerate(revenues)]
    payments = duck.table(_payments(rows))
    window = dict(start=dt.date(2024, 1, 1), end=dt.date(2024, 2, 1))
    got = duck.execute(revenue_concentration(payments, **window)).iloc[0]
    xs = sorted(float(x) for x in revenues if x > 0)
    n = len(xs)
    assert int(got.clients_count) == n
    if n == 0:
        assert math.isnan(got.gini) and math.isnan(got.top20_revenue_share)
        return
    pairwise = sum(abs(a - b) for a in xs for b in xs) / (2 * n * n * (sum(xs) / n))
    assert got.gini == pytest.approx(pairwise, abs=1e-12)
    assert -1e-12 <= got.gini < 1
    top_count = -(-n // 5)  # ⌈n/5⌉
    assert got.top20_revenue_share == pytest.approx(sum(xs[n - top_count :]) / sum(xs))

    curve = duck.execute(lorenz_curve(payments, **window)).sort_values("rank")
    assert list(curve["rank"]) == list(range(1, n + 1))
    assert list(curve.revenue_share) == pytest.approx([sum(xs[: i + 1]) / sum(xs) for i in range(n)])
    for points in (1, 2, 3):  # thinned for a chart: every ⌈n/points⌉-th rank and the last, exact
        thin = duck.execute(lorenz_curve(payments, **window, points=points)).sort_values("rank")
        kept = [r for r in range(1, n + 1) if r % -(-n // points) == 0 or r == n]
        assert list(thin["rank"]) == kept and len(kept) <= points + 1
        assert list(thin.revenue_share) == pytest.approx([sum(xs[:r]) / sum(xs) for r in kept])


# ------------------------------------------------------------------ client flow of several weeks

@SETTINGS
@given(rows=payment_rows, recorded=churn_clients, days=st.sampled_from([7, 30, 90]),
       first=st.integers(0, 120), count=st.integers(1, 6))
def test_client_flow_by_window_matches_oracle(duck, rows, recorded, days, first, count):
    from metrics.meeting import client_flow_by_window

    weeks = [(DAY0.date() + dt.timedelta(days=first + 7 * n), DAY0.date() + dt.timedelta(days=first + 7 * n + 7))
             for n in range(count)][::-1]  # newest first, as the meeting asks for them
    result = duck.execute(client_flow_by_window(duck.table(_payments(rows)), duck.table(_clients(recorded)),
                                                windows=weeks, churn_after_days=days))
    ids = set(recorded) | {r[0] for r in rows}
    expected = []
    for start, end in weeks:
        lo, hi = (dt.datetime.combine(d, dt.time()) for d in (start, end))
        firsts = {c: min(r[1] for r in rows if r[0] == c and r[2] > 0) for c in {r[0] for r in rows if r[2] > 0}}
        new = sum(lo <= at < hi for at in firsts.values())
        churn = [_oracle_churn_at(c, hi, rows, recorded, days)[0] for c in ids]
        expected.append((new, sum(at is not None and lo <= at < hi for at in churn)))
    got = [(int(r.new_clients_count), int(r.churned_clients_count)) for r in result.itertuples()]
    assert list(result.w) == list(range(count))
    assert got == expected
    # with first payments given as warehouse/derived.py keeps them (here: each positive payment
    # its own row, as if each came in an import of its own): the same counts
    paid = _payments(rows)
    firsts = paid.loc[paid.amount > 0, ["client_id", "paid_at"]].rename(columns={"paid_at": "first_paid_at"})
    given = duck.execute(client_flow_by_window(duck.table(paid), duck.table(_clients(recorded)), windows=weeks,
                                               churn_after_days=days, first_payments=duck.table(firsts)))
    pd.testing.assert_frame_equal(given, result)
