"""Sign-in cards and family letters a teacher prints for a class."""

from flask import current_app, render_template, request, url_for
from flask_login import current_user

from lms.access import roles_required
from lms.extensions import db
from lms.people.codes import issue_code
from lms.teaching import matrix, pins
from lms.teaching.routes import STAFF, bp, load_classroom, load_pupil


@bp.post("/classes/<int:classroom_id>/cards")
@roles_required(*STAFF)
def cards(classroom_id: int):
    """New PINs for the whole class, shown once on printable cards."""
    room = load_classroom(classroom_id, manage=True)
    pupils = matrix.class_pupils(db.session, room.id)
    issued = pins.reset_pins(db.session, room, pupils)
    return render_template(
        "teaching/cards.html",
        room=room,
        pupils=pupils,
        pins=issued,
        login_url=url_for("auth.class_login", code=room.signin_code, _external=True),
    )


@bp.post("/classes/<int:classroom_id>/pin")
@roles_required(*STAFF)
def reset_pin(classroom_id: int):
    """A new PIN for one pupil of the class, chosen in the class page's list."""
    room = load_classroom(classroom_id, manage=True)
    pupil = load_pupil(room, request.form.get("pupil_id", type=int))
    issued = pins.reset_pins(db.session, room, [pupil])
    return render_template(
        "teaching/cards.html",
        room=room,
        pupils=[pupil],
        pins=issued,
        login_url=url_for("auth.class_login", code=room.signin_code, _external=True),
    )


@bp.post("/classes/<int:classroom_id>/letters")
@roles_required(*STAFF)
def letters(classroom_id: int):
    """One pairing letter per pupil, each with a new one-time code and its QR code."""
    room = load_classroom(classroom_id, manage=True)
    pupils = matrix.class_pupils(db.session, room.id)
    days = current_app.config["PAIRING_CODE_DAYS"]
    codes = {p.id: issue_code(db.session, "pairing", p, current_user, days) for p in pupils}
    db.session.commit()
    return render_template(
        "teaching/letters.html",
        room=room,
        pupils=pupils,
        codes=codes,
        days=days,
        school=room.school,
    )
