"""Meeting metrics: revenue bridge (per client, per manager, company) and NPS change split."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics._time import Window
from metrics.managers import client_manager
from metrics.meeting import (
    BRIDGE_COMPONENTS,
    BRIDGE_LEVEL_COLUMNS,
    nps_change_by_segment,
    nps_change_split,
    revenue_bridge_by_client,
    revenue_bridge_by_component,
    revenue_bridge_by_manager,
    revenue_bridge_levels,
)

N = None
PREV = Window(dt.date(2026, 11, 16), dt.date(2026, 11, 23))  # ISO week 2026-W47
CUR = Window(dt.date(2026, 11, 23), dt.date(2026, 11, 30))  # 2026-W48


def _nullable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).where(frame.notna(), None)


# ------------------------------------------------------------------ bridge fixture
# c1 grows, c2 shrinks, c3 and c8 (no manager) are new, c4 and c11 (refund in CUR) churn,
# c5 is flat, c6's refund cancels its payment (left out), c10 only has a refund (contraction).
# p3 is at CUR's exclusive end, p7 and p12 exactly on the window starts.
PAYMENTS = pd.DataFrame(
    {
        "payment_id": [f"p{i}" for i in range(1, 16)],
        "paid_at": pd.to_datetime(
            [
                "2026-11-17", "2026-11-24", "2026-11-30 00:00", "2026-11-18", "2026-11-25",
                "2026-11-26", "2026-11-16 00:00", "2026-11-20", "2026-11-27", "2026-11-16 12:00",
                "2026-11-22", "2026-11-23 00:00", "2026-11-28", "2026-11-17", "2026-11-25",
            ],
            format="ISO8601",
        ),
        "client_id": [
            "c1", "c1", "c1", "c2", "c2", "c3", "c4", "c5", "c5", "c6", "c6", "c8", "c10", "c11", "c11",
        ],
        "amount": [
            100.0, 150.0, 999.0, 200.0, 120.0, 90.0, 300.0, 80.0, 80.0, 100.0, -100.0, 30.0, -25.0,
            50.0, -20.0,
        ],
    }
)
BOOK = pd.DataFrame(
    {
        "client_id": ["c1", "c2", "c3", "c11", "c4", "c5", "c6", "c10"],
        "manager": ["Anna", "Anna", "Anna", "Anna", "Boris", "Boris", "Boris", "Boris"],
    }
)

# client_id, manager, prev_amount, cur_amount, change_amount, component — worked out by hand.
EXPECTED_CLIENTS = [
    ("c1", "Anna", 100.0, 150.0, 50.0, "expansion"),
    ("c10", "Boris", 0.0, -25.0, -25.0, "contraction"),
    ("c11", "Anna", 50.0, -20.0, -70.0, "churned"),
    ("c2", "Anna", 200.0, 120.0, -80.0, "contraction"),
    ("c3", "Anna", 0.0, 90.0, 90.0, "new"),
    ("c4", "Boris", 300.0, 0.0, -300.0, "churned"),
    ("c5", "Boris", 80.0, 80.0, 0.0, "flat"),
    ("c8", None, 0.0, 30.0, 30.0, "new"),
]


def _none(value):
    return None if pd.isna(value) else value


def test_bridge_by_client_components(backend):
    t = backend.tables(payments=PAYMENTS, book=BOOK)
    out = backend.execute(revenue_bridge_by_client(t["payments"], t["book"], prev=PREV, cur=CUR))
    out = out.sort_values("client_id")
    rows = [
        (r.client_id, _none(r.manager), r.prev_amount, r.cur_amount, r.change_amount, r.component)
        for r in out.itertuples()
    ]
    assert rows == EXPECTED_CLIENTS
    assert list(out.component_order) == [BRIDGE_COMPONENTS.index(r[5]) for r in EXPECTED_CLIENTS]


def test_bridge_by_component_sums_exactly_to_total_change(backend):
    t = backend.tables(payments=PAYMENTS)
    out = backend.execute(revenue_bridge_by_component(t["payments"], prev=PREV, cur=CUR))
    rows = [
        (r.component, r.component_order, r.clients_count, r.prev_amount, r.cur_amount, r.change_amount)
        for r in out.sort_values("component_order").itertuples()
    ]
    assert rows == [
        ("new", 0, 2, 0.0, 120.0, 120.0),
        ("expansion", 1, 1, 100.0, 150.0, 50.0),
        ("contraction", 2, 2, 200.0, 95.0, -105.0),
        ("churned", 3, 2, 350.0, -20.0, -370.0),
        ("flat", 4, 1, 80.0, 80.0, 0.0),
    ]
    # Company revenue: PREV 730 (p1 p4 p7 p8 p10 p11 p14), CUR 425 (p2 p5 p6 p9 p12 p13 p15).
    assert out.prev_amount.sum() == 730.0 and out.cur_amount.sum() == 425.0
    assert out.change_amount.sum() == 425.0 - 730.0


def test_bridge_by_manager_every_component_and_sums(backend):
    t = backend.tables(payments=PAYMENTS, book=BOOK)
    out = backend.execute(revenue_bridge_by_manager(t["payments"], t["book"], prev=PREV, cur=CUR))
    got = {
        (_none(r.manager), r.component): (r.clients_count, r.prev_amount, r.cur_amount, r.change_amount)
        for r in out.itertuples()
    }
    zero = (0, 0.0, 0.0, 0.0)
    assert got == {
        ("Anna", "new"): (1, 0.0, 90.0, 90.0),
        ("Anna", "expansion"): (1, 100.0, 150.0, 50.0),
        ("Anna", "contraction"): (1, 200.0, 120.0, -80.0),
        ("Anna", "churned"): (1, 50.0, -20.0, -70.0),
        ("Anna", "flat"): zero,
        ("Boris", "new"): zero,
        ("Boris", "expansion"): zero,
        ("Boris", "contraction"): (1, 0.0, -25.0, -25.0),
        ("Boris", "churned"): (1, 300.0, 0.0, -300.0),
        ("Boris", "flat"): (1, 80.0, 80.0, 0.0),
        (None, "new"): (1, 0.0, 30.0, 30.0),
        (None, "expansion"): zero,
        (None, "contraction"): zero,
        (None, "churned"): zero,
        (None, "flat"): zero,
    }
    per_manager = out.groupby(out.manager.fillna("—")).change_amount.sum().to_dict()
    assert per_manager == {"Anna": -10.0, "Boris": -325.0, "—": 30.0}  # 340−350, 55−380, 30−0
    assert sum(per_manager.values()) == 425.0 - 730.0


def test_bridge_by_manager_with_book_from_client_manager(backend):
    """c8 is not in the clients list: its manager comes from interactions (Boris 2 vs Anna 1)."""
    clients = pd.DataFrame({"client_id": BOOK.client_id, "manager": BOOK.manager})
    interactions = pd.DataFrame(
        {
            "occurred_at": pd.to_datetime(["2026-11-24 10:00", "2026-11-25 10:00", "2026-11-26 10:00"]),
            "client_id": ["c8", "c8", "c8"],
            "manager": ["Boris", "Anna", "Boris"],
        }
    )
    t = backend.tables(payments=PAYMENTS, clients=clients, interactions=interactions)
    book = client_manager(t["clients"], t["interactions"], start=PREV.start, end=CUR.end)
    out = backend.execute(revenue_bridge_by_manager(t["payments"], book, prev=PREV, cur=CUR))
    assert sorted(out.manager.unique()) == ["Anna", "Boris"]
    boris_new = out[(out.manager == "Boris") & (out.component == "new")]
    assert boris_new[["clients_count", "change_amount"]].values.tolist() == [[1, 30.0]]
    assert out.groupby("manager").change_amount.sum().to_dict() == {"Anna": -10.0, "Boris": -295.0}


NAMES = pd.DataFrame({"client_id": ["c1", "c2", "c3", "c4", "c5", "c10", "c11"],
                      "client_name": ["Alfa", "Beta", "Gamma", "Delta", "Epsilon", "Kappa", "Lambda"]})


def _levels(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {level: frame[frame.level == level][list(columns)].reset_index(drop=True)
            for level, columns in BRIDGE_LEVEL_COLUMNS.items()}


def test_bridge_levels_are_the_three_bridges_in_one(backend):
    """The company, manager and client levels of one statement: the same rows as the three
    functions, in order — the clients by |change| descending (c4 −300, c3 +90, c2 −80, c11 −70,
    c1 +50, c8 +30, c10 −25, c5 0), with their names (c8 is not listed: no name)."""
    t = backend.tables(payments=PAYMENTS, book=BOOK, names=NAMES)
    out = backend.execute(revenue_bridge_levels(t["payments"], t["book"], t["names"], prev=PREV, cur=CUR))
    assert list(out.level) == ["company"] * 5 + ["manager"] * 15 + ["client"] * 8
    levels = _levels(out)

    clients = levels["client"]
    assert list(clients.client_id) == ["c4", "c3", "c2", "c11", "c1", "c8", "c10", "c5"]
    assert [_none(n) for n in clients.client_name] == [
        "Delta", "Gamma", "Beta", "Lambda", "Alfa", None, "Kappa", "Epsilon"]
    by_id = {r.client_id: (r.client_id, _none(r.manager), r.prev_amount, r.cur_amount, r.change_amount,
                           r.component) for r in clients.itertuples()}
    assert [by_id[row[0]] for row in EXPECTED_CLIENTS] == EXPECTED_CLIENTS

    company = backend.execute(revenue_bridge_by_component(t["payments"], prev=PREV, cur=CUR))
    pd.testing.assert_frame_equal(levels["company"], company, check_dtype=False)
    by_manager = backend.execute(revenue_bridge_by_manager(t["payments"], t["book"], prev=PREV, cur=CUR))
    pd.testing.assert_frame_equal(_nullable(levels["manager"]), _nullable(by_manager), check_dtype=False)
    assert [_none(m) for m in levels["manager"].manager] == ["Anna"] * 5 + ["Boris"] * 5 + [None] * 5
    assert list(levels["company"].change_amount) == [120.0, 50.0, -105.0, -370.0, 0.0]


def test_bridge_rejects_overlapping_windows():
    with pytest.raises(ValueError, match="prev before cur"):
        revenue_bridge_by_component(None, prev=CUR, cur=PREV)


# ------------------------------------------------------------------ NPS fixture
# PREV: c1 10 (P), c2 6 (D), c3 9 (P), c4 8 (passive), c7 0 (D) → NPS 100·(2−2)/5 = 0.
# CUR:  c1 9 (P), c2 9 (P), c4 3 (D), c5 10 (P), c6 9 (P)     → NPS 100·(4−1)/5 = 60.
# r11 is at CUR's exclusive end (ignored).
NPS = pd.DataFrame(
    {
        "response_id": [f"r{i}" for i in range(1, 12)],
        "answered_at": pd.to_datetime(
            [
                "2026-11-16 00:00", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-22 23:59",
                "2026-11-23 00:00", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-29",
                "2026-11-30 00:00",
            ],
            format="ISO8601",
        ),
        "client_id": ["c1", "c2", "c3", "c4", "c7", "c1", "c2", "c4", "c5", "c6", "c1"],
        "score": [10, 6, 9, 8, 0, 9, 9, 3, 10, 9, 0],
    }
)
# c6 has no segment (the null segment, only in CUR); "mid" answered only in PREV.
SEGMENTS = _nullable(
    pd.DataFrame(
        {
            "client_id": ["c1", "c2", "c3", "c4", "c5", "c6", "c7"],
            "segment": ["big", "big", "small", "small", "small", N, "mid"],
        }
    )
)


def test_nps_change_by_segment_terms(backend):
    t = backend.tables(nps=NPS, segments=SEGMENTS)
    out = backend.execute(nps_change_by_segment(t["nps"], t["segments"], prev=PREV, cur=CUR))
    got = {
        _none(r.segment): (r.prev_responses_count, r.cur_responses_count, r.score_effect, r.mix_effect)
        for r in out.itertuples()
    }
    # big: w .4→.4, nps 0→100: score .4·100 = 40, mix 0.  small: w .4→.4, 50→0: score −20.
    # mid (PREV only): mix (0−.2)·(−100) = 20.  null (CUR only, nps 100): mix .2·100 = 20.
    expected = {
        "big": (2, 2, 40.0, 0.0),
        "small": (2, 2, -20.0, 0.0),
        "mid": (1, 0, 0.0, 20.0),
        None: (0, 1, 0.0, 20.0),
    }
    assert set(got) == set(expected)
    for key, (prev_n, cur_n, score, mix) in expected.items():
        assert got[key][:2] == (prev_n, cur_n), key
        assert got[key][2:] == pytest.approx((score, mix), abs=1e-9), key


@pytest.mark.parametrize(
    ("by_segment", "score", "mix"),
    [
        (True, 20.0, 40.0),  # from the per-segment terms above
        # per client: c2 −100→100: .2·200 = 40; c4 0→−100: −20; c3 (PREV only, 100): −20;
        # c7 (PREV only, −100): +20; c5, c6 (CUR only, 100 each): +20 +20.
        (False, 20.0, 40.0),
    ],
)
def test_nps_change_split_sums_to_change(backend, by_segment, score, mix):
    t = backend.tables(nps=NPS, segments=SEGMENTS)
    segments = t["segments"] if by_segment else None
    row = backend.execute(nps_change_split(t["nps"], segments, prev=PREV, cur=CUR)).iloc[0]
    assert (row.prev_responses_count, row.cur_responses_count) == (5, 5)
    assert (row.prev_nps, row.cur_nps) == pytest.approx((0.0, 60.0), abs=1e-9)
    assert row.nps_change == pytest.approx(60.0, abs=1e-9)
    assert (row.score_effect, row.mix_effect) == pytest.approx((score, mix), abs=1e-9)
    assert row.score_effect + row.mix_effect == pytest.approx(row.nps_change, abs=1e-9)


def test_nps_change_split_client_terms_differ_from_segment_terms(backend):
    """Per client, c2's jump is pure score and c3 leaving is mix (unlike per segment)."""
    t = backend.tables(nps=NPS)
    out = backend.execute(nps_change_by_segment(t["nps"], prev=PREV, cur=CUR)).set_index("segment")
    assert sorted(out.index) == ["c1", "c2", "c3", "c4", "c5", "c6", "c7"]
    assert out.loc["c2", "score_effect"] == pytest.approx(40.0, abs=1e-9)
    assert out.loc["c3", "mix_effect"] == pytest.approx(-20.0, abs=1e-9)
    assert out.loc["c4", "score_effect"] == pytest.approx(-20.0, abs=1e-9)
    assert out.loc["c1", ["score_effect", "mix_effect"]].tolist() == pytest.approx([0.0, 0.0], abs=1e-9)


