"""Users and roles from ``.streamlit/secrets.toml``, and what each role may do.

    [users.anna]
    password_hash = "scrypt$16384$8$1$…"     # python -m warehouse user add anna …
    role = "editor"                           # viewer | editor | admin
    teams = ["Key accounts"]                  # the teams whose data she sees; "*" = all
    email = "anna@example.com"                # maps an OIDC sign-in ([auth]) to this user
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

ROLES = ("viewer", "editor", "admin")
ALL_TEAMS = "*"
# The least role each action needs.
NEEDS = {"view": "viewer", "export": "viewer", "upload": "editor", "undo": "editor", "decide": "editor",
         "admin": "admin", "settings": "admin", "backup": "admin"}
# Actions that change every team's data (an export holds the whole department's rows, an undo
# takes back a whole file): only a user of every team may take them, whatever the role.
WHOLE_DEPARTMENT = frozenset({"upload", "undo"})


class UsersError(ValueError):
    """The users section of the secrets is wrong; the message names the user and the fix."""


@dataclass(frozen=True)
class User:
    """A signed-in person. ``teams`` None = every team; else the only teams whose data they see."""

    name: str
    role: str
    teams: tuple[str, ...] | None
    email: str | None = None
    password_hash: str | None = field(default=None, repr=False, compare=False)

    def can(self, action: str) -> bool:
        if action in WHOLE_DEPARTMENT and self.teams is not None:
            return False
        return ROLES.index(self.role) >= ROLES.index(NEEDS[action])


# No users configured and the server on loopback: one person at their own machine.
LOCAL_USER = User("local", "admin", None)


def _teams(name: str, raw) -> tuple[str, ...] | None:
    if raw == ALL_TEAMS or raw == [ALL_TEAMS]:
        return None
    if isinstance(raw, str):
        raw = [raw]
    teams = tuple(str(t).strip() for t in raw or () if str(t).strip())
    if not teams:
        raise UsersError(f"user {name!r} has no teams: set teams = [\"Team\", …] or teams = \"*\" for all")
    return teams


def users_from_secrets(secrets: Mapping) -> dict[str, User]:
    """The ``[users.*]`` tables of the secrets → {name: User}. An admin without ``teams`` sees
    all teams; everyone else must be given teams (an empty list would mean "everything")."""
    users = {}
    for name, entry in dict(secrets.get("users", {}) or {}).items():
        entry = dict(entry)
        role = entry.get("role", "viewer")
        if role not in ROLES:
            raise UsersError(f"user {name!r} has role {role!r}; expected one of {', '.join(ROLES)}")
        raw_teams = entry.get("teams", ALL_TEAMS if role == "admin" else None)
        email = str(entry["email"]).strip().casefold() if entry.get("email") else None
        users[str(name)] = User(str(name), role, _teams(str(name), raw_teams), email, entry.get("password_hash"))
    return users


def user_by_email(users: Mapping[str, User], email: str | None) -> User | None:
    """The user an OIDC sign-in maps to (emails compared case-insensitively), or None."""
    if not email:
        return None
    wanted = email.strip().casefold()
    return next((u for u in users.values() if u.email == wanted), None)
