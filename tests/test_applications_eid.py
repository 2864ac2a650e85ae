"""Issue 19 × issue 21: a person whose e-ID sign-in finds no training record gets the application
form with the FIN and birth date the e-ID proved filled in and locked (a posted value cannot
replace them); the sealed identity is encrypted in the session (no FIN in the cookie), expires,
and nothing is stored before the person applies."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from talent import clock
from talent.accounts import oidc as eid
from talent.applications.models import Application
from talent.extensions import db
from tests.oidc_provider import Person
from tests.test_auth_oidc import provider, sign_in_with_eid  # noqa: F401  (the real provider fixture)


def test_unknown_fin_prefills_and_locks_the_application_form(client, factory, provider):  # noqa: F811
    cohort = factory.cohort(status="open", start_date=clock.today() + timedelta(days=12))
    region = factory.region("BAKU")
    db.session.commit()
    provider.add(Person(sub="sub-new", name="Nərmin", fin="7newp77", birthdate="2000-02-29"))
    response = sign_in_with_eid(client, provider, "sub-new")
    assert response.status_code == 200 and "data-eid-applicant" in response.get_data(as_text=True)
    assert "7NEWP77" not in client.get_cookie("talent_session").value
    assert db.session.scalar(select(Application.id)) is None
    page = client.get(f"/catalog/cohorts/{cohort.id}/apply").get_data(as_text=True)
    assert "data-eid-verified" in page and 'value="7NEWP77"' in page and 'value="2000-02-29"' in page
    sent = client.post(f"/catalog/cohorts/{cohort.id}/apply", data={
        "fin": "1OTHER1", "birth_date": "1990-01-01", "first_name": "Nərmin", "last_name": "Quliyeva",
        "gender": "F", "home_region_id": str(region.id), "phone": "0501234567", "consent": "y"})
    assert sent.status_code == 302
    row = db.session.scalar(select(Application))
    assert (row.fin, row.birth_date) == ("7NEWP77", date(2000, 2, 29))


def test_the_sealed_identity_is_refused_when_tampered_or_expired(app):
    sealed = eid.applicant_start(eid.VerifiedIdentity(issuer="i", subject="s", fin="5ABCD12",
                                                      birth_date=date(1999, 3, 4)))
    assert eid.applicant_identity(sealed) == ("5ABCD12", date(1999, 3, 4))
    assert eid.applicant_identity(sealed[:-3] + "abc") is None
    assert eid.applicant_identity("x" * 2000) is None and eid.applicant_identity(None) is None
    assert eid.applicant_start(eid.VerifiedIdentity(issuer="i", subject="s")) is None
    import time
    from unittest import mock
    with mock.patch("time.time", return_value=time.time() + eid.APPLICANT_SECONDS + 5):
        assert eid.applicant_identity(sealed) is None
