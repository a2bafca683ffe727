"""Roster import speed: rows/s, how long the write lock is held, peak memory, web upload time.

    .venv/bin/python bench/roster_import.py                          # SQLite in a temp dir
    ./scripts/with-postgres.sh .venv/bin/python bench/roster_import.py --reset   # DATABASE_URL
    (--rows 3000 20000 by default; --keep DIR keeps the generated files; --seed N)

For each size: a fresh database, a schools file (one school per ~700 pupils, primary and
lower-secondary), then a pupils file of that many rows (classes of 35, grades matching the
school, a date of birth of the grade's age, one or two guardians, one pupil in ten sharing a
guardian with a sibling). Each step runs in a process of its own (so peak memory is its own):
- cli dry run, cli import (all new), cli import again (all unchanged), cli import of an
  updated file (one pupil in ten moved class, one in twenty renamed), as `roster import` runs
  them (under `writing()`);
- web dry run and web import of the file through the app (test client, a signed-in ward
  admin), on a database without those pupils.
Measured: wall time and rows/s; the longest write transaction (engine events: from BEGIN for
a transaction begun under `writing()`, as the import's write is, else from its first write,
to its commit; on PostgreSQL what other writers to the same rows would wait for, COPY included);
on SQLite the longest wait of another connection's `BEGIN IMMEDIATE` polled every 5 ms, the
write lock as others feel it; the step's peak RSS (ru_maxrss) and the RSS before the import.
"""

import argparse
import csv
import io
import json
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PROJECT, fresh_database, make_app  # noqa: E402

HEADER = ["school_code", "class", "grade", "full_name", "date_of_birth", "student_code",
          "guardian1_name", "guardian1_phone", "guardian2_name", "guardian2_phone"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Gia", "Thanh", "Hữu", "Thu", "Đức", "Bảo"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Huy", "Khánh", "Lan", "Long", "Mai",
         "Nam", "Phúc", "Quang", "Sơn", "Tâm", "Thảo", "Trang", "Tú", "Vy", "Yến"]
YEAR = "2025-2026"
TODAY = date(2025, 11, 22)
PASSWORD = "bench-password-123"  # noqa: S105 - a throwaway database's admin


