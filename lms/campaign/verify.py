"""`report verify`: the kept counts (lms/campaign/tally.py) against the same counts computed
from the raw rows (lms/campaign/populations.py), and each stored contribution against a fresh
computation. Any difference is a defect: it names the plan, the scope, the group and the day."""

import json
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.campaign import metrics, tally
from lms.campaign.populations import PUPIL_GROUPS, count_pupils
from lms.models import Campaign, Classroom, CoverageMember, School
from lms.models.base import today_in_vietnam


def days_to_check(campaign: Campaign, today: date) -> list[date]:
    """The period's first and last days, and today within it."""
    inside = min(max(today, campaign.starts_on), campaign.ends_on)
    return sorted({campaign.starts_on, inside, campaign.ends_on})


def _flatten(counts: dict) -> dict[tuple, list[int]]:
    out = {}
    for key, groups in counts.items():
        for group, value in groups.items():
            if value != [0, 0]:
                out[(key, group)] = list(value)
    return out


def compare_counts(session: Session, campaign: Campaign, day: date) -> list[str]:
    window = metrics.window_for(campaign, day)
    units = metrics.campaign_units(session, campaign)
    raw = _flatten(metrics.raw_counts(session, window, units, None))
    kept = _flatten(metrics.kept_counts(session, campaign, window, None))
    problems = []
    for key in sorted(set(raw) | set(kept), key=str):
        if raw.get(key, [0, 0]) != kept.get(key, [0, 0]):
            where = "toàn kế hoạch" if key[0] == "0" else f"trường id {key[0]}"
            if key[0] == "consent":
                where = f"đồng ý, trường id {key[1]}"
            problems.append(
                f"{campaign.name} (id {campaign.id}), {day}, {where}, {key[-1]}: "
                f"tính lại {raw.get(key, [0, 0])}, đang giữ {kept.get(key, [0, 0])}"
            )
    # The plan-wide sums kept for every group (the pages add the schools' rows for pupils and
    # staff, and read these for families and officials; the trend reads them all).
    whole = {
        g: value
        for (_, g), value in tally.read(session, campaign.id, window.as_of, "t").items()
        if value != [0, 0]
    }
    expected = {}
    for (key, group), value in raw.items():
        if key == "consent":
            group = "consent"
        elif key != "0" and group in ("parents", "households"):
            continue
        current = expected.setdefault(group, [0, 0])
        current[0] += value[0]
        current[1] += value[1]
    for group in sorted(set(whole) | set(expected)):
        if whole.get(group, [0, 0]) != expected.get(group, [0, 0]):
            problems.append(
                f"{campaign.name} (id {campaign.id}), {day}, tổng kế hoạch, {group}: "
                f"tính lại {expected.get(group, [0, 0])}, đang giữ {whole.get(group, [0, 0])}"
            )
    rooms = (
        select(Classroom.id).join(School, School.id == Classroom.school_id).where(School.unit_id.in_(units))
    )
    raw_rooms = {
        (room, PUPIL_GROUPS[tier]): [n, c]
        for room, tier, n, c in count_pupils(session, window, "classroom_id", units)
    }
    kept_rooms = {
        key: value
        for key, value in tally.read(session, campaign.id, window.as_of, "c", session.scalars(rooms)).items()
        if value != [0, 0]
    }
    for key in sorted(set(raw_rooms) | set(kept_rooms)):
        if raw_rooms.get(key, [0, 0]) != kept_rooms.get(key, [0, 0]):
            problems.append(
                f"{campaign.name} (id {campaign.id}), {day}, lớp id {key[0]}, {key[1]}: "
                f"tính lại {raw_rooms.get(key, [0, 0])}, đang giữ {kept_rooms.get(key, [0, 0])}"
            )
    return problems


def compare_members(session: Session, campaigns: list[Campaign], chunk: int = 20_000) -> list[str]:
    """Each subject's stored contribution against the one computed now from its rows, a
    chunk of subjects at a time (a city's four million never held at once)."""
    plans = tally.load_plans(session, [c.id for c in campaigns])
    by_unit = tally.plans_by_unit(plans)
    ids = {p.id for p in plans}
    subjects = tally.subjects_in(session, {u for p in plans for u in p.units})
    problems = []
    for start in range(0, len(subjects), chunk):
        part = subjects[start : start + chunk]
        facts = tally.load_facts(session, part)
        stored = {}
        for first in range(0, len(part), 500):
            for subject, plan, steps in session.execute(
                select(CoverageMember.subject, CoverageMember.campaign_id, CoverageMember.steps).where(
                    CoverageMember.subject.in_(part[first : first + 500])
                )
            ):
                if plan in ids:
                    stored[(subject, plan)] = json.loads(steps)
        fresh = {}
        for subject in part:
            for plan in {p for u in tally.subject_units(facts, subject) for p in by_unit.get(u, ())}:
                steps = tally.steps_for(facts, subject, plan)
                if steps:
                    fresh[(subject, plan.id)] = steps
        problems += [
            f"kế hoạch id {key[1]}, {key[0]}: phần đóng góp đang giữ khác phần tính lại"
            for key in sorted(set(stored) | set(fresh))
            if stored.get(key, []) != fresh.get(key, [])
        ]
    return problems


def verify(session: Session, campaigns: list[Campaign], today: date | None = None) -> list[str]:
    """Every difference between the kept counts and the raw rows, for these plans."""
    tally.settle(session)
    today = today or today_in_vietnam()
    problems = []
    for campaign in campaigns:
        for day in days_to_check(campaign, today):
            problems += compare_counts(session, campaign, day)
    return problems + compare_members(session, campaigns)
