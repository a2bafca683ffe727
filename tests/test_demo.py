"""`flask --app lms demo load`: the ward `make run` shows, on the real courses/."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.campaign import metrics
from lms.content.sync import sync_courses
from lms.extensions import db
from lms.models import Campaign, User

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
