"""Sign-ins while a roster is imported through the web, under gunicorn.

    .venv/bin/python bench/roster_signins.py [--rows 20000] [--database-url URL]

A fresh database (SQLite in a temp dir unless DATABASE_URL or --database-url) with the schools
of bench/roster_import.py and 28 teachers; gunicorn with 5 workers. First 10 sign-ins one
after another with nothing else going on, then the ward admin uploads the pupils file (a real
import, all new) while teachers sign in, one every 0.25 s, until it answers (at most 18: the
limit is 30 sign-ins per address in 15 minutes). Printed: the
sign-in times (median, max, failures) alone and during the import, and the upload's time.
"""

import argparse
import http.client
import io
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Gunicorn, csrf_token, load_average, login, make_app, median, request  # noqa: E402
from roster_import import PASSWORD, _fresh, make_files  # noqa: E402

TEACHERS = 28  # 10 alone, 18 during: with the admin 29, under 30 sign-ins per address
PACE = 0.25  # seconds between the starts of sign-ins during the import


def _add_teachers(url: str) -> None:
    from sqlalchemy import select

    from lms.accounts import hash_password
    from lms.extensions import db
    from lms.models import School, User

    app = make_app(url)
    with app.app_context():
        school = db.session.scalar(select(School).order_by(School.id))
        password = hash_password(PASSWORD)
        for n in range(TEACHERS):
            db.session.add(User(role="teacher", tier="teacher", username=f"gv{n}", full_name=f"GV {n}",
                                school_id=school.id, password_hash=password))
        db.session.commit()
        db.engine.dispose()


def _sign_in(port: int, n: int, results: list) -> None:
    started = time.perf_counter()
    try:
        login(port, f"gv{n}", PASSWORD)
        results.append((time.perf_counter() - started, True))
    except Exception:  # noqa: BLE001 - a failed sign-in is what is counted
        results.append((time.perf_counter() - started, False))


def _upload(port: int, data: bytes, out: dict) -> None:
    cookies = login(port, "bench", PASSWORD)
    page = request(port, "GET", "/admin/", cookies)[2]
    boundary, body = encode_multipart(
        {"csrf_token": csrf_token(page), "file": FileStorage(io.BytesIO(data), "hs.csv")})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    conn.request("POST", "/admin/roster", body=body, headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
    response = conn.getresponse()
    text = response.read().decode()
    out.update(status=response.status, seconds=time.perf_counter() - started, saved="Đã lưu" in text)
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--rows", type=int, default=20000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="roster-signins-"))
    url = args.database_url or os.environ.get("DATABASE_URL") or f"sqlite:///{work}/db.sqlite3"
    schools, pupils, _ = make_files(args.rows, 13)
    _fresh(url, schools, reset=True)
    _add_teachers(url)
    with Gunicorn(url, work / "gunicorn.log") as port:
        alone: list = []
        for n in range(10):
            _sign_in(port, n, alone)
        upload: dict = {}
        thread = threading.Thread(target=_upload, args=(port, pupils, upload))
        thread.start()
        time.sleep(0.5)  # the admin's own sign-in and page first
        during: list = []
        n, started = 10, time.perf_counter()
        while thread.is_alive() and n < TEACHERS:
            _sign_in(port, n, during)
            n += 1
            time.sleep(max(0.0, started + (n - 10) * PACE - time.perf_counter()))
        thread.join()
    for label, results in (("alone", alone), ("during the import", during)):
        times = [t for t, _ in results]
        failed = sum(1 for _, ok in results if not ok)
        print(f"sign-ins {label:18} n={len(results):2} median {median(times):.2f} s "
              f"max {max(times, default=float('nan')):.2f} s failed {failed}")
    print(f"upload of {args.rows:,} rows: HTTP {upload.get('status')} in {upload.get('seconds', 0):.2f} s, "
          f"saved: {upload.get('saved')}; load average {load_average()}")


if __name__ == "__main__":
    main()
