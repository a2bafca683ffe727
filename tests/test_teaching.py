"""Teachers: their classes, assignments, the progress matrix, its exports, and course previews."""

import csv
import html
import io
import re
import shutil
from contextlib import contextmanager
from datetime import date, datetime

import openpyxl
import pytest
from conftest import COURSES, base_config, page_text
from flask import current_app
from flask_babel import gettext
from sqlalchemy import event, func, select

from lms import create_app
from lms.content.sync import sync_courses
from lms.extensions import db
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
    User,
)
from lms.models.base import today_in_vietnam
from lms.teaching.matrix import build_matrix

PAST = date(2020, 1, 10)
FUTURE = date(2099, 12, 31)


# Courses are synced once per module into a copy of the migrated template, and each test gets
# a copy of that (the sync takes longer than the rest of most tests). PostgreSQL: per test.
@pytest.fixture(scope="module")
def synced_template(template_db, tmp_path_factory):
    if template_db is None:
        return None
    path = tmp_path_factory.mktemp("synced") / "courses.sqlite3"
    shutil.copy(template_db, path)
    application = create_app(base_config(f"sqlite:///{path}"))
    with application.app_context():
        report = sync_courses(db.session, COURSES)
        assert not report.problems.errors, report.problems
        db.engine.dispose()
    return path


@pytest.fixture
def database_url(database_url, synced_template):
    if synced_template is not None and database_url.startswith("sqlite:///"):
        shutil.copy(synced_template, database_url.removeprefix("sqlite:///"))
    return database_url


@pytest.fixture
def courses(app, database_url, synced_template):
    if synced_template is None or not database_url.startswith("sqlite:///"):
        report = sync_courses(db.session, COURSES)
        assert not report.problems.errors, report.problems


def t(msgid, **kwargs):
    """The interface text as the (Vietnamese by default) pages show it."""
    with current_app.test_request_context():
        return gettext(msgid, **kwargs)


def clean(fragment: str) -> str:
    """Visible text of an HTML fragment, line breaks as spaces, whitespace collapsed."""
    fragment = re.sub(r"<[^>]+>", "", re.sub(r"<br\s*/?>", " ", fragment))
    return " ".join(html.unescape(fragment).split())


def signin(browser, login):
    """Sign in, then load a page: the new session has a new CSRF token."""
    response = browser.login(login)
    assert response.status_code == 302, login
    browser.get("/courses")


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def course(slug):
    return db.session.scalar(select(Course).where(Course.slug == slug))


def lessons(slug):
    return db.session.scalars(select(Lesson).where(Lesson.course_id == course(slug).id)
                              .order_by(Lesson.position)).all()


def questions(slug):
    quiz = db.session.scalar(select(QuizVersion).where(QuizVersion.course_id == course(slug).id,
                                                       QuizVersion.retired_at.is_(None)))
    return quiz, db.session.scalars(select(Question).where(Question.quiz_version_id == quiz.id)
                                    .order_by(Question.position)).all()


def section(page: str, heading: str) -> str:
    """The HTML after <h2>heading</h2> up to the next <h2>."""
    match = re.search(rf"<h2[^>]*>{re.escape(heading)}</h2>(.*?)(?=<h2|</main>)", page, re.S)
    assert match, f"no section {heading!r}"
    return match.group(1)


def matrix_table(page: str):
    """(column headings, {pupil: [(css class, text)]} in page order, totals row)."""
    table = re.search(r'<table class="matrix">(.*?)</table>', page, re.S)
    assert table, "no progress matrix on the page"
    body = table.group(1)
    head = [clean(h) for h in re.findall(r"<th scope=\"col\">(.*?)</th>", body, re.S)]
    tbody = re.search(r"<tbody>(.*?)</tbody>", body, re.S).group(1)
    rows = {}
    for name, cells in re.findall(r"<tr><th>(.*?)</th>(.*?)</tr>", tbody, re.S):
        rows[clean(name)] = [(cls, clean(inner)) for cls, inner in
                             re.findall(r'<td class="([^"]*)">(.*?)</td>', cells, re.S)]
    tfoot = re.search(r"<tfoot>(.*?)</tfoot>", body, re.S).group(1)
    totals = [clean(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tfoot, re.S)]
    return head, rows, totals


