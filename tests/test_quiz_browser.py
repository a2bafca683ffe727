"""A primary pupil takes a quiz at phone size without JavaScript doing anything for them:
the unanswered question is named, submitting anyway grades, and "Làm lại" opens a new try."""

import re

import pytest
from test_browser import browser_page, fits_phone, live_server, sign_in, visit  # noqa: F401
from test_quiz_flow import SLUG, course, questions  # noqa: F401

pytestmark = pytest.mark.browser


def test_primary_pupil_confirms_an_incomplete_quiz_and_tries_again(
        live_server, browser_page, course, factory):  # noqa: F811
    factory.pupil(factory.classroom(grade=3), username="be.an")
    factory.commit()
    page = browser_page
    sign_in(page, live_server, "be.an")
    visit(page, f"{live_server}/courses/{SLUG}/")
    page.click("text=Bắt đầu bài đầu tiên")
    page.click("button:has-text('Hoàn thành bài học')")
    assert "còn bài kiểm tra" in page.inner_text("main")
    page.click("button:has-text('Làm bài kiểm tra')")
    attempt_url = page.url
    first, _second = questions(int(re.search(r"/attempts/(\d+)$", attempt_url).group(1)))
    wrong = next(o for o in first.options if not o.is_correct)
    page.check(f'input[name="q{first.id}"][value="{wrong.id}"]')
    page.click("button:has-text('Nộp bài')")
    assert page.url == attempt_url and "Chưa trả lời: câu 2" in page.inner_text("main")
    assert page.is_checked(f'input[name="q{first.id}"][value="{wrong.id}"]')
    fits_phone(page)
    page.click("button:has-text('Nộp bài dù còn câu chưa trả lời')")
    assert page.url == attempt_url + "/result"
    main = page.inner_text("main")
    assert "Kết quả của em" in main and "(đáp án đúng)" not in main
    fits_phone(page)
    page.click("button:has-text('Làm lại')")
    assert re.search(r"/attempts/\d+$", page.url) and page.url != attempt_url
    assert "Chưa trả lời" not in page.inner_text("main")
