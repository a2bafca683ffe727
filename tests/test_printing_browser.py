"""Printed cards in Chromium (issue 16 item 11): a Print button that prints, hidden without
JavaScript, and cards of one size, eight to an A4 sheet."""

import re

import pytest
from test_browser import browser_page, fits_phone, live_server, sign_in, visit  # noqa: F401 - fixtures

from lms.extensions import db
from lms.teaching.pins import issue_pins

pytestmark = pytest.mark.browser


def test_cards_print_eight_equal_cards_to_an_a4_sheet(live_server, browser_page, factory):  # noqa: F811
    school = factory.school(level="tieu-hoc")
    teacher = factory.user("teacher", username="gv.mai", school=school)
    room = factory.classroom(school=school, grade=2, name="2C", teacher=teacher)
    names = ["Nguyễn Ngọc Bảo Trâm", "An", *(f"Phạm Văn Học Sinh {n}" for n in range(8))]
    pupils = [factory.pupil(room, name=name) for name in names]
    factory.commit()
    issue_pins(db.session, room, pupils)

    page = browser_page
    sign_in(page, live_server, "gv.mai")
    visit(page, f"{live_server}/teach/classes/{room.id}/cards")
    assert page.locator("section.signin-card").count() == 10

    button = page.locator("button[data-print]")
    assert button.is_visible()
    page.evaluate("window.print = () => { window.printed = true; }")
    button.click()
    assert page.evaluate("window.printed") is True

    page.emulate_media(media="print")
    page.set_viewport_size({"width": 718, "height": 1047})  # A4 less 10 mm margins, at 96 dpi
    heights = {round(box["height"]) for box in
               (card.bounding_box() for card in page.locator("section.signin-card").all())}
    assert len(heights) == 1, heights  # a long name does not make its card taller
    clipped = page.evaluate("""[...document.querySelectorAll('section.signin-card')]
        .filter(c => c.scrollHeight > c.clientHeight + 1).length""")
    assert clipped == 0  # and nothing on a card is cut off
    assert not button.is_visible()
    pdf = page.pdf(format="A4", print_background=False)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 2  # 8 + 2
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 360, "height": 740})
    fits_phone(page)

    no_js = page.context.browser.new_context(java_script_enabled=False,
                                             viewport={"width": 360, "height": 740})
    plain = no_js.new_page()
    plain.goto(f"{live_server}/teach/classes/{room.id}/cards")  # not signed in: the sign-in page
    plain.fill("input[name=login]", "gv.mai")
    plain.fill("input[name=password]", "correct horse battery")
    plain.click("button:has-text('Đăng nhập')")
    plain.goto(f"{live_server}/teach/classes/{room.id}/cards")
    assert plain.locator("section.signin-card").count() == 10
    assert not plain.locator("button[data-print]").is_visible()
    assert "menu của trình duyệt" in plain.content()
    no_js.close()
