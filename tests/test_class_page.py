"""The class page as a teacher uses it on a phone (issue 16): who sees the school's actions,
what comes first, due dates that make sense, and the message for the class's Zalo group."""

from datetime import date

import test_teaching
from test_teaching import add_assignment, signin, t, text

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
    factory.pupil(room, name="Trần Thị An")
    factory.user("ward_admin", username="phuong")
    factory.user("school_admin", username="qt.ad", school=school)
    add_assignment(room, teacher, "quiz-course", due=date(2099, 12, 31))
    factory.commit()

    signin(browser, "phuong")
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
