"""Certificates (issue 19): issued once as completions are recorded, a tier certificate only
once every required course of the tier is done within the plan's period, printable pages for
the holder, their parents and their class, and a public page that confirms a code and shows
nothing more than the course, the date, the issuing unit and the name in part."""

import math
import re
import threading
from datetime import date, datetime, time, timedelta

import pytest
from conftest import page_text
from sqlalchemy import event, func, select

from lms.campaign import summary
from lms.content.sync import sync_courses
from lms.db_setup import writing
from lms.extensions import db
from lms.formatting import qr_data_uri
from lms.learning import certificates
from lms.learning.progress import record_completion
from lms.models import (
    Campaign,
    Certificate,
    Completion,
    Course,
    Question,
    QuizAttempt,
    School,
    Unit,
)
from lms.models.base import today_in_vietnam
from lms.people.codes import ALPHABET
from lms.people.households import link_guardian
from lms.teaching.public_url import DEMO_ADDRESS

TODAY = today_in_vietnam()
TODAY_SHOWN = TODAY.strftime("%d/%m/%Y")
CODE = re.compile(r"Mã xác minh: ([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})")
QR = re.compile(r'<section class="letter certificate">.*?<img src="([^"]+)"', re.S)

COURSE = """\
---
title: "{title}"
audience: [{audience}]
required: {required}
competencies: ["1.1"]
minutes: 5
summary: "Tóm tắt."
---
Giới thiệu.
"""
QUIZ = """\
---
pass_score: 100
---
### Có nên chia sẻ mật khẩu không?

- [ ] Có
- [x] Không

> Mật khẩu là bí mật.
"""
COURSES = {
    "bat-buoc-mot": ("Bắt buộc một: An toàn mật khẩu", "lower-secondary", True),
    "bat-buoc-hai": ("Bắt buộc hai: Tin giả trên mạng", "lower-secondary", True),
    "tu-chon": ("Tự chọn: Vẽ trên máy tính", "lower-secondary, teacher, parent, official", False),
}


@pytest.fixture
def config_overrides():
    return {"CODE_LIMIT_PER_ADDRESS": "5 per 15 minutes"}


@pytest.fixture
def ward(app, factory, tmp_path):
    """A ward with its plan running today, one school and a grade-7 class of three pupils."""
    root = tmp_path / "courses"
    for slug, (title, audience, required) in COURSES.items():
        folder = root / slug
        folder.mkdir(parents=True)
        (folder / "course.md").write_text(
            COURSE.format(title=title, audience=audience, required=str(required).lower()), encoding="utf-8")
        (folder / "01-bai.md").write_text('---\ntitle: "Bài"\n---\nNội dung.\n', encoding="utf-8")
        if required:
            (folder / "quiz.md").write_text(QUIZ, encoding="utf-8")
    report = sync_courses(db.session, root)
    assert not report.problems.errors, report.problems
    unit = factory.unit()
    db.session.add(Campaign(unit_id=unit.id, name="Kế hoạch 2026", starts_on=TODAY - timedelta(days=30),
                            ends_on=TODAY + timedelta(days=30)))
    school = factory.school(name="Trường THCS Hoa Sen")
    teacher = factory.user("teacher", username="cogiao", school=school)
    principal = factory.user("school_admin", username="hieutruong", school=school)
    room = factory.classroom(school=school, name="7A", grade=7, teacher=teacher)
    an = factory.pupil(room, username="an", name="Nguyễn Văn An")
    an.date_of_birth = date(2013, 4, 17)
    an.student_code = "HS-0042"
    binh = factory.pupil(room, username="binh", name="Trần Thị Bình")
    chi = factory.pupil(room, username="chi", name="Lê Minh Chi")
    factory.commit()
    return {"unit": unit, "school": school, "teacher": teacher, "principal": principal, "room": room,
            "an": an, "binh": binh, "chi": chi}


def course_id(slug: str) -> int:
    return db.session.scalar(select(Course.id).where(Course.slug == slug))


def finish(browser, slug: str) -> None:
    """Through the pages: the lesson, then the quiz (if any) answered right."""
    assert browser.post(f"/courses/{slug}/lessons/bai/done").status_code == 302
    if not COURSES[slug][2]:
        return
    started = browser.post(f"/courses/{slug}/quiz")
    attempt_id = int(re.search(r"/attempts/(\d+)$", started.location).group(1))
    version = db.session.get(QuizAttempt, attempt_id).quiz_version_id
    answers = {f"q{q.id}": str(next(o.id for o in q.options if o.is_correct))
               for q in db.session.scalars(select(Question).where(Question.quiz_version_id == version))}
    assert browser.post(f"/attempts/{attempt_id}", answers).status_code == 303


