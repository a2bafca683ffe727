"""The ward office and principals: schools with their pupil counts, staff accounts on and off."""

import html
import re
from datetime import date

import pytest
from conftest import page_text
from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from lms.extensions import db
from lms.models import Enrollment, User, UserSession


def t(msgid, **kwargs):
    with current_app.test_request_context():
        return gettext(msgid, **kwargs)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def clean(fragment: str) -> str:
    fragment = re.sub(r"<form.*?</form>", "", fragment, flags=re.S)
    fragment = re.sub(r"<[^>]+>", "", re.sub(r"<br\s*/?>", " ", fragment))
    return " ".join(html.unescape(fragment).split())


def signin(browser, login):
    assert browser.login(login).status_code == 302, login
    browser.get("/courses")  # the signed-in session's CSRF token


def table_rows(page: str) -> list[list[str]]:
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S).group(1)
    return [[clean(td) for td in re.findall(r"<td>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def fresh(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


@pytest.fixture
def school(factory):
    return factory.school(code="TH-AP", name="Trường Tiểu học An Phú", level="tieu-hoc")


@pytest.fixture
def principal(factory, school):
    return factory.user("school_admin", username="qt.ap", name="Hồ Văn Hiệu", school=school)


@pytest.fixture
def teacher(factory, school):
    return factory.user("teacher", username="gv.lan", name="Đỗ Thị Lan", school=school,
                        phone="0912000111")


def test_ward_admin_sees_every_school_with_its_pupil_count(make_browser, factory, school):
    secondary = factory.school(code="THCS-BM", name="Trường THCS Bình Minh", level="thcs")
    factory.school(code="MN-HS", name="Trường Mầm non Hoa Sen", level="mam-non")
    for grade, count in ((1, 2), (5, 1)):
        room = factory.classroom(school, grade=grade)
        for _ in range(count):
            factory.pupil(room, password=None)
    room = factory.classroom(secondary, grade=6)
    factory.pupil(room, password=None)
    left = factory.pupil(room, password=None)
    db.session.scalar(select(Enrollment).where(Enrollment.pupil_id == left.id)).ended_on = \
        date(2025, 12, 1)  # moved away: not counted
    factory.user("ward_admin", username="phuong")
    factory.commit()
    ward = make_browser()
    signin(ward, "phuong")
    response = ward.get("/admin/")
    assert response.status_code == 200
    assert table_rows(response.get_data(as_text=True)) == [
        ["Trường Mầm non Hoa Sen MN-HS", "Mầm non", "0"],
        ["Trường THCS Bình Minh THCS-BM", "THCS", "1"],
        ["Trường Tiểu học An Phú TH-AP", "Tiểu học", "3"],
    ]
    assert ward.get(f"/admin/schools/{secondary.id}").status_code == 200


def test_school_admin_is_taken_to_their_school(make_browser, factory, school, principal,
                                               teacher):
    factory.user("teacher", name="Nguyễn Văn Mới", school=school, password=None,
                 phone="0912000222")
    factory.user("teacher", name="Vũ Thị Nghỉ", school=school, active=False)
    factory.classroom(school, name="2A", grade=2, teacher=teacher)
    other = factory.school(name="Trường Khác")
    factory.user("teacher", name="Lý Văn Ngoài", school=other)
    factory.classroom(other, name="9Z", grade=9)
    factory.commit()
    office = make_browser()
    signin(office, "qt.ap")
    response = office.get("/admin/")
    assert response.status_code == 302 and response.location == f"/admin/schools/{school.id}"
    page = office.get(response.location).get_data(as_text=True)
    assert table_rows(page) == [
        ["Hồ Văn Hiệu", "", t("active")],
        ["Đỗ Thị Lan 0912000111", "", t("active")],
        ["Nguyễn Văn Mới 0912000222", "", t("waiting for first sign-in")],
        ["Vũ Thị Nghỉ", "", t("disabled")],
    ]
    # Everyone but the admin can be switched off or on.
    buttons = re.findall(r'action="/admin/users/(\d+)/active"[^>]*>.*?<button[^>]*>(.*?)</button>',
                         page, re.S)
    assert [label for _id, label in buttons] == [t("Disable"), t("Disable"), t("Enable")]
    assert str(principal.id) not in [user_id for user_id, _label in buttons]
    assert t("Class %(name)s", name="2A") in text(office.get(response.location))
    assert "9Z" not in page_text(page) and "Lý Văn Ngoài" not in page_text(page)


def test_disabling_a_teacher_signs_them_out_everywhere(make_browser, factory, school, principal,
                                                       teacher):
    factory.commit()
    phone, laptop = make_browser(), make_browser()
    signin(phone, "gv.lan")
    signin(laptop, "0912000111")
    office = make_browser()
    signin(office, "qt.ap")

    response = office.post(f"/admin/users/{teacher.id}/active")
    assert response.status_code == 302 and response.location == f"/admin/schools/{school.id}"
    assert t("Account disabled and signed out.") in text(office.get(response.location))
    assert fresh(teacher).active is False
    revoked = db.session.scalars(select(UserSession.revoked_at)
                                 .where(UserSession.user_id == teacher.id)).all()
    assert len(revoked) == 2 and None not in revoked
    for device in (phone, laptop):
        response = device.get("/teach/")
        assert response.status_code == 302 and "/login" in response.location
    assert make_browser().login("gv.lan").status_code == 401

    office.post(f"/admin/users/{teacher.id}/active")
    assert t("Account enabled.") in text(office.get(f"/admin/schools/{school.id}"))
    assert fresh(teacher).active is True
    assert phone.get("/teach/").status_code == 302  # the old sessions stay ended
    again = make_browser()
    signin(again, "gv.lan")
    assert again.get("/teach/").status_code == 200


@pytest.mark.parametrize("role", ["school_admin", "ward_admin"])
def test_an_admin_cannot_disable_themselves(make_browser, factory, school, role):
    admin = factory.user(role, username="admin", school=school if role == "school_admin" else None)
    factory.commit()
    browser = make_browser()
    signin(browser, "admin")
    response = browser.post(f"/admin/users/{admin.id}/active")
    assert response.status_code == 302
    assert response.location == (f"/admin/schools/{school.id}" if role == "school_admin"
                                 else "/admin/")
    assert t("You cannot disable your own account.") in text(browser.get(response.location))
    assert fresh(admin).active is True
    assert browser.get("/admin/").status_code in (200, 302)
    assert db.session.scalars(select(UserSession.revoked_at)
                              .where(UserSession.user_id == admin.id)).all() == [None]


def test_school_admin_manages_only_their_own_staff(make_browser, factory, school, principal,
                                                   teacher):
    other = factory.school(name="Trường Khác")
    outsider = factory.user("teacher", username="gv.khac", school=other)
    pupil = factory.pupil(factory.classroom(school, grade=3), password=None)
    parent = factory.user("parent", school=None)
    factory.commit()
    busy = make_browser()
    signin(busy, "gv.khac")
    office = make_browser()
    signin(office, "qt.ap")
    for person in (outsider, pupil, parent):
        assert office.post(f"/admin/users/{person.id}/active").status_code == 403
        assert fresh(person).active is True
    assert office.get(f"/admin/schools/{other.id}").status_code == 403
    assert office.post(f"/admin/schools/{other.id}/setup-codes").status_code == 403
    assert office.post("/admin/users/999999/active").status_code == 404
    assert busy.get("/teach/").status_code == 200  # still signed in


def test_the_school_page_names_its_level_in_the_readers_language(make_browser, factory, school):
    both = factory.school(code="TH-THCS-KD", name="Trường TH&THCS Kim Đồng", level="th-thcs")
    factory.user("ward_admin", username="phuong")
    factory.commit()
    admin = make_browser()
    admin.login("phuong")

    def level(school_id):
        page = admin.get(f"/admin/schools/{school_id}").get_data(as_text=True)
        return html.unescape(re.search(r'<p class="meta"><span>[^<]*</span><span>(.*?)</span>',
                                       page).group(1))

    assert (level(school.id), level(both.id)) == ("Tiểu học", "TH&THCS")
    assert admin.post("/lang", {"lang": "en", "next": "/admin/"}).status_code == 302
    assert (level(school.id), level(both.id)) == ("Primary school",
                                                  "Primary and lower-secondary school")
