"""The campaign: its period, targets per group (with their history) and outreach activities."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.base import utcnow

# The five groups every report counts (and a campaign without chosen indicators targets).
GROUPS = ("primary", "lower_secondary", "teachers", "parents", "households")
# What a unit's plan may choose to follow, each with a target percentage or tracked without one:
# teachers = managers, teachers and employees of all its schools, preschools included;
# managers_teachers = managers and teachers of its primary and lower-secondary schools only;
# officials = the unit's own officials; activities = schools holding at least `minimum`
# outreach activities in the period, out of all its schools; village_households = the
# households on its villages' lists (lms/models/villages.py), covered when a member is.
INDICATORS = (
    "primary",
    "lower_secondary",
    "teachers",
    "managers_teachers",
    "officials",
    "parents",
    "households",
    "village_households",
    "activities",
)
DEFAULT_TARGETS = {
    "primary": 100,
    "lower_secondary": 100,
    "teachers": 80,
    "parents": 80,
    "households": 70,
}
ACTIVITY_KINDS = ("digital-day", "event", "community", "family", "training", "other")


class Campaign(db.Model):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    targets: Mapped[list["CampaignTarget"]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def indicators(self) -> tuple[str, ...]:
        """What this plan follows, in report order: its chosen indicators, or (a campaign
        without any) the five default groups."""
        chosen = {t.group for t in self.targets}
        return tuple(g for g in INDICATORS if g in chosen) if chosen else GROUPS

    def target(self, group: str) -> int | None:
        """The target percentage; None when the plan tracks the group without one or does
        not follow it."""
        for t in self.targets:
            if t.group == group:
                return t.percent
        return None if self.targets else DEFAULT_TARGETS.get(group)

    def minimum(self, group: str) -> int | None:
        """Activities: how many a school must hold in the period to count as meeting it."""
        for t in self.targets:
            if t.group == group:
                return t.minimum
        return 1 if group == "activities" else None


class CampaignTarget(db.Model):
    __tablename__ = "campaign_targets"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    group: Mapped[str] = mapped_column(String(20), primary_key=True)
    percent: Mapped[int | None]  # None: tracked without a target
    minimum: Mapped[int | None]  # activities: at least this many per school


class TargetChange(db.Model):
    """Who changed a target, when, from what to what."""

    __tablename__ = "target_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    group: Mapped[str] = mapped_column(String(20))
    old_percent: Mapped[int | None]
    new_percent: Mapped[int | None]
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutreachActivity(db.Model):
    __tablename__ = "outreach_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    held_on: Mapped[date]
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    participants: Mapped[int] = mapped_column(default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DataVersion(db.Model):
    """One counter, raised by every change to the data coverage is computed from (rosters,
    classes, guardians, required courses, back-dated completions). Stored figures computed
    at an older version are stale."""

    __tablename__ = "data_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)


class MetricSnapshot(db.Model):
    """The stored result (JSON) of one expensive coverage computation, by what it computed."""

    __tablename__ = "metric_snapshots"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    version: Mapped[int]
    computed_at: Mapped[datetime]
    payload: Mapped[str] = mapped_column(Text)
