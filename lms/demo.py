"""A demo ward for `make run`: schools, classes of 20-40 pupils, staff, families, progress.

Deterministic (seeded) so the README's demo accounts always exist."""

import random
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from lms.accounts import hash_password
from lms.campaign import snapshots, summary
from lms.models import (
    Assignment,
    AttemptAnswer,
    Campaign,
    CampaignTarget,
    Classroom,
    Completion,
    Course,
    CourseAudience,
    Enrollment,
    Guardianship,
    Household,
    Lesson,
    LessonProgress,
    OutreachActivity,
    Question,
    QuizAttempt,
    QuizVersion,
    School,
    Unit,
    User,
)
from lms.models.base import today_in_vietnam
from lms.models.campaign import DEFAULT_TARGETS
from lms.people.names import name_sort_key
from lms.people.school_year import school_year_for, school_year_start
from lms.teaching.pins import set_pin

DEMO_UNIT = "DEMO"
DEMO_PASSWORD = "demo1234"  # noqa: S105 - documented demo accounts, local demo only
DEMO_PIN = "1234"

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
]
MIDDLE_BOY = ["Văn", "Minh", "Đức", "Gia", "Quang", "Hoàng", "Thành", "Bảo", "Anh", "Hữu"]
MIDDLE_GIRL = ["Thị", "Ngọc", "Thu", "Minh", "Bảo", "Phương", "Thanh", "Khánh", "Hồng", "Mai"]
GIVEN_BOY = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Duy",
    "Hải",
    "Hiếu",
    "Huy",
    "Khang",
    "Khoa",
    "Long",
    "Minh",
    "Nam",
    "Nghĩa",
    "Phúc",
    "Quân",
    "Sơn",
    "Tài",
    "Thắng",
    "Trung",
    "Tuấn",
    "Vinh",
]
GIVEN_GIRL = [
    "An",
    "Anh",
    "Châu",
    "Chi",
    "Giang",
    "Hà",
    "Hạnh",
    "Hoa",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "My",
    "Ngân",
    "Ngọc",
    "Nhung",
    "Quỳnh",
    "Thảo",
    "Trang",
    "Uyên",
    "Vy",
    "Yến",
]

# code, name, level, classes (name, grade, pupils), how far along the school is (0-1)
SCHOOLS = [
    (
        "TH-KD",
        "Trường Tiểu học Kim Đồng",
        "tieu-hoc",
        [("1A", 1, 32), ("3A", 3, 30), ("5A", 5, 34)],
        0.85,
    ),
    (
        "THCS-LQD",
        "Trường THCS Lê Quý Đôn",
        "thcs",
        [("6A1", 6, 38), ("7A1", 7, 36), ("8A1", 8, 40), ("9A1", 9, 35)],
        0.2,
    ),
    (
        "THTHCS-HB",
        "Trường TH&THCS Hòa Bình",
        "th-thcs",
        [("2A", 2, 24), ("4A", 4, 26), ("7A", 7, 28), ("9A", 9, 22)],
        0.6,
    ),
    ("MN-HS", "Trường Mầm non Hoa Sen", "mam-non", [], 0.5),
]


class DemoRefused(Exception):
    pass


def person_name(rng: random.Random, girl: bool | None = None) -> str:
    girl = rng.random() < 0.5 if girl is None else girl
    middle = rng.choice(MIDDLE_GIRL if girl else MIDDLE_BOY)
    given = rng.choice(GIVEN_GIRL if girl else GIVEN_BOY)
    return f"{rng.choice(FAMILY)} {middle} {given}"


