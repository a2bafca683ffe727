"""Printed cards and letters (issue 16 items 1, 2, 11; issue 13 items 12 and 15): printing
again voids nothing, new PINs and codes come only after a page that says what stops working,
a replaced code says so, and every printed link comes from PUBLIC_URL, never the Host header."""

import html
import re

import pytest
from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from lms.accounts import hash_pin, verify_pin
from lms.extensions import db
from lms.formatting import qr_data_uri
from lms.models import OneTimeCode, User
from lms.models.base import utcnow
from lms.people.codes import code_digest, issue_code


def t(msgid, **kwargs):
    with current_app.test_request_context():
        return gettext(msgid, **kwargs)


def text(response) -> str:
    """What a reader sees, tags dropped and whitespace collapsed."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def cards_on(response) -> dict[str, tuple[str, str]]:
    """{pupil name: (PIN, QR image src)} of the cards on a page."""
    found = {}
    for card in re.findall(r'<section class="signin-card">(.*?)</section>',
                           response.get_data(as_text=True), re.S):
        name = html.unescape(re.search(r"<strong>(.*?)</strong>", card).group(1))
        _code, pin = re.findall(r'<strong class="code">(.*?)</strong>', card)
        found[name] = (pin, html.unescape(re.search(r'<img src="([^"]+)"', card).group(1)))
    return found


def pins_on(response) -> dict[str, str]:
    return {name: pin for name, (pin, _src) in cards_on(response).items()}


def letters_on(response) -> dict[str, str]:
    """{pupil name: code} of the letters on a page."""
    found = {}
    for letter in re.findall(r'<section class="letter">(.*?)</section>',
                             response.get_data(as_text=True), re.S):
        name = re.search(r"Kính gửi gia đình em (.*?) \(lớp", letter).group(1)
        found[name] = re.search(r'<strong class="code">(.*?)</strong>', letter).group(1)
    return found


def pupil(name: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.full_name == name))


@pytest.fixture
def school(factory):
    return factory.school(name="Trường Tiểu học Kim Đồng")


@pytest.fixture
def teacher(factory, school):
    return factory.user("teacher", username="gv.hoa", name="Đỗ Thị Hoa", school=school)


@pytest.fixture
def room(factory, school, teacher):
    return factory.classroom(school, name="2A", grade=2, teacher=teacher)


@pytest.fixture
def pupils(factory, room):
    return [factory.pupil(room, name=name, password=None)
            for name in ("Trần Thị An", "Nguyễn Văn Bình", "Lê Thị Chi")]


@pytest.fixture
def teacher_browser(browser, factory, room, pupils):
    factory.commit()
    assert browser.login("gv.hoa").status_code == 302
    return browser


@pytest.fixture
def base(room):
    return f"/teach/classes/{room.id}"


@pytest.fixture
def issued(teacher_browser, base):
    """The class's first cards: PINs for those who have none, then the print page."""
    response = teacher_browser.post(f"{base}/cards")
    assert response.status_code == 302 and response.location == f"{base}/cards"
    return pins_on(teacher_browser.get(f"{base}/cards"))


# --- item 1: printing again voids nothing ---------------------------------------------------------


def test_printing_again_gives_the_same_pins_and_voids_nothing(teacher_browser, base, pupils):
    first = teacher_browser.get(f"{base}/cards")
    assert first.status_code == 200 and cards_on(first) == {}
    assert t("No PIN yet") in text(first)
    assert all(pupil(p.full_name).pin_hash is None for p in pupils)  # a GET changes nothing

    assert teacher_browser.post(f"{base}/cards").status_code == 302
    printed = pins_on(teacher_browser.get(f"{base}/cards"))
    assert list(printed) == ["Trần Thị An", "Nguyễn Văn Bình", "Lê Thị Chi"]
    hashes = {p.id: pupil(p.full_name).pin_hash for p in pupils}
    for _ in range(2):
        again = teacher_browser.get(f"{base}/cards")
        assert pins_on(again) == printed
        assert t("No PIN yet") not in text(again)
    for p in pupils:
        current = pupil(p.full_name)
        assert current.pin_hash == hashes[p.id] and verify_pin(current, printed[p.full_name])


