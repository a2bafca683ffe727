"""Coverage counts kept up to date in the transaction that changes them (issue 15).

The dashboards, the report and the trend read sums (lms/models/tally.py) instead of counting
a city's people when a viewer arrives. The sums follow the one definition of who counts and
who is covered (lms/campaign/populations.py, whose SQL stays the reference `report verify`
recomputes from the raw rows), applied in Python to one *subject* at a time:

- "p:<id>" a pupil (grades 1-9): their group (primary, lower_secondary) in their latest class,
  its school and the whole plan; and "consent" (a guardian's consent) in the school and plan;
- "s:<id>" a member of school staff: "teachers", and "managers_teachers" when a principal or
  teacher of a primary or lower-secondary school;
- "o:<id>" a unit official: "officials";
- "f:<household>" (or "f:-<pupil>" for a child without a household) a family: "parents" and
  "households", per school of its children (kindergarten included) and once in the plan.

A subject's contribution is a step function over the plan's days: [(group, scope, scope id,
day, population, covered)] from that day on. When something changes, the subjects it touches
are marked (`mark_*`, or from the ORM's flushes); before the transaction commits (`settle`),
each marked subject's contribution is computed again, and the difference with the stored one
is added to the sums, per day (CoverageChange) and in total (CoverageCount). Subjects are
locked (their member row) while this happens, so two transactions changing the same family
at once cannot both add the same difference.

Kinds of change and what they mark: a completion (refresh_user, lms.campaign.summary), an
enrolment or class change, a guardianship, a household merge, a consent, a staff or official
record, a class's grade or school, a school's unit or level (the ORM listener); a plan's
period or unit, units regrouped, or the required courses changing (a rebuild of the plans
concerned). Writes made without the ORM call the `mark_*` functions themselves.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, event, func, inspect, select
from sqlalchemy import insert as insert_plain
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from lms.campaign.populations import (
    LEARNER_TIERS,
    MANAGER_TEACHER_ROLES,
    PRIMARY_AND_LOWER_SECONDARY,
    VN_OFFSET,
    required_counts,
)
from lms.models import (
    Campaign,
    Classroom,
    Completion,
    Consent,
    CourseAudience,
    CoverageChange,
    CoverageCount,
    CoverageMember,
    Enrollment,
    Guardianship,
    Household,
    ListedHousehold,
    School,
    TierProgress,
    Unit,
    User,
    Village,
)
from lms.models.people import PRESCHOOL_GRADE

CHUNK = 500  # ids per IN (...): well under SQLite's limit on bound parameters
STAFF_ROLES = ("teacher", "school_admin")
# Which user attributes move a staff member or an official between counts.
USER_ATTRIBUTES = ("role", "school_id", "unit_id", "staff_role", "staff_from", "staff_until", "active")


def local_day(moment: datetime | None) -> date | None:
    """The day in Vietnam of a stored UTC time."""
    return (moment + VN_OFFSET).date() if moment is not None else None


# --- plans -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    id: int
    start: date
    end: date
    units: frozenset


def load_plans(session: Session, ids: Iterable[int] | None = None) -> list[Plan]:
    """Every campaign with the wards and communes it counts (a city's: all of its own), in
    one statement."""
    child = aliased(Unit)
    query = select(Campaign.id, Campaign.unit_id, Campaign.starts_on, Campaign.ends_on, child.id).outerjoin(
        child, child.parent_id == Campaign.unit_id
    )
    if ids is not None:
        query = query.where(Campaign.id.in_(list(ids)))
    found: dict[int, tuple] = {}
    for cid, unit, start, end, sub in session.execute(query):
        entry = found.setdefault(cid, (unit, start, end, set()))
        if sub is not None:
            entry[3].add(sub)
    return [
        Plan(cid, start, end, frozenset(subs) if subs else frozenset({unit}))
        for cid, (unit, start, end, subs) in found.items()
    ]


def plans_by_unit(plans: list[Plan]) -> dict[int, list[Plan]]:
    out = defaultdict(list)
    for plan in plans:
        for unit in plan.units:
            out[unit].append(plan)
    return out


# --- the facts a subject's contribution is computed from ---------------------------------------


@dataclass
class Learning:
    """One learner's coverage facts: per tier (local first day, local last day, required done)
    of their required courses, and the local days of their completions per tier (used for a
    tier without required courses)."""

    progress: dict = field(default_factory=dict)
    days: dict = field(default_factory=dict)

    def covered_on(self, tier: str, plan: Plan, needed: dict[str, int]) -> date | None:
        """The day this learner became covered for the tier in the plan's period, or None."""
        if tier in needed:
            found = self.progress.get(tier)
            if found is None:
                return None
            first, last, done = found
            if done >= needed[tier] and first >= plan.start and last <= plan.end:
                return last
            return None
        inside = [d for d in self.days.get(tier, ()) if plan.start <= d <= plan.end]
        return min(inside) if inside else None


@dataclass
class Facts:
    needed: dict
    enrollments: dict = field(default_factory=lambda: defaultdict(list))  # pupil -> rows
    households: dict = field(default_factory=dict)  # pupil -> household id or None
    members: dict = field(default_factory=lambda: defaultdict(list))  # household -> pupils
    guardians: dict = field(default_factory=lambda: defaultdict(list))  # pupil -> guardians
    consents: dict = field(default_factory=lambda: defaultdict(list))  # pupil -> (from, until)
    users: dict = field(default_factory=dict)  # staff/official id -> row
    listed: dict = field(default_factory=dict)  # listed household -> (village, unit, household)
    residents: dict = field(default_factory=lambda: defaultdict(set))  # listed household -> members
    learning: dict = field(default_factory=lambda: defaultdict(Learning))


def _chunks(ids: Iterable[int]):
    ids = sorted(set(ids))
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _where_in(column, ids):
    """column IN ids, in chunks; ids None: every row."""
    if ids is None:
        yield True
    else:
        for chunk in _chunks(ids):
            yield column.in_(chunk)


def load_enrollments(session: Session, facts: Facts, pupil_ids: Iterable[int] | None) -> None:
    query = (
        select(
            Enrollment.pupil_id,
            Enrollment.id,
            Enrollment.started_on,
            Enrollment.ended_on,
            Enrollment.classroom_id,
            Classroom.grade,
            Classroom.school_id,
            School.unit_id,
        )
        .join(Classroom, Classroom.id == Enrollment.classroom_id)
        .join(School, School.id == Classroom.school_id)
    )
    for condition in _where_in(Enrollment.pupil_id, pupil_ids):
        for pupil, *row in session.execute(query.where(condition)):
            facts.enrollments[pupil].append(tuple(row))


def load_families(session: Session, facts: Facts, household_keys: Iterable[int] | None) -> set[int]:
    """The children of these households (a negative key: that one child), their guardians.
    Returns the children's ids."""
    children: set[int] = set()
    if household_keys is None:
        rows = session.execute(
            select(User.id, User.household_id).where(User.id.in_(select(Enrollment.pupil_id).distinct()))
        )
        for pupil, household in rows:
            key = household if household is not None else -pupil
            facts.members[key].append(pupil)
            facts.households[pupil] = household
            children.add(pupil)
    else:
        keys = set(household_keys)
        lonely = {-k for k in keys if k < 0}
        shared = {k for k in keys if k > 0}
        for condition in _where_in(User.household_id, shared):
            for pupil, household in session.execute(select(User.id, User.household_id).where(condition)):
                facts.members[household].append(pupil)
                facts.households[pupil] = household
                children.add(pupil)
        for condition in _where_in(User.id, lonely):
            for pupil, household in session.execute(select(User.id, User.household_id).where(condition)):
                if household is None:
                    facts.members[-pupil].append(pupil)
                facts.households[pupil] = household
                children.add(pupil)
    for condition in _where_in(Guardianship.pupil_id, None if household_keys is None else children):
        for guardian, pupil in session.execute(
            select(Guardianship.guardian_id, Guardianship.pupil_id).where(condition)
        ):
            facts.guardians[pupil].append(guardian)
    return children


def load_consents(session: Session, facts: Facts, pupil_ids: Iterable[int] | None) -> None:
    query = select(Consent.pupil_id, Consent.given_on, Consent.withdrawn_at).where(Consent.kind == "guardian")
    for condition in _where_in(Consent.pupil_id, pupil_ids):
        for pupil, given_on, withdrawn_at in session.execute(query.where(condition)):
            facts.consents[pupil].append((given_on, local_day(withdrawn_at)))


def load_users(session: Session, facts: Facts, user_ids: Iterable[int] | None) -> None:
    """Staff and officials: their role, school (its unit and level) or unit, and dates."""
    query = (
        select(
            User.id,
            User.role,
            User.active,
            User.unit_id,
            User.staff_role,
            User.staff_from,
            User.staff_until,
            School.id,
            School.unit_id,
            School.level,
        )
        .outerjoin(School, School.id == User.school_id)
        .where(User.role.in_((*STAFF_ROLES, "official")))
    )
    for condition in _where_in(User.id, user_ids):
        for row in session.execute(query.where(condition)):
            facts.users[row[0]] = row


def load_learning(session: Session, facts: Facts, user_ids: Iterable[int] | None) -> None:
    query = select(
        TierProgress.user_id,
        TierProgress.tier,
        TierProgress.first_required_at,
        TierProgress.last_required_at,
        TierProgress.required_done,
    )
    for condition in _where_in(TierProgress.user_id, user_ids):
        for user, tier, first, last, done in session.execute(query.where(condition)):
            facts.learning[user].progress[tier] = (local_day(first), local_day(last), done)
    without = [t for t in LEARNER_TIERS if t not in facts.needed]
    if not without:
        return
    days = (
        select(Completion.user_id, CourseAudience.audience, Completion.completed_at)
        .join(CourseAudience, CourseAudience.course_id == Completion.course_id)
        .where(CourseAudience.audience.in_(without))
    )
    for condition in _where_in(Completion.user_id, user_ids):
        for user, tier, at in session.execute(days.where(condition)):
            facts.learning[user].days.setdefault(tier, []).append(local_day(at))


def load_listed(session: Session, facts: Facts, listed_ids: Iterable[int] | None) -> set[int]:
    """Households on the villages' lists and their members: the adults (no pupils) of the
    matched pupils' family, and the residents attached to it. Returns the members' ids."""
    query = select(
        ListedHousehold.id, ListedHousehold.village_id, Village.unit_id, ListedHousehold.household_id
    ).join(Village, Village.id == ListedHousehold.village_id)
    for condition in _where_in(ListedHousehold.id, listed_ids):
        for listed, village, unit, household in session.execute(query.where(condition)):
            facts.listed[listed] = (village, unit, household)
    by_household = defaultdict(list)
    for listed, (_v, _u, household) in facts.listed.items():
        if household is not None:
            by_household[household].append(listed)
    members: set[int] = set()
    for chunk in _chunks(by_household):
        for user, household in session.execute(
            select(User.id, User.household_id).where(User.household_id.in_(chunk), User.role != "pupil")
        ):
            for listed in by_household[household]:
                facts.residents[listed].add(user)
            members.add(user)
    for condition in _where_in(User.listed_household_id, None if listed_ids is None else list(facts.listed)):
        for user, listed in session.execute(
            select(User.id, User.listed_household_id).where(condition, User.listed_household_id.is_not(None))
        ):
            facts.residents[listed].add(user)
            members.add(user)
    return members


def load_facts(session: Session, subjects: Iterable[str] | None) -> Facts:
    """Everything the subjects' contributions are computed from (None: everyone's)."""
    facts = Facts(needed=required_counts(session))
    if subjects is None:
        children = load_families(session, facts, None)
        load_enrollments(session, facts, None)
        load_consents(session, facts, None)
        load_users(session, facts, None)
        load_listed(session, facts, None)
        load_learning(session, facts, None)
        return facts
    pupils, users, families, listed = set(), set(), set(), set()
    for subject in subjects:
        kind, _, number = subject.partition(":")
        if kind == "p":
            pupils.add(int(number))
        elif kind in ("s", "o"):
            users.add(int(number))
        elif kind == "f":
            families.add(int(number))
        elif kind == "v":
            listed.add(int(number))
    members = load_listed(session, facts, listed) if listed else set()
    children = load_families(session, facts, families)
    guardians = {g for pupil in children for g in facts.guardians.get(pupil, ())}
    load_enrollments(session, facts, pupils | children)
    load_consents(session, facts, pupils)
    load_users(session, facts, users)
    load_learning(session, facts, pupils | users | guardians | members)
    return facts


# --- a subject's contribution: a step function over the plan's days ----------------------------


def _latest(enrollments: list, day: date, start: date):
    """The pupil's class as of day: their latest enrolment begun by then among those not
    ended before the period (populations._enrolled)."""
    best = None
    for row in enrollments:
        _id, started_on, ended_on, *_ = row
        if started_on <= day and (ended_on is None or ended_on >= start):
            if best is None or (started_on, _id) > (best[1], best[0]):
                best = row
    return best


def _enrolment_days(enrollments: list, plan: Plan) -> set[date]:
    """The days a pupil's class may change: each enrolment's first day (before the period
    too: "as of" a day before it counts those enrolled by then)."""
    return {row[1] for row in enrollments if row[1] <= plan.end}


def _steps(days: Iterable[date], plan: Plan, value_at) -> list[list]:
    """[[group, scope, id, day ordinal, n, covered]]: where value_at(day) changes, up to the
    end of the plan; a key that disappears drops to zero."""
    out, before = [], {}
    for day in sorted(d for d in days if d <= plan.end):
        now = value_at(day)
        for key in sorted(set(before) | set(now)):
            value = now.get(key, (0, 0))
            if value != before.get(key, (0, 0)):
                out.append([*key, day.toordinal(), *value])
        before = now
    return out


def pupil_steps(facts: Facts, pupil: int, plan: Plan) -> list[list]:
    enrollments = facts.enrollments.get(pupil, [])
    if not enrollments:
        return []
    learning = facts.learning.get(pupil, Learning())
    covered = {t: learning.covered_on(t, plan, facts.needed) for t in ("primary", "lower-secondary")}
    consents = facts.consents.get(pupil, [])
    days = _enrolment_days(enrollments, plan) | {d for d in covered.values() if d}
    for given_on, withdrawn_on in consents:
        days |= {given_on, withdrawn_on} - {None}

    def value_at(day):
        row = _latest(enrollments, day, plan.start)
        if row is None:
            return {}
        _id, _start, _end, room, grade, school, unit = row
        if not (1 <= grade <= 9) or unit not in plan.units:
            return {}
        tier = "primary" if grade <= 5 else "lower-secondary"
        group = "primary" if grade <= 5 else "lower_secondary"
        done = int(covered[tier] is not None and covered[tier] <= day)
        agreed = int(any(g <= day and (w is None or w > day) for g, w in consents))
        return {
            (group, "c", room): (1, done),
            (group, "s", school): (1, done),
            (group, "t", 0): (1, done),
            ("consent", "s", school): (1, agreed),
            ("consent", "t", 0): (1, agreed),
        }

    return _steps(days, plan, value_at)


def staff_steps(facts: Facts, user: int, plan: Plan) -> list[list]:
    row = facts.users.get(user)
    if row is None:
        return []
    _id, role, _active, _unit, staff_role, staff_from, staff_until, school, school_unit, level = row
    if role not in STAFF_ROLES or school is None or school_unit not in plan.units:
        return []
    if staff_until is not None and staff_until < plan.start:
        return []
    begins = staff_from or date.min  # counted as of any day from their first
    covered = facts.learning.get(user, Learning()).covered_on("teacher", plan, facts.needed)
    chosen = staff_role in MANAGER_TEACHER_ROLES and level in PRIMARY_AND_LOWER_SECONDARY

    def value_at(day):
        if day < begins:
            return {}
        done = int(covered is not None and covered <= day)
        out = {("teachers", "s", school): (1, done), ("teachers", "t", 0): (1, done)}
        if chosen:
            out[("managers_teachers", "s", school)] = (1, done)
            out[("managers_teachers", "t", 0)] = (1, done)
        return out

    return _steps({begins, covered or begins}, plan, value_at)


def official_steps(facts: Facts, user: int, plan: Plan) -> list[list]:
    row = facts.users.get(user)
    if row is None:
        return []
    _id, role, active, unit, _staff_role, staff_from, staff_until, *_ = row
    if role != "official" or not active or unit not in plan.units:
        return []
    if staff_until is not None and staff_until < plan.start:
        return []
    begins = staff_from or date.min
    covered = facts.learning.get(user, Learning()).covered_on("official", plan, facts.needed)

    def value_at(day):
        if day < begins:
            return {}
        return {("officials", "t", 0): (1, int(covered is not None and covered <= day))}

    return _steps({begins, covered or begins}, plan, value_at)


def family_steps(facts: Facts, key: int, plan: Plan) -> list[list]:
    children = facts.members.get(key, [])
    if not children:
        return []
    guardians = {c: facts.guardians.get(c, []) for c in children}
    covered = {
        g: facts.learning.get(g, Learning()).covered_on("parent", plan, facts.needed)
        for gs in guardians.values()
        for g in gs
    }
    days = {d for d in covered.values() if d}
    for child in children:
        days |= _enrolment_days(facts.enrollments.get(child, []), plan)

    def value_at(day):
        scopes = defaultdict(set)
        present = False
        for child in children:
            row = _latest(facts.enrollments.get(child, []), day, plan.start)
            if row is None:
                continue
            grade, school, unit = row[4], row[5], row[6]
            if not (PRESCHOOL_GRADE <= grade <= 9) or unit not in plan.units:
                continue
            present = True
            scopes[("s", school)].update(guardians[child])
            scopes[("t", 0)].update(guardians[child])
        out = {}
        if not present:
            return out
        for (scope, scope_id), known in scopes.items():
            done = sum(1 for g in known if covered[g] is not None and covered[g] <= day)
            out[("parents", scope, scope_id)] = (len(known) or 1, done)
            out[("households", scope, scope_id)] = (1, int(done > 0))
        return out

    return _steps(days, plan, value_at)


def village_steps(facts: Facts, listed: int, plan: Plan) -> list[list]:
    """A household on a village's list: counted on every day; covered from the day its first
    member (an adult of the matched family, or a resident) was covered in the parent tier."""
    found = facts.listed.get(listed)
    if found is None or found[1] not in plan.units:
        return []
    village = found[0]
    days = [
        d
        for m in facts.residents.get(listed, ())
        if (d := facts.learning.get(m, Learning()).covered_on("parent", plan, facts.needed))
    ]
    covered = min(days) if days else None

    def value_at(day):
        done = int(covered is not None and covered <= day)
        return {("village_households", "v", village): (1, done), ("village_households", "t", 0): (1, done)}

    return _steps({date.min, covered or date.min}, plan, value_at)


def subject_units(facts: Facts, subject: str) -> set[int]:
    """The wards and communes a subject could count in (which plans to compute it for)."""
    kind, _, number = subject.partition(":")
    n = int(number)
    if kind == "p":
        return {row[6] for row in facts.enrollments.get(n, [])}
    if kind == "f":
        return {row[6] for c in facts.members.get(n, []) for row in facts.enrollments.get(c, [])}
    if kind == "v":
        return {facts.listed[n][1]} if n in facts.listed else set()
    row = facts.users.get(n)
    if row is None:
        return set()
    return {row[8]} if kind == "s" else {row[3]}


STEPS = {"p": pupil_steps, "s": staff_steps, "o": official_steps, "f": family_steps, "v": village_steps}


def steps_for(facts: Facts, subject: str, plan: Plan) -> list[list]:
    kind, _, number = subject.partition(":")
    return STEPS[kind](facts, int(number), plan)


# --- differences into the sums -----------------------------------------------------------------


def add_steps(deltas: dict, plan_id: int, steps: list[list], sign: int) -> None:
    """Add (sign=1) or take away (sign=-1) a contribution's changes, per day."""
    before = {}
    for group, scope, scope_id, day, n, covered in steps:
        key = (group, scope, scope_id)
        old_n, old_c = before.get(key, (0, 0))
        delta = deltas.setdefault((plan_id, scope, scope_id, group, day), [0, 0])
        delta[0] += sign * (n - old_n)
        delta[1] += sign * (covered - old_c)
        before[key] = (n, covered)


def _insert(session: Session):
    return (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert


def apply_deltas(session: Session, deltas: dict, fresh: bool = False) -> None:
    """Add the per-day differences to CoverageChange and their sums to CoverageCount, in key
    order (two transactions always lock the same rows in the same order)."""
    changes = sorted((k, v) for k, v in deltas.items() if v[0] or v[1])
    if not changes:
        return
    totals: dict = {}
    for (plan, scope, scope_id, group, _day), (n, c) in changes:
        total = totals.setdefault((plan, scope, scope_id, group), [0, 0])
        total[0] += n
        total[1] += c
    insert = _insert(session)
    count_rows = [
        {
            "campaign_id": k[0],
            "scope": k[1],
            "scope_id": k[2],
            "grp": k[3],
            "population": v[0],
            "covered": v[1],
        }
        for k, v in sorted(totals.items())
        if v[0] or v[1]
    ]
    change_rows = [
        {
            "campaign_id": k[0],
            "scope": k[1],
            "scope_id": k[2],
            "grp": k[3],
            "day": date.fromordinal(k[4]),
            "population": v[0],
            "covered": v[1],
        }
        for k, v in changes
    ]
    if fresh:  # a rebuild: the plans' rows were just deleted, every key is new
        for model, rows in ((CoverageCount, count_rows), (CoverageChange, change_rows)):
            for start in range(0, len(rows), 10000):
                session.execute(insert_plain(model), rows[start : start + 10000])
        return
    for model, rows, keys in (
        (CoverageCount, count_rows, ["campaign_id", "scope", "scope_id", "grp"]),
        (CoverageChange, change_rows, ["campaign_id", "scope", "scope_id", "grp", "day"]),
    ):
        for start in range(0, len(rows), 1000):
            statement = insert(model).values(rows[start : start + 1000])
            session.execute(
                statement.on_conflict_do_update(
                    index_elements=keys,
                    set_={
                        "population": model.population + statement.excluded.population,
                        "covered": model.covered + statement.excluded.covered,
                    },
                )
            )


# --- refreshing marked subjects ----------------------------------------------------------------


def _lock_and_read(session: Session, subjects: list[str]) -> dict[str, dict[int, list]]:
    """The stored contributions {subject: {plan: steps}}. On PostgreSQL each subject's anchor
    row is locked first (the person, or the household), in id order, so that two transactions
    computing the same subject wait for each other instead of adding the same difference."""
    if session.get_bind().dialect.name == "postgresql":
        people, households = set(), set()
        for subject in subjects:
            kind, _, number = subject.partition(":")
            n = int(number)
            (households if kind == "f" and n > 0 else people).add(abs(n))
        for chunk in _chunks(households):
            session.execute(
                select(Household.id).where(Household.id.in_(chunk)).order_by(Household.id).with_for_update()
            )
        for chunk in _chunks(people):
            session.execute(select(User.id).where(User.id.in_(chunk)).order_by(User.id).with_for_update())
    stored: dict[str, dict[int, list]] = defaultdict(dict)
    for start in range(0, len(subjects), CHUNK):
        chunk = subjects[start : start + CHUNK]
        query = select(CoverageMember.subject, CoverageMember.campaign_id, CoverageMember.steps).where(
            CoverageMember.subject.in_(chunk)
        )
        for subject, plan_id, steps in session.execute(query):
            stored[subject][plan_id] = json.loads(steps)
    return stored


def refresh(session: Session, subjects: Iterable[str]) -> int:
    """Compute these subjects' contributions again and add the differences to the sums.
    Returns how many (subject, plan) contributions changed."""
    subjects = sorted(set(subjects))
    if not subjects:
        return 0
    plans = load_plans(session)
    stored = _lock_and_read(session, subjects)
    facts = load_facts(session, subjects)
    by_unit = plans_by_unit(plans)
    by_id = {p.id: p for p in plans}
    deltas: dict = {}
    changed = 0
    writes = []
    for subject in subjects:
        relevant = {p.id for u in subject_units(facts, subject) for p in by_unit.get(u, ())}
        relevant |= {pid for pid in stored.get(subject, {}) if pid in by_id}
        for plan_id in sorted(relevant):
            old = stored.get(subject, {}).get(plan_id, [])
            new = steps_for(facts, subject, by_id[plan_id])
            if new == old:
                continue
            changed += 1
            add_steps(deltas, plan_id, old, -1)
            add_steps(deltas, plan_id, new, 1)
            writes.append((subject, plan_id, new))
    for subject, plan_id, new in writes:
        if not new:
            session.execute(
                delete(CoverageMember).where(
                    CoverageMember.subject == subject, CoverageMember.campaign_id == plan_id
                )
            )
    kept = [
        {"subject": subject, "campaign_id": plan_id, "steps": json.dumps(new, separators=(",", ":"))}
        for subject, plan_id, new in writes
        if new
    ]
    if kept:
        statement = _insert(session)(CoverageMember).values(kept)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["subject", "campaign_id"], set_={"steps": statement.excluded.steps}
            )
        )
    apply_deltas(session, deltas)
    return changed


