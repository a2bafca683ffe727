"""Coverage counts kept as they change (lms/campaign/tally.py): every kind of change moves
them in its own transaction, and `report verify` finds them equal to the raw rows."""

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

# The period, the as-of day and the helpers of the stored competency tables' tests.
from test_snapshots import END, PAST, START, Statements, complete, course_id, local

from lms.campaign import metrics, summary
from lms.campaign import trend as trends
from lms.campaign.verify import verify
from lms.extensions import db
from lms.models import (
    Campaign,
    Course,
    CoverageCount,
    Enrollment,
    Guardianship,
)
from lms.models.base import today_in_vietnam, utcnow
from lms.people import consent as consents
from lms.people.households import ensure_household, link_guardian


@pytest.fixture
def school(app, courses, factory):
    """One primary class: p1 covered on 05/10, p2 not; both in one household with guardian g."""
    f = factory
    s = type("S", (), {})()
    s.unit = f.unit()
    s.school = f.school(code="A", name="Trường A", level="tieu-hoc")
    s.room = f.classroom(s.school, name="3A", grade=3)
    s.other_room = f.classroom(s.school, name="4A", grade=4)
    s.p1, s.p2 = f.pupil(s.room, password=None), f.pupil(s.room, password=None)
    s.g = f.user("parent", password=None)
    ensure_household(db.session, s.p1)
    link_guardian(db.session, s.g, s.p1)
    complete(s.p1, "quiz-course", local(10, 5))
    s.campaign = Campaign(unit_id=s.unit.id, name="Chiến dịch", starts_on=START, ends_on=END)
    db.session.add(s.campaign)
    f.commit()
    return s


def clean():
    db.session.commit()
    problems = verify(db.session, list(db.session.scalars(select(Campaign))), today=PAST)
    assert problems == []


def total(report, group):
    figure = report.total[group]
    return figure.population, figure.covered


def test_a_viewer_reads_the_kept_counts_and_counts_nobody(school):
    clean()
    with Statements() as sql:
        report = metrics.ward_report(db.session, school.campaign, PAST)
    # No population ranked, no coverage worked out: only the kept sums (and the few
    # assisted completions, through their partial index) are read.
    assert not sql.touching("row_number") and not sql.touching("tier_progress")
    assert sql.touching("coverage_counts")
    assert total(report, "primary") == (2, 1)
    assert (total(report, "parents"), total(report, "households")) == ((2, 0), (2, 0))


def test_a_completion_moves_the_counts_in_its_own_transaction(school):
    complete(school.p2, "quiz-course", local(10, 20))
    db.session.commit()
    assert total(metrics.ward_report(db.session, school.campaign, PAST), "primary") == (2, 2)
    # As of a day before it, p2 was not covered yet; the trend shows the day.
    assert total(metrics.ward_report(db.session, school.campaign, date(2026, 10, 19)), "primary") == (2, 1)
    series = trends.trend(db.session, school.campaign, PAST)
    assert series["primary"][-1][1] == 2
    clean()


def test_a_completion_rolled_back_leaves_the_counts_as_they_were(school):
    complete(school.p2, "quiz-course", local(10, 20))
    db.session.rollback()
    assert total(metrics.ward_report(db.session, school.campaign, PAST), "primary") == (2, 1)
    clean()


def test_a_new_pupil_and_a_change_of_class(school, factory):
    p3 = factory.pupil(school.room, password=None)
    factory.commit()
    assert total(metrics.ward_report(db.session, school.campaign, PAST), "primary") == (3, 1)
    # p1 (covered) moves to 4A on 15/10: as of 10/10 in 3A, as of 30/10 in 4A.
    first = db.session.scalar(select(Enrollment).where(Enrollment.pupil_id == school.p1.id))
    first.ended_on = date(2026, 10, 14)
    db.session.add(Enrollment(pupil_id=school.p1.id, classroom_id=school.other_room.id,
                              started_on=date(2026, 10, 15)))
    db.session.commit()

    def rooms(as_of):
        _report, rows = metrics.school_report(db.session, school.campaign, school.school, as_of)
        return {r.name: (r.groups["primary"].population, r.groups["primary"].covered) for r in rows}

    assert rooms(date(2026, 10, 10)) == {"3A": (3, 1)}
    assert rooms(PAST) == {"3A": (2, 0), "4A": (1, 1)}
    assert p3.id
    clean()


def test_staff_dates_and_a_teacher_leaving(school, factory):
    teacher = factory.user("teacher", school=school.school, password=None)
    teacher.staff_role = "teacher"
    teacher.staff_from = date(2026, 10, 20)
    factory.commit()
    assert total(metrics.ward_report(db.session, school.campaign, date(2026, 10, 10)), "teachers") == (0, 0)
    assert total(metrics.ward_report(db.session, school.campaign, PAST), "managers_teachers") == (1, 0)
    teacher.staff_until = date(2026, 9, 1)  # left before the period: not counted at all
    db.session.commit()
    assert total(metrics.ward_report(db.session, school.campaign, PAST), "teachers") == (0, 0)
    clean()