def test_nps_change_split_null_without_responses_in_a_window(backend):
    t = backend.tables(nps=NPS[NPS.answered_at < pd.Timestamp("2026-11-23")])
    row = backend.execute(nps_change_split(t["nps"], prev=PREV, cur=CUR)).iloc[0]
    assert (row.prev_responses_count, row.cur_responses_count) == (5, 0)
    assert row.prev_nps == pytest.approx(0.0, abs=1e-9)
    assert [_none(row.cur_nps), _none(row.nps_change), _none(row.score_effect), _none(row.mix_effect)] == [
        None, None, None, None,
    ]


# ------------------------------------------------------------------ properties vs oracle
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
P_WIN = Window(dt.date(2024, 1, 1), dt.date(2024, 1, 8))
C_WIN = Window(dt.date(2024, 1, 15), dt.date(2024, 1, 22))  # a gap week in between
CLIENT_IDS = ["a", "b", "c", "d", "e"]
# Days 0..24 from P_WIN's start: before, inside, between and after the windows.
moments = st.integers(-2, 24).map(lambda d: dt.datetime(2024, 1, 1) + dt.timedelta(days=d, hours=6))
payment_rows = st.lists(
    st.tuples(
        st.sampled_from(CLIENT_IDS), moments, st.sampled_from([-40.0, -10.0, 10.0, 25.0, 40.0, 250.5])
    ),
    max_size=14,
)
book_rows = st.dictionaries(st.sampled_from(CLIENT_IDS), st.sampled_from(["Anna", "Boris"]))


