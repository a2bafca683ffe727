"""Consent to the processing of a pupil's data (issue 19): asked on pairing, recorded from paper
by the school, and what it changes: outside the school, a pupil's name shows only with a
guardian's consent, while every figure counts every pupil; the report gives consent coverage."""

import csv
import io
import json
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from conftest import page_text
from flask import current_app
from flask_babel import gettext
from openpyxl import load_workbook
from sqlalchemy import func, select

from lms.campaign import report
from lms.extensions import db
from lms.models import (
    Assignment,
    Campaign,
    CampaignTarget,
    Consent,
    Course,
    Guardianship,
    OneTimeCode,
    User,
)
from lms.models.base import today_in_vietnam
from lms.models.campaign import DEFAULT_TARGETS
from lms.people import consent as consents
from lms.people.codes import issue_code
from lms.people.households import link_guardian

PASSWORD = "mat-khau-cua-me"
UNNAMED = consents.UNNAMED


def t(msgid, **kwargs):
    with current_app.test_request_context():
        return gettext(msgid, **kwargs)


def text(response) -> str:
    return page_text(response.get_data(as_text=True))


def links_to_privacy(response) -> bool:
    return re.search(r'<a href="/privacy"', response.get_data(as_text=True)) is not None


@pytest.fixture
def world(factory, courses):
    """School A (the pupils' own) with a homeroom teacher, a colleague and its admin, a class of
    three with a course assigned; school B of the same ward with its teacher and a pupil; the
    ward's admin and a campaign running today."""
    today = today_in_vietnam()
    w = SimpleNamespace(today=today)
    unit = factory.unit()
    w.school = factory.school(code="A", name="Trường Tiểu học Ánh Dương", level="tieu-hoc")
    other = factory.school(code="B", name="Trường Tiểu học Bình Minh", level="tieu-hoc")
    w.teacher = factory.user("teacher", username="gv.a", school=w.school)
    factory.user("teacher", username="gv.a2", school=w.school)
    factory.user("school_admin", username="qt.a", school=w.school)
    teacher_b = factory.user("teacher", username="gv.b", school=other)
    factory.user("ward_admin", username="phuong").unit_id = unit.id
    w.room = factory.classroom(w.school, name="3A", grade=3, teacher=w.teacher)
    room_b = factory.classroom(other, name="3B", grade=3, teacher=teacher_b)
    w.an = factory.pupil(w.room, name="Nguyễn Văn An")
    w.binh = factory.pupil(w.room, name="Trần Thị Bình")
    w.chi = factory.pupil(w.room, name="Lê Minh Chi")
    w.an.date_of_birth = today.replace(year=today.year - 9) - timedelta(days=1)
    w.binh.date_of_birth = today.replace(year=today.year - 7) + timedelta(days=1)  # 6 until tomorrow
    w.dung = factory.pupil(room_b, name="Phạm Văn Dũng")
    course = db.session.scalar(select(Course).where(Course.slug == "no-quiz-course"))
    db.session.add(Assignment(classroom_id=w.room.id, course_id=course.id, teacher_id=w.teacher.id))
    w.campaign = Campaign(unit_id=unit.id, name="Bình dân học vụ số", starts_on=today - timedelta(days=60),
                          ends_on=today + timedelta(days=60),
                          targets=[CampaignTarget(group=g, percent=p) for g, p in DEFAULT_TARGETS.items()])
    db.session.add(w.campaign)
    w.unit = unit
    factory.commit()
    return w


def signin(make_browser, login):
    browser = make_browser()
    assert browser.login(login).status_code == 302, login
    return browser


def consents_of(pupil) -> list[Consent]:
    return db.session.scalars(select(Consent).where(Consent.pupil_id == pupil.id).order_by(Consent.id)).all()


def class_url(w, tail=""):
    return f"/teach/classes/{w.room.id}{tail}"


# --- pairing -----------------------------------------------------------------------------------


def signup(browser, code, consent, phone="0912345678", name="Nguyễn Thị Mai"):
    data = {"code": code, "full_name": name, "phone": phone, "password": PASSWORD, "confirm": PASSWORD}
    if consent:
        data["consent"] = "y"
    browser.get(f"/pair?code={code}")
    return browser.post("/pair", data)


