"""Writing users into ``.streamlit/secrets.toml`` (what ``python -m warehouse user`` does).

Everything else in the file is kept; the file is rewritten as TOML (comments are not kept) and
is readable by its owner only.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import tomli_w

from access.passwords import hash_password
from access.users import ALL_TEAMS, ROLES, UsersError, users_from_secrets

DEFAULT_PATH = Path(__file__).resolve().parent.parent / ".streamlit" / "secrets.toml"


def read(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _write(path: Path, data: dict) -> None:
    users_from_secrets(data)  # never write a file the app would refuse
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def add_user(path: Path, name: str, password: str, *, role: str, teams: str,
             email: str | None = None) -> bool:
    """Add or replace a user; returns True when the user existed before. ``teams``: "A,B" or "*"."""
    if role not in ROLES:
        raise UsersError(f"role must be one of {', '.join(ROLES)}")
    if not name.strip() or any(c in name for c in ".[]\"'\n"):
        raise UsersError("the user name must be non-empty and have no dots, brackets or quotes")
    data = read(path)
    users = data.setdefault("users", {})
    existed = name in users
    entry = {"password_hash": hash_password(password), "role": role,
             "teams": ALL_TEAMS if teams.strip() == ALL_TEAMS else [t.strip() for t in teams.split(",") if t.strip()]}
    if email:
        entry["email"] = email.strip()
    users[name] = entry
    _write(path, data)
    return existed


def remove_user(path: Path, name: str) -> bool:
    """Remove a user; returns False when there was none by that name."""
    data = read(path)
    if name not in data.get("users", {}):
        return False
    del data["users"][name]
    _write(path, data)
    return True
