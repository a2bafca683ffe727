"""The starter curriculum in courses/: counts, tags, and a clean check."""

import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import page_text

from lms.content.competency_table import competency_table
from lms.content.loader import COMPETENCIES, load_courses
from lms.content.quality import course_warnings
from lms.content.sync import sync_courses
from lms.extensions import db
from lms.models import AUDIENCES

ROOT = Path(__file__).resolve().parent.parent
COURSES = ROOT / "courses"


@pytest.fixture(scope="module")
def curriculum():
    courses, problems = load_courses(COURSES)
    return courses, problems


def test_check_passes_without_errors_or_warnings(curriculum):
    _courses, problems = curriculum
    assert [str(p) for p in problems] == []


def test_quizzes_pass_the_quality_rules_strictly(runner):
    """Issue 17: no quiz lets a careful guesser pass unread (docs/huong-dan-soan-khoa-hoc.md, 12)."""
    result = runner.invoke(args=["courses", "check", "--strict", str(COURSES)])
    assert result.exit_code == 0, result.stderr
    assert "0 lỗi, 0 cảnh báo." in result.stdout


# Ward and commune officials (issue 14) start with three courses; the school tiers have more.
FEWEST_COURSES = {"official": 3}


@pytest.mark.parametrize("tier", AUDIENCES)
def test_each_tier_has_enough_courses(curriculum, tier):
    courses, _ = curriculum
    mine = [c for c in courses if tier in c.audience]
    assert len(mine) >= FEWEST_COURSES.get(tier, 4)
    assert sum(c.required for c in mine) >= 2
    for course in mine:
        assert 3 <= len(course.lessons) <= 6, course.slug
        assert course.quiz is not None and len(course.quiz.questions) >= 8, course.slug
        assert all(q.explanation for q in course.quiz.questions), course.slug
        assert course.competencies and set(course.competencies) <= COMPETENCIES, course.slug
        assert course.summary and course.minutes > 0, course.slug


@pytest.mark.parametrize("tier", AUDIENCES)
def test_each_tier_covers_most_components_and_ai(curriculum, tier):
    """Issue 17: at least 14 of the 24 components per tier, and AI (6.x) for everyone."""
    courses, _ = curriculum
    taught = {code for c in courses if tier in c.audience for code in c.competencies}
    assert len(taught) >= 14, sorted(COMPETENCIES - taught)
    assert {code for code in taught if code.startswith("6.")}, tier


def test_lessons_follow_the_house_style(curriculum):
    courses, _ = curriculum
    for course in courses:
        for lesson in course.lessons:
            assert lesson.body.lstrip().startswith("*Mục tiêu:*"), lesson.path
            assert "> **Ghi nhớ:**" in lesson.body, lesson.path
            assert len(lesson.path.read_bytes()) < 8 * 1024, lesson.path


def test_quizzes_mix_question_kinds(curriculum):
    courses, _ = curriculum
    for course in courses:
        kinds = Counter(q.multiple for q in course.quiz.questions)
        assert kinds[True] >= 1 and kinds[False] >= 1, course.slug


def test_competency_table_in_docs_is_current(curriculum):
    courses, _ = curriculum
    assert (ROOT / "docs" / "competencies.md").read_text(encoding="utf-8") == \
        competency_table(courses), "run: flask --app lms courses competencies > docs/competencies.md"


def test_whole_curriculum_syncs(app):
    report = sync_courses(db.session, COURSES)
    assert not report.problems.errors
    assert len(report.added) >= 16


def test_every_course_can_be_completed(app, make_browser, factory):
    """Each course through HTTP by a learner of its tier: lessons in order, quiz passed."""
    from sqlalchemy import select

    from lms.models import Completion, Course, Question, QuizAttempt

    sync_courses(db.session, COURSES)
    learners = {
        "primary": factory.pupil(factory.classroom(grade=2), username="hs.tieuhoc"),
        "lower-secondary": factory.pupil(factory.classroom(grade=8), username="hs.thcs"),
        "teacher": factory.user("teacher", username="gv.thu"),
        "parent": factory.user("parent", username="ph.thu"),
        "official": factory.user("teacher", tier="official", username="cb.thu"),
    }
    factory.commit()
    courses = db.session.scalars(select(Course).where(Course.retired_at.is_(None))).all()
    for tier, user in learners.items():
        browser = make_browser()
        browser.login(user.username)
        for course in [c for c in courses if tier in c.audience_codes]:
            page = browser.get(f"/courses/{course.slug}/").get_data(as_text=True)
            for slug in re.findall(rf'/courses/{course.slug}/lessons/([a-z0-9-]+)"', page)[:1]:
                lesson = slug
                while lesson:
                    assert browser.get(f"/courses/{course.slug}/lessons/{lesson}").status_code == 200
                    done = browser.post(f"/courses/{course.slug}/lessons/{lesson}/done")
                    match = re.search(r"/lessons/([a-z0-9-]+)$", done.location)
                    lesson = match.group(1) if match else None
            start = browser.post(f"/courses/{course.slug}/quiz")
            attempt_id = int(re.search(r"/attempts/(\d+)", start.location).group(1))
            attempt = db.session.get(QuizAttempt, attempt_id)
            answers = {f"q{q.id}": [str(o.id) for o in q.options if o.is_correct]
                       for q in db.session.scalars(select(Question).where(
                           Question.quiz_version_id == attempt.quiz_version_id))}
            browser.post(f"/attempts/{attempt_id}", answers)
            assert db.session.scalar(select(Completion.score).where(
                Completion.user_id == user.id, Completion.course_id == course.id)) == 100, \
                course.slug


