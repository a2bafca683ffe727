"""A community digital team member's pages (issue 18): their village's households, who is
covered, who has started, who has nobody signed up; and learning together with a resident of
one of those households on the member's own phone (lms.auth.assisting). Pupils helping their
own families: lms.community.family.

Access: signed in, and on the team of the village asked for (404 when it does not exist, 403
when it is not theirs). Team membership is a row (lms.models.TeamMember), not a role."""

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from lms import security_log
from lms.access import login_required
from lms.accounts import ASSISTED
from lms.admin.routes import SETUP_CODE_DAYS
from lms.auth import assisting
from lms.community.forms import HouseholdSearchForm, ResidentCodeForm, ResidentForm
from lms.extensions import db
from lms.models import ListedHousehold, User, Village
from lms.people import teams
from lms.people.codes import issue_code
from lms.people.phones import normalize_phone
from lms.privacy_log import record_access
from lms.teaching.public_url import require_public_address

bp = Blueprint("community", __name__, url_prefix="/community")
bp.before_app_request(assisting.guard)

ASSIST_REFUSED = {
    "nested": _l("A session learning together is already open: end it first."),
    "self": _l("You cannot learn together with yourself."),
}


@bp.app_template_global()
def assisting_now() -> dict | None:
    """The banner's names, while this browser is in an assisted session."""
    return assisting.current()


@bp.app_template_global()
def community_links() -> dict:
    """For the home pages: the villages whose team this person is on; whether they may help
    their own family (a lower-secondary pupil)."""
    user = current_user._get_current_object()
    if not user.is_authenticated or assisting.current() is not None:
        return {"villages": [], "family": False}
    return {"villages": teams.member_villages(db.session, user.id), "family": teams.helps_family(user)}


def load_village(village_id: int) -> Village:
    """A village whose team the signed-in person is on: 404 when none, 403 when not theirs."""
    village = db.session.get(Village, village_id)
    if village is None:
        abort(404)
    if not teams.is_member(db.session, current_user.id, village.id):
        abort(403)
    return village


def load_household(listed_id: int) -> ListedHousehold:
    listed = db.session.get(ListedHousehold, listed_id)
    if listed is None:
        abort(404)
    load_village(listed.village_id)
    return listed


@bp.get("/")
@login_required
def my_village():
    villages = teams.member_villages(db.session, current_user.id)
    if not villages:
        abort(403)
    if len(villages) == 1:
        return redirect(url_for(".village", village_id=villages[0].id))
    return render_template("community/villages.html", villages=villages)


@bp.get("/villages/<int:village_id>")
@login_required
def village(village_id: int):
    village = load_village(village_id)
    form = HouseholdSearchForm(request.args)
    window = teams.coverage_window(db.session, village.unit)
    everyone = teams.household_statuses(db.session, village, window)
    counts = {status: sum(row.status == status for row in everyone) for status in teams.STATUSES}
    shown = form.show.data if form.show.data in teams.STATUSES else None
    rows = (
        teams.household_statuses(db.session, village, window, status=shown, search=form.q.data or "")
        if shown or form.q.data
        else everyone
    )
    record_access(db.session, current_user, "households.view", "village", village.id, village.unit_id)
    return render_template(
        "community/village.html", village=village, rows=rows, counts=counts, total=len(everyone), form=form
    )


@bp.get("/households/<int:listed_id>")
@login_required
def household(listed_id: int):
    listed = load_household(listed_id)
    residents = teams.residents_of(db.session, listed.id)
    window = teams.coverage_window(db.session, listed.village.unit)
    (row,) = teams.household_statuses(db.session, listed.village, window, only=listed.id)
    return render_template(
        "community/household.html",
        listed=listed,
        status=row.status,
        residents=residents,
        form=ResidentForm(),
        code_form=ResidentCodeForm(),
    )


@bp.post("/households/<int:listed_id>/residents/<int:resident_id>/code")
@login_required
def resident_code(listed_id: int, resident_id: int):
    """A resident who has a phone learns on their own: their number, then a first sign-in code
    (as staff and officials get one), shown once to the team member who hands it over."""
    listed = load_household(listed_id)
    resident = db.session.get(User, resident_id)
    if resident is None or resident.listed_household_id != listed.id:
        abort(404)
    back = url_for(".household", listed_id=listed.id)
    form = ResidentCodeForm()
    if not form.validate_on_submit():
        abort(400)
    if resident.password_hash:
        flash(_("%(name)s already signs in on their own.", name=resident.full_name), "error")
        return redirect(back)
    phone = normalize_phone(form.phone.data)
    if phone is None:
        flash(_("This is not a Vietnamese phone number."), "error")
        return redirect(back)
    taken = db.session.scalar(select(User.id).where(User.phone == phone, User.id != resident.id))
    if taken is not None:
        flash(_("This phone number belongs to another account."), "error")
        return redirect(back)
    require_public_address()  # before the code is issued: the page's link needs it
    resident.phone = phone
    code = issue_code(db.session, "setup", resident, current_user, SETUP_CODE_DAYS)
    db.session.commit()
    security_log.event("account.setup_codes", village=listed.village_id, accounts=[resident.id])
    return render_template("community/resident_code.html", listed=listed, resident=resident, code=code,
                           days=SETUP_CODE_DAYS)


@bp.post("/households/<int:listed_id>/assist")
@login_required
def assist_resident(listed_id: int):
    """Learn together with a resident of the household: one of its residents, or a new one
    from the name typed."""
    listed = load_household(listed_id)
    form = ResidentForm()
    if not form.validate_on_submit():
        abort(400)
    if form.resident.data:
        resident = db.session.get(User, _int(form.resident.data))
        if resident is None:
            abort(404)
        if resident.listed_household_id != listed.id or not teams.is_resident_of(
            db.session, resident, listed.village_id
        ):
            abort(403)
    elif (form.full_name.data or "").strip():
        resident = teams.add_resident(db.session, listed, form.full_name.data)
    else:
        flash(_("Type the name of the person learning, or choose them."), "error")
        return redirect(url_for(".household", listed_id=listed.id))
    return _start(resident, listed.village_id, url_for(".household", listed_id=listed.id))


@bp.post("/assist/end")
@login_required
def end_assist():
    """End learning together: back to one's own account and the page it started from."""
    if session.get(ASSISTED) is None:  # ended already (another tab): nothing to do
        return redirect(url_for("catalog.index"))
    back = assisting.end()
    if back is None:
        return redirect(url_for("auth.login"))
    flash(_("Learning together has ended. You are back in your own account."), "success")
    return redirect(back)


def _start(person: User, village_id: int | None, back: str):
    try:
        assisting.start(current_user._get_current_object(), person, village_id=village_id, back=back)
    except assisting.AssistError as error:
        db.session.rollback()
        flash(str(ASSIST_REFUSED[error.reason]), "error")
        return redirect(back)
    flash(_("You are now learning together with %(name)s.", name=person.full_name), "success")
    return redirect(url_for("learning.home"))


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        abort(404)


from lms.community import family  # noqa: E402,F401  (its routes join this blueprint)
