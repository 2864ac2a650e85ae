"""Supply against demand (issue 20): certified graduates of the period against the openings of the
vacancies posted here, by skill (or by ISCO-08 major group) and by place — the 14 economic regions
of Azerbaijan and, for work abroad, the country — under the disclosure rule of every ministry
answer (:func:`suppress`; the cell-key method with record keys of the ``trainee`` domain).

A live report over ``awards``, ``placements`` and ``vacancies``; the report summary is not used.
Definitions (the page and docs/disclosure.md say the same; az/en/ru in ``DEFINITIONS``):

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
from statistics import median
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from talent.catalog.models import Occupation, Skill, course_skills
from talent.credentials.models import Award
from talent.extensions import db
from talent.geo.models import Country, Region
from talent.i18n import current_language
from talent.learning.models import Cohort, Enrollment
from talent.people.models import Trainee
from talent.permissions import Actor, P, require
from talent.placement.models import Placement, PlacementStatus, Vacancy, vacancy_skills
from talent.reporting.cellkey import report_key_sql
from talent.reporting.dimensions import course_conditions
from talent.reporting.periods import Filters
from talent.reporting.suppression import (HIDDEN_RATE, NO_BASE, SHOWN, Cell, RateSpec, Table, TableSpec,
                                          suppress)

DOMAIN = "trainee"
BY = ("skill", "occupation")
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


def _vacancies(filters: Filters) -> list[tuple[int, str, str, int | None, int, list[int]]]:
    """(id, ISCO major group, country, region, openings, skill ids) of the vacancies open at any
    time in the period (the skill filter: only vacancies asking for that skill)."""
    stmt = (select(Vacancy.id, Vacancy.occupation_code, Vacancy.country_code, Vacancy.region_id, Vacancy.openings)
            .where(Vacancy.created_at < filters.end_before, Vacancy.closes_on >= filters.start,
                   or_(Vacancy.closed_at.is_(None), Vacancy.closed_at >= filters.start_at))
            .order_by(Vacancy.id))
    if filters.skill_id:
        stmt = stmt.where(Vacancy.id.in_(select(vacancy_skills.c.vacancy_id)
                                         .where(vacancy_skills.c.skill_id == filters.skill_id)))
    rows = db.session.execute(stmt).all()
    skills: dict[int, list[int]] = {}
    if rows:
        ids = [r[0] for r in rows]
        for chunk in range(0, len(ids), 500):
            for vid, sid in db.session.execute(select(vacancy_skills.c.vacancy_id, vacancy_skills.c.skill_id)
                                               .where(vacancy_skills.c.vacancy_id.in_(ids[chunk:chunk + 500]))):
                skills.setdefault(vid, []).append(sid)
    return [(vid, code[:1], country, region, openings, sorted(skills.get(vid, [])))
            for vid, code, country, region, openings in rows]


def _graduates(filters: Filters) -> list[tuple[int, int, int, Any, int]]:
    """(trainee id, skill id, home region, course end date, record key) per award of the period
    and skill its course teaches."""
    stmt = (select(Award.trainee_id, course_skills.c.skill_id, Trainee.home_region_id, Cohort.end_date,
                   report_key_sql(Award.trainee_id, DOMAIN))
            .join(Enrollment, Enrollment.id == Award.enrollment_id)
            .join(Cohort, Cohort.id == Enrollment.cohort_id)
            .join(Trainee, Trainee.id == Award.trainee_id)
            .join(course_skills, course_skills.c.course_id == Cohort.course_id)
            .where(Award.issued_on >= filters.start, Award.issued_on <= filters.end, Award.revoked_at.is_(None),
                   *course_conditions(filters)))
    if filters.skill_id:
        stmt = stmt.where(course_skills.c.skill_id == filters.skill_id)
    return [tuple(r) for r in db.session.execute(stmt)]


def _jobs(trainee_ids: set[int]) -> dict[int, list[tuple[Any, int | None]]]:
    """(start date, vacancy id) of each person's jobs not rejected by a center, earliest first."""
    out: dict[int, list[tuple[Any, int | None]]] = {}
    ids = sorted(trainee_ids)
    for chunk in range(0, len(ids), 500):
        stmt = (select(Placement.trainee_id, Placement.start_date, Placement.vacancy_id, Placement.id)
                .where(Placement.trainee_id.in_(ids[chunk:chunk + 500]),
                       Placement.verification != PlacementStatus.REJECTED)
                .order_by(Placement.trainee_id, Placement.start_date, Placement.id))
        for trainee_id, start, vacancy_id, _id in db.session.execute(stmt):
            out.setdefault(trainee_id, []).append((start, vacancy_id))
    return out


