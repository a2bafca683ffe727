"""Page speed side by side under gunicorn (5 workers, gunicorn.conf.py): bare endpoint, lesson,
home, class matrix.

    .venv/bin/python bench/page_speed.py                      # fresh SQLite file in a temp dir
    ./scripts/with-postgres.sh .venv/bin/python bench/page_speed.py --postgres-env

Prepares a fresh database: courses/ synced, plus 30 generated lower-secondary courses
(3 lessons, a 3-question quiz) synced from a temp dir; class 7A1 of 45 pupils with all 30
assigned (50% done with a score, 5% failed the quiz twice, 20% part done, 25% not started;
5 of the 30 due dates past) and class 7A2 of 10 pupils x 5 courses; a homeroom teacher and
one pupil with a cheap password hash.

Throughput: `wrk -t1 -c<connections> -d<seconds>s` per page with the signed-in session cookie
(`apt-get install -y wrk`); without wrk, <connections> Python threads send --requests each.
Every page is measured in turn, --rounds times, with the bare endpoint measured before and
after each page; the figures are medians over the rounds and each ratio is taken against the
mean of the two bare runs next to it (a shared VM's speed drifts by tens of per cent within a
minute). Before each run the page is viewed once and the cookies it sets are kept, as a
browser keeps them.
Pages: GET /healthz (bare), the pupil's lesson page (the largest lesson of a real course),
the same page for the other 44 pupils of 7A1 in turn (each request the next pupil's cookies;
half of them have done that lesson),
with --floors also two bench-only pages (bench/floor_app.py: the session cookie alone, and a
signed-in page with nothing of its own),
the pupil's home (30 assigned courses), the same for the 44 other pupils in turn (cookies
as for the lesson: their cards differ in progress), the teacher's class page
/teach/classes/<id> (page 1 and page 5 of 10: 3 courses per page). Reports req/s, ratio to
/healthz (targets: lesson >= 1/3, home >= 0.2), HTML bytes and HTML + CSS (target <= 30 KB;
also gzipped), the class page's size by section, the CSV/XLSX export times, and in-process
(Flask test client): each page's server time and SQL statement count, with the class page
for 45 x 30 and 10 x 5 (constant queries), and the home page with the worker's shared cards
dropped before each request (every card rendered).
"""

import argparse
import gzip
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (PROJECT, Gunicorn, fresh_database, load_average, login, make_app,  # noqa
                    request, write_courses)

QUIZ = [("Câu hỏi số %d về kỹ năng số?" % n, ["Đáp án A", "Đáp án B", "Đáp án C"], n % 3)
        for n in range(1, 4)]


