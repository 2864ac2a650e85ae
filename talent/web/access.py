"""Access decorators for views. HTML gets a login redirect or a 403 page; the decision about
what a role may do stays in talent.permissions."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from talent.permissions import ROLE_PERMISSIONS, P


def roles_required(*roles: str):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def permission_required(perm: P):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if perm not in ROLE_PERMISSIONS.get(current_user.role, frozenset()):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator
