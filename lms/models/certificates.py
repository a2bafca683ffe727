"""Certificates: proof of a completed course, or of a tier's required courses within a plan."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.base import utcnow
from lms.models.campaign import Campaign
from lms.models.content import Course
from lms.models.people import Unit, User

CERTIFICATE_KINDS = ("course", "tier")


class Certificate(db.Model):
    """One per learner and course (kind "course"), and one per learner, tier and campaign (kind
    "tier": every required course of the tier completed within the campaign's period).

    The verification code is found through its keyed hash and kept sealed under the card key
    (lms.people.sealing) so the same certificate prints again with the same code; the database
    alone gives neither. NULLs are distinct in both unique constraints: a course certificate
    has no tier or campaign, a tier certificate no course."""

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        UniqueConstraint("user_id", "tier", "campaign_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # course | tier
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    tier: Mapped[str | None] = mapped_column(String(20))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    # The ward or commune that issues it (the school's unit, the official's, a child's school's).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    issued_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_sealed: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    course: Mapped[Course | None] = relationship()
    campaign: Mapped[Campaign | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
