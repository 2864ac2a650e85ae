"""Helpers for the security tests: separate app instances (production config, test-only routes)."""
from __future__ import annotations

from talent import create_app


def production_app(tmp_path, **extra_env):
    """A production-mode app; the PostgreSQL URL is never connected to unless a route needs it."""
    env = {
        "TALENT_ENV": "production",
        "TALENT_SECRET_KEY": "p" * 48,
        "TALENT_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        "TALENT_INSTANCE_PATH": str(tmp_path / "prod-instance"),
        "TALENT_RATELIMIT_STORAGE": "memory://",
        "TALENT_PUBLIC_URL": "https://localhost",
    }
    env.update(extra_env)
    return create_app({"SERVER_NAME": "localhost"}, env=env)


def app_with_routes(test_env, routes: dict, **overrides):
    """A fresh app on the suite's database with extra test-only routes ``{path: view}``."""
    config = {"WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost", "REQUIRE_2FA": False}
    config.update(overrides)
    app = create_app(config, env=test_env)
    for path, view in routes.items():
        app.add_url_rule(path, view.__name__, view, methods=["GET", "POST"])
    return app
