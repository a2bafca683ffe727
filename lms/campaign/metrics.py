"""Campaign coverage, computed in SQL. The dashboards, the exports and the CLI all call this.

Definitions (the local plans' targets):
- A person is covered when they completed every required course of their tier within the
  campaign period, up to the as-of date (a tier with no required course: any one course of it).
- Populations are the whole roster of the period, signed in or not: pupils enrolled at some
  time between the start and the as-of date (counted once, in their latest class), staff
  employed then, the guardians known for those pupils, and their households.
- Parents: known guardians, plus one expected (never covered) guardian for each household
  with none known, so there are never fewer parents than households.
- A household is covered when at least one of its guardians is covered.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, distinct, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from lms.campaign import snapshots
from lms.models import (
    GROUPS,
    Campaign,
    Classroom,
    Completion,
    Course,
    CourseAudience,
    Enrollment,
    Guardianship,
    OutreachActivity,
    School,
    TierProgress,
    User,
)
from lms.models.base import today_in_vietnam

VN_OFFSET = timedelta(hours=7)
PUPIL_GROUPS = {"primary": "primary", "lower-secondary": "lower_secondary"}
GROUP_TIER = {
    "primary": "primary",
    "lower_secondary": "lower-secondary",
    "teachers": "teacher",
    "parents": "parent",
    "households": "parent",
}


@dataclass
class Figure:
    population: int = 0
    covered: int = 0
    target: int | None = 0
    status: str = "behind"

    @property
    def percent(self) -> float:
        return round(100 * self.covered / self.population, 1) if self.population else 0.0

    def as_dict(self) -> dict:
        return {
            "population": self.population,
            "covered": self.covered,
            "percent": self.percent,
            "target": self.target,
            "status": self.status,
        }


@dataclass
class Row:
    id: int
    code: str
    name: str
    groups: dict[str, Figure] = field(default_factory=dict)
    activities: int = 0

    @property
    def shortfall(self) -> float:
        """How far behind: the mean gap to target over the groups this row has."""
        gaps = [
            max(0.0, f.target - f.percent)
            for f in self.groups.values()
            if f.population and f.target is not None
        ]
        return sum(gaps) / len(gaps) if gaps else 0.0


@dataclass
class Report:
    campaign: Campaign
    as_of: date
    total: dict[str, Figure]
    rows: list[Row]
    computed_at: datetime | None = None  # when the counts were computed (UTC)

    def as_dict(self) -> dict:
        c = self.campaign
        return {
            "as_of": self.as_of.isoformat(),
            "campaign": {
                "id": c.id,
                "name": c.name,
                "starts_on": c.starts_on.isoformat(),
                "ends_on": c.ends_on.isoformat(),
                "targets": {g: c.target(g) for g in GROUPS},
            },
            "groups": {g: self.total[g].as_dict() for g in GROUPS},
            "schools": [
                {
                    "code": r.code,
                    "name": r.name,
                    "groups": {g: r.groups[g].as_dict() for g in GROUPS if g in r.groups},
                    "activities": r.activities,
                }
                for r in self.rows
            ],
        }


@dataclass
class Window:
    start: date
    end: date
    as_of: date

    @property
    def opens(self) -> datetime:  # completions are stored in UTC; the period is local time
        return datetime.combine(self.start, time()) - VN_OFFSET

    @property
    def closes(self) -> datetime:
        return datetime.combine(self.as_of + timedelta(days=1), time()) - VN_OFFSET


def current_campaign(session: Session) -> Campaign | None:
    """The campaign the dashboards, the report and the commands speak of: the latest begun."""
    return session.scalar(select(Campaign).order_by(Campaign.starts_on.desc()).limit(1))


def window_for(campaign: Campaign, as_of: date | None) -> Window:
    as_of = as_of or today_in_vietnam()
    return Window(campaign.starts_on, campaign.ends_on, min(as_of, campaign.ends_on))


def status_for(figure: Figure, window: Window) -> str:
    """met; on_track when the pace so far reaches the target by the end date; behind."""
    if not figure.population:
        return "none"
    if figure.target is None:
        return "tracked"
    if figure.percent >= figure.target:
        return "met"
    elapsed = (window.as_of - window.start).days + 1
    total = (window.end - window.start).days + 1
    if elapsed <= 0:
        return "behind"
    projected = figure.percent * total / elapsed
    return "on_track" if projected >= figure.target else "behind"


def required_counts(session: Session) -> dict[str, int]:
    return dict(
        session.execute(
            select(CourseAudience.audience, func.count())
            .join(Course, Course.id == CourseAudience.course_id)
            .where(Course.required.is_(True), Course.retired_at.is_(None))
            .group_by(CourseAudience.audience)
        ).all()
    )


def covered_clause(session: Session, window: Window, tier_column, user_column):
    """SQL truth value: this learner is covered for that tier within the window."""
    counts = required_counts(session)
    needed = (
        case(*[(tier_column == t, n) for t, n in counts.items()], else_=None) if counts else literal(None)
    )
    with_required = (
        select(TierProgress.user_id)
        .where(
            TierProgress.user_id == user_column,
            TierProgress.tier == tier_column,
            TierProgress.required_done >= needed,
            TierProgress.first_required_at >= window.opens,
            TierProgress.last_required_at < window.closes,
        )
        .exists()
    )
    tiers_without = [t for t in ("primary", "lower-secondary", "teacher", "parent") if t not in counts]
    if not tiers_without:
        return with_required
    any_course = (
        select(Completion.id)
        .join(CourseAudience, CourseAudience.course_id == Completion.course_id)
        .where(
            Completion.user_id == user_column,
            CourseAudience.audience == tier_column,
            Completion.completed_at >= window.opens,
            Completion.completed_at < window.closes,
        )
        .exists()
    )
    return or_(with_required, and_(tier_column.in_(tiers_without), any_course))


def pupil_population(window: Window, unit_id: int, school_id: int | None = None):
    """Each pupil enrolled during the window once, in their latest class as of the as-of date.
    The unit and school are those of that latest class: a pupil who moved out is not counted."""
    latest = func.row_number().over(
        partition_by=Enrollment.pupil_id,
        order_by=(Enrollment.started_on.desc(), Enrollment.id.desc()),
    )
    ranked_query = (
        select(
            Enrollment.pupil_id.label("user_id"),
            Classroom.school_id,
            School.unit_id,
            Classroom.id.label("classroom_id"),
            Classroom.grade,
            latest.label("rn"),
        )
        .join(Classroom, Classroom.id == Enrollment.classroom_id)
        .join(School, School.id == Classroom.school_id)
        .where(
            Enrollment.started_on <= window.as_of,
            or_(Enrollment.ended_on.is_(None), Enrollment.ended_on >= window.start),
        )
    )
    if school_id is not None:  # rank only the pupils who were ever in one of its classes
        ever = aliased(Enrollment)
        room = aliased(Classroom)
        ranked_query = ranked_query.where(
            Enrollment.pupil_id.in_(
                select(ever.pupil_id)
                .join(room, room.id == ever.classroom_id)
                .where(room.school_id == school_id)
            )
        )
    ranked = ranked_query.subquery()
    tier = case((ranked.c.grade <= 5, literal("primary")), else_=literal("lower-secondary"))
    query = select(ranked.c.user_id, ranked.c.school_id, ranked.c.classroom_id, tier.label("tier")).where(
        ranked.c.rn == 1, ranked.c.grade.between(1, 9), ranked.c.unit_id == unit_id
    )
    if school_id is not None:
        query = query.where(ranked.c.school_id == school_id)
    return query.subquery()


def staff_conditions(window: Window, unit_id: int, school_id: int | None = None) -> list:
    """Staff employed at some time in the window, at a school of the unit."""
    conditions = [
        User.role.in_(("teacher", "school_admin")),
        User.school_id.in_(select(School.id).where(School.unit_id == unit_id)),
        or_(User.staff_from.is_(None), User.staff_from <= window.as_of),
        or_(User.staff_until.is_(None), User.staff_until >= window.start),
    ]
    if school_id is not None:
        conditions.append(User.school_id == school_id)
    return conditions


def _pupils(session, window, by, unit_id, school_id=None):
    pop = pupil_population(window, unit_id, school_id)
    covered = covered_clause(session, window, pop.c.tier, pop.c.user_id)
    key = getattr(pop.c, by)
    return session.execute(
        select(key, pop.c.tier, func.count(), func.count().filter(covered)).group_by(key, pop.c.tier)
    ).all()


def _staff(session, window, unit_id, school_id=None):
    covered = covered_clause(session, window, literal("teacher"), User.id)
    return session.execute(
        select(User.school_id, func.count(), func.count().filter(covered))
        .where(*staff_conditions(window, unit_id, school_id))
        .group_by(User.school_id)
    ).all()


def family_links(window: Window, unit_id: int, school_id: int | None = None):
    """(k, household, guardian or NULL) for every enrolled pupil; k is the pupil's school."""
    pop = pupil_population(window, unit_id, school_id)
    pupil = User.__table__.alias("pupil")
    key = pop.c.school_id
    # A pupil not yet linked to any household is a household of their own.
    household = func.coalesce(pupil.c.household_id, -pupil.c.id)
    return (
        select(key.label("k"), household.label("household_id"), Guardianship.guardian_id)
        .select_from(pop)
        .join(pupil, pupil.c.id == pop.c.user_id)
        .outerjoin(Guardianship, Guardianship.pupil_id == pop.c.user_id)
    )


