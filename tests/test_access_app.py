"""AppTest: sign-in before any data, lockout and its audit, roles, team scope on every page and
download, idle timeout, the Admin page. Expected numbers come from SQL on the same file."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

import i18n
from access.passwords import hash_password
from tests.conftest import ENTRY
from warehouse.connection import connect

TEAM_A = "Key accounts"
PASSWORD = {"anna": "anna-pass-1", "boss": "boss-pass-1", "vera": "vera-pass-1"}
VIEW_PAGES = ("overview", "retention", "ltv", "nps", "managers", "service", "clients")


@pytest.fixture(scope="module")
def secrets() -> dict:
    fast = 2**10  # cheap hashes for tests; the app accepts any scrypt cost
    return {"users": {
        "anna": {"password_hash": hash_password(PASSWORD["anna"], n=fast), "role": "editor", "teams": [TEAM_A]},
        "boss": {"password_hash": hash_password(PASSWORD["boss"], n=fast), "role": "admin"},
        "vera": {"password_hash": hash_password(PASSWORD["vera"], n=fast), "role": "viewer", "teams": "*"},
    }}


@pytest.fixture
def db(demo_copy):
    return demo_copy


@pytest.fixture
def open_app(monkeypatch, db, secrets, legacy_pages_off):
    monkeypatch.setenv("DASHBOARD_DB", str(db))

    def start(lang: str = "en") -> AppTest:
        at = AppTest.from_file(ENTRY, default_timeout=90)
        for key, value in secrets.items():
            at.secrets[key] = value
        at.query_params["lang"] = lang
        at.run()
        assert not at.exception, at.exception
        return at

    return start


def sign_in(at: AppTest, name: str, password: str | None = None) -> AppTest:
    at.text_input(key="auth_name").input(name)
    at.text_input(key="auth_password").input(password if password is not None else PASSWORD[name])
    next(b for b in at.button if b.label == i18n.t("auth.sign_in", "en")).click()
    at.run()
    assert not at.exception, at.exception
    return at


def audit_rows(db_path, user: str) -> list[str]:
    con = connect(db_path)  # the app's configuration: DuckDB shares the open database in-process
    try:
        return [a for (a,) in con.execute(
            "SELECT action FROM audit_log WHERE user_name = ? ORDER BY event_id", [user]).fetchall()]
    finally:
        con.close()


def audit_details(db_path, action: str) -> list[str]:
    con = connect(db_path)
    try:
        return [d for (d,) in con.execute(
            "SELECT detail FROM audit_log WHERE action = ? ORDER BY event_id", [action]).fetchall()]
    finally:
        con.close()


def no_data_elements(at: AppTest) -> bool:
    return not (at.metric or at.dataframe or at.get("plotly_chart") or at.table)


def test_without_sign_in_no_page_renders_data(open_app):
    at = open_app()
    assert at.title[0].value == i18n.t("auth.title", "en")
    assert no_data_elements(at)
    with pytest.raises(ValueError, match="Known pages: \\['Sign in'\\]"):
        at.switch_page("pages/managers.py")  # no page but the sign-in form is registered


def test_six_wrong_passwords_lock_the_user_and_are_audited(open_app, db):
    at = open_app()
    for _ in range(5):
        sign_in(at, "anna", "wrong")
        assert [e.value for e in at.error] == [i18n.t("auth.failed", "en")]
    sign_in(at, "anna")  # the right password, but the name is locked now
    assert [e.value for e in at.error] == [i18n.tn("auth.locked", 15, "en")]
    assert no_data_elements(at)
    assert audit_rows(db, "anna") == ["sign_in_failed"] * 5 + ["sign_in_locked"]


def test_sign_in_shows_pages_for_the_role_and_sign_out_returns_to_the_form(open_app, db):
    at = sign_in(open_app(), "vera")
    assert at.title[0].value == i18n.t("page.overview.title", "en")
    assert at.metric  # data now
    with pytest.raises(ValueError):
        at.switch_page("pages/upload.py").run()  # a viewer has no Upload page
    at = sign_in(open_app(), "vera")
    next(b for b in at.sidebar.button if b.key == "auth_sign_out").click().run()
    assert at.title[0].value == i18n.t("auth.title", "en")
    assert [i.value for i in at.info] == [i18n.t("auth.signed_out", "en")]
    assert audit_rows(db, "vera") == ["sign_in", "sign_in", "sign_out"]


def test_idle_session_is_signed_out(open_app, db):
    at = sign_in(open_app(), "vera")
    at.session_state["auth_last_seen"] = time.time() - 31 * 60  # default idle timeout: 30 min
    at.run()
    assert at.title[0].value == i18n.t("auth.title", "en")
    assert [i.value for i in at.info] == [i18n.t("auth.idle", "en")]
    assert audit_rows(db, "vera")[-1] == "sign_out"


def _team_a_revenue(db_path) -> tuple[float, set[str]]:
    """Revenue of team A's clients in the default window (the same window as test_app's) and the
    managers of the other teams."""
    con = connect(db_path)
    try:
        (revenue,) = con.execute("""
            WITH bounds AS (SELECT max(paid_at)::DATE AS last_day FROM payments p
                            JOIN clients c USING (client_id)
                            JOIN managers m ON m.manager = c.manager WHERE m.team = $team)
            SELECT sum(p.amount) FROM payments p JOIN clients c USING (client_id)
            JOIN managers m ON m.manager = c.manager, bounds
            WHERE m.team = $team
              AND p.paid_at >= date_trunc('month', last_day) - INTERVAL 11 MONTH
              AND p.paid_at < last_day + INTERVAL 1 DAY
        """, {"team": TEAM_A}).fetchone()
        others = {name for (name,) in con.execute(
            "SELECT manager FROM managers WHERE team <> ?", [TEAM_A]).fetchall()}
    finally:
        con.close()
    return revenue, others


def test_team_scope_on_every_page_and_never_anothers_cache(open_app, db):
    revenue, other_managers = _team_a_revenue(db)
    label = i18n.t("metric.revenue_amount.label", "en")
    boss = sign_in(open_app(), "boss")  # every team, computed first: its cache must not leak
    everyone = next(m.value for m in boss.metric if m.label == label)
    anna = sign_in(open_app(), "anna")
    shown = next(m.value for m in anna.metric if m.label == label)

    assert shown == i18n.fmt_money(revenue, "en", "RUB") != everyone
    assert anna.sidebar.multiselect(key="filter_team").options == [TEAM_A]
    assert not set(anna.sidebar.multiselect(key="filter_manager").options) & other_managers
    manager_column = i18n.t("col.manager", "en")
    for page in VIEW_PAGES:
        anna.switch_page(f"pages/{page}.py").run()
        assert not anna.exception and not anna.error, page
        for frame in anna.dataframe:  # what the tables show is what their downloads contain
            if manager_column in frame.value.columns:
                assert not set(frame.value[manager_column].dropna()) & other_managers, page


def test_admin_page_shows_the_audit_and_backs_up(open_app, db, monkeypatch, tmp_path):
    from app_state import admin

    monkeypatch.setattr(admin, "BACKUP_DIR", tmp_path / "backups")
    at = sign_in(open_app(), "boss")
    at.switch_page("pages/admin.py").run()
    assert not at.exception
    events = at.dataframe[0].value
    assert events[i18n.t("col.action", "en")].tolist()[:1] == [i18n.t("audit.sign_in", "en")]
    users = at.dataframe[1].value
    assert sorted(users[i18n.t("col.user_name", "en")]) == ["anna", "boss", "vera"]
    at.button(key="backup_button").click().run()
    assert at.success and "backups" in at.success[0].value
    assert audit_rows(db, "boss") == ["sign_in", "backup"]
    assert len(list((tmp_path / "backups").iterdir())) == 1


def test_editor_cannot_open_the_admin_page(open_app):
    at = sign_in(open_app(), "anna")
    with pytest.raises(ValueError):
        at.switch_page("pages/admin.py").run()


def test_an_editor_of_one_team_has_no_upload_page(open_app):
    at = sign_in(open_app(), "anna")  # editor of TEAM_A only: an import changes every team's data
    assert at.metric and not at.exception
    with pytest.raises(ValueError):
        at.switch_page("pages/upload.py").run()


def test_language_is_remembered_per_user(open_app):
    at = sign_in(open_app(), "vera")
    at.sidebar.segmented_control(key="lang").set_value("ru").run()
    assert at.title[0].value == i18n.t("page.overview.title", "ru")

    fresh = open_app()  # a new session, no ?lang= in the URL
    fresh.query_params.pop("lang", None)
    fresh.session_state["lang"] = None
    at = sign_in(fresh, "vera")
    assert at.title[0].value == i18n.t("page.overview.title", "ru")


def test_a_change_of_users_is_audited_once(open_app, db, secrets):
    from app_state import auth

    auth._configs_audited().pop("users", None)
    open_app()
    open_app()  # the same users: no second event
    changed = {"users": {**secrets["users"], "gleb": {"password_hash": "x", "role": "viewer", "teams": [TEAM_A]}}}
    at = AppTest.from_file(ENTRY, default_timeout=90)
    at.secrets["users"] = changed["users"]
    at.run()
    details = audit_details(db, "users")
    assert len(details) == 2
    assert [entry.split(":")[0] for entry in details[1].split("; ")] == ["anna", "boss", "gleb", "vera"]
    assert "hash" not in details[1] and "scrypt" not in details[1]


OIDC = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "test-secret",
        "client_id": "dashboard", "client_secret": "s",
        "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}


def test_oidc_sign_in_maps_the_email_to_a_user_and_refuses_strangers(open_app, db):
    at = open_app()
    at.secrets["auth"] = OIDC
    at.run()
    assert at.title[0].value == i18n.t("auth.title", "en") and no_data_elements(at)
    assert [b.label for b in at.button] == [i18n.t("auth.sign_in_oidc", "en")]

    at.user = {"is_logged_in": True, "email": "Vera@Example.com"}  # vera's e-mail in secrets, other case
    at.secrets["users"] = {**at.secrets["users"], "vera": {**at.secrets["users"]["vera"], "email": "vera@example.com"}}
    at.run()
    assert at.title[0].value == i18n.t("page.overview.title", "en") and at.metric
    assert audit_rows(db, "vera") == ["sign_in"]

    stranger = open_app()
    stranger.secrets["auth"] = OIDC
    stranger.user = {"is_logged_in": True, "email": "someone@else.org"}
    stranger.run()
    assert [e.value for e in stranger.error] == [i18n.t("auth.oidc_unknown", "en", email="someone@else.org")]
    assert no_data_elements(stranger)



def test_a_change_of_settings_is_audited_once(open_app, db, monkeypatch):
    import dataclasses

    import app_state
    from app_state import auth

    auth._configs_audited().pop("settings", None)
    open_app()
    open_app()
    changed = dataclasses.replace(app_state.get_settings(), churn_after_days=60)
    monkeypatch.setattr(app_state, "get_settings", lambda: changed)
    open_app()
    details = audit_details(db, "settings")
    assert len(details) == 2 and "churn_after_days=90" in details[0] and "churn_after_days=60" in details[1]
