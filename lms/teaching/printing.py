"""Sign-in cards a teacher prints for a class (family letters: lms.teaching.letters).

Printing never voids anything handed out: the page prints the PINs the pupils already have,
and gives PINs only to pupils who have none that works. New PINs in place of working ones are
a separate step whose confirmation page names the cards that stop working."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms import security_log
from lms.access import roles_required
from lms.extensions import db
from lms.models import Classroom, User
from lms.privacy_log import record_access
from lms.teaching import matrix, pins, public_url
from lms.teaching.public_url import public_url_for, require_public_address
from lms.teaching.routes import STAFF, bp, load_classroom

CARDS_PER_SHEET = 8  # 2 x 4 on an A4 sheet

public_url.register(bp)


def load_class_with_cards(classroom_id: int) -> Classroom:
    """Sign-in cards are for pupils who sign in: a kindergarten class has none (404)."""
    room = load_class_to_print(classroom_id)
    if room.is_preschool:
        abort(404)
    return room


def load_class_to_print(classroom_id: int) -> Classroom:
    """Who may manage the class (the school's staff; the ward admin hands out no cards)."""
    return load_classroom(classroom_id, manage=True)


def chosen_pupils(room: Classroom) -> tuple[list[User], User | None]:
    """The whole class, or the one pupil of `?pupil=` (404 when not in this class)."""
    pupils = matrix.class_pupils(db.session, room.id)
    if "pupil" not in request.args:
        return pupils, None
    wanted = request.args.get("pupil", type=int)
    pupil = next((p for p in pupils if p.id == wanted), None)
    if pupil is None:
        abort(404)
    return [pupil], pupil


def sheets(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def back_to(endpoint: str, room: Classroom, one: User | None):
    return redirect(url_for(endpoint, classroom_id=room.id, pupil=one.id if one else None))


@bp.get("/classes/<int:classroom_id>/cards")
@roles_required(*STAFF)
def cards(classroom_id: int):
    """The cards as they stand, to print (again): the same PINs as the ones handed out."""
    room = load_class_with_cards(classroom_id)
    require_public_address()
    pupils, one = chosen_pupils(room)
    record_access(db.session, current_user, "cards.print", "class", room.id, school_id=room.school_id)
    state = pins.card_state(pupils)
    printable = [p for p in pupils if p.id in state.pins] if room.signin_code else []
    return render_template(
        "teaching/cards.html",
        room=room,
        one=one,
        state=state,
        sheets=sheets(printable, CARDS_PER_SHEET),
        login_url=public_url_for("auth.class_pin", code=room.signin_code) if room.signin_code else None,
    )


@bp.post("/classes/<int:classroom_id>/cards")
@roles_required(*STAFF)
def issue_missing_cards(classroom_id: int):
    """PINs for pupils who have none that works: no card in anyone's hands stops working."""
    room = load_class_with_cards(classroom_id)
    require_public_address()
    pupils, one = chosen_pupils(room)
    without = pins.card_state(pupils).without
    pins.issue_pins(db.session, room, without)
    security_log.event("pins.issued", classroom=room.id, pupils=[p.id for p in without])
    if without:
        flash(_("PINs issued for %(n)s pupils. Print their cards now.", n=len(without)), "success")
    return back_to(".cards", room, one)


def targets(room: Classroom) -> tuple[list[User], User | None, bool]:
    """Whom new PINs or codes are for: one pupil, the class, or (?which=unprintable) those
    whose working card or letter cannot be printed again."""
    pupils, one = chosen_pupils(room)
    unprintable = one is None and request.args.get("which") == "unprintable"
    return pupils, one, unprintable


@bp.route("/classes/<int:classroom_id>/cards/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new_cards(classroom_id: int):
    """New PINs in place of the current ones, after a page that says which cards stop working."""
    room = load_class_with_cards(classroom_id)
    require_public_address()
    pupils, one, unprintable = targets(room)
    state = pins.card_state(pupils)
    if unprintable:
        pupils = state.unprintable
    if request.method == "POST":
        pins.issue_pins(db.session, room, pupils)
        security_log.event("pins.replaced", classroom=room.id, pupils=[p.id for p in pupils])
        flash(
            _(
                "New PINs for %(n)s pupils. Print their cards now: the earlier cards no longer work.",
                n=len(pupils),
            ),
            "success",
        )
        return back_to(".cards", room, one)
    return render_template(
        "teaching/confirm_new.html",
        kind="cards",
        room=room,
        one=one,
        pupils=pupils,
        voided=[p for p in pupils if state.works(p)],
        action=url_for(
            ".new_cards",
            classroom_id=room.id,
            pupil=one.id if one else None,
            which="unprintable" if unprintable else None,
        ),
        back=url_for(".cards", classroom_id=room.id, pupil=one.id if one else None),
    )


from lms.teaching import letters  # noqa: E402,F401  (its routes join this blueprint)