def test_pins_for_those_without_leave_the_others(issued, teacher_browser, factory, room, base):
    factory.pupil(room, name="Phạm Văn Dũng", password=None)
    factory.commit()
    page = teacher_browser.get(f"{base}/cards")
    assert pins_on(page) == issued  # the newcomer has no card yet
    assert "Phạm Văn Dũng" in text(page).split(t("No PIN yet"))[1]
    assert teacher_browser.post(f"{base}/cards").status_code == 302
    now = pins_on(teacher_browser.get(f"{base}/cards"))
    assert {name: pin for name, pin in now.items() if name in issued} == issued
    assert re.fullmatch(r"\d{4}", now["Phạm Văn Dũng"])


def test_new_pins_only_after_a_page_naming_the_cards_that_stop_working(issued, teacher_browser,
                                                                      base, pupils):
    an, binh = pupils[0], pupils[1]
    page = text(teacher_browser.get(f"{base}/cards/new"))
    assert t("The cards already handed to these %(n)s pupils stop working:", n=3) in page
    assert all(p.full_name in page for p in pupils)
    one = text(teacher_browser.get(f"{base}/cards/new", query_string={"pupil": an.id}))
    assert t("The cards already handed to these %(n)s pupils stop working:", n=1) in one
    assert "Trần Thị An" in one and "Nguyễn Văn Bình" not in one
    assert pins_on(teacher_browser.get(f"{base}/cards")) == issued  # the GETs changed nothing

    sealed = pupil(an.full_name).pin_sealed
    response = teacher_browser.post(f"{base}/cards/new?pupil={an.id}")
    assert response.status_code == 302 and response.location == f"{base}/cards?pupil={an.id}"
    alone = pins_on(teacher_browser.get(response.location))
    assert list(alone) == ["Trần Thị An"]
    new = alone["Trần Thị An"]
    assert pupil(an.full_name).pin_sealed != sealed and verify_pin(pupil(an.full_name), new)
    if new != issued["Trần Thị An"]:  # one time in 10,000 the new PIN is the old one
        assert not verify_pin(pupil(an.full_name), issued["Trần Thị An"])
    assert verify_pin(pupil(binh.full_name), issued["Nguyễn Văn Bình"])
    assert pins_on(teacher_browser.get(f"{base}/cards"))["Nguyễn Văn Bình"] == issued["Nguyễn Văn Bình"]


def test_one_pupils_card_prints_alone(issued, teacher_browser, factory, base, pupils):
    stranger = factory.pupil(factory.classroom(name="2B", grade=2), name="Hồ Thị Giang")
    factory.commit()
    binh = pupils[1]
    alone = teacher_browser.get(f"{base}/cards", query_string={"pupil": binh.id})
    assert pins_on(alone) == {"Nguyễn Văn Bình": issued["Nguyễn Văn Bình"]}
    for wrong in (stranger.id, "x", ""):
        assert teacher_browser.get(f"{base}/cards", query_string={"pupil": wrong}).status_code == 404
    assert teacher_browser.post(f"{base}/cards/new?pupil={stranger.id}").status_code == 404
    assert pupil("Hồ Thị Giang").pin_hash is None


def test_cards_come_eight_to_a_sheet_with_the_address_to_type(issued, teacher_browser, factory,
                                                              room, base):
    for n in range(7):
        factory.pupil(room, name=f"Học Sinh Số {n}", password=None)
    factory.commit()
    teacher_browser.post(f"{base}/cards")
    response = teacher_browser.get(f"{base}/cards")
    sheets = re.findall(r'<div class="card-sheet">(.*?)</div>\s*(?=<div class="card-sheet">|</div>)',
                        response.get_data(as_text=True), re.S)
    assert [s.count('<section class="signin-card">') for s in sheets] == [8, 2]
    address = f"127.0.0.1:5000/login/class/{room.signin_code}"
    assert text(response).count(f"{t('Open')} {address}") == 10
    assert {src for _pin, src in cards_on(response).values()} == {qr_data_uri(f"http://{address}")}


# --- issue 13 item 15: PINs kept keyed and sealed; what a changed key does ------------------------


