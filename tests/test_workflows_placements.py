"""Placements without traps: rejecting a reported job needs a reason (stored, shown to the trainee)
and a confirmation step; the same job reported twice is refused with a clear message; a report
still waiting for confirmation can be withdrawn by the trainee."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from talent import clock
from talent.errors import InvalidTransition, NotFound, ValidationError
from talent.extensions import db
from talent.placement import services as ps
from talent.placement.models import Placement
from tests.admin_helpers import actor, audit_actions, completer, job, request_context
from tests.api_helpers import api_for

START = clock.today() - timedelta(days=30)
FORM = {"employer_name": "SOCAR Digital", "country_code": "AZ", "job_title": "ML engineer",
        "employment_type": "full_time", "start_date": START.isoformat()}


@pytest.fixture
def world(app, factory):
    center, other = factory.center(), factory.center()
    trainee, _ = completer(factory, center)
    user = factory.trainee_user(trainee, locale="en")
    other_trainee, _ = completer(factory, center)
    other_user = factory.trainee_user(other_trainee, locale="en")
    ca = factory.center_admin(center, locale="en")
    db.session.commit()
    return {"center": center, "trainee": trainee, "user": user, "other_user": other_user, "ca": ca}


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Placement.id)))


def _reported(app, user, **kw) -> Placement:
    with request_context(app):
        placement = ps.report_own_job(actor(user), **job(**kw))
    db.session.commit()
    return placement


# ---- rejection: a reason and a confirmation -----------------------------------------------

def test_rejecting_needs_a_reason_which_is_kept_and_cleared_on_verify(app, world):
    p = _reported(app, world["user"])
    for reason in (None, "", "   "):
        with pytest.raises(ValidationError) as error:
            ps.reject_placement(actor(world["ca"]), p.id, reason)
        assert set(error.value.fields) == {"reason"}
    with pytest.raises(ValidationError):
        ps.reject_placement(actor(world["ca"]), p.id, "x" * 501)
    assert p.verification == "pending" and "placement.reject" not in audit_actions()
    ps.reject_placement(actor(world["ca"]), p.id, "  The employer has  no record of this job. ")
    assert (p.verification, p.rejection_reason) == ("rejected", "The employer has no record of this job.")
    ps.verify_placement(actor(world["ca"]), p.id)
    assert (p.verification, p.rejection_reason) == ("verified", None)


def test_the_center_confirms_a_rejection_on_its_own_page_and_the_trainee_sees_why(app, client, login_as, world):
    p = _reported(app, world["user"], employer_name="Türk AI", country_code="TR")
    login_as(world["ca"])
    listing = client.get("/center/placements?verification=pending").get_data(as_text=True)
    # The list links to the confirmation page; no one-click rejection form any more.
    assert f'href="/center/placements/{p.id}/reject"' in listing
    assert f'action="/center/placements/{p.id}/reject"' not in listing
    page = client.get(f"/center/placements/{p.id}/reject")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Türk AI" in body and 'name="reason"' in body and "Reject the job" in body
    refused = client.post(f"/center/placements/{p.id}/reject", data={"reason": "  "})
    assert refused.status_code == 422 and "the trainee sees the reason" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Placement, p.id).verification == "pending"
    done = client.post(f"/center/placements/{p.id}/reject", data={"reason": "No contract was shown."})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Placement, p.id).rejection_reason == "No contract was shown."
    client.post("/logout")
    login_as(world["user"])
    jobs = client.get("/me/jobs").get_data(as_text=True)
    assert "Not confirmed" in jobs and "Reason: No contract was shown." in jobs


def test_the_api_requires_the_reason_and_returns_it(app, client, world):
    p = _reported(app, world["user"])
    api = api_for(client, world["ca"])
    for body in ({}, {"reason": ""}):
        answer = api.post(f"/placements/{p.id}/reject", json=body)
        assert answer.status_code in (400, 422)
        assert "reason" in {e["field"] for e in answer.get_json()["errors"]}
    assert api.get(f"/placements/{p.id}").get_json()["verification"] == "pending"
    answer = api.post(f"/placements/{p.id}/reject", json={"reason": "Not confirmed by the employer"})
    assert answer.status_code == 200 and answer.get_json()["rejection_reason"] == "Not confirmed by the employer"


# ---- the same job twice --------------------------------------------------------------------

def test_the_same_job_reported_twice_is_refused(app, world):
    first = _reported(app, world["user"], employer_name="Azercell Telecom", start_date=START)
    with request_context(app):
        with pytest.raises(ValidationError) as error:
            ps.report_own_job(actor(world["user"]), **job(employer_name=" azercell  TELECOM", start_date=START,
                                                         job_title="Another title"))
    assert {"employer_name", "start_date"} <= set(error.value.fields)
    assert "same employer and start date" in error.value.fields["start_date"]
    assert _count() == 1
    # Another start date, another employer, or another person: not a duplicate.
    _reported(app, world["user"], employer_name="Azercell Telecom", start_date=START - timedelta(days=400))
    _reported(app, world["user"], employer_name="Bakcell", start_date=START)
    _reported(app, world["other_user"], employer_name="Azercell Telecom", start_date=START)
    assert _count() == 4
    # Editing one job into another one's employer and date is refused too.
    second = db.session.scalars(select(Placement).where(Placement.trainee_id == first.trainee_id,
                                                        Placement.id != first.id)).first()
    with request_context(app):
        with pytest.raises(ValidationError):
            ps.update_own_job(actor(world["user"]), second.id, employer_name="Azercell Telecom", country_code="AZ",
                              start_date=START)


def test_the_job_form_says_it_is_already_reported(client, login_as, world):
    login_as(world["user"])
    assert client.post("/me/jobs", data=FORM).status_code == 302
    again = client.post("/me/jobs", data=FORM)
    assert again.status_code == 422
    assert "already on your list (same employer and start date)" in again.get_data(as_text=True)
    assert _count() == 1


# ---- withdrawing a pending report ----------------------------------------------------------

def test_a_pending_report_can_be_withdrawn_and_nothing_else(app, world):
    p = _reported(app, world["user"])
    with pytest.raises(NotFound):
        ps.withdraw_own_job(actor(world["other_user"]), p.id)
    ps.withdraw_own_job(actor(world["user"]), p.id)
    db.session.commit()
    assert _count() == 0
    assert "placement.withdraw" in audit_actions(trainee_id=world["trainee"].id)
    for days, state in enumerate(("verified", "rejected"), start=1):
        q = _reported(app, world["user"], start_date=START - timedelta(days=days))
        if state == "verified":
            ps.verify_placement(actor(world["ca"]), q.id)
        else:
            ps.reject_placement(actor(world["ca"]), q.id, "No contract")
        with pytest.raises(InvalidTransition):
            ps.withdraw_own_job(actor(world["user"]), q.id)
    with request_context(app):
        found = ps.record_placement(actor(world["ca"]), world["trainee"].id, **job(employer_name="Found by center"))
    with pytest.raises(InvalidTransition):
        ps.withdraw_own_job(actor(world["user"]), found.id)
    assert _count() == 3


def test_the_trainee_withdraws_on_the_jobs_page(app, client, login_as, world):
    pending = _reported(app, world["user"], employer_name="Pending Ltd")
    confirmed = _reported(app, world["user"], employer_name="Confirmed Ltd")
    ps.verify_placement(actor(world["ca"]), confirmed.id)
    db.session.commit()
    login_as(world["user"])
    jobs = client.get("/me/jobs").get_data(as_text=True)
    assert f"/me/jobs/{pending.id}/withdraw" in jobs and f"/me/jobs/{confirmed.id}/withdraw" not in jobs
    confirm = client.get(f"/me/jobs/{pending.id}/withdraw")
    assert confirm.status_code == 200 and "Pending Ltd" in confirm.get_data(as_text=True)
    assert _count() == 2  # the confirmation page changes nothing
    assert client.post(f"/me/jobs/{pending.id}/withdraw").status_code == 302
    assert _count() == 1
    refused = client.post(f"/me/jobs/{confirmed.id}/withdraw")
    assert refused.status_code == 303 and _count() == 1
    assert client.get(f"/me/jobs/{pending.id}/withdraw").status_code == 404
