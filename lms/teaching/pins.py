"""Sign-in cards for young pupils: a class code and a short PIN per pupil.

A PIN is kept twice: a keyed hash to check it (lms.accounts.verify_pin) and sealed under the
card key (lms.people.sealing) so the same card can be printed again. PINs from before sealing
have only a PBKDF2 hash: they keep working, but their cards cannot be reprinted."""

import secrets
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts import PIN_PREFIX, hash_pin
from lms.models import Classroom, User
from lms.people.codes import ALPHABET
from lms.people.sealing import seal, unseal

PIN_LENGTH = 4


def new_pin() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(PIN_LENGTH))


def ensure_signin_code(session: Session, classroom: Classroom) -> str:
    while classroom.signin_code is None:
        code = "".join(secrets.choice(ALPHABET) for _ in range(6))
        if session.scalar(select(Classroom.id).where(Classroom.signin_code == code)) is None:
            classroom.signin_code = code
    return classroom.signin_code


def _sealed_as(pupil: User) -> str:
    """What a PIN is sealed to: a sealed PIN moved to another pupil does not open."""
    return f"pin:{pupil.id}"


def set_pin(pupil: User, pin: str) -> None:
    """The pupil's PIN from now on; the card with any earlier PIN stops working."""
    pupil.pin_hash = hash_pin(pin, pupil.id)
    pupil.pin_sealed = seal(pin, _sealed_as(pupil))


def issue_pins(session: Session, classroom: Classroom, pupils: list[User]) -> None:
    """New PINs for these pupils (and the class's code if it has none yet)."""
    ensure_signin_code(session, classroom)
    for pupil in pupils:
        set_pin(pupil, new_pin())
    session.commit()


@dataclass
class Cards:
    """The class's cards as they stand: which can be printed, which pupils have none."""

    pins: dict[int, str] = field(default_factory=dict)  # printable: pupil id -> PIN
    without: list[User] = field(default_factory=list)  # no PIN that works: issuing voids nothing
    lost: list[User] = field(default_factory=list)  # of those, sealed under another card key
    unprintable: list[User] = field(default_factory=list)  # a working PIN from before sealing

    def works(self, pupil: User) -> bool:
        """Whether this pupil has a card that signs in today (a new PIN would void it)."""
        return pupil.id in self.pins or pupil in self.unprintable


def card_state(pupils: list[User]) -> Cards:
    cards = Cards()
    for pupil in pupils:
        pin = unseal(pupil.pin_sealed, _sealed_as(pupil))
        if pin is not None:
            cards.pins[pupil.id] = pin
        elif pupil.pin_sealed or (pupil.pin_hash or "").startswith(PIN_PREFIX):
            # Sealed or hashed under another key: that card no longer signs in either.
            cards.without.append(pupil)
            cards.lost.append(pupil)
        elif pupil.pin_hash:
            cards.unprintable.append(pupil)
        else:
            cards.without.append(pupil)
    return cards
