"""Small defects noticed in session 21 (trust and privacy), each reproduced first.

1. Accepting an application sent two mails (the "enrolled"/"waitlisted" notice and the
   "application accepted" one): now one, in the person's language, saying both.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from talent import clock
from talent.applications import services as applications
from talent.extensions import db
from talent.notifications.models import OutboxMessage
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
