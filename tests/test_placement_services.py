"""Placement services: markets, staff recording/verification, trainee self-service, follow-ups."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from talent.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationError
from talent.audit import AuditEvent
from talent.extensions import db
from talent.placement import services as ps
from talent.placement.markets import market_case, market_for
from talent.placement.models import Employer, FollowUp, Placement
from tests.admin_helpers import JOB, actor, audit_actions, completer, job, request_context
from talent import clock

REGIONAL = ("GE", "TR", "RU", "IR", "KZ", "UZ", "TM", "KG", "TJ")


@pytest.fixture(autouse=True)
def _request(app):
    with request_context(app):
        yield


# ---- markets -------------------------------------------------------------------------------

@pytest.mark.parametrize("code,market", [("AZ", "local"), ("az", "local"), ("TR", "regional"),
                                         ("GE", "regional"), ("DE", "international"),
                                         ("US", "international"), (None, None)])
def test_market_for(code, market):
    assert market_for(code, REGIONAL) == market


def test_market_for_uses_configured_set():
    assert market_for("DE", ["DE"]) == "regional"
    assert market_for("TR", []) == "international"
    assert market_for("AZ", ["AZ"]) == "local"


def test_market_case_matches_python_rule(factory):
    for code in ("AZ", "TR", "DE", "KZ", "US"):
        db.session.add(Employer(name=f"E {code}", country_code=code))
    db.session.flush()
    rows = db.session.execute(
        select(Employer.country_code, market_case(Employer.country_code, REGIONAL).label("market"))).all()
    assert rows and all(market == market_for(code, REGIONAL) for code, market in rows)
    grouped = dict(db.session.execute(
        select(market_case(Employer.country_code, REGIONAL).label("m"), func.count())
        .group_by(market_case(Employer.country_code, REGIONAL))).all())
    assert grouped == {"local": 1, "regional": 2, "international": 2}


# ---- trainee self-service ------------------------------------------------------------------

@pytest.fixture
def trainee_setup(factory):
    center = factory.center()
    trainee, enrollment = completer(factory, center)
    user = factory.trainee_user(trainee)
    return center, trainee, user


def test_report_own_job_is_pending_self_reported(trainee_setup):
    center, trainee, user = trainee_setup
    p = ps.report_own_job(actor(user), **job(monthly_pay_azn="1500,50", remote="on", sector_id=""))
    assert p.trainee_id == trainee.id
    assert (p.source, p.verification) == ("self_reported", "pending")
    assert p.center_id == center.id
    assert p.monthly_pay_azn == Decimal("1500.50")
    assert p.remote is True
    assert p.employer.name == "Azercell Telecom" and p.employer.country_code == "AZ"
    assert "placement.report" in audit_actions(trainee_id=trainee.id)


def test_report_own_job_reuses_employer(trainee_setup):
    _, _, user = trainee_setup
    a = ps.report_own_job(actor(user), **job())
    # A second job at the same employer (another start date: the same one would be a duplicate).
    b = ps.report_own_job(actor(user), **job(employer_name="  azercell   telecom ",
                                             start_date=JOB["start_date"] - timedelta(days=400)))
    assert a.employer_id == b.employer_id
    c = ps.report_own_job(actor(user), **job(country_code="tr"))
    assert c.employer_id != a.employer_id and c.employer.country_code == "TR"


def test_report_own_job_bad_input_names_fields_and_writes_nothing(trainee_setup):
    _, _, user = trainee_setup
    with pytest.raises(ValidationError) as err:
        ps.report_own_job(actor(user), employer_name="", country_code="XX", job_title="x" * 300,
                          employment_type="slave", start_date="31/31/2020", monthly_pay_azn="-4",
                          sector_id="999999", occupation_code="9999", bogus=1)
    assert set(err.value.fields) == {"employer_name", "country_code", "job_title", "employment_type",
                                     "start_date", "monthly_pay_azn", "sector_id", "occupation_code", "bogus"}
    assert db.session.scalar(select(func.count()).select_from(Placement)) == 0
    assert db.session.scalar(select(func.count()).select_from(Employer)) == 0


def test_end_date_rules(trainee_setup):
    _, _, user = trainee_setup
    with pytest.raises(ValidationError) as err:
        ps.report_own_job(actor(user), **job(start_date="2024-05-01", end_date="2024-04-01"))
    assert "end_date" in err.value.fields
    with pytest.raises(ValidationError) as err:
        ps.report_own_job(actor(user), **job(end_date=clock.today() + timedelta(days=3)))
    assert "end_date" in err.value.fields


def test_update_and_end_own_job(trainee_setup, factory):
    _, trainee, user = trainee_setup
    p = ps.report_own_job(actor(user), **job())
    p.verification = "verified"
    db.session.flush()
    ps.update_own_job(actor(user), p.id, job_title="ML engineer")
    assert p.job_title == "ML engineer"
    assert p.verification == "pending"  # a change must be verified again
    ps.end_own_job(actor(user), p.id, clock.today().isoformat())
    assert p.end_date == clock.today()
    with pytest.raises(InvalidTransition):
        ps.end_own_job(actor(user), p.id, clock.today())
    assert ps.own_jobs(actor(user)) == [p]


def test_trainee_cannot_touch_other_trainees_job(trainee_setup, factory):
    _, _, user = trainee_setup
    other_user = factory.trainee_user(factory.trainee())
    p = ps.report_own_job(actor(other_user), **job())
    with pytest.raises(NotFound):
        ps.update_own_job(actor(user), p.id, job_title="Hacked")
    with pytest.raises(NotFound):
        ps.end_own_job(actor(user), p.id, clock.today())
    with pytest.raises(NotFound):
        ps.update_own_job(actor(user), "abc", job_title="x")
    assert p.job_title == "Data analyst"


def test_staff_cannot_use_self_service(factory):
    admin = factory.user("admin")
    with pytest.raises(PermissionDenied):
        ps.report_own_job(actor(admin), **job())


# ---- staff ---------------------------------------------------------------------------------

def test_center_records_verified_job(factory):
    center = factory.center()
    trainee, _ = completer(factory, center)
    ca = factory.center_admin(center)
    p = ps.record_placement(actor(ca), trainee.id, **job(country_code="DE", occupation_code="2511"))
    assert (p.source, p.verification, p.verified_by_id, p.center_id) == ("center", "verified", ca.id, center.id)
    assert ps.placement_market(p) == "international"
    assert "placement.create" in audit_actions(trainee_id=trainee.id)


def test_other_center_admin_gets_not_found(factory):
    center, other = factory.center(), factory.center()
    trainee, _ = completer(factory, center)
    stranger = factory.center_admin(other)
    with pytest.raises(NotFound):
        ps.record_placement(actor(stranger), trainee.id, **job())
    p = ps.record_placement(actor(factory.user("admin")), trainee.id, **job())
    for call in (lambda: ps.end_placement(actor(stranger), p.id, clock.today()),
                 lambda: ps.verify_placement(actor(stranger), p.id),
                 lambda: ps.reject_placement(actor(stranger), p.id)):
        with pytest.raises(NotFound):
            call()


def test_verify_and_reject_reported_job(trainee_setup, factory):
    center, trainee, user = trainee_setup
    ca = factory.center_admin(center)
    p = ps.report_own_job(actor(user), **job())
    ps.reject_placement(actor(ca), p.id, "Employer denies")
    assert p.verification == "rejected"
    with pytest.raises(InvalidTransition):
        ps.reject_placement(actor(ca), p.id)
    ps.verify_placement(actor(ca), p.id)
    assert p.verification == "verified" and p.verified_by_id == ca.id
    with pytest.raises(InvalidTransition):
        ps.verify_placement(actor(ca), p.id)
    actions = audit_actions(trainee_id=trainee.id)
    assert "placement.reject" in actions and "placement.verify" in actions


def test_ministry_cannot_record(factory):
    center = factory.center()
    trainee, _ = completer(factory, center)
    with pytest.raises(PermissionDenied):
        ps.record_placement(actor(factory.user("ministry")), trainee.id, **job())


# ---- follow-up -----------------------------------------------------------------------------

def test_add_months_clamps():
    assert clock.add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)
    assert clock.add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    assert clock.add_months(date(2024, 1, 15), 3) == date(2024, 4, 15)


def test_record_followup_rules(factory):
    center = factory.center()
    trainee, enrollment = completer(factory, center, ended_days_ago=100)
    ca = factory.center_admin(center)
    with pytest.raises(InvalidTransition):
        ps.record_followup(actor(ca), enrollment.id, 6, "looking")  # not due before 6 months
    with pytest.raises(ValidationError) as err:
        ps.record_followup(actor(ca), enrollment.id, 4, "dancing")
    assert set(err.value.fields) == {"milestone_months", "outcome"}
    f = ps.record_followup(actor(ca), enrollment.id, 3, "looking", "Call back in May")
    assert (f.milestone_months, f.outcome, f.recorded_by_id) == (3, "looking", ca.id)
    # recording the same milestone again corrects the saved follow-up (it was a 409)
    again = ps.record_followup(actor(ca), enrollment.id, "3", "studying", "Enrolled at a university")
    assert again.id == f.id and (again.outcome, again.note) == ("studying", "Enrolled at a university")
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "followup.update"))
    assert event.details["old"] == {"outcome": "looking", "note": "Call back in May"}
    assert event.details["new"]["outcome"] == "studying"
    stranger = factory.center_admin(factory.center())
    with pytest.raises(NotFound):
        ps.record_followup(actor(stranger), enrollment.id, 3, "looking")
    assert "followup.record" in audit_actions(trainee_id=trainee.id)


def test_record_placement_with_followup(factory):
    center = factory.center()
    trainee, enrollment = completer(factory, center, ended_days_ago=200)
    ca = factory.center_admin(center)
    ps.record_placement(actor(ca), trainee.id, followup_enrollment_id=enrollment.id, followup_milestone=6, **job())
    f = db.session.scalar(select(FollowUp).where(FollowUp.enrollment_id == enrollment.id))
    assert (f.milestone_months, f.outcome) == (6, "employed")
