"""A city-sized (or ward-sized) dataset for the campaign metrics, loaded fast into an EMPTY database.

    .venv/bin/python bench/city_dataset.py --database-url sqlite:////tmp/city/ward.sqlite3
    bench/city_postgres.sh run .venv/bin/python bench/city_dataset.py --scale city
    (--scale ward (the default), city, or a number: that fraction of the ward; --fraction F:
    that fraction of the preset; --seed N; --reset to empty a database first; see --help)

Both presets make a City unit over its wards and communes; every ward and commune has its own
Campaign (plan) over the current school year, and the city its own campaign, which counts
them all. Half of the units follow the five default groups, the other half a plan of their
own (managers and teachers, officials, activities with a minimum of 2, lower targets).

|                                   | ward (SQLite)            | city (PostgreSQL)           |
|-----------------------------------|--------------------------|-----------------------------|
| wards and communes                | 1 ward                   | 100: 45 wards, 55 communes  |
| schools: primary, lower-secondary,| 100, 70, 30, 10 = 210    | 850, 600, 250, 300 = 2,000  |
|   combined, preschool             |                          |                             |
| pupils (grades 1-9)               | 150,000                  | 1,000,000                   |
| kindergarten children (grade 0)   | 3,000                    | 90,000                      |
| households (siblings share one)   | ~130,000                 | ~950,000                    |
| parents (0-4 per household)       | 200,000                  | 2,000,000                   |
| school staff (2% left before)     | 10,000                   | 60,000                      |
| the units' officials              | 20                       | 2,000                       |
| completions (3% before the period)| 3,000,000                | 10,000,000                  |

Pupils sit in classes of 30-50 (mostly 35-45) of the grades their school teaches, 1% moved
class during the period; kindergarten children in classes of 20-40 of three stages (grade 0).
Siblings live in the same unit. Staff are spread by classes (one principal per school, one
in ten an employee, the others teachers). 65% of the children with a known guardian have
that guardian's consent. Schools hold 0-4 outreach activities. Each school has its own pace,
which its pupils, staff and families follow.

Courses are real rows: the project's courses/ synced with sync_courses, plus 12 generated
elective (not required) courses per tier, so that the distinct (learner, course) completions
fit. Then summary.rebuild (tier_progress) and, once lms/campaign/tally.py exists, its
rebuild (the kept coverage counts), each timed. No lesson progress, no quiz attempts, no
password hashes (bench/city_metrics.py sets the few it signs in with).

Speed: explicit ids, plain tuples, one executemany per 50k rows on SQLite and COPY on
PostgreSQL (psycopg), through the app's own engine. On PostgreSQL the load runs with
session_replication_role = replica, so the foreign keys' triggers are not fired for each row
(the generated rows are consistent by construction; the constraints stay in place).
Progress and timings are printed, and a summary in Markdown at the end (and in --record).
"""

import argparse
import json
import random
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PROJECT, database_url, fresh_database, load_average, make_app, write_courses  # noqa: E402

CHUNK = 50_000
TIERS = ("primary", "lower-secondary", "teacher", "parent", "official")
LEVEL_GRADES = {"tieu-hoc": range(1, 6), "thcs": range(6, 10), "th-thcs": range(1, 10)}
LEVEL_NAMES = {"tieu-hoc": "Tiểu học", "thcs": "THCS", "th-thcs": "TH&THCS", "mam-non": "Mầm non"}
STAGES = ("Mầm", "Chồi", "Lá")  # kindergarten classes by age: 3-4, 4-5, 5-6 years old
# Half of the units follow a plan of their own (lms.models.campaign.INDICATORS).
OWN_PLAN = {"primary": (100, None), "lower_secondary": (100, None), "managers_teachers": (90, None),
            "officials": (80, None), "parents": (70, None), "households": (60, None),
            "activities": (100, 2)}


