"""The demo data (`talent seed demo`): believable, deterministic, consistent with every rule."""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from talent.accounts.models import CenterAssignment, User
from talent.audit import AuditEvent
from talent.catalog.models import Certification, Course
from talent.centers.models import Center
from talent.credentials.models import Award, SerialCounter
from talent.demo import DEMO_PASSWORD, build_demo
from talent.errors import Conflict
from talent.extensions import db
from talent.geo.models import Region
from talent.i18n import fold
from talent.learning.models import Attendance, Cohort, CohortSession, Enrollment
from talent.objectives.models import Objective
from talent.people.models import Trainee
from talent.placement.models import Employer, FollowUp, Placement
from tests.conftest import is_postgres, reset_database
from talent import clock

N = 300
FIN_RE = re.compile(r"^[0-9A-HJ-NP-Z]{7}$")
REGIONAL = {"GE", "TR", "RU", "IR", "KZ", "UZ", "TM", "KG", "TJ"}


@pytest.fixture
def demo(app):
    logins = build_demo(trainees=N, seed=7)
    db.session.commit()
    return logins


def fingerprint() -> tuple:
    counts = tuple(db.session.scalar(select(func.count()).select_from(model)) for model in
                   (Center, Course, Cohort, CohortSession, Trainee, Enrollment, Attendance, Award, Placement,
                    FollowUp, Objective, Employer))
    digest = hashlib.sha256()
    for column in (Trainee.fin, Trainee.search_name, Award.serial, Award.verification_code, Cohort.code,
                   Enrollment.status, Placement.job_title):
        for value in db.session.scalars(select(column).order_by(column)):
            digest.update(str(value).encode())
    for row in db.session.execute(select(Enrollment.trainee_id, Enrollment.cohort_id, Enrollment.final_score)
                                  .order_by(Enrollment.id)):
        digest.update(repr(tuple(row)).encode())
    return counts, digest.hexdigest()


@pytest.mark.committed
def test_same_seed_same_data(app, demo):
    first = fingerprint()
    reset_database(app)
    build_demo(trainees=N, seed=7)
    db.session.commit()
    assert fingerprint() == first
    reset_database(app)
    build_demo(trainees=N, seed=8)
    db.session.commit()
    assert fingerprint()[1] != first[1]


def test_exact_trainee_count_and_valid_people(demo):
    trainees = db.session.scalars(select(Trainee)).all()
    assert len(trainees) == N
    assert len({t.fin for t in trainees}) == N
    today = clock.today()
    genders = defaultdict(int)
    for t in trainees:
        assert FIN_RE.match(t.fin), t.fin
        assert t.search_name == fold(f"{t.last_name} {t.first_name} {t.patronymic}")
        genders[t.gender] += 1
        if t.gender == "F":
            assert t.patronymic.endswith(" qızı")
            assert not t.last_name.endswith(("ov", "ev", "in")), t.last_name
        else:
            assert t.patronymic.endswith(" oğlu")
            assert not t.last_name.endswith(("ova", "eva")), t.last_name
        assert today - timedelta(days=366 * 60) < t.birth_date < today - timedelta(days=365 * 16)
        assert t.phone is None or re.match(r"^\+994(50|51|55|70|77|99|10)\d{7}$", t.phone)
    assert 0.35 < genders["F"] / N < 0.55
    # Most trainees come from the region of the center they registered at.
    same_region = db.session.scalar(select(func.count()).select_from(Trainee).join(
        Center, Center.id == Trainee.registered_by_center_id).where(Center.region_id == Trainee.home_region_id))
    assert same_region > 0.6 * N


def test_national_picture(demo):
    regions = db.session.scalars(select(Region.id)).all()
    with_center = set(db.session.scalars(select(Center.region_id)))
    assert set(regions) == with_center and len(regions) == 14
    baku = db.session.scalar(select(func.count()).select_from(Center).join(Region).where(Region.code == "BAKU"))
    assert baku >= 2
    courses = db.session.scalars(select(Course)).all()
    assert len(courses) >= 12
    assert {c.level for c in courses} == {"foundation", "intermediate", "advanced"}
    for cert in db.session.scalars(select(Certification)):
        assert 60 <= cert.pass_mark <= 70 and 75 <= cert.min_attendance <= 80
        assert cert.validity_months in (None, 24, 36)
    assert all(c.certification_id for c in courses)
    assert 5 <= db.session.scalar(select(func.count()).select_from(Objective)) <= 8
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "demo.load")).all()
    assert len(events) == 1 and events[0].details["trainees"] == N


