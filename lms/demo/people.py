"""The people of a demo ward or commune: its schools and their staff, classes over the demo's
school years, pupils and kindergarten children with their families, and the unit's officials.

Classes are given as they are this school year. When the demo holds two school years, each
class had last year's class one grade (or kindergarten stage) below with the same pupils;
last year's top class left the school, and this year's first classes take the unit's own
leavers of the level below (kindergarten to grade 1, grade 5 to grade 6) before newcomers."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from lms.demo.names import person_name
from lms.demo.world import HORIZON, Demo, SchoolYear
from lms.models import Classroom, Enrollment, Guardianship, Household, School, Unit, User
from lms.models.people import PRESCHOOL_GRADE, tier_for_grade
from lms.people.households import link_guardian
from lms.people.names import name_sort_key

# Kindergarten classes (grade 0) by age: mầm 3-4, chồi 4-5, lá 5-6 years old. A class's step
# is its grade, or for the kindergarten -2, -1, 0 by stage: a child moves one step a year.
STAGES = ("Mầm", "Chồi", "Lá")
LEVEL_STEPS = {"mam-non": (-2, 0), "tieu-hoc": (1, 5), "thcs": (6, 9), "th-thcs": (1, 9)}


@dataclass(frozen=True)
class SchoolSpec:
    code: str
    name: str
    level: str
    classes: tuple[tuple[str, int, int], ...]  # this school year's classes: name, grade, pupils
    pace: float  # how far along the school's learners are, 0-1


@dataclass(frozen=True)
class Learning:
    """When a unit's people began learning for its plan, and how the day each of them
    completes their courses spreads over the time to the demo's horizon (a beta
    distribution's shape: (2, 4) early, (2, 2) around the middle)."""

    start: date
    shape: tuple[float, float] = (2.0, 2.0)
    staff_shape: tuple[float, float] = (2.0, 3.0)  # staff are trained first


@dataclass
class Campus:
    school: School
    spec: SchoolSpec
    principal: User
    staff: list[User]
    rooms: dict[tuple[str, str], Classroom] = field(default_factory=dict)  # (year, class name)

    def room(self, year: SchoolYear, name: str) -> Classroom:
        return self.rooms[(year.name, name)]


@dataclass
class Town:
    """One unit being built: its families so far (a sibling joins an existing one)."""

    unit: Unit
    learning: Learning
    # household, family name, guardians
    families: list[tuple[int, str, list[User]]] = field(default_factory=list)


def step_of(name: str, grade: int) -> int:
    if grade != PRESCHOOL_GRADE:
        return grade
    return next(i for i, stage in enumerate(STAGES) if name.startswith(stage)) - len(STAGES) + 1


def name_at(name: str, grade: int, step: int) -> str:
    """The same class `step` (a grade or stage) instead: "3A" -> "2A", "Chồi A" -> "Mầm A"."""
    if grade != PRESCHOOL_GRADE:
        return re.sub(r"^\d+", str(step), name)
    old = STAGES[step_of(name, grade) + len(STAGES) - 1]
    return STAGES[step + len(STAGES) - 1] + name[len(old) :]


def build_schools(demo: Demo, town: Town, specs: list[SchoolSpec]) -> dict[str, Campus]:
    campuses = {spec.code: _school(demo, town, spec) for spec in specs}
    _classes(demo, town, campuses)
    demo.session.flush()
    return campuses


def adult_learner(demo: Demo, user: User, tier: str, learning: Learning, pace: float) -> None:
    """Most adults who learn have claimed their account (password demo1234); `pace` is the
    chance they complete their tier's required courses."""
    claims = min(0.97, pace + 0.1)
    if demo.rng.random() >= claims or learning.start > demo.yesterday:
        return
    claimed_on = learning.start + timedelta(days=demo.rng.randint(0, 30))
    user.password_hash = demo.password_hash
    user.claimed_at = datetime.combine(min(claimed_on, demo.yesterday), time(1))
    demo.learns(user, tier, learning.start, HORIZON, pace / claims, learning.shape)


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
            _enrol(demo, town, campus, _new_pupils(demo, town, campus, old, previous, size), room, current)
            if step == high:  # last year's top class, now gone
                old = _room(demo, campus, previous, name, grade, next(homerooms))
                gone = _new_pupils(demo, town, campus, old, previous, size + demo.rng.randint(-4, 2))
                leavers.setdefault(step + 1, []).extend(gone)
    for campus, room, size in intakes:
        pool = leavers.get(step_of(room.name, room.grade), [])
        come, leavers[step_of(room.name, room.grade)] = pool[:size], pool[size:]
        if come:
            _enrol(demo, town, campus, come, room, current)
        _new_pupils(demo, town, campus, room, current, size - len(come))


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