def assign(browser, room, slug, due="", note=""):
    return browser.post(f"/teach/classes/{room.id}/assignments",
                        {"course_id": str(course(slug).id), "due_on": due, "note": note})


def class_assignments(room):
    return db.session.scalars(select(Assignment).where(Assignment.classroom_id == room.id)
                              .order_by(Assignment.id)).all()


def add_assignment(room, teacher, slug, due=None, note=""):
    row = Assignment(classroom_id=room.id, course_id=course(slug).id, teacher_id=teacher.id,
                     due_on=due, note=note)
    db.session.add(row)
    db.session.flush()
    return row


def read(pupil, slug, count):
    for lesson in lessons(slug)[:count]:
        db.session.add(LessonProgress(user_id=pupil.id, lesson_id=lesson.id,
                                      course_id=lesson.course_id))


def complete(pupil, slug, at, score=None):
    db.session.add(Completion(user_id=pupil.id, course_id=course(slug).id, completed_at=at,
                              score=score))


def graded_attempt(pupil, slug, right: list[bool]):
    """A graded attempt of the quiz; right[i] says whether question i was answered right."""
    quiz, qs = questions(slug)
    correct = sum(right)
    score = round(100 * correct / len(qs), 2)
    attempt = QuizAttempt(user_id=pupil.id, course_id=quiz.course_id, quiz_version_id=quiz.id,
                          status="graded", submitted_at=datetime(2025, 10, 1),
                          correct_count=correct, question_count=len(qs), score=score,
                          passed=score >= quiz.pass_score)
    db.session.add(attempt)
    db.session.flush()
    for q, ok in zip(qs, right, strict=True):
        chosen = [o.id for o in q.options if o.is_correct == ok][:1]
        db.session.add(AttemptAnswer(attempt_id=attempt.id, question_id=q.id,
                                     chosen=",".join(map(str, chosen)), is_correct=ok))
    return attempt


@pytest.fixture
def school(factory):
    return factory.school(name="Trường Tiểu học Ánh Dương")


@pytest.fixture
def teacher(factory, school):
    return factory.user("teacher", username="gv.hoa", name="Đỗ Thị Hoa", school=school)


@pytest.fixture
def room(factory, school, teacher):
    return factory.classroom(school, name="3A", grade=3, teacher=teacher)


@pytest.fixture
def progress_class(factory, courses, room, teacher):
    """3A with quiz-course due in the past and no-quiz-course due in the future:
    An completed both, Bình read one lesson, Chi has not started."""
    an = factory.pupil(room, username="an", name="Trần Thị An")
    binh = factory.pupil(room, username="binh", name="Nguyễn Văn Bình")
    chi = factory.pupil(room, username="chi", name="Lê Thị Chi")
    add_assignment(room, teacher, "quiz-course", due=PAST)
    add_assignment(room, teacher, "no-quiz-course", due=FUTURE, note="Đọc kỹ nhé")
    read(an, "quiz-course", 3)
    complete(an, "quiz-course", datetime(2025, 10, 1, 3, 0), score=100.0)
    read(an, "no-quiz-course", 1)
    complete(an, "no-quiz-course", datetime(2025, 10, 2, 20, 0))  # 03:00 on the 3rd in Hà Nội
    read(binh, "quiz-course", 1)
    factory.commit()
    return {"an": an, "binh": binh, "chi": chi}


# --- classes and assignments -------------------------------------------------------------------


