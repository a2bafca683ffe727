"""Campaign coverage against a plan: figures per school, per unit and for the city. The
dashboards, the exports and the CLI all call this; who counts and who is covered is defined
once, in lms/campaign/populations.py.

- A unit's report (`unit_report`) counts the roster of the campaign's unit (a ward or commune;
  a city's campaign: all its wards and communes) within the campaign's period, with the
  campaign's targets. Its `total` holds every indicator (the five GROUPS always); its
  `indicators` those the plan follows, a target of None meaning "tracked, no target".
- Activities: a school meets the indicator when it held at least the plan's minimum of
  outreach activities in the period; the figure is schools meeting it out of all schools.
- The city's report (`city_report`) counts the whole city's roster under the city's plan,
  and lists each ward and commune with its own report under its own current plan.
- Consent coverage (`consent`, per school and in total): of the pupils counted, those with a
  guardian's consent to the processing of their data (lms.people.consent).

The counts are read from the sums kept as the data changes (lms/campaign/tally.py): nothing
is counted when a viewer arrives. `raw_counts` counts the same from the raw rows, for
`report verify`.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.campaign import tally
from lms.campaign.populations import (  # noqa: F401  (also imported from here by other modules)
    PUPIL_GROUPS,
    VN_OFFSET,
    Window,
    count_pupils,
    coverage_counts,
    covered_clause,
    required_counts,
)
from lms.models import (
    GROUPS,
    INDICATORS,
    Campaign,
    Classroom,
    Completion,
    CoverageChange,
    CoverageCount,
    OutreachActivity,
    School,
    Unit,
)
from lms.models.base import today_in_vietnam
from lms.people.assisted import people_of_units
from lms.people.consent import ConsentFigure, consent_by_school
from lms.people.units import local_units

# The groups a school has figures for (officials belong to the unit, activities are counted apart).
SCHOOL_GROUPS = (*GROUPS, "managers_teachers")
# Part of every snapshot's key: raised when what a snapshot holds changes shape or meaning.
SNAPSHOT_FORMAT = "f3"


@dataclass
class Figure:
    population: int = 0
    covered: int = 0
    target: int | None = 0
    status: str = "behind"

    @property
    def percent(self) -> float:
        return round(100 * self.covered / self.population, 1) if self.population else 0.0

    def as_dict(self) -> dict:
        return {
            "population": self.population,
            "covered": self.covered,
            "percent": self.percent,
            "target": self.target,
            "status": self.status,
        }


def shortfall(figures: dict[str, Figure]) -> float:
    """How far behind: the mean gap to target over the figures that have people and a target."""
    gaps = [max(0.0, f.target - f.percent) for f in figures.values() if f.population and f.target is not None]
    return sum(gaps) / len(gaps) if gaps else 0.0


@dataclass
class Row:
    id: int
    code: str
    name: str
    groups: dict[str, Figure] = field(default_factory=dict)
    activities: int = 0
    indicators: dict[str, Figure] = field(default_factory=dict)  # the plan's, at this school
    consent: ConsentFigure = field(default_factory=ConsentFigure)

    @property
    def shortfall(self) -> float:
        """The mean gap over the plan's indicators (a class row: over its groups)."""
        return shortfall(self.indicators or self.groups)


def _unit_dict(unit: Unit | None) -> dict | None:
    return {"code": unit.code, "name": unit.name, "kind": unit.kind} if unit else None


def indicators_dict(campaign: Campaign, figures: dict[str, Figure]) -> dict:
    return {
        g: {**f.as_dict(), "minimum": activities_minimum(campaign) if g == "activities" else None}
        for g, f in figures.items()
    }


