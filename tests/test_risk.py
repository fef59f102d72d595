"""At-risk clients: the four flags, exclusions, ordering, weights and reasons."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.risk import RiskSettings, at_risk_clients, risk_reasons

N = None


def _nullable(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing values as None, so PySpark loads them as NULL (not NaN / "NaN")."""
    return frame.astype(object).where(frame.notna(), None)


AS_OF = dt.date(2024, 4, 1)  # last full month March, the one before February

CLIENTS = _nullable(
    pd.DataFrame(
        {
            "client_id": ["r1", "r2", "r3", "r4", "r5", "r6", "r7"],
            "client_name": ["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta"],
            "manager": ["Anna", "Boris", "Anna", "Boris", "Anna", N, "Boris"],
            "signed_at": pd.to_datetime(["2023-01-01"] * 6 + ["2022-01-01"]),
            "churned_at": pd.to_datetime([N, N, N, N, "2024-03-15", N, N]),
        }
    )
)
PAYMENTS = _nullable(
    pd.DataFrame(
        {
            "paid_at": pd.to_datetime(
                [
                    "2024-02-10", "2024-03-10", "2023-06-01",  # r1: 1000 → 600 (−40 %)
                    "2024-02-11", "2024-03-11",  # r2: 500 → 350 (−30 %, on the threshold)
                    "2024-02-12", "2024-03-12",  # r3: 200 → 190 (−5 %)
                    "2024-02-13", "2024-03-13",  # r4: steady
                    "2024-02-14",  # r5 (churned)
                    "2023-05-10",  # r6: one old payment
                    "2023-03-31",  # r7: last paid 1 year + 1 day ago, never contacted
                ]
            ),
            "client_id": ["r1", "r1", "r1", "r2", "r2", "r3", "r3", "r4", "r4", "r5", "r6", "r7"],
            "amount": [1000.0, 600.0, 500.0, 500.0, 350.0, 200.0, 190.0, 300.0, 300.0, 80.0, 100.0, 900.0],
        }
    )
)
INTERACTIONS = _nullable(
    pd.DataFrame(
        {
            "occurred_at": pd.to_datetime(
                [
                    "2024-03-25 00:00", "2024-02-20 00:00", "2024-03-11 00:00", "2024-03-20 00:00",
                    "2024-03-30 00:00",
                    "2024-04-01 10:00", "2024-03-28 00:00",
                ]
            ),
            "client_id": ["r1", "r2", "r3", "r3", "r3", "r3", "r4"],
            "manager": ["Anna", "Boris", "Anna", "Anna", "Anna", "Anna", "Boris"],
            "kind": ["request", "request", "complaint", "complaint", "request", "complaint", "request"],
            "is_resolved": [True, True, False, True, True, False, True],
        }
    )
)
NPS = _nullable(
    pd.DataFrame(
        {
            "answered_at": pd.to_datetime(["2024-03-01", "2024-01-10", "2024-03-10", "2024-03-05"]),
            "client_id": ["r1", "r2", "r2", "r4"],
            "score": [9, 9, 4, 10],
        }
    )
)


def _at_risk(backend, settings=RiskSettings(), clients=CLIENTS, clients_unique=False):
    t = backend.tables(payments=PAYMENTS, clients=clients, interactions=INTERACTIONS, nps=NPS)
    expr = at_risk_clients(
        t["payments"], t["clients"], t["interactions"], t["nps"],
        as_of=AS_OF, grain="month", settings=settings, clients_unique=clients_unique,
    )
    return backend.execute(expr)


