"""Stored coverage figures (lms/campaign/snapshots.py): computed once, read until the data they
come from changes, and today's recomputed when older than METRICS_LIVE_SECONDS."""

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


def test_past_figures_are_computed_once_then_read(school):
    first = metrics.ward_report(db.session, school.campaign, PAST)
    db.session.commit()
    with Statements() as sql:
        again = metrics.ward_report(db.session, school.campaign, PAST)
    assert not sql.touching("enrollments")  # the population was not computed again
    assert sql.touching("metric_snapshots")
    assert again.as_dict() == first.as_dict()
    assert again.computed_at == first.computed_at
    assert primary(again) == (2, 1)


def test_a_new_pupil_makes_the_stored_figures_stale(school, factory):
    assert primary(metrics.ward_report(db.session, school.campaign, PAST)) == (2, 1)
    before = snapshots.current_version(db.session)
    factory.pupil(school.room, password=None)
    factory.commit()
    assert snapshots.current_version(db.session) > before
    assert primary(metrics.ward_report(db.session, school.campaign, PAST)) == (3, 1)


def test_a_back_dated_completion_makes_the_stored_figures_stale(school):
    assert primary(metrics.ward_report(db.session, school.campaign, PAST)) == (2, 1)
    complete(school.p2, "quiz-course", local(10, 20))
    db.session.commit()
    assert primary(metrics.ward_report(db.session, school.campaign, PAST)) == (2, 2)
    series = trends.trend(db.session, school.campaign, PAST)
    assert series["primary"][-1][1] == 2


def test_merging_households_makes_the_stored_figures_stale(school, factory):
    """p2 starts as a household of its own; linking g to p2 merges it into g's household."""
    ensure_household(db.session, school.p2)
    factory.commit()
    report = metrics.ward_report(db.session, school.campaign, PAST)
    assert report.total["households"].population == 2
    before = snapshots.current_version(db.session)
    link_guardian(db.session, school.g, school.p2)
    db.session.commit()
    assert snapshots.current_version(db.session) > before
    report = metrics.ward_report(db.session, school.campaign, PAST)
    assert report.total["households"].population == 1


def test_a_changed_target_applies_at_once_to_stored_counts(school):
    report = metrics.ward_report(db.session, school.campaign, PAST)
    assert report.total["primary"].status == "on_track"  # 50 % on day 30 of 60, target 100
    school.campaign.targets = [CampaignTarget(group=g, percent=50 if g == "primary" else p)
                               for g, p in DEFAULT_TARGETS.items()]
    db.session.commit()
    with Statements() as sql:
        report = metrics.ward_report(db.session, school.campaign, PAST)
    assert not sql.touching("enrollments")
    assert (report.total["primary"].target, report.total["primary"].status) == (50, "met")


def todays_campaign(school):
    today = today_in_vietnam()
    school.campaign.starts_on = today - timedelta(days=30)
    school.campaign.ends_on = today + timedelta(days=30)
    db.session.commit()
    return school.campaign


def test_todays_figures_are_recomputed_after_the_live_period(school, app):
    campaign = todays_campaign(school)
    assert primary(metrics.ward_report(db.session, campaign)) == (2, 0)  # p1 finished before
    db.session.commit()
    record_completion(db.session, school.p2.id, course_id("quiz-course"), score=100.0, attempt_id=None)
    db.session.commit()
    # A completion of today does not raise the version: the stored figures stand for now...
    assert primary(metrics.ward_report(db.session, campaign)) == (2, 0)
    # ...until they are older than the live period.
    age = timedelta(seconds=app.config["METRICS_LIVE_SECONDS"] + 1)
    for row in db.session.scalars(select(MetricSnapshot)):
        row.computed_at -= age
    db.session.commit()
    assert primary(metrics.ward_report(db.session, campaign)) == (2, 1)


