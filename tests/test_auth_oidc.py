"""Sign-in with the national e-ID (issue 21), against a real OpenID provider on 127.0.0.1
(tests/oidc_provider.py): real HTTP, RS256-signed ID tokens, JWKS, one-time codes, PKCE.

The app is the test client; the browser's part (following the redirect to the provider and its
answer back) is done with ``requests`` against the provider's real endpoints.
"""
from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from talent.accounts.models import User
from talent.accounts.oidc_models import EidIdentity
from talent.audit import AuditEvent
from talent.extensions import db
from talent.people.models import Trainee
from tests.browser_helpers import catalogs  # noqa: F401  (compiled catalogs for the language test)
from tests.conftest import login
from tests.oidc_provider import OidcProvider, Person

CALLBACK = "http://localhost/login/oidc/callback"
OIDC_KEYS = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_FIN_CLAIM")


@pytest.fixture
def provider(app):
    running = OidcProvider(redirect_uris={CALLBACK}).start()
    saved = {key: app.config.get(key) for key in OIDC_KEYS}
    app.config.update(OIDC_ISSUER=running.issuer, OIDC_CLIENT_ID=running.client_id,
                      OIDC_CLIENT_SECRET=running.client_secret, OIDC_FIN_CLAIM="fin")
    yield running
    app.config.update(saved)
    running.stop()


def to_provider(client):
    """Start the sign-in; answer the provider's authorization URL."""
    response = client.get("/login/oidc")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def provider_answer(provider, location: str, sub: str) -> str:
    """What the browser does at the provider: the person signs in; the callback path it is sent to."""
    provider.auto_sub = sub
    answer = requests.get(location, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:500]
    target = answer.headers["Location"]
    assert target.startswith(CALLBACK)
    return target.removeprefix("http://localhost")


def sign_in_with_eid(client, provider, sub: str):
    return client.get(provider_answer(provider, to_provider(client), sub))


def counts():
    return (db.session.scalar(select(func.count(User.id))), db.session.scalar(select(func.count(EidIdentity.id))),
            db.session.scalar(select(func.count(AuditEvent.id))))


def a_trainee(factory, **kw):
    center = factory.center(code=kw.pop("center_code", "C1"))
    trainee = factory.trainee(fin=kw.pop("fin", "5ABCD12"), birth_date=date(1999, 3, 4),
                              registered_by_center_id=center.id, **kw)
    db.session.commit()
    return trainee, center


# ---- the protocol as sent -----------------------------------------------------------------------