@dataclass(frozen=True)
class Preset:
    units: int
    wards: int  # of the units, how many are wards (the others communes)
    levels: dict  # school level -> number of schools
    pupils: int
    children: int  # kindergarten, grade 0
    households: int
    parents: int
    staff: int
    officials: int
    completions: int

    def scaled(self, f: float) -> "Preset":
        if f == 1:
            return self
        levels = {lv: max(1, round(n * f)) for lv, n in self.levels.items()}
        units = max(1, min(round(self.units * f), sum(levels.values()) // 2))
        return replace(self, units=units, wards=max(1, round(self.wards / self.units * units)),
                       levels=levels, pupils=round(self.pupils * f),
                       children=round(self.children * f), households=round(self.households * f),
                       parents=round(self.parents * f), staff=round(self.staff * f),
                       officials=max(units, round(self.officials * f)),
                       completions=round(self.completions * f))


PRESETS = {
    "ward": Preset(units=1, wards=1, levels={"tieu-hoc": 100, "thcs": 70, "th-thcs": 30, "mam-non": 10},
                   pupils=150_000, children=3_000, households=130_000, parents=200_000,
                   staff=10_000, officials=20, completions=3_000_000),
    "city": Preset(units=100, wards=45,
                   levels={"tieu-hoc": 850, "thcs": 600, "th-thcs": 250, "mam-non": 300},
                   pupils=1_000_000, children=90_000, households=950_000, parents=2_000_000,
                   staff=60_000, officials=2_000, completions=10_000_000),
}


class Loader:
    """Bulk rows into one table through the app engine's raw DBAPI connection."""

    def __init__(self, engine):
        self.engine = engine
        self.pg = engine.dialect.name == "postgresql"
        self.raw = engine.raw_connection()
        self.dbapi = self.raw.driver_connection
        self.timings: dict[str, tuple[int, float]] = {}
        cur = self.dbapi.cursor()
        if self.pg:
            # Consistent generated rows: no per-row foreign-key trigger (superuser only).
            cur.execute("SET session_replication_role = replica")
            self.dbapi.commit()
        else:
            cur.execute("PRAGMA synchronous=OFF")  # a bulk load: durability is not the point
            cur.execute("PRAGMA cache_size=-1000000")
        cur.close()

    def load(self, table: str, columns: tuple, rows) -> int:
        from lms.extensions import db

        started, n = time.perf_counter(), 0
        sql_table = db.metadata.tables[table]
        processors = [sql_table.c[c].type.bind_processor(self.engine.dialect) for c in columns]
        convert = None if self.pg or not any(processors) else processors
        chunk = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK:
                n += self._write(table, columns, chunk, convert)
                chunk = []
                if n % 1_000_000 == 0:
                    print(f"  {table}: {n:,} ... {time.perf_counter() - started:.0f} s", flush=True)
        if chunk:
            n += self._write(table, columns, chunk, convert)
        if self.pg:  # explicit ids: move the sequence past them
            cur = self.dbapi.cursor()
            if "id" in columns:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT coalesce(max(id), 1) FROM {table}))")
            self.dbapi.commit()
        seconds = time.perf_counter() - started
        print(f"  {table}: {n:,} rows in {seconds:.1f} s ({n / max(seconds, 1e-9):,.0f}/s)",
              flush=True)
        rows_before, seconds_before = self.timings.get(table, (0, 0.0))
        self.timings[table] = (rows_before + n, seconds_before + seconds)
        return n

    def _write(self, table, columns, chunk, convert) -> int:
        cols = ", ".join(f'"{c}"' for c in columns)
        cur = self.dbapi.cursor()
        if self.pg:
            with cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                for row in chunk:
                    copy.write_row(row)
        else:
            if convert:
                chunk = [tuple(p(v) if p and v is not None else v for p, v in zip(convert, row))
                         for row in chunk]
            cur.execute("BEGIN")
            cur.executemany(f'INSERT INTO "{table}" ({cols}) VALUES '
                            f'({", ".join("?" * len(columns))})', chunk)
            cur.execute("COMMIT")
        cur.close()
        if self.pg:
            self.dbapi.commit()
        return len(chunk)

    def close(self):
        if self.pg:
            cur = self.dbapi.cursor()
            cur.execute("SET session_replication_role = origin")
            cur.close()
            self.dbapi.commit()
        self.raw.close()