def load_demo(session: Session, today: date | None = None, seed: int = 2025) -> dict:
    """Create the demo ward. Refuses on a database that holds anything but the demo."""
    today = today or today_in_vietnam()
    if session.scalar(select(Unit.id).where(Unit.code == DEMO_UNIT)):
        return {"status": "already"}
    if session.scalar(select(func.count()).select_from(User)) or session.scalar(
        select(func.count()).select_from(School)
    ):
        raise DemoRefused("Cơ sở dữ liệu đã có dữ liệu thật: không nạp dữ liệu mẫu.")
    if not session.scalar(select(func.count()).select_from(Course)):
        raise DemoRefused("Chưa có khóa học: chạy `flask --app lms courses sync` trước.")
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    year = school_year_for(today)
    start = school_year_start(today)
    strong = hash_password(DEMO_PASSWORD)
    unit = Unit(code=DEMO_UNIT, name="Phường Hòa Bình (dữ liệu mẫu)")
    session.add(unit)
    session.flush()
    campaign = Campaign(
        unit_id=unit.id,
        name=f"Bình dân học vụ số năm học {year}",
        starts_on=start,
        ends_on=date(start.year + 1, 5, 31),
    )
    campaign.targets = [CampaignTarget(group=g, percent=p) for g, p in DEFAULT_TARGETS.items()]
    session.add(campaign)
    ward_admin = User(
        role="ward_admin",
        username="phuong",
        full_name="Trần Thị Hạnh",
        name_key=name_sort_key("Trần Thị Hạnh"),
        password_hash=strong,
    )
    session.add(ward_admin)
    people = _schools(session, rng, unit, year, start, strong)
    _demo_accounts(session, people, strong)
    _progress(session, rng, people, start, today)
    _outreach(session, people, ward_admin, start, today)
    summary.rebuild(session)
    session.commit()
    return {
        "status": "loaded",
        "pupils": len(people["pupils"]),
        "parents": len(people["parents"]),
        "staff": len(people["staff"]),
    }


def _user(session, **fields) -> User:
    user = User(**fields)
    user.name_key = name_sort_key(user.full_name)
    session.add(user)
    return user


def _schools(session, rng, unit, year, start, strong) -> dict:
    people = {"pupils": [], "parents": [], "staff": [], "rooms": [], "pace": {}}
    phone_seq = iter(range(912000001, 912999999))
    staff_seq = iter(range(988000001, 988999999))
    for s_index, (code, name, level, rooms, pace) in enumerate(SCHOOLS):
        school = School(unit_id=unit.id, code=code, name=name, level=level)
        session.add(school)
        session.flush()
        people["pace"][school.id] = pace
        principal = _user(
            session,
            role="school_admin",
            tier="teacher",
            staff_role="principal",
            school_id=school.id,
            full_name=person_name(rng),
            phone=f"0{next(staff_seq)}",
            staff_from=start,
            password_hash=strong,
            username=f"hieutruong.{code.lower()}",
        )
        people["staff"].append((principal, school))
        teachers = []
        for t in range(max(4, len(rooms) + 3)):
            teacher = _user(
                session,
                role="teacher",
                tier="teacher",
                staff_role="teacher" if t % 5 else "staff",
                school_id=school.id,
                full_name=person_name(rng),
                phone=f"0{next(staff_seq)}",
                staff_from=start,
            )
            teachers.append(teacher)
            people["staff"].append((teacher, school))
        session.flush()
        for r_index, (room_name, grade, size) in enumerate(rooms):
            homeroom = teachers[r_index]
            room = Classroom(
                school_id=school.id,
                name=room_name,
                grade=grade,
                school_year=year,
                homeroom_teacher_id=homeroom.id,
                signin_code=f"{code.replace('-', '')[:4]}{room_name}".upper()[:12],
            )
            session.add(room)
            session.flush()
            people["rooms"].append((room, school))
            for p_index in range(size):
                _pupil(session, rng, people, school, room, start, phone_seq, p_index)
        if s_index == 0:
            # The README's demo teacher: homeroom teacher of 3A with a password.
            teachers[1].username, teachers[1].password_hash = "gv.lan", strong
            teachers[1].full_name = "Nguyễn Thị Lan"
            teachers[1].name_key = name_sort_key(teachers[1].full_name)
    session.flush()
    return people


