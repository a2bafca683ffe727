"""What teachers do: their classes, assignments and the progress matrix (cards and letters:
lms.teaching.printing)."""

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from lms.access import OVERSEERS, can_manage_class, can_view_class, roles_required, unit_scope
from lms.extensions import db
from lms.formatting import local
from lms.models import Assignment, Classroom, Course, CourseAudience, School
from lms.models.base import today_in_vietnam, utcnow
from lms.people import assisted
from lms.privacy_log import record_access
from lms.teaching import class_page, export, matrix
from lms.teaching.forms import AssignmentForm

bp = Blueprint("teaching", __name__, url_prefix="/teach")
STAFF = ("teacher", "school_admin", *OVERSEERS)
COLUMNS_PER_PAGE = 3
CLASS_PAGE_LOADS = (joinedload(Classroom.school), joinedload(Classroom.homeroom_teacher))


def load_classroom(classroom_id: int, *, manage: bool = False, options=()) -> Classroom:
    classroom = db.session.get(Classroom, classroom_id, options=options)
    if classroom is None:
        abort(404)
    allowed = can_manage_class if manage else can_view_class
    if not allowed(current_user, classroom):
        abort(403)
    return classroom


def load_assignment(assignment_id: int) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.withdrawn_at is not None:
        abort(404)
    classroom = load_classroom(assignment.classroom_id)
    if not (can_manage_class(current_user, classroom) or assignment.teacher_id == current_user.id):
        abort(403)
    return assignment


@bp.get("/")
@roles_required(*STAFF)
def classes():
    query = select(Classroom).order_by(Classroom.school_year.desc(), Classroom.grade, Classroom.name)
    if current_user.role in OVERSEERS:
        query = query.join(School, School.id == Classroom.school_id).where(School.unit_id.in_(unit_scope()))
    else:
        query = query.where(Classroom.school_id == current_user.school_id)
    rooms = db.session.scalars(query).all()
    mine = [r for r in rooms if r.homeroom_teacher_id == current_user.id]
    others = [r for r in rooms if r.homeroom_teacher_id != current_user.id]
    return render_template("teaching/classes.html", mine=mine, others=others)


@bp.get("/classes/<int:classroom_id>")
@roles_required(*STAFF)
def classroom(classroom_id: int):
    # The page shows the school's name and the homeroom teacher's: one statement with the class.
    room = load_classroom(classroom_id, options=CLASS_PAGE_LOADS)
    manage = can_manage_class(current_user, room)
    return render_classroom(room, assignment_form(room) if manage else None, manage)


