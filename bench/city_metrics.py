"""Time every dashboard page on a dataset made by bench/city_dataset.py, cold (issue 15).

    .venv/bin/python bench/city_metrics.py --database-url sqlite:////tmp/city/ward.sqlite3
    bench/city_postgres.sh run .venv/bin/python bench/city_metrics.py

Each page is requested through the real app (Flask's test client, in-process, each request
with its own app context and database session, as under gunicorn), signed in as the person
who sees it:

- the city page: GET /dashboard/ as the city admin (the city under its plan and every ward
  and commune under its own);
- the unit page: GET /dashboard/ as the admin of the largest ward or commune (by pupils);
- the school page: GET /dashboard/schools/<id> as the principal of that unit's largest school;
- the class page: GET /teach/classes/<id> as the homeroom teacher of that school's largest
  class (the progress matrix, the teacher's daily page);
- and the city admin's drill-down to the same unit and school.

"Cold": nothing stored beforehand. METRICS_LIVE_SECONDS is 0 (no stored figure is used or
stored) and every stored figure is dropped before each request (lms.campaign.snapshots, as
long as that module exists). The kept counts (lms/campaign/tally.py) are not "stored
figures": they are the data, kept in each transaction. Each page is requested once to warm
the process (imports, templates, the database's cache), then --runs times; min, median and
max wall time are printed, with the statements each request ran and the 1-minute load
average around the runs (2 cores shared with other work skew every figure).

Then the cost of one completion: lms.learning.progress.record_completion of a required course
for learners who lack it (pupils, parents, teachers of that school), with the kept counts
brought up to date (tally.settle, what the commit does) and without (the same call with
tally.settle skipped), each in its own transaction, rolled back so that the dataset stays as
loaded.
"""

import argparse
import html
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import database_url, load_average, make_app  # noqa: E402

PASSWORD = "bench-password-15"


def sign_in(app, username: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"login": username, "password": PASSWORD,
                                           "csrf_token": token})
    if response.status_code != 302:
        sys.exit(f"sign-in of {username}: HTTP {response.status_code}")
    return client


def choose(session):
    """The city admin, the largest unit and its admin, its largest school and principal, the
    school's largest class and its homeroom teacher."""
    from sqlalchemy import func, select

    from lms.models import Classroom, Enrollment, School, Unit, User

    pupils = func.count(Enrollment.id)
    city_admin = session.scalar(select(User).where(User.role == "city_admin").order_by(User.id))
    unit = session.scalar(
        select(Unit).join(School, School.unit_id == Unit.id)
        .join(Classroom, Classroom.school_id == School.id)
        .join(Enrollment, Enrollment.classroom_id == Classroom.id)
        .where(Enrollment.ended_on.is_(None)).group_by(Unit.id).order_by(pupils.desc()).limit(1))
    unit_admin = session.scalar(select(User).where(User.role == "ward_admin", User.unit_id == unit.id)
                                .order_by(User.id))
    school = session.scalar(
        select(School).join(Classroom, Classroom.school_id == School.id)
        .join(Enrollment, Enrollment.classroom_id == Classroom.id)
        .where(School.unit_id == unit.id, Enrollment.ended_on.is_(None))
        .group_by(School.id).order_by(pupils.desc()).limit(1))
    principal = session.scalar(select(User).where(User.role == "school_admin",
                                                  User.school_id == school.id).order_by(User.id))
    room = session.scalar(
        select(Classroom).join(Enrollment, Enrollment.classroom_id == Classroom.id)
        .where(Classroom.school_id == school.id, Enrollment.ended_on.is_(None),
               Classroom.homeroom_teacher_id.is_not(None))
        .group_by(Classroom.id).order_by(pupils.desc(), Classroom.id).limit(1))
    teacher = session.get(User, room.homeroom_teacher_id)
    return city_admin, unit, unit_admin, school, principal, room, teacher


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--completions", type=int, default=20, help="per kind of learner")
    args = parser.parse_args()
    url = database_url(args.database_url)
    app = make_app(url)
    app.config["METRICS_LIVE_SECONDS"] = 0
    with app.app_context():  # a database kept between runs follows the code's migrations
        from flask_migrate import upgrade

        upgrade()

    from sqlalchemy import event, func, select

    from lms.accounts import hash_password
    from lms.extensions import db
    from lms.models import Completion, User

    try:
        from lms.campaign import snapshots
    except ImportError:
        snapshots = None

    with app.app_context():
        session = db.session
        people = session.scalar(select(func.count()).select_from(User))
        completions = session.scalar(select(func.count()).select_from(Completion))
        city_admin, unit, unit_admin, school, principal, room, teacher = choose(session)
        for n, user in enumerate((city_admin, unit_admin, principal, teacher)):
            user.username = user.username or f"bench15-{n}-{user.id}"
            user.password_hash = hash_password(PASSWORD)
        names = [u.username for u in (city_admin, unit_admin, principal, teacher)]
        dialect = db.engine.dialect.name
        print(f"{dialect}: {people:,} users, {completions:,} completions; unit {unit.code} "
              f"({unit.kind}), school {school.code}, class {room.name} (id {room.id}); "
              f"load average {load_average()}", flush=True)
        unit_id, school_id, room_id, school_code = unit.id, school.id, room.id, school.code
        unit_name, school_name, room_name = unit.name, school.name, room.name
        session.commit()

    clients = {name: sign_in(app, name) for name in names}
    city_c, unit_c, school_c, class_c = (clients[n] for n in names)
    # (what, client, path, a text the page must show: the right page, not an empty one)
    pages = [
        ("city page, city admin: GET /dashboard/", city_c, "/dashboard/", "đo hiệu năng 0"),
        ("unit page, unit admin: GET /dashboard/", unit_c, "/dashboard/", "Trường "),
        (f"school page ({school_code}), principal", school_c, f"/dashboard/schools/{school_id}",
         school_name),
        ("class page (progress matrix), homeroom teacher", class_c, f"/teach/classes/{room_id}",
         room_name),
        ("unit page, city admin's drill-down", city_c, f"/dashboard/units/{unit_id}", unit_name),
        ("school page, city admin's drill-down", city_c, f"/dashboard/schools/{school_id}",
         school_name),
    ]

    statements: list = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(time.perf_counter())

    def drop_stored():
        if snapshots is None:
            return
        with app.app_context():
            snapshots.clear(db.session)
            db.session.commit()

    event.listen(_engine(app), "before_cursor_execute", before)
    rows = []
    for name, client, path, shown in pages:
        drop_stored()
        warm = client.get(path)
        if warm.status_code != 200 or html.escape(shown) not in warm.get_data(as_text=True):
            sys.exit(f"{path}: HTTP {warm.status_code}, {shown!r} not on the page")
        size = len(warm.get_data())
        times, counts = [], []
        load_before = load_average()
        for _ in range(args.runs):
            drop_stored()
            statements.clear()
            started = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - started)
            counts.append(len(statements))
            assert response.status_code == 200, (path, response.status_code)
        rows.append((name, path, times, counts[-1], size, load_before, load_average()))
        print(f"  {name}: median {statistics.median(times):.3f} s "
              f"(min {min(times):.3f}, max {max(times):.3f}), {counts[-1]} statements, "
              f"{size:,} B", flush=True)

    print(f"\n{dialect}, cold (METRICS_LIVE_SECONDS=0, stored figures dropped before each "
          f"request), {args.runs} runs after one warm-up\n")
    print("| page | median s | min-max s | statements | HTML bytes | load avg before / after |")
    print("|---|---|---|---|---|---|")
    for name, _path, times, n, size, lb, la in rows:
        print(f"| {name} | {statistics.median(times):.3f} | {min(times):.3f}-{max(times):.3f} | "
              f"{n} | {size:,} | {lb} / {la} |")

    completion_costs(app, school_id, args.completions)


