"""Pairing a family with a pupil through the one-time code printed on the school's letter. The
guardian consents to the child's data being processed (the privacy notice, /privacy) as they
pair: no consent, no pairing; the consent is recorded with the link (lms.people.consent). The
family is then matched to its village's household list by phone (lms.people.villages)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.models import Guardianship, User
from lms.models.base import utcnow
from lms.people import consent as consents
from lms.people.codes import find_code, use_code
from lms.people.households import link_guardian
from lms.people.names import name_sort_key, normalize_name
from lms.people.villages import match_for_phones


class PairingError(Exception):
    """reason: 'phone_taken', 'phone_other_family', 'not_parent', 'no_consent'."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def pair(session: Session, parent: User, code: str, *, consent: bool) -> User:
    """Link a signed-in parent to the code's pupil, with their consent. Returns the pupil."""
    if parent.role != "parent":
        raise PairingError("not_parent")
    if not consent:
        raise PairingError("no_consent")
    row = find_code(session, code, "pairing")
    use_code(session, row, parent)
    pupil = row.user
    link_guardian(session, parent, pupil)
    consents.record_pairing(session, pupil.id, parent.id)
    match_for_phones(session, [parent.phone])
    session.commit()
    return pupil


def signup_and_pair(
    session: Session, code: str, full_name: str, phone: str, password_hash: str, *, consent: bool
) -> tuple[User, User]:
    """Create the parent's account (or claim the record the roster made for that phone), with
    their consent. The caller hashes the password first (lms.accounts.hash_password), outside
    the write transaction, so the slow hash holds no lock."""
    if not consent:
        raise PairingError("no_consent")
    row = find_code(session, code, "pairing")
    pupil = row.user
    name = normalize_name(full_name)
    parent = session.scalar(select(User).where(User.phone == phone))
    if parent is not None:
        if parent.password_hash or parent.role != "parent":
            raise PairingError("phone_taken")
        # The roster named this phone; only this pupil's own guardian may claim it.
        linked = session.scalar(
            select(Guardianship).where(
                Guardianship.guardian_id == parent.id, Guardianship.pupil_id == pupil.id
            )
        )
        if linked is None:
            raise PairingError("phone_other_family")
    else:
        parent = User(role="parent", tier="parent", phone=phone)
        session.add(parent)
    parent.full_name = name
    parent.name_key = name_sort_key(name)
    parent.password_hash = password_hash
    parent.claimed_at = utcnow()
    session.flush()
    use_code(session, row, parent)
    link_guardian(session, parent, pupil)
    consents.record_pairing(session, pupil.id, parent.id)
    match_for_phones(session, [parent.phone])
    session.commit()
    return parent, pupil
