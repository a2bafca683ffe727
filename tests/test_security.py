"""Headers, cookies and timeouts that every response and session gets."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from lms.extensions import db
from lms.models import UserSession

TEMPLATES = Path(__file__).resolve().parent.parent / "lms" / "templates"


@pytest.mark.parametrize("url", ["/courses", "/login", "/healthz", "/nope", "/static/style.css"])
def test_security_headers_on_every_response(client, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert not re.search(r"https?://", csp)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    response.close()


def test_templates_have_no_inline_script_style_or_other_host():
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        # Scripts only from our own files (CSP script-src 'self'): never inline.
        assert not re.search(r"<script(?![^>]*\ssrc=\"\{\{ url_for\('static')", text), path
        assert not re.search(r"\son[a-z]+\s*=", text), path
        assert not re.search(r'\sstyle\s*=\s*"', text), path
        assert not re.search(r'(src|href)="(https?:)?//', text), path


def test_session_cookie_flags(browser, factory):
    factory.user("teacher", username="cookie")
    factory.commit()
    browser.get("/login")
    response = browser.post("/login", {"login": "cookie", "password": "correct horse battery"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


@pytest.fixture
def config_overrides(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize("config_overrides", [{"SESSION_COOKIE_SECURE": True}], indirect=True)
def test_secure_cookie_when_served_over_https(browser, factory):
    factory.user("teacher", username="https")
    factory.commit()
    browser.get("/login", base_url="https://localhost")
    response = browser.post("/login", {"login": "https", "password": "correct horse battery"},
                            base_url="https://localhost",
                            headers={"Referer": "https://localhost/login"})
    assert response.status_code == 302  # signed in (over HTTPS the form also needs a Referer)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=") and "Secure" in cookie and "HttpOnly" in cookie


def test_https_setting_comes_from_the_environment(monkeypatch):
    from lms.config import from_environment

    monkeypatch.setenv("LMS_HTTPS", "1")
    assert from_environment()["SESSION_COOKIE_SECURE"] is True


def test_absolute_timeout_ends_a_busy_session(browser, factory, web_app):
    factory.user("teacher", username="long")
    factory.commit()
    browser.login("long")
    assert browser.get("/home").status_code == 200
    too_old = web_app.config["SESSION_ABSOLUTE_TIMEOUT"] + timedelta(minutes=1)
    from lms.models.base import utcnow

    db.session.execute(update(UserSession).values(created_at=utcnow() - too_old))
    db.session.commit()
    response = browser.get("/home")
    assert response.status_code == 302 and "/login" in response.location


def test_media_files_cannot_run_scripts(client, courses):
    response = client.get("/media/quiz-course/images/lock.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "max-age" in response.headers["Cache-Control"]


def test_csrf_signature_is_reused_for_a_minute_and_stays_valid(make_browser, factory,
                                                              monkeypatch):
    import lms.security

    signed = []
    real = lms.security.generate_csrf
    monkeypatch.setattr(lms.security, "generate_csrf", lambda: signed.append(1) or real())
    factory.user("teacher", username="ky")
    factory.commit()
    first = make_browser()
    assert first.login("ky").status_code == 302
    first.get("/courses")
    token, count = first.token, len(signed)
    first.get("/home")
    assert first.token == token and len(signed) == count  # reused, not signed again
    other = make_browser()
    other.get("/courses")
    assert other.token != token  # another session, another token
    later = lms.security.time.monotonic() + lms.security.SIGNED_TOKEN_REUSE_SECONDS + 1
    monkeypatch.setattr(lms.security.time, "monotonic", lambda: later)
    first.get("/courses")
    assert len(signed) == count + 2  # signed afresh after the minute (and for `other`)
    # The reused signature and the fresh one are both accepted; a forged one is not.
    assert first.post("/lang", {"lang": "en", "next": "/courses", "csrf_token": token}
                      ).status_code == 302
    assert first.post("/lang", {"lang": "vi", "next": "/courses"}).status_code == 302
    assert first.post("/lang", {"lang": "vi", "csrf_token": "forged"}).status_code == 400
