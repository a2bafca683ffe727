"""What principals, the ward's or commune's office and the city do: schools, staff, rosters,
accounts, each admin within their unit scope (lms.access.unit_scope)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from lms import security_log
from lms.access import ADMINS, OVERSEERS, load_school, roles_required, school_unit, unit_scope
from lms.accounts import end_all_sessions
from lms.admin.forms import RosterForm
from lms.extensions import db
from lms.models import Classroom, Enrollment, School, Unit, User
from lms.people.codes import issue_code
from lms.privacy_log import record_access
from lms.teaching.public_url import require_public_address

bp = Blueprint("admin", __name__, url_prefix="/admin")
SETUP_CODE_DAYS = 14


def load_member(user_id: int) -> User:
    """A person the current admin may manage: their school's staff; for a unit or the city
    admin, the staff of the schools in their scope and the officials of their units."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if user.id == current_user.id:  # refused with a word by the caller, not a 403
        return user
    if current_user.role in OVERSEERS:
        if user.school_id is not None and school_unit(user.school_id) in unit_scope():
            return user
        if user.role == "official" and user.unit_id in unit_scope():
            return user
        abort(403)
    if user.school_id != current_user.school_id or user.role not in ("teacher", "school_admin"):
        abort(403)
    return user


@bp.get("/")
@roles_required(*ADMINS)
def index():
    if current_user.role == "school_admin":
        return redirect(url_for(".school", school_id=current_user.school_id))
    pupils = (
        select(Classroom.school_id, func.count(Enrollment.id).label("n"))
        .join(Enrollment, Enrollment.classroom_id == Classroom.id)
        .where(Enrollment.ended_on.is_(None))
        .group_by(Classroom.school_id)
        .subquery()
    )
    scope = unit_scope()
    schools = db.session.execute(
        select(School, pupils.c.n)
        .outerjoin(pupils, pupils.c.school_id == School.id)
        .where(School.unit_id.in_(scope))
        .order_by(School.name)
    ).all()
    # The city admin oversees several units: each school says which one it belongs to.
    units = {}
    if len(scope) > 1:
        units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(scope)))}
    return render_template("admin/index.html", schools=schools, units=units, form=RosterForm())


@bp.get("/schools/<int:school_id>")
@roles_required(*ADMINS)
def school(school_id: int):
    school = load_school(school_id)
    record_access(db.session, current_user, "staff.view", "school", school.id, school.unit_id, school.id)
    staff = db.session.scalars(
        select(User)
        .where(User.school_id == school.id, User.role.in_(("teacher", "school_admin")))
        .order_by(User.name_key)
    ).all()
    rooms = db.session.scalars(
        select(Classroom).where(Classroom.school_id == school.id).order_by(Classroom.grade, Classroom.name)
    ).all()
    return render_template("admin/school.html", school=school, staff=staff, rooms=rooms, form=RosterForm())


@bp.post("/schools/<int:school_id>/setup-codes")
@roles_required(*ADMINS)
def setup_codes(school_id: int):
    """Printable first sign-in codes for the staff who have not chosen a password yet."""
    school = load_school(school_id)
    require_public_address()  # before any code is replaced: the sheet's links need it
    staff = db.session.scalars(
        select(User)
        .where(
            User.school_id == school.id,
            User.role.in_(("teacher", "school_admin")),
            User.password_hash.is_(None),
            User.active.is_(True),
        )
        .order_by(User.name_key)
    ).all()
    codes = {u.id: issue_code(db.session, "setup", u, current_user, SETUP_CODE_DAYS) for u in staff}
    db.session.commit()
    security_log.event("account.setup_codes", school=school.id, accounts=[u.id for u in staff])
    return render_template(
        "admin/setup_codes.html", school=school, staff=staff, codes=codes, days=SETUP_CODE_DAYS
    )


@bp.post("/users/<int:user_id>/active")
@roles_required(*ADMINS)
def toggle_active(user_id: int):
    user = load_member(user_id)
    if user.id == current_user.id:
        flash(_("You cannot disable your own account."), "error")
    else:
        user.active = not user.active
        if not user.active:
            end_all_sessions(user.id)
        db.session.commit()
        security_log.event("account.enabled" if user.active else "account.disabled", account=user.id)
        flash(
            _("Account enabled.") if user.active else _("Account disabled and signed out."),
            "success",
        )
    return redirect(url_for(".school", school_id=user.school_id) if user.school_id else url_for(".index"))


@bp.post("/roster")
@roles_required(*ADMINS)
def roster():
    from lms.people.roster import RosterError, import_roster

    form = RosterForm()
    if not form.validate_on_submit():
        for error in form.file.errors:
            flash(str(error), "error")
        return redirect(url_for(".index"))
    upload = form.file.data
    # The whole file: the request is at most MAX_CONTENT_LENGTH (a larger one gets the 413
    # page before this runs). Reading only the first N bytes used to import a cut file.
    data = upload.read()
    only = current_user.school.code if current_user.role == "school_admin" else None
    # A unit or city admin names the school of a file without a school-code column (a class's list).
    chosen = None if only else (request.form.get("school") or "").strip() or None
    try:
        report = import_roster(
            db.session,
            data,
            upload.filename,
            dry_run=form.dry_run.data,
            only_school_code=only,
            school_code=chosen,
            unit_ids=unit_scope(),  # a row naming a school or unit beyond the admin's is an error
        )
    except RosterError as error:
        flash(str(error), "error")
        return render_template("admin/roster_result.html", report=None), 400
    security_log.event("roster.import", file=upload.filename, **security_log.import_fields(report))
    return render_template("admin/roster_result.html", report=report, status=400 if report.errors else 200), (
        400 if report.errors else 200
    )
