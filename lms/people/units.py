"""Which wards and communes a person oversees: the unit scope every admin page, export and
command checks. Plain functions over a session, no HTTP.

- The city admin: every ward and commune under their city (all of them when the deployment
  has no city unit, or the admin none).
- A unit admin (role ward_admin): their own ward or commune. An admin without a unit in a
  deployment of exactly one ward or commune is that unit's admin (a single ward installed
  alone needs no extra step); with several units, none until one is given.
- Principals and teachers: the unit of their school.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.models import School, Unit

ADMIN_ROLES = ("ward_admin", "city_admin")


def local_units(session: Session, city_id: int | None = None) -> list[Unit]:
    """The wards and communes (of one city, or all), by name."""
    query = select(Unit).where(Unit.kind != "city").order_by(Unit.name)
    if city_id is not None:
        query = query.where(Unit.parent_id == city_id)
    return list(session.scalars(query))


def the_city(session: Session) -> Unit | None:
    """The deployment's city unit, when there is one (and only one)."""
    cities = list(session.scalars(select(Unit).where(Unit.kind == "city").limit(2)))
    return cities[0] if len(cities) == 1 else None


def unit_ids_in_scope(session: Session, user) -> frozenset[int]:
    """The ids of the wards and communes this person oversees (empty: none)."""
    if user.role == "city_admin":
        unit = session.get(Unit, user.unit_id) if user.unit_id else None
        if unit is not None and not unit.is_city:
            return frozenset({unit.id})
        return frozenset(u.id for u in local_units(session, unit.id if unit else None))
    if user.role == "ward_admin":
        if user.unit_id is not None:
            return frozenset({user.unit_id})
        units = session.scalars(select(Unit.id).where(Unit.kind != "city").limit(2)).all()
        return frozenset(units) if len(units) == 1 else frozenset()
    if user.role in ("school_admin", "teacher") and user.school_id is not None:
        unit_id = session.scalar(select(School.unit_id).where(School.id == user.school_id))
        return frozenset({unit_id}) if unit_id is not None else frozenset()
    if user.role == "official" and user.unit_id is not None:
        return frozenset({user.unit_id})
    return frozenset()


def home_unit(session: Session, user) -> Unit | None:
    """The one ward or commune a unit admin works for (None for the city admin)."""
    if user.role != "ward_admin":
        return None
    ids = unit_ids_in_scope(session, user)
    return session.get(Unit, next(iter(ids))) if len(ids) == 1 else None
