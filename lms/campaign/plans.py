"""Plans: each ward, commune and the city runs its own campaigns, choosing the indicators it follows."""

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.access import roles_required
from lms.campaign.forms import CampaignForm, TargetsForm
from lms.campaign.routes import bp, current_campaign
from lms.extensions import db
from lms.models import GROUPS, Campaign, CampaignTarget, TargetChange, Unit
from lms.models.campaign import DEFAULT_TARGETS


@bp.post("/campaign")
@roles_required("ward_admin")
def create_campaign():
    form = CampaignForm()
    unit = db.session.scalar(select(Unit).order_by(Unit.id).limit(1))
    if unit is None or not form.validate_on_submit() or form.ends_on.data <= form.starts_on.data:
        flash(
            _("Enter a name and an end date after the start date (import the schools first)."),
            "error",
        )
        return redirect(url_for(".ward"))
    campaign = Campaign(
        unit_id=unit.id,
        name=form.name.data.strip(),
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
    )
    campaign.targets = [CampaignTarget(group=g, percent=p) for g, p in DEFAULT_TARGETS.items()]
    db.session.add(campaign)
    db.session.commit()
    return redirect(url_for(".ward"))


@bp.post("/targets")
@roles_required("ward_admin")
def targets():
    campaign = current_campaign()
    if campaign is None:
        abort(404)
    form = TargetsForm()
    if not form.validate_on_submit():
        flash(_("Targets are whole percentages from 0 to 100."), "error")
        return redirect(url_for(".ward"))
    by_group = {t.group: t for t in campaign.targets}
    for group in GROUPS:
        new = getattr(form, group).data
        old = campaign.target(group)
        if new != old:
            if group in by_group:
                by_group[group].percent = new
            else:
                campaign.targets.append(CampaignTarget(group=group, percent=new))
            db.session.add(
                TargetChange(
                    campaign_id=campaign.id,
                    group=group,
                    old_percent=old,
                    new_percent=new,
                    changed_by_id=current_user.id,
                )
            )
    db.session.commit()
    flash(_("Targets saved."), "success")
    return redirect(url_for(".ward"))
