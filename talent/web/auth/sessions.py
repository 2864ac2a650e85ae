"""The signed-in session, shared by the password sign-in (views.py) and the national e-ID sign-in
(oidc.py): where a role lands, a fresh session, starting a signed-in one."""
from __future__ import annotations

import time

from flask import current_app, g, session, url_for
from flask_login import current_user, login_user

from talent.accounts import lockout
from talent.accounts.models import User

HOME_BY_ROLE = {
    "admin": "admin.index",
    "center_admin": "center.dashboard",
    "ministry": "ministry.dashboard",
    "trainee": "trainee.learning",
    "employer": "employer.placements",
}
PENDING_KEY = "_2fa_pending"
SECOND_FACTOR_KEY = "_2fa"


def home_url() -> str:
    endpoint = HOME_BY_ROLE.get(getattr(current_user, "role", ""), "public.index")
    if endpoint not in current_app.view_functions:
        endpoint = "public.index"
    return url_for(endpoint)


def fresh_session() -> None:
    """A new session: nothing from before survives but the language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def start_session(user: User, *, second_factor: bool) -> None:
    fresh_session()
    login_user(user)
    g._device_cookie = lockout.device_token(user)   # this browser is now a known one for the user
    now = int(time.time())
    session["_started"] = now
    session["_seen"] = now
    if second_factor:
        session[SECOND_FACTOR_KEY] = True
