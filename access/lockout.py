"""Sign-in lockout: 5 wrong passwords within 15 minutes lock a user (and, apart, a client
address) until the oldest of those 5 is 15 minutes old. The failures come from the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

LIMIT = 5
WINDOW = dt.timedelta(minutes=15)


def locked_until(failures: Iterable[dt.datetime], now: dt.datetime, *, limit: int = LIMIT,
                 window: dt.timedelta = WINDOW) -> dt.datetime | None:
    """Times of wrong passwords since the last successful sign-in → when the lock ends, or None.

    Locked while ``limit`` or more failures fall in the trailing ``window``.
    """
    recent = sorted(t for t in failures if now - window < t <= now)
    if len(recent) < limit:
        return None
    return recent[-limit] + window
