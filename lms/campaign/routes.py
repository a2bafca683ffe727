"""Coverage against each plan's targets, every page within the admin's unit scope:

- the city admin's dashboard: the city's totals under the city's plan, and every ward and
  commune side by side under its own plan, furthest behind first;
- a ward's or commune's page (the unit admin's dashboard; the city admin's drill-down):
  the plan's indicators, the schools most behind first, the trend and the plan;
- a school's page: its figures and its classes (whose class pages are the teachers');
- the report files, the same as `flask report coverage` gives for the same scope and date."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms import spreadsheets
from lms.access import ADMINS, OVERSEERS, load_school, load_unit, roles_required
from lms.campaign import charts, metrics
from lms.campaign import report as report_files
from lms.campaign import trend as trends
from lms.campaign.forms import INDICATOR_LABELS, ActivityForm, CampaignForm
from lms.extensions import db
from lms.models import INDICATORS, Campaign, Classroom, OutreachActivity, School, Unit
from lms.models.base import today_in_vietnam
from lms.people import assisted
from lms.people.units import home_unit
from lms.privacy_log import record_access, record_report_export

bp = Blueprint("campaign", __name__, url_prefix="/dashboard")
PAGE_SIZE = 15  # schools on a unit's page (with a year-long trend, under the page-weight limit)
UNITS_PAGE = 20  # wards and communes on the city's (Hải Phòng has over a hundred)
MIMETYPES = {"json": "application/json", "csv": spreadsheets.CSV, "xlsx": spreadsheets.XLSX}


def as_of_date() -> date | None:
    value = request.args.get("as_of")
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(400)


def labels_of(groups) -> dict[str, str]:
    """What each indicator is called, for the groups given, in that order."""
    return {g: str(INDICATOR_LABELS[g]) for g in groups}


def chart_groups(figures: dict) -> dict[str, str]:
    """The groups drawn on the trend chart: those with people in them (a primary school has no
    lower-secondary pupils, and an empty group has no percentage, no target and no line);
    activities are counted per school, not week by week."""
    drawn = [g for g in figures if g in trends.TRENDS and figures[g].population]
    return labels_of(drawn)


def city_of_admin() -> Unit | None:
    """The city whose dashboard this city admin sees (lms.campaign.plans, imported below)."""
    return plans.city_of(current_user)


def own_unit() -> Unit | None:
    """The ward or commune a unit admin works for; a school admin's school's."""
    if current_user.role == "school_admin":
        return current_user.school.unit
    return home_unit(db.session, current_user)


@bp.get("/")
@roles_required(*ADMINS)
def ward():
    """Each admin's own dashboard: a principal's school, a unit admin's ward or commune, the
    city admin's city."""
    if current_user.role == "school_admin":
        return redirect(url_for(".school", school_id=current_user.school_id, **request.args))
    if current_user.role == "city_admin":
        return city_page()
    unit = own_unit()
    campaign = metrics.current_campaign(db.session, unit.id) if unit is not None else None
    if campaign is None:
        return render_template("campaign/no_campaign.html", form=CampaignForm())
    return unit_page(unit, campaign)


@bp.get("/units/<int:unit_id>")
@roles_required(*OVERSEERS)
def unit(unit_id: int):
    """A ward's or commune's page, reached from the city's (or a unit admin's own)."""
    unit = load_unit(unit_id)
    campaign = metrics.current_campaign(db.session, unit.id)
    if campaign is None:  # nothing to count against: its plans page offers to write one
        return redirect(url_for(".plan", unit=unit.id))
    return unit_page(unit, campaign)


def paged(items: list, size: int) -> tuple[list, int, int]:
    """This page's items (`?page=`), the page and the number of pages."""
    page = max(request.args.get("page", 1, type=int), 1)
    return items[(page - 1) * size : page * size], page, (len(items) + size - 1) // size


def unit_page(unit: Unit, campaign: Campaign):
    result = metrics.unit_report(db.session, campaign, as_of_date())
    rows, page, pages = paged(result.rows, PAGE_SIZE)
    series = trends.trend(db.session, campaign, result.as_of, report=result)
    per_school = [g for g in result.indicators if g not in ("officials", "village_households", "activities")]
    return render_template(
        "campaign/ward.html",
        unit=unit,
        campaign=campaign,
        report=result,
        rows=rows,
        page=page,
        pages=pages,
        labels=labels_of(result.indicators),
        columns=labels_of(per_school),
        chart=charts.trend_chart(series, chart_groups(result.indicators)),
        series=series,
        scope={"unit": unit.id},
        city=city_of_admin(),
    )


def city_page():
    city = city_of_admin()
    campaign = metrics.current_campaign(db.session, city.id) if city is not None else None
    if campaign is None:
        return render_template("campaign/no_campaign.html", form=CampaignForm())
    result = metrics.city_report(db.session, campaign, as_of_date(), schools=False)
    followed = {g for u in result.units if u.report for g in u.report.indicators}
    present = {g for g, f in result.total.items() if f.population}
    units, page, pages = paged(result.units, UNITS_PAGE)
    return render_template(
        "campaign/city.html",
        city=city,
        campaign=campaign,
        report=result,
        units=units,
        page=page,
        pages=pages,
        labels=labels_of(g for g in INDICATORS if g in present),
        columns=labels_of(g for g in INDICATORS if g in followed),
    )