@pytest.mark.parametrize("clients_unique", [False, True])  # CLIENTS has one row per client
def test_at_risk_clients_flags_and_order(backend, clients_unique):
    out = _at_risk(backend, clients_unique=clients_unique)
    # r4 healthy, r5 churned 15 March → absent; r7 paid nothing in the trailing 12 months:
    # nothing left at stake (it is lost, not at risk) → absent; sorted by trailing-12-month revenue:
    # r1 1000 + 600 + 500 = 2100, r2 850, r3 390, r6 100 (May 2023 is within 12 months)
    assert list(out.client_id) == ["r1", "r2", "r3", "r6"]
    assert list(out.revenue_at_risk_amount) == [2100.0, 850.0, 390.0, 100.0]
    rows = out.set_index("client_id")
    flags = ["is_no_contact", "is_revenue_drop", "is_detractor", "is_open_complaint"]
    got = {c: [bool(v) for v in rows.loc[c, flags]] for c in rows.index}
    assert got == {
        "r1": [False, True, False, False],  # 600/1000 − 1 = −0.4; contact 7 days ago; NPS 9
        "r2": [True, True, True, False],  # 41 days (20 Feb → 1 Apr), −0.3 on the threshold, NPS 4
        "r3": [False, False, False, True],  # complaint of 11 March open; 1 April's is not yet
        "r6": [True, False, False, False],  # never contacted; no revenue in Feb → no change rate
    }
    assert list(out.risk_score) == [1.0, 3.0, 1.0, 1.0]
    assert rows.loc["r2", "days_since_contact"] == 41
    assert rows.loc["r1", "revenue_change_rate"] == pytest.approx(-0.4)
    assert rows.loc["r2", "last_nps_score"] == 4
    assert (rows.loc["r3", "open_complaints_count"], rows.loc["r3", "oldest_open_complaint_days"]) == (1, 21)
    assert (rows.loc["r1", "client_name"], rows.loc["r1", "manager"]) == ("Alpha", "Anna")
    assert pd.isna(rows.loc["r6", "days_since_contact"]) and pd.isna(rows.loc["r6", "manager"])


@pytest.mark.parametrize("clients_unique", [False, True])
def test_at_risk_manager_is_the_listed_one_else_the_busiest_in_the_trailing_months(backend, clients_unique):
    """r6 (no listed manager) was called by Boris in January: his client at risk (77 days of
    silence: still no contact); r1 (listed Anna) was called twice by Boris: still Anna's."""
    extra = _nullable(pd.DataFrame({
        "occurred_at": pd.to_datetime(["2024-01-15", "2024-01-20", "2024-01-21"]),
        "client_id": ["r6", "r1", "r1"], "manager": ["Boris"] * 3, "kind": ["request"] * 3,
        "is_resolved": [True] * 3,
    }))
    t = backend.tables(payments=PAYMENTS, clients=CLIENTS, interactions=pd.concat([INTERACTIONS, extra]), nps=NPS)
    out = backend.execute(at_risk_clients(t["payments"], t["clients"], t["interactions"], t["nps"], as_of=AS_OF,
                                          grain="month", clients_unique=clients_unique)).set_index("client_id")
    assert out.manager.to_dict() == {"r1": "Anna", "r2": "Boris", "r3": "Anna", "r6": "Boris"}
    assert out.loc["r6", "days_since_contact"] == 77 and bool(out.loc["r6", "is_no_contact"])


def test_at_risk_clients_collapses_a_client_listed_twice(duck):
    # r1 listed again without a manager, renamed "Aaa", churned 1 March, signed 2024-02-01:
    # collapsed, its latest churn date (1 March, before as-of) drops r1; the others as above
    extra = pd.DataFrame({"client_id": ["r1"], "client_name": ["Aaa"], "manager": [N],
                          "signed_at": pd.to_datetime(["2024-02-01"]), "churned_at": pd.to_datetime(["2024-03-01"])})
    twice = _nullable(pd.concat([CLIENTS, extra], ignore_index=True))
    assert list(_at_risk(duck, clients=twice).client_id) == ["r2", "r3", "r6"]


def test_at_risk_clients_custom_thresholds_and_weights(backend):
    settings = RiskSettings(
        no_contact_days=45,
        revenue_drop=0.35,
        weights={"no_contact": 1.0, "revenue_drop": 1.0, "detractor": 2.0, "open_complaint": 0.5},
    )
    assert settings.weight("detractor") == 2.0 and hash(settings)  # a mapping becomes hashable pairs
    rows = _at_risk(backend, settings).set_index("client_id")
    # r2: 41 < 45 days and −0.30 > −0.35 → only the detractor flag, weight 2
    # r1: −0.40 ≤ −0.35 → 1; r3: open complaint → 0.5; r6 never contacted → 1
    assert rows.risk_score.to_dict() == {"r1": 1.0, "r2": 2.0, "r3": 0.5, "r6": 1.0}


