"""Help given (issue 18): the completions in the plan's period that someone assisted
(Completion.assisted_by_id), by the class and school of the pupil who helped, or the school of
the member of staff. A pupil belongs to their latest class begun by the as-of day. "Family
members helped" are the distinct learners a class's (a school's) pupils helped; it never
changes the pupils' own coverage. Plain functions over a session, no HTTP."""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.campaign.evidence_basis import Scope, chunked
from lms.campaign.metrics import window_for
from lms.models import Classroom, Completion, Enrollment, School, User

STAFF = ("teacher", "school_admin")


def help_given(session: Session, scope: Scope) -> "Help":
    """Who helped whom in the scope, counted once for all its tables."""
    if "help" not in scope.cache:
        scope.cache["help"] = Help.count(session, scope)
    return scope.cache["help"]


@dataclass
class Help:
    """Assisted completions in the period, by whom they were assisted."""

    learners_by_class: dict = field(default_factory=lambda: defaultdict(set))
    learners_by_school: dict = field(default_factory=lambda: defaultdict(set))
    by_class: dict = field(default_factory=lambda: defaultdict(int))
    by_school: dict = field(default_factory=lambda: defaultdict(int))
    by_helper: dict = field(default_factory=lambda: defaultdict(int))

    @classmethod
    def count(cls, session: Session, scope: Scope) -> "Help":
        window = window_for(scope.campaign, scope.as_of)
        assisted = session.execute(
            select(Completion.assisted_by_id, Completion.user_id).where(
                Completion.assisted_by_id.is_not(None),  # the partial index ix_completions_assisted
                Completion.completed_at >= window.opens,
                Completion.completed_at < window.closes,
            )
        ).all()
        helpers = {by for by, _learner in assisted}
        rooms = pupils_classes(session, scope, helpers)
        staff = dict(
            row
            for chunk in chunked(helpers - set(rooms))
            for row in session.execute(
                select(User.id, User.school_id).where(User.id.in_(chunk), User.role.in_(STAFF))
            )
        )
        out = cls()
        for by, learner in assisted:
            out.by_helper[by] += 1
            if by in rooms:
                room, school = rooms[by]
                out.learners_by_class[room].add(learner)
                out.learners_by_school[school].add(learner)
                out.by_class[room] += 1
                out.by_school[school] += 1
            elif by in staff:
                out.by_school[staff[by]] += 1
        return out


def pupils_classes(session: Session, scope: Scope, pupil_ids: set[int]) -> dict[int, tuple[int, int]]:
    """{pupil: (class, school)}: their latest class begun by as_of, at a school of the units."""
    latest: dict[int, tuple] = {}
    for chunk in chunked(pupil_ids):
        for pupil, started, enrolment, room, school, unit in session.execute(
            select(
                Enrollment.pupil_id,
                Enrollment.started_on,
                Enrollment.id,
                Classroom.id,
                Classroom.school_id,
                School.unit_id,
            )
            .join(Classroom, Classroom.id == Enrollment.classroom_id)
            .join(School, School.id == Classroom.school_id)
            .where(Enrollment.pupil_id.in_(chunk), Enrollment.started_on <= scope.as_of)
        ):
            if pupil not in latest or (started, enrolment) > latest[pupil][:2]:
                latest[pupil] = (started, enrolment, room, school, unit)
    return {
        pupil: (room, school)
        for pupil, (_s, _e, room, school, unit) in latest.items()
        if unit in scope.unit_ids and scope.school_id in (None, school)
    }
