"""The meeting pack: `python -m metrics meeting` writes a PDF with one page per slide, a
self-contained HTML with the same slides, and the tables as XLSX/CSV."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import openpyxl

from warehouse import demo
from warehouse.connection import connect

REPO = Path(__file__).resolve().parent.parent


def test_meeting_cli_writes_the_pack(tmp_path):
    db = tmp_path / "pack.duckdb"
    demo.build_demo_db(db, interactions=3000, seed=7)
    con = connect(db)
    try:
        (managers,), = con.execute("SELECT count(*) FROM managers").fetchall()
    finally:
        con.close()
    slides = 5 + managers  # agenda, numbers, changes, at risk, one per manager, decisions

    done = subprocess.run([sys.executable, "-m", "metrics", "meeting", "--db", str(db), "--week", "2026-W46",
                           "--out", str(tmp_path / "pack"), "--lang", "ru"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)

    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.startswith(f"meeting pack for 2026-W46: {slides} slides in ")
    pdf = (tmp_path / "pack" / "meeting-2026-W46.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == slides
    page = (tmp_path / "pack" / "meeting-2026-W46.html").read_text(encoding="utf-8")
    assert page.count('<section class="slide">') == slides
    assert "<h1>Повестка</h1>" in page and "<h1>Решения</h1>" in page
    assert re.findall(r"<script[^>]*\ssrc=", page) == [] and page.count("<script") >= 1  # self-contained
    book = openpyxl.load_workbook(io.BytesIO((tmp_path / "pack" / "meeting-2026-W46.xlsx").read_bytes()))
    assert {"kpis", "bridge", "at_risk", "managers", "decisions"} <= set(book.sheetnames)
    assert book["kpis"].max_row == 1 + 9  # header + the nine KPIs of the week


def test_meeting_cli_unknown_week_says_which_weeks_exist(tmp_path):
    db = tmp_path / "pack.duckdb"
    demo.build_demo_db(db, interactions=3000, seed=7)
    done = subprocess.run([sys.executable, "-m", "metrics", "meeting", "--db", str(db), "--week", "2019-W01",
                           "--out", str(tmp_path / "pack")], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and done.stderr.startswith("error: no data for week '2019-W01'")


def test_pdf_without_a_chart_renderer_keeps_every_page(tmp_path, monkeypatch):
    """No Chromium for kaleido: the PDF still has every slide, with a note where a chart was."""
    import plotly.graph_objects as go

    from app_state import meeting, pack
    from tests.test_meeting_charts import BRIDGE

    def broken(*args, **kwargs):
        raise RuntimeError("no browser")

    monkeypatch.setattr(go.Figure, "to_image", broken)
    import datetime as dt

    import pandas as pd
    changes = {"components": BRIDGE, "managers": pd.DataFrame(columns=["manager", "component", "change_amount"]),
               "clients": pd.DataFrame(columns=["client_id", "client_name", "component"]),
               "nps_split": pd.DataFrame()}
    snapshot = meeting.Snapshot(
        "2026-W47", dt.datetime(2026, 11, 23, 9, 0),
        pd.DataFrame([{"name": "revenue_amount", "value": 10.0, "last_week": 8.0, "change": 2.0, "avg_4w": 9.0,
                       "change_vs_avg": 1.0}]), (None, None, 0),
        changes, changes,
        pd.DataFrame(columns=["client_id", "client_name", "manager", "revenue_at_risk_amount", "reasons"]),
        pd.DataFrame(columns=["manager", "revenue_amount"]),
        pd.DataFrame(), pd.DataFrame())
    data = pack.pdf_bytes(snapshot, "en", "RUB")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", data)) == 5  # agenda, numbers, changes, risk, decisions


def test_names_in_slide_titles_are_plain_text_in_the_pack():
    """A manager called 'Anna_Smith *lead*' reads as such in the PDF/HTML, not markdown-escaped."""
    import datetime as dt

    import pandas as pd

    from app_state import meeting, pack

    name = "Anna_Smith *lead*"
    empty = {"components": pd.DataFrame(columns=["component", "prev_amount", "cur_amount", "change_amount"]),
             "managers": pd.DataFrame(columns=["manager", "component", "change_amount"]),
             "clients": pd.DataFrame(columns=["client_id", "client_name", "component"]), "nps_split": pd.DataFrame()}
    snapshot = meeting.Snapshot(
        "2026-W47", dt.datetime(2026, 11, 23, 9, 0), pd.DataFrame(columns=["name", "value", "change", "avg_4w"]),
        (None, None, 0), empty, empty,
        pd.DataFrame(columns=["client_id", "client_name", "manager", "revenue_at_risk_amount", "reasons"]),
        pd.DataFrame({"manager": [name], "revenue_amount": [1.0]}), pd.DataFrame(), pd.DataFrame())
    titles = [content.title for content in pack.slide_contents(snapshot, "en", "RUB")]
    assert titles[4] == name
    assert "<h1>Anna_Smith *lead*</h1>" in pack.html_text(snapshot, "en", "RUB")