def all_subjects(facts: Facts) -> list[str]:
    subjects = [f"p:{p}" for p in facts.enrollments]
    subjects += [f"f:{k}" for k in facts.members]
    for user, row in facts.users.items():
        subjects.append(f"{'o' if row[1] == 'official' else 's'}:{user}")
    subjects += [f"v:{listed}" for listed in facts.listed]
    return subjects


def subjects_in(session: Session, units: set[int]) -> list[str]:
    """Every subject that may count in these wards and communes."""
    schools = select(School.id).where(School.unit_id.in_(list(units)))
    rooms = select(Classroom.id).where(Classroom.school_id.in_(schools))
    pupils = select(Enrollment.pupil_id).where(Enrollment.classroom_id.in_(rooms)).distinct()
    subjects = [f"p:{p}" for p in session.scalars(pupils)]
    subjects += [
        f"f:{h}" if h is not None else f"f:-{p}"
        for p, h in session.execute(select(User.id, User.household_id).where(User.id.in_(pupils)))
    ]
    subjects += [
        f"s:{u}"
        for u in session.scalars(
            select(User.id).where(User.role.in_(STAFF_ROLES), User.school_id.in_(schools))
        )
    ]
    subjects += [
        f"v:{v}"
        for v in session.scalars(
            select(ListedHousehold.id)
            .join(Village, Village.id == ListedHousehold.village_id)
            .where(Village.unit_id.in_(list(units)))
        )
    ]
    subjects += [
        f"o:{u}"
        for u in session.scalars(
            select(User.id).where(User.role == "official", User.unit_id.in_(list(units)))
        )
    ]
    return sorted(set(subjects))


