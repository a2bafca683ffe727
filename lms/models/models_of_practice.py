"""The models the plans ask a ward or commune to recognise each year (issue 18), and the
nominees its admin marks for them.

The ward directive names "Trường học chuyển đổi số điển hình" (a school), "Lớp học số sáng
tạo" (a class) and "Giáo viên số tiêu biểu" (a teacher); the commune plan adds "Gia đình số"
(a household on a village's list). A nomination names its subject by kind and id: a school, a
class, a user (a teacher) or a listed household; the evidence the admin weighed is computed
from the figures (lms/campaign/evidence.py), never stored with the mark."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db
from lms.models.base import utcnow
from lms.models.learning import Completion

# model -> the kind of subject it recognises
MODELS = {
    "school": "school",
    "class": "classroom",
    "teacher": "user",
    "household": "listed_household",
}


class Nomination(db.Model):
    """A subject marked by the unit admin as a nominee for a model in a year."""

    __tablename__ = "nominations"
    __table_args__ = (UniqueConstraint("unit_id", "model", "year", "subject_kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    model: Mapped[str] = mapped_column(String(20))
    year: Mapped[int]
    subject_kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int]
    marked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)


# Assisted completions are few among all: a partial index finds them without reading the
# others (families helped and assisted completions on the evidence page).
Index(
    "ix_completions_assisted",
    Completion.assisted_by_id,
    sqlite_where=Completion.assisted_by_id.is_not(None),
    postgresql_where=Completion.assisted_by_id.is_not(None),
)
