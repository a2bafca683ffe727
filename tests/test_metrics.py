"""Campaign coverage (lms.campaign.metrics): exact figures on small hand-built wards.

The campaign runs 01/10/2026 - 29/11/2026 (60 days); most figures are read as of 30/10/2026,
day 30 of 60, where the pace rule doubles the percent reached so far.
Completion times are stored as naive UTC; the period and the as-of dates are Vietnam days (UTC+7).
"""

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, update

from lms.campaign import metrics, summary
from lms.campaign import trend as trends
from lms.content.sync import sync_courses
from lms.extensions import db
from lms.learning.progress import record_completion
from lms.models import (
    GROUPS,
    Campaign,
    CampaignTarget,
    Completion,
    Course,
    Enrollment,
    OutreachActivity,
    School,
    TierProgress,
)
from lms.models.campaign import DEFAULT_TARGETS
from lms.people.households import ensure_household, link_guardian

START, END = date(2026, 10, 1), date(2026, 11, 29)
AS_OF = date(2026, 10, 30)


# --- helpers -------------------------------------------------------------------------------

def local(month, day, hour=12, minute=0, year=2026):
    """A Vietnam local time, as the database stores it (naive UTC)."""
    return datetime(year, month, day, hour, minute) - timedelta(hours=7)


def course_id(slug):
    cid = db.session.scalar(select(Course.id).where(Course.slug == slug))
    assert cid is not None, slug
    return cid


def complete(user, slug, at):
    """A completion at a given (UTC) time, with the summary refreshed as the app does."""
    db.session.add(Completion(user_id=user.id, course_id=course_id(slug), completed_at=at,
                              score=100.0))
    db.session.flush()
    summary.refresh_user(db.session, user.id)


def write_course(root, slug, audience, *, required=False, competencies='["1.1"]'):
    folder = root / slug
    folder.mkdir(parents=True)
    (folder / "course.md").write_text(
        f'---\ntitle: "Khóa {slug}"\naudience: {audience}\n'
        f'required: {"true" if required else "false"}\ncompetencies: {competencies}\n'
        f'minutes: 5\nsummary: "Tóm tắt."\n---\nGiới thiệu.\n', encoding="utf-8")
    (folder / "01-mot.md").write_text('---\ntitle: "Một"\n---\nNội dung.\n', encoding="utf-8")
    if required:
        (folder / "quiz.md").write_text(
            "---\npass_score: 80\n---\n### Mật khẩu có nên chia sẻ không?\n\n- [ ] Có\n"
            "- [x] Không\n\n> Mật khẩu là bí mật.\n", encoding="utf-8")


def sync(root):
    report = sync_courses(db.session, root)
    assert not report.problems.errors, report.problems
    return report


def make_campaign(factory, targets=None, start=START, end=END):
    campaign = Campaign(unit_id=factory.unit().id, name="Bình dân học vụ số 2026",
                        starts_on=start, ends_on=end)
    # A plan follows the indicators it names: the default five, some targets changed.
    chosen = {**DEFAULT_TARGETS, **(targets or {})}
    campaign.targets = [CampaignTarget(group=g, percent=p) for g, p in chosen.items()]
    db.session.add(campaign)
    db.session.flush()
    return campaign


def family(pupils, guardians=()):
    """One household: the pupils (siblings) and their guardians."""
    first = pupils[0]
    ensure_household(db.session, first)
    for pupil in pupils[1:]:
        pupil.household_id = first.household_id
    for guardian in guardians:
        for pupil in pupils:
            link_guardian(db.session, guardian, pupil)
    db.session.flush()


def move(pupil, room, on):
    """A change of class as the roster import makes it: end the old enrolment, start a new one."""
    old = db.session.scalar(select(Enrollment).where(Enrollment.pupil_id == pupil.id,
                                                     Enrollment.ended_on.is_(None)))
    old.ended_on = on
    db.session.add(Enrollment(pupil_id=pupil.id, classroom_id=room.id, started_on=on))
    db.session.flush()


def fig(population, covered, percent, target, status):
    return {"population": population, "covered": covered, "percent": percent,
            "target": target, "status": status}


