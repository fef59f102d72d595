"""The Managers scorecard (one per-client payments pass, book manager joined only where a row
has no manager of its own) against a naive pandas recomputation of design §4, on random data
with unlisted and unknown clients, rows without a manager, missing costs and refunds."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics._time import comparison_windows
from metrics.managers import SCORECARD_COLUMNS, client_manager, growth_index_by_manager, scorecard_by_manager

PEOPLE = ["Anna", "Boris", "Vera"]
CLIENTS = [f"c{i}" for i in range(1, 13)]  # enough for tiers of several clients
FIRST_DAY = dt.datetime(2023, 12, 1)
# (start, end, grain): a month window with month comparison, a two-month window, a week
WINDOWS = [
    (dt.date(2024, 2, 1), dt.date(2024, 3, 1), "month"),
    (dt.date(2024, 1, 1), dt.date(2024, 3, 1), "month"),
    (dt.date(2024, 2, 12), dt.date(2024, 2, 19), "week"),
]


def _in(ts: pd.Series, start: dt.date, end: dt.date) -> pd.Series:
    return (ts >= pd.Timestamp(start)) & (ts < pd.Timestamp(end))


def _median(values: pd.Series):
    return float(values.median()) if len(values) else None


# ------------------------------------------------------------------ the oracle

def book_oracle(clients: pd.DataFrame, interactions: pd.DataFrame, start, end) -> dict:
    """client → manager: the listed one (alphabetically last of several), else the manager with
    most contacts in [start, end), ties alphabetical."""
    book = {}
    for client, rows in clients.groupby("client_id"):
        named = rows.manager.dropna()
        if len(named):
            book[client] = max(named)
    seen = interactions[_in(interactions.occurred_at, start, end) & interactions.manager.notna()]
    for client, rows in seen.groupby("client_id"):
        if client not in book:
            counts = rows.manager.value_counts()
            book[client] = sorted(counts.index, key=lambda m: (-counts[m], m))[0]
    return book


def scorecard_oracle(payments, clients, managers, interactions, nps, *, start, end, grain) -> pd.DataFrame:
    book = book_oracle(clients, interactions, start, end)
    base, current = comparison_windows(end, grain, 1)
    roster = sorted(set(managers.manager) | set(book.values()))
    pay = payments.assign(owner=payments.client_id.map(book))
    window_pay = pay[_in(pay.paid_at, start, end)]

    # growth tiers over every client with a payment in base ∪ current
    compared = pay[_in(pay.paid_at, base.start, current.end)]
    rev = pd.DataFrame({
        "base": compared.amount.where(_in(compared.paid_at, base.start, base.end), 0.0),
        "current": compared.amount.where(_in(compared.paid_at, current.start, current.end), 0.0),
        "client_id": compared.client_id,
    }).groupby("client_id").sum()
    based = rev[rev.base > 0]
    rank = based.base.rank(method="min") - 1
    tier = (rank * 5 // len(based) + 1) if len(based) else rank
    tier_nrr = based.current.groupby(tier).sum() / based.base.groupby(tier).sum()
    rev["expected"] = [rev.base[c] * tier_nrr[tier[c]] if c in tier.index else 0.0 for c in rev.index]
    rev["owner"] = rev.index.map(book)

    seen = interactions[_in(interactions.occurred_at, start, end)]
    seen = seen.assign(who=seen.manager.where(seen.manager.notna(), seen.client_id.map(book)))
    answers = nps[_in(nps.answered_at, start, end)]
    answers = answers.assign(who=answers.manager.where(answers.manager.notna(), answers.client_id.map(book)))

    rows = []
    for m in roster:
        mine = window_pay[window_pay.owner == m]
        margins = [None if g.cost_amount.isna().any() else float((g.amount - g.cost_amount).sum())
                   for _, g in mine.groupby("client_id")]
        known = [x for x in margins if x is not None]
        margin = sum(known) if known else None
        own = seen[seen.manager == m]  # hours: the manager's own interactions only
        weekly = managers.loc[managers.manager == m, "weekly_hours"].dropna()
        if own.duration_min.notna().any():
            hours, estimated = own.duration_min.sum() / 60.0, False
        elif len(weekly):
            hours, estimated = weekly.max() * (end - start).days / 7.0, True
        else:  # no hours; "not estimated" only for the managers hours_by_manager knows
            known_here = len(own) or (managers.manager == m).any()
            hours, estimated = None, (False if known_here else None)
        scores = answers[answers.who == m].score
        nps_value = 100.0 * ((scores >= 9).sum() - (scores <= 6).sum()) / len(scores) if len(scores) else None
        mine_seen = seen[seen.who == m]
        missed = mine_seen.is_missed.fillna(False).astype(bool)
        answered = mine_seen.first_response_min.notna() & ~missed
        inbound = (mine_seen.channel == "call") & (mine_seen.direction == "inbound")
        book_rev = rev[rev.owner == m]
        in_base = book_rev[book_rev.base > 0]
        expected = book_rev.expected.sum()
        rows.append({
            "manager": m,
            "team": managers.loc[managers.manager == m, "team"].max() if (managers.manager == m).any() else None,
            "clients_count": mine[mine.amount > 0].client_id.nunique(),
            "revenue_amount": float(mine.amount.sum()),
            "margin_amount": margin,
            "hours": hours,
            "is_hours_estimated": estimated,
            "margin_per_hour": margin / hours if margin is not None and hours else None,
            "nps": nps_value,
            "nps_responses": len(scores),
            "retention_rate": (in_base.current > 0).sum() / len(in_base) if len(in_base) else None,
            "nrr": in_base.current.sum() / in_base.base.sum() if len(in_base) else None,
            "growth_index": book_rev.current.sum() / expected if len(book_rev) and expected else None,
            "first_response_median_min": _median(mine_seen.first_response_min[answered]),
            "missed_call_rate": (inbound & missed).sum() / inbound.sum() if inbound.sum() else None,
            "complaints_per_100": 100.0 * (mine_seen.kind == "complaint").sum() / len(mine_seen)
            if len(mine_seen) else None,
        })
    out = pd.DataFrame(rows)
    known = out[out.nps.notna() & out.margin_per_hour.notna()]
    if len(known):
        nps_mid, mph_mid = known.nps.median(), known.margin_per_hour.median()
        kinds = {(True, True): "ideal", (True, False): "obsequious", (False, True): "squeezer",
                 (False, False): "indifferent"}
        out["manager_type"] = [
            kinds[(n >= nps_mid, h >= mph_mid)] if pd.notna(n) and pd.notna(h) else None
            for n, h in zip(out.nps, out.margin_per_hour)
        ]
    else:
        out["manager_type"] = None
    return out


def _same(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(actual.columns) == list(SCORECARD_COLUMNS)
    assert list(actual.manager) == list(expected.manager)
    for column in SCORECARD_COLUMNS:
        for m, a, e in zip(actual.manager, actual[column], expected[column]):
            a_missing = a is None or (isinstance(a, float) and math.isnan(a))
            e_missing = e is None or (isinstance(e, float) and math.isnan(e))
            assert a_missing == e_missing, (m, column, a, e)
            if a_missing:
                continue
            if isinstance(e, (float, int)) and not isinstance(e, bool):
                assert a == pytest.approx(e, rel=1e-9, abs=1e-9), (m, column, a, e)
            else:
                assert a == e, (m, column, a, e)


# ------------------------------------------------------------------ random data

_when = st.integers(0, 110).flatmap(
    lambda day: st.integers(0, 23).map(lambda hour: FIRST_DAY + dt.timedelta(days=day, hours=hour)))
_someone = st.sampled_from([*PEOPLE, None])
_client = st.sampled_from([*CLIENTS, "c9"])  # c9: not in the clients table
_half = st.integers(-20, 400).map(lambda x: x * 0.5)  # exact in binary: sums do not round
_minutes = st.one_of(st.none(), st.integers(0, 40).map(lambda x: x * 0.5))

_payment = st.fixed_dictionaries({
    "paid_at": _when, "client_id": _client, "amount": _half,
    "cost_amount": st.one_of(st.none(), st.integers(0, 100).map(lambda x: x * 0.5)), "manager": _someone})
_listing = st.fixed_dictionaries({"client_id": st.sampled_from(CLIENTS), "manager": _someone})
_contact = st.fixed_dictionaries({
    "occurred_at": _when, "client_id": _client, "manager": _someone,
    "channel": st.sampled_from(["call", "chat", "email"]), "direction": st.sampled_from(["inbound", "outbound"]),
    "kind": st.sampled_from(["request", "complaint"]), "duration_min": _minutes,
    "first_response_min": _minutes, "resolution_min": _minutes,
    "is_missed": st.one_of(st.none(), st.booleans()), "is_resolved": st.one_of(st.none(), st.booleans())})
_answer = st.fixed_dictionaries({
    "answered_at": _when, "client_id": _client, "score": st.integers(0, 10), "manager": _someone})

_COLUMNS = {
    "payments": ["paid_at", "client_id", "amount", "cost_amount", "manager"],
    "clients": ["client_id", "manager"],
    "interactions": ["occurred_at", "client_id", "manager", "channel", "direction", "kind", "duration_min",
                     "first_response_min", "resolution_min", "is_missed", "is_resolved"],
    "nps": ["answered_at", "client_id", "score", "manager"],
}
_TYPES = {"amount": "float64", "cost_amount": "float64", "duration_min": "float64",
          "first_response_min": "float64", "resolution_min": "float64", "is_missed": "boolean",
          "is_resolved": "boolean", "score": "int64", "manager": "str", "client_id": "str", "channel": "str",
          "direction": "str", "kind": "str"}


def _frame(rows: list[dict], name: str) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=_COLUMNS[name])
    for column in frame.columns:
        if column in _TYPES:
            frame[column] = frame[column].astype(_TYPES[column])
        else:
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[us]")
    return frame


STAFF = pd.DataFrame({"manager": ["Anna", "Boris", "Gleb"], "team": ["North", "North", "South"],
                      "weekly_hours": [40.0, None, 30.0]})


def _check(duck, frames: dict, window, **hints) -> None:
    start, end, grain = window
    t = duck.tables(**frames, managers=STAFF)
    out = duck.execute(scorecard_by_manager(t["payments"], t["clients"], t["managers"], t["interactions"],
                                            t["nps"], start=start, end=end, grain=grain, **hints))
    expected = scorecard_oracle(frames["payments"], frames["clients"], STAFF, frames["interactions"],
                                frames["nps"], start=start, end=end, grain=grain)
    _same(out, expected)


@pytest.mark.parametrize("managed", [False, True])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    payments=st.lists(_payment, max_size=40),
    listings=st.lists(_listing, max_size=14),
    contacts=st.lists(_contact, max_size=25),
    answers=st.lists(_answer, max_size=10),
    window=st.sampled_from(WINDOWS),
)
def test_scorecard_equals_pandas_oracle(duck, managed, payments, listings, contacts, answers, window):
    """Managed: every interaction and response names its manager (a missing one becomes Vera's)
    and the scorecard is told so — no book fallback built — for the same card as the oracle's."""
    if managed:
        contacts = [{**row, "manager": row["manager"] or "Vera"} for row in contacts]
        answers = [{**row, "manager": row["manager"] or "Vera"} for row in answers]
    frames = {"payments": _frame(payments, "payments"), "clients": _frame(listings, "clients"),
              "interactions": _frame(contacts, "interactions"), "nps": _frame(answers, "nps")}
    _check(duck, frames, window, **({"interactions_managed": True, "nps_managed": True} if managed else {}))


def test_scorecard_oracle_by_hand_orphans_and_unknown_clients(duck):
    """c2 is listed twice (Boris wins, alphabetically last); c3 has no listed manager and Vera
    talks to it most; c9 is unknown to clients. Rows without a manager go to the book."""
    at = pd.Timestamp
    frames = {
        "payments": _frame([
            {"paid_at": at("2024-01-10"), "client_id": "c1", "amount": 100.0, "cost_amount": 40.0},
            {"paid_at": at("2024-02-10"), "client_id": "c1", "amount": 80.0, "cost_amount": None},
            {"paid_at": at("2024-02-20"), "client_id": "c1", "amount": 20.0, "cost_amount": 5.0},
            {"paid_at": at("2024-01-11"), "client_id": "c2", "amount": 50.0, "cost_amount": 10.0},
            {"paid_at": at("2024-02-11"), "client_id": "c2", "amount": 70.0, "cost_amount": 20.0},
            {"paid_at": at("2024-02-12"), "client_id": "c3", "amount": 30.0, "cost_amount": 5.0},
            {"paid_at": at("2024-02-13"), "client_id": "c9", "amount": -5.0, "cost_amount": 0.0},
        ], "payments"),
        "clients": _frame([{"client_id": "c1", "manager": "Anna"}, {"client_id": "c2", "manager": "Anna"},
                           {"client_id": "c2", "manager": "Boris"}, {"client_id": "c3", "manager": None}],
                          "clients"),
        "interactions": _frame([
            {"occurred_at": at("2024-02-01"), "client_id": "c3", "manager": "Vera", "channel": "call",
             "direction": "inbound", "kind": "request", "first_response_min": 2.0, "is_missed": False},
            {"occurred_at": at("2024-02-02"), "client_id": "c3", "manager": None, "channel": "call",
             "direction": "inbound", "kind": "complaint", "first_response_min": 4.0, "is_missed": False},
            {"occurred_at": at("2024-02-03"), "client_id": "c9", "manager": "Anna", "channel": "chat",
             "direction": "inbound", "kind": "request", "first_response_min": 1.0, "duration_min": 30.0},
            {"occurred_at": at("2024-02-04"), "client_id": "c1", "manager": None, "channel": "call",
             "direction": "inbound", "kind": "request", "is_missed": True},
        ], "interactions"),
        "nps": _frame([{"answered_at": at("2024-02-05"), "client_id": "c3", "score": 10, "manager": None},
                       {"answered_at": at("2024-02-06"), "client_id": "c1", "score": 3, "manager": None}], "nps"),
    }
    _check(duck, frames, WINDOWS[0])
    card = scorecard_oracle(frames["payments"], frames["clients"], STAFF, frames["interactions"],
                            frames["nps"], start=WINDOWS[0][0], end=WINDOWS[0][1], grain="month").set_index("manager")
    # the oracle itself, by hand: Vera holds c3 (30, margin 25), Anna c1 (80 + 20, margin
    # unknown: one cost missing) and c9 (−5, margin −5); Boris c2 (70, margin 50)
    assert card.loc["Vera", "revenue_amount"] == 30.0 and card.loc["Vera", "margin_amount"] == 25.0
    assert card.loc["Anna", "revenue_amount"] == 95.0 and card.loc["Anna", "margin_amount"] == -5.0
    assert card.loc["Boris", "clients_count"] == 1 and card.loc["Boris", "nrr"] == pytest.approx(70 / 50)
    assert card.loc["Vera", "first_response_median_min"] == 3.0 and card.loc["Vera", "nps"] == 100.0
    assert card.loc["Anna", "missed_call_rate"] == 1.0 and card.loc["Anna", "nps"] == -100.0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(listings=st.lists(_listing, max_size=14), contacts=st.lists(_contact, max_size=25),
       window=st.sampled_from(WINDOWS))
def test_client_manager_equals_oracle(duck, listings, contacts, window):
    start, end, _ = window
    clients, interactions = _frame(listings, "clients"), _frame(contacts, "interactions")
    t = duck.tables(clients=clients, interactions=interactions)
    out = duck.execute(client_manager(t["clients"], t["interactions"], start=start, end=end))
    assert out.client_id.is_unique
    named = {c: m for c, m in zip(out.client_id, out.manager) if m is not None and m == m}
    assert named == book_oracle(clients, interactions, start, end)
    # every listed client has a row, with or without a manager
    assert set(clients.client_id) <= set(out.client_id)


# payments in the base and current months of WINDOWS[0] only: tiers of several clients
_compared_payment = st.fixed_dictionaries({
    "paid_at": st.integers(0, 59).map(lambda day: dt.datetime(2024, 1, 1) + dt.timedelta(days=day)),
    "client_id": _client, "amount": st.integers(-4, 60).map(lambda x: x * 5.0),
    "cost_amount": st.none(), "manager": st.none()})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payments=st.lists(_compared_payment, min_size=5, max_size=40),
       listings=st.lists(_listing, min_size=1, max_size=14))
