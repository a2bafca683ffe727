"""Community digital teams (issue 18): who may join a village's team, whom a member or a pupil
may assist, and how each listed household of a village stands. Plain functions over a
session, no HTTP; the pages are lms.community (members, pupils) and lms.admin.villages (the
unit admin).

Rules:
- A team member is an active account that is no unit or city admin. A pupil joins only as a
  "pupil" member, aged 15 or more by their date of birth, with the day a guardian agreed.
- A member assists only a resident of a household on their own village's list: an adult
  account (role "parent", tier "parent") with `listed_household_id` set and no children, made
  here from the name the member types when the household has none yet.
- A lower-secondary pupil (grades 6-9) helps only the adults of their own household: the
  guardians linked to them or to a brother or sister (same `household_id`, role "parent").
- A listed household is covered when one of its adults (a guardian of the pupils' family
  matched to it, or a resident on it) is covered in the parent tier within the unit's current
  plan (lms.campaign.populations.covered_clause, as the village households indicator counts);
  started when one of them has signed up (has a password) or done any lesson or course;
  else nobody has signed up.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, literal, or_, select
from sqlalchemy.orm import Session, aliased

from lms.campaign import metrics
from lms.campaign.populations import Window, covered_clause
from lms.models import (
    Completion,
    Guardianship,
    LessonProgress,
    ListedHousehold,
    TeamMember,
    Unit,
    User,
    Village,
)
from lms.models.base import today_in_vietnam
from lms.models.teams import MEMBER_KINDS
from lms.people.names import name_sort_key, normalize_name
from lms.people.phones import normalize_phone

PUPIL_MEMBER_AGE = 15
NOT_MEMBERS = ("ward_admin", "city_admin")
STATUSES = ("covered", "started", "none")
NO_PLAN_SINCE = date(2000, 1, 1)  # without a plan: covered at any time


class TeamError(Exception):
    """reason: 'inactive', 'admin', 'already', 'kind', 'too_young', 'no_birth_date',
    'no_agreement', 'agreement_later', 'phone', 'phone_taken', 'name'."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --- members -------------------------------------------------------------------------------


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def find_account(session: Session, login: str) -> User | None:
    """An account by its username, phone or student code, as the unit admin types it."""
    login = (login or "").strip()
    if not login:
        return None
    clauses = [User.username == login.casefold(), User.student_code == login]
    phone = normalize_phone(login)
    if phone:
        clauses.append(User.phone == phone)
    return session.scalar(select(User).where(or_(*clauses)).order_by(User.id).limit(1))


def add_member(
    session: Session,
    village: Village,
    user: User,
    kind: str,
    *,
    guardian_agreed_on: date | None,
    added_by: User | None,
    today: date,
) -> TeamMember:
    """Put `user` on the village's team, in the caller's transaction; TeamError says why not."""
    if not user.active:
        raise TeamError("inactive")
    if user.role in NOT_MEMBERS:
        raise TeamError("admin")
    if kind not in MEMBER_KINDS or (kind == "pupil") != (user.role == "pupil"):
        raise TeamError("kind")
    if kind == "pupil":
        if user.date_of_birth is None:
            raise TeamError("no_birth_date")
        if age_on(user.date_of_birth, today) < PUPIL_MEMBER_AGE:
            raise TeamError("too_young")
        if guardian_agreed_on is None:
            raise TeamError("no_agreement")
        if guardian_agreed_on > today:
            raise TeamError("agreement_later")
    else:
        guardian_agreed_on = None
    if is_member(session, user.id, village.id):
        raise TeamError("already")
    member = TeamMember(
        village_id=village.id,
        user_id=user.id,
        kind=kind,
        guardian_agreed_on=guardian_agreed_on,
        added_by_id=added_by.id if added_by else None,
    )
    session.add(member)
    session.flush()
    return member


def new_member_account(session: Session, full_name: str, phone: str) -> User:
    """An adult's account for a new member (a youth union member, say): parent-tier courses,
    no password until they use the setup code their unit admin hands them."""
    name = normalize_name(full_name)
    if not name:
        raise TeamError("name")
    phone = normalize_phone(phone)
    if phone is None:
        raise TeamError("phone")
    if session.scalar(select(User.id).where(User.phone == phone)) is not None:
        raise TeamError("phone_taken")
    user = User(role="parent", tier="parent", full_name=name, name_key=name_sort_key(name), phone=phone)
    session.add(user)
    session.flush()
    return user


def is_member(session: Session, user_id: int, village_id: int) -> bool:
    return (
        session.scalar(
            select(TeamMember.id).where(TeamMember.user_id == user_id, TeamMember.village_id == village_id)
        )
        is not None
    )


