"""Personal data: the consents under which a child's data is processed and shown (issue 19)."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.base import utcnow
from lms.models.people import User

CONSENT_KINDS = ("guardian", "child")
CONSENT_SOURCES = ("pairing", "paper")


class Consent(db.Model):
    """A consent to the processing of a pupil's personal data (Luật Bảo vệ dữ liệu cá nhân
    91/2025/QH15): the guardian's ("guardian": ticked on pairing, or a paper form the school
    records with its date) and, from the age of 7, the child's own ("child"; Luật Trẻ em 2016,
    art. 21). given_by is the guardian who paired, or the staff member who recorded the paper.
    A withdrawal keeps the row and its time; consenting again is a new row."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_pupil_kind", "pupil_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(10))  # guardian | child
    given_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(10))  # pairing | paper
    given_on: Mapped[date]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]

    pupil: Mapped[User] = relationship(foreign_keys=[pupil_id])
    given_by: Mapped[User | None] = relationship(foreign_keys=[given_by_id])