def test_start_sends_code_flow_with_pkce_state_and_nonce(client, provider):
    location = to_provider(client)
    assert location.startswith(provider.base + "/authorize?")
    query = parse_qs(urlsplit(location).query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [provider.client_id]
    assert query["redirect_uri"] == [CALLBACK]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 20
    assert "openid" in query["scope"][0].split()


def test_login_page_offers_the_eid_only_when_configured(app, client, provider):
    assert 'id="eid-sign-in"' in client.get("/login").get_data(as_text=True)
    app.config.update(OIDC_ISSUER=None)
    assert 'id="eid-sign-in"' not in client.get("/login").get_data(as_text=True)
    assert client.get("/login/oidc").status_code == 404
    assert client.get("/login/oidc/callback?code=x&state=y").status_code == 404


# ---- linking rules ---------------------------------------------------------------------------------

def test_first_sign_in_asks_consent_then_creates_the_trainee_account(client, factory, provider):
    trainee, _ = a_trainee(factory)
    provider.add(Person(sub="sub-aysel", name="Aysel", fin="5abcd12", birthdate="1999-03-04"))
    before = counts()
    response = sign_in_with_eid(client, provider, "sub-aysel")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/oidc/consent")
    page = client.get("/login/oidc/consent").get_data(as_text=True)
    assert "Aysel" in page and "eid-consent-text" in page
    assert counts() == before  # nothing written before the person agrees
    assert "5ABCD12" not in client.get_cookie("talent_session").value  # no FIN in the cookie

    response = client.post("/login/oidc/consent", data={"decision": "accept"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/me/learning")
    db.session.expire_all()
    trainee = db.session.get(Trainee, trainee.id)
    user = db.session.get(User, trainee.user_id)
    assert user.role == "trainee" and user.password_hash is None
    link = db.session.scalar(select(EidIdentity).where(EidIdentity.user_id == user.id))
    assert (link.issuer, link.subject) == (provider.issuer, "sub-aysel")
    assert link.fin_verified_at is not None and link.last_sign_in_at is not None
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.login_eid")).all()
    assert len(events) == 1 and events[0].details["subject"] == "sub-aysel" and events[0].details["at"]
    assert events[0].trainee_id == trainee.id
    assert client.get("/me/learning").status_code == 200


def test_declining_consent_writes_nothing(client, factory, provider):
    a_trainee(factory)
    provider.add(Person(sub="sub-a", name="Aysel", fin="5ABCD12", birthdate="1999-03-04"))
    before = counts()
    sign_in_with_eid(client, provider, "sub-a")
    response = client.post("/login/oidc/consent", data={"decision": "decline"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert counts() == before
    assert client.get("/me/learning").status_code == 302  # not signed in


def test_returning_sign_in_goes_straight_in_and_is_audited_each_time(client, factory, provider):
    trainee, _ = a_trainee(factory)
    provider.add(Person(sub="sub-a", name="Aysel", fin="5ABCD12", birthdate="1999-03-04"))
    sign_in_with_eid(client, provider, "sub-a")
    client.post("/login/oidc/consent", data={"decision": "accept"})
    client.post("/logout")
    response = sign_in_with_eid(client, provider, "sub-a")
    assert response.status_code == 302 and response.headers["Location"].endswith("/me/learning")
    assert client.get("/me/learning").status_code == 200
    subjects = db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == "user.login_eid")).all()
    assert [d["subject"] for d in subjects] == ["sub-a", "sub-a"]
    assert db.session.scalar(select(func.count(User.id)).where(User.role == "trainee")) == 1


def test_trainee_with_an_existing_account_is_linked_by_the_verified_fin(client, factory, provider):
    trainee, _ = a_trainee(factory)
    user = factory.trainee_user(trainee)
    db.session.commit()
    provider.add(Person(sub="sub-a", name="Aysel", fin="5ABCD12", birthdate="1999-03-04"))
    response = sign_in_with_eid(client, provider, "sub-a")
    assert response.headers["Location"].endswith("/me/learning")
    assert db.session.scalar(select(EidIdentity.user_id).where(EidIdentity.subject == "sub-a")) == user.id
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_unknown_fin_shows_no_record_and_writes_nothing(client, factory, provider):
    a_trainee(factory)
    provider.add(Person(sub="sub-x", name="Nobody", fin="9ZZZZ99", birthdate="1990-01-01"))
    before = counts()
    response = sign_in_with_eid(client, provider, "sub-x")
    assert response.status_code == 200
    assert "No training record exists for this identity" in response.get_data(as_text=True)
    assert counts() == before
    assert client.get("/me/learning").status_code == 302


def test_a_matching_fin_with_another_birth_date_is_no_record(client, factory, provider):
    a_trainee(factory)
    provider.add(Person(sub="sub-y", name="Other", fin="5ABCD12", birthdate="1999-03-05"))
    before = counts()
    response = sign_in_with_eid(client, provider, "sub-y")
    assert "No training record exists" in response.get_data(as_text=True)
    assert counts() == before


def test_no_fin_and_a_staff_email_never_reach_the_staff_account(client, factory, provider):
    staff = factory.user("admin", email="boss@test.az")
    db.session.commit()
    provider.add(Person(sub="sub-boss", name="admin", fin=None, birthdate=None))
    before = counts()
    response = sign_in_with_eid(client, provider, "sub-boss")
    assert "No training record exists" in response.get_data(as_text=True)
    assert counts() == before
    assert db.session.scalar(select(func.count(EidIdentity.id)).where(EidIdentity.user_id == staff.id)) == 0


def test_fin_given_only_at_userinfo_is_used(client, factory, provider):
    a_trainee(factory)
    provider.add(Person(sub="sub-a", name="Aysel", fin="5ABCD12", birthdate="1999-03-04"))
    provider.mode = "no_fin_in_token"
    response = sign_in_with_eid(client, provider, "sub-a")
    assert response.headers["Location"].endswith("/login/oidc/consent")


def test_userinfo_about_someone_else_is_refused(client, factory, provider):
    a_trainee(factory)
    provider.add(Person(sub="sub-a", name="Aysel", fin="5ABCD12", birthdate="1999-03-04"))
    provider.mode = "userinfo_other_sub"
    before = counts()
    _refused(sign_in_with_eid(client, provider, "sub-a"), "could not be verified")
    assert counts() == before


def test_deactivated_account_is_refused(client, factory, provider):
    trainee, _ = a_trainee(factory)
    user = factory.trainee_user(trainee, active=False)
    db.session.commit()
    provider.add(Person(sub="sub-a", name="Aysel", fin="5ABCD12", birthdate="1999-03-04"))
    before = counts()
    response = sign_in_with_eid(client, provider, "sub-a")
    assert response.status_code == 409 and "deactivated" in response.get_data(as_text=True)
    assert counts() == before
    assert user.id


# ---- bad input -------------------------------------------------------------------------------------

def _refused(response, text: str):
    assert response.status_code == 400, response.status_code
    assert text in response.get_data(as_text=True)


def test_tampered_state_is_refused_before_the_code_is_used(client, factory, provider):
    a_trainee(factory)
    provider.add(Person(sub="sub-a", name="Aysel", fin="5ABCD12", birthdate="1999-03-04"))
    callback = provider_answer(provider, to_provider(client), "sub-a")
    query = parse_qs(urlsplit(callback).query)
    before = counts()
    forged = "/login/oidc/callback?" + urlencode({"code": query["code"][0], "state": query["state"][0] + "x"})
    _refused(client.get(forged), "does not belong to this browser")
    assert provider.token_requests == 0
    _refused(client.get("/login/oidc/callback?code=abc"), "does not belong to this browser")
    assert counts() == before


def test_replayed_code_is_refused(client, app, factory, provider):
    a_trainee(factory)
    provider.add(Person(sub="sub-a", name="Aysel", fin="5ABCD12", birthdate="1999-03-04"))
    callback = provider_answer(provider, to_provider(client), "sub-a")
    assert client.get(callback).status_code == 302
    code = parse_qs(urlsplit(callback).query)["code"][0]
    before = counts()
    # The same answer again in the same browser: its state was used up.
    _refused(client.get(callback), "does not belong to this browser")
    # An attacker's browser with a state of its own and the stolen code: the provider refuses it.
    other = app.test_client()
    state = parse_qs(urlsplit(to_provider(other)).query)["state"][0]
    _refused(other.get("/login/oidc/callback?" + urlencode({"code": code, "state": state})),
             "did not accept this sign-in")
    assert counts() == before


@pytest.mark.parametrize("mode", ["wrong_aud", "expired", "bad_signature", "wrong_issuer", "wrong_nonce"])
def test_a_token_that_fails_verification_is_refused(client, factory, provider, mode):
    a_trainee(factory)
    provider.add(Person(sub="sub-a", name="Aysel", fin="5ABCD12", birthdate="1999-03-04"))
    provider.mode = mode
    before = counts()
    _refused(sign_in_with_eid(client, provider, "sub-a"), "could not be verified")
    assert counts() == before
    assert client.get("/me/learning").status_code == 302


def test_provider_down_at_the_start(client, provider):
    provider.stop()
    _refused(client.get("/login/oidc"), "cannot be reached")


def test_provider_down_at_the_token_exchange(client, factory, provider):
    a_trainee(factory)
    provider.add(Person(sub="sub-a", name="Aysel", fin="5ABCD12", birthdate="1999-03-04"))
    callback = provider_answer(provider, to_provider(client), "sub-a")
    provider.stop()
    before = counts()
    _refused(client.get(callback), "cannot be reached")
    assert counts() == before


def test_provider_cancel_is_a_clear_page(client, provider):
    state = parse_qs(urlsplit(to_provider(client)).query)["state"][0]
    _refused(client.get("/login/oidc/callback?" + urlencode({"error": "access_denied", "state": state})),
             "cancelled or refused")


def test_error_pages_speak_the_users_language(client, provider, catalogs):
    provider.stop()
    az = client.get("/login/oidc", headers={"Accept-Language": "az"}).get_data(as_text=True)
    assert "Milli e-ID xidməti hazırda əlçatan deyil" in az and "cannot be reached" not in az
    ru = client.get("/login/oidc", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Служба национального e-ID сейчас недоступна" in ru


def test_forms_may_lead_to_the_provider_only_when_configured(app, client, provider):
    csp = client.get("/login").headers["Content-Security-Policy"]
    assert f"form-action 'self' {provider.base};" in csp
    app.config.update(OIDC_ISSUER=None)
    assert "form-action 'self';" in client.get("/login").headers["Content-Security-Policy"]


def test_consent_page_without_a_verified_identity(client, provider):
    _refused(client.get("/login/oidc/consent"), "took too long")
    _refused(client.post("/login/oidc/consent", data={"decision": "accept"}), "took too long")


# ---- staff, logout, the center's view ---------------------------------------------------------------

def test_staff_links_their_own_account_from_a_signed_in_session(client, factory, provider):
    center = factory.center(code="C9")
    staff = factory.center_admin(center)
    db.session.commit()
    provider.add(Person(sub="sub-staff", name="Staff"))
    login(client, staff.email)
    response = client.post("/login/oidc")
    assert response.status_code == 302
    callback = provider_answer(provider, response.headers["Location"], "sub-staff")
    response = client.get(callback)
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/eid")
    assert db.session.scalar(select(EidIdentity.user_id).where(EidIdentity.subject == "sub-staff")) == staff.id
    assert 'id="eid-linked"' in client.get("/account/eid").get_data(as_text=True)
    client.post("/logout")
    response = sign_in_with_eid(client, provider, "sub-staff")
    assert response.headers["Location"].endswith("/center/")
    assert client.get("/center/").status_code == 200
    # ... and can remove the link again
    assert client.post("/account/eid/unlink").status_code == 302
    assert db.session.scalar(select(func.count(EidIdentity.id))) == 0


def test_a_trainee_cannot_start_a_staff_link(client, factory, provider):
    trainee, _ = a_trainee(factory)
    user = factory.trainee_user(trainee)
    db.session.commit()
    login(client, user.email)
    assert client.post("/login/oidc").status_code == 403


def test_admin_links_and_unlinks_a_staff_account(factory, provider):
    from talent.accounts import oidc as eid
    from talent.errors import Conflict, NotFound, PermissionDenied, ValidationError
    from talent.permissions import Actor
    admin, staff = factory.user("admin"), factory.user("ministry")
    trainee, _ = a_trainee(factory)
    trainee_user = factory.trainee_user(trainee)
    actor = Actor.for_user(admin)
    eid.link_by_admin(actor, staff.id, issuer=provider.issuer, subject="sub-m")
    with pytest.raises(Conflict):
        eid.link_by_admin(actor, staff.id, issuer=provider.issuer, subject="sub-other")
    with pytest.raises(NotFound):
        eid.link_by_admin(actor, trainee_user.id, issuer=provider.issuer, subject="sub-t")
    with pytest.raises(ValidationError):
        eid.link_by_admin(actor, admin.id, issuer=provider.issuer, subject=" \x00 ")
    with pytest.raises(PermissionDenied):
        eid.link_by_admin(Actor.for_user(staff), admin.id, issuer=provider.issuer, subject="sub-z")
    eid.unlink(actor, staff.id)
    assert eid.link_of_user(staff.id) is None


def test_logout_ends_the_provider_session_too(client, factory, provider):
    a_trainee(factory)
    provider.add(Person(sub="sub-a", name="Aysel", fin="5ABCD12", birthdate="1999-03-04"))
    sign_in_with_eid(client, provider, "sub-a")
    client.post("/login/oidc/consent", data={"decision": "accept"})
    response = client.post("/logout")
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == provider.base + "/logout"
    assert parse_qs(target.query) == {"client_id": [provider.client_id],
                                      "post_logout_redirect_uri": ["http://localhost/"]}
    assert client.get("/me/learning").status_code == 302


def test_password_session_logout_stays_local(client, factory, provider):
    staff = factory.user("admin")
    db.session.commit()
    login(client, staff.email)
    assert client.post("/logout").headers["Location"] in ("/", "http://localhost/")


def test_center_sees_identity_verified_by_eid(client, factory, provider):
    trainee, center = a_trainee(factory)
    staff = factory.center_admin(center)
    db.session.commit()
    login(client, staff.email)
    assert 'id="eid-verified"' not in client.get(f"/center/trainees/{trainee.id}").get_data(as_text=True)
    client.post("/logout")
    provider.add(Person(sub="sub-a", name="Aysel", fin="5ABCD12", birthdate="1999-03-04"))
    sign_in_with_eid(client, provider, "sub-a")
    client.post("/login/oidc/consent", data={"decision": "accept"})
    client.post("/logout")
    login(client, staff.email)
    page = client.get(f"/center/trainees/{trainee.id}").get_data(as_text=True)
    assert 'id="eid-verified"' in page and "Identity verified by e-ID" in page


# ---- every e-ID route × every role ------------------------------------------------------------------

@pytest.mark.parametrize("role", ["anonymous", "trainee", "center_admin", "ministry", "admin"])
def test_eid_routes_with_every_role_never_fail(client, factory, provider, role):
    """The permission matrix walks these routes with the provider unconfigured; here with it
    running: no role gets a server error, and only signed-in staff may start a link."""
    if role != "anonymous":
        user = factory.trainee_user(a_trainee(factory)[0]) if role == "trainee" else (
            factory.center_admin(factory.center(code="CX")) if role == "center_admin" else factory.user(role))
        db.session.commit()
        login(client, user.email)
    for method, url in [("GET", "/login/oidc"), ("POST", "/login/oidc"), ("GET", "/login/oidc/callback"),
                        ("GET", "/login/oidc/callback?code=a&state=b"), ("GET", "/login/oidc/consent"),
                        ("POST", "/login/oidc/consent"), ("GET", "/account/eid"), ("POST", "/account/eid/unlink")]:
        response = client.open(url, method=method, data={} if method == "POST" else None)
        assert response.status_code < 500, (method, url, response.status_code)
        if url == "/login/oidc" and method == "POST":
            expected = {"anonymous": (302,), "trainee": (403,)}.get(role, (302,))
            assert response.status_code in expected, (role, response.status_code)
            if role == "anonymous":
                assert "/login" in response.headers["Location"] and provider.base not in response.headers["Location"]


def test_staff_with_two_factor_still_gives_the_code_after_the_eid(app, client, factory, provider, monkeypatch):
    import pyotp
    from talent.accounts import oidc as eid
    from talent.db import utcnow
    from talent.permissions import Actor
    monkeypatch.setitem(app.config, "REQUIRE_2FA", True)
    admin = factory.user("admin")
    admin.totp_secret, admin.totp_confirmed_at = pyotp.random_base32(32), utcnow()
    eid.link_by_admin(Actor.system(), admin.id, issuer=provider.issuer, subject="sub-admin")
    db.session.commit()
    provider.add(Person(sub="sub-admin", name="Admin"))
    response = sign_in_with_eid(client, provider, "sub-admin")
    assert response.headers["Location"].endswith("/login/verify")
    assert client.get("/admin/").status_code == 302  # not signed in before the code
    done = client.post("/login/verify", data={"code": pyotp.TOTP(admin.totp_secret).now()})
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/")
    assert client.get("/admin/").status_code == 200
    # the session still counts as one from the provider: sign-out ends it there too
    assert client.post("/logout").headers["Location"].startswith(provider.base + "/logout?")


def test_admin_page_links_and_unlinks_a_staff_member(client, factory, provider):
    admin, staff = factory.user("admin"), factory.user("ministry")
    db.session.commit()
    login(client, admin.email)
    assert f"/admin/users/{staff.id}/eid" in client.get("/admin/users/").get_data(as_text=True)
    page = client.get(f"/admin/users/{staff.id}/eid")
    assert page.status_code == 200 and 'name="subject"' in page.get_data(as_text=True)
    before = counts()
    refused = client.post(f"/admin/users/{staff.id}/eid", data={"subject": ""})
    assert refused.status_code == 422 and 'id="subject-err"' in refused.get_data(as_text=True)
    assert counts() == before
    assert client.post(f"/admin/users/{staff.id}/eid", data={"subject": "sub-min"}).status_code == 302
    assert eid_link(staff.id).subject == "sub-min"
    taken = client.post(f"/admin/users/{admin.id}/eid", data={"subject": "sub-min"})
    assert taken.status_code == 409 and "already linked to another account" in taken.get_data(as_text=True)
    assert client.post(f"/admin/users/{staff.id}/eid", data={"action": "unlink"}).status_code == 302
    assert eid_link(staff.id) is None
    trainee_user = factory.trainee_user(a_trainee(factory)[0])
    db.session.commit()
    assert client.get(f"/admin/users/{trainee_user.id}/eid").status_code == 404
    client.post("/logout")
    login(client, staff.email)
    assert client.get(f"/admin/users/{staff.id}/eid").status_code in (403, 404)
    assert client.post(f"/admin/users/{staff.id}/eid", data={"subject": "mine"}).status_code in (403, 404)
    assert eid_link(staff.id) is None


def eid_link(user_id):
    db.session.expire_all()
    return db.session.scalar(select(EidIdentity).where(EidIdentity.user_id == user_id))


def test_another_center_enrolling_by_fin_sees_the_eid_proof_and_its_time(client, factory, provider):
    """Issue 21 "identity as proof": a center enrolls a person of another center by FIN + birth date
    (the waiting list gives it no access to their page); when that person signed in with the
    national e-ID carrying this FIN, the center is told so, with the time, and the audit keeps it."""
    trainee, _home = a_trainee(factory)
    other = factory.center(code="C2")
    full = factory.cohort(center=other, code="C2-FULL", status="open", capacity=1)
    factory.enrollment(trainee=factory.trainee(registered_by_center_id=other.id), cohort=full)
    staff = factory.center_admin(other)
    db.session.commit()
    login(client, staff.email)
    page = client.post(f"/center/cohorts/{full.id}/enroll", data={"fin": "5ABCD12", "birth_date": "1999-03-04"},
                       follow_redirects=True).get_data(as_text=True)
    assert "waiting list" in page and "Identity verified by e-ID" not in page
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "enrollment.waitlist",
                                                          AuditEvent.trainee_id == trainee.id))
    assert event.details["proof"] == "fin_birth_date" and "eid_verified_at" not in event.details
    client.post("/logout")

    provider.add(Person(sub="sub-a", name="Aysel", fin="5ABCD12", birthdate="1999-03-04"))
    sign_in_with_eid(client, provider, "sub-a")
    client.post("/login/oidc/consent", data={"decision": "accept"})
    client.post("/logout")
    verified_at = db.session.scalar(select(EidIdentity.fin_verified_at))
    assert verified_at is not None

    second = factory.cohort(center=other, code="C2-FULL-2", status="open", capacity=1)
    factory.enrollment(trainee=factory.trainee(registered_by_center_id=other.id), cohort=second)
    db.session.commit()
    login(client, staff.email)
    page = client.post(f"/center/cohorts/{second.id}/enroll", data={"fin": "5ABCD12", "birth_date": "1999-03-04"},
                       follow_redirects=True).get_data(as_text=True)
    assert "waiting list" in page and "Identity verified by e-ID" in page
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "enrollment.waitlist",
                                                          AuditEvent.details["cohort_id"].as_integer() == second.id))
    assert event.details["eid_verified_at"].startswith(verified_at.isoformat(timespec="seconds")[:16])
    # The proof is the FIN + birth date still: a wrong birth date finds nobody, e-ID or not.
    third = factory.cohort(center=other, code="C2-OPEN", status="open", capacity=5)
    db.session.commit()
    response = client.post(f"/center/cohorts/{third.id}/enroll", data={"fin": "5ABCD12", "birth_date": "1999-03-05"})
    assert response.status_code == 422 and "Identity verified by e-ID" not in response.get_data(as_text=True)


