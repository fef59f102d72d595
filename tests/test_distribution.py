"""metrics.distribution.histogram on DuckDB and PySpark, plus a property test against a
pure-Python oracle."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics import distribution
from metrics.distribution import histogram

INF = math.inf

# 9 first-response times; None (unanswered) is not counted
MINUTES = pd.DataFrame({"first_response_min": [0.0, 2.0, 4.99, 5.0, 14.0, 15.0, 59.0, 600.0, None]})


def _rows(df: pd.DataFrame) -> list[tuple[float, float, int]]:
    return [(float(a), float(b), int(c)) for a, b, c in df[["bin_start", "bin_end", "count"]].itertuples(index=False)]


def test_histogram_half_open_bins_open_last(backend):
    t = backend.table(MINUTES)
    out = backend.execute(histogram(t, "first_response_min", edges=[0, 5, 15, 60, INF]))
    assert list(out.columns) == ["bin_start", "bin_end", "count"]
    assert _rows(out) == [
        (0.0, 5.0, 3),  # 0, 2, 4.99
        (5.0, 15.0, 2),  # 5, 14
        (15.0, 60.0, 2),  # 15, 59
        (60.0, INF, 1),  # 600
    ]


def test_histogram_values_outside_finite_edges_not_counted(backend):
    t = backend.table(MINUTES)
    out = backend.execute(histogram(t, "first_response_min", edges=[1, 5, 15]))
    assert _rows(out) == [(1.0, 5.0, 2), (5.0, 15.0, 2)]  # 2, 4.99 | 5, 14; 0 below, 15.. above


def test_histogram_empty_bins_and_open_first_bin(duck):
    t = duck.table(pd.DataFrame({"ltv_amount": [-50.0, 10.0, 20.0]}))
    out = duck.execute(histogram(t, "ltv_amount", edges=[-INF, 0, 100, 1000]))
    assert _rows(out) == [(-INF, 0.0, 1), (0.0, 100.0, 2), (100.0, 1000.0, 0)]


def test_histogram_empty_table_gives_zero_counts(duck):
    t = duck.table(pd.DataFrame({"x": pd.Series([], dtype="float64")}))
    assert _rows(duck.execute(histogram(t, "x", edges=[0, 1, INF]))) == [(0.0, 1.0, 0), (1.0, INF, 0)]


def test_histogram_integer_column(duck):
    t = duck.table(pd.DataFrame({"n": [1, 2, 3, 10]}))
    assert _rows(duck.execute(histogram(t, "n", edges=[0, 3, INF]))) == [(0.0, 3.0, 2), (3.0, INF, 2)]


@pytest.mark.parametrize(
    "edges",
    [[1], [], [0, 0, 1], [5, 1], [0, INF, 10], [0, math.nan], [0, -INF]],
)
def test_histogram_bad_edges_raise(duck, edges):
    t = duck.table(MINUTES)
    with pytest.raises(ValueError):
        histogram(t, "first_response_min", edges=edges)


def _oracle(values: list[float | None], edges: list[float]) -> list[tuple[float, float, int]]:
    """Naive count per half-open bin [lo, hi), nulls skipped."""
    return [
        (lo, hi, sum(1 for v in values if v is not None and lo <= v < hi))
        for lo, hi in zip(edges, edges[1:])
    ]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.lists(st.one_of(st.none(), st.floats(-100, 100, allow_nan=False)), max_size=15),
    cuts=st.lists(st.integers(-120, 120), min_size=2, max_size=5, unique=True),
    open_end=st.booleans(),
)
def test_histogram_matches_oracle(duck, values, cuts, open_end):
    edges = [float(c) for c in sorted(cuts)] + ([INF] if open_end else [])
    t = duck.table(pd.DataFrame({"v": pd.Series(values, dtype="float64")}))
    assert _rows(duck.execute(histogram(t, "v", edges=edges))) == _oracle(values, edges)


# Evenly spaced edges (i · step, as the pages make them) take the bin-index path: a value's bin
# from one division, then checked against the bin's edges. In floating point the edge 3 · 0.7
# divided by 0.7 is under 3, 5 · 0.7 less an ulp divided by 0.7 is 5, and 7.7 lies under the
# edge 7 · 1.1 but divides to 7: the division alone puts each in the wrong bin.
SEVENTHS = [i * 0.7 for i in range(8)]


def test_histogram_even_edges_put_values_at_an_edge_in_their_bin(backend):
    assert distribution._step(SEVENTHS) == 0.7  # the bin-index path
    values = [-INF, -5.0, 0.0, 3 * 0.7, math.nextafter(5 * 0.7, -INF), 6 * 0.7, 4.9, 100.0, INF, None]
    t = backend.table(pd.DataFrame({"v": values}))
    counts = [c for _, _, c in _rows(backend.execute(histogram(t, "v", edges=[-INF, *SEVENTHS, INF])))]
    # bins: <0: −inf, −5 | [0, 0.7): 0.0 | [3·0.7, 4·0.7): 3·0.7 | [4·0.7, 5·0.7): 5·0.7 − ulp
    #       | [6·0.7, 7·0.7): 6·0.7 | ≥ 7·0.7 = 4.8999…: 4.9, 100 and inf
    assert counts == [2, 1, 0, 0, 1, 1, 0, 1, 3]


def test_histogram_even_edges_closed_ends_skip_values_outside(backend):
    edges = [i * 1.1 for i in range(9)]
    assert distribution._step(edges) == 1.1
    t = backend.table(pd.DataFrame({"v": [-INF, -0.1, 0.0, 7.7, 7 * 1.1, 8.8, 9.0, INF]}))
    counts = [c for _, _, c in _rows(backend.execute(histogram(t, "v", edges=edges)))]
    # 0.0 in the first bin, 7.7 under the edge 7·1.1 in the seventh, 7·1.1 in the last;
    # ±inf, −0.1, 8.8 (= 8·1.1, the closing edge) and 9.0 outside
    assert counts == [1, 0, 0, 0, 0, 0, 1, 1]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.data(),
    low=st.sampled_from([0.0, -1.5, 3.0, 0.1, -250.0]),
    step=st.sampled_from([0.1, 0.2, 0.25, 0.3, 0.5, 0.7, 1.0, 1.1, 2.5, 1e-3, 5e4]),
    count=st.integers(3, 14),
    open_start=st.booleans(),
    open_end=st.booleans(),
)
def test_histogram_even_edges_match_oracle(duck, data, low, step, count, open_start, open_end):
    step = (low + step) - low  # so that low + i · step is the spacing the edges show
    finite = [low + i * step for i in range(count)]
    edges = ([-INF] if open_start else []) + finite + ([INF] if open_end else [])
    near = [v for e in finite for v in (e, math.nextafter(e, -INF), math.nextafter(e, INF))]
    values = data.draw(st.lists(st.one_of(st.none(), st.sampled_from(near),
                                          st.floats(low - 2 * step, finite[-1] + 2 * step)), max_size=25))
    assert distribution._step(finite) == step
    t = duck.table(pd.DataFrame({"v": pd.Series(values, dtype="float64")}))
    assert _rows(duck.execute(histogram(t, "v", edges=edges))) == _oracle(values, edges)


def test_histogram_even_edges_skip_nan(duck):
    # NaN made in SQL (a pandas NaN would arrive as NULL): neither counted nor an error
    t = duck.table(pd.DataFrame({"v": ["nan", "1.0", "2.5"]}))
    t = t.select(v=t.v.cast("float64"))
    assert duck.execute(t.v.isnan().sum().as_table()).iloc[0, 0] == 1
    assert [c for *_, c in _rows(duck.execute(histogram(t, "v", edges=[0.0, 1.0, 2.0, INF])))] == [0, 1, 1]