def test_pins_are_stored_keyed_and_sealed(issued, web_app, pupils):
    for p in pupils:
        row, pin = pupil(p.full_name), issued[p.full_name]
        assert row.pin_hash.startswith("hmac-sha256$") and pin not in row.pin_hash[12:]
        assert pin not in row.pin_sealed
        assert row.pin_hash == hash_pin(pin, row.id)
        current_app.config["SECRET_KEY"] = "another server's secret"  # the test's own app
        try:
            assert hash_pin(pin, row.id) != row.pin_hash  # no key, no quick search of 10^4
        finally:
            current_app.config["SECRET_KEY"] = web_app.config["SECRET_KEY"]


def test_old_pbkdf2_pins_work_until_reissued(teacher_browser, factory, base, pupils):
    an = pupil("Trần Thị An")
    an.pin_hash = generate_password_hash("4321", method="pbkdf2:sha256:1000")
    factory.commit()
    assert verify_pin(pupil("Trần Thị An"), "4321") and not verify_pin(pupil("Trần Thị An"), "4322")
    teacher_browser.post(f"{base}/cards")  # the other two get PINs; An keeps hers
    assert verify_pin(pupil("Trần Thị An"), "4321")
    page = teacher_browser.get(f"{base}/cards")
    assert "Trần Thị An" not in pins_on(page)
    assert "Trần Thị An" in text(page).split(t("No printable PIN yet"))[1]
    confirm = text(teacher_browser.get(f"{base}/cards/new?which=unprintable"))
    assert t("The cards already handed to these %(n)s pupils stop working:", n=1) in confirm
    assert "Trần Thị An" in confirm and "Lê Thị Chi" not in confirm
    others = {p.full_name: pupil(p.full_name).pin_hash for p in pupils[1:]}
    assert teacher_browser.post(f"{base}/cards/new?which=unprintable").status_code == 302
    new = pins_on(teacher_browser.get(f"{base}/cards"))["Trần Thị An"]
    assert verify_pin(pupil("Trần Thị An"), new)
    assert {name: pupil(name).pin_hash for name in others} == others


def test_a_changed_card_key_is_explained_not_a_500(issued, teacher_browser, web_app, base):
    assert teacher_browser.post(f"{base}/letters").status_code == 302
    web_app.config["CARD_KEY"] = "a new card key"
    cards = teacher_browser.get(f"{base}/cards")
    assert cards.status_code == 200 and pins_on(cards) == {}
    assert t("Some PINs were stored under another card key (CARD_KEY or SECRET_KEY was changed): "
             "those cards no longer work and cannot be printed. Issue new ones.") in text(cards)
    letters = teacher_browser.get(f"{base}/letters")
    assert letters.status_code == 200 and letters_on(letters) == {}
    assert t("Some codes were stored under another card key (CARD_KEY or SECRET_KEY was changed): "
             "those letters no longer work and cannot be printed. Issue new ones.") in text(letters)
    teacher_browser.post(f"{base}/cards")
    assert len(pins_on(teacher_browser.get(f"{base}/cards"))) == 3  # under the new key


# --- items 1 and 2: letters -----------------------------------------------------------------------


def test_letters_reprint_the_same_codes_and_a_replaced_code_says_so(teacher_browser, make_browser,
                                                                    base, pupils):
    assert letters_on(teacher_browser.get(f"{base}/letters")) == {}
    assert teacher_browser.post(f"{base}/letters").status_code == 302
    sent = letters_on(teacher_browser.get(f"{base}/letters"))
    assert set(sent) == {p.full_name for p in pupils}
    assert letters_on(teacher_browser.get(f"{base}/letters")) == sent
    for code in sent.values():
        row = db.session.scalar(select(OneTimeCode).where(OneTimeCode.code_hash == code_digest(code)))
        assert code not in row.code_sealed and code.replace("-", "") not in row.code_hash

    an = pupils[0]
    page = text(teacher_browser.get(f"{base}/letters/new", query_string={"pupil": an.id}))
    assert t("The letters already sent to the families of these %(n)s pupils stop working:",
             n=1) in page
    assert letters_on(teacher_browser.get(f"{base}/letters")) == sent  # the GET changed nothing
    response = teacher_browser.post(f"{base}/letters/new?pupil={an.id}")
    assert response.location == f"{base}/letters?pupil={an.id}"
    new = letters_on(teacher_browser.get(f"{base}/letters"))
    assert new["Trần Thị An"] != sent["Trần Thị An"]
    assert {k: v for k, v in new.items() if k != "Trần Thị An"} == {
        k: v for k, v in sent.items() if k != "Trần Thị An"}

    family = text(make_browser().get("/pair", query_string={"code": sent["Trần Thị An"]}))
    assert t("A newer letter was issued for this child, so this code no longer works. Use the code "
             "on the newest letter, or ask the class's homeroom teacher or the school.") in family
    assert t("This code has expired. Ask the school for a new one.") not in family
    fresh = text(make_browser().get("/pair", query_string={"code": new["Trần Thị An"]}))
    assert t("A newer letter was issued for this child, so this code no longer works. Use the code "
             "on the newest letter, or ask the class's homeroom teacher or the school.") not in fresh


