"""Evidence for the models and event days of a ward or commune (issue 18), on the campaign's
blueprint:

- /dashboard/units/<id>/evidence/<table> (schools, classes, teachers, households): the figures
  of lms.campaign.evidence and lms.campaign.digital_families, sorted by `?sort=<column>` (a
  leading "-": descending), a page at a time; `.xlsx` the whole table. The unit admin sees their
  unit's, the city admin any unit's, a principal their own school's classes and teachers.
- Nominees: the unit admin marks and unmarks them (POST, CSRF), per model and `?year=`.
- /dashboard/units/<id>/events: the event days and what was completed on each.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from openpyxl import Workbook

from lms import spreadsheets
from lms.access import ADMINS, OVERSEERS, load_unit, roles_required
from lms.campaign import digital_families, events, evidence, metrics, nominations
from lms.campaign.evidence_tables import (
    COLUMNS,
    MODEL_NAMES,
    PER_PAGE,
    TABLE_NAMES,
    sheet_rows,
    sort_rows,
    year_of,
)
from lms.campaign.forms import NominationForm
from lms.campaign.routes import bp
from lms.extensions import db
from lms.models import Nomination, Unit
from lms.models.base import today_in_vietnam
from lms.privacy_log import record_access

TABLES = {"schools": "school", "classes": "class", "teachers": "teacher", "households": "household"}
PRINCIPAL_TABLES = ("classes", "teachers")
ANY_TABLE = "any(schools,classes,teachers,households)"


def evidence_unit(unit_id: int, table: str) -> tuple[Unit, int | None]:
    """The unit and, for a principal, their school: 404 for no such unit, 403 for another's,
    and for a principal a table other than their classes and teachers."""
    if current_user.role != "school_admin":
        return load_unit(unit_id), None
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.is_city:
        abort(404)
    school = current_user.school
    if school is None or school.unit_id != unit.id or table not in PRINCIPAL_TABLES:
        abort(403)
    return unit, school.id


def campaign_of(unit: Unit):
    return metrics.current_campaign(db.session, unit.id) or abort(404)


def table_rows(table: str, scope: evidence.Scope) -> list:
    if table == "schools":
        return evidence.school_rows(db.session, scope)
    if table == "classes":
        return evidence.class_rows(db.session, scope)
    if table == "teachers":
        return evidence.teacher_rows(db.session, scope)
    return digital_families.household_rows(db.session, scope)


def logged(unit: Unit, school_id: int | None, action: str) -> None:
    """The tables name people (homeroom teachers, staff, heads of households, who marked a
    nominee): each view and export is in the access log."""
    record_access(db.session, current_user, action, "unit", unit.id, unit.id, school_id)


@bp.get(f"/units/<int:unit_id>/evidence/<{ANY_TABLE}:table>")
@roles_required(*ADMINS)
def evidence_page(unit_id: int, table: str):
    unit, school_id = evidence_unit(unit_id, table)
    campaign = campaign_of(unit)
    scope = evidence.scope_for(db.session, campaign, school_id=school_id)
    year = year_of(request.args.get("year"), scope.as_of)
    rows = table_rows(table, scope)
    village_summary = None
    village = request.args.get("village", type=int)
    if table == "households":
        village_summary = digital_families.village_rows(db.session, scope, rows)
        if village is not None:
            rows = [r for r in rows if r.village_id == village]
    columns = COLUMNS[table](campaign)
    sort, rows = sort_rows(rows, columns, request.args.get("sort", ""))
    page = max(request.args.get("page", 1, type=int), 1)
    pages = max((len(rows) + PER_PAGE - 1) // PER_PAGE, 1)
    model = TABLES[table]
    marked = nominations.nominees(db.session, unit.id, model, year)
    logged(unit, school_id, "evidence.view")
    return render_template(
        f"campaign/evidence_{table}.html",
        unit=unit,
        campaign=campaign,
        scope=scope,
        table=table,
        tables=PRINCIPAL_TABLES if school_id else tuple(TABLES),
        columns=columns,
        sort=sort,
        rows=rows[(page - 1) * PER_PAGE : page * PER_PAGE],
        count=len(rows),
        page=page,
        pages=pages,
        year=year,
        model=model,
        nominees=marked,
        nominated={n.subject_id: n.id for n in marked},
        can_mark=current_user.role == "ward_admin",
        villages=village_summary,
        village=village,
        table_names=TABLE_NAMES,
        model_names=MODEL_NAMES,
    )


@bp.get(f"/units/<int:unit_id>/evidence/<{ANY_TABLE}:table>.xlsx")
@roles_required(*ADMINS)
def evidence_export(unit_id: int, table: str):
    unit, school_id = evidence_unit(unit_id, table)
    campaign = campaign_of(unit)
    scope = evidence.scope_for(db.session, campaign, school_id=school_id)
    year = year_of(request.args.get("year"), scope.as_of)
    columns = COLUMNS[table](campaign)
    _sort, rows = sort_rows(table_rows(table, scope), columns, request.args.get("sort", ""))
    nominated = {n.subject_id for n in nominations.nominees(db.session, unit.id, TABLES[table], year)}
    book = Workbook()
    sheet = book.active
    sheet.title = spreadsheets.sheet_title(str(_("Evidence for the models")))
    spreadsheets.append_row(
        sheet, [unit.name, campaign.name, _("as of %(date)s", date=scope.as_of.isoformat())]
    )
    for values in sheet_rows(table, columns, rows, nominated, year):
        spreadsheets.append_row(sheet, values)
    logged(unit, school_id, "evidence.export")
    return spreadsheets.workbook_download(book, f"{unit.code}-{table}-{scope.as_of.isoformat()}.xlsx")


def back_to_table(unit_id: int, form: dict) -> str:
    """The table the mark was made from, as it was sorted and paged."""
    table = form.get("table") if form.get("table") in TABLES else "schools"
    keep = {k: form[k] for k in ("sort", "page", "year", "village") if form.get(k)}
    return url_for(".evidence_page", unit_id=unit_id, table=table, **keep)


@bp.post("/units/<int:unit_id>/nominations")
@roles_required("ward_admin")
def mark_nominee(unit_id: int):
    unit = load_unit(unit_id)
    form = NominationForm()
    if not form.validate_on_submit():
        abort(400)
    if not nominations.subject_in_unit(db.session, form.model.data, form.subject.data, unit.id):
        abort(404)
    nominations.mark(db.session, unit.id, form.model.data, form.year.data, form.subject.data, current_user)
    db.session.commit()
    flash(_("Marked as a nominee."), "success")
    return redirect(back_to_table(unit.id, request.form))


@bp.post("/nominations/<int:nomination_id>/remove")
@roles_required("ward_admin")
def unmark_nominee(nomination_id: int):
    nomination = db.session.get(Nomination, nomination_id) or abort(404)
    unit = load_unit(nomination.unit_id)
    db.session.delete(nomination)
    db.session.commit()
    flash(_("No longer a nominee."), "success")
    return redirect(back_to_table(unit.id, request.form))


@bp.get("/units/<int:unit_id>/events")
@roles_required(*OVERSEERS)
def event_days(unit_id: int):
    unit = load_unit(unit_id)
    campaign = campaign_of(unit)
    units = metrics.campaign_units(db.session, campaign)
    days = events.event_days(db.session, campaign, units, today_in_vietnam())
    return render_template(
        "campaign/events.html", unit=unit, campaign=campaign, days=days, tiers=events.TIER_LABELS
    )
