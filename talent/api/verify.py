"""``GET /api/v1/verify/<code>``: the public, unauthenticated status of a credential
(valid / expired / revoked / not_found). The same answer shape for every state and the same
database work for every unknown or malformed code. Rate-limited per client address."""
from __future__ import annotations

from flask import current_app, request

from talent.api.core import json_response, operation
from talent.api.schema import F, Schema
from talent.api.blueprint import bp
from talent.credentials.queries import verify_code
from talent.extensions import limiter

Names = Schema("VerificationCertification", {
    "code": F.string(required=True), "name": F.string(required=True), "name_az": F.string(required=True),
    "name_en": F.string(required=True), "level": F.string(required=True),
})
CenterRef = Schema("VerificationCenter", {
    "code": F.string(required=True), "name": F.string(required=True), "city": F.string(required=True),
})
Verification = Schema("Verification", {
    "status": F.string(required=True, enum=("valid", "expired", "revoked", "not_found")),
    "serial": F.string(required=True, nullable=True, example="AZAI-2025-000123"),
    "holder": F.string(required=True, nullable=True, description="First name and initial of the last name.",
                       example="Aysel M."),
    "certification": F.object(Names, required=True, nullable=True),
    "center": F.object(CenterRef, required=True, nullable=True),
    "issued_on": F.date(required=True, nullable=True),
    "expires_on": F.date(required=True, nullable=True),
    "revoked_on": F.date(required=True, nullable=True),
})


def verify_rate_limit() -> str:
    return current_app.config.get("VERIFY_RATE_LIMIT") or "60 per minute"


def _client_address() -> str:
    return "verify:" + (request.remote_addr or "unknown")


@operation(bp, "/verify/<code>", summary="Verify a certificate", tags=["Verification"], public=True,
           response=Verification, path_params={"code": "string"},
           description="Public: the status of the credential with this verification code. Unknown and "
                       "malformed codes answer `not_found` (HTTP 404) with the same fields, all null.")
@limiter.limit(verify_rate_limit, key_func=_client_address)
def verify_credential(code: str):
    result = verify_code(code)
    language = request.accept_languages.best_match(("az", "en")) or "en"
    response = json_response(result.as_dict(language), 404 if result.status == "not_found" else 200)
    response.headers["Cache-Control"] = "no-store"
    return response


# Codes longer than the declared path parameter still get the same not-found answer, not a
# generic 404: the catch-all rule matches only where the declared one does not.
bp.add_url_rule("/verify/<path:code>", endpoint="verify_credential_any", view_func=verify_credential,
                methods=["GET"])
