"""Sign-in, sessions that really end, rate limits, safe redirects, the first admin."""

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from lms.accounts import end_all_sessions
from lms.config import Config
from lms.extensions import db
from lms.models import User


def test_password_hash_is_argon2id_at_owasp_parameters():
    time_cost, memory_kib, parallelism = Config.PASSWORD_ARGON2
    assert Config.PASSWORD_HASH_METHOD == "argon2id"
    assert time_cost >= 2 and memory_kib >= 19 * 1024 and parallelism == 1


def test_admin_password_is_stored_at_production_strength(runner, app):
    app.config["PASSWORD_HASH_METHOD"] = Config.PASSWORD_HASH_METHOD
    result = runner.invoke(args=["users", "create-admin", "--username", "Ward.Admin",
                                 "--name", "Trần  Thị   Hoa", "--password", "mat-khau-dai-1"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "ward.admin"))
    assert user.role == "ward_admin" and user.full_name == "Trần Thị Hoa"
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PasswordHasher().verify(user.password_hash, "mat-khau-dai-1")
    again = runner.invoke(args=["users", "create-admin", "--username", "ward.admin",
                                "--name", "X", "--password", "mat-khau-dai-1"])
    assert again.exit_code != 0 and "đã có" in again.output
    short = runner.invoke(args=["users", "create-admin", "--username", "other",
                                "--name", "X", "--password", "short"])
    assert short.exit_code != 0 and "8" in short.output


def test_login_by_username_or_phone(make_browser, factory):
    factory.user("teacher", username="gv.lan", phone="0912345678")
    factory.commit()
    assert make_browser().login("GV.Lan").location == "/"
    assert make_browser().login("+84 912 345 678").location == "/"
    wrong = make_browser().login("gv.lan", "wrong password")
    assert wrong.status_code == 401
    assert "Wrong username or password" in wrong.get_data(as_text=True) or \
        "Sai tên đăng nhập" in wrong.get_data(as_text=True)


def test_login_rotates_the_session(browser, factory, client):
    factory.user("teacher", username="rot")
    factory.commit()
    browser.get("/login")
    before = client.get_cookie("session").value
    browser.post("/login", {"login": "rot", "password": "correct horse battery"})
    assert client.get_cookie("session").value != before
    with client.session_transaction() as s:
        assert "csrf_token" not in s  # the pre-login session was cleared


def test_the_session_cookie_carries_only_what_is_used(browser, factory, client, web_app):
    factory.user(username="gon")
    factory.commit()
    assert browser.login("gon").status_code == 302
    cookie = client.get_cookie("session").value
    data = web_app.session_interface.get_signing_serializer(web_app).loads(cookie)
    # Flask-Login's "_id" (a hash for its session protection, which is off) is not sent along
    # with every request; the server-side session token is.
    assert set(data) == {"_user_id", "_fresh", "csrf_token", "seen"}
    assert len(cookie) < 260


def test_logout_ends_the_session_on_the_server(make_browser, factory, web_app):
    factory.user("teacher", username="out")
    factory.commit()
    first = make_browser()
    first.login("out")
    copied = first.client.get_cookie("session").value
    assert first.get("/home").status_code == 200
    assert first.post("/logout").status_code == 302
    thief = make_browser()
    thief.client.set_cookie("session", copied)
    response = thief.get("/home")
    assert response.status_code == 302 and "/login" in response.location


def test_logout_is_post_only(browser, factory):
    factory.user("teacher", username="getout")
    factory.commit()
    browser.login("getout")
    assert browser.get("/logout").status_code == 405
    assert browser.get("/home").status_code == 200


def test_disabled_user_is_signed_out_everywhere(make_browser, factory):
    user = factory.user("teacher", username="dis")
    factory.commit()
    phone, laptop = make_browser(), make_browser()
    phone.login("dis")
    laptop.login("dis")
    user.active = False
    end_all_sessions(user.id)
    db.session.commit()
    for device in (phone, laptop):
        assert device.get("/home").status_code == 302
    assert make_browser().login("dis").status_code == 401


def test_idle_session_expires(make_browser, factory, web_app):
    from datetime import timedelta

    factory.user("teacher", username="idle")
    factory.commit()
    b = make_browser()
    b.login("idle")
    with b.client.session_transaction() as s:
        s["seen"] -= (web_app.config["SESSION_IDLE_TIMEOUT"] + timedelta(minutes=1)).total_seconds()
    assert b.get("/home").status_code == 302


