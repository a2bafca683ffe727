"""Event days (issue 18): the 10/10 day and other events are outreach activities of a kind, and
the unit's page lists each with what the unit's people completed on it (by tier, assisted ones
apart), counted over Vietnam's day, never another unit's people; who may see it.

The plan runs from 30 days before today to 30 days after; the event day E is day 10."""

from datetime import datetime, time, timedelta
from types import SimpleNamespace

import pytest
from conftest import POSTGRES_URL, page_text
from sqlalchemy import select, text
from test_metrics import course_id, make_campaign

from lms.campaign import events, summary
from lms.extensions import db
from lms.models import Completion, ListedHousehold, OutreachActivity, School, Unit, Village
from lms.models.base import today_in_vietnam
from lms.people.households import link_guardian

TODAY = today_in_vietnam()
START = TODAY - timedelta(days=30)
E = START + timedelta(days=10)


def local(day, hour, minute=0):
    """A Vietnam local time, as stored (naive UTC)."""
    return datetime.combine(day, time(hour, minute)) - timedelta(hours=7)


def complete(user, slug, at, by=None):
    db.session.add(Completion(user_id=user.id, course_id=course_id(slug), completed_at=at, score=100.0,
                              assisted_by_id=by.id if by else None))
    db.session.flush()
    summary.refresh_user(db.session, user.id)


@pytest.fixture
def ward(app, courses, factory):
    f = factory
    city = Unit(code="HP", name="Thành phố", kind="city")
    db.session.add(city)
    db.session.flush()
    unit = f.unit()
    unit.parent_id = city.id
    other = Unit(code="X", name="Xã Khác", kind="commune", parent_id=city.id)
    db.session.add(other)
    db.session.flush()
    a = f.school(code="A", name="Trường A")
    b = f.school(code="B", name="Trường B")
    c = School(unit_id=other.id, code="C", name="Trường C", level="tieu-hoc")
    db.session.add(c)
    db.session.flush()
    w = SimpleNamespace(unit=unit, other=other, a=a, b=b, c=c)
    w.admin = f.user("ward_admin", username="phuong")
    w.admin.unit_id = unit.id
    f.user("ward_admin", username="xa").unit_id = other.id
    f.user("city_admin", username="thanhpho").unit_id = city.id
    f.user("school_admin", username="qt.a", school=a)
    w.teacher = f.user("teacher", username="gv.a", school=a)
    w.official = f.user("official", tier="official")
    w.official.unit_id = unit.id
    w.p1 = f.pupil(f.classroom(a, grade=3), username="hs.1")
    w.p2 = f.pupil(f.classroom(a, grade=4))
    w.p3 = f.pupil(f.classroom(b, grade=7))
    w.pc = f.pupil(f.classroom(c, grade=3))
    w.g1 = f.user("parent", username="ph.1")
    w.gc = f.user("parent")
    link_guardian(db.session, w.g1, w.p1)
    link_guardian(db.session, w.gc, w.pc)
    village = Village(unit_id=unit.id, code="V1", name="Thôn Một")
    db.session.add(village)
    db.session.flush()
    listed = ListedHousehold(village_id=village.id, code="H1", head_name="Hộ Một")
    db.session.add(listed)
    db.session.flush()
    w.resident = f.user("parent", password=None)
    w.resident.listed_household_id = listed.id
    make_campaign(f, start=START, end=TODAY + timedelta(days=30))
    for school, held_on, kind, title in (
        (a, E, "digital-day", "Ngày hội toàn dân học tập số 10/10"),
        (b, E, "event", "Ngày hội ở trường B"),
        (a, START + timedelta(days=12), "training", "Tập huấn giáo viên"),
        (a, START - timedelta(days=3), "digital-day", "Trước kế hoạch"),
        (c, E, "digital-day", "Ngày hội xã khác"),
        (b, TODAY + timedelta(days=5), "event", "Ngày hội sắp tới"),
    ):
        db.session.add(OutreachActivity(school_id=school.id, held_on=held_on, title=title, kind=kind,
                                        participants=120, created_by_id=w.admin.id))
    # On E: the first and last minutes of the day count; the days around it do not.
    complete(w.p1, "quiz-course", local(E, 0, 0))
    complete(w.p3, "no-quiz-course", local(E, 23, 59))  # a course of another tier: counted by the learner's
    complete(w.teacher, "teacher-course", local(E, 9))
    complete(w.g1, "quiz-course", local(E, 10), by=w.p1)
    complete(w.resident, "quiz-course", local(E, 11))
    complete(w.official, "teacher-course", local(E, 12))
    complete(w.admin, "teacher-course", local(E, 12))  # no learner tier
    complete(w.pc, "quiz-course", local(E, 12))  # another commune's people
    complete(w.gc, "quiz-course", local(E, 12))
    complete(w.p2, "quiz-course", local(E - timedelta(days=1), 23, 59))
    complete(w.p2, "no-quiz-course", local(E + timedelta(days=1), 0, 0))
    f.commit()
    return w


def signed_in(make_browser, login):
    browser = make_browser()
    assert browser.login(login).status_code == 302
    return browser


