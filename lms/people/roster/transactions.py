"""The import's two transactions: read and check everything in one that holds no write lock,
then write in one short one.

The app's sessions take their kind of transaction from the request (lms.db_setup: on SQLite
a POST begins with BEGIN IMMEDIATE, and so does a command under `writes`), which would hold
the write lock through the whole check of a 20,000-row file. So the reading runs on a session
of its own, in a fresh context that carries neither the request nor `writing()`: its
transaction is a plain BEGIN (in WAL mode a snapshot that holds back no writer; on PostgreSQL
an ordinary transaction, whose reads lock nothing), and it is never flushed. The write then
goes through the caller's session inside `writing()`: BEGIN IMMEDIATE, so no other writer comes
between the check that nothing changed meanwhile (the data version) and the commit.
"""

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.orm import Session, scoped_session

from lms.db_setup import writing

T = TypeVar("T")


def read_apart(session: Session, work: Callable[[Session], T]) -> T:
    """work(reader) on a session of its own that only reads; its result is returned. ORM
    objects in it are detached afterwards, with the attributes that were loaded."""
    end_transaction(session)
    engine = _own(session).get_bind()

    def run() -> T:
        with Session(bind=engine, autoflush=False) as reader:
            return work(reader)  # closed without a flush: nothing it added is written

    return contextvars.Context().run(run)


@contextmanager
def write_transaction(session: Session) -> Iterator[Session]:
    """The caller's session in a write transaction of its own, committed on leaving (rolled
    back on an exception)."""
    end_transaction(session)
    with writing():
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def end_transaction(session: Session | scoped_session | None) -> None:
    """Commit the caller's transaction, if one is open: on a POST, the signed-in user's lookup
    began one that holds the write lock (lms.db_setup)."""
    if session is not None and _own(session).in_transaction():
        session.commit()


def _own(session: Session | scoped_session) -> Session:
    return session() if isinstance(session, scoped_session) else session
