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
    counted; every bin is present, with count 0 when empty. One scan: with evenly spaced
    finite edges (the pages' round edges), each value's bin is computed and the rows grouped by
    it; otherwise a filtered count per bin.
    """
    edges = _check_edges(edges)
    bins = list(zip(edges, edges[1:]))
    step = _step(_finite(edges))
    if step is None:
        counts = _counts_by_filters(table, table[column], bins)
    else:
        counts = _counts_by_bin_index(table, table[column], edges, step)
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


def _finite(edges: list[float]) -> list[float]:
    return [e for e in edges if not math.isinf(e)]


def _step(finite: list[float]) -> float | None:
    """The spacing of ≥ 3 finite edges that are exactly finite[0] + i · step (the pages' round
    edges: step · i), else None. The SQL then computes each edge the same way, to the bit."""
    if len(finite) < 3:
        return None
    step = finite[1] - finite[0]
    return step if all(e == finite[0] + i * step for i, e in enumerate(finite)) else None


def _counts_by_filters(table: ir.Table, value: ir.NumericValue, bins: list[tuple[float, float]]) -> ir.Table:
    """One row: count_<i> = the values in bin i, each a filtered count (any edges)."""
    def in_bin(low: float, high: float) -> ir.BooleanValue:
        above = value >= low if not math.isinf(low) else value.notnull()
        below = value < high if not math.isinf(high) else value.notnull()
        return above & below

    return table.aggregate(**{f"count_{i}": table.count(where=in_bin(lo, hi)) for i, (lo, hi) in enumerate(bins)})


def _counts_by_bin_index(table: ir.Table, value: ir.NumericValue, edges: list[float], step: float) -> ir.Table:
    """One row: count_<i> = the values in bin i, for finite edges evenly ``step`` apart (see _step).

    Each value's bin is guessed by one division, then moved by one where rounding put a value
    at or next to an edge on the wrong side (3 · 0.7 ÷ 0.7 < 3): the value is compared with the
    guessed bin's two edges, computed as Python computed them, so the bins stay exactly
    [edges[i], edges[i+1]). The rows are then grouped by bin (10M interactions, the Service
    page's histograms of ~2.6M times: 0.14–0.17 → 0.09–0.10 s each). NaN is not counted; ±inf
    counts in an open first / last bin.
    """
    finite = _finite(edges)
    low, last = finite[0], len(finite) - 2  # finite bins 0..last
    below, above = math.isinf(edges[0]), math.isinf(edges[-1])  # open first / last bin
    offset = 1 if below else 0

    def edge(k: ir.IntegerValue) -> ir.FloatingValue:
        return low + k.cast("float64") * step

    kept = table.select(v=value.cast("float64"))
    kept = kept.filter(kept.v.notnull() & ~kept.v.isnan())
    # the quotient clipped before flooring (Ibis's floor casts to an integer), so ±inf — binned
    # by the cases below — never meets an integer cast
    guessed = kept.select("v", k=((kept.v - low) / step).clip(lower=0, upper=last).floor().cast("int64"))
    v, k = guessed.v, guessed.k
    inner = k - (v < edge(k)).cast("int64") + (v >= edge(k + 1)).cast("int64") + offset
    outside = -1  # a value beyond closed first / last edges: a group no bin counts
    index = ibis.cases((v < low, 0 if below else outside),
                       (v >= finite[-1], offset + last + 1 if above else outside), else_=inner)
    binned = guessed.select(bin=index)
    grouped = binned.group_by("bin").aggregate(n=binned.count())
    return grouped.aggregate(**{f"count_{i}": grouped.n.sum(where=grouped.bin == i).fill_null(0)
                                for i in range(len(edges) - 1)})