def _oracle_bridge(rows, book):
    prev, cur = defaultdict(float), defaultdict(float)
    for client, at, amount in rows:
        if P_WIN.start <= at.date() < P_WIN.end:
            prev[client] += amount
        elif C_WIN.start <= at.date() < C_WIN.end:
            cur[client] += amount
    out = {}
    for client in set(prev) | set(cur):
        p, c = prev[client], cur[client]
        if p == 0 and c == 0:
            continue
        if p == c:
            component = "flat"
        elif p <= 0 < c:
            component = "new"
        elif c <= 0 < p:
            component = "churned"
        else:
            component = "expansion" if c > p else "contraction"
        out[client] = (book.get(client), p, c, c - p, component)
    return out


@SETTINGS
@given(rows=payment_rows, book=book_rows)
def test_property_bridge_matches_oracle_and_sums(duck, rows, book):
    payments = pd.DataFrame.from_records(rows, columns=["client_id", "paid_at", "amount"]).astype(
        {"client_id": "str", "paid_at": "datetime64[us]", "amount": "float64"}
    )
    book_frame = pd.DataFrame({"client_id": list(book), "manager": list(book.values())}, dtype="str")
    t = duck.tables(payments=payments, book=book_frame)
    expected = _oracle_bridge(rows, book)

    clients = duck.execute(revenue_bridge_by_client(t["payments"], t["book"], prev=P_WIN, cur=C_WIN))
    got = {
        r.client_id: (_none(r.manager), r.prev_amount, r.cur_amount, r.change_amount, r.component)
        for r in clients.itertuples()
    }
    assert got == expected

    # Amounts are multiples of 0.5, so every float sum here is exact.
    total_change = sum(v[2] for v in expected.values()) - sum(v[1] for v in expected.values())
    company = duck.execute(revenue_bridge_by_component(t["payments"], prev=P_WIN, cur=C_WIN))
    assert sorted(company.component) == sorted(BRIDGE_COMPONENTS)
    assert company.change_amount.sum() == total_change
    assert company.clients_count.sum() == len(expected)

    by_manager = duck.execute(revenue_bridge_by_manager(t["payments"], t["book"], prev=P_WIN, cur=C_WIN))
    assert len(by_manager) == 5 * len({v[0] for v in expected.values()})
    assert by_manager.change_amount.sum() == total_change
    for (manager, component), part in by_manager.groupby(
        [by_manager.manager.fillna("—"), "component"]
    ):
        want = [v[3] for v in expected.values() if (v[0] or "—") == manager and v[4] == component]
        assert part.change_amount.sum() == sum(want), (manager, component)

    names = pd.DataFrame({"client_id": CLIENT_IDS, "client_name": [c.upper() for c in CLIENT_IDS]})
    levels = _levels(duck.execute(revenue_bridge_levels(t["payments"], t["book"], duck.table(names),
                                                        prev=P_WIN, cur=C_WIN)))
    pd.testing.assert_frame_equal(levels["company"], company, check_dtype=False)
    pd.testing.assert_frame_equal(_nullable(levels["manager"]), _nullable(by_manager), check_dtype=False)
    got = {r.client_id: (_none(r.manager), r.prev_amount, r.cur_amount, r.change_amount, r.component)
           for r in levels["client"].itertuples()}
    assert got == expected
    assert list(levels["client"].client_name) == [c.upper() for c in levels["client"].client_id]
    order = [(-abs(v[3]), c) for c, v in expected.items()]
    assert list(levels["client"].client_id) == [c for _, c in sorted(order)]


