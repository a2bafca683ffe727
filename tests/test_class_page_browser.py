"""The class page and the Zalo message in Debian's Chromium at 360x740 (issue 16 items 8, 12)."""

from datetime import date, timedelta

import pytest
import test_browser
from test_browser import sign_in, visit

from lms.extensions import db
from lms.models import Assignment, Course, CourseAudience, Lesson
from lms.models.base import today_in_vietnam

pytestmark = pytest.mark.browser
live_server, browser_page = test_browser.live_server, test_browser.browser_page  # fixtures
SCREEN = 740


def primary_course(slug, title):
    course = Course(slug=slug, title=title, summary="", intro_html="",
                    audiences=[CourseAudience(audience="primary")])
    db.session.add(course)
    db.session.flush()
    db.session.add(Lesson(course_id=course.id, slug="bai-1", position=1, title="Bài 1",
                          html="<p>x</p>", source_hash="x"))
    return course


def top(page, selector) -> float:
    return page.evaluate(
        "s => document.querySelector(s).getBoundingClientRect().top + window.scrollY", selector)


def test_what_the_teacher_acts_on_is_in_the_first_screens(live_server, browser_page, courses,
                                                          factory):
    school = factory.school(level="tieu-hoc")
    teacher = factory.user("teacher", username="gv.mai", school=school)
    room = factory.classroom(school=school, grade=3, name="3A", teacher=teacher)
    for n in range(30):
        factory.pupil(room, name=f"Nguyễn Thị Phương Thảo Số {n:02d}")
    titles = ["Khóa có bài kiểm tra", "Khóa không có bài kiểm tra"]
    rows = [db.session.query(Course).filter_by(title=t).one() for t in titles]
    rows += [primary_course("an-toan", "An toàn trên mạng"),
             primary_course("mat-khau", "Mật khẩu mạnh")]
    past = today_in_vietnam() - timedelta(days=3)
    for i, course in enumerate(rows):  # two overdue for everyone, two still to come
        db.session.add(Assignment(classroom_id=room.id, course_id=course.id,
                                  teacher_id=teacher.id,
                                  due_on=past if i < 2 else date(2099, 12, 31)))
    factory.commit()

    page = browser_page
    sign_in(page, live_server, "gv.mai")
    visit(page, f"{live_server}/teach/classes/{room.id}")
    needs_help, form = top(page, "#needs-help"), top(page, "form[action$='/assignments']")
    matrix = top(page, "table.matrix")
    print(f"at 360x740: needs help {needs_help:.0f} px, assignment form {form:.0f} px, "
          f"matrix {matrix:.0f} px")
    assert needs_help < SCREEN  # on the first screen
    assert form < 2 * SCREEN  # by the second
    assert top(page, "#overdue") < form < matrix
    # Thirty pupils late with the same two courses: one line, six names, the rest one tap away.
    assert page.locator("#needs-help + ul > li").count() == 1
    more = page.locator("#needs-help + ul details")
    assert not more.evaluate("d => d.open") and "Số 29" not in more.inner_text()
    page.click("text=và 24 em khác")
    assert more.evaluate("d => d.open") and "Số 29" in more.inner_text()


def test_the_message_is_copied_with_one_tap(live_server, browser_page, courses, factory):
    school = factory.school(level="tieu-hoc")
    teacher = factory.user("teacher", username="gv.mai", school=school)
    room = factory.classroom(school=school, grade=3, name="3A", teacher=teacher)
    factory.pupil(room, name="Phạm Văn Bình")
    course = db.session.query(Course).filter_by(title="Khóa không có bài kiểm tra").one()
    db.session.add(Assignment(classroom_id=room.id, course_id=course.id, teacher_id=teacher.id,
                              due_on=date(2099, 5, 20)))
    factory.commit()
    page = browser_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, live_server, "gv.mai")
    visit(page, f"{live_server}/teach/classes/{room.id}")
    page.click("text=Tin nhắn cho nhóm Zalo của lớp")
    test_browser.fits_phone(page)
    assert page.locator("textarea[readonly]").input_value().startswith(
        "Kính gửi quý phụ huynh lớp 3A,")
    page.click("button:has-text('Sao chép tin nhắn')")
    page.locator("#zalo-message-status", has_text="Đã sao chép").wait_for(timeout=5000)
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "Phạm Văn Bình" in copied and "20/05/2099" in copied