def _pupil(session, rng, people, school, room, start, phone_seq, index):
    tier = "primary" if room.grade <= 5 else "lower-secondary"
    family_name = rng.choice(FAMILY)
    name = person_name(rng).split(" ", 1)[1]
    pupil = _user(
        session,
        role="pupil",
        tier=tier,
        school_id=None,
        full_name=f"{family_name} {name}",
        student_code=f"{school.code}-{room.name}-{index + 1:02d}",
        username=f"{school.code}-{room.name}-{index + 1:02d}".lower(),
        date_of_birth=date(start.year - 5 - room.grade, rng.randint(1, 12), rng.randint(1, 28)),
    )
    household = Household()
    session.add(household)
    session.flush()
    pupil.household_id = household.id
    session.add(Enrollment(pupil_id=pupil.id, classroom_id=room.id, started_on=start))
    if tier == "primary" and room.name == "3A":
        set_pin(pupil, DEMO_PIN)  # sealed too: the demo's cards print without a new PIN
    people["pupils"].append((pupil, school, room))
    # Most pupils have one or two guardians on the roster; some none yet.
    roll = rng.random()
    guardians = 0 if roll < 0.08 else (2 if roll > 0.7 else 1)
    siblings = (
        [rng.choice(people["pupils"][:-1])[0]] if len(people["pupils"]) > 1 and rng.random() < 0.06 else []
    )
    for g in range(guardians):
        if g == 0 and siblings:  # a sibling elsewhere in the ward: same parents
            other = siblings[0]
            for link in session.scalars(select(Guardianship).where(Guardianship.pupil_id == other.id)):
                session.add(Guardianship(guardian_id=link.guardian_id, pupil_id=pupil.id))
            pupil.household_id = other.household_id
            session.delete(household)
            break
        parent = _user(
            session,
            role="parent",
            tier="parent",
            phone=f"0{next(phone_seq)}",
            household_id=pupil.household_id,
            full_name=(family_name if g == 0 else rng.choice(FAMILY))
            + " "
            + person_name(rng, girl=g == 1).split(" ", 1)[1],
        )
        session.flush()
        session.add(Guardianship(guardian_id=parent.id, pupil_id=pupil.id))
        people["parents"].append((parent, school))
    session.flush()


def _demo_accounts(session, people, strong):
    """The accounts the README lists: a pupil with a password, a parent of two children."""
    by_room = {}
    for pupil, school, room in people["pupils"]:
        by_room.setdefault((school.code, room.name), []).append(pupil)
    pupil = by_room[("THCS-LQD", "7A1")][0]
    pupil.username, pupil.password_hash = "hs.minh", strong
    child = by_room[("TH-KD", "3A")][1]
    sibling = by_room[("THCS-LQD", "7A1")][1]
    parent = _user(
        session,
        role="parent",
        tier="parent",
        phone="0909000001",
        full_name="Phạm Thị Thu",
        password_hash=strong,
        household_id=child.household_id,
    )
    session.flush()
    from lms.people.households import link_guardian

    link_guardian(session, parent, child)
    link_guardian(session, parent, sibling)
    people["parents"].append((parent, people["pupils"][0][1]))


