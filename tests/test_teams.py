"""Community digital teams (issue 18): the unit admin adds and removes a village's members
(an existing account, or a new adult's with a first sign-in code), pupils only from 15 with a
guardian's agreement; a member sees their own village's households, each covered, started or
with nobody signed up, and no other village's."""

import re
from datetime import date, datetime, timedelta

import pytest
from conftest import page_text
from sqlalchemy import select
from test_family import t

from lms.extensions import db
from lms.learning.progress import record_completion
from lms.models import (
    Campaign,
    Classroom,
    Completion,
    Course,
    ListedHousehold,
    OneTimeCode,
    TeamMember,
    TierProgress,
    Unit,
    User,
    Village,
)
from lms.models.base import today_in_vietnam
from lms.people import teams
from lms.people.households import link_guardian


@pytest.fixture
def villages(app, factory, courses):
    return build_villages(factory)


def build_villages(factory) -> dict:
    """Phường Mẫu's two villages, with households; its admin, another unit's admin; a teacher
    on Thôn Đông's team; a school with a grade 7 class."""
    unit = factory.unit()
    other = Unit(code="X-KHAC", name="Xã Khác", kind="commune")
    db.session.add(other)
    db.session.flush()
    factory.user("ward_admin", username="phuong").unit_id = unit.id
    factory.user("ward_admin", username="xa").unit_id = other.id
    east = Village(unit_id=unit.id, code="T1", name="Thôn Đông")
    west = Village(unit_id=unit.id, code="T2", name="Thôn Đoài")
    far = Village(unit_id=other.id, code="T9", name="Thôn Xa")
    db.session.add_all([east, west, far])
    db.session.flush()
    homes = {}
    for village, code, head, phones in (
        (east, "D-001", "Nguyễn Văn Một", "0912000001"),
        (east, "D-002", "Trần Thị Hai", ""),
        (east, "D-003", "Lê Văn Ba", ""),
        (west, "W-001", "Phạm Thị Bốn", ""),
        (far, "X-001", "Vũ Văn Năm", ""),
    ):
        homes[code] = ListedHousehold(village_id=village.id, code=code, head_name=head, phones=phones)
        db.session.add(homes[code])
    school = factory.school(code="THCS", level="thcs")
    teacher = factory.user("teacher", username="gv.doan", name="Đoàn Thị Giáo", school=school)
    db.session.add(TeamMember(village_id=east.id, user_id=teacher.id, kind="teacher"))
    room = factory.classroom(school, name="7A", grade=7, teacher=teacher)
    factory.commit()
    return {"unit": unit.id, "other": other.id, "east": east.id, "west": west.id, "far": far.id,
            "homes": {code: h.id for code, h in homes.items()}, "teacher": teacher.id,
            "room": room.id, "school": school.id}


def born(years_ago: int) -> date:
    """A 1 January that makes someone `years_ago` - 1 or `years_ago` years old today."""
    return date(today_in_vietnam().year - years_ago, 1, 1)


def add(browser, village_id, **form):
    return browser.post(f"/admin/villages/{village_id}/members", form)


def members(village_id) -> set[str]:
    return set(db.session.scalars(
        select(User.username).join(TeamMember, TeamMember.user_id == User.id)
        .where(TeamMember.village_id == village_id)))


# --- the unit admin's village page ------------------------------------------------------------


def test_the_unit_admin_adds_an_existing_account_by_phone_or_username(make_browser, factory, villages):
    factory.user("parent", username="ph.doan", phone="0987000001", name="Hà Văn Đoàn")
    factory.user("official", tier="official", username="cb.x")
    factory.commit()
    admin = make_browser()
    admin.login("phuong")
    page = admin.get(f"/admin/villages/{villages['east']}")
    assert page.status_code == 200
    assert "Đoàn Thị Giáo" in page_text(page.get_data(as_text=True))
    response = add(admin, villages["east"], login="+84 987 000 001", kind="youth")
    assert response.status_code == 302
    assert add(admin, villages["east"], login="CB.X", kind="other").status_code == 302
    assert members(villages["east"]) == {"gv.doan", "ph.doan", "cb.x"}
    assert members(villages["west"]) == set()
    again = add(admin, villages["east"], login="ph.doan", kind="youth")
    assert again.status_code == 400
    assert t("This person is already on the team.") in page_text(again.get_data(as_text=True))
    nobody = add(admin, villages["east"], login="0987999999", kind="youth")
    assert nobody.status_code == 400
    # An admin account joins no team; a non-pupil never joins as a pupil member.
    assert add(admin, villages["east"], login="xa", kind="other").status_code == 400
    assert add(admin, villages["east"], login="ph.doan", kind="pupil").status_code == 400


