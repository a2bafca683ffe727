"""What every part of the demo shares while it is built: the session, the seeded random
numbers, today, the school years, the people made so far and the stretches of time in which
each of them may learn (written as completions at the end, by lms.demo.progress); a unit
being built (Town) and when its people learn (Learning)."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from lms.models import Classroom, Unit, User
from lms.people.names import name_sort_key

# The plans of shared/reference run from September 2025 to December 2026 (HORIZON): the
# demo's school years are 2025-2026 and, once it has begun, 2026-2027 (opening day 5
# September, the year over by 31 May, as the Ministry's yearly calendar sets it).
HORIZON = date(2026, 12, 31)
YEARS = (
    ("2025-2026", date(2025, 9, 5), date(2026, 5, 31)),
    ("2026-2027", date(2026, 9, 5), date(2027, 5, 31)),
)


@dataclass(frozen=True)
class SchoolYear:
    name: str
    starts_on: date
    closes_on: date  # its last day
    current: bool

    @property
    def ends_on(self) -> date | None:
        """When its enrolments ended: None for the current year."""
        return None if self.current else self.closes_on


def school_years(today: date) -> list[SchoolYear]:
    """The demo's school years begun by today: the last one is the current one."""
    begun = [year for year in YEARS if year[1] <= today] or [YEARS[0]]
    return [SchoolYear(*year, current=year is begun[-1]) for year in begun]


@dataclass
class Episode:
    """A stretch of time in which a learner may complete the courses of one tier: `pace` is
    the chance they complete its required courses in it, on a day drawn from a beta
    distribution of `shape` over the stretch (none after yesterday: not yet)."""

    user: User
    tier: str
    start: date
    end: date
    pace: float
    shape: tuple[float, float] = (2.0, 2.0)


@dataclass(frozen=True)
class Learning:
    """When a unit's people began learning for its plan, and how the day each of them
    completes their courses spreads over the time to the demo's horizon (a beta
    distribution's shape: (2, 4) early, (2, 2) around the middle)."""

    start: date
    shape: tuple[float, float] = (2.0, 2.0)
    staff_shape: tuple[float, float] = (2.0, 3.0)  # staff are trained first


@dataclass
class Town:
    """One unit being built: its families so far (a sibling joins an existing one)."""

    unit: Unit
    learning: Learning
    # household, family name, guardians
    families: list[tuple[int, str, list[User]]] = field(default_factory=list)


@dataclass
class Demo:
    session: Session
    rng: random.Random
    today: date
    password_hash: str
    years: list[SchoolYear]
    pupils: list[User] = field(default_factory=list)  # in a class of grades 1-9 at some time
    children: list[User] = field(default_factory=list)  # kindergarten children
    parents: list[User] = field(default_factory=list)
    staff: list[User] = field(default_factory=list)
    officials: list[User] = field(default_factory=list)
    episodes: list[Episode] = field(default_factory=list)
    current_rooms: list[Classroom] = field(default_factory=list)
    roster: dict[int, list[User]] = field(default_factory=dict)  # class id -> its pupils
    _phone: int = 396000000  # 0396000001, …: a range no example in docs/ uses

    @property
    def yesterday(self) -> date:
        """The last day anything was learnt: every completion is dated before today."""
        return self.today - timedelta(days=1)

    @property
    def current_year(self) -> SchoolYear:
        return self.years[-1]

    def phone(self) -> str:
        self._phone += 1
        return f"0{self._phone}"

    def user(self, **fields) -> User:
        user = User(**fields)
        user.name_key = name_sort_key(user.full_name)
        self.session.add(user)
        return user

    def learns(self, user: User, tier: str, start: date, end: date, pace: float, shape=(2.0, 2.0)):
        """`user` may learn `tier` from `start` to `end`."""
        if start <= self.yesterday:
            self.episodes.append(Episode(user, tier, start, end, pace, shape))


def adult_learner(demo: Demo, user: User, tier: str, learning: Learning, pace: float) -> None:
    """Most adults who learn have claimed their account (password demo1234); `pace` is the
    chance they complete their tier's required courses."""
    claims = min(0.97, pace + 0.1)
    if demo.rng.random() >= claims or learning.start > demo.yesterday:
        return
    claimed_on = learning.start + timedelta(days=demo.rng.randint(0, 30))
    user.password_hash = demo.password_hash
    user.claimed_at = datetime.combine(min(claimed_on, demo.yesterday), time(1))
    demo.learns(user, tier, learning.start, HORIZON, pace / claims, learning.shape)
