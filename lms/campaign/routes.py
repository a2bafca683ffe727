"""Coverage against the campaign's targets: ward and school dashboards, the report."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms import spreadsheets
from lms.access import ADMINS, load_school, roles_required
from lms.campaign import charts, metrics
from lms.campaign import report as report_files
from lms.campaign import trend as trends
from lms.campaign.forms import ActivityForm, CampaignForm, TargetsForm
from lms.extensions import db
from lms.models import (
    GROUPS,
    Campaign,
    Classroom,
    OutreachActivity,
    School,
    TargetChange,
    Unit,
)
from lms.models.base import today_in_vietnam

bp = Blueprint("campaign", __name__, url_prefix="/dashboard")
PAGE_SIZE = 40


def current_campaign() -> Campaign | None:
    """The campaign of the admin's own unit: the ward's or commune's, the city's, the school's."""
    from lms.people.units import home_unit, the_city

    if current_user.role == "city_admin":
        unit = the_city(db.session)
    elif current_user.role == "ward_admin":
        unit = home_unit(db.session, current_user)
    else:
        unit = current_user.school.unit if current_user.school_id else None
    return campaign_of(unit.id) if unit is not None else None


def campaign_of(unit_id: int) -> Campaign | None:
    # TODO(dashboards): metrics.current_campaign(db.session, unit_id) once it takes the unit
    return db.session.scalar(
        select(Campaign).where(Campaign.unit_id == unit_id).order_by(Campaign.starts_on.desc()).limit(1)
    )


def as_of_date() -> date | None:
    value = request.args.get("as_of")
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(400)


def group_labels() -> dict[str, str]:
    return {
        "primary": _("Primary pupils"),
        "lower_secondary": _("Lower-secondary pupils"),
        "teachers": _("Teachers and staff"),
        "parents": _("Parents"),
        "households": _("Households"),
    }


def present_groups(figures: dict) -> dict[str, str]:
    """The groups that have people in them: a primary school has no lower-secondary pupils, and
    an empty group has no percentage, no target to meet and no line on the chart."""
    return {g: label for g, label in group_labels().items() if figures[g].population}


@bp.get("/")
@roles_required(*ADMINS)
def ward():
    if current_user.role == "school_admin":
        return redirect(url_for(".school", school_id=current_user.school_id, **request.args))
    campaign = current_campaign()
    if campaign is None:
        return render_template("campaign/no_campaign.html", form=CampaignForm())
    as_of = as_of_date()
    result = metrics.ward_report(db.session, campaign, as_of)
    page = max(request.args.get("page", 1, type=int), 1)
    rows = result.rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    pages = (len(result.rows) + PAGE_SIZE - 1) // PAGE_SIZE
    series = trends.trend(db.session, campaign, result.as_of, report=result)
    return render_template(
        "campaign/ward.html",
        campaign=campaign,
        report=result,
        rows=rows,
        page=page,
        pages=pages,
        labels=group_labels(),
        chart=charts.trend_chart(series, present_groups(result.total)),
        series=series,
        targets=TargetsForm(data={g: campaign.target(g) for g in GROUPS}),
        changes=db.session.scalars(
            select(TargetChange)
            .where(TargetChange.campaign_id == campaign.id)
            .order_by(TargetChange.changed_at.desc())
            .limit(10)
        ).all(),
    )


@bp.get("/schools/<int:school_id>")
@roles_required(*ADMINS)
def school(school_id: int):
    school = load_school(school_id)
    campaign = campaign_of(school.unit_id)
    if campaign is None:
        abort(404)
    result, classes = metrics.school_report(db.session, campaign, school, as_of_date())
    series = trends.trend(db.session, campaign, result.as_of, school.id, report=result)
    rooms = {r.id: r for r in db.session.scalars(select(Classroom).where(Classroom.school_id == school.id))}
    activities = db.session.scalars(
        select(OutreachActivity)
        .where(OutreachActivity.school_id == school.id)
        .order_by(OutreachActivity.held_on.desc())
    ).all()
    figures = result.rows[0].groups if result.rows else result.total
    return render_template(
        "campaign/school.html",
        campaign=campaign,
        school=school,
        report=result,
        figures=figures,
        classes=classes,
        rooms=rooms,
        labels=group_labels(),
        chart=charts.trend_chart(series, present_groups(figures)),
        series=series,
        activities=activities,
        form=ActivityForm(data={"held_on": today_in_vietnam()}),
    )


@bp.get("/competencies")
@roles_required(*ADMINS)
def competencies():
    campaign = current_campaign()
    if campaign is None:
        abort(404)
    school_id = current_user.school_id if current_user.role == "school_admin" else None
    from lms.content.loader import COMPETENCIES

    table = trends.competencies(db.session, campaign, as_of_date(), school_id)
    codes = sorted(COMPETENCIES, key=lambda c: tuple(int(x) for x in c.split(".")))
    return render_template("campaign/competencies.html", campaign=campaign, table=table, codes=codes)


@bp.get("/report.<fmt>")
@roles_required(*ADMINS)
def download(fmt: str):
    campaign = current_campaign()
    if campaign is None or fmt not in ("json", "csv", "xlsx"):
        abort(404)
    code = request.args.get("school") or None
    if current_user.role == "school_admin":
        code = current_user.school.code
    elif code is not None:
        school = db.session.scalar(select(School).where(School.code == code))
        if school is None:
            abort(404)
        load_school(school.id)
        campaign = campaign_of(school.unit_id) or abort(404)
    result = metrics.ward_report(db.session, campaign, as_of_date(), code)
    name = f"bao-cao-binh-dan-hoc-vu-so-{result.as_of.isoformat()}.{fmt}"
    if fmt == "json":
        return spreadsheets.download(report_files.to_json(result), name, "application/json")
    if fmt == "csv":
        return spreadsheets.download(report_files.to_csv(result), name, spreadsheets.CSV)
    unit = db.session.get(Unit, campaign.unit_id)
    return spreadsheets.download(report_files.to_xlsx(result, unit.name), name, spreadsheets.XLSX)


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


from lms.campaign import plans  # noqa: E402,F401  (its routes join this blueprint)