@dataclass
class Report:
    campaign: Campaign
    as_of: date
    total: dict[str, Figure]  # every indicator (the five GROUPS always)
    rows: list[Row]
    computed_at: datetime | None = None  # when the counts were computed (UTC)
    unit: Unit | None = None  # the campaign's unit
    indicators: dict[str, Figure] = field(default_factory=dict)  # what the plan follows
    consent: ConsentFigure = field(default_factory=ConsentFigure)
    assisted: int = 0  # completions made with a helper (assisted learning, issue 18)

    @property
    def shortfall(self) -> float:
        return shortfall(self.indicators)

    def as_dict(self) -> dict:
        c = self.campaign
        return {
            "as_of": self.as_of.isoformat(),
            "campaign": {
                "id": c.id,
                "name": c.name,
                "starts_on": c.starts_on.isoformat(),
                "ends_on": c.ends_on.isoformat(),
                "targets": {g: c.target(g) for g in GROUPS},
            },
            "unit": _unit_dict(self.unit),
            "groups": {g: self.total[g].as_dict() for g in GROUPS},
            "indicators": indicators_dict(c, self.indicators),
            "consent": self.consent.as_dict(),
            "assisted_completions": self.assisted,
            "schools": [
                {
                    "code": r.code,
                    "name": r.name,
                    "groups": {g: r.groups[g].as_dict() for g in GROUPS if g in r.groups},
                    "activities": r.activities,
                    "indicators": indicators_dict(c, r.indicators),
                    "consent": r.consent.as_dict(),
                }
                for r in self.rows
            ],
        }


@dataclass
class UnitRow:
    """A ward or commune in the city's report, with its own report under its own plan."""

    unit: Unit
    campaign: Campaign | None
    report: Report | None

    @property
    def shortfall(self) -> float:
        return self.report.shortfall if self.report else 0.0

    def as_dict(self) -> dict:
        if self.report is not None:
            return self.report.as_dict()
        return {"unit": _unit_dict(self.unit), "campaign": None}


@dataclass
class CityReport:
    campaign: Campaign
    city: Unit
    as_of: date
    total: dict[str, Figure]  # every indicator over the whole city, with the city plan's targets
    units: list[UnitRow]  # furthest behind first; units without a plan last
    report: Report  # the whole city under the city's plan, one row per school

    @property
    def indicators(self) -> dict[str, Figure]:
        return self.report.indicators

    @property
    def computed_at(self) -> datetime | None:
        return self.report.computed_at

    def as_dict(self) -> dict:
        """The unit report's keys for the whole city, "totals" (every indicator over the city,
        whatever each unit's plan chose) and "units" (each unit's own report)."""
        return {
            **self.report.as_dict(),
            "totals": indicators_dict(self.campaign, self.total),
            "units": [u.as_dict() for u in self.units],
        }


def current_campaign(session: Session, unit_id: int | None = None) -> Campaign | None:
    """The campaign the dashboards, the report and the commands speak of: the unit's latest
    (without a unit: the latest of all, as a deployment of one ward has it)."""
    query = select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.id.desc()).limit(1)
    if unit_id is not None:
        query = query.where(Campaign.unit_id == unit_id)
    return session.scalar(query)


def campaign_units(session: Session, campaign: Campaign) -> frozenset[int]:
    """The wards and communes a campaign counts: its own unit, or all of its city's."""
    unit = session.get(Unit, campaign.unit_id)
    if unit is not None and unit.is_city:
        return frozenset(u.id for u in local_units(session, unit.id))
    return frozenset({campaign.unit_id})


def window_for(campaign: Campaign, as_of: date | None) -> Window:
    as_of = as_of or today_in_vietnam()
    return Window(campaign.starts_on, campaign.ends_on, min(as_of, campaign.ends_on))


def activities_minimum(campaign: Campaign) -> int:
    return campaign.minimum("activities") or 1


