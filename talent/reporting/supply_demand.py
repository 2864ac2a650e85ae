"""Supply against demand (issue 20): certified graduates of the period against the openings of the
vacancies posted here, by skill (or by ISCO-08 major group) and by place — the 14 economic regions
of Azerbaijan and, for work abroad, the country — under the disclosure rule of every ministry
answer (:func:`suppress`; the cell-key method with record keys of the ``trainee`` domain).

The openings are read live (vacancies: few rows). The figures about people come from one live
statement over ``awards``, ``placements`` and ``trainees`` — or, for a published period (a calendar
year or quarter with no course filter), from its kept snapshot while that is provably current
(:mod:`talent.reporting.kept`; :mod:`talent.reporting.snapshots` makes them). Definitions (the page and docs/disclosure.md say the same; az/en/ru in ``DEFINITIONS``):

- *graduates*: distinct people with an award issued in the period (not revoked) for a course that
  teaches the skill; a person counts in the region of their **home** (where they look for work),
  not of the center that trained them. By ISCO major group: a graduate counts in a group when
  their course teaches a skill that the group's vacancies of the period ask for. The course
  filters (sector, level, skill) narrow the courses; the skill filter narrows the vacancies too.
- *openings*: the sum of ``openings`` of the vacancies open at any time in the period (posted
  before its end, closing on or after its start, not closed before its start), counted for every
  skill a vacancy asks for (by group: once, in the major group of its occupation code, the first
  digit), in its region (work in Azerbaijan with no region: the row "Azerbaijan, region not
  given") or its country abroad. Openings are jobs, not people: never perturbed.
- *gap*: openings minus graduates (published figures): positive when demand exceeds supply.
- *placed*: graduates of the row with a job (not rejected by a center) starting on or after the
  end of the course of that row they completed first; *into vacancies*: those of them whose
  first such job filled a vacancy posted here; *share*: into vacancies / placed, as a rate.
- *median days to job*: the median of the days from that course's end to the first such job's
  start; shown only when at least k graduates are behind it and the published *placed* is shown.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, and_, case, cast, func, literal, null, or_, select, type_coerce, union_all

from talent.catalog.models import Occupation, Skill, course_skills
from talent.credentials.models import Award
from talent.extensions import db
from talent.geo.models import Country, Region
from talent.i18n import current_language
from talent.learning.models import Cohort, Enrollment
from talent.people.models import Trainee
from talent.permissions import Actor, P, require
from talent.placement.models import Placement, PlacementStatus, Vacancy, vacancy_skills
from talent.reporting import kept, summary
from talent.reporting.cellkey import report_key_sql
from talent.reporting.dimensions import course_conditions
from talent.reporting.periods import Filters, names_published_period, published_filters
from talent.reporting.suppression import (HIDDEN_RATE, NO_BASE, SHOWN, Cell, RateSpec, Table, TableSpec,
                                          suppress)

DOMAIN = "trainee"
BY = ("skill", "occupation")
DEFAULT_BY = "skill"
SPEC = TableSpec(counts=["graduates", "placed", "placed_vacancy"], entities=["openings"],
                 rates=[RateSpec("vacancy_share", "placed_vacancy", "placed")], additive=False)
COLUMNS = ["graduates", "openings", "gap", "placed", "median_days", "placed_vacancy", "vacancy_share"]
COLUMN_LABELS = {
    "graduates": _l("Certified graduates"), "openings": _l("Vacancy openings"), "gap": _l("Gap (openings − graduates)"),
    "placed": _l("Placed"), "median_days": _l("Median days to first job"),
    "placed_vacancy": _l("Placed into vacancies posted here"), "vacancy_share": _l("Into posted vacancies %"),
}
NO_REGION = "AZ-"   # work in Azerbaijan with no region given


@dataclass
class SupplyDemandReport:
    table: Table
    columns: list[str]
    filters: Filters
    by: str

    def as_json(self) -> dict[str, Any]:
        """The shape of every ministry report in the API (one table, its cells published only)."""
        data = self.table.as_json()
        data.update(name=f"supply_demand_by_{self.by}", title=str(_l("Supply against demand")),
                    columns=self.columns)
        return {"report": "supply-demand", "filters": {**self.filters.describe(), "by": self.by},
                "suppression_k": self.table.k, "tables": [data]}


def _name(obj, language: str) -> str:
    return getattr(obj, f"name_{language}", None) or obj.name_az


def _open_vacancy_conditions(filters: Filters) -> list:
    """Vacancies open at any time in the period (the skill filter: only those asking for it)."""
    conds = [Vacancy.created_at < filters.end_before, Vacancy.closes_on >= filters.start,
             or_(Vacancy.closed_at.is_(None), Vacancy.closed_at >= filters.start_at)]
    if filters.skill_id:
        conds.append(Vacancy.id.in_(select(vacancy_skills.c.vacancy_id)
                                    .where(vacancy_skills.c.skill_id == filters.skill_id)))
    return conds


def _major(column):
    """The ISCO-08 major group of an occupation code: its first digit."""
    return func.substr(column, 1, 1)


def _place(country: str, region: int | None) -> tuple:
    """("region", id) | ("region", None) for work in Azerbaijan, ("country", code) abroad."""
    return ("region", region) if country == "AZ" else ("country", country)


def _openings(filters: Filters, by: str) -> tuple[dict[tuple, int], int]:
    """Openings per (group, place) and all openings of the period, added up by the database (one
    statement per grouping)."""
    conds = _open_vacancy_conditions(filters)
    if by == "skill":
        group = vacancy_skills.c.skill_id
        stmt = (select(group, Vacancy.country_code, Vacancy.region_id, func.sum(Vacancy.openings))
                .join(vacancy_skills, vacancy_skills.c.vacancy_id == Vacancy.id).where(*conds))
        if filters.skill_id:
            stmt = stmt.where(vacancy_skills.c.skill_id == filters.skill_id)
    else:
        group = _major(Vacancy.occupation_code)
        stmt = select(group, Vacancy.country_code, Vacancy.region_id, func.sum(Vacancy.openings)).where(*conds)
    openings: dict[tuple, int] = {}
    for group_value, country, region, n in db.session.execute(
            stmt.group_by(group, Vacancy.country_code, Vacancy.region_id)):
        key = (group_value, _place(country, region))
        openings[key] = openings.get(key, 0) + int(n or 0)
    total = db.session.scalar(select(func.coalesce(func.sum(Vacancy.openings), 0)).where(*conds))
    return openings, int(total or 0)


def _days_between(later, earlier):
    """Whole days from ``earlier`` to ``later`` (two DATE columns), on PostgreSQL and SQLite."""
    if db.session.get_bind().dialect.name == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return type_coerce(later - earlier, Integer)


def _people_statement(filters: Filters, by: str):
    """One statement: per (group, home region) and for the total, the graduates, those placed and
    those placed into a posted vacancy (counts and record-key sums), the number of day counts and
    their median (percentile_cont on PostgreSQL, measured cheaper there than a window; on SQLite
    the mean of the middle one or two read off a window).

    ``sd_grads``: one row per person and cell with the end of the cell's course they completed
    first; ``sd_people``: those rows, and one per person for the total (the earliest end of any
    cell); ``sd_first``: each (person, end date)'s first job not rejected by a center starting on
    or after that date (earliest start, then the lowest id)."""
    skill = course_skills.c.skill_id
    if by == "skill":
        group = skill
        source = course_skills
    else:
        # A course's skill counts in every major group whose vacancies of the period ask for it.
        asks = (select(_major(Vacancy.occupation_code).label("grp"), vacancy_skills.c.skill_id)
                .join(vacancy_skills, vacancy_skills.c.vacancy_id == Vacancy.id)
                .where(*_open_vacancy_conditions(filters)).distinct().subquery("sd_asks"))
        group = asks.c.grp
        source = course_skills.join(asks, asks.c.skill_id == skill)
    grads = (select(group.label("grp"), Trainee.home_region_id.label("home"), Award.trainee_id.label("trainee_id"),
                    func.min(Cohort.end_date).label("completed"))
             .select_from(Award)
             .join(Enrollment, Enrollment.id == Award.enrollment_id)
             .join(Cohort, Cohort.id == Enrollment.cohort_id)
             .join(Trainee, Trainee.id == Award.trainee_id)
             .join(source, course_skills.c.course_id == Cohort.course_id)
             .where(Award.issued_on >= filters.start, Award.issued_on <= filters.end, Award.revoked_at.is_(None),
                    *course_conditions(filters)))
    if filters.skill_id:
        grads = grads.where(skill == filters.skill_id)
    grads = grads.group_by(group, Trainee.home_region_id, Award.trainee_id).cte("sd_grads")

    people = union_all(
        select(literal(0).label("tot"), grads.c.grp, grads.c.home, grads.c.trainee_id, grads.c.completed),
        select(literal(1), null(), null(), grads.c.trainee_id, func.min(grads.c.completed))
        .group_by(grads.c.trainee_id),
    ).cte("sd_people")

    pairs = select(grads.c.trainee_id, grads.c.completed).distinct().subquery("sd_pairs")
    ranked = (select(pairs.c.trainee_id, pairs.c.completed,
                     _days_between(Placement.start_date, pairs.c.completed).label("days"), Placement.vacancy_id,
                     func.row_number().over(partition_by=(pairs.c.trainee_id, pairs.c.completed),
                                            order_by=(Placement.start_date, Placement.id)).label("n"))
              .join(Placement, and_(Placement.trainee_id == pairs.c.trainee_id,
                                    Placement.start_date >= pairs.c.completed,
                                    Placement.verification != PlacementStatus.REJECTED))
              .subquery("sd_ranked"))
    first = select(ranked.c.trainee_id, ranked.c.completed, ranked.c.days, ranked.c.vacancy_id) \
        .where(ranked.c.n == 1).cte("sd_first")

    cells = (select(people.c.tot, people.c.grp, people.c.home, report_key_sql(people.c.trainee_id, DOMAIN).label("key"),
                    first.c.days, first.c.vacancy_id)
             .select_from(people.outerjoin(first, and_(first.c.trainee_id == people.c.trainee_id,
                                                       first.c.completed == people.c.completed)))
             .cte("sd_cells"))
    c = cells.c
    cell = (c.tot, c.grp, c.home)
    key = c.key
    placed = c.days.is_not(None)
    via = and_(placed, c.vacancy_id.is_not(None))
    postgres = db.session.get_bind().dialect.name == "postgresql"
    counts = (select(literal("n").label("part"), *cell,
                     func.count().label("graduates"), func.sum(key).label("graduates__key"),
                     func.count(c.days).label("placed"), func.sum(case((placed, key), else_=0)).label("placed__key"),
                     func.sum(case((via, 1), else_=0)).label("placed_vacancy"),
                     func.sum(case((via, key), else_=0)).label("placed_vacancy__key"),
                     (func.percentile_cont(0.5).within_group(c.days) if postgres else null()).label("median_days"))
              .group_by(*cell))
    if postgres:   # the median in the same pass (NULL days, the people not placed, are left out)
        return counts
    # SQLite has no percentile: the mean of the middle one (odd count) or two (even count) day
    # counts, read off a window over the people placed (the same figure as percentile_cont(0.5)).
    ordered = (select(*cell, c.days, func.row_number().over(partition_by=cell, order_by=c.days).label("rn"),
                      func.count().over(partition_by=cell).label("cnt"))
               .where(placed).subquery("sd_ordered"))
    o = ordered.c
    medians = (select(literal("m"), o.tot, o.grp, o.home, *[literal(0)] * 6, func.avg(o.days))
               .where((2 * o.rn).in_([o.cnt, o.cnt + 1, o.cnt + 2]))
               .group_by(o.tot, o.grp, o.home))
    return union_all(counts, medians)


FIGURES = ("graduates", "graduates__key", "placed", "placed__key", "placed_vacancy", "placed_vacancy__key")


def _people(filters: Filters, by: str) -> tuple[dict[tuple, dict[str, Any]], dict[str, Any]]:
    """The figures of each (group, ("region", home)) cell with graduates, and of the total (rows
    "n"; on SQLite the medians come as rows "m" of their own)."""
    cells: dict[tuple, dict[str, Any]] = {}
    total: dict[str, Any] = {name: 0 for name in FIGURES} | {"median_days": None}
    medians: dict[tuple, Any] = {}
    for row in db.session.execute(_people_statement(filters, by)).mappings():
        cell = (row["grp"], ("region", row["home"])) if not row["tot"] else None
        if row["part"] == "m":
            medians[cell] = row["median_days"]
            continue
        figures = {name: int(row[name] or 0) for name in FIGURES} | {"median_days": row["median_days"]}
        if cell is None:
            total = figures
        else:
            cells[cell] = figures
    for cell, median_days in medians.items():
        (total if cell is None else cells[cell])["median_days"] = median_days
    return cells, total


def _encode(cells: dict[tuple, dict[str, Any]], total: dict[str, Any]) -> dict[str, Any]:
    """The people figures as JSON (a snapshot's ``figures``)."""
    return {"cells": [[group, home, figures] for (group, (_kind, home)), figures in cells.items()], "total": total}


def _decode(figures: dict[str, Any]) -> tuple[dict[tuple, dict[str, Any]], dict[str, Any]]:
    return {(group, ("region", home)): dict(values) for group, home, values in figures["cells"]}, dict(figures["total"])


REPORT = "supply"


def _kept_params(filters: Filters, by: str) -> dict[str, Any]:
    return {"by": by, "kind": filters.kind, "start": filters.start.isoformat(), "end": filters.end.isoformat()}


def kept_key(params: dict[str, Any], timezone: str, _today: date) -> str:
    """The snapshot's key: the grouping, the period and the time zone (not the report date: no
    figure here depends on it)."""
    return f"{REPORT}/{kept.FORMAT}|{params['by']}|{params['start']}|{params['end']}|{timezone}"


def kept_valid(params: dict[str, Any]) -> bool:
    """Whether ``params`` (from a message) name a grouping and a published period."""
    return (isinstance(params, dict) and params.get("by") in BY and params.get("kind") in ("year", "quarter")
            and names_published_period(params))


def kept_compute(params: dict[str, Any], timezone: str, today: date) -> dict[str, Any]:
    """The live statement's figures for ``params``, as a snapshot holds them."""
    filters = published_filters(params, timezone, today)
    return _encode(*_people(filters, params["by"]))


def kept_defaults(today: date) -> list[dict[str, Any]]:
    """Kept even when nobody asked: this year and last year, by skill and by occupation group."""
    return [{"by": by, "kind": "year", "start": date(y, 1, 1).isoformat(), "end": date(y, 12, 31).isoformat()}
            for y in (today.year, today.year - 1) for by in BY]


def _people_figures(filters: Filters, by: str) -> tuple[dict[tuple, dict[str, Any]], dict[str, Any]]:
    """The people figures: the kept snapshot when it is current, else the live statement (and, with a
    worker, a request to keep this period)."""
    session = db.session
    if kept.keepable(filters) and summary.is_current(session, filters.timezone):
        params = _kept_params(filters, by)
        figures = kept.read(session, kept_key(params, filters.timezone, filters.today),
                            filters.start.year, filters.end.year)
        if figures is not None:
            return _decode(figures)
        kept.ask(REPORT, params)
    return _people(filters, by)


def _derived(row: dict[str, Any], n_days: int, median_days: Any, k: int) -> None:
    """The gap and the median days to a first job (``n_days`` day counts behind it), under the
    rule of the module docstring."""
    cells = row["cells"]
    graduates, openings, placed = cells["graduates"], cells["openings"], cells["placed"]
    cells["gap"] = (Cell(openings.value - graduates.value, SHOWN, "entity", k) if graduates.value is not None
                    else Cell(None, HIDDEN_RATE, "entity", k))
    if not n_days:
        cells["median_days"] = Cell(None, NO_BASE, "entity", k)
    elif n_days < k or placed.value is None or placed.value < k:
        cells["median_days"] = Cell(None, HIDDEN_RATE, "entity", k)
    else:
        cells["median_days"] = Cell(int(round(median_days)), SHOWN, "entity", k)


def row_key(by: str | None) -> str:
    """What the rows are: ``by`` if it is one of :data:`BY`, else the default (by skill)."""
    return by if by in BY else DEFAULT_BY


def supply_demand(filters: Filters, *, actor: Actor, by: str | None = DEFAULT_BY) -> SupplyDemandReport:
    """One row per (skill or ISCO major group) × place with any graduate or opening, and the total
    (distinct graduates, all openings); only published cells. An unknown ``by`` gives the
    default rows (:func:`row_key`)."""
    require(actor, P.REPORTS_READ)
    by = row_key(by)
    language = current_language()
    k = int(current_app.config.get("SUPPRESSION_K", 5))
    openings, all_openings = _openings(filters, by)
    people, everyone = _people_figures(filters, by)

    # Labels, in the page's language.
    if by == "skill":
        ids = {g for g, _p in list(openings) + list(people)}
        names = {s.id: (s.code, _name(s, language)) for s in db.session.scalars(select(Skill).where(Skill.id.in_(ids or [-1])))}
    else:
        majors = db.session.scalars(select(Occupation).where(Occupation.level == "major"))
        names = {o.code: (o.code, f"{o.code} {_name(o, language)}") for o in majors}
    regions = {r.id: r for r in db.session.scalars(select(Region))}
    country_codes = {p[1] for _g, p in list(openings) + list(people) if p[0] == "country"}
    countries = {c.code: c for c in db.session.scalars(select(Country).where(Country.code.in_(country_codes or ["--"])))}

    def place_label(place) -> tuple[str, str, int]:
        kind, value = place
        if kind == "region":
            if value is None:
                return NO_REGION, str(_l("Azerbaijan, region not given")), 1
            region = regions.get(value)
            return (region.code, _name(region, language), 0) if region else (str(value), str(value), 0)
        country = countries.get(value)
        return value, (_name(country, language) if country else value), 2

    keys = sorted(set(openings) | set(people),
                  key=lambda gp: (names.get(gp[0], (str(gp[0]), str(gp[0])))[1],
                                  place_label(gp[1])[2], place_label(gp[1])[1]))
    raw_rows, extras, medians = [], [], []
    nobody = {name: 0 for name in FIGURES} | {"median_days": None}
    for group, place in keys:
        figures = dict(people.get((group, place), nobody))
        medians.append((figures["placed"], figures.pop("median_days")))
        code, label = names.get(group, (str(group), str(group)))
        place_code, place_name, _order = place_label(place)
        raw_rows.append({"code": f"{code}:{place_code}", "label": f"{label} — {place_name}",
                         "openings": openings.get((group, place), 0), **figures})
        extras.append({"group": code, "group_label": label, "place": place_code, "place_label": place_name,
                       "abroad": place[0] == "country"})
    total_figures = dict(everyone)
    total_median = (total_figures["placed"], total_figures.pop("median_days"))
    total = {"code": "ALL", "label": _l("All"), "openings": all_openings, **total_figures}
    table = suppress(raw_rows, SPEC, total=total, k=k)
    for row, extra, (n_days, median_days) in zip(table.rows, extras, medians):
        row.update(extra)
        _derived(row, n_days, median_days, k)
    if table.total is not None:
        _derived(table.total, *total_median, k)
    table.columns = COLUMNS
    return SupplyDemandReport(table=table, columns=COLUMNS, filters=filters, by=by)


DEFINITIONS = {
    "en": [
        ("Certified graduates", "Distinct people with a certificate issued in the period (not revoked) for a "
         "course that teaches the skill, counted in their home region. By occupation group: courses teaching a "
         "skill that the group's vacancies ask for."),
        ("Vacancy openings", "The openings of the vacancies posted here that were open at any time in the "
         "period, by the vacancy's region (or its country, for work abroad)."),
        ("Gap", "Openings minus graduates: above zero, more jobs were offered than people certified."),
        ("Median days to first job", "From the end of the course to the start of the first job after it; "
         "hidden when fewer than k graduates are behind it."),
        ("Into posted vacancies", "Of the graduates placed, the share whose first job filled a vacancy posted "
         "here."),
    ],
    "az": [
        ("Sertifikatlı məzunlar", "Dövr ərzində bacarığı öyrədən kurs üzrə sertifikat verilmiş (ləğv edilməmiş) "
         "fərqli şəxslər, yaşadıqları region üzrə. Peşə qrupu üzrə: qrupun vakansiyalarının tələb etdiyi "
         "bacarığı öyrədən kurslar."),
        ("Vakansiya yerləri", "Dövr ərzində istənilən vaxt açıq olmuş, burada yerləşdirilmiş vakansiyaların "
         "yerləri, vakansiyanın regionu üzrə (xaricdəki iş üçün ölkəsi üzrə)."),
        ("Fərq", "Yerlər çıxılsın məzunlar: sıfırdan çox olduqda sertifikat alan şəxslərdən çox iş təklif "
         "edilib."),
        ("İlk işə qədər median gün", "Kursun bitməsindən ondan sonrakı ilk işin başlanmasına qədər; k-dan az "
         "məzun olduqda gizlədilir."),
        ("Yerləşdirilmiş vakansiyalara", "İşə düzələn məzunlardan ilk işi burada yerləşdirilmiş vakansiyanı "
         "dolduranların payı."),
    ],
    "ru": [
        ("Выпускники с сертификатом", "Разные люди, получившие в периоде сертификат (не отозванный) по курсу, "
         "обучающему навыку, по региону проживания. По группе занятий: курсы, обучающие навыку, который "
         "требуют вакансии группы."),
        ("Места в вакансиях", "Места вакансий, размещённых здесь и открытых в любой момент периода, по региону "
         "вакансии (для работы за рубежом — по стране)."),
        ("Разрыв", "Места минус выпускники: больше нуля — работы предложено больше, чем людей получили "
         "сертификат."),
        ("Медиана дней до первой работы", "От окончания курса до начала первой работы после него; скрыта, "
         "если за ней меньше k выпускников."),
        ("В размещённые вакансии", "Доля трудоустроенных выпускников, чья первая работа заняла вакансию, "
         "размещённую здесь."),
    ],
}


def definitions(language: str) -> list[tuple[str, str]]:
    return DEFINITIONS.get(language, DEFINITIONS["az"])


__all__ = ["SupplyDemandReport", "supply_demand", "row_key", "COLUMNS", "COLUMN_LABELS", "BY", "DEFAULT_BY",
           "definitions"]