def rebuild(session: Session, plan_ids: Iterable[int] | None = None) -> int:
    """Throw the kept counts of these plans (None: all) away and compute them from the raw rows:
    after a bulk load, a plan's new period or units, or a change of the required courses.
    Returns how many contributions were stored."""
    plans = load_plans(session, plan_ids)
    ids = [p.id for p in plans]
    if plan_ids is None:
        for model in (CoverageMember, CoverageCount, CoverageChange):
            session.execute(delete(model))
    else:
        for model in (CoverageMember, CoverageCount, CoverageChange):
            session.execute(delete(model).where(model.campaign_id.in_(ids)))
    if not plans:
        return 0
    if plan_ids is None:
        facts = load_facts(session, None)
    else:
        facts = load_facts(session, subjects_in(session, {u for p in plans for u in p.units}))
    by_unit = plans_by_unit(plans)
    deltas: dict = {}
    members = []
    stored = 0
    for subject in all_subjects(facts):
        for plan in {p for u in subject_units(facts, subject) for p in by_unit.get(u, ())}:
            steps = steps_for(facts, subject, plan)
            if not steps:
                continue
            add_steps(deltas, plan.id, steps, 1)
            members.append(
                {
                    "subject": subject,
                    "campaign_id": plan.id,
                    "steps": json.dumps(steps, separators=(",", ":")),
                }
            )
            stored += 1
            if len(members) >= 5000:
                session.execute(_insert(session)(CoverageMember), members)
                members = []
    if members:
        session.execute(_insert(session)(CoverageMember), members)
    apply_deltas(session, deltas, fresh=True)
    return stored