def status_for(figure: Figure, window: Window) -> str:
    """met; on_track when the pace so far reaches the target by the end date; behind;
    tracked when the plan follows the figure without a target; none when nobody counts."""
    if not figure.population:
        return "none"
    if figure.target is None:
        return "tracked"
    if figure.percent >= figure.target:
        return "met"
    elapsed = (window.as_of - window.start).days + 1
    total = (window.end - window.start).days + 1
    if elapsed <= 0:
        return "behind"
    projected = figure.percent * total / elapsed
    return "on_track" if projected >= figure.target else "behind"


def _figure(campaign, window, group, population, covered) -> Figure:
    figure = Figure(population=population, covered=covered, target=campaign.target(group))
    figure.status = status_for(figure, window)
    return figure


def snapshot_key(kind: str, campaign: Campaign, window: Window, school_id: int | None = None) -> str:
    """The campaign's unit names the units counted (a city: its wards and communes, whose set
    only changes with the data version)."""
    scope = f"school-{school_id}" if school_id else f"unit-{campaign.unit_id}"
    return f"{kind}:{campaign.id}:{window.start}:{window.end}:{window.as_of}:{scope}:{SNAPSHOT_FORMAT}"


def _activities(session: Session, window: Window, school_ids: list[int]) -> dict[int, int]:
    return dict(
        session.execute(
            select(OutreachActivity.school_id, func.count())
            .where(
                OutreachActivity.school_id.in_(school_ids),
                OutreachActivity.held_on >= window.start,
                OutreachActivity.held_on <= window.as_of,
            )
            .group_by(OutreachActivity.school_id)
        ).all()
    )


def raw_counts(session: Session, window: Window, units, only: int | None) -> dict:
    """The coverage counts computed from the raw rows (what `report verify` compares the kept
    counts with), and under "consent" each school's [pupils, with consent]."""
    counts = coverage_counts(session, window, units, only)
    consent = consent_by_school(session, window, units, only)
    return {**counts, "consent": {str(k): [f.pupils, f.with_consent] for k, f in consent.items()}}


FAMILY_GROUPS = ("parents", "households")
# Figures of the whole unit, never of one school.
UNIT_GROUPS = ("officials", "village_households")


def kept_counts(session: Session, campaign: Campaign, window: Window, only: int | None) -> dict:
    """The same dictionary as raw_counts, read from the counts kept as they change
    (lms/campaign/tally.py): per school, and under "0" what belongs to the whole scope."""
    counts: dict = {}
    consent: dict = {}
    for (school, group), value in tally.read(
        session, campaign.id, window.as_of, "s", [only] if only else None
    ).items():
        if group == "consent":
            consent[str(school)] = value
        else:
            counts.setdefault(str(school), {})[group] = value
    if only is not None:
        mine = counts.get(str(only), {})
        whole = {g: mine[g] for g in FAMILY_GROUPS if g in mine}
    else:
        whole = {
            g: value
            for (_, g), value in tally.read(session, campaign.id, window.as_of, "t").items()
            if g in (*FAMILY_GROUPS, *UNIT_GROUPS)
        }
    return {**counts, "0": whole, "consent": consent}


def _chosen(campaign: Campaign, figures: dict[str, Figure], one_school: bool) -> dict[str, Figure]:
    """The plan's indicators (officials belong to the unit, not to one school)."""
    return {g: figures[g] for g in campaign.indicators if not (one_school and g in UNIT_GROUPS)}