def test_growth_index_equals_oracle(duck, payments, listings):
    """growth_index_by_manager (L = 1) and the scorecard's growth column equal the oracle's."""
    start, end, grain = WINDOWS[0]
    frames = {"payments": _frame(payments, "payments"), "clients": _frame(listings, "clients"),
              "interactions": _frame([], "interactions"), "nps": _frame([], "nps")}
    expected = scorecard_oracle(**frames, managers=STAFF, start=start, end=end, grain=grain).set_index("manager")
    t = duck.tables(**frames, managers=STAFF)
    book = client_manager(t["clients"], t["interactions"], start=start, end=end)
    alone = duck.execute(growth_index_by_manager(t["payments"], book, end=end, grain=grain))
    card = duck.execute(scorecard_by_manager(t["payments"], t["clients"], t["managers"], t["interactions"],
                                             t["nps"], start=start, end=end, grain=grain))
    for m, value in [*zip(alone.manager, alone.growth_index), *zip(card.manager, card.growth_index)]:
        want = expected.growth_index.get(m)
        assert (pd.isna(value) and pd.isna(want)) or value == pytest.approx(want, rel=1e-9), m


# ------------------------------------------------------------------ with the derived table

_segment = st.sampled_from(["SMB", "Enterprise", None])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(listings=st.lists(st.fixed_dictionaries({"client_id": st.sampled_from(CLIENTS), "manager": _someone,
                                                "segment": _segment}), max_size=10),
       contacts=st.lists(_contact, min_size=1, max_size=20), window=st.sampled_from(WINDOWS),
       segments=st.sampled_from([(), ("SMB",)]))