def test_a_pupil_joins_only_from_15_and_with_a_guardians_agreement(make_browser, factory, villages):
    room = db.session.get(Classroom, villages["room"])
    young = factory.pupil(room, username="hs.tre")
    young.date_of_birth = born(14)  # 13 or 14 today
    old = factory.pupil(room, username="hs.lon")
    old.date_of_birth = born(16)  # 15 or 16 today
    factory.pupil(room, username="hs.khongro")  # no date of birth
    factory.commit()
    admin = make_browser()
    admin.login("phuong")
    agreed = (today_in_vietnam() - timedelta(days=3)).isoformat()
    refused = add(admin, villages["east"], login="hs.tre", kind="pupil", guardian_agreed_on=agreed)
    assert refused.status_code == 400
    assert t("A pupil must be 15 or older to join a team.") in page_text(refused.get_data(as_text=True))
    assert add(admin, villages["east"], login="hs.khongro", kind="pupil",
               guardian_agreed_on=agreed).status_code == 400
    no_agreement = add(admin, villages["east"], login="hs.lon", kind="pupil")
    assert no_agreement.status_code == 400
    assert t("Give the day a guardian agreed to the pupil joining.") in page_text(
        no_agreement.get_data(as_text=True))
    later = (today_in_vietnam() + timedelta(days=1)).isoformat()
    assert add(admin, villages["east"], login="hs.lon", kind="pupil",
               guardian_agreed_on=later).status_code == 400
    assert add(admin, villages["east"], login="hs.lon", kind="youth",
               guardian_agreed_on=agreed).status_code == 400  # a pupil joins as a pupil
    assert members(villages["east"]) == {"gv.doan"}
    assert add(admin, villages["east"], login="hs.lon", kind="pupil",
               guardian_agreed_on=agreed).status_code == 302
    row = db.session.scalar(select(TeamMember).where(TeamMember.user_id == old.id))
    assert (row.kind, row.guardian_agreed_on) == ("pupil", date.fromisoformat(agreed))
    assert young.id not in set(db.session.scalars(select(TeamMember.user_id)))


def test_age_on_counts_whole_years_to_the_birthday():
    assert teams.age_on(date(2010, 11, 22), date(2025, 11, 22)) == 15
    assert teams.age_on(date(2010, 11, 23), date(2025, 11, 22)) == 14
    assert teams.age_on(date(2008, 2, 29), date(2023, 2, 28)) == 14
    assert teams.age_on(date(2008, 2, 29), date(2023, 3, 1)) == 15


def test_a_new_member_gets_an_account_and_a_first_sign_in_code(make_browser, villages):
    admin = make_browser()
    admin.login("phuong")
    response = admin.post(f"/admin/villages/{villages['east']}/members/new",
                          {"full_name": "  Bùi  Văn Thanh ", "phone": "0977 000 111", "kind": "youth"})
    assert response.status_code == 200
    code = re.search(r'<strong class="code">([A-Z2-9]{4}-[A-Z2-9]{4})</strong>',
                     response.get_data(as_text=True)).group(1)
    user = db.session.scalar(select(User).where(User.phone == "0977000111"))
    assert (user.full_name, user.role, user.tier, user.password_hash) == (
        "Bùi Văn Thanh", "parent", "parent", None)
    assert db.session.scalar(select(OneTimeCode.kind).where(OneTimeCode.user_id == user.id)) == "setup"
    assert db.session.scalar(select(TeamMember.kind).where(TeamMember.user_id == user.id)) == "youth"
    # The same phone again: added by its phone instead, nothing made twice.
    twice = admin.post(f"/admin/villages/{villages['west']}/members/new",
                       {"full_name": "Bùi Văn Thanh", "phone": "0977000111", "kind": "youth"})
    assert twice.status_code == 400
    assert len(db.session.scalars(select(User).where(User.phone == "0977000111")).all()) == 1
    # The member chooses a password with the code and finds their village at home.
    member = make_browser()
    setup = member.post("/setup", {"code": code, "password": "mat-khau-doan-vien",
                                   "confirm": "mat-khau-doan-vien"})
    assert setup.status_code == 302
    home = member.get("/family")
    assert t("Households of %(village)s", village="Thôn Đông") in page_text(home.get_data(as_text=True))
    assert member.get("/community/").location == f"/community/villages/{villages['east']}"