def test_teacher_sees_my_classes_then_the_schools_others(browser, factory, school, teacher, room):
    factory.classroom(school, name="4B", grade=4)  # another teacher's class of the same school
    factory.classroom(factory.school(), name="5C", grade=5, teacher=teacher)  # wrong school
    factory.commit()
    signin(browser, "gv.hoa")
    page = browser.get("/teach/").get_data(as_text=True)

    def listed(heading):
        return [(clean(h3), re.findall(r"<span>(.*?)</span>", meta)) for h3, meta in re.findall(
            r'<li class="card"><h3>(.*?)</h3>\s*<p class="meta">(.*?)</p>',
            section(page, heading), re.S)]

    school_and_year = ["Trường Tiểu học Ánh Dương", "2025-2026"]
    assert listed(t("My classes")) == [(t("Class %(name)s", name="3A"), school_and_year)]
    assert listed(t("Other classes of the school")) == [
        (t("Class %(name)s", name="4B"), school_and_year)]
    assert "5C" not in page_text(page)


def test_assigned_course_comes_first_on_the_pupils_home(browser, make_browser, factory, courses,
                                                        teacher, room):
    factory.pupil(room, username="lan", name="Vũ Thị Lan")
    factory.commit()
    signin(browser, "gv.hoa")
    response = assign(browser, room, "quiz-course", "2030-05-20", "Đọc kỹ <b>bài 2</b> & làm bài")
    assert response.status_code == 302 and response.location == f"/teach/classes/{room.id}"
    assign(browser, room, "no-quiz-course", "2030-05-01")

    rows = class_assignments(room)
    assert [(a.course_id, a.teacher_id, a.due_on, a.note, a.withdrawn_at) for a in rows] == [
        (course("quiz-course").id, teacher.id, date(2030, 5, 20), "Đọc kỹ <b>bài 2</b> & làm bài",
         None),
        (course("no-quiz-course").id, teacher.id, date(2030, 5, 1), "", None),
    ]
    assert t("Course assigned.") in text(browser.get(f"/teach/classes/{room.id}"))

    pupil = make_browser()
    signin(pupil, "lan")
    page = pupil.get("/home").get_data(as_text=True)
    assigned = re.search(r'<section aria-labelledby="assigned">(.*?)</section>', page, re.S)
    assert assigned and page.index('aria-labelledby="assigned"') < page.index(
        'aria-labelledby="mine"')
    cards = re.findall(r'<li class="card">(.*?)</li>', assigned.group(1), re.S)
    # Nearest due date first, each with its date and the teacher's note (escaped, not markup).
    assert [re.search(r"<h3>(.*?)</h3>", c).group(1) for c in cards] == [
        '<a href="/courses/no-quiz-course/">Khóa không có bài kiểm tra</a>',
        '<a href="/courses/quiz-course/">Khóa có bài kiểm tra</a>',
    ]
    assert t("due %(date)s", date="01/05/2030") in clean(cards[0])
    assert t("due %(date)s", date="20/05/2030") in clean(cards[1])
    assert '<p class="note">Đọc kỹ &lt;b&gt;bài 2&lt;/b&gt; &amp; làm bài</p>' in cards[1]
    # An assigned course is not listed a second time with the rest of the tier.
    rest = page[page.index('aria-labelledby="mine"'):]
    assert "/courses/quiz-course/" not in rest and "/courses/no-quiz-course/" not in rest


def test_the_same_course_cannot_be_assigned_twice(browser, factory, courses, teacher, room):
    factory.commit()
    signin(browser, "gv.hoa")
    assign(browser, room, "quiz-course", "2030-05-20")
    again = assign(browser, room, "quiz-course", "2030-06-20", "lần hai")
    assert again.status_code == 302
    page = text(browser.get(again.location))
    assert t("This course is already assigned to the class; edit that assignment instead.") in page
    assert [(a.due_on, a.note) for a in class_assignments(room)] == [(date(2030, 5, 20), "")]


def test_a_course_of_another_tier_is_refused(browser, factory, courses, school, teacher, room):
    older = factory.classroom(school, name="7A", grade=7, teacher=teacher)
    factory.commit()
    signin(browser, "gv.hoa")
    page = browser.get(f"/teach/classes/{room.id}").get_data(as_text=True)
    choices = re.findall(r'<option[^>]*value="(\d+)"[^>]*>(.*?)</option>', page)
    assert choices == [(str(course("quiz-course").id), "Khóa có bài kiểm tra"),
                       (str(course("no-quiz-course").id), "Khóa không có bài kiểm tra")]

    refused = assign(browser, room, "teacher-course", "2030-05-20")
    assert refused.status_code == 422  # the class page again, the reason under the field
    assert t("Choose a course of the class's level.") in text(refused)
    assign(browser, older, "quiz-course")  # a primary course for a grade 7 class
    assert class_assignments(room) == [] and class_assignments(older) == []


