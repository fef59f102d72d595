"""access/: password hashes, users from secrets, lockout policy; warehouse/audit.py."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

import pytest

from access import lockout
from access.passwords import hash_password, verify_password
from access.users import LOCAL_USER, User, UsersError, user_by_email, users_from_secrets
from warehouse import audit
from warehouse.connection import connect

T0 = dt.datetime(2026, 11, 27, 9, 0)


def test_hash_is_scrypt_of_the_password_with_its_salt():
    salt = bytes(range(16))
    encoded = hash_password("s3cret", salt=salt, n=2**10)
    expected = hashlib.scrypt(b"s3cret", salt=salt, n=2**10, r=8, p=1, dklen=32)  # the oracle
    assert encoded == f"scrypt$1024$8$1${base64.b64encode(salt).decode()}${base64.b64encode(expected).decode()}"


def test_verify_accepts_the_password_only():
    encoded = hash_password("пароль-1", n=2**10)
    assert verify_password("пароль-1", encoded)
    assert not verify_password("пароль-2", encoded)
    assert not verify_password("", encoded)


def test_two_hashes_of_one_password_differ_by_salt():
    assert hash_password("x", n=2**10) != hash_password("x", n=2**10)


@pytest.mark.parametrize("broken", ["", "plain", "bcrypt$1$2$3$4$5", "scrypt$x$8$1$AAAA$AAAA",
                                    "scrypt$1024$8$1$!!!$AAAA"])
def test_malformed_hash_never_matches_and_never_raises(broken):
    assert verify_password("x", broken) is False


def test_empty_password_is_refused():
    with pytest.raises(ValueError):
        hash_password("")


def test_users_from_secrets_roles_teams_emails():
    users = users_from_secrets({"users": {
        "anna": {"password_hash": "h1", "role": "editor", "teams": ["Key accounts"], "email": "Anna@Example.com"},
        "boss": {"password_hash": "h2", "role": "admin"},
        "vera": {"password_hash": "h3", "role": "viewer", "teams": "*"},
    }})
    assert users["anna"] == User("anna", "editor", ("Key accounts",), "anna@example.com")
    assert users["boss"].teams is None and users["vera"].teams is None
    assert user_by_email(users, " ANNA@example.com") is users["anna"]
    assert user_by_email(users, "nobody@example.com") is None


@pytest.mark.parametrize("entry, message", [
    ({"role": "owner", "teams": "*"}, "role 'owner'"),
    ({"role": "viewer"}, "has no teams"),
    ({"role": "editor", "teams": []}, "has no teams"),
])
def test_users_from_secrets_refuses_wrong_entries(entry, message):
    with pytest.raises(UsersError, match=message):
        users_from_secrets({"users": {"x": entry}})


@pytest.mark.parametrize("role, allowed", [
    ("viewer", {"view", "export"}),
    ("editor", {"view", "export", "upload", "undo", "decide"}),
    ("admin", {"view", "export", "upload", "undo", "decide", "admin", "settings", "backup"}),
])
def test_roles_allow_exactly(role, allowed):
    user = User("u", role, None)
    actions = {"view", "export", "upload", "undo", "decide", "admin", "settings", "backup"}
    assert {a for a in actions if user.can(a)} == allowed


@pytest.mark.parametrize("role, allowed", [
    ("viewer", {"view", "export"}),
    ("editor", {"view", "export", "decide"}),
    ("admin", {"view", "export", "decide", "admin", "settings", "backup"}),
])
def test_a_user_of_some_teams_neither_uploads_nor_undoes(role, allowed):
    user = User("u", role, ("Key accounts",))
    actions = {"view", "export", "upload", "undo", "decide", "admin", "settings", "backup"}
    assert {a for a in actions if user.can(a)} == allowed


def test_local_user_is_an_admin_of_every_team():
    assert (LOCAL_USER.role, LOCAL_USER.teams) == ("admin", None)


def test_locked_until_five_failures_in_fifteen_minutes():
    minute = dt.timedelta(minutes=1)
    four = [T0 + i * minute for i in range(4)]
    assert lockout.locked_until(four, T0 + 5 * minute) is None
    five = four + [T0 + 4 * minute]
    # the oldest of the five (09:00) leaves the window at 09:15
    assert lockout.locked_until(five, T0 + 5 * minute) == T0 + 15 * minute
    assert lockout.locked_until(five, T0 + 15 * minute) is None  # 09:00 is 15 minutes old now
    spread = [T0 + i * 4 * minute for i in range(5)]  # 09:00 … 09:16: never five in 15 minutes
    assert lockout.locked_until(spread, T0 + 16 * minute) is None


def test_audit_failures_count_only_after_the_last_success():
    con = connect(":memory:")
    minute = dt.timedelta(minutes=1)
    for i, action in enumerate(["sign_in_failed", "sign_in_failed", "sign_in", "sign_in_failed"]):
        audit.record(con, action, user="anna", address="10.0.0.5", at=T0 + i * minute)
    audit.record(con, "sign_in_failed", user="boris", address="10.0.0.5", at=T0 + 4 * minute)

    assert audit.failures_since_success(con, since=T0 - minute, user="anna") == [T0 + 3 * minute]
    assert audit.failures_since_success(con, since=T0 - minute, address="10.0.0.5") == [
        T0 + 3 * minute, T0 + 4 * minute]
    assert audit.recent(con)["action"].tolist() == [
        "sign_in_failed", "sign_in_failed", "sign_in", "sign_in_failed", "sign_in_failed"]


def test_audit_refuses_unknown_actions():
    with pytest.raises(ValueError):
        audit.record(connect(":memory:"), "delete_everything", user="x")


def test_five_failures_from_one_address_lock_that_address_for_every_name(tmp_path, monkeypatch):
    from app_state import auth

    monkeypatch.setenv("DASHBOARD_DB", str(tmp_path / "a.duckdb"))
    users = {"anna": User("anna", "viewer", None, None, hash_password("right", n=2**10))}
    second = dt.timedelta(seconds=1)
    for i, name in enumerate(["x1", "x2", "x3", "x4", "anna"]):  # guessing names from one address
        assert auth.attempt_sign_in(users, name, "guess", "10.0.0.9", now=T0 + i * second)[0] == "failed"

    locked = auth.attempt_sign_in(users, "anna", "right", "10.0.0.9", now=T0 + 10 * second)
    elsewhere = auth.attempt_sign_in(users, "anna", "right", "10.0.0.7", now=T0 + 11 * second)
    later = auth.attempt_sign_in(users, "anna", "right", "10.0.0.9", now=T0 + dt.timedelta(minutes=16))

    assert locked == ("locked", None, T0 + dt.timedelta(minutes=15))
    assert elsewhere[0] == "ok"  # anna herself had one failure only; the other address is fine
    assert later[0] == "ok"


def test_access_check_refuses_an_exposed_address_without_users(tmp_path):
    import subprocess
    import sys

    repo = __import__("pathlib").Path(__file__).resolve().parent.parent
    empty, with_user = tmp_path / "none.toml", tmp_path / "users.toml"
    with_user.write_text('[users.boss]\npassword_hash = "x"\nrole = "admin"\n', encoding="utf-8")

    def check(address, secrets):
        return subprocess.run([sys.executable, "-m", "access", "check", "--address", address, "--secrets", str(secrets)],
                              cwd=repo, capture_output=True, text=True, timeout=60)

    exposed = check("0.0.0.0", empty)
    assert exposed.returncode == 1 and exposed.stderr.startswith("refusing to serve on 0.0.0.0: no users")
    assert (check("127.0.0.1", empty).returncode, check("127.0.0.1", empty).stdout) == (
        0, "access: single-user mode on 127.0.0.1\n")
    assert check("0.0.0.0", with_user).stdout == "access: 1 users on 0.0.0.0\n"


def test_admin_settings_are_shown_as_written_in_secrets():
    from app_state import Settings
    from app_state.admin import settings_frame

    frame = settings_frame(Settings(sla_minutes=(("call", 1.0), ("email", 240.0)), default_margin_rate=None))
    shown = dict(zip(frame["setting"], frame["value"]))
    assert (shown["sla_minutes"], shown["default_margin_rate"], shown["risk_weights"], shown["idle_minutes"]) == (
        "call = 1, email = 240", "—", "—", "30")
