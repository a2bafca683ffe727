"""The ground the evidence for the models stands on (lms/campaign/evidence.py,
lms/campaign/digital_families.py): a group's coverage against the plan's target, the scope
counted (the plan, its units, the as-of day, a principal's school), and when a target was
reached or a learner covered. Plain functions over a session, no HTTP.

- How early: the days from the plan's start to the day since which a school (every group of it
  with people and a target) or a class has met its target without falling back; none when it
  does not meet it as of the day. Read from the kept counts' changes day by day
  (lms/campaign/tally.py, CoverageChange), so nothing is recounted from the raw rows.
- When a learner was covered in a tier: the kept counts' own rule (tally.Learning.covered_on).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.campaign import tally
from lms.campaign.metrics import campaign_units, window_for
from lms.campaign.populations import required_counts
from lms.models import Campaign, CoverageChange

CHUNK = 500  # ids per IN (...)


@dataclass
class Share:
    """A group's coverage against the plan's target (None: tracked without one)."""

    population: int = 0
    covered: int = 0
    target: int | None = None

    @property
    def percent(self) -> float | None:
        return round(100 * self.covered / self.population, 1) if self.population else None

    @property
    def met(self) -> bool:
        return bool(self.population) and self.target is not None and self.percent >= self.target


@dataclass
class Scope:
    """What the evidence is counted over: the plan, its units, its period up to as_of."""

    campaign: Campaign
    unit_ids: frozenset
    as_of: date
    school_id: int | None = None  # a principal sees their own school only
    cache: dict = field(default_factory=dict, repr=False)  # figures shared by several tables

    @property
    def start(self) -> date:
        return self.campaign.starts_on

    def days_since_start(self, day: date | None) -> int | None:
        return None if day is None else max(0, (day - self.start).days)


def scope_for(session: Session, campaign: Campaign, as_of: date | None = None, school_id: int | None = None):
    return Scope(campaign, campaign_units(session, campaign), window_for(campaign, as_of).as_of, school_id)


def reached_on(session: Session, scope: Scope, kind: str, groups: dict[int, list[str]]) -> dict[int, date]:
    """{school or class id: the day since which every group of it with people and a target
    has met the plan's target}, as of scope.as_of; those not meeting it are left out. Read from
    the kept counts' changes day by day (tally.CoverageChange)."""
    campaign = scope.campaign
    targets = {g: campaign.target(g) for gs in groups.values() for g in gs}
    targets = {g: t for g, t in targets.items() if t is not None}
    ids = [i for i, gs in groups.items() if any(g in targets for g in gs)]
    state: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    since: dict[int, date] = {}

    def meets(scope_id: int) -> bool:
        shares = [Share(*state[(scope_id, g)], targets[g]) for g in groups[scope_id] if g in targets]
        shares = [s for s in shares if s.population]
        return bool(shares) and all(s.met for s in shares)

    for chunk in chunked(ids):
        changes = session.execute(
            select(
                CoverageChange.scope_id,
                CoverageChange.grp,
                CoverageChange.day,
                CoverageChange.population,
                CoverageChange.covered,
            )
            .where(
                CoverageChange.campaign_id == campaign.id,
                CoverageChange.scope == kind,
                CoverageChange.scope_id.in_(chunk),
                CoverageChange.grp.in_(list(targets)),
                CoverageChange.day <= scope.as_of,
            )
            .order_by(CoverageChange.day)
        ).all()
        touched: set[int] = set()
        for index, (scope_id, group, day, n, c) in enumerate(changes):
            if group in groups[scope_id]:
                value = state[(scope_id, group)]
                value[0] += n
                value[1] += c
                touched.add(scope_id)
            if index + 1 < len(changes) and changes[index + 1][2] == day:
                continue  # the day's other changes first
            for changed in touched:
                if meets(changed):
                    since.setdefault(changed, day)
                else:
                    since.pop(changed, None)
            touched.clear()
    return {i: max(d, scope.start) for i, d in since.items()}


def covered_days(session: Session, scope: Scope, tier: str, user_ids: list[int]) -> dict[int, date]:
    """{learner: the day they were covered in that tier in the plan's period}, up to as_of;
    the kept counts' own rule (tally.Learning.covered_on)."""
    campaign = scope.campaign
    facts = tally.Facts(needed=required_counts(session))
    tally.load_learning(session, facts, user_ids)
    plan = tally.Plan(campaign.id, campaign.starts_on, campaign.ends_on, scope.unit_ids)
    out = {}
    for user in user_ids:
        day = facts.learning[user].covered_on(tier, plan, facts.needed) if user in facts.learning else None
        if day is not None and day <= scope.as_of:
            out[user] = day
    return out


def chunked(ids):
    ids = sorted(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]
