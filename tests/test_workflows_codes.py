"""Cohort and center codes are found the same way by every interface: the CLI's ``awards issue``
used to say "no cohort" for a code in lower case that ``talent import`` accepted."""
from __future__ import annotations

from sqlalchemy import func, select

from talent.centers.queries import center_by_code
from talent.credentials.models import Award
from talent.extensions import db
from talent.learning.queries import cohort_by_code
from tests.credentials_helpers import completed
from tests.test_import_services import csv_bytes


def test_the_lookup_ignores_case_and_spaces(factory):
    center = factory.center(code="BAKU1")
    cohort = factory.cohort(center=center, code="ML-1")
    db.session.commit()
    for typed in ("ML-1", "ml-1", " Ml-1 \t"):
        assert cohort_by_code(typed) is cohort
    for typed in ("baku1", " BAKU1 "):
        assert center_by_code(typed) is center
    assert cohort_by_code("") is None and cohort_by_code(None) is None and cohort_by_code("ML-2") is None
    assert center_by_code("  ") is None


def test_awards_issue_takes_the_code_as_import_does(app, factory, tmp_path):
    enrollment = completed(factory)
    enrollment.cohort.code = "AI-2026-A"
    cohort_id, center_code = enrollment.cohort.id, enrollment.cohort.center.code
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["awards", "issue", "--cohort", " ai-2026-a"])
    assert result.exit_code == 0, result.output
    assert "1 award(s) for cohort AI-2026-A" in result.output
    db.session.remove()
    assert db.session.scalar(select(func.count(Award.id))) == 1

    # ``talent import`` reads the same lower-case codes (the center's too).
    from talent.learning.models import Cohort
    db.session.get(Cohort, cohort_id).status = "open"
    db.session.commit()
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes())
    result = runner.invoke(args=["import", "trainees", str(good), "--center", center_code.lower(),
                                 "--cohort", "ai-2026-a", "--dry-run"])
    assert result.exit_code == 0, result.output


def test_web_and_api_find_a_cohort_by_its_code_in_lower_case(client, login_as, factory):
    from tests.api_helpers import api_for
    center = factory.center()
    cohort = factory.cohort(center=center, code="ML-1")
    factory.cohort(center=center, code="DATA-2")
    admin = factory.center_admin(center)
    db.session.commit()
    listed = api_for(client, admin).get("/cohorts?q=ml-1").get_json()
    assert [c["code"] for c in listed["items"]] == [cohort.code]
    login_as(admin)
    page = client.get("/center/cohorts?q=ml-1").get_data(as_text=True)
    assert "ML-1" in page and "DATA-2" not in page