def test_cohort_statuses_match_dates_and_capacity(demo):
    today = clock.today()
    statuses = defaultdict(int)
    for cohort in db.session.scalars(select(Cohort)):
        statuses[cohort.status] += 1
        assert cohort.end_date >= cohort.start_date
        if cohort.status == "completed":
            assert cohort.end_date < today and cohort.completed_at is not None
        elif cohort.status == "running":
            assert cohort.start_date <= today <= cohort.end_date
        elif cohort.status in ("open", "planned"):
            assert cohort.start_date > today
        else:
            assert cohort.cancelled_reason
    assert statuses["completed"] and statuses["running"] and (statuses["open"] + statuses["planned"])
    over = db.session.execute(
        select(Cohort.id).join(Enrollment, Enrollment.cohort_id == Cohort.id)
        .where(Enrollment.status == "enrolled").group_by(Cohort.id, Cohort.capacity)
        .having(func.count() > Cohort.capacity)).all()
    assert over == []
    # Enrollment statuses fit the cohort's.
    allowed = {"completed": {"completed", "failed", "withdrawn"}, "running": {"enrolled", "withdrawn"},
               "open": {"applied", "enrolled", "waitlisted"}, "planned": {"applied"},
               "cancelled": {"withdrawn"}}
    for cohort_status, enrollment_status in db.session.execute(
            select(Cohort.status, Enrollment.status).join(Enrollment, Enrollment.cohort_id == Cohort.id).distinct()):
        assert enrollment_status in allowed[cohort_status], (cohort_status, enrollment_status)
    assert db.session.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.status == "withdrawn", Enrollment.withdrawal_reason.is_(None))) == 0


def test_outcomes_follow_the_certification_rule(demo):
    rows = db.session.execute(
        select(Enrollment, Certification).join(Cohort, Enrollment.cohort_id == Cohort.id)
        .join(Course, Cohort.course_id == Course.id).join(Certification, Course.certification_id == Certification.id)
        .where(Enrollment.status.in_(("completed", "failed")))).all()
    assert rows
    passed = 0
    for enrollment, cert in rows:
        ok = enrollment.final_score >= cert.pass_mark and enrollment.attendance_pct >= cert.min_attendance
        assert ok == (enrollment.status == "completed")
        passed += ok
    assert 0.7 < passed / len(rows) < 0.95
    completed_ids = set(db.session.scalars(select(Enrollment.id).where(Enrollment.status == "completed")))
    awarded = db.session.scalars(select(Award.enrollment_id)).all()
    assert sorted(awarded) == sorted(completed_ids)


def test_serials_gapless_and_counters_match(demo):
    by_year = defaultdict(list)
    for award in db.session.scalars(select(Award)):
        match = re.match(r"^AZAI-(\d{4})-(\d{6})$", award.serial)
        assert match and int(match.group(1)) == award.issued_on.year
        by_year[award.issued_on.year].append(int(match.group(2)))
        assert re.match(r"^[A-Za-z0-9_-]{20}$", award.verification_code)
        assert award.issued_on < clock.today()
        if award.certification.validity_months:
            assert award.expires_on > award.issued_on
        else:
            assert award.expires_on is None
    counters = {c.year: c.last_number for c in db.session.scalars(select(SerialCounter))}
    assert set(counters) == set(by_year)
    for year, numbers in by_year.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
        assert counters[year] == len(numbers)


def test_placements_cover_all_markets(demo):
    countries = db.session.execute(
        select(Employer.country_code, func.count()).join(Placement, Placement.employer_id == Employer.id)
        .group_by(Employer.country_code)).all()
    markets = defaultdict(int)
    for code, count in countries:
        markets["local" if code == "AZ" else "regional" if code in REGIONAL else "international"] += count
    assert set(markets) == {"local", "regional", "international"}
    assert markets["local"] > markets["regional"] and markets["local"] > markets["international"]
    completers = db.session.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.status == "completed"))
    placed = db.session.scalar(select(func.count(func.distinct(Placement.trainee_id))))
    assert 0.4 < placed / completers < 0.8
    for placement in db.session.scalars(select(Placement)):
        assert placement.center_id is not None and placement.start_date < clock.today()
        assert placement.end_date is None or placement.end_date >= placement.start_date
        assert placement.occupation_code[:2] in ("25", "21", "24", "35")
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) > 0


