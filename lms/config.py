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

    # Passwords: OWASP ASVS 5.0 asks PBKDF2-SHA256 with >= 600,000 iterations.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:600000"  # noqa: S105 - a method, not a password
    # A PIN has 10^6 values at most: the rate limit protects it, not the hash cost.
    PIN_HASH_METHOD = "pbkdf2:sha256:20000"

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")

    WTF_CSRF_TIME_LIMIT = None  # a token lives as long as the session

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set LMS_HTTPS=1 when served over HTTPS
    SESSION_IDLE_TIMEOUT = timedelta(hours=2)
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)

    RATELIMIT_STORAGE_URI = None  # default: lmsdb://<instance>/ratelimits.sqlite3 (all workers)
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "30 per 15 minutes"
    PIN_LIMIT_PER_PUPIL = "5 per 15 minutes"
    PIN_LIMIT_PER_CLASS = "40 per 15 minutes"

    PAIRING_CODE_DAYS = 30

    # Coverage figures are stored once computed (lms/campaign/snapshots.py); today's are
    # computed again when older than this. 0: never store today's.
    METRICS_LIVE_SECONDS = 300

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
    if os.environ.get("LMS_HTTPS") == "1":
        env["SESSION_COOKIE_SECURE"] = True
    if os.environ.get("LMS_DEMO") == "1":
        env["ALLOW_DEFAULT_SECRET"] = True
    return env