def test_officials_have_required_courses_with_quizzes(curriculum):
    courses, _ = curriculum
    official = [c for c in courses if c.audience == ["official"]]
    assert {c.folder.parent.name for c in official} == {"official"}
    required = [c for c in official if c.required]
    assert len(required) >= 2
    assert all(c.quiz is not None and 8 <= len(c.quiz.questions) <= 10 for c in required)
    # Since 01/7/2025 there are no districts: no course for officials sends anyone to one.
    for course in official:
        for path in course.folder.glob("*.md"):
            text = path.read_text(encoding="utf-8").lower()
            assert not re.search(r"\b(huyện|quận)\b", text), path


def test_catalogue_and_front_page_list_the_officials(app, client):
    sync_courses(db.session, COURSES)
    db.session.commit()
    catalogue = client.get("/courses")
    assert catalogue.status_code == 200
    section = re.search(r'<section id="official">(.*?)</section>', catalogue.get_data(as_text=True), re.S)
    assert section, "no section for officials in the catalogue"
    assert "Cán bộ, công chức phường/xã" in page_text(section.group(1))
    titles = [t for t in re.findall(r"<h3>(.*?)</h3>", section.group(1))]
    assert "Dùng trí tuệ nhân tạo trong công việc hành chính có trách nhiệm" in titles
    front = client.get("/")
    assert front.status_code == 200
    assert f"Cán bộ, công chức phường/xã: {len(titles)} khóa học" in page_text(front.get_data(as_text=True))
    with client.get("/static/style.css") as response:
        css = len(response.get_data())
    weight = len(catalogue.get_data()) + css
    print("catalogue of the whole curriculum", len(catalogue.get_data()), "+ css", css)
    assert weight < 30 * 1024, weight  # the limit of tests/test_page_weight.py


def test_the_authoring_guides_example_is_valid():
    courses, problems = load_courses(ROOT / "docs" / "vi-du-khoa-hoc")
    assert [str(p) for p in problems] == [] and [c.slug for c in courses] == ["vi-du-mat-khau"]
    assert [str(w) for w in course_warnings(courses)] == []  # the example is a fair quiz too


def test_official_courses_break_no_dashboard_or_preview(app, make_browser, factory):
    """Officials are not counted by the campaign yet (issue 14, later work); their courses and
    a completion of one must still leave the ward's pages and the teacher's preview working."""
    from datetime import date, datetime

    from sqlalchemy import select

    from lms.campaign import summary
    from lms.models import Campaign, Completion, Course

    sync_courses(db.session, COURSES)
    official = factory.user("teacher", tier="official", username="cb.hoa")
    slug = "can-bo-dung-ai-co-trach-nhiem"
    db.session.add(Completion(user_id=official.id, completed_at=datetime(2026, 10, 5, 3), score=100.0,
                              course_id=db.session.scalar(select(Course.id).where(Course.slug == slug))))
    db.session.flush()
    summary.refresh_user(db.session, official.id)
    db.session.add(Campaign(unit_id=factory.unit().id, name="Bình dân học vụ số 2026",
                            starts_on=date(2026, 10, 1), ends_on=date(2026, 11, 29)))
    factory.user("ward_admin", username="phuong")
    factory.user("teacher", username="gv.xem", school=factory.school())
    factory.commit()
    ward = make_browser()
    ward.login("phuong")
    for url in ("/dashboard/", "/dashboard/competencies", "/dashboard/report.csv"):
        assert ward.get(url).status_code == 200, url
    teacher = make_browser()
    teacher.login("gv.xem")
    preview = teacher.get(f"/teach/courses/{slug}/")
    assert preview.status_code == 200
    assert "Không bao giờ đưa vào" in page_text(preview.get_data(as_text=True))
    learner = make_browser()
    learner.login("cb.hoa")
    home = page_text(learner.get("/home").get_data(as_text=True))
    assert "Văn bản điện tử, chữ ký số và an toàn dữ liệu trong cơ quan" in home
