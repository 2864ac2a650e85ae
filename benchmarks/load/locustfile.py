"""The mixed workload for the load test (run by benchmarks/load/run_load.sh).

Who comes, in what proportion (locust weights), and what they do — every request named by its route
so the report groups them:

- center administrators (weight 3): dashboard, cohorts, a cohort's roster, trainee search (POST, no
  FIN in the URL), awards, follow-ups, jobs;
- trainees (weight 2): their home, learning, certificates, jobs;
- ministry analysts (weight 1): national dashboard, regions, fairness, trends;
- the public (weight 3): certificate verification, page and JSON;
- the baseline (weight 2): GET /bench/baseline/<id>, one primary-key read and a small page — the
  yardstick every page is compared with in the same run;
- ``BaselineOnly`` (not in the mix): the baseline alone, run_load.sh's first phase, whose request
  rate the mixed workload's is divided by (target >= 0.5x).

Users sign in once (on_start) as the demo logins; the data they browse (cohort ids, verification
codes, search names) comes from the JSON file named by TALENT_LOAD_DATA, written by run_load.sh.
Think time is zero: each simulated user sends its next request as soon as the last one answers.
"""
from __future__ import annotations

import json
import os
import random
import re

from locust import HttpUser, between, task  # noqa: F401

DATA = json.loads(open(os.environ["TALENT_LOAD_DATA"], encoding="utf-8").read())
PASSWORD = DATA["password"]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


_ready = 0


def ready(user: HttpUser) -> None:
    """Called at the end of every user's on_start: once all of them have signed in, the statistics
    are reset, so the figures are those of the steady workload — not of 50 argon2 sign-ins at once
    (those are timed on their own: tests/test_security_passwords.py, docs/performance.md)."""
    global _ready
    _ready += 1
    runner = user.environment.runner
    if runner is not None and _ready == getattr(runner, "target_user_count", None):
        user.environment.stats.reset_all()
        measure = float(os.environ.get("TALENT_LOAD_MEASURE_SECONDS") or 0)
        print(f"all {_ready} users started: statistics reset" + (f", measuring {measure:.0f} s" if measure else ""),
              flush=True)
        if measure:  # the measured window starts now, however long the sign-ins took
            import gevent
            gevent.spawn_later(measure, runner.quit)


def sign_in(user: HttpUser, email: str) -> None:
    page = user.client.get("/login", name="/login [GET]")
    match = CSRF.search(page.text)
    token = match.group(1) if match else ""
    with user.client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token},
                          name="/login [POST]", allow_redirects=False, catch_response=True) as response:
        if response.status_code != 302:
            response.failure(f"sign-in as {email} answered {response.status_code}")
    user.csrf = token


class CenterAdmin(HttpUser):
    weight = 3

    def on_start(self):
        self.email = random.choice(DATA["center_admins"])
        sign_in(self, self.email)
        self.cohorts = DATA["cohorts"][self.email]
        page = self.client.get("/center/trainees", name="/center/trainees [GET]")
        match = CSRF.search(page.text)
        self.search_token = match.group(1) if match else ""
        ready(self)

    @task(3)
    def dashboard(self):
        self.client.get("/center/", name="/center/")

    @task(3)
    def cohorts(self):
        self.client.get("/center/cohorts", name="/center/cohorts")

    @task(4)
    def roster(self):
        self.client.get(f"/center/cohorts/{random.choice(self.cohorts)}", name="/center/cohorts/[id]")

    @task(3)
    def search(self):
        self.client.post("/center/trainees", data={"q": random.choice(DATA["names"]), "csrf_token": self.search_token},
                         name="/center/trainees [POST search]")

    @task(2)
    def awards(self):
        self.client.get("/center/awards", name="/center/awards")

    @task(2)
    def followups(self):
        self.client.get("/center/followups", name="/center/followups")

    @task(1)
    def placements(self):
        self.client.get("/center/placements", name="/center/placements")


class Trainee(HttpUser):
    weight = 2

    def on_start(self):
        sign_in(self, random.choice(DATA["trainees"]))
        ready(self)

    @task(2)
    def home(self):
        self.client.get("/me/", name="/me/")

    @task(2)
    def learning(self):
        self.client.get("/me/learning", name="/me/learning")

    @task(2)
    def certificates(self):
        self.client.get("/me/certificates", name="/me/certificates")

    @task(1)
    def jobs(self):
        self.client.get("/me/jobs", name="/me/jobs")


class Ministry(HttpUser):
    weight = 1

    def on_start(self):
        sign_in(self, DATA["ministry"])
        ready(self)

    @task(2)
    def dashboard(self):
        self.client.get("/ministry/", name="/ministry/")

    @task(2)
    def regions(self):
        self.client.get("/ministry/regions", name="/ministry/regions")

    @task(1)
    def fairness(self):
        self.client.get("/ministry/fairness", name="/ministry/fairness")

    @task(1)
    def trends(self):
        self.client.get("/ministry/trends", name="/ministry/trends")


class Verifier(HttpUser):
    weight = 3

    def on_start(self):
        ready(self)

    @task(2)
    def page(self):
        self.client.get(f"/verify/{random.choice(DATA['codes'])}", name="/verify/[code]")

    @task(1)
    def api(self):
        self.client.get(f"/api/v1/verify/{random.choice(DATA['codes'])}", name="/api/v1/verify/[code]")


class Baseline(HttpUser):
    weight = 2

    def on_start(self):
        ready(self)

    @task
    def baseline(self):
        self.client.get(f"/bench/baseline/{random.choice(DATA['regions'])}", name="/bench/baseline/[id]")


class BaselineOnly(Baseline):
    """The baseline phase of run_load.sh (``locust … BaselineOnly``): every user requests only the
    baseline route, so the server's rate on its cheapest page is measured in the same run.
    run_load.sh names the classes of each phase, so this one is never part of the mix."""
