"""Assisted learning (issue 18) over HTTP: a team member learns together with a resident of
their own village on their own phone, through the lessons and the quiz to a completion that
records the helper, and ends the session back in their own account; never for another
village; the assisted session never outlives the member's own. A lower-secondary pupil does
the same for an adult of their own household, never for another family; the class and the
school count the families helped; the unit's completions are counted assisted and self-made."""

import logging
import re
from datetime import date, datetime, timedelta

import pytest
from conftest import page_text
from sqlalchemy import select, update
from test_family import t
from test_teams import build_villages

from lms.extensions import db
from lms.learning.progress import record_completion
from lms.models import (
    AssistedSession,
    Classroom,
    Completion,
    Course,
    Question,
    QuizAttempt,
    TierProgress,
    User,
    UserSession,
)
from lms.models.base import today_in_vietnam, utcnow
from lms.people.assisted import (
    assisted_completions,
    families_helped_by_class,
    families_helped_by_school,
)
from lms.people.households import link_guardian

COURSE = "quiz-course"  # for primary pupils and adults; required; three lessons and a quiz
LESSONS = ("bai-mot", "bai-hai", "bai-ba")


@pytest.fixture
def villages(app, factory, courses):
    return build_villages(factory)


@pytest.fixture
def events(caplog):
    caplog.set_level(logging.INFO, logger="lms.security")
    return lambda: [(r.security_kind, r.security_fields) for r in caplog.records
                    if r.name == "lms.security"]


def finish_course(browser) -> None:
    """Every lesson, then the quiz with the right options."""
    for lesson in LESSONS:
        assert browser.post(f"/courses/{COURSE}/lessons/{lesson}/done").status_code == 302
    started = browser.post(f"/courses/{COURSE}/quiz")
    attempt_id = int(re.search(r"/attempts/(\d+)$", started.location).group(1))
    page = browser.get(f"/attempts/{attempt_id}")
    assert page.status_code == 200
    attempt = db.session.get(QuizAttempt, attempt_id)
    right = {}
    for q in db.session.scalars(select(Question).where(
            Question.quiz_version_id == attempt.quiz_version_id)):
        right[f"q{q.id}"] = [str(o.id) for o in q.options if o.is_correct]
    assert browser.post(f"/attempts/{attempt_id}", right).status_code == 303
    assert db.session.get(QuizAttempt, attempt_id).passed is True


def completion_of(user_id) -> Completion | None:
    course = db.session.scalar(select(Course.id).where(Course.slug == COURSE))
    return db.session.scalar(select(Completion).where(Completion.user_id == user_id,
                                                      Completion.course_id == course))


def signed_in_name(browser) -> str | None:
    """The name in the footer of a page: who this browser is signed in as."""
    html = browser.get("/courses").get_data(as_text=True)
    match = re.search(r"<footer>\s*<span>(.*?)</span>", html)
    return match.group(1) if match else None


def banner(browser) -> str:
    return page_text(browser.get("/home").get_data(as_text=True))


# --- a team member and a resident of their village -------------------------------------------


