"""SQLAlchemy models: plain typed classes, no request or session logic."""

from lms.models.content import (
    AUDIENCES,
    Course,
    CourseAsset,
    CourseAudience,
    CourseCompetency,
    Lesson,
    Question,
    QuestionOption,
    QuizVersion,
)
from lms.models.learning import (
    Assignment,
    AttemptAnswer,
    Completion,
    LessonProgress,
    QuizAttempt,
)
from lms.models.people import (
    ROLES,
    Classroom,
    Enrollment,
    Guardianship,
    Household,
    OneTimeCode,
    School,
    Unit,
    User,
    UserSession,
)

__all__ = [
    "AUDIENCES",
    "ROLES",
    "Assignment",
    "AttemptAnswer",
    "Classroom",
    "Completion",
    "Course",
    "CourseAsset",
    "CourseAudience",
    "CourseCompetency",
    "Enrollment",
    "Guardianship",
    "Household",
    "Lesson",
    "LessonProgress",
    "OneTimeCode",
    "Question",
    "QuestionOption",
    "QuizAttempt",
    "QuizVersion",
    "School",
    "Unit",
    "User",
    "UserSession",
]