def test_the_placeholder_address_of_an_eid_account_is_never_shown(client, factory, provider):
    """Issue 21: a trainee without a usable email gets a placeholder in the reserved .invalid domain;
    the menu shows their name instead, the administrators' list says "e-ID sign-in only"."""
    trainee, _ = a_trainee(factory, email=None, first_name="Aysel", last_name="Quliyeva")
    provider.add(Person(sub="sub-q", name="Aysel", fin="5ABCD12", birthdate="1999-03-04"))
    sign_in_with_eid(client, provider, "sub-q")
    client.post("/login/oidc/consent", data={"decision": "accept"})
    user = db.session.get(User, db.session.get(Trainee, trainee.id).user_id)
    assert user.email.endswith("@eid.invalid") and user.has_placeholder_email
    for path in ("/me/learning", "/account/eid"):
        page = client.get(path).get_data(as_text=True)
        assert ".invalid" not in page, path
        assert "Aysel Quliyeva" in page.split('class="dropdown-menu')[0].split("account-toggle")[1], path
    client.post("/logout")
    admin = factory.user("admin")
    db.session.commit()
    login(client, admin.email)
    listing = client.get("/admin/users/").get_data(as_text=True)
    assert ".invalid" not in listing and "e-ID sign-in only" in listing
    assert User(email="someone@example.az", full_name="X").shown_name == "someone@example.az"
    assert User(email="eid-1-ab@eid.invalid", full_name=" ").shown_name == "e-ID"


