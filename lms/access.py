"""Who may see what: a role decorator for routes, and loaders that 404 before they 403."""

from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user


def roles_required(*roles: str):
    """Anonymous users go to sign in; signed-in users of another role get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def login_required(view):
    return roles_required()(view)


def learner_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_learner:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