def counts(groups):
    """{group: (population, covered)} from as_dict()'s groups or a dict of Figures."""
    return {g: (f["population"], f["covered"]) if isinstance(f, dict) else
            (f.population, f.covered) for g, f in groups.items()}


def entry(code, name, groups, activities, pupils):
    """A school in as_dict(): a plan of the default five follows them at the school too; no
    guardian has consented in this ward, so none of its pupils counts as consented."""
    return {"code": code, "name": name, "groups": groups, "activities": activities,
            "indicators": {g: {**f, "minimum": None} for g, f in groups.items()},
            "consent": {"pupils": pupils, "with_consent": 0, "percent": 0.0}}


def school_counts(data):
    return {s["code"]: counts(s["groups"]) for s in data["schools"]}


# --- the ward --------------------------------------------------------------------------------

TARGETS = {"teachers": 60, "parents": 60}  # the others fall back to DEFAULT_TARGETS


@pytest.fixture
def ward(app, courses, factory, tmp_path):
    """Two schools with people, and one with nobody.

    Primary pupils (quiz-course required):  A: a1 covered, a2 (other course only), a3 (before the
    start, 23:30 local on 30/09), a4 (after the as-of date) | B: b1 (00:30 local on 01/10),
    m (covered 10/10, moved from A to B on 15/10).
    Lower-secondary (no required course; ls-course): A: a5 covered, a6 | B: b2, b3.
    Staff (no required course; teacher-course): A: tA1 covered, tA2 (principal; before the start
    and another tier's course), tA3 (left before the start, completed in the period) |
    B: tB1 (starts 01/11, completed), tB2 covered 25/10. A ward admin is not staff.
    Households (quiz-course is required for parents): HA1 = a1+a2 with g1 (covered) and g2;
    HA2 = a3 with no guardian; HA3 = a4 with g3 (covered 02/11, after the as-of date);
    HA5 = a5 with no guardian; HX = a6 (school A) + b2 (school B) with g4 (covered);
    HM = m with g5 (before the start); HB1 = b1 with g6 (covered 28/10); HB3 = b3, no guardian.
    """
    extra = tmp_path / "extra"
    write_course(extra, "ls-course", "[lower-secondary]")
    sync(extra)
    f = factory
    a = f.school(code="A", name="Trường Yên Hòa")  # the most behind, last by name
    b = f.school(code="B", name="Trường An Khánh")
    c = f.school(code="C", name="Trường Bình Minh")  # nobody yet
    a3r, a7r = f.classroom(a, name="3A", grade=3), f.classroom(a, name="7A", grade=7)
    b4r, b8r = f.classroom(b, name="4B", grade=4), f.classroom(b, name="8B", grade=8)
    p = SimpleNamespace(a=a, b=b, c=c, a3r=a3r, a7r=a7r, b4r=b4r, b8r=b8r)

    def pupil(room):  # none of them ever signed in: no password
        return f.pupil(room, password=None)

    p.a1, p.a2, p.a3, p.a4, p.m = (pupil(a3r) for _ in range(5))
    p.a5, p.a6 = pupil(a7r), pupil(a7r)
    p.b1 = pupil(b4r)
    p.b2, p.b3 = pupil(b8r), pupil(b8r)
    move(p.m, b4r, date(2026, 10, 15))

    p.tA1 = f.user("teacher", school=a, password=None)
    p.tA2 = f.user("school_admin", school=a)
    p.tA3 = f.user("teacher", school=a)
    p.tA3.staff_until = date(2026, 9, 15)
    p.tB1 = f.user("teacher", school=b)
    p.tB1.staff_from = date(2026, 11, 1)
    p.tB2 = f.user("teacher", school=b)
    p.tB2.staff_from, p.tB2.staff_until = date(2020, 9, 1), date(2026, 10, 1)  # left on day 1
    p.admin = f.user("ward_admin", username="phuong")
    complete(p.admin, "teacher-course", local(10, 2))

    p.g1, p.g2, p.g3, p.g4, p.g5, p.g6 = (f.user("parent", password=None) for _ in range(6))
    family([p.a1, p.a2], [p.g1, p.g2])
    family([p.a3])
    family([p.a4], [p.g3])
    family([p.a5])
    family([p.a6, p.b2], [p.g4])
    family([p.m], [p.g5])
    family([p.b1], [p.g6])
    family([p.b3])

    complete(p.a1, "quiz-course", local(10, 5))
    complete(p.a2, "no-quiz-course", local(10, 6))
    complete(p.a3, "quiz-course", local(9, 30, 23, 30))
    complete(p.a4, "quiz-course", local(11, 5))
    complete(p.b1, "quiz-course", local(10, 1, 0, 30))
    complete(p.m, "quiz-course", local(10, 10))
    complete(p.a5, "ls-course", local(10, 20))
    complete(p.tA1, "teacher-course", local(10, 3))
    complete(p.tA2, "teacher-course", local(9, 28))
    complete(p.tA2, "no-quiz-course", local(10, 4))
    complete(p.tA3, "teacher-course", local(10, 4))
    complete(p.tB1, "teacher-course", local(10, 5))
    complete(p.tB2, "teacher-course", local(10, 25))
    complete(p.g1, "quiz-course", local(10, 6))
    complete(p.g3, "quiz-course", local(11, 2))
    complete(p.g4, "quiz-course", local(10, 8))
    complete(p.g5, "quiz-course", local(9, 25))
    complete(p.g6, "quiz-course", local(10, 28))

    for school, day in ((a, date(2026, 9, 30)), (a, date(2026, 10, 10)), (a, date(2026, 10, 31)),
                        (b, date(2026, 10, 1)), (b, date(2026, 10, 30))):
        db.session.add(OutreachActivity(school_id=school.id, held_on=day, title="Ngày học số",
                                        kind="digital-day", created_by_id=p.admin.id))
    p.campaign = make_campaign(f, TARGETS)
    f.commit()
    return p


