"""The OpenAPI 3.1 document, generated from the declared operations and their schemas."""
from __future__ import annotations

from typing import Any

from talent.api.core import OPERATIONS, Operation
from talent.api.schema import SCHEMAS, F, Schema

PROBLEM = Schema("Problem", {
    "type": F.string(required=True, description="A URI naming the problem type; about:blank."),
    "title": F.string(required=True, description="The HTTP status phrase."),
    "status": F.integer(required=True, minimum=100, maximum=599),
    "detail": F.string(description="What went wrong, in the request's language."),
    "code": F.string(description="A stable word for the problem: validation, not_found, forbidden, "
                                 "conflict, capacity, duplicate, invalid_transition."),
    "errors": F.array(Schema("FieldError", {
        "field": F.string(required=True, description="The field at fault (dotted path, [i] for items)."),
        "message": F.string(required=True),
    }), description="Field-level problems."),
    "incident": F.string(description="An id to quote to support (server errors)."),
}, description="RFC 9457 problem details.", additional=True)

ERROR_TEXT = {
    400: "Malformed request (broken JSON, empty body).",
    401: "No valid bearer token (missing, unknown, revoked or expired; the detail says which).",
    403: "The token's role may not do this.",
    404: "Not found (or not visible to this token).",
    409: "Conflict with the current state (capacity, duplicate, invalid status transition).",
    413: "The request body is too large.",
    415: "Wrong content type.",
    422: "Invalid fields; see errors.",
    429: "Rate limit exceeded for this token.",
}

DESCRIPTION = """\
The JSON API of the regional AI training and talent centers. It calls the same services as the
web pages, so every rule, permission and audit entry is the same.

**Authentication**: `Authorization: Bearer <token>`. Personal tokens are created on the account
page (*API tokens*); service tokens, bound to a role (and centers), by the administrator.

**Conventions**: JSON in and out (`application/json`); dates `YYYY-MM-DD`, times ISO 8601 with
offset. Lists are paginated with `limit` (1-500, default 50) and `page` (from 1) and answer
`{items, page, limit, total, next_page}`; `sort` takes a documented field, `-field` descending.
Unknown fields, in the body or the query string, are rejected. Errors are
`application/problem+json` (RFC 9457) with `errors: [{field, message}]`.
A POST that creates something honours an `Idempotency-Key` header: a retry with the same key and
body replays the first answer (`Idempotent-Replayed: true`); the same key with another body is a
422. Rate limits apply per token (`429` with `Retry-After`).
"""

# Operations declared outside talent/api/core.operation (e.g. the public verification, whose
# view lives in talent/api/verify.py) are described here by endpoint.
EXTRA_OPERATIONS: list[Operation] = []


def _response_schema(op: Operation) -> dict[str, Any] | None:
    if op.raw_schema is not None:
        return op.raw_schema
    if op.response is None:
        return None
    if op.response_list:
        return {"type": "array", "items": op.response.ref()}
    return op.response.ref()


def _parameters(op: Operation) -> list[dict[str, Any]]:
    params = []
    for name, type_ in op.path_params.items():
        schema = {"type": "integer", "minimum": 1, "maximum": 2_147_483_647} if type_ == "integer" \
            else {"type": "string", "minLength": 1, "maxLength": 200}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    if op.query is not None:
        for name, spec in op.query.fields.items():
            param = {"name": name, "in": "query", "required": spec.required,
                     "schema": spec.json_schema()}
            if spec.description:
                param["description"] = str(spec.description)
            params.append(param)
    if op.idempotent and op.method == "POST":
        params.append({"name": "Idempotency-Key", "in": "header", "required": False,
                       "description": "Makes a retry safe: the same key and body replay the first answer.",
                       "schema": {"type": "string", "minLength": 1, "maxLength": 200}})
    return params


def _error_codes(op: Operation) -> list[int]:
    codes = {400, 404, 422, 429}
    if not op.public:
        codes |= {401, 403}
    if op.body is not None or op.upload is not None or op.method in ("POST", "PUT", "PATCH", "DELETE"):
        codes |= {413, 415}
    codes |= set(op.errors)
    return sorted(codes)


def _operation_doc(op: Operation) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "operationId": op.endpoint.split(".", 1)[-1],
        "summary": op.summary,
        "tags": list(op.tags),
    }
    if op.description:
        doc["description"] = op.description
    if op.public:
        doc["security"] = []
    params = _parameters(op)
    if params:
        doc["parameters"] = params
    if op.body is not None:
        doc["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.body.ref()}}}
    elif op.upload is not None:
        props: dict[str, Any] = {"file": {"type": "string", "contentMediaType": "application/octet-stream",
                                          "description": "CSV (comma or semicolon, UTF-8) or XLSX."}}
        props.update({name: spec.json_schema() for name, spec in op.upload.items()})
        required = ["file"] + [n for n, s in op.upload.items() if s.required]
        doc["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "properties": props, "required": required, "additionalProperties": False}}}}
    responses: dict[str, Any] = {}
    schema = _response_schema(op)
    success: dict[str, Any] = {"description": "Success."}
    if schema is not None:
        success["content"] = {op.content_type: {"schema": schema}}
    if op.idempotent and op.method == "POST":
        success["headers"] = {"Idempotent-Replayed": {
            "description": "Present (true) when the answer replays an earlier request.",
            "schema": {"type": "string", "enum": ["true"]}}}
    responses[str(op.status)] = success
    for code, schema in op.responses.items():
        responses[str(code)] = {"description": ERROR_TEXT.get(code, "Answer."),
                                "content": {"application/json": {"schema": schema.ref()},
                                            "application/problem+json": {"schema": PROBLEM.ref()}}}
    for code in _error_codes(op):
        if str(code) in responses:
            continue
        entry: dict[str, Any] = {"description": ERROR_TEXT.get(code, "Error."),
                                 "content": {"application/problem+json": {"schema": PROBLEM.ref()}}}
        if code == 401:
            entry["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
        responses[str(code)] = entry
    doc["responses"] = responses
    return doc


def _collect(schema: Schema, seen: dict[str, Schema]) -> None:
    if schema.name in seen:
        return
    seen[schema.name] = schema
    for spec in schema.fields.values():
        for child in (spec.schema, spec.items):
            if isinstance(child, Schema):
                _collect(child, seen)
            elif isinstance(child, F) and isinstance(child.items, Schema):
                _collect(child.items, seen)


def build_document(server_url: str = "/api/v1") -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    used: dict[str, Schema] = {}
    _collect(PROBLEM, used)
    for op in OPERATIONS + EXTRA_OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation_doc(op)
        for schema in (op.body, op.response, *op.responses.values()):
            if schema is not None:
                _collect(schema, used)
    tags = sorted({t for op in OPERATIONS + EXTRA_OPERATIONS for t in op.tags})
    return {
        "openapi": "3.1.0",
        "info": {"title": "Talent API", "version": "1.0.0", "description": DESCRIPTION},
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "tags": [{"name": t} for t in tags],
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A personal or service API token."}},
            "schemas": {name: used[name].json_schema() for name in sorted(used)},
        },
    }


__all__ = ["build_document", "EXTRA_OPERATIONS", "PROBLEM", "SCHEMAS"]
