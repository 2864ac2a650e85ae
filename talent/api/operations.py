"""Declaring an endpoint with :func:`operation`: it registers the view on the blueprint, checks
the request (token, query string, body or upload, Idempotency-Key) and records what it takes and
answers, so the OpenAPI document (talent/api/openapi.py) comes from the same declaration."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Callable, Iterable

from flask import Blueprint, Response, g, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import NotFound as HTTPNotFound

from talent.api.auth import authenticate
from talent.api.bodies import json_body
from talent.api.idempotency import idempotency_lookup, idempotency_store
from talent.api.paging import PAGE_FIELDS, page_schema
from talent.api.responses import json_response
from talent.api.schema import F, Schema
from talent.api.uploads import read_upload, upload_fingerprint
from talent.errors import ValidationError

INT_MAX = 2_147_483_647

@dataclass
class Operation:
    endpoint: str
    path: str          # OpenAPI form, e.g. /cohorts/{cohort_id}
    method: str
    summary: str
    tags: tuple[str, ...]
    description: str = ""
    body: Schema | None = None
    query: Schema | None = None
    response: Schema | None = None
    response_list: bool = False
    status: int = 200
    public: bool = False
    idempotent: bool = False
    upload: dict[str, F] | None = None
    errors: tuple[int, ...] = ()
    path_params: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    raw_schema: dict[str, Any] | None = None
    # Other answers with a JSON body of their own (not a problem), e.g. {404: VerificationSchema}.
    responses: dict[int, Schema] = field(default_factory=dict)


OPERATIONS: list[Operation] = []
EMPTY = Schema("_Empty", {}, register=False)
_PARAM = re.compile(r"{(\w+)}")


def _werkzeug_rule(path: str, types: dict[str, str]) -> str:
    def convert(match: re.Match) -> str:
        name = match.group(1)
        if types.get(name, "integer" if name.endswith("_id") else "string") == "integer":
            return f"<int:{name}>"
        return f"<string(maxlength=200):{name}>"
    return _PARAM.sub(convert, path)


def operation(bp: Blueprint, path: str, method: str = "GET", *, summary: str, tags: Iterable[str],
              description: str = "", body: Schema | None = None, query: Schema | None = None,
              response: Schema | None = None, response_list: bool = False, paginated: bool = False,
              status: int = 200, public: bool = False, idempotent: bool = False,
              upload: dict[str, F] | None = None, errors: Iterable[int] = (),
              path_params: dict[str, str] | None = None, content_type: str = "application/json",
              raw_schema: dict[str, Any] | None = None, responses: dict[int, Schema] | None = None):
    """Declare an endpoint. The view receives path parameters plus ``body=`` (checked JSON) and
    ``query=`` (checked query string) when the operation has them, and returns a dict/list
    (answered as JSON with ``status``) or a Response."""
    method = method.upper()
    # Accept Flask's notation too: /verify/<code> or /cohorts/<int:cohort_id>.
    path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", path)
    if paginated:
        fields = dict(query.fields) if query else {}
        fields.update(PAGE_FIELDS)
        query = Schema(query.name if query else f"{path}Query", fields, register=False)
        response = page_schema(response) if response else None
    types = {name: (path_params or {}).get(name, "integer" if name.endswith("_id") else "string")
             for name in _PARAM.findall(path)}

    def decorator(fn: Callable) -> Callable:
        op = Operation(endpoint=f"{bp.name}.{fn.__name__}", path=path, method=method, summary=summary,
                       tags=tuple(tags), description=description, body=body, query=query,
                       response=response, response_list=response_list, status=status, public=public,
                       idempotent=idempotent, upload=upload, errors=tuple(errors), path_params=types,
                       content_type=content_type, raw_schema=raw_schema, responses=dict(responses or {}))
        OPERATIONS.append(op)

        @wraps(fn)
        def view(**kwargs):
            # Nothing of an earlier request may leak into this one (tests share one app context).
            g.api_user = g.api_token = g._api_actor = None
            # Ids beyond the database's integer range cannot exist (and must not reach the database).
            for name, type_ in types.items():
                if type_ == "integer" and not 1 <= kwargs.get(name, 1) <= INT_MAX:
                    raise HTTPNotFound()
            if not public:
                failed = authenticate()
                if failed is not None:
                    return failed
            if query is not None:
                kwargs["query"] = query.load(request.args.to_dict(flat=True), from_text=True)
            elif request.args:
                raise ValidationError(_l("The request has invalid fields."),
                                      fields={k: str(_l("Unknown field.")) for k in request.args})
            raw_for_hash = b""
            if upload is not None:
                kwargs["upload"] = read_upload(upload)
                raw_for_hash = upload_fingerprint(kwargs["upload"])
            elif body is not None:
                data = json_body()
                raw_for_hash = request.get_data(cache=True)
                kwargs["body"] = body.load(data)
            elif method in ("POST", "PUT", "PATCH", "DELETE") and _has_body():
                # Actions without fields accept an empty body or an empty JSON object.
                data = json_body()
                raw_for_hash = request.get_data(cache=True)
                if data != {}:
                    EMPTY.load(data)
            key = request.headers.get("Idempotency-Key") if idempotent and method == "POST" else None
            if key is not None:
                replay = idempotency_lookup(key, raw_for_hash)
                if replay is not None:
                    return replay
            result = fn(**kwargs)
            response = result if isinstance(result, Response) else json_response(result, status)
            if key is not None and 200 <= response.status_code < 300:
                idempotency_store(key, raw_for_hash, response)
            return response

        bp.add_url_rule(_werkzeug_rule(path, types), endpoint=fn.__name__, view_func=view,
                        methods=[method])
        return view
    return decorator


def find_operation(endpoint: str) -> Operation | None:
    return next((op for op in OPERATIONS if op.endpoint == endpoint), None)


def _has_body() -> bool:
    return bool(request.content_length) or request.headers.get("Transfer-Encoding") == "chunked"
