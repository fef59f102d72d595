"""The meeting pack: the slides of one week as a PDF (one page per slide) and a self-contained
HTML file, plus the slides' tables as XLSX and CSV — from the same snapshot the Weekly meeting
page shows. Used by the page's download buttons and by ``python -m metrics meeting``.

Charts are rendered offline by kaleido with Debian's Chromium (PNG in the PDF; interactive
Plotly with its JavaScript inlined in the HTML). Values from files are escaped in the HTML.
"""

from __future__ import annotations

import html
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

import charts
import exports
import i18n
from app_state import cell_formatter, delta_text, meeting

log = logging.getLogger(__name__)

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
PAGE_MM = (338.7, 190.5)  # 16:9, 13.33 × 7.5 in
RISK_ROWS = 10  # what fits one slide with the reasons in words


@dataclass
class Block:
    """One piece of a slide: ``kind`` list | text | kpis | figure | table."""

    kind: str
    data: object
    title: str | None = None


@dataclass
class SlideContent:
    number: int
    title: str
    blocks: list[Block] = field(default_factory=list)


def _kpi_cells(snapshot: meeting.Snapshot, lang: str, currency: str) -> list[tuple[str, str, str, str]]:
    return [(i18n.t(f"metric.{row.name}.label", lang), i18n.fmt_metric(row.name, row.value, lang, currency),
             delta_text(row.name, row.change, lang, currency) or "", meeting.vs_average_text(row, lang, currency))
            for row in snapshot.kpis.itertuples()]


def _table(frame: pd.DataFrame, columns: dict[str, str], lang: str, currency: str) -> tuple[list[str], list[list[str]]]:
    """(headers, rows of text) of ``frame`` formatted as the app's tables show them."""
    formats = {column: cell_formatter(kind, lang, currency) for column, kind in columns.items()}
    headers = [i18n.t(f"col.{c}", lang) for c in columns]
    rows = [[formats[column](record.get(column)) for column in columns] for record in frame.to_dict("records")]
    return headers, rows


def slide_contents(snapshot: meeting.Snapshot, lang: str, currency: str) -> list[SlideContent]:
    """Every slide of the meeting as blocks that both the PDF and the HTML lay out."""
    t = i18n.t
    deck = meeting.slides(snapshot, lang)
    out = []
    for number, slide in enumerate(deck, start=1):
        content = SlideContent(number, slide.title)
        if slide.kind == "agenda":
            content.blocks += [Block("list", meeting.agenda_items(deck, lang))]
            check = meeting.decisions_to_check_view(snapshot, lang, currency)
            if not check.empty:
                content.blocks.append(Block("table", _table(check, {
                    "subject": "text", "owner": "text", "body": "text", "status": "code:meeting.status",
                    "since": "text"}, lang, currency), t("meeting.decisions.check", lang)))
        elif slide.kind == "kpis":
            content.blocks += [Block("kpis", _kpi_cells(snapshot, lang, currency)),
                               Block("text", meeting.nps_interval_text(snapshot, lang))]
        elif slide.kind == "changes":
            bridge = charts.waterfall_revenue_bridge(snapshot.changes["components"], lang, currency,
                                                     prev_label=t("meeting.before.1", lang),
                                                     cur_label=t("meeting.now.1", lang))
            by_manager = charts.bar_bridge_by_manager(snapshot.changes["managers"], lang, currency)
            split = [(t(f"metric.{name}.label", lang), i18n.fmt_metric(name, value, lang, currency), "", "")
                     for name, value in meeting.nps_split_values(snapshot)]
            content.blocks += [Block("figure", [charts.for_slide(bridge), charts.for_slide(by_manager)]),
                               Block("kpis", split)]
        elif slide.kind == "risk":
            content.blocks += [Block("table", _table(snapshot.risk.head(RISK_ROWS),
                                                     {"client_name": "text", "manager": "text",
                                                      "revenue_at_risk_amount": "money", "reasons": "text"},
                                                     lang, currency))]
        elif slide.kind == "manager":
            summary = meeting.manager_summary(snapshot, slide.manager)
            row = summary["row"]
            cells = [(label, value, "", "") for label, value, _ in meeting.manager_cells(summary, lang, currency)]
            content.blocks += [Block("kpis", cells),
                               Block("text", meeting.quadrant_text(row, lang).replace("**", ""))]
            if not summary["risk"].empty:
                content.blocks.append(Block("table", _table(summary["risk"], {
                    "client_name": "text", "revenue_at_risk_amount": "money", "reasons": "text"}, lang, currency)))
        else:
            check = meeting.decisions_to_check_view(snapshot, lang, currency)
            content.blocks.append(Block("table", _table(check, {
                "week": "text", "subject": "text", "owner": "text", "body": "text", "due_on": "date",
                "status": "code:meeting.status", "since": "text"}, lang, currency),
                t("meeting.decisions.check", lang)))
            content.blocks.append(Block("table", _table(snapshot.decisions_of_week, {
                "subject": "text", "owner": "text", "body": "text", "due_on": "date",
                "status": "code:meeting.status"}, lang, currency), t("meeting.decisions.this_week", lang)))
        out.append(content)
    return out


