"""Writing a checked pupils file: a handful of bulk statements in one short write transaction.

`PupilWrites` holds what `lms.people.roster.pupil_plan` worked out in the read transaction;
`prepare` (still there) gives the new rows their ids and makes every statement's parameters,
and `execute`, under the write lock, only sends them.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, delete, func, select, update

from lms.campaign import snapshots, tally
from lms.models import Classroom, Enrollment, Guardianship, Household, User
from lms.models.base import utcnow
from lms.people.roster.values import _chunks

Key = tuple[str, object]  # ("pupil", code) | ("parent", phone) | ("household", id)


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
    guardian_phones: list[str] = field(default_factory=list)  # every guardian the file names

    def prepare(self, session) -> None:
        """Ids for the new rows and every statement's parameters, before the write transaction
        (in the read one): under the write lock only the statements run. PostgreSQL takes the
        ids from the sequences, for good; SQLite after the highest ids seen, which `execute`
        checks are still the highest."""
        ids = dict(self.ids)
        now = utcnow()
        self.highest: dict = {}
        self.inserts: list[tuple[str, list[str], list[tuple]]] = []  # table, columns, rows
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
        for insert in self.inserts:  # households, classes, guardians, pupils
            _send(connection, *insert)
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
        for insert in self.inserts:
            _send(connection, *insert)
        snapshots.touch(session)  # written without the ORM's flush: stored figures are stale
        self._mark_counts(session)
        return True

    def _mark_counts(self, session) -> None:
        """The pupils, guardians and households the writes touched: their kept coverage counts
        follow before the import commits (lms/campaign/tally.py)."""
        pupils = {row["pupil_id"] for _model, rows in self.later for row in rows}
        for chunk in _chunks(self.ended):
            pupils.update(session.scalars(select(Enrollment.pupil_id).where(Enrollment.id.in_(chunk))))
        tally.mark_pupils(session, pupils)
        tally.mark_users(session, {row["id"] for row in self.updates})
        tally.mark(session, *(f"f:{household}" for pair in self.merges for household in pair))

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
        if any(processors):
            pairs = list(zip(columns, processors, strict=True))
            params = [tuple(p(row[c]) if p else row[c] for c, p in pairs) for row in rows]
        else:
            params = [tuple(row[c] for c in columns) for row in rows]
        self.inserts.append((table.name, columns, params))

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


def _send(connection, table: str, columns: list[str], rows: list[tuple]) -> None:
    """PostgreSQL: COPY (an executemany there is still a statement per row, 1.3 s for the 3,000
    pupils of a school); SQLite: one executemany."""
    names = ", ".join(f'"{name}"' for name in columns)  # the model's own names; values are bound
    if connection.dialect.name == "postgresql":
        with connection.connection.driver_connection.cursor() as cursor:
            with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)  # noqa: S608
