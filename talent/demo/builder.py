"""The demo builder: a believable, deterministic national picture built in one pass.

Small, fixed things (users, centers, the catalog, employers, objectives) go through the ORM.
Everything that grows with ``--trainees`` (cohorts, sessions, trainees, enrollments, attendance,
awards, placements, follow-ups) is generated as plain tuples and bulk-written by
:class:`talent.demo.bulk.BulkWriter`, streaming in chunks so a million trainees never sit in
memory at once.

Every random choice comes from one ``random.Random(seed)``: the same seed on the same day gives
the same data. Dates are relative to ``today`` so a demo always has cohorts running now.
"""
from __future__ import annotations

import base64
import heapq
import math
import random
import secrets
import time
from bisect import bisect
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from itertools import accumulate
from typing import Callable

from flask import current_app
from sqlalchemy import func, or_, select, update

from talent import audit, clock
from talent.clock import add_months
from talent.accounts.models import CenterAssignment, User
from talent.accounts.passwords import hash_password
from talent.catalog.models import Certification, Course, Sector, Skill
from talent.centers.models import Center
from talent.credentials.models import SerialCounter
from talent.demo import data
from talent.demo.bulk import BulkWriter
from talent.learning import membership
from talent.demo.people import DEMO_SEEDS, NameMaker, fin_sequence
from talent.extensions import db
from talent.geo.models import Region
from talent.objectives.models import Objective
from talent.people.models import Trainee
from talent.permissions import Actor
from talent.placement import followup, followup_queue
from talent.placement.models import Employer, EmployerConfirmation, FollowUp, Placement, Vacancy, VacancyStatus
from talent.learning.models import Cohort, Enrollment
from talent.reporting import snapshots, summary
from talent.reference import read_csv
from talent.learning.models import CohortStatus, EnrollmentStatus
from talent.placement.models import PlacementStatus
from talent.placement.profiles_models import ShortlistAnswer, ShortlistEntry, TalentProfile

REGIONAL_COUNTRIES = ("GE", "TR", "RU", "IR", "KZ", "UZ", "TM", "KG", "TJ")
EDUCATION = ["secondary", "vocational", "bachelor", "master", "doctorate"]
EDUCATION_WEIGHTS = list(accumulate([18, 14, 46, 19, 3]))
UTC_HOURS = (6, 10, 14)  # classes at 10:00, 14:00 and 18:00 Baku time
VACANCIES_POSTED_DAYS_AGO = 180  # the demo vacancies: posted half a year ago, still open


@dataclass
class CourseInfo:
    id: int
    code: str
    level: str
    hours: int
    weight: int
    certification_id: int
    pass_mark: int
    min_attendance: int
    validity_months: int | None
    skill_codes: list[str]
    sector_id: int | None


@dataclass
class CenterInfo:
    id: int
    code: str
    region_id: int
    region_code: str
    capacity: int
    courses: list[int] = field(default_factory=list)  # indexes into the course list
    course_cum_weights: list[int] = field(default_factory=list)


class CohortPlan:
    __slots__ = ("id", "code", "course", "center", "start", "end", "capacity", "mode", "status", "slots",
                 "completed_at", "cancelled_reason", "hour", "anchor")

    def __init__(self, **kw):
        for key, value in kw.items():
            setattr(self, key, value)