def test_a_member_assists_a_resident_of_their_village_to_a_completion(make_browser, villages, events):
    member = make_browser()
    member.login("gv.doan")
    home = villages["homes"]["D-003"]
    page = member.get(f"/community/households/{home}")
    assert page.status_code == 200
    response = member.post(f"/community/households/{home}/assist", {"full_name": "Lê Thị Bà"})
    assert response.status_code == 302 and response.location == "/home"
    resident = db.session.scalar(select(User).where(User.listed_household_id == home))
    assert (resident.full_name, resident.role, resident.tier, resident.password_hash) == (
        "Lê Thị Bà", "parent", "parent", None)
    assert signed_in_name(member) == "Lê Thị Bà"
    text = banner(member)
    assert t("Learning together with %(name)s", name="Lê Thị Bà") in text
    assert "Đang học cùng Lê Thị Bà" in text
    finish_course(member)
    # The lesson pages (rendered once and shared) carry the banner too, for this browser only.
    lesson = member.get(f"/courses/{COURSE}/lessons/bai-mot")
    assert "Đang học cùng" in page_text(lesson.get_data(as_text=True))
    completion = completion_of(resident.id)
    assert completion is not None and completion.assisted_by_id == villages["teacher"]
    assert db.session.get(TierProgress, (resident.id, "parent")).required_done == 1
    record = db.session.scalar(select(AssistedSession).where(AssistedSession.resident_id == resident.id))
    assert (record.member_id, record.village_id, record.ended_at) == (
        villages["teacher"], villages["east"], None)
    ended = member.post("/community/assist/end")
    assert ended.location == f"/community/households/{home}"
    assert signed_in_name(member) == "Đoàn Thị Giáo"
    assert "Đang học cùng" not in banner(member)
    db.session.refresh(record)
    assert record.ended_at is not None
    assert db.session.get(UserSession, record.session_id).revoked_at is not None
    # The member's own session goes on: their own village's page opens.
    assert member.get(f"/community/villages/{villages['east']}").status_code == 200
    # The household is covered now, and the resident is offered next time.
    assert "Lê Thị Bà" in page_text(member.get(f"/community/households/{home}").get_data(as_text=True))
    kinds = [kind for kind, _fields in events()]
    assert "assist.started" in kinds and "assist.ended" in kinds
    # Again with the same resident: no second account.
    again = member.post(f"/community/households/{home}/assist", {"resident": str(resident.id)})
    assert again.status_code == 302
    assert len(db.session.scalars(select(User).where(User.listed_household_id == home)).all()) == 1
    assert signed_in_name(member) == "Lê Thị Bà"


def test_a_member_never_assists_outside_their_village(make_browser, factory, villages):
    member = make_browser()
    member.login("gv.doan")
    west = villages["homes"]["W-001"]
    outsider = User(role="parent", tier="parent", full_name="Phạm Văn Ngoài", name_key="x",
                    listed_household_id=west)
    db.session.add(outsider)
    factory.commit()
    assert member.post(f"/community/households/{west}/assist",
                       {"full_name": "Người Thôn Khác"}).status_code == 403
    assert member.post(f"/community/households/{villages['homes']['X-001']}/assist",
                       {"full_name": "Người Xã Khác"}).status_code == 403
    assert member.post("/community/households/999999/assist", {"full_name": "Ai"}).status_code == 404
    # A resident of another village named on a household of their own: refused too.
    own = villages["homes"]["D-002"]
    assert member.post(f"/community/households/{own}/assist",
                       {"resident": str(outsider.id)}).status_code == 403
    # Nor any other account (a teacher, a guardian) through a household of their village.
    assert member.post(f"/community/households/{own}/assist",
                       {"resident": str(villages["teacher"])}).status_code == 403
    assert db.session.scalar(select(AssistedSession.id)) is None
    assert db.session.scalars(select(User.full_name).where(
        User.full_name.in_(("Người Thôn Khác", "Người Xã Khác", "Ai")))).all() == []
    assert signed_in_name(member) == "Đoàn Thị Giáo"


def test_while_assisting_only_the_courses_are_open(make_browser, villages):
    member = make_browser()
    member.login("gv.doan")
    home = villages["homes"]["D-003"]
    member.post(f"/community/households/{home}/assist", {"full_name": "Lê Thị Bà"})
    family = member.get("/family")
    assert family.status_code == 302 and family.location == "/home"
    assert member.get("/my-data").location == "/home"
    assert member.post("/pair", {"code": "AAAA-AAAA", "consent": "y"}).status_code == 403
    # No second assisted session from inside the first.
    assert member.post(f"/community/households/{home}/assist", {"full_name": "Khác"}).status_code == 403
    assert member.get(f"/courses/{COURSE}/").status_code == 200
    # "Sign out" ends the assisted session: the member is back in their own account.
    out = member.post("/logout")
    assert out.location == f"/community/households/{home}"
    assert signed_in_name(member) == "Đoàn Thị Giáo"
    assert db.session.scalar(select(AssistedSession.ended_at)) is not None


