"""The dashboards show the report's consent coverage (issue 19): the city's, a ward's and a
school's, each the pupils counted and those whose guardian consented, moved by a paper consent
the school records."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from conftest import page_text

from lms.extensions import db
from lms.models import Campaign, CampaignTarget, Unit
from lms.models.base import today_in_vietnam
from lms.models.campaign import DEFAULT_TARGETS


def plan(unit, today):
    return Campaign(unit_id=unit.id, name=f"Kế hoạch {unit.name}", starts_on=today - timedelta(days=60),
                    ends_on=today + timedelta(days=60),
                    targets=[CampaignTarget(group=g, percent=p) for g, p in DEFAULT_TARGETS.items()])


@pytest.fixture
def world(factory):
    """A city and its ward, the ward's primary school with a class of three and another school
    with one pupil; the school's teacher and principal, the ward's and the city's admins."""
    today = today_in_vietnam()
    city = Unit(code="HP", name="Thành phố Mẫu", kind="city")
    db.session.add(city)
    db.session.flush()
    ward = factory.unit()
    ward.parent_id = city.id
    school = factory.school(code="A", name="Trường Tiểu học Ánh Dương", level="tieu-hoc")
    other = factory.school(code="B", name="Trường Tiểu học Bình Minh", level="tieu-hoc")
    teacher = factory.user("teacher", username="gv.a", school=school)
    factory.user("school_admin", username="qt.a", school=school)
    factory.user("ward_admin", username="phuong").unit_id = ward.id
    factory.user("city_admin", username="thanhpho").unit_id = city.id
    room = factory.classroom(school, name="3A", grade=3, teacher=teacher)
    pupils = [factory.pupil(room, name=name) for name in ("Nguyễn Văn An", "Trần Thị Bình", "Lê Minh Chi")]
    factory.pupil(factory.classroom(other, name="4B", grade=4), name="Phạm Văn Dũng")
    db.session.add_all([plan(city, today), plan(ward, today)])
    factory.commit()
    return SimpleNamespace(today=today, school=school, room=room, pupils=pupils)


def consent_line(browser, url) -> str | None:
    response = browser.get(url)
    assert response.status_code == 200, url
    text = page_text(response.get_data(as_text=True))
    start = text.find("Đồng ý của phụ huynh:")
    return text[start : text.index(")", start) + 1] if start >= 0 else None


def test_the_dashboards_show_consent_coverage(world, make_browser):
    def signed_in(login):
        browser = make_browser()
        assert browser.login(login).status_code == 302, login
        return browser

    city, ward, principal = signed_in("thanhpho"), signed_in("phuong"), signed_in("qt.a")
    school_url = f"/dashboard/schools/{world.school.id}"
    pages = [(city, "/dashboard/", 4), (ward, "/dashboard/", 4), (ward, school_url, 3),
             (principal, school_url, 3)]
    for browser, url, pupils in pages:
        assert consent_line(browser, url) == f"Đồng ý của phụ huynh: 0 trên {pupils} học sinh (0%)", url
    # The homeroom teacher records one family's paper form, signed two days ago.
    teacher = signed_in("gv.a")
    an = world.pupils[0]
    saved = teacher.post(f"/teach/classes/{world.room.id}/consent", {
        "guardian": [str(an.id)], "given_on": (world.today - timedelta(days=2)).isoformat()})
    assert saved.status_code == 302
    expected = {4: "Đồng ý của phụ huynh: 1 trên 4 học sinh (25%)",
                3: "Đồng ý của phụ huynh: 1 trên 3 học sinh (33,3%)"}
    for browser, url, pupils in pages:
        assert consent_line(browser, url) == expected[pupils], url
    # As of a day before the form was signed, it does not count yet.
    before = (world.today - timedelta(days=3)).isoformat()
    assert consent_line(ward, f"{school_url}?as_of={before}") == (
        "Đồng ý của phụ huynh: 0 trên 3 học sinh (0%)")


def test_no_line_where_no_pupil_is_counted(factory, make_browser):
    """A school with no pupils yet: no empty "0 of 0" line."""
    today = today_in_vietnam()
    ward = factory.unit()
    school = factory.school(code="C", level="tieu-hoc")
    factory.user("ward_admin", username="phuong").unit_id = ward.id
    db.session.add(plan(ward, today))
    factory.commit()
    browser = make_browser()
    assert browser.login("phuong").status_code == 302
    assert consent_line(browser, f"/dashboard/schools/{school.id}") is None
    assert consent_line(browser, "/dashboard/") is None
