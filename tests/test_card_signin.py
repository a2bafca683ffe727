"""Young pupils sign in with a printed class card: class code, pick your name, type your PIN."""

import html
import re

import pytest
from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from lms.accounts import verify_pin
from lms.extensions import db
from lms.formatting import qr_data_uri
from lms.models import Enrollment, User, UserSession
from lms.people.codes import ALPHABET


def t(msgid, **kwargs):
    with current_app.test_request_context():
        return gettext(msgid, **kwargs)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def signin(browser, login):
    assert browser.login(login).status_code == 302, login
    browser.get("/courses")  # the signed-in session's CSRF token


def cards(browser, url):
    """{pupil name: (class code, PIN, QR image src)} from the cards page, after new PINs are
    issued through `url` (a confirmed cards/new)."""
    response = browser.post(url, follow_redirects=True)
    assert response.status_code == 200, response.status_code
    out = {}
    for card in re.findall(r'<section class="signin-card">(.*?)</section>',
                           response.get_data(as_text=True), re.S):
        name = re.search(r"<strong>(.*?)</strong>", card).group(1)
        code, pin = re.findall(r'<strong class="code">(.*?)</strong>', card)
        src = html.unescape(re.search(r'<img src="([^"]+)"', card).group(1))
        out[name] = (code, pin, src)
    return out


def pins_of(found):
    return {name: pin for name, (_code, pin, _src) in found.items()}


def wrong(pin: str) -> str:
    return f"{(int(pin) + 1) % 10000:04d}"


def pin_login(browser, code, pupil, pin):
    return browser.post(f"/login/class/{code}", {"pupil": str(pupil.id), "pin": pin})


def signed_in_as(browser):
    """The name greeting the browser on /home, or None when it is sent to sign in."""
    response = browser.get("/home")
    if response.status_code != 200:
        assert response.status_code == 302 and "/login" in response.location
        return None
    match = re.search(r"<h1>(.*?)</h1>", text(response))
    return match.group(1)


@pytest.fixture
def teacher(factory):
    return factory.user("teacher", username="gv.hoa", name="Đỗ Thị Hoa")


@pytest.fixture
def room(factory, teacher):
    return factory.classroom(name="2A", grade=2, teacher=teacher)


@pytest.fixture
def pupils(factory, room):
    return [factory.pupil(room, username=f"hs{n}", name=name, password=None)
            for n, name in enumerate(["Trần Thị An", "Nguyễn Văn Bình", "Lê Thị Chi"])]


@pytest.fixture
def teacher_browser(browser, factory, room, pupils):
    """The homeroom teacher, signed in."""
    factory.commit()
    signin(browser, "gv.hoa")
    return browser


@pytest.fixture
def printed(teacher_browser, room):
    """The homeroom teacher prints the class's cards; returns {name: PIN}."""
    return pins_of(cards(teacher_browser, f"/teach/classes/{room.id}/cards/new"))


def test_cards_show_name_class_code_pin_and_qr(browser, factory, room, pupils):
    room.signin_code = None  # the class gets a code when its first cards are printed
    factory.commit()
    signin(browser, "gv.hoa")
    found = cards(browser, f"/teach/classes/{room.id}/cards/new")
    db.session.refresh(room)
    code = room.signin_code
    assert len(code) == 6 and set(code) <= set(ALPHABET)
    assert list(found) == ["Trần Thị An", "Nguyễn Văn Bình", "Lê Thị Chi"]  # class-list order
    qr = qr_data_uri(f"http://127.0.0.1:5000/login/class/{code}")  # the demo's public address
    assert qr.startswith("data:image/svg+xml")
    for pupil in pupils:
        db.session.refresh(pupil)
        card_code, pin, src = found[pupil.full_name]
        assert card_code == code and src == qr
        assert re.fullmatch(r"\d{4}", pin)
        # Stored as a salted hash: the PIN is not a field of it (as digits it may turn up
        # inside the hex digest by chance, so look at the fields, not at substrings).
        assert pin not in pupil.pin_hash.split("$") and verify_pin(pupil, pin)


def test_pupil_signs_in_with_code_name_and_pin(printed, make_browser, room, pupils):
    kid = make_browser()
    code = room.signin_code
    response = kid.get("/login/class", query_string={"code": f" {code[:3].lower()}-{code[3:]} "})
    assert response.status_code == 302 and response.location == f"/login/class/{code}"
    page = kid.get(response.location).get_data(as_text=True)
    assert re.findall(r'name="pupil" value="(\d+)"', page) == [str(p.id) for p in pupils]
    response = pin_login(kid, code, pupils[1], printed["Nguyễn Văn Bình"])
    assert response.status_code == 302 and response.location == "/home"
    assert signed_in_as(kid) == t("Hello, %(name)s", name="Nguyễn Văn Bình")
    sessions = db.session.scalars(select(UserSession).where(UserSession.user_id == pupils[1].id))
    assert [s.revoked_at for s in sessions] == [None]


def test_wrong_pin_is_refused_with_a_message(printed, make_browser, room, pupils):
    kid = make_browser()
    response = pin_login(kid, room.signin_code, pupils[0], wrong(printed["Trần Thị An"]))
    assert response.status_code == 401
    assert t("Wrong PIN, or no name chosen. Try again or ask your teacher.") in text(response)
    no_name = kid.post(f"/login/class/{room.signin_code}", {"pin": printed["Trần Thị An"]})
    assert no_name.status_code == 401
    assert signed_in_as(kid) is None


