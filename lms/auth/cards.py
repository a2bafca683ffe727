"""Young pupils' sign-in: class code, pick your name, type your PIN."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from lms.accounts import sign_in, verify_pin
from lms.auth.forms import ClassCodeForm, PinLoginForm
from lms.extensions import db, limiter
from lms.models import Classroom
from lms.people.codes import normalize_code
from lms.teaching.matrix import class_pupils


def _failed(response) -> bool:
    return response.status_code == 401


def _pupil_key() -> str:
    return "pupil:" + (request.form.get("pupil") or "")


def _class_key() -> str:
    return "class:" + normalize_code(request.view_args.get("code", ""))


def find_classroom(code: str) -> Classroom | None:
    code = normalize_code(code)
    if not code:
        return None
    return db.session.scalar(select(Classroom).where(Classroom.signin_code == code))


def class_login():
    form = ClassCodeForm(request.args)
    if request.args.get("code"):
        room = find_classroom(form.code.data)
        if room is not None:
            return redirect(url_for("auth.class_pin", code=room.signin_code))
        flash(_("No class has this code. Check the card and try again."), "error")
    return render_template("auth/class_code.html", form=form)


@limiter.limit(
    lambda: current_app.config["PIN_LIMIT_PER_CLASS"],
    methods=["POST"],
    key_func=_class_key,
    deduct_when=_failed,
)
@limiter.limit(
    lambda: current_app.config["PIN_LIMIT_PER_PUPIL"],
    methods=["POST"],
    key_func=_pupil_key,
    deduct_when=_failed,
)
def class_pin(code: str):
    room = find_classroom(code)
    if room is None:
        abort(404)
    pupils = class_pupils(db.session, room.id)
    form = PinLoginForm()
    if form.validate_on_submit():
        pupil = next((p for p in pupils if str(p.id) == form.pupil.data), None)
        if pupil is not None and pupil.active and verify_pin(pupil, form.pin.data.strip()):
            sign_in(pupil)
            return redirect(url_for("learning.home"))
        flash(_("Wrong PIN, or no name chosen. Try again or ask your teacher."), "error")
        return render_template("auth/class_pin.html", room=room, pupils=pupils, form=form), 401
    return render_template("auth/class_pin.html", room=room, pupils=pupils, form=form)
