"""Center dashboard: seats, cohorts, low attendance, follow-ups due; scoped and audited."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from talent.readmodels import center_dashboard as cq
from talent.extensions import db
from tests.admin_helpers import actor, audit_actions, completer
from talent import clock


def _center_with_activity(factory, **kw):
    center = factory.center(capacity=50, **kw)
    cert = factory.certification(min_attendance=80)
    course = factory.course(certification=cert)
    running = factory.cohort(center=center, course=course, status="running",
                             start_date=clock.today() - timedelta(days=50), end_date=clock.today() + timedelta(days=5))
    open_ = factory.cohort(center=center, course=course, status="open",
                           start_date=clock.today() + timedelta(days=10))
    planned = factory.cohort(center=center, course=course, status="planned",
                             start_date=clock.today() + timedelta(days=20))
    low = factory.trainee(first_name="Leyla", last_name="Aşağı")
    factory.enrollment(trainee=low, cohort=running, attendance_pct=Decimal("55.5"))
    factory.enrollment(cohort=running, attendance_pct=Decimal("95"))
    factory.enrollment(cohort=open_)
    factory.enrollment(cohort=open_, status="applied")
    factory.enrollment(cohort=planned)  # planned cohorts hold no seats
    completer(factory, center, ended_days_ago=100)  # a 3-month follow-up is due
    return center, running, open_, low


def test_seat_usage_definition(factory):
    center, *_ = _center_with_activity(factory)
    admin = actor(factory.user("admin"))
    usage = {s.center_id: s for s in cq.seat_usage(admin)}[center.id]
    assert (usage.capacity, usage.used, usage.free, usage.active_cohorts) == (50, 3, 47, 2)


def test_dashboard_for_center_admin(client, factory, login_as):
    center, running, open_, low = _center_with_activity(factory)
    other, other_running, _, other_low = _center_with_activity(factory, name="Other center")
    ca = factory.center_admin(center)
    db.session.commit()
    login_as(ca)
    response = client.get("/center/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert running.code in html and open_.code in html
    assert "Aşağı Leyla" in html
    assert other_running.code not in html and "Other center" not in html
    assert "47" in html  # free seats
    viewed = audit_actions(action="trainee.view_list", trainee_id=low.id)
    assert viewed == ["trainee.view_list"]
    assert audit_actions(action="trainee.view_list", trainee_id=other_low.id) == []


def test_dashboard_admin_sees_all_and_others_forbidden(client, factory, login_as):
    center, running, *_ = _center_with_activity(factory)
    admin = factory.user("admin")
    ministry = factory.user("ministry")
    trainee_user = factory.trainee_user()
    db.session.commit()
    login_as(admin)
    assert running.code in client.get("/center/").get_data(as_text=True)
    client.post("/logout")
    login_as(ministry)
    assert client.get("/center/").status_code == 403
    client.post("/logout")
    login_as(trainee_user)
    assert client.get("/center/").status_code == 403


def test_dashboard_anonymous_redirects_to_login(client):
    response = client.get("/center/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_ending_soon_and_upcoming(factory):
    center, running, open_, _ = _center_with_activity(factory)
    far = factory.cohort(center=center, status="planned", start_date=clock.today() + timedelta(days=200))
    a = actor(factory.center_admin(center))
    assert [c.id for c, _ in cq.ending_soon(a)] == [running.id]
    upcoming = [c.id for c, _ in cq.running_and_upcoming(a)]
    assert running.id in upcoming and open_.id in upcoming and far.id not in upcoming
    assert upcoming[0] == running.id
