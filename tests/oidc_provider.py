"""A real OpenID Connect provider for the tests, served over HTTP on 127.0.0.1 from a thread.

Why not a provider from a registry: ``oidc-provider-mock`` 0.4 needs Python 3.12 and 0.3 cannot
issue the broken answers the tests need (a token for another audience, expired, signed by a key
that is not the published one). This one is small and does what a provider does on the wire:
discovery, JWKS, the authorization endpoint (a sign-in page with one button per person, or an
immediate answer for a chosen person), the token endpoint (client authentication, one-time codes,
PKCE S256, the redirect URI checked), RS256-signed ID tokens (``iss``, ``sub``, ``aud``, ``exp``,
``iat``, ``nonce``, the FIN and ``birthdate`` claims), userinfo and an end-session endpoint. The
keys and signatures are joserfc's (the JOSE library Authlib itself uses).

``provider.mode`` makes it misbehave on purpose: ``wrong_aud``, ``expired``, ``bad_signature``,
``wrong_issuer``, ``wrong_nonce``, ``no_fin_in_token`` (the FIN only at userinfo),
``userinfo_other_sub`` (the FIN only at userinfo, which answers about someone else).
"""
from __future__ import annotations

import base64
import hashlib
import html
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server


@dataclass
class Person:
    sub: str
    name: str
    fin: str | None = None
    birthdate: str | None = None


