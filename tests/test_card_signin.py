"""Young pupils sign in with a printed class card: class code, pick your name, type your PIN."""

import html
import re

import pytest
from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from lms.accounts import hash_pin, verify_pin
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
        assert pin not in pupil.pin_hash and verify_pin(pupil, pin)


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


def give_pin(pupil, pin="1234"):
    """A PIN without printing cards (hash_pin's signature is the PIN storage's: with or without
    the pupil's id)."""
    db.session.flush()
    try:
        pupil.pin_hash = hash_pin(pin, pupil.id)
    except TypeError:
        pupil.pin_hash = hash_pin(pin)


@pytest.fixture
def big_class(factory, room):
    """Thirty pupils: the name list is long on a phone."""
    pupils = [factory.pupil(room, name=f"Nguyễn Văn Số {n:02d}", password=None) for n in range(30)]
    for pupil in pupils:
        give_pin(pupil)
    factory.commit()
    return pupils


def test_the_pin_box_comes_on_its_own_page_after_the_name(make_browser, room, big_class):
    kid = make_browser()
    names = kid.get(f"/login/class/{room.signin_code}")
    page = text(names)
    assert len(re.findall(r'name="pupil" value="(\d+)"', page)) == 30
    assert 'name="pin"' not in page  # no PIN box under thirty names
    chosen = big_class[17]
    pin_page = kid.get(f"/login/class/{room.signin_code}", query_string={"pupil": chosen.id})
    page = text(pin_page)
    assert page.index("Nguyễn Văn Số 17") < page.index('name="pin"')
    assert "Nguyễn Văn Số 16" not in page and "Nguyễn Văn Số 18" not in page
    assert t("Not %(name)s? Choose your name again", name="Nguyễn Văn Số 17") in page
    wrong_pin = pin_login(kid, room.signin_code, chosen, "9999")
    assert wrong_pin.status_code == 401
    again = text(wrong_pin)  # the same pupil's PIN page again, with the message
    assert 'name="pin"' in again and "Nguyễn Văn Số 18" not in again
    assert pin_login(kid, room.signin_code, chosen, "1234").status_code == 302
    assert signed_in_as(kid) == t("Hello, %(name)s", name="Nguyễn Văn Số 17")


def test_the_class_code_button_is_not_the_lesson_pagers(app, browser):
    page = text(browser.get("/login/class"))
    assert f">{t('Continue')}</button>" in page and t("Continue") == "Tiếp tục"
    assert "Bài tiếp" not in page


def test_a_name_from_another_class_gets_the_name_list(make_browser, factory, room, big_class):
    other = factory.pupil(factory.classroom(name="2C", grade=2), name="Hồ Thị Giang",
                          password=None)
    factory.commit()
    page = text(make_browser().get(f"/login/class/{room.signin_code}",
                                   query_string={"pupil": other.id}))
    assert "Hồ Thị Giang" not in page and 'name="pin"' not in page


@pytest.mark.browser
def test_on_a_phone_the_pin_box_is_in_view_after_tapping_a_name(web_app, room, big_class):
    import shutil
    import threading

    from werkzeug.serving import make_server

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    server = make_server("127.0.0.1", 0, web_app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium,
                                        args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 360, "height": 740})
            page.goto(f"http://127.0.0.1:{server.server_port}/login/class")
            page.fill("input[name=code]", room.signin_code)
            page.click("button:has-text('Tiếp tục')")
            page.click("button:has-text('Nguyễn Văn Số 29')")  # the last of thirty
            box = page.locator("input[name=pin]").bounding_box()
            assert box is not None and box["y"] + box["height"] <= 740  # no scrolling to find it
            page.fill("input[name=pin]", "1234")
            page.click("button:has-text('Đăng nhập')")
            assert page.url.endswith("/home")
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            browser.close()
    finally:
        server.shutdown()