def test_a_guardian_pairing_and_a_household_merge(school, factory):
    g2 = factory.user("parent", password=None)
    db.session.add(Guardianship(guardian_id=g2.id, pupil_id=school.p2.id))
    factory.commit()
    report = metrics.ward_report(db.session, school.campaign, PAST)
    assert (total(report, "parents"), total(report, "households")) == ((2, 0), (2, 0))
    complete(g2, "quiz-course", local(10, 12))
    db.session.commit()
    report = metrics.ward_report(db.session, school.campaign, PAST)
    assert (total(report, "parents"), total(report, "households")) == ((2, 1), (2, 1))
    clean()
    ensure_household(db.session, school.p2)
    link_guardian(db.session, school.g, school.p2)  # the two families are one household
    db.session.commit()
    report = metrics.ward_report(db.session, school.campaign, PAST)
    assert (total(report, "parents"), total(report, "households")) == ((2, 1), (1, 1))
    before = metrics.ward_report(db.session, school.campaign, date(2026, 10, 11))
    assert before.total["households"].covered == 0
    clean()


def test_a_consent_recorded_then_withdrawn(school):
    consents.record(db.session, school.p2.id, "guardian", None, "paper", date(2026, 10, 10))
    db.session.commit()
    assert metrics.ward_report(db.session, school.campaign, PAST).consent.with_consent == 1
    assert metrics.ward_report(db.session, school.campaign, date(2026, 10, 9)).consent.with_consent == 0
    clean()
    consents.withdraw(db.session, school.p2.id, "guardian")
    db.session.commit()
    clean()


def test_the_required_courses_and_the_plans_period_change(school):
    course = db.session.get(Course, course_id("quiz-course"))
    course.required = not course.required
    db.session.flush()
    summary.rebuild(db.session)
    db.session.commit()
    clean()
    school.campaign.starts_on = date(2026, 10, 6)  # p1's completion is now before the period
    db.session.commit()
    assert total(metrics.ward_report(db.session, school.campaign, PAST), "primary")[1] == 0
    clean()


def test_a_new_plan_is_counted_from_its_first_commit(school):
    later = Campaign(unit_id=school.unit.id, name="Đợt 2", starts_on=date(2026, 10, 1),
                     ends_on=date(2027, 5, 31))
    db.session.add(later)
    db.session.commit()
    assert total(metrics.ward_report(db.session, later, PAST), "primary") == (2, 1)
    clean()


def test_verify_names_a_difference_and_exits_non_zero(school, runner):
    result = runner.invoke(args=["report", "verify"])
    assert result.exit_code == 0, result.output
    assert "Khớp" in result.output
    db.session.execute(
        update(CoverageCount)
        .where(CoverageCount.campaign_id == school.campaign.id, CoverageCount.scope == "t",
               CoverageCount.grp == "primary")
        .values(covered=CoverageCount.covered + 1)
    )
    db.session.commit()
    result = runner.invoke(args=["report", "verify"])
    assert result.exit_code == 1
    assert "primary" in result.output and "tổng kế hoạch" in result.output
    result = runner.invoke(args=["report", "rebuild"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["report", "verify"]).exit_code == 0


def test_completions_sent_at_once_are_each_counted_once(app, make_browser, courses, factory):
    """Six pupils and three parents (two of them guardians of the same three children) submit
    their quizzes at the same moment: every completion is counted once, and verify agrees."""
    from test_journey import _read_all_lessons, _right_answers, _start_quiz

    today = today_in_vietnam()
    unit = factory.unit()
    room = factory.classroom(factory.school(code="Q", level="tieu-hoc"), grade=4)
    pupils = [factory.pupil(room, username=f"hs{i}") for i in range(6)]
    parents = [factory.user("parent", username=f"ph{i}") for i in range(3)]
    for guardian, children in ((parents[0], pupils[:3]), (parents[1], pupils[:3]), (parents[2], pupils[3:])):
        for child in children:
            link_guardian(db.session, guardian, child)
    campaign = Campaign(unit_id=unit.id, name="Hôm nay", starts_on=today - timedelta(days=10),
                        ends_on=today + timedelta(days=10))
    db.session.add(campaign)
    factory.commit()
    ready = []
    for login in [f"hs{i}" for i in range(6)] + [f"ph{i}" for i in range(3)]:
        browser = make_browser()
        browser.login(login)
        _read_all_lessons(browser, "quiz-course")
        attempt = _start_quiz(browser, "quiz-course")
        ready.append((browser, attempt, _right_answers(attempt)))
    db.session.commit()
    barrier = threading.Barrier(len(ready))
    statuses = []

    def submit(browser, attempt, answers):
        with app.app_context():
            barrier.wait()
            statuses.append(browser.post(f"/attempts/{attempt}", answers).status_code)

    threads = [threading.Thread(target=submit, args=entry) for entry in ready]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303] * len(ready)
    db.session.commit()
    report = metrics.ward_report(db.session, campaign)
    assert total(report, "primary") == (6, 6)
    assert (total(report, "parents"), total(report, "households")) == ((3, 3), (2, 2))
    assert verify(db.session, [campaign]) == []