def prepare(app, tmp: Path, reset: bool) -> dict:
    from sqlalchemy import func, insert, select
    from werkzeug.security import generate_password_hash

    from lms.content.sync import sync_courses
    from lms.demo.names import person_name
    from lms.extensions import db
    from lms.models import (
        Assignment,
        AttemptAnswer,
        Classroom,
        Completion,
        Course,
        CourseAudience,
        Enrollment,
        Lesson,
        LessonProgress,
        QuizAttempt,
        QuizVersion,
        School,
        Unit,
        User,
    )
    from lms.people.names import name_sort_key

    fresh_database(app, reset)
    write_courses(tmp / "courses", [
        {"slug": f"do-toc-do-{n:02d}", "title": f"Khóa học đo tốc độ số {n:02d}",
         "audience": "lower-secondary", "lessons": 3, "quiz": QUIZ} for n in range(1, 31)])
    rng = random.Random(11)
    today = date.today()
    pw = generate_password_hash("pw", method="pbkdf2:sha256:1000")
    with app.app_context():
        s = db.session
        assert not sync_courses(s, PROJECT / "courses").problems.errors
        assert not sync_courses(s, tmp / "courses").problems.errors
        bench = s.scalars(select(Course).where(Course.slug.like("do-toc-do-%"))
                          .order_by(Course.slug)).all()
        lessons = {c.id: s.scalars(select(Lesson.id).where(Lesson.course_id == c.id)
                                   .order_by(Lesson.position)).all() for c in bench}
        questions = {}
        for c in bench:
            version = s.scalar(select(QuizVersion).where(QuizVersion.course_id == c.id))
            questions[c.id] = (version.id, [(q.id, [o.id for o in q.options if o.is_correct][0],
                                             [o.id for o in q.options if not o.is_correct][0])
                                            for q in version.questions])
        unit = Unit(code="BENCH", name="Phường đo tốc độ")
        s.add(unit)
        s.flush()
        school = School(unit_id=unit.id, code="THCS-BENCH", name="Trường THCS đo tốc độ",
                        level="thcs")
        s.add(school)
        s.flush()
        teacher = User(role="teacher", tier="teacher", username="bench.gv",
                       full_name="Nguyễn Thị Giáo", name_key=name_sort_key("Nguyễn Thị Giáo"),
                       password_hash=pw, school_id=school.id, staff_role="teacher")
        s.add(teacher)
        s.flush()
        rooms = {}
        for name, size, n_courses in (("7A1", 45, 30), ("7A2", 10, 5)):
            room = Classroom(school_id=school.id, name=name, grade=7, school_year="2026-2027",
                             homeroom_teacher_id=teacher.id)
            s.add(room)
            s.flush()
            names = [person_name(rng) for _ in range(size)]
            pupils = [User(role="pupil", tier="lower-secondary", full_name=n,
                           name_key=name_sort_key(n)) for n in names]
            s.add_all(pupils)
            s.flush()
            s.add_all(Enrollment(pupil_id=p.id, classroom_id=room.id,
                                 started_on=today - timedelta(days=60)) for p in pupils)
            for k, c in enumerate(bench[:n_courses]):
                s.add(Assignment(classroom_id=room.id, course_id=c.id, teacher_id=teacher.id,
                                 due_on=today + timedelta(days=7 * k - 30), note="Làm đúng hạn."))
            _progress(s, rng, pupils, bench[:n_courses], lessons, questions, insert,
                      LessonProgress, QuizAttempt, AttemptAnswer, Completion)
            rooms[name] = (room.id, pupils)
        pupil = rooms["7A1"][1][0]
        pupil.username, pupil.password_hash = "bench.hs", pw
        # The pupil's lesson page: the largest lesson of a real lower-secondary course, with
        # every lesson of that course done (so the page opens and shows "done" state).
        lesson = s.scalar(
            select(Lesson).join(CourseAudience, CourseAudience.course_id == Lesson.course_id)
            .join(Course, Course.id == Lesson.course_id)
            .where(CourseAudience.audience == "lower-secondary",
                   Course.slug.not_like("do-toc-do-%"))
            .order_by(func.length(Lesson.html).desc()).limit(1))
        course = s.get(Course, lesson.course_id)
        course_lessons = s.execute(select(Lesson.id, Lesson.position)
                                   .where(Lesson.course_id == course.id)).all()
        s.execute(insert(LessonProgress), [
            {"user_id": pupil.id, "lesson_id": lid, "course_id": course.id}
            for lid, _pos in course_lessons])
        # The rest of 7A1 sign in too, each at the page: half of them have done that lesson
        # (and some of those the next one), the others have done only the lessons before it.
        others = rooms["7A1"][1][1:]
        for k, other in enumerate(others, start=1):
            other.username, other.password_hash = f"bench.hs{k:02d}", pw
            last = lesson.position + (k % 2) + (k % 4 == 1)
            s.execute(insert(LessonProgress), [
                {"user_id": other.id, "lesson_id": lid, "course_id": course.id}
                for lid, pos in course_lessons if pos < last])
        s.commit()
        return {"lesson": f"/courses/{course.slug}/lessons/{lesson.slug}",
                "big": rooms["7A1"][0], "small": rooms["7A2"][0],
                "class": [other.username for other in others]}


