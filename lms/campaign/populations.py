"""Who counts, and who is covered: the one definition of every population that the dashboards,
the reports and the trend call. Plain SQL over a set of units (a ward or commune, or a city's
wards and communes), optionally one school; no HTTP.

Definitions (the local plans' indicators):
- A person is covered when they completed every required course of their tier within the
  campaign period, up to the as-of date (a tier with no required course: any one course of it).
- Populations are the whole roster of the period, signed in or not:
  - pupils: enrolled at some time between the start and the as-of date, counted once, in
    their latest class (its school and unit); grades 1-5 primary, 6-9 lower secondary.
    Kindergarten children (grade 0, PRESCHOOL_GRADE) are no pupils: they have no lessons;
  - school staff ("teachers"): managers, teachers and employees of the unit's schools,
    preschools included, employed at some time in the period;
  - managers_teachers: those of the school staff who are principals or teachers (staff role)
    at a primary or lower-secondary school;
  - officials: the unit's own cán bộ, công chức, người lao động (role official, active),
    employed at some time in the period;
  - parents: the known guardians of the enrolled children, kindergarten children included,
    plus one expected (never covered) guardian for each household with none known, so there
    are never fewer parents than households;
  - households: the households of those children (a child not linked to one is a household
    of their own); a household is covered when at least one of its guardians is covered.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, distinct, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from lms.models import (
    Classroom,
    Completion,
    Course,
    CourseAudience,
    Enrollment,
    Guardianship,
    ListedHousehold,
    School,
    TierProgress,
    User,
    Village,
)
from lms.models.people import PRESCHOOL_GRADE

VN_OFFSET = timedelta(hours=7)
PUPIL_GROUPS = {"primary": "primary", "lower-secondary": "lower_secondary"}
# The learning tier each population is covered in.
GROUP_TIER = {
    "primary": "primary",
    "lower_secondary": "lower-secondary",
    "teachers": "teacher",
    "managers_teachers": "teacher",
    "officials": "official",
    "parents": "parent",
    "households": "parent",
    "village_households": "parent",
}
LEARNER_TIERS = ("primary", "lower-secondary", "teacher", "parent", "official")
MANAGER_TEACHER_ROLES = ("principal", "teacher")
PRIMARY_AND_LOWER_SECONDARY = ("tieu-hoc", "thcs", "th-thcs")

Units = Iterable[int]


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


# --- who is covered ------------------------------------------------------------------------

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
    tiers_without = [t for t in LEARNER_TIERS if t not in counts]
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


# --- who counts ----------------------------------------------------------------------------

def _enrolled(window: Window, units: Units, school_id: int | None, lowest_grade: int):
    """Each child enrolled during the window once, in their latest class as of the as-of date,
    when that class is of grade lowest_grade to 9 at a school of the units: a child who moved
    out is not counted."""
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
    if school_id is not None:  # rank only the children who were ever in one of its classes
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
    tier = case(
        (ranked.c.grade < 1, literal(None)),
        (ranked.c.grade <= 5, literal("primary")),
        else_=literal("lower-secondary"),
    )
    query = select(ranked.c.user_id, ranked.c.school_id, ranked.c.classroom_id, tier.label("tier")).where(
        ranked.c.rn == 1, ranked.c.grade.between(lowest_grade, 9), ranked.c.unit_id.in_(list(units))
    )
    if school_id is not None:
        query = query.where(ranked.c.school_id == school_id)
    return query.subquery()


def pupil_population(window: Window, units: Units, school_id: int | None = None):
    """(user_id, school_id, classroom_id, tier): the pupils, grades 1-9."""
    return _enrolled(window, units, school_id, 1)


def children_population(window: Window, units: Units, school_id: int | None = None):
    """The pupils and the kindergarten children: whose families count."""
    return _enrolled(window, units, school_id, PRESCHOOL_GRADE)


def staff_conditions(window: Window, units: Units, school_id: int | None = None) -> list:
    """School staff employed at some time in the window, at a school of the units."""
    conditions = [
        User.role.in_(("teacher", "school_admin")),
        User.school_id.in_(select(School.id).where(School.unit_id.in_(list(units)))),
        or_(User.staff_from.is_(None), User.staff_from <= window.as_of),
        or_(User.staff_until.is_(None), User.staff_until >= window.start),
    ]
    if school_id is not None:
        conditions.append(User.school_id == school_id)
    return conditions


def manager_teacher_condition():
    """Of the school staff: principals and teachers of primary and lower-secondary schools."""
    return and_(
        User.staff_role.in_(MANAGER_TEACHER_ROLES),
        User.school_id.in_(select(School.id).where(School.level.in_(PRIMARY_AND_LOWER_SECONDARY))),
    )


def official_conditions(window: Window, units: Units) -> list:
    """The units' own officials, employed at some time in the window."""
    return [
        User.role == "official",
        User.active.is_(True),
        User.unit_id.in_(list(units)),
        or_(User.staff_from.is_(None), User.staff_from <= window.as_of),
        or_(User.staff_until.is_(None), User.staff_until >= window.start),
    ]


