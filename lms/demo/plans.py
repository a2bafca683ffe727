"""A unit's plan as its document states it, and the outreach activities its schools held."""

from datetime import date

from lms.demo.world import Demo
from lms.models import Campaign, CampaignTarget, OutreachActivity, Unit


def add_plan(
    demo: Demo,
    unit: Unit,
    name: str,
    period: tuple[date, date],
    targets: dict[str, int | None],
    minimum: dict[str, int] | None = None,
) -> Campaign:
    """`targets`: each indicator the plan follows, with its percentage or None (tracked
    without one); `minimum`: activities a school must hold to meet the activities indicator."""
    minimum = minimum or {}
    campaign = Campaign(
        unit_id=unit.id,
        name=name,
        starts_on=period[0],
        ends_on=period[1],
        targets=[CampaignTarget(group=g, percent=p, minimum=minimum.get(g)) for g, p in targets.items()],
    )
    demo.session.add(campaign)
    return campaign


def add_outreach(demo: Demo, campuses: dict, activities: list[tuple[str, date, str, str, int]]) -> None:
    """(school code, held on, title, kind, participants), as the principal recorded them:
    only those held by today."""
    for code, held_on, title, kind, participants in activities:
        if held_on > demo.today:
            continue
        campus = campuses[code]
        demo.session.add(
            OutreachActivity(
                school_id=campus.school.id,
                held_on=held_on,
                title=title,
                kind=kind,
                participants=participants,
                created_by_id=campus.principal.id,
            )
        )