def test_editing_an_assignment_changes_its_date_and_note_only(browser, factory, courses,
                                                              teacher, room):
    factory.commit()
    signin(browser, "gv.hoa")
    assign(browser, room, "quiz-course", "2030-05-20", "cũ")
    (row,) = class_assignments(room)
    form = browser.get(f"/teach/assignments/{row.id}").get_data(as_text=True)
    assert 'value="2030-05-20"' in form and re.search(r">\s*cũ</textarea>", form)
    response = browser.post(f"/teach/assignments/{row.id}", {
        "due_on": "2030-06-01", "note": "  mới  ",
        "course_id": str(course("no-quiz-course").id)})  # the course cannot be changed
    assert response.status_code == 302 and response.location == f"/teach/classes/{room.id}"
    db.session.refresh(row)
    assert (row.course_id, row.due_on, row.note) == (course("quiz-course").id, date(2030, 6, 1),
                                                     "mới")
    head, _rows, _totals = matrix_table(browser.get(response.location).get_data(as_text=True))
    assert head[1] == "Khóa có bài kiểm tra " + t("due %(date)s", date="01/06/2030")


def test_withdrawing_hides_the_assignment_everywhere(browser, make_browser, factory, courses,
                                                    teacher, room):
    factory.pupil(room, username="lan", name="Vũ Thị Lan")
    factory.commit()
    signin(browser, "gv.hoa")
    assign(browser, room, "quiz-course", "2030-05-20", "Nhớ làm")
    (row,) = class_assignments(room)
    pupil = make_browser()
    signin(pupil, "lan")
    assert "Nhớ làm" in pupil.get("/home").get_data(as_text=True)

    response = browser.post(f"/teach/assignments/{row.id}/withdraw")
    assert response.status_code == 302 and response.location == f"/teach/classes/{room.id}"
    db.session.refresh(row)
    assert row.withdrawn_at is not None
    page = text(browser.get(f"/teach/classes/{room.id}"))
    assert t("Assignment withdrawn.") in page
    assert t("No course assigned to this class yet.") in page and 'class="matrix"' not in page
    home = pupil.get("/home").get_data(as_text=True)
    assert 'aria-labelledby="assigned"' not in home and "Nhớ làm" not in home
    assert browser.get(f"/teach/assignments/{row.id}").status_code == 404
    # Withdrawn, the course can be assigned again.
    assign(browser, room, "quiz-course", "2030-09-01")
    assert [a.withdrawn_at is None for a in class_assignments(room)] == [False, True]


def test_a_retired_assigned_course_leaves_the_pupils_home(browser, factory, courses, teacher,
                                                          room):
    factory.pupil(room, username="lan", name="Vũ Thị Lan")
    add_assignment(room, teacher, "quiz-course", due=FUTURE)
    course("quiz-course").retired_at = datetime(2025, 11, 1)
    factory.commit()
    signin(browser, "lan")
    page = browser.get("/home").get_data(as_text=True)
    assert browser.get("/courses/quiz-course/").status_code == 404
    assert page.count('href="/courses/quiz-course/"') == 0


# --- the progress matrix -----------------------------------------------------------------------