def test_the_unit_admin_removes_a_member(make_browser, villages):
    member = make_browser()
    member.login("gv.doan")
    assert member.get(f"/community/villages/{villages['east']}").status_code == 200
    admin = make_browser()
    admin.login("phuong")
    row = db.session.scalar(select(TeamMember).where(TeamMember.user_id == villages["teacher"]))
    wrong_village = admin.post(f"/admin/villages/{villages['west']}/members/{row.id}/remove")
    assert wrong_village.status_code == 404
    assert admin.post(f"/admin/villages/{villages['east']}/members/{row.id}/remove").status_code == 302
    assert members(villages["east"]) == set()
    assert member.get(f"/community/villages/{villages['east']}").status_code == 403
    assert member.get("/community/").status_code == 403


def test_another_units_admin_is_kept_out_of_the_village(make_browser, villages):
    other = make_browser()
    other.login("xa")
    assert other.get(f"/admin/villages/{villages['east']}").status_code == 403
    assert add(other, villages["east"], login="gv.doan", kind="teacher").status_code == 403
    assert other.get("/admin/villages/999999").status_code == 404
    assert other.get(f"/admin/villages/{villages['far']}").status_code == 200


# --- a member's village -----------------------------------------------------------------------


def status_of(page) -> dict[str, str]:
    """Household code -> the status shown beside it."""
    text = page_text(page.get_data(as_text=True))
    labels = {t("Covered"): "covered", t("Started"): "started", t("Nobody signed up"): "none"}
    found = re.findall(r"([A-Z]-\d{3}) (" + "|".join(map(re.escape, labels)) + ")", text)
    return {code: labels[label] for code, label in found}


def test_a_member_sees_their_villages_households_covered_started_or_not(make_browser, factory, villages):
    homes = villages["homes"]
    # D-001 is a pupils' family (matched by phone), whose father has signed up.
    room = db.session.get(Classroom, villages["room"])
    father = factory.user("parent", username="ph.mot", phone="0912000001")
    link_guardian(db.session, father, factory.pupil(room))
    db.session.get(ListedHousehold, homes["D-001"]).household_id = father.household_id
    # D-002 has a resident who completed the required course for adults.
    resident = User(role="parent", tier="parent", full_name="Trần Văn Cư", name_key="x",
                    listed_household_id=homes["D-002"])
    db.session.add(resident)
    db.session.flush()
    course = db.session.scalar(select(Course).where(Course.slug == "quiz-course"))
    record_completion(db.session, resident.id, course.id, score=100.0, attempt_id=None)
    factory.commit()
    member = make_browser()
    member.login("gv.doan")
    page = member.get(f"/community/villages/{villages['east']}")
    assert page.status_code == 200
    assert status_of(page) == {"D-001": "started", "D-002": "covered", "D-003": "none"}
    assert "Phạm Thị Bốn" not in page_text(page.get_data(as_text=True))  # another village's
    only = member.get(f"/community/villages/{villages['east']}?show=none")
    assert status_of(only) == {"D-003": "none"}
    found = member.get(f"/community/villages/{villages['east']}?q=Hai")
    assert status_of(found) == {"D-002": "covered"}
    # Covered within the current plan: a plan begun after the completion makes it started.
    tomorrow = today_in_vietnam() + timedelta(days=1)
    db.session.add(Campaign(unit_id=villages["unit"], name="Đợt sau", starts_on=tomorrow,
                            ends_on=tomorrow + timedelta(days=200)))
    factory.commit()
    assert status_of(member.get(f"/community/villages/{villages['east']}"))["D-002"] == "started"