def render_classroom(room: Classroom, form: AssignmentForm | None, manage: bool, status=200):
    """What the teacher acts on comes first (needs help, overdue, the assignments), then the
    matrix, a few courses at a time: the page stays small for a class of 45 x 30."""
    record_access(db.session, current_user, "class.view", "class", room.id, school_id=room.school_id)
    assignments = matrix.class_columns(db.session, room.id)
    pages = max(1, -(-len(assignments) // COLUMNS_PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    columns = assignments[(page - 1) * COLUMNS_PER_PAGE : page * COLUMNS_PER_PAGE]
    grid = matrix.build_matrix(db.session, room, viewer=current_user, assignments=assignments, shown=columns)
    page_html = render_template(
        "teaching/classroom.html",
        room=room,
        grid=grid,
        form=form,
        columns=columns,
        rows=class_page.progress_rows(grid, columns),
        help=class_page.help_lines(grid),
        page=page,
        pages=pages,
        manage=manage,
        difficult=matrix.difficult_questions(db.session, room),
        # Lower-secondary pupils help their own families learn (issue 18): the families counted.
        families_helped=(
            assisted.families_helped_by_class(db.session, [room.id]).get(room.id, 0) if room.grade >= 6 else 0
        ),
    )
    return page_html, status


# The courses of a level, as courses_for_tier orders them: only what the choice shows.
COURSE_CHOICES = (
    select(Course.id, Course.title)
    .join(CourseAudience, CourseAudience.course_id == Course.id)
    .where(CourseAudience.audience == bindparam("tier"), Course.retired_at.is_(None))
    .order_by(Course.required.desc(), Course.title)
)


def assignment_form(room: Classroom, obj=None) -> AssignmentForm:
    assigned_on = local(obj.created_at).date() if obj is not None else None
    form = AssignmentForm(obj=obj, assigned_on=assigned_on)
    form.course_id.choices = [
        SelectChoice(course_id, title)
        for course_id, title in db.session.execute(COURSE_CHOICES, {"tier": room.tier})
    ]
    return form


@bp.post("/classes/<int:classroom_id>/assignments")
@roles_required(*STAFF)
def assign(classroom_id: int):
    room = load_classroom(classroom_id, manage=True)
    form = assignment_form(room)
    if not form.validate_on_submit():
        # The class page again, with what was typed and each error under its field.
        flash(_("The course was not assigned: see the form below."), "error")
        return render_classroom(room, form, manage=True, status=422)
    existing = db.session.scalar(
        select(Assignment).where(
            Assignment.classroom_id == room.id,
            Assignment.course_id == form.course_id.data,
            Assignment.withdrawn_at.is_(None),
        )
    )
    if existing:
        flash(
            _("This course is already assigned to the class; edit that assignment instead."),
            "error",
        )
        return redirect(url_for(".classroom", classroom_id=room.id))
    db.session.add(
        Assignment(
            classroom_id=room.id,
            course_id=form.course_id.data,
            teacher_id=current_user.id,
            due_on=form.due_on.data,
            note=(form.note.data or "").strip(),
        )
    )
    db.session.commit()
    flash(_("Course assigned."), "success")
    return redirect(url_for(".classroom", classroom_id=room.id))


@bp.route("/assignments/<int:assignment_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def edit_assignment(assignment_id: int):
    assignment = load_assignment(assignment_id)
    room = db.session.get(Classroom, assignment.classroom_id)
    form = assignment_form(room, obj=assignment)
    form.course_id.render_kw = {"disabled": True}
    form.course_id.data = assignment.course_id
    if form.is_submitted() and form.validate():
        assignment.due_on = form.due_on.data
        assignment.note = (form.note.data or "").strip()
        db.session.commit()
        flash(_("Assignment saved."), "success")
        return redirect(url_for(".classroom", classroom_id=room.id))
    return render_template(
        "teaching/assignment.html",
        form=form,
        assignment=assignment,
        room=room,
        assigned_on=form.assigned_on,
    ), (422 if form.is_submitted() else 200)


@bp.post("/assignments/<int:assignment_id>/withdraw")
@roles_required(*STAFF)
def withdraw_assignment(assignment_id: int):
    assignment = load_assignment(assignment_id)
    assignment.withdrawn_at = utcnow()
    db.session.commit()
    flash(_("Assignment withdrawn."), "success")
    return redirect(url_for(".classroom", classroom_id=assignment.classroom_id))


@bp.get("/classes/<int:classroom_id>/matrix.<fmt>")
@roles_required(*STAFF)
def matrix_export(classroom_id: int, fmt: str):
    room = load_classroom(classroom_id)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    grid = matrix.build_matrix(db.session, room, viewer=current_user)
    record_access(db.session, current_user, "class.export", "class", room.id, school_id=room.school_id)
    return export.matrix_response(grid, fmt)


@bp.get("/classes/<int:classroom_id>/print")
@roles_required(*STAFF)
def matrix_print(classroom_id: int):
    room = load_classroom(classroom_id)
    record_access(db.session, current_user, "class.print", "class", room.id, school_id=room.school_id)
    grid = matrix.build_matrix(db.session, room, viewer=current_user)
    return render_template("teaching/print.html", room=room, grid=grid, today=today_in_vietnam())


@bp.get("/courses/<slug>/")
@roles_required(*STAFF)
def preview(slug: str):
    """Teachers read any course before assigning it (no progress is recorded)."""
    course = db.session.scalar(select(Course).where(Course.slug == slug, Course.retired_at.is_(None)))
    if course is None:
        abort(404)
    return render_template(
        "teaching/preview.html",
        course=course,
        lessons=[lesson for lesson in course.lessons if lesson.retired_at is None],
    )


from lms.teaching import message, printing  # noqa: E402,F401  (their routes join this blueprint)
