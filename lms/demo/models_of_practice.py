"""The demo's event days and a nominee for the models (issue 18): in a ward or commune, the
10/10 "Ngày hội toàn dân học tập số" of its plan (when held by today and no school recorded it
yet), another event day a week ago at its lower-secondary school ("Ngày hội Gia đình số"), and
its primary school marked by the unit's admin as a nominee for "Trường học chuyển đổi số điển
hình" of this year. Nothing is drawn at random.

Call `build` once the unit, its schools, admin and plan are built (lms.demo.ha_bac.build)."""

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.campaign import nominations
from lms.campaign.events import EVENT_KINDS
from lms.campaign.metrics import current_campaign
from lms.models import Nomination, OutreachActivity, School, Unit, User

TEN_TEN = "Ngày hội toàn dân học tập số 10/10"
FAMILY_DAY = "Ngày hội Gia đình số: đoàn viên, học sinh hướng dẫn người thân học cùng"


def build(session: Session, unit: Unit, today: date) -> Nomination | None:
    """The unit's event days and nominee; None when it has no plan, school or admin."""
    campaign = current_campaign(session, unit.id)
    schools = session.scalars(select(School).where(School.unit_id == unit.id).order_by(School.code)).all()
    admin = session.scalar(
        select(User).where(User.role == "ward_admin", User.unit_id == unit.id).order_by(User.id).limit(1)
    )
    primary = next((s for s in schools if s.level in ("tieu-hoc", "th-thcs")), None)
    if campaign is None or primary is None or admin is None:
        return None
    lower = next((s for s in schools if s.level in ("thcs", "th-thcs")), primary)
    ten_ten = _ten_ten(campaign.starts_on, min(campaign.ends_on, today))
    if ten_ten is not None and not _held(session, schools, ten_ten):
        session.add(_event(primary, ten_ten, TEN_TEN, "digital-day", 240, admin))
    family_day = min(today, campaign.ends_on) - timedelta(days=7)
    if family_day >= campaign.starts_on and family_day != ten_ten:
        session.add(_event(lower, family_day, FAMILY_DAY, "event", 90, admin))
    return nominations.mark(session, unit.id, "school", today.year, primary.id, admin)


def _ten_ten(start: date, end: date) -> date | None:
    """The latest 10 October from start to end."""
    for year in range(end.year, start.year - 1, -1):
        day = date(year, 10, 10)
        if start <= day <= end:
            return day
    return None


def _held(session: Session, schools: list[School], day: date) -> bool:
    return (
        session.scalar(
            select(OutreachActivity.id)
            .where(
                OutreachActivity.school_id.in_([s.id for s in schools]),
                OutreachActivity.held_on == day,
                OutreachActivity.kind.in_(EVENT_KINDS),
            )
            .limit(1)
        )
        is not None
    )


def _event(school: School, day: date, title: str, kind: str, participants: int, by: User) -> OutreachActivity:
    return OutreachActivity(
        school_id=school.id,
        held_on=day,
        title=title,
        kind=kind,
        participants=participants,
        created_by_id=by.id,
    )
