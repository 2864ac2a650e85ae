"""Web interface: blueprints grouped by audience, plus the request-level plumbing
(one transaction per request, locale, security headers, templates)."""
from __future__ import annotations

from flask import Flask

from talent.web.account.views import bp as account_bp
from talent.web.admin.views import bp as admin_bp
from talent.web.auth.oidc import bp as oidc_bp
from talent.web.auth.views import bp as auth_bp
from talent.web.bench import register_bench
from talent.web.center.views import bp as center_bp
from talent.web.metrics import init_metrics
from talent.web.employer.views import bp as employer_bp
from talent.web.ministry.views import bp as ministry_bp
from talent.web.notifications.views import bp as notifications_bp
from talent.web.public.followup import bp as followup_bp
from talent.web.public.views import bp as public_bp
from talent.web.trainee import calendar as _calendar  # noqa: F401  (its pages on the trainee blueprint)
from talent.web.trainee.calendar import feeds as feeds_bp
from talent.web.trainee.views import bp as trainee_bp
from talent.web.transactions import init_transactions
from talent.web.applications.views import bp as applications_bp


def register_web(app: Flask) -> None:
    init_transactions(app)
    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(oidc_bp)  # national e-ID sign-in (issue 21)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(center_bp, url_prefix="/center")
    app.register_blueprint(trainee_bp, url_prefix="/me")
    app.register_blueprint(ministry_bp, url_prefix="/ministry")
    app.register_blueprint(employer_bp, url_prefix="/employer")  # issue 20
    app.register_blueprint(followup_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(account_bp, url_prefix="/account")
    app.register_blueprint(notifications_bp)  # issue 18
    app.register_blueprint(applications_bp)  # online applications, issue 19
    register_bench(app)  # only when BENCHMARK_ROUTES is on
    init_metrics(app)  # GET /metrics (off unless TALENT_METRICS_TOKEN) and the request timing hooks
