"""Upload: canonical CSV files into the warehouse, the import log, undo."""

import pandas as pd
import streamlit as st

import app_state
from app_state.safe_text import plain
from i18n import fmt_date, fmt_number, t

ctx = app_state.page_context()
lang, currency = ctx.lang, ctx.filters.currency
AUTO = "auto"

st.title(t("page.upload.title", lang))
st.caption(t("page.upload.caption", lang))

nonce = st.session_state.setdefault("upload_nonce", 0)
files = st.file_uploader(t("upload.files", lang), type=["csv"], accept_multiple_files=True,
                         key=f"upload_{nonce}", help=t("upload.files.help", lang))
choices = {}
for upload in files or []:
    detected = app_state.detect_upload_table(upload.getvalue())
    label = t("upload.table_for", lang, file=upload.name)
    options = [AUTO, *app_state.upload_tables()]
    choices[upload.name] = st.selectbox(
        label, options=options, key=f"table_{nonce}_{upload.name}",
        format_func=lambda v, d=detected: (t("upload.table.auto", lang, table=t(f"table.{d}", lang))
                                           if v == AUTO and d else
                                           t("upload.table.unknown", lang) if v == AUTO else
                                           t(f"table.{v}", lang)))

if files and st.button(t("upload.import", lang), type="primary", key="import_button"):
    outcomes = []
    for upload in files:
        table = None if choices[upload.name] == AUTO else choices[upload.name]
        result, earlier = app_state.import_upload(upload.getvalue(), upload.name, table,
                                                  imported_by=None)
        outcomes.append(("duplicate", earlier, upload.name) if earlier else ("result", result))
    st.session_state["upload_outcomes"] = outcomes
    st.session_state["upload_nonce"] = nonce + 1  # clears the widget: the bytes leave memory
    st.rerun()

for outcome in st.session_state.get("upload_outcomes", []):
    if outcome[0] == "duplicate":
        _, earlier, name = outcome
        st.warning(t("upload.already_imported", lang, file=plain(name), id=earlier.import_id,
                     earlier_file=plain(earlier.file_name or "—"),
                     when=f"{fmt_date(earlier.imported_at, lang)} {earlier.imported_at:%H:%M}",
                     who=(plain(earlier.imported_by) if earlier.imported_by
                          else t("upload.unknown_user", lang))))
        continue
    result = outcome[1]
    counts = dict(file=plain(result.file_name), read=result.rows_read, inserted=result.rows_inserted,
                  duplicate=result.rows_duplicate, rejected=result.rows_rejected,
                  table=t(f"table.{result.table_name}", lang) if result.table_name else "—")
    if result.status == "committed":
        st.success(t("upload.committed", lang, **counts))
    else:
        st.error(t("upload.rejected", lang, **counts))
    if result.rejects:
        rejects = pd.DataFrame({
            "line": [r.line for r in result.rejects[:200]],
            "column": [r.column for r in result.rejects[:200]],
            "reason": [app_state.reject_reason_text(r.reason, lang) for r in result.rejects[:200]],
            "raw": [r.raw for r in result.rejects[:200]],
        })
        app_state.show_table(rejects, {"line": "number", "column": "text", "reason": "text",
                                       "raw": "text"}, lang, currency)

st.subheader(t("upload.log", lang))
log = app_state.load_import_log()
if log.empty:
    st.info(t("upload.log.empty", lang))
else:
    app_state.show_table(log, {"import_id": "number", "file_name": "text",
                               "table_name": "code:table", "rows_read": "number",
                               "rows_inserted": "number", "rows_duplicate": "number",
                               "rows_rejected": "number", "imported_by": "text",
                               "imported_at": "date", "status": "code:upload.status"},
                         lang, currency)
    st.subheader(t("upload.undo.title", lang))
    st.caption(t("upload.undo.note", lang))
    for row in app_state.undoable_imports(log).itertuples():
        text_column, button_column = st.columns([5, 1], vertical_alignment="center")
        text_column.text(t("upload.undo.row", lang, id=row.import_id, file=row.file_name or "—",
                           table=t(f"table.{row.table_name}", lang),
                           inserted=fmt_number(row.rows_inserted, lang),
                           when=fmt_date(row.imported_at, lang)))
        if st.session_state.get("undo_pending") != row.import_id:
            if button_column.button(t("upload.undo", lang), key=f"undo_{row.import_id}"):
                st.session_state["undo_pending"] = row.import_id
                st.rerun()
            continue
        # Second step: undo removes data, so it asks once more.
        if button_column.button(t("upload.undo.confirm", lang), key=f"confirm_undo_{row.import_id}",
                                type="primary"):
            removed = app_state.undo_upload(int(row.import_id))
            st.session_state["upload_outcomes"] = []
            st.session_state.pop("undo_pending", None)
            st.toast(t("upload.undone", lang, id=row.import_id, rows=fmt_number(removed, lang)))
            st.rerun()
