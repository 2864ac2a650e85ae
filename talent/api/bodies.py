"""Strict JSON request bodies: size, media type, encoding and no NaN/Infinity."""
from __future__ import annotations

import json
from typing import Any

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType

JSON_MIMETYPES = ("application/json",)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def json_body() -> Any:
    """The request's JSON body, or a 400/413/415 answer raised as an HTTP error."""
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
