"""Small defects noticed in session 21 (trust and privacy), each reproduced first.

1. Accepting an application sent two mails (the "enrolled"/"waitlisted" notice and the
   "application accepted" one): now one, in the person's language, saying both.
2. The register/edit forms (web, API) told whether a FIN is registered without limit or audit:
   now audited (``trainee.fin_known``) and limited per account/token and per address.
3. The API's trainee answers named the registering center to any center that reached the person:
   now only to that center, an administrator or the trainee.
4. The course API lacked the online applications' eligibility rules: now read and written.
5. The scheduled notices (reminders, expiry notices, follow-up waves) were written row by row:
   now in bulk, a bounded number of statements, each notice once.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from talent import clock
from talent.applications import services as applications
from talent.extensions import db
from talent.notifications.models import OutboxMessage
from talent.people.models import Trainee
from talent.permissions import Actor


def _open_cohort(factory, **kw):
    return factory.cohort(status="open", start_date=clock.today() + timedelta(days=20),
                          capacity=kw.pop("capacity", 10), **kw)


def _form(**kw):
    data = {"fin": "5ABCD12", "birth_date": "1999-03-04", "first_name": "Leyla", "last_name": "Həsənova",
            "patronymic": "", "gender": "F", "home_region": "BAKU", "education_level": "bachelor",
            "email": "leyla@example.az", "phone": "050 123 45 67", "consent": "y"}
    data.update(kw)
    return data


def _messages(*recipients):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient.in_(recipients))
                              .order_by(OutboxMessage.id)).all()


# ---- 1. one mail on acceptance ---------------------------------------------------------------------

def test_accepting_an_existing_trainees_application_sends_one_mail_in_their_language(factory):
    cohort = _open_cohort(factory)
    admin = factory.center_admin(cohort.center)
    person = factory.trainee(fin="8SAME88", birth_date=date(1996, 6, 6), first_name="Leyla",
                             email="old@example.az")
    account = factory.trainee_user(person, locale="ru")
    submitted = applications.submit(_form(fin="8SAME88", birth_date="1996-06-06", email="leyla@example.az"),
                                    cohort_id=cohort.id, language="az")
    db.session.query(OutboxMessage).delete()
    applications.accept(Actor.for_user(admin), submitted.application.id)
    sent = _messages("leyla@example.az", "old@example.az", account.email)
    assert [(m.kind, m.recipient, m.locale) for m in sent] == [("application_accepted", "leyla@example.az", "ru")]
    message = sent[0]
    assert message.trainee_id == person.id
    assert message.subject.startswith("Заявка принята: ")
    assert "принята" in message.body_text and "У вас есть место" in message.body_text   # accepted, and the seat
    assert "лист ожидания" not in message.body_text


def test_accepting_into_a_full_cohort_says_waiting_list_in_the_one_mail(factory):
    cohort = _open_cohort(factory, capacity=1)
    admin = factory.center_admin(cohort.center)
    first = applications.submit(_form(fin="5ABCD11", email="first@example.az"), cohort_id=cohort.id)
    second = applications.submit(_form(email="second@example.az"), cohort_id=cohort.id, language="en")
    db.session.query(OutboxMessage).delete()
    applications.decide_many(Actor.for_user(admin), [first.application.id, second.application.id], "accept")
    sent = _messages("first@example.az", "second@example.az")
    assert [(m.kind, m.recipient, m.locale) for m in sent] == [
        ("application_accepted", "first@example.az", "az"), ("application_accepted", "second@example.az", "en")]
    assert "was accepted" in sent[1].body_text and "waiting list" in sent[1].body_text
    assert "You have a seat" not in sent[1].body_text
    assert "qəbul edildi" in sent[0].body_text and "yeriniz var" in sent[0].body_text


def test_enrolling_by_fin_outside_an_application_still_tells_the_trainee(factory):
    from talent.learning import services as learning
    cohort = _open_cohort(factory)
    admin = factory.center_admin(cohort.center)
    person = factory.trainee(fin="8SAME77", birth_date=date(1996, 6, 6), email="p@example.az")
    learning.enroll_by_fin(Actor.for_user(admin), cohort.id, "8SAME77", "1996-06-06")
    assert [m.kind for m in _messages("p@example.az")] == ["enrolled"]
    assert person.id


# ---- 2. the "FIN already registered" answer is limited and audited -------------------------------

def _register_form(region_id, **kw):
    data = {"fin": "7XYZ123", "last_name": "Əliyeva", "first_name": "Günay", "patronymic": "",
            "birth_date": "2000-02-03", "gender": "F", "email": "gunay@example.az", "phone": "055 111 22 33",
            "home_region_id": str(region_id), "education_level": "master"}
    data.update(kw)
    return data


def _fin_world(factory):
    mine, other = factory.center(code="MINE"), factory.center(code="OTHER")
    known = factory.trainee(fin="7KNOWN7", first_name="Rəşad", last_name="İsmayılov", birth_date=date(1990, 1, 1),
                            registered_by_center_id=mine.id)
    prober = factory.center_admin(other)
    colleague = factory.center_admin(other)
    region = factory.region("BAKU")
    db.session.commit()
    return {"other": other, "known": known, "prober": prober, "colleague": colleague, "region": region}


def _fin_checks(actor_id=None):
    from talent.audit import AuditEvent
    stmt = select(AuditEvent).where(AuditEvent.action == "trainee.fin_known")
    if actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    return db.session.scalars(stmt.order_by(AuditEvent.id)).all()


def test_register_form_answers_a_known_fin_a_limited_number_of_times_per_account_and_audits_it(
        app, factory, client, login_as, monkeypatch):
    world = _fin_world(factory)
    monkeypatch.setitem(app.config, "FIN_LOOKUP_RATE_LIMIT", "3 per hour")
    login_as(world["prober"])
    form = _register_form(world["region"].id, fin="7KNOWN7", center_id=str(world["other"].id))
    answers = [client.post("/center/trainees/new", data=form) for _ in range(3)]
    assert [a.status_code for a in answers] == [422] * 3
    assert all("belongs to another person" in a.get_data(as_text=True) for a in answers)
    # the fourth look-up from this account is refused with a message that says why
    limited = client.post("/center/trainees/new", data=form)
    assert limited.status_code == 429
    assert "too many FINs that are already registered" in limited.get_data(as_text=True)
    # also from another address: the limit is the account's
    again = client.post("/center/trainees/new", data=form, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert again.status_code == 429
    # each answer that told the FIN is registered is in the audit, with whose FIN it was
    checks = _fin_checks(world["prober"].id)
    assert [(c.trainee_id, c.center_id, c.details["same_person"]) for c in checks] == \
        [(world["known"].id, world["other"].id, False)] * 3
    # nothing was registered; a form with an unknown FIN is not counted (another account, address)
    assert db.session.scalar(select(func.count()).select_from(Trainee).where(Trainee.fin == "7KNOWN7")) == 1
    client.post("/logout")
    login_as(world["colleague"])
    fresh = client.post("/center/trainees/new", environ_base={"REMOTE_ADDR": "10.9.9.9"},
                        data=_register_form(world["region"].id, fin="7FRESH7", center_id=str(world["other"].id)))
    assert fresh.status_code == 302


def test_register_form_known_fin_limit_per_address_too(app, factory, client, login_as, monkeypatch):
    world = _fin_world(factory)
    monkeypatch.setitem(app.config, "FIN_LOOKUP_RATE_LIMIT", "2 per hour")
    form = _register_form(world["region"].id, fin="7KNOWN7", center_id=str(world["other"].id))
    login_as(world["prober"])
    assert [client.post("/center/trainees/new", data=form).status_code for _ in range(2)] == [422, 422]
    client.post("/logout")
    login_as(world["colleague"])        # another account on the same address
    assert client.post("/center/trainees/new", data=form).status_code == 429


def test_edit_form_changing_to_a_known_fin_is_audited_and_limited(app, factory, client, login_as, monkeypatch):
    world = _fin_world(factory)
    monkeypatch.setitem(app.config, "FIN_LOOKUP_RATE_LIMIT", "1 per hour")
    mine = factory.trainee(fin="7MINE77", registered_by_center_id=world["other"].id)
    db.session.commit()
    login_as(world["prober"])
    form = _register_form(world["region"].id, fin="7KNOWN7", first_name=mine.first_name,
                          last_name=mine.last_name, birth_date=mine.birth_date.isoformat())
    first = client.post(f"/center/trainees/{mine.id}/edit", data=form)
    assert first.status_code == 422 and "already registered" in first.get_data(as_text=True)
    assert client.post(f"/center/trainees/{mine.id}/edit", data=form).status_code == 429
    assert db.session.get(Trainee, mine.id).fin == "7MINE77"
    assert [c.trainee_id for c in _fin_checks(world["prober"].id)] == [world["known"].id]


def test_api_known_fin_answers_are_limited_per_token_and_audited(app, factory, client, monkeypatch):
    from tests.api_helpers import api_for
    world = _fin_world(factory)
    monkeypatch.setitem(app.config, "FIN_LOOKUP_RATE_LIMIT", "2 per hour")
    api = api_for(client, world["prober"])
    body = {"fin": "7KNOWN7", "last_name": "İsmayılov", "first_name": "Rəşad", "birth_date": "1990-01-01",
            "gender": "M", "home_region": "BAKU", "center_id": world["other"].id}
    answers = [api.post("/trainees", json=body) for _ in range(2)]
    assert [a.status_code for a in answers] == [409, 409]
    assert "already registered" in answers[0].get_json()["detail"]
    limited = api.post("/trainees", json=body)
    assert limited.status_code == 429 and "too many FINs" in limited.get_json()["detail"]
    assert [c.details["same_person"] for c in _fin_checks(world["prober"].id)] == [True, True]


# ---- 3. the API does not tell a center which other center registered a shared trainee ------------

def test_api_trainee_shows_the_registering_center_only_to_that_center_and_administrators(factory, client):
    from tests.api_helpers import api_for
    ganja, baku = factory.center(code="GANJA-01"), factory.center(code="BAKU-01")
    g = factory.trainee(fin="7GANJA7", birth_date=date(1996, 3, 8), registered_by_center_id=ganja.id)
    open_cohort = factory.cohort(center=baku, status="open", capacity=10)
    baku_admin, ganja_admin, sysadmin = factory.center_admin(baku), factory.center_admin(ganja), factory.user("admin")
    db.session.commit()
    baku_api = api_for(client, baku_admin)
    assert baku_api.post(f"/cohorts/{open_cohort.id}/enrollments",
                         json={"fin": "7GANJA7", "birth_date": "1996-03-08"}).status_code == 201
    seen = baku_api.get(f"/trainees/{g.id}").get_json()
    assert seen["fin"] == "7GANJA7" and seen["registered_by_center_id"] is None     # not GANJA's id
    found = baku_api.post("/trainees/search", json={"q": "7GANJA7"}).get_json()["items"]
    assert [(t["id"], t["registered_by_center_id"]) for t in found] == [(g.id, None)]
    listed = baku_api.get("/trainees").get_json()["items"]
    assert [(t["id"], t["registered_by_center_id"]) for t in listed if t["id"] == g.id] == [(g.id, None)]
    assert api_for(client, ganja_admin).get(f"/trainees/{g.id}").get_json()["registered_by_center_id"] == ganja.id
    assert api_for(client, sysadmin).get(f"/trainees/{g.id}").get_json()["registered_by_center_id"] == ganja.id
    # a trainee baku registered itself: baku sees its own id
    created = baku_api.post("/trainees", json={"fin": "7BAKU77", "first_name": "Nigar", "last_name": "Əliyeva",
                                               "birth_date": "2000-01-01", "gender": "F", "home_region": "BAKU"})
    assert created.status_code == 201 and created.get_json()["registered_by_center_id"] == baku.id


# ---- 4. the course API carries the eligibility rules of online applications --------------------

def test_course_api_reads_and_writes_the_eligibility_rules_with_validation(factory, client):
    from tests.api_helpers import api_for, field_names
    earlier = factory.certification()
    admin = factory.user("admin")
    db.session.commit()
    api = api_for(client, admin)
    body = {"code": "ELIG-1", "title_az": "Kurs", "title_en": "Course", "level": "foundation", "hours": 40,
            "language": "az", "min_education_level": "bachelor", "min_age": 18, "max_age": 35,
            "required_certification_id": earlier.id}
    created = api.post("/courses", json=body)
    assert created.status_code == 201, created.get_json()
    out = created.get_json()
    assert (out["min_education_level"], out["min_age"], out["max_age"], out["required_certification_id"]) == \
        ("bachelor", 18, 35, earlier.id)
    course_id = out["id"]
    assert api.get(f"/courses/{course_id}").get_json()["max_age"] == 35
    listed = [c for c in api.get("/courses").get_json()["items"] if c["id"] == course_id]
    assert listed[0]["min_education_level"] == "bachelor"
    # bad values: named fields, nothing changed
    bad = {"min_age": 10}, {"max_age": 17}, {"min_education_level": "phd"}, {"required_certification_id": 999999}
    for change, field in zip(bad, ("min_age", "max_age", "min_education_level", "required_certification_id")):
        answer = api.patch(f"/courses/{course_id}", json=change)
        assert answer.status_code == 422 and field in field_names(answer), (change, answer.get_json())
    again = api.get(f"/courses/{course_id}").get_json()
    assert (again["min_education_level"], again["min_age"], again["max_age"]) == ("bachelor", 18, 35)
    # clearing the rules: null
    cleared = api.patch(f"/courses/{course_id}", json={"min_education_level": None, "min_age": None, "max_age": None,
                                                         "required_certification_id": None}).get_json()
    assert (cleared["min_education_level"], cleared["min_age"], cleared["max_age"],
            cleared["required_certification_id"]) == (None, None, None, None)
    # the rules the API wrote are the ones applying checks
    from talent.catalog.models import Course
    assert db.session.get(Course, course_id).min_age is None


# ---- 5. the scheduled notices are written in bulk, once per event and day -----------------------

def _schedule_world(factory, n: int):
    """``n`` trainees enrolled in two cohorts with a session tomorrow (every other one with a phone:
    SMS reminders too; every third with an account in en or ru; the first unsubscribed from email
    reminders), and an award for the first n/2 of them expiring in 45 (odd) or 20 (even) days."""
    from talent.notifications import services as notification_services
    from tests.credentials_helpers import issued
    center = factory.center()
    tomorrow = clock.today() + timedelta(days=1)
    cohorts = [factory.cohort(center=center, status="running"), factory.cohort(center=center, status="open")]
    for cohort in cohorts:
        factory.session(cohort, tomorrow)
    trainees = []
    for i in range(n):
        trainee = factory.trainee(email=f"t{i}@example.az", phone="+99450123%04d" % i if i % 2 == 0 else None)
        if i % 3 == 0:
            factory.trainee_user(trainee, locale="en" if i % 2 else "ru", email=f"u{i}@example.az")
        factory.enrollment(trainee, cohorts[i % 2])
        trainees.append(trainee)
    notification_services.unsubscribe(notification_services.unsubscribe_token(trainees[0].id, "email"))
    for i in range(n // 2):
        award = issued(factory, trainee=trainees[i])
        award.expires_on = clock.today() + timedelta(days=45 if i % 2 else 20)
    db.session.flush()
    return trainees


def _scheduled_rows():
    return db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind.in_(("session_reminder", "expiry_60", "expiry_30"))).order_by(OutboxMessage.id)).all()


def test_a_tick_writes_its_notices_with_a_bounded_number_of_statements_and_each_once(app, factory, count_queries):
    from talent.notifications import events
    n = 40
    _schedule_world(factory, n)
    with count_queries() as counter:
        written = events.session_reminders(clock.today()) + events.expiry_notices(clock.today())
    rows = _scheduled_rows()
    reminders_email = n - 1                       # the first unsubscribed from email reminders
    reminders_sms = n // 2                        # every other one has a phone
    # 20 awards: odd ones in 45 days, even ones in 20 (but not trainee 0's: unsubscribed from email)
    expiry_60, expiry_30 = n // 4, n // 4 - 1
    kinds = {}
    for row in rows:
        kinds[(row.kind, row.channel)] = kinds.get((row.kind, row.channel), 0) + 1
    assert written == len(rows), kinds
    assert kinds == {("session_reminder", "email"): reminders_email, ("session_reminder", "sms"): reminders_sms,
                     ("expiry_60", "email"): expiry_60, ("expiry_30", "email"): expiry_30}
    assert written == reminders_email + reminders_sms + expiry_60 + expiry_30
    assert len({row.dedupe_key for row in rows}) == len(rows)
    # one row per notice: read a handful of tables once and insert in a few multi-row statements
    assert counter.count <= 16, counter.count
    # the trainees' languages and preferences: an account in ru gets Russian, in en English
    by_recipient = {row.recipient: row for row in rows if row.kind == "session_reminder" and row.channel == "email"}
    assert by_recipient["t3@example.az"].locale == "en" and by_recipient["t6@example.az"].locale == "ru"
    assert by_recipient["t1@example.az"].locale == "az" and "t0@example.az" not in by_recipient
    assert "/notifications/unsubscribe/" in by_recipient["t1@example.az"].body_text
    # a second run (another worker, the next round the same day) writes nothing and stays bounded
    with count_queries() as again:
        assert events.session_reminders(clock.today()) + events.expiry_notices(clock.today()) == 0
    assert again.count <= 16 and len(_scheduled_rows()) == len(rows)


def test_the_bulk_notices_are_the_messages_notify_trainee_composes(app, factory):
    """The bulk path writes what the one-trainee path composes: language, links, SMS text."""
    from talent.notifications import events, services as notification_services
    trainees = _schedule_world(factory, 4)
    events.session_reminders(clock.today())
    rows = {(row.recipient, row.channel): row for row in _scheduled_rows()}
    one = trainees[2]                      # no account (az), a phone, the first cohort's session
    email, sms = rows[("t2@example.az", "email")], rows[("+994501230002", "sms")]
    assert email.trainee_id == one.id and sms.trainee_id == one.id and email.locale == sms.locale == "az"
    assert email.body_html and sms.body_html is None
    assert email.dedupe_key.endswith(":email") and sms.dedupe_key.endswith(":sms")
    assert notification_services.unsubscribe_url(one.id, "sms") in sms.body_text
    assert notification_services.unsubscribe_url(one.id, "email") in email.body_text


def test_the_follow_up_waves_and_reminders_are_written_with_a_bounded_number_of_statements(app, factory,
                                                                                           count_queries):
    from talent.audit import AuditEvent
    from talent.placement import followup
    from talent.placement.followup_models import FollowUpRequest
    n = 30
    center = factory.center()
    cohort = factory.cohort(center=center, status="completed", start_date=clock.today() - timedelta(days=160),
                            end_date=clock.today() - timedelta(days=100))
    for i in range(n):        # every third without an email: the link goes by SMS
        trainee = factory.trainee(email=None if i % 3 == 0 else f"g{i}@example.az", phone="+99450765%04d" % i,
                                  followup_consent=True)
        if i % 4 == 0 and i % 3:    # an account in Russian (with an email of the trainee's own)
            factory.trainee_user(trainee, locale="ru", email=f"gu{i}@example.az")
        factory.enrollment(trainee, cohort, status="completed")
    db.session.flush()
    system = Actor.system(label="scheduled work", channel="worker")
    with count_queries() as counter:
        result = followup.send_due(system, today=clock.today())
    assert result.sent == {3: n, 6: 0, 12: 0} and result.reminded == 0
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "followup")).all()
    assert sorted((r.channel, r.recipient) for r in rows) == sorted(
        ("sms", "+99450765%04d" % i) if i % 3 == 0 else ("email", f"g{i}@example.az") for i in range(n))
    requests = db.session.scalars(select(FollowUpRequest)).all()
    assert len(requests) == n and {r.language for r in requests if r.email == "g4@example.az"} == {"ru"}
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "followup.request_send")) == n
    assert counter.count <= 16, "\n".join(s[:90] for s in counter.statements)
    with count_queries() as again:
        assert followup.send_due(system, today=clock.today()).total == 0          # idempotent
    assert again.count <= 12, again.count
    # two weeks without an answer: one reminder each, with a new link, in bounded statements
    for request in requests:
        request.sent_at = clock.now() - timedelta(days=followup.REMINDER_DAYS + 1)
    db.session.flush()
    old_hashes = {r.id: r.token_hash for r in requests}
    with count_queries() as reminding:
        assert followup.send_due(system, today=clock.today()).reminded == n
    assert reminding.count <= 16, reminding.count
    assert all(r.token_hash != old_hashes[r.id] and r.reminded_at is not None for r in requests)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.kind == "followup")) == 2 * n
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "followup.request_remind")) == n
    assert followup.send_due(system, today=clock.today()).total == 0


def test_a_tick_in_small_chunks_writes_the_same_notices_once(app, factory, monkeypatch):
    """The chunks (ids per read, rows per INSERT) cut through the notices: nothing lost or doubled."""
    from talent.notifications import events, outbox, services as notification_services
    monkeypatch.setattr(notification_services, "IN_CHUNK", 7)
    monkeypatch.setattr(outbox, "BULK_ROWS", 5)
    n = 20
    _schedule_world(factory, n)
    written = events.session_reminders(clock.today()) + events.expiry_notices(clock.today())
    rows = _scheduled_rows()
    assert written == len(rows) == (n - 1) + n // 2 + n // 4 + (n // 4 - 1)
    assert len({row.dedupe_key for row in rows}) == len(rows)
    assert events.session_reminders(clock.today()) + events.expiry_notices(clock.today()) == 0
