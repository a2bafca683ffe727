"""Several app servers (docs/scaling.md): two gunicorn instances as real processes on one
database (SQLite here, PostgreSQL in the suite's PostgreSQL pass), sharing a real Redis for
the rate limits, and nginx in front of them with deploy/nginx.conf. Requests are real HTTP,
sent to one instance or the other at will, or through nginx.

redis-server and nginx are Debian packages that scripts/system-deps.sh installs: without
them these tests fail, they are not skipped."""

import getpass
import gzip
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
import redis
from conftest import COURSES, POSTGRES_URL, Factory, base_config, csrf_token, page_text
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import select, text

from lms import create_app
from lms.auth.limits import NAMESPACE
from lms.content.sync import sync_courses
from lms.extensions import db
from lms.models import Course, Lesson
from lms.ratelimit_storage import give_back

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PASSWORD = "correct horse battery"
SECRET = "a-secret-every-instance-shares-" + "x" * 32


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(what: str, ready, proc: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if ready():
                return
        except (OSError, redis.ConnectionError):
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{what} did not start:\n{log.read_text()}")
        time.sleep(0.1)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


class Client:
    """A browser's cookie jar, which it may present to any server."""

    def __init__(self, cookies: dict | None = None, source: str | None = None):
        self.cookies = dict(cookies or {})
        self.source = source  # the client's own loopback address, e.g. "127.0.0.2"

    def request(self, port, method, path, form=None, headers=None):
        conn = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=20, source_address=(self.source, 0) if self.source else None
        )
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response, data

    def get(self, port, path, headers=None):
        response, data = self.request(port, "GET", path, headers=headers)
        return response, data.decode()

    def post_form(self, port, path, form, page=None):
        """POST `form` with the CSRF token of `page` (default: `path` itself, read first)."""
        _, html = self.get(port, page or path)
        response, data = self.request(port, "POST", path, {**form, "csrf_token": csrf_token(html)})
        return response, data.decode()

    def sign_in(self, port, login, password=PASSWORD):
        response, _ = self.post_form(port, "/login", {"login": login, "password": password})
        return response.status


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    if not Path(REDIS_SERVER).exists():
        pytest.fail("redis-server is missing: run scripts/system-deps.sh (Debian package redis-server)")
    folder = tmp_path_factory.mktemp("redis")
    port = _port()
    log = folder / "redis.log"
    proc = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
         "--save", "", "--appendonly", "no", "--logfile", str(log)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_timeout=2)
    try:
        log.touch()
        _wait_for("redis-server", client.ping, proc, log)
        yield url
    finally:
        client.close()
        _stop(proc)