def test_five_wrong_pins_lock_that_pupil_only(printed, make_browser, room, pupils):
    kid = make_browser()
    right = printed["Trần Thị An"]
    for _ in range(5):
        assert pin_login(kid, room.signin_code, pupils[0], wrong(right)).status_code == 401
    blocked = pin_login(make_browser(), room.signin_code, pupils[0], right)
    assert blocked.status_code == 429
    assert t("Too many attempts") in text(blocked)
    classmate = make_browser()
    assert pin_login(classmate, room.signin_code, pupils[1],
                     printed["Nguyễn Văn Bình"]).status_code == 302
    assert signed_in_as(kid) is None


def test_failures_across_a_class_are_limited(teacher_browser, make_browser, factory, web_app,
                                             room, pupils):
    browser = teacher_browser
    web_app.config["PIN_LIMIT_PER_CLASS"] = "3 per 15 minutes"
    fourth = factory.pupil(room, name="Phạm Văn Dũng", password=None)
    other_room = factory.classroom(name="2B", grade=2, teacher=room.homeroom_teacher)
    neighbour = factory.pupil(other_room, name="Hồ Thị Giang", password=None)
    factory.commit()
    pins = pins_of(cards(browser, f"/teach/classes/{room.id}/cards/new"))
    other_pins = pins_of(cards(browser, f"/teach/classes/{other_room.id}/cards/new"))
    code = room.signin_code
    # The same class however its code is typed, one failure for each of three pupils.
    for spelling, pupil in zip([code, code.lower(), f"{code[:3]}-{code[3:]}"], pupils,
                               strict=True):
        response = pin_login(make_browser(), spelling, pupil, wrong(pins[pupil.full_name]))
        assert response.status_code == 401
    blocked = pin_login(make_browser(), code, fourth, pins["Phạm Văn Dũng"])
    assert blocked.status_code == 429
    assert pin_login(make_browser(), other_room.signin_code, neighbour,
                     other_pins["Hồ Thị Giang"]).status_code == 302


def test_reprinted_cards_replace_the_old_pins(printed, browser, make_browser, room, pupils):
    old = printed["Trần Thị An"]
    for _ in range(5):  # a new PIN may, rarely, equal the old one: print again
        new = pins_of(cards(browser, f"/teach/classes/{room.id}/cards/new"))["Trần Thị An"]
        if new != old:
            break
    assert new != old
    assert pin_login(make_browser(), room.signin_code, pupils[0], old).status_code == 401
    assert pin_login(make_browser(), room.signin_code, pupils[0], new).status_code == 302


def test_resetting_one_pupils_pin_leaves_the_others(printed, browser, make_browser, room,
                                                   pupils):
    an, binh = pupils[0], pupils[1]
    db.session.refresh(binh)
    binh_hash = binh.pin_hash
    old = printed["Trần Thị An"]
    for _ in range(5):
        found = cards(browser, f"/teach/classes/{room.id}/cards/new?pupil={an.id}")
        if found["Trần Thị An"][1] != old:
            break
    assert list(found) == ["Trần Thị An"]
    code, new, _src = found["Trần Thị An"]
    assert code == room.signin_code and new != old
    db.session.refresh(binh)
    assert binh.pin_hash == binh_hash
    assert pin_login(make_browser(), code, an, old).status_code == 401
    assert pin_login(make_browser(), code, an, new).status_code == 302
    assert pin_login(make_browser(), code, binh, printed["Nguyễn Văn Bình"]).status_code == 302


def test_unknown_class_code_gets_a_friendly_message(browser, factory, room):
    factory.commit()
    response = browser.get("/login/class", query_string={"code": "ZZZZ99"})
    assert response.status_code == 200
    page = text(response)
    assert t("No class has this code. Check the card and try again.") in page
    assert 'name="code"' in page and 'value="ZZZZ99"' in page
    empty = browser.get("/login/class")
    assert empty.status_code == 200
    assert t("No class has this code. Check the card and try again.") not in text(empty)
    missing = browser.get("/login/class/ZZZZ99")
    assert missing.status_code == 404 and t("Page not found") in text(missing)
    assert browser.post("/login/class/ZZZZ99", {"pupil": "1", "pin": "1234"}).status_code == 404


def test_only_pupils_of_the_class_sign_in_with_its_code(printed, browser, make_browser, factory,
                                                       room, pupils):
    other_room = factory.classroom(name="2B", grade=2, teacher=room.homeroom_teacher)
    outsider = factory.pupil(other_room, name="Hồ Thị Giang", password=None)
    factory.commit()
    outsider_pin = pins_of(cards(browser, f"/teach/classes/{other_room.id}/cards/new"))[
        "Hồ Thị Giang"]
    page = make_browser().get(f"/login/class/{room.signin_code}").get_data(as_text=True)
    assert str(outsider.id) not in re.findall(r'name="pupil" value="(\d+)"', page)
    assert "Hồ Thị Giang" not in page
    intruder = make_browser()
    assert pin_login(intruder, room.signin_code, outsider, outsider_pin).status_code == 401
    assert signed_in_as(intruder) is None
    assert pin_login(make_browser(), other_room.signin_code, outsider,
                     outsider_pin).status_code == 302


def test_moved_or_disabled_pupils_cannot_use_the_old_card(printed, make_browser, factory, room,
                                                         pupils):
    from datetime import date

    moved, disabled = pupils[0], pupils[1]
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.pupil_id == moved.id))
    enrollment.ended_on = date(2025, 12, 1)
    db.session.get(User, disabled.id).active = False
    factory.commit()
    page = make_browser().get(f"/login/class/{room.signin_code}").get_data(as_text=True)
    assert re.findall(r'name="pupil" value="(\d+)"', page) == [str(disabled.id), str(pupils[2].id)]
    assert pin_login(make_browser(), room.signin_code, moved,
                     printed["Trần Thị An"]).status_code == 401
    assert pin_login(make_browser(), room.signin_code, disabled,
                     printed["Nguyễn Văn Bình"]).status_code == 401

