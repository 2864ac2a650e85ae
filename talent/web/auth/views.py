"""Sign in (password, then a second factor where needed), sign out, password change, two-factor
set-up and the language switch.

Sign-in with a second factor: the password step leaves only a short-lived *pending* marker in a
fresh session (user id, the user's session token, time, where to go next); ``login_user`` is called
only after the TOTP or recovery code step passes, so nothing counts as signed in before that.
"""
from __future__ import annotations

import secrets
import time

from flask import (Blueprint, current_app, flash, g, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

from talent.accounts import services as accounts
from talent.accounts import lockout, twofactor
from talent.accounts.models import User
from talent.errors import ValidationError
from talent.extensions import csrf, db, limiter
from talent.permissions import Actor
from talent.web.auth.forms import LoginForm, PasswordChangeForm, TotpCodeForm, TwoFactorForm
from talent.web.context import client_ip, current_actor
from talent.web.forms import apply_errors
from talent.web.redirects import safe_next
from talent.web.auth.oidc import provider_logout_url
from talent.web.auth.sessions import (HOME_BY_ROLE, PENDING_KEY, SECOND_FACTOR_KEY, fresh_session,  # noqa: F401
                                      home_url, start_session)
from talent.web.transactions import commit_now

bp = Blueprint("auth", __name__)

PENDING_SECONDS = 5 * 60


def _pending_user() -> User | None:
    """The user who passed the password step in this session, if that was recent."""
    data = session.get(PENDING_KEY)
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("uid")) if isinstance(data.get("uid"), int) else None
    fresh = time.time() - float(data.get("at", 0)) <= PENDING_SECONDS
    if (user is None or not fresh or not user.active
            or not secrets.compare_digest(user.session_token, str(data.get("tok", "")))):
        session.pop(PENDING_KEY, None)
        return None
    return user


def _pending_limit_key() -> str:
    data = session.get(PENDING_KEY)
    uid = data.get("uid") if isinstance(data, dict) else None
    return f"2fa-user:{uid}" if uid else f"2fa-ip:{request.remote_addr}"


def _restart_sign_in():
    session.pop(PENDING_KEY, None)
    flash(_("Please sign in again."), "info")
    return redirect(url_for("auth.login"))


@bp.after_app_request
def _device_cookie(response):
    """Set (after a sign-in, or an unlock link) or drop (after a wrong password) the device cookie."""
    name = current_app.config["DEVICE_COOKIE_NAME"]
    value = g.pop("_device_cookie", None)
    if value:
        response.set_cookie(name, value, max_age=lockout.DEVICE_DAYS * 86400, path="/", httponly=True,
                            secure=current_app.config["SESSION_COOKIE_SECURE"], samesite="Lax")
    elif g.pop("_drop_device_cookie", False):
        response.delete_cookie(name, path="/", httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"],
                               samesite="Lax")
    return response


