"""File uploads (multipart/form-data): one ``file`` part plus declared fields, bounded in size."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from talent.api.responses import json_default
from talent.api.schema import F, Schema
from talent.errors import ValidationError


@dataclass
class Upload:
    filename: str
    data: bytes
    fields: dict[str, Any]


def read_upload(spec: dict[str, F]) -> Upload:
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


def upload_fingerprint(upload: Upload) -> bytes:
    return hashlib.sha256(upload.data).digest() + json.dumps(upload.fields, default=json_default,
                                                             sort_keys=True).encode()
