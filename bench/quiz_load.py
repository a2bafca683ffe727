"""Load test: 300 pupils answer a quiz in the same minute, tapping "submit" up to 3 times at once.

    .venv/bin/python bench/quiz_load.py                       # fresh SQLite file in a temp dir
    ./scripts/with-postgres.sh .venv/bin/python bench/quiz_load.py --postgres-env
    (--postgres-env: use $DATABASE_URL, which with-postgres.sh sets; or --database-url URL)

Real HTTP against gunicorn (5 workers) on 127.0.0.1, on a database prepared here: upgrade,
sync courses/, 300 primary pupils with one shared cheap hash of "pw" (pbkdf2:sha256:1000) and
every lesson of the quiz's course done. Each pupil (100 client threads): GET /login, POST
/login, GET the course page (CSRF token), POST /courses/<slug>/quiz (every 10th pupil taps
twice at once), GET /attempts/<id>, then POSTs the same answers 3 times released together by a
threading.Barrier, each following its 303 to the result page. Every 5th pupil answers wrong.
The answer key comes from the database, not the page.

Checked afterwards in the database: one attempt opened per pupil even for a double tap (none
left open), exactly one graded attempt per pupil with all its answers, one Completion (and
tier_progress) per passing pupil and none for failing ones; no HTTP 5xx; no "database is
locked" nor traceback in gunicorn's log. Reports requests/s and p50/p95/p99
per kind of request. Aborts after --timeout seconds (default 300). Exit status 1 on failure.
"""

import argparse
import os
import random
import re
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (PROJECT, Gunicorn, csrf_token, fresh_database, load_average, login,  # noqa
                    make_app, pct, request)

COURSE = "tieu-hoc-giu-bi-mat-cua-em"
ATTEMPT = re.compile(r"/attempts/(\d+)$")
OPTION = re.compile(rb'name="q(\d+)" value="(\d+)"')


