"""The API's request plumbing: bearer-token authentication, the acting user, strict JSON bodies
and query strings, pagination, sorting, Idempotency-Key and JSON answers.

Every endpoint is declared with :func:`operation`, which registers the view on the blueprint and
records what it takes and answers, so the OpenAPI document (talent/api/openapi.py) is generated
from the same declaration that checks the request.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum
from functools import wraps
from typing import Any, Callable, Iterable

from flask import Blueprint, Response, current_app, g, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from talent.accounts import idempotency
from talent.api.problems import problem
from talent.api.schema import F, Schema
from talent.errors import ValidationError
from talent.extensions import db
from talent.permissions import Actor
from talent.accounts.services import TokenRefused, check_token
from talent.errors import PermissionDenied
from talent.api.schema import SCHEMAS

JSON_MIMETYPES = ("application/json",)
MAX_LIMIT = 500
DEFAULT_LIMIT = 50
INT_MAX = 2_147_483_647
IDEMPOTENCY_KEY_MAX = idempotency.KEY_MAX


# ---- authentication ------------------------------------------------------------------------

def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def token_rate_key() -> str:
    """Rate-limit key: the token (hashed) when one is given, else the client address."""
    secret = bearer_secret()
    if secret:
        return "token:" + hashlib.sha256(secret.encode()).hexdigest()[:32]
    return "ip:" + (request.remote_addr or "unknown")


def unauthorized(detail: str) -> Response:
    response = problem(401, "Unauthorized", detail)
    response.headers["WWW-Authenticate"] = 'Bearer realm="talent-api"'
    return response


def authenticate() -> Response | None:
    """Find the user behind the bearer token; a 401 answer when there is none."""
    secret = bearer_secret()
    if secret is None:
        return unauthorized(str(_l("Send an API token as 'Authorization: Bearer <token>'.")))
    try:
        g.api_user, g.api_token = check_token(secret)
    except TokenRefused as refused:
        if refused.reason == "expired":
            expired = refused.token.expires_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
            return unauthorized(str(_l("The API token expired on %(date)s. Create a new one under API tokens.",
                                       date=expired)))
        return unauthorized(str(_l("The API token is invalid, revoked, or its user is deactivated.")))
    return None


def api_actor() -> Actor:
    """The Actor for the token's user, as every service wants it (channel ``api``)."""
    actor = g.get("_api_actor")
    if actor is None:
        user = g.get("api_user")
        if user is None:  # a public endpoint asking for an actor
            raise PermissionDenied(_l("You do not have permission to do this."))
        actor = Actor.for_user(user, ip=request.remote_addr, channel="api")
        g._api_actor = actor
    return actor


# ---- JSON answers --------------------------------------------------------------------------

