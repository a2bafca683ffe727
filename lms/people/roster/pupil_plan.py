"""What a checked pupils file changes, worked out in the read transaction.

`plan_writes` runs in the read transaction, on what the check loaded: it decides every new
class, guardian, pupil, enrolment, link and household, and writes the report, without a
single write. `PupilWrites.execute` then sends them as a dozen bulk statements in the short
write transaction: the write lock is held for the statements only, not for the checks.

Households follow the rule of lms.people.households: a pupil and their guardians share one;
a guardian already in a household brings the pupil into it, and two households joined by a
link become one (the older, lower id, is kept; the other's members move into it).
"""

import secrets
from collections import defaultdict

from sqlalchemy import select

from lms.models import Classroom, User
from lms.models.people import PRESCHOOL_GRADE, tier_for_grade
from lms.people.codes import ALPHABET
from lms.people.names import name_sort_key
from lms.people.roster.pupil_writes import Key, PupilWrites
from lms.people.roster.table import SIGNIN_CODE_LENGTH, TIER_NAMES


class _Groups:
    """Union-find over people and existing households."""

    def __init__(self):
        self.parent: dict[Key, Key] = {}

    def find(self, key: Key) -> Key:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def join(self, a: Key, b: Key) -> None:
        self.parent[self.find(a)] = self.find(b)


def _signin_codes(session, count: int) -> list[str]:
    """count class sign-in codes that no class has (the unique constraint guards a race)."""
    codes: list[str] = []
    while len(codes) < count:
        wanted = {
            "".join(secrets.choice(ALPHABET) for _ in range(SIGNIN_CODE_LENGTH))
            for _ in range(count - len(codes))
        } - set(codes)
        taken = set(session.scalars(select(Classroom.signin_code).where(Classroom.signin_code.in_(wanted))))
        codes.extend(sorted(wanted - taken))
    return codes


def plan_writes(importer, plans) -> PupilWrites:
    """The writes and the report of a checked file (importer: the _Pupils that checked it)."""
    session, report, today, year = importer.session, importer.report, importer.today, importer.year
    writes = PupilWrites(today=today)
    groups = _Groups()
    codes = iter(_signin_codes(session, len({(p.school.id, p.class_name.casefold()) for p in plans})))
    rooms = dict(importer.rooms)  # (school id, name) -> Classroom, or a new room's key
    parents: dict[str, User | None] = dict(importer.phone_users)
    parent_names: dict[str, str] = {}  # the name each guardian will have
    links = importer.links  # existing (guardian id, pupil id)
    new_links: set[tuple[Key, Key]] = set()

    def person(kind: str, value, user: User | None) -> Key:
        key = (kind, value)
        if user is not None:
            writes.ids[key] = user.id
            writes.current_households[key] = user.household_id
            if user.household_id is not None:
                groups.join(key, ("household", user.household_id))
        groups.find(key)
        return key

    for plan in plans:
        key = (plan.school.id, plan.class_name.casefold())
        room = rooms.get(key)
        if room is None:
            room = rooms[key] = key
            writes.rooms.append(
                {
                    "key": key,
                    "school_id": plan.school.id,
                    "name": plan.class_name,
                    "grade": plan.grade,
                    "school_year": year,
                    "signin_code": next(codes),
                }
            )
            grade = "mầm non" if plan.grade == PRESCHOOL_GRADE else f"khối {plan.grade}"
            report.details.append(
                f"thêm lớp {plan.class_name} ({grade}, năm học {year}) trường {plan.school.code}"
            )
        room_id = room if isinstance(room, tuple) else room.id
        room_name = plan.class_name if isinstance(room, tuple) else room.name
        pupil, tier, changes = plan.pupil, tier_for_grade(plan.grade), []
        me = person("pupil", plan.code.casefold(), pupil)
        if pupil is None:
            writes.pupils.append(
                {
                    "key": me,
                    "role": "pupil",
                    "tier": tier,
                    "username": plan.code.casefold(),
                    "student_code": plan.code,
                    "full_name": plan.name,
                    "name_key": name_sort_key(plan.name),
                    "date_of_birth": plan.date_of_birth,
                    "school_id": plan.school.id,
                }
            )
        else:
            changes = _pupil_changes(writes, me, pupil, plan, tier)

        current = [] if pupil is None else importer.current.get(pupil.id, [])
        if any(e.classroom_id == room_id for e in current):
            for enrollment in current:
                if enrollment.classroom_id != room_id:  # two open enrolments: keep this one
                    writes.ended.append(enrollment.id)
                    changes.append(f"kết thúc lớp {enrollment.classroom.name}")
        else:
            writes.ended.extend(e.id for e in current)
            writes.enrolments.append((me, room_id))
            if current:
                old = ", ".join(e.classroom.name for e in current)
                changes.append(f"chuyển lớp {old} → {room_name}")
            elif pupil is not None:
                changes.append(f"vào lớp {room_name}")

        if pupil is not None and pupil.household_id is None:
            changes.append("hộ gia đình")
        for phone, name in plan.guardians:
            parent = parents.get(phone)
            guardian = person("parent", phone, parent)
            if phone not in parents:
                parents[phone] = None
                parent_names[phone] = name
                writes.parents.append(
                    {
                        "key": guardian,
                        "role": "parent",
                        "tier": "parent",
                        "phone": phone,
                        "full_name": name,
                        "name_key": name_sort_key(name),
                    }
                )
                report.details.append(f"thêm phụ huynh {phone} {name}")
            elif parent is not None:
                was = parent_names.setdefault(phone, parent.full_name)
                if was != name and parent.claimed_at is None:
                    # The school's list names a guardian until they sign in; then it is theirs.
                    changes.append(f"tên phụ huynh {phone} “{was}” → “{name}”")
                    parent_names[phone] = name
            groups.join(me, guardian)
            linked = pupil is not None and parent is not None and (parent.id, pupil.id) in links
            if not linked and (guardian, me) not in new_links:
                new_links.add((guardian, me))
                writes.links.append((guardian, me))
                if pupil is not None:
                    changes.append(f"thêm phụ huynh {name}")

        if pupil is None:
            report.created += 1
            report.details.append(f"thêm học sinh {plan.code} {plan.name} ({room_name})")
        elif changes:
            report.updated += 1
            report.details.append(f"cập nhật học sinh {plan.code} {plan.name}: " + ", ".join(changes))
        else:
            report.unchanged += 1

    for phone, name in parent_names.items():
        parent = parents[phone]
        if parent is not None and name != parent.full_name:
            writes.user_updates.append(
                {
                    "key": ("parent", phone),
                    "id": parent.id,
                    "full_name": name,
                    "name_key": name_sort_key(name),
                }
            )
    writes.guardian_phones = sorted(value for kind, value in groups.parent if kind == "parent")
    _households(writes, groups)
    return writes


