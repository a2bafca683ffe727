"""The class-card pages on a phone: the class code, then a page of names to tap, then a page
with the one chosen name and the PIN box at the top (not 1,750 px below thirty names)."""

import html
import re

import pytest
from flask import current_app
from flask_babel import gettext

from lms.accounts import hash_pin
from lms.extensions import db


def t(msgid, **kwargs):
    with current_app.test_request_context():
        return gettext(msgid, **kwargs)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def pin_login(browser, code, pupil, pin):
    return browser.post(f"/login/class/{code}", {"pupil": str(pupil.id), "pin": pin})


def signed_in_as(browser):
    response = browser.get("/home")
    if response.status_code != 200:
        return None
    return re.search(r"<h1>(.*?)</h1>", text(response)).group(1)


@pytest.fixture
def room(factory):
    return factory.classroom(name="2A", grade=2)


def give_pin(pupil, pin="1234"):
    """A PIN without printing cards."""
    db.session.flush()
    pupil.pin_hash = hash_pin(pin, pupil.id)


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
            page.wait_for_load_state("domcontentloaded")  # the click returns as loading starts
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            browser.close()
    finally:
        server.shutdown()
