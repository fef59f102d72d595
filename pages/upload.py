"""Upload: real exports as they are → what was read, the columns, a preview → import → counts;
the import log and undo."""

import streamlit as st

import app_state
from app_state import imports
from app_state.safe_text import plain
from i18n import fmt_count, fmt_date, fmt_number, t, tn

ctx = app_state.page_context()
lang, currency = ctx.lang, ctx.filters.currency
REJECT_COLUMNS = {"line": "number", "column": "text", "reason": "text", "raw": "text"}

st.title(t("page.upload.title", lang))
st.caption(t("page.upload.caption", lang))

nonce = st.session_state.setdefault("upload_nonce", 0)
imports.uploader_in_words(lang)
files = st.file_uploader(t("upload.files", lang), type=list(imports.UPLOAD_TYPES), accept_multiple_files=True,
                         key=f"upload_{nonce}", help=t("upload.files.help", lang))

# ------------------------------------------------------------------ each file: read as, columns, preview
chosen = {}
for upload in files or []:
    if imports.is_done(nonce, upload.name):  # imported (or a repeat) in this round: nothing to set
        continue
    key = f"{nonce}:{upload.name}"
    with st.container(border=True):
        st.subheader(plain(upload.name))
        planned = imports.plan_upload(imports.staged(upload), upload.name, upload.file_id)
        if planned.plan is None:
            st.error(t("upload.file_problem", lang, file=plain(upload.name),
                       reason=imports.reject_reason_text(planned.problem, lang)))
            continue
        plan = planned.plan
        st.caption(imports.read_as_text(plan, lang))
        mapping = imports.mapping_editor(plan, key, lang)
        level, found = imports.found_text(plan, mapping, lang)
        (st.warning if level == "warning" else st.info)(found)
        if not imports.complete(mapping):
            st.caption(t("upload.preview.unavailable", lang))
            continue
        preview, problems = imports.preview_tables(plan, mapping, lang)
        st.markdown(f"**{t('upload.preview', lang)}**")
        st.dataframe(preview, hide_index=True, width="stretch")
        if len(problems):
            st.markdown(f"**{t('upload.preview.problems', lang)}**")
            app_state.show_table(problems, REJECT_COLUMNS, lang, currency, name="preview-problems")
        if imports.can_save_preset(plan, mapping):
            remember = st.checkbox(t("upload.save_preset", lang), value=True, key=f"{key}:remember")
            preset_name = st.text_input(t("upload.preset_name", lang), value=upload.name.rsplit(".", 1)[0],
                                        key=f"{key}:preset_name", disabled=not remember)
            mapping_preset = preset_name.strip() if remember and preset_name.strip() else None
        else:
            mapping_preset = None
        chosen[upload.name] = (upload, plan, mapping, mapping_preset)

# ------------------------------------------------------------------ import


ready = {name: item for name, item in chosen.items() if imports.complete(item[2])}
if ready and st.button(tn("upload.import_count", len(ready), lang), type="primary", key="import_button"):
    st.session_state["upload_outcomes"] = [imports.import_with_progress(*item, accept_partial=False, lang=lang,
                                                                        imported_by=ctx.user.name)
                                           for item in ready.values()]
    if imports.all_done(files, nonce):
        st.session_state["upload_nonce"] = nonce + 1  # clears the widget: the bytes leave memory
        imports.release_staged()
    st.rerun()

# ------------------------------------------------------------------ what happened
for index, outcome in enumerate(st.session_state.get("upload_outcomes", [])):
    name, result, earlier = outcome["file"], outcome["result"], outcome["earlier"]
    if earlier is not None:
        st.warning(t("upload.already_imported", lang, file=plain(name), id=earlier.import_id,
                     earlier_file=plain(earlier.file_name or "—"),
                     when=f"{fmt_date(earlier.imported_at, lang)} {earlier.imported_at:%H:%M}",
                     who=(plain(earlier.imported_by) if earlier.imported_by
                          else t("upload.unknown_user", lang))))
        continue
    counts = dict(file=plain(result.file_name), read=result.rows_read, inserted=result.rows_inserted,
                  duplicate=result.rows_duplicate, rejected=result.rows_rejected,
                  table=t(f"table.{result.table_name}", lang) if result.table_name else "—")
    if result.status == "committed":
        st.success(t("upload.committed", lang, **counts))
        if outcome["preset_saved"]:
            st.info(t("upload.preset_saved", lang, name=plain(outcome["preset_saved"])))
    elif imports.is_file_problem(result):
        st.error(t("upload.file_problem", lang, file=plain(result.file_name),
                   reason=imports.reject_reason_text(result.rejects[0].reason, lang)))
        continue
    else:
        st.error(t("upload.rejected", lang, **counts))
    if result.rows_skipped:
        st.caption(tn("upload.skipped_note", result.rows_skipped, lang))
    problems = [r for r in result.rejects if not r.reason.startswith("skipped:")]
    if problems:
        st.markdown(f"**{t('upload.rejects.title', lang)}**")
        app_state.show_table(imports.rejects_frame(problems, lang), REJECT_COLUMNS, lang, currency,
                             name=f"rejects-{index + 1}")
        if (result.rejects_total or 0) > len(result.rejects):
            st.caption(t("upload.rejects.more", lang, shown=fmt_count(len(result.rejects), lang),
                         total=fmt_count(result.rejects_total, lang)))
    item = chosen.get(name)
    if result.status == "rejected" and item is not None:
        good = result.rows_read - result.rows_rejected - result.rows_skipped
        if st.button(t("upload.accept_partial", lang, good=fmt_count(good, lang),
                       bad=fmt_count(result.rows_rejected, lang)),
                     key=f"partial_{nonce}_{index}", help=t("upload.accept_partial.help", lang)):
            outcomes = st.session_state["upload_outcomes"]
            outcomes[index] = imports.import_with_progress(*item, accept_partial=True, lang=lang,
                                                                   imported_by=ctx.user.name)
            if imports.all_done(files, nonce):
                st.session_state["upload_nonce"] = nonce + 1
                imports.release_staged()
            st.rerun()

# ------------------------------------------------------------------ log and undo
st.subheader(t("upload.log", lang))
log = imports.load_import_log()
if log.empty:
    st.info(t("upload.log.empty", lang))
else:
    app_state.show_table(log, {"import_id": "number", "file_name": "text",
                               "table_name": "code:table", "preset": "text", "rows_read": "number",
                               "rows_inserted": "number", "rows_duplicate": "number",
                               "rows_rejected": "number", "rows_skipped": "number", "imported_by": "text",
                               "imported_at": "date", "status": "code:upload.status"},
                         lang, currency, name="imports")
    with_rejects = imports.imports_with_rejects(log)
    if with_rejects:
        st.subheader(t("upload.past_rejects", lang))
        picked = st.selectbox(t("upload.past_rejects.pick", lang), with_rejects, key="past_rejects",
                              format_func=lambda i: t("upload.past_rejects.option", lang, id=i))
        app_state.show_table(imports.load_import_rejects(picked, lang), REJECT_COLUMNS, lang, currency,
                             name=f"rejects-import-{picked}")
    st.subheader(t("upload.undo.title", lang))
    st.caption(t("upload.undo.note", lang))
    for row in imports.undoable_imports(log).itertuples():
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
            removed = imports.undo_upload(int(row.import_id), ctx.user.name)
            st.session_state["upload_outcomes"] = []
            st.session_state.pop("undo_pending", None)
            st.toast(t("upload.undone", lang, id=row.import_id, rows=fmt_number(removed, lang)))
            st.rerun()
