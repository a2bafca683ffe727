"""Pupils and kindergarten children of a demo ward or commune, with their households and the
guardians the roster knows (some paired and learning), enrolled class by class over the demo's
school years. A class's step is its grade, or for a kindergarten class its stage by age."""

import re
from datetime import date, datetime, time

from lms.demo.names import person_name
from lms.demo.world import HORIZON, Demo, SchoolYear, Town, adult_learner
from lms.models import Classroom, Enrollment, Guardianship, Household, User
from lms.models.people import PRESCHOOL_GRADE, tier_for_grade
from lms.people.households import link_guardian

# Kindergarten classes (grade 0) by age: mầm 3-4, chồi 4-5, lá 5-6 years old: steps -2, -1, 0.
STAGES = ("Mầm", "Chồi", "Lá")


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


def new_pupils(demo: Demo, town: Town, pace: float, room: Classroom, year: SchoolYear, n: int):
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
    for pupil, sibling in zip(pupils, siblings, strict=True):
        if sibling:
            guardians = sibling[2]
        else:
            guardians = own[pupil.id]
            town.families.append((pupil.household_id, pupil.full_name.split(" ")[0], guardians))
            for guardian in guardians:
                demo.parents.append(guardian)
                adult_learner(demo, guardian, "parent", town.learning, pace * 0.9)
        for guardian in guardians:
            session.add(Guardianship(guardian_id=guardian.id, pupil_id=pupil.id))
    (demo.pupils if tier else demo.children).extend(pupils)
    enrol(demo, town, pace, pupils, room, year)
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


def enrol(demo: Demo, town: Town, pace: float, pupils: list[User], room: Classroom, year: SchoolYear):
    """Enrol `pupils` in `room` for `year`; each may learn their tier's courses that year, with
    the chance `pace` of completing them."""
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
            demo.learns(pupil, tier, start, year.closes_on, pace, town.learning.shape)
    demo.roster.setdefault(room.id, []).extend(pupils)
    if newly:
        demo.pupils.extend(newly)
        demo.children[:] = [c for c in demo.children if c.tier is None]


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
