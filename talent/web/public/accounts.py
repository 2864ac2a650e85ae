"""Account links anyone may open (no sign-in): accept a trainee-portal invitation, ask for a
password-reset link and use it. On the public blueprint (/invitation/…, /password-reset/…) so
they sit outside the signed-in trainee area."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from talent.accounts import invitations
from talent.errors import ValidationError
from talent.extensions import limiter
from talent.web.context import client_ip
from talent.web.forms import apply_errors
from talent.web.public.blueprint import bp
from talent.web.transactions import rollback_only


class SetPasswordForm(FlaskForm):
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


def _link_invalid(error: invitations.LinkInvalid):
    return render_template("trainee/link_invalid.html", message=error.message,
                           form=ResetRequestForm(formdata=None)), 410


def _set_password_page(purpose: str, token: str):
    try:
        user = invitations.user_for_token(token, purpose)
    except invitations.LinkInvalid as error:
        return _link_invalid(error)
    form = SetPasswordForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            if purpose == invitations.INVITE:
                invitations.accept_invitation(token, form.new_password.data, ip=client_ip())
            else:
                invitations.reset_password(token, form.new_password.data, ip=client_ip())
        except ValidationError as error:
            rollback_only()
            apply_errors(form, error)
        else:
            if current_user.is_authenticated:
                logout_user()
            flash(_("Your password is set. Sign in with your email and the new password."), "success")
            return redirect(url_for("auth.login"))
    status = 422 if request.method == "POST" else 200
    return render_template("trainee/set_password.html", form=form, purpose=purpose, email=user.email), status


@bp.route("/invitation/<path:token>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def accept_invitation(token: str):
    return _set_password_page(invitations.INVITE, token)


@bp.route("/password-reset/<path:token>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def reset_password(token: str):
    return _set_password_page(invitations.RESET, token)


@bp.route("/password-reset", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def password_reset_request():
    form = ResetRequestForm()
    if request.method == "POST":
        if form.validate_on_submit():
            invitations.request_password_reset(form.email.data, ip=client_ip())
            flash(_("If an account uses this email, a link to set a new password is on its way."), "info")
            return redirect(url_for("public.password_reset_request"))
        return render_template("trainee/password_reset_request.html", form=form), 422
    return render_template("trainee/password_reset_request.html", form=form)
