"""Per-user preferences: the interface language a user chose last, restored at sign-in."""

from __future__ import annotations

import datetime as dt


def language(con, user: str) -> str | None:
    rows = con.execute("SELECT lang FROM user_prefs WHERE user_name = ?", [user]).fetchall()
    return rows[0][0] if rows else None


def remember_language(con, user: str, lang: str) -> None:
    con.execute("INSERT OR REPLACE INTO user_prefs (user_name, lang, updated_at) VALUES (?, ?, ?)",
                [user, lang, dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)])
