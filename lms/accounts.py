"""Accounts: password and PIN hashing, server-side sessions that a logout really ends."""

import hmac
import secrets
from datetime import datetime
from types import SimpleNamespace

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, session
from flask_login import UserMixin, login_user
from sqlalchemy import bindparam, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from lms.extensions import db, login_manager
from lms.models import User, UserSession
from lms.models.base import utcnow
from lms.models.people import AccountTraits
from lms.people.sealing import keyed_digest

# Spent on unknown usernames too, so a miss takes as long as a wrong password (one per method).
_DUMMY_HASHES: dict[tuple, str] = {}
PIN_PREFIX = "hmac-sha256$"


def _method() -> tuple:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method == "argon2id":
        return (method, *current_app.config["PASSWORD_ARGON2"])
    return (method,)


_HASHERS: dict[tuple, PasswordHasher] = {}


def _argon2(method: tuple) -> PasswordHasher:
    hasher = _HASHERS.get(method)
    if hasher is None:
        time_cost, memory_kib, parallelism = method[1:]
        hasher = _HASHERS[method] = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism
        )
    return hasher


def hash_password(password: str) -> str:
    """Argon2id at OWASP's parameters (lms.config); "pbkdf2:…" methods remain for tests."""
    method = _method()
    if method[0] == "argon2id":
        return _argon2(method).hash(password)
    return generate_password_hash(password, method=method[0])


def password_needs_rehash(stored: str) -> bool:
    """A hash made by another method or weaker parameters (PBKDF2 before Argon2id): it is
    replaced at the account's next successful sign-in, when the password is at hand."""
    method = _method()
    if method[0] == "argon2id":
        return not stored.startswith("$argon2id$") or _argon2(method).check_needs_rehash(stored)
    return not stored.startswith(method[0] + "$")


def _check(stored: str, password: str) -> bool:
    if stored.startswith("$argon2"):
        try:
            return PasswordHasher().verify(stored, password)  # parameters come from the hash
        except (VerificationError, InvalidHashError):
            return False
    return check_password_hash(stored, password)


def hash_pin(pin: str, user_id: int) -> str:
    """A keyed hash (lms.people.sealing): a slow hash adds nothing to 10^4 PINs, a key does."""
    return PIN_PREFIX + keyed_digest("pin v1", f"{user_id}:{pin}")


def verify_password(user: User | None, password: str) -> bool:
    if user is None or not user.password_hash:
        method = _method()
        if method not in _DUMMY_HASHES:
            _DUMMY_HASHES[method] = hash_password(secrets.token_hex(8))
        _check(_DUMMY_HASHES[method], password)
        return False
    return _check(user.password_hash, password)


def verify_pin(user: User, pin: str) -> bool:
    """Keyed hashes, and the PBKDF2 hashes of PINs issued before them until they are reissued."""
    if not user.pin_hash:
        return False
    if user.pin_hash.startswith(PIN_PREFIX):
        return hmac.compare_digest(user.pin_hash, hash_pin(pin, user.id))
    return check_password_hash(user.pin_hash, pin)


def start_session(user: User) -> str:
    """A fresh server-side session; the old Flask session is cleared (no fixation)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(token=token, user_id=user.id))
    db.session.commit()
    user.session_token = token
    session["seen"] = utcnow().timestamp()
    return token


def sign_in(user: User) -> None:
    """A new server-side session for `user`, and Flask-Login's mark of it in the cookie. The
    rest of the request sees the account as later requests do (SignedInUser), read before the
    commit: reading the committed, expired `user` again would begin a second transaction, on
    SQLite a second turn at the write lock for every sign-in."""
    row = SimpleNamespace(**{name: getattr(user, name) for name in SignedInUser._columns})
    token = start_session(user)
    login_user(SignedInUser(row, token))
    # Flask-Login also keeps a hash of the address and browser ("_id", 128 characters) for its
    # session protection, which is off here (lms.extensions): every request would carry it.
    session.pop("_id", None)


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token == token, UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        db.session.commit()


def end_all_sessions(user_id: int) -> None:
    """Used when an admin disables an account: every device is signed out."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


class SignedInUser(AccountTraits, UserMixin):
    """The signed-in account, read as one row on every request: the columns that access
    checks, menus and learner pages use (an ORM entity costs more than the page's own query).
    Any other attribute (a relationship, another column) loads the full User on first use;
    code that changes the account works on `record()`, and setting anything here fails."""

    _columns = ("id", "role", "tier", "school_id", "full_name", "active")
    __slots__ = (*_columns, "session_token", "_record")

    def __init__(self, row, token: str):
        for name in self._columns:
            object.__setattr__(self, name, getattr(row, name))
        object.__setattr__(self, "session_token", token)
        object.__setattr__(self, "_record", None)

    def get_id(self) -> str:
        return self.session_token

    def record(self) -> User:
        if self._record is None:
            object.__setattr__(self, "_record", db.session.get(User, self.id))
        return self._record

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.record(), name)

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError(f"SignedInUser is read-only; change record().{name} instead")


# Built once: this runs on every signed-in request.
_SESSION_USER = (
    select(*(getattr(User, name) for name in SignedInUser._columns), UserSession.created_at)
    .join(UserSession, UserSession.user_id == User.id)
    .where(UserSession.token == bindparam("token"), UserSession.revoked_at.is_(None))
)


# The key, in the signed cookie, of an assisted session (lms.auth.assisting): the browser is
# signed in as the person helped, and the helper's own session waits there to come back to.
ASSISTED = "assisted"


@login_manager.user_loader
def load_user(token: str) -> SignedInUser | None:
    user = session_user(token)
    if session.get(ASSISTED) is not None:
        from lms.auth import assisting

        user = assisting.checked(user)
    return user


def session_user(token: str) -> SignedInUser | None:
    """The account of this server-side session, if it is live and has not been idle too long."""
    row = db.session.connection().execute(_SESSION_USER, {"token": token}).first()
    if row is None:
        return None
    now = utcnow()
    if not row.active or now - row.created_at > current_app.config["SESSION_ABSOLUTE_TIMEOUT"]:
        return None
    seen = session.get("seen")
    idle = current_app.config["SESSION_IDLE_TIMEOUT"]
    if seen is None or now - datetime.fromtimestamp(seen) > idle:
        return None
    # The idle clock lives in the signed cookie, refreshed at most once a minute, so a page
    # view never writes to the database.
    if now.timestamp() - seen > 60:
        session["seen"] = now.timestamp()
    return SignedInUser(row, token)
