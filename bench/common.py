"""Shared helpers for the bench/ scripts (not run on its own).

- make_app / fresh_database: the app on DATABASE_URL, in-process, without touching instance/.
- write_courses: small generated course folders for `sync_courses`.
- Gunicorn: starts `gunicorn --workers N` on 127.0.0.1 and stops it (only the pid it started).
- request / login: a tiny stdlib HTTP client with a cookie dict (gunicorn's sync workers close
  every connection, so there is no keep-alive to manage).
"""

import http.client
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
VENV_BIN = PROJECT / ".venv" / "bin"


def database_url(arg: str | None) -> str:
    url = arg or os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("Give --database-url or set DATABASE_URL (sqlite:////path or postgresql://...).")
    return url


def make_app(url: str):
    """The real app on `url`, configured in-process (no instance/ secret or rate-limit file)."""
    from lms import create_app

    return create_app({"SECRET_KEY": secrets.token_hex(16), "SQLALCHEMY_DATABASE_URI": url,
                       "RATELIMIT_STORAGE_URI": "memory://"})


def fresh_database(app, reset: bool = False) -> None:
    """Refuse a database that holds tables (unless reset), then `flask db upgrade`."""
    from flask_migrate import upgrade
    from sqlalchemy import inspect, text

    from lms.extensions import db

    with app.app_context():
        tables = inspect(db.engine).get_table_names()
        if tables and not reset:
            sys.exit(f"{db.engine.url.render_as_string()}: not empty ({len(tables)} tables); "
                     "use a new database (or --reset to drop everything in it).")
        if tables:
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as conn:
                    conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            else:
                db.engine.dispose()
                path = Path(db.engine.url.database)
                for suffix in ("", "-wal", "-shm"):
                    Path(str(path) + suffix).unlink(missing_ok=True)
        db.engine.dispose()
        upgrade()
        db.engine.dispose()


def write_courses(root: Path, specs: list[dict]) -> None:
    """specs: slug, title, audience, required, lessons (int), quiz (list of (prompt, [options],
    right index)) or None. Lessons are a few paragraphs, like a short real lesson."""
    for spec in specs:
        folder = root / spec["slug"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "course.md").write_text(
            f'---\ntitle: "{spec["title"]}"\naudience: [{spec["audience"]}]\n'
            f'required: {"true" if spec.get("required") else "false"}\n'
            f'competencies: ["1.1"]\nminutes: 15\nsummary: "Khóa học tạo cho đo hiệu năng."\n'
            f'---\nGiới thiệu khóa học {spec["title"]}.\n', encoding="utf-8")
        for n in range(1, spec.get("lessons", 1) + 1):
            (folder / f"{n:02d}-bai-{n}.md").write_text(
                f'---\ntitle: "Bài {n}"\n---\n## Bài {n}\n\n'
                + "Một đoạn nội dung bài học ngắn về kỹ năng số cho người học. " * 6 + "\n\n"
                + "- ý thứ nhất\n- ý thứ hai\n- ý thứ ba\n", encoding="utf-8")
        if spec.get("quiz"):
            body = ["---\npass_score: 80\n---\nChọn đáp án đúng.\n"]
            for prompt, options, right in spec["quiz"]:
                body.append(f"### {prompt}\n")
                body += [f"- [{'x' if i == right else ' '}] {o}" for i, o in enumerate(options)]
                body.append("\n> Giải thích ngắn.\n")
            (folder / "quiz.md").write_text("\n".join(body), encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """`with Gunicorn(url, log) as port:` serves 'lms:create_app()' with a fresh secret."""

    def __init__(self, url: str, log_path: Path, workers: int = 5, ratelimit_file: Path = None,
                 app: str = "lms:create_app()"):
        self.url, self.log_path, self.workers, self.app = url, log_path, workers, app
        self.ratelimit_file = ratelimit_file or log_path.with_name("ratelimits.sqlite3")
        self.port = free_port()
        self.proc = None

    def __enter__(self) -> int:
        env = dict(os.environ, LMS_DEMO="1", DATABASE_URL=self.url,
                   SECRET_KEY=secrets.token_hex(32),
                   # the production default (a shared SQLite file) but in the temp dir:
                   RATELIMIT_STORAGE_URI=f"lmsdb://{self.ratelimit_file}")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "--workers", str(self.workers), "--bind",
             f"127.0.0.1:{self.port}", "--timeout", "60", "--error-logfile", "-",
             self.app],  # cwd PROJECT: gunicorn.conf.py applies
            cwd=PROJECT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if request(self.port, "GET", "/healthz")[0] == 200:
                    time.sleep(1.0)  # let every worker finish booting
                    return self.port
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"gunicorn did not start; see {self.log_path}")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # its own session: master and workers
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def request(port: int, method: str, path: str, cookies: dict | None = None,
            form: list | dict | None = None, timeout: float = 60):
    """(status, headers dict (lower-case), body bytes, seconds). Updates `cookies`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if form is not None:
        body = urlencode(form, doseq=True)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    started = time.perf_counter()
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    elapsed = time.perf_counter() - started
    if cookies is not None:
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                cookies[key] = rest.split(";", 1)[0]
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data, elapsed


CSRF = re.compile(rb'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_token(html: bytes) -> str:
    match = CSRF.search(html)
    if not match:
        raise ValueError("no csrf_token in the page")
    return match.group(1).decode()


def login(port: int, username: str, password: str, timings: list | None = None) -> dict:
    cookies: dict = {}
    status, _h, page, t1 = request(port, "GET", "/login", cookies)
    token = csrf_token(page)
    status, headers, _b, t2 = request(port, "POST", "/login", cookies,
                                      {"login": username, "password": password,
                                       "csrf_token": token, "next": ""})
    if timings is not None:
        timings += [("GET /login", status, t1), ("POST /login", status, t2)]
    if status != 302:
        raise RuntimeError(f"login {username}: HTTP {status}")
    return cookies


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def median(values):
    return statistics.median(values) if values else float("nan")


def load_average() -> str:
    """The 1-minute load average: other work on the machine skews every figure here."""
    return open("/proc/loadavg").read().split()[0]
