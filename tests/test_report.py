"""The headless report CLI on a small DuckDB file: one JSON object with hand-computed numbers."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import duckdb
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
N = None

# Four clients: Anna x1, x2; Boris x3, x4 (x4 churned 10 Feb). Every payment has a cost.
PAYMENTS = [  # payment_id, paid_at, client_id, amount, cost_amount
    ("p1", "2024-01-10", "x1", 100.0, 40.0),
    ("p2", "2024-01-15", "x2", 200.0, 100.0),
    ("p3", "2024-01-20", "x3", 300.0, 100.0),
    ("p4", "2024-01-25", "x4", 100.0, 50.0),
    ("p5", "2024-02-10", "x1", 150.0, 50.0),
    ("p6", "2024-02-12", "x3", 300.0, 200.0),
    ("p7", "2024-02-20", "x2", 50.0, 10.0),
]
CLIENTS = [  # client_id, client_name, manager, churned_at
    ("x1", "X One", "Anna", N),
    ("x2", "X Two", "Anna", N),
    ("x3", "X Three", "Boris", N),
    ("x4", "X Four", "Boris", "2024-02-10"),
]
MANAGERS = [  # manager, team, lead, weekly_hours
    ("Anna", "T", "Lena", 40.0),
    ("Boris", "T", "Lena", 40.0),
    ("Lena", "T", N, N),
]
INTERACTIONS = [  # id, occurred_at, client, manager, channel, kind, duration, first_response, missed
    ("i1", "2024-02-05 10:00", "x1", "Anna", "call", "request", 30.0, 1.0, False),
    ("i2", "2024-02-06 10:00", "x2", "Anna", "call", "request", N, N, True),
    ("i3", "2024-02-07 10:00", "x3", "Boris", "email", "complaint", 30.0, 120.0, False),
    ("i4", "2024-02-08 10:00", "x3", "Boris", "chat", "request", 60.0, 3.0, False),
]
NPS = [  # response_id, answered_at, client_id, score
    ("n1", "2024-01-20", "x1", 0),
    ("n2", "2024-02-15", "x1", 10),
    ("n3", "2024-02-16", "x2", 9),
    ("n4", "2024-02-17", "x3", 3),
]


def _write_db(path: pathlib.Path) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute((ROOT / "warehouse" / "schema.sql").read_text(encoding="utf-8"))
        con.executemany(
            "INSERT INTO payments (payment_id, paid_at, client_id, amount, cost_amount, import_id, row_key)"
            " VALUES (?, CAST(? AS TIMESTAMP), ?, ?, ?, 1, ?)",
            [(*row, row[0]) for row in PAYMENTS],
        )
        con.executemany(
            "INSERT INTO clients (client_id, client_name, manager, churned_at, import_id, row_key)"
            " VALUES (?, ?, ?, CAST(? AS TIMESTAMP), 1, ?)",
            [(*row, row[0]) for row in CLIENTS],
        )
        con.executemany(
            "INSERT INTO managers (manager, team, lead, weekly_hours, import_id, row_key)"
            " VALUES (?, ?, ?, ?, 1, ?)",
            [(*row, row[0]) for row in MANAGERS],
        )
        con.executemany(
            "INSERT INTO interactions (interaction_id, occurred_at, client_id, manager, channel,"
            " direction, kind, duration_min, first_response_min, is_missed, import_id, row_key)"
            " VALUES (?, CAST(? AS TIMESTAMP), ?, ?, ?, 'inbound', ?, ?, ?, ?, 1, ?)",
            [(*row, row[0]) for row in INTERACTIONS],
        )
        con.executemany(
            "INSERT INTO nps_responses (response_id, answered_at, client_id, score, import_id, row_key)"
            " VALUES (?, CAST(? AS TIMESTAMP), ?, ?, 1, ?)",
            [(*row, row[0]) for row in NPS],
        )
    finally:
        con.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    db = tmp_path_factory.mktemp("report") / "dashboard.duckdb"
    _write_db(db)
    done = subprocess.run(
        [sys.executable, "-m", "metrics", "report", "--db", str(db), "--start", "2024-01-01",
         "--end", "2024-02-29", "--grain", "month", "--format", "json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )
    return json.loads(done.stdout)  # the whole output is one JSON object


def test_report_window_and_money_kpis(report):
    assert report["window"] == {"start": "2024-01-01", "end": "2024-02-29", "grain": "month"}
    k = report["kpis"]
    # revenue 100 + 200 + 300 + 100 + 150 + 300 + 50 = 1200; margin 60 + 100 + 200 + 50 + 100 + 100 + 40 = 650
    assert (k["revenue_amount"], k["margin_amount"], k["active_clients_count"]) == (1200.0, 650.0, 4)
    # lifetime margin x1 160, x2 140, x3 300, x4 50 → 650 / 4
    assert k["avg_ltv_amount"] == pytest.approx(162.5)
    # February vs January: NRR 500/700; GRR (100 + 50 + 300 + 0)/700
    assert k["nrr"] == pytest.approx(500 / 700)
    assert k["grr"] == pytest.approx(450 / 700)
    # February: 4 clients active before it, x4 churned on 10 Feb → 1/4
    assert k["churn_rate"] == pytest.approx(0.25)
    # x1 250, x2 250, x3 600, x4 100: top ⌈0.8⌉ = 1 client → 600/1200;
    # Gini Σ|xi − xj| = 2·(150·2 + 500 + 350·2) = 3000 over 2·4²·300 = 9600
    assert k["top20_revenue_share"] == pytest.approx(0.5)
    assert k["gini"] == pytest.approx(3000 / 9600)


def test_report_nps_and_service_kpis(report):
    k = report["kpis"]
    # scores 0, 10, 9, 3 → 2 promoters, 2 detractors of 4 → 0 ± 196·√(1/4) = ±98
    assert (k["nps"], k["nps_responses"], k["nps_ci_low"], k["nps_ci_high"]) == (0.0, 4, -98.0, 98.0)
    # answered 1, 120, 3 → median 3; inbound calls i1, i2, missed i2 → 0.5; 1 complaint of 4
    assert (k["first_response_median_min"], k["missed_call_rate"], k["complaints_per_100"]) == (
        3.0, 0.5, 25.0,
    )


def test_report_cohort_lists(report):
    # cohort January (4 clients): February active x1, x2, x3 → 0.75; revenue 500/700
    assert report["retention_logo"] == [
        {"cohort": "2024-01-01", "k": 0, "clients_count": 4, "rate": 1.0},
        {"cohort": "2024-01-01", "k": 1, "clients_count": 3, "rate": 0.75},
    ]
    assert [row["rate"] for row in report["retention_revenue"]] == [1.0, pytest.approx(500 / 700)]
    # cumulative margin per cohort client: 410/4, (410 + 240)/4
    assert report["ltv_curve"] == [
        {"cohort": "2024-01-01", "k": 0, "ltv_amount": 102.5},
        {"cohort": "2024-01-01", "k": 1, "ltv_amount": 162.5},
    ]
    # January: one detractor → −100, interval [−100, −100]; February 10, 9, 3 → 33.3,
    # half-width 196·√((1 − 1/9)/3) = 196·√(8/27) = 106.6889 → [−73.36, 100]
    jan, feb = report["nps_by_period"]
    assert jan == {"period": "2024-01-01", "nps": -100.0, "responses": 1, "ci_low": -100.0, "ci_high": -100.0}
    assert (feb["period"], feb["responses"], feb["ci_high"]) == ("2024-02-01", 3, 100.0)
    assert feb["nps"] == pytest.approx(100 / 3)
    assert feb["ci_low"] == pytest.approx(100 / 3 - 106.688887)


def test_report_managers_and_span(report):
    cards = {row["manager"]: row for row in report["managers"]}
    assert sorted(cards) == ["Anna", "Boris", "Lena"]
    anna, boris, lena = cards["Anna"], cards["Boris"], cards["Lena"]
    # Anna: x1 250 + x2 250 = 500, margin 300, 0.5 h logged → 600 per hour
    assert (anna["clients_count"], anna["revenue_amount"], anna["margin_amount"]) == (2, 500.0, 300.0)
    assert (anna["hours"], anna["margin_per_hour"]) == (0.5, 600.0)
    # Boris: x3 600 + x4 100 = 700, margin 350, 1.5 h → 233.3 per hour; retention 1 of 2
    assert (boris["revenue_amount"], boris["margin_amount"], boris["hours"]) == (700.0, 350.0, 1.5)
    assert boris["retention_rate"] == 0.5
    # tiers by January revenue: x1, x4 (100) q1 NRR 150/200; x2 (200) q3 50/200; x3 (300) q4 1.0
    # Anna 200 / (100·0.75 + 200·0.25) = 1.6; Boris 300 / (300·1 + 100·0.75) = 0.8
    assert anna["growth_index"] == pytest.approx(1.6)
    assert boris["growth_index"] == pytest.approx(0.8)
    assert anna["nrr"] == pytest.approx(200 / 300)
    # NPS Anna 0, 10, 9 → 33.3; Boris 3 → −100 → Anna ideal, Boris indifferent
    assert (anna["manager_type"], boris["manager_type"]) == ("ideal", "indifferent")
    assert boris["missed_call_rate"] is None  # no inbound call
    assert (lena["clients_count"], lena["hours"], lena["nps"]) == (0, None, None)
    # Lena leads Anna and Boris: 2 < 5
    assert report["span_of_control"] == [
        {"lead": "Lena", "reports_count": 2, "is_flagged": True, "flag": "below"}
    ]


def test_report_revenue_bridge_february_vs_january(report):
    # x1 100→150 expansion, x2 200→50 contraction, x3 300→300 flat, x4 100→0 churned.
    assert report["revenue_bridge"] == [
        {"component": "new", "clients_count": 0, "prev_amount": 0.0, "cur_amount": 0.0, "change_amount": 0.0},
        {"component": "expansion", "clients_count": 1, "prev_amount": 100.0, "cur_amount": 150.0,
         "change_amount": 50.0},
        {"component": "contraction", "clients_count": 1, "prev_amount": 200.0, "cur_amount": 50.0,
         "change_amount": -150.0},
        {"component": "churned", "clients_count": 1, "prev_amount": 100.0, "cur_amount": 0.0,
         "change_amount": -100.0},
        {"component": "flat", "clients_count": 1, "prev_amount": 300.0, "cur_amount": 300.0,
         "change_amount": 0.0},
    ]
    assert sum(row["change_amount"] for row in report["revenue_bridge"]) == 500.0 - 700.0


def test_report_cli_missing_db_fails_cleanly(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "metrics", "report", "--db", str(tmp_path / "none.duckdb"),
         "--start", "2024-01-01", "--end", "2024-01-31"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2
    assert "no database file" in done.stderr and done.stdout == ""