class DemoBuilder:
    def __init__(self, trainees: int, seed: int, today: date,
                 progress: Callable[[str], None] | None = None):
        self.target = trainees
        self.seed = seed
        self.today = today
        self.now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
        self.rng = random.Random(seed)
        self.progress = progress or (lambda message: None)
        self.started = time.monotonic()

    # ---- orchestration ------------------------------------------------------------------
    def run(self) -> list[tuple[str, str, str]]:
        self._load_reference_maps()
        self._make_staff_users()
        self._make_centers()
        self._make_center_admins()
        self._make_catalog()
        self._make_employers()
        db.session.flush()

        w = self.w = BulkWriter()
        w.table("cohorts", ("id", "code", "course_id", "center_id", "start_date", "end_date", "capacity", "mode",
                            "status", "completed_at", "cancelled_reason", "version", "created_at"))
        w.table("cohort_sessions", ("id", "cohort_id", "starts_at", "ends_at", "topic"))
        w.table("trainees", ("id", "fin", "first_name", "last_name", "patronymic", "search_name", "birth_date",
                             "gender", "email", "phone", "home_region_id", "education_level", "consent_at",
                             "followup_consent", "research_consent", "registered_by_center_id",
                             "created_at", "updated_at"))
        w.table("enrollments", ("id", "trainee_id", "cohort_id", "status", "attendance_pct", "final_score",
                                "applied_at", "waitlisted_at", "enrolled_at", "completed_at", "withdrawn_at",
                                "withdrawal_reason"))
        w.table("attendance", ("session_id", "enrollment_id", "mark", "recorded_at"))
        w.table("awards", ("id", "serial", "verification_code", "enrollment_id", "trainee_id",
                           "certification_id", "center_id", "issued_on", "expires_on", "revoked_at",
                           "revoked_reason", "revoked_by_id", "created_at"))
        w.table("placements", ("id", "trainee_id", "employer_id", "sector_id", "occupation_code", "job_title",
                               "employment_type", "remote", "start_date", "end_date", "monthly_pay_azn",
                               "source", "verification", "verified_at", "center_id", "created_at"))
        w.table("follow_ups", ("id", "enrollment_id", "milestone_months", "outcome", "note", "recorded_at"))
        w.table("followup_requests", ("enrollment_id", "trainee_id", "cohort_id", "center_id", "wave", "language",
                                      "email", "token_hash", "sent_at", "reminded_at", "expires_at", "answered_at",
                                      "outcome", "pay_band", "placement_id", "created_at"))
        if self.target >= 50_000:
            w.defer_indexes()
            self._say("plain indexes dropped; rebuilt at the end")
        self.ids = {name: w.next_id(name) for name in
                    ("cohorts", "cohort_sessions", "trainees", "enrollments", "awards", "placements",
                     "follow_ups")}
        self.serials: dict[int, int] = {
            c.year: c.last_number for c in db.session.scalars(select(SerialCounter))}
        self.serial_start = dict(self.serials)

        try:
            self._plan_cohorts()
            self._fill_cohorts()
            w.flush()
            logins = self._make_trainee_logins()
            self._make_followup_requests()
            self._make_objectives()
            self._save_serial_counters()
            self._say("writing the last rows and building indexes")
            w.finish()
        finally:
            w.close()
        self.counts = dict(w.counts)
        logins = self._make_employer_side() + logins
        self._make_talent_profiles()
        # The rows above went in through COPY/executemany, past the ORM events that keep the
        # report summary current: count it once from the finished tables.
        self._say("counting the report summary")
        summary.rebuild(db.session, current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Baku"))
        self._say("keeping the trainee–center membership")
        membership.rebuild()   # the same: trainees and enrollments came in past the services
        self._say("keeping the follow-ups to make and the centers that see each reported job")
        followup_queue.rebuild(db.session)   # the same: completers, jobs and outcomes past the ORM
        self._say("keeping the default periods of supply against demand and the outcome indicators")
        snapshots.refresh(db.session)
        audit.record(Actor.system(label="demo", channel="cli"), "demo.load", "demo", None,
                     details={"seed": self.seed, "trainees": self.target, "anchor": self.today.isoformat(),
                              **self.counts})
        db.session.flush()
        self._say(f"done: {self.counts}")
        return self.staff_logins + logins

    def _say(self, message: str) -> None:
        self.progress(f"demo [{time.monotonic() - self.started:6.1f}s] {message}")

    # ---- reference and fixed data -------------------------------------------------------
    def _load_reference_maps(self) -> None:
        self.regions = {r.code: r for r in db.session.scalars(select(Region).order_by(Region.id))}
        self.region_ids = [r.id for r in self.regions.values()]
        self.skills = {s.code: s.id for s in db.session.scalars(select(Skill))}
        self.sectors = {s.code: s.id for s in db.session.scalars(select(Sector))}
        self.names = NameMaker(self.rng)
        self.fin = fin_sequence(self.rng)

    def _user(self, email: str, full_name: str, role: str, centers: list[CenterInfo] = (),
              employer_id: int | None = None) -> User:
        user = User(email=email, full_name=full_name, role=role, password_hash=hash_password(data.DEMO_PASSWORD),
                    employer_id=employer_id,
                    session_token=secrets.token_hex(16), password_changed_at=self.now.replace(tzinfo=timezone.utc))
        user.assignments = [CenterAssignment(center_id=c.id) for c in centers]
        db.session.add(user)
        db.session.flush()
        return user

    def _make_staff_users(self) -> None:
        self.admin = self._user("admin@talent.az", "Demo Administrator", "admin")
        self._user("ministry@talent.az", "Nazirlik Analitiki", "ministry")
        self.staff_logins = [("admin", "admin@talent.az", data.DEMO_PASSWORD),
                             ("ministry", "ministry@talent.az", data.DEMO_PASSWORD)]

    def _make_centers(self) -> None:
        rng = self.rng
        cities: dict[str, list[tuple[str, str]]] = {}
        for row in read_csv("region_cities.csv"):
            cities.setdefault(row["region_code"], []).append((row["city_az"], row["city_en"]))
        streets = ["Nizami küç.", "Azadlıq pr.", "Heydər Əliyev pr.", "Füzuli küç.", "Xətai pr.",
                   "Nəriman Nərimanov küç.", "Səməd Vurğun küç.", "28 May küç."]
        self.centers: list[CenterInfo] = []
        for region_code, count in data.CENTERS_PER_REGION.items():
            region = self.regions[region_code]
            for k in range(count):
                if region_code == "BAKU":
                    city_az, name = data.BAKU_CENTER_NAMES[k]
                    city_en = "Mardakan" if city_az == "Mərdəkan" else "Baku"
                    capacity = rng.randrange(400, 601, 50)
                else:
                    city_az, city_en = cities[region_code][k % len(cities[region_code])]
                    name = f"{city_az} Regional AI Mərkəzi"
                    capacity = rng.randrange(120, 301, 20)
                code = f"{city_en.upper().replace(' ', '')}-{k + 1:02d}"
                center = Center(code=code, name=name, region_id=region.id, city=city_az,
                                address=f"{rng.choice(streets)} {rng.randrange(1, 160)}", capacity=capacity)
                db.session.add(center)
                db.session.flush()
                self.centers.append(CenterInfo(center.id, code, region.id, region_code, capacity))

    def _make_center_admins(self) -> None:
        by_region: dict[str, list[CenterInfo]] = {}
        for c in self.centers:
            by_region.setdefault(c.region_code, []).append(c)
        admins = [("baku.admin@talent.az", "Bakı mərkəzləri administratoru", by_region["BAKU"][:2]),
                  ("ganja.admin@talent.az", "Gəncə mərkəzləri administratoru", by_region["GANJA_DASHKASAN"]),
                  ("lankaran.admin@talent.az", "Lənkəran mərkəzləri administratoru",
                   by_region["LANKARAN_ASTARA"][:1])]
        self.showcase_centers = set()
        for email, name, centers in admins:
            self._user(email, name, "center_admin", centers)
            self.staff_logins.append(("center_admin", email, data.DEMO_PASSWORD))
            self.showcase_centers.update(c.id for c in centers)

    def _make_catalog(self) -> None:
        rng = self.rng
        self.courses: list[CourseInfo] = []
        for (code, title_az, title_en, level, hours, language, skill_codes, sector, weight,
             (pass_mark, min_attendance, validity)) in data.COURSES:
            title_ru = data.COURSE_TITLES_RU.get(code)
            cert = Certification(
                code=f"AZAI-{code}", name_az=f"{title_az} sertifikatı", name_en=f"Certificate in {title_en}",
                name_ru=f"Сертификат: {title_ru}" if title_ru else None,
                description=f"Awarded on completing the {hours}-hour course “{title_en}”.",
                criteria=f"Final score at least {pass_mark} and attendance at least {min_attendance}%.",
                skill_id=self.skills[skill_codes[0]], level=level, pass_mark=pass_mark,
                min_attendance=min_attendance, validity_months=validity)
            db.session.add(cert)
            db.session.flush()
            titles = {"az": title_az, "en": title_en, "ru": title_ru or title_az}
            descriptions = {f"description_{lang}": text.format(title=titles[lang], hours=hours,
                                                                level=data.COURSE_LEVEL_WORDS[lang][level])
                            for lang, text in data.COURSE_DESCRIPTIONS.items()}
            course = Course(code=code, title_az=title_az, title_en=title_en, title_ru=title_ru, level=level, hours=hours,
                            language=language, certification_id=cert.id, sector_id=self.sectors[sector],
                            **descriptions)
            course.skills = [db.session.get(Skill, self.skills[s]) for s in skill_codes]
            db.session.add(course)
            db.session.flush()
            self.courses.append(CourseInfo(course.id, code, level, hours, weight, cert.id, pass_mark,
                                           min_attendance, validity, skill_codes, self.sectors[sector]))
        # What each center teaches: Baku everything; regions the foundations, some intermediate
        # courses and now and then one advanced course.
        for center in self.centers:
            if center.region_code == "BAKU":
                offered = list(range(len(self.courses)))
            else:
                foundation = [i for i, c in enumerate(self.courses) if c.level == "foundation"]
                intermediate = [i for i, c in enumerate(self.courses) if c.level == "intermediate"]
                advanced = [i for i, c in enumerate(self.courses) if c.level == "advanced"]
                offered = foundation + rng.sample(intermediate, rng.randint(2, 4))
                if rng.random() < 0.35:
                    offered.append(rng.choice(advanced))
            center.courses = sorted(offered)
            center.course_cum_weights = list(accumulate(self.courses[i].weight for i in center.courses))

    def _make_employers(self) -> None:
        existing = {(e.name, e.country_code): e for e in db.session.scalars(select(Employer))}
        self.employers: dict[str, list[tuple[int, int | None]]] = {"local": [], "regional": [], "international": []}
        for row in read_csv("employers.csv", DEMO_SEEDS):
            employer = existing.get((row["name"], row["country"]))
            if employer is None:
                employer = Employer(name=row["name"], country_code=row["country"],
                                    sector_id=self.sectors.get(row["sector_code"]), city=row["city"] or None)
                db.session.add(employer)
                db.session.flush()
            market = ("local" if row["country"] == "AZ" else
                      "regional" if row["country"] in REGIONAL_COUNTRIES else "international")
            self.employers[market].append((employer.id, employer.sector_id))

    def _make_employer_side(self) -> list[tuple[str, str, str]]:
        """Issue 20: HR users of the two local employers with the most graduates' jobs (printed with
        the demo logins), their word on most of those jobs, and a dozen open vacancies of local and
        foreign employers (Azercell, SOCAR, ABB, PASHA, Turkcell, SAP, Microsoft)."""
        by_name = {(e.name, e.country_code): e for e in db.session.scalars(select(Employer))}
        busiest = db.session.execute(
            select(Employer.id, Employer.name).join(Placement, Placement.employer_id == Employer.id)
            .where(Employer.country_code == "AZ").group_by(Employer.id, Employer.name)
            .order_by(func.count(Placement.id).desc(), Employer.id).limit(2)).all()
        logins = []
        for n, (employer_id, name) in enumerate(busiest, start=1):
            email = "employer@talent.az" if n == 1 else f"employer{n}@talent.az"
            user = self._user(email, f"{name} HR", "employer", employer_id=employer_id)
            logins.append(("employer", email, data.DEMO_PASSWORD))
            # Two thirds of the employer's verified jobs older than a month confirmed by it; the
            # others wait for its answer.
            db.session.execute(
                update(Placement).where(Placement.employer_id == employer_id,
                                        Placement.verification == PlacementStatus.VERIFIED,
                                        Placement.start_date <= self.today - timedelta(days=30),
                                        Placement.id % 3 != 0)
                .values(employer_confirmation=EmployerConfirmation.CONFIRMED, employer_confirmed_by_id=user.id,
                        employer_confirmed_at=self.now.replace(tzinfo=timezone.utc)))
        skills = {s.code: s for s in db.session.scalars(select(Skill))}
        first_open = max(self.today, clock.today())
        made, posted = 0, []
        for row in read_csv("vacancies.csv", DEMO_SEEDS):
            employer = by_name.get((row["employer"], row["country"]))
            if employer is None:
                continue
            vacancy = Vacancy(employer_id=employer.id, title=row["title"], occupation_code=row["occupation"],
                              country_code=row["country"],
                              region_id=self.regions[row["region"]].id if row["region"] else None,
                              openings=int(row["openings"]), pay_min_azn=Decimal(row["pay_min_azn"]),
                              pay_max_azn=Decimal(row["pay_max_azn"]),
                              closes_on=first_open + timedelta(days=int(row["days_open"])),
                              status=VacancyStatus.OPEN)
            vacancy.skills = [skills[c] for c in row["skills"].split(";") if c in skills]
            # Posted half a year ago (supply against demand counts the openings of a period).
            vacancy.created_at = (self.now - timedelta(days=VACANCIES_POSTED_DAYS_AGO)).replace(tzinfo=timezone.utc)
            db.session.add(vacancy)
            made += 1
            posted.append(vacancy)
        db.session.flush()
        linked = self._fill_vacancies(posted)
        self._say(f"employers: {len(logins)} users, {made} vacancies, {linked} jobs filled them")
        return logins

    def _fill_vacancies(self, vacancies: list[Vacancy]) -> int:
        """Issue 20: the employer's verified jobs that started since a vacancy was posted filled it
        (at most all but one of its openings, oldest jobs first), so the ministry's supply against
        demand shows graduates placed into vacancies posted here."""
        linked = 0
        for vacancy in vacancies:
            ids = list(db.session.scalars(
                select(Placement.id).where(Placement.employer_id == vacancy.employer_id,
                                           Placement.vacancy_id.is_(None),
                                           Placement.verification == PlacementStatus.VERIFIED,
                                           Placement.start_date >= vacancy.created_at.date())
                .order_by(Placement.start_date, Placement.id).limit(max(1, vacancy.openings - 1))))
            if ids:
                db.session.execute(update(Placement).where(Placement.id.in_(ids)).values(vacancy_id=vacancy.id))
                linked += len(ids)
        return linked

    def _make_talent_profiles(self) -> None:
        """Issue 20: the demo trainees with a login who are graduates, and one graduate in eight of
        the others (at most 60 in all), visible to employers; three of them on the shortlist of an
        open vacancy of the first demo employer (one interested, one not, one waiting), the first
        demo trainee among them. Rows only: no message leaves for a demo."""
        employer_id = db.session.scalar(select(User.employer_id).where(User.email == "employer@talent.az"))
        if employer_id is None:
            return
        graduates = select(Enrollment.trainee_id).where(Enrollment.status == EnrollmentStatus.COMPLETED)
        with_login = list(db.session.scalars(select(Trainee.id).where(Trainee.user_id.is_not(None),
                                                                      Trainee.id.in_(graduates)).order_by(Trainee.id)))
        others = list(db.session.scalars(select(Trainee.id).where(Trainee.user_id.is_(None), Trainee.id % 8 == 0,
                                                                  Trainee.id.in_(graduates))
                                         .order_by(Trainee.id).limit(max(0, 60 - len(with_login)))))
        chosen = with_login + others
        since = self.now.replace(tzinfo=timezone.utc)
        for n, trainee_id in enumerate(chosen):
            db.session.add(TalentProfile(trainee_id=trainee_id, visible_since=since - timedelta(days=n % 40)))
        vacancy = db.session.scalar(select(Vacancy).where(Vacancy.employer_id == employer_id,
                                                          Vacancy.status == VacancyStatus.OPEN).order_by(Vacancy.id))
        if vacancy is None:
            vacancy = Vacancy(employer_id=employer_id, title="Data analyst", occupation_code="2521", country_code="AZ",
                              openings=2, closes_on=max(self.today, clock.today()) + timedelta(days=30),
                              status=VacancyStatus.OPEN)
            db.session.add(vacancy)
            db.session.flush()
        hr = db.session.scalar(select(User.id).where(User.email == "employer@talent.az"))
        answers = (ShortlistAnswer.PENDING, ShortlistAnswer.INTERESTED, ShortlistAnswer.NOT_INTERESTED)
        for trainee_id, answer in zip(chosen[:3], answers):
            db.session.add(ShortlistEntry(vacancy_id=vacancy.id, trainee_id=trainee_id, employer_id=employer_id,
                                          shortlisted_by_id=hr, shortlisted_at=since - timedelta(days=2),
                                          answer=answer, answered_at=None if answer == ShortlistAnswer.PENDING
                                          else since - timedelta(days=1)))
        db.session.flush()
        self._say(f"talent profiles: {len(chosen)} visible, {min(3, len(chosen))} on a shortlist")

    def _make_objectives(self) -> None:
        scale = self.target / 1000
        year = self.today.year
        for (title_az, title_en, title_ru), metric, scope, code, target, baseline, years in data.OBJECTIVES:
            rate = metric.endswith("_rate")
            value = target if rate else _nice(target * scale)
            base = baseline if rate else _nice(baseline * scale)
            db.session.add(Objective(
                title=title_az, title_en=title_en, title_ru=title_ru, metric=metric, scope=scope,
                region_id=self.regions[code].id if scope == "region" else None,
                skill_id=self.skills[code] if scope == "skill" else None,
                sector_id=self.sectors[code] if scope == "sector" else None,
                target_value=Decimal(value), baseline_value=Decimal(base), baseline_year=year - 3,
                deadline_year=year + years, created_by_id=self.admin.id))
        db.session.flush()

    # ---- cohorts ------------------------------------------------------------------------
    def _new_cohort(self, center: CenterInfo, start: date, anchor: str | None = None) -> CohortPlan:
        rng = self.rng
        course_index = center.courses[bisect(center.course_cum_weights,
                                             rng.random() * center.course_cum_weights[-1])]
        course = self.courses[course_index]
        roll = rng.random()
        if roll < 0.65:
            mode, capacity, per_week = "onsite", rng.randrange(15, 31), rng.randrange(8, 13)
        elif roll < 0.85:
            mode, capacity, per_week = "hybrid", rng.randrange(20, 36), rng.randrange(6, 11)
        else:
            mode, capacity, per_week = "online", rng.randrange(30, 61), rng.randrange(4, 9)
        start = start - timedelta(days=start.weekday())  # classes start on a Monday
        weeks = max(4, math.ceil(course.hours / per_week))
        end = start + timedelta(days=weeks * 7 - 3)
        today = self.today
        cancelled_reason = None
        completed_at = None
        if anchor is None and rng.random() < 0.03:
            status, cancelled_reason = CohortStatus.CANCELLED, rng.choice(data.CANCEL_REASONS)
            slots = rng.randint(0, 4)
        elif end < today:
            status = CohortStatus.COMPLETED
            slots = round(capacity * rng.uniform(0.7, 1.0))
            lag = min(rng.randint(0, 3), (today - end).days - 1)
            completed_at = datetime.combine(end + timedelta(days=max(lag, 0)), datetime.min.time()).replace(
                hour=13, minute=rng.randrange(60))
        elif start <= today:
            status = CohortStatus.RUNNING
            slots = round(capacity * rng.uniform(0.75, 1.0))
        elif (start - today).days <= 45:
            status = CohortStatus.OPEN
            slots = round(capacity * rng.uniform(0.4, 1.3))
        else:
            status = CohortStatus.PLANNED
            slots = round(capacity * rng.uniform(0.0, 0.4))
        return CohortPlan(id=0, code="", course=course_index, center=center, start=start, end=end,
                          capacity=capacity, mode=mode, status=status, slots=slots, completed_at=completed_at,
                          cancelled_reason=cancelled_reason, hour=rng.choice(UTC_HOURS), anchor=anchor)

    def _plan_cohorts(self) -> None:
        rng, today = self.rng, self.today
        # Slots to fill: a few trainees come back for a second course, so a little more than N.
        wanted = self.target * 1.09
        centers = self.centers
        center_weights = list(accumulate(c.capacity for c in centers))
        plans: list[CohortPlan] = []
        # Every center (or, for a tiny demo, the showcase centers) has a cohort running now and one
        # opening soon, so each center's pages look alive.
        showcase = [c for c in centers if c.id in self.showcase_centers]
        running = centers if wanted >= 60 * len(centers) else showcase
        opening = centers if wanted >= 150 * len(centers) else showcase
        for center in showcase:  # always some history at the showcase centers, however small the demo
            plans.append(self._new_cohort(center, today - timedelta(days=rng.randint(240, 300)), "past"))
        for center in running:
            plans.append(self._new_cohort(center, today - timedelta(days=rng.randint(7, 21)), CohortStatus.RUNNING))
        for center in opening:
            plans.append(self._new_cohort(center, today + timedelta(days=rng.randint(10, 40)), CohortStatus.OPEN))
        total = sum(p.slots for p in plans)
        # The rest: spread over the last three years and the next six months, more recent ones more
        # often (the program is growing).
        span = 1095 + 180
        while total < wanted:
            center = centers[bisect(center_weights, rng.random() * center_weights[-1])]
            offset = int(span * rng.random() ** 0.8) - 1095
            plan = self._new_cohort(center, today + timedelta(days=offset))
            plans.append(plan)
            total += plan.slots
        if total > wanted * 1.05:  # a tiny demo: the anchors alone hold more than needed
            factor = wanted / total
            for plan in plans:
                plan.slots = int(plan.slots * factor + rng.random())
        plans.sort(key=lambda p: (p.start, p.center.id, p.course))
        seen: dict[str, int] = {}
        next_id = self.ids["cohorts"]
        w = self.w
        for plan in plans:
            plan.id = next_id
            next_id += 1
            base = f"{self.courses[plan.course].code}-{plan.center.code}-{plan.start:%y%m}"
            seen[base] = seen.get(base, 0) + 1
            plan.code = f"{base}-{seen[base]}"
            created = min(datetime.combine(plan.start - timedelta(days=rng.randint(30, 75)), datetime.min.time())
                          .replace(hour=8), self.now - timedelta(days=1))
            w.add("cohorts", (plan.id, plan.code, self.courses[plan.course].id, plan.center.id,
                              plan.start.isoformat(), plan.end.isoformat(), plan.capacity, plan.mode, plan.status,
                              w.ts(plan.completed_at) if plan.completed_at else None, plan.cancelled_reason, 1,
                              w.ts(created)))
        self.ids["cohorts"] = next_id
        self.plans = plans
        self._say(f"planned {len(plans)} cohorts for {self.target} trainees")

    def _sessions(self, plan: CohortPlan) -> list[tuple[int, datetime]]:
        """Write the class meetings of a cohort on weekdays between its start and end."""
        hours = self.courses[plan.course].hours
        weekdays = [plan.start + timedelta(days=week * 7 + day)
                    for week in range((plan.end - plan.start).days // 7 + 1) for day in range(5)]
        weekdays = [d for d in weekdays if d <= plan.end]
        count = min(max(hours // 4, 6), 30, len(weekdays))
        length = timedelta(hours=max(2, round(hours / count)))
        w = self.w
        sid = self.ids["cohort_sessions"]
        sessions = []
        for i in range(count):
            day = weekdays[i * len(weekdays) // count]
            starts = datetime(day.year, day.month, day.day, plan.hour)
            w.add("cohort_sessions", (sid, plan.id, w.ts(starts), w.ts(starts + length), f"Dərs {i + 1}"))
            sessions.append((sid, starts))
            sid += 1
        self.ids["cohort_sessions"] = sid
        return sessions

    # ---- trainees and outcomes ------------------------------------------------------------
    def _moment(self, day: date) -> datetime:
        """A working-hours moment on ``day`` (UTC), never later than now."""
        moment = datetime(day.year, day.month, day.day, 5 + self.rng.randrange(9), self.rng.randrange(60))
        return min(moment, self.now - timedelta(minutes=5))

    def _new_trainee(self, center: CenterInfo, start: date, registered: datetime) -> tuple[int, str, str, str]:
        rng = self.rng
        w = self.w
        tid = self.ids["trainees"]
        self.ids["trainees"] = tid + 1
        self.created += 1
        gender = "F" if rng.random() < 0.45 else "M"
        first, last, patronymic, search = self.names.person(gender)
        age = 16 + int(39 * rng.betavariate(1.6, 3.4))
        birth = min(start, self.today) - timedelta(days=age * 365 + rng.randrange(365) + age // 4)
        roll = rng.random()
        if roll < 0.80:
            region_id = center.region_id
        elif roll < 0.92:
            region_id = self.regions["BAKU"].id
        else:
            region_id = self.region_ids[rng.randrange(len(self.region_ids))]
        if age < 19:
            education = "secondary"
        elif rng.random() < 0.04:
            education = None
        else:
            education = EDUCATION[bisect(EDUCATION_WEIGHTS, rng.random() * EDUCATION_WEIGHTS[-1])]
        email = self.names.email(first, last, tid) if rng.random() < 0.5 else None
        phone = self.names.phone() if rng.random() < 0.85 else None
        stamp = w.ts(registered)
        w.add("trainees", (tid, self.fin(tid), first, last, patronymic, search, birth.isoformat(), gender, email,
                           phone, region_id, education, stamp, w.true if rng.random() < 0.92 else w.false,
                           w.true if rng.random() < 0.35 else w.false, center.id, stamp, stamp))
        if self.created % 50_000 == 0:
            self._say(f"{self.created:,} / {self.target:,} trainees")
        return tid, gender, first, last

    def _fill_cohorts(self) -> None:
        rng = self.rng
        today = self.today
        self.created = 0
        self.login_candidates: dict[str, list[tuple[int, str, str]]] = {}
        pending: list[tuple[date, int, int, int]] = []  # (cohort end, tiebreak, trainee, region) of completers
        returning: dict[int, list[int]] = {}  # region id -> completers who may take another course
        attendance_budget = 40
        future: list[CohortPlan] = []
        tiebreak = 0
        for plan in self.plans:
            center = plan.center
            while pending and pending[0][0] < plan.start:
                _, _, trainee_id, region_id = heapq.heappop(pending)
                pool = returning.setdefault(region_id, [])
                pool.append(trainee_id)
                if len(pool) > 5000:
                    pool[rng.randrange(len(pool))] = pool.pop()
            pool = returning.get(center.region_id, [])
            if plan.status != CohortStatus.CANCELLED:
                sessions = self._sessions(plan)
            else:
                sessions = []
            if plan.status in (CohortStatus.OPEN, CohortStatus.PLANNED):
                future.append(plan)
            track = plan.status == CohortStatus.RUNNING and (center.id in self.showcase_centers or attendance_budget > 20) \
                and attendance_budget > 0
            if track:
                attendance_budget -= 1
            for slot in range(plan.slots):
                if self.created >= self.target or (pool and rng.random() < 0.12):
                    if not pool:
                        break
                    i = rng.randrange(len(pool))
                    pool[i], pool[-1] = pool[-1], pool[i]
                    trainee = (pool.pop(), None, None, None)
                else:
                    trainee = None
                outcome = self._enroll(plan, slot, trainee, sessions if track else None)
                if outcome is not None and plan.status == CohortStatus.COMPLETED:
                    tiebreak += 1
                    heapq.heappush(pending, (plan.end, tiebreak, outcome, center.region_id))
        # Trainees still to create apply to future cohorts (applications are not capacity-bound).
        if future:
            k = 0
            while self.created < self.target:
                plan = future[k % len(future)]
                self._enroll(plan, plan.capacity + 1, None, None, force_status=EnrollmentStatus.APPLIED)
                k += 1
        while self.created < self.target:  # no future cohort at all: registered only
            center = self.centers[rng.randrange(len(self.centers))]
            self._new_trainee(center, today, self._moment(today - timedelta(days=rng.randint(1, 60))))

    def _enroll(self, plan: CohortPlan, slot: int, trainee, sessions, force_status: str | None = None):
        """Write one enrollment of ``plan`` (creating the trainee unless a returning one is given)
        with its outcome, award, placement and follow-ups. Returns the trainee id of a first-time
        completer (who may come back for another course), else None."""
        rng = self.rng
        w = self.w
        today = self.today
        course = self.courses[plan.course]
        status = plan.status
        start = plan.start
        withdrawn_at = completed_at = enrolled_at = waitlisted_at = None
        reason = None
        attendance = score = None
        if status == CohortStatus.COMPLETED:
            applied = self._moment(start - timedelta(days=rng.randint(7, 45)))
            enrolled_at = self._moment(start - timedelta(days=rng.randint(0, 6)))
            roll = rng.random()
            if roll < 0.20:
                state = EnrollmentStatus.WITHDRAWN
                withdrawn_at = self._moment(start + timedelta(days=rng.randint(3, max(3, (plan.end - start).days - 1))))
                reason = rng.choice(data.WITHDRAWAL_REASONS)
                attendance = round(rng.uniform(15, 60), 1)
            else:
                completed_at = plan.completed_at
                pm, ma = course.pass_mark, course.min_attendance
                if rng.random() < 0.85:
                    state = EnrollmentStatus.COMPLETED
                    attendance = round(ma + (100 - ma) * rng.random() ** 0.6, 1)
                    score = round(pm + (100 - pm) * rng.random() ** 0.9, 1)
                else:
                    state = EnrollmentStatus.FAILED
                    kind = rng.random()
                    attendance = round(ma + (100 - ma) * rng.random(), 1) if kind < 0.5 else \
                        round(35 + (ma - 36) * rng.random(), 1)
                    score = round(20 + (pm - 21) * rng.random(), 1) if kind < 0.5 or kind >= 0.8 else \
                        round(pm + (100 - pm) * rng.random(), 1)
        elif status == CohortStatus.RUNNING:
            applied = self._moment(start - timedelta(days=rng.randint(7, 45)))
            enrolled_at = self._moment(start - timedelta(days=rng.randint(0, 6)))
            if rng.random() < 0.05 and (today - start).days >= 2:
                state = EnrollmentStatus.WITHDRAWN
                withdrawn_at = self._moment(start + timedelta(days=rng.randint(1, (today - start).days - 1)))
                reason = rng.choice(data.WITHDRAWAL_REASONS)
                attendance = round(rng.uniform(20, 60), 1)
            else:
                state = EnrollmentStatus.ENROLLED
                attendance = round(60 + 40 * rng.random() ** 0.7, 1)
        elif status == CohortStatus.CANCELLED:
            lead = min(start, today)
            applied = self._moment(lead - timedelta(days=rng.randint(10, 40)))
            state = EnrollmentStatus.WITHDRAWN
            withdrawn_at = self._moment(lead - timedelta(days=rng.randint(1, 5)))
            if withdrawn_at < applied:
                withdrawn_at = applied
            reason = "Cohort cancelled"
        else:  # open or planned: applications arriving
            applied = self._moment(today - timedelta(days=rng.randint(1, 40)))
            if force_status:
                state = force_status
            elif slot >= plan.capacity:
                state = EnrollmentStatus.WAITLISTED
                waitlisted_at = applied
            elif status == CohortStatus.OPEN and rng.random() < 0.55:
                state = EnrollmentStatus.ENROLLED
                enrolled_at = min(applied + timedelta(days=rng.randint(0, 5)), self.now - timedelta(minutes=1))
            else:
                state = EnrollmentStatus.APPLIED

        if trainee is None:
            trainee_id, gender, first, last = self._new_trainee(plan.center, start, applied)
            returning = False
        else:
            trainee_id, gender, first, last = trainee
            returning = True
        eid = self.ids["enrollments"]
        self.ids["enrollments"] = eid + 1

        if sessions is not None and state == EnrollmentStatus.ENROLLED:
            held = [s for s in sessions if s[1] < self.now]
            if held:
                p = attendance / 100
                present = 0
                for sid, starts in held:
                    if rng.random() < p:
                        mark = "present"
                        present += 1
                    else:
                        mark = "excused" if rng.random() < 0.3 else "absent"
                    w.add("attendance", (sid, eid, mark, w.ts(starts + timedelta(hours=2))))
                attendance = round(100 * present / len(held), 1)

        ts = w.ts
        w.add("enrollments", (eid, trainee_id, plan.id, state, attendance, score, ts(applied),
                              ts(waitlisted_at) if waitlisted_at else None,
                              ts(enrolled_at) if enrolled_at else None,
                              ts(completed_at) if completed_at else None,
                              ts(withdrawn_at) if withdrawn_at else None, reason))
        if state != EnrollmentStatus.COMPLETED:
            return None
        award_ok = self._award(plan, course, eid, trainee_id)
        placement_start = self._placement(plan, course, trainee_id)
        self._follow_ups(plan, eid, placement_start)
        if award_ok and not returning and len(self.login_candidates.setdefault(gender, [])) < 2:
            self.login_candidates[gender].append((trainee_id, first, last))
        return None if returning else trainee_id

    def _award(self, plan: CohortPlan, course: CourseInfo, enrollment_id: int, trainee_id: int) -> bool:
        rng, w = self.rng, self.w
        issued = min(plan.end + timedelta(days=rng.randint(0, 7)), self.today - timedelta(days=1))
        if issued < plan.end:
            issued = plan.end
        year = issued.year
        number = self.serials.get(year, 0) + 1
        self.serials[year] = number
        code = base64.urlsafe_b64encode(rng.getrandbits(120).to_bytes(15, "big")).decode()
        expires = add_months(issued, course.validity_months) if course.validity_months else None
        revoked_at = revoked_reason = revoked_by = None
        if rng.random() < 0.006:
            moment = self._moment(issued + timedelta(days=rng.randint(10, 200)))
            if moment.date() > issued:
                revoked_at, revoked_reason, revoked_by = w.ts(moment), rng.choice(data.REVOKE_REASONS), self.admin.id
        aid = self.ids["awards"]
        self.ids["awards"] = aid + 1
        w.add("awards", (aid, f"AZAI-{year}-{number:06d}", code, enrollment_id, trainee_id,
                         course.certification_id, plan.center.id, issued.isoformat(),
                         expires.isoformat() if expires else None, revoked_at, revoked_reason, revoked_by,
                         w.ts(datetime(issued.year, issued.month, issued.day, 9))))
        return revoked_at is None

    def _placement(self, plan: CohortPlan, course: CourseInfo, trainee_id: int) -> date | None:
        rng, w = self.rng, self.w
        if rng.random() >= 0.66:
            return None
        start = plan.end + timedelta(days=int(270 * rng.random() ** 1.6))
        if start >= self.today:
            return None  # still looking, as far as anyone knows
        roll = rng.random()
        market = "local" if roll < 0.75 else "regional" if roll < 0.90 else "international"
        employer_id, sector_id = rng.choice(self.employers[market])
        code, title, _ = rng.choices(data.OCCUPATIONS, [o[2] for o in data.OCCUPATIONS])[0]
        employment = rng.choices([e[0] for e in data.EMPLOYMENT_TYPES], [e[1] for e in data.EMPLOYMENT_TYPES])[0]
        remote = rng.random() < {"local": 0.06, "regional": 0.15, "international": 0.35}[market]
        end = None
        if rng.random() < 0.12:
            candidate = start + timedelta(days=rng.randint(60, 420))
            end = candidate.isoformat() if candidate < self.today else None
        pay = None
        if rng.random() < 0.8:
            median = {"local": 1500, "regional": 2400, "international": 5500}[market]
            pay = round(median * rng.lognormvariate(0, 0.3) / 50) * 50
        if rng.random() < 0.82:
            source, verification = "center", PlacementStatus.VERIFIED
        else:
            source = "self_reported"
            roll = rng.random()
            verification = PlacementStatus.VERIFIED if roll < 0.6 else PlacementStatus.PENDING if roll < 0.95 else PlacementStatus.REJECTED
        created = self._moment(start + timedelta(days=rng.randint(0, 30)))
        pid = self.ids["placements"]
        self.ids["placements"] = pid + 1
        w.add("placements", (pid, trainee_id, employer_id, sector_id or course.sector_id, code, title, employment,
                             w.true if remote else w.false, start.isoformat(), end, pay, source, verification,
                             w.ts(created) if verification != PlacementStatus.PENDING else None, plan.center.id, w.ts(created)))
        return start

    def _follow_ups(self, plan: CohortPlan, enrollment_id: int, placement_start: date | None) -> None:
        rng, w = self.rng, self.w
        for months in (3, 6):
            milestone = plan.end + timedelta(days=months * 30)
            if milestone >= self.today or rng.random() >= 0.45:
                continue
            if placement_start is not None and placement_start <= milestone:
                if rng.random() < 0.5:
                    continue  # the job was recorded; a call is not always logged
                outcome, note = "employed", None
            else:
                roll = rng.random()
                outcome = "looking" if roll < 0.6 else "studying" if roll < 0.82 else "unreachable"
                note = rng.choice(data.FOLLOWUP_NOTES[outcome])
            fid = self.ids["follow_ups"]
            self.ids["follow_ups"] = fid + 1
            w.add("follow_ups", (fid, enrollment_id, months, outcome, note,
                                 w.ts(self._moment(milestone + timedelta(days=rng.randint(0, 14))))))

    def _make_followup_requests(self) -> None:
        """The graduates' self-service follow-up links of the last ``FOLLOWUP_SENT_DAYS`` (as if the
        waves had been sent since then): answered (a job, pending or verified, or not working /
        studying), sent and waiting, or overdue (reminded, still unanswered), so the center's
        follow-up queue shows its response rates. Its own random stream: the rest of the demo is
        the same with or without it."""
        rng, w = random.Random(self.seed * 1_000_003 + 18), self.w
        waves = ((3, 6), (6, 12), (12, 18))
        oldest_end = add_months(self.today, -18)
        rows = db.session.execute(
            select(Enrollment.id, Enrollment.trainee_id, Enrollment.cohort_id, Cohort.center_id, Cohort.end_date,
                   Trainee.email, Course.language)
            .join(Cohort, Cohort.id == Enrollment.cohort_id).join(Course, Course.id == Cohort.course_id)
            .join(Trainee, Trainee.id == Enrollment.trainee_id)
            .where(Enrollment.status == EnrollmentStatus.COMPLETED, Trainee.followup_consent.is_(True),
                   or_(Trainee.email.is_not(None), Trainee.phone.is_not(None)), Cohort.end_date > oldest_end)
            .order_by(Enrollment.id)).all()
        recorded = set(db.session.execute(select(FollowUp.enrollment_id, FollowUp.milestone_months)
                                          .join(Enrollment, Enrollment.id == FollowUp.enrollment_id)
                                          .join(Cohort, Cohort.id == Enrollment.cohort_id)
                                          .where(Cohort.end_date > oldest_end)).all())
        jobs = dict(db.session.execute(select(Placement.trainee_id, func.min(Placement.id))
                                       .group_by(Placement.trainee_id)).all())
        written = 0
        for enrollment_id, trainee_id, cohort_id, center_id, end, email, course_language in rows:
            for wave, window_end in waves:
                due = add_months(end, wave)
                if not (self.today - timedelta(days=FOLLOWUP_SENT_DAYS) <= due <= self.today) \
                        or add_months(end, window_end) <= due or (enrollment_id, wave) in recorded:
                    continue
                sent = datetime.combine(due, datetime.min.time()).replace(hour=10) + timedelta(minutes=rng.randrange(90))
                if sent > self.now:
                    continue
                age = (self.now - sent).days
                reminded = answered = outcome = pay_band = placement_id = None
                if age >= 1 and rng.random() < 0.45:
                    answered = sent + timedelta(days=rng.randint(0, min(age, 20)), hours=rng.randint(1, 10))
                    if answered > self.now:
                        answered = self.now
                    if answered - sent >= timedelta(days=followup.REMINDER_DAYS):
                        reminded = sent + timedelta(days=followup.REMINDER_DAYS)
                    if trainee_id in jobs and rng.random() < 0.7:
                        outcome, placement_id = "employed", jobs[trainee_id]
                        pay_band = rng.choice(("500_999", "1000_1999", "1000_1999", "2000_3499", "undisclosed"))
                    else:
                        outcome = "not_working" if rng.random() < 0.7 else "studying"
                elif age >= followup.REMINDER_DAYS:
                    reminded = sent + timedelta(days=followup.REMINDER_DAYS)
                expires = (reminded or sent) + timedelta(days=followup.LINK_DAYS)
                w.add("followup_requests", (
                    enrollment_id, trainee_id, cohort_id, center_id, wave,
                    followup.graduate_language(None, course_language),
                    email or "", f"{rng.getrandbits(256):064x}", w.ts(sent), w.ts(reminded) if reminded else None,
                    w.ts(expires), w.ts(answered) if answered else None, outcome, pay_band, placement_id, w.ts(sent)))
                written += 1
        self._say(f"{written:,} follow-up links (sent, answered, overdue)")

    # ---- logins and counters --------------------------------------------------------------
    def _make_trainee_logins(self) -> list[tuple[str, str, str]]:
        logins = []
        # A woman and a man if there are both, each with a valid award.
        female, male = self.login_candidates.get("F", []), self.login_candidates.get("M", [])
        chosen = (female[:1] + male[:1]) if female and male else (female or male)[:2]
        for n, (trainee_id, first, last) in enumerate(chosen, start=1):
            email = "trainee@talent.az" if n == 1 else f"trainee{n}@talent.az"
            user = self._user(email, f"{first} {last}", "trainee")
            db.session.execute(update(Trainee).where(Trainee.id == trainee_id)
                               .values(user_id=user.id, email=email))
            logins.append(("trainee", email, data.DEMO_PASSWORD))
        return logins

    def _save_serial_counters(self) -> None:
        for year, number in sorted(self.serials.items()):
            counter = db.session.get(SerialCounter, year)
            if counter is None:
                db.session.add(SerialCounter(year=year, last_number=number))
            else:
                counter.last_number = number
        db.session.flush()


FOLLOWUP_SENT_DAYS = 120   # the demo's follow-up links: as if the waves had been sent for four months


def _nice(value: float) -> int:
    """Round a target to two significant digits (1,234 → 1,200)."""
    if value <= 0:
        return 0
    digits = max(0, int(math.log10(value)) - 1)
    return int(round(value, -digits))
