"""One language per page: every code a person sees has a translated label (talent/labels.py), and
the messages WTForms and Flask-Login write themselves come in the page's language."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from talent import labels
from tests.browser_helpers import compile_translations, translation_of

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def catalogs(app, tmp_path):
    """The current catalogs compiled (the working tree may hold none or stale ones)."""
    from talent.extensions import babel
    config = app.extensions["babel"]
    saved = config.translation_directories
    config.translation_directories = [str(compile_translations(tmp_path / "translations"))]
    babel.domain_instance.cache.clear()
    yield
    config.translation_directories = saved
    babel.domain_instance.cache.clear()


def test_every_vocabulary_code_has_a_label():
    from talent.accounts.models import ROLES
    from talent.catalog.models import LEVELS
    from talent.learning.models import ATTENDANCE_MARKS, COHORT_MODES, COHORT_STATUSES, ENROLLMENT_STATUSES
    from talent.people.models import EDUCATION_LEVELS, GENDERS
    from talent.placement.models import EMPLOYMENT_TYPES, FOLLOWUP_OUTCOMES, MARKETS, SOURCES, VERIFICATION_STATES
    vocabularies = {"role": ROLES, "level": LEVELS, "attendance_mark": ATTENDANCE_MARKS, "mode": COHORT_MODES,
                    "cohort_status": COHORT_STATUSES, "enrollment_status": ENROLLMENT_STATUSES,
                    "education": EDUCATION_LEVELS, "gender": GENDERS, "employment_type": EMPLOYMENT_TYPES,
                    "followup_outcome": FOLLOWUP_OUTCOMES, "market": MARKETS, "source": SOURCES,
                    "verification": VERIFICATION_STATES}
    missing = {kind: sorted(set(codes) - set(labels.KINDS[kind])) for kind, codes in vocabularies.items()}
    assert not any(missing.values()), missing


def test_every_audit_action_in_the_code_has_a_label():
    """The trainee's "who looked at my data" list and the audit pages show actions by label."""
    pattern = re.compile(r"""(?:audit\.record|audit_personal_view|record)\(\s*[\w.()]+,\s*f?["']([a-z_]+\.[a-z_{}]+)["']""")
    used = set()
    for path in (ROOT / "talent").rglob("*.py"):
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    expanded = set()
    for action in used:
        if "{kind}" in action:
            from talent.web.center.exports import KINDS
            expanded |= {action.replace("{kind}", kind) for kind in KINDS}
        else:
            expanded.add(action)
    assert len(expanded) > 30, expanded
    assert not sorted(expanded - set(labels.AUDIT_ACTION)), sorted(expanded - set(labels.AUDIT_ACTION))


def test_labels_speak_the_request_language(app, catalogs):
    with app.test_request_context(headers={"Accept-Language": "az"}):
        assert labels.label("running", "cohort_status") == translation_of("az", "Running") != "Running"
        assert labels.label("full_time", "employment_type") not in ("full_time", "Full time")
        assert labels.label("center_admin", "role") not in ("center_admin", "Center administrator")
        assert labels.label("trainee.view", "audit_action") == "Şəxsi məlumatlara baxıldı"
        assert labels.label("title_az", "sort") == "Başlıq"
        assert labels.label("something_new", "cohort_status") == "something_new"  # nothing hidden
        assert labels.label(None, "level") == ""
    from flask import g
    g.pop("_flask_babel", None)
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        assert labels.label("intermediate", "level") not in ("intermediate", "Intermediate")
        assert labels.label("ru", "language") == "Русский"


def test_required_field_message_in_azerbaijani_and_russian(client, factory, login_as, catalogs):
    center = factory.center()
    login_as(factory.center_admin(center))
    for language in ("az", "ru", "en"):
        expected = translation_of(language, "This field is required.")
        assert language == "en" or expected != "This field is required."
        client.post(f"/lang/{language}", data={"next": "/"})
        page = client.post("/center/cohorts/new", data={}).get_data(as_text=True)
        assert expected in page, language
        if language != "en":
            assert "This field is required." not in page


