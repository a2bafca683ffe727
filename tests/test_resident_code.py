"""A resident with a phone of their own learns alone: a team member types their number and
hands over a first sign-in code (issue 18: residents learn the adult courses)."""

import re

import pytest
from sqlalchemy import select
from test_teams import build_villages

from lms.extensions import db
from lms.models import ListedHousehold, OneTimeCode, User
from lms.people import teams

CODE = re.compile(r'<strong class="code">([A-Z2-9]{4}-[A-Z2-9]{4})</strong>')


@pytest.fixture
def villages(app, factory, courses):
    return build_villages(factory)


def test_a_resident_gets_a_code_then_signs_in_with_their_phone(make_browser, factory, villages):
    home = db.session.get(ListedHousehold, villages["homes"]["D-002"])
    resident = teams.add_resident(db.session, home, "Trần Văn Sáu")
    factory.user("parent", phone="0912000999")
    factory.commit()
    member = make_browser()
    member.login("gv.doan")
    page = member.get(f"/community/households/{home.id}").get_data(as_text=True)
    assert "Cấp mã đăng nhập lần đầu cho Trần Văn Sáu" in page
    url = f"/community/households/{home.id}/residents/{resident.id}/code"
    taken = member.post(url, {"phone": "0912 000 999"})  # another account's number
    assert taken.status_code == 302
    flashed = member.get(taken.location).get_data(as_text=True)
    assert "Số điện thoại này đã thuộc về một tài khoản khác." in flashed
    response = member.post(url, {"phone": "0912 000 666"})
    assert response.status_code == 200
    code = CODE.search(response.get_data(as_text=True)).group(1)
    db.session.expire_all()
    assert db.session.get(User, resident.id).phone == "0912000666"
    assert db.session.scalar(select(OneTimeCode.kind).where(OneTimeCode.user_id == resident.id)) == "setup"
    learner = make_browser()
    assert learner.post("/setup", {"code": code, "password": "mat-khau-cua-sau",
                                   "confirm": "mat-khau-cua-sau"}).status_code == 302
    again = make_browser()
    assert again.login("0912000666", password="mat-khau-cua-sau").status_code == 302
    # Signed in on their own now: no second code.
    member.post(url, {"phone": "0912 000 666"})
    assert len(db.session.scalars(select(OneTimeCode).where(OneTimeCode.user_id == resident.id)).all()) == 1


def test_only_the_villages_team_gives_a_code(make_browser, factory, villages):
    far = db.session.get(ListedHousehold, villages["homes"]["X-001"])
    resident = teams.add_resident(db.session, far, "Vũ Thị Bảy")
    factory.commit()
    member = make_browser()
    member.login("gv.doan")
    url = f"/community/households/{far.id}/residents/{resident.id}/code"
    assert member.post(url, {"phone": "0912000777"}).status_code == 403
    near = villages["homes"]["D-001"]
    assert member.post(f"/community/households/{near}/residents/{resident.id}/code",
                       {"phone": "0912000777"}).status_code == 404  # not this household's
    assert db.session.get(User, resident.id).phone is None
