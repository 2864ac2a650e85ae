"""Browser journey of issue 19: a person applies on a phone (390 px, Azerbaijani), is given the
private status link; the center's administrator reviews the cohort's applications on one screen,
selects them all and accepts; the person's status page then says accepted. Screenshots in
test-artifacts/journeys/<test name>/; console errors and CSP violations fail it."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from talent import clock
from talent.extensions import db
from tests.browser_helpers import (CHROMIUM, LAUNCH_ARGS, Journey, LiveServer, journey_folder, sign_in,
                                   skip_without_browser, translation_of)
from tests.browser_helpers import catalogs  # noqa: F401  (a fixture the live server uses)
from tests.factories import PASSWORD
from tests.test_browser_sweep import AXE, AXE_JS


def _axe(page) -> list[str]:
    """axe-core's serious and critical WCAG 2.1 AA violations on the page as it is now (axe is
    loaded by the context's init script)."""
    return page.evaluate(AXE_JS)

pytestmark = pytest.mark.committed


def test_browser_apply_on_a_phone_and_the_center_accepts(app, monkeypatch, catalogs, factory):  # noqa: F811
    skip_without_browser()
    from playwright.sync_api import sync_playwright
    from talent.applications import services as applications

    center = factory.center(code="GNC01", name="Gəncə AI Mərkəzi", region="GANJA_DASHKASAN")
    course = factory.course(code="AIF-101", title_az="Süni intellektin əsasları", title_en="AI Foundations")
    cohort = factory.cohort(center=center, course=course, status="open", capacity=30,
                            start_date=clock.today() + timedelta(days=21))
    admin = factory.center_admin(center, email="admin@gnc01.az")
    for i in range(55):   # the center reviews fifty-odd applications on one screen
        applications.submit({"fin": f"Q{i:06d}", "birth_date": "1999-01-01", "first_name": "Ad", "last_name": f"Soyad{i}",
                             "gender": "M", "home_region": "BAKU", "phone": "0551234567", "consent": True},
                            cohort_id=cohort.id)
    db.session.commit()

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    with LiveServer(app) as server, sync_playwright() as playwright:
        monkeypatch.setitem(app.config, "SERVER_NAME", f"127.0.0.1:{server.port}")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            folder = journey_folder("test_browser_apply_on_a_phone_and_the_center_accepts")
            phone = browser.new_context(locale="az", viewport={"width": 390, "height": 844}, is_mobile=True)
            phone.add_init_script(script=AXE.read_text(encoding="utf-8"))   # an init script: the CSP allows it
            person = Journey(page=phone.new_page(), folder=folder, server=server)
            page = person.page
            person.goto(f"/catalog/cohorts/{cohort.id}/apply?lang=az")
            assert page.locator("html").get_attribute("lang") == "az"
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the form scrolls sideways"
            person.shot("form")
            assert _axe(page) == []
            page.locator("#phone").fill("050 123 45 67")
            page.locator("#fin").fill("5abcd12")
            page.locator("#birth_date").fill(date(1999, 3, 4).isoformat())
            page.locator("#first_name").fill("Leyla")
            page.locator("#last_name").fill("Həsənova")
            page.locator("input[name=gender][value=F]").check()
            page.locator("#home_region_id").select_option(label="Bakı")
            page.locator("#education_level").select_option("bachelor")
            # Forgot the consent: the form comes back with the message in Azerbaijani.
            person.expect_failure(f"/catalog/cohorts/{cohort.id}/apply?lang=az", 422)
            page.locator("main form button[type=submit]").click()
            page.wait_for_load_state()
            message = translation_of("az", "Your consent is needed to process the application.")
            assert page.get_by_text(message).count() == 1
            person.shot("consent-missing")
            assert _axe(page) == []
            page.locator("#consent").check()
            page.locator("main form button[type=submit]").click()
            page.wait_for_load_state()
            assert "/applications/" in page.url
            status_url = page.url
            assert page.locator("[data-application-status=submitted]").count() == 1
            person.shot("received")
            assert _axe(page) == []

            desk = browser.new_context(locale="en-US", viewport={"width": 1366, "height": 900})
            desk.add_init_script(script=AXE.read_text(encoding="utf-8"))
            staff = Journey(page=desk.new_page(), folder=folder, server=server)
            sign_in(staff, admin.email, PASSWORD)
            staff.goto(f"/center/cohorts/{cohort.id}/applications?status=submitted&lang=en")
            assert staff.page.locator("input[name=ids]").count() == 56
            staff.page.locator("[data-select-all]").check()
            staff.shot("review")
            assert _axe(staff.page) == []
            staff.page.locator("#action").select_option("accept")
            # 56 decisions in one request (each a seat, a trainee record, a mail in the outbox): on a
            # loaded CI machine that has taken more than the default 15 s to answer
            staff.page.locator("[data-review-form] button[type=submit]").click(timeout=90_000)
            staff.page.wait_for_load_state(timeout=90_000)
            assert staff.page.get_by_text("56 applications decided.").count() == 1
            staff.shot("decided")

            page.goto(status_url)
            assert page.locator("[data-application-status=accepted]").count() == 1
            person.shot("accepted")
            person.assert_clean_console()
            staff.assert_clean_console()
        finally:
            browser.close()
