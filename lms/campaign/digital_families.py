"""Households of the villages' lists as evidence for the model "Gia đình số" (issue 18). Plain
functions over a session, no HTTP.

A listed household's known members are the adults of the pupils' family matched to it and the
residents attached to it (the same members as the plan's village_households indicator,
lms.campaign.tally.load_listed). It is a "Gia đình số" as of a day when it has at least one
known member and every one of them was covered in the parent tier within the plan's period by
that day; "since" is the day the last of them was.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.campaign import tally
from lms.campaign.evidence_basis import Scope, covered_days
from lms.campaign.populations import required_counts
from lms.models import ListedHousehold, Village


@dataclass
class HouseholdRow:
    id: int
    code: str
    head_name: str
    village_id: int
    village_name: str
    members: int = 0
    covered: int = 0
    since: date | None = None
    days: int | None = None

    @property
    def digital(self) -> bool:
        return bool(self.members) and self.covered == self.members


@dataclass
class VillageRow:
    id: int
    code: str
    name: str
    households: int = 0
    known: int = 0  # with at least one known member
    digital: int = 0

    @property
    def percent(self) -> float | None:
        return round(100 * self.digital / self.households, 1) if self.households else None


def villages(session: Session, unit_ids) -> list[Village]:
    return list(
        session.scalars(select(Village).where(Village.unit_id.in_(list(unit_ids))).order_by(Village.name))
    )


def household_rows(session: Session, scope: Scope, village_id: int | None = None) -> list[HouseholdRow]:
    """The households listed in the unit's villages (or one village's), with their members'
    coverage in the parent tier."""
    query = (
        select(ListedHousehold.id, ListedHousehold.code, ListedHousehold.head_name, Village.id, Village.name)
        .join(Village, Village.id == ListedHousehold.village_id)
        .where(Village.unit_id.in_(list(scope.unit_ids)))
        .order_by(Village.name, ListedHousehold.code)
    )
    if village_id is not None:
        query = query.where(Village.id == village_id)
    rows = [HouseholdRow(*row) for row in session.execute(query)]
    facts = tally.Facts(needed=required_counts(session))
    members = tally.load_listed(session, facts, [r.id for r in rows]) if rows else set()
    covered = covered_days(session, scope, "parent", sorted(members))
    for row in rows:
        known = facts.residents.get(row.id, set())
        days = [covered[m] for m in known if m in covered]
        row.members, row.covered = len(known), len(days)
        if row.digital:
            row.since = max(days)
            row.days = scope.days_since_start(row.since)
    return rows


def village_rows(session: Session, scope: Scope, households: list[HouseholdRow]) -> list[VillageRow]:
    """Per village: households listed, with a known member, and "Gia đình số"."""
    out = {v.id: VillageRow(v.id, v.code, v.name) for v in villages(session, scope.unit_ids)}
    for row in households:
        village = out[row.village_id]
        village.households += 1
        village.known += bool(row.members)
        village.digital += row.digital
    return list(out.values())
