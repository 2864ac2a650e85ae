"""Every figure of every report against values worked out by hand (dataset: tests/reports_helpers.py).

With SUPPRESSION_K = 1 and the threshold method (no perturbation) nothing is withheld or moved, so
the tests see every true figure through the same report code; a second set of tests checks what is
published at k = 5 by the cell-key method (each value worked out from the records' keys)."""
from __future__ import annotations

import pytest
from sqlalchemy import delete

from talent.extensions import db
from talent.reporting import summary
from talent.reporting.models import ReportSummaryState

from talent.reporting.periods import parse_filters
from talent.reporting import reports
from tests.reports_helpers import (K0_ALL, K1_ALL, K1_COMPLETED, K2_ALL, K3_ALL, PERIOD, TODAY, build_dataset, published,
                                   record_ids)
from talent.permissions import ROLE_PERMISSIONS, Actor

READER = Actor(user_id=None, label="ministry analyst", role="ministry", center_ids=None,
               permissions=ROLE_PERMISSIONS["ministry"])  # the report functions need their reader


@pytest.fixture(params=["summary", "live"])
def ds(request, factory):
    """The dataset, read through the report summary and (second run) through the live tables."""
    data = build_dataset(factory)
    db.session.commit()
    if request.param == "live":
        db.session.execute(delete(ReportSummaryState))
        db.session.commit()
    assert (summary.built_timezone(db.session) is not None) == (request.param == "summary")
    return data


@pytest.fixture
def k1(app, monkeypatch):
    monkeypatch.setitem(app.config, "SUPPRESSION_K", 1)
    monkeypatch.setitem(app.config, "DISCLOSURE_METHOD", "threshold")  # exact figures: no perturbation


def filters(**extra):
    f, messages = parse_filters({**PERIOD, **extra}, today=TODAY)
    assert messages == []
    return f


def values(row):
    return {name: (round(cell.value, 2) if cell.kind == "rate" and cell.value is not None else cell.value)
            for name, cell in row["cells"].items()}


NATIONAL = {"centers": 2, "enrolled": 19, "active": 5, "completed": 11, "certified": 9, "placed": 6,
            "placements": 6, "local": 4, "regional": 1, "international": 1, "placement_pending": 5,
            "completion_rate": round(100 * 11 / 14, 2), "certification_rate": round(100 * 9 / 11, 2),
            "placement_rate": 50.0}
BAKU = {"centers": 1, "enrolled": 13, "active": 5, "completed": 6, "certified": 4, "placed": 5,
        "placements": 5, "local": 3, "regional": 1, "international": 1, "placement_pending": 0,
        "completion_rate": 75.0, "certification_rate": round(100 * 4 / 6, 2), "placement_rate": 50.0}
GANJA = {"centers": 1, "enrolled": 6, "active": 0, "completed": 5, "certified": 5, "placed": 1,
         "placements": 1, "local": 1, "regional": 0, "international": 0, "placement_pending": 5,
         "completion_rate": round(100 * 5 / 6, 2), "certification_rate": 100.0, "placement_rate": None}


def test_national_summary(ds, k1):
    report = reports.national_summary(filters(), actor=READER)
    assert values(report.tables[0].table.rows[0]) == NATIONAL


def test_regions_table(ds, k1):
    table = reports.regions_table(filters(), actor=READER).tables[0].table
    assert len(table.rows) == 14
    by_code = {r["code"]: r for r in table.rows}
    assert values(by_code["BAKU"]) == BAKU
    assert values(by_code["GANJA_DASHKASAN"]) == GANJA
    empty = values(by_code["NAKHCHIVAN"])
    assert empty["enrolled"] == 0 and empty["completion_rate"] is None
    assert by_code["NAKHCHIVAN"]["cells"]["completion_rate"].symbol == "—"
    assert values(table.total) == NATIONAL


def test_course_filters(ds, k1):
    # Level "advanced" = course B only (Ganja): the national figures are Ganja's.
    national = values(reports.national_summary(filters(level="advanced"), actor=READER).tables[0].table.rows[0])
    assert national == GANJA
    foundation = values(reports.national_summary(filters(level="foundation"), actor=READER).tables[0].table.rows[0])
    # m0's 2025 job came after K0 (foundation), so it still counts: Baku's figures.
    assert foundation == BAKU


def test_quarter_period(ds, k1):
    q1 = values(reports.national_summary(filters(period="quarter", quarter="1"), actor=READER).tables[0].table.rows[0])
    # Q1 2025: K1 enrolled (8) and completed (6); completion rate over K1 (ends 31 March): 6/8;
    # no awards issued in Q1 (April), but the certification rate counts Q1 completers holding a
    # valid award on the report date: f1..f4 of 6. Placements: m0 (1 Feb, local). K3 not yet running.
    assert q1["enrolled"] == 8 and q1["completed"] == 6 and q1["certified"] == 0
    assert q1["completion_rate"] == 75.0 and q1["certification_rate"] == round(400 / 6, 2)
    assert q1["placed"] == 1 and q1["local"] == 1 and q1["active"] == 0
    assert q1["placement_rate"] == 50.0 and q1["centers"] == 1