def test_matrix_cells_show_progress_completion_and_lateness(browser, progress_class, room):
    signin(browser, "gv.hoa")
    page = browser.get(f"/teach/classes/{room.id}").get_data(as_text=True)
    head, rows, totals = matrix_table(page)
    assert head == [t("Pupil"),
                    "Khóa có bài kiểm tra " + t("due %(date)s", date="10/01/2020"),
                    "Khóa không có bài kiểm tra " + t("due %(date)s", date="31/12/2099")]
    assert rows == {
        # d: done, p: in progress, n: not started, l: late (one letter: the cells are the page's bulk)
        "Trần Thị An": [("d", "✓ 100% 01/10/2025"), ("d", "✓ 03/10/2025")],
        "Nguyễn Văn Bình": [("p l", "1/3 !"), ("n", "—")],
        "Lê Thị Chi": [("n l", "— !"), ("n", "—")],
    }
    assert list(rows) == ["Trần Thị An", "Nguyễn Văn Bình", "Lê Thị Chi"]
    assert totals == [t("Completed"), "1/3", "1/3"]
    assert t("%(n)s pupils", n=3) in clean(page)


def test_needs_help_lists_repeated_failures_and_late_pupils(browser, factory, courses, room,
                                                           teacher):
    add_assignment(room, teacher, "quiz-course", due=FUTURE)
    add_assignment(room, teacher, "no-quiz-course", due=PAST)
    an = factory.pupil(room, name="Trần Thị An")
    binh = factory.pupil(room, name="Nguyễn Văn Bình")
    chi = factory.pupil(room, name="Lê Thị Chi")
    factory.pupil(room, name="Phạm Văn Dũng")  # late with no-quiz-course
    giang = factory.pupil(room, name="Hồ Thị Giang")
    for pupil in (an, binh, chi, giang):
        complete(pupil, "no-quiz-course", datetime(2025, 10, 1))
    read(binh, "quiz-course", 3)
    graded_attempt(binh, "quiz-course", [False, True])
    graded_attempt(binh, "quiz-course", [True, False])  # failed twice: needs help
    read(chi, "quiz-course", 3)
    graded_attempt(chi, "quiz-course", [False, False])  # failed once: not yet
    read(giang, "quiz-course", 3)
    graded_attempt(giang, "quiz-course", [False, True])
    graded_attempt(giang, "quiz-course", [False, True])
    third = graded_attempt(giang, "quiz-course", [True, True])  # passed in the end
    db.session.add(Completion(user_id=giang.id, course_id=course("quiz-course").id,
                              completed_at=datetime(2025, 10, 2), score=100.0,
                              attempt_id=third.id))
    factory.commit()

    signin(browser, "gv.hoa")
    page = browser.get(f"/teach/classes/{room.id}").get_data(as_text=True)
    items = [clean(li) for li in re.findall(r"<li>(.*?)</li>", section(page, t("Needs help")),
                                            re.S)]
    # One line per problem, naming its pupils: failed quizzes first.
    failed = t("failed the quiz of %(course)s twice or more", course="Khóa có bài kiểm tra")
    late = t("late with %(course)s", course="Khóa không có bài kiểm tra")
    assert items == [failed[0].upper() + failed[1:] + ": Nguyễn Văn Bình",
                     late[0].upper() + late[1:] + ": Phạm Văn Dũng"]


def test_difficult_questions_are_those_most_of_the_class_got_wrong(browser, factory, courses,
                                                                  school, room, teacher):
    add_assignment(room, teacher, "quiz-course", due=FUTURE)
    for n, first_right in enumerate([False, False, False, True]):
        pupil = factory.pupil(room, name=f"Học Sinh Số {n}")
        read(pupil, "quiz-course", 3)
        graded_attempt(pupil, "quiz-course", [first_right, n != 0])  # q2: 1 wrong of 4
    small = factory.classroom(school, name="3B", grade=3, teacher=teacher)
    for _ in range(2):  # everyone wrong, but two answers are too few to tell
        graded_attempt(factory.pupil(small), "quiz-course", [False, False])
    factory.commit()

    signin(browser, "gv.hoa")
    page = browser.get(f"/teach/classes/{room.id}").get_data(as_text=True)
    items = [clean(li) for li in re.findall(r"<li>(.*?)</li>",
                                            section(page, t("Difficult questions")), re.S)]
    assert items == ["Mật khẩu có nên cho bạn biết không? (Khóa có bài kiểm tra: "
                     + t("%(pct)s%% wrong of %(n)s answers", pct=75, n=4) + ")"]
    other = text(browser.get(f"/teach/classes/{small.id}"))
    assert t("No question that most of the class got wrong.") in other