# ---- back-channel logout (OpenID Connect Back-Channel Logout 1.0) ---------------------------------

def logout_token(provider, **changes) -> str:
    import time
    import uuid
    from joserfc import jwt
    now = int(time.time())
    claims = {"iss": provider.issuer, "aud": provider.client_id, "iat": now, "exp": now + 120,
              "jti": uuid.uuid4().hex, "sub": "sub-a",
              "events": {"http://schemas.openid.net/event/backchannel-logout": {}}}
    key = changes.pop("key", provider.key)
    claims.update(changes)
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode({"alg": "RS256", "kid": "test-key-1"}, claims, key)


def test_backchannel_logout_ends_the_accounts_sessions(app, client, factory, provider):
    a_trainee(factory)
    provider.add(Person(sub="sub-a", name="Aysel", fin="5ABCD12", birthdate="1999-03-04"))
    sign_in_with_eid(client, provider, "sub-a")
    client.post("/login/oidc/consent", data={"decision": "accept"})
    assert client.get("/me/learning").status_code == 200
    server = app.test_client()            # the provider: another client, no cookie, no CSRF token
    unknown = server.post("/login/oidc/backchannel-logout", data={"logout_token": logout_token(provider, sub="nobody")})
    assert unknown.status_code == 200 and client.get("/me/learning").status_code == 200
    response = server.post("/login/oidc/backchannel-logout", data={"logout_token": logout_token(provider)})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert client.get("/me/learning").status_code == 302          # the browser's session has ended
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.logout_eid"))
    assert event.details["subject"] == "sub-a" and event.trainee_id is not None


