"""Reading the access log (lms.privacy_log): who viewed, printed or exported whose personal
data. The principal reads the entries about their school, a unit admin those of their ward or
commune, the city admin those of the city (its wards and communes, and the city's own reports).
Filtered by days and by viewer, newest first, a page at a time; no script."""

from datetime import date, datetime, time, timedelta

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import ColumnElement, false, or_, select

from lms.access import ADMINS, roles_required, unit_scope
from lms.admin.routes import bp
from lms.extensions import db
from lms.models import AccessLog, Classroom, School, Unit, User
from lms.models.base import VIETNAM
from lms.people import consent as consents
from lms.people.phones import normalize_phone
from lms.people.units import the_city

PER_PAGE = 50

ACTIONS = {
    "class.view": _l("viewed the class page"),
    "class.export": _l("downloaded the class's progress"),
    "class.print": _l("printed the class's progress"),
    "cards.print": _l("printed sign-in cards"),
    "letters.print": _l("printed letters to families"),
    "certificate.print": _l("printed certificates"),
    "certificate.view": _l("viewed a certificate"),
    "households.view": _l("viewed a village's households"),
    "team.view": _l("viewed a village's team"),
    "evidence.view": _l("viewed the evidence for the models"),
    "evidence.export": _l("downloaded the evidence for the models"),
    "consent.view": _l("viewed the class's consents"),
    "school.view": _l("viewed the school page"),
    "staff.view": _l("viewed the school's staff"),
    "officials.view": _l("viewed the unit's officials"),
    "report.export": _l("downloaded the report"),
}


def visible_to(user) -> ColumnElement[bool]:
    """The entries this admin may read."""
    if user.role == "school_admin":
        return AccessLog.school_id == user.school_id if user.school_id else false()
    clause = AccessLog.unit_id.in_(unit_scope(user))
    if user.role == "city_admin":
        city = db.session.get(Unit, user.unit_id) if user.unit_id else the_city(db.session)
        if city is not None and city.is_city:
            clause = or_(clause, AccessLog.unit_id == city.id)
        elif user.unit_id is None:  # a deployment without a city unit: reports of all of it
            clause = or_(clause, AccessLog.unit_id.is_(None))
    return clause


def day_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name) or "")
    except ValueError:
        return None


def utc_start(day: date) -> datetime:
    """The start of a Vietnamese day, as stored (naive UTC)."""
    return datetime.combine(day, time()) - VIETNAM


def viewer_matches(text: str) -> ColumnElement[bool]:
    """A viewer typed as a username, a phone number or part of a name."""
    clauses = [User.username == text.casefold(), User.full_name.ilike(f"%{text}%")]
    phone = normalize_phone(text)
    if phone:
        clauses.append(User.phone == phone)
    return or_(*clauses)


def subject_names(entries: list[AccessLog]) -> dict[tuple[str, int], str]:
    """What each entry was about, as a reader names it: one query per kind on the page."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.subject_id is not None:
            wanted.setdefault(entry.subject_kind, set()).add(entry.subject_id)
    names = {}
    if wanted.get("class"):
        rows = db.session.execute(
            select(Classroom.id, Classroom.name, Classroom.school_year, School.name)
            .join(School, School.id == Classroom.school_id)
            .where(Classroom.id.in_(wanted["class"]))
        )
        for room_id, name, year, school in rows:
            names[("class", room_id)] = _("Class %(name)s", name=name) + f" ({year}), {school}"
    for kind, model, column in (("school", School, School.name), ("unit", Unit, Unit.name)):
        if wanted.get(kind):
            rows = db.session.execute(select(model.id, column).where(model.id.in_(wanted[kind])))
            names.update({(kind, row_id): name for row_id, name in rows})
    if wanted.get("user"):
        # A pupil is named to a unit or city admin only with a guardian's consent, here too.
        people = list(db.session.scalars(select(User).where(User.id.in_(wanted["user"]))))
        pupils = [p.id for p in people if p.role == "pupil"]
        agreed = consents.consented_pupil_ids(db.session, pupils) if pupils else set()
        for person in people:
            names[("user", person.id)] = consents.display_name(
                current_user, person, person.role != "pupil" or person.id in agreed
            )
    return names


@bp.get("/access-log")
@roles_required(*ADMINS)
def access_log():
    start, end = day_arg("from"), day_arg("to")
    viewer_id = request.args.get("viewer", type=int)
    who = (request.args.get("who") or "").strip()[:80]
    page = max(request.args.get("page", 1, type=int), 1)
    query = (
        select(AccessLog, User)
        .outerjoin(User, User.id == AccessLog.viewer_id)
        .where(visible_to(current_user))
        .order_by(AccessLog.at.desc(), AccessLog.id.desc())
    )
    if start is not None:
        query = query.where(AccessLog.at >= utc_start(start))
    if end is not None:
        query = query.where(AccessLog.at < utc_start(end + timedelta(days=1)))
    if viewer_id is not None:
        query = query.where(AccessLog.viewer_id == viewer_id)
    elif who:
        query = query.where(viewer_matches(who))
    rows = db.session.execute(query.offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1)).all()
    entries = rows[:PER_PAGE]
    filters = {"from": start, "to": end, "viewer": viewer_id, "who": who or None}
    return render_template(
        "admin/access_log.html",
        entries=entries,
        names=subject_names([entry for entry, _viewer in entries]),
        actions=ACTIONS,
        filters={k: v for k, v in filters.items() if v is not None},
        # Named from the entries found, never looked up by the id in the address.
        viewer=entries[0][1] if viewer_id is not None and entries else None,
        page=page,
        more=len(rows) > PER_PAGE,
    )