def test_client_manager_with_unlisted_contacts_is_the_same(listings, contacts, window, segments):
    """Imported through the warehouse (so unlisted_contacts is kept), with or without a
    segment scope: the book is the same with the derived table as without it."""
    import ibis

    from metrics import scope
    from warehouse import connection, ingest

    con = connection.connect(":memory:")
    unique = {row["client_id"]: row for row in listings}  # client_id is the clients' key
    if unique:
        ingest.import_frame(con, "clients", pd.DataFrame(list(unique.values())), file_name="clients.csv")
    frame = pd.DataFrame(contacts).drop(columns=["resolution_min"])
    frame.insert(0, "interaction_id", [f"I{i}" for i in range(len(frame))])
    ingest.import_frame(con, "interactions", frame, file_name="contacts.csv")
    backend = ibis.duckdb.from_connection(con)
    tables = scope.apply_filters({n: backend.table(n) for n in ("clients", "interactions")}, segments=segments)
    start, end, _ = window
    plain = backend.execute(client_manager(tables["clients"], tables["interactions"], start=start, end=end))
    fast = backend.execute(client_manager(tables["clients"], tables["interactions"], start=start, end=end,
                                          unlisted_contacts=backend.table("unlisted_contacts")))
    rows = lambda df: sorted(zip(df.client_id, df.manager.where(df.manager.notna(), None)))  # noqa: E731
    assert rows(fast) == rows(plain)
    if not segments:  # and both are the oracle's
        named = {c: m for c, m in zip(fast.client_id, fast.manager) if isinstance(m, str)}
        assert named == book_oracle(_frame(list(unique.values()), "clients")[["client_id", "manager"]]
                                    if unique else _frame([], "clients"), _frame(contacts, "interactions"),
                                    start, end)