# ---------------------------------------------------------------- PDF

def _png(fig, width: int = 1400, height: int = 760) -> bytes | None:
    """The chart as PNG (kaleido + Chromium), or None when it cannot be drawn here (logged)."""
    try:
        return fig.to_image(format="png", width=width, height=height, scale=1)
    except Exception:  # no Chromium, or kaleido failed: the page keeps its text and tables
        log.exception("cannot render a chart for the meeting pack")
        return None


def pdf_bytes(snapshot: meeting.Snapshot, lang: str, currency: str) -> bytes:
    """One landscape 16:9 page per slide."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="mm", format=(PAGE_MM[1], PAGE_MM[0]))  # (short, long) side, turned
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    week = meeting.week_label(snapshot.week, lang)
    contents = slide_contents(snapshot, lang, currency)
    for content in contents:
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 26)
        pdf.set_xy(12, 10)
        pdf.cell(0, 12, content.title)
        pdf.set_font("DejaVu", "", 11)
        pdf.set_text_color(90, 90, 90)
        pdf.set_xy(12, 23)
        pdf.cell(0, 6, f"{content.number} / {len(contents)} · {week}")
        pdf.set_text_color(0, 0, 0)
        y = 33.0
        for block in content.blocks:
            y = _pdf_block(pdf, block, y, lang)
    return bytes(pdf.output())


def _pdf_block(pdf, block: Block, y: float, lang: str) -> float:
    width = PAGE_MM[0] - 24
    if block.title:
        pdf.set_font("DejaVu", "B", 14)
        pdf.set_xy(12, y)
        pdf.cell(0, 7, block.title)
        y += 9
    if block.kind == "list":
        pdf.set_font("DejaVu", "", 16)
        for line in block.data:
            pdf.set_xy(16, y)
            pdf.cell(0, 8.5, line)
            y += 8.5
        return y + 3
    if block.kind == "text":
        pdf.set_font("DejaVu", "", 13)
        pdf.set_xy(12, y)
        pdf.multi_cell(width, 6.5, block.data)
        return pdf.get_y() + 3
    if block.kind == "kpis":
        columns = 4 if len(block.data) == 8 else 3
        box_w, box_h = (width - (columns - 1) * 4) / columns, 30 if any(c[3] for c in block.data) else 24
        for i, (label, value, delta, note) in enumerate(block.data):
            x, top = 12 + (i % columns) * (box_w + 4), y + (i // columns) * (box_h + 4)
            pdf.set_draw_color(160, 165, 177)
            pdf.rect(x, top, box_w, box_h)
            pdf.set_font("DejaVu", "", 11)
            pdf.set_xy(x + 3, top + 2)
            pdf.cell(box_w - 6, 5, label)
            pdf.set_font("DejaVu", "B", 20)
            pdf.set_xy(x + 3, top + 8)
            pdf.cell(box_w - 6, 9, value)
            pdf.set_font("DejaVu", "", 11)
            pdf.set_xy(x + 3, top + 18)
            pdf.cell(box_w - 6, 5, delta)
            if note:
                pdf.set_text_color(90, 90, 90)
                pdf.set_font("DejaVu", "", 9)
                pdf.set_xy(x + 3, top + 24)
                pdf.cell(box_w - 6, 4, note)
                pdf.set_text_color(0, 0, 0)
        rows = (len(block.data) + columns - 1) // columns
        return y + rows * (box_h + 4)
    if block.kind == "figure":
        figures = block.data
        each = (width - 6 * (len(figures) - 1)) / len(figures)
        for i, fig in enumerate(figures):
            png = _png(fig)
            if png is None:
                pdf.set_font("DejaVu", "", 11)
                pdf.set_xy(12 + i * (each + 6), y)
                pdf.cell(each, 6, i18n.t("meeting.pack.no_chart", lang))
                continue
            pdf.image(io.BytesIO(png), x=12 + i * (each + 6), y=y, w=each)
        return y + each * 760 / 1400 + 4
    headers, rows = block.data
    pdf.set_font("DejaVu", "", 10)
    if not rows:
        pdf.set_xy(12, y)
        pdf.cell(0, 6, i18n.MISSING)
        return y + 9
    pdf.set_xy(12, y)
    widths = [3 if i < len(headers) - 1 else 6 for i in range(len(headers))] if len(headers) > 2 else None
    with pdf.table(width=width, line_height=5.5, text_align="LEFT", first_row_as_headings=True,
                   col_widths=widths) as table:
        for line in [headers, *rows]:
            table.row([str(cell)[:240] for cell in line])
    return pdf.get_y() + 4


# ---------------------------------------------------------------- HTML

def html_text(snapshot: meeting.Snapshot, lang: str, currency: str) -> str:
    """One self-contained HTML file: Plotly's JavaScript inlined once, a section per slide."""
    from plotly.offline import get_plotlyjs

    week = html.escape(meeting.week_label(snapshot.week, lang))
    contents = slide_contents(snapshot, lang, currency)
    sections = []
    for content in contents:
        parts = [f"<h1>{html.escape(content.title)}</h1>",
                 f'<p class="sub">{content.number} / {len(contents)} · {week}</p>']
        parts += [_html_block(block) for block in content.blocks]
        sections.append(f'<section class="slide">{"".join(parts)}</section>')
    title = html.escape(i18n.t("page.meeting.title", lang) + " — " + meeting.week_label(snapshot.week, lang))
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>{_HTML_CSS}</style><script>{get_plotlyjs()}</script></head><body>"
            + "".join(sections) + "</body></html>")


