"""Sign-in before any data is read, sign-out, idle timeout, and the audit of what people do.

- Users in ``[users.*]`` of ``.streamlit/secrets.toml`` (see access/users.py): a password form,
  scrypt hashes compared in constant time, lockout after 5 wrong passwords per user and per
  client address for 15 minutes (counted from the audit log), idle timeout.
- ``[auth]`` in the secrets (an OIDC provider): ``st.login`` instead; the user is the one whose
  ``email`` matches the provider's.
- No users and no ``[auth]``: single-user mode when the server listens on loopback only (the
  app says so); any other address → the app refuses to show anything.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Mapping

import streamlit as st

import i18n
from access import lockout
from access.passwords import hash_password, verify_password
from access.users import LOCAL_USER, User, UsersError, user_by_email, users_from_secrets
from app_state import cursor
from app_state.safe_text import plain

log = logging.getLogger(__name__)

USER_KEY, SEEN_KEY, NOTICE_KEY = "auth_user", "auth_last_seen", "auth_notice"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


# ---------------------------------------------------------------- configuration

def _secrets() -> Mapping:
    try:
        return st.secrets.to_dict()
    except Exception:  # no secrets.toml at all: Streamlit raises its own not-found error
        return {}


def configured_users(secrets: Mapping | None = None) -> dict[str, User]:
    """{name: User} from the secrets (UsersError when they are wrong)."""
    return users_from_secrets(_secrets() if secrets is None else secrets)


def oidc_configured(secrets: Mapping | None = None) -> bool:
    return bool((_secrets() if secrets is None else secrets).get("auth"))


def served_beyond_loopback() -> bool:
    """The server listens on an address other people can reach (unset = every interface;
    .streamlit/config.toml sets 127.0.0.1, ``--server.address`` overrides it)."""
    return (st.get_option("server.address") or "") not in LOOPBACK


def client_address() -> str | None:
    try:
        address = st.context.ip_address
    except Exception:  # no request behind this run (AppTest)
        return None
    return address if isinstance(address, str) and address else None


def audit(action: str, user: str | None, detail: str | None = None) -> None:
    """One audit event for this session's client (never fails the page: logged if it cannot)."""
    from warehouse import audit as audit_log

    try:
        with cursor() as cur:
            audit_log.record(cur, action, user=user, address=client_address(), detail=detail)
    except Exception:
        log.exception("cannot write audit event %s for %s", action, user)


def session_user_name() -> str:
    """This session's user name for the audit ('local' in single-user mode)."""
    return st.session_state.get(USER_KEY) or LOCAL_USER.name


# ---------------------------------------------------------------- who is signed in

def current_user(idle_minutes: float) -> User | None:
    """The signed-in user of this session, the local user in single-user mode, or None (the
    caller shows :func:`sign_in_page` and nothing else). Stops the run with a message when the
    configuration is wrong or the server is exposed without users."""
    lang = st.session_state.get("lang") or "en"
    secrets = _secrets()
    try:
        users = configured_users(secrets)
    except UsersError as problem:
        log.error("users in secrets.toml: %s", problem)
        st.error(i18n.t("auth.config_error", lang))
        st.stop()
    _audit_user_changes(users)
    if oidc_configured(secrets):
        return _oidc_user(users, lang)
    if not users:
        if served_beyond_loopback():
            st.error(i18n.t("auth.no_users_remote", lang))
            st.stop()
        return LOCAL_USER
    return _password_user(users, idle_minutes)


@st.cache_resource(show_spinner=False)
def _configs_audited() -> dict:
    """The configurations this process last audited ({"users": str, "settings": str})."""
    return {}


def users_summary(users: Mapping[str, User]) -> str:
    """Names, roles, teams, e-mails and a fingerprint of each password hash (never the hash)."""
    import hashlib

    def one(u: User) -> str:
        teams = "*" if u.teams is None else ",".join(u.teams)
        key = hashlib.sha256((u.password_hash or "").encode()).hexdigest()[:8] if u.password_hash else "-"
        return f"{u.name}:{u.role}:{teams}:{u.email or '-'}:{key}"

    return "; ".join(one(u) for u in sorted(users.values(), key=lambda u: u.name)) or "(no users)"


def _audit_user_changes(users: Mapping[str, User]) -> None:
    """A ``users`` audit event whenever the configured users differ from the last ones audited."""
    audit_config_change("users", users_summary(users))


def audit_config_change(action: str, summary: str) -> None:
    """An audit event (``users`` or ``settings``) whenever that configuration differs from the
    last one audited — compared once per process with the log, then in memory."""
    from warehouse import audit as audit_log

    seen = _configs_audited()
    if seen.get(action) == summary:
        return
    try:
        with cursor() as cur:
            last = cur.execute("SELECT detail FROM audit_log WHERE action = ? ORDER BY event_id DESC LIMIT 1",
                               [action]).fetchall()
            if not last or last[0][0] != summary:
                audit_log.record(cur, action, user=None, detail=summary)
        seen[action] = summary
    except Exception:
        log.exception("cannot audit the %s configuration", action)


def _password_user(users: Mapping[str, User], idle_minutes: float) -> User | None:
    name = st.session_state.get(USER_KEY)
    if name is None:
        return None
    idle = time.time() - st.session_state.get(SEEN_KEY, 0.0)
    if idle > idle_minutes * 60 or name not in users:
        audit("sign_out", name, "idle" if name in users else "user removed")
        _forget(notice="idle" if name in users else None)
        return None
    st.session_state[SEEN_KEY] = time.time()
    return users[name]