# --- marking what changed ----------------------------------------------------------------------


def _pending(session: Session) -> dict:
    return session.info.setdefault(
        "tally", {"subjects": set(), "users": set(), "pupils": set(), "plans": set()}
    )


def mark(session: Session, *subjects: str) -> None:
    _pending(session)["subjects"].update(subjects)


def mark_users(session: Session, user_ids: Iterable[int]) -> None:
    """Learners whose completions changed: as pupils, staff, officials and guardians."""
    _pending(session)["users"].update(user_ids)


def mark_pupils(session: Session, pupil_ids: Iterable[int]) -> None:
    """Pupils whose classes, household or consent changed: them and their families."""
    _pending(session)["pupils"].update(pupil_ids)


def mark_plans(session: Session, plan_ids: Iterable[int] | None) -> None:
    """Plans to rebuild (None: all of them)."""
    pending = _pending(session)
    if plan_ids is None:
        pending["plans"] = None
    elif pending["plans"] is not None:
        pending["plans"].update(plan_ids)


def _family_keys(session: Session, pupil_ids: Iterable[int]) -> set[str]:
    keys = set()
    for chunk in _chunks(pupil_ids):
        for pupil, household in session.execute(select(User.id, User.household_id).where(User.id.in_(chunk))):
            keys.add(f"f:{household}" if household is not None else f"f:-{pupil}")
    return keys


