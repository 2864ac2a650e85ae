"""Sign-in with the national e-ID (OpenID Connect, issue 21): the routes.

``GET /login/oidc`` starts the authorization code flow at the provider (Authlib's Flask client:
PKCE S256, a random ``state`` and ``nonce`` kept in the signed session cookie);
``GET /login/oidc/callback`` takes the provider's answer: the ``state`` must be the one this
browser was given (used once, then dropped), the code is exchanged once at the token endpoint
(with the PKCE verifier and the client secret), and the ID token's signature is checked against
the provider's published keys (JWKS), with ``iss`` (the configured issuer, also checked against
the discovery document), ``aud`` (our client id), ``exp`` and ``nonce``. Only claims that passed
all of it reach the linking rules (``talent.accounts.oidc``).

Every failure — a tampered or replayed ``state``, a code used twice, a token expired, wrongly
signed or meant for another client, a provider that does not answer — is a page in the user's
language (status 400), with nothing written (the request's transaction rolls back).

``POST /login/oidc`` (signed in, staff) starts the same flow to link the staff member's own
account; ``/login/oidc/consent`` asks a trainee without an account to accept the consent text
before one is created. Logout: ``auth.logout`` sends a session that came from the provider to the
provider's ``end_session_endpoint`` (RP-initiated logout). ``POST /login/oidc/backchannel-logout``
is the other direction (OpenID Connect Back-Channel Logout 1.0): the provider posts a signed
``logout_token`` when the person's session there ends, and every session of the linked account
ends here (see :func:`backchannel_logout`).
"""
from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from flask import (Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from talent.accounts import oidc as eid
from talent.accounts import twofactor
from talent.accounts.models import User
from talent.errors import DomainError, NotFound, ValidationError
from talent.extensions import csrf, db, limiter
from talent.permissions import P
from talent.web.access import permission_required
from talent.web.auth.sessions import PENDING_KEY as PASSWORD_PENDING
from talent.web.auth.sessions import fresh_session, home_url, start_session
from talent.web.context import client_ip, current_actor

bp = Blueprint("oidc", __name__)

CLIENT_NAME = "eid"
PENDING_KEY = "_eid_consent"   # a verified identity waiting for the trainee's consent
LINK_KEY = "_eid_link"         # a signed-in staff member linking their own account
SESSION_KEY = "_eid"           # this session came from the provider (for RP-initiated logout)
PENDING_SECONDS = 10 * 60
METADATA_SECONDS = 24 * 3600

MESSAGES = {
    "cancelled": _l("The sign-in at the national e-ID was cancelled or refused. You can start again."),
    "state": _l("This sign-in answer does not belong to this browser, or it was used already. Please "
                "start the sign-in again."),
    "code": _l("The identity provider did not accept this sign-in (its code may have been used already). "
               "Please start the sign-in again."),
    "token": _l("The identity provider's answer could not be verified: it had expired, was altered, or "
                "was meant for another service. Please start the sign-in again."),
    "down": _l("The national e-ID service cannot be reached right now. Please try again later, or sign "
               "in with your password."),
    "expired": _l("This step took too long. Please start the sign-in again."),
}


# ---- the Authlib client ------------------------------------------------------------------------

def enabled() -> bool:
    return bool(current_app.config.get("OIDC_ISSUER") and current_app.config.get("OIDC_CLIENT_ID"))


def _client():
    """The Authlib client for the configured provider, built once per configuration."""
    from authlib.integrations.flask_client import OAuth
    config = current_app.config
    key = (config["OIDC_ISSUER"], config["OIDC_CLIENT_ID"], config.get("OIDC_CLIENT_SECRET"),
           config.get("OIDC_SCOPE"), config.get("OIDC_TIMEOUT"))
    cached = current_app.extensions.get("talent_oidc")
    if cached is None or cached[0] != key:
        registry = OAuth(current_app._get_current_object())
        client = registry.register(
            CLIENT_NAME, client_id=config["OIDC_CLIENT_ID"], client_secret=config.get("OIDC_CLIENT_SECRET"),
            server_metadata_url=f"{config['OIDC_ISSUER']}/.well-known/openid-configuration",
            client_kwargs={"scope": config.get("OIDC_SCOPE") or "openid profile", "code_challenge_method": "S256",
                           "default_timeout": config.get("OIDC_TIMEOUT") or 10},
        )
        cached = (key, client)
        current_app.extensions["talent_oidc"] = cached
    client = cached[1]
    loaded = client.server_metadata.get("_loaded_at")
    if loaded and time.time() - loaded > METADATA_SECONDS:  # re-read discovery (and keys) daily
        client.server_metadata.clear()
    return client


class _Failure(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _metadata(client) -> dict[str, Any]:
    """The discovery document, whose ``issuer`` must be exactly the configured one (a provider
    answering for another issuer is refused: mix-up defence)."""
    metadata = client.load_server_metadata()
    if str(metadata.get("issuer", "")).rstrip("/") != current_app.config["OIDC_ISSUER"]:
        client.server_metadata.clear()
        raise _Failure("token")
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(metadata.get(name), str):
            client.server_metadata.clear()
            raise _Failure("down")
    return metadata


def _guarded(step):
    """Run a protocol step, turning every failure of the provider or of its answer into a reason."""
    import requests
    from authlib.common.errors import AuthlibBaseError
    from authlib.integrations.base_client import MismatchingStateError
    from joserfc.errors import JoseError
    try:
        return step()
    except _Failure:
        raise
    except MismatchingStateError:
        raise _Failure("state") from None
    except requests.RequestException:
        raise _Failure("down") from None
    except JoseError:
        raise _Failure("token") from None
    except AuthlibBaseError as error:
        # OAuthError from the token endpoint (invalid_grant: a replayed or foreign code) or an
        # Authlib JOSE error from the ID token.
        reason = "code" if getattr(error, "error", None) in ("invalid_grant", "invalid_request",
                                                             "invalid_client", "unauthorized_client") else "token"
        raise _Failure(reason) from None
    except (ValueError, KeyError, TypeError, RuntimeError):
        # A body that is not JSON, a discovery document without keys, a token without parts.
        raise _Failure("token") from None


def _failure_page(reason: str, status: int = 400):
    current_app.logger.info("e-ID sign-in refused: %s", reason)
    return render_template("auth/eid_error.html", message=MESSAGES[reason]), status


# ---- routes ------------------------------------------------------------------------------------

@bp.app_template_global("eid_sign_in_enabled")
def _eid_sign_in_enabled() -> bool:
    return enabled()


@bp.app_template_global("eid_verified_at")
def _eid_verified_at(trainee_id: int):
    """When the trainee last proved their identity with the e-ID (for the center's trainee page)."""
    return eid.trainee_verified_at(trainee_id)


def _redirect_uri() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("oidc.callback")


def _start():
    client = _client()
    # PKCE (S256), state and nonce: generated by Authlib and kept in the signed session cookie.
    return _guarded(lambda: (_metadata(client), client.authorize_redirect(_redirect_uri()))[1])


@bp.route("/login/oidc", methods=["GET", "POST"])
@limiter.limit("20 per minute")
def start():
    if not enabled():
        return render_template("auth/eid_error.html",
                               message=_("Sign-in with the national e-ID is not offered here.")), 404
    if request.method == "POST":
        # A signed-in staff member links their own account (CSRF-checked form on /account/eid).
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if current_user.role not in eid.STAFF_ROLES:
            return render_template("auth/eid_error.html",
                                   message=_("Only a signed-in staff member can link their own account this way.")), 403
        session[LINK_KEY] = {"uid": current_user.id, "at": int(time.time())}
    elif current_user.is_authenticated:
        return redirect(home_url())
    else:
        session.pop(LINK_KEY, None)
    try:
        return _start()
    except _Failure as failure:
        return _failure_page(failure.reason)


def _verified_identity() -> eid.VerifiedIdentity:
    client = _client()
    if request.args.get("error"):
        raise _Failure("cancelled")
    if not request.args.get("state") or not request.args.get("code"):
        raise _Failure("state")
    metadata = _guarded(lambda: _metadata(client))
    token = _guarded(client.authorize_access_token)
    claims = token.get("userinfo") if isinstance(token, dict) else None
    if not claims or "id_token" not in token:
        raise _Failure("token")  # no ID token, or one Authlib did not verify: nothing is trusted
    claims = dict(claims)
    fin_claim = current_app.config["OIDC_FIN_CLAIM"]
    if (fin_claim not in claims or "birthdate" not in claims) and metadata.get("userinfo_endpoint"):
        # Providers often give custom claims at the userinfo endpoint only; its "sub" must be the
        # ID token's (OpenID Connect Core 5.3.2), or nothing from it is used.
        info = _guarded(lambda: client.userinfo(token=token))
        if info.get("sub") != claims.get("sub"):
            raise _Failure("token")
        for name in (fin_claim, "birthdate"):
            if name not in claims and name in info:
                claims[name] = info[name]
    try:
        return eid.identity_from_claims(claims, issuer=current_app.config["OIDC_ISSUER"], fin_claim=fin_claim)
    except ValidationError:
        raise _Failure("token") from None


@bp.route("/login/oidc/callback", methods=["GET"])
@limiter.limit("20 per minute")
def callback():
    if not enabled():
        return render_template("auth/eid_error.html",
                               message=_("Sign-in with the national e-ID is not offered here.")), 404
    linking = session.pop(LINK_KEY, None)
    try:
        identity = _verified_identity()
    except _Failure as failure:
        return _failure_page(failure.reason)
    if isinstance(linking, dict):
        return _finish_link(identity, linking)
    try:
        outcome = eid.sign_in(identity, ip=client_ip())
    except DomainError as error:
        return render_template("auth/eid_error.html", message=error.message), 409
    if outcome.kind == "no_record":
        if outcome.applicant:   # the online application form fills in and locks the proven FIN (issue 19)
            session[eid.APPLICANT_SESSION_KEY] = outcome.applicant
        return render_template("auth/eid_no_record.html", applicant=bool(outcome.applicant)), 200
    if outcome.kind == "consent":
        fresh_session()
        # The matched record's id and the subject, never the FIN (the cookie is signed, not secret).
        session[PENDING_KEY] = {"iss": identity.issuer, "sub": identity.subject, "tid": outcome.trainee_id,
                                "at": int(time.time())}
        return redirect(url_for("oidc.consent"))
    return _signed_in(outcome.user)


def _signed_in(user):
    if twofactor.needs_second_factor(user):
        # Staff who must use a second factor still give it (the e-ID replaces the password only).
        fresh_session()
        session[PASSWORD_PENDING] = {"uid": user.id, "tok": user.session_token, "at": int(time.time()),
                                     "next": None, "eid": {"at": int(time.time())}}
        return redirect(url_for("auth.two_factor" if twofactor.is_enrolled(user) else "auth.enrol"))
    start_session(user, second_factor=False)
    session[SESSION_KEY] = {"at": int(time.time())}
    return redirect(home_url())


def _finish_link(identity: eid.VerifiedIdentity, linking: dict):
    fresh = time.time() - float(linking.get("at", 0)) <= PENDING_SECONDS
    if not current_user.is_authenticated or linking.get("uid") != current_user.id or not fresh:
        return _failure_page("expired")
    try:
        eid.link_self(current_actor(), current_user._get_current_object(), identity)
    except DomainError as error:
        return render_template("auth/eid_error.html", message=error.message), 409
    flash(_("Your account is now linked to your national e-ID. You can sign in with it."), "success")
    return redirect(url_for("oidc.account"))


def _pending_identity() -> tuple[str, str, int] | None:
    """(issuer, subject, trainee id) of a verified sign-in waiting for consent, if recent."""
    data = session.get(PENDING_KEY)
    if (not isinstance(data, dict) or time.time() - float(data.get("at", 0)) > PENDING_SECONDS
            or data.get("iss") != current_app.config.get("OIDC_ISSUER") or not isinstance(data.get("sub"), str)
            or not isinstance(data.get("tid"), int)):
        session.pop(PENDING_KEY, None)
        return None
    return data["iss"], data["sub"], data["tid"]


@bp.route("/login/oidc/consent", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def consent():
    """First e-ID sign-in of a trainee without an account: the consent text, then the account."""
    pending = _pending_identity()
    if pending is None:
        return _failure_page("expired")
    issuer, subject, trainee_id = pending
    trainee = eid.consent_trainee(trainee_id)
    if trainee is None:
        session.pop(PENDING_KEY, None)
        return _failure_page("expired")
    if request.method == "POST":
        if request.form.get("decision") != "accept":
            session.pop(PENDING_KEY, None)
            flash(_("No account was created. Nothing about you was stored."), "info")
            return redirect(url_for("auth.login"))
        try:
            user = eid.accept_consent(issuer, subject, trainee_id, ip=client_ip())
        except DomainError as error:
            session.pop(PENDING_KEY, None)
            return render_template("auth/eid_error.html", message=error.message), 409
        session.pop(PENDING_KEY, None)
        return _signed_in(user)
    return render_template("auth/eid_consent.html", first_name=trainee.first_name)


@bp.route("/account/eid", methods=["GET"])
@login_required
def account():
    """The signed-in user's e-ID link: its state, and for staff the buttons to link or remove it."""
    link = eid.link_of_user(current_user.id)
    return render_template("auth/account_eid.html", link=link, enabled=enabled(),
                           staff=current_user.role in eid.STAFF_ROLES)


@bp.route("/account/eid/unlink", methods=["POST"])
@login_required
def unlink():
    try:
        eid.unlink(current_actor(), current_user.id)
    except DomainError as error:
        flash(str(error.message), "danger")
        return redirect(url_for("oidc.account"))
    flash(_("The e-ID link was removed."), "success")
    return redirect(url_for("oidc.account"))


@bp.route("/admin/users/<int:user_id>/eid", methods=["GET", "POST"])
@permission_required(P.USERS_MANAGE)
def admin_user_eid(user_id: int):
    """An administrator links a staff account to the subject the provider gives that person, or
    removes the link (the rules and the permission check are the service's)."""
    user = db.session.get(User, user_id)
    if user is None or user.role not in eid.STAFF_ROLES:
        raise NotFound(_l("Not found."))
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            if request.form.get("action") == "unlink":
                eid.unlink(current_actor(), user.id)
                flash(_("The e-ID link was removed."), "success")
            else:
                if not enabled():
                    abort(404)
                eid.link_by_admin(current_actor(), user.id, issuer=current_app.config["OIDC_ISSUER"],
                                  subject=request.form.get("subject"))
                flash(_("%(email)s can now sign in with the national e-ID.", email=user.email), "success")
            return redirect(url_for("oidc.admin_user_eid", user_id=user.id))
        except ValidationError as error:
            errors = dict(error.fields or {})
            status = 422
        except DomainError as error:
            if isinstance(error, NotFound):
                raise
            errors = {"subject": str(error.message)}
            status = 409
    return render_template("auth/admin_user_eid.html", user=user, link=eid.link_of_user(user.id),
                           enabled=enabled(), errors=errors, subject=request.form.get("subject", "")), status


def provider_logout_url() -> str | None:
    """Where to send a browser whose session came from the provider when it signs out
    (RP-initiated logout), or None (no provider, or it does not offer logout, or is down)."""
    if not enabled():
        return None
    client = _client()
    try:
        metadata = _guarded(lambda: _metadata(client))
    except _Failure:
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
        return None
    # No id_token_hint: the ID token (it carries the FIN) is never kept in the cookie session.
    params = {"client_id": current_app.config["OIDC_CLIENT_ID"],
              "post_logout_redirect_uri": current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/"}
    return endpoint + ("&" if "?" in endpoint else "?") + urlencode(params)


# ---- back-channel logout -----------------------------------------------------------------------

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_MAX = 8000
LOGOUT_TOKEN_SKEW = 120   # seconds: a logout token's iat must be this recent (bounds a replay)


def _logout_claims(token: str) -> dict[str, Any]:
    """The claims of a logout token that passed every check of Back-Channel Logout 1.0 §2.6: the
    signature against the provider's JWKS (asymmetric algorithms only), ``iss``, ``aud``, a recent
    ``iat`` (and ``exp`` when present), the back-channel event, a ``sub``, a ``jti`` and no ``nonce``."""
    from joserfc import jwt
    from joserfc.jwk import KeySet

    client = _client()
    _metadata(client)
    keys = KeySet.import_key_set(client.fetch_jwk_set())
    claims = dict(jwt.decode(token, keys, algorithms=["RS256", "RS384", "RS512", "PS256", "ES256", "ES384",
                                                      "EdDSA"]).claims)
    config = current_app.config
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    now = time.time()
    iat, exp = claims.get("iat"), claims.get("exp")
    events = claims.get("events")
    if (str(claims.get("iss", "")).rstrip("/") != config["OIDC_ISSUER"] or config["OIDC_CLIENT_ID"] not in audiences
            or not isinstance(iat, (int, float)) or abs(now - iat) > LOGOUT_TOKEN_SKEW
            or (exp is not None and (not isinstance(exp, (int, float)) or exp < now))
            or not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_EVENT), dict)
            or "nonce" in claims or not isinstance(claims.get("jti"), str)
            or not isinstance(claims.get("sub"), str) or not claims["sub"]):
        raise _Failure("token")
    return claims


@bp.route("/login/oidc/backchannel-logout", methods=["POST"])
@csrf.exempt
@limiter.limit("60 per minute")
def backchannel_logout():
    """OpenID Connect Back-Channel Logout 1.0: a server-to-server POST from the provider (no
    browser, no cookie, hence no CSRF token) with a signed ``logout_token``. Answers 200 with
    ``Cache-Control: no-store`` once the token is verified (also when no account is linked to its
    subject), 400 ``invalid_request`` otherwise, with nothing changed. A token naming only a
    provider session (``sid`` without ``sub``) is refused: this service does not keep the
    provider's session ids. Replays are bounded by the ``iat`` window and harmless (the sessions
    end again)."""
    def answer(body: dict, status: int):
        response = jsonify(body)
        response.status_code = status
        response.headers["Cache-Control"] = "no-store"
        return response

    token = request.form.get("logout_token")
    if not enabled():
        return answer({"error": "invalid_request", "error_description": "e-ID is not configured"}, 400)
    if not isinstance(token, str) or not token or len(token) > LOGOUT_TOKEN_MAX:
        return answer({"error": "invalid_request", "error_description": "logout_token missing"}, 400)
    try:
        claims = _guarded(lambda: _logout_claims(token))
    except _Failure as failure:
        current_app.logger.info("e-ID back-channel logout refused: %s", failure.reason)
        return answer({"error": "invalid_request", "error_description": "logout_token not valid"}, 400)
    eid.end_sessions_of_subject(current_app.config["OIDC_ISSUER"], claims["sub"])
    return answer({}, 200)
