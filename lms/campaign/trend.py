"""Coverage week by week, and learners per competence component, over a campaign's scope:
its ward or commune (a city's campaign: all the city's wards and communes), or one school."""

from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select, union
from sqlalchemy.orm import Session

from lms.campaign import snapshots, tally
from lms.campaign.metrics import Report, campaign_units, snapshot_key, unit_report, window_for
from lms.campaign.populations import (
    VN_OFFSET,
    Window,
    required_counts,
)
from lms.models import (
    GROUPS,
    Campaign,
    Classroom,
    Completion,
    CourseAudience,
    CourseCompetency,
    Enrollment,
    Guardianship,
    School,
    TierProgress,
    User,
)


def covered_since(session: Session, window: Window, tier: str):
    """(user_id, at): who is covered for this tier within the window, and from when.

    With required courses: the last of them, all done inside the period. Without: the first
    course of the tier done inside the period. The same rule as populations.covered_clause."""
    counts = required_counts(session)
    if tier in counts:
        return (
            select(TierProgress.user_id, TierProgress.last_required_at.label("at")).where(
                TierProgress.tier == tier,
                TierProgress.required_done >= counts[tier],
                TierProgress.first_required_at >= window.opens,
                TierProgress.last_required_at < window.closes,
            )
        ).subquery()
    return (
        select(Completion.user_id, func.min(Completion.completed_at).label("at"))
        .join(CourseAudience, CourseAudience.course_id == Completion.course_id)
        .where(
            CourseAudience.audience == tier,
            Completion.completed_at >= window.opens,
            Completion.completed_at < window.closes,
        )
        .group_by(Completion.user_id)
    ).subquery()


def _local_day(session: Session, column):
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column, "+7 hours")
    return func.date(column + VN_OFFSET)


def _per_day(session: Session, query) -> dict[str, int]:
    """How many became covered on each local day; query selects a column named `at`."""
    sub = query.subquery()
    day = _local_day(session, sub.c.at)
    return {str(d): n for d, n in session.execute(select(day, func.count()).group_by(day))}


def trend(
    session: Session,
    campaign: Campaign,
    as_of: date | None = None,
    school_id: int | None = None,
    report: Report | None = None,
) -> dict[str, list[tuple[date, int, float]]]:
    """Per group (the five GROUPS, managers_teachers and officials): (week end, covered,
    percent of the as-of population), up to the as-of date; read from the kept counts' days
    (lms/campaign/tally.py)."""
    window = window_for(campaign, as_of)
    school = session.get(School, school_id) if school_id else None
    if report is None:  # the populations: the dashboards pass the report they already have
        report = unit_report(session, campaign, window.as_of, school.code if school else None)
    days = tally.covered_by_day(session, campaign.id, "s" if school_id else "t", school_id or 0, window.as_of)
    if school_id:
        days["officials"] = {}
    return {g: _weekly(window, days.get(g, {}), report.total[g].population) for g in TRENDS}


TRENDS = (*GROUPS, "managers_teachers", "officials")


def _weekly(window: Window, by_day: dict[str, int], population: int):
    points, running, ordered, index = [], 0, sorted(by_day.items()), 0
    week_end = window.start + timedelta(days=6)
    ends = []
    while week_end < window.as_of:
        ends.append(week_end)
        week_end += timedelta(days=7)
    ends.append(window.as_of)
    for end in ends:
        while index < len(ordered) and ordered[index][0] <= end.isoformat():
            running += ordered[index][1]
            index += 1
        points.append((end, running, round(100 * running / population, 1) if population else 0.0))
    return points


def competencies(
    session: Session, campaign: Campaign, as_of: date | None = None, school_id: int | None = None
) -> dict[str, dict[str, int]]:
    """For each component: learners per tier who completed a course tagged with it, among the
    people of the campaign's unit(s) or of one school."""
    window = window_for(campaign, as_of)
    units = sorted(campaign_units(session, campaign))
    return snapshots.remember(
        session,
        snapshot_key("competencies", campaign, window, school_id),
        window.as_of,
        lambda: _competencies(session, window, units, school_id),
    ).value


def _people(units: list[int], school_id: int | None):
    """One school's staff and pupils; or the units' school staff, pupils and kindergarten
    children, the guardians of those children, and the units' officials."""
    if school_id is not None:
        return select(User.id).where(User.school_id == school_id).union(
            select(Enrollment.pupil_id)
            .join(Classroom, Classroom.id == Enrollment.classroom_id)
            .where(Classroom.school_id == school_id)
        )
    schools = select(School.id).where(School.unit_id.in_(units))
    children = (
        select(Enrollment.pupil_id)
        .join(Classroom, Classroom.id == Enrollment.classroom_id)
        .where(Classroom.school_id.in_(schools))
    )
    return union(
        select(User.id).where(
            or_(User.school_id.in_(schools), and_(User.role == "official", User.unit_id.in_(units)))
        ),
        children,
        select(Guardianship.guardian_id).where(Guardianship.pupil_id.in_(children)),
    )


def _competencies(session: Session, window: Window, units: list[int], school_id: int | None):
    # Distinct (learner, component) pairs first, then their tiers: one lookup per pair
    # instead of one per (completion, component).
    pairs = (
        select(Completion.user_id, CourseCompetency.code)
        .join(CourseCompetency, CourseCompetency.course_id == Completion.course_id)
        .where(Completion.completed_at >= window.opens, Completion.completed_at < window.closes)
        .distinct()
    )
    pairs = pairs.where(Completion.user_id.in_(_people(units, school_id))).subquery()
    query = (
        select(pairs.c.code, User.tier, func.count())
        .join(User, User.id == pairs.c.user_id)
        .where(User.tier.is_not(None))
        .group_by(pairs.c.code, User.tier)
    )
    out: dict[str, dict[str, int]] = {}
    for code, tier, n in session.execute(query):
        out.setdefault(code, {})[tier] = n
    return out
