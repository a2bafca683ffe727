"""A ward's or commune's villages (thôn, tổ dân phố) and their household lists: per village,
the households listed and how many of them are matched to a pupils' family (issue 18).

Their unit's admin sees their own; the city admin chooses a unit of their scope (the
officials' pages do the same: lms.admin.officials). The lists come from the roster import
(kind "households", lms.people.roster.households); the page shows figures, no one's name.

Each village's page holds its community digital team (lms.people.teams): the unit admin adds
an existing account (by phone, username or student code) or makes a new adult's account with
a first sign-in code, as officials get theirs, and removes members."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from lms import security_log
from lms.access import OVERSEERS, load_unit, roles_required, unit_scope
from lms.admin.routes import SETUP_CODE_DAYS, bp
from lms.community.forms import KIND_LABELS, MemberForm, NewMemberForm
from lms.extensions import db
from lms.models import ListedHousehold, TeamMember, Unit, Village
from lms.models.base import today_in_vietnam
from lms.people import teams
from lms.people.codes import issue_code
from lms.people.villages import villages_of
from lms.privacy_log import record_access
from lms.teaching.public_url import require_public_address

TEAM_REFUSED = {
    "inactive": _l("This account is disabled."),
    "admin": _l("A unit's or the city's admin account cannot join a team."),
    "already": _l("This person is already on the team."),
    "kind": _l("A pupil joins as a pupil member, and only a pupil does."),
    "too_young": _l("A pupil must be 15 or older to join a team."),
    "no_birth_date": _l("This pupil's date of birth is not known: it must show they are 15 or older."),
    "no_agreement": _l("Give the day a guardian agreed to the pupil joining."),
    "agreement_later": _l("The guardian's agreement cannot be dated after today."),
    "phone": _l("This is not a valid phone number."),
    "phone_taken": _l("An account already has this phone number: add it by its phone number above."),
    "name": _l("Type the person's full name."),
}


@bp.get("/villages")
@roles_required(*OVERSEERS)
def villages_home():
    """A unit admin's own villages; the city admin chooses a ward or commune."""
    scope = unit_scope()
    if len(scope) == 1:
        return redirect(url_for(".villages", unit_id=next(iter(scope))))
    counts = dict(
        db.session.execute(
            select(Village.unit_id, func.count(ListedHousehold.id))
            .join(ListedHousehold, ListedHousehold.village_id == Village.id)
            .where(Village.unit_id.in_(scope))
            .group_by(Village.unit_id)
        ).all()
    )
    units = db.session.scalars(select(Unit).where(Unit.id.in_(scope)).order_by(Unit.name)).all()
    return render_template("admin/villages.html", unit=None, units=units, counts=counts)


@bp.get("/units/<int:unit_id>/villages")
@roles_required(*OVERSEERS)
def villages(unit_id: int):
    unit = load_unit(unit_id)
    figures = villages_of(db.session, unit.id)
    return render_template(
        "admin/villages.html",
        unit=unit,
        figures=figures,
        listed=sum(f.listed for f in figures),
        matched=sum(f.matched for f in figures),
        several=len(unit_scope()) > 1,
    )


# --- a village's community digital team ------------------------------------------------------


def load_village(village_id: int) -> Village:
    """A village of a unit this admin oversees: 404 when none, 403 when not theirs."""
    village = db.session.get(Village, village_id)
    if village is None:
        abort(404)
    load_unit(village.unit_id)
    return village


def village_page(village: Village, form=None, new_form=None, status: int = 200):
    record_access(db.session, current_user, "team.view", "village", village.id, village.unit_id)
    return (
        render_template(
            "admin/village.html",
            village=village,
            members=teams.members_of(db.session, village.id),
            form=form or MemberForm(),
            new_form=new_form or NewMemberForm(),
            kinds=KIND_LABELS,
            several=len(unit_scope()) > 1,
        ),
        status,
    )


@bp.get("/villages/<int:village_id>")
@roles_required(*OVERSEERS)
def village(village_id: int):
    """The village's team: its members, and adding or removing one."""
    return village_page(load_village(village_id))


@bp.post("/villages/<int:village_id>/members")
@roles_required(*OVERSEERS)
def add_team_member(village_id: int):
    """An existing account onto the team, found by phone, username or student code."""
    village = load_village(village_id)
    form = MemberForm()
    if not form.validate_on_submit():
        return village_page(village, form=form, status=400)
    user = teams.find_account(db.session, form.login.data)
    if user is None:
        form.login.errors.append(_("No account has this phone number, username or student code."))
        return village_page(village, form=form, status=400)
    try:
        teams.add_member(
            db.session,
            village,
            user,
            form.kind.data,
            guardian_agreed_on=form.guardian_agreed_on.data,
            added_by=current_user,
            today=today_in_vietnam(),
        )
    except teams.TeamError as error:
        db.session.rollback()
        form.login.errors.append(str(TEAM_REFUSED[error.reason]))
        return village_page(village, form=form, status=400)
    db.session.commit()
    security_log.event("team.member_added", village=village.id, account=user.id, kind=form.kind.data)
    flash(_("%(name)s is now on the team.", name=user.full_name), "success")
    return redirect(url_for(".village", village_id=village.id))


@bp.post("/villages/<int:village_id>/members/new")
@roles_required(*OVERSEERS)
def new_team_member(village_id: int):
    """A new adult's account for the team, and its first sign-in code to hand over."""
    village = load_village(village_id)
    require_public_address()  # before anything is made: the code's sheet needs it
    form = NewMemberForm()
    if not form.validate_on_submit():
        return village_page(village, new_form=form, status=400)
    try:
        user = teams.new_member_account(db.session, form.full_name.data, form.phone.data)
        teams.add_member(
            db.session,
            village,
            user,
            form.kind.data,
            guardian_agreed_on=None,
            added_by=current_user,
            today=today_in_vietnam(),
        )
    except teams.TeamError as error:
        db.session.rollback()
        form.phone.errors.append(str(TEAM_REFUSED[error.reason]))
        return village_page(village, new_form=form, status=400)
    codes = {user.id: issue_code(db.session, "setup", user, current_user, SETUP_CODE_DAYS)}
    db.session.commit()
    security_log.event("account.created", account=user.id, role=user.role)
    security_log.event("team.member_added", village=village.id, account=user.id, kind=form.kind.data)
    security_log.event("account.setup_codes", village=village.id, accounts=[user.id])
    return render_template(
        "admin/setup_codes.html", school=village, staff=[user], codes=codes, days=SETUP_CODE_DAYS
    )


@bp.post("/villages/<int:village_id>/members/<int:member_id>/remove")
@roles_required(*OVERSEERS)
def remove_team_member(village_id: int, member_id: int):
    village = load_village(village_id)
    member = db.session.get(TeamMember, member_id)
    if member is None or member.village_id != village.id:
        abort(404)
    user_id = member.user_id
    db.session.delete(member)
    db.session.commit()
    security_log.event("team.member_removed", village=village.id, account=user_id)
    flash(_("Removed from the team."), "success")
    return redirect(url_for(".village", village_id=village.id))
