"""Access decorators for views. HTML gets a login redirect or a 403 page; the decision about
what a role may do stays in talent.permissions (``ROLE_PERMISSIONS``, asked through
``user_can``): views name the permission they need, never a role."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from talent.permissions import P, user_can


def permission_required(perm: P):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not user_can(current_user, perm):
                abort(403)
            return view(*args, **kwargs)
        wrapped.required_permission = perm
        return wrapped
    return decorator
