"""What a checked pupils file changes, worked out while reading, then written in bulk.

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
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, delete, insert, select, update

from lms.campaign import snapshots
from lms.models import Classroom, Enrollment, Guardianship, Household, User
from lms.models.base import utcnow
from lms.models.people import tier_for_grade
from lms.people.codes import ALPHABET
from lms.people.names import name_sort_key
from lms.people.roster.table import SIGNIN_CODE_LENGTH, TIER_NAMES
from lms.people.roster.values import _chunks

Key = tuple[str, object]  # ("pupil", code) | ("parent", phone) | ("household", id)


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


@dataclass
class PupilWrites:
    today: date
    rooms: list[dict] = field(default_factory=list)  # new classes, with a "key"
    new_households: list[Key] = field(default_factory=list)  # one per group without one
    merges: list[tuple[int, int]] = field(default_factory=list)  # (dropped, kept)
    parents: list[dict] = field(default_factory=list)  # new guardians (User rows)
    pupils: list[dict] = field(default_factory=list)  # new pupils (User rows)
    user_updates: list[dict] = field(default_factory=list)  # by id
    ended: list[int] = field(default_factory=list)  # enrolment ids
    enrolments: list[tuple[Key, object]] = field(default_factory=list)  # (pupil, room key or id)
    links: list[tuple[Key, Key]] = field(default_factory=list)  # (guardian, pupil)
    household_of: dict[Key, object] = field(default_factory=dict)  # person -> id or group key
    ids: dict[Key, int] = field(default_factory=dict)  # existing people
    current_households: dict[Key, int | None] = field(default_factory=dict)  # existing people

    def execute(self, session) -> None:
        """Send the writes: call inside the write transaction."""
        ids = dict(self.ids)
        now = utcnow()
        household_ids: dict[Key, int] = {}
        if self.new_households:
            made = session.scalars(
                insert(Household).returning(Household.id, sort_by_parameter_order=True),
                [{"created_at": now} for _ in self.new_households],
            ).all()
            household_ids = dict(zip(self.new_households, made, strict=True))
        if self.merges:
            connection = session.connection()
            connection.execute(
                update(User.__table__)
                .where(User.__table__.c.household_id == bindparam("dropped"))
                .values(household_id=bindparam("kept")),
                [{"dropped": dropped, "kept": kept} for dropped, kept in self.merges],
            )
            for chunk in _chunks([dropped for dropped, _ in self.merges]):
                connection.execute(delete(Household.__table__).where(Household.__table__.c.id.in_(chunk)))

        def household(person: Key) -> int:
            value = self.household_of[person]
            return household_ids[value] if isinstance(value, tuple) else value

        room_ids: dict[object, int] = {}
        if self.rooms:
            rows = [{k: v for k, v in room.items() if k != "key"} for room in self.rooms]
            made = session.scalars(
                insert(Classroom).returning(Classroom.id, sort_by_parameter_order=True), rows
            ).all()
            room_ids = {room["key"]: id_ for room, id_ in zip(self.rooms, made, strict=True)}
        for rows in (self.parents, self.pupils):
            if rows:
                values = [
                    {**{k: v for k, v in row.items() if k != "key"}, "household_id": household(row["key"])}
                    for row in rows
                ]
                made = session.scalars(
                    insert(User).returning(User.id, sort_by_parameter_order=True), values
                ).all()
                ids.update({row["key"]: id_ for row, id_ in zip(rows, made, strict=True)})
        updates = []
        for row in self.user_updates:
            row = dict(row)
            person = row.pop("key")
            if person in self.household_of:
                row["household_id"] = household(person)
            if len(row) > 1:
                updates.append(row)
        if updates:
            session.execute(update(User), updates)
        if self.ended:
            session.execute(update(Enrollment), [{"id": id_, "ended_on": self.today} for id_ in self.ended])
        if self.enrolments:
            session.execute(
                insert(Enrollment),
                [
                    {
                        "pupil_id": ids[person],
                        "classroom_id": room_ids[room] if room in room_ids else room,
                        "started_on": self.today,
                    }
                    for person, room in self.enrolments
                ],
            )
        if self.links:
            session.execute(
                insert(Guardianship),
                [
                    {"guardian_id": ids[guardian], "pupil_id": ids[pupil], "created_at": now}
                    for guardian, pupil in self.links
                ],
            )
        snapshots.touch(session)  # written without the ORM's flush: stored figures are stale


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
            report.details.append(
                f"thêm lớp {plan.class_name} (khối {plan.grade}, năm học {year}) trường {plan.school.code}"
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
                    {"key": guardian, "role": "parent", "tier": "parent", "phone": phone,
                     "full_name": name, "name_key": name_sort_key(name)}
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
            if not linked and (guardian, me) not in writes.links:
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
                {"key": ("parent", phone), "id": parent.id, "full_name": name,
                 "name_key": name_sort_key(name)}
            )
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
        old = TIER_NAMES.get(pupil.tier or "", pupil.tier or "trống")
        changes.append(f"cấp {old} → {TIER_NAMES.get(tier or '', tier)}")
        values["tier"] = tier
    if pupil.school_id != plan.school.id:
        changes.append(f"trường {plan.school.code}")
        values["school_id"] = plan.school.id
    if pupil.student_code is None:
        values["student_code"] = plan.code
        changes.append("mã học sinh")
    writes.user_updates.append({"key": me, "id": pupil.id, **values})
    return changes


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
