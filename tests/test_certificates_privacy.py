"""A certificate follows the consent rule (issue 19): the pupil's own school and family see the
name, a unit or city admin sees it (and the verification code, whose public page names the
holder in part) only once a guardian has consented; opening a certificate or printing a class's
leaves an entry in the access log, the holder and their family reading their own leave none."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from conftest import page_text
from sqlalchemy import select

from lms.extensions import db
from lms.learning.progress import record_completion
from lms.models import AccessLog, Campaign, Certificate, Course, Unit, User
from lms.models.base import today_in_vietnam
from lms.people import consent as consents
from lms.people.households import link_guardian

UNNAMED = consents.UNNAMED
CODE = re.compile(r"Mã xác minh: ([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})")
WITHHELD = "Tên học sinh và mã xác minh chỉ hiện khi đã ghi nhận đồng ý của phụ huynh."


@pytest.fixture
def world(factory, courses):
    """A city and its ward with a plan; a school with a grade-3 class of two, each holding a
    course certificate; An's guardian consented on paper, Bình's (a parent on the platform)
    not yet; the homeroom teacher, the principal, the ward's and the city's admins."""
    today = today_in_vietnam()
    city = Unit(code="HP", name="Thành phố Mẫu", kind="city")
    db.session.add(city)
    db.session.flush()
    ward = factory.unit()
    ward.parent_id = city.id
    db.session.add(Campaign(unit_id=ward.id, name="Kế hoạch", starts_on=today - timedelta(days=30),
                            ends_on=today + timedelta(days=30)))
    school = factory.school(code="A", name="Trường Tiểu học Ánh Dương", level="tieu-hoc")
    teacher = factory.user("teacher", username="gv.a", school=school)
    factory.user("school_admin", username="qt.a", school=school)
    factory.user("ward_admin", username="phuong", name="Cán Bộ Phường").unit_id = ward.id
    factory.user("city_admin", username="thanhpho").unit_id = city.id
    room = factory.classroom(school, name="3A", grade=3, teacher=teacher)
    an = factory.pupil(room, name="Nguyễn Văn An", username="an")
    binh = factory.pupil(room, name="Trần Thị Bình", username="binh")
    link_guardian(db.session, factory.user("parent", username="me.binh"), binh)
    course = db.session.scalar(select(Course.id).where(Course.slug == "no-quiz-course"))
    for pupil in (an, binh):
        record_completion(db.session, pupil.id, course, score=None, attempt_id=None)
    consents.record(db.session, an.id, "guardian", teacher.id, "paper", today - timedelta(days=5))
    factory.commit()
    held = {c.user_id: c for c in db.session.scalars(select(Certificate))}
    return SimpleNamespace(today=today, school=school, ward=ward, room=room, teacher=teacher, an=an,
                           binh=binh, an_url=f"/certificates/{held[an.id].id}",
                           binh_url=f"/certificates/{held[binh.id].id}")


def signed_in(make_browser, login):
    browser = make_browser()
    assert browser.login(login).status_code == 302, login
    return browser


def shown(browser, url) -> str:
    response = browser.get(url)
    assert response.status_code == 200, url
    return page_text(response.get_data(as_text=True))


def entries() -> list[tuple]:
    db.session.commit()  # see what the requests wrote
    rows = db.session.execute(select(AccessLog, User.username).join(User, User.id == AccessLog.viewer_id)
                              .order_by(AccessLog.id))
    return [(login, e.action, e.subject_kind, e.subject_id, e.school_id, e.unit_id) for e, login in rows]


def test_outside_the_school_a_certificate_names_its_pupil_only_with_consent(world, make_browser):
    for login in ("phuong", "thanhpho"):
        admin = signed_in(make_browser, login)
        hidden = shown(admin, world.binh_url)
        assert "Trần Thị Bình" not in hidden and "Thị Bình" not in hidden, login
        assert hidden.count(UNNAMED) >= 2, login  # the page's title and the certificate
        assert WITHHELD in hidden and CODE.search(hidden) is None and "Mã xác minh" not in hidden, login
        assert "Khóa không có bài kiểm tra" in hidden, login  # what was completed still shows
        named = shown(admin, world.an_url)
        assert "Nguyễn Văn An" in named and UNNAMED not in named and WITHHELD not in named, login
        assert CODE.search(named), login
    # The school and the family see Bình's name and code, always.
    for login in ("gv.a", "qt.a", "binh", "me.binh"):
        page = shown(signed_in(make_browser, login), world.binh_url)
        assert "Trần Thị Bình" in page and UNNAMED not in page and CODE.search(page), login
    # The teacher records the paper form Bình's family returned: the ward admin sees her name.
    teacher = signed_in(make_browser, "gv.a")
    assert teacher.post(f"/teach/classes/{world.room.id}/consent", {
        "guardian": [str(world.an.id), str(world.binh.id)],
        "given_on": (world.today - timedelta(days=1)).isoformat()}).status_code == 302
    page = shown(signed_in(make_browser, "phuong"), world.binh_url)
    assert "Trần Thị Bình" in page and UNNAMED not in page and CODE.search(page)
    # Withdrawn: hidden again.
    assert teacher.post(f"/teach/classes/{world.room.id}/consent", {
        "guardian": [str(world.an.id)]}).status_code == 302
    page = shown(signed_in(make_browser, "phuong"), world.binh_url)
    assert "Trần Thị Bình" not in page and CODE.search(page) is None


def test_opening_a_certificate_is_logged_for_staff_and_admins(world, make_browser):
    for login in ("binh", "me.binh"):  # their own, or their child's: not logged
        shown(signed_in(make_browser, login), world.binh_url)
    assert entries() == []
    for login in ("phuong", "gv.a", "thanhpho"):
        shown(signed_in(make_browser, login), world.binh_url)
    school, ward = world.school.id, world.ward.id
    assert entries() == [(login, "certificate.view", "user", world.binh.id, school, ward)
                         for login in ("phuong", "gv.a", "thanhpho")]
    # The class's certificates printed in one go: one entry for the class.
    shown(signed_in(make_browser, "qt.a"), f"/teach/classes/{world.room.id}/certificates")
    assert entries()[-1] == ("qt.a", "certificate.print", "class", world.room.id, school, ward)
    # A refused look leaves nothing.
    outsider = signed_in(make_browser, "an")
    assert outsider.get(world.binh_url).status_code == 403
    assert len(entries()) == 4


def test_the_principal_reads_who_opened_a_certificate(world, make_browser):
    shown(signed_in(make_browser, "phuong"), world.binh_url)
    log = shown(signed_in(make_browser, "qt.a"), "/admin/access-log")
    assert "Cán Bộ Phường" in log and "Trần Thị Bình" in log  # the school sees its pupil's name
