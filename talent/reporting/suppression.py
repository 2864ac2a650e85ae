"""Disclosure control: the ONE function every ministry page, export and API answer uses.

:func:`suppress` turns raw aggregate rows into published :class:`Cell` objects by one of two
methods (``DISCLOSURE_METHOD``):

``cellkey`` (the default; docs/disclosure.md)
    The cell-key method (:mod:`talent.reporting.cellkey`): every count of people is published as
    ``max(count + d, 0)``, ``d`` in -5..+5 looked up by (count, sum of the counted records'
    keys mod 256). A published value below k is shown as ``<k`` (a true zero stays 0). The same
    records always give the same value, whatever page, period window or filter selects them, so
    differences of overlapping answers are noisy and asking again gains nothing. Rates are
    computed from the published numerator and denominator and shown when the published
    denominator is at least k and the numerator is shown. Totals are cells of their own
    (perturbed by their own records), so rows need not add up to them exactly.

``threshold`` (the former rule; kept for the tests of exact figures and as a reference — it
does NOT hold once periods and filters are free, see tests/test_disclosure_attacks.py)

1. *Primary*: a count of people from 1 to k-1 is shown as ``<k`` (k = ``SUPPRESSION_K``, 5 by
   default). Zero is shown: it reveals nobody.
2. *Rates*: a rate is shown only when its denominator is at least k and its numerator, its
   denominator and the people it leaves out (denominator minus numerator) are all shown (a rate
   next to its base would otherwise give a hidden count back). All three are treated as cells of
   their own, even where the page only prints the rate.
3. *Complementary*: the figures of a table are tied together by sums (a column of regions adds up
   to the national row, local + regional + international adds up to all placements). Wherever
   a hidden cell could be worked out from what is shown, the smallest other shown cell of that
   sum is hidden too (shown as ``x``), and again until nothing hidden can be recovered.

"Recovered" is checked by an audit that does what a reader with a calculator would do: for
every sum with a shown total it narrows each hidden cell to the interval the other figures allow
(a ``<k`` cell lies in 1..k-1, an ``x`` cell is at least 0) and repeats until nothing changes; a
hidden cell whose interval closes to a single number counts as recovered and gets another
complementary cell.

The result holds no hidden value at all: suppressed cells carry ``value=None``, and no raw count
or key sum rides along with a row. Pages, exports and the API only ever see :class:`Cell`
objects made here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Hashable, Iterable

from talent.reporting.cellkey import BOUND as PERTURBATION_BOUND, key_name, perturb, pre_name

# How far a published count of a period's events can be from the true count: the difference of
# two perturbed cumulative counts (public, like the perturbation table).
WINDOW_BOUND = 2 * PERTURBATION_BOUND

SHOWN = "shown"
SMALL = "small"            # 1..k-1, primary
COMPLEMENT = "complement"  # hidden so that another hidden cell cannot be recovered
NO_BASE = "no_base"        # a rate whose denominator is 0 (undefined, nothing to hide)
HIDDEN_RATE = "hidden_rate"  # a rate withheld because its base or numerator is hidden

INF = float("inf")
CELLKEY = "cellkey"
THRESHOLD = "threshold"
METHODS = (CELLKEY, THRESHOLD)
KEY_FIELDS = ("id", "code", "label")  # what a row may carry besides its cells
REST_PREFIX = "_rest:"  # the implicit "left out of the rate" count of each rate

CellId = Hashable


@dataclass(frozen=True)
class Cell:
    """One figure as it may be shown. ``value`` is None whenever the figure is withheld."""
    value: float | int | None
    status: str = SHOWN
    kind: str = "count"        # count | rate | entity (not a count of people, never suppressed)
    k: int = 5

    @property
    def shown(self) -> bool:
        return self.value is not None

    @property
    def symbol(self) -> str:
        """What a page prints instead of a withheld value."""
        if self.status == SMALL:
            return f"<{self.k}"
        if self.status == COMPLEMENT:
            return "x"
        if self.status == HIDDEN_RATE:
            return "x"
        if self.status == NO_BASE:
            return "—"
        return ""

    def text(self) -> str:
        """Plain text for exports: the number, a rate with one decimal, or the symbol."""
        if self.value is None:
            return self.symbol
        if self.kind == "rate":
            return f"{self.value:.1f}"
        return str(self.value)

    def export_value(self) -> Any:
        """A typed value for spreadsheets: numbers stay numbers, withheld cells become text."""
        if self.value is None:
            return self.symbol
        if self.kind == "rate":
            return round(float(self.value), 1)
        return self.value

    def as_json(self) -> dict[str, Any]:
        return {"value": None if self.value is None else (round(float(self.value), 1)
                                                          if self.kind == "rate" else self.value),
                "suppressed": None if self.value is not None else (self.symbol or None),
                "status": self.status}


# ---- the grid engine -------------------------------------------------------------------------

@dataclass
class Grid:
    """Counts of people keyed by cell id, tied by sums ``total = sum(parts)``.

    ``entities`` are cells that are not counts of people (e.g. number of centers): never hidden.
    """
    values: dict[CellId, int] = field(default_factory=dict)
    sums: list[tuple[CellId, list[CellId]]] = field(default_factory=list)
    entities: set[CellId] = field(default_factory=set)

    def add_sum(self, total: CellId, parts: Iterable[CellId]) -> None:
        parts = [p for p in parts if p in self.values]
        if total in self.values and parts:
            self.sums.append((total, parts))


def _bounds(grid: Grid, status: dict[CellId, str], k: int) -> dict[CellId, tuple[float, float]]:
    """The interval a reader can narrow each hidden cell to (the recovery audit)."""
    bounds: dict[CellId, tuple[float, float]] = {}
    for cell, st in status.items():
        if st == SHOWN:
            v = grid.values[cell]
            bounds[cell] = (v, v)
        elif st == SMALL:
            bounds[cell] = (1, k - 1)
        else:
            bounds[cell] = (0, INF)
    # A sum whose cells are all shown narrows nothing; the statuses do not change in here.
    open_sums = [(total, parts) for total, parts in grid.sums
                 if status[total] != SHOWN or any(status[p] != SHOWN for p in parts)]
    changed, rounds = True, 0
    while changed and rounds < 50:
        changed, rounds = False, rounds + 1
        for total, parts in open_sums:
            lo_t, hi_t = bounds[total]
            sum_lo = sum(bounds[p][0] for p in parts)
            sum_hi = sum(bounds[p][1] for p in parts)
            updates = {}
            if status[total] != SHOWN:
                updates[total] = (max(lo_t, sum_lo), min(hi_t, sum_hi))
            for p in parts:
                if status[p] == SHOWN:
                    continue
                lo_p, hi_p = bounds[p]
                others_lo = sum_lo - lo_p
                others_hi = sum_hi - hi_p
                new_lo = max(lo_p, lo_t - others_hi) if others_hi != INF else lo_p
                new_hi = min(hi_p, hi_t - others_lo) if hi_t != INF else hi_p
                updates[p] = (new_lo, new_hi)
            for cell, (lo, hi) in updates.items():
                if hi < lo:   # inconsistent sums (non-additive data): keep the wider reading
                    continue
                if (lo, hi) != bounds[cell]:
                    bounds[cell] = (lo, hi)
                    changed = True
    return bounds


def recoverable(grid: Grid, status: dict[CellId, str], k: int) -> set[CellId]:
    """Hidden cells whose value a reader can work out from what is shown."""
    bounds = _bounds(grid, status, k)
    # With k = 2, "<2" means exactly 1 by definition: no complementary cell can hide that, so a
    # small cell only counts as recovered when k > 2.
    return {c for c, st in status.items()
            if st != SHOWN and bounds[c][0] == bounds[c][1] and not (st == SMALL and k <= 2)}


def suppress_grid(grid: Grid, k: int, preset: dict[CellId, str] | None = None) -> dict[CellId, str]:
    """Decide for each cell: shown, ``small`` (primary) or ``complement``. ``preset`` hides cells
    already hidden elsewhere (e.g. a region's row on the regions page, shown again as the total
    of its centers), so two pages together reveal no more than each alone."""
    status: dict[CellId, str] = {}
    for cell, value in grid.values.items():
        if cell not in grid.entities and 1 <= value <= k - 1:
            status[cell] = SMALL
        elif preset and preset.get(cell, SHOWN) != SHOWN and cell not in grid.entities:
            status[cell] = COMPLEMENT
        else:
            status[cell] = SHOWN
    if not grid.sums:
        return status
    sums_of: dict[CellId, list[int]] = {}
    for i, (total, parts) in enumerate(grid.sums):
        for m in [total] + parts:
            sums_of.setdefault(m, []).append(i)
    for _ in range(len(grid.values) + 1):
        exposed = recoverable(grid, status, k)
        if not exposed:
            break
        progressed = False
        for cell in sorted(exposed, key=repr):
            if cell not in recoverable(grid, status, k):
                continue
            candidates = []
            for i in sums_of.get(cell, []):
                total, parts = grid.sums[i]
                shown_parts = [p for p in parts if status[p] == SHOWN and p not in grid.entities]
                hidden_n = sum(1 for m in [total] + parts if status[m] != SHOWN)
                if shown_parts:
                    # Next smallest: the smallest non-zero shown cell, a zero only if nothing else.
                    best = min(shown_parts, key=lambda p: (grid.values[p] == 0, grid.values[p], repr(p)))
                    candidates.append((hidden_n, grid.values[best] == 0, grid.values[best], repr(best), best))
                elif status[total] == SHOWN and total not in grid.entities:
                    candidates.append((hidden_n, False, grid.values[total], repr(total), total))
            if candidates:
                choice = min(candidates)[-1]
                status[choice] = COMPLEMENT
                progressed = True
        if not progressed:
            # Nothing left to hide, yet "<k" bounds still pin a cell down (e.g. two "<3" cells
            # under a "<3" total must both be 1): stop announcing "<k" for those cells.
            relabel = [c for c in exposed if status[c] == SMALL]
            if not relabel:
                break
            for cell in relabel:
                status[cell] = COMPLEMENT
    return status


# ---- tables ------------------------------------------------------------------------------------

@dataclass
class RateSpec:
    name: str
    numerator: str
    denominator: str


@dataclass
class TableSpec:
    """How a report table is built from raw aggregate rows.

    ``counts``: columns that count people; ``entities``: counts of things (never hidden);
    ``rates``: derived percentages; ``row_sums``: ``(total_col, [part_cols])`` that add up within
    a row; ``additive``: the total row is the sum of the rows (column sums are checked)."""
    counts: list[str]
    rates: list[RateSpec] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    row_sums: list[tuple[str, list[str]]] = field(default_factory=list)
    additive: bool = True


@dataclass
class Table:
    """A suppressed table: ``rows`` and an optional ``total`` row, each a dict of key fields plus
    ``cells`` (column -> :class:`Cell`)."""
    rows: list[dict[str, Any]]
    total: dict[str, Any] | None
    k: int
    columns: list[str]
    # The status of every raw column (numerators and denominators too) per row, and of the total:
    # used to carry hidden cells over to a drill-down page. Never exported.
    row_status: list[dict[str, str]] = field(default_factory=list, repr=False)
    total_status: dict[str, str] = field(default_factory=dict, repr=False)
    method: str = THRESHOLD

    def as_json(self) -> dict[str, Any]:
        def row_json(row):
            out = {key: value for key, value in row.items() if key != "cells"}
            out.update({col: cell.as_json() for col, cell in row["cells"].items()})
            return out
        return {"rows": [row_json(r) for r in self.rows],
                "total": row_json(self.total) if self.total else None,
                "suppression_k": self.k}


def _rate(num: int, den: int) -> float:
    return 100.0 * num / den


def configured_method() -> str:
    from flask import current_app
    method = current_app.config.get("DISCLOSURE_METHOD", CELLKEY)
    if method not in METHODS:
        raise ValueError(f"DISCLOSURE_METHOD must be one of {METHODS}, got {method!r}")
    return method


def _key_fields(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row[key] for key in KEY_FIELDS if key in row}


def published_value(raw: int, key_sum: int, pre: int | None = None, pre_key: int = 0) -> int:
    """The published value of a count (before the ``<k`` rule). With ``pre`` (the count of the
    same kind of records before the period, ``pre_key`` their key sum) the count of a period is
    published as the difference of the perturbed cumulative counts at its end and before its start:
    every way of cutting time into windows then reaches the same two perturbed numbers, so
    differencing and averaging over window starts learn nothing new (docs/disclosure.md)."""
    if raw <= 0:
        return 0
    if pre is None:
        return perturb(raw, key_sum)
    return perturb(raw + pre, key_sum + pre_key) - perturb(pre, pre_key)


def publish_count(raw: int, key_sum: int, k: int, pre: int | None = None, pre_key: int = 0) -> Cell:
    """One count of people under the cell-key method: 0 for nobody, ``<k`` below k."""
    if raw <= 0:
        return Cell(0, SHOWN, "count", k)
    value = published_value(raw, key_sum, pre, pre_key)
    if value < k:
        return Cell(None, SMALL, "count", k)
    return Cell(value, SHOWN, "count", k)


def _publish_column(row: dict[str, Any], col: str, k: int) -> Cell:
    anchor = pre_name(col)
    if anchor in row:
        return publish_count(int(row.get(col) or 0), int(row[key_name(col)]), k,
                             int(row[anchor]), int(row[key_name(anchor)]))
    return publish_count(int(row.get(col) or 0), int(row[key_name(col)]), k)


def publish_rate(num: Cell, den: Cell, raw_den: int, published_den: int, k: int) -> Cell:
    """A rate from the published numerator and denominator: shown when the published
    denominator is at least k and the numerator is shown (never beyond 100 %)."""
    if raw_den <= 0:
        return Cell(None, NO_BASE, "rate", k)
    if den.value is None or published_den < k or num.value is None:
        return Cell(None, HIDDEN_RATE, "rate", k)
    return Cell(min(100.0, _rate(num.value, den.value)), SHOWN, "rate", k)


def _cellkey(rows: list[dict[str, Any]], spec: TableSpec, total: dict[str, Any] | None, k: int) -> Table:
    all_rows = list(rows) + ([total] if total is not None else [])
    counted: list[str] = []
    for col in spec.counts + [c for rate in spec.rates for c in (rate.numerator, rate.denominator)]:
        if col not in counted and col not in spec.entities:
            counted.append(col)
    built, statuses = [], []
    for row in all_rows:
        published = {col: _publish_column(row, col, k) for col in counted}
        cells: dict[str, Cell] = {col: Cell(int(row.get(col) or 0), SHOWN, "entity", k) for col in spec.entities}
        cells.update({col: published[col] for col in spec.counts})
        for rate in spec.rates:
            den = published[rate.denominator]
            raw_den = int(row.get(rate.denominator) or 0)
            cells[rate.name] = publish_rate(published[rate.numerator], den, raw_den,
                                            den.value if den.value is not None else 0, k)
        built.append({**_key_fields(row), "cells": cells})
        statuses.append({col: cell.status for col, cell in published.items()})
    columns = list(spec.entities) + list(spec.counts) + [r.name for r in spec.rates]
    n = len(rows)
    return Table(rows=built[:n], total=built[n] if total is not None else None, k=k, columns=columns,
                 row_status=statuses[:n], total_status=statuses[n] if total is not None else {}, method=CELLKEY)


def suppress(rows: list[dict[str, Any]], spec: TableSpec, *, total: dict[str, Any] | None = None,
             k: int | None = None, total_preset: dict[str, str] | None = None,
             method: str | None = None) -> Table:
    """Apply the disclosure rule to raw aggregate rows (the one entry point for every report).

    ``rows`` and ``total`` are dicts holding key fields and the raw integer columns named in
    ``spec`` (counts, entities and the numerators/denominators of the rates) and, for the
    cell-key method, the key sum of each count (``<column>__key``). Returns a :class:`Table`
    whose cells hold only what may be shown. ``method`` defaults to ``DISCLOSURE_METHOD``;
    ``total_preset`` only matters to the threshold method (the cell-key method gives a cell the
    same value wherever it appears)."""
    if k is None:
        from flask import current_app
        k = int(current_app.config.get("SUPPRESSION_K", 5))
    k = max(int(k), 1)
    method = method or configured_method()
    if method == CELLKEY:
        return _cellkey(rows, spec, total, k)
    raw_cols: list[str] = []
    for col in spec.counts + spec.entities:
        if col not in raw_cols:
            raw_cols.append(col)
    for rate in spec.rates:
        for col in (rate.numerator, rate.denominator):
            if col not in raw_cols:
                raw_cols.append(col)
    all_rows = list(rows) + ([total] if total is not None else [])
    total_index = len(rows) if total is not None else None

    grid = Grid()
    for i, row in enumerate(all_rows):
        for col in raw_cols:
            grid.values[(i, col)] = int(row.get(col) or 0)
            if col in spec.entities:
                grid.entities.add((i, col))
    # The people a rate leaves out (denominator minus numerator: those who did not complete, were
    # not certified, were not placed) are a count too: a rate of 74 / 75 would show that 1 person
    # was left out. Each rate gets that count as a hidden-from-view cell of its own.
    rest_cols = []
    for rate in spec.rates:
        rest = REST_PREFIX + rate.name
        rest_cols.append(rest)
        for i, row in enumerate(all_rows):
            grid.values[(i, rest)] = max(grid.values[(i, rate.denominator)] - grid.values[(i, rate.numerator)], 0)
    for i in range(len(all_rows)):
        for total_col, parts in spec.row_sums:
            grid.add_sum((i, total_col), [(i, p) for p in parts])
        for rate in spec.rates:
            grid.add_sum((i, rate.denominator), [(i, rate.numerator), (i, REST_PREFIX + rate.name)])
    if total_index is not None and spec.additive and rows:
        for col in raw_cols + rest_cols:
            if col in spec.entities:
                continue
            grid.add_sum((total_index, col), [(i, col) for i in range(len(rows))])
    preset = None
    if total_index is not None and total_preset:
        preset = {(total_index, col): st for col, st in total_preset.items() if (total_index, col) in grid.values}
    status = suppress_grid(grid, k, preset)

    def build(i: int, row: dict[str, Any]) -> dict[str, Any]:
        cells: dict[str, Cell] = {}
        for col in spec.entities:
            cells[col] = Cell(grid.values[(i, col)], SHOWN, "entity", k)
        for col in spec.counts:
            st = status[(i, col)]
            cells[col] = Cell(grid.values[(i, col)] if st == SHOWN else None, st, "count", k)
        for rate in spec.rates:
            num, den = grid.values[(i, rate.numerator)], grid.values[(i, rate.denominator)]
            if den == 0:
                cells[rate.name] = Cell(None, NO_BASE, "rate", k)
            elif (den < k or status[(i, rate.numerator)] != SHOWN
                  or status[(i, rate.denominator)] != SHOWN
                  or status[(i, REST_PREFIX + rate.name)] != SHOWN):
                cells[rate.name] = Cell(None, HIDDEN_RATE, "rate", k)
            else:
                cells[rate.name] = Cell(_rate(num, den), SHOWN, "rate", k)
        out = _key_fields(row)
        out["cells"] = cells
        return out

    built = [build(i, row) for i, row in enumerate(all_rows)]
    columns = list(spec.entities) + list(spec.counts) + [r.name for r in spec.rates]
    statuses = [{col: status[(i, col)] for col in raw_cols + rest_cols} for i in range(len(all_rows))]
    return Table(rows=built[:len(rows)], total=built[total_index] if total_index is not None else None,
                 k=k, columns=columns, row_status=statuses[:len(rows)],
                 total_status=statuses[total_index] if total_index is not None else {})