def test_attendance_rows_match_sessions(demo):
    assert db.session.scalar(select(func.count()).select_from(Attendance)) > 0
    # Attendance rows belong to sessions of the enrollment's own cohort.
    mismatched = db.session.scalar(
        select(func.count()).select_from(Attendance)
        .join(CohortSession, CohortSession.id == Attendance.session_id)
        .join(Enrollment, Enrollment.id == Attendance.enrollment_id)
        .where(CohortSession.cohort_id != Enrollment.cohort_id))
    assert mismatched == 0


def test_foreign_keys_hold(app, demo):
    if is_postgres(app):
        return  # enforced by PostgreSQL on every COPY
    assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []


def test_demo_users_and_logins(client, demo):
    roles = {role for role, _, _ in demo}
    assert roles == {"admin", "ministry", "center_admin", "trainee", "employer"}
    assert all(password == DEMO_PASSWORD for _, _, password in demo)
    assert sum(1 for role, _, _ in demo if role == "trainee") == 2
    baku = db.session.scalar(select(User).where(User.email == "baku.admin@talent.az"))
    centers = db.session.scalars(select(Center).join(CenterAssignment).where(
        CenterAssignment.user_id == baku.id)).all()
    assert len(centers) == 2 and all(c.region.code == "BAKU" for c in centers)
    for role, email, _ in demo:
        if role == "trainee":
            trainee = db.session.scalar(select(Trainee).join(User, User.id == Trainee.user_id)
                                        .where(User.email == email))
            assert trainee is not None
            assert db.session.scalar(select(func.count()).select_from(Award).where(
                Award.trainee_id == trainee.id, Award.revoked_at.is_(None))) >= 1
    for _, email, password in demo:
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 302, email
        client.post("/logout")


def test_demo_employers_confirm_jobs_and_post_vacancies(demo):
    """Issue 20: HR users of the two local employers with the most jobs among the logins, most of
    their verified jobs confirmed by them, and open vacancies of local and foreign employers."""
    from talent.placement.models import EmployerConfirmation, Vacancy
    from talent.placement.vacancy_queries import public_vacancies
    users = db.session.scalars(select(User).where(User.role == "employer").order_by(User.email)).all()
    assert [u.email for u in users] == ["employer2@talent.az", "employer@talent.az"]
    mine = {u.employer_id for u in users}
    assert all(db.session.get(Employer, e).country_code == "AZ" for e in mine)
    confirmed = db.session.scalars(select(Placement).where(
        Placement.employer_confirmation == EmployerConfirmation.CONFIRMED)).all()
    assert confirmed and {p.employer_id for p in confirmed} <= mine
    assert db.session.scalar(select(func.count()).select_from(Placement).where(
        Placement.employer_id.in_(mine), Placement.employer_confirmation == EmployerConfirmation.PENDING)) >= 1
    listed = db.session.scalars(public_vacancies()).all()
    assert len(listed) >= 10 and {v.country_code for v in listed} >= {"AZ", "TR", "DE", "US"}
    assert {"Azercell", "SOCAR", "ABB Bank", "PASHA Bank"} <= {v.employer.name for v in listed}
    assert db.session.scalar(select(func.count()).select_from(Vacancy)) == len(listed)