def unit_report(
    session: Session, campaign: Campaign, as_of: date | None = None, school_code: str | None = None
) -> Report:
    """One row per school of the campaign's unit(s), and the total. The counts are read from
    the sums kept as the data changes (lms/campaign/tally.py); targets, statuses and
    activities are read as they are."""
    window = window_for(campaign, as_of)
    unit = session.get(Unit, campaign.unit_id)
    units = campaign_units(session, campaign)
    schools_query = select(School).where(School.unit_id.in_(units)).order_by(School.name)
    if school_code:
        schools_query = schools_query.where(School.code == school_code)
    schools = session.scalars(schools_query).all()
    if school_code and not schools:
        empty = {g: _figure(campaign, window, g, 0, 0) for g in INDICATORS}
        return Report(campaign, window.as_of, empty, [], None, unit, _chosen(campaign, empty, True))
    only = schools[0].id if school_code else None
    counts = kept_counts(session, campaign, window, only)
    consent = {int(k): ConsentFigure(*v) for k, v in counts["consent"].items()}
    raw = {s.id: {g: counts.get(str(s.id), {}).get(g, [0, 0]) for g in SCHOOL_GROUPS} for s in schools}
    activities = _activities(session, window, [s.id for s in schools])
    minimum = activities_minimum(campaign)
    rows = []
    for s in schools:
        row = Row(s.id, s.code, s.name, activities=activities.get(s.id, 0))
        row.consent = consent.get(s.id, ConsentFigure())
        for g in SCHOOL_GROUPS:
            row.groups[g] = _figure(campaign, window, g, *raw[s.id][g])
        met = _figure(campaign, window, "activities", 1, int(row.activities >= minimum))
        row.indicators = _chosen(campaign, {**row.groups, "activities": met}, True)
        rows.append(row)
    rows.sort(key=lambda r: (-r.shortfall, r.name))
    total = {
        g: [sum(raw[s.id][g][0] for s in schools), sum(raw[s.id][g][1] for s in schools)]
        for g in ("primary", "lower_secondary", "teachers", "managers_teachers")
    }
    whole = counts.get("0", {})
    for g in (*FAMILY_GROUPS, *UNIT_GROUPS):
        total[g] = whole.get(g, [0, 0])
    total["activities"] = [len(schools), sum(1 for r in rows if r.activities >= minimum)]
    figures = {g: _figure(campaign, window, g, *total[g]) for g in INDICATORS}
    chosen = _chosen(campaign, figures, bool(school_code))
    report = Report(campaign, window.as_of, figures, rows, None, unit, chosen)
    report.consent = sum((r.consent for r in rows), ConsentFigure())
    if not school_code:
        report.assisted = assisted_count(session, units, window)
    return report


def assisted_count(session: Session, units, window: Window) -> int:
    """Completions of the period made with a helper by people of the units. The assisted
    completions are read first (few rows, through their partial index), then only their
    learners are checked against the units: a city's people are never listed."""
    rows = (
        session.execute(
            select(Completion.user_id).where(
                Completion.assisted_by_id.is_not(None),
                Completion.completed_at >= window.opens,
                Completion.completed_at < window.closes,
            )
        )
        .scalars()
        .all()
    )
    if not rows:
        return 0
    learners = sorted(set(rows))
    inside: set[int] = set()
    for start in range(0, len(learners), 500):
        chunk = learners[start : start + 500]
        people = people_of_units(units, window.start, window.as_of, among=chunk).subquery()
        inside.update(session.scalars(select(people.c.id)))
    return sum(1 for user in rows if user in inside)


ward_report = unit_report


def school_report(
    session: Session, campaign: Campaign, school: School, as_of: date | None = None
) -> tuple[Report, list[Row]]:
    """The school's own figures, and one row per class for its pupils."""
    report = unit_report(session, campaign, as_of, school.code)
    window = window_for(campaign, as_of)
    rooms = {r.id: r for r in session.scalars(select(Classroom).where(Classroom.school_id == school.id))}
    class_rows = {}
    kept = tally.read(session, campaign.id, window.as_of, "c", rooms)
    for (room_id, group), (n, c) in sorted(kept.items()):
        if not n:
            continue
        room = rooms[room_id]
        row = class_rows.setdefault(room_id, Row(room.id, room.school_year, room.name))
        row.groups[group] = _figure(campaign, window, group, n, c)
    ordered = sorted(class_rows.values(), key=lambda r: (rooms[r.id].grade, r.name))
    return report, ordered


