"""A ward's or commune's own officials: their unit's admin (or the city admin, for a unit in
their scope) lists them and prints first sign-in codes for those without a password, as the
school's page does for staff (admin.routes.setup_codes: the same codes, days and sheet).

The officials come from the roster import (kind "officials", lms.people.roster.officials);
they then sign in like staff and learn the `official` courses."""

from flask import redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from lms import security_log
from lms.access import OVERSEERS, load_unit, roles_required, unit_scope
from lms.admin.routes import SETUP_CODE_DAYS, bp
from lms.extensions import db
from lms.models import Unit, User
from lms.people.codes import issue_code
from lms.privacy_log import record_access
from lms.teaching.public_url import require_public_address


def officials_of(unit: Unit, *, waiting: bool = False) -> list[User]:
    """The unit's officials by name; waiting: only the active ones without a password yet (an
    erased official stays active to be counted, but is waiting for nothing)."""
    from lms.people.erasure import erased_clause

    query = select(User).where(User.role == "official", User.unit_id == unit.id).order_by(User.name_key)
    if waiting:
        query = query.where(User.password_hash.is_(None), User.active.is_(True), ~erased_clause())
    return list(db.session.scalars(query))


@bp.get("/officials")
@roles_required(*OVERSEERS)
def officials_home():
    """A unit admin's own officials; the city admin chooses a ward or commune."""
    scope = unit_scope()
    if len(scope) == 1:
        return redirect(url_for(".officials", unit_id=next(iter(scope))))
    counts = dict(
        db.session.execute(
            select(User.unit_id, func.count(User.id))
            .where(User.role == "official", User.unit_id.in_(scope))
            .group_by(User.unit_id)
        ).all()
    )
    units = db.session.scalars(select(Unit).where(Unit.id.in_(scope)).order_by(Unit.name)).all()
    return render_template("admin/officials.html", unit=None, units=units, counts=counts)


@bp.get("/units/<int:unit_id>/officials")
@roles_required(*OVERSEERS)
def officials(unit_id: int):
    unit = load_unit(unit_id)
    record_access(db.session, current_user, "officials.view", "unit", unit.id, unit.id)
    return render_template(
        "admin/officials.html", unit=unit, officials=officials_of(unit), several=len(unit_scope()) > 1
    )


@bp.post("/units/<int:unit_id>/officials/setup-codes")
@roles_required(*OVERSEERS)
def official_setup_codes(unit_id: int):
    """Printable first sign-in codes for the officials who have not chosen a password yet: the
    staff's sheet, with the unit in place of the school."""
    unit = load_unit(unit_id)
    require_public_address()  # before any code is replaced: the sheet's links need it
    people = officials_of(unit, waiting=True)
    codes = {u.id: issue_code(db.session, "setup", u, current_user, SETUP_CODE_DAYS) for u in people}
    db.session.commit()
    security_log.event("account.setup_codes", unit=unit.id, accounts=[u.id for u in people])
    return render_template(
        "admin/setup_codes.html", school=unit, staff=people, codes=codes, days=SETUP_CODE_DAYS
    )