def _name(rng) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def make_files(rows: int, seed: int) -> tuple[bytes, bytes, bytes]:
    """The schools file, the pupils file and an updated pupils file."""
    rng = random.Random(seed)
    schools = []
    for i in range(max(1, rows // 700)):
        level = "tieu-hoc" if i % 5 < 3 else "thcs"
        schools.append((f"S{i:03d}", f"Trường {'Tiểu học' if level == 'tieu-hoc' else 'THCS'} số {i}", level))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["school_code", "name", "level"])
    writer.writerows(schools)
    schools_csv = out.getvalue().encode()

    pupils, phone, previous = [], 900000000, None
    for n in range(rows):
        code, name, level = schools[n % len(schools)]
        grades = range(1, 6) if level == "tieu-hoc" else range(6, 10)
        grade = grades[(n // len(schools)) % len(grades)]
        room = f"{grade}A{(n // (len(schools) * len(grades) * 35)) + 1}"
        born = date(2025 - grade - 5, 1, 1) + timedelta(days=rng.randrange(365))
        if previous is not None and rng.random() < 0.1:
            guardians = previous  # a sibling
        else:
            phone += rng.randrange(1, 50)
            guardians = [_name(rng), f"0{phone}"]
            if rng.random() < 0.4:
                phone += 1
                guardians += [_name(rng), f"0{phone}"]
            else:
                guardians += ["", ""]
        previous = guardians
        pupils.append([code, room, grade, _name(rng), born.strftime("%d/%m/%Y"), f"HS{n:06d}", *guardians])

    def encode(table) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(table)
        return out.getvalue().encode()

    updated = [list(row) for row in pupils]
    for row in updated:
        if rng.random() < 0.1:
            row[1] = row[1][:-1] + str(int(row[1][-1]) + 1)  # moved to the next class
        if rng.random() < 0.05:
            row[3] = _name(rng)
    return schools_csv, encode(pupils), encode(updated)


# --- one step, in its own process ---------------------------------------------------------


class Watch:
    """The longest write transaction (engine events) and, on SQLite, the longest wait of
    another connection for the write lock."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.engine, self.longest, self.longest_wait = engine, 0.0, 0.0
        self._first_write = {}
        self._stop = threading.Event()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            from lms.db_setup import _writer

            if _writer.get():  # the import's write transaction (and a command's): from BEGIN
                self._first_write[id(conn)] = time.perf_counter()

        @event.listens_for(engine, "before_cursor_execute")
        def _statement(conn, _cursor, statement, *_args):
            if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
                self._first_write.setdefault(id(conn), time.perf_counter())

        @event.listens_for(engine, "commit")
        def _commit(conn):
            started = self._first_write.pop(id(conn), None)
            if started is not None:
                self.longest = max(self.longest, time.perf_counter() - started)

        @event.listens_for(engine, "rollback")
        def _rollback(conn):
            self._first_write.pop(id(conn), None)

        self.thread = None
        if engine.dialect.name == "sqlite":
            self.thread = threading.Thread(target=self._poll, args=(engine.url.database,), daemon=True)
            self.thread.start()

    def _poll(self, path: str) -> None:
        import sqlite3

        other = sqlite3.connect(path, isolation_level=None, timeout=120)
        while not self._stop.is_set():
            started = time.perf_counter()
            other.execute("BEGIN IMMEDIATE")
            self.longest_wait = max(self.longest_wait, time.perf_counter() - started)
            other.execute("ROLLBACK")
            time.sleep(0.005)
        other.close()

    def stop(self) -> None:
        self._stop.set()
        if self.thread:
            self.thread.join()


def step(url: str, path: Path, mode: str) -> dict:
    from lms.db_setup import writing
    from lms.extensions import db
    from lms.people.roster import import_roster

    app = make_app(url)
    data = path.read_bytes()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with app.app_context():
        engine = db.engine
    if mode.startswith("web"):  # requests get their own app contexts, as in production
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        signed_in = client.post("/login", data={"login": "bench", "password": PASSWORD,
                                                "csrf_token": token})
        assert signed_in.status_code == 302, signed_in.status_code
        page = client.get("/admin/").get_data(as_text=True)
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        watch = Watch(engine)
        started = time.perf_counter()
        form = {"csrf_token": token, "file": (io.BytesIO(data), path.name)}
        if mode == "web-dry":
            form["dry_run"] = "y"
        response = client.post("/admin/roster", data=form, content_type="multipart/form-data")
        seconds = time.perf_counter() - started
        text = response.get_data(as_text=True)
        summary = f"HTTP {response.status_code}, " + (
            "Đã lưu" if "Đã lưu" in text else "chưa lưu" if "chưa lưu" in text else text[-300:])
    else:
        with app.app_context():
            watch = Watch(engine)
            started = time.perf_counter()
            with writing():  # as `flask roster import` runs
                report = import_roster(db.session, data, path.name, dry_run=mode == "cli-dry",
                                       school_year=YEAR, today=TODAY)
            seconds = time.perf_counter() - started
            summary = report.summary()
    watch.stop()
    rows = data.count(b"\n") - 1
    return {"mode": mode, "rows": rows, "seconds": round(seconds, 2),
            "rows_per_s": round(rows / seconds), "write_txn_s": round(watch.longest, 3),
            "lock_wait_s": round(watch.longest_wait, 3) if watch.thread else None,
            "rss_before_mb": round(rss_before), "peak_rss_mb":
            round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), "summary": summary}


def _run_step(url: str, path: Path, mode: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "step", url, str(path), mode], cwd=PROJECT,  # noqa: S603 - ours
                         capture_output=True, text=True, check=False)
    if out.returncode:
        sys.exit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def _fresh(url: str, schools: bytes, reset: bool) -> None:
    from lms.accounts import hash_password
    from lms.extensions import db
    from lms.models import User
    from lms.people.roster import import_roster

    app = make_app(url)
    fresh_database(app, reset=reset)
    with app.app_context():
        assert import_roster(db.session, schools, "schools.csv", today=TODAY).ok
        db.session.add(User(role="ward_admin", username="bench", full_name="Bench",
                            password_hash=hash_password(PASSWORD)))
        db.session.commit()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="default: DATABASE_URL, else SQLite in a temp dir")
    parser.add_argument("--rows", type=int, nargs="+", default=[3000, 20000])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--reset", action="store_true", help="empty the database before each size")
    parser.add_argument("--keep", type=Path, help="write the generated files here")
    args = parser.parse_args()
    import os

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="roster-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    for rows in args.rows:
        schools, pupils, updated = make_files(rows, args.seed)
        files = {"pupils": workdir / f"pupils-{rows}.csv", "updated": workdir / f"pupils-{rows}-updated.csv"}
        files["pupils"].write_bytes(pupils)
        files["updated"].write_bytes(updated)
        url = args.database_url or os.environ.get("DATABASE_URL") or f"sqlite:///{workdir}/r{rows}.sqlite3"
        print(f"\n{rows:,} rows ({len(pupils) / 1e6:.1f} MB), {url.split('@')[-1]}", flush=True)
        plan = [("web-dry", "pupils"), ("web", "pupils"), (None, None), ("cli-dry", "pupils"),
                ("cli", "pupils"), ("cli", "pupils"), ("cli", "updated")]
        _fresh(url, schools, reset=True)
        for mode, which in plan:
            if mode is None:  # the web import's pupils out again: the CLI starts from none
                _fresh(url, schools, reset=True)
                continue
            result = _run_step(url, files[which], mode)
            print(f"  {mode:8} {which:8} {result['seconds']:6.2f} s {result['rows_per_s']:7,} rows/s "
                  f"write txn {result['write_txn_s']:.3f} s "
                  + (f"lock wait {result['lock_wait_s']:.3f} s " if result["lock_wait_s"] is not None else "")
                  + f"RSS {result['rss_before_mb']} -> {result['peak_rss_mb']} MB | {result['summary']}",
                  flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "step":
        print(json.dumps(step(sys.argv[2], Path(sys.argv[3]), sys.argv[4])))
    else:
        main()
