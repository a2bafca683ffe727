"""One-time printed codes: a staff member's first sign-in and a family's pairing with a pupil.

Only a hash is stored; the code itself exists on the printed page."""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lms.models import OneTimeCode, User
from lms.models.base import utcnow

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on phones
KINDS = ("setup", "pairing")


class CodeError(Exception):
    """reason: 'invalid', 'used' or 'expired'."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def normalize_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _digest(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def issue_code(session: Session, kind: str, user: User, created_by: User | None, days: int) -> str:
    """A new code for user; earlier unused codes of the same kind for them stop working."""
    if kind not in KINDS:
        raise ValueError(kind)
    now = utcnow()
    session.execute(
        update(OneTimeCode)
        .where(
            OneTimeCode.user_id == user.id,
            OneTimeCode.kind == kind,
            OneTimeCode.used_at.is_(None),
            OneTimeCode.expires_at > now,
        )
        .values(expires_at=now)
    )
    raw = "".join(secrets.choice(ALPHABET) for _ in range(8))
    session.add(
        OneTimeCode(
            kind=kind,
            code_hash=_digest(raw),
            user_id=user.id,
            created_by_id=created_by.id if created_by else None,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    return f"{raw[:4]}-{raw[4:]}"


def find_code(session: Session, code: str, kind: str) -> OneTimeCode:
    """The code's row if it can still be used; CodeError says why not."""
    if len(normalize_code(code)) != 8:
        raise CodeError("invalid")
    row = session.scalar(
        select(OneTimeCode).where(OneTimeCode.code_hash == _digest(code), OneTimeCode.kind == kind)
    )
    if row is None:
        raise CodeError("invalid")
    if row.used_at is not None:
        raise CodeError("used")
    if row.expires_at <= utcnow():
        raise CodeError("expired")
    return row


def use_code(session: Session, row: OneTimeCode, used_by: User) -> None:
    """Compare-and-set, so one code serves one person even if two submit it at once."""
    claimed = session.execute(
        update(OneTimeCode)
        .where(OneTimeCode.id == row.id, OneTimeCode.used_at.is_(None))
        .values(used_at=utcnow(), used_by_id=used_by.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise CodeError("used")
