"""The schools of a demo ward or commune: their staff (principal, teachers, employees) and
classes over the demo's school years; and the unit's own officials.

Classes are given as they are this school year. When the demo holds two school years, each
class had last year's class one grade (or kindergarten stage) below with the same pupils;
last year's top class left the school, and this year's first classes take the unit's own
leavers of the level below (kindergarten to grade 1, grade 5 to grade 6) before newcomers."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from lms.demo.names import person_name
from lms.demo.pupils import enrol, name_at, new_pupils, step_of
from lms.demo.world import Demo, Learning, SchoolYear, Town, adult_learner
from lms.models import Classroom, School, User
from lms.models.people import PRESCHOOL_GRADE
from lms.people.names import name_sort_key

LEVEL_STEPS = {"mam-non": (-2, 0), "tieu-hoc": (1, 5), "thcs": (6, 9), "th-thcs": (1, 9)}


@dataclass(frozen=True)
class SchoolSpec:
    code: str
    name: str
    level: str
    classes: tuple[tuple[str, int, int], ...]  # this school year's classes: name, grade, pupils
    pace: float  # how far along the school's learners are, 0-1


@dataclass
class Campus:
    school: School
    spec: SchoolSpec
    principal: User
    staff: list[User]
    rooms: dict[tuple[str, str], Classroom] = field(default_factory=dict)  # (year, class name)

    def room(self, year: SchoolYear, name: str) -> Classroom:
        return self.rooms[(year.name, name)]


def build_schools(demo: Demo, town: Town, specs: list[SchoolSpec]) -> dict[str, Campus]:
    campuses = {spec.code: _school(demo, town, spec) for spec in specs}
    _classes(demo, town, campuses)
    demo.session.flush()
    return campuses


def _school(demo: Demo, town: Town, spec: SchoolSpec) -> Campus:
    rng = demo.rng
    school = School(unit_id=town.unit.id, code=spec.code, name=spec.name, level=spec.level)
    demo.session.add(school)
    demo.session.flush()
    # Staff come first: trained early in the plan, most of them.
    staff_pace = min(0.97, spec.pace + 0.4)
    staff_learning = Learning(town.learning.start, town.learning.staff_shape)

    def member(staff_role: str, **fields) -> User:
        user = demo.user(
            role="school_admin" if staff_role == "principal" else "teacher",
            tier="teacher",
            staff_role=staff_role,
            school_id=school.id,
            full_name=person_name(rng, girl=rng.random() < 0.75),
            phone=demo.phone(),
            staff_from=date(rng.randint(2006, 2024), 8, 15),
            **fields,
        )
        demo.staff.append(user)
        adult_learner(demo, user, "teacher", staff_learning, staff_pace)
        return user

    principal = member("principal", username=f"hieutruong.{spec.code.lower()}")
    principal.password_hash = demo.password_hash
    principal.claimed_at = principal.claimed_at or datetime.combine(town.learning.start, time(1))
    # Homeroom teachers for every class, a few more teachers, and every fifth an employee.
    staff = [member("staff" if n % 5 == 4 else "teacher") for n in range(len(spec.classes) * 5 // 4 + 3)]
    demo.session.flush()
    return Campus(school, spec, principal, staff)


def _classes(demo: Demo, town: Town, campuses: dict[str, Campus]) -> None:
    current = demo.current_year
    previous = demo.years[-2] if len(demo.years) > 1 else None
    leavers: dict[int, list[User]] = {}  # step -> last year's leavers who may start it now
    intakes = []
    for campus in campuses.values():
        low, high = LEVEL_STEPS[campus.spec.level]
        homerooms = iter([s for s in campus.staff if s.staff_role == "teacher"])
        for name, grade, size in campus.spec.classes:
            teacher = next(homerooms)
            room = _room(demo, campus, current, name, grade, teacher)
            step = step_of(name, grade)
            if previous is None or step == low:
                intakes.append((campus, room, size))
                continue
            before = PRESCHOOL_GRADE if grade == PRESCHOOL_GRADE else grade - 1
            old = _room(demo, campus, previous, name_at(name, grade, step - 1), before, teacher)
            pupils = new_pupils(demo, town, campus.spec.pace, old, previous, size)
            enrol(demo, town, campus.spec.pace, pupils, room, current)
            if step == high:  # last year's top class, now gone
                old = _room(demo, campus, previous, name, grade, next(homerooms))
                gone = new_pupils(demo, town, campus.spec.pace, old, previous, size + demo.rng.randint(-4, 2))
                leavers.setdefault(step + 1, []).extend(gone)
    for campus, room, size in intakes:
        pool = leavers.get(step_of(room.name, room.grade), [])
        come, leavers[step_of(room.name, room.grade)] = pool[:size], pool[size:]
        if come:
            enrol(demo, town, campus.spec.pace, come, room, current)
        new_pupils(demo, town, campus.spec.pace, room, current, size - len(come))


def _room(demo, campus, year, name, grade, teacher) -> Classroom:
    """A class; this year's classes of grades 1-9 get a card sign-in code (school code + class)."""
    code = None
    if year is demo.current_year and grade != PRESCHOOL_GRADE:
        code = f"{campus.school.code.replace('-', '')}{name}".upper()
        if len(code) > 12:
            raise ValueError(f"sign-in code {code} longer than 12")
    room = Classroom(
        school_id=campus.school.id,
        name=name,
        grade=grade,
        school_year=year.name,
        homeroom_teacher_id=teacher.id,
        signin_code=code,
    )
    demo.session.add(room)
    demo.session.flush()
    campus.rooms[(year.name, name)] = room
    if year is demo.current_year:
        demo.current_rooms.append(room)
    return room


def build_officials(demo: Demo, town: Town, count: int, employed_from: date, pace: float) -> list[User]:
    """The unit's own cán bộ, công chức, người lao động; two joined during the plan's year."""
    rng = demo.rng
    officials = []
    late = [town.learning.start + timedelta(days=70), town.learning.start + timedelta(days=150)]
    for n in range(count):
        joined = late[n - count + 2] if n >= count - 2 else employed_from
        official = demo.user(
            role="official",
            tier="official",
            unit_id=town.unit.id,
            full_name=person_name(rng),
            phone=demo.phone(),
            staff_from=joined,
        )
        officials.append(official)
        start = max(joined, town.learning.start)
        adult_learner(demo, official, "official", Learning(start, town.learning.staff_shape), pace)
    demo.officials.extend(officials)
    demo.session.flush()
    return officials


def readme_login(demo: Demo, user: User, username: str, full_name: str, since: date) -> None:
    """One of the README's accounts: its username, name and the password demo1234; an adult
    has claimed it by `since` at the latest."""
    user.username, user.password_hash = username, demo.password_hash
    user.full_name, user.name_key = full_name, name_sort_key(full_name)
    if user.role != "pupil":
        user.claimed_at = user.claimed_at or datetime.combine(since, time(1))
