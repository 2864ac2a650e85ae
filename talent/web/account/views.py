"""API tokens: every signed-in user manages their personal tokens; the administrator creates
service tokens for other systems, each on a dedicated service user holding the role (and centers).
A new token's secret is shown once, on the answer to the form that created it."""
from __future__ import annotations

import secrets

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from talent.accounts import services as accounts
from talent.accounts import twofactor
from talent.accounts.models import ApiToken
from talent.centers.services import active_centers
from talent.errors import ValidationError
from talent.db import utcnow
from talent.extensions import limiter
from talent.loading import load
from talent.permissions import P
from talent.web.access import permission_required
from talent.web.account.forms import ServiceTokenForm, TokenForm
from talent.web.context import current_actor
from talent.web.forms import apply_errors
from talent.web.transactions import commit_now, rollback_only

bp = Blueprint("account", __name__)


def _reauth_limit_key_of_request() -> str:
    """The password (and code) asked when creating a token cannot be guessed fast from a stolen
    session: 10 tries a minute per user."""
    return _reauth_limit_key()


@bp.route("/tokens", methods=["GET", "POST"])
@permission_required(P.TOKENS_OWN)
@limiter.limit("10 per minute", methods=["POST"], key_func=_reauth_limit_key_of_request)
def tokens():
    form = TokenForm()
    actor = current_actor()
    secret = None
    status = 200
    if form.validate_on_submit():
        try:
            _token, secret = accounts.create_token(actor, current_user, form.name.data, days=form.days.data,
                                                   password=form.current_password.data, code=form.code.data)
            form = TokenForm(formdata=None)
        except ValidationError as error:
            apply_errors(form, error)
            status = _refusal_status(error)
    elif form.is_submitted():
        status = 422
    personal = [t for t in accounts.list_tokens(actor, actor.user_id) if not t.is_service]
    return render_template("account/tokens.html", form=form, tokens=personal, secret=secret,
                           **_identity_context()), status


def _refusal_status(error: ValidationError) -> int:
    """A wrong password or code is committed (it counts towards the delay and the second-factor
    lock, like at sign-in) and answered 401; any other mistake writes nothing (422)."""
    if accounts.REAUTH_FIELDS & set(error.fields):
        commit_now()
        return 401
    rollback_only()
    return 422


def _identity_context() -> dict:
    return {"needs_code": twofactor.is_enrolled(current_user), "now": utcnow(),
            "default_days": current_app.config["API_TOKEN_DAYS"], "max_days": current_app.config["API_TOKEN_MAX_DAYS"]}


def _reauth_limit_key() -> str:
    return f"token-create:{getattr(current_user, 'id', None) or request.remote_addr}"


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@permission_required(P.TOKENS_OWN)
def revoke(token_id: int):
    actor = current_actor()
    token = load(actor, ApiToken, token_id, P.TOKENS_OWN, visible=lambda t: t.user_id == actor.user_id)
    accounts.revoke_token(actor, token)
    flash(_("The token was revoked; it no longer works."), "success")
    return redirect(url_for("account.tokens"))


def _service_form() -> ServiceTokenForm:
    form = ServiceTokenForm()
    form.centers.choices = [(c.id, f"{c.code} — {c.name}") for c in active_centers()]
    return form


def _service_email() -> str:
    domain = current_app.config.get("MAIL_FROM", "no-reply@talent.example.az").rpartition("@")[2] \
        or "talent.example.az"
    return f"service-{secrets.token_hex(6)}@{domain}"


@bp.route("/service-tokens", methods=["GET", "POST"])
@permission_required(P.TOKENS_MANAGE)
@limiter.limit("10 per minute", methods=["POST"], key_func=_reauth_limit_key_of_request)
def service_tokens():
    form = _service_form()
    actor = current_actor()
    secret = None
    status = 200
    if form.validate_on_submit():
        try:
            _token, secret = accounts.create_service_token(
                actor, email=_service_email(), name=form.name.data, role=form.role.data,
                center_ids=form.centers.data or None, days=form.days.data,
                password=form.current_password.data, code=form.code.data)
            form = _service_form()
            form.process(formdata=None)
            form.centers.choices = [(c.id, f"{c.code} — {c.name}") for c in active_centers()]
        except ValidationError as error:
            apply_errors(form, error)
            status = _refusal_status(error)
    elif form.is_submitted():
        status = 422
    service = [t for t in accounts.list_tokens(actor) if t.is_service]
    return render_template("account/service_tokens.html", form=form, tokens=service, secret=secret,
                           **_identity_context()), status


@bp.route("/service-tokens/<int:token_id>/revoke", methods=["POST"])
@permission_required(P.TOKENS_MANAGE)
def revoke_service(token_id: int):
    actor = current_actor()
    token = load(actor, ApiToken, token_id, P.TOKENS_MANAGE, visible=lambda t: t.is_service)
    accounts.revoke_token(actor, token)
    flash(_("The service token was revoked; it no longer works."), "success")
    return redirect(url_for("account.service_tokens"))
