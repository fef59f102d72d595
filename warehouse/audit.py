"""The audit log: append-only (this module only INSERTs and SELECTs; nothing UPDATEs or DELETEs).

Actions: ``sign_in``, ``sign_in_failed`` (wrong password or unknown user), ``sign_in_locked``
(refused while locked), ``sign_out``, ``upload``, ``undo``, ``export``, ``backup``,
``settings``, ``users``, ``decision`` (recorded or closed in the weekly meeting).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

ACTIONS = ("sign_in", "sign_in_failed", "sign_in_locked", "sign_out", "upload", "undo", "export", "backup",
           "settings", "users", "decision")


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def record(con, action: str, *, user: str | None, address: str | None = None, detail: str | None = None,
           at: dt.datetime | None = None) -> None:
    """Append one event (in its own statement: committed at once unless a transaction is open)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    con.execute("INSERT INTO audit_log (happened_at, user_name, address, action, detail) VALUES (?, ?, ?, ?, ?)",
                [at or now_utc(), user, address, action, detail])


def failures_since_success(con, *, since: dt.datetime, user: str | None = None,
                           address: str | None = None) -> list[dt.datetime]:
    """Times of ``sign_in_failed`` for one user (or one address) after ``since`` and after their
    last successful sign-in."""
    column = "user_name" if user is not None else "address"
    value = user if user is not None else address
    rows = con.execute(
        f"""SELECT happened_at FROM audit_log
            WHERE {column} = $value AND action = 'sign_in_failed' AND happened_at > $since
              AND happened_at > coalesce((SELECT max(happened_at) FROM audit_log
                                 WHERE {column} = $value AND action = 'sign_in'), TIMESTAMP '1970-01-01')
            ORDER BY happened_at""",
        {"value": value, "since": since},
    ).fetchall()
    return [at for (at,) in rows]


def recent(con, *, limit: int = 500, user: str | None = None, action: str | None = None) -> pd.DataFrame:
    """audit_log: one row per event → the newest ``limit`` (optionally of one user / action)."""
    return con.execute(
        """SELECT event_id, happened_at, user_name, address, action, detail FROM audit_log
           WHERE ($user IS NULL OR user_name = $user) AND ($action IS NULL OR action = $action)
           ORDER BY event_id DESC LIMIT $limit""",
        {"user": user, "action": action, "limit": limit},
    ).df()