def test_a_member_sees_only_their_own_village(make_browser, factory, villages):
    member = make_browser()
    member.login("gv.doan")
    assert member.get("/community/").location == f"/community/villages/{villages['east']}"
    assert member.get(f"/community/villages/{villages['west']}").status_code == 403
    assert member.get(f"/community/households/{villages['homes']['W-001']}").status_code == 403
    assert member.get("/community/villages/999999").status_code == 404
    assert member.get("/community/households/999999").status_code == 404
    home = page_text(member.get("/home").get_data(as_text=True))
    assert t("Households of %(village)s", village="Thôn Đông") in home
    # Someone on no team: no link, no page.
    factory.user("teacher", username="gv.khac")
    factory.commit()
    outsider = make_browser()
    outsider.login("gv.khac")
    assert t("Helping others learn") not in page_text(outsider.get("/home").get_data(as_text=True))
    assert outsider.get("/community/").status_code == 403
    assert outsider.get(f"/community/villages/{villages['east']}").status_code == 403


def test_membership_rules_directly(app, factory, villages):
    village = db.session.get(Village, villages["east"])
    admin = db.session.scalar(select(User).where(User.username == "phuong"))
    disabled = factory.user("teacher", active=False)
    with pytest.raises(teams.TeamError) as error:
        teams.add_member(db.session, village, disabled, "teacher", guardian_agreed_on=None,
                         added_by=admin, today=today_in_vietnam())
    assert error.value.reason == "inactive"
    with pytest.raises(teams.TeamError) as error:
        teams.new_member_account(db.session, "Tên", "12345")
    assert error.value.reason == "phone"
    stamp = datetime(2026, 1, 1)
    member = teams.add_member(db.session, village, factory.user("teacher"), "other",
                              guardian_agreed_on=date(2025, 1, 1), added_by=admin, today=stamp.date())
    assert member.guardian_agreed_on is None  # only a pupil member's is kept


def test_the_demo_team_assists_a_resident_and_a_pupil_helps_a_parent(app, factory, villages):
    """lms.demo.teams on this world: the team, and two assisted completions of the required
    course for adults that the unit's figures count apart."""
    from lms.demo import teams as demo_teams
    from lms.people.assisted import assisted_completions, families_helped_by_school

    room = db.session.get(Classroom, villages["room"])
    pupil = factory.pupil(room, username="hs.demo")
    mother = factory.user("parent", username="ph.demo", name="Mẹ Của Em")
    link_guardian(db.session, mother, pupil)
    factory.commit()
    unit = db.session.get(Unit, villages["unit"])
    team = demo_teams.build(db.session, unit, today_in_vietnam(), mother.password_hash)
    db.session.commit()
    assert team.members == [demo_teams.YOUTH_NAME, "Đoàn Thị Giáo"]
    assert (team.pupil, team.guardian) == ("hs.demo", "Mẹ Của Em")
    resident = db.session.scalar(select(User).where(User.full_name == team.resident,
                                                    User.listed_household_id.is_not(None)))
    youth = db.session.scalar(select(User).where(User.username == demo_teams.YOUTH_USERNAME))
    course = db.session.scalar(select(Course.id).where(Course.slug == "quiz-course"))
    helped = dict(db.session.execute(select(Completion.user_id, Completion.assisted_by_id)
                                     .where(Completion.course_id == course)).all())
    assert helped == {resident.id: youth.id, mother.id: pupil.id}
    today = today_in_vietnam()
    assert assisted_completions(db.session, [unit.id], today - timedelta(days=30), today) == (2, 0)
    assert families_helped_by_school(db.session, [villages["school"]]) == {villages["school"]: 1}
    assert db.session.scalar(select(TierProgress.required_done).where(
        TierProgress.user_id == resident.id)) == 1