@bp.get("/schools/<int:school_id>")
@roles_required(*ADMINS)
def school(school_id: int):
    school = load_school(school_id)
    campaign = metrics.current_campaign(db.session, school.unit_id)
    if campaign is None:
        abort(404)
    record_access(db.session, current_user, "school.view", "school", school.id, school.unit_id, school.id)
    result, classes = metrics.school_report(db.session, campaign, school, as_of_date())
    series = trends.trend(db.session, campaign, result.as_of, school.id, report=result)
    rooms = {r.id: r for r in db.session.scalars(select(Classroom).where(Classroom.school_id == school.id))}
    activities = db.session.scalars(
        select(OutreachActivity)
        .where(OutreachActivity.school_id == school.id)
        .order_by(OutreachActivity.held_on.desc())
    ).all()
    figures = {g: f for g, f in result.indicators.items() if g != "activities"}
    helped = assisted.families_helped_by_school(db.session, [school.id]).get(school.id, 0)
    return render_template(
        "campaign/school.html",
        campaign=campaign,
        school=school,
        families_helped=helped,
        report=result,
        figures=figures,
        classes=classes,
        rooms=rooms,
        labels=labels_of(figures),
        chart=charts.trend_chart(series, chart_groups(figures)),
        series=series,
        activities=activities,
        held=result.rows[0].activities if result.rows else 0,
        form=ActivityForm(data={"held_on": today_in_vietnam()}),
    )


@bp.get("/competencies")
@roles_required(*ADMINS)
def competencies():
    """Learners per competence component, in the admin's own scope (`?unit=` for the city
    admin's wards and communes)."""
    unit_id = request.args.get("unit", type=int)
    if unit_id is not None:
        if current_user.role not in OVERSEERS:
            abort(403)
        unit = load_unit(unit_id)
    elif current_user.role == "city_admin":
        unit = city_of_admin()
    else:
        unit = own_unit()
    campaign = metrics.current_campaign(db.session, unit.id) if unit is not None else None
    if campaign is None:
        abort(404)
    school_id = current_user.school_id if current_user.role == "school_admin" else None
    from lms.content.loader import COMPETENCIES

    table = trends.competencies(db.session, campaign, as_of_date(), school_id)
    codes = sorted(COMPETENCIES, key=lambda c: tuple(int(x) for x in c.split(".")))
    return render_template("campaign/competencies.html", campaign=campaign, table=table, codes=codes)


def report_scope() -> dict:
    """What a download may cover, from `?city=1`, `?unit=<id>` or `?school=<code>` (else the
    admin's own): the arguments of report.build. 404 for what does not exist, 403 for what
    is not theirs."""
    code = request.args.get("school") or None
    unit_id = request.args.get("unit", type=int)
    city = bool(request.args.get("city"))
    if current_user.role == "school_admin":
        if unit_id is not None or city:
            abort(403)
        return {"school_code": current_user.school.code, "unit_id": current_user.school.unit_id}
    if city:
        town = city_of_admin() if current_user.role == "city_admin" else abort(403)
        return {"city": True, "unit_id": town.id if town else None}
    if code is not None:
        school = db.session.scalar(select(School).where(School.code == code)) or abort(404)
        load_school(school.id)
        return {"school_code": school.code, "unit_id": school.unit_id}
    if unit_id is not None:
        return {"unit_id": load_unit(unit_id).id}
    if current_user.role == "city_admin":
        town = city_of_admin()
        return {"city": True, "unit_id": town.id if town else None}
    unit = own_unit() or abort(404)  # a unit admin of no unit (yet) has nothing to report
    return {"unit_id": unit.id}


@bp.get("/report.<fmt>")
@roles_required(*ADMINS)
def download(fmt: str):
    if fmt not in report_files.FORMATS:
        abort(404)
    scope = report_scope()
    try:
        data, name = report_files.build(db.session, fmt, as_of=as_of_date(), **scope)
    except report_files.NoCampaign:
        abort(404)
    record_report_export(db.session, current_user, scope)
    return spreadsheets.download(data, name, MIMETYPES[fmt])


@bp.post("/schools/<int:school_id>/activities")
@roles_required(*ADMINS)
def add_activity(school_id: int):
    school = load_school(school_id)
    form = ActivityForm()
    if not form.validate_on_submit():
        flash(_("Enter the date and title of the activity."), "error")
        return redirect(url_for(".school", school_id=school.id))
    db.session.add(
        OutreachActivity(
            school_id=school.id,
            held_on=form.held_on.data,
            title=form.title.data.strip(),
            kind=form.kind.data,
            participants=form.participants.data or 0,
            created_by_id=current_user.id,
        )
    )
    db.session.commit()
    flash(_("Activity recorded."), "success")
    return redirect(url_for(".school", school_id=school.id))


# These modules' routes join this blueprint.
from lms.campaign import evidence_routes, plans  # noqa: E402,F401
