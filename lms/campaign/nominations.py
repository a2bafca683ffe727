"""Nominees for the models (lms/models/models_of_practice.py): marked and unmarked by the unit
admin, one mark per unit, model, year and subject. Plain functions over a session; the caller
commits."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.models import MODELS, Classroom, ListedHousehold, Nomination, School, User, Village
from lms.models.base import utcnow
from lms.upsert import insert_ignore

STAFF = ("teacher", "school_admin")


def subject_in_unit(session: Session, model: str, subject_id: int, unit_id: int) -> bool:
    """Whether the subject exists and belongs to the unit: a school of it, a class of its
    schools, a member of its schools' staff, a household on its villages' lists."""
    if model == "school":
        query = select(School.id).where(School.id == subject_id, School.unit_id == unit_id)
    elif model == "class":
        query = (
            select(Classroom.id)
            .join(School, School.id == Classroom.school_id)
            .where(Classroom.id == subject_id, School.unit_id == unit_id)
        )
    elif model == "teacher":
        query = (
            select(User.id)
            .join(School, School.id == User.school_id)
            .where(User.id == subject_id, User.role.in_(STAFF), School.unit_id == unit_id)
        )
    elif model == "household":
        query = (
            select(ListedHousehold.id)
            .join(Village, Village.id == ListedHousehold.village_id)
            .where(ListedHousehold.id == subject_id, Village.unit_id == unit_id)
        )
    else:
        return False
    return session.scalar(query) is not None


def mark(session: Session, unit_id: int, model: str, year: int, subject_id: int, by: User) -> Nomination:
    """The subject's mark for the model and year; an existing mark stays as it was (two admins
    marking at once make one: the insert gives way on the unique key)."""
    key = {
        "unit_id": unit_id,
        "model": model,
        "year": year,
        "subject_kind": MODELS[model],
        "subject_id": subject_id,
    }
    session.execute(
        insert_ignore(session, Nomination, {**key, "marked_by_id": by.id, "marked_at": utcnow()}, list(key))
    )
    return session.scalar(select(Nomination).where(*(getattr(Nomination, k) == v for k, v in key.items())))


@dataclass
class Nominee:
    id: int
    subject_id: int
    name: str
    marked_by: str
    marked_at: datetime


def nominees(session: Session, unit_id: int, model: str, year: int) -> list[Nominee]:
    """The unit's nominees for the model in the year, with what names them, in marking order;
    a subject that no longer exists is left out."""
    marks = session.execute(
        select(Nomination.id, Nomination.subject_id, User.full_name, Nomination.marked_at)
        .join(User, User.id == Nomination.marked_by_id)
        .where(Nomination.unit_id == unit_id, Nomination.model == model, Nomination.year == year)
        .order_by(Nomination.marked_at, Nomination.id)
    ).all()
    names = subject_names(session, model, {m.subject_id for m in marks})
    return [
        Nominee(m.id, m.subject_id, names[m.subject_id], m.full_name, m.marked_at)
        for m in marks
        if m.subject_id in names
    ]


def subject_names(session: Session, model: str, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    if model == "school":
        query = select(School.id, School.name).where(School.id.in_(ids))
    elif model == "class":
        query = (
            select(Classroom.id, Classroom.name + " · " + School.name)
            .join(School, School.id == Classroom.school_id)
            .where(Classroom.id.in_(ids))
        )
    elif model == "teacher":
        query = select(User.id, User.full_name).where(User.id.in_(ids))
    else:
        query = select(ListedHousehold.id, ListedHousehold.code + " · " + ListedHousehold.head_name).where(
            ListedHousehold.id.in_(ids)
        )
    return dict(session.execute(query).all())
