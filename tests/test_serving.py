"""`make serve`: gunicorn with the repository's gunicorn.conf.py (app preloaded in the master,
workers forked from it, each opening its own database connections)."""

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from conftest import csrf_token

from lms import create_app

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(port, method, path, cookies, form=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    for name, value in response.getheaders():
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            cookies[key] = rest.split(";", 1)[0]
    conn.close()
    return response.status, data.decode()


@pytest.fixture
def served(tmp_path):
    """A migrated SQLite database with one pupil, served by 2 workers."""
    from flask_migrate import upgrade

    from lms.extensions import db
    from lms.models import User

    url = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    app = create_app({"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": url,
                      "RATELIMIT_STORAGE_URI": "memory://", "TESTING": True})
    with app.app_context():
        upgrade()
        from werkzeug.security import generate_password_hash

        db.session.add(User(role="pupil", tier="lower-secondary", username="phuc",
                            full_name="Lê Phúc", password_hash=generate_password_hash(
                                "mat-khau-dai", method="pbkdf2:sha256:1000")))
        db.session.commit()
        db.engine.dispose()
    port = _port()
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=secrets.token_hex(32),
               LMS_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2",
               RATELIMIT_STORAGE_URI=f"lmsdb://{tmp_path / 'ratelimits.sqlite3'}")
    env.pop("LMS_DEMO", None)
    log = open(tmp_path / "gunicorn.log", "w")
    proc = subprocess.Popen([str(GUNICORN), "lms:create_app()"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _request(port, "GET", "/healthz", {})[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail((tmp_path / "gunicorn.log").read_text())
            time.sleep(0.2)
        yield port, tmp_path / "gunicorn.log"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        log.close()


def test_gunicorn_config_serves_signed_in_pages_from_every_worker(served):
    port, log = served
    cookies = {}
    status, page = _request(port, "GET", "/login", cookies)
    token = csrf_token(page)
    status, _ = _request(port, "POST", "/login", cookies,
                         {"login": "phuc", "password": "mat-khau-dai", "csrf_token": token})
    assert status == 302
    # Enough requests that both workers answer some: each reads the database on its own
    # connection, opened after the fork.
    for _ in range(20):
        status, page = _request(port, "GET", "/home", cookies)
        assert status == 200 and "Lê Phúc" in page
    text = log.read_text()
    assert "Booting worker" in text and text.count("Booting worker") == 2
    assert "Traceback" not in text
