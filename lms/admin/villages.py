"""A ward's or commune's villages (thôn, tổ dân phố) and their household lists: per village,
the households listed and how many of them are matched to a pupils' family (issue 18).

Their unit's admin sees their own; the city admin chooses a unit of their scope (the
officials' pages do the same: lms.admin.officials). The lists come from the roster import
(kind "households", lms.people.roster.households); the page shows figures, no one's name."""

from flask import redirect, render_template, url_for
from sqlalchemy import func, select

from lms.access import OVERSEERS, load_unit, roles_required, unit_scope
from lms.admin.routes import bp
from lms.extensions import db
from lms.models import ListedHousehold, Unit, Village
from lms.people.villages import villages_of


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
