"""Small-cell suppression: unit tests and property-based tests showing that no withheld cell can be
recovered from what a table shows (rows and columns with totals)."""
from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from talent.reporting.suppression import (COMPLEMENT, SHOWN, SMALL, Grid, RateSpec, TableSpec, recoverable,
                                          suppress, suppress_grid)

pytestmark = pytest.mark.no_db  # pure functions: no database needed


def table_grid(cells: list[list[int]]) -> Grid:
    """A table with row totals, column totals and a grand total, all shown unless suppressed."""
    grid = Grid()
    rows, cols = len(cells), len(cells[0])
    for r in range(rows):
        for c in range(cols):
            grid.values[(r, c)] = cells[r][c]
        grid.values[(r, "T")] = sum(cells[r])
    for c in range(cols):
        grid.values[("T", c)] = sum(cells[r][c] for r in range(rows))
    grid.values[("T", "T")] = sum(map(sum, cells))
    for r in list(range(rows)) + ["T"]:
        grid.add_sum((r, "T"), [(r, c) for c in range(cols)])
    for c in list(range(cols)) + ["T"]:
        grid.add_sum(("T", c), [(r, c) for r in range(rows)])
    return grid


def subtraction_attack(grid: Grid, status: dict) -> set:
    """What a reader recovers by subtraction alone: any sum with exactly one unknown member."""
    known = {cell for cell, st_ in status.items() if st_ == SHOWN}
    recovered = set()
    changed = True
    while changed:
        changed = False
        for total, parts in grid.sums:
            members = [total] + parts
            unknown = [m for m in members if m not in known]
            if len(unknown) == 1:
                known.add(unknown[0])
                recovered.add(unknown[0])
                changed = True
    return recovered


def exhaustive_attack(grid: Grid, status: dict, k: int, limit: int) -> set:
    """Every assignment of the hidden cells that fits the shown figures (``<k`` cells in 1..k-1,
    ``x`` cells in 0..limit); a hidden cell with a single possible value is recovered."""
    hidden = [c for c, s in status.items() if s != SHOWN]
    ranges = [range(1, k) if status[c] == SMALL else range(0, limit + 1) for c in hidden]
    seen: dict = {c: set() for c in hidden}
    for combo in itertools.product(*ranges):
        values = dict(grid.values)
        values.update(zip(hidden, combo))
        if all(values[t] == sum(values[p] for p in parts) for t, parts in grid.sums):
            for c, v in zip(hidden, combo):
                seen[c].add(v)
    return {c for c, vals in seen.items() if len(vals) == 1}


small_or_zero = st.one_of(st.integers(0, 6), st.integers(0, 40))


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 6).flatmap(lambda cols: st.lists(st.lists(small_or_zero, min_size=cols, max_size=cols),
                                                       min_size=2, max_size=6)),
       st.integers(3, 6))
def test_no_withheld_cell_is_recoverable(cells, k):
    # (k = 2 is left out: "<2" means exactly 1 by definition, so there is nothing left to protect.)
    grid = table_grid(cells)
    status = suppress_grid(grid, k)
    # Every count from 1 to k-1 is withheld (as "<k", or as "x" where the "<k" bounds themselves
    # would pin the value down).
    for cell, value in grid.values.items():
        if 1 <= value <= k - 1:
            assert status[cell] in (SMALL, COMPLEMENT)
    # Nothing withheld comes back by subtraction, nor by narrowing bounds.
    assert not subtraction_attack(grid, status)
    assert not recoverable(grid, status, k)


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 3).flatmap(lambda cols: st.lists(st.lists(st.integers(0, 6), min_size=cols, max_size=cols),
                                                       min_size=2, max_size=3)),
       st.integers(3, 5))