def test_the_assisted_session_ends_with_the_members_own(make_browser, villages):
    member = make_browser()
    member.login("gv.doan")
    home = villages["homes"]["D-003"]
    member.post(f"/community/households/{home}/assist", {"full_name": "Lê Thị Bà"})
    record = db.session.scalar(select(AssistedSession))
    # The member's own session is ended elsewhere (signed out on another device, disabled).
    db.session.execute(update(UserSession).where(UserSession.user_id == villages["teacher"])
                       .values(revoked_at=utcnow()))
    db.session.commit()
    response = member.get("/home")
    assert response.status_code == 302 and response.location.startswith("/login")
    db.session.refresh(record)
    assert record.ended_at is not None
    assert db.session.get(UserSession, record.session_id).revoked_at is not None


def test_when_the_resident_is_disabled_the_member_is_back_in_their_own_account(make_browser, villages):
    member = make_browser()
    member.login("gv.doan")
    member.post(f"/community/households/{villages['homes']['D-003']}/assist", {"full_name": "Lê Thị Bà"})
    resident = db.session.scalar(select(User).where(User.full_name == "Lê Thị Bà"))
    resident.active = False
    db.session.commit()
    assert signed_in_name(member) == "Đoàn Thị Giáo"
    assert db.session.scalar(select(AssistedSession.ended_at)) is not None


# --- pupils helping their families ------------------------------------------------------------


@pytest.fixture
def families(factory, villages):
    room = db.session.get(Classroom, villages["room"])  # grade 7
    pupil = factory.pupil(room, username="hs.giup", name="Ngô Văn Giúp")
    mother = factory.user("parent", username="ph.me", phone="0913000001", name="Ngô Thị Mẹ")
    link_guardian(db.session, mother, pupil)
    other = factory.pupil(room, username="hs.khac", name="Đinh Văn Khác")
    stranger = factory.user("parent", username="ph.la", phone="0913000002", name="Đinh Thị Lạ")
    link_guardian(db.session, stranger, other)
    primary = factory.pupil(factory.classroom(grade=3), username="hs.nho")
    link_guardian(db.session, factory.user("parent", username="ph.nho"), primary)
    factory.commit()
    return {"pupil": pupil.id, "mother": mother.id, "other": other.id, "stranger": stranger.id}


def test_a_pupil_helps_their_own_parent_and_never_another(make_browser, villages, families):
    pupil = make_browser()
    pupil.login("hs.giup")
    home = page_text(pupil.get("/home").get_data(as_text=True))
    assert t("Help my family learn") in home
    page = page_text(pupil.get("/community/family").get_data(as_text=True))
    assert t("Learn together with %(name)s", name="Ngô Thị Mẹ") in page
    assert "Đinh Thị Lạ" not in page
    assert not re.search(r"\bem\b", page.casefold())  # lower secondary: "bạn", as adults are
    assert pupil.post(f"/community/family/{families['stranger']}/assist").status_code == 403
    assert pupil.post(f"/community/family/{families['other']}/assist").status_code == 403  # a pupil
    assert pupil.post("/community/family/999999/assist").status_code == 404
    response = pupil.post(f"/community/family/{families['mother']}/assist")
    assert response.location == "/home"
    assert t("Learning together with %(name)s", name="Ngô Thị Mẹ") in banner(pupil)
    finish_course(pupil)
    assert completion_of(families["mother"]).assisted_by_id == families["pupil"]
    assert pupil.post("/community/assist/end").location == "/community/family"
    assert signed_in_name(pupil) == "Ngô Văn Giúp"
    # The class and the school count the family helped; the pupil's own coverage is untouched.
    assert families_helped_by_class(db.session, [villages["room"]]) == {villages["room"]: 1}
    assert families_helped_by_school(db.session, [villages["school"]]) == {villages["school"]: 1}
    assert completion_of(families["pupil"]) is None
    assert db.session.scalar(select(TierProgress).where(TierProgress.user_id == families["pupil"])) is None