def test_pairing_without_consent_is_refused_and_links_nothing(world, make_browser):
    code = issue_code(db.session, "pairing", world.an, world.teacher, 30)
    db.session.commit()
    browser = make_browser()
    response = signup(browser, code, consent=False)
    assert response.status_code == 200
    assert t("Pairing needs your consent: tick the box after reading the notice.") in text(response)
    assert db.session.scalar(select(func.count()).select_from(Guardianship)) == 0
    assert db.session.scalar(select(func.count()).select_from(User).where(User.role == "parent")) == 0
    assert consents_of(world.an) == []
    assert db.session.scalar(select(OneTimeCode.used_at).where(OneTimeCode.user_id == world.an.id)) is None
    # the code still works, with the box ticked
    assert signup(browser, code, consent=True).status_code == 302


def test_pairing_with_consent_records_the_guardians_consent(world, make_browser):
    code = issue_code(db.session, "pairing", world.an, world.teacher, 30)
    db.session.commit()
    browser = make_browser()
    assert signup(browser, code, consent=True).status_code == 302
    parent = db.session.scalar(select(User).where(User.phone == "0912345678"))
    [consent] = consents_of(world.an)
    assert (consent.kind, consent.source, consent.given_by_id, consent.given_on, consent.withdrawn_at) == (
        "guardian", "pairing", parent.id, today_in_vietnam(), None)
    # Signed in, the same parent links a second child: refused without the box, recorded with it.
    second = issue_code(db.session, "pairing", world.binh, world.teacher, 30)
    db.session.commit()
    browser.get("/courses")
    refused = browser.post("/pair", {"code": second})
    assert refused.status_code == 200 and consents_of(world.binh) == []
    assert t("Pairing needs your consent: tick the box after reading the notice.") in text(refused)
    assert db.session.scalar(select(Guardianship).where(Guardianship.pupil_id == world.binh.id)) is None
    assert browser.post("/pair", {"code": second, "consent": "y"}).status_code == 302
    assert [(c.kind, c.source, c.given_by_id) for c in consents_of(world.binh)] == [
        ("guardian", "pairing", parent.id)]


def test_the_pairing_functions_refuse_without_consent(world, factory):
    from lms.family.pairing import PairingError, pair

    parent = factory.user("parent", phone="0912000111")
    code = issue_code(db.session, "pairing", world.an, world.teacher, 30)
    db.session.commit()
    with pytest.raises(PairingError) as refused:
        pair(db.session, parent, code, consent=False)
    assert refused.value.reason == "no_consent"


# --- the school records paper consent ---------------------------------------------------------


def test_a_teacher_records_paper_consent_with_its_date(world, make_browser):
    teacher = signin(make_browser, "gv.a")
    page = teacher.get(class_url(world, "/consent"))
    assert page.status_code == 200
    assert t("%(m)s of %(n)s pupils have a guardian's consent.", m=0, n=3) in text(page)
    signed = world.today - timedelta(days=3)
    response = teacher.post(class_url(world, "/consent"), {
        "guardian": [str(world.an.id), str(world.binh.id)],
        f"guardian_on-{world.an.id}": signed.isoformat(),
        "given_on": (world.today - timedelta(days=1)).isoformat(),  # Bình's form: the default date
        "child": [str(world.an.id), str(world.binh.id)],  # Bình is 6: not asked, not recorded
    })
    assert response.status_code == 302 and response.location == class_url(world, "/consent")
    assert [(c.kind, c.source, c.given_on, c.given_by_id) for c in consents_of(world.an)] == [
        ("guardian", "paper", signed, world.teacher.id),
        ("child", "paper", world.today - timedelta(days=1), world.teacher.id)]
    assert [(c.kind, c.given_on) for c in consents_of(world.binh)] == [
        ("guardian", world.today - timedelta(days=1))]
    page = text(teacher.get(class_url(world, "/consent")))
    assert t("%(m)s of %(n)s pupils have a guardian's consent.", m=2, n=3) in page
    assert t("Paper form of %(date)s", date=signed.strftime("%d/%m/%Y")) in page
    # Posting the same again changes nothing; unticking An's guardian box withdraws it.
    teacher.post(class_url(world, "/consent"), {"guardian": [str(world.an.id), str(world.binh.id)],
                                                "child": [str(world.an.id)]})
    assert len(consents_of(world.an)) == 2
    teacher.post(class_url(world, "/consent"), {"guardian": [str(world.binh.id)],
                                                "child": [str(world.an.id)]})
    guardian = consents_of(world.an)[0]
    assert guardian.withdrawn_at is not None
    assert consents.consented_pupil_ids(db.session, [world.an.id, world.binh.id]) == {world.binh.id}