def _families(session, window, unit_id, school_id=None):
    """school -> (parents, parents covered, households, households covered), and the same for
    the ward under the key 0, in one statement over one population.

    A guardian belongs to exactly one household (linking merges households), so guardians
    counted per household add up without double counting; a household with children in two
    schools counts in each school, and once in the ward."""
    links = family_links(window, unit_id, school_id).cte("links")
    covered_guardian = covered_clause(session, window, literal("parent"), links.c.guardian_id)
    known = func.count(distinct(links.c.guardian_id)).label("known")
    covered = func.count(distinct(case((covered_guardian, links.c.guardian_id)))).label("covered")
    by_school = select(links.c.k, known, covered).group_by(links.c.k, links.c.household_id).subquery()
    in_ward = select(literal(0).label("k"), known, covered).group_by(links.c.household_id).subquery()

    def totals(per_household):
        return select(
            per_household.c.k,
            func.sum(per_household.c.known),
            func.sum(per_household.c.covered),
            func.count(),
            func.sum(case((per_household.c.covered > 0, 1), else_=0)),
            # Every household without a known guardian expects one, never covered.
            func.sum(case((per_household.c.known == 0, 1), else_=0)),
        ).group_by(per_household.c.k)

    rows = session.execute(union_all(totals(by_school), totals(in_ward))).all()
    return {
        k: (int(known) + int(missing), int(covered), households, int(covered_households))
        for k, known, covered, households, covered_households, missing in rows
    }


