"""Consent to the processing of a pupil's personal data (docs/privacy.md), as plain functions
over a session; the caller commits.

The rule the class pages, the exports and the report follow: every pupil is counted in every
figure, but outside their own school (their teachers, its principal and staff) a pupil's name
is shown only once a guardian's consent is recorded and not withdrawn. Unit and city admins
see the others as "Học sinh chưa có đồng ý". A guardian consents by ticking the box when
pairing with the letter's code, or on paper, whose date the school records; a child aged 7 or
more is asked too (Luật Trẻ em 2016, art. 21), and the school records the child's answer.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask import has_request_context
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from lms.campaign import snapshots
from lms.campaign.populations import Window, pupil_population
from lms.models import Consent, User
from lms.models.base import today_in_vietnam, utcnow

CHILD_CONSENT_AGE = 7
# Who sees every name of their own school's pupils.
SCHOOL_ROLES = ("teacher", "school_admin")
# The name shown instead; outside a request (commands, files), in Vietnamese.
UNNAMED = "Học sinh chưa có đồng ý"


def active(kind: str = "guardian"):
    """SQL truth value: a consent of that kind, not withdrawn."""
    return and_(Consent.kind == kind, Consent.withdrawn_at.is_(None))


def consented_pupil_ids(session: Session, pupil_ids: Iterable[int]) -> set[int]:
    """Of these pupils, those with a guardian's consent recorded and not withdrawn."""
    ids = list(set(pupil_ids))
    found: set[int] = set()
    for start in range(0, len(ids), 500):  # well under SQLite's limit on bound parameters
        found.update(
            session.scalars(
                select(Consent.pupil_id).where(Consent.pupil_id.in_(ids[start : start + 500]), active())
            )
        )
    return found


def sees_every_name(user) -> bool:
    """The pupil's own school (the viewer already may see the pupil's class): its teachers and
    its admin. Anyone else (unit and city admins) sees a name only with a guardian's consent."""
    return getattr(user, "role", None) in SCHOOL_ROLES


def display_name(user, pupil, consented: bool) -> str:
    """The pupil's name as this viewer may see it."""
    if consented or sees_every_name(user) or getattr(user, "id", None) == pupil.id:
        return pupil.full_name
    return _("Pupil without consent yet") if has_request_context() else UNNAMED


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def asks_child(pupil: User, grade: int, today: date | None = None) -> bool:
    """A child aged 7 or more is asked too. Without a date of birth, every pupil of grade 1 or
    above is asked (a first-year pupil turns 7 during the year; asking never harms)."""
    if pupil.date_of_birth is None:
        return grade >= 1
    return age_on(pupil.date_of_birth, today or today_in_vietnam()) >= CHILD_CONSENT_AGE


def current_consents(session: Session, pupil_ids: Iterable[int]) -> dict[tuple[int, str], Consent]:
    """{(pupil id, kind): the latest consent not withdrawn}."""
    ids = list(set(pupil_ids))
    out: dict[tuple[int, str], Consent] = {}
    if not ids:
        return out
    rows = session.scalars(
        select(Consent)
        .where(Consent.pupil_id.in_(ids), Consent.withdrawn_at.is_(None))
        .order_by(Consent.given_on, Consent.id)
    )
    for consent in rows:
        out[(consent.pupil_id, consent.kind)] = consent
    return out


def record(
    session: Session, pupil_id: int, kind: str, given_by_id: int | None, source: str, given_on: date
) -> Consent:
    consent = Consent(
        pupil_id=pupil_id, kind=kind, given_by_id=given_by_id, source=source, given_on=given_on
    )
    session.add(consent)
    changed(session)
    return consent


def changed(session: Session) -> None:
    """The report's consent coverage is stored with the other figures: make it stale."""
    snapshots.touch(session)


def record_pairing(session: Session, pupil_id: int, guardian_id: int) -> Consent:
    """The guardian ticked the consent box when pairing: once per guardian while it stands."""
    existing = session.scalar(
        select(Consent).where(
            Consent.pupil_id == pupil_id, Consent.given_by_id == guardian_id, active()
        )
    )
    if existing is not None:
        return existing
    return record(session, pupil_id, "guardian", guardian_id, "pairing", today_in_vietnam())


def redate(session: Session, consent: Consent, given_on: date) -> None:
    """A paper consent's date typed wrong, corrected."""
    if consent.given_on != given_on:
        consent.given_on = given_on
        changed(session)


def withdraw(session: Session, pupil_id: int, kind: str) -> int:
    """Every standing consent of that kind for the pupil ends now; returns how many."""
    rows = session.scalars(select(Consent).where(Consent.pupil_id == pupil_id, active(kind))).all()
    now = utcnow()
    for consent in rows:
        consent.withdrawn_at = now
    if rows:
        changed(session)
    return len(rows)


# --- coverage, for the report ------------------------------------------------------------------


@dataclass
class ConsentFigure:
    """Pupils counted, and those of them with a guardian's consent as of the report's date."""

    pupils: int = 0
    with_consent: int = 0

    @property
    def percent(self) -> float:
        return round(100 * self.with_consent / self.pupils, 1) if self.pupils else 0.0

    def __add__(self, other: "ConsentFigure") -> "ConsentFigure":
        return ConsentFigure(self.pupils + other.pupils, self.with_consent + other.with_consent)

    def as_dict(self) -> dict:
        return {"pupils": self.pupils, "with_consent": self.with_consent, "percent": self.percent}


def consent_by_school(
    session: Session, window: Window, units: Iterable[int], school_id: int | None = None
) -> dict[int, ConsentFigure]:
    """{school id: ConsentFigure} over the report's pupils (lms.campaign.populations: grades 1-9,
    each once in their latest class), a consent counting when given by the as-of date and not
    withdrawn before that day ended."""
    pupils = pupil_population(window, units, school_id)
    consented = (
        select(Consent.id)
        .where(
            Consent.pupil_id == pupils.c.user_id,
            Consent.kind == "guardian",
            Consent.given_on <= window.as_of,
            or_(Consent.withdrawn_at.is_(None), Consent.withdrawn_at >= window.closes),
        )
        .exists()
    )
    rows = session.execute(
        select(pupils.c.school_id, func.count(), func.count().filter(consented)).group_by(pupils.c.school_id)
    ).all()
    return {school: ConsentFigure(n, m) for school, n, m in rows}