def test_revenue_change_counts_a_missing_period_as_zero_and_needs_a_positive_earlier_one(backend):
    """Three clients never contacted (the interactions and answers are the r clients'), so each
    is flagged and listed: q1 paid 400 in February and nothing in March (−100 %), q2 refunded 50
    in February and paid 100 in March (earlier period ≤ 0: no rate), q3 paid only in March (no
    earlier period: no rate)."""
    clients = _nullable(pd.DataFrame({"client_id": ["q1", "q2", "q3"], "client_name": ["Q1", "Q2", "Q3"],
                                      "manager": ["Anna"] * 3, "signed_at": pd.to_datetime(["2023-01-01"] * 3),
                                      "churned_at": pd.to_datetime([N, N, "2024-06-01"])}))  # later: not yet
    payments = _nullable(pd.DataFrame({
        "paid_at": pd.to_datetime(["2024-02-05", "2024-02-06", "2024-03-06", "2024-03-07"]),
        "client_id": ["q1", "q2", "q2", "q3"], "amount": [400.0, -50.0, 100.0, 100.0]}))
    t = backend.tables(payments=payments, clients=clients, interactions=INTERACTIONS, nps=NPS)  # none of theirs
    out = backend.execute(at_risk_clients(t["payments"], t["clients"], t["interactions"], t["nps"],
                                          as_of=AS_OF, grain="month"))
    assert list(out.client_id) == ["q1", "q3", "q2"]  # by revenue at stake: 400, 100, 100 − 50
    assert list(out.revenue_at_risk_amount) == [400.0, 100.0, 50.0]
    assert out.revenue_change_rate.iloc[0] == -1.0 and out.revenue_change_rate.iloc[1:].isna().all()
    assert [bool(v) for v in out.is_revenue_drop] == [True, False, False]


def test_risk_reasons_keys_and_params(duck):
    rows = _at_risk(duck).set_index("client_id", drop=False)
    reasons = {c: risk_reasons(rows.loc[c].to_dict()) for c in rows.index}
    assert reasons["r2"] == [
        ("risk.reason.no_contact", {"days": 41}),
        ("risk.reason.revenue_drop", {"percent": 30}),
        ("risk.reason.detractor", {"score": 4}),
    ]
    assert reasons["r3"] == [("risk.reason.open_complaint", {"count": 1, "days": 21})]
    assert reasons["r6"] == [("risk.reason.never_contacted", {})]


_COMPLAINT_TIMES = pd.to_datetime(["2024-03-01 09:00", "2024-03-31 23:59", "2024-04-01 00:00", "2024-04-01 10:00",
                                   "2024-04-15 12:00"])


@settings(max_examples=30, deadline=None)
@given(contacts=st.lists(st.tuples(st.sampled_from(["r1", "r2", "r3", "r4", "r6", "r9"]),
                                   st.sampled_from(list(range(len(_COMPLAINT_TIMES)))),
                                   st.sampled_from(["complaint", "request"]),
                                   st.sampled_from([True, False, None])), min_size=1, max_size=12),
       as_of=st.sampled_from([dt.date(2024, 3, 31), AS_OF, dt.date(2024, 4, 2), dt.date(2024, 5, 1)]))
