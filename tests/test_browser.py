"""End to end in Debian's Chromium at phone size (360x740), driven by Playwright."""

import re
import shutil
import threading
from datetime import date, timedelta

import openpyxl
import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from lms.extensions import db
from lms.models import Campaign, CampaignTarget, Completion, Course, Question, QuizVersion
from lms.models.campaign import DEFAULT_TARGETS
from lms.people.codes import issue_code
from lms.people.households import ensure_household

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def live_server(web_app):
    server = make_server("127.0.0.1", 0, web_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def browser_page():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 740}, accept_downloads=True)
        page = context.new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.console_errors = errors
        yield page
        context.close()
        browser.close()
        assert errors == [], errors


def fits_phone(page) -> None:
    """No horizontal scrolling at 360 px."""
    # A click that navigates returns once the new page has started loading; its document may
    # not exist yet (documentElement is null for a moment on a busy machine).
    page.wait_for_load_state("domcontentloaded")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width}px wide"


def visit(page, url):
    response = page.goto(url)
    assert response.status < 400, (url, response.status)
    fits_phone(page)
    return response


def sign_in(page, base, login, password="correct horse battery"):
    """Through the sign-in form, as a person would."""
    visit(page, f"{base}/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.click("button:has-text('Đăng nhập')")


def answer_quiz(page, right: bool):
    """Choose answers through the page's own labels, using the key from the database."""
    attempt_url = page.url
    html = page.content()
    for marker in ("is_correct", "data-correct", "checked", "right answer", "đáp án đúng</"):
        assert marker not in html
    version = db.session.scalar(select(QuizVersion).where(QuizVersion.retired_at.is_(None))
                                .join(Course).where(Course.slug == "quiz-course"))
    for q in db.session.scalars(select(Question).where(Question.quiz_version_id == version.id)):
        for option in q.options:
            if option.is_correct == right or (not right and not q.multiple and option.is_correct
                                              is False):
                page.check(f'input[name="q{q.id}"][value="{option.id}"]')
                if not q.multiple and not right:
                    break
    page.click("button:has-text('Nộp bài')")
    assert "/result" in page.url and page.url != attempt_url
    fits_phone(page)


def take_course(page, base):
    visit(page, f"{base}/courses/quiz-course/")
    page.click("text=Bắt đầu bài đầu tiên")
    for n in range(1, 4):
        assert f"Bài {n}/3" in page.content()
        fits_phone(page)
        page.click("button:has-text('Hoàn thành bài học')")
    assert "/courses/quiz-course/" in page.url
    page.click("button:has-text('Làm bài kiểm tra')")
    assert "/attempts/" in page.url
    fits_phone(page)


def test_primary_pupil_signs_in_with_card_and_passes_after_failing(
        live_server, browser_page, courses, factory, web_app):
    room = factory.classroom(grade=3, name="3A")
    pupil = factory.pupil(room, name="Trần Thị An")
    factory.commit()
    from lms.teaching.pins import card_state, issue_pins

    issue_pins(db.session, room, [pupil])
    pin = card_state([pupil]).pins[pupil.id]
    page = browser_page
    visit(page, f"{live_server}/login")
    page.click("text=Học sinh: đăng nhập bằng thẻ lớp")
    page.fill("input[name=code]", room.signin_code.lower())
    page.click("button:has-text('Tiếp')")
    fits_phone(page)
    page.click("button:has-text('Trần Thị An')")  # then a page of its own for the PIN
    page.fill("input[name=pin]", pin)
    page.click("button:has-text('Đăng nhập')")
    assert page.url.endswith("/home")
    take_course(page, live_server)
    answer_quiz(page, right=False)
    assert "Chưa đạt" in page.content()
    page.click("text=Về trang khóa học")
    page.click("button:has-text('Làm lại bài kiểm tra')")
    answer_quiz(page, right=True)
    assert "Đạt!" in page.content()
    db.session.commit()
    assert db.session.scalar(select(Completion.score).where(Completion.user_id == pupil.id)) == 100


def test_parent_pairs_completes_a_course_and_follows_the_child(
        live_server, browser_page, courses, factory):
    room = factory.classroom(grade=4, name="4B")
    child = factory.pupil(room, name="Lê Minh Khang")
    ensure_household(db.session, child)
    teacher = factory.user("teacher")
    course = db.session.scalar(select(Course).where(Course.slug == "no-quiz-course"))
    from lms.models import Assignment

    db.session.add(Assignment(classroom_id=room.id, course_id=course.id, teacher_id=teacher.id,
                              due_on=date.today() + timedelta(days=7)))
    code = issue_code(db.session, "pairing", child, teacher, 30)
    factory.commit()
    page = browser_page
    visit(page, f"{live_server}/pair?code={code}")
    page.fill("input[name=full_name]", "Lê Thị Hoa")
    page.fill("input[name=phone]", "0912 345 678")
    page.fill("input[name=password]", "mat khau dai")
    page.fill("input[name=confirm]", "mat khau dai")
    page.check("input[name=consent]")  # after the privacy notice linked beside it
    page.click("button:has-text('Tạo tài khoản')")
    assert page.url.endswith("/family")
    fits_phone(page)
    assert "Lê Minh Khang" in page.content() and "Khóa không có bài kiểm tra" in page.content()
    take_course(page, live_server)
    answer_quiz(page, right=True)
    visit(page, f"{live_server}/family")
    assert "Lê Minh Khang" in page.content()
    visit(page, f"{live_server}/history")
    assert "Khóa có bài kiểm tra" in page.content()


def test_teacher_assigns_and_sees_the_matrix_update(live_server, browser_page, courses, factory):
    school = factory.school(level="tieu-hoc")
    teacher = factory.user("teacher", username="gv.mai", school=school)
    room = factory.classroom(school=school, grade=2, name="2C", teacher=teacher)
    pupils = [factory.pupil(room, name=f"Phạm Văn {n}") for n in ("Bình", "Cường", "An")]
    factory.commit()
    page = browser_page
    sign_in(page, live_server, "gv.mai")
    visit(page, f"{live_server}/teach/classes/{room.id}")
    page.select_option("select[name=course_id]", label="Khóa không có bài kiểm tra")
    page.fill("input[name=due_on]", (date.today() + timedelta(days=5)).isoformat())
    page.click("button:has-text('Giao')")
    fits_phone(page)
    assert page.locator("table.matrix td.n").count() == 3
    from lms.learning.progress import record_completion

    db.session.commit()  # a fresh snapshot: the page wrote since this session last read
    record_completion(db.session, pupils[0].id, db.session.scalar(
        select(Course.id).where(Course.slug == "no-quiz-course")), score=None, attempt_id=None)
    db.session.commit()
    page.reload()
    assert page.locator("table.matrix td.d").count() == 1
    assert "1/3" in page.locator("table.matrix tfoot").inner_text()


def test_ward_admin_downloads_the_report(live_server, browser_page, courses, factory, tmp_path):
    factory.user("ward_admin", username="phuong")
    school = factory.school(level="thcs", name="Trường THCS Chu Văn An")
    factory.pupil(factory.classroom(school=school, grade=7))
    campaign = Campaign(unit_id=school.unit_id, name="Bình dân học vụ số 2026",
                        starts_on=date.today() - timedelta(days=60),
                        ends_on=date.today() + timedelta(days=120))
    campaign.targets = [CampaignTarget(group=g, percent=p) for g, p in DEFAULT_TARGETS.items()]
    db.session.add(campaign)
    factory.commit()
    page = browser_page
    sign_in(page, live_server, "phuong")
    assert "/dashboard" in page.url
    fits_phone(page)
    # Lines for the groups with people: lower-secondary pupils, parents, households (no primary
    # pupils, no staff in this ward).
    assert page.locator("svg[role=img] polyline").count() == 3
    with page.expect_download() as info:
        page.click("text=Tải báo cáo (Excel)")
    path = tmp_path / "report.xlsx"
    info.value.save_as(path)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet["A1"].value == school.unit.name
    values = [row for row in sheet.iter_rows(values_only=True)]
    assert any(row[1] == "Trường THCS Chu Văn An" for row in values)
    assert any(row[1] == "Toàn phường/xã" for row in values)
    assert len(book.sheetnames) == 6
    assert re.search(r"\d{2}/\d{2}/\d{4}", sheet["A3"].value)