def test_region_drilldown(ds, k1):
    report = reports.region_centers(filters(), ds.baku.region_id, actor=READER)
    rows = report.tables[0].table.rows
    assert [r["code"] for r in rows] == ["BAKU1"]
    assert values(rows[0]) == BAKU
    assert values(report.tables[0].table.total) == BAKU


def test_center_drilldown(ds, k1):
    report = reports.center_breakdown(filters(), ds.ganja.id, actor=READER)
    courses = report.table("courses").table
    assert [r["code"] for r in courses.rows] == ["CRSB"]
    assert values(courses.rows[0]) == GANJA
    skills = report.table("skills").table
    assert [r["code"] for r in skills.rows] == [ds.skill.code]
    assert values(skills.rows[0]) == GANJA


def test_fairness(ds, k1, app):
    report = reports.fairness(filters(), actor=READER)
    by_dim = {t.name: t for t in report.tables}
    gender = {r["code"]: r for r in by_dim["gender"].table.rows}
    f, m = values(gender["F"]), values(gender["M"])
    assert f["completion_den"] == 7 and f["completion_rate"] == 100.0
    assert m["completion_den"] == 7 and round(m["completion_rate"], 2) == round(400 / 7, 2)
    assert f["completed"] == 7 and f["certification_rate"] == 100.0
    assert m["completed"] == 4 and m["certification_rate"] == 50.0
    assert f["placement_den"] == 4 and f["placement_rate"] == 50.0
    assert m["placement_den"] == 2 and m["placement_rate"] == 50.0
    overall = 100 * 11 / 14
    assert gender["F"]["gaps"]["completion_gap"]["value"] == pytest.approx(100 - overall)
    assert gender["F"]["gaps"]["completion_gap"]["flag"] is True
    assert gender["M"]["gaps"]["completion_gap"]["value"] == pytest.approx(400 / 7 - overall)
    assert gender["F"]["gaps"]["placement_gap"] == {"value": 0.0, "flag": False}
    home = {r["code"]: values(r) for r in by_dim["home"].table.rows}
    assert home["baku"]["completion_rate"] == 75.0 and home["other"]["completion_rate"] == round(500 / 6, 2)
    age = {r["code"]: values(r) for r in by_dim["age_band"].table.rows}
    assert age["under_25"]["completion_den"] == 6 and age["25_34"]["completion_den"] == 8
    assert age["35_44"]["completion_den"] == 0 and age["35_44"]["completion_rate"] is None
    # With a 35-point threshold the 21- and 32-point gaps are not flagged.
    app.config["FAIRNESS_GAP_PP"] = 35
    try:
        again = reports.fairness(filters(), actor=READER)
        assert again.extra["flags"] == 0
    finally:
        app.config["FAIRNESS_GAP_PP"] = 10


def test_mobility(ds, k1):
    table = reports.mobility(filters(), actor=READER).tables[0].table
    by_code = {r["code"]: values(r) for r in table.rows}
    assert by_code["BAKU"] == {"placements": 5, "same_region": 1, "baku": 0, "other_az": 1, "az_unknown": 1,
                               "regional": 1, "international": 1}
    assert by_code["GANJA_DASHKASAN"] == {"placements": 1, "same_region": 0, "baku": 1, "other_az": 0,
                                          "az_unknown": 0, "regional": 0, "international": 0}
    assert values(table.total)["placements"] == 6


def test_trends(ds, k1):
    table = reports.trends(filters(), actor=READER).tables[0].table
    got = {r["code"]: values(r) for r in table.rows}
    assert list(got) == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    assert got["2025-Q1"] == {"enrollments": 8, "completions": 6, "awards": 0, "placements": 1, "local": 1,
                              "regional": 0, "international": 0}
    assert got["2025-Q2"] == {"enrollments": 0, "completions": 0, "awards": 4, "placements": 2, "local": 2,
                              "regional": 0, "international": 0}
    assert got["2025-Q3"] == {"enrollments": 6, "completions": 0, "awards": 0, "placements": 1, "local": 0,
                              "regional": 1, "international": 0}
    assert got["2025-Q4"] == {"enrollments": 5, "completions": 5, "awards": 5, "placements": 2, "local": 1,
                              "regional": 0, "international": 1}
    assert values(table.total)["enrollments"] == 19


# ---- the same data with k = 5, as published (the cell-key method) -----------------------------------