def _expand(session: Session, pending: dict) -> set[str]:
    """The subjects behind what was marked: a learner counts as what their role makes them
    (a change of role is marked apart), in the families of the children they guard, and in
    the households on the villages' lists they belong to."""
    subjects = set(pending["subjects"])
    users = pending["users"]
    households, listed = set(), set()
    for chunk in _chunks(users):
        for user, role, household, resident_of in session.execute(
            select(User.id, User.role, User.household_id, User.listed_household_id).where(User.id.in_(chunk))
        ):
            if role == "pupil":
                subjects.add(f"p:{user}")
            elif role in STAFF_ROLES:
                subjects.add(f"s:{user}")
            elif role == "official":
                subjects.add(f"o:{user}")
            if role != "pupil" and household is not None:
                households.add(household)
            if resident_of is not None:
                listed.add(resident_of)
        for pupil, household in session.execute(
            select(Guardianship.pupil_id, User.household_id)
            .join(User, User.id == Guardianship.pupil_id)
            .where(Guardianship.guardian_id.in_(chunk))
        ):
            subjects.add(f"f:{household}" if household is not None else f"f:-{pupil}")
    pupils = pending["pupils"]
    subjects |= {f"p:{p}" for p in pupils}
    subjects |= _family_keys(session, pupils)
    households |= {int(s[2:]) for s in subjects if s.startswith("f:") and s[2] != "-"}
    for chunk in _chunks(households):
        listed.update(
            session.scalars(select(ListedHousehold.id).where(ListedHousehold.household_id.in_(chunk)))
        )
    subjects |= {f"v:{v}" for v in listed}
    return subjects