def _progress(s, rng, pupils, courses, lessons, questions, insert, LessonProgress, QuizAttempt,
              AttemptAnswer, Completion):
    progress, completions = [], []
    for p in pupils:
        for c in courses:
            # 50% done first try, 5% failed twice, 20% part done, 25% not started
            roll = rng.random()
            at = datetime.now() - timedelta(days=rng.randint(1, 40))
            done = lessons[c.id] if roll < 0.55 else (lessons[c.id][:rng.randint(1, 2)]
                                                      if roll < 0.75 else [])
            progress += [{"user_id": p.id, "lesson_id": lid, "course_id": c.id,
                          "completed_at": at} for lid in done]
            version, qs = questions[c.id]
            tries = [True] if roll < 0.5 else ([False, False] if roll < 0.55 else [])
            for passed in tries:
                attempt = QuizAttempt(user_id=p.id, course_id=c.id, quiz_version_id=version,
                                      status="graded", submitted_at=at, correct_count=3 if passed
                                      else 1, question_count=3, score=100.0 if passed else 33.33,
                                      passed=passed)
                s.add(attempt)
                s.flush()
                s.add_all(AttemptAnswer(attempt_id=attempt.id, question_id=qid,
                                        chosen=str(right if passed or i == 0 else wrong),
                                        is_correct=passed or i == 0)
                          for i, (qid, right, wrong) in enumerate(qs))
                if passed:
                    completions.append({"user_id": p.id, "course_id": c.id, "completed_at": at,
                                        "score": 100.0, "attempt_id": attempt.id})
    s.execute(insert(LessonProgress), progress)
    if completions:
        s.execute(insert(Completion), completions)