@dataclass
class OidcProvider:
    client_id: str = "talent-test"
    client_secret: str = "talent-test-secret"
    redirect_uris: set[str] = field(default_factory=set)
    people: dict[str, Person] = field(default_factory=dict)
    auto_sub: str | None = None      # answer /authorize at once for this person (no page)
    mode: str | None = None
    codes: dict[str, dict] = field(default_factory=dict)
    used_codes: set[str] = field(default_factory=set)
    access_tokens: dict[str, str] = field(default_factory=dict)
    logouts: list[dict] = field(default_factory=list)
    token_requests: int = 0

    def __post_init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig"})
        # Same kid, another key: a token signed with it fails the signature check.
        self.rogue_key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig"})
        self.app = self._build()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="oidc-provider", daemon=True)
        self.running = False

    # -- lifecycle --
    def start(self) -> "OidcProvider":
        self.thread.start()
        self.running = True
        return self

    def stop(self) -> None:
        if self.running:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=10)
            self.running = False

    def add(self, person: Person) -> Person:
        self.people[person.sub] = person
        return person

    @property
    def issuer(self) -> str:
        return self.base

    # -- the provider --
    def _id_token(self, person: Person, nonce: str | None) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": person.sub, "aud": self.client_id, "iat": now, "exp": now + 300,
                  "auth_time": now, "name": person.name}
        if nonce:
            claims["nonce"] = nonce
        userinfo_only = self.mode in ("no_fin_in_token", "userinfo_other_sub")
        if person.fin and not userinfo_only:
            claims["fin"] = person.fin
        if person.birthdate and not userinfo_only:
            claims["birthdate"] = person.birthdate
        if self.mode == "wrong_aud":
            claims["aud"] = "another-client"
        elif self.mode == "expired":
            claims["iat"], claims["exp"] = now - 3600, now - 1800
        elif self.mode == "wrong_issuer":
            claims["iss"] = "https://impostor.example"
        elif self.mode == "wrong_nonce":
            claims["nonce"] = "not-the-nonce"
        key = self.rogue_key if self.mode == "bad_signature" else self.key
        return jwt.encode({"alg": "RS256", "kid": "test-key-1"}, claims, key)

    def _build(self) -> Flask:
        app = Flask("oidc-test-provider")
        provider = self

        @app.get("/.well-known/openid-configuration")
        def discovery():
            base = provider.base
            return jsonify({
                "issuer": base, "authorization_endpoint": f"{base}/authorize", "token_endpoint": f"{base}/token",
                "jwks_uri": f"{base}/jwks", "userinfo_endpoint": f"{base}/userinfo",
                "end_session_endpoint": f"{base}/logout", "response_types_supported": ["code"],
                "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"], "scopes_supported": ["openid", "profile"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "claims_supported": ["sub", "name", "fin", "birthdate"],
            })

        @app.get("/jwks")
        def jwks():
            return jsonify({"keys": [provider.key.as_dict(private=False)]})

        def _check_authorize(args) -> None:
            if (args.get("response_type") != "code" or args.get("client_id") != provider.client_id
                    or args.get("redirect_uri") not in provider.redirect_uris
                    or args.get("code_challenge_method") != "S256" or not args.get("code_challenge")
                    or "openid" not in (args.get("scope") or "").split() or not args.get("state")
                    or not args.get("nonce")):
                abort(400)

        def _answer(args, sub: str):
            code = secrets.token_urlsafe(24)
            provider.codes[code] = {"sub": sub, "nonce": args.get("nonce"), "challenge": args["code_challenge"],
                                    "redirect_uri": args["redirect_uri"], "client_id": args["client_id"]}
            return redirect(args["redirect_uri"] + "?" + urlencode({"code": code, "state": args["state"]}))

        @app.get("/authorize")
        def authorize():
            _check_authorize(request.args)
            if provider.auto_sub:
                return _answer(request.args, provider.auto_sub)
            hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                             for k, v in request.args.items())
            buttons = "".join(f'<button type="submit" name="sub" value="{html.escape(p.sub)}">'
                              f'{html.escape(p.name)}</button>' for p in provider.people.values())
            return (f'<!doctype html><html lang="en"><head><title>Test e-ID</title></head><body>'
                    f'<h1>Test e-ID provider</h1><form method="post" action="/authorize">{hidden}{buttons}'
                    f'</form></body></html>')

        @app.post("/authorize")
        def authorize_post():
            _check_authorize(request.form)
            if request.form.get("sub") not in provider.people:
                abort(400)
            return _answer(request.form, request.form["sub"])

        def _error(code: str, status: int = 400):
            return jsonify({"error": code}), status

        @app.post("/token")
        def token():
            provider.token_requests += 1
            client_id, secret = request.form.get("client_id"), request.form.get("client_secret")
            if request.authorization and request.authorization.type == "basic":
                client_id, secret = request.authorization.username, request.authorization.password
            if client_id != provider.client_id or secret != provider.client_secret:
                return _error("invalid_client", 401)
            if request.form.get("grant_type") != "authorization_code":
                return _error("unsupported_grant_type")
            code = request.form.get("code") or ""
            data = provider.codes.pop(code, None)
            if data is None or code in provider.used_codes:
                return _error("invalid_grant")
            provider.used_codes.add(code)
            if data["redirect_uri"] != request.form.get("redirect_uri") or data["client_id"] != client_id:
                return _error("invalid_grant")
            verifier = request.form.get("code_verifier") or ""
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if not verifier or not secrets.compare_digest(challenge, data["challenge"]):
                return _error("invalid_grant")
            person = provider.people[data["sub"]]
            access = secrets.token_urlsafe(24)
            provider.access_tokens[access] = person.sub
            return jsonify({"access_token": access, "token_type": "Bearer", "expires_in": 300,
                            "id_token": provider._id_token(person, data["nonce"])})

        @app.route("/userinfo", methods=["GET", "POST"])
        def userinfo():
            header = request.headers.get("Authorization", "")
            sub = provider.access_tokens.get(header.removeprefix("Bearer ").strip())
            if sub is None:
                return _error("invalid_token", 401)
            person = provider.people[sub]
            info = {"sub": "someone-else" if provider.mode == "userinfo_other_sub" else person.sub,
                    "name": person.name}
            if person.fin:
                info["fin"] = person.fin
            if person.birthdate:
                info["birthdate"] = person.birthdate
            return jsonify(info)

        @app.get("/logout")
        def logout():
            provider.logouts.append(dict(request.args))
            target = request.args.get("post_logout_redirect_uri")
            if target and target.startswith(tuple(u.rsplit("/login/", 1)[0] for u in provider.redirect_uris)):
                return redirect(target)
            return "<!doctype html><title>Signed out</title><p>Signed out of the test e-ID.</p>"

        return app