def test_a_used_codes_letter_is_not_printed_again(teacher_browser, factory, base, pupils):
    teacher_browser.post(f"{base}/letters")
    sent = letters_on(teacher_browser.get(f"{base}/letters"))
    row = db.session.scalar(select(OneTimeCode).where(
        OneTimeCode.code_hash == code_digest(sent["Nguyễn Văn Bình"])))
    row.used_at = utcnow()
    factory.commit()
    page = teacher_browser.get(f"{base}/letters")
    assert "Nguyễn Văn Bình" not in letters_on(page)
    assert "Nguyễn Văn Bình" in text(page).split(t("No letter with a working code"))[1]
    confirm = text(teacher_browser.get(f"{base}/letters/new"))
    assert t("The letters already sent to the families of these %(n)s pupils stop working:",
             n=2) in confirm


def test_the_ward_admin_neither_prints_nor_reissues(issued, make_browser, factory, base):
    factory.user("ward_admin", username="phuong")
    factory.commit()
    ward = make_browser()
    assert ward.login("phuong").status_code == 302
    hashes = {name: pupil(name).pin_hash for name in issued}
    for method, url in (("get", "/cards"), ("post", "/cards"), ("get", "/cards/new"),
                        ("post", "/cards/new"), ("get", "/letters"), ("post", "/letters"),
                        ("get", "/letters/new"), ("post", "/letters/new")):
        assert getattr(ward, method)(base + url).status_code == 403, (method, url)
    assert {name: pupil(name).pin_hash for name in issued} == hashes
    assert db.session.scalar(select(func.count()).select_from(OneTimeCode)) == 0


# --- item 11: a Print button ----------------------------------------------------------------------


def test_print_pages_have_a_print_button(issued, teacher_browser, base):
    teacher_browser.post(f"{base}/letters")
    for url in ("/cards", "/letters", "/print"):
        page = teacher_browser.get(base + url).get_data(as_text=True)
        assert re.search(r'<button type="button" class="button" data-print hidden>', page), url
        assert '<script src="/static/print.js?v=' in page, url
        assert t("Or use the browser's menu and choose Print (on a phone: ⋮ or Share, then Print).") \
            in html.unescape(page), url
    response = teacher_browser.get("/static/print.js")
    script = response.get_data(as_text=True)
    response.close()
    assert "window.print()" in script and "hidden = false" in script


def test_a_replaced_setup_code_says_a_newer_one_was_issued(make_browser, factory, teacher):
    newcomer = factory.user("teacher", name="Nguyễn Thị Thu", password=None, username=None)
    old = issue_code(db.session, "setup", newcomer, teacher, 14)
    new = issue_code(db.session, "setup", newcomer, teacher, 14)
    factory.commit()
    staff = make_browser()
    staff.get("/setup")
    password = "hoa-sen-no-ven-ho-2026"  # noqa: S105
    refused = staff.post("/setup", {"code": old, "password": password, "confirm": password})
    assert refused.status_code == 401
    assert t("A newer code was issued for this account. Use the newest one, or ask the school.") \
        in text(refused)
    accepted = staff.post("/setup", {"code": new, "password": password, "confirm": password})
    assert accepted.status_code == 302