def test_sign_in_prompt_in_the_page_language(client, catalogs):
    client.post("/lang/az", data={"next": "/"})
    response = client.get("/center/", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Bu səhifəyə daxil olmaq üçün sistemə girin." in page
    assert "Please log in to access this page." not in page


def test_admin_pages_show_labels_not_codes(client, factory, login_as, catalogs):
    from talent.extensions import db
    admin = factory.user("admin")
    factory.center_admin(factory.center())
    factory.course(level="intermediate")
    db.session.commit()
    login_as(admin)
    client.post("/lang/az", data={"next": "/"})
    index = client.get("/admin/").get_data(as_text=True)
    assert "center_admin:" not in index and "admin:" not in index
    courses = client.get("/admin/courses/").get_data(as_text=True)
    assert "title_az ↑" not in courses and ">intermediate<" not in courses


def test_catalog_names_in_russian_with_the_azerbaijani_fallback(app, factory):
    """A Russian page shows the Russian name of a course or certification; where none was given,
    the Azerbaijani one (the country's language), never a blank."""
    from flask import g
    named = factory.certification(code="RU1", name_az="Süni intellekt sertifikatı", name_en="AI certificate",
                                  name_ru="Сертификат по ИИ")
    course = factory.course(certification=named, title_az="Maşın öyrənməsi", title_en="Machine learning",
                            title_ru="Машинное обучение")
    unnamed = factory.course(title_az="Dərin öyrənmə", title_en="Deep learning")
    for language, cert_name, course_title, fallback in (
            ("ru", "Сертификат по ИИ", "Машинное обучение", "Dərin öyrənmə"),
            ("az", "Süni intellekt sertifikatı", "Maşın öyrənməsi", "Dərin öyrənmə"),
            ("en", "AI certificate", "Machine learning", "Deep learning")):
        g.pop("_flask_babel", None)
        with app.test_request_context(headers={"Accept-Language": language}):
            assert (named.name, course.title, unnamed.title) == (cert_name, course_title, fallback)


def test_admin_saves_the_russian_title(client, factory, login_as):
    from talent.catalog.models import Course
    from talent.extensions import db
    course = factory.course()
    admin = factory.user("admin")
    db.session.commit()
    login_as(admin)
    page = client.get(f"/admin/courses/{course.id}/edit").get_data(as_text=True)
    assert 'name="title_ru"' in page
    data = {"code": course.code, "title_az": course.title_az, "title_en": course.title_en,
            "title_ru": "Курс на русском", "level": course.level, "hours": "40", "language": "az",
            "certification_id": str(course.certification_id), "sector_id": "", "skill_ids": []}
    response = client.post(f"/admin/courses/{course.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    db.session.expire_all()
    assert db.session.get(Course, course.id).title_ru == "Курс на русском"


def test_objective_titles_in_the_page_language(client, factory, login_as, catalogs):
    """An objective has its title in Azerbaijani and, optionally, in English and Russian; the
    pages show the one of their language (Azerbaijani when missing); editing keeps all three."""
    from talent.extensions import db
    from talent.objectives import services
    from talent.objectives.models import Objective
    from talent.permissions import Actor
    analyst = factory.user("ministry")
    db.session.commit()
    objective = services.create_objective(
        Actor.for_user(analyst), title="Milli: sertifikatlılar", title_en="National: certified",
        title_ru="Национальная: сертифицированные", metric="certified", scope="national", target_value="100",
        baseline_year=2024, deadline_year=2030)
    db.session.commit()
    login_as(analyst)
    for language, expected in (("az", "Milli: sertifikatlılar"), ("en", "National: certified"),
                               ("ru", "Национальная: сертифицированные")):
        client.post(f"/lang/{language}", data={"next": "/"})
        page = client.get("/ministry/objectives").get_data(as_text=True)
        assert expected in page, language
        others = {"Milli: sertifikatlılar", "National: certified", "Национальная: сертифицированные"} - {expected}
        assert not any(other in page for other in others), language
    form = client.get(f"/ministry/objectives/{objective.id}/edit").get_data(as_text=True)
    assert 'value="Milli: sertifikatlılar"' in form and 'value="National: certified"' in form
    db.session.expire_all()
    assert db.session.get(Objective, objective.id).title_ru == "Национальная: сертифицированные"


def test_numbers_percentages_and_dates_agree_within_a_language(app):
    """One page, one number style: 1.131 beside 64,5% in az (not 64.5 %), 1 131 beside 64,5% in ru,
    1,131 beside 64.5% in en; Russian dates no longer end in "г." (a sentence's full stop made "г..")."""
    from datetime import date
    from flask import g, render_template_string
    expected = {"az": "1.131|64,5|64,5%|92%", "en": "1,131|64.5|64.5%|92%", "ru": "1\xa0131|64,5|64,5%|92%"}
    for language, want in expected.items():
        g.pop("_flask_babel", None)
        with app.test_request_context(headers={"Accept-Language": language}):
            got = render_template_string("{{ 1131|number }}|{{ 64.5|decimal1 }}|{{ 64.5|percent }}|{{ 92|percent(0) }}")
            assert got.replace("\u202f", "\xa0") == want, (language, got)
            decimal = "." if language == "en" else ","
            assert render_template_string("{{ 3.5|decimal1(signed=True) }} {{ -2|decimal1(signed=True) }}") == \
                f"+3{decimal}5 -2{decimal}0"
            day = render_template_string("{{ d|date }}.", d=date(2026, 12, 5))
            assert not day.endswith("..") and "2026" in day, (language, day)


def test_azerbaijani_alphabetical_order_in_python_and_in_the_database(app, factory, client, login_as):
    """Ə after E, "Su" before "Sü", X after H, Q after K, I (ı) before İ — in the sort key and in
    the database's ORDER BY (ICU az-x-icu on PostgreSQL, the registered "az" collation on SQLite)."""
    from sqlalchemy import select
    from talent.catalog.models import Sector
    from talent.extensions import db
    from talent.i18n import az_collate, az_sort_key
    words = ["Sü", "Əli", "Xan", "Su", "Eldar", "Qara", "Kənd", "İlham", "Ilıq", "Həsən", "Fərid"]
    expected = ["Eldar", "Əli", "Fərid", "Həsən", "Xan", "Ilıq", "İlham", "Kənd", "Qara", "Su", "Sü"]
    assert sorted(words, key=az_sort_key) == expected
    for n, word in enumerate(words):
        db.session.add(Sector(code=f"ZZ{n:02d}", name_az=word, name_en=word, name_ru=word))
    db.session.flush()
    codes = [f"ZZ{n:02d}" for n in range(len(words))]
    ordered = list(db.session.scalars(select(Sector.name_az).where(Sector.code.in_(codes))
                                      .order_by(az_collate(Sector.name_az))))
    assert ordered == expected
    admin = factory.user("admin")
    db.session.commit()
    login_as(admin)
    page = client.get("/admin/sectors/?sort=name_az&q=").get_data(as_text=True)
    positions = [page.index(f">{word}<") for word in ("Eldar", "Əli", "Su", "Sü") if f">{word}<" in page]
    assert positions == sorted(positions) and len(positions) == 4