EXPECTED_TOTAL = {
    "primary": fig(6, 3, 50.0, 100, "on_track"),  # 50 % on day 30 of 60: exactly on pace
    "lower_secondary": fig(4, 1, 25.0, 100, "behind"),
    "teachers": fig(3, 2, 66.7, 60, "met"),
    "parents": fig(9, 3, 33.3, 60, "on_track"),
    "households": fig(8, 3, 37.5, 70, "on_track"),
}
EXPECTED_A = {
    "primary": fig(4, 1, 25.0, 100, "behind"),
    "lower_secondary": fig(2, 1, 50.0, 100, "on_track"),
    "teachers": fig(2, 1, 50.0, 60, "on_track"),
    "parents": fig(6, 2, 33.3, 60, "on_track"),
    "households": fig(5, 2, 40.0, 70, "on_track"),
}
EXPECTED_B = {
    "primary": fig(2, 2, 100.0, 100, "met"),
    "lower_secondary": fig(2, 0, 0.0, 100, "behind"),
    "teachers": fig(1, 1, 100.0, 60, "met"),
    "parents": fig(4, 2, 50.0, 60, "on_track"),
    "households": fig(4, 2, 50.0, 70, "on_track"),
}
EXPECTED_C = {g: fig(0, 0, 0.0, {**DEFAULT_TARGETS, **TARGETS}[g], "none") for g in GROUPS}


def test_ward_report_contract_with_exact_figures(ward):
    data = metrics.ward_report(db.session, ward.campaign, AS_OF).as_dict()
    assert data["as_of"] == "2026-10-30"
    assert data["campaign"] == {
        "id": ward.campaign.id, "name": "Bình dân học vụ số 2026", "starts_on": "2026-10-01",
        "ends_on": "2026-11-29",
        "targets": {"primary": 100, "lower_secondary": 100, "teachers": 60, "parents": 60,
                    "households": 70}}
    assert data["groups"] == EXPECTED_TOTAL
    # Most behind first (A's mean gap 38.3 points, B's 26, C has nobody), not by name.
    assert data["schools"] == [
        entry("A", "Trường Yên Hòa", EXPECTED_A, 1, 6),
        entry("B", "Trường An Khánh", EXPECTED_B, 2, 4),
        entry("C", "Trường Bình Minh", EXPECTED_C, 0, 0),
    ]
    # g4 and HX (children in A and B) are in both schools' rows, and once in the ward total.
    a, b = data["schools"][0]["groups"], data["schools"][1]["groups"]
    for g in ("parents", "households"):
        assert a[g]["population"] + b[g]["population"] == data["groups"][g]["population"] + 1
        assert a[g]["covered"] + b[g]["covered"] == data["groups"][g]["covered"] + 1
    for figures in (data["groups"], a, b):
        assert figures["parents"]["population"] >= figures["households"]["population"]


