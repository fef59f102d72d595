"""Scope filters: teams, managers and segments restrict every table."""

from __future__ import annotations

import pandas as pd

from metrics.scope import apply_filters

N = None


def _nullable(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing values as None, so PySpark loads them as NULL (not NaN / "NaN")."""
    return frame.astype(object).where(frame.notna(), None)


MANAGERS = pd.DataFrame({"manager": ["Anna", "Boris", "Vera"], "team": ["North", "North", "South"]})
CLIENTS = _nullable(
    pd.DataFrame(
        {
            "client_id": ["c1", "c2", "c3", "c4"],
            "manager": ["Anna", "Boris", "Vera", N],
            "segment": ["big", "small", "big", "big"],
        }
    )
)
PAYMENTS = pd.DataFrame(
    {
        "paid_at": pd.to_datetime(["2024-01-05", "2024-01-06", "2024-01-07", "2024-01-08", "2024-01-09"]),
        "client_id": ["c1", "c2", "c3", "c4", "c1"],
        "amount": [10.0, 20.0, 30.0, 40.0, 50.0],
    }
)
NPS = pd.DataFrame(
    {
        "answered_at": pd.to_datetime(["2024-01-05", "2024-01-06", "2024-01-07"]),
        "client_id": ["c1", "c2", "c3"],
        "score": [9, 7, 3],
    }
)


def _ids(backend, table, column="client_id"):
    return sorted(backend.execute(table)[column])


def test_apply_filters_team_restricts_all_tables(backend):
    tables = backend.tables(managers=MANAGERS, clients=CLIENTS, payments=PAYMENTS, nps=NPS)
    out = apply_filters(tables, teams=("South",))
    # South = Vera → client c3 → its payment (30) and its NPS response
    assert _ids(backend, out["managers"], "manager") == ["Vera"]
    assert _ids(backend, out["clients"]) == ["c3"]
    assert list(backend.execute(out["payments"]).amount) == [30.0]
    assert _ids(backend, out["nps"]) == ["c3"]


def test_apply_filters_segment_keeps_managers(duck):
    tables = duck.tables(managers=MANAGERS, clients=CLIENTS, payments=PAYMENTS)
    out = apply_filters(tables, segments=("big",))
    # big: c1, c3, c4 (c4 has no manager but a segment filter alone keeps it); payments 10+30+40+50
    assert _ids(duck, out["clients"]) == ["c1", "c3", "c4"]
    assert duck.execute(out["payments"]).amount.sum() == 130.0
    assert _ids(duck, out["managers"], "manager") == ["Anna", "Boris", "Vera"]


def test_apply_filters_team_and_manager_intersect(duck):
    tables = duck.tables(managers=MANAGERS, clients=CLIENTS, payments=PAYMENTS)
    out = apply_filters(tables, teams=("North",), managers=("Boris", "Vera"))
    # North ∩ {Boris, Vera} = Boris → c2
    assert _ids(duck, out["managers"], "manager") == ["Boris"]
    assert _ids(duck, out["clients"]) == ["c2"]
    assert list(duck.execute(out["payments"]).amount) == [20.0]


def test_apply_filters_empty_selection_is_unchanged(duck):
    tables = duck.tables(managers=MANAGERS, clients=CLIENTS)
    out = apply_filters(tables)
    assert out == tables and out is not tables


def test_every_derived_table_carrying_a_scope_is_filtered_by_it():
    # warehouse.derived owns the derived tables; metrics.scope (which may not import it) names
    # those it filters by their scope columns — all of them but the unscoped list of unlisted
    # clients' contacts, which only narrows rows that are scoped already
    from metrics import scope
    from warehouse import derived

    assert set(scope.DERIVED_TABLES) == set(derived.NAMES) - {"unlisted_contacts"}
    # and each has the two columns apply_filters tests
    for name in scope.DERIVED_TABLES:
        create = derived.BY_NAME[name].create_sql()
        assert "account_manager VARCHAR" in create and "segment VARCHAR" in create, name