def family_links(window: Window, units: Units, school_id: int | None = None):
    """(k, household, guardian or NULL) for every enrolled child, kindergarten children
    included; k is the child's school."""
    pop = children_population(window, units, school_id)
    pupil = User.__table__.alias("pupil")
    # A child not yet linked to any household is a household of their own.
    household = func.coalesce(pupil.c.household_id, -pupil.c.id)
    return (
        select(pop.c.school_id.label("k"), household.label("household_id"), Guardianship.guardian_id)
        .select_from(pop)
        .join(pupil, pupil.c.id == pop.c.user_id)
        .outerjoin(Guardianship, Guardianship.pupil_id == pop.c.user_id)
    )


# --- counting ------------------------------------------------------------------------------

def count_pupils(session: Session, window: Window, by: str, units: Units, school_id: int | None = None):
    """(key, tier, population, covered) with key the pupils' school_id or classroom_id."""
    pop = pupil_population(window, units, school_id)
    covered = covered_clause(session, window, pop.c.tier, pop.c.user_id)
    key = getattr(pop.c, by)
    return session.execute(
        select(key, pop.c.tier, func.count(), func.count().filter(covered)).group_by(key, pop.c.tier)
    ).all()


def count_staff(session: Session, window: Window, units: Units, school_id: int | None = None):
    """(school_id, staff, covered, managers and teachers, covered) per school."""
    covered = covered_clause(session, window, literal("teacher"), User.id)
    chosen = manager_teacher_condition()
    return session.execute(
        select(
            User.school_id,
            func.count(),
            func.count().filter(covered),
            func.count().filter(chosen),
            func.count().filter(and_(chosen, covered)),
        )
        .where(*staff_conditions(window, units, school_id))
        .group_by(User.school_id)
    ).all()


def count_officials(session: Session, window: Window, units: Units) -> tuple[int, int]:
    covered = covered_clause(session, window, literal("official"), User.id)
    population, done = session.execute(
        select(func.count(), func.count().filter(covered)).where(*official_conditions(window, units))
    ).one()
    return int(population), int(done)


def count_families(session: Session, window: Window, units: Units, school_id: int | None = None):
    """school -> (parents, parents covered, households, households covered), and the same for
    the whole scope under the key 0, in one statement over one population.

    A guardian belongs to exactly one household (linking merges households), so guardians
    counted per household add up without double counting; a household with children in two
    schools counts in each school, and once in the scope."""
    links = family_links(window, units, school_id).cte("links")
    covered_guardian = covered_clause(session, window, literal("parent"), links.c.guardian_id)
    known = func.count(distinct(links.c.guardian_id)).label("known")
    covered = func.count(distinct(case((covered_guardian, links.c.guardian_id)))).label("covered")
    by_school = select(links.c.k, known, covered).group_by(links.c.k, links.c.household_id).subquery()
    in_scope = select(literal(0).label("k"), known, covered).group_by(links.c.household_id).subquery()

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

    rows = session.execute(union_all(totals(by_school), totals(in_scope))).all()
    return {
        k: (int(known) + int(missing), int(covered), households, int(covered_households))
        for k, known, covered, households, covered_households, missing in rows
    }


def count_village_households(session: Session, window: Window, units: Units) -> tuple[int, int]:
    """The households on the lists of the units' villages, and those covered: a member (a
    guardian of the matched pupils' family, or a resident on the household) covered in the
    parent tier. Listed households have no dates: they count on every day."""
    listed = ListedHousehold.__table__.alias("listed")
    member = User.__table__.alias("member")
    covered_member = (
        select(member.c.id)
        .where(
            or_(
                and_(member.c.household_id == listed.c.household_id, member.c.role != "pupil"),
                member.c.listed_household_id == listed.c.id,
            ),
            covered_clause(session, window, literal("parent"), member.c.id),
        )
        .exists()
    )
    population, done = session.execute(
        select(func.count(), func.count().filter(covered_member))
        .select_from(listed)
        .join(Village, Village.id == listed.c.village_id)
        .where(Village.unit_id.in_(list(units)))
    ).one()
    return int(population), int(done)


def coverage_counts(session: Session, window: Window, units: Units, school_id: int | None = None):
    """{school id as text: {group: [population, covered]}}; what belongs to the whole scope
    under "0": its families (a family with children in two schools is one family) and, when
    no school is asked for, its officials."""
    units = sorted(set(units))
    counts: dict[str, dict[str, list[int]]] = {}

    def put(key, group, population, covered):
        counts.setdefault(str(key), {})[group] = [int(population), int(covered)]

    for key, tier, n, c in count_pupils(session, window, "school_id", units, school_id):
        put(key, PUPIL_GROUPS[tier], n, c)
    for key, n, c, chosen, chosen_covered in count_staff(session, window, units, school_id):
        put(key, "teachers", n, c)
        put(key, "managers_teachers", chosen, chosen_covered)
    for key, (p, pc, h, hc) in count_families(session, window, units, school_id).items():
        put(key, "parents", p, pc)
        put(key, "households", h, hc)
    if school_id is None:
        put(0, "officials", *count_officials(session, window, units))
        put(0, "village_households", *count_village_households(session, window, units))
    return counts
