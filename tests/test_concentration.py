"""revenue_concentration and lorenz_curve on hand-counted revenue (DuckDB and PySpark)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from metrics.concentration import lorenz_curve, revenue_concentration

START, END = dt.date(2024, 1, 1), dt.date(2024, 4, 1)


def _payments(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=["client_id", "paid_at", "amount"])
    return frame.astype({"paid_at": "datetime64[us]"})


# Revenue in [Jan, Apr): a 10, b 20, c 30, d 40, e 100 → N = 5, Σ = 200.
# f only refunds (−5) and g nets to 0: both left out; h pays after the window.
PAYMENTS = _payments(
    [
        ("a", "2024-01-05", 10.0),
        ("b", "2024-01-06", 5.0),
        ("b", "2024-03-31 23:59", 15.0),
        ("c", "2024-02-01", 30.0),
        ("d", "2024-02-02", 40.0),
        ("e", "2024-01-15", 60.0),
        ("e", "2024-03-15", 40.0),
        ("f", "2024-02-10", -5.0),
        ("g", "2024-02-11", 50.0),
        ("g", "2024-02-12", -50.0),
        ("h", "2024-04-01", 999.0),
    ]
)


def test_revenue_concentration_company(backend):
    result = backend.execute(revenue_concentration(backend.table(PAYMENTS), start=START, end=END))
    # top ⌈0.2·5⌉ = 1 client: e 100 ÷ 200 = 0.5
    # rank formula: Σ i·x = 1·10 + 2·20 + 3·30 + 4·40 + 5·100 = 800; 2·800 ÷ (5·200) − 6/5 = 0.4
    # pairwise: Σ|xi − xj| over ordered pairs = 2·400 = 800; 2·N²·x̄ = 2·25·40 = 2000 → 0.4
    assert list(result.clients_count) == [5]
    assert list(result.revenue_amount) == [200.0]
    assert result.top20_revenue_share[0] == pytest.approx(0.5)
    assert result.gini[0] == pytest.approx(0.4)


def test_revenue_concentration_by_group(backend):
    groups = backend.table(
        pd.DataFrame({"client_id": ["a", "b", "c", "d", "e", "z"],
                      "group": ["north", "north", "south", "south", "south", "west"]})
    )
    result = backend.execute(
        revenue_concentration(backend.table(PAYMENTS), start=START, end=END, client_groups=groups)
    )
    result = result.sort_values("group").reset_index(drop=True)
    assert list(result.group) == ["north", "south", "west"]
    assert list(result.clients_count) == [2, 3, 0]
    assert list(result.revenue_amount) == [30.0, 170.0, 0.0]
    # north 10, 20: top ⌈0.4⌉ = 1 → 20/30; gini 2·(10 + 40) ÷ (2·30) − 3/2 = 1/6
    # south 30, 40, 100: top 1 → 100/170; gini 2·(30 + 80 + 300) ÷ (3·170) − 4/3 = 14/51
    # west: z has no revenue → empty, null shares
    assert list(result.top20_revenue_share[:2]) == pytest.approx([20 / 30, 100 / 170])
    assert list(result.gini[:2]) == pytest.approx([1 / 6, 14 / 51])
    assert math.isnan(result.top20_revenue_share[2]) and math.isnan(result.gini[2])


def test_revenue_concentration_single_and_no_client(duck):
    payments = duck.table(PAYMENTS)
    one = duck.execute(revenue_concentration(payments, start=dt.date(2024, 4, 1), end=dt.date(2024, 5, 1)))
    assert (one.clients_count[0], one.top20_revenue_share[0], one.gini[0]) == (1, 1.0, 0.0)
    none = duck.execute(revenue_concentration(payments, start=dt.date(2023, 1, 1), end=dt.date(2023, 2, 1)))
    assert (none.clients_count[0], none.revenue_amount[0]) == (0, 0.0)
    assert math.isnan(none.top20_revenue_share[0]) and math.isnan(none.gini[0])


def test_revenue_concentration_top_count_has_no_float_rounding(duck):
    # 15 clients paying 1..15: ⌈0.2·15⌉ = 3 (0.2·15 is 3.0000000000000004 in floats, whose
    # ceiling would be 4). Top 3 = 13 + 14 + 15 = 42 of 120.
    payments = duck.table(
        _payments([(f"c{n:02d}", "2024-01-10", float(n)) for n in range(1, 16)])
    )
    result = duck.execute(revenue_concentration(payments, start=START, end=END))
    assert result.top20_revenue_share[0] == pytest.approx(42 / 120)


def test_lorenz_curve_cumulative_shares(backend):
    result = backend.execute(lorenz_curve(backend.table(PAYMENTS), start=START, end=END))
    result = result.sort_values("rank").reset_index(drop=True)
    assert list(result["rank"]) == [1, 2, 3, 4, 5]
    assert list(result.client_share) == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])
    # cumulative 10, 30, 60, 100, 200 of 200
    assert list(result.revenue_share) == pytest.approx([0.05, 0.15, 0.3, 0.5, 1.0])


@pytest.mark.parametrize(("points", "ranks"), [(1, [5]), (2, [3, 5]), (3, [2, 4, 5]), (4, [2, 4, 5]),
                                               (5, [1, 2, 3, 4, 5]), (50, [1, 2, 3, 4, 5])])
def test_lorenz_curve_thinned_to_points_keeps_exact_points_and_the_last(backend, points, ranks):
    """N = 5: s = ⌈5 ÷ points⌉ → ranks s, 2s, … and 5; the shares are those of the full curve."""
    result = backend.execute(lorenz_curve(backend.table(PAYMENTS), start=START, end=END, points=points))
    result = result.sort_values("rank").reset_index(drop=True)
    full = {1: 0.05, 2: 0.15, 3: 0.3, 4: 0.5, 5: 1.0}  # cumulative 10, 30, 60, 100, 200 of 200
    assert list(result["rank"]) == ranks
    assert list(result.client_share) == pytest.approx([r / 5 for r in ranks])
    assert list(result.revenue_share) == pytest.approx([full[r] for r in ranks])


def test_lorenz_curve_refuses_no_points():
    import ibis

    with pytest.raises(ValueError, match="points"):
        lorenz_curve(ibis.memtable(PAYMENTS), start=START, end=END, points=0)


def test_concentration_with_curve_puts_the_summary_beside_each_point(backend):
    """points = 2 → ranks 3 and 5 (see above), each with the company summary (N 5, Σ 200, top
    share 0.5, gini 0.4); a window without revenue → one row: N 0, null shares, no point."""
    from metrics.concentration import concentration_with_curve

    t = backend.table(PAYMENTS)
    rows = backend.execute(concentration_with_curve(t, start=START, end=END, points=2))
    assert list(rows["rank"]) == [3, 5]
    assert list(rows.client_share) == pytest.approx([0.6, 1.0])
    assert list(rows.revenue_share) == pytest.approx([0.3, 1.0])
    assert list(rows.clients_count) == [5, 5] and list(rows.revenue_amount) == [200.0, 200.0]
    assert list(rows.top20_revenue_share) == pytest.approx([0.5, 0.5])
    assert list(rows.gini) == pytest.approx([0.4, 0.4])
    empty = backend.execute(concentration_with_curve(t, start=dt.date(2023, 1, 1), end=dt.date(2023, 2, 1)))
    assert len(empty) == 1 and empty.clients_count[0] == 0 and empty.revenue_amount[0] == 0.0
    assert pd.isna(empty["rank"][0]) and pd.isna(empty.gini[0]) and pd.isna(empty.top20_revenue_share[0])


def test_the_clients_page_loader_gives_the_curve_and_the_summary_of_the_metrics(demo_copy):
    """app_state.load_concentration (one query) → the frames of lorenz_curve and
    revenue_concentration asked separately, dtypes included; for a window without payments an
    empty curve and the summary of no client."""
    import dataclasses

    import streamlit as st

    import app_state
    from bench import pages

    filters, version, _ = pages._context(demo_copy)
    for chosen in (filters, dataclasses.replace(filters, start=dt.date(1990, 1, 1), end=dt.date(1990, 2, 1))):
        st.cache_data.clear()
        got = app_state.load_concentration(chosen, version)
        with app_state.scoped_tables(chosen, version) as (backend, tables):
            window = dict(start=chosen.start, end=chosen.end)
            curve = backend.execute(lorenz_curve(tables["payments"], **window, points=app_state.LORENZ_POINTS)
                                    .order_by("rank"))
            summary = backend.execute(revenue_concentration(tables["payments"], **window))
        pd.testing.assert_frame_equal(got["lorenz"], curve, check_exact=False, rtol=1e-12)
        pd.testing.assert_frame_equal(got["summary"], summary, check_exact=False, rtol=1e-12)
    assert len(curve) == 0 and summary.clients_count[0] == 0  # the second window's
    st.cache_data.clear()
