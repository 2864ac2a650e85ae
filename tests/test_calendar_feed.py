"""The trainee's private iCalendar feed (issue 18): RFC 5545 content in Baku time, a secret URL per
trainee that the trainee regenerates from /me/calendar (the old URL then stops working)."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from talent import clock
from talent.extensions import db
from talent.learning import calendar
from talent.learning.calendar_models import CalendarFeed


def _unfold(text: str) -> list[str]:
    assert "\n" not in text.replace("\r\n", "")  # every line ends in CRLF
    return text.replace("\r\n ", "").split("\r\n")


def _events(lines: list[str]) -> list[dict[str, str]]:
    events, current = [], None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name] = value
    return events


def _world(factory):
    center = factory.center(name="Gəncə Mərkəzi; AI, data", city="Gəncə")
    course = factory.course(title_az="Maşın öyrənməsi", title_en="Machine learning")
    cohort = factory.cohort(center=center, course=course, code="CAL-1",
                            start_date=date(2026, 12, 1), end_date=date(2027, 2, 1))
    other = factory.cohort(center=center, code="CAL-OTHER")
    trainee = factory.trainee()
    factory.enrollment(trainee, cohort)
    session = factory.session(cohort, date(2026, 12, 10), topic="Giriş: reqressiya, təsnifat")
    factory.session(other, date(2026, 12, 11))                       # not the trainee's cohort
    user = factory.trainee_user(trainee, locale="en")
    db.session.commit()
    return trainee, user, session


def _create_link(client) -> str:
    assert client.post("/me/calendar/regenerate").status_code == 302
    page = client.get("/me/calendar").get_data(as_text=True)
    url = re.search(r'value="(http[^"]+\.ics)"', page).group(1)
    return re.sub(r"^https?://[^/]+", "", url)


def test_feed_content_rfc5545_in_baku_time(client, factory, login_as):
    trainee, user, session = _world(factory)
    login_as(user)
    assert "no calendar link yet" in client.get("/me/calendar").get_data(as_text=True)
    path = _create_link(client)
    client.post("/logout")
    response = client.get(path)            # a calendar app: no session
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.get_data(as_text=True)
    lines = _unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    assert "BEGIN:VTIMEZONE" in lines and "TZID:Asia/Baku" in lines and "TZOFFSETTO:+0400" in lines
    assert all(len(raw.encode()) <= 75 for raw in text.split("\r\n"))  # folded at 75 octets
    events = _events(lines)
    assert len(events) == 1                     # only the trainee's cohort
    event = events[0]
    # 10:00 UTC is 14:00 in Baku (UTC+4); two hours long.
    assert event["DTSTART;TZID=Asia/Baku"] == "20261210T140000"
    assert event["DTEND;TZID=Asia/Baku"] == "20261210T160000"
    assert re.fullmatch(r"\d{8}T\d{6}Z", event["DTSTAMP"])
    assert event["UID"].startswith(f"session-{session.id}-")
    assert event["SUMMARY"] == "Machine learning"    # the trainee's language (en)
    assert event["DESCRIPTION"] == "Giriş: reqressiya\\, təsnifat · CAL-1"   # TEXT escaping
    assert event["LOCATION"] == "Gəncə Mərkəzi\\; AI\\, data\\, Gəncə"
    assert event["STATUS"] == "CONFIRMED"


def test_regenerating_replaces_the_url(client, factory, login_as):
    _trainee, user, _session = _world(factory)
    login_as(user)
    first = _create_link(client)
    second = _create_link(client)
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    assert db.session.query(CalendarFeed).count() == 1
    feed = db.session.query(CalendarFeed).one()
    token = second.rsplit("/", 1)[1].removesuffix(".ics")
    assert token not in (feed.token_hash, feed.nonce)    # the database holds no working URL


def test_bad_tokens_are_not_found(client, factory, login_as):
    _world(factory)
    for token in ("x", "A" * 43, "A" * 500, "../../etc"):
        assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_only_a_trainee_has_a_calendar_page(client, factory, login_as):
    admin = factory.user("admin")
    db.session.commit()
    login_as(admin)
    assert client.get("/me/calendar").status_code == 403
    assert client.post("/me/calendar/regenerate").status_code == 403


def test_fold_never_splits_a_character():
    line = "SUMMARY:" + "ə" * 100
    folded = calendar.fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def test_cancelled_cohort_sessions_are_marked_cancelled(app, factory):
    trainee, _user, session = _world(factory)
    session.cohort.status = "cancelled"
    db.session.commit()
    text = calendar.render_ics(trainee, calendar.trainee_sessions(trainee.id), language="az")
    assert _events(_unfold(text))[0]["STATUS"] == "CANCELLED"
    assert _events(_unfold(text))[0]["SUMMARY"] == "Maşın öyrənməsi"
