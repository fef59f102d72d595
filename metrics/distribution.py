"""Histograms computed in the database: counts per bin, never raw rows (response times, LTV)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir


def _check_edges(edges: Sequence[float]) -> list[float]:
    edges = [float(e) for e in edges]
    if len(edges) < 2:
        raise ValueError("histogram needs at least two edges")
    if any(math.isnan(e) for e in edges):
        raise ValueError("histogram edges must not be NaN")
    if any(low >= high for low, high in zip(edges, edges[1:])):
        raise ValueError(f"histogram edges must increase strictly, got {edges}")
    if any(math.isinf(e) for e in edges[1:-1]):
        raise ValueError("only the first edge may be -inf and only the last +inf")
    return edges


def histogram(table: ir.Table, column: str, *, edges: Sequence[float]) -> ir.Table:
    """table: one row per item → one row per bin, in edge order: bin_start, bin_end, count.

    Bins are half-open [edges[i], edges[i+1]); a last edge of +inf makes the last bin open-ended
    (bin_end = inf), a first edge of -inf the first. Values outside the edges and nulls are not
    counted; every bin is present, with count 0 when empty. One scan: a filtered count per bin.
    """
    edges = _check_edges(edges)
    value = table[column]
    bins = list(zip(edges, edges[1:]))

    def in_bin(low: float, high: float) -> ir.BooleanValue:
        above = value >= low if not math.isinf(low) else value.notnull()
        below = value < high if not math.isinf(high) else value.notnull()
        return above & below

    counts = table.aggregate(**{f"count_{i}": table.count(where=in_bin(lo, hi)) for i, (lo, hi) in enumerate(bins)})
    rows = [
        counts.select(
            bin_index=ibis.literal(i, "int64"),
            bin_start=ibis.literal(lo, "float64"),
            bin_end=ibis.literal(hi, "float64"),
            count=counts[f"count_{i}"].cast("int64"),
        )
        for i, (lo, hi) in enumerate(bins)
    ]
    return ibis.union(*rows).order_by("bin_index").select("bin_start", "bin_end", "count")
