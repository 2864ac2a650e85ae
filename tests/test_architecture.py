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
    assert _receivers(signals.cohort_cancelled) == {"talent.reporting.summary._on_cohort_closed"}
    assert _receivers(signals.result_corrected) == {"talent.credentials.services._on_result_corrected"}


def test_no_domain_or_core_module_imports_inside_a_function_to_dodge_a_cycle():
    """The domain packages and the core import at module level: an import inside a function there
    hid an upward dependency (issue 16). Not covered yet: the web and API interfaces, the app
    factory, permissions.py's query scoping, catalog/models.py and the demo package."""
    covered = ["geo", "catalog/services.py", "readmodels", "centers", "people", "accounts", "learning",
               "credentials", "placement", "objectives", "reporting", "cli_commands", "signals.py",
               "validation.py", "audit.py", "auditlog.py", "mail.py", "db.py", "errors.py", "clock.py"]
    found = []
    for name in covered:
        base = ROOT / "talent" / name
        for path in ([base] if base.suffix else sorted(base.rglob("*.py"))):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    for inner in ast.walk(node):
                        if isinstance(inner, ast.ImportFrom) and (inner.level or (inner.module or "").startswith("talent")):
                            found.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    assert found == []


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
    from datetime import date

    from talent import clock
    from talent.credentials import services as credentials
    from talent.demo import builder
    from talent.placement import services as placement
    assert credentials.add_months is placement.add_months is builder.add_months is clock.add_months
    assert clock.add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)  # a leap year's February
    assert clock.add_months(date(2024, 12, 15), 14) == date(2026, 2, 15)
