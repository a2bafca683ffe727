"""SQLAlchemy models: plain typed classes, no request or session logic."""

from lms.models.access_log import AccessLog
from lms.models.campaign import (
    GROUPS,
    INDICATORS,
    Campaign,
    CampaignTarget,
    DataVersion,
    MetricSnapshot,
    OutreachActivity,
    TargetChange,
)
from lms.models.certificates import Certificate
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
    TierProgress,
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
from lms.models.privacy import Consent
from lms.models.tally import CoverageChange, CoverageCount, CoverageMember
from lms.models.villages import ListedHousehold, Village

__all__ = [
    "AUDIENCES",
    "ROLES",
    "GROUPS",
    "INDICATORS",
    "AccessLog",
    "Assignment",
    "Campaign",
    "CampaignTarget",
    "Certificate",
    "DataVersion",
    "MetricSnapshot",
    "OutreachActivity",
    "TargetChange",
    "AttemptAnswer",
    "Classroom",
    "Completion",
    "Consent",
    "Course",
    "CourseAsset",
    "CourseAudience",
    "CourseCompetency",
    "Enrollment",
    "Guardianship",
    "Household",
    "Lesson",
    "LessonProgress",
    "ListedHousehold",
    "OneTimeCode",
    "Question",
    "QuestionOption",
    "QuizAttempt",
    "QuizVersion",
    "School",
    "TierProgress",
    "CoverageChange",
    "CoverageCount",
    "CoverageMember",
    "Unit",
    "User",
    "UserSession",
    "Village",
]