def wrk(port, path, cookies: list[str], connections, seconds) -> dict:
    """One Cookie header, or several taken in turn request by request (a Lua script)."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if len(cookies) == 1 and cookies[0]:
            cmd += ["-H", f"Cookie: {cookies[0]}"]
        elif len(cookies) > 1:
            listed = ",\n".join(f'"{cookie}"' for cookie in cookies)
            script.write(f"local cookies = {{\n{listed}\n}}\nlocal i = 0\n"
                         "request = function()\n  i = i % #cookies + 1\n"
                         "  return wrk.format(nil, nil, {Cookie = cookies[i]})\nend\n")
            script.flush()
            cmd += ["-s", script.name]
        out = subprocess.run(cmd + [f"http://127.0.0.1:{port}{path}"], capture_output=True,
                             text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = dict(re.findall(r"\s+(50|99)%\s+(\S+)", out))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50": latency.get("50"), "p99": latency.get("99"),
            "bad": int(bad.group(1)) if bad else 0, "errors": errors.group(1) if errors else ""}


def summarize(runs: list[dict]) -> dict:
    """Median req/s over the rounds, and the median of the run-by-run ratios to the bare
    endpoint measured just before and just after each run (a shared VM's speed drifts by tens
    of per cent within a minute, so a page is compared with its neighbours only)."""
    ratios = sorted(run["rps"] / run["bare_rps"] for run in runs)
    middle = sorted(runs, key=lambda run: run["rps"])[len(runs) // 2]
    return {"rps": statistics.median(run["rps"] for run in runs),
            "ratio": statistics.median(ratios), "range": f"{ratios[0]:.2f}-{ratios[-1]:.2f}",
            "p50": middle["p50"], "p99": middle["p99"], "bad": sum(run["bad"] for run in runs),
            "errors": "; ".join(run["errors"] for run in runs if run["errors"])}


def threads(port, path, jars: list[dict], connections, per_thread) -> dict:
    times, bad, lock = [], [0], threading.Lock()

    def run():
        for n in range(per_thread):
            status, _h, _b, t = request(port, "GET", path, dict(jars[n % len(jars)]))
            with lock:
                times.append(t)
                bad[0] += status != 200

    started = time.perf_counter()
    workers = [threading.Thread(target=run) for _ in range(connections)]
    [w.start() for w in workers]
    [w.join() for w in workers]
    wall = time.perf_counter() - started
    times.sort()
    return {"rps": len(times) / wall, "p50": f"{times[len(times) // 2] * 1000:.0f}ms",
            "p99": f"{times[int(len(times) * 0.99)] * 1000:.0f}ms", "bad": bad[0], "errors": ""}


def in_process(app, pages: list[tuple]) -> list[tuple]:
    """Server time and CPU time (medians of 20, Flask's test client, no HTTP) and SQL
    statements per page."""
    from sqlalchemy import event

    from lms.extensions import db

    out, count = [], [0]

    def counter(*_args):
        count[0] += 1

    with app.app_context():  # only to reach the engine: requests push their own contexts
        engine = db.engine
    clients = {None: app.test_client()}
    for who, username in (("pupil", "bench.hs"), ("teacher", "bench.gv")):
        client = clients[who] = app.test_client()
        page = client.get("/login").data
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        assert client.post("/login", data={"login": username, "password": "pw",
                                           "csrf_token": token.decode()}).status_code == 302
    event.listen(engine, "before_cursor_execute", counter)
    for label, path, who, *forget in pages:
        times, cpu = [], []
        for _ in range(20):
            count[0] = 0
            for name in forget:  # measured as if first seen: the worker's shared copies dropped
                app.extensions.pop(name, None)
            started, started_cpu = time.perf_counter(), time.thread_time()
            response = clients[who].get(path)
            cpu.append(time.thread_time() - started_cpu)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, (label, response.status_code)
        out.append((label, statistics.median(times) * 1000, statistics.median(cpu) * 1000, count[0]))
    event.remove(engine, "before_cursor_execute", counter)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: a new SQLite file in a temp dir")
    parser.add_argument("--postgres-env", action="store_true", help="use $DATABASE_URL")
    parser.add_argument("--reset", action="store_true", help="drop everything in the database")
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=3, help="per page and round, with wrk")
    parser.add_argument("--rounds", type=int, default=5, help="every page measured in turn")
    parser.add_argument("--requests", type=int, default=100, help="per thread, without wrk")
    parser.add_argument("--no-wrk", action="store_true", help="Python threads even with wrk")
    parser.add_argument("--floors", action="store_true",
                        help="also measure bench/floor_app.py's cookie-only and signed-in-only "
                             "pages (where a signed-in page's time goes)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="lms-pages-"))
    url = os.environ["DATABASE_URL"] if args.postgres_env else (
        args.database_url or f"sqlite:///{tmp / 'pages.sqlite3'}")
    app = make_app(url)
    setup = prepare(app, tmp, args.reset)
    use_wrk = shutil.which("wrk") is not None and not args.no_wrk
    print(f"{url.split(':', 1)[0]}; {args.workers} gunicorn workers; "
          + (f"wrk -t1 -c{args.connections} -d{args.seconds}s x {args.rounds} rounds" if use_wrk else
             f"{args.connections} threads x {args.requests} requests")
          + f"; load average {load_average()}")
    pages = [("GET /healthz (bare)", "/healthz", None)]
    if args.floors:
        pages += [("(bench) session cookie only", "/bench/cookie", "pupil"),
                  ("(bench) signed-in, nothing else", "/bench/signed-in", "pupil")]
    pages += [("lesson page (pupil)", setup["lesson"], "pupil"),
              ("lesson page, 44 pupils in turn", setup["lesson"], "class"),
              ("home (pupil, 30 assigned)", "/home", "pupil"),
              ("home, 44 pupils in turn", "/home", "class"),
              ("class page 45x30, page 1 (teacher)", f"/teach/classes/{setup['big']}", "teacher"),
              ("class page 45x30, page 5 (teacher)", f"/teach/classes/{setup['big']}?page=5",
               "teacher")]
    results = []
    served = "bench.floor_app:create_app()" if args.floors else "lms:create_app()"
    with Gunicorn(url, tmp / "gunicorn.log", workers=args.workers, app=served) as port:
        css_body = request(port, "GET", "/static/style.css")[2]
        css, css_gz = len(css_body), len(gzip.compress(css_body, 6))
        sessions = {None: [{}], "pupil": [login(port, "bench.hs", "pw")],
                    "teacher": [login(port, "bench.gv", "pw")],
                    "class": [login(port, name, "pw") for name in setup["class"]]}
        bodies, rounds = {}, {label: [] for label, _p, _w in pages}

        def measure(label, path, who):
            # One view first, keeping what the server sets, as a browser would: the CSRF
            # secret on the first page, the idle clock once a minute.
            jars = sessions[who]
            for cookies in jars:
                status, _h, body, _t = request(port, "GET", path, cookies)
                assert status == 200, (label, status)
                bodies[label] = body
            if not use_wrk:
                return threads(port, path, jars, args.connections, args.requests)
            cookie_headers = ["; ".join(f"{k}={v}" for k, v in jar.items()) for jar in jars]
            return wrk(port, path, cookie_headers, args.connections, args.seconds)

        # Every round: the bare endpoint, then each page followed by the bare endpoint again.
        bare = pages[0]
        for _round in range(args.rounds):
            before = measure(*bare)
            rounds[bare[0]].append({**before, "bare_rps": before["rps"]})
            for label, path, who in pages[1:]:
                run = measure(label, path, who)
                after = measure(*bare)
                rounds[label].append({**run, "bare_rps": (before["rps"] + after["rps"]) / 2})
                rounds[bare[0]].append({**after, "bare_rps": after["rps"]})
                before = after
        for label, path, who in pages:
            body = bodies[label]
            results.append((label, len(body), len(gzip.compress(body, 6)),
                            summarize(rounds[label])))
            if "page 1" in label:
                sections = [(len(part.encode()), re.sub(r"<[^>]+>", "", part[:120]).split("\n")[0])
                            for part in re.split(r"(?=<h2)", body.decode())]
        teacher = sessions["teacher"][0]
        exports = []
        for fmt in ("csv", "xlsx"):
            times, size = [], 0
            for _ in range(20):
                status, _h, body, t = request(port, "GET",
                                              f"/teach/classes/{setup['big']}/matrix.{fmt}",
                                              dict(teacher))
                assert status == 200, (fmt, status)
                times.append(t * 1000)
                size = len(body)
            exports.append((fmt, statistics.median(times), size))
    log = (tmp / "gunicorn.log").read_text(errors="replace")
    print(f"\n{'page':36} {'req/s':>7} {'ratio':>6} {'(range)':>11} {'p50':>8} {'p99':>8} "
          f"{'HTML B':>7} {'+CSS B':>7} {'gzip':>6} {'bad':>4}")
    for label, size, gz, f in results:
        print(f"{label:36} {f['rps']:7.0f} {f['ratio']:6.2f} {f['range']:>11} {f['p50']:>8} "
              f"{f['p99']:>8} {size:7,} {size + css:7,} {gz + css_gz:6,} {f['bad']:>4} "
              f"{f['errors']}")
    print(f"(medians over {args.rounds} rounds; each round measures every page in turn with the "
          f"bare endpoint before and after each, and a page's ratio is taken against the mean of "
          f"those two)")
    print(f"(style.css: {css:,} B; HTML and +CSS are the bodies gunicorn sends (it does not "
          f"compress); gzip: HTML + CSS at gzip -6, as a compressing proxy would send them)")
    print("class page 1 by section: " + "; ".join(f"{title[:30] or 'head'} {n:,} B"
                                                 for n, title in sections))
    for fmt, ms, size in exports:
        print(f"export matrix.{fmt} 45x30: median {ms:.0f} ms over 20 sequential, {size:,} B")
    print(f"\n{'in-process (test client, no HTTP)':36} {'ms':>6} {'CPU ms':>6} {'SQL':>4}")
    small = [("class page 10x5 (teacher)", f"/teach/classes/{setup['small']}", "teacher"),
             ("home, no shared card kept", "/home", "pupil", "shared_cards")]
    product_pages = [page for page in pages
                     if not page[0].startswith("(bench)") and page[2] != "class"]
    for label, ms, cpu, n in in_process(app, product_pages + small):
        print(f"{label:36} {ms:6.1f} {cpu:6.1f} {n:4}")
    print("(medians of 20; CPU: the thread's own time, which other work on the machine "
          "inflates far less than the wall clock)")
    print(f"gunicorn log: {log.count('Traceback')} tracebacks, "
          f"{log.count('database is locked')} 'database is locked'; load average {load_average()}")
    if "Traceback" not in log:
        shutil.rmtree(tmp, ignore_errors=True)  # kept when the server failed, for the log


if __name__ == "__main__":
    main()