def _new_pupils(demo: Demo, town: Town, campus: Campus, room: Classroom, year: SchoolYear, n: int):
    """`n` new pupils (or kindergarten children) in `room`, each with a household and most with
    one or two guardians on the roster; a few are siblings of a child already in the unit."""
    rng, session = demo.rng, demo.session
    if n <= 0:
        return []
    first = int(year.name[:4])
    step = step_of(room.name, room.grade)
    tier = tier_for_grade(room.grade)
    siblings = [
        rng.choice(town.families) if town.families and rng.random() < 0.06 else None for _ in range(n)
    ]
    households = [Household() for s in siblings if s is None]
    session.add_all(households)
    session.flush()
    fresh = iter(households)
    pupils = []
    for sibling in siblings:
        household_id, family = (sibling[0], sibling[1]) if sibling else (next(fresh).id, None)
        seq = len(demo.pupils) + len(demo.children) + len(pupils) + 1
        code = f"HS{first}{seq:05d}"
        pupils.append(
            demo.user(
                role="pupil",
                tier=tier,
                full_name=person_name(rng, family=family),
                student_code=code,
                username=code.lower() if tier else None,
                date_of_birth=date(first - 5 - step, rng.randint(1, 12), rng.randint(1, 28)),
                household_id=household_id,
            )
        )
    session.flush()
    own = {p.id: _guardians(demo, p) for p, sibling in zip(pupils, siblings, strict=True) if not sibling}
    session.flush()
    pace = campus.spec.pace * 0.9
    for pupil, sibling in zip(pupils, siblings, strict=True):
        if sibling:
            guardians = sibling[2]
        else:
            guardians = own[pupil.id]
            town.families.append((pupil.household_id, pupil.full_name.split(" ")[0], guardians))
            for guardian in guardians:
                demo.parents.append(guardian)
                adult_learner(demo, guardian, "parent", town.learning, pace)
        for guardian in guardians:
            session.add(Guardianship(guardian_id=guardian.id, pupil_id=pupil.id))
    (demo.pupils if tier else demo.children).extend(pupils)
    _enrol(demo, town, campus, pupils, room, year)
    return pupils


def _guardians(demo: Demo, pupil: User) -> list[User]:
    """No guardian on the roster yet for a few; the father (the child's family name), and for
    many the mother too."""
    roll = demo.rng.random()
    count = 0 if roll < 0.08 else (2 if roll > 0.65 else 1)
    family = pupil.full_name.split(" ")[0]
    return [
        demo.user(
            role="parent",
            tier="parent",
            phone=demo.phone(),
            household_id=pupil.household_id,
            full_name=person_name(demo.rng, girl=g == 1, family=family if g == 0 else None),
        )
        for g in range(count)
    ]


def _enrol(demo: Demo, town: Town, campus: Campus, pupils: list[User], room: Classroom, year: SchoolYear):
    """Enrol `pupils` in `room` for `year`; each may learn their tier's courses that year."""
    tier = tier_for_grade(room.grade)
    newly = [p for p in pupils if p.tier is None] if tier else []  # kindergarten leavers in grade 1
    start = max(year.starts_on, town.learning.start)
    for pupil in pupils:
        demo.session.add(
            Enrollment(
                pupil_id=pupil.id, classroom_id=room.id, started_on=year.starts_on, ended_on=year.ends_on
            )
        )
        if tier:
            pupil.tier = tier
            pupil.username = pupil.username or pupil.student_code.lower()
            demo.learns(pupil, tier, start, year.closes_on, campus.spec.pace, town.learning.shape)
    demo.roster.setdefault(room.id, []).extend(pupils)
    if newly:
        demo.pupils.extend(newly)
        demo.children[:] = [c for c in demo.children if c.tier is None]


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


def known_parent(demo: Demo, town: Town, phone: str, full_name: str, children: list[User]) -> User:
    """A parent of the README (password demo1234) who paired with `children` and completed
    the parents' required courses in the unit's plan."""
    parent = demo.user(
        role="parent",
        tier="parent",
        phone=phone,
        full_name=full_name,
        password_hash=demo.password_hash,
        claimed_at=datetime.combine(town.learning.start, time(1)),
    )
    demo.session.flush()
    for child in children:
        link_guardian(demo.session, parent, child)
    demo.parents.append(parent)
    demo.learns(parent, "parent", town.learning.start, HORIZON, 1.0, town.learning.shape)
    return parent


def rename(user: User, full_name: str) -> None:
    user.full_name, user.name_key = full_name, name_sort_key(full_name)
