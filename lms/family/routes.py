"""What parents do on their phones: join with the letter's code, follow their children."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from lms import security_log
from lms.access import roles_required
from lms.accounts import hash_password, sign_in
from lms.auth import limits
from lms.auth.routes import CODE_MESSAGES
from lms.db_setup import reading_first
from lms.extensions import db
from lms.family.forms import PairForm, SignupForm
from lms.family.pairing import PairingError, pair, signup_and_pair
from lms.learning.cards import home_cards
from lms.models import Classroom, Enrollment, Guardianship, User
from lms.people.codes import CodeError, find_code
from lms.people.phones import normalize_phone

bp = Blueprint("family", __name__)

PAIRING_MESSAGES = {
    "phone_taken": _l("This phone number already has an account. Sign in first, then enter the code again."),
    "phone_other_family": _l(
        "This phone number is registered with another family. Please contact the school."
    ),
    "not_parent": _l("Only a parent account can be linked to a pupil."),
    "no_consent": _l("Pairing needs your consent: tick the box after reading the notice."),
}


def refused(error: CodeError | PairingError, template: str, form):
    """Nothing half-done is kept; the family is told why in plain words."""
    db.session.rollback()
    security_log.event("code.failed", purpose="pairing", reason=error.reason)
    messages = CODE_MESSAGES if isinstance(error, CodeError) else PAIRING_MESSAGES
    flash(str(messages[error.reason]), "error")
    return render_template(template, form=form), 409


def _code_tries():
    """Looking a code up and using it share one per-address limit, counted before the look."""
    return limits.attempt(("CODE_LIMIT_PER_ADDRESS", "code-addr:" + limits.address()))


@bp.route("/pair", methods=["GET", "POST"], endpoint="pair")
def pair_view():
    code = request.values.get("code", "")
    if current_user.is_authenticated:
        form = PairForm(data={"code": code})
        if form.validate_on_submit():
            tries = _code_tries()
            if tries.refused:
                return limits.too_many(tries)
            try:
                pupil = pair(
                    db.session, current_user.record(), form.code.data, consent=form.consent.data
                )
            except (CodeError, PairingError) as error:
                return refused(error, "family/pair.html", form)
            tries.succeeded()
            flash(_("You are now linked to %(name)s.", name=pupil.full_name), "success")
            return redirect(url_for(".home"))
        return render_template("family/pair.html", form=form)
    form = SignupForm(data={"code": code})
    if request.method == "GET" and code:
        # The letter's QR code opens this page with its code: say now whether it still works,
        # but as one guess of the same limit as the form's, never for free.
        tries = _code_tries()
        if tries.refused:
            return limits.too_many(tries)
        try:
            find_code(db.session, code, "pairing")
            tries.succeeded()
        except CodeError as error:
            security_log.event("code.failed", purpose="pairing", reason=error.reason)
            flash(str(CODE_MESSAGES[error.reason]), "error")
    if form.validate_on_submit():
        phone = normalize_phone(form.phone.data)
        if phone is None:
            form.phone.errors.append(_("Enter a Vietnamese phone number, e.g. 0912345678."))
            return render_template("family/signup.html", form=form), 400
        tries = _code_tries()
        if tries.refused:
            return limits.too_many(tries)
        try:
            # The code first (a wrong one costs no hash), then the new password's hash with
            # nothing open, then the write; signup_and_pair checks the code again in it.
            with reading_first(db.session):
                find_code(db.session, form.code.data, "pairing")
            password_hash = hash_password(form.password.data)
            parent, pupil = signup_and_pair(
                db.session,
                form.code.data,
                form.full_name.data,
                phone,
                password_hash,
                consent=form.consent.data,
            )
        except (CodeError, PairingError) as error:
            return refused(error, "family/signup.html", form)
        tries.succeeded()
        sign_in(parent)
        flash(_("Welcome! You are now linked to %(name)s.", name=pupil.full_name), "success")
        return redirect(url_for(".home"))
    return render_template("family/signup.html", form=form)


@bp.get("/family")
@roles_required("parent")
def home():
    assigned, own = home_cards(db.session, current_user)
    children = db.session.execute(
        select(User, Classroom)
        .join(Guardianship, Guardianship.pupil_id == User.id)
        .outerjoin(Enrollment, (Enrollment.pupil_id == User.id) & Enrollment.ended_on.is_(None))
        .outerjoin(Classroom, Classroom.id == Enrollment.classroom_id)
        .where(Guardianship.guardian_id == current_user.id)
        .order_by(User.name_key)
    ).all()
    child_cards = []
    for child, room in children:
        child_assigned, _rest = home_cards(db.session, child)
        child_cards.append((child, room, child_assigned))
    return render_template("family/home.html", own=assigned + own, children=child_cards)


from lms.family import my_data  # noqa: E402,F401  (its routes join this blueprint)
