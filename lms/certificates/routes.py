"""Who sees which certificate, and the pages that print them (public verification:
lms.certificates.verify).

A certificate is seen by its holder, the holder's guardians, the staff who manage the holder's
class (homeroom teacher, principal) or, for staff, the school's principal, and the admins of
the issuing unit. Others get 403; an unknown or revoked certificate is 404. Printing needs the
configured public address, since the QR code and the address printed lead to it.

A pupil's name follows the consent rule (lms.people.consent): a unit or city admin sees it only
once a guardian has consented, and without it neither the name nor the verification code,
whose public page names the holder in part. Staff and admins who open a certificate, and the
class's printing, leave an entry in the access log (lms.privacy_log)."""

from dataclasses import dataclass

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from lms.access import (
    OVERSEERS,
    can_manage_class,
    learner_required,
    login_required,
    roles_required,
    unit_scope,
)
from lms.extensions import db
from lms.learning import certificates
from lms.models import Certificate, Classroom, Enrollment, Guardianship, User
from lms.people.consent import consented_pupil_ids, display_name, sees_every_name
from lms.privacy_log import record_access
from lms.teaching import matrix
from lms.teaching.printing import load_class_to_print
from lms.teaching.public_url import public_url_for, require_public_address
from lms.teaching.routes import STAFF

bp = Blueprint("certificates", __name__)


@dataclass
class Printed:
    """A certificate as printed: the holder's name as the viewer may see it, its code (None
    when sealed under another card key, or withheld with the name), the course titles it
    stands for, and the public address that verifies it."""

    certificate: Certificate
    name: str
    code: str | None
    courses: list[str]
    verify_url: str | None
    withheld: bool = False  # the name and the code, until a guardian consents


def printed(certificate: Certificate, name: str, withheld: bool = False) -> Printed:
    """`name`: the holder's as the viewer may see it; `withheld`: hidden by the consent rule,
    and the code with it."""
    if certificate.kind == "course":
        titles = [certificate.course.title]
    else:
        titles = [c.title for c in certificates.tier_courses(db.session, certificate)]
    code = None if withheld else certificates.code_of(certificate)
    url = public_url_for("certificates.verify_code", code=code) if code else None
    return Printed(certificate, name, code, titles, url, withheld)


def current_classes(user_id: int) -> list[Classroom]:
    return list(
        db.session.scalars(
            select(Classroom)
            .join(Enrollment, Enrollment.classroom_id == Classroom.id)
            .where(Enrollment.pupil_id == user_id, Enrollment.ended_on.is_(None))
        )
    )


def may_see(user, certificate: Certificate) -> bool:
    holder = certificate.user
    if user.id == holder.id:
        return True
    if user.role == "parent":
        return (
            db.session.get(Guardianship, {"guardian_id": user.id, "pupil_id": holder.id}) is not None
        )
    if user.role in OVERSEERS:
        return certificate.unit_id is not None and certificate.unit_id in unit_scope(user)
    if user.role == "school_admin" and holder.is_staff:
        return holder.school_id == user.school_id
    if user.role in ("teacher", "school_admin") and holder.role == "pupil":
        return any(can_manage_class(user, room) for room in current_classes(holder.id))
    return False


def is_family(user, certificate: Certificate) -> bool:
    """The holder, or (may_see has checked it) one of their guardians."""
    return user.id == certificate.user_id or user.role == "parent"


def shown_name(user, certificate: Certificate) -> tuple[str, bool]:
    """The holder's name for this viewer, and whether the consent rule withholds it."""
    holder = certificate.user
    if holder.role != "pupil" or is_family(user, certificate):
        return holder.full_name, False
    consented = holder.id in consented_pupil_ids(db.session, [holder.id])
    return display_name(user, holder, consented), not (consented or sees_every_name(user))


def log_view(user, certificate: Certificate) -> None:
    """Filed under the pupil's current school (else the issuing unit), or a staff member's."""
    holder = certificate.user
    school_id = holder.school_id
    if holder.role == "pupil":
        school_id = next((room.school_id for room in current_classes(holder.id)), None)
    unit_id = None if school_id else holder.unit_id or certificate.unit_id
    record_access(db.session, user, "certificate.view", "user", holder.id, unit_id, school_id)


def load_certificate(certificate_id: int) -> Certificate:
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or certificate.revoked_at is not None:
        abort(404)
    if not may_see(current_user, certificate):
        abort(403)
    return certificate


@bp.get("/certificates")
@learner_required
def mine():
    """Chứng nhận của tôi."""
    return render_template(
        "certificates/mine.html", items=certificates.of_users(db.session, [current_user.id])
    )


@bp.get("/certificates/<int:certificate_id>")
@login_required
def show(certificate_id: int):
    """One certificate, to print on A4 or to show on a phone."""
    certificate = load_certificate(certificate_id)
    require_public_address()
    if not is_family(current_user, certificate):
        log_view(current_user, certificate)
    item = printed(certificate, *shown_name(current_user, certificate))
    return render_template(
        "certificates/print.html", items=[item], title=item.name, back=back_from(certificate)
    )


def back_from(certificate: Certificate) -> str:
    if certificate.user_id == current_user.id:
        return url_for(".mine")
    if current_user.role == "parent":
        return url_for(".family")
    return url_for("teaching.classes")


@bp.get("/family/certificates")
@roles_required("parent")
def family():
    """The certificates of the parent's children."""
    children = list(
        db.session.scalars(
            select(User)
            .join(Guardianship, Guardianship.pupil_id == User.id)
            .where(Guardianship.guardian_id == current_user.id)
            .order_by(User.name_key, User.id)
        )
    )
    held = certificates.of_users(db.session, [c.id for c in children])
    by_child = [(child, [c for c in held if c.user_id == child.id]) for child in children]
    return render_template("certificates/family.html", children=by_child)


@bp.get("/teach/classes/<int:classroom_id>/certificates")
@roles_required(*STAFF)
def for_class(classroom_id: int):
    """The class's certificates in one go (only the pupils who have them): all, the tier
    certificates only (?kind=tier), or one course's (?course=<id>)."""
    room = load_class_to_print(classroom_id)
    require_public_address()
    record_access(db.session, current_user, "certificate.print", "class", room.id, school_id=room.school_id)
    pupils = matrix.class_pupils(db.session, room.id)
    order = {p.id: i for i, p in enumerate(pupils)}
    held = certificates.of_users(db.session, list(order))
    courses = sorted({c.course for c in held if c.course is not None}, key=lambda c: c.title)
    kind = request.args.get("kind")
    course_id = request.args.get("course", type=int)
    chosen = [
        c
        for c in held
        if (kind != "tier" or c.kind == "tier") and (course_id is None or c.course_id == course_id)
    ]
    chosen.sort(key=lambda c: (order[c.user_id], c.kind != "tier", c.course.title if c.course else ""))
    return render_template(
        "certificates/class.html",
        room=room,
        items=[printed(c, c.user.full_name) for c in chosen],  # the class's own school: every name
        courses=courses,
        has_tier=any(c.kind == "tier" for c in held),
        kind=kind,
        course_id=course_id,
        pupils_with=len({c.user_id for c in held}),
        pupils=len(pupils),
    )


from lms.certificates import verify  # noqa: E402,F401  (its routes join this blueprint)
