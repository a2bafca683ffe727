"""Pupils helping their families (issue 18): a lower-secondary pupil (grades 6-9) helps the
adults of their own household, on the pupil's phone. Either learning together, signed in as
that adult (the same assisted session as a team member's, lms.auth.assisting), or showing the
pairing code of the pupil's letter (lms.teaching.letters), so that a guardian with no account
yet can make one on their own phone.

Only the pupil's own household, only adults (lms.people.teams.family_adults): another
family's parent is refused (403), as is every page to a pupil of another tier."""

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms import security_log
from lms.access import roles_required
from lms.community.routes import _start, bp
from lms.extensions import db
from lms.models import User
from lms.people import teams
from lms.people.codes import issue_code, live_codes, open_code
from lms.teaching.public_url import require_public_address


def pupil_helping() -> User:
    """The signed-in pupil, if they may help their family (403 otherwise)."""
    user = current_user.record()
    if not teams.helps_family(user):
        abort(403)
    return user


@bp.get("/family")
@roles_required("pupil")
def family():
    pupil = pupil_helping()
    return render_template("community/family.html", adults=teams.family_adults(db.session, pupil))


@bp.post("/family/<int:adult_id>/assist")
@roles_required("pupil")
def assist_family(adult_id: int):
    pupil = pupil_helping()
    adult = db.session.get(User, adult_id)
    if adult is None:
        abort(404)
    # By id: accounts compare equal by their session token (Flask-Login's UserMixin).
    if adult.id not in {a.id for a in teams.family_adults(db.session, pupil)}:
        abort(403)
    return _start(adult, None, url_for(".family"))


@bp.get("/family/code")
@roles_required("pupil")
def family_code():
    """The pupil's pairing code, for a guardian to type or scan on their own phone."""
    pupil = pupil_helping()
    require_public_address()
    row = live_codes(db.session, "pairing", [pupil.id]).get(pupil.id)
    code = open_code(row) if row is not None else None
    return render_template(
        "community/family_code.html",
        code=code,
        expires_at=row.expires_at if code else None,
        waiting=row is not None and code is None,
    )


@bp.post("/family/code")
@roles_required("pupil")
def issue_family_code():
    """A code when the pupil has none that works: no letter already sent stops working."""
    pupil = pupil_helping()
    require_public_address()
    if live_codes(db.session, "pairing", [pupil.id]).get(pupil.id) is None:
        issue_code(
            db.session, "pairing", pupil, pupil, current_app.config["PAIRING_CODE_DAYS"], printable=True
        )
        db.session.commit()
        security_log.event("codes.issued", purpose="pairing", pupils=[pupil.id])
    else:
        flash(_("Your family's letter still has a code that works: ask your teacher for it."), "info")
    return redirect(url_for(".family_code"))