@bp.before_app_request
def _enforce_second_factor():
    """A session signed in without the second factor (e.g. from before 2FA was switched on) ends."""
    if request.endpoint == "static" or request.path.startswith("/api/"):
        return
    if ("_user_id" in session and current_user.is_authenticated and not session.get(SECOND_FACTOR_KEY)
            and twofactor.required_for(current_user)):
        logout_user()
        fresh_session()


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
            user = accounts.authenticate(form.email.data, form.password.data, ip=client_ip(),
                                         device=request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"]))
        except ValidationError as error:
            if isinstance(error, accounts.DeviceRefused):
                g._drop_device_cookie = True
            # The failure counter, the delay it may start and its mail stay: committed here,
            # not by the answer's status (401, the same for every refusal).
            commit_now()
            form.password.errors = [str(error.message)]
            return render_template("auth/login.html", form=form), 401
        next_url = safe_next(request.args.get("next"))
        if twofactor.needs_second_factor(user):
            fresh_session()
            session[PENDING_KEY] = {"uid": user.id, "tok": user.session_token, "at": int(time.time()),
                                    "next": next_url}
            return redirect(url_for("auth.two_factor" if twofactor.is_enrolled(user) else "auth.enrol"))
        start_session(user, second_factor=False)
        return redirect(next_url or home_url())
    return render_template("auth/login.html", form=form)


@bp.route("/login/unlock/<path:token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def unlock(token: str):
    """The link from the "sign-in attempts" mail: a page with one button (mail scanners open links;
    only the POST clears the delay), which also makes this browser a known one."""
    try:
        user = lockout.user_for_unlock(token)
    except lockout.UnlockLinkInvalid as error:
        return render_template("auth/unlock.html", message=error.message, valid=False), 410
    if request.method == "POST":
        lockout.unlock(token, ip=client_ip())
        g._device_cookie = lockout.device_token(user)
        flash(_("Sign-in from this browser is no longer delayed. Sign in with your password."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/unlock.html", message=None, valid=True)


@bp.route("/login/verify", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@limiter.limit("10 per minute", methods=["POST"], key_func=_pending_limit_key)
def two_factor():
    user = _pending_user()
    if user is None:
        return _restart_sign_in()
    if not twofactor.is_enrolled(user):
        return redirect(url_for("auth.enrol"))
    form = TwoFactorForm()
    if form.validate_on_submit():
        actor = Actor.for_user(user, ip=client_ip(), channel="web")
        try:
            method = twofactor.verify(actor, user, form.code.data)
        except ValidationError as error:
            commit_now()  # the failure (and any lock) stays, like a wrong password's
            apply_errors(form, error)
            return render_template("auth/two_factor.html", form=form), 401
        next_url = session[PENDING_KEY].get("next")
        from_eid = session[PENDING_KEY].get("eid")
        start_session(user, second_factor=True)
        if from_eid:
            session["_eid"] = from_eid  # came from the national e-ID: sign-out ends it there too
        if method == "recovery":
            left = twofactor.remaining_recovery_codes(user)
            flash(_("You signed in with a recovery code; %(n)d remain. Create new ones under "
                    "Two-factor sign-in if you are running low.", n=left), "warning")
        return redirect(safe_next(next_url) or home_url())
    return render_template("auth/two_factor.html", form=form)


@bp.route("/login/enrol", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@limiter.limit("10 per minute", methods=["POST"], key_func=_pending_limit_key)
def enrol():
    """First sign-in of a user who must use a second factor: set it up before anything else."""
    user = _pending_user()
    if user is None:
        return _restart_sign_in()
    if twofactor.is_enrolled(user):
        return redirect(url_for("auth.two_factor"))
    actor = Actor.for_user(user, ip=client_ip(), channel="web")
    twofactor.begin_enrolment(actor, user)
    form = TotpCodeForm()
    if form.validate_on_submit():
        try:
            codes = twofactor.confirm_enrolment(actor, user, form.code.data)
        except ValidationError as error:
            commit_now()  # the started set-up and the failure count stay
            apply_errors(form, error)
            return _render_enrol(form, user, cancel_url=url_for("auth.login")), 422
        next_url = session[PENDING_KEY].get("next")
        from_eid = session[PENDING_KEY].get("eid")
        start_session(user, second_factor=True)
        if from_eid:
            session["_eid"] = from_eid  # came from the national e-ID: sign-out ends it there too
        return render_template("auth/recovery_codes.html", codes=codes,
                               continue_url=safe_next(next_url) or home_url())
    return _render_enrol(form, user, cancel_url=url_for("auth.login"))


def _render_enrol(form, user: User, *, cancel_url: str):
    secret = user.totp_secret or ""
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return render_template("auth/enrol.html", form=form, secret=grouped, qr=Markup(twofactor.qr_svg(user)),
                           required=twofactor.required_for(user), cancel_url=cancel_url)


@bp.route("/account/two-factor", methods=["GET"])
@login_required
def account_two_factor():
    user = current_user._get_current_object()
    return render_template("auth/account_two_factor.html", enrolled=twofactor.is_enrolled(user),
                           required=twofactor.required_for(user),
                           remaining=twofactor.remaining_recovery_codes(user), form=TotpCodeForm())


@bp.route("/account/two-factor/enrol", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per minute", methods=["POST"])
def account_enrol():
    """A signed-in user who is not required to use a second factor may still set one up."""
    user = current_user._get_current_object()
    if twofactor.is_enrolled(user):
        return redirect(url_for("auth.account_two_factor"))
    actor = current_actor()
    twofactor.begin_enrolment(actor, user)
    form = TotpCodeForm()
    if form.validate_on_submit():
        try:
            codes = twofactor.confirm_enrolment(actor, user, form.code.data)
        except ValidationError as error:
            commit_now()  # the started set-up and the failure count stay
            apply_errors(form, error)
            return _render_enrol(form, user, cancel_url=url_for("auth.account_two_factor")), 422
        session[SECOND_FACTOR_KEY] = True
        return render_template("auth/recovery_codes.html", codes=codes,
                               continue_url=url_for("auth.account_two_factor"))
    return _render_enrol(form, user, cancel_url=url_for("auth.account_two_factor"))


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
@limiter.limit("10 per minute")
def regenerate_recovery_codes():
    user = current_user._get_current_object()
    form = TotpCodeForm()
    if form.validate_on_submit():
        try:
            codes = twofactor.regenerate_recovery_codes(current_actor(), user, form.code.data)
        except ValidationError as error:
            commit_now()  # a wrong code counts towards the second factor's lock
            apply_errors(form, error)
        else:
            return render_template("auth/recovery_codes.html", codes=codes,
                                   continue_url=url_for("auth.account_two_factor"))
    return render_template("auth/account_two_factor.html", enrolled=twofactor.is_enrolled(user),
                           required=twofactor.required_for(user),
                           remaining=twofactor.remaining_recovery_codes(user), form=form), 422


@bp.route("/logout", methods=["POST"])
def logout():
    from_provider = bool(session.get("_eid"))  # this session came from the national e-ID
    if current_user.is_authenticated:
        # Rotates the user's server-side session token: a copy of this cookie (or any other
        # session of the user) is dead from now on, whatever client presents it.
        accounts.sign_out(current_actor(), current_user._get_current_object())
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have signed out."), "info")
    if from_provider:
        provider = provider_logout_url()  # RP-initiated logout: the provider's session ends too
        if provider:
            return redirect(provider)
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
@csrf.exempt
def set_language(code: str):
    """The language choice lives in its own cookie, so switching (and every page's switch form)
    needs no session: an anonymous visitor gets no session cookie. Exempt from CSRF: a forged
    switch changes nothing but the language, and touches no session (SameSite=Lax keeps the
    session cookie off a cross-site POST, and an empty session is not written)."""
    response = redirect(safe_next(request.form.get("next")) or url_for("public.index"))
    if code in current_app.config["LANGUAGES"]:
        if session:
            session["lang"] = code
        response.set_cookie(current_app.config["LANGUAGE_COOKIE_NAME"], code, max_age=365 * 24 * 3600,
                            path="/", secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True,
                            samesite="Lax")
    return response