def city_report(
    session: Session, city_campaign: Campaign, as_of: date | None = None, schools: bool = True
) -> CityReport:
    """The whole city under its own plan, and every ward and commune under its own current
    plan, as of the same date (each clamped to its own period). schools=False (the city's
    page): each unit's totals only, read for all units at once, without their schools' rows."""
    city = session.get(Unit, city_campaign.unit_id)
    if city is None or not city.is_city:
        raise ValueError("city_report needs a campaign of the city")
    whole = unit_report(session, city_campaign, as_of)
    members = local_units(session, city.id)
    plans = {u.id: current_campaign(session, u.id) for u in members}
    if schools:
        reports = {u: unit_report(session, c, whole.as_of) if c else None for u, c in plans.items()}
    else:
        reports = unit_totals(session, plans, whole.as_of)
    units = [UnitRow(unit, plans[unit.id], reports.get(unit.id)) for unit in members]
    units.sort(key=lambda u: (u.report is None, -u.shortfall, u.unit.name))
    return CityReport(city_campaign, city, whole.as_of, whole.total, units, whole)


def unit_totals(session: Session, plans: dict[int, Campaign | None], as_of: date) -> dict[int, Report]:
    """{unit id: its plan's totals as of the day, without school rows}: the kept plan-wide
    sums of every plan in one read, the schools and their activities in one statement each."""
    chosen = {u: c for u, c in plans.items() if c is not None}
    if not chosen:
        return {}
    windows = {c.id: window_for(c, as_of) for c in chosen.values()}
    sums: dict[int, dict[str, list[int]]] = {c.id: {} for c in chosen.values()}
    for plan_id, group, n, c in session.execute(
        select(
            CoverageCount.campaign_id, CoverageCount.grp, CoverageCount.population, CoverageCount.covered
        ).where(CoverageCount.campaign_id.in_(list(sums)), CoverageCount.scope == "t")
    ):
        sums[plan_id][group] = [n, c]
    earliest = min(w.as_of for w in windows.values())
    for plan_id, group, day, n, c in session.execute(
        select(
            CoverageChange.campaign_id,
            CoverageChange.grp,
            CoverageChange.day,
            CoverageChange.population,
            CoverageChange.covered,
        ).where(
            CoverageChange.campaign_id.in_(list(sums)),
            CoverageChange.scope == "t",
            CoverageChange.day > earliest,
        )
    ):
        if day > windows[plan_id].as_of:
            value = sums[plan_id].setdefault(group, [0, 0])
            value[0] -= n
            value[1] -= c
    school_units = {
        school_id: unit_id
        for school_id, unit_id in session.execute(
            select(School.id, School.unit_id).where(School.unit_id.in_(list(chosen)))
        )
    }
    held: dict[int, list[date]] = {}
    for school_id, day in session.execute(
        select(OutreachActivity.school_id, OutreachActivity.held_on).where(
            OutreachActivity.school_id.in_(select(School.id).where(School.unit_id.in_(list(chosen))))
        )
    ):
        held.setdefault(school_id, []).append(day)
    out = {}
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(list(chosen))))}
    for unit_id, campaign in chosen.items():
        window = windows[campaign.id]
        kept = sums[campaign.id]
        total = {g: kept.get(g, [0, 0]) for g in INDICATORS if g != "activities"}
        minimum = activities_minimum(campaign)
        mine = [s for s, u in school_units.items() if u == unit_id]
        meeting = sum(
            1 for s in mine if sum(1 for d in held.get(s, ()) if window.start <= d <= window.as_of) >= minimum
        )
        total["activities"] = [len(mine), meeting]
        figures = {g: _figure(campaign, window, g, *total[g]) for g in INDICATORS}
        report = Report(
            campaign, window.as_of, figures, [], None, units.get(unit_id), _chosen(campaign, figures, False)
        )
        report.consent = ConsentFigure(*kept.get("consent", [0, 0]))
        out[unit_id] = report
    return out
