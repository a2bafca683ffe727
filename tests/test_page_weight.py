"""Every page under 30 KB of HTML + CSS, on the biggest pages we serve."""

from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from lms.content.sync import sync_courses
from lms.extensions import db
from lms.learning.progress import record_completion
from lms.models import Assignment, Course

LIMIT = 30 * 1024
ROOT = Path(__file__).resolve().parent.parent


def css_bytes(client) -> int:
    with client.get("/static/style.css") as response:
        return len(response.get_data())


def write_courses(folder: Path, n: int) -> None:
    for i in range(n):
        course = folder / f"khoa-hoc-so-{i:02d}"
        course.mkdir(parents=True)
        (course / "course.md").write_text(
            f'---\ntitle: "Khóa học kỹ năng số dành cho học sinh số {i}"\naudience: [primary]\n'
            f'competencies: ["1.1"]\nminutes: 10\nsummary: "Tóm tắt."\n---\nGiới thiệu.\n',
            encoding="utf-8")
        (course / "01-bai.md").write_text('---\ntitle: "Bài"\n---\nNội dung.\n', encoding="utf-8")


def test_class_page_of_45_pupils_and_30_courses(browser, client, factory, tmp_path):
    write_courses(tmp_path / "courses", 30)
    sync_courses(db.session, tmp_path / "courses")
    school = factory.school(level="tieu-hoc")
    teacher = factory.user("teacher", username="gv.nang", school=school)
    room = factory.classroom(school=school, grade=3, teacher=teacher, name="3A")
    pupils = [factory.pupil(room, name=f"Nguyễn Thị Phương Thảo Số {n}") for n in range(45)]
    courses = db.session.scalars(select(Course)).all()
    for c in courses:
        db.session.add(Assignment(classroom_id=room.id, course_id=c.id, teacher_id=teacher.id,
                                  due_on=date.today() - timedelta(days=1), note="Ghi chú"))
    for p in pupils[::2]:  # half completed everything, half overdue everywhere
        for c in courses:
            record_completion(db.session, p.id, c.id, score=100.0, attempt_id=None)
    factory.commit()
    browser.login("gv.nang")
    for page in (1, 8):
        response = browser.get(f"/teach/classes/{room.id}?page={page}")
        html = response.get_data()
        assert response.status_code == 200 and html.count(b"<td class=") >= 45 * 3
        print("class page", page, len(html), css_bytes(client))
        assert len(html) + css_bytes(client) < LIMIT, (page, len(html))


def test_longest_lesson_of_the_curriculum(browser, client, factory):
    sync_courses(db.session, ROOT / "courses")
    lessons = sorted(ROOT.glob("courses/*/*/[0-9][0-9]-*.md"), key=lambda p: p.stat().st_size)
    longest = lessons[-1]
    course = db.session.scalar(select(Course).where(Course.slug == longest.parent.name))
    tier = course.audience_codes[0]
    learner = (factory.pupil(factory.classroom(grade=3 if tier == "primary" else 7), username="hs")
               if tier in ("primary", "lower-secondary") else factory.user(tier, username="hs"))
    from lms.models import Lesson, LessonProgress

    for lesson in db.session.scalars(select(Lesson).where(Lesson.course_id == course.id)):
        db.session.add(LessonProgress(user_id=learner.id, lesson_id=lesson.id, course_id=course.id,
                                      completed_at=datetime(2026, 10, 1)))
    factory.commit()
    browser.login("hs")
    slug = longest.stem[3:]
    response = browser.get(f"/courses/{course.slug}/lessons/{slug}")
    assert response.status_code == 200
    assert len(response.get_data()) + css_bytes(client) < LIMIT


def test_class_page_where_every_pupil_is_behind_in_a_different_way(browser, client, factory, tmp_path):
    """45 pupils late with 1 to 30 courses each: as many kinds of difficulty as the page can
    have. The list stops at 5 of them (the table shows every pupil) and the page fits."""
    write_courses(tmp_path / "courses", 30)
    sync_courses(db.session, tmp_path / "courses")
    school = factory.school(level="tieu-hoc")
    teacher = factory.user("teacher", username="gv.nang", school=school)
    room = factory.classroom(school=school, grade=3, teacher=teacher, name="3A")
    pupils = [factory.pupil(room, name=f"Nguyễn Thị Phương Thảo Số {n}") for n in range(45)]
    courses = db.session.scalars(select(Course).order_by(Course.id)).all()
    for c in courses:
        db.session.add(Assignment(classroom_id=room.id, course_id=c.id, teacher_id=teacher.id,
                                  due_on=date.today() - timedelta(days=1), note="Ghi chú"))
    for k, p in enumerate(pupils):
        for c in courses[: k % 30]:
            record_completion(db.session, p.id, c.id, score=100.0, attempt_id=None)
    factory.commit()
    browser.login("gv.nang")
    response = browser.get(f"/teach/classes/{room.id}")
    html = response.get_data()
    assert response.status_code == 200
    assert "Còn 25 kiểu khó khăn khác: xem bảng tiến độ." in response.get_data(as_text=True)
    print("class page, every pupil behind differently", len(html), css_bytes(client))
    assert len(html) + css_bytes(client) < LIMIT, len(html)
