"""Issue 16: views name the permission they need (``permission_required(P.…)``), never a role,
and the navigation is built from the same permissions (talent/web/templating.py)."""
from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest

from talent.permissions import ROLE_PERMISSIONS, P, user_can
from talent.web import templating

ROOT = Path(__file__).resolve().parents[1]


def test_no_view_names_a_role():
    offenders = []
    for path in sorted((ROOT / "talent/web").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Name) and node.id == "roles_required":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_each_menu_entry_needs_the_permission_its_page_needs(app):
    checked = 0
    for endpoint, _label, perm in templating.NAVIGATION:
        view = app.view_functions.get(endpoint)
        required = getattr(view, "required_permission", None)
        if required is not None:
            assert required == perm, endpoint
            checked += 1
    assert checked >= 15


@pytest.mark.parametrize("role", ["admin", "center_admin", "ministry", "trainee"])
def test_menus_follow_the_role_table(app, role):
    user = SimpleNamespace(role=role, is_authenticated=True)
    with app.test_request_context("/"):
        import flask_login.utils as login_utils
        original = login_utils._get_user
        login_utils._get_user = lambda: user
        try:
            shown = {item["endpoint"] for item in templating.navigation()}
        finally:
            login_utils._get_user = original
    expected = {endpoint for endpoint, _label, perm in templating.NAVIGATION
                if perm in ROLE_PERMISSIONS[role] and endpoint in app.view_functions}
    assert shown == expected and shown
    if role == "trainee":
        assert shown.isdisjoint({"admin.index", "center.cohorts", "api_v1.docs"})
    if role == "ministry":
        assert "center.cohorts" not in shown and "ministry.dashboard" in shown


def test_a_permission_taken_from_a_role_hides_its_menu_entry_and_closes_its_page(app, client, login_as,
                                                                                   factory, monkeypatch):
    user = factory.center_admin(factory.center())
    from talent.extensions import db
    db.session.commit()
    login_as(user)
    assert client.get("/center/cohorts").status_code == 200
    monkeypatch.setitem(ROLE_PERMISSIONS, "center_admin", ROLE_PERMISSIONS["center_admin"] - {P.COHORTS_READ})
    assert client.get("/center/cohorts").status_code == 403
    page = client.get("/center/trainees").get_data(as_text=True)
    assert 'href="/center/cohorts"' not in page and 'href="/center/trainees"' in page
    assert not user_can(user, P.COHORTS_READ)
