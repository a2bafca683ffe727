"""Evidence for the models (issue 18): the figures a committee weighs before naming a
"Trường học chuyển đổi số điển hình" (school), a "Lớp học số sáng tạo" (class) or a "Giáo
viên số tiêu biểu" (teacher) of a ward or commune. Plain functions over a session, no HTTP;
the page and its spreadsheet both call them. Households ("Gia đình số") are counted in
lms/campaign/digital_families.py.

Definitions, under the unit's current plan and as of a day within its period:
- Coverage of a group: the kept counts (lms/campaign/tally.py) of the school ("s") or the class
  ("c"), against the plan's target for that group; the school's groups are those the plan
  follows among the per-school ones, a class's is its pupils' (primary or lower_secondary).
- How early: the days from the plan's start to the day since which the school (every group of
  it with people and a target) or the class has met its target without falling back; blank
  when it does not meet it as of the day.
- Families helped: the distinct learners whose completion in the period was assisted by a pupil
  of the class (of the school); a pupil belongs to their latest class begun by the day.
- Activities held (schools): outreach activities in the period up to the day.
- Assisted completions: completions in the period assisted by a pupil of the class, by a pupil
  or a member of staff of the school, by the teacher themself.
- A teacher (school staff, principals included, employed in the period): when they were covered
  in the teacher tier, their homeroom classes' coverage together, and the families helped by
  the pupils of those classes.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from lms.campaign import tally
from lms.campaign.metrics import SCHOOL_GROUPS, campaign_units, window_for
from lms.campaign.populations import required_counts
from lms.models import (
    INDICATORS,
    Campaign,
    Classroom,
    Completion,
    CoverageChange,
    Enrollment,
    OutreachActivity,
    School,
    User,
)

CHUNK = 500  # ids per IN (...)
STAFF = ("teacher", "school_admin")


@dataclass
class Share:
    """A group's coverage against the plan's target (None: tracked without one)."""

    population: int = 0
    covered: int = 0
    target: int | None = None

    @property
    def percent(self) -> float | None:
        return round(100 * self.covered / self.population, 1) if self.population else None

    @property
    def met(self) -> bool:
        return bool(self.population) and self.target is not None and self.percent >= self.target


@dataclass
class Scope:
    """What the evidence is counted over: the plan, its units, its period up to as_of."""

    campaign: Campaign
    unit_ids: frozenset
    as_of: date
    school_id: int | None = None  # a principal sees their own school only
    _help: "Help | None" = field(default=None, repr=False)

    def help(self, session: Session) -> "Help":
        """Who helped whom (counted once per scope)."""
        if self._help is None:
            self._help = Help.count(session, self)
        return self._help

    @property
    def start(self) -> date:
        return self.campaign.starts_on

    def days_since_start(self, day: date | None) -> int | None:
        return None if day is None else max(0, (day - self.start).days)


def scope_for(session: Session, campaign: Campaign, as_of: date | None = None, school_id: int | None = None):
    return Scope(campaign, campaign_units(session, campaign), window_for(campaign, as_of).as_of, school_id)


@dataclass
class SchoolRow:
    id: int
    code: str
    name: str
    shares: dict[str, Share] = field(default_factory=dict)
    reached_on: date | None = None
    days: int | None = None
    helped: int = 0
    activities: int = 0
    assisted: int = 0


@dataclass
class ClassRow:
    id: int
    name: str
    grade: int
    school_name: str
    teacher_id: int | None
    teacher_name: str
    share: Share
    reached_on: date | None = None
    days: int | None = None
    helped: int = 0
    assisted: int = 0


@dataclass
class TeacherRow:
    id: int
    name: str
    name_key: str
    school_name: str
    covered_on: date | None = None
    days: int | None = None
    classes: Share | None = None  # their homeroom classes together
    helped: int = 0
    assisted: int = 0


def school_groups(campaign: Campaign) -> list[str]:
    """The plan's indicators that a school has figures for, in report order."""
    return [g for g in INDICATORS if g in campaign.indicators and g in SCHOOL_GROUPS]