def test_a_backchannel_logout_token_that_fails_a_check_changes_nothing(app, client, factory, provider):
    import time
    a_trainee(factory)
    provider.add(Person(sub="sub-a", name="Aysel", fin="5ABCD12", birthdate="1999-03-04"))
    sign_in_with_eid(client, provider, "sub-a")
    client.post("/login/oidc/consent", data={"decision": "accept"})
    server = app.test_client()
    before = counts()
    now = int(time.time())
    bad = {"wrong signature": logout_token(provider, key=provider.rogue_key),
           "another audience": logout_token(provider, aud="another-client"),
           "another issuer": logout_token(provider, iss="https://impostor.example"),
           "old": logout_token(provider, iat=now - 3600, exp=now - 3000),
           "no event": logout_token(provider, events={"something-else": {}}),
           "a nonce (an ID token)": logout_token(provider, nonce="n"),
           "no jti": logout_token(provider, jti=None),
           "sid only": logout_token(provider, sub=None, sid="op-session-1"),
           "garbage": "not.a.token", "empty": "", "huge": "a" * 9000}
    for name, token in bad.items():
        response = server.post("/login/oidc/backchannel-logout", data={"logout_token": token})
        assert response.status_code == 400 and response.get_json()["error"] == "invalid_request", name
    assert server.post("/login/oidc/backchannel-logout").status_code == 400
    assert counts() == before and client.get("/me/learning").status_code == 200
    provider.stop()                                   # the provider's keys cannot be fetched: refused, no 5xx
    app.extensions.pop("talent_oidc", None)
    response = server.post("/login/oidc/backchannel-logout", data={"logout_token": logout_token(provider)})
    assert response.status_code == 400 and client.get("/me/learning").status_code == 200
