"""The guardians' consents of the demo (lms.people.consent): every guardian who paired ticked
the box, on the day they paired; of the other pupils, about 85% brought back the school's
paper form early in their unit's plan, recorded by their homeroom teacher; the rest have none
yet, so a unit admin sees most names and a few "Học sinh chưa có đồng ý".

Written after the learning (lms.demo.progress), in one INSERT, so that the seeded random
numbers of everything before are unchanged."""

from datetime import datetime, time, timedelta

from sqlalchemy import insert, select

from lms.campaign import snapshots
from lms.demo.world import Demo
from lms.models import Campaign, Classroom, Consent, Enrollment, Guardianship, School, User

PAPER_SHARE = 0.85
PAPER_DAYS = 30  # the forms come back within the plan's first month


def write(demo: Demo) -> int:
    """Record the consents; returns how many."""
    session, rng = demo.session, demo.rng
    session.flush()
    pupils = {p.id for p in demo.pupils + demo.children}
    paired: dict[int, list[tuple[int, datetime]]] = {}
    for pupil_id, guardian_id, claimed_at in session.execute(
        select(Guardianship.pupil_id, Guardianship.guardian_id, User.claimed_at)
        .join(User, User.id == Guardianship.guardian_id)
        .where(User.claimed_at.is_not(None))
        .order_by(Guardianship.pupil_id, Guardianship.guardian_id)
    ):
        paired.setdefault(pupil_id, []).append((guardian_id, claimed_at))
    # Each pupil's first day at school, and the homeroom teacher and plan of their latest class.
    first_day, latest = {}, {}
    for pupil_id, started_on, teacher_id, plan_starts in session.execute(
        select(Enrollment.pupil_id, Enrollment.started_on, Classroom.homeroom_teacher_id, Campaign.starts_on)
        .join(Classroom, Classroom.id == Enrollment.classroom_id)
        .join(School, School.id == Classroom.school_id)
        .join(Campaign, Campaign.unit_id == School.unit_id)
        .order_by(Enrollment.pupil_id, Enrollment.started_on)
    ):
        first_day.setdefault(pupil_id, started_on)
        latest[pupil_id] = (teacher_id, plan_starts)
    rows = []

    def consent(pupil_id, given_by_id, source, day):
        day = min(day, demo.yesterday)
        rows.append({"pupil_id": pupil_id, "kind": "guardian", "given_by_id": given_by_id, "source": source,
                     "given_on": day, "recorded_at": datetime.combine(day, time(3))})

    for pupil_id in sorted(pupils & latest.keys()):
        if pupil_id in paired:
            for guardian_id, claimed_at in paired[pupil_id]:
                consent(pupil_id, guardian_id, "pairing", max(claimed_at.date(), first_day[pupil_id]))
        elif rng.random() < PAPER_SHARE:
            teacher_id, plan_starts = latest[pupil_id]
            day = max(plan_starts, first_day[pupil_id]) + timedelta(days=rng.randint(0, PAPER_DAYS))
            consent(pupil_id, teacher_id, "paper", day)
    if rows:
        session.execute(insert(Consent), rows)
        snapshots.touch(session)  # written without the ORM: the stored figures are stale
    return len(rows)
