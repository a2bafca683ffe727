"""The class page as a teacher uses it on a phone (issue 16): who sees the school's actions,
what comes first, due dates that make sense, and the message for the class's Zalo group."""

import re
from datetime import date, datetime, timedelta

import test_teaching
from test_teaching import add_assignment, assign, class_assignments, complete, signin, t, text

from lms.extensions import db
from lms.models.base import today_in_vietnam
from lms.people import consent as consents

# The teaching tests' fixtures: one synced course database per module, a school, its teacher and
# the teacher's class 3A.
synced_template = test_teaching.synced_template
database_url = test_teaching.database_url
courses = test_teaching.courses
school, teacher, room = test_teaching.school, test_teaching.teacher, test_teaching.room

# --- item 3: the ward admin sees the figures, the school acts ------------------------------------

SCHOOL_ACTIONS = ("Assign a course", "Sign-in cards and family letters", "Print sign-in cards",
                  "Print letters to families")


def test_the_ward_admin_sees_the_figures_not_the_schools_buttons(browser, make_browser, factory,
                                                                 courses, school, room, teacher):
    an = factory.pupil(room, name="Trần Thị An")
    factory.user("ward_admin", username="phuong")
    factory.user("school_admin", username="qt.ad", school=school)
    add_assignment(room, teacher, "quiz-course", due=date(2099, 12, 31))
    factory.commit()

    signin(browser, "phuong")
    page = text(browser.get(f"/teach/classes/{room.id}"))
    # Outside the school a pupil's name waits for a guardian's consent (lms.people.consent).
    assert t("Needs help") in page and "Trần Thị An" not in page
    assert t("Pupil without consent yet") in page
    consents.record(db.session, an.id, "guardian", teacher.id, "paper", today_in_vietnam())
    factory.commit()
    page = text(browser.get(f"/teach/classes/{room.id}"))
    assert t("Needs help") in page and "Trần Thị An" in page  # the figures
    for label in SCHOOL_ACTIONS:
        assert t(label) not in page, label
    assert f"/teach/classes/{room.id}/cards" not in page
    assert f"/teach/classes/{room.id}/letters" not in page
    assert 'name="pupil_id"' not in page

    for login in ("gv.hoa", "qt.ad"):  # the homeroom teacher and the school's admin act
        other = make_browser()
        signin(other, login)
        page = text(other.get(f"/teach/classes/{room.id}"))
        for label in SCHOOL_ACTIONS:
            assert t(label) in page, (login, label)


# --- item 8: what the teacher acts on comes first ------------------------------------------------