def test_open_complaints_from_the_derived_table_give_the_same_list(contacts, as_of):
    """Imported through the warehouse (so open_complaints_daily is kept): the at-risk list with
    the derived complaints equals the list from the raw rows — complaints at, before and after
    as-of's midnight, resolved, unresolved and unknown, of listed and unknown clients."""
    import ibis

    from warehouse import connection, ingest

    con = connection.connect(":memory:")
    for table, frame in (("clients", CLIENTS), ("payments", PAYMENTS), ("nps_responses", NPS)):
        ingest.import_frame(con, table, frame, file_name=f"{table}.csv")  # frames already _nullable
    ingest.import_frame(con, "interactions", pd.DataFrame({
        "interaction_id": [f"I{i}" for i in range(len(contacts))],
        "occurred_at": [_COMPLAINT_TIMES[when] for _, when, _, _ in contacts],
        "client_id": [c for c, *_ in contacts], "manager": ["Anna"] * len(contacts),
        "kind": [kind for *_, kind, _ in contacts], "is_resolved": [r for *_, r in contacts]}),
        file_name="contacts.csv")
    backend = ibis.duckdb.from_connection(con)
    t = {n: backend.table(n) for n in ("payments", "clients", "interactions", "nps_responses")}
    args = (t["payments"], t["clients"], t["interactions"], t["nps_responses"])
    plain = backend.execute(at_risk_clients(*args, as_of=as_of, grain="month", clients_unique=True))
    fast = backend.execute(at_risk_clients(*args, as_of=as_of, grain="month", clients_unique=True,
                                           open_complaints=backend.table("open_complaints_daily")))
    pd.testing.assert_frame_equal(fast, plain)
    open_before = {c for c, when, kind, resolved in contacts
                   if kind == "complaint" and resolved is False and _COMPLAINT_TIMES[when] < pd.Timestamp(as_of)}
    assert set(fast.loc[fast.is_open_complaint, "client_id"]) == open_before & set(fast.client_id)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_reasons_text_of_the_at_risk_list_equals_risk_reasons_row_by_row(lang):
    import numpy as np

    import app_state
    import i18n

    frame = pd.DataFrame({
        "is_no_contact": [True, True, False, False],
        "days_since_contact": [45.0, np.nan, 3.0, 12.0],
        "is_revenue_drop": [False, True, True, False],
        "revenue_change_rate": [0.1, -0.425, -1.0, np.nan],
        "is_detractor": [False, True, False, False],
        "last_nps_score": [9.0, 2.0, np.nan, np.nan],
        "is_open_complaint": [True, False, False, False],
        "open_complaints_count": [2, 0, 0, 0],
        "oldest_open_complaint_days": [31.0, np.nan, np.nan, np.nan],
    })
    # repeated rows are worded once: a copy of row 0, and row 0 with one more open complaint
    again = frame.iloc[[0, 0, 1]].reset_index(drop=True)
    again.loc[1, "open_complaints_count"] = 3
    frame = pd.concat([frame, again], ignore_index=True)
    expected = ["; ".join(i18n.t(key, lang, **params) for key, params in risk_reasons(row))
                for row in frame.to_dict("records")]
    assert list(app_state._reasons_text(frame, lang)) == expected
    assert expected[4] == expected[0] != expected[5]
    assert expected[3] == "" and expected[1].count("; ") == 2  # no reason / three reasons


_NAN = float("nan")


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(
    st.booleans(), st.sampled_from([_NAN, 0.0, 30.0, 30.5, 45.0, 400.0]),
    st.booleans(), st.sampled_from([_NAN, -1.0, -0.425, -0.415, -0.4, -0.125, -0.12500001, -0.3549999, 0.2]),
    st.booleans(), st.sampled_from([_NAN, 0.0, 2.0, 6.0]),
    st.booleans(), st.sampled_from([0, 1, 3]), st.sampled_from([_NAN, 0.0, 21.0, 31.0]),
), min_size=1, max_size=40), lang=st.sampled_from(["en", "ru"]))
def test_reasons_text_equals_risk_reasons_on_random_rows(rows, lang):
    """Rows worded alike share a key (flags, shown values, whole percent): any rows, any order,
    give what wording each row by itself gives — also for rates at a half percent."""
    import app_state
    import i18n

    frame = pd.DataFrame.from_records(rows, columns=[
        "is_no_contact", "days_since_contact", "is_revenue_drop", "revenue_change_rate", "is_detractor",
        "last_nps_score", "is_open_complaint", "open_complaints_count", "oldest_open_complaint_days"])
    # a reason's own value is present when its flag is set (as the at-risk query makes them)
    frame.loc[frame.is_revenue_drop & frame.revenue_change_rate.isna(), "revenue_change_rate"] = -0.5
    frame.loc[frame.is_detractor & frame.last_nps_score.isna(), "last_nps_score"] = 3.0
    frame.loc[frame.is_open_complaint & frame.oldest_open_complaint_days.isna(), "oldest_open_complaint_days"] = 5.0
    # each row again with its rate a hair lower: −0.125 (12.5 → 12 %) next to −0.1250000001 (13 %)
    nudged = frame.assign(revenue_change_rate=frame.revenue_change_rate * (1 + 1e-9))
    frame = pd.concat([frame, nudged], ignore_index=True)
    expected = ["; ".join(i18n.t(key, lang, **params) for key, params in risk_reasons(row))
                for row in frame.to_dict("records")]
    assert list(app_state._reasons_text(frame, lang)) == expected
