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
  when it does not meet it as of the day (lms/campaign/evidence_basis.py).
- Families helped: the distinct learners whose completion in the period was assisted by a pupil
  of the class (of the school); a pupil belongs to their latest class begun by the day
  (lms/campaign/help_given.py).
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
from lms.campaign.evidence_basis import Scope, Share, chunked, covered_days, reached_on, scope_for
from lms.campaign.help_given import STAFF, help_given
from lms.campaign.metrics import SCHOOL_GROUPS
from lms.models import INDICATORS, Campaign, Classroom, OutreachActivity, School, User

__all__ = ["Scope", "Share", "scope_for", "school_rows", "class_rows", "teacher_rows", "school_groups"]


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
    help_ = help_given(session, scope)
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
        for chunk in chunked(schools)
        for r in session.scalars(select(Classroom).where(Classroom.school_id.in_(chunk)))
    }
    counts = tally.read(session, campaign.id, scope.as_of, "c", rooms)
    groups = {room: [g] for (room, g), (n, _c) in counts.items() if n}
    reached = reached_on(session, scope, "c", groups)
    help_ = help_given(session, scope)
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
    help_ = help_given(session, scope)
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
        for chunk in chunked(user_ids)
        for user, name, key in session.execute(
            select(User.id, User.full_name, User.name_key).where(User.id.in_(chunk))
        )
    }