@pytest.mark.parametrize("config_overrides", [{"METRICS_LIVE_SECONDS": 0}])
def test_no_live_period_means_todays_figures_are_never_stored(school):
    campaign = todays_campaign(school)
    assert primary(metrics.ward_report(db.session, campaign)) == (2, 0)
    record_completion(db.session, school.p2.id, course_id("quiz-course"), score=100.0, attempt_id=None)
    db.session.commit()
    assert primary(metrics.ward_report(db.session, campaign)) == (2, 1)
    stored = select(MetricSnapshot.key).where(MetricSnapshot.key.like("counts:%"))
    assert db.session.scalars(stored).all() == []
    # Past days are still stored.
    metrics.ward_report(db.session, campaign, today_in_vietnam() - timedelta(days=1))
    assert db.session.scalars(stored).all()


def test_stale_snapshots_are_dropped_when_a_new_one_is_stored(school, factory):
    metrics.ward_report(db.session, school.campaign, PAST)
    metrics.ward_report(db.session, school.campaign, PAST - timedelta(days=1))
    db.session.commit()
    assert len(db.session.scalars(select(MetricSnapshot.key)).all()) == 2
    factory.pupil(school.room, password=None)
    factory.commit()
    metrics.ward_report(db.session, school.campaign, PAST)
    db.session.commit()
    version = snapshots.current_version(db.session)
    assert db.session.execute(select(MetricSnapshot.key, MetricSnapshot.version)).all() == [
        (metrics.snapshot_key("counts", school.campaign, metrics.window_for(school.campaign, PAST)), version)
    ]


def test_the_dashboard_stores_its_figures_and_says_when(school, browser, factory):
    factory.user("ward_admin", username="phuong")
    factory.commit()
    browser.login("phuong")
    first = browser.get(f"/dashboard/?as_of={PAST.isoformat()}")
    assert first.status_code == 200
    stored = db.session.scalars(select(MetricSnapshot.key)).all()
    assert any(k.startswith("counts:") for k in stored) and any(k.startswith("trend:") for k in stored)
    computed_at = db.session.scalar(
        select(MetricSnapshot.computed_at).where(MetricSnapshot.key.like("counts:%")))
    moment = (computed_at + timedelta(hours=7)).strftime("%H:%M %d/%m/%Y")
    page = first.get_data(as_text=True)
    assert f"số liệu tính lúc {moment}" in page
    # The second view reads them: the same moment, and no new snapshot written.
    again = browser.get(f"/dashboard/?as_of={PAST.isoformat()}").get_data(as_text=True)
    assert f"số liệu tính lúc {moment}" in again
    assert sorted(db.session.scalars(select(MetricSnapshot.key)).all()) == sorted(stored)


def test_report_refresh_computes_todays_figures_again(school, runner, factory):
    campaign = todays_campaign(school)
    school2 = factory.school(code="B", name="Trường B")
    factory.commit()
    assert primary(metrics.ward_report(db.session, campaign)) == (2, 0)
    db.session.commit()
    record_completion(db.session, school.p2.id, course_id("quiz-course"), score=100.0, attempt_id=None)
    db.session.commit()
    assert primary(metrics.ward_report(db.session, campaign)) == (2, 0)  # stored, still fresh
    db.session.commit()
    result = runner.invoke(args=["report", "refresh", "--schools"])
    assert result.exit_code == 0, result.output
    assert "toàn phường và 2 trường" in result.output
    db.session.rollback()
    with Statements() as sql:
        assert primary(metrics.ward_report(db.session, campaign)) == (2, 1)
    assert not sql.touching("enrollments")  # read from what the command stored
    stored = set(db.session.scalars(select(MetricSnapshot.key)).all())
    window = metrics.window_for(campaign, None)
    for kind in ("counts", "classes", "trend", "competencies"):
        assert metrics.snapshot_key(kind, campaign, window, school2.id) in stored


def test_report_refresh_without_a_campaign_says_so(app, runner):
    result = runner.invoke(args=["report", "refresh"])
    assert result.exit_code != 0
    assert "Chưa có đợt phong trào" in result.output
