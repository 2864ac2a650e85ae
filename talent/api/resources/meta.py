"""The API's own endpoints: the OpenAPI document, its browsable docs page and who-am-I."""
from __future__ import annotations

from flask import current_app, g, render_template, url_for

from talent.api.core import api_actor, json_response, operation
from talent.api.schema import F, Schema
from talent.api.blueprint import bp
from talent.api.openapi import build_document

DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")

Me = Schema("Me", {
    "id": F.integer(required=True),
    "email": F.string(required=True),
    "full_name": F.string(required=True),
    "role": F.enum_of(("admin", "center_admin", "trainee", "ministry", "employer"), required=True),
    "center_ids": F.array(F.integer(), required=True, description="Centers of a center administrator."),
    "trainee_id": F.integer(required=True, nullable=True),
    "employer_id": F.integer(required=True, nullable=True, description="The employer an employer user acts for."),
    "token": F.object(Schema("TokenInfo", {
        "id": F.integer(required=True),
        "name": F.string(required=True),
        "service": F.boolean(required=True),
        "created_at": F.datetime(required=True),
        "expires_at": F.datetime(required=True, description="After this the token is refused (401)."),
    }), required=True),
}, description="The user a token acts as.")


@operation(bp, "/openapi.json", summary="The OpenAPI 3.1 document of this API", tags=["meta"],
           public=True, raw_schema={"type": "object", "required": ["openapi", "paths"]})
def openapi_document():
    document = current_app.extensions.get("talent_openapi")
    if document is None:
        document = build_document(url_for("api_v1.openapi_document").rsplit("/", 1)[0])
        current_app.extensions["talent_openapi"] = document
    return json_response(document)


@operation(bp, "/docs", summary="Browsable API documentation (HTML)", tags=["meta"], public=True,
           content_type="text/html", raw_schema={"type": "string"})
def docs():
    response = current_app.make_response(render_template("api/docs.html"))
    response.headers["Content-Security-Policy"] = DOCS_CSP
    return response


@operation(bp, "/me", summary="Who the token acts as", tags=["meta"], response=Me)
def me():
    actor = api_actor()
    user, token = g.api_user, g.api_token
    return {"id": user.id, "email": user.email, "full_name": user.full_name, "role": user.role,
            "center_ids": sorted(actor.center_ids or []), "trainee_id": actor.trainee_id,
            "employer_id": actor.employer_id,
            "token": {"id": token.id, "name": token.name, "service": token.is_service,
                      "created_at": token.created_at, "expires_at": token.expires_at}}