nps_rows = st.lists(
    st.tuples(st.sampled_from(CLIENT_IDS), moments, st.integers(0, 10)), max_size=14
)
segment_rows = st.dictionaries(st.sampled_from(CLIENT_IDS), st.sampled_from(["big", "small"]))


def _oracle_nps_split(rows, segment_of):
    """Fractions: prev/cur NPS, and the score and mix effects by the documented formula."""
    counts = defaultdict(lambda: [0, 0, 0, 0])  # prev n, prev net, cur n, cur net
    for client, at, score in rows:
        net = 1 if score >= 9 else (-1 if score <= 6 else 0)
        seg = segment_of(client)
        if P_WIN.start <= at.date() < P_WIN.end:
            counts[seg][0] += 1
            counts[seg][1] += net
        elif C_WIN.start <= at.date() < C_WIN.end:
            counts[seg][2] += 1
            counts[seg][3] += net
    n_prev = sum(c[0] for c in counts.values())
    n_cur = sum(c[2] for c in counts.values())
    if not (n_prev and n_cur):
        return None
    score_effect = mix_effect = Fraction(0)
    for pn, pnet, cn, cnet in counts.values():
        nps_p = Fraction(100 * pnet, pn) if pn else None
        nps_c = Fraction(100 * cnet, cn) if cn else None
        ref = nps_p if pn else nps_c
        w_p, w_c = Fraction(pn, n_prev), Fraction(cn, n_cur)
        if cn:
            score_effect += w_c * (nps_c - ref)
        mix_effect += (w_c - w_p) * ref
    prev_nps = Fraction(100 * sum(c[1] for c in counts.values()), n_prev)
    cur_nps = Fraction(100 * sum(c[3] for c in counts.values()), n_cur)
    assert score_effect + mix_effect == cur_nps - prev_nps  # the identity, in exact arithmetic
    return prev_nps, cur_nps, score_effect, mix_effect


