"""Every date shown or returned is the Baku date (TALENT_TIMEZONE) of the stored instant: an award
issued at 20:17 UTC on 4 December, and revoked a minute later, is issued and revoked on 5 December
on every page, in the API, in the PDF and in the exports."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone

import time_machine
from openpyxl import load_workbook
from pypdf import PdfReader

from talent.credentials.services import revoke_award
from talent.exports import csv_lines, xlsx_bytes
from talent.extensions import db
from talent.permissions import Actor
from tests.api_helpers import api_for
from tests.credentials_helpers import issued

LATE_EVENING_UTC = datetime(2026, 12, 4, 20, 17, tzinfo=timezone.utc)  # 00:17 on 5 December in Baku
SHOWN = "Dec 5, 2026"          # English medium date
NOT_SHOWN = "Dec 4, 2026"


def _pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_an_award_of_the_utc_evening_is_dated_in_baku_everywhere(client, factory, login_as):
    with time_machine.travel(LATE_EVENING_UTC, tick=True):
        award = issued(factory)
        enrollment = award.enrollment
        enrollment.completed_at = LATE_EVENING_UTC
        owner = factory.trainee_user(award.trainee, locale="en")
        center_admin = factory.center_admin(award.center, locale="en")
        db.session.commit()
        award_id, code, cohort_id = award.id, award.verification_code, enrollment.cohort_id
        assert award.issued_on == date(2026, 12, 5)

        # Issued: the trainee's page and PDF, the center's list, detail and PDF, the public page.
        login_as(owner)
        page = client.get("/me/certificates").get_data(as_text=True)
        assert SHOWN in page and NOT_SHOWN not in page
        assert "05.12.2026" in _pdf_text(client.get(f"/me/certificates/{award_id}.pdf").data)
        client.post("/logout")
        login_as(center_admin)
        for path in ("/center/awards", f"/center/awards/{award_id}"):
            page = client.get(path).get_data(as_text=True)
            assert SHOWN in page and NOT_SHOWN not in page, path
        assert "05.12.2026" in _pdf_text(client.get(f"/center/awards/{award_id}/certificate.pdf").data)
        page = client.get(f"/verify/{code}").get_data(as_text=True)
        assert SHOWN in page and NOT_SHOWN not in page

        # The exports: issued and completed on the 5th.
        rows = list(csv.reader(io.StringIO(client.get(f"/center/cohorts/{cohort_id}/export/results.csv")
                                           .get_data(as_text=True).lstrip("\ufeff"))))
        row = dict(zip(rows[0], rows[1]))
        assert row["Issued on"] == "2026-12-05" and row["Completed on"] == "2026-12-05"
        book = load_workbook(io.BytesIO(client.get(f"/center/cohorts/{cohort_id}/export/results.xlsx").data))
        sheet = [[c.value for c in r] for r in book.worksheets[0].iter_rows()]
        row = dict(zip(sheet[0], sheet[1]))
        assert str(row["Issued on"])[:10] == "2026-12-05" and str(row["Completed on"])[:10] == "2026-12-05"

        # The API: the award's dates, and the public verification.
        api = api_for(client, center_admin)
        listed = api.get("/awards").get_json()["items"]
        assert [a["issued_on"] for a in listed] == ["2026-12-05"]

    with time_machine.travel(LATE_EVENING_UTC.replace(minute=18), tick=True):
        award = db.session.get(type(award), award_id)
        revoke_award(Actor.system(), award, "issued by mistake")
        db.session.commit()
        page = client.get(f"/center/awards/{award_id}").get_data(as_text=True)
        assert f"Revoked on {SHOWN}" in page
        page = client.get(f"/verify/{code}").get_data(as_text=True)
        assert f"revoked on {SHOWN}" in page
        body = client.get(f"/api/v1/verify/{code}").get_json()
        assert body["issued_on"] == "2026-12-05" and body["revoked_on"] == "2026-12-05"
        # The API's instant is an instant: with its zone, so it reads as the 5th in Baku.
        revoked_at = datetime.fromisoformat(api.get(f"/awards/{award_id}").get_json()["revoked_at"])
        assert revoked_at.tzinfo is not None
        assert abs(revoked_at - LATE_EVENING_UTC.replace(minute=18)).total_seconds() < 30


def test_instants_in_exports_are_baku_wall_time(app):
    """A stored instant put in a CSV or XLSX cell reads as Baku's time and date, never UTC's."""
    stored = [LATE_EVENING_UTC, LATE_EVENING_UTC.replace(tzinfo=None)]  # aware, and naive UTC as SQLite returns
    text = "".join(csv_lines(["at", "naive"], [stored]))
    assert text.splitlines()[1] == "2026-12-05 00:17:00+04:00,2026-12-05 00:17:00+04:00"
    book = load_workbook(io.BytesIO(xlsx_bytes([("t", ["at", "naive"], [stored])])))
    assert [c.value for c in next(book.worksheets[0].iter_rows(min_row=2))] == [datetime(2026, 12, 5, 0, 17)] * 2



def test_the_signed_credential_of_an_evening_award_is_valid_at_once(factory, tmp_path, monkeypatch, app):
    """The Open Badges credential took the award's Baku date at midnight UTC: issued at 20:17 UTC
    (the 5th in Baku), its JWT said "issued at 00:00 UTC on the 5th", four hours ahead, and an
    outside verifier refused it as not yet valid."""
    import jwt

    from talent.credentials import openbadges, signing
    keys = tmp_path / "keys"
    keys.mkdir()
    monkeypatch.setattr(signing, "keys_dir", lambda: keys)       # a key of this test's own
    monkeypatch.setitem(app.config, "SIGNING_KEY", None)
    with time_machine.travel(LATE_EVENING_UTC, tick=True):
        award = issued(factory)
        award.expires_on = date(2027, 12, 5)
        db.session.commit()
        body = openbadges.credential(award)
        assert body["validFrom"] == "2026-12-04T20:00:00Z"        # 00:00 on 5 December in Baku
        assert body["validUntil"] == "2027-12-05T19:59:59Z"       # the last second of 5 December 2027 there
        token = openbadges.credential_jwt(award)
        key = jwt.PyJWK(signing.jwks()["keys"][0]).key
        claims = jwt.decode(token, key, algorithms=["EdDSA"])    # checks iat and nbf against now
        assert claims["iat"] <= LATE_EVENING_UTC.timestamp()
