"""A city-sized dataset for the campaign metrics, loaded fast into an EMPTY database.

    .venv/bin/python bench/city_dataset.py --database-url sqlite:////tmp/city/city.sqlite3
    ./scripts/with-postgres.sh .venv/bin/python bench/city_dataset.py      # uses DATABASE_URL
    (--scale 0.1 for a tenth of everything; --seed N; see --help)

What it makes (scale 1): one Unit with 200 schools (100 primary, 70 lower-secondary,
30 combined), 150,000 pupils in ~3,750 classes of 35-45 (grades matching the school's level;
1% moved class during the period), 130,000 households (siblings share one), 200,000 parents
(0-2 guardians per household), 10,000 staff (50 per school, one principal; 2% left before the
period), a Campaign for the current school year with the default targets, outreach activities,
and 3,000,000 completions spread over the period (3% before it). Courses are real rows: the
project's courses/ synced with sync_courses, plus 12 generated elective (not required) courses
per tier so that 3M distinct (learner, course) completions fit (19 courses alone allow ~1.7M).
Then summary.rebuild. No lesson progress, no quiz attempts, no password hashes.

Speed: explicit ids, plain tuples, one executemany per 50k rows on SQLite and COPY on
PostgreSQL (psycopg), through the app's own engine; progress and timings are printed.
"""

import argparse
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PROJECT, database_url, fresh_database, make_app, write_courses  # noqa: E402

CHUNK = 50_000
TIERS = ("primary", "lower-secondary", "teacher", "parent")


class Loader:
    """Bulk rows into one table through the app engine's raw DBAPI connection."""

    def __init__(self, engine):
        self.engine = engine
        self.pg = engine.dialect.name == "postgresql"
        self.raw = engine.raw_connection()
        self.dbapi = self.raw.driver_connection
        if not self.pg:
            cur = self.dbapi.cursor()
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
                if n % 500_000 == 0:
                    print(f"  {table}: {n:,} ...", flush=True)
        if chunk:
            n += self._write(table, columns, chunk, convert)
        if self.pg:  # explicit ids: move the sequence past them
            cur = self.dbapi.cursor()
            if "id" in columns:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT coalesce(max(id), 1) FROM {table}))")
            self.dbapi.commit()
        seconds = time.perf_counter() - started
        print(f"  {table}: {n:,} rows in {seconds:.1f} s ({n / max(seconds, 1e-9):,.0f}/s)")
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
        self.raw.close()