def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)  # lazy translated strings


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, default=_default, ensure_ascii=False, separators=(",", ":"))
    response = current_app.response_class(body, status=status, mimetype="application/json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


# ---- request bodies ------------------------------------------------------------------------

def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def json_body() -> Any:
    """The request's JSON body, or a 400/413/415 answer raised as an HTTP error."""
    from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType
    limit = current_app.config.get("API_MAX_JSON_BYTES", 1024 * 1024)
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge(str(_l("The request body is larger than %(n)d bytes.", n=limit)))
    if request.mimetype not in JSON_MIMETYPES:
        raise UnsupportedMediaType(str(_l("Send the body as application/json.")))
    request.max_content_length = limit
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise RequestEntityTooLarge(str(_l("The request body is larger than %(n)d bytes.", n=limit)))
    if not raw.strip():
        raise BadRequest(str(_l("The request body is empty; send a JSON object.")))
    try:
        text = raw.decode("utf-8-sig")
        return json.loads(text, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadRequest(str(_l("The request body is not valid JSON."))) from None


# ---- pagination and sorting ----------------------------------------------------------------

PAGE_FIELDS = {
    "limit": F.integer(minimum=1, maximum=MAX_LIMIT, default=DEFAULT_LIMIT,
                       description="Items per page (1-500)."),
    "page": F.integer(minimum=1, maximum=1_000_000, default=1, description="Page number, from 1."),
}


def page_schema(item: Schema) -> Schema:
    name = f"{item.name}Page"
    if name in SCHEMAS:
        return SCHEMAS[name]
    return Schema(name, {
        "items": F.array(item, required=True),
        "page": F.integer(required=True, minimum=1),
        "limit": F.integer(required=True, minimum=1, maximum=MAX_LIMIT),
        "total": F.integer(required=True, minimum=0),
        "next_page": F.integer(required=True, nullable=True, minimum=2),
    }, description=f"One page of {item.name} items.")


def paginate(stmt: Select, serialize: Callable[[Any], dict], query: dict[str, Any], *,
             scalars: bool = True) -> dict[str, Any]:
    """Run ``stmt`` for the requested page; ``total`` is counted in SQL."""
    limit, page = query.get("limit", DEFAULT_LIMIT), query.get("page", 1)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    paged = stmt.limit(limit).offset((page - 1) * limit)
    rows = db.session.scalars(paged).unique().all() if scalars else db.session.execute(paged).all()
    return {"items": [serialize(row) for row in rows], "page": page, "limit": limit, "total": total,
            "next_page": page + 1 if page * limit < total else None}


def apply_sort(stmt: Select, sort: str | None, columns: dict[str, Any], default: str, tiebreak) -> Select:
    """``sort`` is a documented field name, ``-name`` for descending."""
    sort = sort or default
    descending = sort.startswith("-")
    column = columns[sort.lstrip("-")]
    return stmt.order_by(column.desc() if descending else column.asc(), tiebreak)


def sort_field(columns: Iterable[str], default: str) -> F:
    values = []
    for name in columns:
        values += [name, f"-{name}"]
    return F.enum_of(values, default=default, description="Sort by a field; prefix '-' for descending.")


# ---- declaring operations -------------------------------------------------------------------

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
                    from werkzeug.exceptions import NotFound as HTTPNotFound
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
                kwargs["upload"] = _read_upload(upload)
                raw_for_hash = _upload_fingerprint(kwargs["upload"])
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
                replay = _idempotency_lookup(key, raw_for_hash)
                if replay is not None:
                    return replay
            result = fn(**kwargs)
            response = result if isinstance(result, Response) else json_response(result, status)
            if key is not None and 200 <= response.status_code < 300:
                _idempotency_store(key, raw_for_hash, response)
            return response

        bp.add_url_rule(_werkzeug_rule(path, types), endpoint=fn.__name__, view_func=view,
                        methods=[method])
        return view
    return decorator


def find_operation(endpoint: str) -> Operation | None:
    return next((op for op in OPERATIONS if op.endpoint == endpoint), None)


def _has_body() -> bool:
    return bool(request.content_length) or request.headers.get("Transfer-Encoding") == "chunked"


# ---- file uploads (multipart/form-data) ----------------------------------------------------

@dataclass
class Upload:
    filename: str
    data: bytes
    fields: dict[str, Any]


def _read_upload(spec: dict[str, F]) -> Upload:
    from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType
    limit = current_app.config.get("IMPORT_MAX_BYTES", 10 * 1024 * 1024) + 64 * 1024
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge(str(_l("The file is too large.")))
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType(str(_l("Send the file as multipart/form-data with a 'file' part.")))
    request.max_content_length = limit
    files = request.files
    errors: dict[str, str] = {}
    unknown = [k for k in list(request.form) + list(files) if k not in spec and k != "file"]
    for k in unknown:
        errors[k] = str(_l("Unknown field."))
    upload = files.get("file")
    if upload is None or not upload.filename:
        errors["file"] = str(_l("Choose a file to upload."))
    values = Schema("_UploadFields", spec, register=False).load(request.form.to_dict(flat=True), errors=errors,
                                                from_text=True)
    if errors:
        raise ValidationError(_l("The request has invalid fields."), fields=errors)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise RequestEntityTooLarge(str(_l("The file is too large.")))
    return Upload(filename=upload.filename, data=data, fields=values)


def _upload_fingerprint(upload: Upload) -> bytes:
    return hashlib.sha256(upload.data).digest() + json.dumps(upload.fields, default=_default,
                                                             sort_keys=True).encode()


# ---- Idempotency-Key -----------------------------------------------------------------------

def _request_hash(raw: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() + b" " + request.path.encode() + b"\n")
    digest.update(raw)
    return digest.hexdigest()


def _idempotency_lookup(key: str, raw: bytes) -> Response | None:
    stored = idempotency.stored_answer(g.api_user.id, key, _request_hash(raw))
    if stored is None:
        return None
    response = current_app.response_class(stored.body, status=stored.status, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _idempotency_store(key: str, raw: bytes, response: Response) -> None:
    idempotency.store_answer(g.api_user.id, key, _request_hash(raw), response.status_code,
                             response.get_data(as_text=True))
