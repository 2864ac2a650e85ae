"""Test data factories. They add and flush through the session, never commit; the request or
the test commits. Defaults make valid objects; keyword arguments override anything."""
from __future__ import annotations

import itertools
import secrets
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from talent.accounts.models import CenterAssignment, User
from talent.accounts.passwords import hash_password
from talent.catalog.models import Certification, Course, Sector, Skill
from talent.centers.models import Center
from talent.extensions import db
from talent.geo.models import Region
from talent.i18n import fold
from talent.learning import membership
from talent.learning.models import Cohort, CohortSession, Enrollment
from talent.people.models import Trainee
from talent import clock

PASSWORD = "a-long-test-password-1"
_seq = itertools.count(1)
_FIN_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def next_fin() -> str:
    n = next(_seq) * 7919 + secrets.randbelow(1000) * 1_000_003
    chars = []
    for _ in range(7):
        n, r = divmod(n, len(_FIN_ALPHABET))
        chars.append(_FIN_ALPHABET[r])
    return "".join(chars)


class Factory:
    def region(self, code: str = "BAKU") -> Region:
        return db.session.scalar(select(Region).where(Region.code == code))

    def skill(self, code: str | None = None) -> Skill:
        stmt = select(Skill).order_by(Skill.id)
        if code:
            stmt = stmt.where(Skill.code == code)
        return db.session.scalars(stmt).first()

    def sector(self, code: str | None = None) -> Sector:
        stmt = select(Sector).order_by(Sector.id)
        if code:
            stmt = stmt.where(Sector.code == code)
        return db.session.scalars(stmt).first()

    def center(self, code: str | None = None, region: str = "BAKU", **kw) -> Center:
        n = next(_seq)
        center = Center(code=code or f"C{n:03d}", name=kw.pop("name", f"Center {n}"),
                        region_id=self.region(region).id, city=kw.pop("city", "Bakı"),
                        capacity=kw.pop("capacity", 200), **kw)
        db.session.add(center)
        db.session.flush()
        return center

    def certification(self, **kw) -> Certification:
        n = next(_seq)
        cert = Certification(code=kw.pop("code", f"CERT{n}"), name_az=kw.pop("name_az", f"Sertifikat {n}"),
                             name_en=kw.pop("name_en", f"Certificate {n}"), skill_id=kw.pop("skill_id", self.skill().id),
                             level=kw.pop("level", "foundation"), pass_mark=kw.pop("pass_mark", 60),
                             min_attendance=kw.pop("min_attendance", 80),
                             validity_months=kw.pop("validity_months", 36), **kw)
        db.session.add(cert)
        db.session.flush()
        return cert

    def course(self, certification: Certification | None = None, **kw) -> Course:
        n = next(_seq)
        cert = certification or self.certification()
        course = Course(code=kw.pop("code", f"CRS{n}"), title_az=kw.pop("title_az", f"Kurs {n}"),
                        title_en=kw.pop("title_en", f"Course {n}"), level=kw.pop("level", "foundation"),
                        hours=kw.pop("hours", 40), language=kw.pop("language", "az"),
                        certification_id=cert.id, sector_id=kw.pop("sector_id", self.sector().id), **kw)
        course.skills = [self.skill()]
        db.session.add(course)
        db.session.flush()
        return course

    def cohort(self, center: Center | None = None, course: Course | None = None, **kw) -> Cohort:
        n = next(_seq)
        start = kw.pop("start_date", clock.today() - timedelta(days=30))
        cohort = Cohort(code=kw.pop("code", f"COH{n}"), course_id=(course or self.course()).id,
                        center_id=(center or self.center()).id, start_date=start,
                        end_date=kw.pop("end_date", start + timedelta(days=60)),
                        capacity=kw.pop("capacity", 20), mode=kw.pop("mode", "onsite"),
                        status=kw.pop("status", "running"), **kw)
        db.session.add(cohort)
        db.session.flush()
        return cohort

    def session(self, cohort: Cohort, day: date, **kw) -> CohortSession:
        starts = datetime(day.year, day.month, day.day, 10, tzinfo=timezone.utc)
        s = CohortSession(cohort_id=cohort.id, starts_at=starts, ends_at=starts + timedelta(hours=2), **kw)
        db.session.add(s)
        db.session.flush()
        return s

    def trainee(self, **kw) -> Trainee:
        first = kw.pop("first_name", "Aysel")
        last = kw.pop("last_name", "Məmmədova")
        patronymic = kw.pop("patronymic", "Rəşad qızı")
        region = kw.pop("region", "BAKU")
        trainee = Trainee(fin=kw.pop("fin", next_fin()), first_name=first, last_name=last, patronymic=patronymic,
                          search_name=fold(f"{last} {first} {patronymic}"),
                          birth_date=kw.pop("birth_date", date(1998, 5, 17)), gender=kw.pop("gender", "F"),
                          home_region_id=self.region(region).id, **kw)
        db.session.add(trainee)
        db.session.flush()
        membership.sync([trainee.id])   # what registration keeps: the registering center's membership
        return trainee

    def enrollment(self, trainee: Trainee | None = None, cohort: Cohort | None = None, **kw) -> Enrollment:
        e = Enrollment(trainee_id=(trainee or self.trainee()).id, cohort_id=(cohort or self.cohort()).id,
                       status=kw.pop("status", "enrolled"), enrolled_at=kw.pop("enrolled_at", datetime.now(timezone.utc)),
                       **kw)
        db.session.add(e)
        db.session.flush()
        membership.sync([e.trainee_id])   # what enrollment keeps
        return e

    def user(self, role: str = "admin", centers: list[Center] | None = None, **kw) -> User:
        n = next(_seq)
        user = User(email=kw.pop("email", f"{role}{n}@test.az"), full_name=kw.pop("full_name", f"{role} {n}"),
                    role=role, password_hash=hash_password(kw.pop("password", PASSWORD)),
                    session_token=secrets.token_hex(16), **kw)
        db.session.add(user)
        db.session.flush()
        for c in centers or []:
            db.session.add(CenterAssignment(user_id=user.id, center_id=c.id))
        db.session.flush()
        return user

    def center_admin(self, *centers: Center, **kw) -> User:
        return self.user("center_admin", centers=list(centers) or [self.center()], **kw)

    def trainee_user(self, trainee: Trainee | None = None, **kw) -> User:
        trainee = trainee or self.trainee()
        user = self.user("trainee", **kw)
        trainee.user_id = user.id
        if trainee.email is None:
            trainee.email = user.email
        db.session.flush()
        return user

    # ---- employers (issue 20) ------------------------------------------------------------
    def employer(self, name: str | None = None, country_code: str = "AZ", **kw):
        from talent.placement.models import Employer
        employer = Employer(name=name or f"Employer {next(_seq)}", country_code=country_code, **kw)
        db.session.add(employer)
        db.session.flush()
        return employer

    def employer_user(self, employer=None, **kw) -> User:
        employer = employer or self.employer()
        return self.user("employer", employer_id=employer.id, **kw)

    def placement(self, trainee: Trainee | None = None, employer=None, **kw):
        """A job a center recorded (verified), at the trainee's center unless ``center_id`` says."""
        from talent.placement.models import Placement, PlacementStatus
        trainee = trainee or self.trainee()
        employer = employer or self.employer()
        values = dict(job_title="Data engineer", employment_type="full_time", source="center",
                      verification=PlacementStatus.VERIFIED, start_date=clock.today() - timedelta(days=30),
                      monthly_pay_azn=2500)
        values.update(kw)
        placement = Placement(trainee_id=trainee.id, employer_id=employer.id, **values)
        db.session.add(placement)
        db.session.flush()
        return placement