def headings(page: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", page)]


def test_needs_help_overdue_and_assignments_come_before_the_matrix(browser, factory, courses,
                                                                   room, teacher):
    for n in range(12):
        factory.pupil(room, name=f"Học Sinh {n:02d}")
    add_assignment(room, teacher, "quiz-course", due=date(2020, 1, 10))
    add_assignment(room, teacher, "no-quiz-course", due=date(2099, 12, 31))
    factory.commit()
    signin(browser, "gv.hoa")
    page = text(browser.get(f"/teach/classes/{room.id}"))
    assert headings(page) == [t("Needs help"), t("Overdue"), t("Assign a course"),
                              t("Progress"), t("Difficult questions"),
                              t("Sign-in cards and family letters")]
    summary = re.search(r'<p class="meta">(.*?)</p>', page, re.S).group(1)
    assert t("%(n)s courses assigned", n=2) in summary
    assert t("%(done)s/%(total)s pupils finished them all", done=0, total=12) in summary
    assert t("%(n)s overdue", n=1) in summary
    overdue = re.search(r'<h2 id="overdue">.*?<ul>(.*?)</ul>', page, re.S).group(1)
    assert t("%(late)s of %(total)s pupils have not finished", late=12, total=12) in overdue
    # Twelve pupils late with the same course: one line names six, the others are one tap away
    # (no script needed).
    help_section = page[page.index('id="needs-help"'):page.index('id="overdue"')]
    (line,) = re.findall(r"<li>(.*?)</li>", help_section, re.S)
    late = t("late with %(course)s", course="Khóa có bài kiểm tra")
    names = [f"Học Sinh {n:02d}" for n in range(12)]
    assert line == (late[0].upper() + late[1:] + ": " + ", ".join(names[:6])
                    + "<details><summary>" + t("and %(n)s more", n=6) + "</summary>"
                    + ", ".join(names[6:]) + "</details>")


def test_needs_help_shows_five_problems_and_counts_the_rest(browser, factory, courses, room,
                                                            teacher):
    """Seven different problems: five lines, and the other two counted (the progress table
    shows every pupil; a long list would not fit the page's weight, tests/test_page_weight.py)."""
    slugs = ["quiz-course", "no-quiz-course"] + [f"extra-{n}" for n in range(1, 4)]
    for slug in slugs[2:]:
        primary_course(slug)
    for slug in slugs:
        add_assignment(room, teacher, slug, due=date(2020, 1, 10))
    pupils = [factory.pupil(room, name=f"Học Sinh {n}") for n in range(7)]
    for n, pupil in enumerate(pupils):  # the courses pupil n finished: the bits of n + 1
        for bit, slug in enumerate(slugs):
            if (n + 1) >> bit & 1:
                complete(pupil, slug, datetime(2025, 10, 1))
    factory.commit()
    signin(browser, "gv.hoa")
    page = text(browser.get(f"/teach/classes/{room.id}"))
    help_section = page[page.index('id="needs-help"'):page.index('id="overdue"')]
    assert help_section.count("<li>") == 5
    assert t("And %(n)s more kinds of difficulty: see the progress table.", n=2) in help_section
    assert t("Nobody right now.") not in page
    # Five overdue courses: three named, the other two counted (the matrix shows them).
    overdue = page[page.index('id="overdue"'):page.index('id="assign"')]
    assert overdue.count("<li>") == 3
    assert t("And %(n)s more overdue courses: see the progress table.", n=2) in overdue


def primary_course(slug):
    from lms.models import Course, CourseAudience, Lesson

    row = Course(slug=slug, title=f"Khóa {slug}", summary="", intro_html="",
                 audiences=[CourseAudience(audience="primary")])
    db.session.add(row)
    db.session.flush()
    db.session.add(Lesson(course_id=row.id, slug="bai-1", position=1, title="Bài 1",
                          html="<p>x</p>", source_hash="x"))
    db.session.flush()


# --- item 9: due dates -----------------------------------------------------------------------------


def test_a_due_date_in_the_past_is_refused_with_its_reason(browser, factory, courses, room):
    factory.commit()
    signin(browser, "gv.hoa")
    yesterday = today_in_vietnam() - timedelta(days=1)
    response = assign(browser, room, "quiz-course", "2025-01-02", "Ghi chú giữ lại")
    assert response.status_code == 422
    page = text(response)
    error = re.search(r'<span class="error">(.*?)</span>', page).group(1)
    assert error == t("The due date cannot be before the day the course was assigned (%(date)s).",
                      date=today_in_vietnam().strftime("%d/%m/%Y"))
    assert t("The course was not assigned: see the form below.") in page
    assert "Ghi chú giữ lại" in page  # what was typed is kept
    assert assign(browser, room, "quiz-course", yesterday.isoformat()).status_code == 422
    assert class_assignments(room) == []
    # Today is fine, and so is no date at all.
    assert assign(browser, room, "quiz-course", today_in_vietnam().isoformat()).status_code == 302
    assert assign(browser, room, "no-quiz-course", "").status_code == 302
    assert [a.due_on for a in class_assignments(room)] == [today_in_vietnam(), None]


def test_a_course_of_another_level_says_so(browser, factory, courses, room):
    factory.commit()
    signin(browser, "gv.hoa")
    response = assign(browser, room, "teacher-course", "2099-05-20")
    assert response.status_code == 422
    assert re.findall(r'<span class="error">(.*?)</span>', text(response)) == [
        t("Choose a course of the class's level.")]


def test_editing_refuses_a_new_past_date_but_keeps_an_old_one(browser, factory, courses, room,
                                                               teacher):
    old = add_assignment(room, teacher, "quiz-course", due=date(2025, 10, 20))
    old.created_at = datetime(2025, 10, 1, 2, 0)  # assigned on 01/10/2025
    factory.commit()
    signin(browser, "gv.hoa")
    url = f"/teach/assignments/{old.id}"
    form = text(browser.get(url))
    assert t("Assigned on %(date)s", date="01/10/2025") in form
    assert 'min="' not in form  # the picker lets the old date stand (the server checks)
    # The date has passed: changing only the note keeps it.
    assert browser.post(url, {"due_on": "2025-10-20", "note": "Cố lên"}).status_code == 302
    db.session.refresh(old)
    assert (old.due_on, old.note) == (date(2025, 10, 20), "Cố lên")
    # Another past date is refused; one before the day it was assigned, with that day.
    response = browser.post(url, {"due_on": "2025-10-25", "note": ""})
    assert response.status_code == 422
    assert re.findall(r'<span class="error">(.*?)</span>', text(response)) == [
        t("The due date cannot be in the past: choose today or a later day.")]
    response = browser.post(url, {"due_on": "2025-09-30", "note": ""})
    assert re.findall(r'<span class="error">(.*?)</span>', text(response)) == [
        t("The due date cannot be before the day the course was assigned (%(date)s).",
          date="01/10/2025")]
    db.session.refresh(old)
    assert (old.due_on, old.note) == (date(2025, 10, 20), "Cố lên")
    later = today_in_vietnam() + timedelta(days=7)
    assert browser.post(url, {"due_on": later.isoformat(), "note": ""}).status_code == 302
    db.session.refresh(old)
    assert old.due_on == later


def test_the_date_picker_starts_today(browser, factory, courses, room):
    factory.commit()
    signin(browser, "gv.hoa")
    page = text(browser.get(f"/teach/classes/{room.id}"))
    assert re.search(r'<input[^>]*min="' + today_in_vietnam().isoformat() + '"[^>]*name="due_on"'
                     r'|<input[^>]*name="due_on"[^>]*min="' + today_in_vietnam().isoformat(), page)


# --- item 12: a message for the class's Zalo group ------------------------------------------------


def message_text(page: str) -> str:
    match = re.search(r'<textarea id="zalo-message"[^>]*readonly[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "no read-only message on the page"
    return match.group(1)


def test_the_zalo_message_names_who_has_not_finished(browser, make_browser, factory, courses,
                                                     school, room, teacher):
    an = factory.pupil(room, name="Trần Thị An")
    binh = factory.pupil(room, name="Nguyễn Văn Bình")
    factory.pupil(room, name="Lê Thị Chi")
    add_assignment(room, teacher, "quiz-course", due=date(2099, 5, 20))
    add_assignment(room, teacher, "no-quiz-course")
    gone = add_assignment(factory.classroom(school, name="3B", grade=3, teacher=teacher), teacher,
                          "no-quiz-course", due=date(2099, 1, 2))
    for pupil in (an, binh):
        complete(pupil, "no-quiz-course", datetime(2025, 10, 1))
    complete(an, "quiz-course", datetime(2025, 10, 2), score=100.0)
    gone.withdrawn_at = datetime(2025, 10, 3)
    factory.commit()

    signin(browser, "gv.hoa")
    class_page = text(browser.get(f"/teach/classes/{room.id}"))
    assert f'href="/teach/classes/{room.id}/message"' in class_page
    response = browser.get(f"/teach/classes/{room.id}/message")
    assert response.status_code == 200
    page = text(response)
    message = message_text(page)
    lines = message.splitlines()
    assert lines[0] == "Kính gửi quý phụ huynh lớp 3A,"
    # Who has not finished what, by when (dd/mm/yyyy); An finished everything and is not named.
    assert "• Khóa có bài kiểm tra (hạn 20/05/2099): Nguyễn Văn Bình, Lê Thị Chi" in lines
    assert "• Khóa không có bài kiểm tra: Lê Thị Chi" in lines
    assert "Trần Thị An" not in message
    assert "02/01/2099" not in message  # the withdrawn assignment of another class
    assert "http://localhost/login/class" in message
    assert t("Pupils sign in with their class card (the class code and PIN are on the card).") \
        in message
    assert lines[-2] == t("Please remind and help the children to finish on time. "
                          "Thank you very much!")
    assert lines[-1] == "Đỗ Thị Hoa"
    # The copy button needs the page's own script (no inline script under the CSP).
    assert re.search(r'<button type="button"[^>]*data-copy="zalo-message"[^>]*hidden', page)
    assert re.search(r'<script src="/static/copy\.js\?v=[^"]*" defer></script>', page)
    with browser.client.get("/static/copy.js") as script:
        assert script.status_code == 200 and b"execCommand" in script.get_data()

    complete(binh, "quiz-course", datetime(2025, 10, 4), score=90.0)
    factory.commit()
    message = message_text(text(browser.get(f"/teach/classes/{room.id}/message")))
    assert "Nguyễn Văn Bình" not in message and "Lê Thị Chi" in message


def test_the_zalo_message_uses_the_public_address(browser, web_app, factory, courses, school,
                                                  teacher):
    web_app.config["PUBLIC_URL"] = "https://hoctap.hoabinh.edu.vn/"
    room7 = factory.classroom(school, name="7A1", grade=7, teacher=teacher)
    factory.pupil(room7, name="Phạm Minh Khoa")
    add_assignment(room7, teacher, "quiz-course", due=date(2099, 5, 20))  # any course will do
    factory.commit()
    signin(browser, "gv.hoa")
    message = message_text(text(browser.get(f"/teach/classes/{room7.id}/message")))
    assert "https://hoctap.hoabinh.edu.vn/login\n" in message
    assert t("Pupils sign in with their own account.") in message


def test_no_message_when_everyone_has_finished(browser, factory, courses, room, teacher):
    an = factory.pupil(room, name="Trần Thị An")
    add_assignment(room, teacher, "no-quiz-course")
    complete(an, "no-quiz-course", datetime(2025, 10, 1))
    factory.commit()
    signin(browser, "gv.hoa")
    page = text(browser.get(f"/teach/classes/{room.id}/message"))
    assert "<textarea" not in page
    assert t("Every pupil has finished the assigned courses: there is no one to remind.") in page