def _pupil_changes(writes: PupilWrites, me: Key, pupil: User, plan, tier: str) -> list[str]:
    changes: list[str] = []
    values: dict = {}
    if pupil.full_name != plan.name:
        changes.append(f"họ tên “{pupil.full_name}” → “{plan.name}”")
        values["full_name"] = plan.name
    if pupil.name_key != name_sort_key(plan.name):
        values["name_key"] = name_sort_key(plan.name)
    if pupil.date_of_birth != plan.date_of_birth:
        old = f"{pupil.date_of_birth:%d/%m/%Y}" if pupil.date_of_birth else "trống"
        changes.append(f"ngày sinh {old} → {plan.date_of_birth:%d/%m/%Y}")
        values["date_of_birth"] = plan.date_of_birth
    if pupil.tier != tier:
        changes.append(f"cấp {_tier_name(pupil.tier)} → {_tier_name(tier)}")
        values["tier"] = tier
    if pupil.school_id != plan.school.id:
        changes.append(f"trường {plan.school.code}")
        values["school_id"] = plan.school.id
    if pupil.student_code is None:
        values["student_code"] = plan.code
        changes.append("mã học sinh")
    writes.user_updates.append({"key": me, "id": pupil.id, **values})
    return changes


def _tier_name(tier: str | None) -> str:
    return "mầm non" if tier is None else TIER_NAMES.get(tier, tier)  # kindergarten children: none


def _households(writes: PupilWrites, groups: _Groups) -> None:
    """One household per group of linked people: the group's lowest existing one, or a new one;
    the group's other existing households are merged into it."""
    members: dict[Key, list[Key]] = defaultdict(list)
    for key in list(groups.parent):
        members[groups.find(key)].append(key)
    for root, keys in members.items():
        existing = sorted(value for kind, value in keys if kind == "household")
        if existing:
            kept = existing[0]
            writes.merges.extend((dropped, kept) for dropped in existing[1:])
        else:
            kept = root
            writes.new_households.append(root)
        for key in keys:
            if key[0] != "household":
                if key in writes.ids and writes.current_households.get(key) == kept:
                    continue  # an existing person already in the right household
                writes.household_of[key] = kept
    known = {row["key"] for row in writes.user_updates}
    for key in writes.household_of:
        if key in writes.ids and key not in known:
            writes.user_updates.append({"key": key, "id": writes.ids[key]})
