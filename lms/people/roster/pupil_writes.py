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

from sqlalchemy import bindparam, delete, func, select, update

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

    def prepare(self, session) -> None:
        """Ids for the new rows and every statement's parameters, before the write transaction
        (in the read one): under the write lock only the statements run. PostgreSQL takes the
        ids from the sequences, for good; SQLite after the highest ids seen, which `execute`
        checks are still the highest."""
        ids = dict(self.ids)
        now = utcnow()
        self.highest: dict = {}
        self.inserts: list[tuple[str, list[tuple]]] = []
        new = dict(
            zip(self.new_households, self._new_ids(session, Household, len(self.new_households)), strict=True)
        )
        self._insert(session, Household, [{"id": id_, "created_at": now} for id_ in new.values()])

        def household(person: Key) -> int:
            value = self.household_of[person]
            return new[value] if isinstance(value, tuple) else value

        keys = [room["key"] for room in self.rooms]
        room_ids = dict(zip(keys, self._new_ids(session, Classroom, len(keys)), strict=True))
        rooms = [
            {**{k: v for k, v in room.items() if k != "key"}, "id": room_ids[room["key"]]}
            for room in self.rooms
        ]
        self._insert(session, Classroom, rooms)
        for rows in (self.parents, self.pupils):
            made = self._new_ids(session, User, len(rows))
            ids.update({row["key"]: id_ for row, id_ in zip(rows, made, strict=True)})
            users = [
                {
                    **{k: v for k, v in row.items() if k != "key"},
                    "id": ids[row["key"]],
                    "household_id": household(row["key"]),
                    "active": True,
                    "created_at": now,
                }
                for row in rows
            ]
            self._insert(session, User, users)
        self.updates = []
        for row in self.user_updates:
            row = dict(row)
            person = row.pop("key")
            if person in self.household_of:
                row["household_id"] = household(person)
            if len(row) > 1:
                self.updates.append(row)
        enrolments = [
            {"pupil_id": ids[person], "classroom_id": room_ids.get(room, room), "started_on": self.today}
            for person, room in self.enrolments
        ]
        links = [
            {"guardian_id": ids[guardian], "pupil_id": ids[pupil], "created_at": now}
            for guardian, pupil in self.links
        ]
        self.later = [(Enrollment, enrolments), (Guardianship, links)]

    def execute(self, session) -> bool:
        """Send the writes, inside the write transaction. False, with nothing written, if new
        rows took the ids `prepare` chose (SQLite): the import reads again."""
        for model, highest in self.highest.items():
            if session.scalar(select(func.coalesce(func.max(model.id), 0))) != highest:
                return False
        connection = session.connection()
        for sql, params in self.inserts:  # households, classes, guardians, pupils
            connection.exec_driver_sql(sql, params)
        if self.merges:
            connection.execute(
                update(User.__table__)
                .where(User.__table__.c.household_id == bindparam("dropped"))
                .values(household_id=bindparam("kept")),
                [{"dropped": dropped, "kept": kept} for dropped, kept in self.merges],
            )
            for chunk in _chunks([dropped for dropped, _ in self.merges]):
                connection.execute(delete(Household.__table__).where(Household.__table__.c.id.in_(chunk)))
        if self.updates:
            session.execute(update(User), self.updates)
        if self.ended:
            session.execute(update(Enrollment), [{"id": id_, "ended_on": self.today} for id_ in self.ended])
        self.inserts = []
        for model, rows in self.later:
            self._insert(session, model, rows)
        for sql, params in self.inserts:
            connection.exec_driver_sql(sql, params)
        snapshots.touch(session)  # written without the ORM's flush: stored figures are stale
        return True

    def _insert(self, session, model, rows: list[dict]) -> None:
        """One executemany straight through the driver (rows share their keys), its parameters
        made now: for 100,000 rows SQLAlchemy's per-row work in an ORM bulk insert took longer
        than the database's."""
        if not rows:
            return
        table = model.__table__
        dialect = session.get_bind().dialect
        columns = list(rows[0])
        processors = [table.c[name].type._cached_bind_processor(dialect) for name in columns]
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        names = ", ".join(f'"{name}"' for name in columns)  # the model's own names; values are bound
        sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join(mark for _ in columns)})'  # noqa: S608
        if any(processors):
            pairs = list(zip(columns, processors, strict=True))
            params = [tuple(p(row[c]) if p else row[c] for c, p in pairs) for row in rows]
        else:
            params = [tuple(row[c] for c in columns) for row in rows]
        self.inserts.append((sql, params))

    def _new_ids(self, session, model, count: int) -> list[int]:
        """Ids for count new rows, so that one executemany inserts them all (SQLAlchemy inserts
        row by row when it must return generated ids in order)."""
        if not count:
            return []
        if session.get_bind().dialect.name == "postgresql":
            sequence = func.pg_get_serial_sequence(model.__tablename__, "id")
            query = select(func.nextval(sequence)).select_from(func.generate_series(1, count))
            return list(session.scalars(query))
        start = self.highest.get(model)
        if start is None:
            start = self.highest[model] = session.scalar(select(func.coalesce(func.max(model.id), 0)))
        taken = self._taken = getattr(self, "_taken", {})
        first = start + taken.get(model, 0) + 1
        taken[model] = taken.get(model, 0) + count
        return list(range(first, first + count))


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
