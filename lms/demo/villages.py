"""The villages of the demo commune and their household lists (issue 18): four thôn of Xã Hà
Bắc, sixty households, a good third of them the families of the commune's pupils (matched by
a guardian's phone, as an import matches them), the others households without a child at
its schools, some without a phone at all.

Its random numbers are its own (seeded by the unit's code), so adding the villages changes
nothing else the demo draws; the families it lists are picked from those already built."""

import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.demo.names import person_name
from lms.models import Classroom, Enrollment, ListedHousehold, School, Unit, User, Village
from lms.people.villages import match_households

VILLAGES = (
    ("T1", "Thôn Đông", 18),
    ("T2", "Thôn Đoài", 16),
    ("T3", "Thôn Trung", 14),
    ("T4", "Thôn Bắc", 12),
)
FAMILIES = 24  # of the 60 listed households, those of pupils' families
README_PARENT = "0909000002"  # Lương Thị Ngọc (README): her family is on Thôn Đông's list
_RESIDENT_PHONE = 385000000  # 0385000001, …: residents who are not on any school's list


def build(session: Session, unit: Unit) -> list[Village]:
    """The unit's villages with their lists, matched to the pupils' families. Call it once the
    unit's schools, pupils and guardians are built (ha_bac.build, at its end)."""
    rng = random.Random(f"villages-{unit.code}")  # noqa: S311 - reproducible demo data, not secrets
    session.flush()
    families = _families(session, unit)
    readme = [f for f in families if any(phone == README_PARENT for phone, _ in f)]
    others = [f for f in families if f not in readme]
    picked = readme + rng.sample(others, min(FAMILIES - len(readme), len(others)))
    residents = iter(range(_RESIDENT_PHONE + 1, _RESIDENT_PHONE + 1000))
    total = sum(size for _, _, size in VILLAGES)
    homes: list[tuple[str, str]] = []  # (head of household, phones)
    for guardians in picked:
        phones = [phone for phone, _ in guardians]
        if rng.random() < 0.3:  # a grandparent heads the household and has a phone too
            homes.append((person_name(rng), ", ".join([*phones, f"0{next(residents)}"])))
        else:
            homes.append((guardians[0][1], ", ".join(phones)))
    while len(homes) < total:
        roll = rng.random()
        phones = [] if roll < 0.3 else [f"0{next(residents)}" for _ in range(1 if roll < 0.75 else 2)]
        homes.append((person_name(rng), ", ".join(phones)))
    rng.shuffle(homes)
    if readme:  # her family: HB-T1-001, on Thôn Đông's list
        homes.insert(0, homes.pop(next(i for i, h in enumerate(homes) if README_PARENT in h[1])))
    villages = []
    start = 0
    for code, name, size in VILLAGES:
        village = Village(unit_id=unit.id, code=code, name=name)
        session.add(village)
        villages.append(village)
        for n, (head, phones) in enumerate(homes[start : start + size], start=1):
            session.add(
                ListedHousehold(village=village, code=f"HB-{code}-{n:03d}", head_name=head, phones=phones)
            )
        start += size
    session.flush()
    match_households(session, unit.id)
    return villages


def _families(session: Session, unit: Unit) -> list[list[tuple[str, str]]]:
    """The guardians (phone, name) of each family with a child at the unit's schools, by
    household."""
    households = (
        select(User.household_id)
        .join(Enrollment, Enrollment.pupil_id == User.id)
        .join(Classroom, Classroom.id == Enrollment.classroom_id)
        .join(School, School.id == Classroom.school_id)
        .where(School.unit_id == unit.id, User.household_id.is_not(None))
    )
    rows = session.execute(
        select(User.household_id, User.phone, User.full_name)
        .where(User.role == "parent", User.phone.is_not(None), User.household_id.in_(households))
        .order_by(User.household_id, User.id)
    )
    families: dict[int, list[tuple[str, str]]] = {}
    for household_id, phone, name in rows:
        families.setdefault(household_id, []).append((phone, name))
    return list(families.values())
