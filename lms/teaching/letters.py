"""Letters to families, each with its pupil's one-time pairing code and QR code.

As with cards (lms.teaching.printing): the page reprints the codes still live, gives codes
only to pupils who have none, and replacing live codes is a separate, confirmed step. A
replaced code tells the family who types it that a newer letter exists."""

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms import security_log
from lms.access import roles_required
from lms.extensions import db
from lms.models import User
from lms.people.codes import issue_code, live_codes, open_code
from lms.privacy_log import record_access
from lms.teaching.printing import back_to, chosen_pupils, load_class_to_print, targets
from lms.teaching.public_url import require_public_address
from lms.teaching.routes import STAFF, bp


@dataclass
class Letters:
    codes: dict[int, tuple[str, datetime]] = field(default_factory=dict)  # printable
    without: list[User] = field(default_factory=list)  # no code that works: issuing voids nothing
    lost: list[User] = field(default_factory=list)  # of those, sealed under another card key
    unprintable: list[User] = field(default_factory=list)  # a live code from before sealing

    def works(self, pupil: User) -> bool:
        return pupil.id in self.codes or pupil in self.unprintable


def letter_state(pupils: list[User]) -> Letters:
    letters = Letters()
    rows = live_codes(db.session, "pairing", [p.id for p in pupils])
    for pupil in pupils:
        row = rows.get(pupil.id)
        code = open_code(row) if row is not None else None
        if code is not None:
            letters.codes[pupil.id] = (code, row.expires_at)
        elif row is None:
            letters.without.append(pupil)
        elif row.code_sealed:
            # Sealed under another card key: its keyed hash no longer matches either.
            letters.without.append(pupil)
            letters.lost.append(pupil)
        else:
            letters.unprintable.append(pupil)
    return letters


def issue_letters(pupils: list[User]) -> None:
    days = current_app.config["PAIRING_CODE_DAYS"]
    for pupil in pupils:
        issue_code(db.session, "pairing", pupil, current_user, days, printable=True)
    db.session.commit()
    security_log.event("codes.issued", purpose="pairing", pupils=[p.id for p in pupils])


@bp.get("/classes/<int:classroom_id>/letters")
@roles_required(*STAFF)
def letters(classroom_id: int):
    """The letters whose codes still work, to print (again)."""
    room = load_class_to_print(classroom_id)
    require_public_address()
    pupils, one = chosen_pupils(room)
    record_access(db.session, current_user, "letters.print", "class", room.id, school_id=room.school_id)
    state = letter_state(pupils)
    return render_template(
        "teaching/letters.html",
        room=room,
        one=one,
        state=state,
        pupils=[p for p in pupils if p.id in state.codes],
        school=room.school,
    )


@bp.post("/classes/<int:classroom_id>/letters")
@roles_required(*STAFF)
def issue_missing_letters(classroom_id: int):
    """Codes for pupils who have none that works: no letter already sent stops working."""
    room = load_class_to_print(classroom_id)
    require_public_address()
    pupils, one = chosen_pupils(room)
    without = letter_state(pupils).without
    issue_letters(without)
    if without:
        flash(_("Codes issued for %(n)s pupils. Print their letters now.", n=len(without)), "success")
    return back_to(".letters", room, one)


@bp.route("/classes/<int:classroom_id>/letters/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new_letters(classroom_id: int):
    """New codes in place of the live ones, after a page that says which letters stop working."""
    room = load_class_to_print(classroom_id)
    require_public_address()
    pupils, one, unprintable = targets(room)
    state = letter_state(pupils)
    if unprintable:
        pupils = state.unprintable
    if request.method == "POST":
        issue_letters(pupils)
        flash(
            _(
                "New codes for %(n)s pupils. Print their letters now: the earlier letters no longer work.",
                n=len(pupils),
            ),
            "success",
        )
        return back_to(".letters", room, one)
    return render_template(
        "teaching/confirm_new.html",
        kind="letters",
        room=room,
        one=one,
        pupils=pupils,
        voided=[p for p in pupils if state.works(p)],
        action=url_for(
            ".new_letters",
            classroom_id=room.id,
            pupil=one.id if one else None,
            which="unprintable" if unprintable else None,
        ),
        back=url_for(".letters", classroom_id=room.id, pupil=one.id if one else None),
    )
