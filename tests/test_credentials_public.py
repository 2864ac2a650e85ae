"""Public verification (page and JSON API), Open Badges 3.0 credential and issuer profile
(validated against the 1EdTech schemas), the VC-JWT and the JWKS."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import jsonschema
from flask_babel import refresh
import pytest
from referencing import Registry, Resource

from talent.credentials import services
from talent.extensions import db
from talent.permissions import Actor
from tests.credentials_helpers import issued
from talent import clock

SCHEMAS = Path(__file__).parent / "data" / "ob3"


def _validator(name: str):
    schema = json.loads((SCHEMAS / name).read_text())
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _states(factory):
    valid = issued(factory)
    expired = issued(factory, validity_months=12)
    expired.issued_on = clock.today() - timedelta(days=800)
    expired.expires_on = clock.today() - timedelta(days=1)
    revoked = issued(factory)
    services.revoke_award(Actor.system(), revoked, "Issued in error")
    db.session.commit()
    return valid, expired, revoked


EXPECTED_KEYS = {"status", "serial", "holder", "certification", "center", "issued_on", "expires_on",
                 "revoked_on"}


def test_api_verify_every_state(client, factory):
    valid, expired, revoked = _states(factory)
    for award, status in ((valid, "valid"), (expired, "expired"), (revoked, "revoked")):
        response = client.get(f"/api/v1/verify/{award.verification_code}")
        assert response.status_code == 200
        body = response.get_json()
        assert set(body) == EXPECTED_KEYS
        assert body["status"] == status
        assert body["serial"] == award.serial
        assert body["holder"] == "Aysel M."
        assert body["certification"]["code"] == award.certification.code
        assert body["center"]["name"] == award.center.name
        assert body["issued_on"] == award.issued_on.isoformat()
        assert response.headers["Cache-Control"] == "no-store"
        # No other personal data in the answer.
        text = response.get_data(as_text=True)
        assert "Məmmədova" not in text and award.trainee.fin not in text
    assert client.get(f"/api/v1/verify/{revoked.verification_code}").get_json()["revoked_on"] == clock.today().isoformat()
    assert client.get(f"/api/v1/verify/{expired.verification_code}").get_json()["expires_on"] == expired.expires_on.isoformat()


@pytest.mark.parametrize("code", ["A" * 20, "short", "x" * 5000, "%27%20OR%201=1--", "ä" * 20, "a.b"])
def test_api_unknown_codes_answer_the_same(client, factory, code):
    issued(factory)
    db.session.commit()
    response = client.get(f"/api/v1/verify/{code}")
    assert response.status_code == 404
    assert response.get_json() == {k: None for k in EXPECTED_KEYS} | {"status": "not_found"}


def test_verify_page_every_state(client, factory):
    valid, expired, revoked = _states(factory)
    for award, status in ((valid, "valid"), (expired, "expired"), (revoked, "revoked")):
        response = client.get(f"/verify/{award.verification_code}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert f'data-status="{status}"' in html
        assert "Aysel M." in html and award.serial in html
        assert "Məmmədova" not in html
    for code in ("nope", "B" * 20, "y" * 3000):
        response = client.get(f"/verify/{code}")
        assert response.status_code == 404
        assert 'data-status="not_found"' in response.get_data(as_text=True)


def test_a_public_look_up_reads_only_what_it_shows(client, factory, count_queries):
    """The page and the API answer from one statement of awards, certifications, centers and the
    holder's two names: no region, no skill, no other column of the trainee (identity number,
    birth date, contacts) is read for a public answer."""
    award = issued(factory)
    db.session.commit()
    code = award.verification_code
    db.session.expunge_all()        # nothing of the award already in the test's session
    for path in (f"/verify/{code}", f"/api/v1/verify/{code}"):
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        reads = [s for s in counter.statements if s.lstrip().upper().startswith("SELECT")]
        assert len(reads) == 1, (path, reads)
        sql = reads[0].lower()
        assert "regions" not in sql and "skills" not in sql, sql
        trainee_columns = {c.split(".", 1)[1].split()[0] for c in sql.split("from")[0].split(",")
                           if c.strip().startswith("trainees_1.")}
        assert trainee_columns == {"id", "first_name", "last_name"}, trainee_columns
        db.session.expunge_all()


def test_verify_page_in_visitor_language(client, factory):
    award = issued(factory, name_az="Maşın öyrənməsi", name_en="Machine learning")
    db.session.commit()
    html = client.get(f"/verify/{award.verification_code}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Machine learning" in html
    refresh()  # the test's shared app context caches the locale
    html = client.get(f"/verify/{award.verification_code}", headers={"Accept-Language": "az"}).get_data(as_text=True)
    assert "Maşın öyrənməsi" in html


def test_lookup_by_serial_and_birth_date(client, factory):
    award = issued(factory)
    db.session.commit()
    response = client.post("/verify", data={"serial": award.serial.lower(), "birth_date": "1998-05-17"})
    assert response.status_code == 200
    assert 'data-status="valid"' in response.get_data(as_text=True)
    wrong = client.post("/verify", data={"serial": award.serial, "birth_date": "1998-05-18"})
    assert wrong.status_code == 404 and 'data-status="not_found"' in wrong.get_data(as_text=True)
    bad = client.post("/verify", data={"serial": "x" * 300, "birth_date": "not a date"})
    assert bad.status_code == 422
    assert client.get("/verify").status_code == 200


def test_lookup_form_needs_csrf(client, factory, app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    award = issued(factory)
    db.session.commit()
    response = client.post("/verify", data={"serial": award.serial, "birth_date": "1998-05-17"})
    assert response.status_code in (400, 422)


def test_verification_is_rate_limited(client, factory, app, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "3 per minute")
    statuses = [client.get("/verify/" + "Z" * 20).status_code for _ in range(5)]
    assert statuses[:3] == [404, 404, 404] and statuses[-1] == 429
    statuses = [client.get("/api/v1/verify/" + "Z" * 20).status_code for _ in range(5)]
    assert statuses[-1] == 429


def test_credential_validates_against_ob3_schema(client, factory):
    award = issued(factory)
    award.certification.skill.esco_uri = "http://data.europa.eu/esco/skill/test-uri"
    db.session.commit()
    response = client.get(f"/credentials/{award.verification_code}.json")
    assert response.status_code == 200
    body = response.get_json()
    _validator("ob3p0-achievementcredential.schema.json").validate(body)
    assert "OpenBadgeCredential" in body["type"]
    achievement = body["credentialSubject"]["achievement"]
    assert achievement["criteria"]["narrative"]
    assert achievement["alignment"][0]["targetUrl"] == "http://data.europa.eu/esco/skill/test-uri"
    assert achievement["level"] == award.certification.level
    assert body["credentialStatus"]["id"].endswith(f"/api/v1/verify/{award.verification_code}")
    identity = body["credentialSubject"]["identifier"][0]
    assert identity["hashed"] is True and identity["identityHash"].startswith("sha256$")
    text = response.get_data(as_text=True)
    trainee = award.trainee
    for personal in (trainee.fin, trainee.first_name, trainee.last_name, trainee.email or "@@", "1998-05-17"):
        assert personal not in text
    assert body["validUntil"].startswith(award.expires_on.isoformat())


def test_identity_hash_with_email_can_be_checked(client, factory):
    import hashlib
    award = issued(factory)
    award.trainee.email = "Aysel@Example.az"
    db.session.commit()
    identity = client.get(f"/credentials/{award.verification_code}.json").get_json()[
        "credentialSubject"]["identifier"][0]
    assert identity["identityType"] == "emailAddress"
    expected = "sha256$" + hashlib.sha256(("aysel@example.az" + identity["salt"]).encode()).hexdigest()
    assert identity["identityHash"] == expected
    # Stable across requests.
    again = client.get(f"/credentials/{award.verification_code}.json").get_json()
    assert again["credentialSubject"]["identifier"][0] == identity


def test_issuer_profile_validates(client):
    response = client.get("/issuer")
    assert response.status_code == 200
    _validator("ob3p0-profile.schema.json").validate(response.get_json())


def test_unknown_credentials_are_not_found(client):
    for suffix in ("json", "jwt"):
        response = client.get(f"/credentials/{'Q' * 20}.{suffix}")
        assert response.status_code == 404
        assert response.get_json() == {"status": "not_found"}
        assert client.get(f"/credentials/{'Q' * 900}.{suffix}").status_code == 404


def test_revoked_credential_is_not_signed(client, factory):
    award = issued(factory)
    services.revoke_award(Actor.system(), award, "fraud")
    db.session.commit()
    assert client.get(f"/credentials/{award.verification_code}.jwt").status_code == 410