def _people_figures(people: dict[int, tuple[Any, int]], jobs: dict[int, list]) -> dict[str, Any]:
    """Counts and key sums of a cell's graduates (trainee id → (completion date, key)), and the
    days to their first job after completion."""
    out = {"graduates": 0, "graduates__key": 0, "placed": 0, "placed__key": 0, "placed_vacancy": 0,
           "placed_vacancy__key": 0, "days": []}
    for trainee_id, (completed, key) in people.items():
        out["graduates"] += 1
        out["graduates__key"] += key
        first = next(((start, vacancy) for start, vacancy in jobs.get(trainee_id, []) if start >= completed), None)
        if first is None:
            continue
        out["placed"] += 1
        out["placed__key"] += key
        out["days"].append((first[0] - completed).days)
        if first[1] is not None:
            out["placed_vacancy"] += 1
            out["placed_vacancy__key"] += key
    return out


def _add_person(cell: dict[int, tuple[Any, int]], trainee_id: int, completed, key: int) -> None:
    """A person counts once per cell, from the course of the cell they completed first."""
    known = cell.get(trainee_id)
    if known is None or completed < known[0]:
        cell[trainee_id] = (completed, int(key or 0))


def _derived(row: dict[str, Any], days: list[int], k: int) -> None:
    cells = row["cells"]
    graduates, openings, placed = cells["graduates"], cells["openings"], cells["placed"]
    cells["gap"] = (Cell(openings.value - graduates.value, SHOWN, "entity", k) if graduates.value is not None
                    else Cell(None, HIDDEN_RATE, "entity", k))
    if not days:
        cells["median_days"] = Cell(None, NO_BASE, "entity", k)
    elif len(days) < k or placed.value is None or placed.value < k:
        cells["median_days"] = Cell(None, HIDDEN_RATE, "entity", k)
    else:
        cells["median_days"] = Cell(int(round(median(days))), SHOWN, "entity", k)


def supply_demand(filters: Filters, *, actor: Actor, by: str = "skill") -> SupplyDemandReport:
    """One row per (skill or ISCO major group) × place with any graduate or opening, and the total
    (distinct graduates, all openings); only published cells."""
    require(actor, P.REPORTS_READ)
    by = by if by in BY else "skill"
    language = current_language()
    k = int(current_app.config.get("SUPPRESSION_K", 5))
    vacancies = _vacancies(filters)
    graduates = _graduates(filters)

    # Demand: openings per (group, place); place = ("region", id) | ("region", None) | ("country", code).
    openings: dict[tuple, int] = {}
    group_skills: dict[str, set[int]] = {}
    for _vid, major, country, region, n, skill_ids in vacancies:
        place = ("region", region) if country == "AZ" else ("country", country)
        if by == "skill":
            for sid in skill_ids:
                if not filters.skill_id or sid == filters.skill_id:
                    openings[(sid, place)] = openings.get((sid, place), 0) + n
        else:
            openings[(major, place)] = openings.get((major, place), 0) + n
            group_skills.setdefault(major, set()).update(skill_ids)

    # Supply: graduates per (group, home region); the total: distinct people of any row.
    people: dict[tuple, dict[int, tuple[Any, int]]] = {}
    everyone: dict[int, tuple[Any, int]] = {}
    for trainee_id, skill_id, home, completed, key in graduates:
        groups = [skill_id] if by == "skill" else [g for g, s in group_skills.items() if skill_id in s]
        for group in groups:
            _add_person(people.setdefault((group, ("region", home)), {}), trainee_id, completed, key)
            _add_person(everyone, trainee_id, completed, key)
    jobs = _jobs(set(everyone))

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
    raw_rows, extras, days = [], [], []
    for group, place in keys:
        figures = _people_figures(people.get((group, place), {}), jobs)
        days.append(figures.pop("days"))
        code, label = names.get(group, (str(group), str(group)))
        place_code, place_name, _order = place_label(place)
        raw_rows.append({"code": f"{code}:{place_code}", "label": f"{label} — {place_name}",
                         "openings": openings.get((group, place), 0), **figures})
        extras.append({"group": code, "group_label": label, "place": place_code, "place_label": place_name,
                       "abroad": place[0] == "country"})
    total_figures = _people_figures(everyone, jobs)
    total_days = total_figures.pop("days")
    total = {"code": "ALL", "label": _l("All"), "openings": sum(v[4] for v in vacancies), **total_figures}
    table = suppress(raw_rows, SPEC, total=total, k=k)
    for row, extra, row_days in zip(table.rows, extras, days):
        row.update(extra)
        _derived(row, row_days, k)
    if table.total is not None:
        _derived(table.total, total_days, k)
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


__all__ = ["SupplyDemandReport", "supply_demand", "COLUMNS", "COLUMN_LABELS", "BY", "definitions"]