def held(user, kind=None) -> list[Certificate]:
    db.session.expire_all()
    query = select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.id)
    if kind:
        query = query.where(Certificate.kind == kind)
    return list(db.session.scalars(query))


def signed_in(make_browser, username):
    browser = make_browser()
    assert browser.login(username).status_code == 302
    return browser


def code_on(response) -> str:
    assert response.status_code == 200
    return CODE.search(page_text(response.get_data(as_text=True))).group(1)


# --- issuing -------------------------------------------------------------------------------

def test_a_completion_issues_its_course_certificate_once(ward, make_browser):
    an = ward["an"]
    browser = signed_in(make_browser, "an")
    finish(browser, "tu-chon")
    (first,) = held(an)
    assert (first.kind, first.course_id, first.unit_id, first.issued_on) == (
        "course", course_id("tu-chon"), ward["unit"].id, TODAY)
    assert first.campaign_id is None and first.revoked_at is None

    # The lesson again, the completion recorded again, the function called again: the same one.
    assert browser.post("/courses/tu-chon/lessons/bai/done").status_code == 302
    record_completion(db.session, an.id, course_id("tu-chon"), score=None, attempt_id=None)
    again = certificates.issue_course_certificate(db.session, an.id, course_id("tu-chon"))
    db.session.commit()
    assert again.id == first.id and again.code_hash == first.code_hash
    assert [c.id for c in held(an)] == [first.id]


def test_a_completion_pays_little_for_its_certificates(ward):
    """The quiz's hot path: one insert, and the cheap tests that stop before the coverage query
    when the course cannot complete the tier."""
    an_id = ward["an"].id
    optional_course, required_course = course_id("tu-chon"), course_id("bat-buoc-mot")
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement.split(None, 1)[0].upper())

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        certificates.after_completion(db.session, an_id, optional_course)
        optional = list(statements)
        statements.clear()
        certificates.after_completion(db.session, an_id, required_course)  # one of two required
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    db.session.commit()
    assert optional == ["INSERT", "SELECT", "SELECT"]  # the certificate, the tier, its courses
    assert statements == ["INSERT", "SELECT", "SELECT", "SELECT"]  # and the tier's progress
    assert [c.kind for c in held(ward["an"])] == ["course", "course"]


