"""Taking a quiz (issue 16 items 4-6): unanswered questions are named before anything is graded,
a failed attempt's review keeps the key back until the reveal rule allows it, and primary
pupils are spoken to as "em"."""

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.content.loader import load_courses
from lms.content.sync import sync_courses
from lms.extensions import db
from lms.models import Assignment, AttemptAnswer, Course, Question, QuizAttempt, QuizVersion

COURSE = """\
---
title: "Khóa kiểm thử {n}"
audience: [primary, lower-secondary, parent]
competencies: ["4.1"]
minutes: 10
---
Giới thiệu.
"""
LESSON = '---\ntitle: "Bài duy nhất"\n---\nNội dung bài học.\n'
QUIZ = """\
---
pass_score: 100
reveal_after: 2
---
### Câu hỏi thứ nhất?

- [ ] Phương án sai một
- [x] Phương án đúng một

> GIAI-THICH-MOT

### Câu hỏi thứ hai?

- [x] Phương án đúng hai
- [ ] Phương án sai hai

> GIAI-THICH-HAI
"""
SLUG = "khoa-1"


def write_courses(root: Path, quizzes: dict[str, str]) -> Path:
    """Courses khoa-1, khoa-2, ... under root, each with one lesson; a quiz where given."""
    for n, name in enumerate(quizzes, start=1):
        folder = root / name
        folder.mkdir(parents=True)
        (folder / "course.md").write_text(COURSE.format(n=n), encoding="utf-8")
        (folder / "01-bai.md").write_text(LESSON, encoding="utf-8")
        if quizzes[name]:
            (folder / "quiz.md").write_text(quizzes[name], encoding="utf-8")
    return root


@pytest.fixture
def course(app, tmp_path):
    report = sync_courses(db.session, write_courses(tmp_path / "courses", {SLUG: QUIZ}))
    assert not report.problems.errors, report.problems
    return db.session.scalar(select(Course).where(Course.slug == SLUG))


def start(browser, slug=SLUG) -> int:
    assert browser.post(f"/courses/{slug}/lessons/bai/done").status_code == 302
    response = browser.post(f"/courses/{slug}/quiz")
    return int(re.search(r"/attempts/(\d+)$", response.location).group(1))


def questions(attempt_id) -> list[Question]:
    attempt = db.session.get(QuizAttempt, attempt_id)
    return list(db.session.scalars(select(Question).where(
        Question.quiz_version_id == attempt.quiz_version_id).order_by(Question.position)))


def answers(attempt_id, *right: bool) -> dict[str, str]:
    """One option per question: the right one where `right` says so, else a wrong one."""
    return {f"q{q.id}": str(next(o.id for o in q.options if o.is_correct == ok))
            for q, ok in zip(questions(attempt_id), right, strict=False)}


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def words(html: str) -> set[str]:
    return set(re.findall(r"\w+", text(html).casefold()))


def test_reveal_after_is_validated_with_its_line_and_stored(app, tmp_path, course):
    assert db.session.scalar(select(QuizVersion.reveal_after).where(
        QuizVersion.course_id == course.id)) == 2
    for value, message in (("0", "`reveal_after` phải nằm trong khoảng 1-20"),
                           ('"ba"', "`reveal_after` phải là một số nguyên")):
        root = write_courses(tmp_path / value.strip('"'), {"c": QUIZ.replace("2", value, 1)})
        _courses, problems = load_courses(root)
        assert [(p.path.name, p.line, p.message) for p in problems.errors] == [
            ("quiz.md", 3, message)]
    root = write_courses(tmp_path / "default", {"c": QUIZ.replace("reveal_after: 2\n", "")})
    courses, problems = load_courses(root)
    assert not problems.errors and courses[0].quiz.reveal_after == 3


def test_unanswered_questions_are_named_and_nothing_is_graded(browser, factory, course):
    factory.pupil(factory.classroom(grade=7), username="nam")
    factory.commit()
    browser.login("nam")
    attempt_id = start(browser)
    first, second = questions(attempt_id)
    given = answers(attempt_id, True)  # the first question only
    page = browser.post(f"/attempts/{attempt_id}", given)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Còn câu chưa trả lời" in text(html) and "Chưa trả lời: câu 2 ." in text(html)
    assert re.findall(r'<fieldset class="question missing" id="(question-\d)">', html) == ["question-2"]
    checked = re.findall(r'name="(q\d+)" value="(\d+)" checked', html)
    assert checked == [(f"q{first.id}", given[f"q{first.id}"])]  # the given answer is kept
    assert "Nộp bài dù còn câu chưa trả lời" in html
    for marker in ("is_correct", "GIAI-THICH", "đáp án đúng"):  # still no key in the page
        assert marker not in html
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.status == "open"
    assert db.session.scalar(select(func.count()).select_from(AttemptAnswer)) == 0

    empty = browser.post(f"/attempts/{attempt_id}", {})  # nothing answered at all
    assert empty.status_code == 200
    assert "Chưa trả lời: câu 1 , câu 2 ." in text(empty.get_data(as_text=True))

    confirmed = browser.post(f"/attempts/{attempt_id}", {**given, "incomplete_ok": "1"})
    assert confirmed.status_code == 303 and confirmed.location.endswith("/result")
    db.session.refresh(attempt)
    assert (attempt.status, attempt.correct_count, attempt.score) == ("graded", 1, 50)
    # The same incomplete form again (a second tab): the result, not another confirmation.
    again = browser.post(f"/attempts/{attempt_id}", given)
    assert again.status_code == 303 and again.location.endswith(f"/attempts/{attempt_id}/result")
    stored = {a.question_id: a for a in db.session.scalars(
        select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id))}
    assert (stored[second.id].chosen, stored[second.id].is_correct) == ("", False)