def _figure(campaign, window, group, population, covered) -> Figure:
    figure = Figure(population=population, covered=covered, target=campaign.target(group))
    figure.status = status_for(figure, window)
    return figure


def snapshot_key(kind: str, campaign: Campaign, window: Window, school_id: int | None = None) -> str:
    scope = f"school-{school_id}" if school_id else f"unit-{campaign.unit_id}"
    return f"{kind}:{campaign.id}:{window.start}:{window.end}:{window.as_of}:{scope}"


def coverage_counts(session: Session, window: Window, unit_id: int, school_id: int | None = None):
    """{school id as text: {group: [population, covered]}}; the ward's families under "0"
    (a family with children in two schools is one family of the ward)."""
    counts: dict[str, dict[str, list[int]]] = {}

    def put(key, group, population, covered):
        counts.setdefault(str(key), {})[group] = [int(population), int(covered)]

    for key, tier, n, c in _pupils(session, window, "school_id", unit_id, school_id):
        put(key, PUPIL_GROUPS[tier], n, c)
    for key, n, c in _staff(session, window, unit_id, school_id):
        put(key, "teachers", n, c)
    for key, (p, pc, h, hc) in _families(session, window, unit_id, school_id).items():
        put(key, "parents", p, pc)
        put(key, "households", h, hc)
    return counts


