"""The API's request plumbing: bearer-token authentication and the acting user (auth.py), JSON
answers (responses.py), strict JSON bodies (bodies.py), pagination and sorting (paging.py),
declaring operations (operations.py), file uploads (uploads.py) and Idempotency-Key
(idempotency.py). This module keeps every public name importable from one place.

Every endpoint is declared with :func:`operation`, which registers the view on the blueprint and
records what it takes and answers, so the OpenAPI document (talent/api/openapi.py) is generated
from the same declaration that checks the request.
"""
from __future__ import annotations

from talent.api.auth import (api_actor, authenticate, bearer_secret, token_rate_key,  # noqa: F401
                             unauthorized)
from talent.api.bodies import JSON_MIMETYPES, json_body  # noqa: F401
from talent.api.idempotency import IDEMPOTENCY_KEY_MAX  # noqa: F401
from talent.api.operations import (EMPTY, INT_MAX, OPERATIONS, Operation, find_operation,  # noqa: F401
                                   operation)
from talent.api.paging import (DEFAULT_LIMIT, MAX_LIMIT, PAGE_FIELDS, apply_sort, page_schema,  # noqa: F401
                               paginate, sort_field)
from talent.api.responses import json_response  # noqa: F401
from talent.api.uploads import Upload  # noqa: F401
