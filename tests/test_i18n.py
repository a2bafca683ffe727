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
