"""Young pupils' sign-in: class code, tap your name, type your PIN (each step its own short page,
so the PIN box is at the top of the screen, not below thirty names).

A 4-digit PIN has 10,000 values: what protects it is how few guesses anyone gets
(lms.auth.limits, settings PIN_LIMIT_*, their cost in docs/operations.md). Failures count per
address across every class, per address and pupil, and, in short windows, per pupil and per
class from all addresses, so one address cannot spray PINs nor lock a class or a pupil out.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from lms import security_log
from lms.accounts import sign_in, verify_pin
from lms.auth import limits
from lms.auth.forms import ClassCodeForm, PinLoginForm
from lms.db_setup import reading_first
from lms.extensions import db
from lms.models import Classroom
from lms.people.codes import normalize_code
from lms.teaching.matrix import class_pupils


def find_classroom(code: str) -> Classroom | None:
    code = normalize_code(code)
    if not code:
        return None
    room = db.session.scalar(select(Classroom).where(Classroom.signin_code == code))
    # Kindergarten children never sign in: their class's code opens nothing.
    return None if room is None or room.is_preschool else room


def class_login():
    form = ClassCodeForm(request.args)
    if request.args.get("code"):
        room = find_classroom(form.code.data)
        if room is not None:
            return redirect(url_for("auth.class_pin", code=room.signin_code))
        flash(_("No class has this code. Check the card and try again."), "error")
    return render_template("auth/class_code.html", form=form)


def _chosen(pupils, value):
    return next((p for p in pupils if str(p.id) == (value or "")), None)


def _page(room, pupils, form, chosen, status=200):
    if chosen is None:
        return render_template("auth/class_names.html", room=room, pupils=pupils), status
    form.pupil.data = str(chosen.id)
    return render_template("auth/class_pin.html", room=room, pupil=chosen, form=form), status


def _pin_limits(room: Classroom, pupil_key: str) -> list[tuple[str, str]]:
    addr = limits.address()
    return [
        ("PIN_LIMIT_PER_ADDRESS", f"pin-addr:{addr}"),
        ("PIN_LIMIT_PER_ADDRESS_PUPIL", f"pin-addr-pupil:{addr}:{pupil_key}"),
        ("PIN_LIMIT_PER_PUPIL", f"pin-pupil:{pupil_key}"),
        ("PIN_LIMIT_PER_CLASS", f"pin-class:{room.id}"),
    ]


def class_pin(code: str):
    form = PinLoginForm()
    # Reading the class and checking the PIN hold no write lock; signing in is the one write.
    with reading_first(db.session):
        room = find_classroom(code)
        if room is None:
            abort(404)
        pupils = class_pupils(db.session, room.id)
        if request.method == "GET":
            return _page(room, pupils, form, _chosen(pupils, request.args.get("pupil")))
        chosen = _chosen(pupils, form.pupil.data)
        if chosen is None or not form.validate_on_submit():  # no PIN checked: nothing counted
            flash(_("Wrong PIN, or no name chosen. Try again or ask your teacher."), "error")
            return _page(room, pupils, form, chosen, 401)
        tries = limits.attempt(*_pin_limits(room, str(chosen.id)))
        if tries.refused:
            return limits.too_many(tries)
        right = chosen.active and verify_pin(chosen, form.pin.data.strip())
        if not right:
            security_log.event("pin.failed", classroom=room.id, pupil=chosen.id)
            flash(_("Wrong PIN, or no name chosen. Try again or ask your teacher."), "error")
            return _page(room, pupils, form, chosen, 401)
    tries.succeeded()
    sign_in(chosen)
    return redirect(url_for("learning.home"))
