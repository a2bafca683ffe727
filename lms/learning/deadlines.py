"""Due dates as pupils and their parents see them: overdue, due soon, or due later.

- overdue: the due date is before today (Vietnam's day) and the course is not completed; the
  class matrix (lms.teaching.matrix) counts a cell late by the same rule.
- due soon: due today or within DUE_SOON_DAYS days, not completed. Three days, because many
  pupils do their courses at home with a parent, often only at the weekend: on a Friday a
  Monday due date must already stand out. A wider window would mark most assignments (teachers
  give one to two weeks) as due soon at once, and the mark would stop meaning anything.
- a completed course has no due state: what was due is done.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from lms.models import Assignment, Enrollment, User

DUE_SOON_DAYS = 3


def due_state(due_on: date | None, completed: bool, today: date) -> str | None:
    """"overdue", "due_soon", "later", or None (no due date, or completed)."""
    if due_on is None or completed:
        return None
    if due_on < today:
        return "overdue"
    if (due_on - today).days <= DUE_SOON_DAYS:
        return "due_soon"
    return "later"


@dataclass(frozen=True)
class Due:
    on: date | None
    state: str | None
    note: str = ""


def due_for(session: Session, user: User, course_id: int, completed: bool, today: date) -> Due | None:
    """The pupil's assignment of this course with the earliest due date (as on the home page)."""
    if user.role != "pupil":
        return None
    row = session.execute(
        select(Assignment.due_on, Assignment.note)
        .join(
            Enrollment,
            and_(Enrollment.classroom_id == Assignment.classroom_id, Enrollment.ended_on.is_(None)),
        )
        .where(
            Enrollment.pupil_id == user.id,
            Assignment.course_id == course_id,
            Assignment.withdrawn_at.is_(None),
        )
        .order_by(Assignment.due_on.is_(None), Assignment.due_on)
        .limit(1)
    ).first()
    if row is None:
        return None
    return Due(row.due_on, due_state(row.due_on, completed, today), row.note)
