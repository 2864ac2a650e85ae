"""``make run PORT=5101`` serves on 5101 and every generated link (certificate QR codes, share
links, invitation and reset mails) points there, not at TALENT_PUBLIC_URL's default 5000; an
explicit TALENT_PUBLIC_URL wins, and production always keeps the configured public URL."""
from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from talent.config import DEV_SERVER_URL_VARIABLE, load_config


@pytest.fixture
def served(monkeypatch, tmp_path):
    """``served(args, **env)``: run ``talent run ARGS`` with only ``env`` as TALENT_* settings and
    the server itself replaced; answers the application it would have served."""
    from talent.cli import main

    def _serve(args, **env):
        captured = {}
        monkeypatch.setattr("flask.cli.run_simple",
                            lambda host, port, app, **kw: captured.update(host=host, port=port, app=app))
        for name in list(os.environ):
            if name.startswith("TALENT_"):
                monkeypatch.delenv(name)
        monkeypatch.setenv(DEV_SERVER_URL_VARIABLE, "")  # what the command sets is undone after the test
        monkeypatch.delenv(DEV_SERVER_URL_VARIABLE)
        monkeypatch.setenv("TALENT_INSTANCE_PATH", str(tmp_path))
        monkeypatch.setenv("TALENT_DATABASE_URL", f"sqlite:///{tmp_path / 'run.db'}")
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        result = CliRunner().invoke(main, ["run", *args])
        assert result.exit_code == 0, result.output
        return captured

    return _serve


def _links(app) -> dict[str, str]:
    from flask import render_template_string

    from talent.accounts.invitations import link_for
    from talent.credentials.openbadges import verify_url
    # A request as the served app gets it (production refuses any other Host: TRUSTED_HOSTS).
    with app.test_request_context("/", base_url=app.config["PUBLIC_BASE_URL"]):
        return {"qr": verify_url(SimpleNamespace(verification_code="CODE")),  # what the PDF's QR code holds
                "share": render_template_string(  # as templates/trainee/certificates.html builds it
                    "{{ config.PUBLIC_BASE_URL }}{{ url_for('public.verify_page', code='CODE') }}"),
                "mail": link_for("TOKEN", "invite")}


def test_make_run_port_is_where_every_link_points(served):
    captured = served(["--host", "127.0.0.1", "--port", "5101"], TALENT_ENV="development")
    assert captured["port"] == 5101
    assert _links(captured["app"]) == {"qr": "http://127.0.0.1:5101/verify/CODE",
                                       "share": "http://127.0.0.1:5101/verify/CODE",
                                       "mail": "http://127.0.0.1:5101/invitation/TOKEN"}
    # Served on every interface: the links name this machine.
    captured = served(["--host", "0.0.0.0", "--port", "5102"])
    assert _links(captured["app"])["qr"] == "http://127.0.0.1:5102/verify/CODE"


def test_an_explicit_public_url_wins(served):
    captured = served(["--port", "5101"], TALENT_ENV="development", TALENT_PUBLIC_URL="https://demo.example.az/")
    assert _links(captured["app"])["qr"] == "https://demo.example.az/verify/CODE"


def test_production_keeps_the_configured_public_url(served, tmp_path):
    captured = served(["--port", "5101"], TALENT_ENV="production", TALENT_SECRET_KEY="s" * 40,
                      TALENT_ALLOW_SQLITE="true", TALENT_PUBLIC_URL="https://talent.example.az")
    assert _links(captured["app"])["mail"] == "https://talent.example.az/invitation/TOKEN"
    # A left-over development address never reaches production's links.
    config = load_config({"TALENT_ENV": "production", "TALENT_SECRET_KEY": "s" * 40, "TALENT_ALLOW_SQLITE": "true",
                          "TALENT_PUBLIC_URL": "https://talent.example.az",
                          DEV_SERVER_URL_VARIABLE: "http://127.0.0.1:5101"})
    assert config["PUBLIC_BASE_URL"] == "https://talent.example.az"
    assert load_config({DEV_SERVER_URL_VARIABLE: "http://127.0.0.1:5101", "TALENT_INSTANCE_PATH": str(tmp_path)}
                       )["PUBLIC_BASE_URL"] == "http://127.0.0.1:5101"
