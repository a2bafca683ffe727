"""Coverage counts kept as they change (lms/campaign/tally.py keeps them; issue 15).

For each campaign (plan), every person or family it counts is a *subject* ("p:12" a pupil,
"s:7" a member of school staff, "o:3" a unit official, "f:40" a household, "f:-12" a child
without one). CoverageMember holds what a subject adds to the counts, day by day over the
plan's period; CoverageCount the sums at the end of the period; CoverageChange the same sums
by the day they change, so that "as of" a past day is the end value minus what changed after
it. Scopes: "c" a class, "s" a school, "t" the whole campaign."""

from datetime import date

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db


class CoverageMember(db.Model):
    __tablename__ = "coverage_members"

    subject: Mapped[str] = mapped_column(String(24), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    steps: Mapped[str] = mapped_column(Text, default="[]")  # JSON: [[group, scope, id, day, n, covered]]


class CoverageCount(db.Model):
    __tablename__ = "coverage_counts"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    scope: Mapped[str] = mapped_column(String(1), primary_key=True)
    scope_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    grp: Mapped[str] = mapped_column(String(20), primary_key=True)
    population: Mapped[int] = mapped_column(default=0)
    covered: Mapped[int] = mapped_column(default=0)


class CoverageChange(db.Model):
    __tablename__ = "coverage_changes"
    __table_args__ = (Index("ix_coverage_changes_campaign_day", "campaign_id", "day"),)

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    scope: Mapped[str] = mapped_column(String(1), primary_key=True)
    scope_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    grp: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    population: Mapped[int] = mapped_column(default=0)
    covered: Mapped[int] = mapped_column(default=0)
