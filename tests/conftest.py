"""Fixtures: a real database per test (migrated once, then copied or truncated), the app,
HTTP clients, a login helper and factories for people and courses."""

import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import text

from lms import create_app
from lms.content.sync import sync_courses
from lms.extensions import db, limiter
from lms.models import Classroom, Enrollment, School, Unit, User
from lms.people.names import name_sort_key

DATA = Path(__file__).parent / "data"
COURSES = DATA / "courses"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


def base_config(database_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "COURSES_DIR": str(COURSES),
        "RATELIMIT_STORAGE_URI": "memory://",
    }


def _upgrade(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """Migrate once per run: SQLite gets a template file to copy, PostgreSQL a schema."""
    if POSTGRES_URL:
        app = create_app(base_config(POSTGRES_URL))
        with app.app_context():
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
            db.engine.dispose()
        _upgrade(app)
        with app.app_context():
            db.engine.dispose()
        return None
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    app = create_app(base_config(f"sqlite:///{path}"))
    _upgrade(app)
    with app.app_context():
        db.engine.dispose()
    return path


@pytest.fixture
def database_url(template_db, tmp_path):
    if POSTGRES_URL:
        application = create_app(base_config(POSTGRES_URL))
        with application.app_context():
            tables = [t.name for t in db.metadata.sorted_tables]
            db.session.execute(text(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
            db.session.commit()
            db.engine.dispose()
        return POSTGRES_URL
    path = tmp_path / "test.sqlite3"
    shutil.copy(template_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def config_overrides():
    """Tests override settings of both apps by overriding this fixture."""
    return {}


@pytest.fixture
def app(database_url, config_overrides):
    """The test's own app, whose context (and db.session) the test body uses."""
    application = create_app({**base_config(database_url), **config_overrides})
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def web_app(database_url, config_overrides):
    """The app that serves HTTP requests: a separate app object, so that requests get their
    own application context (g, db.session) as they do in production, not the test's."""
    application = create_app({**base_config(database_url), **config_overrides})
    limiter.reset()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def client(web_app):
    return web_app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def courses(app):
    report = sync_courses(db.session, COURSES)
    assert not report.problems.errors, report.problems
    return report


CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class _VisibleText(HTMLParser):
    INLINE = frozenset("a abbr b code em i kbd label mark s small span strong sub sup time u".split())

    def __init__(self):
        super().__init__()
        self.chunks: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        if tag not in self.INLINE:  # a block's edge separates words; an inline tag's does not
            self.chunks.append(" ")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1
        if tag not in self.INLINE:
            self.chunks.append(" ")

    def handle_data(self, data):
        if not self._hidden:
            self.chunks.append(data)


def page_text(html: str) -> str:
    """What a reader sees: text without tags or attribute values (CSRF tokens, ids), whitespace
    collapsed. Assert absences on this, never on raw HTML where a random token may hold "9Z"."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.chunks).split())


def another_worker_writes(path) -> bool | str:
    """Whether another connection to the SQLite file at `path` can take the write lock right
    now (True), or the error it meets at once (no waiting) because someone holds it."""
    import sqlite3

    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("COMMIT")
        return True
    except sqlite3.OperationalError as error:
        return str(error)
    finally:
        conn.close()


def _settle():
    """End the test's transaction so it and the request see each other's writes."""
    from flask import has_app_context

    if has_app_context():
        db.session.commit()


class Browser:
    """An HTTP client that carries the CSRF token like a browser carries the form."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def get(self, url, **kwargs):
        _settle()
        response = self.client.get(url, **kwargs)
        _settle()
        if response.mimetype == "text/html":
            match = CSRF.search(response.get_data(as_text=True))
            if match:
                self.token = match.group(1)
        return response

    def post(self, url, data=None, **kwargs):
        if self.token is None:
            self.get("/courses")
        data = dict(data or {})
        data.setdefault("csrf_token", self.token)
        _settle()
        response = self.client.post(url, data=data, **kwargs)
        _settle()
        return response

    def login(self, login, password="correct horse battery"):
        self.get("/login")
        response = self.post("/login", {"login": login, "password": password})
        if response.status_code == 302:
            self.get("/courses")  # signing in starts a new session, with a new CSRF token
        return response


@pytest.fixture
def browser(client):
    return Browser(client)


@pytest.fixture
def make_browser(web_app):
    return lambda: Browser(web_app.test_client())


class Factory:
    def __init__(self, session):
        self.session = session
        self.counter = 0

    def _next(self):
        self.counter += 1
        return self.counter

    def unit(self, code="P-DEMO", name="Phường Mẫu"):
        unit = self.session.query(Unit).filter_by(code=code).one_or_none()
        if unit is None:
            unit = Unit(code=code, name=name)
            self.session.add(unit)
            self.session.flush()
        return unit

    def school(self, code=None, level="th-thcs", name=None):
        n = self._next()
        school = School(unit_id=self.unit().id, code=code or f"S{n}", name=name or f"Trường {n}",
                        level=level)
        self.session.add(school)
        self.session.flush()
        return school

    def classroom(self, school=None, name=None, grade=6, year="2025-2026", teacher=None):
        school = school or self.school()
        n = self._next()
        room = Classroom(school_id=school.id, name=name or f"{grade}A{n}", grade=grade,
                         school_year=year, homeroom_teacher_id=teacher.id if teacher else None,
                         signin_code=f"C{n:05d}")
        self.session.add(room)
        self.session.flush()
        return room

    def user(self, role="pupil", *, tier=None, username=None, name=None, password="correct horse battery",
             school=None, phone=None, active=True):
        from lms.accounts import hash_password

        n = self._next()
        name = name or f"Người Dùng Số {n}"
        default_tier = {"teacher": "teacher", "parent": "parent", "school_admin": "teacher"}
        user = User(role=role, tier=tier or default_tier.get(role), username=username or f"user{n}",
                    full_name=name, name_key=name_sort_key(name),
                    password_hash=hash_password(password) if password else None,
                    school_id=school.id if school else None, phone=phone, active=active)
        self.session.add(user)
        self.session.flush()
        return user

    def pupil(self, classroom=None, **kwargs):
        classroom = classroom or self.classroom()
        from lms.models.people import tier_for_grade

        user = self.user("pupil", tier=tier_for_grade(classroom.grade), **kwargs)
        self.session.add(Enrollment(pupil_id=user.id, classroom_id=classroom.id,
                                    started_on=__import__("datetime").date(2025, 9, 5)))
        self.session.flush()
        return user

    def commit(self):
        self.session.commit()


@pytest.fixture
def factory(app):
    return Factory(db.session)
