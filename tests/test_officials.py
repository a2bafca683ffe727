"""A unit's officials over HTTP (issue 14): imported with the roster, listed by their unit's
admin, who prints their first sign-in codes; another unit's admin is kept out; an official
signs in with the code, chooses a password and finds the `official` courses at home."""

import re
from pathlib import Path

import pytest
from conftest import page_text
from sqlalchemy import select
from test_family import signin, t

from lms.content.sync import sync_courses
from lms.extensions import db
from lms.models import Course, CourseAudience, Unit, User
from lms.people.roster import import_roster

OFFICIAL_COURSES = Path(__file__).parent.parent / "courses" / "official"
CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}")


def roster(text: str) -> None:
    report = import_roster(db.session, text.encode(), "ds.csv")
    assert report.ok, report.errors


@pytest.fixture
def city(app, factory):
    roster("Mã đơn vị,Tên đơn vị,Loại,Mã đơn vị cấp trên\nHP,Thành phố Hải Phòng,Thành phố,\n"
           "P-HB,Phường Hồng Bàng,Phường,HP\nX-AL,Xã An Lão,Xã,HP\n")
    roster("Mã đơn vị,Họ và tên,Số điện thoại,Ngày bắt đầu làm việc\n"
           "P-HB,Nguyễn Văn Hòa,0901000001,01/07/2025\n"
           "P-HB,Trần Thị Lan,0901000002,\n"
           "P-HB,Đỗ Văn Đã Có,0901000003,\n"
           "X-AL,Lê Văn Minh,0901000009,\n")
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    has_password = db.session.scalar(select(User).where(User.phone == "0901000003"))
    has_password.password_hash = factory.user("parent", username="tmp").password_hash
    for username, role, code in (("phuong", "ward_admin", "P-HB"), ("xa", "ward_admin", "X-AL"),
                                 ("thanhpho", "city_admin", "HP")):
        factory.user(role, username=username).unit_id = units[code].id
    school = factory.school(code="TH-HB", level="tieu-hoc")
    school.unit_id = units["P-HB"].id
    factory.user("school_admin", username="hieutruong", school=school)
    factory.commit()
    return {code: unit.id for code, unit in units.items()}


def cards(response) -> list[tuple[str, str, str]]:
    """(name, unit, code) of each printed sign-in card."""
    out = []
    for card in re.findall(r'<section class="signin-card">(.*?)</section>',
                           response.get_data(as_text=True), re.S):
        name, unit = re.search(r"<p><strong>(.*?)</strong><br>(.*?)</p>", card).groups()
        code = re.search(r'<strong class="code">(.*?)</strong>', card).group(1)
        out.append((name, unit, code))
    return out


def test_the_unit_admin_lists_their_officials_and_prints_their_codes(make_browser, city):
    office = make_browser()
    signin(office, "phuong")
    home = office.get("/admin/officials")
    assert (home.status_code, home.location) == (302, f"/admin/units/{city['P-HB']}/officials")
    page = page_text(office.get(home.location).get_data(as_text=True))
    assert t("Officials of %(unit)s", unit="Phường Hồng Bàng") in page
    for name in ("Nguyễn Văn Hòa", "Trần Thị Lan", "Đỗ Văn Đã Có"):
        assert name in page
    assert "Lê Văn Minh" not in page  # X-AL's
    assert t("from %(day)s", day="01/07/2025") in page
    assert page.count(t("waiting for first sign-in")) == 2

    sheet = office.post(f"/admin/units/{city['P-HB']}/officials/setup-codes")
    assert sheet.status_code == 200
    printed = cards(sheet)
    assert [(name, unit) for name, unit, _ in printed] == [("Nguyễn Văn Hòa", "Phường Hồng Bàng"),
                                                          ("Trần Thị Lan", "Phường Hồng Bàng")]
    assert all(CODE.fullmatch(code) for _, _, code in printed)


def test_another_units_admin_is_kept_out(make_browser, city):
    other = make_browser()
    signin(other, "xa")
    mine, theirs = city["X-AL"], city["P-HB"]
    assert other.get(f"/admin/units/{theirs}/officials").status_code == 403
    refused = other.post(f"/admin/units/{theirs}/officials/setup-codes")
    assert refused.status_code == 403 and cards(refused) == []
    assert other.get(f"/admin/units/{city['HP']}/officials").status_code == 404  # the city
    assert other.get("/admin/units/999999/officials").status_code == 404
    own = other.get("/admin/officials", follow_redirects=True)
    assert "Lê Văn Minh" in page_text(own.get_data(as_text=True))
    assert [name for name, _, _ in cards(other.post(f"/admin/units/{mine}/officials/setup-codes"))] == [
        "Lê Văn Minh"]
    principal = make_browser()
    signin(principal, "hieutruong")
    assert principal.get("/admin/officials").status_code == 403
    assert principal.get(f"/admin/units/{theirs}/officials").status_code == 403


def test_the_city_admin_chooses_a_unit(make_browser, city):
    office = make_browser()
    signin(office, "thanhpho")
    page = page_text(office.get("/admin/officials").get_data(as_text=True))
    assert "Phường Hồng Bàng P-HB 3" in page and "Xã An Lão X-AL 1" in page
    sheet = office.post(f"/admin/units/{city['X-AL']}/officials/setup-codes")
    assert [name for name, _, _ in cards(sheet)] == ["Lê Văn Minh"]


def test_an_official_signs_in_with_the_code_and_finds_the_official_courses(make_browser, city):
    report = sync_courses(db.session, OFFICIAL_COURSES)
    assert not report.problems.errors, report.problems
    titles = list(db.session.scalars(
        select(Course.title).join(CourseAudience, CourseAudience.course_id == Course.id)
        .where(CourseAudience.audience == "official")))
    assert len(titles) >= 2
    db.session.commit()
    office = make_browser()
    signin(office, "phuong")
    [(_, _, code), _] = cards(office.post(f"/admin/units/{city['P-HB']}/officials/setup-codes"))

    official = make_browser()
    done = official.post("/setup", {"code": code, "password": "cong-vu-so-1", "confirm": "cong-vu-so-1"})
    assert (done.status_code, done.location) == (302, "/")
    home = page_text(official.get("/home").get_data(as_text=True))
    assert t("Hello, %(name)s", name="Nguyễn Văn Hòa") in home
    for title in titles:
        assert title in home
    # Next time: the phone number and the new password; the page now says the account is active.
    assert make_browser().login("0901000001", "cong-vu-so-1").status_code == 302
    listing = page_text(office.get(f"/admin/units/{city['P-HB']}/officials").get_data(as_text=True))
    assert listing.count(t("waiting for first sign-in")) == 1


def test_an_erased_official_gets_no_setup_code(make_browser, city):
    """Erasure keeps an official active (they still count), but nothing prints for them."""
    from lms.people.erasure import erase_many

    lan = db.session.scalar(select(User).where(User.phone == "0901000002"))
    erase_many(db.session, [lan.id])
    db.session.commit()
    office = make_browser()
    signin(office, "phuong")
    printed = cards(office.post(f"/admin/units/{city['P-HB']}/officials/setup-codes"))
    assert [name for name, _unit, _code in printed] == ["Nguyễn Văn Hòa"]
