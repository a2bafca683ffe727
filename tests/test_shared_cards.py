"""The home page's course cards are rendered once per worker and shared by the learners whose
card looks the same (lms.learning.shared_cards); a card never shows another learner's
progress, and a changed course, assignment or language is a new card on the next view."""

import re

from conftest import page_text
from sqlalchemy import select, update

from lms.extensions import db
from lms.models import Assignment, Course, Lesson, LessonProgress
from lms.models.base import today_in_vietnam


def _renderings(web_app):
    cache = web_app.extensions.get("shared_cards")
    return cache.cache_info() if cache else None


def cards(html: str) -> dict[str, str]:
    """Each card's text by its course title."""
    found = {}
    for card in re.findall(r'<li class="card[^"]*">(.*?)</li>', html, re.S):
        text = page_text(card)
        title = re.search(r"<h3><a [^>]*>(.*?)</a></h3>", card).group(1)
        found[title] = text
    return found


def _class_with_an_assignment(factory, teacher_note="Làm trước thứ sáu."):
    room = factory.classroom(grade=3)
    teacher = factory.user("teacher", username="gv", school=room.school)
    an = factory.pupil(room, username="an", name="Nguyễn Văn An")
    binh = factory.pupil(room, username="binh", name="Trần Thị Bình")
    course = db.session.scalar(select(Course).where(Course.slug == "quiz-course"))
    db.session.add(Assignment(classroom_id=room.id, course_id=course.id, teacher_id=teacher.id,
                              due_on=today_in_vietnam(), note=teacher_note))
    factory.commit()
    return an, binh, course


def test_pupils_at_the_same_place_share_a_card_and_each_sees_only_their_own_progress(
    web_app, courses, factory, make_browser
):
    an, binh, course = _class_with_an_assignment(factory)
    first = db.session.scalar(select(Lesson).where(Lesson.course_id == course.id)
                              .order_by(Lesson.position))
    db.session.add(LessonProgress(user_id=an.id, lesson_id=first.id, course_id=course.id))
    factory.commit()
    an_browser, binh_browser = make_browser(), make_browser()
    an_browser.login("an")
    binh_browser.login("binh")

    an_home = cards(an_browser.get("/home").get_data(as_text=True))
    before = _renderings(web_app)
    binh_home = cards(binh_browser.get("/home").get_data(as_text=True))
    after = _renderings(web_app)

    title = course.title
    assert "1/3" in an_home[title] and "đang học" in an_home[title]
    assert "1/3" not in binh_home[title] and "0/3" in binh_home[title]
    assert "chưa bắt đầu" in binh_home[title]
    assert "Làm trước thứ sáu." in an_home[title] and "Làm trước thứ sáu." in binh_home[title]
    # Bình's assigned card differs from An's (progress): rendered for Bình; the tier's other
    # course, not started by either, is the same card: taken from An's view.
    assert after.misses == before.misses + 1 and after.hits >= before.hits + 1
    assert binh_home.keys() == an_home.keys()


def test_a_changed_course_note_or_language_is_a_new_card(web_app, courses, factory, make_browser):
    _an, _binh, course = _class_with_an_assignment(factory)
    old_title = course.title
    browser = make_browser()
    browser.login("an")
    assert "Làm trước thứ sáu." in cards(browser.get("/home").get_data(as_text=True))[old_title]

    db.session.execute(update(Assignment).values(note="Làm lại bài 2."))
    db.session.execute(update(Course).where(Course.id == course.id).values(title="Khóa mới tên"))
    factory.commit()
    home = cards(browser.get("/home").get_data(as_text=True))
    assert "Khóa mới tên" in home and "Làm lại bài 2." in home["Khóa mới tên"]
    assert old_title not in home and "Làm trước thứ sáu." not in str(home)

    english = browser.post("/lang", {"lang": "en", "next": "/home"})
    assert english.status_code in (302, 303)
    home = cards(browser.get("/home").get_data(as_text=True))
    assert "not started" in home["Khóa mới tên"] and "chưa bắt đầu" not in home["Khóa mới tên"]