def test_two_issues_at_once_give_one_certificate(ward, web_app):
    """Two workers issue the same certificate at the same moment: one row, the same for both."""
    an_id, course = ward["an"].id, course_id("tu-chon")
    db.session.add(Completion(user_id=an_id, course_id=course))
    db.session.commit()
    start = threading.Barrier(2)
    ids, errors = [], []

    def issue():
        try:
            with web_app.app_context(), writing():
                start.wait()
                ids.append(certificates.issue_course_certificate(db.session, an_id, course).id)
                db.session.commit()
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    workers = [threading.Thread(target=issue) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert errors == []
    assert len(ids) == 2 and ids[0] == ids[1]
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1


def test_the_tier_certificate_needs_every_required_course_within_the_period(ward, make_browser):
    an, binh = ward["an"], ward["binh"]
    browser = signed_in(make_browser, "an")
    finish(browser, "bat-buoc-mot")
    finish(browser, "tu-chon")
    assert [c.kind for c in held(an)] == ["course", "course"]  # one required course left

    finish(browser, "bat-buoc-hai")
    (tier,) = held(an, "tier")
    campaign = db.session.scalar(select(Campaign))
    assert (tier.tier, tier.campaign_id, tier.unit_id, tier.course_id, tier.issued_on) == (
        "lower-secondary", campaign.id, ward["unit"].id, None, TODAY)
    assert len(held(an, "course")) == 3

    # Bình did the first required course before the plan began: both done, but not in the period.
    before = datetime.combine(campaign.starts_on - timedelta(days=3), time(5))
    db.session.add(Completion(user_id=binh.id, course_id=course_id("bat-buoc-mot"), completed_at=before))
    summary.refresh_user(db.session, binh.id)
    db.session.commit()
    finish(signed_in(make_browser, "binh"), "bat-buoc-hai")
    assert [c.kind for c in held(binh)] == ["course"]  # only the course done through the page
    # No plan for the unit (its plan now another unit's): course certificates, no tier certificate.
    elsewhere = Unit(code="P-KHAC", name="Phường Khác")
    db.session.add(elsewhere)
    db.session.flush()
    campaign.unit_id = elsewhere.id
    db.session.commit()
    chi_browser = signed_in(make_browser, "chi")
    finish(chi_browser, "bat-buoc-mot")
    finish(chi_browser, "bat-buoc-hai")
    assert [c.kind for c in held(ward["chi"])] == ["course", "course"]


def test_the_issuing_unit_of_staff_officials_and_parents(ward, factory):
    other = Unit(code="X-KHAC", name="Xã Khác")
    db.session.add(other)
    db.session.flush()
    official = factory.user("official", tier="official")
    official.unit_id = other.id
    parent = factory.user("parent")
    link_guardian(db.session, parent, ward["an"])
    factory.commit()
    course = course_id("tu-chon")
    # Teachers, officials and parents have no required course here: any one course of their
    # tier covers them, as the campaign's report counts it, where their unit has a plan.
    for person, unit, kinds in ((ward["teacher"], ward["unit"], ["course", "tier"]),
                                (official, other, ["course"]),
                                (parent, ward["unit"], ["course", "tier"])):
        record_completion(db.session, person.id, course, score=None, attempt_id=None)
        db.session.commit()
        issued = held(person)
        assert [c.kind for c in issued] == kinds, person.role
        assert {c.unit_id for c in issued} == {unit.id}, person.role


def test_certificates_for_completions_recorded_before_them(ward):
    an = ward["an"]
    earlier = datetime.combine(TODAY - timedelta(days=2), time(3))  # UTC; 10:00 in Vietnam
    for slug in ("bat-buoc-mot", "bat-buoc-hai"):
        db.session.add(Completion(user_id=an.id, course_id=course_id(slug), completed_at=earlier))
    summary.refresh_user(db.session, an.id)
    db.session.commit()
    assert certificates.issue_missing(db.session) == 3  # two courses and the tier
    db.session.commit()
    assert {c.issued_on for c in held(an, "course")} == {TODAY - timedelta(days=2)}
    assert certificates.issue_missing(db.session) == 0


def test_codes_cannot_be_guessed():
    assert certificates.CODE_LENGTH * math.log2(len(set(ALPHABET))) >= 50
    codes = {certificates.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", c) for c in codes)


def test_names_shown_in_part():
    assert certificates.partial_name("Nguyễn Văn An") == "Nguyễn V. A."
    assert certificates.partial_name("  Đặng   thị Ánh  Tuyết ") == "Đặng t. Á. T."
    assert certificates.partial_name("Minh") == "M."


# --- pages ---------------------------------------------------------------------------------

def test_the_printed_certificate_and_its_public_verification(ward, make_browser):
    browser = signed_in(make_browser, "an")
    finish(browser, "tu-chon")
    listing = page_text(browser.get("/certificates").get_data(as_text=True))
    assert "Chứng nhận của tôi" in listing and "Tự chọn: Vẽ trên máy tính" in listing
    (certificate,) = held(ward["an"])

    page = browser.get(f"/certificates/{certificate.id}")
    shown = page_text(page.get_data(as_text=True))
    for part in ("Giấy chứng nhận", "Nguyễn Văn An", "đã hoàn thành khóa học", "Tự chọn: Vẽ trên máy tính",
                 f"Ngày cấp: {TODAY_SHOWN}", "Đơn vị cấp: Phường Mẫu", "127.0.0.1:5000/verify"):
        assert part in shown, part
    code = code_on(page)
    assert QR.search(page.get_data(as_text=True)).group(1) == qr_data_uri(f"{DEMO_ADDRESS}/verify/{code}")

    public = make_browser()
    answer = public.get(f"/verify/{code}")
    assert answer.status_code == 200
    text = page_text(answer.get_data(as_text=True))
    for part in ("Chứng nhận này hợp lệ.", "Nguyễn V. A.", "Tự chọn: Vẽ trên máy tính", TODAY_SHOWN,
                 "Phường Mẫu"):
        assert part in text, part
    for secret in ("Nguyễn Văn An", "Văn", "7A", "Trường THCS Hoa Sen", "17/04/2013", "2013", "HS-0042"):
        assert secret not in text.replace(TODAY_SHOWN, ""), secret
    # Typed in the form, in lower case and without dashes: the same answer.
    typed = public.get("/verify", query_string={"code": code.replace("-", "").lower()})
    assert typed.status_code == 200 and "Nguyễn V. A." in page_text(typed.get_data(as_text=True))


def test_the_tier_certificate_page_lists_the_required_courses(ward, make_browser):
    browser = signed_in(make_browser, "an")
    for slug in ("bat-buoc-mot", "bat-buoc-hai"):
        finish(browser, slug)
    (tier,) = held(ward["an"], "tier")
    page = browser.get(f"/certificates/{tier.id}")
    shown = page_text(page.get_data(as_text=True))
    assert "đã hoàn thành tất cả các khóa học bắt buộc dành cho học sinh" in shown
    assert "Kế hoạch 2026" in shown
    assert "Bắt buộc một: An toàn mật khẩu" in shown and "Bắt buộc hai: Tin giả trên mạng" in shown
    code = code_on(page)
    verified = page_text(make_browser().get(f"/verify/{code}").get_data(as_text=True))
    assert "Bắt buộc hai: Tin giả trên mạng" in verified and "Nguyễn V. A." in verified


def test_unknown_and_revoked_codes_say_so(ward, make_browser):
    record_completion(db.session, ward["an"].id, course_id("tu-chon"), score=None, attempt_id=None)
    db.session.commit()
    (certificate,) = held(ward["an"])
    code = certificates.code_of(certificate)
    public = make_browser()
    unknown = public.get("/verify/ABCD-EFGH-JKLM")
    assert unknown.status_code == 404
    assert "Không có chứng nhận nào mang mã này" in page_text(unknown.get_data(as_text=True))

    certificates.revoke(db.session, certificate)
    db.session.commit()
    revoked = public.get(f"/verify/{code}")
    text = page_text(revoked.get_data(as_text=True))
    assert revoked.status_code == 410 and "đã bị thu hồi" in text
    assert "Nguyễn V. A." not in text and "Tự chọn" not in text
    holder = signed_in(make_browser, "an")
    assert holder.get(f"/certificates/{certificate.id}").status_code == 404
    assert "Tự chọn" not in page_text(holder.get("/certificates").get_data(as_text=True))


def test_guessing_codes_is_limited_per_address(ward, make_browser):
    record_completion(db.session, ward["an"].id, course_id("tu-chon"), score=None, attempt_id=None)
    db.session.commit()
    code = certificates.code_of(held(ward["an"])[0])
    public = make_browser()
    guesser = {"REMOTE_ADDR": "10.9.0.1"}
    for _ in range(5):  # right codes give their place back
        assert public.get(f"/verify/{code}", environ_base=guesser).status_code == 200
    statuses = [public.get(f"/verify/ZZZZ-ZZZZ-ZZ{n:02d}", environ_base=guesser).status_code
                for n in range(22, 28)]
    assert statuses == [404] * 5 + [429]
    blocked = public.get(f"/verify/{code}", environ_base=guesser)
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "Nguyễn V. A." not in page_text(blocked.get_data(as_text=True))
    assert public.get("/verify", query_string={"code": code}, environ_base=guesser).status_code == 429
    # Another address is not held back.
    assert public.get(f"/verify/{code}", environ_base={"REMOTE_ADDR": "10.9.0.2"}).status_code == 200


def test_a_class_prints_its_certificates_in_one_go(ward, make_browser):
    for username, slugs in (("an", ("bat-buoc-mot", "bat-buoc-hai")), ("binh", ("tu-chon",))):
        browser = signed_in(make_browser, username)
        for slug in slugs:
            finish(browser, slug)
    room = ward["room"]
    url = f"/teach/classes/{room.id}/certificates"
    for staff in ("cogiao", "hieutruong"):
        page = signed_in(make_browser, staff).get(url)
        assert page.status_code == 200, staff
        text = page_text(page.get_data(as_text=True))
        assert "2 trên 3 học sinh đã có chứng nhận" in text
        assert text.count("Giấy chứng nhận") == 4  # An: two courses and the tier; Bình: one
        assert "Nguyễn Văn An" in text and "Trần Thị Bình" in text and "Lê Minh Chi" not in text
        printed = set(CODE.findall(text))
        assert printed == {certificates.code_of(c) for c in held(ward["an"]) + held(ward["binh"])}

    teacher = signed_in(make_browser, "cogiao")
    tier_only = page_text(teacher.get(url, query_string={"kind": "tier"}).get_data(as_text=True))
    assert tier_only.count("Giấy chứng nhận") == 1 and "Trần Thị Bình" not in tier_only
    one_course = page_text(teacher.get(url, query_string={"course": course_id("tu-chon")})
                           .get_data(as_text=True))
    assert one_course.count("Giấy chứng nhận") == 1 and "Nguyễn Văn An" not in one_course
    assert teacher.get(f"/teach/classes/{room.id + 999}/certificates").status_code == 404


def test_staff_of_another_school_or_unit_get_nothing(ward, make_browser, factory):
    record_completion(db.session, ward["an"].id, course_id("tu-chon"), score=None, attempt_id=None)
    other_unit = Unit(code="P-KHAC", name="Phường Khác")
    db.session.add(other_unit)
    db.session.flush()
    far = School(unit_id=other_unit.id, code="KHAC", name="Trường Khác", level="thcs")
    db.session.add(far)
    db.session.flush()
    factory.user("teacher", username="gvkhac", school=far)
    factory.user("school_admin", username="htkhac", school=far)
    near = factory.school(name="Trường Cùng Phường")
    factory.user("school_admin", username="htcungphuong", school=near)
    factory.user("teacher", username="gvcungtruong", school=ward["school"])  # not the homeroom teacher
    for username, unit in (("phuong", ward["unit"]), ("phuongkhac", other_unit)):
        admin = factory.user("ward_admin", username=username)
        admin.unit_id = unit.id
    factory.commit()
    (certificate,) = held(ward["an"])
    class_url = f"/teach/classes/{ward['room'].id}/certificates"
    one_url = f"/certificates/{certificate.id}"
    for username in ("gvkhac", "htkhac", "htcungphuong", "gvcungtruong", "phuong", "phuongkhac"):
        assert signed_in(make_browser, username).get(class_url).status_code == 403, username
    for username in ("gvkhac", "htkhac", "htcungphuong", "gvcungtruong", "phuongkhac", "binh"):
        assert signed_in(make_browser, username).get(one_url).status_code == 403, username
    for username in ("an", "cogiao", "hieutruong", "phuong"):  # the unit's admin sees its certificates
        assert signed_in(make_browser, username).get(one_url).status_code == 200, username
    assert make_browser().get(one_url).status_code == 302  # to sign in


def test_parents_see_their_childrens_certificates(ward, make_browser, factory):
    record_completion(db.session, ward["an"].id, course_id("tu-chon"), score=None, attempt_id=None)
    parent = factory.user("parent", username="mean", name="Phạm Thị Mẹ")
    link_guardian(db.session, parent, ward["an"])
    stranger = factory.user("parent", username="nguoila")
    link_guardian(db.session, stranger, ward["chi"])
    factory.commit()
    (certificate,) = held(ward["an"])
    mother = signed_in(make_browser, "mean")
    family = page_text(mother.get("/family/certificates").get_data(as_text=True))
    assert "Nguyễn Văn An" in family and "Tự chọn: Vẽ trên máy tính" in family
    page = mother.get(f"/certificates/{certificate.id}")
    assert code_on(page) == certificates.code_of(certificate)
    other = signed_in(make_browser, "nguoila")
    theirs = page_text(other.get("/family/certificates").get_data(as_text=True))
    assert "Lê Minh Chi" in theirs and "Nguyễn Văn An" not in theirs and "Tự chọn" not in theirs
    assert other.get(f"/certificates/{certificate.id}").status_code == 403


def test_printing_needs_the_public_address(ward, make_browser, web_app):
    record_completion(db.session, ward["an"].id, course_id("tu-chon"), score=None, attempt_id=None)
    db.session.commit()
    (certificate,) = held(ward["an"])
    web_app.config["PUBLIC_URL"] = "https://hoc.phuongmau.gov.vn"
    page = signed_in(make_browser, "an").get(f"/certificates/{certificate.id}")
    code = code_on(page)
    assert "hoc.phuongmau.gov.vn/verify" in page_text(page.get_data(as_text=True))
    assert QR.search(page.get_data(as_text=True)).group(1) == qr_data_uri(
        f"https://hoc.phuongmau.gov.vn/verify/{code}")
    web_app.config["PUBLIC_URL"] = "hoc.phuongmau.gov.vn"  # not an http(s) address
    assert signed_in(make_browser, "an").get(f"/certificates/{certificate.id}").status_code == 503


def test_the_issue_missing_command(ward, runner):
    an = ward["an"]
    earlier = datetime.combine(TODAY - timedelta(days=1), time(3))
    db.session.add(Completion(user_id=an.id, course_id=course_id("bat-buoc-mot"), completed_at=earlier))
    db.session.commit()
    result = runner.invoke(args=["certificates", "issue-missing"])
    assert result.exit_code == 0, result.output
    assert "Đã cấp 1 chứng nhận." in result.output
    db.session.expire_all()
    assert [c.issued_on for c in held(an, "course")] == [TODAY - timedelta(days=1)]
    again = runner.invoke(args=["certificates", "issue-missing"])
    assert "Đã cấp 0 chứng nhận." in again.output