def settle(session: Session) -> None:
    """Bring the kept counts up to date with what this transaction changed (before it commits,
    and before the counts are read in it)."""
    pending = session.info.get("tally")
    if not pending and not session.new and not session.dirty and not session.deleted:
        return
    session.flush()
    pending = session.info.pop("tally", None)
    if not pending:
        return
    plans = pending["plans"]
    if plans is None or plans:
        rebuild(session, plans)
        if plans is None:
            return
    refresh(session, _expand(session, pending))


# --- the ORM's changes -------------------------------------------------------------------------


def _history_values(obj, name: str) -> set:
    history = inspect(obj).attrs[name].history
    return {v for v in (*history.added, *history.deleted, *history.unchanged) if v is not None}


@event.listens_for(Session, "after_flush")
def _collect(session, _context):
    """Mark the subjects the flushed changes touch (ids are known after the flush; the
    objects' history still shows what changed)."""
    objects = [*session.new, *session.dirty, *session.deleted]
    if not objects:
        return
    pending = None
    for obj in objects:
        if isinstance(obj, (Enrollment, Consent)):
            pending = pending or _pending(session)
            pending["pupils"].update(_history_values(obj, "pupil_id"))
        elif isinstance(obj, Guardianship):
            pending = pending or _pending(session)
            pending["pupils"].update(_history_values(obj, "pupil_id"))
        elif isinstance(obj, User):
            state = inspect(obj)
            new = obj in session.new
            if new or any(state.attrs[n].history.has_changes() for n in USER_ATTRIBUTES):
                pending = pending or _pending(session)
                pending["subjects"] |= {f"p:{obj.id}", f"s:{obj.id}", f"o:{obj.id}"}
            if state.attrs["listed_household_id"].history.has_changes():
                pending = pending or _pending(session)
                pending["subjects"] |= {f"v:{v}" for v in _history_values(obj, "listed_household_id")}
            if not new and state.attrs["household_id"].history.has_changes():
                pending = pending or _pending(session)
                pending["pupils"].add(obj.id)
                pending["subjects"] |= {f"f:{h}" for h in _history_values(obj, "household_id")}
                pending["subjects"].add(f"f:-{obj.id}")
        elif isinstance(obj, ListedHousehold):
            pending = pending or _pending(session)
            pending["subjects"].add(f"v:{obj.id}")
        elif isinstance(obj, Completion):
            pending = pending or _pending(session)
            pending["users"].update(_history_values(obj, "user_id"))
        elif isinstance(obj, Classroom) and obj not in session.new:
            state = inspect(obj)
            if state.attrs["grade"].history.has_changes() or state.attrs["school_id"].history.has_changes():
                pending = pending or _pending(session)
                pending["pupils"].update(
                    session.scalars(select(Enrollment.pupil_id).where(Enrollment.classroom_id == obj.id))
                )
        elif isinstance(obj, School) and obj not in session.new:
            state = inspect(obj)
            if state.attrs["unit_id"].history.has_changes() or state.attrs["level"].history.has_changes():
                pending = pending or _pending(session)
                rooms = select(Classroom.id).where(Classroom.school_id == obj.id)
                pending["pupils"].update(
                    session.scalars(select(Enrollment.pupil_id).where(Enrollment.classroom_id.in_(rooms)))
                )
                pending["users"].update(session.scalars(select(User.id).where(User.school_id == obj.id)))
        elif isinstance(obj, Campaign):
            state = inspect(obj)
            if obj in session.new or any(
                state.attrs[n].history.has_changes() for n in ("unit_id", "starts_on", "ends_on")
            ):
                if obj not in session.deleted:
                    mark_plans(session, [obj.id])
        elif isinstance(obj, Unit) and obj not in session.new:
            if inspect(obj).attrs["parent_id"].history.has_changes():
                mark_plans(session, None)


