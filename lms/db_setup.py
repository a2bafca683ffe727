"""Per-connection settings: SQLite in WAL mode with a busy timeout, foreign keys on."""

import functools
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.engine import Engine

_writer: ContextVar[bool] = ContextVar("writer", default=False)


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


def configure_engine(engine: Engine, busy_timeout_ms: int) -> None:
    if engine.dialect.name != "sqlite":
        return

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
        # locked" when a read transaction tries to upgrade. Reads (GET) stay concurrent.
        # Sent on the driver's connection: this runs on every request, and going through
        # SQLAlchemy's statement machinery for it cost more than the page's own query.
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE" if _wants_write() else "BEGIN")


def _wants_write() -> bool:
    from flask import has_request_context, request

    if _writer.get():
        return True
    return has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