def test_no_withheld_cell_is_recoverable_exhaustively(cells, k):
    """On small tables, try every possible value of every hidden cell."""
    grid = table_grid(cells)
    status = suppress_grid(grid, k)
    hidden = [c for c, s in status.items() if s != SHOWN]
    # An "x" cell has no upper bound the reader knows of; enumerate well beyond the true total.
    limit = grid.values[("T", "T")] + 2 * k
    combinations = 1
    for c in hidden:
        combinations *= (k - 1) if status[c] == SMALL else limit + 1
    if combinations > 100_000:
        return  # too many to enumerate; covered by the test above
    exposed = exhaustive_attack(grid, status, k, limit)
    # A cell can only be pinned down exactly when the true value is forced by shown figures; the
    # one honest exception is k = 2 where "<2" means exactly 1 by definition.
    assert not exposed, (cells, k, {c: status[c] for c in hidden}, exposed)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=8), st.integers(2, 6))
def test_rates_never_reveal_small_counts(pairs, k):
    rows = [{"label": str(i), "num": min(n, d), "den": d} for i, (n, d) in enumerate(pairs)]
    total = {"label": "all", "num": sum(r["num"] for r in rows), "den": sum(r["den"] for r in rows)}
    spec = TableSpec(counts=["den"], rates=[RateSpec("rate", "num", "den")])
    table = suppress(rows, spec, total=total, k=k, method="threshold")
    for raw, row in zip(rows + [total], table.rows + [table.total]):
        rate = row["cells"]["rate"]
        if rate.value is not None:
            assert raw["den"] >= k
            assert not 1 <= raw["num"] <= k - 1
            assert not 1 <= raw["den"] - raw["num"] <= k - 1
            assert row["cells"]["den"].value == raw["den"]
        if 1 <= raw["den"] <= k - 1:
            assert row["cells"]["den"].value is None and rate.value is None


def test_single_hidden_cell_gets_a_complement():
    # Column 0: 3 is small; with the total shown, the next smallest (10) must go too.
    grid = table_grid([[3, 20], [10, 30], [50, 40]])
    status = suppress_grid(grid, 5)
    assert status[(0, 0)] == SMALL
    assert status[(1, 0)] == COMPLEMENT
    # Row 0 then needs a second hidden cell as well.
    assert status[(0, 1)] != SHOWN or status[(0, "T")] != SHOWN
    assert not recoverable(grid, status, 5)


def test_zero_is_shown_and_k1_hides_nothing():
    grid = table_grid([[0, 1], [2, 0]])
    assert all(s == SHOWN for s in suppress_grid(grid, 1).values())
    status = suppress_grid(grid, 5)
    assert status[(0, 1)] == SMALL and status[(1, 0)] == SMALL


def test_withheld_cells_carry_no_value():
    spec = TableSpec(counts=["a", "b"], row_sums=[("a", ["b"])])
    table = suppress([{"a": 3, "b": 3}, {"a": 9, "b": 9}], spec, total={"a": 12, "b": 12}, k=5, method="threshold")
    for row in table.rows + [table.total]:
        for cell in row["cells"].values():
            assert (cell.value is None) == (cell.status != SHOWN)
    data = table.as_json()
    assert data["rows"][0]["a"] == {"value": None, "suppressed": "<5", "status": "small"}
    assert data["rows"][1]["a"]["value"] is None  # complement: 12 - 9 would give the 3 back


def test_preset_hidden_total_stays_hidden():
    spec = TableSpec(counts=["a"])
    table = suppress([{"a": 10}, {"a": 20}], spec, total={"a": 30}, k=5, total_preset={"a": COMPLEMENT}, method="threshold")
    assert table.total["cells"]["a"].value is None
    # With the total hidden, one shown part would still give nothing away; both parts are >= k.
    assert not recoverable(_grid_of(table, spec), {(i, "a"): s for i, s in
                                                   enumerate([*(r["a"] for r in table.row_status),
                                                              table.total_status["a"]])}, 5)


def _grid_of(table, spec):
    grid = Grid()
    values = [10, 20, 30]
    for i, v in enumerate(values):
        grid.values[(i, "a")] = v
    grid.add_sum((2, "a"), [(0, "a"), (1, "a")])
    return grid