def _engine(app):
    from lms.extensions import db

    with app.app_context():
        return db.engine


def completion_costs(app, school_id: int, per_kind: int) -> None:
    """record_completion of a missing required course, with and without the kept counts."""
    from sqlalchemy import select

    from lms.extensions import db
    from lms.learning.progress import record_completion
    from lms.models import Classroom, Completion, Course, CourseAudience, Enrollment, Guardianship, User

    try:
        from lms.campaign import tally
    except ImportError:
        tally = None

    with app.app_context():
        session = db.session
        required = {}
        for course_id, tier in session.execute(
                select(Course.id, CourseAudience.audience)
                .join(CourseAudience, CourseAudience.course_id == Course.id)
                .where(Course.required.is_(True), Course.retired_at.is_(None))
                .order_by(Course.id)):
            required.setdefault(tier, []).append(course_id)
        pupils = select(Enrollment.pupil_id).join(Classroom, Classroom.id == Enrollment.classroom_id) \
            .where(Classroom.school_id == school_id, Enrollment.ended_on.is_(None), Classroom.grade >= 1)
        kinds = {
            "pupil": select(User.id, User.tier).where(User.id.in_(pupils)),
            "parent": select(User.id, User.tier).where(
                User.id.in_(select(Guardianship.guardian_id).where(Guardianship.pupil_id.in_(pupils)))),
            "teacher": select(User.id, User.tier).where(User.school_id == school_id,
                                                        User.tier == "teacher"),
        }
        chosen = {}
        for kind, query in kinds.items():
            found = []
            for uid, tier in session.execute(query.order_by(User.id)):
                done = set(session.scalars(select(Completion.course_id)
                                           .where(Completion.user_id == uid)))
                missing = [c for c in required.get(tier, []) if c not in done]
                if missing:
                    found.append((uid, missing[0]))
                if len(found) >= 2 * per_kind:
                    break
            chosen[kind] = found
        session.rollback()

    def one(uid, course_id, keep_counts: bool) -> float:
        with app.app_context():
            session = db.session
            started = time.perf_counter()
            record_completion(session, uid, course_id, score=100.0, attempt_id=None)
            if keep_counts and tally is not None:
                tally.settle(session)  # what the commit does first
            else:
                session.flush()
            elapsed = time.perf_counter() - started
            session.rollback()
            return elapsed

    print(f"\nrecord_completion of a missing required course (rolled back; load average "
          f"{load_average()})\n")
    print("| learner | with the kept counts: median s (min-max) | without: median s (min-max) | n |")
    print("|---|---|---|---|")
    for kind, found in chosen.items():
        if not found:
            continue
        one(*found[0], True)  # warm-up
        half = len(found) // 2
        with_counts = [one(uid, c, True) for uid, c in found[:half]]
        without = [one(uid, c, False) for uid, c in found[half:]]
        print(f"| {kind} | {statistics.median(with_counts) * 1000:.1f} ms "
              f"({min(with_counts) * 1000:.1f}-{max(with_counts) * 1000:.1f}) | "
              f"{statistics.median(without) * 1000:.1f} ms "
              f"({min(without) * 1000:.1f}-{max(without) * 1000:.1f}) | {half} + {len(without)} |")
    print(f"\nload average after: {load_average()}")


if __name__ == "__main__":
    main()
