"""Security headers, session lifetime (30 minutes idle, 12 hours in all) and cache rules."""
from __future__ import annotations

import time

from flask import Flask, Response, request, session
from flask_login import current_user, logout_user

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")


def content_security_policy(config) -> str:
    """The CSP; with national e-ID sign-in on, forms may also lead to the provider's origin (sign-out
    and the staff link button are forms whose answer redirects there: form-action covers redirects)."""
    issuer = config.get("OIDC_ISSUER")
    if not issuer:
        return CSP
    from urllib.parse import urlsplit
    parts = urlsplit(issuer)
    return CSP.replace("form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}")


def init_security(app: Flask) -> None:
    idle = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    absolute = app.config["SESSION_ABSOLUTE_HOURS"] * 3600

    @app.before_request
    def _session_lifetime() -> None:
        if request.endpoint == "static":
            return
        now = int(time.time())
        if current_user.is_authenticated:
            started = session.get("_started", now)
            last = session.get("_seen", now)
            if now - last > idle or now - started > absolute:
                logout_user()
                session.clear()
                session["_expired"] = True
                return
            session["_seen"] = now
            session.setdefault("_started", started)
        if session:
            # Only a session that holds something (sign-in, CSRF token, a pending import) is made
            # permanent: marking an empty one would send a Set-Cookie to every anonymous visitor.
            session.permanent = True

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", content_security_policy(app.config))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["PRODUCTION"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint != "static" and not headers.get("Cache-Control", "").startswith("public"):
            # Pages may hold personal data: never cache them anywhere. A response its view marked
            # "public" on purpose (the public catalog's API, the issuer profile, the public keys)
            # keeps its own caching.
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        return response
