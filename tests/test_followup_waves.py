"""Self-service follow-up waves (issue 18): `talent followups send-due` → a mail with a private
link in the graduate's language → the form → a self-reported placement pending verification →
the center verifies → the ministry's placement figures. Plus the bad links, idempotency, the
reminders and the center's queue."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select, text, update

from talent import clock, mail
from talent.extensions import db
from talent.placement import followup
from talent.placement.followup_models import FollowUpRequest
from talent.placement.models import FollowUp, Placement
from talent.permissions import ROLE_PERMISSIONS, Actor
from talent.reporting import reports
from talent.reporting.periods import parse_filters

MINISTRY = Actor(user_id=None, label="ministry analyst", role="ministry", center_ids=None,
                 permissions=ROLE_PERMISSIONS["ministry"])


@pytest.fixture(autouse=True)
def _empty_outbox():
    mail.outbox.clear()
    yield
    mail.outbox.clear()


@pytest.fixture
def k1(app, monkeypatch):
    monkeypatch.setitem(app.config, "SUPPRESSION_K", 1)
    monkeypatch.setitem(app.config, "DISCLOSURE_METHOD", "threshold")  # exact figures


def _graduates(factory, *, days_ago: int = 100, language: str = "ru"):
    center = factory.center(code="FUP")
    course = factory.course(language=language)
    end = clock.today() - timedelta(days=days_ago)
    cohort = factory.cohort(center=center, course=course, start_date=end - timedelta(days=60), end_date=end,
                            status="completed", code="FUP-1")
    with_mail = factory.trainee(first_name="Leyla", email="leyla@example.az")
    no_mail = factory.trainee(first_name="Nigar", email=None, phone=None)      # no contact at all
    no_consent = factory.trainee(first_name="Samir", email="samir@example.az", followup_consent=False)
    not_completed = factory.trainee(first_name="Orxan", email="orxan@example.az")
    enrollment = factory.enrollment(with_mail, cohort, status="completed", final_score=90, attendance_pct=95)
    for trainee in (no_mail, no_consent):
        factory.enrollment(trainee, cohort, status="completed", final_score=90, attendance_pct=95)
    factory.enrollment(not_completed, cohort, status="failed", final_score=20, attendance_pct=95)
    admin = factory.center_admin(center)
    db.session.commit()
    return {"center": center, "cohort": cohort, "trainee": with_mail, "enrollment": enrollment, "admin": admin}


def _send(app):
    result = app.test_cli_runner().invoke(args=["followups", "send-due"])
    assert result.exit_code == 0, result.output
    return result.output


def _link_path(message) -> str:
    url = re.search(r"https?://\S+/followup/\S+", message.get_content()).group(0)
    return re.sub(r"^https?://[^/]+", "", url)


def _answer_job(client, path, **extra):
    data = {"situation": "employed", "employer_name": "Azercell", "country_code": "AZ", "occupation_code": "2511",
            "employment_type": "full_time", "start_date": (clock.today() - timedelta(days=30)).isoformat(),
            "pay_band": "1000_1999", "remote": "y"}
    data.update(extra)
    return client.post(path, data=data)


def _figures(start):
    filters, messages = parse_filters({"period": "custom", "start": start.isoformat(),
                                       "end": clock.today().isoformat()})
    assert messages == []
    cells = reports.national_summary(filters, actor=MINISTRY).tables[0].table.rows[0]["cells"]
    return {name: cell.value for name, cell in cells.items()}


def test_whole_path_link_form_pending_verify_ministry(app, client, factory, login_as, k1):
    world = _graduates(factory, language="ru")
    output = _send(app)
    assert "3 months: 1 link(s) sent" in output
    # Only the graduate with an email and consent, who completed; mail after the commit, in Russian
    # (the course's language; the graduate has no account with its own language).
    assert [m["To"] for m in mail.outbox] == ["leyla@example.az"]
    message = mail.outbox[0]
    assert re.search("[а-яА-Я]", message["Subject"])
    body = message.get_content()
    assert "Leyla" in body and re.search("[а-яА-Я]{4}", body)
    request = db.session.scalar(select(FollowUpRequest))
    path = _link_path(message)
    token = path.rsplit("/", 1)[1]
    assert request.wave == 3 and request.language == "ru" and request.answered_at is None
    assert request.token_hash == followup.token_hash(token) and token not in request.token_hash

    page = client.get(path)  # the visitor's browser asks for English; the page follows the graduate
    assert page.status_code == 200
    assert re.search("[а-яА-Я]{4}", page.get_data(as_text=True))
    before = _figures(world["cohort"].start_date)
    answered = _answer_job(client, path)
    assert answered.status_code == 302 and "/followup/thanks" in answered.headers["Location"]
    assert client.get(answered.headers["Location"]).status_code == 200

    db.session.expire_all()
    request = db.session.get(FollowUpRequest, request.id)
    placement = db.session.get(Placement, request.placement_id)
    assert request.outcome == "employed" and request.answered_at is not None and request.pay_band == "1000_1999"
    assert (placement.source, placement.verification, placement.center_id) == ("self_reported", "pending",
                                                                               world["center"].id)
    assert placement.employer.name == "Azercell" and placement.occupation_code == "2511" and placement.remote
    assert placement.job_title  # the occupation's name when no title was given
    pending = _figures(world["cohort"].start_date)
    # The ministry's published definition counts jobs "not rejected" (talent/reporting/definitions.py):
    # the self-reported job counts while pending, stays counted once verified, and would leave on rejection.
    assert (pending["placements"], pending["placed"]) == (before["placements"] + 1, before["placed"] + 1)

    # The center's follow-up queue shows the answer, pending verification, and the response rate.
    login_as(world["admin"])
    queue = client.get("/center/followups")
    html = queue.get_data(as_text=True)
    assert queue.status_code == 200
    assert "Pending verification" in html and "FUP-1" in html and "Answered" in html
    assert re.search(r"100(\.0)?\s?%", html)
    assert client.post(f"/center/placements/{placement.id}/verify").status_code == 302
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).verification == "verified"
    after = _figures(world["cohort"].start_date)
    assert after["placements"] == before["placements"] + 1 and after["placed"] == before["placed"] + 1

    # The link worked once: a second visit and a second answer change nothing.
    client.post("/logout")
    again = client.get(path)
    assert again.status_code == 410 and "Спасибо" in again.get_data(as_text=True)  # "already answered", in Russian
    assert _answer_job(client, path, employer_name="Other").status_code == 410
    assert db.session.scalar(select(func.count(Placement.id))) == 1


def test_a_graduate_with_a_phone_and_no_email_gets_the_link_by_sms(app, client, factory):
    """Issue 18: the follow-up link also by SMS (the gateway interface; the log driver here) when the
    graduate has a phone and no email; in their language; the reminder too; the link works."""
    from talent.notifications import channels
    from talent.notifications.models import OutboxMessage
    channels.sms_log.clear()
    world = _graduates(factory, language="ru")
    texting = factory.trainee(first_name="Rauf", email=None, phone="+994551112233")
    factory.enrollment(texting, world["cohort"], status="completed", final_score=90, attendance_pct=95)
    db.session.commit()
    assert "3 months: 2 link(s) sent" in _send(app)
    assert [m["To"] for m in mail.outbox] == ["leyla@example.az"]          # mail only to the one with an address
    [sms] = channels.sms_log
    assert sms["to"] == "+994551112233" and sms["text"].startswith("Rauf, ") and re.search("[а-яА-Я]{4}", sms["text"])
    request = db.session.scalar(select(FollowUpRequest).where(FollowUpRequest.trainee_id == texting.id))
    assert request.email == "" and request.language == "ru"
    [row] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms"))
    assert row.kind == "followup" and row.status == "sent" and row.trainee_id == texting.id
    path = re.sub(r"^https?://[^/]+", "", re.search(r"https?://\S+/followup/\S+", sms["text"]).group(0))
    client.post("/logout")
    assert client.get(path).status_code == 200                             # the form opens from the SMS
    with time_machine.travel(clock.now() + timedelta(days=15)):
        assert "reminders: 2" in _send(app)
    assert len(channels.sms_log) == 2 and channels.sms_log[-1]["to"] == "+994551112233"
    assert client.get(path).status_code == 410                             # replaced by the reminder's link


def test_send_due_is_idempotent_and_reminds_once(app, factory):
    _graduates(factory, language="en")
    _send(app)
    assert len(mail.outbox) == 1
    first_hash = db.session.scalar(select(FollowUpRequest.token_hash))
    assert "0 link(s) sent" in _send(app) and len(mail.outbox) == 1   # the same day: nothing again
    # 15 days on, unanswered: one reminder with a new link; the first link stops working.
    with time_machine.travel(clock.now() + timedelta(days=15)):
        output = _send(app)
        assert "reminders: 1" in output and len(mail.outbox) == 2
        assert mail.outbox[1]["Subject"].startswith("Reminder")
        db.session.expire_all()
        request = db.session.scalar(select(FollowUpRequest))
        assert request.token_hash != first_hash and request.reminded_at is not None
        assert "reminders: 0" in _send(app) and len(mail.outbox) == 2
    assert db.session.scalar(select(func.count(FollowUpRequest.id))) == 1


def test_no_reminder_after_an_answer_and_not_working_recorded(app, client, factory):
    world = _graduates(factory, language="en")
    _send(app)
    path = _link_path(mail.outbox[0])
    assert client.post(path, data={"situation": "not_working"}).status_code == 302
    # "not working" is the 3-month milestone's outcome: the center's phone queue does not list them.
    db.session.expire_all()
    saved = db.session.scalar(select(FollowUp).where(FollowUp.enrollment_id == world["enrollment"].id))
    assert saved.outcome == "looking" and saved.milestone_months == 3
    with time_machine.travel(clock.now() + timedelta(days=20)):
        assert "reminders: 0" in _send(app)
    assert len(mail.outbox) == 1 and db.session.scalar(select(func.count(Placement.id))) == 0


def test_waves_follow_the_months(app, factory):
    # Ended seven months ago: the 6-month wave is the current one; no 3-month question any more.
    _graduates(factory, days_ago=215, language="en")
    output = _send(app)
    assert "3 months: 0" in output and "6 months: 1" in output and "12 months: 0" in output
    assert db.session.scalar(select(FollowUpRequest.wave)) == 6


def test_unique_enrollment_and_wave_in_the_database(app, factory):
    world = _graduates(factory, language="en")
    _send(app)
    duplicate = FollowUpRequest(enrollment_id=world["enrollment"].id, trainee_id=world["trainee"].id,
                                cohort_id=world["cohort"].id, center_id=world["center"].id, wave=3, language="en",
                                email="x@example.az", token_hash="0" * 64, sent_at=clock.now(), expires_at=clock.now())
    db.session.add(duplicate)
    with pytest.raises(Exception):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("mangle", ["tamper", "garbage", "long", "unknown_signed"])
def test_bad_links_change_nothing(app, client, factory, mangle):
    _graduates(factory, language="en")
    _send(app)
    path = _link_path(mail.outbox[0])
    token = path.rsplit("/", 1)[1]
    bad = {"tamper": token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),
           "garbage": "not-a-token",
           "long": "x" * 5000,
           "unknown_signed": followup._new_token(999999, 3)}[mangle]
    for response in (client.get(f"/followup/{bad}"), _answer_job(client, f"/followup/{bad}")):
        assert response.status_code == 410
        assert "This link" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Placement.id))) == 0
    assert db.session.scalar(select(FollowUpRequest.answered_at)) is None


def test_expired_link_in_the_users_language(app, client, factory):
    _graduates(factory, language="en")
    _send(app)
    path = _link_path(mail.outbox[0])
    with time_machine.travel(clock.now() + timedelta(days=followup.LINK_DAYS + 1)):
        response = client.get(path)
        assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
        answered = _answer_job(client, path)
        assert answered.status_code == 410
        # The page speaks the graduate's language whatever the browser asks for…
        assert "expired" in client.get(path, headers={"Accept-Language": "az"}).get_data(as_text=True)
    # …and a link that belongs to nobody answers in the visitor's language.
    unknown = client.get("/followup/not-a-token", headers={"Accept-Language": "az"})
    assert unknown.status_code == 410 and "Bu link etibarsızdır" in unknown.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Placement.id))) == 0


def test_bad_answers_rerender_with_messages_and_write_nothing(app, client, factory):
    _graduates(factory, language="en")
    _send(app)
    path = _link_path(mail.outbox[0])
    missing = client.post(path, data={"situation": "employed"})
    assert missing.status_code == 422
    html = missing.get_data(as_text=True)
    assert "This field is required." in html
    assert _answer_job(client, path, situation="maybe").status_code == 422
    assert _answer_job(client, path, country_code="ZZ").status_code == 422
    assert _answer_job(client, path, start_date="2026-13-45").status_code == 422
    assert _answer_job(client, path, pay_band="a lot").status_code == 422
    assert db.session.scalar(select(func.count(Placement.id))) == 0
    assert db.session.scalar(select(FollowUpRequest.answered_at)) is None
    assert _answer_job(client, path).status_code == 302   # the link still works after the mistakes


def test_form_needs_csrf(app, client, factory, monkeypatch):
    _graduates(factory, language="en")
    _send(app)
    path = _link_path(mail.outbox[0])
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = _answer_job(client, path)
    assert response.status_code in (400, 422)
    assert db.session.scalar(select(FollowUpRequest.answered_at)) is None


def test_form_is_rate_limited(app, client, factory, monkeypatch):
    from talent.extensions import limiter
    monkeypatch.setattr(limiter, "enabled", True)
    statuses = [client.get("/followup/not-a-token").status_code for _ in range(35)]
    assert 429 in statuses and set(statuses) <= {410, 429}


def test_mail_leaves_only_after_the_commit(app, factory):
    _graduates(factory, language="en")
    followup.send_due(Actor.system())
    assert mail.outbox == []                      # queued on the session, not sent
    db.session.rollback()
    assert mail.outbox == [] and db.session.scalar(select(func.count(FollowUpRequest.id))) == 0
    followup.send_due(Actor.system())
    db.session.commit()
    assert len(mail.outbox) == 1


def test_another_centers_queue_does_not_show_the_links(app, client, factory, login_as):
    _graduates(factory, language="en")
    _send(app)
    stranger = factory.center_admin(factory.center(code="OTHER"))
    db.session.commit()
    login_as(stranger)
    html = client.get("/center/followups").get_data(as_text=True)
    assert "FUP-1" not in html and "Leyla" not in html
    assert followup.request_rows(Actor.for_user(stranger), None).total == 0
    assert followup.response_rates(Actor.for_user(stranger), None).items == []


def test_a_request_another_run_inserted_is_skipped(app, factory, monkeypatch):
    """Two schedulers at once: the insert that loses the unique (enrollment, wave) race is skipped
    (INSERT … ON CONFLICT DO NOTHING, on PostgreSQL and SQLite alike), the run goes on, and that
    graduate gets one mail."""
    _graduates(factory, language="en")
    rows = followup._due_rows(clock.today(), 3)
    assert len(rows) == 1
    monkeypatch.setattr(followup, "_due_rows", lambda today, wave: rows + rows if wave == 3 else [])
    result = followup.send_due(Actor.system())
    db.session.commit()
    assert result.sent[3] == 1 and len(mail.outbox) == 1
    assert db.session.scalar(select(func.count(FollowUpRequest.id))) == 1


def test_response_rates_and_links_come_a_page_at_a_time(app, client, factory, login_as):
    """Issue 17: a center with thousands of cohorts gets 25 rows of response rates per page (newest
    cohorts first), not a table of all of them; the links list counts every link of the center."""
    center, other = factory.center(code="RATES"), factory.center(code="ELSE")
    today = clock.today()
    made = []
    for n, where in enumerate([center] * 27 + [other]):
        end = today - timedelta(days=120 + n)
        cohort = factory.cohort(center=where, code=f"RT-{n:02d}", start_date=end - timedelta(days=60), end_date=end,
                                status="completed")
        trainee = factory.trainee(first_name=f"Ad{n}")
        enrollment = factory.enrollment(trainee=trainee, cohort=cohort, status="completed")
        db.session.add(FollowUpRequest(enrollment_id=enrollment.id, trainee_id=trainee.id, cohort_id=cohort.id,
                                       center_id=where.id, wave=3, language="en", email=f"g{n}@example.az",
                                       token_hash=f"{n:064d}", sent_at=clock.now(),
                                       expires_at=clock.now() + timedelta(days=30),
                                       answered_at=clock.now() if n % 2 else None))
        made.append(cohort.code)
    admin = factory.center_admin(center)
    db.session.commit()
    actor = Actor.for_user(admin)
    first, second = followup.response_rates(actor, None), followup.response_rates(actor, None, page=2)
    assert first.total == 27 and first.pages == 2
    assert [r["cohort_code"] for r in first.items + second.items] == made[:27]   # the newest cohort first
    assert all(r["sent"] == 1 and r["rate"] == (1.0 if int(r["cohort_code"][3:]) % 2 else 0.0)
               for r in first.items + second.items)
    assert followup.request_rows(actor, None).total == 27
    assert followup.request_rows(Actor.system(), None).total == 28
    assert followup.response_rates(Actor.system(), None).total == 28
    login_as(admin)
    html = client.get("/center/followups?rates_page=2").get_data(as_text=True)
    assert "rates_page=1" in html and "RT-26" in html and "RT-00" not in html and "RT-27" not in html
    assert "links_page=2" in html   # 27 links: the links list has two pages too


def test_a_link_carries_its_cohorts_center_and_the_counts_read_it(app, factory):
    """Issue 17: the links of a center are counted by the center kept on each link (its cohort's,
    revision 0038_followup_request_center). A sent link carries its cohort's center; the migration's
    backfill puts it back; the links list's total and the response rates' number of cohorts equal the
    same counted through the cohorts, for the staff of one center, of two, the system and with a center
    filter; and the cohort of a link cannot move to another center, so the copy cannot go stale."""
    import importlib.util
    from pathlib import Path

    from talent.errors import InvalidTransition, ValidationError
    from talent.learning.models import Cohort, Enrollment
    from talent.learning.services import update_cohort

    world = _graduates(factory, language="en")
    second = factory.center(code="FUP2")
    end = clock.today() - timedelta(days=100)
    cohort2 = factory.cohort(center=second, start_date=end - timedelta(days=60), end_date=end, status="completed")
    for n in range(3):
        factory.enrollment(factory.trainee(first_name=f"Ad{n}", email=f"ad{n}@example.az"), cohort2,
                           status="completed", final_score=90, attendance_pct=95)
    third = factory.center(code="FUP3")
    running = factory.cohort(center=third, start_date=end, end_date=clock.today() + timedelta(days=30))
    factory.enrollment(factory.trainee(first_name="Vüsal", email="vusal@example.az"), running)
    both = factory.center_admin(world["center"], second)
    db.session.commit()
    _send(app)
    links = db.session.execute(select(FollowUpRequest.center_id, Cohort.center_id)
                               .join(Cohort, Cohort.id == FollowUpRequest.cohort_id)).all()
    assert len(links) == 4 and all(kept == live for kept, live in links)

    # The backfill of the migration gives every link its cohort's center again.
    spec = importlib.util.spec_from_file_location(
        "m0038", Path(__file__).parent.parent / "migrations/versions/0038_followup_request_center.py")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    db.session.execute(update(FollowUpRequest).values(center_id=third.id))
    db.session.execute(text(migration.CENTERS))
    assert sorted(db.session.scalars(select(FollowUpRequest.center_id))) == sorted([world["center"].id] + [second.id] * 3)
    db.session.commit()

    def through_cohorts(actor, center_id):
        cohorts = select(Cohort.id)
        if actor.center_ids is not None:
            cohorts = cohorts.where(Cohort.center_id.in_(actor.center_ids))
        if center_id:
            cohorts = cohorts.where(Cohort.center_id == center_id)
        links = select(FollowUpRequest.cohort_id).where(FollowUpRequest.cohort_id.in_(cohorts))
        return (db.session.scalar(select(func.count()).select_from(links.subquery())),
                db.session.scalar(select(func.count()).select_from(links.distinct().subquery())))

    for actor in (Actor.for_user(world["admin"]), Actor.for_user(both), Actor.system()):
        for center_id in (None, world["center"].id, second.id):
            expected = through_cohorts(actor, center_id)
            assert (followup.request_rows(actor, center_id).total,
                    followup.response_rates(actor, center_id).total) == expected, (actor.label, center_id)
    assert through_cohorts(Actor.for_user(both), None) == (4, 2)

    # A link's cohort keeps its center: a completed cohort cannot be changed, and a cohort with
    # enrollments (every link's) cannot move to another center.
    enrollment = db.session.get(Enrollment, world["enrollment"].id)
    with pytest.raises(InvalidTransition):
        update_cohort(Actor.system(), enrollment.cohort_id, {"center_id": third.id})
    db.session.rollback()
    db.session.execute(update(Cohort).where(Cohort.id == enrollment.cohort_id).values(status="running"))
    with pytest.raises(ValidationError) as refused:
        update_cohort(Actor.system(), enrollment.cohort_id, {"center_id": third.id})
    assert set(refused.value.fields) == {"center_id"}
    db.session.rollback()
    assert db.session.get(Cohort, enrollment.cohort_id).center_id == world["center"].id
