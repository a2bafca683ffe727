"""The privacy notice (public), and a class's consent page where the homeroom teacher or the
school's admin records the paper consents the families return (lms.people.consent)."""

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.access import can_manage_class, roles_required
from lms.extensions import db
from lms.models import Classroom, Consent, User
from lms.models.base import today_in_vietnam
from lms.people import consent as consents
from lms.people.consent import age_on, asks_child
from lms.privacy_log import record_access
from lms.teaching.matrix import class_pupils

bp = Blueprint("privacy", __name__)

# Said in the notice: how long names and contacts stay once the campaign ended and the child
# left (`flask privacy retire --before DATE`; docs/privacy.md).
RETENTION_MONTHS = 12
# A paper consent dated earlier is a typing mistake: the campaign began in 2025.
EARLIEST_PAPER = date(2025, 1, 1)
KINDS = ("guardian", "child")


@bp.get("/privacy")
def notice():
    return render_template("privacy/notice.html", months=RETENTION_MONTHS)


@dataclass
class ConsentRow:
    pupil: User
    age: int | None
    asks_child: bool
    current: dict  # kind -> the standing Consent, or None
    ticked: dict  # kind -> bool, as shown in the form
    given_on: dict  # kind -> the date field's text
    error: str | None = None


def load_managed_class(classroom_id: int) -> Classroom:
    room = db.session.get(Classroom, classroom_id)
    if room is None:
        abort(404)
    if not can_manage_class(current_user, room):
        abort(403)
    return room


def consent_rows(room: Classroom, today: date) -> list[ConsentRow]:
    pupils = class_pupils(db.session, room.id)
    current = consents.current_consents(db.session, [p.id for p in pupils])
    rows = []
    for p in pupils:
        standing = {kind: current.get((p.id, kind)) for kind in KINDS}
        rows.append(ConsentRow(
            pupil=p,
            age=age_on(p.date_of_birth, today) if p.date_of_birth else None,
            asks_child=asks_child(p, room.grade, today),
            current=standing,
            ticked={kind: standing[kind] is not None for kind in KINDS},
            given_on={kind: standing[kind].given_on.isoformat() if standing[kind] else "" for kind in KINDS},
        ))
    return rows


def parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def apply_row(row: ConsentRow, kind: str, default_day: date | None, today: date) -> str | None:
    """Record what the form says of one pupil's consent of one kind; an error message or None."""
    standing: Consent | None = row.current[kind]
    if not row.ticked[kind]:
        if standing is not None:
            consents.withdraw(db.session, row.pupil.id, kind)
        return None
    text = row.given_on[kind]
    day = parse_day(text) if text else default_day
    if standing is not None and (not text or day == standing.given_on):
        return None  # unchanged
    if day is None:
        return _("Enter the date written on the paper form.")
    if not EARLIEST_PAPER <= day <= today:
        return _("The date must be between %(first)s and today.", first=EARLIEST_PAPER.strftime("%d/%m/%Y"))
    if standing is not None and standing.source == "paper":
        consents.redate(db.session, standing, day)
    elif standing is None:
        consents.record(db.session, row.pupil.id, kind, current_user.id, "paper", day)
    return None


@bp.route("/teach/classes/<int:classroom_id>/consent", methods=["GET", "POST"])
@roles_required("teacher", "school_admin")
def class_consent(classroom_id: int):
    room = load_managed_class(classroom_id)
    record_access(db.session, current_user, "consent.view", "class", room.id, school_id=room.school_id)
    today = today_in_vietnam()
    rows = consent_rows(room, today)
    status = 200
    if request.method == "POST":
        ticked = {kind: set(request.form.getlist(kind)) for kind in KINDS}
        default_text = request.form.get("given_on", "").strip()
        default_day = parse_day(default_text) if default_text else None
        for row in rows:
            for kind in KINDS:
                if kind == "child" and not row.asks_child:
                    continue
                row.ticked[kind] = str(row.pupil.id) in ticked[kind]
                row.given_on[kind] = request.form.get(f"{kind}_on-{row.pupil.id}", "").strip()
                row.error = row.error or apply_row(row, kind, default_day, today)
        if any(row.error for row in rows):
            db.session.rollback()
            flash(_("Nothing was saved: correct the pupils marked below."), "error")
            status = 400
        else:
            db.session.commit()
            flash(_("Consents saved."), "success")
            return redirect(url_for(".class_consent", classroom_id=room.id))
    with_consent = sum(1 for row in rows if row.current["guardian"] is not None)
    return render_template(
        "privacy/consent.html", room=room, rows=rows, with_consent=with_consent, today=today,
        default_day=request.form.get("given_on", "") if request.method == "POST" else "",
    ), status
