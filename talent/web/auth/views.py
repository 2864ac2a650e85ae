"""Sign in, sign out, password change and the language switch."""
from __future__ import annotations

import time

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from talent.accounts import services as accounts
from talent.errors import ValidationError
from talent.extensions import limiter
from talent.web.auth.forms import LoginForm, PasswordChangeForm
from talent.web.context import client_ip, current_actor
from talent.web.forms import apply_errors
from talent.web.redirects import safe_next

bp = Blueprint("auth", __name__)

HOME_BY_ROLE = {
    "admin": "admin.index",
    "center_admin": "center.dashboard",
    "ministry": "ministry.dashboard",
    "trainee": "trainee.learning",
}


def home_url() -> str:
    from flask import current_app
    endpoint = HOME_BY_ROLE.get(getattr(current_user, "role", ""), "public.index")
    if endpoint not in current_app.view_functions:
        endpoint = "public.index"
    return url_for(endpoint)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_url())
    form = LoginForm()
    if session.pop("_expired", False):
        flash(_("Your session ended. Please sign in again."), "info")
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data, ip=client_ip())
        except ValidationError as error:
            form.password.errors = [str(error.message)]
            return render_template("auth/login.html", form=form), 200
        lang = session.get("lang")
        session.clear()  # a new session at sign-in: nothing from before survives
        if lang:
            session["lang"] = lang
        login_user(user)
        now = int(time.time())
        session["_started"] = now
        session["_seen"] = now
        return redirect(safe_next(request.args.get("next")) or home_url())
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have signed out."), "info")
    return redirect(url_for("public.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_actor(), current_user, form.current_password.data,
                                     form.new_password.data)
        except ValidationError as error:
            apply_errors(form, error)
            return render_template("auth/password.html", form=form), 422
        login_user(current_user._get_current_object())  # token rotated: keep this session
        flash(_("Your password has been changed. Other sessions were signed out."), "success")
        return redirect(home_url())
    return render_template("auth/password.html", form=form)


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    from flask import current_app
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("public.index"))