def test_a_paper_consent_needs_a_date_of_the_past(world, make_browser):
    teacher = signin(make_browser, "gv.a")
    for day in ("", (world.today + timedelta(days=1)).isoformat(), "2019-05-01", "not a date"):
        response = teacher.post(class_url(world, "/consent"), {
            "guardian": [str(world.an.id), str(world.binh.id)],
            f"guardian_on-{world.an.id}": day,
            f"guardian_on-{world.binh.id}": world.today.isoformat()})
        assert response.status_code == 400, day
        assert t("Nothing was saved: correct the pupils marked below.") in text(response)
        assert consents_of(world.an) == [] and consents_of(world.binh) == []  # not even Bình's


def test_only_the_class_school_records_consent(world, make_browser, client):
    url = class_url(world, "/consent")
    data = {"guardian": [str(world.an.id)], "given_on": world.today.isoformat()}
    for login in ("gv.b", "gv.a2", "phuong"):  # another school, a colleague, the ward admin
        browser = signin(make_browser, login)
        assert browser.get(url).status_code == 403, login
        assert browser.post(url, data).status_code == 403, login
    assert make_browser().get(url).status_code == 302  # anonymous: to sign in
    assert make_browser().get("/teach/classes/999999/consent").status_code == 302
    assert signin(make_browser, "qt.a").get("/teach/classes/999999/consent").status_code == 404
    # Without the CSRF token, even the homeroom teacher is refused.
    teacher = signin(make_browser, "gv.a")
    assert teacher.client.post(url, data=data).status_code == 400
    assert consents_of(world.an) == []
    assert signin(make_browser, "qt.a").post(url, data).status_code == 302  # the school's admin
    assert [c.given_by.username for c in consents_of(world.an)] == ["qt.a"]


# --- who sees a pupil's name ---------------------------------------------------------------------


def export_names(browser, w, fmt) -> list[str]:
    response = browser.get(class_url(w, f"/matrix.{fmt}"))
    assert response.status_code == 200
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(response.get_data())).active
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return [r[0] for r in rows[1:-1]]


def test_outside_the_school_a_name_shows_only_with_consent(world, make_browser, factory):
    consents.record(db.session, world.an.id, "guardian", world.teacher.id, "paper", world.today)
    db.session.commit()
    ward = signin(make_browser, "phuong")
    page = text(ward.get(class_url(world)))
    assert "Nguyễn Văn An" in page
    assert "Trần Thị Bình" not in page and "Lê Minh Chi" not in page
    assert page.count(UNNAMED) >= 2
    assert t("%(n)s pupils", n=3) in page  # counted all the same
    for fmt in ("csv", "xlsx"):
        assert export_names(ward, world, fmt) == ["Nguyễn Văn An", UNNAMED, UNNAMED]
    printed = text(ward.get(class_url(world, "/print")))
    assert "Trần Thị Bình" not in printed and UNNAMED in printed
    # The school sees every name, always.
    for login in ("gv.a", "gv.a2", "qt.a"):
        browser = signin(make_browser, login)
        page = text(browser.get(class_url(world)))
        assert all(name in page for name in ("Nguyễn Văn An", "Trần Thị Bình", "Lê Minh Chi")), login
        assert UNNAMED not in page
        assert sorted(export_names(browser, world, "csv")) == [
            "Lê Minh Chi", "Nguyễn Văn An", "Trần Thị Bình"]
    # Bình's guardian consents on paper: the ward admin sees her name.
    signin(make_browser, "gv.a").post(class_url(world, "/consent"), {
        "guardian": [str(world.an.id), str(world.binh.id)], "given_on": world.today.isoformat()})
    page = text(ward.get(class_url(world)))
    assert "Trần Thị Bình" in page and "Lê Minh Chi" not in page and page.count(UNNAMED) >= 1
    assert export_names(ward, world, "csv") == ["Nguyễn Văn An", "Trần Thị Bình", UNNAMED]