def elective_specs(per_tier: int) -> list[dict]:
    return [{"slug": f"tu-chon-{tier}-{n:02d}", "title": f"Tự chọn {tier} {n:02d}",
             "audience": tier, "required": False, "lessons": 1}
            for tier in TIERS for n in range(1, per_tier + 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--electives", type=int, default=12, help="generated courses per tier")
    args = parser.parse_args()
    url = database_url(args.database_url)
    s = args.scale
    n_schools, n_pupils = max(10, round(200 * s)), round(150_000 * s)
    n_households, n_parents = round(130_000 * s), round(200_000 * s)
    n_staff_per_school, n_completions = 50, round(3_000_000 * s)
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    app = make_app(url)
    print(f"database: {url}")
    step = time.perf_counter()
    fresh_database(app)
    print(f"migrations: {time.perf_counter() - step:.1f} s")

    from sqlalchemy import select, text

    from lms.campaign import summary
    from lms.content.sync import sync_courses
    from lms.demo.names import person_name
    from lms.extensions import db
    from lms.models import Course, CourseAudience, QuizVersion
    from lms.models.campaign import DEFAULT_TARGETS
    from lms.people.names import name_sort_key
    from lms.people.school_year import school_year_for, school_year_start

    key = lru_cache(maxsize=None)(name_sort_key)
    with app.app_context():
        step = time.perf_counter()
        report = sync_courses(db.session, PROJECT / "courses")
        assert not report.problems.errors, report.problems.errors
        with tempfile.TemporaryDirectory() as tmp:
            write_courses(Path(tmp), elective_specs(args.electives))
            extra = sync_courses(db.session, Path(tmp))
            assert not extra.problems.errors, extra.problems.errors
        print(f"courses: {len(report.added)} from courses/ + {len(extra.added)} electives "
              f"in {time.perf_counter() - step:.1f} s")
        required, electives, quizzes = {t: [] for t in TIERS}, {t: [] for t in TIERS}, set()
        for course_id, tier, is_required in db.session.execute(
                select(Course.id, CourseAudience.audience, Course.required)
                .join(CourseAudience, CourseAudience.course_id == Course.id)
                .where(Course.retired_at.is_(None)).order_by(Course.id)):
            (required if is_required else electives)[tier].append(course_id)
        quizzes.update(db.session.scalars(select(QuizVersion.course_id)
                                          .where(QuizVersion.retired_at.is_(None))))
        db.session.commit()

        today = date.today()
        start, year = school_year_start(today), school_year_for(today)
        ends = date(start.year + 1, 5, 31)
        load = Loader(db.engine)
        now = datetime.now()
        load.load("units", ("id", "code", "name"), [(1, "CITY", "Thành phố đo hiệu năng")])
        load.load("campaigns", ("id", "unit_id", "name", "starts_on", "ends_on", "created_at"),
                  [(1, 1, f"Bình dân học vụ số năm học {year}", start, ends, now)])
        load.load("campaign_targets", ("campaign_id", "group", "percent"),
                  [(1, g, p) for g, p in DEFAULT_TARGETS.items()])

        # Schools and their (grade, class count) slots.
        levels = ["tieu-hoc"] * 100 + ["thcs"] * 70 + ["th-thcs"] * 30
        levels = [levels[round(i * 200 / n_schools) % 200] for i in range(n_schools)]
        grades = {"tieu-hoc": range(1, 6), "thcs": range(6, 10), "th-thcs": range(1, 10)}
        schools = [(i + 1, 1, f"T{i + 1:03d}", f"Trường {lv} số {i + 1}", lv)
                   for i, lv in enumerate(levels)]
        load.load("schools", ("id", "unit_id", "code", "name", "level"), schools)
        pace = {sid: rng.uniform(0.15, 0.9) for sid, *_ in schools}
        slots = [(sid, g) for sid, _u, _c, _n, lv in schools for g in grades[lv]]
        n_classes = max(len(slots), round(n_pupils / 40))
        per_slot = [1] * len(slots)
        for _ in range(n_classes - len(slots)):
            per_slot[rng.randrange(len(slots))] += 1
        sizes = [rng.randint(35, 45) for _ in range(n_classes)]
        while sum(sizes) != n_pupils:  # nudge to the exact total, keeping 30-50 per class
            i = rng.randrange(n_classes)
            if sum(sizes) > n_pupils and sizes[i] > 30:
                sizes[i] -= 1
            elif sum(sizes) < n_pupils and sizes[i] < 50:
                sizes[i] += 1

        households = [(h + 1, now) for h in range(n_households)]
        load.load("households", ("id", "created_at"), households)

        # Users: ward admin 1, staff, pupils, parents. Tuples in USER_COLS order.
        user_cols = ("id", "role", "tier", "username", "phone", "full_name", "name_key",
                     "school_id", "staff_role", "staff_from", "staff_until", "student_code",
                     "date_of_birth", "household_id", "active", "created_at")
        users, learners = [], []  # learners: (user id, tier, pace)
        users.append((1, "ward_admin", None, "phuong", None, "Quản trị phường",
                      key("Quản trị phường"), None, None, None, None, None, None, None, True, now))
        next_id, phone = 2, 900_000_000
        staff_by_school = {}
        for sid, *_ in schools:
            staff_by_school[sid] = []
            for k in range(n_staff_per_school):
                name = person_name(rng)
                left = start - timedelta(days=30) if rng.random() < 0.02 else None
                users.append((next_id, "school_admin" if k == 0 else "teacher", "teacher", None,
                              f"0{phone}", name, key(name), sid,
                              "principal" if k == 0 else ("staff" if k % 10 == 9 else "teacher"),
                              date(start.year - 3, 8, 1), left, None, None, None, True, now))
                if not left:
                    learners.append((next_id, "teacher", pace[sid] * 0.9))
                staff_by_school[sid].append(next_id)
                next_id, phone = next_id + 1, phone + 1
        classes, enrollments, pupil_rows = [], [], []
        class_id, pupil_index = 0, 0
        pupils_by_household = {}
        for (sid, grade), count in zip(slots, per_slot):
            for k in range(count):
                class_id += 1
                homeroom = staff_by_school[sid][1 + (class_id % (n_staff_per_school - 1))]
                classes.append((class_id, sid, f"{grade}A{k + 1}", grade, year, homeroom,
                                f"C{class_id:06d}", (sid, grade)))
        tier_of = {}
        for (cid, sid, _name, grade, *_rest), size in zip(classes, sizes):
            tier = "primary" if grade <= 5 else "lower-secondary"
            for _ in range(size):
                household = pupil_index + 1 if pupil_index < n_households else \
                    rng.randint(1, n_households)
                name = person_name(rng)
                pupil_rows.append((next_id, "pupil", tier, None, None, name, key(name), None, None,
                                   None, None, f"HS{next_id:08d}",
                                   date(start.year - 5 - grade, rng.randint(1, 12),
                                        rng.randint(1, 28)), household, True, now))
                pupils_by_household.setdefault(household, []).append(next_id)
                learners.append((next_id, tier, pace[sid]))
                tier_of[next_id] = (cid, sid, grade)
                next_id, pupil_index = next_id + 1, pupil_index + 1
        users += pupil_rows
        # Guardians: 8% of households none, the rest 1 or 2, adding up to n_parents.
        with_guardians = [h for h in range(1, n_households + 1) if rng.random() >= 0.08]
        twos = max(0, min(len(with_guardians), n_parents - len(with_guardians)))
        guardianships = []
        family_pace = {}
        for h in with_guardians:
            first_pupil = pupils_by_household[h][0]
            family_pace[h] = pace[tier_of[first_pupil][1]] * 0.8
        rng.shuffle(with_guardians)
        for index, h in enumerate(with_guardians):
            for _g in range(2 if index < twos else 1):
                name = person_name(rng)
                users.append((next_id, "parent", "parent", None, f"0{phone}", name, key(name),
                               None, None, None, None, None, None, h, True, now))
                learners.append((next_id, "parent", family_pace[h]))
                guardianships += [(next_id, p, now) for p in pupils_by_household[h]]
                next_id, phone = next_id + 1, phone + 1
        users.sort()
        load.load("users", user_cols, users)
        del users, pupil_rows
        load.load("classrooms", ("id", "school_id", "name", "grade", "school_year",
                                 "homeroom_teacher_id", "signin_code"),
                  [c[:7] for c in classes])
        by_slot = {}
        for c in classes:
            by_slot.setdefault(c[7], []).append(c[0])
        enrollment_id = 0
        for uid, (cid, sid, grade) in sorted(tier_of.items()):
            if rng.random() < 0.01:  # moved class during the period
                enrollment_id += 1
                enrollments.append((enrollment_id, uid, rng.choice(by_slot[(sid, grade)]),
                                    start, start + timedelta(days=20)))
                enrollment_id += 1
                enrollments.append((enrollment_id, uid, cid, start + timedelta(days=21), None))
            else:
                enrollment_id += 1
                enrollments.append((enrollment_id, uid, cid, start, None))
        load.load("enrollments", ("id", "pupil_id", "classroom_id", "started_on", "ended_on"),
                  enrollments)
        guardianships.sort()
        load.load("guardianships", ("guardian_id", "pupil_id", "created_at"), guardianships)
        activities, elapsed = [], max(1, (today - start).days)
        for sid, *_ in schools:
            for k in range(rng.randint(0, 4)):
                activities.append((len(activities) + 1, sid,
                                   start + timedelta(days=rng.randint(0, elapsed)),
                                   f"Hoạt động lan tỏa {k + 1}", "community",
                                   rng.randint(20, 300), "", 1, now))
        load.load("outreach_activities", ("id", "school_id", "held_on", "title", "kind",
                                          "participants", "notes", "created_by_id",
                                          "created_at"), activities)
        print(f"people: {len(learners):,} learners")

        # Completions: required courses by school pace, then electives up to the total.
        plan, required_total = [], 0
        for uid, tier, p in learners:
            roll = rng.random()
            n_required = len(required[tier]) if roll < p else (
                1 if roll < p + (1 - p) * 0.4 else 0)
            plan.append(n_required)
            required_total += n_required
        weights = [0.3 + p for _uid, _t, p in learners]
        scale_e = max(0, n_completions - required_total) / sum(weights)
        span = max(1, (min(today, ends) - start).days)
        opens = datetime.combine(start, datetime.min.time())

        def when() -> datetime:
            if rng.random() < 0.03:  # last school year: outside the period
                local = opens - timedelta(days=rng.randint(30, 200), hours=-rng.randint(7, 21))
            else:
                local = opens + timedelta(days=int(span * rng.random() ** 0.7),
                                          hours=rng.randint(7, 21), minutes=rng.randint(0, 59))
            return local - timedelta(hours=7)  # stored in UTC

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

        load.load("completions", ("id", "user_id", "course_id", "completed_at", "score"),
                  completions())
        load.close()

        step = time.perf_counter()
        summary.rebuild(db.session)
        db.session.commit()
        print(f"summary.rebuild: {time.perf_counter() - step:.1f} s")
        step = time.perf_counter()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
            print(f"VACUUM ANALYZE: {time.perf_counter() - step:.1f} s")
        counts = {t: db.session.scalar(text(f'SELECT count(*) FROM "{t}"')) for t in (
            "schools", "classrooms", "users", "households", "guardianships", "enrollments",
            "completions", "tier_progress", "courses")}
        print("rows: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    print(f"total: {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