def test_matrix_counts_only_current_lessons(browser, make_browser, factory, courses, room,
                                            teacher):
    pupil = factory.pupil(room, username="lan", name="Vũ Thị Lan")
    add_assignment(room, teacher, "quiz-course", due=FUTURE)
    read(pupil, "quiz-course", 3)
    first, *_rest = lessons("quiz-course")
    first.retired_at = datetime(2025, 11, 1)  # the course was rewritten: a lesson replaced
    db.session.add(Lesson(course_id=first.course_id, slug="bai-bon", position=4,
                          title="Bài bốn", html="<p>Mới</p>", source_hash="x"))
    factory.commit()
    own = make_browser()
    signin(own, "lan")
    assert "2/3" in own.get("/home").get_data(as_text=True)
    signin(browser, "gv.hoa")
    _head, rows, _totals = matrix_table(browser.get(f"/teach/classes/{room.id}")
                                        .get_data(as_text=True))
    assert rows["Vũ Thị Lan"] == [("p", "2/3")]


def expected_rows():
    """Per course: status (text), lessons done, score (numbers), completed on (a local date)."""
    done, late, not_started = t("completed"), t("overdue"), t("not started")
    header = [t("Pupil")]
    for title, total in (("Khóa có bài kiểm tra", 3), ("Khóa không có bài kiểm tra", 1)):
        header += [f"{title}: {t('status')}", f"{title}: {t('lessons done (of %(n)s)', n=total)}",
                   f"{title}: {t('score (%)')}", f"{title}: {t('completed on')}"]
    return [
        header,
        ["Trần Thị An", done, 3, 100, date(2025, 10, 1), done, 1, None, date(2025, 10, 3)],
        ["Nguyễn Văn Bình", f"{t('in progress')} · {late}", 1, None, None, not_started, 0, None,
         None],
        ["Lê Thị Chi", f"{not_started} · {late}", 0, None, None, not_started, 0, None, None],
        [t("Completed"), 1, None, None, None, 1, None, None, None],
    ]


def test_csv_export_has_a_bom_a_header_a_row_per_pupil_and_totals(browser, progress_class, room):
    signin(browser, "gv.hoa")
    response = browser.get(f"/teach/classes/{room.id}/matrix.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="tien-do-3A-2025-2026.csv"'
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8")[1:])))
    as_text = {None: ""}
    assert rows == [[as_text.get(v, v.isoformat() if isinstance(v, date) else str(v))
                     for v in row] for row in expected_rows()]


def test_xlsx_export_has_the_same_rows_with_numbers_and_dates(browser, progress_class, room):
    signin(browser, "gv.hoa")
    response = browser.get(f"/teach/classes/{room.id}/matrix.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    sheet = book.active
    assert sheet.title == "3A"
    rows = [[v.date() if isinstance(v, datetime) else v for v in r]
            for r in sheet.iter_rows(values_only=True)]
    assert rows == expected_rows()
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet["E2"].is_date and sheet["E2"].number_format == "DD/MM/YYYY"


def test_print_page_renders_the_matrix(browser, progress_class, room):
    signin(browser, "gv.hoa")
    response = browser.get(f"/teach/classes/{room.id}/print")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    heading = clean(re.search(r"<h1>(.*?)</h1>", page, re.S).group(1))
    assert heading == (f"Trường Tiểu học Ánh Dương · {t('Class %(name)s', name='3A')} · "
                       f"{today_in_vietnam():%d/%m/%Y}")
    rows = re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', page, re.S)
    assert [(name, [clean(c) for c in re.findall(r"<td>(.*?)</td>", cells)])
            for name, cells in rows] == [
        ("Trần Thị An", ["✓ 01/10/2025", "✓ 03/10/2025"]),
        ("Nguyễn Văn Bình", ["1/3 !", "—"]),
        ("Lê Thị Chi", ["— !", "—"]),
    ]


def test_a_class_named_with_a_slash_exports_to_excel(browser, factory, courses, school, teacher):
    """Vietnamese schools often name their classes 6/1, 6/2..."""
    room = factory.classroom(school, name="6/1", grade=6, teacher=teacher)
    factory.pupil(room, name="Trần Văn Nam")
    add_assignment(room, teacher, "quiz-course")
    factory.commit()
    signin(browser, "gv.hoa")
    assert browser.get(f"/teach/classes/{room.id}/matrix.csv").status_code == 200
    response = browser.get(f"/teach/classes/{room.id}/matrix.xlsx")
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.get_data())).active
                .iter_rows(values_only=True))
    assert rows[1][0] == "Trần Văn Nam"


