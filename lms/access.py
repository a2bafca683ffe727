"""Who may see what: a role decorator for routes, and loaders that 404 before they 403."""

from functools import wraps

from flask import abort, g, redirect, url_for
from flask_login import current_user

from lms.redirects import current_path


def roles_required(*roles: str):
    """Anonymous users go to sign in; signed-in users of another role get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user._get_current_object()  # one lookup, not one per question
            if not user.is_authenticated:
                return redirect(url_for("auth.login", next=current_path()))
            if roles and user.role not in roles:
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


ADMINS = ("school_admin", "ward_admin", "city_admin")  # who sees the campaign's figures
OVERSEERS = ("ward_admin", "city_admin")  # who oversee the schools of one unit, or of the city


def unit_scope(user=None) -> frozenset[int]:
    """The wards and communes this user oversees (lms.people.units), once per request."""
    from lms.extensions import db
    from lms.people.units import unit_ids_in_scope

    user = user if user is not None else current_user._get_current_object()
    cached = g.get("unit_scope")
    if cached is not None and cached[0] == user.id:
        return cached[1]
    scope = unit_ids_in_scope(db.session, user)
    g.unit_scope = (user.id, scope)
    return scope


def school_unit(school_id: int) -> int | None:
    from sqlalchemy import select

    from lms.extensions import db
    from lms.models import School

    return db.session.scalar(select(School.unit_id).where(School.id == school_id))


def can_view_class(user, classroom) -> bool:
    """Teachers and principals see their own school's classes; a unit admin those of the
    unit's schools; the city admin those of the city."""
    if user.role in OVERSEERS:
        return classroom.school.unit_id in unit_scope(user)
    return user.role in ("teacher", "school_admin") and user.school_id == classroom.school_id


def can_manage_class(user, classroom) -> bool:
    """Assign courses, print cards and letters, issue PINs: the school's own work, done by the
    homeroom teacher or the school's admin. The ward admin oversees the figures only."""
    if user.role == "school_admin":
        return user.school_id == classroom.school_id
    return user.role == "teacher" and classroom.homeroom_teacher_id == user.id


def can_view_school(user, school_id: int) -> bool:
    if user.role in OVERSEERS:
        return school_unit(school_id) in unit_scope(user)
    return user.role == "school_admin" and user.school_id == school_id


def can_view_unit(user, unit_id: int) -> bool:
    return user.role in OVERSEERS and unit_id in unit_scope(user)


def load_school(school_id: int):
    """The school, if this admin may see it: 404 when it does not exist, 403 when not theirs."""
    from lms.extensions import db
    from lms.models import School

    school = db.session.get(School, school_id)
    if school is None:
        abort(404)
    if not can_view_school(current_user, school.id):
        abort(403)
    return school


def load_unit(unit_id: int):
    """A ward or commune, if this admin oversees it: 404 when it does not exist, 403 when not."""
    from lms.extensions import db
    from lms.models import Unit

    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.is_city:
        abort(404)
    if not can_view_unit(current_user, unit.id):
        abort(403)
    return unit
