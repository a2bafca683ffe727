"""Sign-in cards for young pupils: a class code and a short PIN per pupil."""

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts import hash_pin
from lms.models import Classroom, User
from lms.people.codes import ALPHABET

PIN_LENGTH = 4


def new_pin() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(PIN_LENGTH))


def ensure_signin_code(session: Session, classroom: Classroom) -> str:
    while classroom.signin_code is None:
        code = "".join(secrets.choice(ALPHABET) for _ in range(6))
        if session.scalar(select(Classroom.id).where(Classroom.signin_code == code)) is None:
            classroom.signin_code = code
    return classroom.signin_code


def reset_pins(session: Session, classroom: Classroom, pupils: list[User]) -> dict[int, str]:
    """New PINs for these pupils; returns them once, to print. Old cards stop working."""
    ensure_signin_code(session, classroom)
    pins = {}
    for pupil in pupils:
        pin = new_pin()
        pupil.pin_hash = hash_pin(pin)
        pins[pupil.id] = pin
    session.commit()
    return pins
