"""Guessing limits on passwords, PINs and printed codes: keyed on what they protect, counted
before the check (so concurrent guesses cannot slip past), only failures counted."""

import html
import threading
import time

import pytest
from conftest import another_worker_writes
from flask import current_app
from flask_babel import gettext
from limits import parse_many
from sqlalchemy import select

import lms.auth.cards
import lms.auth.routes
from lms.config import Config
from lms.extensions import db
from lms.models import User
from lms.people.codes import issue_code

PASSWORD = "correct horse battery"


def t(msgid, **kwargs):
    with current_app.test_request_context():
        return gettext(msgid, **kwargs)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def login(make_browser, login, password, addr="10.0.0.1"):
    b = make_browser()
    b.get("/login", environ_base={"REMOTE_ADDR": addr})
    return b.post("/login", {"login": login, "password": password},
                  environ_base={"REMOTE_ADDR": addr})


def slow(monkeypatch, module, name, seconds=0.3, during=None):
    """Make module.name (a check) take `seconds`, running `during()` meanwhile."""
    real = getattr(module, name)

    def wrapped(*args, **kwargs):
        if during is not None:
            during()
        time.sleep(seconds)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapped)


def at_once(times, work):
    barrier = threading.Barrier(times)
    out = []

    def run(n):
        barrier.wait()
        out.append(work(n))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return out


# -- passwords ---------------------------------------------------------------------------------

def test_the_account_limit_holds_for_every_spelling_of_the_login(make_browser, factory):
    factory.user("teacher", username="co.ha", phone="0988000002")
    factory.commit()
    for n in range(5):  # from five addresses: the per-address limit is not what stops this
        assert login(make_browser, "0988000002", "guess", f"10.0.1.{n}").status_code == 401
    for spelling in ("+84988000002", "0988 000 002", "0988-000-002", "84988000002", "CO.HA"):
        assert login(make_browser, spelling, "guess", "10.0.2.1").status_code == 429, spelling
    blocked = login(make_browser, "0988-000002", PASSWORD, "10.0.2.2")
    assert blocked.status_code == 429
    assert t("Too many wrong attempts in a short time. Please wait %(minutes)d minutes and try "
             "again.", minutes=15) in text(blocked)


def test_unknown_logins_are_limited_on_their_normalised_spelling(make_browser, factory):
    for n in range(5):
        assert login(make_browser, "0977 000 000", "guess", f"10.0.3.{n}").status_code == 401
    assert login(make_browser, "+84977000000", "guess", "10.0.3.9").status_code == 429


def test_concurrent_wrong_passwords_meet_the_limit_one_by_one(app, make_browser, factory,
                                                              monkeypatch):
    factory.user("teacher", username="many")
    factory.commit()
    slow(monkeypatch, lms.auth.routes, "verify_password", 0.3)

    def guess(n):
        with app.app_context():
            return login(make_browser, "many", f"guess-{n}", f"10.0.4.{n}").status_code

    codes = at_once(20, guess)
    assert sorted(codes) == [401] * 5 + [429] * 15


def test_successes_give_their_place_back(make_browser, factory, web_app):
    web_app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    for n in range(4):
        factory.user("teacher", username=f"school{n}")
    factory.commit()
    # A school behind one address: many sign in, a couple mistype.
    for n in range(4):
        assert login(make_browser, f"school{n}", PASSWORD).status_code == 302
    assert login(make_browser, "school0", "typo").status_code == 401
    assert login(make_browser, "school1", "typo").status_code == 401
    assert login(make_browser, "school2", PASSWORD).status_code == 302
    assert login(make_browser, "school3", "typo").status_code == 401
    assert login(make_browser, "school3", PASSWORD).status_code == 429
    assert login(make_browser, "school3", PASSWORD, "10.9.9.9").status_code == 302


def test_a_sign_in_holds_no_write_lock_while_it_checks_the_password(app, make_browser, factory,
                                                                   monkeypatch):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite: one writer at a time")
    factory.user("teacher", username="quick")
    factory.commit()
    path = db.engine.url.database
    wrote = []
    slow(monkeypatch, lms.auth.routes, "verify_password", 0,
         during=lambda: wrote.append(another_worker_writes(path)))
    assert login(make_browser, "quick", PASSWORD).status_code == 302
    assert wrote == [True]


@pytest.mark.parametrize("config_overrides", [
    {"PASSWORD_HASH_METHOD": "argon2id", "PASSWORD_ARGON2": (1, 1024, 1)}])
def test_older_hashes_become_argon2id_at_the_next_sign_in(make_browser, factory, app,
                                                          config_overrides):
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    user = factory.user("teacher", username="legacy")
    factory.commit()
    assert user.password_hash.startswith("pbkdf2:sha256:1000$")
    assert login(make_browser, "legacy", "wrong").status_code == 401
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash.startswith("pbkdf2:")
    assert login(make_browser, "legacy", PASSWORD).status_code == 302
    db.session.expire_all()
    stored = db.session.get(User, user.id).password_hash
    assert stored.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert login(make_browser, "legacy", PASSWORD).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == stored  # not hashed again


def test_unknown_accounts_spend_a_hash_too(app, monkeypatch):
    import lms.accounts

    checked = []
    real = lms.accounts._check
    monkeypatch.setattr(lms.accounts, "_check", lambda h, p: checked.append(h) or real(h, p))
    assert lms.accounts.verify_password(None, "anything") is False
    assert len(checked) == 1


# -- class-card PINs ---------------------------------------------------------------------------

