"""One clock: the app's "today" is the Baku date of the current instant, whatever the host's zone."""
from __future__ import annotations

from datetime import date, datetime, timezone

import time_machine

from talent import clock
from talent.credentials.services import revoke_award
from talent.extensions import db
from talent.permissions import Actor
from tests.credentials_helpers import issued

LATE_EVENING_UTC = datetime(2026, 12, 4, 20, 17, tzinfo=timezone.utc)  # 00:17 on the 5th in Baku


def test_today_is_the_baku_date_late_in_the_utc_evening(app):
    with time_machine.travel(datetime(2026, 12, 4, 23, 30, tzinfo=timezone.utc), tick=False):
        assert datetime.now(timezone.utc).date() == date(2026, 12, 4)
        assert clock.today() == date(2026, 12, 5)
        assert clock.local_date(LATE_EVENING_UTC) == date(2026, 12, 5)
        assert clock.local_date(datetime(2026, 12, 4, 19, 59)) == date(2026, 12, 4)  # naive = UTC
        assert clock.local_date(date(2026, 1, 1)) == date(2026, 1, 1)


def test_the_configured_zone_decides(app):
    app.config["BABEL_DEFAULT_TIMEZONE"] = "America/New_York"
    try:
        with time_machine.travel(datetime(2026, 12, 5, 2, 0, tzinfo=timezone.utc), tick=False):
            assert clock.today() == date(2026, 12, 4)
    finally:
        app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Baku"


def test_an_award_issued_and_revoked_in_the_utc_evening_carries_baku_dates_everywhere(client, factory):
    with time_machine.travel(LATE_EVENING_UTC, tick=False):
        award = issued(factory)
        revoke_award(Actor.system(), award, "issued by mistake")
        db.session.commit()
        assert award.issued_on == date(2026, 12, 5)
        body = client.get(f"/api/v1/verify/{award.verification_code}").get_json()
        assert body["issued_on"] == "2026-12-05" and body["revoked_on"] == "2026-12-05"