def test_only_lower_secondary_pupils_help_their_family(make_browser, villages, families):
    for login in ("hs.nho", "gv.doan", "ph.me"):
        browser = make_browser()
        browser.login(login)
        assert browser.get("/community/family").status_code == 403, login
        assert browser.post(f"/community/family/{families['mother']}/assist").status_code == 403, login
        assert t("Help my family learn") not in page_text(browser.get("/home").get_data(as_text=True))


def test_a_pupil_shows_their_familys_code(make_browser, villages, families):
    pupil = make_browser()
    pupil.login("hs.giup")
    page = page_text(pupil.get("/community/family/code").get_data(as_text=True))
    assert t("Your family has no code yet.") in page
    assert pupil.post("/community/family/code").location == "/community/family/code"
    shown = pupil.get("/community/family/code").get_data(as_text=True)
    code = re.search(r'<strong class="code">([A-Z2-9]{4}-[A-Z2-9]{4})</strong>', shown).group(1)
    # The code works once for a parent on their own phone; asking again issues nothing new.
    assert pupil.post("/community/family/code").location == "/community/family/code"
    assert code in pupil.get("/community/family/code").get_data(as_text=True)
    parent = make_browser()
    parent.get("/pair")
    signup = parent.post("/pair", {"code": code, "full_name": "Ngô Văn Bố", "phone": "0913000009",
                                   "password": "mat-khau-bo-moi", "confirm": "mat-khau-bo-moi",
                                   "consent": "y"})
    assert signup.status_code == 302
    father = db.session.scalar(select(User).where(User.phone == "0913000009"))
    assert father is not None
    assert "Ngô Văn Bố" in page_text(pupil.get("/community/family").get_data(as_text=True))


# --- the figures ------------------------------------------------------------------------------


def test_assisted_completions_are_counted_apart(app, factory, villages, families):
    course = db.session.scalar(select(Course.id).where(Course.slug == COURSE))
    resident = User(role="parent", tier="parent", full_name="Cư Dân", name_key="x",
                    listed_household_id=villages["homes"]["D-001"])
    far_resident = User(role="parent", tier="parent", full_name="Xa", name_key="x",
                        listed_household_id=villages["homes"]["X-001"])
    db.session.add_all([resident, far_resident])
    db.session.flush()
    db.session.info["assisted_by"] = villages["teacher"]
    record_completion(db.session, resident.id, course, score=100.0, attempt_id=None)
    record_completion(db.session, far_resident.id, course, score=100.0, attempt_id=None)
    db.session.info["assisted_by"] = families["pupil"]
    record_completion(db.session, families["mother"], course, score=100.0, attempt_id=None)
    del db.session.info["assisted_by"]
    record_completion(db.session, families["stranger"], course, score=100.0, attempt_id=None)
    record_completion(db.session, families["pupil"], course, score=100.0, attempt_id=None)
    record_completion(db.session, villages["teacher"], course, score=None, attempt_id=None)
    # An old completion, before the period.
    old = factory.user("parent")
    link_guardian(db.session, old, db.session.get(User, families["other"]))
    record_completion(db.session, old.id, course, score=100.0, attempt_id=None)
    db.session.execute(update(Completion).where(Completion.user_id == old.id)
                       .values(completed_at=datetime(2020, 5, 1)))
    db.session.commit()
    today = today_in_vietnam()
    start = today - timedelta(days=30)
    # The ward: its resident and the mother assisted; the stranger, the pupil, the teacher alone.
    assert assisted_completions(db.session, [villages["unit"]], start, today) == (2, 3)
    assert assisted_completions(db.session, [villages["other"]], start, today) == (1, 0)
    assert assisted_completions(db.session, [villages["unit"], villages["other"]], start, today) == (3, 3)
    assert assisted_completions(db.session, [villages["unit"]], date(2020, 1, 1), today) == (2, 4)
    assert assisted_completions(db.session, [villages["unit"]], date(2019, 1, 1),
                                date(2019, 12, 31)) == (0, 0)
    # The class counts the mother, helped by its pupil; not the resident a team member helped.
    assert families_helped_by_class(db.session, [villages["room"]]) == {villages["room"]: 1}
    assert families_helped_by_class(db.session, []) == {}