def _schools(session: Session, scope: Scope) -> list[School]:
    query = select(School).where(School.unit_id.in_(scope.unit_ids)).order_by(School.name)
    if scope.school_id is not None:
        query = query.where(School.id == scope.school_id)
    return list(session.scalars(query))


def school_rows(session: Session, scope: Scope) -> list[SchoolRow]:
    campaign, groups = scope.campaign, school_groups(scope.campaign)
    schools = _schools(session, scope)
    ids = [s.id for s in schools]
    counts = tally.read(session, campaign.id, scope.as_of, "s", ids)
    reached = reached_on(session, scope, "s", {i: groups for i in ids})
    help_ = scope.help(session)
    held = activities(session, scope, ids)
    rows = []
    for s in schools:
        row = SchoolRow(s.id, s.code, s.name, activities=held.get(s.id, 0))
        for g in groups:
            n, c = counts.get((s.id, g), (0, 0))
            row.shares[g] = Share(n, c, campaign.target(g))
        row.reached_on = reached.get(s.id)
        row.days = scope.days_since_start(row.reached_on)
        row.helped = len(help_.learners_by_school[s.id])
        row.assisted = help_.by_school[s.id]
        rows.append(row)
    return rows


def class_rows(session: Session, scope: Scope) -> list[ClassRow]:
    """The classes of the unit's schools with pupils counted as of the day."""
    campaign = scope.campaign
    schools = {s.id: s for s in _schools(session, scope)}
    rooms = {
        r.id: r
        for chunk in _chunked(schools)
        for r in session.scalars(select(Classroom).where(Classroom.school_id.in_(chunk)))
    }
    counts = tally.read(session, campaign.id, scope.as_of, "c", rooms)
    groups = {room: [g] for (room, g), (n, _c) in counts.items() if n}
    reached = reached_on(session, scope, "c", groups)
    help_ = scope.help(session)
    teachers = _names(session, {r.homeroom_teacher_id for r in rooms.values()} - {None})
    rows = []
    for room_id, (group,) in groups.items():
        room = rooms[room_id]
        n, c = counts[(room_id, group)]
        row = ClassRow(
            room.id,
            room.name,
            room.grade,
            schools[room.school_id].name,
            room.homeroom_teacher_id,
            teachers.get(room.homeroom_teacher_id, ("", ""))[0],
            Share(n, c, campaign.target(group)),
        )
        row.reached_on = reached.get(room.id)
        row.days = scope.days_since_start(row.reached_on)
        row.helped = len(help_.learners_by_class[room.id])
        row.assisted = help_.by_class[room.id]
        rows.append(row)
    rows.sort(key=lambda r: (r.school_name, r.grade, r.name))
    return rows


def teacher_rows(session: Session, scope: Scope, classes: list[ClassRow] | None = None) -> list[TeacherRow]:
    """The staff of the unit's schools employed in the period (principals included)."""
    schools = {s.id: s.name for s in _schools(session, scope)}
    classes = class_rows(session, scope) if classes is None else classes
    staff = session.execute(
        select(User.id, User.full_name, User.name_key, User.school_id).where(
            User.role.in_(STAFF),
            User.school_id.in_(list(schools)),
            or_(User.staff_until.is_(None), User.staff_until >= scope.start),
            or_(User.staff_from.is_(None), User.staff_from <= scope.as_of),
        )
    ).all()
    covered = covered_days(session, scope, "teacher", [s.id for s in staff])
    help_ = scope.help(session)
    homeroom = defaultdict(list)
    for room in classes:
        if room.teacher_id is not None:
            homeroom[room.teacher_id].append(room)
    rows = []
    for user_id, name, key, school_id in staff:
        row = TeacherRow(user_id, name, key, schools[school_id], covered.get(user_id))
        row.days = scope.days_since_start(row.covered_on)
        mine = homeroom.get(user_id, [])
        if mine:
            targets = {r.share.target for r in mine}
            row.classes = Share(
                sum(r.share.population for r in mine),
                sum(r.share.covered for r in mine),
                targets.pop() if len(targets) == 1 else None,
            )
            row.helped = len(set().union(*(help_.learners_by_class[r.id] for r in mine)))
        row.assisted = help_.by_helper[user_id]
        rows.append(row)
    rows.sort(key=lambda r: (r.school_name, r.name_key))
    return rows