@event.listens_for(Session, "before_commit")
def _settle_before_commit(session):
    settle(session)


@event.listens_for(Session, "after_rollback")
def _forget(session):
    session.info.pop("tally", None)


def read(session: Session, plan_id: int, as_of: date, scope: str, ids: Iterable[int] | None = None) -> dict:
    """{(scope id, group): [population, covered]} as of that day: the sums at the end of the
    period less what changed after the day."""
    settle(session)
    conditions = [CoverageCount.campaign_id == plan_id, CoverageCount.scope == scope]
    later = [
        CoverageChange.campaign_id == plan_id,
        CoverageChange.day > as_of,
        CoverageChange.scope == scope,
    ]
    if ids is not None:
        ids = list(ids)
        conditions.append(CoverageCount.scope_id.in_(ids))
        later.append(CoverageChange.scope_id.in_(ids))
    out = {}
    for scope_id, group, n, c in session.execute(
        select(
            CoverageCount.scope_id, CoverageCount.grp, CoverageCount.population, CoverageCount.covered
        ).where(*conditions)
    ):
        out[(scope_id, group)] = [n, c]
    for scope_id, group, n, c in session.execute(
        select(
            CoverageChange.scope_id,
            CoverageChange.grp,
            func.sum(CoverageChange.population),
            func.sum(CoverageChange.covered),
        )
        .where(*later)
        .group_by(CoverageChange.scope_id, CoverageChange.grp)
    ):
        value = out.setdefault((scope_id, group), [0, 0])
        value[0] -= int(n)
        value[1] -= int(c)
    return out


def covered_by_day(
    session: Session, plan_id: int, scope: str, scope_id: int, as_of: date
) -> dict[str, dict[str, int]]:
    """Per group: {local day (ISO): change in those covered that day}, up to as_of."""
    settle(session)
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for group, day, c in session.execute(
        select(CoverageChange.grp, CoverageChange.day, CoverageChange.covered).where(
            CoverageChange.campaign_id == plan_id,
            CoverageChange.scope == scope,
            CoverageChange.scope_id == scope_id,
            CoverageChange.day <= as_of,
            CoverageChange.covered != 0,
        )
    ):
        out[group][day.isoformat()] = out[group].get(day.isoformat(), 0) + c
    return out


__all__ = [
    "Plan",
    "covered_by_day",
    "load_plans",
    "mark",
    "mark_plans",
    "mark_pupils",
    "mark_users",
    "read",
    "rebuild",
    "refresh",
    "settle",
    "steps_for",
]
