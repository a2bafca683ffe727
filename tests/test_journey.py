"""The learner's journey through HTTP with the real database."""

import re
import threading

from sqlalchemy import func, select

from lms.extensions import db
from lms.models import AttemptAnswer, Completion, Course, LessonProgress, Question, QuizAttempt


def _course(slug):
    return db.session.scalar(select(Course).where(Course.slug == slug))


def _right_answers(attempt_id):
    attempt = db.session.get(QuizAttempt, attempt_id)
    data = {}
    for q in db.session.scalars(select(Question).where(
            Question.quiz_version_id == attempt.quiz_version_id)):
        data[f"q{q.id}"] = [str(o.id) for o in q.options if o.is_correct]
    return data


def _wrong_answers(attempt_id):
    attempt = db.session.get(QuizAttempt, attempt_id)
    data = {}
    for q in db.session.scalars(select(Question).where(
            Question.quiz_version_id == attempt.quiz_version_id)):
        data[f"q{q.id}"] = [str(o.id) for o in q.options if not o.is_correct][:1]
    return data


def _read_all_lessons(browser, slug):
    for lesson in ("bai-mot", "bai-hai", "bai-ba"):
        assert browser.get(f"/courses/{slug}/lessons/{lesson}").status_code == 200
        response = browser.post(f"/courses/{slug}/lessons/{lesson}/done")
        assert response.status_code == 302


def _start_quiz(browser, slug):
    response = browser.post(f"/courses/{slug}/quiz")
    assert response.status_code == 302
    return int(re.search(r"/attempts/(\d+)", response.location).group(1))


def test_whole_journey(browser, courses, factory):
    pupil = factory.pupil(factory.classroom(grade=3), username="lan")
    factory.commit()
    assert browser.login("lan").status_code == 302

    home = browser.get("/home").get_data(as_text=True)
    assert "Khóa có bài kiểm tra" in home and "Khóa không có bài kiểm tra" in home
    assert "Khóa cho giáo viên" not in home  # another tier's course

    course = browser.get("/courses/quiz-course/").get_data(as_text=True)
    assert "Giới thiệu khóa học <strong>mẫu</strong>" in course

    # Skipping ahead is refused on every route.
    skipped = browser.get("/courses/quiz-course/lessons/bai-ba")
    assert skipped.status_code == 302 and skipped.location.endswith("/lessons/bai-mot")
    r = browser.post("/courses/quiz-course/lessons/bai-ba/done")
    assert r.status_code == 302, r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(LessonProgress)) == 0
    refused = browser.post("/courses/quiz-course/quiz")
    assert refused.status_code == 302 and "/attempts/" not in refused.location

    lesson = browser.get("/courses/quiz-course/lessons/bai-mot").get_data(as_text=True)
    assert "1/3" in lesson and "/media/quiz-course/images/lock.svg" in lesson
    _read_all_lessons(browser, "quiz-course")

    attempt_id = _start_quiz(browser, "quiz-course")
    quiz_page = browser.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Mật khẩu có nên cho bạn biết không?" in quiz_page
    for marker in ("is_correct", "data-correct", "checked", "Mật khẩu là bí mật", "right answer",
                   "Địa chỉ và số điện thoại"):
        assert marker not in quiz_page
    # A right and a wrong option are marked up alike, but for their text and id.
    options = re.findall(r'<label class="option">(.*?)</label>', quiz_page)
    shapes = {re.sub(r'value="\d+"|<span>.*?</span>', "", o) for o in options}
    assert len(options) == 5 and len(shapes) == 2  # radio and checkbox questions

    failed = browser.post(f"/attempts/{attempt_id}", _wrong_answers(attempt_id))
    assert failed.status_code == 303
    result = browser.get(failed.location).get_data(as_text=True)
    assert "0%" in result and "Chưa đúng" in result
    # A first failed attempt shows right and wrong, not the key nor the wrong ones' explanations.
    assert "Mật khẩu là bí mật." not in result and "(đáp án đúng)" not in result
    assert db.session.scalar(select(func.count()).select_from(Completion)) == 0

    second = _start_quiz(browser, "quiz-course")
    assert second != attempt_id
    passed = browser.post(f"/attempts/{second}", _right_answers(second))
    assert "100%" in browser.get(passed.location).get_data(as_text=True)
    completion = db.session.scalar(select(Completion).where(Completion.user_id == pupil.id))
    assert completion.score == 100 and completion.attempt_id == second

    history = browser.get("/history").get_data(as_text=True)
    assert "Khóa có bài kiểm tra" in history
    assert completion.completed_at.strftime("%Y") in history


def test_course_without_quiz_completes_with_last_lesson(browser, courses, factory):
    pupil = factory.pupil(factory.classroom(grade=2), username="minh")
    factory.commit()
    browser.login("minh")
    browser.get("/courses/no-quiz-course/lessons/duy-nhat")
    browser.post("/courses/no-quiz-course/lessons/duy-nhat/done")
    completion = db.session.scalar(select(Completion).where(Completion.user_id == pupil.id))
    assert completion is not None and completion.score is None