# --- query counts ------------------------------------------------------------------------------


@contextmanager
def counting(engine):
    statements = []

    def before(_conn, _cursor, statement, _parameters, _context, _executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def grow_class(factory, room, teacher, pupils: int, slugs: list[str], start: int):
    for n in range(start, start + pupils):
        pupil = factory.pupil(room, name=f"Học Sinh {n:03d}", password=None)
        for i, slug in enumerate(slugs):
            read(pupil, slug, 1 + (n + i) % 2)
            if (n + i) % 3 == 0:
                complete(pupil, slug, datetime(2025, 10, 1), score=100.0)
    for slug in slugs:
        if not db.session.scalar(select(Assignment).where(
                Assignment.classroom_id == room.id, Assignment.course_id == course(slug).id)):
            add_assignment(room, teacher, slug, due=PAST)
    factory.commit()


def extra_course():
    """A third primary course, so that a class can have three assignments."""
    extra = Course(slug="extra-course", title="Khóa thêm", summary="", intro_html="",
                   audiences=[CourseAudience(audience="primary")])
    db.session.add(extra)
    db.session.flush()
    for position in (1, 2):
        db.session.add(Lesson(course_id=extra.id, slug=f"bai-{position}", position=position,
                              title=f"Bài {position}", html="<p>x</p>", source_hash="x"))
    db.session.flush()


def measure(browser, engine, room, paths):
    """Statements of build_matrix in the test's session, then of each page's request."""
    db.session.expire_all()
    with counting(db.engine) as direct:
        grid = build_matrix(db.session, room)
    counts = [len(direct)]
    for path in paths:
        with counting(engine) as statements:
            response = browser.get(path)
        assert response.status_code == 200, path
        counts.append(len(statements))
    return (len(grid.pupils), len(grid.assignments)), counts


@pytest.fixture
def measured_class(browser, web_app, factory, courses, school, teacher, room):
    """Counts the statements of the matrix and its pages, for the homeroom teacher and for a
    colleague who only views the class."""
    extra_course()
    factory.user("teacher", username="gv.khac", school=school)
    factory.commit()
    with web_app.app_context():
        engine = db.engine
    signin(browser, "gv.hoa")
    viewer = type(browser)(web_app.test_client())
    signin(viewer, "gv.khac")
    paths = [f"/teach/classes/{room.id}", f"/teach/classes/{room.id}/matrix.csv",
             f"/teach/classes/{room.id}/matrix.xlsx", f"/teach/classes/{room.id}/print"]

    def run():
        return (measure(browser, engine, room, paths),
                measure(viewer, engine, room, paths[:1]))

    return run


def test_matrix_query_count_does_not_grow_with_pupils_or_courses(measured_class, factory, room,
                                                                teacher):
    grow_class(factory, room, teacher, 5, ["quiz-course"], 0)
    first = measured_class()
    grow_class(factory, room, teacher, 45, ["quiz-course"], 5)
    more_pupils = measured_class()
    grow_class(factory, room, teacher, 0, ["no-quiz-course", "extra-course"], 50)
    more_courses = measured_class()
    sizes = [run[0][0] for run in (first, more_pupils, more_courses)]
    assert sizes == [(5, 1), (50, 1), (50, 3)]
    # build_matrix, then the homeroom teacher's class page, CSV, XLSX and print; then the page
    # of a colleague who only views the class (no assignment form).
    counts = [(run[0][1], run[1][1]) for run in (first, more_pupils, more_courses)]
    assert counts[1] == counts[0] and counts[2] == counts[0]


# --- names and previews ------------------------------------------------------------------------


def test_class_lists_follow_vietnamese_order(browser, factory, courses, room, teacher):
    names = ["Nguyễn Văn Bình", "Trần Thị An", "Lê Ánh", "Phạm Đức Anh", "Lý Văn Ân",
             "Đỗ Thị Dung", "Hoàng Văn Đức", "Lê Văn An"]
    for name in names:
        factory.pupil(room, name=name)
    add_assignment(room, teacher, "quiz-course")
    factory.commit()
    # Given name, then middle, then family name; base letters (a < ă < â, d < đ) before tones.
    expected = ["Trần Thị An", "Lê Văn An", "Phạm Đức Anh", "Lê Ánh", "Lý Văn Ân",
                "Nguyễn Văn Bình", "Đỗ Thị Dung", "Hoàng Văn Đức"]
    signin(browser, "gv.hoa")
    _head, rows, _totals = matrix_table(browser.get(f"/teach/classes/{room.id}")
                                        .get_data(as_text=True))
    assert list(rows) == expected
    csv_rows = list(csv.reader(io.StringIO(
        browser.get(f"/teach/classes/{room.id}/matrix.csv").get_data(as_text=True)[1:])))
    assert [r[0] for r in csv_rows[1:-1]] == expected
    names_page = browser.get(f"/login/class/{room.signin_code}").get_data(as_text=True)
    assert re.findall(r'<button[^>]*name="pupil"[^>]*>(.*?)</button>', names_page) == expected


def test_teachers_preview_any_course_without_progress(browser, factory, courses, teacher):
    factory.commit()
    signin(browser, "gv.hoa")
    page = browser.get("/teach/courses/quiz-course/").get_data(as_text=True)
    assert "Giới thiệu khóa học <strong>mẫu</strong>" in page
    titles = re.findall(r"<h2>(\d+\. .*?)</h2>", page)
    assert titles == [f"{n}. {lesson.title}" for n, lesson in
                      enumerate(lessons("quiz-course"), start=1)]
    assert len(titles) == 3
    assert browser.get("/teach/courses/teacher-course/").status_code == 200
    assert browser.get("/teach/courses/no-quiz-course/").status_code == 200
    assert browser.get("/teach/courses/not-a-course/").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(LessonProgress)) == 0


