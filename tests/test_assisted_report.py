"""The unit's report shows assisted completions apart from self-made ones (issue 18)."""

import json
from datetime import date, datetime, timedelta

from sqlalchemy import select

from lms.campaign import metrics, report, summary
from lms.extensions import db
from lms.models import Campaign, Completion, Course, ListedHousehold, Village

START, END, AS_OF = date(2026, 10, 1), date(2026, 11, 29), date(2026, 10, 30)


def test_assisted_completions_are_counted_apart(app, courses, factory, browser):
    unit = factory.unit()
    village = Village(unit_id=unit.id, code="T1", name="Thôn Một")
    db.session.add(village)
    db.session.flush()
    listed = ListedHousehold(village_id=village.id, code="H1", head_name="Chủ Hộ", phones="")
    db.session.add(listed)
    db.session.flush()
    member = factory.user("parent", username="doanvien")
    resident, alone = factory.user("parent", password=None), factory.user("parent", password=None)
    resident.listed_household_id = alone.listed_household_id = listed.id
    course = db.session.scalar(select(Course.id).where(Course.slug == "quiz-course"))
    at = datetime(2026, 10, 10, 5)
    db.session.add_all([
        Completion(user_id=resident.id, course_id=course, completed_at=at, assisted_by_id=member.id),
        Completion(user_id=alone.id, course_id=course, completed_at=at),
        # Before the plan's period: not counted.
        Completion(user_id=member.id, course_id=course, completed_at=datetime(2026, 9, 1),
                   assisted_by_id=resident.id),
    ])
    db.session.flush()
    for person in (resident, alone, member):
        summary.refresh_user(db.session, person.id)
    campaign = Campaign(unit_id=unit.id, name="Đợt", starts_on=START, ends_on=END)
    db.session.add(campaign)
    factory.user("ward_admin", username="phuong")
    factory.commit()

    result = metrics.ward_report(db.session, campaign, AS_OF)
    assert result.assisted == 1
    data, _name = report.build(db.session, "json", as_of=AS_OF)
    assert json.loads(data)["assisted_completions"] == 1
    assert result.total["village_households"].covered == 1  # whoever made it, it covers

    browser.login("phuong")
    page = browser.get(f"/dashboard/?as_of={AS_OF.isoformat()}").get_data(as_text=True)
    assert "Lượt hoàn thành có người hỗ trợ (học có hỗ trợ): 1" in page
    earlier = browser.get(f"/dashboard/?as_of={(START + timedelta(days=2)).isoformat()}")
    assert "có người hỗ trợ" not in earlier.get_data(as_text=True)


def test_the_school_page_counts_the_families_its_pupils_helped(app, courses, factory, browser):
    from lms.people.households import link_guardian

    unit = factory.unit()
    school = factory.school(code="THCS1", level="thcs")
    room = factory.classroom(school, grade=7)
    pupil, sister = factory.pupil(room), factory.pupil(room)
    mother, father = factory.user("parent"), factory.user("parent")
    for child in (pupil, sister):
        link_guardian(db.session, mother, child)
    link_guardian(db.session, father, pupil)
    course = db.session.scalar(select(Course.id).where(Course.slug == "quiz-course"))
    at = datetime(2026, 10, 10, 5)
    db.session.add_all([  # the mother, helped by her son; the father learnt alone
        Completion(user_id=mother.id, course_id=course, completed_at=at, assisted_by_id=pupil.id),
        Completion(user_id=father.id, course_id=course, completed_at=at),  # on his own
    ])
    db.session.add(Campaign(unit_id=unit.id, name="Đợt", starts_on=START, ends_on=END))
    factory.user("school_admin", username="hieutruong", school=school)
    factory.commit()
    browser.login("hieutruong")
    page = browser.get(f"/dashboard/schools/{school.id}?as_of={AS_OF.isoformat()}").get_data(as_text=True)
    assert "Số người trong gia đình được học sinh giúp học: 1" in page


def test_the_class_page_counts_the_families_its_pupils_helped(app, courses, factory, browser):
    from lms.people.households import link_guardian

    school = factory.school(code="THCS2", level="thcs")
    teacher = factory.user("teacher", username="gv.lop7", school=school)
    room = factory.classroom(school, grade=7, teacher=teacher)
    pupil = factory.pupil(room)
    mother = factory.user("parent")
    link_guardian(db.session, mother, pupil)
    course = db.session.scalar(select(Course.id).where(Course.slug == "quiz-course"))
    factory.commit()
    browser.login("gv.lop7")
    assert "Số người trong gia đình được học sinh giúp học" not in browser.get(
        f"/teach/classes/{room.id}").get_data(as_text=True)
    db.session.add(Completion(user_id=mother.id, course_id=course, completed_at=datetime(2026, 10, 10),
                              assisted_by_id=pupil.id))
    factory.commit()
    page = browser.get(f"/teach/classes/{room.id}").get_data(as_text=True)
    assert "Số người trong gia đình được học sinh giúp học: 1" in page