@pytest.mark.parametrize("target,expected", [
    ("/history", "/history"),
    ("https://evil.example/", "/"),
    ("//evil.example/x", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
])
def test_next_redirects_only_to_this_site(browser, factory, target, expected):
    factory.user("teacher", username="nx")
    factory.commit()
    browser.get("/login")
    response = browser.post("/login", {"login": "nx", "password": "correct horse battery",
                                       "next": target})
    assert response.location == expected


def test_login_form_carries_next_from_the_redirect(browser, factory):
    response = browser.get("/history")
    assert response.status_code == 302
    page = browser.get(response.location).get_data(as_text=True)
    assert 'value="/history"' in page


def test_failed_logins_are_rate_limited_per_account(make_browser, factory):
    factory.user("teacher", username="target")
    factory.commit()
    attacker = make_browser()
    for _ in range(5):
        assert attacker.login("target", "guess").status_code == 401
    blocked = make_browser().login("target", "correct horse battery")
    assert blocked.status_code == 429
    assert "15" in blocked.get_data(as_text=True)


def test_failed_logins_are_rate_limited_per_address(make_browser, factory, web_app):
    web_app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    for n in range(3):
        factory.user("teacher", username=f"spray{n}")
    factory.commit()
    b = make_browser()
    for n in range(3):
        assert b.login(f"spray{n}", "guess").status_code == 401
    assert b.login("spray0", "correct horse battery").status_code == 429


def test_successful_logins_are_not_counted(make_browser, factory):
    factory.user("teacher", username="often")
    factory.commit()
    for _ in range(8):
        assert make_browser().login("often").status_code == 302


def test_forms_require_csrf(client, factory):
    factory.user("teacher", username="nocsrf")
    factory.commit()
    response = client.post("/login", data={"login": "nocsrf", "password": "correct horse battery"})
    assert response.status_code == 400


def test_language_switch(browser):
    page = browser.get("/courses").get_data(as_text=True)
    assert '<html lang="vi">' in page
    browser.post("/lang", {"lang": "en", "next": "/courses"})
    assert '<html lang="en">' in browser.get("/courses").get_data(as_text=True)
    assert browser.client.get("/lang").status_code == 405


def test_default_secret_refused_outside_tests(monkeypatch, tmp_path):
    from lms import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("LMS_DEMO", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_signed_in_user_is_one_row_read_only_and_loads_the_rest_on_demand(app, factory):
    from flask import session

    from lms.accounts import SignedInUser, load_user, start_session

    school = factory.school()
    teacher = factory.user("school_admin", username="hieu.truong", school=school)
    factory.commit()
    with app.test_request_context("/"):
        token = start_session(teacher)
        signed_in = load_user(token)
        assert isinstance(signed_in, SignedInUser)
        assert (signed_in.id, signed_in.role, signed_in.school_id, signed_in.full_name) == (
            teacher.id, "school_admin", school.id, teacher.full_name)
        assert signed_in.get_id() == token and signed_in.is_authenticated and signed_in.is_staff
        assert signed_in.is_learner and signed_in.tier == "teacher"  # staff take teacher courses
        assert signed_in.school.code == school.code  # a relationship: the full User, loaded once
        assert signed_in.username == "hieu.truong"
        assert signed_in.record() is signed_in.record()
        with pytest.raises(AttributeError):
            signed_in.household_id = 5  # changes go through record(), never silently nowhere
        session.clear()
        assert load_user(token) is None  # no idle clock in the cookie: not signed in


def test_admins_are_created_for_a_unit_or_for_the_city(runner, factory):
    city = factory.unit(code="HP", name="Thành phố Hải Phòng")
    city.kind = "city"
    ward = factory.unit(code="NT", name="Phường Nguyễn Trãi")
    ward.parent_id = city.id
    factory.commit()
    made = runner.invoke(args=["users", "create-admin", "--username", "nguyentrai", "--name", "Lê Văn Ba",
                               "--password", "mat-khau-dai-1", "--unit", "NT"])
    assert made.exit_code == 0, made.output
    assert "Phường Nguyễn Trãi" in made.output
    boss = runner.invoke(args=["users", "create-admin", "--username", "thanhpho", "--name", "Vũ Thị Tư",
                               "--password", "mat-khau-dai-2", "--city"])
    assert boss.exit_code == 0, boss.output
    wrong = runner.invoke(args=["users", "create-admin", "--username", "khac", "--name", "X",
                                "--password", "mat-khau-dai-3", "--unit", "HP"])
    assert wrong.exit_code != 0 and "NT" in wrong.output  # a city is no ward: the codes are named
    users = {u.username: (u.role, u.unit_id) for u in db.session.scalars(select(User))}
    assert users["nguyentrai"] == ("ward_admin", ward.id)
    assert users["thanhpho"] == ("city_admin", city.id)
    assert "khac" not in users
