"""`flask --app lms demo load`: the ward `make run` shows, on the real courses/."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.campaign import metrics
from lms.content.sync import sync_courses
from lms.extensions import db
from lms.models import Campaign, Classroom, Enrollment, User

REAL_COURSES = Path(__file__).resolve().parent.parent / "courses"


@pytest.fixture
def demo(app, runner):
    report = sync_courses(db.session, REAL_COURSES)
    assert not report.problems.errors
    db.session.commit()
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "Đã nạp phường mẫu" in result.output
    db.session.rollback()
    return result


def test_the_demo_ward_has_varied_coverage(demo):
    campaign = db.session.scalar(select(Campaign))
    report = metrics.ward_report(db.session, campaign)
    statuses = {row.groups["primary"].status for row in report.rows} | {
        row.groups["teachers"].status for row in report.rows}
    assert "behind" in statuses and statuses & {"met", "on_track"}, statuses
    for group in ("primary", "lower_secondary", "teachers", "parents", "households"):
        figure = report.total[group]
        assert figure.population > 0 and 0 < figure.covered < figure.population, (group, figure)


def test_a_second_load_changes_nothing(demo, runner):
    users = db.session.scalar(select(func.count()).select_from(User))
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0 and "Dữ liệu mẫu đã có sẵn" in result.output
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == users


@pytest.mark.parametrize("login", ["phuong", "hieutruong.th-kd", "gv.lan", "hs.minh", "0909000001"])
def test_the_demo_accounts_in_the_readme_sign_in(demo, browser, login):
    response = browser.login(login, "demo1234")
    assert response.status_code == 302, login
    assert browser.get("/").status_code in (200, 302)


def test_what_the_demo_says_about_pins_is_true(demo, browser):
    """PINs are per pupil: every pupil of THKD3A has 1234, no other pupil has a PIN at all."""
    assert "PIN lớp 3A" not in demo.output
    assert "mã lớp THKD3A" in demo.output and "mỗi học sinh lớp này có PIN 1234" in demo.output
    with_pin = db.session.execute(
        select(User.id, Classroom.signin_code).join(Enrollment, Enrollment.pupil_id == User.id)
        .join(Classroom, Classroom.id == Enrollment.classroom_id).where(User.pin_hash.is_not(None))
    ).all()
    in_3a = db.session.scalars(select(Enrollment.pupil_id).join(Classroom).where(
        Classroom.signin_code == "THKD3A")).all()
    assert {code for _id, code in with_pin} == {"THKD3A"} and len(with_pin) == len(in_3a) > 20
    last = max(in_3a)
    response = browser.post("/login/class/THKD3A", {"pupil": str(last), "pin": "1234"})
    assert (response.status_code, response.location) == (302, "/home")