@pytest.fixture
def two_classes(factory):
    from lms.accounts import hash_pin

    rooms = [factory.classroom(name=f"2{c}", grade=2) for c in "AB"]
    pupils = []
    for room in rooms:
        for n in range(3):
            pupil = factory.pupil(room, name=f"Học Sinh {room.name} {n}", password=None)
            pupils.append(pupil)
    db.session.flush()
    for pupil in pupils:
        pupil.pin_hash = hash_pin("1234", pupil.id)
    factory.commit()
    return rooms, pupils


def pin(make_browser, room, pupil, value, addr):
    """room, pupil: objects, or (in threads) the class code and the pupil's id."""
    code = getattr(room, "signin_code", room)
    pupil_id = getattr(pupil, "id", pupil)
    b = make_browser()
    b.get(f"/login/class/{code}", environ_base={"REMOTE_ADDR": addr})
    return b.post(f"/login/class/{code}", {"pupil": str(pupil_id), "pin": value},
                  environ_base={"REMOTE_ADDR": addr}).status_code


def test_one_address_cannot_spray_pins_across_pupils_and_classes(make_browser, web_app,
                                                                 two_classes):
    web_app.config["PIN_LIMIT_PER_ADDRESS"] = "4 per 10 minutes; 200 per day"
    rooms, pupils = two_classes
    for n, pupil in enumerate([pupils[0], pupils[1], pupils[3], pupils[4]]):
        room = rooms[0] if n < 2 else rooms[1]
        assert pin(make_browser, room, pupil, "9999", "10.1.0.1") == 401
    assert pin(make_browser, rooms[1], pupils[5], "1234", "10.1.0.1") == 429
    assert pin(make_browser, rooms[1], pupils[5], "1234", "10.1.0.2") == 302


def test_a_stranger_cannot_lock_a_pupil_out(make_browser, two_classes):
    rooms, pupils = two_classes
    for _ in range(5):
        assert pin(make_browser, rooms[0], pupils[0], "9999", "203.0.113.7") == 401
    assert pin(make_browser, rooms[0], pupils[0], "1234", "203.0.113.7") == 429  # the stranger
    assert pin(make_browser, rooms[0], pupils[0], "1234", "10.1.1.1") == 302  # the pupil


def test_many_addresses_lock_a_pupil_or_class_only_for_minutes(make_browser, web_app,
                                                              two_classes):
    rooms, pupils = two_classes
    web_app.config["PIN_LIMIT_PER_PUPIL"] = "3 per 5 minutes"
    for n in range(3):
        assert pin(make_browser, rooms[0], pupils[0], "9999", f"198.51.100.{n}") == 401
    b = make_browser()
    b.get(f"/login/class/{rooms[0].signin_code}")
    blocked = b.post(f"/login/class/{rooms[0].signin_code}",
                     {"pupil": str(pupils[0].id), "pin": "1234"})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) <= 300
    assert t("Too many wrong attempts in a short time. Please wait %(minutes)d minutes and try "
             "again.", minutes=5) in text(blocked)
    assert pin(make_browser, rooms[0], pupils[1], "1234", "10.1.2.1") == 302  # classmates


def test_default_pin_limits_keep_one_address_below_the_shared_ones():
    """One address alone can lock neither a pupil nor a class (the shared limits need more
    failures in their window than one address may make); those locks last minutes."""
    def per_window(setting):
        return [(item.amount, item.get_expiry()) for item in parse_many(getattr(Config, setting))]

    address = per_window("PIN_LIMIT_PER_ADDRESS")
    (address_pupil, _), = per_window("PIN_LIMIT_PER_ADDRESS_PUPIL")
    (pupil, pupil_window), = per_window("PIN_LIMIT_PER_PUPIL")
    (room, room_window), = per_window("PIN_LIMIT_PER_CLASS")
    assert address_pupil < pupil
    assert min(amount for amount, window in address if window <= 24 * 3600) < room
    assert pupil_window <= 300 and room_window <= 300
    assert any(window == 24 * 3600 and amount <= 200 for amount, window in address)


def test_concurrent_wrong_pins_meet_the_limit_one_by_one(app, make_browser, monkeypatch,
                                                         two_classes):
    rooms, pupils = two_classes
    slow(monkeypatch, lms.auth.cards, "verify_pin", 0.3)
    code, pupil_id = rooms[0].signin_code, pupils[0].id

    def guess(n):
        with app.app_context():
            return pin(make_browser, code, pupil_id, f"{n:04d}", "10.1.3.1")  # never 1234

    assert sorted(at_once(12, guess)) == [401] * 5 + [429] * 7


# -- pairing codes -----------------------------------------------------------------------------

def test_looking_up_a_pairing_code_is_limited_like_using_it(make_browser, factory, web_app):
    web_app.config["CODE_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    pupil = factory.pupil(factory.classroom(grade=3), password=None)
    good = issue_code(db.session, "pairing", pupil, None, 30)
    factory.commit()
    b = make_browser()
    for _ in range(5):  # a valid code's look-up is no failure
        assert b.get("/pair", query_string={"code": good}).status_code == 200
    for guess in ("AAAA-AAAA", "BBBB-BBBB", "CCCC-CCCC"):
        page = b.get("/pair", query_string={"code": guess})
        assert page.status_code == 200
        assert t("This code is not right. Check it and try again.") in text(page)
    for code in ("DDDD-DDDD", good):  # nothing more is told, valid or not
        refused = b.get("/pair", query_string={"code": code})
        assert refused.status_code == 429
        assert t("This code is not right. Check it and try again.") not in text(refused)
    assert make_browser().get("/pair", query_string={"code": good},
                              environ_base={"REMOTE_ADDR": "10.2.0.1"}).status_code == 200
    assert db.session.scalar(select(User).where(User.phone == "0912345678")) is None