def test_households_on_the_village_lists(school, factory):
    """The commune's households over its villages' lists: covered when an adult of the matched
    family or a resident of the household is covered in the parent tier."""
    from lms.models import ListedHousehold, Village

    village = Village(unit_id=school.unit.id, code="T1", name="Thôn Một")
    db.session.add(village)
    db.session.flush()
    matched = ListedHousehold(village_id=village.id, code="H1", head_name="Chủ Hộ Một", phones="",
                              household_id=school.p1.household_id)
    alone = ListedHousehold(village_id=village.id, code="H2", head_name="Chủ Hộ Hai", phones="")
    db.session.add_all([matched, alone])
    db.session.commit()
    assert total(metrics.ward_report(db.session, school.campaign, PAST), "village_households") == (2, 0)
    clean()
    complete(school.g, "quiz-course", local(10, 12))  # g is an adult of the matched family
    db.session.commit()
    assert total(metrics.ward_report(db.session, school.campaign, PAST), "village_households") == (2, 1)
    clean()
    resident = factory.user("parent", password=None)
    resident.listed_household_id = alone.id
    db.session.commit()
    complete(resident, "quiz-course", local(10, 25))
    db.session.commit()
    assert total(metrics.ward_report(db.session, school.campaign, PAST), "village_households") == (2, 2)
    assert total(metrics.ward_report(db.session, school.campaign, date(2026, 10, 20)),
                 "village_households") == (2, 1)
    clean()
    db.session.delete(alone)  # the list changes: that household leaves it
    resident.listed_household_id = None
    db.session.commit()
    assert total(metrics.ward_report(db.session, school.campaign, PAST), "village_households") == (1, 1)
    clean()


def test_roster_imports_move_the_counts(app, runner, factory):
    """Schools, pupils with their guardians (then a changed file: classes, merged families)
    and staff, imported with the roster command under a plan already running."""
    from pathlib import Path

    from lms.cli_roster import roster_cli

    app.cli.add_command(roster_cli)
    rosters = Path(__file__).parent / "data" / "rosters"
    unit = factory.unit(code="DEFAULT", name="Phường Mặc Định")
    today = today_in_vietnam()
    campaign = Campaign(unit_id=unit.id, name="Đang chạy", starts_on=today - timedelta(days=30),
                        ends_on=today + timedelta(days=30))
    db.session.add(campaign)
    db.session.commit()
    for name in ("schools.csv", "pupils.csv", "staff.csv", "pupils_updated.csv"):
        result = runner.invoke(args=["roster", "import", "--unit", "DEFAULT", str(rosters / name)])
        assert result.exit_code == 0, (name, result.output)
        db.session.rollback()
        problems = verify(db.session, [campaign])
        assert problems == [], name
    report = metrics.ward_report(db.session, campaign)
    assert total(report, "primary")[0] + total(report, "lower_secondary")[0] == 4
    assert total(report, "teachers")[0] >= 2


def test_the_last_lesson_of_a_course_without_quiz_covers_through_http(app, browser, courses, factory):
    """A lesson marked done completes a course without quiz: the counts follow that request."""
    no_quiz = db.session.get(Course, course_id("no-quiz-course"))
    no_quiz.required = True  # the primary tier now needs both courses
    db.session.flush()
    summary.rebuild(db.session)
    room = factory.classroom(factory.school(code="L", level="tieu-hoc"), grade=2)
    pupil = factory.pupil(room, username="minh")
    today = today_in_vietnam()
    campaign = Campaign(unit_id=factory.unit().id, name="Hôm nay", starts_on=today - timedelta(days=5),
                        ends_on=today + timedelta(days=5))
    db.session.add(campaign)
    complete(pupil, "quiz-course", utcnow() - timedelta(days=1))
    factory.commit()
    assert total(metrics.ward_report(db.session, campaign), "primary") == (1, 0)
    browser.login("minh")
    browser.get("/courses/no-quiz-course/lessons/duy-nhat")
    assert browser.post("/courses/no-quiz-course/lessons/duy-nhat/done").status_code == 302
    db.session.commit()
    assert total(metrics.ward_report(db.session, campaign), "primary") == (1, 1)
    assert verify(db.session, [campaign]) == []