KEY_MARKERS = ('class="key"', "(đáp án đúng)")


def test_failed_review_keeps_the_key_back_until_reveal_after(browser, factory, course):
    factory.pupil(factory.classroom(grade=7), username="lan")
    factory.commit()
    browser.login("lan")
    first = start(browser)
    browser.post(f"/attempts/{first}", answers(first, False, True))
    review = browser.get(f"/attempts/{first}/result").get_data(as_text=True)
    for marker in KEY_MARKERS:
        assert marker not in review
    assert "GIAI-THICH-HAI" in review  # answered right: its explanation is shown
    assert "GIAI-THICH-MOT" not in review  # answered wrong: it would give the answer away
    assert "Câu chưa đúng: câu 1 ." in text(review)
    assert "Đáp án đúng sẽ hiện khi bạn đạt, hoặc sau 2 lần làm bài." in text(review)
    retry = re.search(r'<form method="post" action="([^"]+)" class="inline">\s*<input[^>]*>\s*'
                      r'<button class="button">Làm lại</button>', review)
    assert retry and retry.group(1) == f"/courses/{SLUG}/quiz"

    second = int(re.search(r"/attempts/(\d+)$", browser.post(retry.group(1)).location).group(1))
    assert second != first
    browser.post(f"/attempts/{second}", answers(second, False, False))
    for attempt_id in (second, first):  # two attempts made: every review shows the key now
        review = browser.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
        assert all(marker in review for marker in KEY_MARKERS)
        assert "GIAI-THICH-MOT" in review and "Sau 2 lần làm bài" in review


def test_a_passed_attempt_shows_the_key_and_no_retry(browser, factory, course):
    factory.pupil(factory.classroom(grade=7), username="binh")
    factory.commit()
    browser.login("binh")
    attempt_id = start(browser)
    browser.post(f"/attempts/{attempt_id}", answers(attempt_id, True, True))
    review = browser.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert all(marker in review for marker in KEY_MARKERS)
    assert "GIAI-THICH-MOT" in review and "Làm lại" not in review


@pytest.mark.parametrize("who, child", [("primary", True), ("lower-secondary", False),
                                        ("parent", False)])
def test_primary_pupils_are_spoken_to_as_em(browser, factory, course, who, child):
    if who == "parent":
        factory.user("parent", username="me")
    else:
        factory.pupil(factory.classroom(grade=3 if who == "primary" else 7), username="me")
    factory.commit()
    browser.login("me")
    course_page = browser.get(f"/courses/{SLUG}/").get_data(as_text=True)
    opens = "Bài kiểm tra mở khi {} học xong tất cả các bài."
    assert opens.format("em" if child else "bạn") in text(course_page)
    done = browser.post(f"/courses/{SLUG}/lessons/bai/done", follow_redirects=True)
    assert ("Em đã học xong các bài" if child else "Bạn đã học xong các bài") in text(
        done.get_data(as_text=True))
    attempt_id = int(re.search(r"/attempts/(\d+)$", browser.post(f"/courses/{SLUG}/quiz")
                               .location).group(1))
    browser.post(f"/attempts/{attempt_id}", answers(attempt_id, False, True))
    review = browser.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    if child:
        assert "Kết quả của em" in text(review) and "em đã chọn" in text(review)
        assert "bạn" not in words(review)
    else:
        assert "Kết quả của bạn" in text(review) and "em" not in words(review)


def test_the_assigned_heading_speaks_to_the_tier(browser, factory, course):
    teacher = factory.user("teacher")
    for username, grade in (("nho", 3), ("lon", 7)):
        room = factory.classroom(grade=grade)
        factory.pupil(room, username=username)
        db.session.add(Assignment(classroom_id=room.id, course_id=course.id, teacher_id=teacher.id,
                                  due_on=date(2099, 1, 1)))
    factory.commit()
    browser.login("nho")
    assert "Thầy cô giao cho em" in text(browser.get("/home").get_data(as_text=True))
    browser.post("/logout")
    browser.login("lon")
    home = browser.get("/home").get_data(as_text=True)
    assert "Khóa học thầy cô giao" in text(home) and "em" not in words(home)
