"""A rate-limit storage shared by every worker on the machine: a small SQLite file.

Flask-Limiter's default memory storage counts per process, so four gunicorn workers would
allow four times the limit. This keeps fixed-window counters in instance/ratelimits.sqlite3
(its own file, so it never waits on the application's write lock). Several machines share
limits through Redis instead: RATELIMIT_STORAGE_URI=redis://host:6379.

Its keys hold client addresses, so the file is the service user's alone (mode 0600), as the
database is (lms.db_setup.keep_private)."""

import sqlite3
import threading
import time
from urllib.parse import urlsplit

from limits.storage import RedisStorage, Storage

from lms.db_setup import keep_private

SCHEMA = """CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires_at REAL NOT NULL)"""


class SQLiteFileStorage(Storage):
    STORAGE_SCHEME = ["lmsdb"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions, **options)
        self.path = urlsplit(uri or "").path or ":memory:"
        self.local = threading.local()

    @property
    def base_exceptions(self):
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            if self.path != ":memory:":
                keep_private(self.path)
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            # Workers starting together may all set up a new file at once; switching it to
            # WAL can report "locked" at once instead of waiting, so that step is retried.
            for attempt in range(100):
                try:
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.execute("PRAGMA synchronous=NORMAL")
                    conn.execute(SCHEMA)
                    break
                except sqlite3.OperationalError as error:
                    if "locked" not in str(error) or attempt == 99:
                        raise
                    time.sleep(0.02)
            self.local.conn = conn
        return conn

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """One statement, so one atomic step (every sign-in makes a few): a counter whose
        window has ended starts again. A negative amount gives places back (lms.auth.limits), never
        below zero: a refund that lands after its window ended must not lend a try to the next."""
        now = time.time()
        (count,) = self._db().execute(
            "INSERT INTO counters (key, count, expires_at) VALUES (?1, max(?2, 0), ?3) "
            "ON CONFLICT (key) DO UPDATE SET "
            "count = max(0, CASE WHEN expires_at <= ?4 THEN ?2 ELSE count + ?2 END), "
            "expires_at = CASE WHEN expires_at <= ?4 THEN excluded.expires_at ELSE expires_at END "
            "RETURNING count",
            (key, amount, now + expiry, now),
        ).fetchone()
        return count

    def get(self, key: str) -> int:
        row = (
            self._db()
            .execute("SELECT count FROM counters WHERE key = ? AND expires_at > ?", (key, time.time()))
            .fetchone()
        )
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._db().execute("SELECT expires_at FROM counters WHERE key = ?", (key,)).fetchone()
        return row[0] if row else time.time()

    def check(self) -> bool:
        try:
            self._db().execute("SELECT 1")
            return True
        except sqlite3.Error:
            return False

    def reset(self) -> int | None:
        return self._db().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._db().execute("DELETE FROM counters WHERE key = ?", (key,))


# Redis: one step, so that two refunds of the same counter cannot both see 1 and leave -1,
# and a counter whose window has ended (its key gone) is not made again at -1 for a new one.
# DECR keeps the key's time to live: the window ends when it would have.
REDIS_GIVE_BACK = """
local count = tonumber(redis.call("get", KEYS[1]) or "0")
if count > 0 then
    return redis.call("decr", KEYS[1])
end
return 0
"""


def give_back(storage: Storage, key: str, expiry: int) -> None:
    """Return one place taken in the fixed-window counter `key` (lms.auth.limits), never below
    zero, whichever storage counts: this file (the UPSERT clamps at zero), Redis (a script),
    or the per-process memory storage of the tests."""
    if isinstance(storage, SQLiteFileStorage):
        storage.incr(key, expiry, amount=-1)
    elif isinstance(storage, RedisStorage):
        script = getattr(storage, "_lms_give_back", None)
        if script is None:
            script = storage._lms_give_back = storage.get_connection().register_script(REDIS_GIVE_BACK)
        script(keys=[storage.prefixed_key(key)])
    elif storage.get(key) > 0:  # memory:// (the tests): counted in this process alone
        storage.incr(key, expiry, amount=-1)
