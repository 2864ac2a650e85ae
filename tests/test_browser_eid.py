"""Browser journey (issue 21): a trainee signs in through a real OpenID provider with Debian's
Chromium and lands on their own pages.

The provider (tests/oidc_provider.py) runs on its own port of 127.0.0.1, the app on another; the
browser follows every redirect itself: the sign-in page's e-ID button, the provider's sign-in
page, the callback, the consent page, the trainee's pages, then sign-out at the app and at the
provider (RP-initiated logout), and a returning sign-in that goes straight in. Screenshots land in
test-artifacts/journeys/<test name>/.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from talent.accounts.oidc_models import EidIdentity
from talent.extensions import db
from tests.browser_helpers import Journey, journey_folder
from tests.browser_helpers import browser, catalogs, live  # noqa: F401  (fixtures)
from tests.oidc_provider import OidcProvider, Person


@pytest.fixture
def provider(app, live, monkeypatch):
    running = OidcProvider(redirect_uris={live.url("/login/oidc/callback")}).start()
    monkeypatch.setitem(app.config, "OIDC_ISSUER", running.issuer)
    monkeypatch.setitem(app.config, "OIDC_CLIENT_ID", running.client_id)
    monkeypatch.setitem(app.config, "OIDC_CLIENT_SECRET", running.client_secret)
    yield running
    running.stop()


def test_browser_trainee_signs_in_with_the_national_eid(browser, live, provider, factory, request):
    cohort = factory.cohort(status="running")
    trainee = factory.trainee(first_name="Nigar", last_name="Əliyeva", fin="7NIGAR1", birth_date=date(2000, 1, 2),
                              registered_by_center_id=cohort.center_id)
    factory.enrollment(trainee=trainee, cohort=cohort, status="enrolled")
    provider.add(Person(sub="eid-nigar", name="Nigar Əliyeva", fin="7NIGAR1", birthdate="2000-01-02"))
    provider.add(Person(sub="eid-stranger", name="Stranger", fin="9NOREC9", birthdate="1980-05-05"))
    db.session.commit()
    course_code = cohort.code

    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    try:
        j = Journey(page=context.new_page(), folder=journey_folder(request.node.name), server=live)
        page = j.page
        j.goto("/login")
        j.shot("sign-in-page")
        page.locator("#eid-sign-in").click()
        page.wait_for_url(provider.base + "/authorize*")
        j.shot("provider")
        page.get_by_role("button", name="Nigar Əliyeva").click()
        page.wait_for_url("**/login/oidc/consent")
        assert "Nigar" in page.locator("main").inner_text()
        j.shot("consent")
        page.get_by_role("button", name="I agree, create my account").click()
        page.wait_for_url("**/me/learning")
        assert course_code in page.locator("main").inner_text()
        j.shot("my-learning")

        db.session.expire_all()
        link = db.session.scalar(select(EidIdentity).where(EidIdentity.subject == "eid-nigar"))
        assert link is not None and link.fin_verified_at is not None

        # Sign out: the app's session ends, then the provider's (RP-initiated logout), then home.
        page.locator("form[action='/logout'] button").click()
        page.wait_for_url(live.base + "/")
        assert provider.logouts and provider.logouts[-1]["client_id"] == provider.client_id
        j.shot("signed-out")

        # Returning: straight in, no consent page.
        j.goto("/login")
        page.locator("#eid-sign-in").click()
        page.get_by_role("button", name="Nigar Əliyeva").click()
        page.wait_for_url("**/me/learning")
        j.shot("returning")
        page.locator("form[action='/logout'] button").click()
        page.wait_for_url(live.base + "/")

        # Someone with no training record: a clear page, nothing stored.
        j.goto("/login")
        page.locator("#eid-sign-in").click()
        page.get_by_role("button", name="Stranger").click()
        page.locator("#eid-no-record").wait_for()
        j.shot("no-record")
        assert db.session.scalar(select(EidIdentity).where(EidIdentity.subject == "eid-stranger")) is None
        j.assert_clean_console()
    finally:
        context.close()