def _post_at_once(app, make_browser, signed_in, url, data=None, times=4):
    """The same form posted `times` times at once from the signed-in session (impatient taps):
    [(status, location)] of the responses."""
    cookie = signed_in.client.get_cookie("session").value
    barrier = threading.Barrier(times)
    out = []

    def post():
        with app.app_context():
            other = make_browser()
            other.client.set_cookie("session", cookie)
            other.token = signed_in.token
            barrier.wait()
            response = other.post(url, data)
            out.append((response.status_code, response.location))

    threads = [threading.Thread(target=post) for _ in range(times)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_double_submission_is_graded_once(app, make_browser, courses, factory):
    pupil = factory.pupil(factory.classroom(grade=4), username="hoa")
    factory.commit()
    first = make_browser()
    first.login("hoa")
    _read_all_lessons(first, "quiz-course")
    attempt_id = _start_quiz(first, "quiz-course")
    answers = _right_answers(attempt_id)
    statuses = _post_at_once(app, make_browser, first, f"/attempts/{attempt_id}", answers)
    assert statuses == [(303, f"/attempts/{attempt_id}/result")] * 4
    db.session.commit()  # a fresh snapshot: see what the requests wrote
    assert db.session.scalar(select(func.count()).select_from(Completion)
                             .where(Completion.user_id == pupil.id)) == 1
    assert db.session.scalar(select(func.count()).select_from(AttemptAnswer)
                             .where(AttemptAnswer.attempt_id == attempt_id)) == 2
    graded = db.session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == pupil.id)).all()
    assert [a.status for a in graded] == ["graded"]


def test_retry_after_pass_keeps_one_completion_and_best_score(browser, courses, factory):
    pupil = factory.pupil(factory.classroom(grade=1), username="an")
    factory.commit()
    browser.login("an")
    _read_all_lessons(browser, "quiz-course")
    first = _start_quiz(browser, "quiz-course")
    browser.post(f"/attempts/{first}", _right_answers(first))
    again = _start_quiz(browser, "quiz-course")
    browser.post(f"/attempts/{again}", _wrong_answers(again))
    rows = db.session.scalars(select(Completion).where(Completion.user_id == pupil.id)).all()
    assert len(rows) == 1 and rows[0].score == 100


def test_foreign_attempt_is_refused(make_browser, courses, factory):
    room = factory.classroom(grade=3)
    factory.pupil(room, username="owner")
    factory.pupil(room, username="intruder")
    factory.commit()
    owner, intruder = make_browser(), make_browser()
    owner.login("owner")
    _read_all_lessons(owner, "quiz-course")
    attempt_id = _start_quiz(owner, "quiz-course")
    intruder.login("intruder")
    assert intruder.get(f"/attempts/{attempt_id}").status_code == 403
    assert intruder.post(f"/attempts/{attempt_id}", {}).status_code == 403
    assert intruder.get(f"/attempts/{attempt_id}/result").status_code == 403
    assert intruder.get("/attempts/999999").status_code == 404


def test_resubmitting_a_graded_attempt_shows_a_message(browser, courses, factory):
    factory.pupil(factory.classroom(grade=3), username="kim")
    factory.commit()
    browser.login("kim")
    _read_all_lessons(browser, "quiz-course")
    attempt_id = _start_quiz(browser, "quiz-course")
    browser.post(f"/attempts/{attempt_id}", _right_answers(attempt_id))
    again = browser.post(f"/attempts/{attempt_id}", _wrong_answers(attempt_id),
                         follow_redirects=True)
    assert again.status_code == 200
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.score == 100


def test_other_tier_course_is_refused(browser, courses, factory):
    factory.pupil(factory.classroom(grade=7), username="tuan")
    factory.commit()
    browser.login("tuan")
    assert browser.get("/courses/teacher-course/").status_code == 403
    assert browser.get("/courses/teacher-course/lessons/mot").status_code == 403
    assert browser.post("/courses/teacher-course/lessons/mot/done").status_code == 403
    assert browser.get("/courses/not-a-course/").status_code == 404


def test_lesson_page_refuses_unknown_retired_and_locked_lessons(browser, courses, factory):
    factory.pupil(factory.classroom(grade=3), username="khoa")
    factory.commit()
    browser.login("khoa")
    page = browser.get("/courses/quiz-course/lessons/bai-mot")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Bài 1/3" in html and "quiz-course" in html
    assert browser.get("/courses/quiz-course/lessons/khong-co").status_code == 404
    assert browser.get("/courses/not-a-course/lessons/bai-mot").status_code == 404
    locked = browser.get("/courses/quiz-course/lessons/bai-ba")
    assert locked.status_code == 302 and locked.location.endswith("/lessons/bai-mot")
    course = _course("quiz-course")
    lesson = next(line for line in course.lessons if line.slug == "bai-hai")
    lesson.retired_at = func.now()
    db.session.commit()
    assert browser.get("/courses/quiz-course/lessons/bai-hai").status_code == 404
    assert "Bài 1/2" in browser.get("/courses/quiz-course/lessons/bai-mot").get_data(as_text=True)
    course.retired_at = func.now()
    db.session.commit()
    assert browser.get("/courses/quiz-course/lessons/bai-mot").status_code == 404


def test_lesson_page_is_light(browser, courses, factory, app):
    factory.pupil(factory.classroom(grade=3), username="nhe")
    factory.commit()
    browser.login("nhe")
    html = browser.get("/courses/quiz-course/lessons/bai-mot").get_data()
    with browser.get("/static/style.css") as response:
        css = response.get_data()
    assert len(html) + len(css) < 30 * 1024


def test_double_tap_on_take_the_quiz_opens_one_attempt(app, make_browser, courses, factory):
    pupil = factory.pupil(factory.classroom(grade=4), username="tap")
    factory.commit()
    first = make_browser()
    first.login("tap")
    _read_all_lessons(first, "quiz-course")
    locations = [loc for _status, loc in _post_at_once(app, make_browser, first, "/courses/quiz-course/quiz")]
    db.session.commit()
    attempts = db.session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == pupil.id)).all()
    assert len(attempts) == 1 and attempts[0].status == "open"
    assert set(locations) == {f"/attempts/{attempts[0].id}"}
