"""A small dataset with every figure worked out by hand (see tests/test_reports_figures.py).

Report date TODAY = 2026-03-01, period = the year 2025.

Centers: BAKU1 (Baku, city Bakı), GANJA1 (Ganja-Dashkasan, city Gəncə).
Cohorts:
  K0  Baku, course A, 2024-02-01..2024-05-31 — 3 completers in 2024 (T0 = m0 has a 2025 job).
  K1  Baku, course A, 2025-01-10..2025-03-31 — 8 enrolled 2025-01-05: f1..f4, m1, m2 completed,
      m3 failed, m4 withdrawn; awards for f1..f4 and m1 (m1's revoked), issued 2025-04-02.
  K2  Ganja, course B, 2025-09-01..2025-11-30 — 6 enrolled 2025-08-20 (home Ganja, born 2003):
      f5, f6, f7, m5, m6 completed, m7 failed; awards for all 5 completers, issued 2025-12-05.
  K3  Baku, course A, 2025-12-01..2026-02-28 — 5 enrolled 2025-11-20, still enrolled; plus one
      applicant (never enrolled).
Placements (start):
  m0  AZ employer with no city, 2025-02-01       (local, region unknown)
  f1  AZ employer in Bakı, 2025-05-01            (local, within 183 days of K1's end)
  f2  AZ employer in Gəncə, 2025-06-01           (local, within)
  m1  TR employer, 2025-07-01                    (regional, within)
  f3  DE employer, 2025-12-01                    (international, after the 183-day window)
  f4  AZ employer in Bakı, 2025-08-01, rejected  (never counted)
  f5  AZ employer in Bakı, 2025-12-15            (local; K2 is still pending)
"""
from __future__ import annotations

import secrets
from datetime import date, datetime, timezone

from talent.credentials.models import Award
from talent.extensions import db
from talent.placement.models import Employer, Placement

TODAY = date(2026, 3, 1)
PERIOD = {"period": "year", "year": "2025"}


def _ts(y, m, d, h=12):
    return datetime(y, m, d, h, tzinfo=timezone.utc)


class Dataset:
    pass


