"""Per-connection settings: SQLite in WAL mode with a busy timeout, foreign keys on; SQLite
files readable only by the service's user."""

import functools
import logging
import os
from contextlib import contextmanager
from contextvars import ContextVar

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

_writer: ContextVar[bool] = ContextVar("writer", default=False)
_reader: ContextVar[bool] = ContextVar("reader", default=False)
READ_METHODS = ("GET", "HEAD", "OPTIONS")


def writes(func):
    """For operator commands that write while the app may be serving: their transactions take
    the write lock up front, so a read-then-write never meets a stale snapshot."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with writing():
            return func(*args, **kwargs)

    return wrapper


@contextmanager
def writing():
    """Transactions begun inside take the write lock up front (SQLite)."""
    token = _writer.set(True)
    try:
        yield
    finally:
        _writer.reset(token)


@contextmanager
def reading_first(session):
    """For a POST that does slow work (a password or PIN check, a new password's hash) before it
    writes. What it reads inside runs without the write lock (SQLite: a plain BEGIN, one snapshot
    that holds back no writer; PostgreSQL: autocommit), and that read ends on leaving, so the
    write that follows takes the lock only for itself: sign-ins no longer queue one after another
    behind each other's hashes. Nothing is written inside (it is rolled back on leaving); objects
    read inside are expired then and reload, current, in the write."""
    session.commit()  # ends what is open (Flask-Login's lookup of the signed-in user); no-op else
    token = _reader.set(True)
    try:
        yield
    finally:
        session.rollback()
        _reader.reset(token)


SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def keep_private(path: str | os.PathLike) -> None:
    """A SQLite file holding personal data, readable and writable by the service's user only
    (0600): created so when missing (an empty file is an empty database), and made so when an
    earlier version left it readable by others. SQLite creates the -wal, -shm and -journal
    files with the database file's mode; those left from before are made private too."""
    path = os.fspath(path)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as error:  # a folder that does not exist yet: SQLite will say so itself
        log.warning("cannot create %s: %s", path, error)
        return
    for name in (path, *(path + suffix for suffix in SQLITE_COMPANIONS)):
        try:
            mode = os.stat(name).st_mode & 0o777
        except OSError:
            continue
        if mode & 0o077:
            try:
                os.chmod(name, mode & 0o700)
            except OSError as error:  # owned by another user: the operator is told
                log.warning("%s is readable by others (mode %o), not changed: %s", name, mode, error)


def sqlite_file(engine: Engine) -> str | None:
    """The database's file, or None (in memory, or a URI of SQLite's own)."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


def configure_engine(engine: Engine, busy_timeout_ms: int) -> None:
    if engine.dialect.name != "sqlite":
        return
    path = sqlite_file(engine)

    @event.listens_for(engine, "do_connect")
    def _private_file(_dialect, _record, _args, _kwargs):
        # Before the driver opens (and, the first time, creates) the file with the default mode.
        if path is not None:
            keep_private(path)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        # Let SQLAlchemy own the transactions (pysqlite's own BEGIN handling is off).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn):
        # A request that changes state (every POST) takes the write lock up front, so that
        # concurrent writers queue on the busy timeout instead of failing with "database is
        # locked" when a read transaction tries to upgrade. Reads (GET) stay concurrent, and
        # so does a POST's slow part before its write (reading_first: a sign-in's hash).
        # Sent on the driver's connection: this runs on every request, and going through
        # SQLAlchemy's statement machinery for it cost more than the page's own query.
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE" if _wants_write() else "BEGIN")


def _wants_write() -> bool:
    from flask import has_request_context, request

    if _writer.get():
        return True
    if _reader.get():
        return False
    return has_request_context() and request.method not in READ_METHODS


def _reads_only() -> bool:
    from flask import has_request_context, request

    if _writer.get():
        return False
    return _reader.get() or (has_request_context() and request.method in READ_METHODS)


class RequestSession(FlaskSession):
    """On PostgreSQL, a request that only reads (GET, HEAD) runs in autocommit. At READ
    COMMITTED every statement takes its own snapshot anyway, so the BEGIN and ROLLBACK around
    a page view were two round trips to the server that bought nothing: a lesson page makes
    two queries. Requests that change state, and commands, keep their transactions; SQLite is
    untouched (there a read transaction does hold one snapshot for the whole page)."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        engine = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        if bind is None and engine.dialect.name == "postgresql" and _reads_only():
            return _autocommit(engine)
        return engine


_autocommit_engines: dict = {}


def _autocommit(engine: Engine) -> Engine:
    """The same engine and pool, its connections in autocommit while checked out."""
    found = _autocommit_engines.get(engine)
    if found is None:
        found = _autocommit_engines[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return found