def test_before_the_change_of_class_the_pupil_counts_in_the_old_school(ward):
    """As of 12/10 (day 12; pace x5): m is still in A; g6, a5, tB2 have not completed yet."""
    data = metrics.ward_report(db.session, ward.campaign, date(2026, 10, 12)).as_dict()
    assert data["as_of"] == "2026-10-12"
    assert counts(data["groups"]) == {"primary": (6, 3), "lower_secondary": (4, 0),
                                      "teachers": (3, 1), "parents": (9, 2),
                                      "households": (8, 2)}
    assert school_counts(data)["A"] == {"primary": (5, 2), "lower_secondary": (2, 0),
                                        "teachers": (2, 1), "parents": (7, 2),
                                        "households": (6, 2)}
    assert school_counts(data)["B"] == {"primary": (1, 1), "lower_secondary": (2, 0),
                                        "teachers": (1, 0), "parents": (3, 1),
                                        "households": (3, 1)}
    assert [g["status"] for g in data["groups"].values()] == [
        "on_track", "behind", "on_track", "on_track", "on_track"]
    assert [s["activities"] for s in data["schools"]] == [1, 1, 0]
    _report, classes = metrics.school_report(db.session, ward.campaign, ward.a,
                                             date(2026, 10, 12))
    assert [(r.name, counts(r.groups)) for r in classes] == [
        ("3A", {"primary": (5, 2)}), ("7A", {"lower_secondary": (2, 0)})]


def test_later_as_of_dates_and_dates_outside_the_period(ward):
    """As of 10/11: a4 and g3 completed; tB1 started on 01/11 and is counted (and covered)."""
    data = metrics.ward_report(db.session, ward.campaign, date(2026, 11, 10)).as_dict()
    assert counts(data["groups"]) == {"primary": (6, 4), "lower_secondary": (4, 1),
                                      "teachers": (4, 3), "parents": (9, 4),
                                      "households": (8, 4)}
    assert school_counts(data)["B"]["teachers"] == (2, 2)
    late = metrics.ward_report(db.session, ward.campaign, date(2027, 3, 1))
    assert late.as_of == END
    early = metrics.ward_report(db.session, ward.campaign, date(2026, 9, 20)).as_dict()
    assert {g: f["covered"] for g, f in early["groups"].items()} == dict.fromkeys(GROUPS, 0)
    assert early["groups"]["primary"]["population"] == 6  # a3 and m enrolled since 2025
    assert early["groups"]["primary"]["status"] == "behind"  # no day elapsed yet
    assert school_counts(early)["A"]["primary"] == (5, 0)  # before the move: m in A


def test_time_zone_boundaries_of_the_period_and_the_as_of_day(app, courses, factory):
    room = factory.classroom(grade=2)
    edge_in, edge_out, last_minute, next_day = (factory.pupil(room) for _ in range(4))
    complete(edge_in, "quiz-course", datetime(2026, 9, 30, 17, 0))  # 00:00 on 01/10 local
    complete(edge_out, "quiz-course", datetime(2026, 9, 30, 16, 59))  # 23:59 on 30/09 local
    complete(last_minute, "quiz-course", datetime(2026, 10, 30, 16, 59))  # 23:59 on 30/10
    complete(next_day, "quiz-course", datetime(2026, 10, 30, 17, 0))  # 00:00 on 31/10
    campaign = make_campaign(factory)
    factory.commit()
    report = metrics.ward_report(db.session, campaign, AS_OF)
    assert counts(report.total)["primary"] == (4, 2)
    assert counts(metrics.ward_report(db.session, campaign, date(2026, 10, 31)).total)[
        "primary"] == (4, 3)


