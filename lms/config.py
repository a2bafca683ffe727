"""Default settings. A deployment overrides them in instance/config.py or the environment."""

import os
from datetime import timedelta

DEFAULT_SECRET_KEY = "dev-insecure-change-me"  # noqa: S105 - the sentinel that refuses to start


class Config:
    SECRET_KEY = DEFAULT_SECRET_KEY
    SQLALCHEMY_DATABASE_URI = None  # filled in by create_app: DATABASE_URL or instance/lms.sqlite3
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLITE_BUSY_TIMEOUT_MS = 15000
    COURSES_DIR = None  # default: <project>/courses

    # Passwords: Argon2id at OWASP's first-choice parameters (time cost 2, 19 MiB, 1 lane):
    # stronger against cracking than PBKDF2 at 600,000 rounds for a fraction of its CPU per
    # sign-in. Older hashes are replaced at the next sign-in (lms.accounts).
    PASSWORD_HASH_METHOD = "argon2id"  # noqa: S105 - a method, not a password
    PASSWORD_ARGON2 = (2, 19 * 1024, 1)  # time cost, memory in KiB, parallelism

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")

    WTF_CSRF_TIME_LIMIT = None  # a token lives as long as the session

    # The largest request body: a roster upload (lms.people.roster.limits). A larger one, on
    # any route and before sign-in, is refused from its Content-Length with the 413 page,
    # unread. Form fields other than files stay within Flask's MAX_FORM_MEMORY_SIZE (500 KB).
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set LMS_HTTPS=1 when served over HTTPS
    SESSION_IDLE_TIMEOUT = timedelta(hours=2)
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)

    RATELIMIT_STORAGE_URI = None  # default: lmsdb://<instance>/ratelimits.sqlite3 (all workers)
    # Several app servers: RATELIMIT_STORAGE_URI=redis://host:6379/0 (docs/scaling.md). A sign-in
    # waits at most this long for Redis (the client's default is for ever), then fails rather
    # than go uncounted. The other storages ignore these options.
    RATELIMIT_STORAGE_OPTIONS = {"socket_timeout": 2, "socket_connect_timeout": 2}
    RATELIMIT_HEADERS_ENABLED = False
    # Failed attempts only (lms.auth.limits); docs/operations.md gives the attack cost.
    LOGIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "30 per 15 minutes"
    CODE_LIMIT_PER_ADDRESS = "30 per 15 minutes"  # setup and pairing codes, looked up or used
    PIN_LIMIT_PER_ADDRESS = "30 per 10 minutes; 200 per day"  # across all classes and pupils
    PIN_LIMIT_PER_ADDRESS_PUPIL = "5 per 10 minutes"
    PIN_LIMIT_PER_PUPIL = "10 per 5 minutes"  # from all addresses: a lock lasts minutes
    PIN_LIMIT_PER_CLASS = "60 per 5 minutes"

    PAIRING_CODE_DAYS = 30

    # The address printed on cards and letters and in their QR codes (never the request's
    # Host header); printing refuses without it outside the demo. E.g. "https://hoc.phuong.vn".
    PUBLIC_URL = None
    # The secret that seals printable PINs and codes (lms.people.sealing); default SECRET_KEY.
    CARD_KEY = None
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto headers are believed.
    TRUSTED_PROXIES = 0

    # The competency tables are stored once computed (lms/campaign/snapshots.py); today's are
    # computed again when older than this. 0: never store today's. (Coverage counts are kept
    # as the data changes, lms/campaign/tally.py, and are always current.)
    METRICS_LIVE_SECONDS = 300

    # Who viewed or exported whose personal data (lms.privacy_log) is kept this many days;
    # `flask --app lms privacy purge-log` deletes older entries (run it daily).
    ACCESS_LOG_DAYS = 365
    # Security events (lms.security_log) go to stderr, and to this file when set (mode 0600).
    SECURITY_LOG_FILE = None

    # Outside tests and the local demo the app refuses a missing or default SECRET_KEY.
    ALLOW_DEFAULT_SECRET = False


def from_environment() -> dict:
    """Settings a deployment passes as environment variables."""
    env = {}
    if os.environ.get("SECRET_KEY"):
        env["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if os.environ.get("DATABASE_URL"):
        env["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("RATELIMIT_STORAGE_URI"):
        env["RATELIMIT_STORAGE_URI"] = os.environ["RATELIMIT_STORAGE_URI"]
    if os.environ.get("METRICS_LIVE_SECONDS"):
        env["METRICS_LIVE_SECONDS"] = int(os.environ["METRICS_LIVE_SECONDS"])
    for name in ("PUBLIC_URL", "CARD_KEY"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    if os.environ.get("ACCESS_LOG_DAYS"):
        env["ACCESS_LOG_DAYS"] = int(os.environ["ACCESS_LOG_DAYS"])
    if os.environ.get("SECURITY_LOG_FILE"):
        env["SECURITY_LOG_FILE"] = os.environ["SECURITY_LOG_FILE"]
    if os.environ.get("TRUSTED_PROXIES"):
        env["TRUSTED_PROXIES"] = int(os.environ["TRUSTED_PROXIES"])
    if os.environ.get("LMS_HTTPS") == "1":
        env["SESSION_COOKIE_SECURE"] = True
    if os.environ.get("LMS_DEMO") == "1":
        env["ALLOW_DEFAULT_SECRET"] = True
    return env
