"""Printed links come from PUBLIC_URL, never the Host header; forwarded headers count only
behind configured proxies (issue 13 item 12)."""

import html

import pytest
import test_printing
from conftest import base_config
from flask import request
from sqlalchemy import func, select
from test_printing import cards_on, letters_on, pupil, t, text

from lms import create_app
from lms.config import from_environment
from lms.extensions import db
from lms.formatting import qr_data_uri
from lms.models import OneTimeCode

# The printing tests' class: a school, its teacher, class 2A of three pupils, signed in.
school, teacher, room, pupils = (test_printing.school, test_printing.teacher, test_printing.room,
                                 test_printing.pupils)
teacher_browser, base = test_printing.teacher_browser, test_printing.base


def test_printed_links_ignore_the_host_header(teacher_browser, web_app, room, base):
    client = teacher_browser.client
    client.set_cookie("session", client.get_cookie("session").value, domain="evil.example")
    evil = {"base_url": "http://evil.example"}
    teacher_browser.post(f"{base}/cards", **evil)
    teacher_browser.post(f"{base}/letters", **evil)
    for public, shown in ((None, "127.0.0.1:5000"), ("https://hoc.phuong.vn/", "hoc.phuong.vn")):
        web_app.config["PUBLIC_URL"] = public
        scheme = "https" if public else "http"
        cards = teacher_browser.get(f"{base}/cards", **evil)
        letters = teacher_browser.get(f"{base}/letters", **evil)
        assert cards.status_code == letters.status_code == 200
        for response in (cards, letters):
            assert "evil" not in response.get_data(as_text=True)
        assert f"{shown}/login/class/{room.signin_code}" in text(cards)
        assert {src for _pin, src in cards_on(cards).values()} == {
            qr_data_uri(f"{scheme}://{shown}/login/class/{room.signin_code}")}
        assert f"mở trang {shown}/pair rồi nhập mã" in text(letters)
        for code in letters_on(letters).values():
            assert qr_data_uri(f"{scheme}://{shown}/pair?code={code}") in html.unescape(
                letters.get_data(as_text=True))


def test_printing_refuses_without_a_public_address(teacher_browser, web_app, factory, base):
    web_app.testing = False  # outside the tests and the demo
    for public in (None, "", "hoc.phuong.vn"):
        web_app.config["PUBLIC_URL"] = public
        for method, url in (("get", "/cards"), ("post", "/cards"), ("get", "/letters"),
                            ("post", "/letters"), ("post", "/cards/new"), ("post", "/letters/new")):
            response = getattr(teacher_browser, method)(base + url)
            assert response.status_code == 503, (public, method, url)
            assert t("Printing is not set up yet") in text(response)
    assert all(pupil(n).pin_hash is None for n in ("Trần Thị An", "Nguyễn Văn Bình", "Lê Thị Chi"))
    assert db.session.scalar(select(func.count()).select_from(OneTimeCode)) == 0
    web_app.config["PUBLIC_URL"] = None
    web_app.config["ALLOW_DEFAULT_SECRET"] = True  # the local demo prints for 127.0.0.1:5000
    assert teacher_browser.get(f"{base}/cards").status_code == 200


def test_public_url_card_key_and_proxies_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("PUBLIC_URL", "https://hoc.phuong.vn")
    monkeypatch.setenv("CARD_KEY", "khoa-the")
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    env = from_environment()
    assert (env["PUBLIC_URL"], env["CARD_KEY"], env["TRUSTED_PROXIES"]) == (
        "https://hoc.phuong.vn", "khoa-the", 1)


@pytest.mark.parametrize("proxies, seen", [(0, "10.0.0.2 http"), (1, "203.0.113.7 https")])
def test_forwarded_headers_count_only_behind_trusted_proxies(database_url, proxies, seen):
    """Per-address limits key on request.remote_addr: behind a proxy it must be the client's,
    and without a configured proxy a client must not choose it."""
    app = create_app({**base_config(database_url), "TRUSTED_PROXIES": proxies})
    app.add_url_rule("/who", "who", lambda: f"{request.remote_addr} {request.scheme}")
    response = app.test_client().get(
        "/who", environ_base={"REMOTE_ADDR": "10.0.0.2"},
        # what the client claimed, then what the proxy added: only the proxy's entry counts
        headers={"X-Forwarded-For": "198.51.100.9, 203.0.113.7", "X-Forwarded-Proto": "https"})
    assert response.get_data(as_text=True) == seen
    with app.app_context():
        db.engine.dispose()
