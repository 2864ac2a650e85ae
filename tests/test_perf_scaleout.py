"""Several app servers behind a load balancer: any server accepts a session another one opened (signed
cookie + session token in the database, nothing kept in the process), ending it on one ends it on
all, and with Redis rate-limit storage the limits count across processes."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from talent import create_app
from talent.config import ROOT
from talent.extensions import db
from tests.conftest import REDIS_URL

# A second app (its own engine) must see the data: committed for real.
pytestmark = pytest.mark.committed

OVERRIDES = {"WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost", "REQUIRE_2FA": False}


@pytest.fixture
def second_host(test_env):
    """Another app server: its own app object and engine, the same settings and database."""
    other = create_app(OVERRIDES, env=test_env)
    yield other
    with other.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def _move_cookie(source, target) -> None:
    cookie = source.get_cookie("talent_session")
    assert cookie is not None
    target.set_cookie("talent_session", cookie.value, domain=cookie.domain)


def test_a_session_opened_on_one_host_works_on_another(second_host, client, factory, login_as):
    center = factory.center()
    admin = factory.center_admin(center)
    db.session.commit()
    login_as(admin)
    assert client.get("/center/cohorts").status_code == 200
    other = second_host.test_client()
    assert other.get("/center/cohorts").status_code in (302, 401)  # no cookie yet: not signed in
    _move_cookie(client, other)
    assert other.get("/center/cohorts").status_code == 200


def test_ending_sessions_on_one_host_ends_them_everywhere(second_host, client, factory, login_as):
    """A deactivated account (session token rotated in the database) is signed out on every host."""
    from talent.accounts import services as accounts
    from talent.permissions import Actor
    admin = factory.user("admin")
    victim = factory.center_admin(factory.center())
    db.session.commit()
    login_as(victim)
    other = second_host.test_client()
    _move_cookie(client, other)
    assert other.get("/center/cohorts").status_code == 200
    with second_host.test_request_context("/"):
        accounts.set_active(Actor.for_user(db.session.get(type(admin), admin.id)),
                            db.session.get(type(victim), victim.id), False)
        db.session.commit()
    db.session.commit()  # the test's own session: forget the rows it read before (a new request would)
    for c in (client, other):
        assert c.get("/center/cohorts").status_code in (302, 401)


CHILD = textwrap.dedent('''
    import json, os, sys
    sys.path.insert(0, os.environ["ROOT"])
    from talent import create_app
    app = create_app({"WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost", "REQUIRE_2FA": False},
                     env=json.loads(os.environ["ENV_JSON"]))
    client = app.test_client()
    response = client.post("/login", data={"email": "nobody@example.az", "password": "wrong-password-123"})
    print(response.status_code)
''')


@pytest.mark.skipif(not REDIS_URL, reason="needs TALENT_TEST_REDIS_URL (Redis rate-limit storage)")
def test_rate_limits_count_across_processes_with_redis(client, test_env):
    """Ten failed sign-ins here use up the per-address login limit; another process (another app
    server) sharing the Redis storage then refuses the eleventh."""
    import json
    assert test_env["TALENT_RATELIMIT_STORAGE"].startswith("redis")
    for _ in range(10):
        assert client.post("/login", data={"email": "nobody@example.az", "password": "wrong-password-123"}
                           ).status_code != 429
    env = dict(os.environ, ROOT=str(ROOT), ENV_JSON=json.dumps(test_env))
    child = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr[-2000:]
    assert child.stdout.strip().splitlines()[-1] == "429"


def test_memory_rate_limit_storage_is_per_process(test_env):
    """Why production needs Redis: memory:// counts inside each process only."""
    from talent.config import load_config
    assert load_config({**test_env, "TALENT_RATELIMIT_STORAGE": "memory://"})["RATELIMIT_STORAGE_URI"] == "memory://"
    config = load_config({**test_env, "TALENT_RATELIMIT_STORAGE": "redis://10.0.0.5:6379/0"})
    assert config["RATELIMIT_STORAGE_URI"] == "redis://10.0.0.5:6379/0"
