"""The starter curriculum in courses/: counts, tags, and a clean check."""

from collections import Counter
from pathlib import Path

import pytest

from lms.content.competency_table import competency_table
from lms.content.loader import COMPETENCIES, load_courses
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


@pytest.mark.parametrize("tier", AUDIENCES)
def test_each_tier_has_enough_courses(curriculum, tier):
    courses, _ = curriculum
    mine = [c for c in courses if tier in c.audience]
    assert len(mine) >= 4
    assert sum(c.required for c in mine) >= 2
    for course in mine:
        assert 3 <= len(course.lessons) <= 6, course.slug
        assert course.quiz is not None and len(course.quiz.questions) >= 8, course.slug
        assert all(q.explanation for q in course.quiz.questions), course.slug
        assert course.competencies and set(course.competencies) <= COMPETENCIES, course.slug
        assert course.summary and course.minutes > 0, course.slug


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
    import re

    from sqlalchemy import select

    from lms.models import Completion, Course, Question, QuizAttempt

    sync_courses(db.session, COURSES)
    learners = {
        "primary": factory.pupil(factory.classroom(grade=2), username="hs.tieuhoc"),
        "lower-secondary": factory.pupil(factory.classroom(grade=8), username="hs.thcs"),
        "teacher": factory.user("teacher", username="gv.thu"),
        "parent": factory.user("parent", username="ph.thu"),
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


def test_the_authoring_guides_example_is_valid():
    courses, problems = load_courses(ROOT / "docs" / "vi-du-khoa-hoc")
    assert [str(p) for p in problems] == [] and [c.slug for c in courses] == ["vi-du-mat-khau"]