@pytest.fixture(scope="module")
def database(template_db, tmp_path_factory):
    """A migrated database for the module: a copy of the template SQLite file, or the
    PostgreSQL test database emptied (as conftest's `database_url` does per test)."""
    if POSTGRES_URL:
        app = create_app(base_config(POSTGRES_URL))
        with app.app_context():
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
            db.engine.dispose()
        return POSTGRES_URL
    path = tmp_path_factory.mktemp("shared-db") / "lms.sqlite3"
    shutil.copy(template_db, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def courses_dir(tmp_path_factory):
    """A copy of the test courses, so that a test can change a lesson and sync it again."""
    folder = tmp_path_factory.mktemp("courses") / "courses"
    shutil.copytree(COURSES, folder)
    return folder


@pytest.fixture(scope="module")
def setup_app(database, courses_dir):
    """The test's own app on the shared database: it makes accounts and syncs courses, as
    the `flask` command on another machine would."""
    app = create_app({**base_config(database), "COURSES_DIR": str(courses_dir)})
    with app.app_context():
        report = sync_courses(db.session, courses_dir / "basic")
        assert not report.problems.errors, report.problems
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def servers(setup_app, database, redis_url, tmp_path_factory):
    """Two app servers, A and B: separate gunicorn instances (one worker each, so that a copy
    kept by B's worker is the one B serves from) with the settings every instance shares."""
    folder = tmp_path_factory.mktemp("servers")
    procs, ports, logs = [], [], []
    for name in ("a", "b"):
        port = _port()
        env = dict(
            os.environ, DATABASE_URL=database, SECRET_KEY=SECRET, CARD_KEY="card-" + SECRET,
            RATELIMIT_STORAGE_URI=redis_url, PUBLIC_URL="http://127.0.0.1",
            TRUSTED_PROXIES="1", LMS_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1",
        )
        for unwanted in ("LMS_DEMO", "TEST_DATABASE_URL", "LMS_HTTPS"):
            env.pop(unwanted, None)
        log = folder / f"{name}.log"
        with open(log, "w") as out:
            procs.append(subprocess.Popen(
                [str(GUNICORN), "lms:create_app()"], cwd=ROOT, env=env, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
            ))
        ports.append(port)
        logs.append(log)
    try:
        for proc, port, log in zip(procs, ports, logs, strict=True):
            _wait_for("an app server", lambda p=port: Client().get(p, "/healthz")[0].status == 200,
                      proc, log)
        yield ports
    finally:
        for proc in procs:
            _stop(proc)
    for log in logs:
        assert "Traceback" not in log.read_text(), log.read_text()


@pytest.fixture(scope="module")
def people(setup_app):
    return Factory(db.session)


def _account(people, role="pupil", **kwargs):
    """A new account, as plain values: the test's session then holds no transaction open (on
    SQLite an open read would stop its next write once a server has written)."""
    db.session.commit()
    user = people.user(role, **kwargs)
    account = SimpleNamespace(id=user.id, username=user.username)
    people.commit()
    return account


def test_a_session_made_on_one_server_works_on_the_other_and_signing_out_there_ends_it(
    servers, people
):
    a, b = servers
    user = _account(people, name="Trần Thị Mai")
    browser = Client()
    assert browser.sign_in(a, user.username) == 302
    response, html = browser.get(b, "/home")
    assert response.status == 200 and "Trần Thị Mai" in page_text(html)

    copied = Client(browser.cookies)  # the same cookie, kept (or stolen) before signing out
    response, _ = browser.post_form(b, "/logout", {}, page="/home")
    assert response.status == 302
    for port in (a, b):
        response, _ = copied.get(port, "/home")
        assert response.status == 302 and "/login" in response.getheader("Location")


def test_wrong_passwords_on_both_servers_meet_one_limit_per_account(servers, people, redis_url):
    """LOGIN_LIMIT_PER_ACCOUNT is 5 per 15 minutes: 5 failures allowed in all, wherever they
    were sent; a right password gives its place back (in Redis, atomically)."""
    a, b = servers
    user = _account(people)
    counter = "LIMITS:" + parse("5 per 15 minutes").key_for(NAMESPACE, f"account:{user.id}")
    store = redis.Redis.from_url(redis_url, socket_timeout=2)
    try:
        for port in (a, b, a, b):
            assert Client().sign_in(port, user.username, "wrong password") == 401
        assert int(store.get(counter)) == 4

        assert Client().sign_in(b, user.username) == 302  # right: not a failure
        assert int(store.get(counter)) == 4

        assert Client().sign_in(a, user.username, "wrong password") == 401  # the fifth
        for port in (b, a):
            client = Client()
            response, html = client.post_form(
                port, "/login", {"login": user.username, "password": "wrong password"})
            assert response.status == 429
            assert "Bạn đã nhập sai quá nhiều lần trong thời gian ngắn" in page_text(html)
            assert client.sign_in(port, user.username) == 429  # even the right one, meanwhile
        assert int(store.get(counter)) == 5  # refused attempts were never tried: not counted
    finally:
        store.close()


def test_a_lesson_synced_elsewhere_is_served_new_by_a_server_that_kept_the_old_page(
    servers, people, setup_app, courses_dir
):
    a, b = servers
    pupils = [_account(people, tier="primary", name=f"Học Sinh {n}") for n in (1, 2)]
    slug = db.session.scalar(
        select(Lesson.slug).join(Course, Course.id == Lesson.course_id)
        .where(Course.slug == "no-quiz-course")
    )
    db.session.commit()
    url = f"/courses/no-quiz-course/lessons/{slug}"
    browsers = [Client(), Client()]
    for browser, pupil in zip(browsers, pupils, strict=True):
        assert browser.sign_in(b, pupil.username) == 302
        response, html = browser.get(b, url)  # the first renders B's copy, the second reads it
        assert response.status == 200 and "Một bài học." in page_text(html)

    lesson_file = courses_dir / "basic" / "no-quiz-course" / "01-duy-nhat.md"
    lesson_file.write_text(lesson_file.read_text().replace("Một bài học.", "Bài học đã sửa lại."))
    db.session.commit()
    report = sync_courses(db.session, courses_dir / "basic")  # as `flask courses sync` elsewhere
    assert not report.problems.errors and report.updated == ["no-quiz-course"], report
    db.session.commit()

    for browser, port in zip(browsers, (b, a), strict=True):
        response, html = browser.get(port, url)
        assert response.status == 200
        assert "Bài học đã sửa lại." in page_text(html) and "Một bài học." not in page_text(html)


def test_places_given_back_in_redis_never_go_below_zero_nor_start_an_ended_window(redis_url):
    storage = storage_from_string(redis_url)
    limiter = FixedWindowRateLimiter(storage)
    item = parse("2 per minute")
    key = item.key_for(NAMESPACE, "refunds")
    stored = storage.get_connection()
    give_back(storage, key, item.get_expiry())  # a counter that ended (or never was)
    assert not stored.exists(storage.prefixed_key(key))

    assert limiter.hit(item, NAMESPACE, "refunds") and limiter.hit(item, NAMESPACE, "refunds")
    assert not limiter.hit(item, NAMESPACE, "refunds")  # 3 taken, 2 allowed
    with ThreadPoolExecutor(8) as pool:  # more refunds than places, all at once
        list(pool.map(lambda _: give_back(storage, key, item.get_expiry()), range(24)))
    assert storage.get(key) == 0
    assert 0 < stored.ttl(storage.prefixed_key(key)) <= 60  # the window ends when it would have
    assert [limiter.hit(item, NAMESPACE, "refunds") for _ in range(3)] == [True, True, False]


def test_without_redis_no_guess_goes_uncounted_and_signed_in_people_carry_on(database, people):
    user = _account(people, name="Phạm Thu Hà")
    settings = {**base_config(database), "SECRET_KEY": SECRET}

    def sign_in(client):
        html = client.get("/login").get_data(as_text=True)
        return client.post("/login", data={
            "login": user.username, "password": PASSWORD, "csrf_token": csrf_token(html)})

    counting = create_app({**settings, "RATELIMIT_STORAGE_URI": "memory://"})
    working = counting.test_client()
    assert sign_in(working).status_code == 302
    cookie = working.get_cookie("session").value

    closed = f"redis://127.0.0.1:{_port()}/0"  # nothing listens there
    app = create_app({**settings, "RATELIMIT_STORAGE_URI": closed})
    app.testing = False  # the error page people get, not the exception
    signed_in = app.test_client()
    signed_in.set_cookie("session", cookie)
    response = signed_in.get("/home")
    assert response.status_code == 200 and "Phạm Thu Hà" in page_text(response.get_data(as_text=True))

    guesser = app.test_client()
    assert sign_in(guesser).status_code == 500  # the right password, but it could not be counted
    assert guesser.get("/home").status_code == 302  # not signed in
    for each in (counting, app):
        with each.app_context():
            db.engine.dispose()
    db.session.commit()


# nginx ---------------------------------------------------------------------------------------

NGINX_MAIN = """
user {user};
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 64; }}
http {{
    include {mime_types};
    default_type application/octet-stream;
    log_format upstreams '$remote_addr "$request" $status $upstream_addr';
    access_log {folder}/access.log upstreams;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/lms.conf;
}}
"""


def deployed_site(port: int, upstreams: list[int]) -> str:
    """deploy/nginx.conf with the test's listen address, app servers and static folder."""
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site, listens = re.subn(r"(?m)^(\s*)listen [^;]+;", rf"\g<1>listen 127.0.0.1:{port};", site)
    servers = "".join(f"    server 127.0.0.1:{p};\n" for p in upstreams)
    site, found = re.subn(r"(?m)^    server (unix:|\d)[^;]*;\n", "", site)
    site = site.replace("    least_conn;\n", "    least_conn;\n" + servers)
    site, aliases = re.subn(r"alias [^;]+;", f"alias {ROOT / 'lms' / 'static'}/;", site)
    assert (listens, found, aliases) == (1, 2, 1), "deploy/nginx.conf changed shape: update this test"
    return site


@pytest.fixture(scope="module")
def proxy(servers, tmp_path_factory):
    if not Path(NGINX).exists():
        pytest.fail("nginx is missing: run scripts/system-deps.sh (Debian package nginx)")
    folder = tmp_path_factory.mktemp("nginx")
    port = _port()
    (folder / "lms.conf").write_text(deployed_site(port, servers))
    (folder / "nginx.conf").write_text(NGINX_MAIN.format(
        user=getpass.getuser(), folder=folder, mime_types="/etc/nginx/mime.types"))
    log = folder / "error.log"
    log.touch()
    proc = subprocess.Popen(
        [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(log)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        _wait_for("nginx", lambda: Client().get(port, "/healthz")[0].status == 200, proc, log)
        yield port, folder
    finally:
        _stop(proc)


def test_through_nginx_requests_reach_both_servers_as_one_site(proxy, servers, people):
    port, folder = proxy
    user = _account(people, name="Lê Văn Hùng")
    browser = Client()
    assert browser.sign_in(port, user.username) == 302
    for _ in range(6):
        response, html = browser.get(port, "/home")
        assert response.status == 200 and "Lê Văn Hùng" in page_text(html)
    served_by = set(re.findall(r'"GET /home HTTP/1.1" 200 (\S+)', (folder / "access.log").read_text()))
    assert served_by == {f"127.0.0.1:{p}" for p in servers}


def test_nginx_passes_the_clients_own_address_to_the_limits(proxy, people, redis_url):
    """A failed sign-in from 127.0.0.2 through nginx counts against 127.0.0.2 (nginx's
    X-Forwarded-For, believed with TRUSTED_PROXIES=1), whatever address the client claimed."""
    port, _ = proxy
    user = _account(people)
    client = Client(source="127.0.0.2")
    _, html = client.get(port, "/login")
    response, _ = client.request(
        port, "POST", "/login",
        {"login": user.username, "password": "wrong password", "csrf_token": csrf_token(html)},
        headers={"X-Forwarded-For": "198.51.100.7"},
    )
    assert response.status == 401
    store = redis.Redis.from_url(redis_url, socket_timeout=2)
    try:
        keys = {key.decode() for key in store.scan_iter("LIMITS:*login-addr*")}
    finally:
        store.close()
    assert any("login-addr:127.0.0.2/" in key for key in keys), keys
    assert not any("198.51.100.7" in key for key in keys), keys


def test_nginx_compresses_pages_and_keeps_versioned_static_files(proxy):
    port, _ = proxy
    client = Client()
    response, data = client.request(port, "GET", "/login", headers={"Accept-Encoding": "gzip"})
    assert response.status == 200 and response.getheader("Content-Encoding") == "gzip"
    html = gzip.decompress(data).decode()
    assert "csrf_token" in html and len(data) < len(html)
    assert response.getheader("Cache-Control") == "no-store"  # the app's, passed through

    style = re.search(r'href="(/static/style\.css\?v=[^"]+)"', html).group(1)
    response, data = client.request(port, "GET", style, headers={"Accept-Encoding": "gzip"})
    assert response.status == 200 and response.getheader("Content-Type").startswith("text/css")
    assert response.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(data) == (ROOT / "lms" / "static" / "style.css").read_bytes()
    assert response.getheader("Cache-Control") == "public, max-age=31536000, immutable"
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    response, _ = client.request(port, "GET", "/static/style.css")
    assert response.getheader("Cache-Control") == "public, max-age=3600"


def test_nginx_refuses_a_body_over_the_apps_limit_unread_with_a_page_people_can_read(proxy):
    port, _ = proxy
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.putrequest("POST", "/admin/roster")
        conn.putheader("Content-Type", "multipart/form-data; boundary=x")
        conn.putheader("Content-Length", str(8 * 1024 * 1024 + 1))
        conn.endheaders()  # no body sent: nginx answers from the length alone
        response = conn.getresponse()
        html = response.read().decode()
    finally:
        conn.close()
    assert response.status == 413
    assert "Mỗi lần tải lên tối đa 8 MB" in page_text(html)