def build_dataset(factory) -> Dataset:
    ds = Dataset()
    skills = factory.skill()
    ds.baku = factory.center(code="BAKU1", region="BAKU", city="Bakı", name="Baku Center")
    ds.ganja = factory.center(code="GANJA1", region="GANJA_DASHKASAN", city="Gəncə", name="Ganja Center")
    ds.cert_a = factory.certification(code="CERTA")
    ds.cert_b = factory.certification(code="CERTB", level="advanced")
    ds.course_a = factory.course(ds.cert_a, code="CRSA", level="foundation")
    ds.course_b = factory.course(ds.cert_b, code="CRSB", level="advanced")
    ds.skill = skills
    k0 = factory.cohort(ds.baku, ds.course_a, code="K0", start_date=date(2024, 2, 1), end_date=date(2024, 5, 31),
                        status="completed")
    k1 = factory.cohort(ds.baku, ds.course_a, code="K1", start_date=date(2025, 1, 10), end_date=date(2025, 3, 31),
                        status="completed")
    k2 = factory.cohort(ds.ganja, ds.course_b, code="K2", start_date=date(2025, 9, 1), end_date=date(2025, 11, 30),
                        status="completed")
    k3 = factory.cohort(ds.baku, ds.course_a, code="K3", start_date=date(2025, 12, 1), end_date=date(2026, 2, 28),
                        status="running")
    ds.cohorts = (k0, k1, k2, k3)
    t = {}
    ds.trainees = t
    ds.enrollments = {}

    def person(name, gender, region="BAKU", born=date(1998, 5, 17)):
        t[name] = factory.trainee(gender=gender, region=region, birth_date=born, first_name=name.upper())
        return t[name]

    def enroll(name, cohort, status, enrolled_at, completed_at=None):
        e = factory.enrollment(t[name], cohort, status=status, enrolled_at=enrolled_at, completed_at=completed_at)
        ds.enrollments[name] = e
        return e

    for i in range(3):
        person(f"m0{'' if i == 0 else i}", "M")
        enroll(f"m0{'' if i == 0 else i}", k0, "completed", _ts(2024, 1, 20), _ts(2024, 5, 31))
    for name in ("f1", "f2", "f3", "f4"):
        person(name, "F")
        enroll(name, k1, "completed", _ts(2025, 1, 5), _ts(2025, 3, 31))
    for name, status in (("m1", "completed"), ("m2", "completed"), ("m3", "failed"), ("m4", "withdrawn")):
        person(name, "M")
        enroll(name, k1, status, _ts(2025, 1, 5), _ts(2025, 3, 31) if status == "completed" else None)
    for name, gender, status in (("f5", "F", "completed"), ("f6", "F", "completed"), ("f7", "F", "completed"),
                                 ("m5", "M", "completed"), ("m6", "M", "completed"), ("m7", "M", "failed")):
        person(name, gender, region="GANJA_DASHKASAN", born=date(2003, 1, 1))
        enroll(name, k2, status, _ts(2025, 8, 20), _ts(2025, 11, 30) if status == "completed" else None)
    for i in range(5):
        person(f"a{i}", "F" if i % 2 else "M")
        enroll(f"a{i}", k3, "enrolled", _ts(2025, 11, 20))
    person("applicant", "F")
    factory.enrollment(t["applicant"], k3, status="applied", enrolled_at=None)

    serial = iter(range(1, 100))

    def award(name, cert, center, issued, revoked=False):
        e = ds.enrollments[name]
        a = Award(serial=f"AZAI-2025-{next(serial):06d}", verification_code=secrets.token_urlsafe(12),
                  enrollment_id=e.id, trainee_id=e.trainee_id, certification_id=cert.id, center_id=center.id,
                  issued_on=issued, revoked_at=_ts(2025, 6, 1) if revoked else None,
                  revoked_reason="error" if revoked else None)
        db.session.add(a)

    for name in ("f1", "f2", "f3", "f4"):
        award(name, ds.cert_a, ds.baku, date(2025, 4, 2))
    award("m1", ds.cert_a, ds.baku, date(2025, 4, 2), revoked=True)
    for name in ("f5", "f6", "f7", "m5", "m6"):
        award(name, ds.cert_b, ds.ganja, date(2025, 12, 5))
    db.session.flush()

    employers = {}

    def employer(name, country, city):
        if name not in employers:
            employers[name] = Employer(name=name, country_code=country, city=city)
            db.session.add(employers[name])
            db.session.flush()
        return employers[name]

    def job(name, emp, start, verification="verified"):
        db.session.add(Placement(trainee_id=t[name].id, employer_id=emp.id, job_title="Engineer",
                                 employment_type="full_time", start_date=start, source="center",
                                 verification=verification))

    job("m0", employer("Nowhere LLC", "AZ", None), date(2025, 2, 1))
    job("f1", employer("Baku Data", "AZ", "Bakı"), date(2025, 5, 1))
    job("f2", employer("Ganja AI", "AZ", "Gəncə"), date(2025, 6, 1))
    job("m1", employer("Istanbul ML", "TR", "İstanbul"), date(2025, 7, 1))
    job("f3", employer("Berlin Vision", "DE", "Berlin"), date(2025, 12, 1))
    job("f4", employer("Baku Data", "AZ", "Bakı"), date(2025, 8, 1), verification="rejected")
    job("f5", employer("Baku Data", "AZ", "Bakı"), date(2025, 12, 15))
    db.session.flush()
    return ds


# ---- what the cell-key method publishes (worked out here independently of the report code) ------

def record_ids(ds, names, what="enrollment"):
    """The ids of the dataset's records for these trainees: their enrollment (the last one made
    for each name), their placements (not rejected), or the trainee ids."""
    from sqlalchemy import select
    if what == "enrollment":
        return [ds.enrollments[n].id for n in names]
    if what == "trainee":
        return [ds.trainees[n].id for n in names]
    trainee_ids = [ds.trainees[n].id for n in names]
    return list(db.session.scalars(select(Placement.id).where(Placement.trainee_id.in_(trainee_ids),
                                                              Placement.verification != "rejected")))


def published(ids, domain="enrollment", k=5, before=None):
    """The published cell of a count of these records: the count moved by the perturbation table
    at (count, sum of the records' keys mod 256), "<k" below k, 0 for nobody. A count of a
    period's events (``before``: the ids of the same kind of records before the period, possibly
    none) is the perturbed cumulative count at the period's end minus the one before its start."""
    from talent.reporting.cellkey import perturb, record_key
    from talent.reporting.suppression import Cell
    keys = sum(record_key(i, domain) for i in ids)
    if not ids:
        return Cell(0, "shown", "count", k)
    if before is None:
        value = perturb(len(ids), keys)
    else:
        pre_keys = sum(record_key(i, domain) for i in before)
        value = perturb(len(ids) + len(before), keys + pre_keys) - perturb(len(before), pre_keys)
    return Cell(None, "small", "count", k) if value < k else Cell(value, "shown", "count", k)


K1_ALL = ("f1", "f2", "f3", "f4", "m1", "m2", "m3", "m4")
K1_COMPLETED = ("f1", "f2", "f3", "f4", "m1", "m2")
K2_ALL = ("f5", "f6", "f7", "m5", "m6", "m7")
K2_COMPLETED = ("f5", "f6", "f7", "m5", "m6")
K3_ALL = ("a0", "a1", "a2", "a3", "a4")
K0_ALL = ("m0", "m01", "m02")  # enrolled and completed in 2024: before the period of the tests
