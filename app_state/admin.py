"""Glue of the Admin page: the audit log, the users and their scope, settings, backup."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pandas as pd

import i18n
from app_state import Settings, cursor, db_path
from app_state.auth import audit, configured_users

log = logging.getLogger(__name__)

BACKUP_DIR = Path(__file__).resolve().parent.parent / "backups"


def load_audit(action: str | None, user: str | None, limit: int = 500) -> pd.DataFrame:
    """The newest audit events (never cached: the log grows while you look)."""
    from warehouse import audit as audit_log

    with cursor() as cur:
        return audit_log.recent(cur, limit=limit, user=user, action=action)


def audit_actions() -> tuple[str, ...]:
    from warehouse import audit as audit_log

    return audit_log.ACTIONS


def users_frame(lang: str) -> pd.DataFrame:
    """One row per configured user: name, role (in words), teams ('all' or the list), e-mail."""
    rows = [{"user_name": u.name, "role": i18n.t(f"role.{u.role}", lang),
             "teams": i18n.t("admin.all_teams", lang) if u.teams is None else ", ".join(u.teams),
             "email": u.email or i18n.MISSING}
            for u in configured_users().values()]
    return pd.DataFrame(rows, columns=["user_name", "role", "teams", "email"])


def _setting_text(value) -> str:
    if value is None or value == ():
        return i18n.MISSING
    if isinstance(value, tuple):  # (key, number) pairs such as sla_minutes
        return ", ".join(f"{key} = {number:g}" for key, number in value)
    return str(value)


def settings_frame(settings: Settings) -> pd.DataFrame:
    """The settings in force, one row each (name as in secrets.toml, value as you would write it)."""
    return pd.DataFrame([{"setting": f.name, "value": _setting_text(getattr(settings, f.name))}
                         for f in dataclasses.fields(settings)])


def run_backup(user: str) -> tuple[Path, dict[str, int]]:
    """A consistent copy of the database (EXPORT DATABASE in one transaction) under backups/."""
    from warehouse.backup import backup_from

    with cursor() as cur:
        folder, counts = backup_from(cur, db_path(), BACKUP_DIR)
    audit("backup", user, str(folder))
    return folder, counts