def test_demo_graduates_opted_in_and_one_vacancy_has_a_shortlist(demo):
    """Issue 20 (talent profiles): graduates only are visible, the demo trainees with a login among
    them, and the first employer's open vacancy has a shortlist with each kind of answer."""
    from talent.learning.models import Enrollment
    from talent.placement.models import Vacancy
    from talent.placement.profiles_models import ShortlistEntry, TalentProfile
    from talent.placement.services.profiles import is_graduate
    visible = db.session.scalars(select(TalentProfile.trainee_id)).all()
    assert 3 <= len(visible) <= 60 and all(is_graduate(t) for t in visible)
    logins = db.session.scalars(select(Trainee.id).where(Trainee.user_id.is_not(None), Trainee.id.in_(
        select(Enrollment.trainee_id).where(Enrollment.status == "completed")))).all()
    assert logins and set(logins) <= set(visible)
    entries = db.session.scalars(select(ShortlistEntry)).all()
    assert sorted(e.answer for e in entries) == ["interested", "not_interested", "pending"]
    employer = db.session.scalar(select(User.employer_id).where(User.email == "employer@talent.az"))
    [vacancy_id] = {e.vacancy_id for e in entries}
    vacancy = db.session.get(Vacancy, vacancy_id)
    assert vacancy.employer_id == employer and vacancy.status == "open"
    assert {e.trainee_id for e in entries} <= set(visible)


def test_refuses_a_second_load(demo):
    with pytest.raises(Conflict):
        build_demo(trainees=10, seed=1)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == N


def test_cli_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed", "demo", "--trainees", "120", "--seed", "3"])
    assert result.exit_code == 0, result.output
    for email in ("admin@talent.az", "ministry@talent.az", "baku.admin@talent.az", "trainee@talent.az",
                  "employer@talent.az"):
        assert email in result.output
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 120
    again = runner.invoke(args=["seed", "demo", "--trainees", "120"])
    assert again.exit_code == 1
    assert "empty database" in again.output
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 120


def test_the_demo_has_follow_up_links_sent_answered_and_overdue(app, demo):
    """Issue 18: the follow-up queue's response rates show on the demo: links answered (some with
    the job they reported), waiting, and overdue (reminded, unanswered); one per enrollment and wave,
    never for a milestone the center already recorded."""
    from talent.placement import followup
    from talent.placement.followup_models import FollowUpRequest
    from talent.permissions import Actor
    now = clock.now()
    requests = list(db.session.scalars(select(FollowUpRequest)))
    answered = [r for r in requests if r.answered_at is not None]
    overdue = [r for r in requests if r.answered_at is None and r.sent_at <= now - timedelta(days=followup.REMINDER_DAYS)]
    assert answered and overdue and len(answered) < len(requests), (len(answered), len(overdue), len(requests))
    assert all(r.reminded_at is not None for r in overdue)
    assert any(r.outcome == "employed" and r.placement_id for r in answered)
    assert all(r.outcome in ("employed", "not_working", "studying") for r in answered)
    recorded = set(db.session.execute(select(FollowUp.enrollment_id, FollowUp.milestone_months)).all())
    assert not {(r.enrollment_id, r.wave) for r in requests} & recorded
    enrollments = {r.enrollment_id: db.session.get(Enrollment, r.enrollment_id) for r in requests}
    assert all(e.status == "completed" for e in enrollments.values())
    rates = followup.response_rates(Actor.system(), per_page=10_000).items
    assert sum(row["sent"] for row in rates) == len(requests)
    assert any(0 < row["rate"] < 1 for row in rates)


def test_demo_jobs_filled_posted_vacancies_and_supply_against_demand_shows_them(app, demo):
    """Issue 20: some demo jobs filled the employers' vacancies (each of the employer's, started
    after it was posted), so the ministry's supply against demand has openings and graduates placed
    into vacancies posted here."""
    from datetime import timedelta
    from talent.permissions import Actor
    from talent.placement.models import Vacancy
    from talent.reporting import supply_demand
    from talent.reporting.periods import parse_filters
    linked = db.session.execute(select(Placement, Vacancy).join(Vacancy, Vacancy.id == Placement.vacancy_id)).all()
    assert linked
    for placement, vacancy in linked:
        assert placement.employer_id == vacancy.employer_id
        assert placement.start_date >= vacancy.created_at.date()
    today = clock.today()
    filters, _ = parse_filters({"period": "custom", "start": (today - timedelta(days=365)).isoformat(),
                                "end": today.isoformat()})
    ministry = db.session.scalars(select(User).where(User.role == "ministry")).first()
    report = supply_demand.supply_demand(filters, actor=Actor.for_user(ministry))
    assert report.table.rows and report.table.total["cells"]["openings"].value > 0
    assert report.table.total["cells"]["graduates"].value