def elective_specs(per_tier: int) -> list[dict]:
    return [{"slug": f"tu-chon-{tier}-{n:02d}", "title": f"Tự chọn {tier} {n:02d}",
             "audience": tier, "required": False, "lessons": 1}
            for tier in TIERS for n in range(1, per_tier + 1)]


def sizes_for(rng: random.Random, n: int, total: int, low: int, high: int, floor: int,
              ceiling: int) -> list[int]:
    """n class sizes of low-high each, nudged to add up to total within floor-ceiling."""
    floor, ceiling = min(floor, total // n), max(ceiling, -(-total // n))
    sizes = [rng.randint(low, high) for _ in range(n)]
    current = sum(sizes)
    while current != total:
        i = rng.randrange(n)
        if current > total and sizes[i] > floor:
            sizes[i] -= 1
            current -= 1
        elif current < total and sizes[i] < ceiling:
            sizes[i] += 1
            current += 1
    return sizes


def spread(rng: random.Random, slots: int, total: int) -> list[int]:
    """total items over slots, at least one each, the rest at random."""
    counts = [1] * slots
    for _ in range(max(0, total - slots)):
        counts[rng.randrange(slots)] += 1
    return counts


def choose_preset(args) -> tuple[str, Preset]:
    scale = "city" if args.city else args.scale
    if scale in PRESETS:
        return scale, PRESETS[scale].scaled(args.fraction)
    try:
        f = float(scale)
    except ValueError:
        sys.exit(f"--scale: ward, city or a number, not {scale!r}")
    return f"ward x {f:g}", PRESETS["ward"].scaled(f * args.fraction)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--scale", default="ward", help="ward, city, or a fraction of the ward")
    parser.add_argument("--city", action="store_true", help="the same as --scale city")
    parser.add_argument("--fraction", type=float, default=1.0, help="of the preset chosen")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--electives", type=int, default=12, help="generated courses per tier")
    parser.add_argument("--reset", action="store_true", help="empty the database first")
    parser.add_argument("--rebuild-only", action="store_true",
                        help="load nothing: time summary.rebuild and the kept counts' rebuild "
                             "on a database loaded before (its coverage_* tables made again "
                             "from the models, in case they changed since)")
    parser.add_argument("--record", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()
    url = database_url(args.database_url)
    preset_name, p = choose_preset(args)
    t0 = time.perf_counter()
    app = make_app(url)
    print(f"database: {url}; preset {preset_name} (x{args.fraction:g}); "
          f"load average {load_average()}", flush=True)
    steps: dict[str, float] = {}
    sizes, timings = {}, {}
    if args.rebuild_only:
        preset_name += ", rebuild only"
        remake_coverage_tables(app)
    else:
        step = time.perf_counter()
        fresh_database(app, reset=args.reset)
        steps["migrations"] = time.perf_counter() - step
        print(f"migrations: {steps['migrations']:.1f} s")
        sizes, timings = load_dataset(app, args, p, steps)
    dialect, size, counts = rebuild_counts(app, steps)
    total = time.perf_counter() - t0
    print("rows: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    print(f"\n{dialect}, preset {preset_name}, total {total:.0f} s, "
          f"database {size / 2**30:.2f} GiB ({size:,} bytes), load average {load_average()}")
    print("\n| step or table | rows | seconds | rows/s |\n|---|---|---|---|")
    for name, seconds in steps.items():
        print(f"| {name} | | {seconds:.1f} | |")
    for table, (n, seconds) in timings.items():
        print(f"| {table} | {n:,} | {seconds:.1f} | {n / max(seconds, 1e-9):,.0f} |")
    if args.record:
        args.record.write_text(json.dumps({
            "database": dialect, "preset": preset_name, "seed": args.seed,
            "sizes": sizes, "rows": counts, "steps": steps,
            "tables": {t: {"rows": n, "seconds": s} for t, (n, s) in timings.items()},
            "total_seconds": total, "database_bytes": size, "load_average": load_average(),
        }, indent=1))


def remake_coverage_tables(app) -> None:
    """Drop the kept counts' tables and make them again from the models."""
    from lms.extensions import db

    with app.app_context():
        tables = [t for name, t in db.metadata.tables.items() if name.startswith("coverage_")]
        db.metadata.drop_all(db.engine, tables=tables)
        db.metadata.create_all(db.engine, tables=tables)
        db.engine.dispose()


def load_dataset(app, args, p: Preset, steps: dict) -> tuple[dict, dict]:
    """Generate the people and their completions and load them; (sizes, per-table timings)."""
    from sqlalchemy import select

    from lms.content.sync import sync_courses
    from lms.demo.names import person_name
    from lms.extensions import db
    from lms.models import Course, CourseAudience, QuizVersion
    from lms.models.base import today_in_vietnam
    from lms.models.campaign import DEFAULT_TARGETS
    from lms.people.names import name_sort_key
    from lms.people.school_year import school_year_for, school_year_start

    rng = random.Random(args.seed)
    key = lru_cache(maxsize=None)(name_sort_key)
    with app.app_context():
        step = time.perf_counter()
        report = sync_courses(db.session, PROJECT / "courses")
        assert not report.problems.errors, report.problems.errors
        with tempfile.TemporaryDirectory() as tmp:
            write_courses(Path(tmp), elective_specs(args.electives))
            extra = sync_courses(db.session, Path(tmp))
            assert not extra.problems.errors, extra.problems.errors
        steps["courses"] = time.perf_counter() - step
        print(f"courses: {len(report.added)} from courses/ + {len(extra.added)} electives "
              f"in {steps['courses']:.1f} s")
        required, electives, quizzes = {t: [] for t in TIERS}, {t: [] for t in TIERS}, set()
        for course_id, tier, is_required in db.session.execute(
                select(Course.id, CourseAudience.audience, Course.required)
                .join(CourseAudience, CourseAudience.course_id == Course.id)
                .where(Course.retired_at.is_(None)).order_by(Course.id)):
            (required if is_required else electives)[tier].append(course_id)
        quizzes.update(db.session.scalars(select(QuizVersion.course_id)
                                          .where(QuizVersion.retired_at.is_(None))))
        db.session.commit()

        today = today_in_vietnam()
        start, year = school_year_start(today), school_year_for(today)
        ends = date(start.year + 1, 5, 31)
        elapsed = max(1, (min(today, ends) - start).days)
        load = Loader(db.engine)
        now = datetime.now()
        generating = time.perf_counter()

        # The city (id 1) and its wards and communes (ids 2...), each with its plan.
        units = [(1, "TP-DO", "Thành phố đo hiệu năng", "city", None)]
        for k in range(1, p.units + 1):
            kind = "ward" if k <= p.wards else "commune"
            units.append((k + 1, f"{'P' if kind == 'ward' else 'X'}{k:03d}",
                          f"{'Phường' if kind == 'ward' else 'Xã'} đo hiệu năng {k:03d}", kind, 1))
        local = [u[0] for u in units[1:]]
        campaigns, targets = [], []
        for index, (uid, _code, name, kind, _parent) in enumerate(units):
            campaigns.append((uid, uid, f"Bình dân học vụ số {name} năm học {year}", start, ends,
                              now))
            if kind == "city":
                plan = {**{g: (t, None) for g, t in DEFAULT_TARGETS.items()}, "officials": (None, None)}
            elif index % 2:
                plan = {g: (t, None) for g, t in DEFAULT_TARGETS.items()}
            else:
                plan = OWN_PLAN
            targets += [(uid, g, t, m) for g, (t, m) in plan.items()]

        # Schools, spread over the units (wards larger than communes), every unit one at least.
        levels = [lv for lv, n in p.levels.items() for _ in range(n)]
        rng.shuffle(levels)
        weights = [rng.uniform(0.8, 1.6) if u[3] == "ward" else rng.uniform(0.4, 1.0)
                   for u in units[1:]]
        school_unit = local + rng.choices(local, weights, k=max(0, len(levels) - len(local)))
        schools = [(i + 1, school_unit[i], f"T{i + 1:04d}", f"Trường {LEVEL_NAMES[lv]} số {i + 1}", lv)
                   for i, lv in enumerate(levels)]
        unit_of = {sid: uid for sid, uid, *_ in schools}
        pace = {sid: rng.uniform(0.15, 0.9) for sid, *_ in schools}
        unit_pace = {uid: rng.uniform(0.2, 0.9) for uid in local}
        pupil_slots = [(sid, g) for sid, _u, _c, _n, lv in schools if lv != "mam-non"
                       for g in LEVEL_GRADES[lv]]
        child_slots = [(sid, s) for sid, _u, _c, _n, lv in schools if lv == "mam-non"
                       for s in range(len(STAGES))]
        per_pupil_slot = spread(rng, len(pupil_slots), round(p.pupils / 40))
        per_child_slot = spread(rng, len(child_slots), round(p.children / 30)) if p.children else []
        pupil_sizes = sizes_for(rng, sum(per_pupil_slot), p.pupils, 35, 45, 30, 50)
        child_sizes = (sizes_for(rng, sum(per_child_slot), p.children, 25, 35, 20, 40)
                       if child_slots and p.children else [])

        # Classes first (without the homeroom teacher), to spread the staff by classes.
        classes = []  # [id, school, name, grade, stage or None, size]
        for (sid, grade), count in zip(pupil_slots, per_pupil_slot):
            for k in range(count):
                classes.append([len(classes) + 1, sid, f"{grade}A{k + 1}", grade, None])
        for (sid, stage), count in zip(child_slots, per_child_slot):
            for k in range(count):
                classes.append([len(classes) + 1, sid, f"{STAGES[stage]} A{k + 1}", 0, stage])
        for c, size in zip(classes, pupil_sizes + child_sizes, strict=True):
            c.append(size)
        classes_at = {}
        for c in classes:
            classes_at[c[1]] = classes_at.get(c[1], 0) + 1
        ratio = p.staff / max(1, len(classes))
        staff_at = {sid: max(6, round(classes_at.get(sid, 1) * ratio)) for sid, *_ in schools}
        total_staff, sids = sum(staff_at.values()), list(staff_at)
        while total_staff != p.staff:
            sid = rng.choice(sids)
            if total_staff > p.staff and staff_at[sid] > 6:
                staff_at[sid], total_staff = staff_at[sid] - 1, total_staff - 1
            elif total_staff < p.staff:
                staff_at[sid], total_staff = staff_at[sid] + 1, total_staff + 1

        # Users: the city admin 1, the unit admins, staff, officials, children, parents.
        # Tuples in user_cols order, ids increasing.
        user_cols = ("id", "role", "tier", "username", "phone", "full_name", "name_key",
                     "school_id", "unit_id", "staff_role", "staff_from", "staff_until",
                     "student_code", "date_of_birth", "household_id", "active", "created_at")
        users, learners = [], []  # learners: (user id, tier, pace)
        users.append((1, "city_admin", None, "thanhpho", None, "Quản trị thành phố",
                      key("Quản trị thành phố"), None, 1, None, None, None, None, None, None, True,
                      now))
        next_id, phone = 2, 900_000_000
        for uid, code, name, _kind, _parent in units[1:]:
            admin = f"Quản trị {name}"
            users.append((next_id, "ward_admin", None, f"donvi{uid - 1:03d}", None, admin,
                          key(admin), None, uid, None, None, None, None, None, None, True, now))
            next_id += 1
        teachers_at = {}
        for sid, *_ in schools:
            teachers_at[sid] = []
            for k in range(staff_at[sid]):
                name = person_name(rng)
                left = start - timedelta(days=30) if rng.random() < 0.02 else None
                role = "principal" if k == 0 else ("staff" if k % 10 == 9 else "teacher")
                users.append((next_id, "school_admin" if k == 0 else "teacher", "teacher",
                              f"ht{sid:04d}" if k == 0 else None, f"0{phone}", name, key(name),
                              sid, None, role, date(start.year - 3, 8, 1), left, None, None, None,
                              True, now))
                if not left:
                    learners.append((next_id, "teacher", pace[sid] * 0.9))
                    if role == "teacher":
                        teachers_at[sid].append(next_id)
                next_id, phone = next_id + 1, phone + 1
        for n, uid in enumerate(local * (p.officials // len(local) + 1)):
            if n >= p.officials:
                break
            name = person_name(rng)
            users.append((next_id, "official", "official", None, f"0{phone}", name, key(name),
                          None, uid, None, date(start.year - 4, 1, 1), None, None, None, None,
                          True, now))
            learners.append((next_id, "official", unit_pace[uid]))
            next_id, phone = next_id + 1, phone + 1

        # Children: a sibling of a child of the same unit, or a household of their own.
        sibling_rate = max(0.0, 1 - p.households / max(1, p.pupils + p.children))
        households_of_unit = {uid: [] for uid in local}
        children_of = {}  # household -> [child ids]
        placed = {}  # child id -> (class id, school, grade)
        n_households = 0
        for c in classes:
            cid, sid, _name, grade, stage, size = c
            c.append(teachers_at[sid][cid % len(teachers_at[sid])] if teachers_at[sid] else None)
            uid = unit_of[sid]
            tier = None if grade == 0 else ("primary" if grade <= 5 else "lower-secondary")
            age = 5 + grade if grade else 3 + stage
            for _ in range(size):
                mine = households_of_unit[uid]
                if mine and rng.random() < sibling_rate:
                    household = rng.choice(mine)
                else:
                    n_households += 1
                    household = n_households
                    mine.append(household)
                    children_of[household] = []
                children_of[household].append(next_id)
                name = person_name(rng)
                users.append((next_id, "pupil", tier, None, None, name, key(name), None, None,
                              None, None, None, f"HS{next_id:08d}",
                              date(start.year - age, rng.randint(1, 12), rng.randint(1, 28)),
                              household, True, now))
                if tier:
                    learners.append((next_id, tier, pace[sid]))
                placed[next_id] = (cid, sid, grade)
                next_id += 1
        del households_of_unit

        # Guardians: 8% of households none, the others 1-4, adding up to p.parents.
        with_guardians = [h for h in range(1, n_households + 1) if rng.random() >= 0.08]
        guardians_of = dict.fromkeys(with_guardians, 1)
        extra = p.parents - len(with_guardians)
        rng.shuffle(with_guardians)
        for _level in (2, 3, 4):
            take = max(0, min(len(with_guardians), extra))
            for h in with_guardians[:take]:
                guardians_of[h] += 1
            extra -= take
        with_guardians.sort()
        guardianships, consents = [], []
        for h in with_guardians:
            kids = children_of[h]
            family_pace = pace[placed[kids[0]][1]] * 0.8
            first = next_id
            for _g in range(guardians_of[h]):
                name = person_name(rng)
                users.append((next_id, "parent", "parent", None, f"0{phone}", name, key(name),
                               None, None, None, None, None, None, None, h, True, now))
                learners.append((next_id, "parent", family_pace))
                guardianships += [(next_id, kid, now) for kid in kids]
                next_id, phone = next_id + 1, phone + 1
            for kid in kids:
                if rng.random() < 0.65:
                    given = start + timedelta(days=rng.randint(0, elapsed))
                    consents.append((len(consents) + 1, kid, "guardian", first, "pairing", given,
                                     datetime.combine(given, datetime.min.time())))
        del guardians_of
        guardianships.sort()
        enrollments = []
        slot_classes = {}
        for c in classes:
            slot_classes.setdefault((c[1], c[3], c[4]), []).append(c[0])
        stage_of = {c[0]: c[4] for c in classes}
        for kid, (cid, sid, grade) in placed.items():
            if rng.random() < 0.01:  # moved class during the period
                enrollments.append((len(enrollments) + 1, kid,
                                    rng.choice(slot_classes[(sid, grade, stage_of[cid])]),
                                    start, start + timedelta(days=20)))
                enrollments.append((len(enrollments) + 1, kid, cid, start + timedelta(days=21), None))
            else:
                enrollments.append((len(enrollments) + 1, kid, cid, start, None))
        del placed, slot_classes, stage_of
        activities = []
        for sid, *_ in schools:
            for k in range(rng.randint(0, 4)):
                activities.append((len(activities) + 1, sid,
                                   start + timedelta(days=rng.randint(0, elapsed)),
                                   f"Hoạt động lan tỏa {k + 1}", "community",
                                   rng.randint(20, 300), "", 1, now))
        steps["generating people"] = time.perf_counter() - generating
        print(f"generated {len(users):,} users, {len(learners):,} learners in "
              f"{steps['generating people']:.1f} s", flush=True)

        load.load("units", ("id", "code", "name", "kind", "parent_id"), units)
        load.load("campaigns", ("id", "unit_id", "name", "starts_on", "ends_on", "created_at"),
                  campaigns)
        load.load("campaign_targets", ("campaign_id", "group", "percent", "minimum"), targets)
        load.load("schools", ("id", "unit_id", "code", "name", "level"), schools)
        load.load("households", ("id", "created_at"), ((h, now) for h in range(1, n_households + 1)))
        load.load("users", user_cols, users)
        n_users = len(users)
        del users
        load.load("classrooms", ("id", "school_id", "name", "grade", "school_year",
                                 "homeroom_teacher_id", "signin_code"),
                  [(cid, sid, name, grade, year, homeroom, f"C{cid:07d}")
                   for cid, sid, name, grade, _stage, _size, homeroom in classes])
        load.load("enrollments", ("id", "pupil_id", "classroom_id", "started_on", "ended_on"),
                  enrollments)
        load.load("guardianships", ("guardian_id", "pupil_id", "created_at"), guardianships)
        load.load("consents", ("id", "pupil_id", "kind", "given_by_id", "source", "given_on",
                               "recorded_at"), consents)
        load.load("outreach_activities", ("id", "school_id", "held_on", "title", "kind",
                                          "participants", "notes", "created_by_id",
                                          "created_at"), activities)
        sizes = {"units": len(local), "schools": len(schools),
                 "preschools": p.levels.get("mam-non", 0), "classes": len(classes),
                 "pupils": p.pupils, "kindergarten children": p.children,
                 "households": n_households, "parents": p.parents,
                 "guardianships": len(guardianships), "consents": len(consents),
                 "staff": p.staff, "officials": p.officials, "users": n_users,
                 "enrollments": len(enrollments), "activities": len(activities)}
        del enrollments, guardianships, consents, children_of

        # Completions: required courses by school pace, then electives up to the total.
        plan, required_total = [], 0
        for _uid, tier, pc in learners:
            roll = rng.random()
            n_required = len(required[tier]) if roll < pc else (
                1 if roll < pc + (1 - pc) * 0.4 else 0)
            plan.append(n_required)
            required_total += n_required
        weights = [0.3 + pc for _uid, _t, pc in learners]
        # Electives per learner ~ scale_e * weight, at most the tier's pool: scale_e solved
        # with the caps, aiming 0.1% above the figure so that rounding never falls short.
        wanted = max(0, p.completions * 1.001 - required_total)
        scale_e = wanted / sum(weights)
        for _ in range(4):
            expected = sum(min(len(electives[t]), scale_e * w)
                           for (_u, t, _p), w in zip(learners, weights))
            scale_e *= wanted / max(expected, 1)
        opens = datetime.combine(start, datetime.min.time())

        def when() -> datetime:
            if rng.random() < 0.03:  # last school year: outside the period
                moment = opens - timedelta(days=rng.randint(30, 200), hours=-rng.randint(7, 21))
            else:
                moment = opens + timedelta(days=int(elapsed * rng.random() ** 0.7),
                                           hours=rng.randint(7, 21), minutes=rng.randint(0, 59))
            return moment - timedelta(hours=7)  # stored in UTC

        def completions():
            cid = 0
            for (uid, tier, _p), n_required, w in zip(learners, plan, weights):
                chosen = required[tier][:n_required]
                pool = electives[tier]
                k = min(len(pool), int(scale_e * w + rng.random()))
                chosen += rng.sample(pool, k)
                for course in sorted(chosen):
                    cid += 1
                    yield (cid, uid, course, when(),
                           float(rng.choice((80, 90, 100))) if course in quizzes else None)

        sizes["completions"] = load.load(
            "completions", ("id", "user_id", "course_id", "completed_at", "score"), completions())
        load.close()
        del learners, plan, weights
        db.session.rollback()
    return sizes, load.timings



def rebuild_counts(app, steps: dict) -> tuple[str, int, dict]:
    """summary.rebuild, then the kept counts' rebuild, each timed; VACUUM ANALYZE on
    PostgreSQL. Returns (dialect, database size in bytes, rows per table)."""
    from sqlalchemy import text

    from lms.campaign import summary
    from lms.extensions import db

    with app.app_context():
        step = time.perf_counter()
        summary.rebuild(db.session)
        db.session.flush()
        steps["summary.rebuild (tier_progress)"] = time.perf_counter() - step
        print(f"summary.rebuild: {steps['summary.rebuild (tier_progress)']:.1f} s", flush=True)
        try:
            from lms.campaign import tally
        except ImportError:
            tally = None
            print("lms/campaign/tally.py: not there yet, no kept counts to rebuild")
        # summary.rebuild asks for every plan's kept counts to be rebuilt when the
        # transaction commits (tally.settle): timed apart, as the commit.
        marked = tally is not None and (db.session.info.get("tally") or {}).get("plans", ()) is None
        step = time.perf_counter()
        db.session.commit()
        if marked:
            steps["tally.rebuild (kept counts, at the commit)"] = time.perf_counter() - step
        elif tally is not None:
            step = time.perf_counter()
            tally.rebuild(db.session)
            db.session.commit()
            steps["tally.rebuild (kept counts)"] = time.perf_counter() - step
        for name, seconds in steps.items():
            if name.startswith("tally"):
                print(f"{name}: {seconds:.1f} s", flush=True)
        dialect = db.engine.dialect.name
        if dialect == "postgresql":
            step = time.perf_counter()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
            steps["VACUUM ANALYZE"] = time.perf_counter() - step
            print(f"VACUUM ANALYZE: {steps['VACUUM ANALYZE']:.1f} s")
            size = db.session.scalar(text("SELECT pg_database_size(current_database())"))
        else:
            db.session.commit()
            size = Path(db.engine.url.database).stat().st_size
        counts = {t: db.session.scalar(text(f'SELECT count(*) FROM "{t}"')) for t in (
            "units", "schools", "classrooms", "users", "households", "guardianships",
            "enrollments", "consents", "completions", "tier_progress", "courses")}
        if tally is not None:
            counts.update({t: db.session.scalar(text(f'SELECT count(*) FROM "{t}"'))
                           for t in sorted(db.metadata.tables) if t.startswith("coverage_")})
        db.session.rollback()
    return dialect, size, counts


if __name__ == "__main__":
    main()