def ward_report(
    session: Session, campaign: Campaign, as_of: date | None = None, school_code: str | None = None
) -> Report:
    """One row per school of the campaign's unit, and the ward total. The counts come from a
    stored snapshot while it is valid (lms/campaign/snapshots.py); targets, statuses and
    activities are always current."""
    window = window_for(campaign, as_of)
    schools_query = select(School).where(School.unit_id == campaign.unit_id).order_by(School.name)
    if school_code:
        schools_query = schools_query.where(School.code == school_code)
    schools = session.scalars(schools_query).all()
    unit = campaign.unit_id
    if school_code and not schools:
        empty = {g: _figure(campaign, window, g, 0, 0) for g in GROUPS}
        return Report(campaign, window.as_of, empty, [])
    only = schools[0].id if school_code else None
    stored = snapshots.remember(
        session,
        snapshot_key("counts", campaign, window, only),
        window.as_of,
        lambda: coverage_counts(session, window, unit, only),
    )
    counts = stored.value
    raw = {s.id: {g: counts.get(str(s.id), {}).get(g, [0, 0]) for g in GROUPS} for s in schools}
    activities = dict(
        session.execute(
            select(OutreachActivity.school_id, func.count())
            .where(OutreachActivity.held_on >= window.start, OutreachActivity.held_on <= window.as_of)
            .group_by(OutreachActivity.school_id)
        ).all()
    )
    rows = []
    for s in schools:
        row = Row(s.id, s.code, s.name, activities=activities.get(s.id, 0))
        for g in GROUPS:
            row.groups[g] = _figure(campaign, window, g, *raw[s.id][g])
        rows.append(row)
    rows.sort(key=lambda r: (-r.shortfall, r.name))
    total = {
        g: [sum(raw[s.id][g][0] for s in schools), sum(raw[s.id][g][1] for s in schools)]
        for g in ("primary", "lower_secondary", "teachers")
    }
    ward = counts.get("0", {})
    for g in ("parents", "households"):
        total[g] = ward.get(g, [0, 0])
    figures = {g: _figure(campaign, window, g, *total[g]) for g in GROUPS}
    return Report(campaign, window.as_of, figures, rows, stored.computed_at)


def school_report(
    session: Session, campaign: Campaign, school: School, as_of: date | None = None
) -> tuple[Report, list[Row]]:
    """The school's own figures, and one row per class for its pupils."""
    report = ward_report(session, campaign, as_of, school.code)
    window = window_for(campaign, as_of)
    rooms = {r.id: r for r in session.scalars(select(Classroom).where(Classroom.school_id == school.id))}
    stored = snapshots.remember(
        session,
        snapshot_key("classes", campaign, window, school.id),
        window.as_of,
        lambda: [
            [room_id, tier, n, c]
            for room_id, tier, n, c in _pupils(session, window, "classroom_id", campaign.unit_id, school.id)
        ],
    )
    class_rows = {}
    for room_id, tier, n, c in stored.value:
        room = rooms[room_id]
        row = class_rows.setdefault(room_id, Row(room.id, room.school_year, room.name))
        row.groups[PUPIL_GROUPS[tier]] = _figure(campaign, window, PUPIL_GROUPS[tier], n, c)
    ordered = sorted(class_rows.values(), key=lambda r: (rooms[r.id].grade, r.name))
    return report, ordered