def test_record_completion_then_dated_counts_by_its_date(app, courses, factory):
    pupil = factory.pupil(factory.classroom(grade=1))
    campaign = make_campaign(factory)
    factory.commit()
    record_completion(db.session, pupil.id, course_id("quiz-course"), score=100.0,
                      attempt_id=None)
    db.session.execute(update(Completion).where(Completion.user_id == pupil.id)
                       .values(completed_at=local(10, 20)))
    summary.refresh_user(db.session, pupil.id)
    db.session.commit()
    assert counts(metrics.ward_report(db.session, campaign, date(2026, 10, 19)).total)[
        "primary"] == (1, 0)
    assert counts(metrics.ward_report(db.session, campaign, date(2026, 10, 20)).total)[
        "primary"] == (1, 1)


def test_people_who_never_signed_in_are_in_the_denominator(app, courses, factory):
    room = factory.classroom(grade=3)
    signed_in = factory.pupil(room)
    factory.pupil(room, password=None)
    factory.user("teacher", school=room.school, password=None)
    complete(signed_in, "quiz-course", local(10, 2))
    campaign = make_campaign(factory)
    factory.commit()
    report = metrics.ward_report(db.session, campaign, AS_OF)
    assert counts(report.total)["primary"] == (2, 1)
    assert report.total["primary"].percent == 50.0
    assert counts(report.total)["teachers"] == (1, 0)


def test_a_tier_with_required_courses_needs_all_of_them(app, courses, factory, tmp_path):
    room = factory.classroom(grade=4)
    both, first_only, second_only = (factory.pupil(room) for _ in range(3))
    parent = factory.user("parent")
    family([both], [parent])
    family([first_only])
    family([second_only])
    for person in (both, first_only, parent):
        complete(person, "quiz-course", local(10, 3))
    campaign = make_campaign(factory)
    factory.commit()
    assert counts(metrics.ward_report(db.session, campaign, AS_OF).total)["primary"] == (3, 2)

    extra = tmp_path / "more"
    write_course(extra, "second-required", "[primary]", required=True)
    sync(extra)  # the set of required courses changed: the summary is rebuilt
    assert db.session.scalar(select(Course.retired_at).where(Course.slug == "quiz-course")) \
        is None
    report = metrics.ward_report(db.session, campaign, AS_OF)
    assert counts(report.total)["primary"] == (3, 0)
    # Not required for parents: the guardian stays covered (two households have no guardian).
    assert counts(report.total)["parents"] == (3, 1)
    assert counts(report.total)["households"] == (3, 1)

    complete(both, "second-required", local(10, 9))
    complete(second_only, "second-required", local(10, 9))
    db.session.commit()
    assert counts(metrics.ward_report(db.session, campaign, AS_OF).total)["primary"] == (3, 1)
    assert counts(metrics.ward_report(db.session, campaign, date(2026, 10, 8)).total)[
        "primary"] == (3, 0)  # the second one came later


def test_a_required_course_done_before_the_start_leaves_the_learner_uncovered(
        app, courses, factory, tmp_path):
    extra = tmp_path / "more"
    write_course(extra, "second-required", "[primary]", required=True)
    sync(extra)
    pupil = factory.pupil(factory.classroom(grade=4))
    complete(pupil, "quiz-course", local(9, 20))
    complete(pupil, "second-required", local(10, 9))
    campaign = make_campaign(factory)
    factory.commit()
    assert db.session.get(TierProgress, (pupil.id, "primary")).required_done == 2
    assert counts(metrics.ward_report(db.session, campaign, AS_OF).total)["primary"] == (1, 0)


def test_targets_fall_back_to_the_defaults(app, factory):
    factory.school()
    campaign = make_campaign(factory, {"households": 55})
    factory.commit()
    data = metrics.ward_report(db.session, campaign, AS_OF).as_dict()
    assert data["campaign"]["targets"] == {**DEFAULT_TARGETS, "households": 55}
    assert {g: f["target"] for g, f in data["groups"].items()} == {**DEFAULT_TARGETS,
                                                                   "households": 55}
    assert {g: f["status"] for g, f in data["groups"].items()} == dict.fromkeys(GROUPS, "none")