def _oidc_user(users: Mapping[str, User], lang: str) -> User | None:
    if not st.user.get("is_logged_in", False):
        return None
    email = st.user.get("email")
    user = user_by_email(users, email)
    if user is None:
        st.error(i18n.t("auth.oidc_unknown", lang, email=plain(email or "—")))
        st.button(i18n.t("auth.sign_out", lang), on_click=st.logout)
        st.stop()
    if st.session_state.get(USER_KEY) != user.name:
        st.session_state[USER_KEY] = user.name
        audit("sign_in", user.name, "oidc")
    return user


def _forget(notice: str | None = None) -> None:
    for key in (USER_KEY, SEEN_KEY, "auth_lang_saved"):
        st.session_state.pop(key, None)
    if notice:
        st.session_state[NOTICE_KEY] = notice


# ---------------------------------------------------------------- signing in and out

@functools.cache
def _decoy_hash() -> str:
    """A hash to check unknown names against, so they take as long as known ones."""
    return hash_password("decoy password")


def attempt_sign_in(users: Mapping[str, User], name: str, password: str, address: str | None,
                    now: dt.datetime | None = None) -> tuple[str, User | None, dt.datetime | None]:
    """('ok', user, None) | ('failed', None, None) | ('locked', None, until). Every attempt is
    audited; a locked name or address is refused before the password is even checked."""
    from warehouse import audit as audit_log

    now = now or audit_log.now_utc()
    since = now - lockout.WINDOW
    with cursor() as cur:
        failures = [audit_log.failures_since_success(cur, since=since, user=name)]
        if address:
            failures.append(audit_log.failures_since_success(cur, since=since, address=address))
        locks = [until for times in failures if (until := lockout.locked_until(times, now))]
        if locks:
            until = max(locks)
            audit_log.record(cur, "sign_in_locked", user=name, address=address, detail=f"until {until:%H:%M}",
                             at=now)
            return "locked", None, until
        user = users.get(name)
        known = user is not None and user.password_hash
        matches = verify_password(password, user.password_hash if known else _decoy_hash()) and known
        if not matches:
            audit_log.record(cur, "sign_in_failed", user=name, address=address, at=now)
            return "failed", None, None
        audit_log.record(cur, "sign_in", user=name, address=address, detail="password", at=now)
    return "ok", user, None


def sign_in_page() -> None:
    """The page shown instead of the app until someone signs in (no data is read here)."""
    lang = st.session_state.get("lang") or "en"
    t = i18n.t
    st.title(t("auth.title", lang))
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice == "idle":
        st.info(t("auth.idle", lang))
    elif notice == "signed_out":
        st.info(t("auth.signed_out", lang))
    if oidc_configured():
        st.button(t("auth.sign_in_oidc", lang), on_click=st.login, type="primary", key="auth_oidc")
        return
    with st.form("sign_in"):
        name = st.text_input(t("auth.name", lang), key="auth_name")
        password = st.text_input(t("auth.password", lang), type="password", key="auth_password")
        submitted = st.form_submit_button(t("auth.sign_in", lang), type="primary")
    if not submitted:
        return
    from warehouse.connection import DatabaseInUse

    try:
        outcome, user, until = attempt_sign_in(configured_users(), name.strip(), password, client_address())
    except DatabaseInUse:
        log.exception("sign-in: the database is held by another process")
        st.error(t("auth.db_in_use", lang))
        return
    except Exception:  # details to the log only: database errors can carry data
        log.exception("sign-in failed unexpectedly")
        st.error(t("app.error", lang))
        return
    if outcome == "ok":
        st.session_state[USER_KEY] = user.name
        st.session_state[SEEN_KEY] = time.time()
        _restore_language(user.name)
        st.rerun()
    elif outcome == "locked":
        minutes = max(1, int((until - dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)).total_seconds() // 60) + 1)
        st.error(i18n.tn("auth.locked", minutes, lang))
    else:
        st.error(t("auth.failed", lang))


def _restore_language(name: str) -> None:
    """The language this user chose last time, if any (the URL's ?lang= still wins)."""
    from warehouse import prefs

    with cursor() as cur:
        lang = prefs.language(cur, name)
    if lang in i18n.LANGS and "lang" not in st.query_params:
        st.session_state["lang_pending"] = lang  # applied before the switch is drawn (next run)


def remember_language(user: User, lang: str) -> None:
    """Keep the language a signed-in user works in (written only when it changes)."""
    from warehouse import prefs

    if user is LOCAL_USER or st.session_state.get("auth_lang_saved") == lang:
        return
    with cursor() as cur:
        prefs.remember_language(cur, user.name, lang)
    st.session_state["auth_lang_saved"] = lang


def sidebar_account(user: User, lang: str) -> None:
    """Who is signed in, and a sign-out button (or the single-user note)."""
    t = i18n.t
    if user is LOCAL_USER:
        st.sidebar.caption(t("auth.single_user", lang))
        return
    st.sidebar.caption(t("auth.signed_in_as", lang, name=plain(user.name), role=t(f"role.{user.role}", lang)))
    if st.sidebar.button(t("auth.sign_out", lang), key="auth_sign_out", icon=":material/logout:"):
        audit("sign_out", user.name, "button")
        _forget(notice="signed_out")
        if oidc_configured():
            st.logout()
        st.rerun()