def test_completed_on_the_day_by_the_units_people(ward):
    units = frozenset({ward.unit.id})
    by_tier, assisted = events.completed_on(db.session, E, units)
    assert dict(by_tier) == {"primary": 1, "lower-secondary": 1, "teacher": 1, "parent": 2, "official": 1}
    assert assisted == 1
    by_tier, assisted = events.completed_on(db.session, E, frozenset({ward.other.id}))
    assert (dict(by_tier), assisted) == ({"primary": 1, "parent": 1}, 0)


def test_the_event_days_page(ward, make_browser):
    browser = signed_in(make_browser, "phuong")
    dashboard = browser.get(f"/dashboard/units/{ward.unit.id}").get_data(as_text=True)
    assert f"/dashboard/units/{ward.unit.id}/events" in dashboard
    response = browser.get(f"/dashboard/units/{ward.unit.id}/events")
    assert response.status_code == 200
    page = page_text(response.get_data(as_text=True))
    coming = (TODAY + timedelta(days=5)).strftime("%d/%m/%Y")
    day = E.strftime("%d/%m/%Y")
    assert page.index(coming) < page.index(day)  # latest first
    assert f"{coming} Ngày hội sắp tới · Trường B · 120 người tham gia Chưa diễn ra." in page
    assert (f"{day} Ngày hội toàn dân học tập số 10/10 · Trường A · 120 người tham gia "
            "Ngày hội ở trường B · Trường B · 120 người tham gia "
            "6 lượt hoàn thành khóa học trong ngày · trong đó 1 lượt có người hỗ trợ "
            "Học sinh Tiểu học: 1 Học sinh THCS: 1 Cán bộ, giáo viên, nhân viên: 1 "
            "Phụ huynh và người dân: 2 Cán bộ, công chức, người lao động của phường, xã: 1") in page
    for absent in ("Tập huấn giáo viên", "Trước kế hoạch", "Ngày hội xã khác"):
        assert absent not in page


def test_an_event_is_recorded_as_an_activity_of_its_kind(ward, make_browser):
    browser = signed_in(make_browser, "qt.a")
    school_page = browser.get(f"/dashboard/schools/{ward.a.id}").get_data(as_text=True)
    assert '<option selected value="other">' in school_page  # the form's default kind
    assert 'value="event"' in school_page
    response = browser.post(f"/dashboard/schools/{ward.a.id}/activities", {
        "held_on": (START + timedelta(days=20)).isoformat(), "title": "Ngày hội gia đình số",
        "kind": "event", "participants": "80"})
    assert response.status_code == 302
    kinds = db.session.scalars(select(OutreachActivity.kind).where(
        OutreachActivity.title == "Ngày hội gia đình số")).all()
    assert kinds == ["event"]
    page = page_text(signed_in(make_browser, "phuong").get(
        f"/dashboard/units/{ward.unit.id}/events").get_data(as_text=True))
    assert f"{(START + timedelta(days=20)).strftime('%d/%m/%Y')} Ngày hội gia đình số · Trường A" in page


def test_who_may_see_the_event_days(ward, make_browser, client):
    address = f"/dashboard/units/{ward.unit.id}/events"
    assert client.get(address).status_code == 302
    for login, status in (("phuong", 200), ("thanhpho", 200), ("xa", 403), ("qt.a", 403), ("gv.a", 403),
                          ("ph.1", 403), ("hs.1", 403)):
        assert signed_in(make_browser, login).get(address).status_code == status, login
    admin = signed_in(make_browser, "phuong")
    assert admin.get("/dashboard/units/999999/events").status_code == 404
    # another commune without a plan: nothing to count against
    city = signed_in(make_browser, "thanhpho")
    assert city.get(f"/dashboard/units/{ward.other.id}/events").status_code == 404


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite's query plan")
def test_a_days_completions_are_read_through_the_index(ward):
    from sqlalchemy.dialects import sqlite

    statement = events.day_query(E)
    compiled = statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
    plan = " ".join(row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    assert ("SEARCH completions USING INDEX ix_completions_course_completed "
            "(course_id=? AND completed_at>? AND completed_at<?)") in plan, plan


def test_the_demos_event_days_and_nominee(ward, make_browser):
    from datetime import date

    from lms.demo import models_of_practice as demo
    from lms.models import Nomination

    assert demo._ten_ten(date(2026, 1, 1), date(2026, 12, 3)) == date(2026, 10, 10)
    assert demo._ten_ten(date(2025, 9, 5), date(2026, 5, 31)) == date(2025, 10, 10)
    assert demo._ten_ten(date(2026, 11, 3), date(2026, 12, 3)) is None
    nomination = demo.build(db.session, ward.unit, TODAY)
    db.session.commit()
    assert (nomination.model, nomination.year, nomination.subject_id, nomination.marked_by_id) == (
        "school", TODAY.year, ward.a.id, ward.admin.id)
    browser = signed_in(make_browser, "phuong")
    page = page_text(browser.get(f"/dashboard/units/{ward.unit.id}/events").get_data(as_text=True))
    assert f"{(TODAY - timedelta(days=7)).strftime('%d/%m/%Y')} {demo.FAMILY_DAY} · Trường A" in page
    evidence = browser.get(f"/dashboard/units/{ward.unit.id}/evidence/schools").get_data(as_text=True)
    assert "Trường A do" in page_text(evidence)
    assert len(db.session.scalars(select(Nomination)).all()) == 1