@SETTINGS
@given(rows=nps_rows, segments=segment_rows, by_client=st.booleans())
def test_property_nps_split_matches_oracle(duck, rows, segments, by_client):
    responses = pd.DataFrame.from_records(rows, columns=["client_id", "answered_at", "score"]).astype(
        {"client_id": "str", "answered_at": "datetime64[us]", "score": "int64"}
    )
    seg_frame = pd.DataFrame(
        {"client_id": list(segments), "segment": list(segments.values())}, dtype="str"
    )
    t = duck.tables(nps=responses, segments=seg_frame)
    expected = _oracle_nps_split(rows, (lambda c: c) if by_client else segments.get)
    row = duck.execute(
        nps_change_split(t["nps"], None if by_client else t["segments"], prev=P_WIN, cur=C_WIN)
    ).iloc[0]
    if expected is None:
        assert pd.isna(row.score_effect) and pd.isna(row.mix_effect) and pd.isna(row.nps_change)
        return
    prev_nps, cur_nps, score, mix = (float(x) for x in expected)
    got = (row.prev_nps, row.cur_nps, row.score_effect, row.mix_effect)
    assert got == pytest.approx((prev_nps, cur_nps, score, mix), abs=1e-9)
    assert row.score_effect + row.mix_effect == pytest.approx(row.nps_change, abs=1e-9)
    assert -200.0 <= row.nps_change <= 200.0


