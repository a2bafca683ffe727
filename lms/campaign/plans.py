"""Plans: each ward and commune, and the city, runs its own campaigns, each choosing the
indicators it follows with a target or none (lms.models.campaign.INDICATORS).

Who may keep which plan: a unit admin their own ward's or commune's; the city admin the city's
own plan and those of the wards and communes in their scope (lms.access.unit_scope); nobody
else. A unit is chosen with `?unit=<id>`: 404 when it does not exist, 403 when not theirs."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms import security_log
from lms.access import OVERSEERS, roles_required, unit_scope
from lms.campaign import metrics
from lms.campaign.forms import INDICATOR_LABELS, CampaignForm
from lms.campaign.routes import bp
from lms.extensions import db
from lms.models import Campaign, CampaignTarget, TargetChange, Unit
from lms.models.campaign import INDICATORS
from lms.people.units import home_unit, local_units, the_city

HISTORY = 20  # target changes shown on the plan page


def city_of(user) -> Unit | None:
    """The city whose own plan this city admin keeps."""
    if user.role != "city_admin":
        return None
    if user.unit_id is None:
        return the_city(db.session)
    unit = db.session.get(Unit, user.unit_id)
    return unit if unit is not None and unit.is_city else None


def plan_unit_ids(user) -> frozenset[int]:
    """The units whose plans this user keeps."""
    if not user.is_authenticated or user.role not in OVERSEERS:
        return frozenset()
    city = city_of(user)
    return unit_scope(user) | ({city.id} if city else set())


@bp.app_template_global()
def can_edit_plan(campaign: Campaign) -> bool:
    return campaign.unit_id in plan_unit_ids(current_user)


@bp.app_template_global()
def indicator_label(group: str) -> str:
    return str(INDICATOR_LABELS[group])


def chosen_unit() -> Unit | None:
    """`?unit=<id>`, else the unit admin's own unit, or the city admin's city."""
    unit_id = request.args.get("unit", type=int)
    if unit_id is not None:
        unit = db.session.get(Unit, unit_id)
        if unit is None:
            abort(404)
        if unit.id not in plan_unit_ids(current_user):
            abort(403)
        return unit
    if current_user.role == "ward_admin":
        unit = home_unit(db.session, current_user)
        if unit is None:
            abort(403)
        return unit
    city = city_of(current_user)
    if city is not None:
        return city
    scope = unit_scope()
    return db.session.get(Unit, next(iter(scope))) if len(scope) == 1 else None


def load_campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    if not can_edit_plan(campaign):
        abort(403)
    return campaign


def unit_choices() -> list[Unit]:
    """What the city admin may pick: the city first, then its wards and communes by name."""
    city = city_of(current_user)
    scope = unit_scope()
    units = [u for u in local_units(db.session, city.id if city else None) if u.id in scope]
    return ([city] if city else []) + units


def set_indicators(
    campaign: Campaign, chosen: dict[str, tuple[int | None, int | None]], user_id: int
) -> None:
    """Make the plan follow exactly `chosen` ({group: (percent, minimum)}). On a plan already
    stored, every target that changes is recorded (None: tracked without one, or no longer
    followed)."""
    old = {g: campaign.target(g) for g in INDICATORS} if campaign.id else None
    rows = {t.group: t for t in campaign.targets}
    for group in INDICATORS:
        percent, minimum = chosen.get(group, (None, None))
        if group in chosen and group in rows:
            rows[group].percent, rows[group].minimum = percent, minimum
        elif group in chosen:
            campaign.targets.append(CampaignTarget(group=group, percent=percent, minimum=minimum))
        elif group in rows:
            campaign.targets.remove(rows[group])
        if old is not None and old[group] != percent:
            security_log.event("target.changed", campaign=campaign.id, indicator=group, old=old[group],
                               new=percent)
            db.session.add(
                TargetChange(
                    campaign_id=campaign.id,
                    group=group,
                    old_percent=old[group],
                    new_percent=percent,
                    changed_by_id=user_id,
                )
            )


def after_saving(unit_id: int):
    """A unit admin goes back to their dashboard; the city admin to the plan they kept."""
    if current_user.role == "ward_admin":
        return redirect(url_for(".ward"))
    return redirect(url_for(".plan", unit=unit_id))


@bp.get("/plan")
@roles_required(*OVERSEERS)
def plan():
    unit = chosen_unit()
    campaigns, changes, campaign = [], [], None
    if unit is not None:
        campaign = metrics.current_campaign(db.session, unit.id)
        campaigns = db.session.scalars(
            select(Campaign).where(Campaign.unit_id == unit.id).order_by(Campaign.starts_on.desc())
        ).all()
        changes = db.session.scalars(
            select(TargetChange)
            .join(Campaign, Campaign.id == TargetChange.campaign_id)
            .where(Campaign.unit_id == unit.id)
            .order_by(TargetChange.changed_at.desc(), TargetChange.id.desc())
            .limit(HISTORY)
        ).all()
    return render_template(
        "campaign/plan.html",
        unit=unit,
        campaign=campaign,
        campaigns=campaigns,
        changes=changes,
        names={c.id: c.name for c in campaigns},
        choices=unit_choices() if current_user.role == "city_admin" else [],
    )


@bp.get("/plan/new")
@roles_required(*OVERSEERS)
def new_plan():
    unit = chosen_unit() or abort(404)
    return render_template(
        "campaign/plan_form.html",
        unit=unit,
        form=CampaignForm(),
        action=url_for(".create_campaign", unit=unit.id),
        title=_("New plan"),
        button=_("Create"),
    )


@bp.post("/campaign")
@roles_required(*OVERSEERS)
def create_campaign():
    unit = chosen_unit() or abort(404)
    form = CampaignForm()
    if not form.validate_on_submit():
        return render_template(
            "campaign/plan_form.html",
            unit=unit,
            form=form,
            action=url_for(".create_campaign", unit=unit.id),
            title=_("New plan"),
            button=_("Create"),
        ), 400
    campaign = Campaign(
        unit_id=unit.id,
        name=form.name.data.strip(),
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
    )
    set_indicators(campaign, form.chosen(), current_user.id)
    db.session.add(campaign)
    db.session.commit()
    security_log.event("plan.created", campaign=campaign.id, unit=unit.id, targets=sorted(form.chosen()))
    flash(_("Plan created."), "success")
    return after_saving(unit.id)


@bp.get("/plans/<int:campaign_id>")
@roles_required(*OVERSEERS)
def edit_plan(campaign_id: int):
    campaign = load_campaign(campaign_id)
    return edit_page(campaign, CampaignForm.for_campaign(campaign))


def edit_page(campaign: Campaign, form: CampaignForm, status: int = 200):
    return render_template(
        "campaign/plan_form.html",
        unit=db.session.get(Unit, campaign.unit_id),
        form=form,
        action=url_for(".targets", campaign_id=campaign.id),
        title=_("Edit the plan"),
        button=_("Save the plan"),
    ), status


@bp.post("/plans/<int:campaign_id>")
@bp.post("/targets", defaults={"campaign_id": None})
@roles_required(*OVERSEERS)
def targets(campaign_id: int | None):
    """Save a plan: its name, period, indicators and targets. `/targets` (no id) is the
    current plan of the admin's own unit."""
    if campaign_id is None:
        unit = chosen_unit() or abort(404)
        campaign = metrics.current_campaign(db.session, unit.id) or abort(404)
    else:
        campaign = load_campaign(campaign_id)
    form = CampaignForm()
    if not form.validate_on_submit():
        return edit_page(campaign, form, 400)
    campaign.name = form.name.data.strip()
    campaign.starts_on, campaign.ends_on = form.starts_on.data, form.ends_on.data
    set_indicators(campaign, form.chosen(), current_user.id)
    db.session.commit()
    flash(_("Targets saved."), "success")
    return after_saving(campaign.unit_id)