@pytest.mark.parametrize("anchor", ["year", "epoch"])
def test_k5_publishes_perturbed_values(ds, anchor, app, monkeypatch):
    """Each published count of the year's events is the perturbed cumulative count at the year's end
    minus the one before it (each moved by the perturbation table at its cell key: the sum of its
    records' keys, worked out here from the records themselves); people placed (not additive over
    time) are perturbed directly; nothing from 1 to 4 is ever shown; rates come from the published
    numerator and denominator."""
    monkeypatch.setitem(app.config, "DISCLOSURE_ANCHOR", anchor)
    # The running totals start on 1 January 2025 (year anchors: nothing before the period) or
    # before any record (epoch anchors: K0's 2024 enrollments, completions and cohort end).
    k0 = record_ids(ds, K0_ALL) if anchor == "epoch" else []
    table = reports.regions_table(filters(), actor=READER).tables[0].table
    by_code = {r["code"]: r["cells"] for r in table.rows}
    ganja, baku = by_code["GANJA_DASHKASAN"], by_code["BAKU"]
    assert baku["enrolled"] == published(record_ids(ds, K1_ALL + K3_ALL), before=k0)
    assert ganja["enrolled"] == published(record_ids(ds, K2_ALL), before=[])
    assert table.total["cells"]["enrolled"] == published(record_ids(ds, K1_ALL + K2_ALL + K3_ALL), before=k0)
    assert baku["completed"] == published(record_ids(ds, K1_COMPLETED), before=k0)
    assert ganja["placed"] == published(record_ids(ds, ["f5"], "trainee"), "trainee")
    assert ganja["placements"] == published(record_ids(ds, ["f5"], "placement"), "placement", before=[])
    baku_jobs = record_ids(ds, ["m0", "f1", "f2", "m1", "f3"], "placement")
    assert len(baku_jobs) == 5 and baku["placements"] == published(baku_jobs, "placement", before=[])
    # The completion rate of Baku (K1 ended in 2025: 6 of 8; K0 before: 3 of 3) from the published values.
    num = published(record_ids(ds, K1_COMPLETED), before=k0)
    den = published(record_ids(ds, K1_ALL), before=k0)
    rate = baku["completion_rate"]
    if den.value is not None and num.value is not None:
        assert rate.value == pytest.approx(min(100.0, 100 * num.value / den.value))
    else:
        assert rate.value is None and rate.symbol == "x"
    # Regions without anyone: exact zeros, no rate ("—").
    assert by_code["NAKHCHIVAN"]["enrolled"].value == 0
    assert by_code["NAKHCHIVAN"]["completion_rate"].symbol == "—"
    # Nothing withheld keeps its value, and no count from 1 to 4 is published.
    for cells in list(by_code.values()) + [table.total["cells"]]:
        for cell in cells.values():
            if cell.status != "shown":
                assert cell.value is None
            if cell.kind == "count" and cell.value is not None:
                assert not 1 <= cell.value <= 4
    # With the threshold rule gone, the same raw figures are no longer shown exactly: at least one
    # shown count differs from its true value (the regions table has 30 non-zero counts).
    assert any(baku[c].value not in (None, v) for c, v in BAKU.items() if c in ("enrolled", "completed", "certified",
                                                                            "active", "placed", "placements"))


@pytest.mark.parametrize("build", ["regions", "mobility", "trends", "fairness", "region", "center"])
def test_no_report_publishes_a_small_count_or_a_raw_field(ds, build):
    """On every report (k = 5): no count cell holds 1..4, a withheld cell holds no value, and a
    row carries only its key fields and its cells."""
    f = filters()
    report = {"regions": lambda: reports.regions_table(f, actor=READER), "mobility": lambda: reports.mobility(f, actor=READER),
              "trends": lambda: reports.trends(f, actor=READER), "fairness": lambda: reports.fairness(f, actor=READER),
              "region": lambda: reports.region_centers(f, ds.baku.region_id, actor=READER),
              "center": lambda: reports.center_breakdown(f, ds.baku.id, actor=READER)}[build]()
    checked = 0
    for named in report.tables:
        table = named.table
        for row in table.rows + ([table.total] if table.total else []):
            assert set(row) <= {"id", "code", "label", "cells", "gaps"}, set(row)
            for cell in row["cells"].values():
                if cell.value is None:
                    assert cell.status != "shown"
                elif cell.kind == "count":
                    assert not 1 <= cell.value <= 4
                    checked += 1
    assert checked


