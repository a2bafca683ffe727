"""Passwords that are easy to guess are refused wherever one is set, with the reason."""

import html

import pytest
from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from lms.extensions import db
from lms.models import User
from lms.people.codes import issue_code
from lms.people.passwords import COMMON, PATTERN, PERSONAL, SHORT, password_problem


def t(msgid):
    """The Vietnamese text of a msgid or of a lazy message."""
    with current_app.test_request_context():
        return gettext(msgid) if isinstance(msgid, str) else str(msgid)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("password,reason", [
    ("12345678", COMMON), ("password1", COMMON), ("iloveyou", COMMON), ("Qwertyuiop", COMMON),
    ("anhyeuem", COMMON), ("matkhau123", COMMON),
    ("aaaaaaaa", PATTERN), ("88888888", PATTERN), ("abcdefgh", PATTERN), ("98765432", PATTERN),
    ("abc12", SHORT),
])
def test_easy_passwords_are_refused_with_the_reason(password, reason):
    assert password_problem(password) is reason


def test_the_persons_phone_or_username_is_refused():
    assert password_problem("0912345678", phone="0912345678") is PERSONAL
    assert password_problem("+84 912 345 678", phone="0912345678") is PERSONAL
    assert password_problem("GV.Lan.2025", username="gv.lan.2025") is PERSONAL
    assert password_problem("0912345678") is None  # someone else's number is no rule


@pytest.mark.parametrize("password", ["correct horse battery", "mat-khau-cua-me", "Lan@3A-2025",
                                      "hoa sen trắng"])
def test_ordinary_passwords_pass(password):
    assert password_problem(password) is None


def test_the_common_list_is_the_top_ten_thousand():
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    from lms.people.passwords import common_passwords

    ranked = FREQUENCY_LISTS["passwords"]
    assert ranked[9_999] in common_passwords() and ranked[10_000] not in common_passwords()


def test_staff_setup_refuses_a_common_password_and_their_own_phone(browser, factory, app):
    staff = factory.user("teacher", username="gv.moi", phone="0911222333", password=None)
    code = issue_code(db.session, "setup", staff, None, 7)
    factory.commit()
    browser.get("/setup")
    for password, reason in (("12345678", COMMON), ("aaaaaaaa", PATTERN),
                             ("0911222333", PERSONAL), ("gv.moi", SHORT)):
        refused = browser.post("/setup", {"code": code, "password": password, "confirm": password})
        assert refused.status_code == 200 and t(reason) in text(refused), password
    assert db.session.scalar(select(User.password_hash).where(User.id == staff.id)) is None
    ok = browser.post("/setup", {"code": code, "password": "hoa sen trắng",
                                 "confirm": "hoa sen trắng"})
    assert ok.status_code == 302


def test_staff_setup_says_why_in_vietnamese(browser, factory):
    staff = factory.user("teacher", username="gv.viet", password=None)
    code = issue_code(db.session, "setup", staff, None, 7)
    factory.commit()
    browser.get("/setup")
    refused = browser.post("/setup", {"code": code, "password": "iloveyou",
                                      "confirm": "iloveyou"})
    assert "Mật khẩu này nằm trong số những mật khẩu phổ biến nhất" in text(refused)


def test_parent_sign_up_refuses_their_phone_as_password(browser, factory):
    pupil = factory.pupil(factory.classroom(grade=3), password=None)
    code = issue_code(db.session, "pairing", pupil, None, 30)
    factory.commit()
    browser.get("/pair")
    for password, reason in (("+84912345678", PERSONAL), ("12345678", COMMON)):
        refused = browser.post("/pair", {"code": code, "full_name": "Trần Thị Mai",
                                         "phone": "0912 345 678", "password": password,
                                         "confirm": password, "consent": "y"})
        assert refused.status_code == 200 and t(reason) in text(refused), password
    assert t("The password must not be your phone number or your username.") == \
        "Mật khẩu không được trùng với số điện thoại hay tên đăng nhập của bạn."
    assert db.session.scalar(select(User).where(User.phone == "0912345678")) is None


def test_the_admin_command_refuses_easy_passwords(runner, app):
    for password in ("12345678", "aaaaaaaa", "ward.admin"):
        result = runner.invoke(args=["users", "create-admin", "--username", "ward.admin",
                                     "--name", "Trần Thị Hoa", "--password", password])
        assert result.exit_code != 0 and "Mật khẩu" in result.output, password
    assert db.session.scalar(select(User).where(User.username == "ward.admin")) is None
