"""Scope filters: restrict every table to the selected teams, managers and segments."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import ibis.expr.types as ir

FACT_TABLES = ("payments", "interactions", "nps")
# Derived tables (warehouse/derived.py) carry their client's scope as columns
# (account_manager = clients.manager, segment), so they are filtered without a join
# (unlisted_contacts too, but it is read unscoped: it only narrows scoped raw rows).
DERIVED_TABLES = ("payments_daily", "interactions_daily", "nps_daily", "open_complaints_daily", "first_payments")


def apply_filters(
    tables: Mapping[str, ir.Table],
    *,
    teams: Iterable[str] = (),
    managers: Iterable[str] = (),
    segments: Iterable[str] = (),
) -> dict[str, ir.Table]:
    """{name: table} → the same dict with each table restricted to the scope.

    - managers: the selected managers (``managers``) that belong to the selected ``teams``
      (team from the managers table); only narrowed when teams or managers are given;
    - clients: those whose ``clients.manager`` is in that selection and whose ``segment`` is
      in ``segments`` (a client without a listed manager drops out once a manager/team filter
      is on);
    - payments, interactions, nps: rows of the selected clients only;
    - payments_daily, interactions_daily, nps_daily, open_complaints_daily, first_payments: rows
      whose client scope columns
      (account_manager, segment) pass the same tests — the same clients' rows, as a client
      unknown to ``clients`` has no scope and drops out once any filter is on.
    An empty selection means "all". Keys other than these pass through unchanged.
    """
    teams, managers, segments = tuple(teams), tuple(managers), tuple(segments)
    out = dict(tables)
    if not (teams or managers or segments):
        return out

    if teams and "managers" not in tables:
        raise ValueError("a team filter needs the managers table")
    staff = tables.get("managers")
    if teams:
        staff = staff.filter(staff.team.isin(teams))
    if managers and staff is not None:
        staff = staff.filter(staff.manager.isin(managers))
    if (teams or managers) and staff is not None:
        out["managers"] = staff

    def in_scope(table: ir.Table, manager_column: str) -> ir.Table:
        """Rows whose client manager (``manager_column``) and segment pass the selection."""
        if segments:
            table = table.filter(table.segment.isin(segments))
        if teams:
            table = table.filter(table[manager_column].isin(staff.manager))
        elif managers:
            table = table.filter(table[manager_column].isin(managers))
        return table

    clients = in_scope(tables["clients"], "manager")
    out["clients"] = clients

    selected = clients.select("client_id").distinct()
    for name in FACT_TABLES:
        if name in tables:
            out[name] = tables[name].semi_join(selected, "client_id")
    for name in DERIVED_TABLES:
        if name in tables:
            out[name] = in_scope(tables[name], "account_manager")
    return out