@pytest.mark.parametrize("build", ["regions", "mobility", "trends", "fairness", "region", "center"])
def test_threshold_method_leaves_no_sum_with_a_single_hidden_cell(ds, build, app, monkeypatch):
    """The former threshold rule (kept as DISCLOSURE_METHOD=threshold) still does what it promised
    inside one table: wherever a total is shown, the cells adding up to it never have exactly one
    withheld member. (It cannot promise more: tests/test_disclosure_attacks.py.)"""
    monkeypatch.setitem(app.config, "DISCLOSURE_METHOD", "threshold")
    f = filters()
    report = {"regions": lambda: reports.regions_table(f, actor=READER), "mobility": lambda: reports.mobility(f, actor=READER),
              "trends": lambda: reports.trends(f, actor=READER), "fairness": lambda: reports.fairness(f, actor=READER),
              "region": lambda: reports.region_centers(f, ds.baku.region_id, actor=READER),
              "center": lambda: reports.center_breakdown(f, ds.baku.id, actor=READER)}[build]()
    checked = 0
    for named in report.tables:
        table = named.table
        counts = [c for c in named.columns if table.rows and c in table.rows[0]["cells"]
                  and table.rows[0]["cells"][c].kind == "count"]
        for col in counts:
            if table.total and table.total["cells"][col].value is not None and len(table.rows) > 1:
                members = [r["cells"][col] for r in table.rows]
                assert not _exactly_one_hidden(members), (named.name, col)
                checked += 1
        for row in table.rows + ([table.total] if table.total else []):
            cells = row["cells"]
            for total_col, parts in (("placements", ["local", "regional", "international"]),
                                     ("placements", ["same_region", "baku", "other_az", "az_unknown",
                                                     "regional", "international"])):
                if all(p in cells for p in parts) and total_col in cells and cells[total_col].value is not None:
                    assert not _exactly_one_hidden([cells[p] for p in parts]), (named.name, row.get("label"))
    if build == "regions":
        assert checked  # the regions table has shown column totals to check


def _exactly_one_hidden(cells_list) -> bool:
    return sum(1 for c in cells_list if c.value is None) == 1


def test_charts_draw_withheld_values_as_marked(ds):
    table = reports.regions_table(filters(), actor=READER).tables[0]
    data = reports.chart(table, ["placed", "enrolled"], "bar")
    ganja_index = next(i for i, r in enumerate(table.table.rows) if r["code"] == "GANJA_DASHKASAN")
    ganja = table.table.rows[ganja_index]["cells"]
    assert data["datasets"][1]["data"][ganja_index] == ganja["enrolled"].value == \
        published(record_ids(ds, K2_ALL), before=[]).value
    placed = ganja["placed"]
    if placed.value is None:  # drawn as a marked bar up to k - 1 with its symbol, not as an empty bar
        assert [0, ganja_index, "<5"] in data["withheld"] and data["withheldHeight"] == 4
    else:
        assert data["datasets"][0]["data"][ganja_index] == placed.value >= 5
    nulls = {(i, j) for i, d in enumerate(data["datasets"]) for j, v in enumerate(d["data"]) if v is None}
    assert nulls == {(i, j) for i, j, _ in data["withheld"]}


def test_definitions_in_three_languages():
    from talent.reporting.definitions import DEFINITIONS, in_language
    keys = {key for key, _ in DEFINITIONS}
    assert {"enrolled", "active", "completed", "certified", "placed", "completion_rate", "certification_rate",
            "placement_rate", "market", "suppression", "mobility", "fairness", "objectives"} <= keys
    for language in ("az", "en", "ru"):
        items = in_language(language)
        assert len(items) == len(DEFINITIONS) and all(term and len(text) > 30 for _, term, text in items)
    assert in_language("az")[0][1] == "Dövr" and in_language("ru")[0][1] == "Период"


@pytest.mark.parametrize("build", ["national", "regions", "region", "center", "fairness", "mobility", "trends",
                                   "objectives"])
def test_every_report_refuses_a_missing_reader_and_a_trainee(ds, build):
    """Issue 16: a report called without its reader used to skip the check (fail open)."""
    from talent.errors import PermissionDenied
    from talent.readmodels.objectives import objectives_progress
    f = filters()
    trainee = Actor(user_id=None, label="trainee", role="trainee", center_ids=None,
                    permissions=ROLE_PERMISSIONS["trainee"])
    run = {"national": lambda a: reports.national_summary(f, actor=a),
           "regions": lambda a: reports.regions_table(f, actor=a),
           "region": lambda a: reports.region_centers(f, ds.baku.region_id, actor=a),
           "center": lambda a: reports.center_breakdown(f, ds.baku.id, actor=a),
           "fairness": lambda a: reports.fairness(f, actor=a), "mobility": lambda a: reports.mobility(f, actor=a),
           "trends": lambda a: reports.trends(f, actor=a),
           "objectives": lambda a: objectives_progress(actor=a)}[build]
    for reader in (None, trainee):
        with pytest.raises(PermissionDenied):
            run(reader)
    assert run(READER) is not None
