"""How far a pupil is, as the pupil and the parent see it (issue 16 item 7): overdue and due
soon say so in words, and lessons read with the quiz still to take do not look done."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from test_quiz_flow import QUIZ, answers, text, write_courses

from lms.content.sync import sync_courses
from lms.extensions import db
from lms.learning.deadlines import DUE_SOON_DAYS, due_state
from lms.models import Assignment, Course, Guardianship
from lms.models.base import today_in_vietnam


def test_due_state_boundaries():
    today = today_in_vietnam()
    assert due_state(today - timedelta(days=1), False, today) == "overdue"
    assert due_state(today, False, today) == "due_soon"
    assert due_state(today + timedelta(days=DUE_SOON_DAYS), False, today) == "due_soon"
    assert due_state(today + timedelta(days=DUE_SOON_DAYS + 1), False, today) == "later"
    assert due_state(today - timedelta(days=9), True, today) is None  # done is done
    assert due_state(None, False, today) is None


@pytest.fixture
def family(app, tmp_path, factory):
    """A pupil of 3A with four assignments (overdue, due soon, due later, overdue but done)
    and a parent linked to them."""
    root = write_courses(tmp_path / "courses", {"khoa-1": QUIZ, "khoa-2": None, "khoa-3": None,
                                                "khoa-4": None})
    report = sync_courses(db.session, root)
    assert not report.problems.errors, report.problems
    courses = {c.slug: c for c in db.session.scalars(select(Course))}
    room = factory.classroom(grade=3)
    pupil = factory.pupil(room, username="con")
    parent = factory.user("parent", username="me")
    db.session.add(Guardianship(guardian_id=parent.id, pupil_id=pupil.id))
    teacher = factory.user("teacher")
    today = today_in_vietnam()
    for slug, days in (("khoa-1", -1), ("khoa-2", 2), ("khoa-3", 10), ("khoa-4", -5)):
        db.session.add(Assignment(classroom_id=room.id, course_id=courses[slug].id,
                                  teacher_id=teacher.id, due_on=today + timedelta(days=days)))
    factory.commit()
    return courses


def cards(html: str) -> dict[str, str]:
    """{course title: the card's text} on the pupil's home page or the parent's page."""
    found = re.findall(r'<li class="card[^"]*">(.*?)</li>|<li><strong>(.*?)</li>', html, re.S)
    out = {}
    for card, item in found:
        words = text(card or "<strong>" + item)
        out[re.match(r"Khóa kiểm thử \d", words).group(0)] = words
    return out


def test_overdue_and_due_soon_are_marked_for_the_pupil_and_the_parent(browser, family):
    browser.login("con")
    browser.post("/courses/khoa-4/lessons/bai/done")  # completed (no quiz), after its due date
    home = cards(browser.get("/home").get_data(as_text=True))
    browser.post("/logout")
    browser.login("me")
    page = browser.get("/family").get_data(as_text=True)
    child = cards(page[:page.index('aria-labelledby="mine"')])
    for seen in (home, child):
        assert "quá hạn" in seen["Khóa kiểm thử 1"] and "sắp đến hạn" not in seen["Khóa kiểm thử 1"]
        assert "sắp đến hạn" in seen["Khóa kiểm thử 2"] and "quá hạn" not in seen["Khóa kiểm thử 2"]
        for later_or_done in ("Khóa kiểm thử 3", "Khóa kiểm thử 4"):
            assert "quá hạn" not in seen[later_or_done] and "sắp đến hạn" not in seen[later_or_done]
            assert "hạn " in seen[later_or_done]  # the date itself is still shown


def test_the_course_page_marks_an_overdue_course(browser, family):
    browser.login("con")
    assert "quá hạn · hạn" in text(browser.get("/courses/khoa-1/").get_data(as_text=True))
    assert "quá hạn" not in text(browser.get("/courses/khoa-3/").get_data(as_text=True))


def bar(html: str) -> tuple[str, str]:
    match = re.search(r'<progress max="(\d+)" value="(\d+)">', html)
    return match.group(1), match.group(2)


def test_lessons_read_with_the_quiz_to_take_do_not_look_done(browser, family):
    browser.login("con")
    browser.post("/courses/khoa-1/lessons/bai/done")
    course = browser.get("/courses/khoa-1/").get_data(as_text=True)
    assert "1/1 bài học · còn bài kiểm tra" in text(course)
    assert bar(course) == ("2", "1")  # the quiz is a step of its own: not a full bar
    card = browser.get("/home").get_data(as_text=True).split("Khóa kiểm thử 1")[1]
    assert "còn bài kiểm tra" in text(card.split("</li>")[0]) and bar(card) == ("2", "1")
    browser.post("/logout")
    browser.login("me")
    item = browser.get("/family").get_data(as_text=True).split("Khóa kiểm thử 1")[1]
    assert "còn bài kiểm tra" in text(item.split("</li>")[0]) and bar(item) == ("2", "1")

    browser.post("/logout")
    browser.login("con")
    attempt = int(re.search(r"/attempts/(\d+)$", browser.post("/courses/khoa-1/quiz")
                            .location).group(1))
    browser.post(f"/attempts/{attempt}", answers(attempt, True, True))
    course = browser.get("/courses/khoa-1/").get_data(as_text=True)
    assert "còn bài kiểm tra" not in text(course) and bar(course) == ("2", "2")