_HTML_CSS = """
body {font-family: 'DejaVu Sans', Arial, sans-serif; margin: 0; background: #eef2f7; color: #111;}
.slide {background: #fff; margin: 24px auto; padding: 28px 40px; width: 1600px; min-height: 860px;
        box-shadow: 0 2px 8px rgba(0,0,0,.15); page-break-after: always;}
h1 {font-size: 44px; margin: 0;} h2 {font-size: 26px;} .sub {color: #555; font-size: 18px;}
ul {font-size: 26px; line-height: 1.5; list-style: none; padding-left: 0;} p {font-size: 20px;}
.kpis {display: grid; grid-template-columns: repeat(3, 1fr); gap: 16px;}
.kpis.wide {grid-template-columns: repeat(4, 1fr);}
.kpi {border: 1px solid #9aa5b1; border-radius: 4px; padding: 12px 16px;}
.kpi .label {font-size: 20px;} .kpi .value {font-size: 40px; font-weight: 700;}
.kpi .delta {font-size: 20px;} .kpi .note {font-size: 15px; color: #555;}
.figures {display: flex; gap: 16px;} .figures > div {flex: 1;}
table {border-collapse: collapse; width: 100%; font-size: 17px;}
th, td {border: 1px solid #ccd; padding: 6px 8px; text-align: left; vertical-align: top;}
th {background: #eef2f7;}
"""


def _html_block(block: Block) -> str:
    esc = html.escape
    head = f"<h2>{esc(block.title)}</h2>" if block.title else ""
    if block.kind == "list":
        return head + "<ul>" + "".join(f"<li>{esc(item)}</li>" for item in block.data) + "</ul>"
    if block.kind == "text":
        return head + f"<p>{esc(block.data)}</p>"
    if block.kind == "kpis":
        cells = "".join(f'<div class="kpi"><div class="label">{esc(a)}</div><div class="value">{esc(b)}</div>'
                        f'<div class="delta">{esc(c)}</div><div class="note">{esc(d)}</div></div>'
                        for a, b, c, d in block.data)
        return head + f'<div class="kpis{" wide" if len(block.data) == 8 else ""}">{cells}</div>'
    if block.kind == "figure":
        figures = "".join(f"<div>{fig.to_html(full_html=False, include_plotlyjs=False)}</div>" for fig in block.data)
        return head + f'<div class="figures">{figures}</div>'
    headers, rows = block.data
    body = "".join("<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return head + ("<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in headers) + f"</tr>{body}</table>"
                   if rows else f"<p>{esc(i18n.MISSING)}</p>")


# ---------------------------------------------------------------- tables and the whole pack

def tables(snapshot: meeting.Snapshot, lang: str) -> dict[str, pd.DataFrame]:
    """The slides' tables with their own column names (numbers stay numbers)."""
    return {"kpis": snapshot.kpis, "bridge": snapshot.changes["components"],
            "bridge_by_manager": snapshot.changes["managers"], "bridge_clients": snapshot.changes["clients"],
            "at_risk": snapshot.risk.drop(columns=[c for c in snapshot.risk.columns if c.startswith("_")]),
            "managers": snapshot.managers, "decisions_to_check": snapshot.decisions_to_check,
            "decisions": snapshot.decisions_of_week}


def xlsx_bytes(snapshot: meeting.Snapshot, lang: str) -> bytes:
    """The slides' tables as one formula-safe workbook, a sheet each."""
    return exports.xlsx_bytes(tables(snapshot, lang))


def write_pack(snapshot: meeting.Snapshot, lang: str, currency: str, out_dir: Path) -> dict[str, Path]:
    """meeting-<week>.pdf, .html, .xlsx and one formula-safe CSV per table under ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"meeting-{snapshot.week}"
    written = {"pdf": out_dir / f"{stem}.pdf", "html": out_dir / f"{stem}.html", "xlsx": out_dir / f"{stem}.xlsx"}
    written["pdf"].write_bytes(pdf_bytes(snapshot, lang, currency))
    written["html"].write_text(html_text(snapshot, lang, currency), encoding="utf-8")
    sheets = tables(snapshot, lang)
    written["xlsx"].write_bytes(xlsx_bytes(snapshot, lang))
    for name, frame in sheets.items():
        path = out_dir / f"{stem}-{name}.csv"
        path.write_bytes(exports.csv_bytes(frame, lang))
        written[f"csv:{name}"] = path
    return written