def test_a_withdrawn_or_child_only_consent_names_nobody(world, factory):
    viewer = SimpleNamespace(id=0, role="ward_admin")
    consents.record(db.session, world.an.id, "child", world.teacher.id, "paper", world.today)
    consents.record(db.session, world.binh.id, "guardian", None, "paper", world.today)
    db.session.commit()
    assert consents.withdraw(db.session, world.binh.id, "guardian") == 1
    db.session.commit()
    assert consents.consented_pupil_ids(db.session, [world.an.id, world.binh.id]) == set()
    assert consents.display_name(viewer, world.an, False) == UNNAMED
    assert consents.display_name(viewer, world.an, True) == "Nguyễn Văn An"
    assert consents.display_name(SimpleNamespace(id=0, role="teacher"), world.an, False) == "Nguyễn Văn An"


# --- the report's consent coverage -----------------------------------------------------------------


def test_the_report_gives_consent_coverage_and_counts_everyone(world, make_browser, factory):
    parent = factory.user("parent", phone="0912000222")
    link_guardian(db.session, parent, world.an)
    consents.record_pairing(db.session, world.an.id, parent.id)
    consents.record(db.session, world.binh.id, "guardian", world.teacher.id, "paper", world.today)
    # Chi's own consent is no guardian's: it names nobody and covers nothing.
    consents.record(db.session, world.chi.id, "child", world.teacher.id, "paper", world.today)
    db.session.commit()
    data = json.loads(report.build(db.session, "json", unit_id=world.unit.id)[0])
    assert data["consent"] == {"pupils": 4, "with_consent": 2, "percent": 50.0}
    assert {s["code"]: s["consent"] for s in data["schools"]} == {
        "A": {"pupils": 3, "with_consent": 2, "percent": 66.7},
        "B": {"pupils": 1, "with_consent": 0, "percent": 0.0}}
    assert data["groups"]["primary"]["population"] == 4  # every pupil counts
    # The same through the ward admin's download, and its CSV's last three columns.
    ward = signin(make_browser, "phuong")
    assert json.loads(ward.get("/dashboard/report.json").get_data())["consent"] == data["consent"]
    rows = list(csv.reader(io.StringIO(ward.get("/dashboard/report.csv").get_data().decode("utf-8-sig"))))
    header, *body = rows[1:]
    assert header[-3:] == [f"{report.CONSENT_NAME}: có đồng ý", f"{report.CONSENT_NAME}: số học sinh",
                           f"{report.CONSENT_NAME}: tỉ lệ (%)"]
    assert {r[0]: r[-3:] for r in body} == {"A": ["2", "3", "66.7"], "B": ["0", "1", "0.0"],
                                            "": ["2", "4", "50.0"]}
    book = load_workbook(io.BytesIO(ward.get("/dashboard/report.xlsx").get_data()))
    total = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)][-1]
    assert total[-3:] == [2, 4, pytest.approx(0.5)]
    # A withdrawal lowers the coverage at once (the stored figures are made stale).
    consents.withdraw(db.session, world.binh.id, "guardian")
    db.session.commit()
    data = json.loads(report.build(db.session, "json", unit_id=world.unit.id)[0])
    assert data["consent"] == {"pupils": 4, "with_consent": 1, "percent": 25.0}


# --- the notice -----------------------------------------------------------------------------------


def test_the_notice_is_public_and_linked_where_people_meet_the_platform(world, make_browser, factory):
    anonymous = make_browser()
    notice = anonymous.get("/privacy")
    assert notice.status_code == 200
    page = text(notice)
    for words in ("Thông báo về dữ liệu cá nhân", "91/2025/QH15", "356/2025/NĐ-CP", "Lưu những gì",
                  "Để làm gì", "Ai được xem", "Lưu bao lâu", "Quyền của anh chị", "Cách yêu cầu",
                  "từ đủ 7 tuổi", "giáo viên chủ nhiệm"):
        assert words in page, words
    for url in ("/login", "/login/class", "/pair"):
        assert links_to_privacy(anonymous.get(url)), url
    teacher = signin(make_browser, "gv.a")
    teacher.post(class_url(world, "/letters"))
    letters = text(teacher.get(class_url(world, "/letters")))
    assert letters.count("127.0.0.1:5000/privacy") == 3  # one line on each family's letter
    assert t("Families' consents: record the paper forms returned") in letters
    code = issue_code(db.session, "pairing", world.an, world.teacher, 30)
    factory.user("parent", username="ph.a", phone="0912000333")
    db.session.commit()
    assert links_to_privacy(anonymous.get(f"/pair?code={code}"))
    assert links_to_privacy(signin(make_browser, "ph.a").get("/pair"))  # signed in: the short form