@pytest.mark.parametrize(("population", "covered", "target", "as_of", "status"), [
    (0, 0, 0, AS_OF, "none"),
    (10, 8, 80, AS_OF, "met"),
    (10, 10, 100, START, "met"),
    (10, 4, 80, AS_OF, "on_track"),  # 40 % x 60/30 = 80: on pace, exactly
    (3, 1, 67, AS_OF, "behind"),  # 33.3 % x 2 = 66.6 < 67
    (3, 1, 66, AS_OF, "on_track"),
    (10, 1, 30, date(2026, 10, 1), "on_track"),  # day 1 of 60: 10 % x 60 = 600
    (10, 0, 30, date(2026, 10, 1), "behind"),
    (10, 9, 100, END, "behind"),  # the last day: no pace left
    (10, 0, 0, AS_OF, "met"),
])
def test_status_pace_rule(population, covered, target, as_of, status):
    figure = metrics.Figure(population=population, covered=covered, target=target)
    assert metrics.status_for(figure, metrics.Window(START, END, as_of)) == status


def test_status_before_the_start_is_behind():
    figure = metrics.Figure(population=10, covered=5, target=80)
    assert metrics.status_for(figure, metrics.Window(START, END, date(2026, 9, 1))) == "behind"


def test_school_report_rows_per_class_in_the_new_school(ward):
    report, classes = metrics.school_report(db.session, ward.campaign, ward.b, AS_OF)
    assert [r.code for r in report.rows] == ["B"]
    assert report.rows[0].groups["primary"].as_dict() == EXPECTED_B["primary"]
    assert [(r.id, r.code, r.name, counts(r.groups)) for r in classes] == [
        (ward.b4r.id, "2025-2026", "4B", {"primary": (2, 2)}),
        (ward.b8r.id, "2025-2026", "8B", {"lower_secondary": (2, 0)}),
    ]
    assert classes[0].groups["primary"].status == "met"
    alone = metrics.ward_report(db.session, ward.campaign, AS_OF, "B").as_dict()
    assert alone["schools"] == [
        entry("B", "Trường An Khánh", EXPECTED_B, 2, 4)]
    assert alone["groups"] == EXPECTED_B


def test_school_report_of_the_old_school_after_the_change_of_class(ward):
    report, classes = metrics.school_report(db.session, ward.campaign, ward.a, AS_OF)
    assert [(r.name, counts(r.groups)) for r in classes] == [
        ("3A", {"primary": (4, 1)}), ("7A", {"lower_secondary": (2, 1)})]
    assert report.rows[0].groups["primary"].as_dict() == EXPECTED_A["primary"]


def test_one_school_report_matches_its_row_in_the_ward_report(ward):
    alone = metrics.ward_report(db.session, ward.campaign, AS_OF, "A").as_dict()
    assert alone["schools"] == [
        entry("A", "Trường Yên Hòa", EXPECTED_A, 1, 6)]
    assert alone["groups"] == EXPECTED_A


def test_unknown_school_code_gives_empty_totals(ward):
    data = metrics.ward_report(db.session, ward.campaign, AS_OF, "NOPE").as_dict()
    assert data["schools"] == []
    assert counts(data["groups"]) == dict.fromkeys(GROUPS, (0, 0))


def test_ward_totals_leave_out_another_units_families(app, factory):
    here = factory.classroom(factory.school(), grade=3)
    there_unit = factory.unit(code="P-KHAC", name="Phường Khác")
    there = School(unit_id=there_unit.id, code="X1", name="Trường Phường Khác", level="tieu-hoc")
    db.session.add(there)
    db.session.flush()
    family([factory.pupil(here)], [factory.user("parent")])
    family([factory.pupil(factory.classroom(there, grade=3))], [factory.user("parent")])
    campaign = make_campaign(factory)
    factory.commit()
    report = metrics.ward_report(db.session, campaign, AS_OF)
    assert [r.code for r in report.rows] == ["S1"]
    assert counts(report.rows[0].groups)["parents"] == (1, 0)
    assert counts(report.total) == {"primary": (1, 0), "lower_secondary": (0, 0),
                                    "teachers": (0, 0), "parents": (1, 0), "households": (1, 0),
                                    "managers_teachers": (0, 0), "officials": (0, 0),
                                    "village_households": (0, 0),
                                    "activities": (1, 0)}  # one school, no activity


