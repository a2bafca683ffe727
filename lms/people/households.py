"""Households: the pupils and guardians connected to each other, kept merged as links are made."""

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lms.campaign import snapshots, tally
from lms.models import Guardianship, Household, ListedHousehold, User


def ensure_household(session: Session, person: User) -> int:
    if person.household_id is None:
        household = Household()
        session.add(household)
        session.flush()
        person.household_id = household.id
    return person.household_id


def link_guardian(session: Session, guardian: User, pupil: User) -> bool:
    """Link a guardian to a pupil and merge their households. False if already linked."""
    exists = session.scalar(
        select(Guardianship).where(Guardianship.guardian_id == guardian.id, Guardianship.pupil_id == pupil.id)
    )
    if exists is None:
        session.add(Guardianship(guardian_id=guardian.id, pupil_id=pupil.id))
    pupil_household = ensure_household(session, pupil)
    if guardian.household_id is None:
        guardian.household_id = pupil_household
    elif guardian.household_id != pupil_household:
        merge(session, keep=guardian.household_id, drop=pupil_household)
        pupil.household_id = guardian.household_id
    session.flush()
    return exists is None


def merge(session: Session, keep: int, drop: int) -> None:
    # The village-list households matched to either family (the dropped one's match is cleared
    # by its foreign key, and found again by the next matching): their kept counts follow.
    tally.mark(
        session,
        *(f"v:{v}" for v in session.scalars(
            select(ListedHousehold.id).where(ListedHousehold.household_id.in_((keep, drop)))
        )),
    )
    session.execute(
        update(User)
        .where(User.household_id == drop)
        .values(household_id=keep)
        .execution_options(synchronize_session="fetch")
    )
    session.execute(Household.__table__.delete().where(Household.id == drop))
    snapshots.touch(session)  # written without the ORM: stored coverage figures are stale
    tally.mark(session, f"f:{keep}", f"f:{drop}")  # the kept counts follow before the commit