def test_one_pupils_card_from_the_class_page(browser, factory, school, room, teacher):
    """The class page's form opens the chosen pupil's card; a new PIN for that pupil is the
    confirmed cards/new step; a pupil of another class is not found through this class, and a
    missing choice is not found either."""
    pupil = factory.pupil(room, name="Phạm Minh Khoa")
    other = factory.pupil(factory.classroom(school, name="3B", grade=3), name="Vũ Lan")
    factory.commit()
    old_hash = pupil.pin_hash
    signin(browser, "gv.hoa")
    page = browser.get(f"/teach/classes/{room.id}").get_data(as_text=True)
    assert f'action="/teach/classes/{room.id}/cards"' in page
    assert f'<option value="{pupil.id}">Phạm Minh Khoa</option>' in page
    response = browser.post(f"/teach/classes/{room.id}/cards/new?pupil={pupil.id}",
                            follow_redirects=True)
    assert response.status_code == 200
    pins = re.findall(r'<strong class="code">(\d{4,6})</strong>', response.get_data(as_text=True))
    assert len(pins) == 1
    db.session.expire_all()
    assert db.session.get(User, pupil.id).pin_hash != old_hash
    other_hash = db.session.get(User, other.id).pin_hash
    new = f"/teach/classes/{room.id}/cards/new"
    assert browser.post(f"{new}?pupil={other.id}").status_code == 404
    assert browser.post(f"{new}?pupil=").status_code == 404
    db.session.expire_all()
    assert db.session.get(User, other.id).pin_hash == other_hash