def _progress(session, rng, people, start, today):
    """Completions spread over the weeks since the start, faster in some schools."""
    required = {}
    courses_by_tier = {}
    for course_id, tier, is_required in session.execute(
        select(Course.id, CourseAudience.audience, Course.required)
        .join(CourseAudience, CourseAudience.course_id == Course.id)
        .where(Course.retired_at.is_(None))
    ):
        courses_by_tier.setdefault(tier, []).append(course_id)
        if is_required:
            required.setdefault(tier, []).append(course_id)
    lessons = {}
    for lesson_id, course_id in session.execute(
        select(Lesson.id, Lesson.course_id).where(Lesson.retired_at.is_(None))
    ):
        lessons.setdefault(course_id, []).append(lesson_id)
    quizzes = dict(
        session.execute(
            select(QuizVersion.course_id, QuizVersion.id).where(QuizVersion.retired_at.is_(None))
        ).all()
    )
    questions = {}
    for qid, version_id in session.execute(select(Question.id, Question.quiz_version_id)):
        questions.setdefault(version_id, []).append(qid)
    span = max((today - start).days, 1)
    progress_rows, completion_rows = [], []
    learners = [(p, s) for p, s, _r in people["pupils"]] + people["staff"] + people["parents"]
    seen = set()
    for user, school in learners:
        if user.id in seen:
            continue
        seen.add(user.id)
        pace = people["pace"][school.id] * (0.8 if user.tier == "parent" else 1.0)
        tier_courses = courses_by_tier.get(user.tier, [])
        chosen = list(required.get(user.tier, [])) if rng.random() < pace else []
        chosen += [c for c in tier_courses if c not in chosen and rng.random() < pace * 0.3]
        partial = rng.choice(tier_courses) if tier_courses and rng.random() < 0.4 else None
        for course_id in chosen:
            day = start + timedelta(days=int(span * rng.random() ** 0.7))
            at = datetime.combine(day, datetime.min.time()) + timedelta(hours=rng.randint(1, 13))
            for lesson_id in lessons.get(course_id, []):
                progress_rows.append(
                    {
                        "user_id": user.id,
                        "lesson_id": lesson_id,
                        "course_id": course_id,
                        "completed_at": at,
                    }
                )
            score = rng.choice([80.0, 90.0, 100.0]) if course_id in quizzes else None
            completion_rows.append(
                {"user_id": user.id, "course_id": course_id, "completed_at": at, "score": score}
            )
        if partial and partial not in chosen:
            for lesson_id in lessons.get(partial, [])[: rng.randint(1, 2)]:
                progress_rows.append(
                    {
                        "user_id": user.id,
                        "lesson_id": lesson_id,
                        "course_id": partial,
                        "completed_at": datetime.combine(today, datetime.min.time()),
                    }
                )
    if progress_rows:
        session.execute(insert(LessonProgress), progress_rows)
    if completion_rows:
        session.execute(insert(Completion), completion_rows)
        snapshots.touch(session)  # back-dated completions written without the ORM
    _assignments_and_attempts(session, rng, people, required, lessons, quizzes, questions, today)


def _assignments_and_attempts(session, rng, people, required, lessons, quizzes, questions, today):
    for room, _school in people["rooms"]:
        tier = "primary" if room.grade <= 5 else "lower-secondary"
        for offset, course_id in enumerate(required.get(tier, [])[:2]):
            session.add(
                Assignment(
                    classroom_id=room.id,
                    course_id=course_id,
                    teacher_id=room.homeroom_teacher_id,
                    due_on=today + timedelta(days=-3 + 14 * offset),
                    note="Các em hoàn thành trước hạn nhé.",
                )
            )
        # A few pupils struggle with the first quiz: two failed attempts each.
        course_id = required.get(tier, [None])[0]
        if course_id is None or course_id not in quizzes:
            continue
        version = quizzes[course_id]
        strugglers = [p for p, _s, r in people["pupils"] if r.id == room.id][:3]
        for pupil in strugglers:
            for _ in range(2):
                attempt = QuizAttempt(
                    user_id=pupil.id,
                    course_id=course_id,
                    quiz_version_id=version,
                    status="graded",
                    submitted_at=datetime.combine(today, datetime.min.time()),
                    correct_count=1,
                    question_count=len(questions[version]),
                    score=round(100 / len(questions[version]), 2),
                    passed=False,
                )
                session.add(attempt)
                session.flush()
                for position, qid in enumerate(questions[version]):
                    session.add(
                        AttemptAnswer(
                            attempt_id=attempt.id,
                            question_id=qid,
                            chosen="",
                            is_correct=position == 0,
                        )
                    )


def _outreach(session, people, admin, start, today):
    schools = {s.id: s for _r, s in people["rooms"]}
    for index, school in enumerate(schools.values()):
        if index == 1:
            continue  # one school has not held any activity yet
        session.add(
            OutreachActivity(
                school_id=school.id,
                held_on=date(start.year, 10, 10),
                title="Ngày học tập số 10/10",
                kind="digital-day",
                participants=120 + 40 * index,
                created_by_id=admin.id,
            )
        )
        session.add(
            OutreachActivity(
                school_id=school.id,
                held_on=min(today, start + timedelta(days=50)),
                title="Buổi hướng dẫn phụ huynh dùng VNeID",
                kind="family",
                participants=45,
                created_by_id=admin.id,
            )
        )
