"""The layers of DESIGN §4 hold (the contracts in .importlinter), and the cross-domain reactions
that replaced upward imports are connected in every app."""
from __future__ import annotations

import ast
from pathlib import Path

from importlinter.cli import lint_imports

from talent import signals

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    assert lint_imports(config_filename=str(ROOT / ".importlinter"), no_cache=True) == 0


def _receivers(signal) -> set[str]:
    return {f"{fn.__module__}.{fn.__name__}" for fn in (ref() for ref in signal.receivers.values()) if fn}


def test_cohort_events_have_their_receivers_once_the_app_exists(app):
    assert _receivers(signals.cohort_completed) == {"talent.credentials.services._on_cohort_completed",
                                                    "talent.reporting.summary._on_cohort_closed"}
    assert _receivers(signals.cohort_cancelled) == {"talent.reporting.summary._on_cohort_closed",
                                                    "talent.notifications.events._on_cancelled"}
    assert _receivers(signals.result_corrected) == {"talent.credentials.services._on_result_corrected"}


def test_notification_events_have_their_receivers_once_the_app_exists(app):
    """Issue 18: people are told through the signals the owning services send."""
    expected = {"enrollment_changed": "_on_enrollment", "cohort_rescheduled": "_on_rescheduled",
                "award_issued": "_on_award_issued", "award_revoked": "_on_award_revoked", "scheduled_tick": "_on_tick"}
    for name, receiver in expected.items():
        assert f"talent.notifications.events.{receiver}" in _receivers(getattr(signals, name)), name


# Where an import inside a function is still allowed, and why. Every other module of talent/ imports
# talent at module level: an import inside a function hid an upward dependency or a cycle (issue 16).
FUNCTION_IMPORTS_ALLOWED = {
    # The application factory: importing talent must not load the app's modules; create_app wires them.
    "talent/__init__.py": "the app factory (create_app) loads the extensions, receivers and interfaces",
    # The demo builder loads the whole domain stack only when a demo is built (talent.demo).
    "talent/demo/__init__.py": "the demo entry points load the builder and reference data when run",
}


def _function_level_talent_imports(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and (inner.level or (inner.module or "").split(".")[0] == "talent"):
                    lines.append(inner.lineno)
                elif isinstance(inner, ast.Import) and any(a.name.split(".")[0] == "talent" for a in inner.names):
                    lines.append(inner.lineno)
    return sorted(set(lines))


def _allowed(relative: str) -> bool:
    return any(relative == key or relative.startswith(key + "/") for key in FUNCTION_IMPORTS_ALLOWED)


def test_no_module_imports_talent_inside_a_function_outside_the_allow_list():
    """Every module of talent/ imports talent at module level, except the allow-list's (each with
    its reason); the domains, the read models and the core have no exception."""
    found = []
    for path in sorted((ROOT / "talent").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if not _allowed(relative):
            found += [f"{relative}:{line}" for line in _function_level_talent_imports(path)]
    assert found == []


def test_the_function_import_check_finds_one(tmp_path):
    """The check above can fail: it finds an import inside a function, a method and a nested one."""
    module = tmp_path / "sample.py"
    module.write_text("import talent\n\n\ndef f():\n    from talent.people import models\n\n\n"
                      "class A:\n    def g(self):\n        import talent.learning.models\n"
                      "        def h():\n            from . import x\n", encoding="utf-8")
    assert _function_level_talent_imports(module) == [5, 10, 12]
    assert not _allowed("talent/people/services.py") and not _allowed("talent/web/center/views.py")
    assert _allowed("talent/demo/__init__.py")


def test_the_trainee_scope_is_registered_by_learning_once_the_app_exists(app):
    from talent import permissions
    from talent.learning.scoping import LearningReach
    assert isinstance(permissions.trainee_reach(), LearningReach)


def _centers() -> set[str]:
    from sqlalchemy import select

    from talent.centers.models import Center
    from talent.extensions import db
    db.session.rollback()
    return set(db.session.scalars(select(Center.code)))


def test_every_command_commits_once_or_rolls_back_through_one_wrapper(app, factory):
    import pytest

    from talent.cli_commands.transaction import rollback_only, transaction, transactional
    from talent.errors import ValidationError

    with transaction():
        factory.center(code="KEPT")
    with transaction():
        factory.center(code="DRY")
        rollback_only()  # a dry run: nothing written
    with pytest.raises(RuntimeError), transaction():
        factory.center(code="BROKEN")
        raise RuntimeError("the command failed half-way")

    @transactional
    def refused():
        factory.center(code="REFUSED")
        raise ValidationError("no")

    with pytest.raises(SystemExit) as exited:
        refused()
    assert exited.value.code == 1
    assert {"KEPT", "DRY", "BROKEN", "REFUSED"} & _centers() == {"KEPT"}


def test_one_way_to_count_months():
    """``talent.clock.add_months`` is the only one: no other module of talent/ defines a function of
    that name (the credentials, placement and demo copies are gone; they use the clock's)."""
    from datetime import date

    from talent import clock
    defined = [f"{path.relative_to(ROOT)}:{node.lineno}"
               for path in sorted((ROOT / "talent").rglob("*.py"))
               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "add_months"]
    assert [d.split(":")[0] for d in defined] == ["talent/clock.py"], defined
    assert clock.add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)  # a leap year's February
    assert clock.add_months(date(2024, 12, 15), 14) == date(2026, 2, 15)


def test_without_a_registered_trainee_scope_the_core_refuses_instead_of_guessing(app, factory, monkeypatch):
    import pytest
    from sqlalchemy import select

    from talent import permissions
    from talent.people.models import Trainee
    staff = permissions.Actor.for_user(factory.center_admin())
    monkeypatch.setattr(permissions, "_reach", None)
    with pytest.raises(RuntimeError):
        permissions.scope_trainees(select(Trainee.id), staff)
    with pytest.raises(RuntimeError):
        permissions.may_see_trainee(staff, 1)


def test_no_module_imports_another_modules_private_names():
    """A helper another module needs is public (as the report summary's dimension helpers and the
    catalog's change helpers now are): importing ``_name`` across modules hid a cycle (issue 16:
    reporting.summary read reporting.queries' private helpers)."""
    found = []
    for path in sorted((ROOT / "talent").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").split(".")[0] == "talent"):
                found += [f"{path.relative_to(ROOT)}:{node.lineno} {alias.name}" for alias in node.names
                          if alias.name.startswith("_") and not alias.name.startswith("__")]
    assert found == []


def test_the_report_summary_does_not_import_the_report_queries():
    """reporting.queries reads the summary; the summary shares only reporting.dimensions with it."""
    summary = ROOT / "talent" / "reporting" / "summary.py"
    imported = {node.module for node in ast.walk(ast.parse(summary.read_text(encoding="utf-8")))
                if isinstance(node, ast.ImportFrom)}
    assert not {m for m in imported if m and (m == "talent.reporting.queries" or m.startswith("talent.reporting.queries."))}
    assert "talent.reporting.dimensions" in imported
