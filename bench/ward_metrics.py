"""Time the campaign metrics on a city dataset (made by bench/city_dataset.py).

    .venv/bin/python bench/ward_metrics.py --database-url sqlite:////tmp/city/city.sqlite3
    ./scripts/with-postgres.sh sh -c '.venv/bin/python bench/city_dataset.py &&
                                      .venv/bin/python bench/ward_metrics.py'

Prints min / median wall time of: metrics.ward_report (5 runs; target < 0.5 s), trend (it runs
ward_report again inside; found in lms.campaign.trend or metrics), the ward dashboard's work
(ward_report + trend, as campaign.routes.ward does), school_report + trend for the largest
school, competencies, report.to_csv and report.to_xlsx; then each SQL statement of one
ward_report run with its time.
"""

import argparse
import statistics
import sys
import time
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

    from lms.campaign import metrics, report
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

        def fresh(fn):
            def run():
                session.expire_all()
                return fn()
            return run

        rows = []
        ward, t = timed(fresh(lambda: metrics.ward_report(session, campaign)), args.runs)
        rows.append(("metrics.ward_report (whole city)", t))
        _, t = timed(fresh(lambda: trend(session, campaign, ward.as_of)), 3)
        rows.append(("trend (calls ward_report)", t))
        _, t = timed(fresh(lambda: (metrics.ward_report(session, campaign),
                                    trend(session, campaign, ward.as_of))), 3)
        rows.append(("ward dashboard: ward_report + trend", t))
        _, t = timed(fresh(lambda: (metrics.school_report(session, campaign, biggest),
                                    trend(session, campaign, ward.as_of, biggest.id))), 3)
        rows.append((f"school page ({biggest.code}): school_report + trend", t))
        _, t = timed(fresh(lambda: competencies(session, campaign)), 3)
        rows.append(("competencies (whole city)", t))
        _, t = timed(lambda: report.to_csv(ward), 3)
        rows.append(("report.to_csv (report already built)", t))
        xlsx, t = timed(lambda: report.to_xlsx(ward, unit.name), 3)
        rows.append((f"report.to_xlsx (report already built, {len(xlsx):,} B)", t))

        print(f"\n{'what':58} {'runs':>4} {'min s':>8} {'median s':>9}")
        for name, times in rows:
            print(f"{name:58} {len(times):>4} {min(times):8.3f} {statistics.median(times):9.3f}")
        print(f"load average after: {load_average()}")
        total = ward.total
        print("\nward totals: " + "; ".join(
            f"{g} {f.covered:,}/{f.population:,} ({f.percent}%)" for g, f in total.items()))

        starts = []  # (start time, statement); a span runs to the next statement's start

        def before(conn, cursor, statement, parameters, context, executemany):
            starts.append((time.perf_counter(), statement))

        event.listen(db.engine, "before_cursor_execute", before)
        session.expire_all()
        started = time.perf_counter()
        metrics.ward_report(session, campaign)
        ended = time.perf_counter()
        event.remove(db.engine, "before_cursor_execute", before)
        print(f"\none ward_report: {len(starts)} statements, {ended - started:.3f} s wall; "
              "each span = the statement, fetching its rows and the Python until the next one")
        marks = [t for t, _ in starts[1:]] + [ended]
        for (t, statement), end in zip(starts, marks):
            text = " ".join(statement.split())
            print(f"  {end - t:7.3f} s  {text[:160]}")

if __name__ == "__main__":
    main()
