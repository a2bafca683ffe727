"""Vietnamese first: every interface string has a Vietnamese translation."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "lms/translations/vi/LC_MESSAGES/messages.po"


def test_every_string_in_the_code_is_translated_to_vietnamese(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [str(Path(sys.executable).parent / "pybabel"), "-q", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."],
        cwd=ROOT, check=True,
    )
    with pot.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with PO.open("rb") as f:
        catalog = read_po(f, locale="vi")
    translated = {m.id for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    missing = sorted(str(m) for m in wanted - translated)
    assert not missing, f"untranslated (run `make translations`): {missing}"


def test_pages_speak_vietnamese_by_default(client):
    page = client.get("/courses").get_data(as_text=True)
    assert "Khóa học" in page and "Đăng nhập" in page


def test_dates_and_scores_are_written_the_vietnamese_way(app):
    from datetime import date, datetime

    from flask_babel import refresh

    from lms.formatting import format_day, format_moment, format_score

    with app.test_request_context():
        assert format_day(date(2025, 10, 10)) == "10/10/2025"
        assert format_score(8.5) == "8,5"
        assert format_score(100.0) == "100"
        assert format_moment(datetime(2025, 10, 10, 1, 30)) == "08:30 10/10/2025"
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        refresh()  # the locale is cached per app context, which the test holds open
        assert format_score(8.5) == "8.5"


def test_switching_language_changes_pages_and_their_macros(browser, courses, factory):
    """The catalogue is looked up once per request, including inside imported macros (the
    course cards of the home page): a switch must show on the very next page."""
    factory.pupil(factory.classroom(grade=3), username="ngon")
    factory.commit()
    browser.login("ngon")
    home = browser.get("/home").get_data(as_text=True)
    assert "chưa bắt đầu" in home and "Khóa học của tôi" in home
    assert browser.post("/lang", {"lang": "en", "next": "/home"}).status_code == 302
    home = browser.get("/home").get_data(as_text=True)
    assert "not started" in home and "chưa bắt đầu" not in home and "My courses" in home
    assert browser.post("/lang", {"lang": "vi", "next": "/home"}).status_code == 302
    assert "chưa bắt đầu" in browser.get("/home").get_data(as_text=True)
