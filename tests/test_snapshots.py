"""Stored competency tables (lms/campaign/snapshots.py): computed once, read until the data
they come from changes. (The coverage counts are not stored this way: they are kept as they
change, tests/test_tally.py; a completion of today shows at once.)"""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, select

from lms.campaign import metrics, snapshots, summary
from lms.campaign import trend as trends
from lms.extensions import db
from lms.learning.progress import record_completion
from lms.models import Campaign, CampaignTarget, Completion, Course, MetricSnapshot
from lms.models.base import today_in_vietnam
from lms.models.campaign import DEFAULT_TARGETS
from lms.people.households import ensure_household, link_guardian

START, END = date(2026, 10, 1), date(2026, 11, 29)
PAST = date(2026, 10, 30)


def local(month, day, hour=12):
    return datetime(2026, month, day, hour) - timedelta(hours=7)


def course_id(slug):
    return db.session.scalar(select(Course.id).where(Course.slug == slug))


def complete(user, slug, at):
    db.session.add(Completion(user_id=user.id, course_id=course_id(slug), completed_at=at, score=100.0))
    db.session.flush()
    summary.refresh_user(db.session, user.id)


class Statements:
    """The SQL statements sent while the block runs."""

    def __enter__(self):
        self.sent = []
        event.listen(db.engine, "before_cursor_execute", self._record)
        return self

    def _record(self, _conn, _cursor, statement, *_args):
        self.sent.append(statement)

    def __exit__(self, *_exc):
        event.remove(db.engine, "before_cursor_execute", self._record)

    def touching(self, table):
        return [s for s in self.sent if table in s]


@pytest.fixture
def school(app, courses, factory):
    """One primary class: p1 covered on 05/10, p2 not; both in one household with guardian g."""
    f = factory
    s = type("S", (), {})()
    s.school = f.school(code="A", name="Trường A")
    s.room = f.classroom(s.school, name="3A", grade=3)
    s.p1, s.p2 = f.pupil(s.room, password=None), f.pupil(s.room, password=None)
    s.g = f.user("parent", password=None)
    ensure_household(db.session, s.p1)
    link_guardian(db.session, s.g, s.p1)
    complete(s.p1, "quiz-course", local(10, 5))
    s.campaign = Campaign(unit_id=f.unit().id, name="Chiến dịch", starts_on=START, ends_on=END)
    db.session.add(s.campaign)
    f.commit()
    return s


def primary(report):
    figure = report.total["primary"]
    return figure.population, figure.covered


def test_past_competency_tables_are_computed_once_then_read(school):
    first = trends.competencies(db.session, school.campaign, PAST)
    db.session.commit()
    assert first["4.2"] == {"primary": 1}
    with Statements() as sql:
        again = trends.competencies(db.session, school.campaign, PAST)
    assert not sql.touching("completions")  # not computed again
    assert sql.touching("metric_snapshots")
    assert again == first


def test_a_back_dated_completion_makes_the_stored_table_stale(school):
    assert trends.competencies(db.session, school.campaign, PAST)["4.2"] == {"primary": 1}
    db.session.commit()
    before = snapshots.current_version(db.session)
    complete(school.p2, "quiz-course", local(10, 20))
    db.session.commit()
    assert snapshots.current_version(db.session) > before
    assert trends.competencies(db.session, school.campaign, PAST)["4.2"] == {"primary": 2}


def test_merging_households_makes_the_stored_tables_stale(school, factory):
    """p2 starts as a household of its own; linking g to p2 merges it into g's household."""
    ensure_household(db.session, school.p2)
    factory.commit()
    before = snapshots.current_version(db.session)
    link_guardian(db.session, school.g, school.p2)
    db.session.commit()
    assert snapshots.current_version(db.session) > before
    assert metrics.ward_report(db.session, school.campaign, PAST).total["households"].population == 1


def test_a_changed_target_applies_at_once(school):
    report = metrics.ward_report(db.session, school.campaign, PAST)
    assert report.total["primary"].status == "on_track"  # 50 % on day 30 of 60, target 100
    school.campaign.targets = [CampaignTarget(group=g, percent=50 if g == "primary" else p)
                               for g, p in DEFAULT_TARGETS.items()]
    db.session.commit()
    with Statements() as sql:
        report = metrics.ward_report(db.session, school.campaign, PAST)
    assert not sql.touching("row_number") and not sql.touching("tier_progress")
    assert (report.total["primary"].target, report.total["primary"].status) == (50, "met")


def todays_campaign(school):
    today = today_in_vietnam()
    school.campaign.starts_on = today - timedelta(days=30)
    school.campaign.ends_on = today + timedelta(days=30)
    db.session.commit()
    return school.campaign


def test_a_completion_of_today_shows_at_once(school):
    campaign = todays_campaign(school)
    assert primary(metrics.ward_report(db.session, campaign)) == (2, 0)  # p1 finished before
    db.session.commit()
    record_completion(db.session, school.p2.id, course_id("quiz-course"), score=100.0, attempt_id=None)
    db.session.commit()
    assert primary(metrics.ward_report(db.session, campaign)) == (2, 1)
    assert not db.session.scalars(select(MetricSnapshot.key).where(MetricSnapshot.key.like("counts:%"))).all()


def test_the_dashboard_counts_nothing_when_viewed(school, browser, factory):
    factory.user("ward_admin", username="phuong")
    factory.commit()
    browser.login("phuong")
    with Statements() as sql:
        page = browser.get(f"/dashboard/?as_of={PAST.isoformat()}")
    assert page.status_code == 200
    assert not sql.touching("row_number") and not sql.touching("tier_progress")
    assert "số liệu tính lúc" not in page.get_data(as_text=True)  # the figures are current


def test_report_refresh_stores_the_competency_tables(school, runner, factory):
    campaign = todays_campaign(school)
    school2 = factory.school(code="B", name="Trường B")
    factory.commit()
    result = runner.invoke(args=["report", "refresh", "--schools"])
    assert result.exit_code == 0, result.output
    assert "toàn phường và 2 trường" in result.output
    db.session.rollback()
    stored = set(db.session.scalars(select(MetricSnapshot.key)).all())
    window = metrics.window_for(campaign, None)
    assert metrics.snapshot_key("competencies", campaign, window) in stored
    assert metrics.snapshot_key("competencies", campaign, window, school2.id) in stored


def test_report_refresh_without_a_campaign_says_so(app, runner):
    result = runner.invoke(args=["report", "refresh"])
    assert result.exit_code != 0
    assert "Chưa có đợt phong trào" in result.output
