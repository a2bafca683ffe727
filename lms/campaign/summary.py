"""Keeping tier_progress in step with completions and with which courses are required."""

from sqlalchemy import and_, delete, func, insert, select
from sqlalchemy.orm import Session

from lms.campaign import tally
from lms.models import Completion, Course, CourseAudience, TierProgress, User


def _aggregate(user_ids: list[int] | None):
    query = (
        select(
            Completion.user_id,
            CourseAudience.audience,
            func.count(),
            func.min(Completion.completed_at),
            func.max(Completion.completed_at),
        )
        .join(CourseAudience, CourseAudience.course_id == Completion.course_id)
        .join(
            Course,
            and_(
                Course.id == Completion.course_id,
                Course.required.is_(True),
                Course.retired_at.is_(None),
            ),
        )
        .group_by(Completion.user_id, CourseAudience.audience)
    )
    if user_ids is not None:
        query = query.where(Completion.user_id.in_(user_ids))
    return query


def refresh_user(session: Session, user_id: int) -> None:
    """Recompute one learner's rows after a completion. Locks the learner's row on PostgreSQL
    so two completions of the same learner at once cannot both write a stale summary."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(User.id).where(User.id == user_id).with_for_update())
    session.execute(delete(TierProgress).where(TierProgress.user_id == user_id))
    session.execute(
        insert(TierProgress).from_select(
            ["user_id", "tier", "required_done", "first_required_at", "last_required_at"],
            _aggregate([user_id]),
        )
    )
    tally.mark_users(session, [user_id])  # the kept counts follow before the commit


def rebuild(session: Session) -> None:
    """Recompute everyone: after a sync changed which courses are required or for whom."""
    session.execute(delete(TierProgress))
    session.execute(
        insert(TierProgress).from_select(
            ["user_id", "tier", "required_done", "first_required_at", "last_required_at"],
            _aggregate(None),
        )
    )
    tally.mark_plans(session, None)  # every plan's kept counts, computed again


def required_signature(session: Session) -> list[tuple[int, str]]:
    """Which courses count for which tier: when this changes, the summary is rebuilt."""
    return sorted(
        session.execute(
            select(Course.id, CourseAudience.audience)
            .join(CourseAudience, CourseAudience.course_id == Course.id)
            .where(Course.required.is_(True), Course.retired_at.is_(None))
        ).all()
    )