def test_trend_weekly_cumulative_counts_ending_at_the_as_of_date(ward):
    series = trends.trend(db.session, ward.campaign, AS_OF)
    weeks = [date(2026, 10, 7), date(2026, 10, 14), date(2026, 10, 21), date(2026, 10, 28),
             AS_OF]
    assert set(series) == {*GROUPS, "managers_teachers", "officials"}
    assert series["primary"] == list(zip(weeks, [2, 3, 3, 3, 3],
                                         [33.3, 50.0, 50.0, 50.0, 50.0], strict=True))
    assert series["parents"] == list(zip(weeks, [1, 2, 2, 3, 3],
                                         [11.1, 22.2, 22.2, 33.3, 33.3], strict=True))
    assert series["households"] == list(zip(weeks, [1, 2, 2, 3, 3],
                                            [12.5, 25.0, 25.0, 37.5, 37.5], strict=True))
    short = trends.trend(db.session, ward.campaign, date(2026, 10, 5))
    assert short["primary"] == [(date(2026, 10, 5), 2, 33.3)]  # b1 and a1 of 6; m not yet


def test_trend_ends_at_the_reported_coverage_for_tiers_without_required_courses(ward):
    series = trends.trend(db.session, ward.campaign, AS_OF)
    report = metrics.ward_report(db.session, ward.campaign, AS_OF)
    assert [c for _d, c, _p in series["teachers"]] == [1, 1, 1, 2, 2]
    assert [c for _d, c, _p in series["lower_secondary"]] == [0, 0, 1, 1, 1]
    for g in GROUPS:
        assert series[g][-1][1:] == (report.total[g].covered, report.total[g].percent), g


def test_trend_leaves_out_staff_outside_the_period(app, courses, factory, tmp_path):
    extra = tmp_path / "more"
    write_course(extra, "teacher-required", "[teacher]", required=True)
    sync(extra)
    school = factory.school()
    stays, left = factory.user("teacher", school=school), factory.user("teacher", school=school)
    left.staff_until = date(2026, 9, 15)
    complete(stays, "teacher-required", local(10, 2))
    complete(left, "teacher-required", local(10, 2))
    campaign = make_campaign(factory)
    factory.commit()
    assert counts(metrics.ward_report(db.session, campaign, AS_OF).total)["teachers"] == (1, 1)
    assert trends.trend(db.session, campaign, AS_OF)["teachers"][-1][1:] == (1, 100.0)


def test_competencies_count_learners_per_component_and_tier(ward):
    table = trends.competencies(db.session, ward.campaign, AS_OF)
    # quiz-course (4.2, 2.5): a1, m, b1 and g1, g4, g6 in the period; ls-course (1.1): a5.
    assert table == {"4.2": {"primary": 3, "parent": 3}, "2.5": {"primary": 3, "parent": 3},
                     "1.1": {"lower-secondary": 1}}
    later = trends.competencies(db.session, ward.campaign, date(2026, 11, 10))
    assert later["4.2"] == {"primary": 4, "parent": 4}  # a4 and g3 in November


def test_competencies_count_a_learner_once_per_component(app, courses, factory, tmp_path):
    extra = tmp_path / "more"
    write_course(extra, "also-42", "[primary]", competencies='["4.2"]')
    sync(extra)
    pupil = factory.pupil(factory.classroom(grade=2))
    complete(pupil, "quiz-course", local(10, 2))
    complete(pupil, "also-42", local(10, 3))
    campaign = make_campaign(factory)
    factory.commit()
    table = trends.competencies(db.session, campaign, AS_OF)
    assert table == {"4.2": {"primary": 1}, "2.5": {"primary": 1}}
    assert db.session.scalar(select(func.count()).select_from(Completion)) == 2