def members_of(session: Session, village_id: int) -> list[tuple[TeamMember, User]]:
    rows = session.execute(
        select(TeamMember, User)
        .join(User, User.id == TeamMember.user_id)
        .where(TeamMember.village_id == village_id)
        .order_by(User.name_key, User.id)
    )
    return [(member, user) for member, user in rows]


def member_villages(session: Session, user_id: int) -> list[Village]:
    """The villages whose team this person is on, by name."""
    villages = session.scalars(
        select(Village)
        .join(TeamMember, TeamMember.village_id == Village.id)
        .where(TeamMember.user_id == user_id)
    ).all()
    return sorted(villages, key=lambda v: (name_sort_key(v.name), v.code))


def is_any_member(session: Session, user_id: int) -> bool:
    return session.scalar(select(TeamMember.id).where(TeamMember.user_id == user_id).limit(1)) is not None


# --- residents -----------------------------------------------------------------------------


def residents_of(session: Session, listed_id: int) -> list[User]:
    """The residents on this listed household, by name."""
    return list(
        session.scalars(
            select(User)
            .where(User.listed_household_id == listed_id, User.role == "parent", User.active.is_(True))
            .order_by(User.name_key, User.id)
        )
    )


def add_resident(session: Session, listed: ListedHousehold, full_name: str) -> User:
    """A resident of the household, from the name a member typed: an adult learner without a
    password, who signs in only through an assisted session."""
    name = normalize_name(full_name)
    if not name:
        raise TeamError("name")
    user = User(
        role="parent",
        tier="parent",
        full_name=name,
        name_key=name_sort_key(name),
        listed_household_id=listed.id,
    )
    session.add(user)
    session.flush()
    return user


def is_resident_of(session: Session, resident: User, village_id: int) -> bool:
    """Whether this account is a resident of a household on that village's list."""
    if resident.role != "parent" or not resident.active or resident.listed_household_id is None:
        return False
    return (
        session.scalar(
            select(ListedHousehold.village_id).where(ListedHousehold.id == resident.listed_household_id)
        )
        == village_id
    )


# --- pupils and their families -------------------------------------------------------------


def helps_family(user) -> bool:
    """A lower-secondary pupil (grades 6-9) may help the adults of their own household."""
    return user.role == "pupil" and user.tier == "lower-secondary"


def family_adults(session: Session, pupil: User) -> list[User]:
    """The adults of the pupil's household: their guardians and their brothers' and sisters'."""
    linked = select(Guardianship.guardian_id).where(Guardianship.pupil_id == pupil.id)
    same_home = User.household_id == pupil.household_id if pupil.household_id is not None else literal(False)
    return list(
        session.scalars(
            select(User)
            .where(User.role == "parent", User.active.is_(True), or_(User.id.in_(linked), same_home))
            .order_by(User.name_key, User.id)
        )
    )


# --- a village's households ----------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdRow:
    listed: ListedHousehold
    status: str  # covered, started or none


def coverage_window(session: Session, unit: Unit) -> Window:
    """The unit's current plan's period, or its city's; without a plan, any time until today."""
    campaign = metrics.current_campaign(session, unit.id)
    if campaign is None and unit.parent_id is not None:
        campaign = metrics.current_campaign(session, unit.parent_id)
    if campaign is None:
        today = today_in_vietnam()
        return Window(NO_PLAN_SINCE, today, today)
    return metrics.window_for(campaign, None)


def household_statuses(
    session: Session,
    village: Village,
    window: Window,
    *,
    status: str | None = None,
    search: str = "",
    only: int | None = None,
) -> list[HouseholdRow]:
    """The village's listed households in code order, each covered, started or none; those
    of one status, those whose code or head's name holds `search`, or the one listed `only`."""
    listed = aliased(ListedHousehold)
    adult = aliased(User)
    of_household = or_(
        and_(adult.household_id == listed.household_id, adult.role != "pupil"),
        adult.listed_household_id == listed.id,
    )
    covered = (
        select(adult.id)
        .where(of_household, covered_clause(session, window, literal("parent"), adult.id))
        .exists()
    )
    learned = or_(
        adult.password_hash.is_not(None),
        select(LessonProgress.user_id).where(LessonProgress.user_id == adult.id).exists(),
        select(Completion.id).where(Completion.user_id == adult.id).exists(),
    )
    started = select(adult.id).where(of_household, learned).exists()
    query = select(listed, covered, started).where(listed.village_id == village.id).order_by(listed.code)
    if only is not None:
        query = query.where(listed.id == only)
    search = normalize_name(search)
    if search:
        query = query.where(or_(listed.code.ilike(f"%{search}%"), listed.head_name.ilike(f"%{search}%")))
    rows = [
        HouseholdRow(household, "covered" if is_covered else "started" if is_started else "none")
        for household, is_covered, is_started in session.execute(query)
    ]
    return [row for row in rows if status in (None, row.status)]
