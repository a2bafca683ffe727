"""What the demo's learners did: completions and lessons read in their learning stretches
(lms.demo.world.Episode), classes' assignments, and a few pupils struggling with a quiz.

Everything is dated before today. A learner who completes a tier does its required courses
within three weeks, so they fall inside a plan's period together or not at all."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, select

from lms.campaign import snapshots
from lms.demo.world import Demo
from lms.models import (
    Assignment,
    AttemptAnswer,
    Completion,
    Course,
    CourseAudience,
    Lesson,
    LessonProgress,
    Question,
    QuizAttempt,
    QuizVersion,
)
from lms.models.people import tier_for_grade

BURST = 21  # days over which a learner does a tier's required courses


class Catalog:
    """The live courses by tier, their lessons, quizzes and questions."""

    def __init__(self, session):
        self.courses: dict[str, list[int]] = {}
        self.required: dict[str, list[int]] = {}
        for course_id, tier, required in session.execute(
            select(Course.id, CourseAudience.audience, Course.required)
            .join(CourseAudience, CourseAudience.course_id == Course.id)
            .where(Course.retired_at.is_(None))
            .order_by(Course.id)
        ):
            self.courses.setdefault(tier, []).append(course_id)
            if required:
                self.required.setdefault(tier, []).append(course_id)
        self.lessons: dict[int, list[int]] = {}
        for lesson_id, course_id in session.execute(
            select(Lesson.id, Lesson.course_id).where(Lesson.retired_at.is_(None)).order_by(Lesson.position)
        ):
            self.lessons.setdefault(course_id, []).append(lesson_id)
        self.quizzes = dict(
            session.execute(
                select(QuizVersion.course_id, QuizVersion.id).where(QuizVersion.retired_at.is_(None))
            ).all()
        )
        self.questions: dict[int, list[int]] = {}
        for question_id, version_id in session.execute(
            select(Question.id, Question.quiz_version_id).order_by(Question.id)
        ):
            self.questions.setdefault(version_id, []).append(question_id)


def write(demo: Demo) -> set[tuple[int, int]]:
    """Write every episode's learning; returns the (learner, course) pairs completed."""
    rng, session = demo.rng, demo.session
    catalog = Catalog(session)
    completed: set[tuple[int, int]] = set()
    read: set[tuple[int, int]] = set()
    tiers_done: set[tuple[int, str]] = set()
    progress_rows, completion_rows = [], []

    def at(day: date) -> datetime:  # stored in UTC: 08:00-20:00 in Vietnam that day
        return datetime.combine(day, time()) + timedelta(hours=rng.randint(1, 13), minutes=rng.randint(0, 59))

    def lessons(user_id, course_id, when, count=None):
        chosen = catalog.lessons.get(course_id, [])
        for n, lesson_id in enumerate(chosen[:count] if count else chosen):
            if (user_id, lesson_id) not in read:
                read.add((user_id, lesson_id))
                moment = when - timedelta(minutes=4 * (len(chosen) - n))
                progress_rows.append(
                    {
                        "user_id": user_id,
                        "lesson_id": lesson_id,
                        "course_id": course_id,
                        "completed_at": moment,
                    }
                )

    def complete(user_id, course_id, day):
        when = at(day)
        lessons(user_id, course_id, when)
        completed.add((user_id, course_id))
        score = rng.choice([80.0, 90.0, 100.0]) if course_id in catalog.quizzes else None
        completion_rows.append(
            {"user_id": user_id, "course_id": course_id, "completed_at": when, "score": score}
        )

    for episode in demo.episodes:
        user_id, tier = episode.user.id, episode.tier
        courses = catalog.courses.get(tier, [])
        if not courses or (user_id, tier) in tiers_done:
            continue
        span = (episode.end - episode.start).days
        last = episode.start + timedelta(days=round(span * rng.betavariate(*episode.shape)))
        until = (min(episode.end, demo.yesterday) - episode.start).days  # what has happened yet
        if rng.random() < episode.pace and last <= demo.yesterday:
            tiers_done.add((user_id, tier))
            first = max(episode.start, last - timedelta(days=BURST))
            required = [c for c in catalog.required.get(tier, []) if (user_id, c) not in completed]
            days = sorted(first + timedelta(days=rng.randint(0, (last - first).days)) for _ in required)
            for course_id, day in zip(required, days, strict=True):
                complete(user_id, course_id, day)
            for course_id in courses:
                if (user_id, course_id) not in completed and rng.random() < episode.pace * 0.3:
                    complete(user_id, course_id, episode.start + timedelta(days=rng.randint(0, until)))
        if rng.random() < 0.4:  # started something, one or two lessons in
            course_id = rng.choice(courses)
            if (user_id, course_id) not in completed:
                day = episode.start + timedelta(days=rng.randint(0, until))
                lessons(user_id, course_id, at(day), rng.randint(1, 2))
    if progress_rows:
        session.execute(insert(LessonProgress), progress_rows)
    if completion_rows:
        session.execute(insert(Completion), completion_rows)
        snapshots.touch(session)  # back-dated completions written without the ORM
    _assignments_and_attempts(demo, catalog, completed)
    return completed


def _assignments_and_attempts(demo: Demo, catalog: Catalog, completed: set[tuple[int, int]]) -> None:
    """This year's classes: two required courses assigned (one overdue); in each class three
    pupils who have not completed the first one failed its quiz twice."""
    session, yesterday = demo.session, demo.yesterday
    attempts = []
    for room in demo.current_rooms:
        tier = tier_for_grade(room.grade)
        required = catalog.required.get(tier, []) if tier else []
        for offset, course_id in enumerate(required[:2]):
            session.add(
                Assignment(
                    classroom_id=room.id,
                    course_id=course_id,
                    teacher_id=room.homeroom_teacher_id,
                    due_on=demo.today + timedelta(days=-3 + 14 * offset),
                    note="Các em hoàn thành trước hạn nhé.",
                )
            )
        if not required or required[0] not in catalog.quizzes:
            continue
        course_id = required[0]
        version = catalog.quizzes[course_id]
        questions = catalog.questions[version]
        pupils = demo.roster.get(room.id, [])
        strugglers = [p for p in pupils if (p.id, course_id) not in completed][:3]
        for pupil in strugglers:
            for hours in (2, 3):
                attempts.append(
                    QuizAttempt(
                        user_id=pupil.id,
                        course_id=course_id,
                        quiz_version_id=version,
                        status="graded",
                        started_at=datetime.combine(yesterday, time(hours)),
                        submitted_at=datetime.combine(yesterday, time(hours, 20)),
                        correct_count=1,
                        question_count=len(questions),
                        score=round(100 / len(questions), 2),
                        passed=False,
                    )
                )
    session.add_all(attempts)
    session.flush()
    for attempt in attempts:
        questions = catalog.questions[attempt.quiz_version_id]
        session.add_all(
            AttemptAnswer(attempt_id=attempt.id, question_id=qid, chosen="", is_correct=n == 0)
            for n, qid in enumerate(questions)
        )
