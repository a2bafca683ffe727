"""The villages (thôn, tổ dân phố) of a ward or commune and the households each one lists.

A listed household is the commune's own record, imported with the roster (kind "households",
lms.people.roster.households): its code, the head of household's name and the phones of its
members, never an address or an ID number. A pupil's family (lms.models.people.Household) is
matched to it by phone (lms.people.villages.match_households); a family on no list stays a
household as before."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.base import utcnow
from lms.models.people import Household, Unit


class Village(db.Model):
    """A thôn or tổ dân phố of a ward or commune, known by its code within the unit."""

    __tablename__ = "villages"
    __table_args__ = (UniqueConstraint("unit_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()


class ListedHousehold(db.Model):
    """A household on a village's list. Its code is unique within the unit (the importer sees
    to it; a household that moves to another village keeps its code). `phones` holds the
    members' normalised numbers, ", "-separated; `household_id` the pupils' family matched to
    it, if any (set to NULL when that family is merged into another: the matching runs again)."""

    __tablename__ = "listed_households"
    __table_args__ = (UniqueConstraint("village_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    head_name: Mapped[str] = mapped_column(String(200))
    phones: Mapped[str] = mapped_column(Text, default="")
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    village: Mapped[Village] = relationship()
    household: Mapped[Household | None] = relationship()

    @property
    def phone_list(self) -> list[str]:
        return [phone for phone in self.phones.split(", ") if phone]