# --- how early ---------------------------------------------------------------------------------


def reached_on(session: Session, scope: Scope, kind: str, groups: dict[int, list[str]]) -> dict[int, date]:
    """{school or class id: the day since which every group of it with people and a target
    has met the plan's target}, as of scope.as_of; those not meeting it are left out. Read from
    the kept counts' changes day by day (tally.CoverageChange)."""
    campaign = scope.campaign
    targets = {g: campaign.target(g) for gs in groups.values() for g in gs}
    targets = {g: t for g, t in targets.items() if t is not None}
    ids = [i for i, gs in groups.items() if any(g in targets for g in gs)]
    state: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    since: dict[int, date] = {}

    def meets(scope_id: int) -> bool:
        shares = [Share(*state[(scope_id, g)], targets[g]) for g in groups[scope_id] if g in targets]
        shares = [s for s in shares if s.population]
        return bool(shares) and all(s.met for s in shares)

    for chunk in _chunked(ids):
        changes = session.execute(
            select(
                CoverageChange.scope_id,
                CoverageChange.grp,
                CoverageChange.day,
                CoverageChange.population,
                CoverageChange.covered,
            )
            .where(
                CoverageChange.campaign_id == campaign.id,
                CoverageChange.scope == kind,
                CoverageChange.scope_id.in_(chunk),
                CoverageChange.grp.in_(list(targets)),
                CoverageChange.day <= scope.as_of,
            )
            .order_by(CoverageChange.day)
        ).all()
        touched: set[int] = set()
        for index, (scope_id, group, day, n, c) in enumerate(changes):
            if group in groups[scope_id]:
                value = state[(scope_id, group)]
                value[0] += n
                value[1] += c
                touched.add(scope_id)
            if index + 1 < len(changes) and changes[index + 1][2] == day:
                continue  # the day's other changes first
            for changed in touched:
                if meets(changed):
                    since.setdefault(changed, day)
                else:
                    since.pop(changed, None)
            touched.clear()
    return {i: max(d, scope.start) for i, d in since.items()}


def covered_days(session: Session, scope: Scope, tier: str, user_ids: list[int]) -> dict[int, date]:
    """{learner: the day they were covered in that tier in the plan's period}, up to as_of;
    the kept counts' own rule (tally.Learning.covered_on)."""
    campaign = scope.campaign
    facts = tally.Facts(needed=required_counts(session))
    tally.load_learning(session, facts, user_ids)
    plan = tally.Plan(campaign.id, campaign.starts_on, campaign.ends_on, scope.unit_ids)
    out = {}
    for user in user_ids:
        day = facts.learning[user].covered_on(tier, plan, facts.needed) if user in facts.learning else None
        if day is not None and day <= scope.as_of:
            out[user] = day
    return out


# --- help given, activities ----------------------------------------------------------------------


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
            for chunk in _chunked(helpers - set(rooms))
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
    for chunk in _chunked(pupil_ids):
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


def activities(session: Session, scope: Scope, school_ids: list[int]) -> dict[int, int]:
    return dict(
        session.execute(
            select(OutreachActivity.school_id, func.count())
            .where(
                OutreachActivity.school_id.in_(school_ids),
                OutreachActivity.held_on >= scope.start,
                OutreachActivity.held_on <= scope.as_of,
            )
            .group_by(OutreachActivity.school_id)
        ).all()
    )


def _names(session: Session, user_ids: set[int]) -> dict[int, tuple[str, str]]:
    return {
        user: (name, key)
        for chunk in _chunked(user_ids)
        for user, name, key in session.execute(
            select(User.id, User.full_name, User.name_key).where(User.id.in_(chunk))
        )
    }


def _chunked(ids):
    ids = sorted(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]
