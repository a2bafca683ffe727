"""How requests hold the database: a read-only request on SQLite reads one snapshot; on
PostgreSQL it runs in autocommit (READ COMMITTED has no snapshot across statements to keep);
requests that change state and commands keep real transactions."""

import pytest
from sqlalchemy import func, select, text

from lms.db_setup import writing
from lms.extensions import db
from lms.models import School


def _driver(connection):
    return connection.connection.driver_connection


def test_sqlite_page_reads_one_snapshot(app, web_app, factory):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite: a read-only request keeps one snapshot")
    factory.school()
    factory.commit()
    with web_app.test_request_context("/", method="GET"):
        before = db.session.scalar(select(func.count(School.id)))
        unit_id = db.session.scalar(select(School.unit_id).limit(1))
        with writing(), db.engine.begin() as other:  # another worker adds a school meanwhile
            other.execute(School.__table__.insert().values(
                unit_id=unit_id, code="MOI", name="Trường mới", level="thcs"))
        assert db.session.scalar(select(func.count(School.id))) == before  # same snapshot
        db.session.remove()
    with web_app.test_request_context("/", method="GET"):
        assert db.session.scalar(select(func.count(School.id))) == before + 1
        db.session.remove()


def test_postgresql_reads_in_autocommit_and_writes_in_transactions(app, web_app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL: read-only requests run in autocommit")
    with web_app.test_request_context("/", method="GET"):
        assert _driver(db.session.connection()).autocommit is True
        db.session.remove()
    with web_app.test_request_context("/", method="POST"):
        assert _driver(db.session.connection()).autocommit is False
        db.session.remove()
    with web_app.app_context():  # commands
        assert _driver(db.session.connection()).autocommit is False
        db.session.remove()
    # The pool hands the connection back to a writer in its normal mode.
    with web_app.test_request_context("/", method="GET"):
        db.session.connection()
        db.session.remove()
    with web_app.test_request_context("/", method="POST"):
        assert _driver(db.session.connection()).autocommit is False
        db.session.remove()


def _other_writer_can_write(path) -> bool:
    import sqlite3

    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


def test_a_post_reads_first_without_the_write_lock_then_writes_with_it(app, web_app, factory):
    from lms.db_setup import reading_first

    factory.school()
    factory.commit()
    if db.engine.dialect.name == "sqlite":
        path = db.engine.url.database
        with web_app.test_request_context("/login", method="POST"):
            with reading_first(db.session):
                assert db.session.scalar(select(func.count(School.id))) == 1
                assert _other_writer_can_write(path)  # a sign-in's hash waits on nobody
            db.session.scalar(select(func.count(School.id)))  # the write that follows
            assert not _other_writer_can_write(path)  # holds the lock, as every POST did
            db.session.remove()
    else:
        with web_app.test_request_context("/login", method="POST"):
            with reading_first(db.session):
                db.session.scalar(select(func.count(School.id)))
                assert _driver(db.session.connection()).autocommit is True
            assert _driver(db.session.connection()).autocommit is False
            db.session.remove()


def test_a_sign_in_takes_the_write_lock_once_and_briefly(app, make_browser, factory, web_app):
    """The account is read and the password checked without the write lock; then one write
    transaction records the session, and the signed-in user is not read again after it."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite: one writer at a time")
    from sqlalchemy import event

    from lms.db_setup import _wants_write

    factory.user("teacher", username="once")
    factory.commit()
    with web_app.app_context():
        engine = db.engine
    begun = []

    def on_begin(_conn):
        begun.append("write" if _wants_write() else "read")

    browser = make_browser()
    browser.get("/login")
    event.listen(engine, "begin", on_begin)
    try:
        response = browser.post("/login", {"login": "once", "password": "correct horse battery"})
    finally:
        event.remove(engine, "begin", on_begin)
    assert response.status_code == 302
    assert begun == ["read", "write"]


def test_postgresql_connections_run_without_jit(app):
    """JIT compiles some short statements on large tables for 0.3 s each (the city bench):
    every connection of the app has it off."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    assert db.session.scalar(text("SHOW jit")) == "off"
