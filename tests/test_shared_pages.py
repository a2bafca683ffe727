"""Lesson pages are rendered once per audience and shared: each viewer still gets their own
name, form token and address, and nothing of one pupil reaches another."""

import pytest
from conftest import csrf_token, page_text
from markupsafe import escape

from lms.extensions import db
from lms.models import LessonProgress
from lms.shared_pages import NAME, PATH, TOKEN, SharedPageError, _StandIn

LESSON = "/courses/quiz-course/lessons/bai-mot"


def _copies(web_app):
    return web_app.extensions["shared_pages"].cache_info()


def _two_pupils(factory, make_browser):
    room = factory.classroom(grade=3)
    factory.pupil(room, username="an", name="Nguyễn Văn An")
    factory.pupil(room, username="binh", name="Trần <b>Thị Hoa</b>")
    factory.commit()
    an, binh = make_browser(), make_browser()
    an.login("an")
    binh.login("binh")
    return an, binh


def test_pupils_share_one_rendering_but_see_their_own_name_and_token(
    web_app, courses, factory, make_browser
):
    an, binh = _two_pupils(factory, make_browser)
    before = _copies(web_app)
    page_an = an.get(LESSON).get_data(as_text=True)
    page_binh = binh.get(LESSON).get_data(as_text=True)
    after = _copies(web_app)
    # One rendering for both: the second view was served from the first one's shared copy.
    assert after.misses == before.misses + 1 and after.hits == before.hits + 1

    assert "Nguyễn Văn An" in page_an and "Hoa" not in page_text(page_an)
    assert str(escape("Trần <b>Thị Hoa</b>")) in page_binh and "Nguyễn Văn An" not in page_binh
    assert "<b>Thị Hoa</b>" not in page_binh  # the name is escaped like the template escapes it
    for placeholder in (NAME, PATH, TOKEN, "shared-"):
        assert placeholder not in page_an and placeholder not in page_binh
    token_an, token_binh = csrf_token(page_an), csrf_token(page_binh)
    assert token_an != token_binh
    assert page_an.count(token_an) == 3  # sign out, language switch, "mark lesson done"

    # Each token works for its own pupil only.
    refused = binh.post(f"{LESSON}/done", {"csrf_token": token_an})
    assert refused.status_code == 400
    done = binh.post(f"{LESSON}/done", {"csrf_token": token_binh})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.query(LessonProgress).count() == 1


def test_the_language_switch_returns_to_the_viewers_own_address(courses, factory, make_browser):
    an, binh = _two_pupils(factory, make_browser)
    an.get(LESSON)
    page = binh.get(f"{LESSON}?from=home&x=<1>").get_data(as_text=True)
    assert f'name="next" value="{escape(LESSON + "?from=home&x=<1>")}"' in page
    plain = an.get(LESSON).get_data(as_text=True)
    assert f'name="next" value="{LESSON}"' in plain


def test_each_state_and_language_has_its_own_copy(courses, factory, make_browser):
    an, binh = _two_pupils(factory, make_browser)
    assert "Hoàn thành bài học" in an.get(LESSON).get_data(as_text=True)
    an.post(f"{LESSON}/done")
    done = an.get(LESSON).get_data(as_text=True)
    assert "Đã học xong bài này" in done and "Hoàn thành bài học" not in done
    # The pupil who has not done it still sees the button; in English, English.
    assert "Hoàn thành bài học" in binh.get(LESSON).get_data(as_text=True)
    assert binh.post("/lang", {"lang": "en", "next": LESSON}).status_code == 302
    english = binh.get(LESSON).get_data(as_text=True)
    assert "Mark lesson done" in english and 'lang="en"' in english
    assert "Đã học xong bài này" not in english


def test_a_flashed_message_is_shown_on_the_viewers_page(courses, factory, make_browser):
    an, binh = _two_pupils(factory, make_browser)
    binh.get(LESSON)  # the shared copy exists
    locked = an.get("/courses/quiz-course/lessons/bai-ba")
    assert locked.status_code == 302 and locked.location.endswith(LESSON)
    page = an.get(LESSON).get_data(as_text=True)
    assert "Hãy học xong các bài trước" in page
    assert "Hãy học xong các bài trước" not in an.get(LESSON).get_data(as_text=True)


def test_a_shared_page_cannot_read_what_differs_between_viewers(app):
    viewer = _StandIn("current_user", is_authenticated=True, role="pupil", full_name=NAME)
    assert viewer.role == "pupil"
    with pytest.raises(SharedPageError, match="current_user.school_id"):
        viewer.school_id  # noqa: B018
    # Jinja turns a missing attribute into an empty string; this error it lets through.
    template = app.jinja_env.from_string("{{ current_user.full_name }} {{ request.args.x }}")
    with pytest.raises(SharedPageError, match="request.args"):
        template.render(current_user=viewer, request=_StandIn("request"))
