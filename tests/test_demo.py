"""The seeded demo generator: shape, determinism, referential integrity and the story it tells."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from warehouse import demo
from warehouse.connection import SCHEMA_SQL, connect
from warehouse.ingest import import_csv

SMALL = 3_000  # 30 clients, 600 payments, 100 NPS answers: for shape and integrity
ROW_TABLES = ("payments", "interactions", "nps_responses")
ID_COLUMNS = {"payments": "payment_id", "interactions": "interaction_id", "nps_responses": "response_id",
              "clients": "client_id", "managers": "manager"}
SQL_DTYPE_CHECKS = {
    "VARCHAR": pd.api.types.is_string_dtype,
    "TIMESTAMP": pd.api.types.is_datetime64_dtype,
    "DOUBLE": pd.api.types.is_float_dtype,
    "BOOLEAN": pd.api.types.is_bool_dtype,
    "INTEGER": pd.api.types.is_integer_dtype,
}


@pytest.fixture(scope="module")
def small() -> dict[str, pd.DataFrame]:
    return demo.generate(interactions=SMALL, seed=7)


@pytest.fixture(scope="module")
def story() -> dict[str, pd.DataFrame]:
    """The default demo (60k interactions, ~0.1 s): big enough for per-manager comparisons."""
    return demo.generate(seed=7)


def _schema_columns() -> dict[str, list[tuple[str, str]]]:
    """schema.sql → {table: [(column, SQL type)]} without import_id/row_key."""
    tables = {}
    sql = SCHEMA_SQL.read_text(encoding="utf-8")
    for name, body in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\n\);", sql, re.S):
        columns = re.findall(r'^\s*"?(\w+)"?\s+([A-Z]+)\b', body, re.M)
        tables[name] = [(c, t) for c, t in columns if c not in ("import_id", "row_key")]
    return tables


def _behaviour_managers(name: str) -> list[str]:
    return [m.name for m in demo.ROSTER if m.behaviour == name]


def _nps(scores) -> float:
    scores = list(scores)
    return 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)


# ------------------------------------------------------------------------------ shape

def test_generate_same_seed_gives_identical_frames(small):
    again = demo.generate(interactions=SMALL, seed=7)
    for name in demo.TABLE_ORDER:
        pd.testing.assert_frame_equal(small[name], again[name])


def test_generate_other_seed_gives_other_rows(small):
    other = demo.generate(interactions=SMALL, seed=8)
    for name in ("clients", *ROW_TABLES):
        assert not small[name].equals(other[name]), name


def test_generate_columns_and_dtypes_match_schema(small):
    schema = _schema_columns()
    assert set(small) == set(demo.TABLE_ORDER) == set(schema) - {"imports", "rejects", "presets", "audit_log", "user_prefs", "decisions"}
    for name, columns in schema.items():
        if name not in small:
            continue
        frame = small[name]
        assert list(frame.columns) == [c for c, _ in columns], name
        for column, sql_type in columns:
            assert SQL_DTYPE_CHECKS[sql_type](frame[column].dtype), (name, column, frame[column].dtype)


def test_generate_sizes_follow_ratios(small):
    # 3000 interactions / 100 = 30 clients; / 5 = 600 payments; / 30 = 100 NPS answers
    assert {name: len(frame) for name, frame in small.items()} == {
        "managers": 22, "clients": 30, "payments": 600, "interactions": 3000, "nps_responses": 100,
    }
    bench = demo.generate(interactions=SMALL, seed=7, ratios=demo.BENCH_RATIOS)
    # 3000 / 20 = 150 clients; / 5 = 600 payments; / 50 = 60 NPS answers
    assert (len(bench["clients"]), len(bench["payments"]), len(bench["nps_responses"])) == (150, 600, 60)


def test_generate_ids_unique(small):
    for name, column in ID_COLUMNS.items():
        assert small[name][column].is_unique, name
        assert small[name][column].notna().all(), name


def test_generate_references_exist(small):
    client_ids = set(small["clients"].client_id)
    managers = set(small["managers"].manager)
    for name in ROW_TABLES:
        assert set(small[name].client_id) <= client_ids, name
    for name in ("clients", *ROW_TABLES):
        assert set(small[name].manager.dropna()) <= managers, name
    assert set(small["managers"].lead.dropna()) <= managers


def test_generate_required_values_present_and_in_range(small):
    for name, columns in {"payments": ("paid_at", "amount"), "interactions": ("occurred_at",),
                          "nps_responses": ("answered_at", "score")}.items():
        for column in columns:
            assert small[name][column].notna().all(), (name, column)
    assert small["nps_responses"].score.between(0, 10).all()
    assert set(small["interactions"].channel) <= {"call", "email", "meeting", "chat", "messenger", "other"}
    assert set(small["interactions"].direction) <= {"inbound", "outbound"}
    assert set(small["payments"].kind) == {"new", "renewal", "upsell", "cross_sell"}


def test_generate_history_is_24_months_before_end(small):
    first, end = pd.Timestamp("2024-11-01"), pd.Timestamp("2026-11-23")
    timestamps = {"payments": "paid_at", "interactions": "occurred_at", "nps_responses": "answered_at"}
    for name, column in timestamps.items():
        times = small[name][column]
        assert first <= times.min() and times.max() < end, name
    other_end = demo.generate(interactions=SMALL, seed=7, end=dt.date(2025, 3, 1))["interactions"].occurred_at
    assert pd.Timestamp("2023-03-01") <= other_end.min() and other_end.max() < pd.Timestamp("2025-03-01")


# ------------------------------------------------------------------------------ the story

def test_generate_lead_with_nine_reports(small):
    managers = small["managers"]
    reports = managers.lead.value_counts().to_dict()
    assert reports["Иванова Анна"] == 9
    assert set(reports) <= set(managers.manager)  # leads are managers too
    assert all(4 <= count <= 7 for lead, count in reports.items() if lead != "Иванова Анна")
    assert sorted(managers.weekly_hours.unique()) == [20.0, 30.0, 40.0]


def test_generate_revenue_is_pareto_shaped(story):
    revenue: dict[str, float] = {}
    for client, amount in zip(story["payments"].client_id, story["payments"].amount):
        revenue[client] = revenue.get(client, 0.0) + amount
    ranked = sorted((r for r in revenue.values() if r > 0), reverse=True)
    top = ranked[: math.ceil(0.2 * len(ranked))]
    assert sum(top) / sum(ranked) >= 0.6


def test_generate_obsequious_margin_below_ideal(story):
    known = story["payments"].dropna(subset=["cost_amount"])
    margin = (known.amount - known.cost_amount).groupby(known.manager).sum()
    margin_rate = margin / known.amount.groupby(known.manager).sum()
    obsequious = margin_rate[_behaviour_managers("obsequious")]
    ideal = margin_rate[_behaviour_managers("ideal")]
    squeezer = margin_rate[_behaviour_managers("squeezer")]
    assert obsequious.max() < 0.3 < 0.45 < ideal.min()
    assert squeezer.min() > ideal.max() - 0.02


def test_generate_indifferent_slowest_first_response(story):
    median = story["interactions"].groupby("manager").first_response_min.median()
    (indifferent,) = _behaviour_managers("indifferent")
    assert median.idxmax() == indifferent
    assert median[indifferent] > 3 * median.drop(indifferent).max()


def test_generate_indifferent_fewest_contacts_and_most_missed_calls(story):
    interactions, clients = story["interactions"], story["clients"]
    (indifferent,) = _behaviour_managers("indifferent")
    per_client = interactions.groupby("manager").size() / clients.groupby("manager").size()
    assert per_client.idxmin() == indifferent
    calls = interactions[(interactions.channel == "call") & (interactions.direction == "inbound")]
    assert calls.groupby("manager").is_missed.mean().idxmax() == indifferent


def test_generate_over_competent_longest_meetings(story):
    interactions = story["interactions"]
    meetings = interactions[interactions.channel == "meeting"]
    (over_competent,) = _behaviour_managers("over_competent")
    assert meetings.groupby("manager").duration_min.mean().idxmax() == over_competent
    share = (interactions.channel == "meeting").groupby(interactions.manager).mean()
    assert share.idxmax() == over_competent


def test_generate_nps_follows_behaviour(story):
    nps = {manager: _nps(group.score) for manager, group in story["nps_responses"].groupby("manager")}
    happy = [nps[m] for m in _behaviour_managers("ideal") + _behaviour_managers("obsequious")]
    unhappy = [nps[m] for m in _behaviour_managers("squeezer") + _behaviour_managers("indifferent")]
    assert min(happy) > 30 and max(unhappy) < -30


def test_generate_payments_story(story):
    payments = story["payments"]
    # every client's first payment is its positive "new" one
    first = payments.sort_values("paid_at", kind="stable").groupby("client_id").head(1)
    assert (first.kind == "new").all() and (first.amount > 0).all()
    assert (payments.kind == "new").sum() == len(story["clients"])
    last_month = payments.paid_at >= payments.paid_at.max().normalize().replace(day=1)
    assert not payments.cost_amount[~last_month].isna().any()  # only unbooked recent costs
    assert 0.2 <= payments.cost_amount[last_month].isna().mean() <= 0.4
    refunds = payments[payments.amount < 0]
    assert 0 < len(refunds) < 0.03 * len(payments)
    margin_rate = ((payments.amount - payments.cost_amount) / payments.amount)[payments.amount > 0].dropna()
    assert margin_rate.between(0.2 - 1e-3, 0.6 + 1e-3).all()
    cohorts = payments.groupby("client_id").paid_at.min().dt.to_period("M").nunique()
    assert cohorts == 25  # a cohort every month, Nov 2024 … Nov 2026


def test_generate_interactions_story(story):
    interactions = story["interactions"]
    inbound_calls = interactions[(interactions.channel == "call") & (interactions.direction == "inbound")]
    assert 0.06 <= inbound_calls.is_missed.mean() <= 0.11
    assert interactions.is_missed[interactions.channel != "call"].isna().all()
    complaints = interactions[interactions.kind == "complaint"]
    assert 0 < (complaints.is_resolved == False).sum() < len(complaints)  # noqa: E712 (nullable)
    assert {"request", "complaint", "upsell", "renewal", "report", "meeting"} <= set(interactions.kind)
    answered = interactions.first_response_min.notna()
    assert (interactions.direction[answered] == "inbound").all()
    weekend = interactions.occurred_at.dt.day_of_week >= 5
    office = interactions.occurred_at.dt.hour.between(9, 18)
    assert weekend.mean() < 0.05 and office.mean() > 0.8


def test_generate_people_story(story):
    clients, managers, interactions = story["clients"], story["managers"], story["interactions"]
    cyrillic = clients.client_name.str.contains("[А-Яа-яЁё]")
    assert 0.35 <= cyrillic.mean() <= 0.65
    assert 0.35 <= managers.manager.str.contains("[А-Яа-яЁё]").mean() <= 0.65
    assert {"Key accounts", "Growth", "Регионы"} == set(managers.team)
    assert set(clients.segment) == {"Enterprise", "Mid-market", "SMB"}
    # one manager left; after that day nothing is attributed to them, their book moved on
    (leaver,) = managers.manager[managers.left_at.notna()]
    left_at = managers.left_at.dropna().iloc[0]
    assert not ((interactions.manager == leaver) & (interactions.occurred_at >= left_at)).any()
    handed = set(interactions.client_id[(interactions.manager == leaver)])
    assert set(clients.manager[clients.client_id.isin(handed)]) >= {"Daniel Kim"}
    # two clients have no manager in the list, but a manager talks to them
    unlisted = clients.client_id[clients.manager.isna()]
    assert len(unlisted) == 2
    assert interactions.manager[interactions.client_id.isin(unlisted)].notna().all()
    churned = clients.churned_at.notna()
    assert 0 < churned.sum() < len(clients)
    comments = story["nps_responses"].comment.dropna()
    assert 0.2 < len(comments) / len(story["nps_responses"]) < 0.5
    assert comments.str.contains("[А-Яа-яЁё]").any() and not comments.str.contains("[А-Яа-яЁё]").all()


# ------------------------------------------------------------------------------ files and database

def test_write_csvs_chunking_gives_same_rows(tmp_path):
    # 3000 interactions / 5 = 600 clients: two random blocks of 512 clients, flushed every 500 rows
    ratios = demo.Ratios(per_client=5, per_payment=5, per_nps=30)
    chunked = demo.write_csvs(tmp_path / "chunked", interactions=SMALL, seed=3, chunk_rows=500, ratios=ratios)
    whole = demo.write_csvs(tmp_path / "whole", interactions=SMALL, seed=3, ratios=ratios)
    for name in demo.TABLE_ORDER:
        assert chunked[name].read_bytes() == whole[name].read_bytes(), name
    frames = demo.generate(interactions=SMALL, seed=3, ratios=ratios)
    for name, column in ID_COLUMNS.items():
        from_csv = pd.read_csv(chunked[name], encoding="utf-8")
        assert list(from_csv.columns) == list(frames[name].columns)
        assert from_csv[column].tolist() == frames[name][column].tolist(), name
    interactions = pd.read_csv(chunked["interactions"], parse_dates=["occurred_at"])
    occurred_at = interactions.occurred_at.astype("datetime64[us]")
    pd.testing.assert_series_equal(occurred_at, frames["interactions"].occurred_at)
    pd.testing.assert_series_equal(interactions.duration_min, frames["interactions"].duration_min)


def test_write_csvs_files_import_without_rejects(tmp_path):
    paths = demo.write_csvs(tmp_path, interactions=SMALL, seed=7)
    con = connect(":memory:")
    try:
        for name in demo.TABLE_ORDER:
            result = import_csv(con, paths[name], file_name=paths[name].name, table=name)
            assert (result.rows_rejected, result.rows_inserted) == (0, len(pd.read_csv(paths[name]))), name
    finally:
        con.close()


def test_build_demo_db_counts_match_database(tmp_path):
    path = tmp_path / "demo.duckdb"
    counts = demo.build_demo_db(path, interactions=SMALL, seed=7)
    assert counts == {
        "managers": 22, "clients": 30, "payments": 600, "interactions": 3000, "nps_responses": 100,
    }
    con = connect(path, read_only=True)
    try:
        for name, count in counts.items():
            assert con.execute(f"SELECT count(*) FROM {name}").fetchall() == [(count,)], name
        files = con.execute("SELECT file_name, imported_by FROM imports ORDER BY import_id").fetchall()
    finally:
        con.close()
    assert files == [(f"demo-{name}.csv", "demo") for name in demo.TABLE_ORDER]


def test_build_demo_db_existing_file_needs_replace(tmp_path):
    path = tmp_path / "demo.duckdb"
    demo.build_demo_db(path, interactions=SMALL, seed=7)
    with pytest.raises(FileExistsError):
        demo.build_demo_db(path, interactions=SMALL, seed=8)
    counts = demo.build_demo_db(path, interactions=SMALL, seed=8, replace=True)
    con = connect(path, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM imports").fetchall() == [(5,)]
        assert con.execute("SELECT count(*) FROM payments").fetchall() == [(counts["payments"],)]
    finally:
        con.close()