def prepare(app, n_pupils: int, reset: bool) -> dict:
    from sqlalchemy import insert, select
    from werkzeug.security import generate_password_hash

    from lms.content.sync import sync_courses
    from lms.demo.names import person_name
    from lms.extensions import db
    from lms.models import (
        Classroom,
        Course,
        Enrollment,
        Lesson,
        LessonProgress,
        Question,
        QuestionOption,
        QuizVersion,
        School,
        Unit,
        User,
    )
    from lms.people.names import name_sort_key

    fresh_database(app, reset)
    with app.app_context():
        s = db.session
        assert not sync_courses(s, PROJECT / "courses").problems.errors
        course = s.scalar(select(Course).where(Course.slug == COURSE))
        lessons = s.scalars(select(Lesson.id).where(Lesson.course_id == course.id,
                                                    Lesson.retired_at.is_(None))).all()
        version = s.scalar(select(QuizVersion).where(QuizVersion.course_id == course.id,
                                                     QuizVersion.retired_at.is_(None)))
        key: dict[int, set[int]] = {}
        wrong: dict[int, int] = {}
        for qid, oid, right in s.execute(
                select(Question.id, QuestionOption.id, QuestionOption.is_correct)
                .join(QuestionOption, QuestionOption.question_id == Question.id)
                .where(Question.quiz_version_id == version.id)):
            key.setdefault(qid, set())
            if right:
                key[qid].add(oid)
            else:
                wrong.setdefault(qid, oid)
        unit = Unit(code="BENCH", name="Phường đo tải")
        s.add(unit)
        s.flush()
        school = School(unit_id=unit.id, code="TH-BENCH", name="Trường đo tải", level="tieu-hoc")
        s.add(school)
        # A plan running today: every completion moves its kept counts (lms/campaign/tally.py),
        # which `report verify` compares with the raw rows afterwards.
        from datetime import timedelta

        from lms.models import Campaign
        from lms.models.base import today_in_vietnam

        today = today_in_vietnam()
        s.add(Campaign(unit_id=unit.id, name="Đo tải", starts_on=today - timedelta(days=30),
                       ends_on=today + timedelta(days=30)))
        s.flush()
        rooms = []
        for k in range(-(-n_pupils // 40)):
            room = Classroom(school_id=school.id, name=f"3A{k + 1}", grade=3,
                             school_year="2026-2027")
            s.add(room)
            rooms.append(room)
        s.flush()
        shared_hash = generate_password_hash("pw", method="pbkdf2:sha256:1000")
        rng = random.Random(7)
        names = [person_name(rng) for _ in range(n_pupils)]
        s.execute(insert(User), [
            {"role": "pupil", "tier": "primary", "username": f"bench{i:03d}", "full_name": n,
             "name_key": name_sort_key(n), "password_hash": shared_hash}
            for i, n in enumerate(names)])
        ids = dict(s.execute(select(User.username, User.id)
                             .where(User.username.like("bench%"))).all())
        s.execute(insert(Enrollment), [
            {"pupil_id": ids[f"bench{i:03d}"], "classroom_id": rooms[i // 40].id,
             "started_on": date(2026, 9, 5)} for i in range(n_pupils)])
        s.execute(insert(LessonProgress), [
            {"user_id": uid, "lesson_id": lid, "course_id": course.id}
            for uid in ids.values() for lid in lessons])
        s.commit()
        return {"ids": ids, "course_id": course.id, "key": key, "wrong": wrong,
                "questions": len(key)}


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples: list[tuple[str, int, float]] = []
        self.problems: list[str] = []
        self.duplicate_opens = 0

    def add(self, label, status, seconds):
        with self.lock:
            self.samples.append((label, status, seconds))

    def problem(self, text):
        with self.lock:
            self.problems.append(text)


def pupil_flow(port, index, setup, rec: Recorder, taps: int, deadline: float):
    name = f"bench{index:03d}"
    timings: list = []
    try:
        cookies = login(port, name, "pw", timings)
    finally:
        for t in timings:
            rec.add(*t)
    status, _h, page, t = request(port, "GET", f"/courses/{COURSE}/", cookies)
    rec.add("GET course", status, t)
    token = csrf_token(page)
    starts = 2 if index % 10 == 1 else 1  # an impatient double tap on "Take the quiz"
    locations = []

    def start():
        status, headers, _b, t = request(port, "POST", f"/courses/{COURSE}/quiz", dict(cookies),
                                         {"csrf_token": token})
        rec.add("POST start quiz", status, t)
        locations.append(headers.get("location", ""))

    threads = [threading.Thread(target=start) for _ in range(starts)]
    [th.start() for th in threads]
    [th.join() for th in threads]
    attempt_ids = {int(m.group(1)) for loc in locations if (m := ATTEMPT.search(loc))}
    if not attempt_ids:
        raise RuntimeError(f"{name}: no attempt opened ({locations})")
    if len(attempt_ids) > 1:
        with rec.lock:
            rec.duplicate_opens += len(attempt_ids) - 1
    attempt_id = min(attempt_ids)
    status, _h, page, t = request(port, "GET", f"/attempts/{attempt_id}", cookies)
    rec.add("GET attempt", status, t)
    shown = {}
    for qid, oid in OPTION.findall(page):
        shown.setdefault(int(qid), []).append(int(oid))
    if set(shown) != set(setup["key"]):
        raise RuntimeError(f"{name}: the page shows questions {sorted(shown)}")
    fail = index % 5 == 0
    form = [("csrf_token", csrf_token(page))]
    for qid in shown:
        chosen = [setup["wrong"][qid]] if fail else sorted(setup["key"][qid])
        form += [(f"q{qid}", str(o)) for o in chosen]
    if time.monotonic() > deadline:
        raise TimeoutError("deadline")
    barrier = threading.Barrier(taps)

    def tap():
        barrier.wait(timeout=60)
        jar = dict(cookies)
        status, headers, _b, t = request(port, "POST", f"/attempts/{attempt_id}", jar, form)
        rec.add("POST submit (x3 at once)", status, t)
        if status != 303:
            rec.problem(f"{name}: submit answered {status}")
            return
        status, _h, _b, t = request(port, "GET", urlsplit(headers["location"]).path, jar)
        rec.add("GET result", status, t)

    threads = [threading.Thread(target=tap) for _ in range(taps)]
    [th.start() for th in threads]
    [th.join() for th in threads]
    return attempt_id, fail


def check_database(app, setup, outcomes) -> tuple[list[str], int]:
    from sqlalchemy import func, select

    from lms.extensions import db
    from lms.models import AttemptAnswer, Completion, QuizAttempt, TierProgress

    problems = []
    with app.app_context():
        s = db.session
        graded = {}
        for uid, n in s.execute(select(QuizAttempt.user_id, func.count())
                                .where(QuizAttempt.status == "graded")
                                .group_by(QuizAttempt.user_id)):
            graded[uid] = n
        answers = dict(s.execute(select(AttemptAnswer.attempt_id, func.count())
                                 .group_by(AttemptAnswer.attempt_id)).all())
        passed = dict(s.execute(select(QuizAttempt.id, QuizAttempt.passed)
                                .where(QuizAttempt.status == "graded")).all())
        completions = dict(s.execute(select(Completion.user_id, func.count())
                                     .group_by(Completion.user_id)).all())
        tiers = dict(s.execute(select(TierProgress.user_id, TierProgress.required_done)
                               .where(TierProgress.tier == "primary")).all())
        for index, (attempt_id, fail) in outcomes.items():
            uid = setup["ids"][f"bench{index:03d}"]
            if graded.get(uid) != 1:
                problems.append(f"pupil {index}: {graded.get(uid, 0)} graded attempts")
            if answers.get(attempt_id) != setup["questions"]:
                problems.append(f"pupil {index}: {answers.get(attempt_id)} answers stored")
            if passed.get(attempt_id) is not (not fail):
                problems.append(f"pupil {index}: passed={passed.get(attempt_id)}, fail={fail}")
            if completions.get(uid, 0) != (0 if fail else 1):
                problems.append(f"pupil {index}: {completions.get(uid, 0)} completions")
            if tiers.get(uid) != (None if fail else 1):
                problems.append(f"pupil {index}: tier_progress {tiers.get(uid)}")
        open_left = s.scalar(select(func.count()).select_from(QuizAttempt)
                             .where(QuizAttempt.status == "open"))
        # The kept coverage counts after the load: equal to the raw rows (report verify), and
        # the plan's covered pupils are exactly the passing ones.
        from lms.campaign import metrics
        from lms.campaign.verify import verify
        from lms.models import Campaign

        campaigns = list(s.scalars(select(Campaign)))
        differences = verify(s, campaigns)
        problems += [f"report verify: {d}" for d in differences]
        # (Covered needs every required primary course; the load completes one of them, so the
        # figure to check is the count of pupils, and verify's equality with the raw rows.)
        kept = metrics.ward_report(s, campaigns[0]).total["primary"]
        if kept.population != len(setup["ids"]):
            problems.append(f"kept counts: {kept.population} primary pupils, {len(setup['ids'])} loaded")
        print(f"report verify after the load: {len(differences)} differences; kept counts: "
              f"{kept.population} pupils, {kept.covered} covered")
        s.rollback()
    return problems, open_left


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: a new SQLite file in a temp dir")
    parser.add_argument("--postgres-env", action="store_true", help="use $DATABASE_URL")
    parser.add_argument("--reset", action="store_true", help="drop everything in the database")
    parser.add_argument("--pupils", type=int, default=300)
    parser.add_argument("--threads", type=int, default=100)
    parser.add_argument("--taps", type=int, default=3)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="lms-quiz-"))
    url = os.environ["DATABASE_URL"] if args.postgres_env else (
        args.database_url or f"sqlite:///{tmp / 'quiz.sqlite3'}")
    app = make_app(url)
    started = time.perf_counter()
    setup = prepare(app, args.pupils, args.reset)
    print(f"{url.split(':', 1)[0]}: prepared "
          f"{args.pupils} pupils, quiz of {setup['questions']} questions, in "
          f"{time.perf_counter() - started:.1f} s; files in {tmp} (removed if all is well)")
    rec, outcomes = Recorder(), {}
    log = tmp / "gunicorn.log"
    print(f"load average before: {load_average()}")
    with Gunicorn(url, log, workers=args.workers) as port:
        deadline = time.monotonic() + args.timeout
        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool:
            futures = {pool.submit(pupil_flow, port, i, setup, rec, args.taps, deadline): i
                       for i in range(args.pupils)}
            done, pending = wait(futures, timeout=args.timeout)
            for f in pending:
                f.cancel()
            for f in done:
                try:
                    outcomes[futures[f]] = f.result()
                except Exception as error:  # noqa: BLE001 - reported below
                    rec.problem(f"pupil {futures[f]}: {type(error).__name__}: {error}")
            if pending:
                rec.problem(f"ABORTED after {args.timeout:.0f} s: {len(pending)} pupils unfinished")
        wall = time.perf_counter() - t0
    print(f"load average after: {load_average()}")
    problems, open_left = check_database(app, setup, outcomes)
    text = log.read_text(errors="replace")
    locked, tracebacks = text.count("database is locked"), text.count("Traceback")
    statuses = {}
    for label, status, _t in rec.samples:
        statuses[status] = statuses.get(status, 0) + 1
    print(f"\n{len(rec.samples)} requests in {wall:.1f} s: {len(rec.samples) / wall:.0f} req/s; "
          f"statuses {dict(sorted(statuses.items()))}")
    print(f"{'request':28} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} "
          f"{'non-2xx/3xx':>11}")
    labels = list(dict.fromkeys(label for label, _s, _t in rec.samples))
    for label in labels:
        times = [t * 1000 for lb, _s, t in rec.samples if lb == label]
        bad = sum(1 for lb, s, _t in rec.samples if lb == label and s >= 400)
        print(f"{label:28} {len(times):>5} {pct(times, 50):8.0f} {pct(times, 95):8.0f} "
              f"{pct(times, 99):8.0f} {max(times):8.0f} {bad:>11}")
    all_times = [t * 1000 for _l, _s, t in rec.samples]
    print(f"{'all':28} {len(all_times):>5} {pct(all_times, 50):8.0f} {pct(all_times, 95):8.0f} "
          f"{pct(all_times, 99):8.0f} {max(all_times):8.0f}")
    failing = sum(1 for _a, fail in outcomes.values() if fail)
    print(f"\npupils finished {len(outcomes)}/{args.pupils} ({failing} answered wrong on "
          f"purpose); double-tapped 'Take the quiz' made {rec.duplicate_opens} extra open "
          f"attempts (left open: {open_left})")
    print(f"gunicorn log: {locked} 'database is locked', {tracebacks} tracebacks")
    server_errors = sum(n for s, n in statuses.items() if s >= 500)
    problems = rec.problems + problems
    if server_errors:
        problems.append(f"{server_errors} HTTP 5xx")
    if rec.duplicate_opens or open_left:
        problems.append(f"double taps on 'Take the quiz' opened {rec.duplicate_opens} extra "
                        f"attempts; {open_left} attempts left open")
    if locked or tracebacks:
        problems.append(f"gunicorn log: {locked} locked, {tracebacks} tracebacks (see {log})")
    print("database checks: " + ("all pupils OK" if not problems else f"{len(problems)} problems"))
    for p in problems[:30]:
        print("  " + p)
    if not problems:
        shutil.rmtree(tmp, ignore_errors=True)  # kept on failure, for the log
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
