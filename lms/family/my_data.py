"""A person's own data to download (Luật Bảo vệ dữ liệu cá nhân: the right to see one's data):
a parent's own and their children's, a learner's or any account's own, as JSON and as XLSX.

Nothing in the address names a person: each download is of the signed-in account and the
children linked to it, so no one can ask for another family's. What is included:
lms.people.own_data. Every cell is written by lms.spreadsheets (text never a formula), and
every download is sent with Cache-Control: no-store."""

import json

from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from lms import security_log
from lms.access import login_required
from lms.extensions import db
from lms.family.routes import bp
from lms.formatting import role_name, tier_name
from lms.models.base import today_in_vietnam
from lms.people.own_data import OwnData, Person, gather, plain
from lms.spreadsheets import XLSX, append_row, download, sheet_title, workbook_bytes


def _mine() -> OwnData:
    return gather(db.session, current_user.id, today_in_vietnam())


def _filename(data: OwnData, extension: str) -> str:
    return f"du-lieu-cua-toi-{data.generated_on.isoformat()}.{extension}"


@bp.get("/my-data")
@login_required
def my_data():
    """What the platform holds about the signed-in person (and their children), to download."""
    return render_template("family/my_data.html", data=_mine())


def _exported(fmt: str) -> None:
    """Every download of personal data is a security event (lms.security_log)."""
    security_log.event("export", action=f"own_data.{fmt}", subject=f"user:{current_user.id}")


@bp.get("/my-data.json")
@login_required
def my_data_json():
    data = _mine()
    _exported("json")
    text = json.dumps(plain(data.as_dict()), ensure_ascii=False, indent=2)
    return download(text.encode("utf-8"), _filename(data, "json"), "application/json")


@bp.get("/my-data.xlsx")
@login_required
def my_data_xlsx():
    data = _mine()
    _exported("xlsx")
    return download(workbook_bytes(workbook(data)), _filename(data, "xlsx"), XLSX)


# --- the workbook ----------------------------------------------------------------------------

def _score(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list], widths: list[int]) -> None:
    sheet = book.create_sheet(sheet_title(title))
    append_row(sheet, header, bold=True, wrap=True)
    for row in rows:
        append_row(sheet, row)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"


def _certificate_title(item: dict) -> str:
    if item["kind"] == "tier":
        return _("All required courses for %(tier)s", tier=tier_name(item["tier"]))
    return item["course"] or ""


def workbook(data: OwnData) -> Workbook:
    """One sheet per kind of data, one row per item, the person's name first on each row."""
    people: list[Person] = [data.person, *data.children]
    book = Workbook()
    book.remove(book.active)
    _sheet(
        book,
        _("People"),
        [_("Name"), _("Account type"), _("Account number"), _("Username"), _("Phone"), _("Pupil code"),
         _("Date of birth"), _("Class"), _("School"), _("Unit"), _("Account created on"),
         _("First signed in on")],
        [
            [p.name, role_name(p.role), p.account_number, p.username, p.phone, p.student_code,
             p.date_of_birth, p.current_class, p.current_school or p.school, p.unit,
             p.account_created_on, p.first_signed_in_on]
            for p in people
        ],
        [28, 16, 10, 16, 14, 14, 12, 10, 28, 20, 12, 12],
    )
    _sheet(
        book,
        _("Classes"),
        [_("Name"), _("Class"), _("School"), _("School year"), _("From"), _("Until")],
        [[p.name, e["class"], e["school"], e["school_year"], e["started_on"], e["ended_on"]]
         for p in people for e in p.enrolments],
        [28, 10, 28, 12, 12, 12],
    )
    _sheet(
        book,
        _("Completed courses"),
        [_("Name"), _("Course"), _("Completed on"), _("Score (%)")],
        [[p.name, c["course"], c["completed_on"], _score(c["score"])] for p in people for c in p.completions],
        [28, 40, 12, 10],
    )
    _sheet(
        book,
        _("Lessons read"),
        [_("Name"), _("Course"), _("Lesson"), _("Read on")],
        [[p.name, r["course"], r["lesson"], r["read_on"]] for p in people for r in p.lessons_read],
        [28, 40, 40, 12],
    )
    _sheet(
        book,
        _("Quiz attempts"),
        [_("Name"), _("Course"), _("Submitted on"), _("Score (%)"), _("Passed")],
        [[p.name, a["course"], a["submitted_on"], _score(a["score"]), _("yes") if a["passed"] else _("no")]
         for p in people for a in p.quiz_attempts],
        [28, 40, 12, 10, 8],
    )
    _sheet(
        book,
        _("Certificates"),
        [_("Name"), _("Certificate"), _("Campaign"), _("Issued on"), _("Issuing unit")],
        [[p.name, _certificate_title(c), c["campaign"], c["issued_on"], c["issuing_unit"]]
         for p in people for c in p.certificates],
        [28, 40, 28, 12, 24],
    )
    _sheet(
        book,
        _("Consents"),
        [_("Name"), _("Consent"), _("How it was given"), _("Given on"), _("Withdrawn on")],
        [[p.name, _consent_kind(c["kind"]), _consent_source(c["source"]), c["given_on"], c["withdrawn_on"]]
         for p in people for c in p.consents],
        [28, 24, 20, 12, 12],
    )
    return book


def _consent_kind(kind: str) -> str:
    return _("the guardian's") if kind == "guardian" else _("the child's own")


def _consent_source(source: str) -> str:
    return _("on pairing") if source == "pairing" else _("on a paper form")
