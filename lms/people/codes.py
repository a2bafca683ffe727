"""One-time printed codes: a staff member's first sign-in and a family's pairing with a pupil.

A code is found through its keyed hash (lms.people.sealing); a pairing code is also kept
sealed, so the same letter can be printed again while the code is unused. A new code for the
same person and purpose replaces the earlier one, which then says so when typed."""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lms.models import OneTimeCode, User
from lms.models.base import utcnow
from lms.people.sealing import keyed_digest, seal, unseal

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on phones
KINDS = ("setup", "pairing")


class CodeError(Exception):
    """reason: 'invalid', 'used', 'expired', or 'replaced' / 'replaced_setup' (a newer code
    for the same person took its place)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def normalize_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def code_digest(code: str) -> str:
    """How a code is stored and found: an HMAC under the card key."""
    return keyed_digest("one-time code v1", normalize_code(code))


def _legacy_digest(code: str) -> str:
    """Codes printed before the keyed hash: plain SHA-256."""
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def _context(kind: str, user_id: int) -> str:
    return f"code:{kind}:{user_id}"


def _live(kind: str, now):
    return (
        OneTimeCode.kind == kind,
        OneTimeCode.used_at.is_(None),
        OneTimeCode.replaced_at.is_(None),
        OneTimeCode.expires_at > now,
    )


def issue_code(
    session: Session,
    kind: str,
    user: User,
    created_by: User | None,
    days: int,
    *,
    printable: bool = False,
) -> str:
    """A new code for user; earlier live codes of the same kind for them are replaced.
    `printable`: kept sealed so that the same code can be printed again."""
    if kind not in KINDS:
        raise ValueError(kind)
    now = utcnow()
    session.execute(
        update(OneTimeCode).where(OneTimeCode.user_id == user.id, *_live(kind, now)).values(replaced_at=now)
    )
    raw = "".join(secrets.choice(ALPHABET) for _ in range(8))
    code = f"{raw[:4]}-{raw[4:]}"
    session.add(
        OneTimeCode(
            kind=kind,
            code_hash=code_digest(raw),
            code_sealed=seal(code, _context(kind, user.id)) if printable else None,
            user_id=user.id,
            created_by_id=created_by.id if created_by else None,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    return code


def live_codes(session: Session, kind: str, user_ids: list[int]) -> dict[int, OneTimeCode]:
    """Each user's code that still works (unused, unexpired, not replaced), if any."""
    if not user_ids:
        return {}
    rows = session.scalars(
        select(OneTimeCode)
        .where(OneTimeCode.user_id.in_(user_ids), *_live(kind, utcnow()))
        .order_by(OneTimeCode.created_at)
    )
    return {row.user_id: row for row in rows}


def open_code(row: OneTimeCode) -> str | None:
    """The printable code, or None: issued before codes were kept, or under another card key."""
    return unseal(row.code_sealed, _context(row.kind, row.user_id))


def find_code(session: Session, code: str, kind: str) -> OneTimeCode:
    """The code's row if it can still be used; CodeError says why not."""
    if len(normalize_code(code)) != 8:
        raise CodeError("invalid")
    row = session.scalar(
        select(OneTimeCode).where(
            OneTimeCode.code_hash.in_((code_digest(code), _legacy_digest(code))), OneTimeCode.kind == kind
        )
    )
    if row is None:
        raise CodeError("invalid")
    if row.used_at is not None:
        raise CodeError("used")
    if row.replaced_at is not None:
        raise CodeError("replaced" if kind == "pairing" else "replaced_setup")
    if row.expires_at <= utcnow():
        raise CodeError("expired")
    return row


def use_code(session: Session, row: OneTimeCode, used_by: User) -> None:
    """Compare-and-set, so one code serves one person even if two submit it at once."""
    claimed = session.execute(
        update(OneTimeCode)
        .where(
            OneTimeCode.id == row.id,
            OneTimeCode.used_at.is_(None),
            OneTimeCode.replaced_at.is_(None),
        )
        .values(used_at=utcnow(), used_by_id=used_by.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise CodeError("used")
