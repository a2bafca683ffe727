"""Time the campaign metrics on a city dataset (made by bench/city_dataset.py).

Every dashboard page, cold, as each viewer sees it: bench/city_metrics.py (issue 15). This
script times the functions behind the ward's page one by one.

    .venv/bin/python bench/ward_metrics.py --database-url sqlite:////tmp/city/city.sqlite3
    ./scripts/with-postgres.sh sh -c '.venv/bin/python bench/city_dataset.py &&
                                      .venv/bin/python bench/ward_metrics.py'

Coverage figures are stored once computed (lms/campaign/snapshots.py). So each computation is
timed twice: "cold", with every stored figure dropped before each run (what the first viewer
after a roster change, or after METRICS_LIVE_SECONDS for today's figures, waits for), and
"stored", reading what the previous run stored (what every other viewer waits for).

Prints min / median wall time of: metrics.ward_report, trend, the ward dashboard's work
(ward_report + trend, as campaign.routes.ward does), the whole ward dashboard page through
HTTP (the app's test client, signed in as the ward admin), school_report + trend for the
largest school, competencies, report.to_csv and report.to_xlsx; then each SQL statement of one
cold ward_report run with its time.
"""

import argparse
import re
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import database_url, load_average, make_app  # noqa: E402


def find(name: str):
    """metrics.trend and metrics.competencies moved to lms.campaign.trend: take either."""
    import importlib

    for module in ("lms.campaign.trend", "lms.campaign.metrics"):
        try:
            found = getattr(importlib.import_module(module), name, None)
        except ImportError:
            continue
        if found:
            return found
    raise ImportError(name)


def timed(fn, runs: int):
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return result, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = database_url(args.database_url)
    app = make_app(url)

    from sqlalchemy import event, func, select

    from lms.accounts import hash_password
    from lms.campaign import metrics, report, snapshots
    from lms.extensions import db
    from lms.models import Campaign, Classroom, Completion, Enrollment, School, Unit, User

    trend, competencies = find("trend"), find("competencies")
    with app.app_context():
        session = db.session
        campaign = session.scalar(select(Campaign).order_by(Campaign.id))
        unit = session.get(Unit, campaign.unit_id)
        people = session.scalar(select(func.count()).select_from(User))
        completions = session.scalar(select(func.count()).select_from(Completion))
        biggest = session.scalar(
            select(School).join(Classroom, Classroom.school_id == School.id)
            .join(Enrollment, Enrollment.classroom_id == Classroom.id)
            .group_by(School.id).order_by(func.count().desc()).limit(1))
        print(f"{db.engine.dialect.name}: {people:,} users, {completions:,} completions, "
              f"campaign {campaign.starts_on} - {campaign.ends_on}; load average {load_average()}")

        # Each run starts and ends its transaction, as a request does: a long read transaction
        # would not see what the previous run stored.
        def cold(fn):
            def run():
                session.rollback()
                snapshots.clear(session)
                session.commit()
                result = fn()
                session.commit()
                return result
            return run

        def stored(fn):
            def run():
                session.rollback()
                result = fn()
                session.commit()
                return result
            return run

        admin = session.scalar(select(User).where(User.role == "ward_admin").order_by(User.id))
        admin.password_hash = hash_password("bench-password")
        session.commit()
        client = app.test_client()
        # Requests run on a thread of their own: without this script's app context, each gets
        # its own (its g, its db.session), as under gunicorn.
        on_own = ThreadPoolExecutor(1)

        def get(path):
            return on_own.submit(client.get, path).result()

        page = get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
        signed_in = on_own.submit(client.post, "/login", data={
            "login": admin.username, "password": "bench-password", "csrf_token": token}).result()
        assert signed_in.status_code == 302, signed_in.status_code

        def dashboard():
            session.commit()  # end this script's read transaction, as between requests
            response = get("/dashboard/")
            assert response.status_code == 200, response.status_code
            return response

        work = [
            ("metrics.ward_report (whole city)", lambda: metrics.ward_report(session, campaign), 5),
            ("trend", lambda: trend(session, campaign), 3),
            ("ward dashboard's work: ward_report + trend",
             lambda: trend(session, campaign, report=metrics.ward_report(session, campaign)), 3),
            ("GET /dashboard/ (the whole page, in-process)", dashboard, 3),
            (f"school page ({biggest.code}): school_report + trend",
             lambda: trend(session, campaign, school_id=biggest.id,
                           report=metrics.school_report(session, campaign, biggest)[0]), 3),
            ("competencies (whole city)", lambda: competencies(session, campaign), 3),
        ]
        rows = []
        for name, fn, runs in work:
            _, t = timed(cold(fn), runs)
            rows.append((name + ", cold", t))
            _, t = timed(stored(fn), max(runs, 5))
            rows.append((name + ", stored", t))
        ward = metrics.ward_report(session, campaign)
        page_bytes = len(dashboard().get_data())
        _, t = timed(lambda: report.to_csv(ward), 3)
        rows.append(("report.to_csv (report already built)", t))
        xlsx, t = timed(lambda: report.to_xlsx(ward, unit.name), 3)
        rows.append((f"report.to_xlsx (report already built, {len(xlsx):,} B)", t))

        print(f"\n{'what':62} {'runs':>4} {'min s':>8} {'median s':>9}")
        for name, times in rows:
            print(f"{name:62} {len(times):>4} {min(times):8.3f} {statistics.median(times):9.3f}")
        print(f"ward dashboard page: {page_bytes:,} bytes of HTML")
        print(f"load average after: {load_average()}")
        total = ward.total
        print("\nward totals: " + "; ".join(
            f"{g} {f.covered:,}/{f.population:,} ({f.percent}%)" for g, f in total.items()))
        session.rollback()
        snapshots.clear(session)
        session.commit()

        starts = []  # (start time, statement); a span runs to the next statement's start

        def before(conn, cursor, statement, parameters, context, executemany):
            starts.append((time.perf_counter(), statement))

        event.listen(db.engine, "before_cursor_execute", before)
        session.expire_all()
        started = time.perf_counter()
        metrics.ward_report(session, campaign)
        ended = time.perf_counter()
        event.remove(db.engine, "before_cursor_execute", before)
        print(f"\none cold ward_report: {len(starts)} statements, {ended - started:.3f} s wall; "
              "each span = the statement, fetching its rows and the Python until the next one")
        marks = [t for t, _ in starts[1:]] + [ended]
        for (t, statement), end in zip(starts, marks, strict=True):
            text = " ".join(statement.split())
            print(f"  {end - t:7.3f} s  {text[:160]}")

if __name__ == "__main__":
    main()
