"""A village's community digital team (Tổ công nghệ số cộng đồng) and the assisted sessions
its members, or pupils helping their own families, open for someone without a phone of their
own (issue 18).

Team membership is a row here, not a role: a member keeps their own account and role (a
teacher, an official, a youth union member with a parent-tier account, a pupil of 15 or more
with a guardian's agreement). The rules of who may join and whom they may assist live in
lms.people.teams; the switch of the browser's session in lms.auth.assisting."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.base import utcnow
from lms.models.people import User, UserSession
from lms.models.villages import Village

MEMBER_KINDS = ("youth", "teacher", "pupil", "other")


class TeamMember(db.Model):
    """A person on a village's team. `guardian_agreed_on`: the day a guardian agreed, required
    for a pupil member (who must be 15 or older)."""

    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("village_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    guardian_agreed_on: Mapped[date | None]
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    village: Mapped[Village] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class AssistedSession(db.Model):
    """One session of learning together: `member_id` (a team member, or a pupil helping their
    family) signed in as `resident_id` on their own phone from `started_at` to `ended_at`
    (NULL while it lasts, or when it lapsed with the member's own session). `village_id`: the
    team's village; NULL when a pupil helped their own household. `session_id`: the resident's
    server-side session, revoked when this one ends."""

    __tablename__ = "assisted_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("user_sessions.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    member: Mapped[User] = relationship(foreign_keys=[member_id])
    resident: Mapped[User] = relationship(foreign_keys=[resident_id])
    user_session: Mapped[UserSession | None] = relationship()