# ------------------------------------------------------------------ the week's KPIs
# Week [23 Nov, 30 Nov). n1: first payment in the week (new). n2: first payment before, pays again
# (not new). n3: a refund only in the week (no positive payment: not new). g1: last payment on
# 24 Aug → inferred churn 22 Nov (the day before: not this week). g2: last payment 25 Aug → churns
# 23 Nov (this week). g3: recorded churned_at 29 Nov (this week). g4: recorded 30 Nov (next week).
FLOW_PAYMENTS = pd.DataFrame({
    "payment_id": [f"f{i}" for i in range(1, 9)],
    "paid_at": pd.to_datetime(["2026-11-24", "2026-10-01", "2026-11-25", "2026-11-26", "2026-08-24",
                               "2026-08-25", "2026-11-02", "2026-11-03"]),
    "client_id": ["n1", "n2", "n2", "n3", "g1", "g2", "g3", "g4"],
    "amount": [100.0, 50.0, 60.0, -10.0, 5.0, 5.0, 5.0, 5.0],
})
FLOW_CLIENTS = pd.DataFrame({
    "client_id": ["n1", "n2", "n3", "g1", "g2", "g3", "g4"],
    "churned_at": pd.to_datetime([None, None, None, None, None, "2026-11-29 10:00", "2026-11-30"], format="ISO8601"),
})


def test_client_flow_counts_new_and_lost_clients_of_the_week(backend):
    from metrics.meeting import client_flow

    payments = backend.table(_nullable(FLOW_PAYMENTS))
    clients = backend.table(_nullable(FLOW_CLIENTS))
    row = backend.execute(client_flow(payments, clients, start=CUR.start, end=CUR.end)).iloc[0]
    assert (int(row.new_clients_count), int(row.churned_clients_count)) == (1, 2)  # n1; g2 and g3


def test_week_comparison_by_hand():
    from metrics.meeting import week_comparison

    rows = week_comparison({"revenue_amount": 120.0, "nps": 40.0, "complaints_count": 3},
                           {"revenue_amount": 100.0, "nps": None, "complaints_count": 5},
                           [{"revenue_amount": 100.0, "nps": 30.0}, {"revenue_amount": 80.0, "nps": 50.0},
                            {"revenue_amount": 60.0}, {"revenue_amount": 40.0, "complaints_count": 2}],
                           names=("revenue_amount", "nps", "complaints_count", "margin_amount"))
    assert rows == [
        {"name": "revenue_amount", "value": 120.0, "last_week": 100.0, "change": 20.0, "avg_4w": 70.0,
         "change_vs_avg": 50.0},
        {"name": "nps", "value": 40.0, "last_week": None, "change": None, "avg_4w": 40.0, "change_vs_avg": 0.0},
        {"name": "complaints_count", "value": 3, "last_week": 5, "change": -2, "avg_4w": 2.0, "change_vs_avg": 1.0},
        {"name": "margin_amount", "value": None, "last_week": None, "change": None, "avg_4w": None,
         "change_vs_avg": None},
    ]
