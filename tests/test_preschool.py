"""Kindergarten classes: their children have no lessons and never sign in, but their families
pair with the letter's code, learn the parent courses and count (issue 14)."""

import pytest
from conftest import page_text
from flask_babel import gettext
from test_family import letters, signin, signup

from lms.extensions import db
from lms.models import Guardianship, User
from lms.models.people import PRESCHOOL_GRADE


@pytest.fixture
def kindergarten(factory):
    school = factory.school(name="Trường Mầm non Hoa Sen", level="mam-non")
    teacher = factory.user("teacher", username="gv.mamnon", name="Phạm Thị Cúc", school=school)
    room = factory.classroom(school, name="Lá 1", grade=PRESCHOOL_GRADE, teacher=teacher)
    kids = [factory.pupil(room, name="Ngô Bảo An", password=None),
            factory.pupil(room, name="Vũ Minh Khôi", password=None)]
    factory.commit()
    return room, kids


def t(text, **kwargs):
    with_locale = gettext(text, **kwargs)
    return page_text(with_locale)


@pytest.fixture
def teacher(make_browser, kindergarten):
    browser = make_browser()
    signin(browser, "gv.mamnon")
    return browser


def test_the_class_page_lists_the_children_and_offers_only_letters(app, teacher, kindergarten):
    room, kids = kindergarten
    assert all(k.tier is None for k in kids)
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        expected = [t("%(n)s children", n=2), t("Print letters to families")]
        absent = [t("Assign a course"), t("Print sign-in cards"), t("Message for the class's Zalo group"),
                  t("Progress")]
    page = teacher.get(f"/teach/classes/{room.id}")
    assert page.status_code == 200
    text = page_text(page.get_data(as_text=True))
    assert all(e in text for e in expected), text
    assert not [a for a in absent if a in text]
    assert "Ngô Bảo An" in text and "Vũ Minh Khôi" in text


def test_children_get_no_cards_no_class_sign_in_and_no_reminders(make_browser, teacher, kindergarten):
    room, _kids = kindergarten
    assert teacher.get(f"/teach/classes/{room.id}/cards").status_code == 404
    assert teacher.post(f"/teach/classes/{room.id}/cards").status_code == 404
    assert teacher.get(f"/teach/classes/{room.id}/message").status_code == 404
    assert db.session.scalar(db.select(User.pin_hash).where(User.id == _kids[0].id)) is None
    pupil_side = make_browser().get("/login/class", query_string={"code": room.signin_code})
    assert pupil_side.status_code == 200  # the code form again: no class opens with this code


def test_a_childs_family_pairs_with_the_letter_and_learns(make_browser, teacher, kindergarten):
    room, kids = kindergarten
    codes = letters(teacher, room)
    assert sorted(codes) == ["Ngô Bảo An", "Vũ Minh Khôi"]
    parent = make_browser()
    assert signup(parent, codes["Ngô Bảo An"][0], phone="0912000111", name="Ngô Văn Tâm").status_code == 302
    guardian = db.session.scalar(db.select(User).where(User.phone == "0912000111"))
    assert (guardian.role, guardian.tier) == ("parent", "parent")
    assert db.session.scalars(db.select(Guardianship.pupil_id)
                              .where(Guardianship.guardian_id == guardian.id)).all() == [kids[0].id]
    assert parent.get("/family").status_code == 200
    assert parent.get("/courses").status_code == 200
