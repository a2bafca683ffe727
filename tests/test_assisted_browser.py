"""A community digital team member's phone journey (issue 18) at 360x740 in Chromium: find a
household of their village, learn together with a resident through the course and its quiz,
end the session and be back in their own account; the unit admin's team page, a pupil's
family pages, all without horizontal scrolling."""

import pytest
from sqlalchemy import select
from test_browser import answer_quiz, browser_page, fits_phone, live_server, sign_in, take_course, visit  # noqa: F401
from test_teams import build_villages

from lms.extensions import db
from lms.models import Classroom, Completion, User
from lms.people.households import link_guardian

pytestmark = pytest.mark.browser  # Chromium: run once, in the SQLite pass


def test_a_member_finds_a_household_and_learns_together_on_a_phone(
        live_server, browser_page, courses, factory):  # noqa: F811
    world = build_villages(factory)
    room = db.session.get(Classroom, world["room"])
    pupil = factory.pupil(room, username="hs.giup", name="Ngô Văn Giúp")
    link_guardian(db.session, factory.user("parent", username="ph.me", name="Ngô Thị Mẹ"), pupil)
    factory.commit()
    page = browser_page
    sign_in(page, live_server, "gv.doan")
    visit(page, f"{live_server}/community/")
    assert "Các hộ của Thôn Đông" in page.content()
    page.fill("input[name=q]", "Ba")
    page.click("button:has-text('Tìm')")
    fits_phone(page)
    page.click("text=Lê Văn Ba")
    fits_phone(page)
    page.fill("input[name=full_name]", "Lê Thị Bà")
    page.click("button:has-text('Thêm người này và học cùng')")
    fits_phone(page)
    assert "Đang học cùng Lê Thị Bà" in page.content()
    take_course(page, live_server)
    assert "Đang học cùng Lê Thị Bà" in page.content()
    answer_quiz(page, right=True)
    page.click("button:has-text('Kết thúc, về tài khoản của tôi')")
    fits_phone(page)
    assert "Hộ Lê Văn Ba" in page.content() and "Đang học cùng" not in page.content()
    db.session.commit()  # a new transaction: the server's writes
    resident = db.session.scalar(select(User).where(User.full_name == "Lê Thị Bà"))
    completion = db.session.scalar(select(Completion).where(Completion.user_id == resident.id))
    assert completion.assisted_by_id == world["teacher"]
    # The unit admin's team page; a pupil's family pages.
    page.click("button:has-text('Đăng xuất')")
    sign_in(page, live_server, "phuong")
    visit(page, f"{live_server}/admin/villages/{world['east']}")
    page.click("button:has-text('Đăng xuất')")
    sign_in(page, live_server, "hs.giup")
    visit(page, f"{live_server}/home")
    page.click("text=Giúp gia đình mình học")
    fits_phone(page)
    visit(page, f"{live_server}/community/family/code")
    page.click("button:has-text('Lấy mã cho gia đình mình')")
    fits_phone(page)
    assert "Mã của gia đình mình" in page.content()
