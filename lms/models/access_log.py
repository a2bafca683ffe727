"""Who viewed or exported whose personal data: one row per page or file (lms.privacy_log)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db
from lms.models.base import utcnow

# What was seen: a class (its pupils), a school, a ward or commune (or the city), a person.
SUBJECT_KINDS = ("class", "school", "unit", "user")


class AccessLog(db.Model):
    """One view or export of personal data: by whom, what, when, from which address.

    unit_id and school_id say whose entries these are: the principal reads those of their
    school, a unit admin those of their ward or commune, the city admin those of the city (a
    city-wide report is filed under the city's own unit). Kept ACCESS_LOG_DAYS days
    (`flask --app lms privacy purge-log`). The viewer's row may go (an erased account): the
    entry stays, without them."""

    __tablename__ = "access_log"
    __table_args__ = (
        Index("ix_access_log_unit_id_at", "unit_id", "at"),
        Index("ix_access_log_school_id_at", "school_id", "at"),
        Index("ix_access_log_viewer_id_at", "viewer_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # UTC
    viewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(30))  # e.g. class.view, class.export, report.export
    subject_kind: Mapped[str] = mapped_column(String(10))  # SUBJECT_KINDS
    subject_id: Mapped[int]
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="SET NULL"))
    address: Mapped[str | None] = mapped_column(String(45))  # the client's (after ProxyFix)
