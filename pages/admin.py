"""Admin: the audit log, the users and their scope, settings, a backup."""

import streamlit as st

import app_state
from app_state import admin
from app_state.safe_text import plain
from i18n import fmt_count, t

ctx = app_state.page_context()
lang, currency = ctx.lang, ctx.filters.currency
ALL = "all"

st.title(t("page.admin.title", lang))
st.caption(t("page.admin.caption", lang))

st.subheader(t("admin.audit", lang))
left, right = st.columns(2)
action = left.selectbox(t("admin.audit.action", lang), [ALL, *admin.audit_actions()], key="audit_action",
                        format_func=lambda a: t(f"audit.{a}", lang))
user = right.text_input(t("admin.audit.user", lang), key="audit_user").strip()
events = admin.load_audit(None if action == ALL else action, user or None)
if events.empty:
    st.info(t("admin.audit.empty", lang))
else:
    app_state.show_table(events, {"event_id": "number", "happened_at": "datetime", "user_name": "text",
                                  "address": "text", "action": "code:audit", "detail": "text"},
                         lang, currency, name="audit")

st.subheader(t("admin.users", lang))
users = admin.users_frame(lang)
if users.empty:
    st.info(t("admin.users.none", lang))
else:
    app_state.show_table(users, {"user_name": "text", "role": "text", "teams": "text", "email": "text"},
                         lang, currency, name="users")
st.caption(t("admin.users.how", lang))

st.subheader(t("admin.settings", lang))
app_state.show_table(admin.settings_frame(ctx.settings), {"setting": "text", "value": "text"}, lang, currency,
                     name="settings")
st.caption(t("admin.settings.how", lang))

st.subheader(t("admin.backup", lang))
st.caption(t("admin.backup.how", lang))
if st.button(t("admin.backup.run", lang), key="backup_button", icon=":material/backup:"):
    folder, counts = admin.run_backup(ctx.user.name)
    st.success(t("admin.backup.done", lang, folder=plain(str(folder)), rows=fmt_count(sum(counts.values()), lang)))
