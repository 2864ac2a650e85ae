import pytest

from talent.config import ConfigError, load_config


def test_production_requires_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="TALENT_SECRET_KEY"):
        load_config({"TALENT_ENV": "production", "TALENT_INSTANCE_PATH": str(tmp_path),
                     "TALENT_DATABASE_URL": "postgresql+psycopg://x@localhost/db"})


def test_production_refuses_sqlite_unless_allowed(tmp_path):
    env = {"TALENT_ENV": "production", "TALENT_INSTANCE_PATH": str(tmp_path), "TALENT_SECRET_KEY": "k" * 40}
    with pytest.raises(ConfigError, match="TALENT_DATABASE_URL"):
        load_config(env)
    assert load_config({**env, "TALENT_ALLOW_SQLITE": "true"})["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def test_production_cookie_is_secure(tmp_path):
    config = load_config({"TALENT_ENV": "production", "TALENT_INSTANCE_PATH": str(tmp_path),
                          "TALENT_SECRET_KEY": "k" * 40,
                          "TALENT_DATABASE_URL": "postgresql://u@localhost/db"})
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


@pytest.mark.parametrize("name,value", [
    ("TALENT_ENV", "staging"), ("TALENT_SUPPRESSION_K", "many"), ("TALENT_DATABASE_URL", "mysql://x"),
    ("TALENT_RATELIMIT_STORAGE", "memcached://x"), ("TALENT_REGIONAL_COUNTRIES", "GEO,TR"),
    ("TALENT_CSRF", "perhaps"), ("TALENT_APPLY_RATE_LIMIT_FIN", "often"), ("TALENT_APPLY_RATE_LIMIT_ADDRESS", "5 per fortnight"),
])
def test_bad_values_name_the_variable(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        load_config({"TALENT_INSTANCE_PATH": str(tmp_path), name: value})


def test_laptop_default_generates_secret_once(tmp_path):
    first = load_config({"TALENT_INSTANCE_PATH": str(tmp_path)})
    second = load_config({"TALENT_INSTANCE_PATH": str(tmp_path)})
    assert first["SECRET_KEY"] == second["SECRET_KEY"] and len(first["SECRET_KEY"]) >= 32
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'talent.db'}"


def test_postgresql_sessions_plan_reports_with_their_actual_values(app):
    """No JIT (it cost seconds per report aggregate); report transactions use no generic plans for
    prepared statements (a generic plan ignores the report's dates: 3x slower at 1M from a
    statement's 11th run), other transactions keep them (bulk inserts re-planned were 1.7x slower)."""
    from sqlalchemy import text

    from talent.extensions import db
    from talent.replica import reports_session
    from tests.conftest import is_postgres
    if not is_postgres(app):
        pytest.skip("PostgreSQL session settings")
    with app.test_request_context("/"):
        assert db.session.execute(text("SHOW jit")).scalar() == "off"
        assert db.session.execute(text("SHOW plan_cache_mode")).scalar() == "auto"
        session = reports_session()
        assert session.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
        db.session.rollback()
        assert db.session.execute(text("SHOW plan_cache_mode")).scalar() == "auto"
        assert reports_session().execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
