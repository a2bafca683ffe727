"""A message the teacher pastes into the class's Zalo group: who has not finished which course,
by when, and where to study. Plain text to copy; nothing is sent from here."""

from flask import abort, current_app, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import roles_required
from lms.extensions import db
from lms.formatting import format_day
from lms.models import Classroom
from lms.teaching import matrix
from lms.teaching.public_url import NoPublicAddress, public_url_for
from lms.teaching.routes import STAFF, bp, load_classroom


def platform_link(endpoint: str) -> str:
    """The configured public address when there is one (a parent trusts it), else the address
    the teacher's browser used: the message is only text the teacher reads before sending."""
    if (current_app.config.get("PUBLIC_URL") or "").strip():
        try:
            return public_url_for(endpoint)
        except NoPublicAddress:  # not an http(s) address: the app's own then
            pass
    return url_for(endpoint, _external=True)


def reminder_text(grid: matrix.Matrix, room: Classroom, link: str, sender: str) -> str | None:
    """The message, or None when every pupil has finished every assigned course."""
    lines = []
    for assignment in grid.assignments:
        if assignment.course.retired_at is not None:  # pupils no longer see it
            continue
        pupils = grid.unfinished(assignment)
        if not pupils:
            continue
        if len(pupils) == len(grid.pupils) > 1:
            names = _("every pupil of the class")
        else:
            names = ", ".join(p.full_name for p in pupils)
        if assignment.due_on:
            lines.append(
                _(
                    "• %(course)s (due %(date)s): %(names)s",
                    course=assignment.course.title,
                    date=format_day(assignment.due_on),
                    names=names,
                )
            )
        else:
            lines.append(_("• %(course)s: %(names)s", course=assignment.course.title, names=names))
    if not lines:
        return None
    if room.tier == "primary":
        signin = _("Pupils sign in with their class card (the class code and PIN are on the card).")
    else:
        signin = _("Pupils sign in with their own account.")
    return "\n".join(
        [
            _("Dear parents of class %(name)s,", name=room.name),
            _("These pupils have not yet finished the digital-skills courses the class was given:"),
            *lines,
            _("The pupils study at: %(link)s", link=link),
            signin,
            _("Please remind and help the children to finish on time. Thank you very much!"),
            sender,
        ]
    )


@bp.get("/classes/<int:classroom_id>/message")
@roles_required(*STAFF)
def class_message(classroom_id: int):
    room = load_classroom(classroom_id, manage=True)
    if room.is_preschool:  # nobody in a kindergarten class has courses to be reminded of
        abort(404)
    grid = matrix.build_matrix(db.session, room)
    endpoint = "auth.class_login" if room.tier == "primary" else "auth.login"
    return render_template(
        "teaching/message.html",
        room=room,
        grid=grid,
        message=reminder_text(grid, room, platform_link(endpoint), current_user.full_name),
    )
