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
from lms.models.models_of_practice import MODELS, Nomination
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
from lms.models.teams import AssistedSession, TeamMember
from lms.models.villages import ListedHousehold, Village

__all__ = [
    "AUDIENCES",
    "ROLES",
    "GROUPS",
    "INDICATORS",
    "AccessLog",
    "AssistedSession",
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
    "MODELS",
    "Nomination",
    "OneTimeCode",
    "Question",
    "QuestionOption",
    "QuizAttempt",
    "QuizVersion",
    "School",
    "TeamMember",
    "TierProgress",
    "CoverageChange",
    "CoverageCount",
    "CoverageMember",
    "Unit",
    "User",
    "UserSession",
    "Village",
]
