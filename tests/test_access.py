"""Who may do what, route by route: a table of every route x every role, with the ids of real
objects of ANOTHER school or ANOTHER family, checked over HTTP; and every route again on the
objects of ANOTHER UNIT (a commune of the same city), which its unit admin never reaches and the
city admin does.

One world (a city; its ward with two schools, their staff, classes, pupils and families, a
campaign and an official; another unit with its own school, class, pupil, family and campaign;
the city's own campaign) is built once for the module and put back row by row before each
case, so that a case that changes something (the ward admin withdrawing an assignment, say)
does not leak into the next. Each role's signed-in session is part of that world, so no case
has to sign in."""

import io
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

import pytest
from conftest import COURSES, POSTGRES_URL, Browser, Factory, base_config, page_text
from flask_babel import gettext
from sqlalchemy import MetaData, event, select, text

from lms import create_app
from lms.content.sync import sync_courses
from lms.extensions import db, limiter
from lms.learning import certificates
from lms.models import (
    Assignment,
    Campaign,
    CampaignTarget,
    Course,
    ListedHousehold,
    QuizAttempt,
    QuizVersion,
    School,
    TeamMember,
    Unit,
    User,
    UserSession,
    Village,
)
from lms.models.campaign import DEFAULT_TARGETS
from lms.people.households import link_guardian

ROLES = ("anonymous", "pupil", "teacher", "parent", "school_admin", "ward_admin", "city_admin",
         "official")
LOGINS = {"pupil": "hs.a", "teacher": "gv.a", "parent": "ph.a", "school_admin": "qt.a",
          "ward_admin": "phuong", "city_admin": "thanhpho", "official": "canbo",
          "teacher_a2": "gv.a2", "school_admin_b": "qt.b", "ward_admin_c": "xa"}
LOGIN = "login"  # expected: 302 to the sign-in page

NOPE = 999999


# --- the shared world --------------------------------------------------------------------------


def campaign_of(unit, name, starts_on=date(2025, 9, 1), ends_on=date(2026, 6, 30)):
    return Campaign(unit_id=unit.id, name=name, starts_on=starts_on, ends_on=ends_on,
                    targets=[CampaignTarget(group=g, percent=p) for g, p in DEFAULT_TARGETS.items()])


def build_world(session) -> SimpleNamespace:
    """Actors of school A and family A; targets of school B and family B (same ward), and of
    school C and family C (another unit of the city)."""
    f = Factory(session)
    report = sync_courses(session, COURSES)
    assert not report.problems.errors
    city = Unit(code="TP", name="Thành phố Mẫu", kind="city")
    session.add(city)
    session.flush()
    ward = f.unit()
    ward.parent_id = city.id
    other = Unit(code="X-KHAC", name="Xã Khác", kind="commune", parent_id=city.id)
    session.add(other)
    session.flush()
    school_a = f.school(code="A", name="Trường A")
    school_b = f.school(code="B", name="Trường B")
    school_c = School(unit_id=other.id, code="C", name="Trường C", level="tieu-hoc")
    session.add(school_c)
    session.flush()
    teacher_a = f.user("teacher", username="gv.a", school=school_a)
    f.user("teacher", username="gv.a2", school=school_a)  # not a homeroom teacher
    f.user("school_admin", username="qt.a", school=school_a)
    teacher_b = f.user("teacher", username="gv.b", school=school_b)
    f.user("school_admin", username="qt.b", school=school_b)
    teacher_c = f.user("teacher", username="gv.c", school=school_c)
    f.user("ward_admin", username="phuong").unit_id = ward.id
    f.user("ward_admin", username="xa").unit_id = other.id
    f.user("city_admin", username="thanhpho").unit_id = city.id
    f.user("official", tier="official", username="canbo").unit_id = ward.id
    official_c = f.user("official", tier="official", username="canbo.c")
    official_c.unit_id = other.id
    room_a = f.classroom(school_a, name="3A", grade=3, teacher=teacher_a)
    room_b = f.classroom(school_b, name="3B", grade=3, teacher=teacher_b)
    room_c = f.classroom(school_c, name="3C", grade=3, teacher=teacher_c)
    pupil_a = f.pupil(room_a, username="hs.a", name="Trần Văn Anh")
    pupil_b = f.pupil(room_b, username="hs.b", name="Lê Thị Bích")
    pupil_c = f.pupil(room_c, username="hs.c", name="Phạm Văn Cường")
    parent_a = f.user("parent", username="ph.a", phone="0911000001", name="Trần Văn Cha")
    parent_b = f.user("parent", username="ph.b", phone="0911000002", name="Lê Văn Bố")
    parent_c = f.user("parent", username="ph.c", phone="0911000003", name="Phạm Văn Bố")
    link_guardian(session, parent_a, pupil_a)
    link_guardian(session, parent_b, pupil_b)
    link_guardian(session, parent_c, pupil_c)
    quiz = session.scalar(select(Course).where(Course.slug == "quiz-course"))
    no_quiz = session.scalar(select(Course).where(Course.slug == "no-quiz-course"))
    version = session.scalar(select(QuizVersion).where(QuizVersion.course_id == quiz.id))
    assignments, attempts = {}, {}
    for key, room, teacher, pupil in (("a", room_a, teacher_a, pupil_a),
                                      ("b", room_b, teacher_b, pupil_b),
                                      ("c", room_c, teacher_c, pupil_c)):
        assignments[key] = Assignment(classroom_id=room.id, course_id=quiz.id,
                                      teacher_id=teacher.id, due_on=date(2030, 5, 20))
        attempts[key] = QuizAttempt(user_id=pupil.id, course_id=quiz.id,
                                    quiz_version_id=version.id, status="open")
        session.add_all([assignments[key], attempts[key]])
    plans = {"ward": campaign_of(ward, "Chiến dịch 2025-2026"),
             "c": campaign_of(other, "Kế hoạch xã 2026", date(2026, 1, 1), date(2026, 12, 31)),
             "city": campaign_of(city, "Kế hoạch thành phố")}
    session.add_all(plans.values())
    session.flush()
    # Villages (issue 18): one in the ward, whose team has teacher A; one in the other unit,
    # whose team has teacher C.
    village_a = Village(unit_id=ward.id, code="T1", name="Thôn Một")
    village_c = Village(unit_id=other.id, code="T9", name="Thôn Chín")
    session.add_all([village_a, village_c])
    session.flush()
    home_a = ListedHousehold(village_id=village_a.id, code="H-A", head_name="Chủ Hộ A", phones="")
    home_c = ListedHousehold(village_id=village_c.id, code="H-C", head_name="Chủ Hộ C", phones="")
    member_a = TeamMember(village_id=village_a.id, user_id=teacher_a.id, kind="teacher")
    member_c = TeamMember(village_id=village_c.id, user_id=teacher_c.id, kind="teacher")
    session.add_all([home_a, home_c, member_a, member_c])
    session.flush()
    from lms.models import Nomination
    nominations = {
        "ward": Nomination(unit_id=ward.id, model="school", year=2026, subject_kind="school",
                           subject_id=school_b.id,
                           marked_by_id=session.scalar(select(User.id).where(User.username == "phuong"))),
        "c": Nomination(unit_id=other.id, model="school", year=2026, subject_kind="school",
                        subject_id=school_c.id,
                        marked_by_id=session.scalar(select(User.id).where(User.username == "xa"))),
    }
    session.add_all(nominations.values())
    session.flush()
    cert_b = certificates.issue_course_certificate(session, pupil_b.id, quiz.id)
    cert_c = certificates.issue_course_certificate(session, pupil_c.id, quiz.id)
    residents = {key: User(role="parent", tier="parent", full_name=f"Cư Dân {key}", name_key=key,
                           listed_household_id=home.id, active=True)
                 for key, home in (("a", home_a), ("c", home_c))}
    session.add_all(residents.values())
    session.commit()
    return SimpleNamespace(
        nomination_ward=nominations["ward"].id, nomination_c=nominations["c"].id,
        school_a=school_a.id, school_b=school_b.id, room_a=room_a.id, room_b=room_b.id,
        code_b=room_b.signin_code, pupil_a=pupil_a.id, pupil_b=pupil_b.id,
        parent_b=parent_b.id, teacher_b=teacher_b.id,
        teacher_a2=session.scalar(select(User.id).where(User.username == "gv.a2")),
        assignment_a=assignments["a"].id, assignment_b=assignments["b"].id,
        attempt_b=attempts["b"].id, quiz=quiz.id, no_quiz=no_quiz.id,
        ward=ward.id, city=city.id, unit_c=other.id, school_c=school_c.id, code_c=school_c.code,
        room_c=room_c.id, pupil_c=pupil_c.id, parent_c=parent_c.id, teacher_c=teacher_c.id,
        official_c=official_c.id, assignment_c=assignments["c"].id, attempt_c=attempts["c"].id,
        plan_ward=plans["ward"].id, plan_c=plans["c"].id, plan_city=plans["city"].id,
        cert_b=cert_b.id, cert_c=cert_c.id, cert_code_b=certificates.code_of(cert_b),
        village_a=village_a.id, village_c=village_c.id, home_a=home_a.id, home_c=home_c.id,
        member_a=member_a.id, member_c=member_c.id,
        resident_a=residents["a"].id, resident_c=residents["c"].id)


class TrackingBrowser(Browser):
    """Remembers that a POST may have changed the world."""

    def __init__(self, client, shared):
        super().__init__(client)
        self.shared = shared

    def post(self, url, data=None, **kwargs):
        self.shared.dirty = True
        return super().post(url, data, **kwargs)


@dataclass
class Shared:
    app: object
    world: SimpleNamespace
    rows: list = field(default_factory=list)  # (table, rows) in dependency order
    cookies: dict = field(default_factory=dict)  # role -> (session cookie, CSRF token)
    dirty: bool = True
    writes: list = field(default_factory=list)  # INSERT/UPDATE/DELETE statements sent
    logged: list = field(default_factory=list)  # access-log entries written

    def reset(self):
        """Put every table back as the world left it; forget the rate limits. GET requests
        never write (test_route_by_role checks it), so only a POST makes this necessary."""
        if not self.dirty:
            return
        with self.app.app_context():
            with db.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    names = ", ".join(f'"{table.name}"' for table, _rows in self.rows)
                    conn.execute(text(f"TRUNCATE {names} CASCADE"))
                else:
                    for table, _rows in reversed(self.rows):
                        conn.execute(table.delete())
                for table, rows in self.rows:
                    if rows:
                        conn.execute(table.insert(), rows)
        limiter.reset()
        self.dirty = False

    def browser(self, role) -> Browser:
        browser = TrackingBrowser(self.app.test_client(), self)
        cookie, browser.token = self.cookies[role]
        browser.client.set_cookie("session", cookie)
        return browser

    def record_writes(self, _conn, _cursor, statement, *_args):
        # Storing computed coverage figures is a cache, not a change of state.
        if "metric_snapshots" in statement:
            return
        # The access log records who saw whose data (issue 19), not a change of state.
        if statement.lstrip().upper().startswith("INSERT INTO ACCESS_LOG"):
            self.logged.append(statement)
            return
        if statement.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            self.writes.append(statement)


@pytest.fixture(scope="module")
def shared(template_db, tmp_path_factory):
    if POSTGRES_URL:
        url = POSTGRES_URL
    else:
        path = tmp_path_factory.mktemp("access") / "world.sqlite3"
        shutil.copy(template_db, path)
        url = f"sqlite:///{path}"
    app = create_app(base_config(url))
    with app.app_context():
        if POSTGRES_URL:
            names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            db.session.commit()
        world = build_world(db.session)
        db.session.remove()
    limiter.reset()
    shared = Shared(app, world)
    for role, login in {"anonymous": None, **LOGINS}.items():
        browser = Browser(app.test_client())
        if login:
            assert browser.login(login).status_code == 302, login
        browser.get("/courses")
        shared.cookies[role] = (browser.client.get_cookie("session").value, browser.token)
    with app.app_context():
        tables = MetaData()
        tables.reflect(bind=db.engine)
        with db.engine.connect() as conn:
            shared.rows = [(table, [dict(r) for r in conn.execute(table.select()).mappings()])
                           for table in tables.sorted_tables if table.name != "alembic_version"]
        engine = db.engine
    shared.dirty = False
    limiter.reset()
    event.listen(engine, "before_cursor_execute", shared.record_writes)
    yield shared
    event.remove(engine, "before_cursor_execute", shared.record_writes)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def world(shared):
    shared.reset()
    return shared.world


# --- the table ---------------------------------------------------------------------------------


@dataclass
class Route:
    endpoint: str
    method: str
    url: Callable
    expected: dict
    data: Callable = lambda w: {}
    variant: str = ""

    @property
    def id(self):
        return f"{self.method}:{self.endpoint}{self.variant}"


def staff(ward, teacher=403, school_admin=403, city=None):
    """Teaching pages: anonymous sign in; pupils, parents and officials never; staff by school;
    the city admin as the unit admin unless told."""
    return {"anonymous": LOGIN, "pupil": 403, "parent": 403, "teacher": teacher,
            "school_admin": school_admin, "ward_admin": ward,
            "city_admin": ward if city is None else city, "official": 403}


def admins(ward, school_admin=403, city=None):
    return staff(ward, teacher=403, school_admin=school_admin, city=city)


def overseers(ward, city=None):
    """Pages of the unit and city admins only: plans, officials, a unit's dashboard."""
    return {**dict.fromkeys(ROLES, 403), "anonymous": LOGIN, "ward_admin": ward,
            "city_admin": ward if city is None else city}


def plan_form(**changes):
    """A plan following the five default groups (lms.campaign.forms.CampaignForm)."""
    form = {"name": "Đợt 2", "starts_on": "2026-09-01", "ends_on": "2027-06-30"}
    for group, percent in DEFAULT_TARGETS.items():
        form[f"{group}-follow"] = "y"
        form[f"{group}-percent"] = str(percent)
    return {**form, **changes}


def everyone(status, anonymous=None):
    expected = dict.fromkeys(ROLES, status)
    if anonymous is not None:
        expected["anonymous"] = anonymous
    return expected


def learners(pupil, parent=None, staff_status=403, ward=403, official=None):
    """Learner pages: unit and city admins have no learning tier; teachers learn teacher
    courses, officials official courses."""
    return {"anonymous": LOGIN, "pupil": pupil, "parent": parent if parent is not None else pupil,
            "teacher": staff_status, "school_admin": staff_status, "ward_admin": ward,
            "city_admin": ward, "official": staff_status if official is None else official}


def class_b(w, tail=""):
    return f"/teach/classes/{w.room_b}{tail}"


SIGNED_IN_HOME = (302, "/")
WRONG_CODE = {"code": "AAAA-AAAA", "full_name": "Người Thử", "phone": "0933000999",
              "password": "mat-khau-thu", "confirm": "mat-khau-thu", "consent": "y"}
PAPER_CONSENT = {"given_on": "2026-01-05"}  # a class's consent page: lms/privacy/routes.py

ROUTES = [
    # public pages
    Route("catalog.index", "GET", lambda w: "/", {
        "anonymous": 200, "pupil": (302, "/home"), "teacher": (302, "/home"),
        "parent": (302, "/family"), "school_admin": (302, "/home"),
        "ward_admin": (302, "/dashboard/"), "city_admin": (302, "/dashboard/"),
        "official": (302, "/home")}),
    Route("catalog.courses", "GET", lambda w: "/courses", everyone(200)),
    Route("catalog.healthz", "GET", lambda w: "/healthz", everyone(200)),
    Route("catalog.media", "GET", lambda w: "/media/quiz-course/images/lock.svg", everyone(200)),
    Route("catalog.set_language", "POST", lambda w: "/lang", everyone((302, "/courses")),
          lambda w: {"lang": "en", "next": "/courses"}),
    Route("auth.login", "GET", lambda w: "/login", everyone(SIGNED_IN_HOME, anonymous=200)),
    Route("auth.login", "POST", lambda w: "/login", everyone(SIGNED_IN_HOME, anonymous=401),
          lambda w: {"login": "gv.b", "password": "not the password"}),
    Route("auth.class_login", "GET", lambda w: "/login/class", everyone(200)),
    Route("auth.class_pin", "GET", lambda w: f"/login/class/{w.code_b}", everyone(200)),
    Route("auth.class_pin", "POST", lambda w: f"/login/class/{w.code_b}", everyone(401),
          lambda w: {"pupil": str(w.pupil_b), "pin": "0000"}),  # hs.b has no PIN yet
    Route("auth.logout", "POST", lambda w: "/logout", everyone((302, "/login"))),
    Route("auth.setup", "GET", lambda w: "/setup", everyone(200)),
    Route("auth.setup", "POST", lambda w: "/setup", everyone(401),
          lambda w: {"code": "AAAA-AAAA", "password": "mat-khau-thu", "confirm": "mat-khau-thu"}),
    Route("family.pair", "GET", lambda w: "/pair", everyone(200)),
    Route("family.pair", "POST", lambda w: "/pair", everyone(409), lambda w: WRONG_CODE),
    # learners
    Route("learning.home", "GET", lambda w: "/home", everyone(200, anonymous=LOGIN)),
    Route("learning.history", "GET", lambda w: "/history", learners(200, staff_status=200)),
    Route("learning.course", "GET", lambda w: "/courses/quiz-course/", learners(200)),
    Route("learning.lesson", "GET", lambda w: "/courses/quiz-course/lessons/bai-mot",
          learners(200)),
    Route("learning.lesson_done", "POST", lambda w: "/courses/quiz-course/lessons/bai-mot/done",
          learners((302, "/courses/quiz-course/lessons/bai-hai"))),
    Route("learning.start_quiz", "POST", lambda w: "/courses/quiz-course/quiz",
          learners((302, "/courses/quiz-course/"))),  # lessons first
    Route("learning.attempt", "GET", lambda w: f"/attempts/{w.attempt_b}", learners(403)),
    Route("learning.submit", "POST", lambda w: f"/attempts/{w.attempt_b}", learners(403)),
    Route("learning.result", "GET", lambda w: f"/attempts/{w.attempt_b}/result", learners(403)),
    # families
    Route("family.home", "GET", lambda w: "/family", {
        "anonymous": LOGIN, "pupil": 403, "teacher": 403, "parent": 200, "school_admin": 403,
        "ward_admin": 403, "city_admin": 403, "official": 403}),
    # a person's own data (and their children's): every signed-in person, nobody else's
    Route("family.my_data", "GET", lambda w: "/my-data", everyone(200, LOGIN)),
    Route("family.my_data_json", "GET", lambda w: "/my-data.json", everyone(200, LOGIN)),
    Route("family.my_data_xlsx", "GET", lambda w: "/my-data.xlsx", everyone(200, LOGIN)),
    # teaching, on school B's class
    Route("teaching.classes", "GET", lambda w: "/teach/", staff(200, 200, 200)),
    Route("teaching.classroom", "GET", lambda w: class_b(w), staff(200)),
    Route("teaching.class_message", "GET", lambda w: class_b(w, "/message"), staff(403)),
    # assigning, like cards and letters, is the school's work: the ward admin sees the figures
    Route("teaching.assign", "POST", lambda w: class_b(w, "/assignments"), staff(403),
          lambda w: {"course_id": str(w.no_quiz), "due_on": "2030-05-20", "note": ""}),
    Route("teaching.edit_assignment", "GET", lambda w: f"/teach/assignments/{w.assignment_b}",
          staff(403)),
    Route("teaching.edit_assignment", "POST", lambda w: f"/teach/assignments/{w.assignment_b}",
          staff(403), lambda w: {"due_on": "2030-06-01"}),
    Route("teaching.withdraw_assignment", "POST",
          lambda w: f"/teach/assignments/{w.assignment_b}/withdraw", staff(403)),
    Route("teaching.matrix_export", "GET", lambda w: class_b(w, "/matrix.csv"), staff(200),
          variant=".csv"),
    Route("teaching.matrix_export", "GET", lambda w: class_b(w, "/matrix.xlsx"), staff(200),
          variant=".xlsx"),
    Route("teaching.matrix_print", "GET", lambda w: class_b(w, "/print"), staff(200)),
    # cards and letters belong to the school: the ward admin neither prints nor reissues them
    Route("teaching.cards", "GET", lambda w: class_b(w, "/cards"), staff(403)),
    Route("teaching.issue_missing_cards", "POST", lambda w: class_b(w, "/cards"), staff(403)),
    Route("teaching.new_cards", "GET", lambda w: class_b(w, f"/cards/new?pupil={w.pupil_b}"),
          staff(403)),
    Route("teaching.new_cards", "POST", lambda w: class_b(w, "/cards/new"), staff(403)),
    Route("teaching.letters", "GET", lambda w: class_b(w, "/letters"), staff(403)),
    Route("teaching.issue_missing_letters", "POST", lambda w: class_b(w, "/letters"), staff(403)),
    Route("teaching.new_letters", "GET", lambda w: class_b(w, "/letters/new"), staff(403)),
    Route("teaching.new_letters", "POST", lambda w: class_b(w, f"/letters/new?pupil={w.pupil_b}"),
          staff(403)),
    Route("teaching.preview", "GET", lambda w: "/teach/courses/quiz-course/",
          staff(200, 200, 200)),
    # administration, on school B
    Route("admin.index", "GET", lambda w: "/admin/",
          admins(200, school_admin=(302, "/admin/schools/{school_a}"))),
    Route("admin.school", "GET", lambda w: f"/admin/schools/{w.school_b}", admins(200)),
    Route("admin.setup_codes", "POST", lambda w: f"/admin/schools/{w.school_b}/setup-codes",
          admins(200)),
    Route("admin.toggle_active", "POST", lambda w: f"/admin/users/{w.teacher_b}/active",
          admins((302, "/admin/schools/{school_b}"))),
    Route("admin.roster", "POST", lambda w: "/admin/roster",  # no file: back to the form
          admins((302, "/admin/"), school_admin=(302, "/admin/"))),
    # a unit's own officials
    Route("admin.officials_home", "GET", lambda w: "/admin/officials",
          overseers((302, "/admin/units/{ward}/officials"), city=200)),
    Route("admin.officials", "GET", lambda w: f"/admin/units/{w.ward}/officials", overseers(200)),
    Route("admin.official_setup_codes", "POST",
          lambda w: f"/admin/units/{w.ward}/officials/setup-codes", overseers(200)),
    # a unit's villages and their household lists
    Route("admin.villages_home", "GET", lambda w: "/admin/villages",
          overseers((302, "/admin/units/{ward}/villages"), city=200)),
    Route("admin.villages", "GET", lambda w: f"/admin/units/{w.ward}/villages", overseers(200)),
    # a village's community digital team, kept by the unit admin (issue 18)
    Route("admin.village", "GET", lambda w: f"/admin/villages/{w.village_a}", overseers(200)),
    Route("admin.add_team_member", "POST", lambda w: f"/admin/villages/{w.village_a}/members",
          overseers((302, "/admin/villages/{village_a}")),
          lambda w: {"login": "ph.b", "kind": "youth"}),
    Route("admin.new_team_member", "POST", lambda w: f"/admin/villages/{w.village_a}/members/new",
          overseers(200), lambda w: {"full_name": "Đoàn Viên Mới", "phone": "0977000123",
                                     "kind": "youth"}),
    Route("admin.remove_team_member", "POST",
          lambda w: f"/admin/villages/{w.village_a}/members/{w.member_a}/remove",
          overseers((302, "/admin/villages/{village_a}"))),
    # the access log: each admin reads their own scope's (tests/test_access_log.py)
    Route("admin.access_log", "GET", lambda w: "/admin/access-log", admins(200, school_admin=200)),
    # a team member's village (teacher A is on Thôn Một's team; no other account is on a team)
    Route("community.my_village", "GET", lambda w: "/community/",
          {**dict.fromkeys(ROLES, 403), "anonymous": LOGIN,
           "teacher": (302, "/community/villages/{village_a}")}),
    Route("community.village", "GET", lambda w: f"/community/villages/{w.village_a}",
          {**dict.fromkeys(ROLES, 403), "anonymous": LOGIN, "teacher": 200}),
    Route("community.household", "GET", lambda w: f"/community/households/{w.home_a}",
          {**dict.fromkeys(ROLES, 403), "anonymous": LOGIN, "teacher": 200}),
    Route("community.assist_resident", "POST", lambda w: f"/community/households/{w.home_a}/assist",
          {**dict.fromkeys(ROLES, 403), "anonymous": LOGIN, "teacher": (302, "/home")},
          lambda w: {"full_name": "Người Dân Mới"}),
    Route("community.resident_code", "POST",
          lambda w: f"/community/households/{w.home_a}/residents/{w.resident_a}/code",
          {**dict.fromkeys(ROLES, 403), "anonymous": LOGIN, "teacher": 200},
          lambda w: {"phone": "0966000111"}),
    Route("community.end_assist", "POST", lambda w: "/community/assist/end",
          everyone((302, "/"), anonymous=LOGIN)),
    # pupils helping their families: lower-secondary pupils only (the world's pupil is in grade 3)
    Route("community.family", "GET", lambda w: "/community/family", everyone(403, LOGIN)),
    Route("community.assist_family", "POST", lambda w: f"/community/family/{w.parent_b}/assist",
          everyone(403, LOGIN)),
    Route("community.family_code", "GET", lambda w: "/community/family/code", everyone(403, LOGIN)),
    Route("community.issue_family_code", "POST", lambda w: "/community/family/code",
          everyone(403, LOGIN)),
    # privacy: the notice is public; a class's consents are its school's (homeroom teacher, admin)
    Route("privacy.notice", "GET", lambda w: "/privacy", everyone(200)),
    Route("privacy.class_consent", "GET", lambda w: class_b(w, "/consent"), staff(403)),
    Route("privacy.class_consent", "POST", lambda w: class_b(w, "/consent"), staff(403),
          lambda w: {**PAPER_CONSENT, "guardian": str(w.pupil_b)}),
    # certificates: school B's pupil's, seen by the unit's admins; verification is public
    Route("certificates.mine", "GET", lambda w: "/certificates", learners(200, staff_status=200)),
    Route("certificates.show", "GET", lambda w: f"/certificates/{w.cert_b}",
          {**dict.fromkeys(ROLES, 403), "anonymous": LOGIN, "ward_admin": 200, "city_admin": 200}),
    Route("certificates.family", "GET", lambda w: "/family/certificates",
          {**dict.fromkeys(ROLES, 403), "anonymous": LOGIN, "parent": 200}),
    Route("certificates.for_class", "GET", lambda w: class_b(w, "/certificates"), staff(403)),
    Route("certificates.verify", "GET", lambda w: "/verify", everyone(200)),
    Route("certificates.verify_code", "GET", lambda w: f"/verify/{w.cert_code_b}", everyone(200)),
    # the campaign's dashboards, on school B
    Route("campaign.ward", "GET", lambda w: "/dashboard/",
          admins(200, school_admin=(302, "/dashboard/schools/{school_a}"))),
    Route("campaign.school", "GET", lambda w: f"/dashboard/schools/{w.school_b}", admins(200)),
    Route("campaign.competencies", "GET", lambda w: "/dashboard/competencies",
          admins(200, school_admin=200)),
    Route("campaign.download", "GET", lambda w: "/dashboard/report.csv",
          admins(200, school_admin=200)),
    Route("campaign.unit", "GET", lambda w: f"/dashboard/units/{w.ward}", overseers(200)),
    # plans: a unit admin keeps their own unit's, the city admin the city's (and its units')
    Route("campaign.plan", "GET", lambda w: "/dashboard/plan", overseers(200)),
    # evidence for the models, nominees, event days (issue 18)
    Route("campaign.evidence_page", "GET", lambda w: f"/dashboard/units/{w.ward}/evidence/schools",
          admins(200)),
    Route("campaign.evidence_page", "GET", lambda w: f"/dashboard/units/{w.ward}/evidence/classes",
          admins(200, school_admin=200), variant="/classes"),
    Route("campaign.evidence_export", "GET",
          lambda w: f"/dashboard/units/{w.ward}/evidence/teachers.xlsx", admins(200, school_admin=200)),
    Route("campaign.mark_nominee", "POST", lambda w: f"/dashboard/units/{w.ward}/nominations",
          overseers((302, "/dashboard/units/{ward}/evidence/schools?year=2026"), city=403),
          lambda w: {"model": "school", "year": "2026", "subject": str(w.school_a)}),
    Route("campaign.unmark_nominee", "POST", lambda w: f"/dashboard/nominations/{w.nomination_ward}/remove",
          overseers((302, "/dashboard/units/{ward}/evidence/schools"), city=403)),
    Route("campaign.event_days", "GET", lambda w: f"/dashboard/units/{w.ward}/events", overseers(200)),
    Route("campaign.new_plan", "GET", lambda w: "/dashboard/plan/new", overseers(200)),
    Route("campaign.create_campaign", "POST", lambda w: "/dashboard/campaign",
          overseers((302, "/dashboard/"), city=(302, "/dashboard/plan?unit={city}")),
          lambda w: plan_form()),
    Route("campaign.edit_plan", "GET", lambda w: f"/dashboard/plans/{w.plan_ward}", overseers(200)),
    Route("campaign.targets", "POST", lambda w: "/dashboard/targets",
          overseers((302, "/dashboard/"), city=(302, "/dashboard/plan?unit={city}")),
          lambda w: plan_form(name="Chiến dịch", **{"primary-percent": "90"})),
    Route("campaign.targets", "POST", lambda w: f"/dashboard/plans/{w.plan_ward}",
          overseers((302, "/dashboard/"), city=(302, "/dashboard/plan?unit={ward}")),
          lambda w: plan_form(name="Chiến dịch", **{"primary-percent": "90"}), variant="/<id>"),
    Route("campaign.add_activity", "POST",
          lambda w: f"/dashboard/schools/{w.school_b}/activities",
          admins((302, "/dashboard/schools/{school_b}")),
          lambda w: {"held_on": "2025-10-10", "title": "Ngày hội số", "kind": "digital-day",
                     "participants": "120"}),
]


def request(browser, method, url, data=None):
    if method == "GET":
        return browser.get(url)
    return browser.post(url, data)


def check(response, expected, world, label):
    if expected == LOGIN:
        assert response.status_code == 302 and response.location.startswith("/login?next="), \
            (label, response.status_code, response.location)
        return
    if isinstance(expected, tuple):
        status, location = expected
        assert (response.status_code, response.location) == (
            status, location.format(**vars(world))), label
        return
    assert response.status_code == expected, (label, response.status_code, response.location)


# Pages and files that show pupils', families' or staff's names: each view records who saw
# them (lms.privacy_log; the entries themselves: tests/test_access_log.py).
LOGGED = {"certificates.show", "teaching.classroom", "teaching.matrix_export", "teaching.matrix_print",
          "teaching.cards",
          "teaching.letters", "certificates.for_class", "campaign.school", "campaign.download",
          "admin.school", "admin.officials", "privacy.class_consent", "admin.village",
          "community.village", "campaign.evidence_page", "campaign.evidence_export"}


def test_every_route_is_in_the_table(shared):
    routes = {(rule.endpoint, method) for rule in shared.app.url_map.iter_rules()
              if rule.endpoint != "static" for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == {(r.endpoint, r.method) for r in ROUTES}
    assert all(set(r.expected) == set(ROLES) for r in ROUTES)


@pytest.mark.parametrize("route,role", [(r, role) for r in ROUTES for role in ROLES],
                         ids=[f"{r.id}-{role}" for r in ROUTES for role in ROLES])
def test_route_by_role(world, shared, route, role):
    browser = shared.browser(role)
    shared.writes.clear()
    shared.logged.clear()
    response = request(browser, route.method, route.url(world), route.data(world))
    check(response, route.expected[role], world, f"{route.id} as {role}")
    if route.method == "GET":
        assert shared.writes == []  # a page view never writes to the database
        # ...but one that shows people's names writes its access-log entry, and a refusal none
        assert len(shared.logged) == (route.endpoint in LOGGED and response.status_code == 200)


# --- the same school: a colleague views, only the homeroom teacher and the admin manage ---------

ACTORS = ("teacher_a2", "teacher", "school_admin")
MANAGED = [
    ("GET", lambda w: f"/teach/classes/{w.room_a}", None, (200, 200, 200)),
    ("GET", lambda w: f"/teach/classes/{w.room_a}/matrix.csv", None, (200, 200, 200)),
    ("GET", lambda w: f"/teach/classes/{w.room_a}/matrix.xlsx", None, (200, 200, 200)),
    ("GET", lambda w: f"/teach/classes/{w.room_a}/print", None, (200, 200, 200)),
    ("GET", lambda w: f"/teach/classes/{w.room_a}/message", None, (403, 200, 200)),
    ("POST", lambda w: f"/teach/classes/{w.room_a}/assignments",
     lambda w: {"course_id": str(w.no_quiz), "due_on": "", "note": ""},
     (403, (302, "/teach/classes/{room_a}"), (302, "/teach/classes/{room_a}"))),
    ("GET", lambda w: f"/teach/classes/{w.room_a}/cards", None, (403, 200, 200)),
    ("POST", lambda w: f"/teach/classes/{w.room_a}/cards", None,
     (403, (302, "/teach/classes/{room_a}/cards"), (302, "/teach/classes/{room_a}/cards"))),
    ("GET", lambda w: f"/teach/classes/{w.room_a}/cards/new?pupil={w.pupil_a}", None,
     (403, 200, 200)),
    ("POST", lambda w: f"/teach/classes/{w.room_a}/cards/new?pupil={w.pupil_a}", None,
     (403, (302, "/teach/classes/{room_a}/cards?pupil={pupil_a}"),
      (302, "/teach/classes/{room_a}/cards?pupil={pupil_a}"))),
    ("GET", lambda w: f"/teach/classes/{w.room_a}/letters", None, (403, 200, 200)),
    ("POST", lambda w: f"/teach/classes/{w.room_a}/letters", None,
     (403, (302, "/teach/classes/{room_a}/letters"), (302, "/teach/classes/{room_a}/letters"))),
    ("GET", lambda w: f"/teach/classes/{w.room_a}/letters/new", None, (403, 200, 200)),
    ("POST", lambda w: f"/teach/classes/{w.room_a}/letters/new", None,
     (403, (302, "/teach/classes/{room_a}/letters"), (302, "/teach/classes/{room_a}/letters"))),
    ("GET", lambda w: f"/teach/assignments/{w.assignment_a}", None, (403, 200, 200)),
    ("POST", lambda w: f"/teach/assignments/{w.assignment_a}", lambda w: {"due_on": ""},
     (403, (302, "/teach/classes/{room_a}"), (302, "/teach/classes/{room_a}"))),
    ("POST", lambda w: f"/teach/assignments/{w.assignment_a}/withdraw", None,
     (403, (302, "/teach/classes/{room_a}"), (302, "/teach/classes/{room_a}"))),
    ("GET", lambda w: f"/teach/classes/{w.room_a}/consent", None, (403, 200, 200)),
    ("POST", lambda w: f"/teach/classes/{w.room_a}/consent",
     lambda w: {**PAPER_CONSENT, "guardian": str(w.pupil_a)},
     (403, (302, "/teach/classes/{room_a}/consent"), (302, "/teach/classes/{room_a}/consent"))),
    ("GET", lambda w: f"/admin/schools/{w.school_a}", None, (403, 403, 200)),
    ("POST", lambda w: f"/admin/users/{w.teacher_a2}/active", None,
     (403, 403, (302, "/admin/schools/{school_a}"))),
    ("GET", lambda w: f"/dashboard/schools/{w.school_a}", None, (403, 403, 200)),
]


@pytest.mark.parametrize("method,url,data,expected", MANAGED,
                         ids=[f"{m}:{i}" for i, (m, *_rest) in enumerate(MANAGED)])
def test_own_school_class_pages(world, shared, method, url, data, expected):
    for actor, status in zip(ACTORS, expected, strict=True):
        shared.reset()  # each actor on the world as it was
        response = request(shared.browser(actor), method, url(world),
                           data(world) if data else None)
        check(response, status, world, f"{method} {url(world)} as {actor}")


# --- another unit: its unit admin never reaches it, the city admin does --------------------------


def class_c(w, tail=""):
    return f"/teach/classes/{w.room_c}{tail}"


# (endpoint, method, url, form, expected for the unit admin of the ward, for the city admin)
OTHER_UNIT = [
    ("teaching.classroom", "GET", lambda w: class_c(w), None, 403, 200),
    ("teaching.class_message", "GET", lambda w: class_c(w, "/message"), None, 403, 403),
    ("teaching.assign", "POST", lambda w: class_c(w, "/assignments"),
     lambda w: {"course_id": str(w.no_quiz), "due_on": "2030-05-20", "note": ""}, 403, 403),
    ("teaching.edit_assignment", "GET", lambda w: f"/teach/assignments/{w.assignment_c}", None,
     403, 403),
    ("teaching.edit_assignment", "POST", lambda w: f"/teach/assignments/{w.assignment_c}",
     lambda w: {"due_on": "2030-06-01"}, 403, 403),
    ("teaching.withdraw_assignment", "POST",
     lambda w: f"/teach/assignments/{w.assignment_c}/withdraw", None, 403, 403),
    ("teaching.matrix_export", "GET", lambda w: class_c(w, "/matrix.csv"), None, 403, 200),
    ("teaching.matrix_export", "GET", lambda w: class_c(w, "/matrix.xlsx"), None, 403, 200),
    ("teaching.matrix_print", "GET", lambda w: class_c(w, "/print"), None, 403, 200),
    ("teaching.cards", "GET", lambda w: class_c(w, "/cards"), None, 403, 403),
    ("teaching.issue_missing_cards", "POST", lambda w: class_c(w, "/cards"), None, 403, 403),
    ("teaching.new_cards", "GET", lambda w: class_c(w, f"/cards/new?pupil={w.pupil_c}"), None,
     403, 403),
    ("teaching.new_cards", "POST", lambda w: class_c(w, f"/cards/new?pupil={w.pupil_c}"), None,
     403, 403),
    ("teaching.letters", "GET", lambda w: class_c(w, "/letters"), None, 403, 403),
    ("teaching.issue_missing_letters", "POST", lambda w: class_c(w, "/letters"), None, 403, 403),
    ("teaching.new_letters", "GET", lambda w: class_c(w, "/letters/new"), None, 403, 403),
    ("teaching.new_letters", "POST", lambda w: class_c(w, f"/letters/new?pupil={w.pupil_c}"), None,
     403, 403),
    ("admin.school", "GET", lambda w: f"/admin/schools/{w.school_c}", None, 403, 200),
    ("admin.setup_codes", "POST", lambda w: f"/admin/schools/{w.school_c}/setup-codes", None,
     403, 200),
    ("admin.toggle_active", "POST", lambda w: f"/admin/users/{w.teacher_c}/active", None,
     403, (302, "/admin/schools/{school_c}")),
    ("admin.toggle_active", "POST", lambda w: f"/admin/users/{w.official_c}/active", None,
     403, (302, "/admin/")),
    ("campaign.school", "GET", lambda w: f"/dashboard/schools/{w.school_c}", None, 403, 200),
    ("campaign.add_activity", "POST", lambda w: f"/dashboard/schools/{w.school_c}/activities",
     lambda w: {"held_on": "2026-03-10", "title": "Ngày hội số", "kind": "digital-day",
                "participants": "50"}, 403, (302, "/dashboard/schools/{school_c}")),
    ("campaign.download", "GET", lambda w: f"/dashboard/report.csv?school={w.code_c}", None,
     403, 200),
    ("campaign.download", "GET", lambda w: f"/dashboard/report.csv?unit={w.unit_c}", None, 403, 200),
    ("campaign.unit", "GET", lambda w: f"/dashboard/units/{w.unit_c}", None, 403, 200),
    ("campaign.evidence_page", "GET", lambda w: f"/dashboard/units/{w.unit_c}/evidence/schools", None,
     403, 200),
    ("campaign.evidence_export", "GET", lambda w: f"/dashboard/units/{w.unit_c}/evidence/schools.xlsx",
     None, 403, 200),
    ("campaign.mark_nominee", "POST", lambda w: f"/dashboard/units/{w.unit_c}/nominations",
     lambda w: {"model": "school", "year": "2026", "subject": str(w.school_c)}, 403, 403),
    ("campaign.unmark_nominee", "POST", lambda w: f"/dashboard/nominations/{w.nomination_c}/remove", None,
     403, 403),
    ("campaign.event_days", "GET", lambda w: f"/dashboard/units/{w.unit_c}/events", None, 403, 200),
    ("campaign.edit_plan", "GET", lambda w: f"/dashboard/plans/{w.plan_c}", None, 403, 200),
    ("campaign.targets", "POST", lambda w: f"/dashboard/plans/{w.plan_c}",
     lambda w: plan_form(name="Kế hoạch xã", starts_on="2026-01-01", ends_on="2026-12-31"),
     403, (302, "/dashboard/plan?unit={unit_c}")),
    ("admin.officials", "GET", lambda w: f"/admin/units/{w.unit_c}/officials", None, 403, 200),
    ("admin.villages", "GET", lambda w: f"/admin/units/{w.unit_c}/villages", None, 403, 200),
    ("admin.official_setup_codes", "POST", lambda w: f"/admin/units/{w.unit_c}/officials/setup-codes",
     None, 403, 200),
    ("admin.village", "GET", lambda w: f"/admin/villages/{w.village_c}", None, 403, 200),
    ("admin.add_team_member", "POST", lambda w: f"/admin/villages/{w.village_c}/members",
     lambda w: {"login": "ph.c", "kind": "youth"}, 403, (302, "/admin/villages/{village_c}")),
    ("admin.new_team_member", "POST", lambda w: f"/admin/villages/{w.village_c}/members/new",
     lambda w: {"full_name": "Đoàn Viên Xã", "phone": "0977000124", "kind": "youth"}, 403, 200),
    ("admin.remove_team_member", "POST",
     lambda w: f"/admin/villages/{w.village_c}/members/{w.member_c}/remove", None,
     403, (302, "/admin/villages/{village_c}")),
    ("community.village", "GET", lambda w: f"/community/villages/{w.village_c}", None, 403, 403),
    ("community.household", "GET", lambda w: f"/community/households/{w.home_c}", None, 403, 403),
    ("community.resident_code", "POST",
     lambda w: f"/community/households/{w.home_c}/residents/{w.resident_c}/code",
     lambda w: {"phone": "0966000222"}, 403, 403),
    ("community.assist_resident", "POST", lambda w: f"/community/households/{w.home_c}/assist",
     lambda w: {"full_name": "Người Xã Khác"}, 403, 403),
    ("community.assist_family", "POST", lambda w: f"/community/family/{w.parent_c}/assist", None,
     403, 403),
    ("certificates.show", "GET", lambda w: f"/certificates/{w.cert_c}", None, 403, 200),
    ("certificates.for_class", "GET", lambda w: class_c(w, "/certificates"), None, 403, 403),
    ("privacy.class_consent", "GET", lambda w: class_c(w, "/consent"), None, 403, 403),
    ("privacy.class_consent", "POST", lambda w: class_c(w, "/consent"),
     lambda w: {**PAPER_CONSENT, "guardian": str(w.pupil_c)}, 403, 403),
]


def test_every_route_on_an_object_is_tried_on_another_unit(shared):
    """Every route that names a class, an assignment, a school, a person or a report's scope
    (learners' own attempts aside: the table above covers them) is in OTHER_UNIT."""
    routes = {(rule.endpoint, method) for rule in shared.app.url_map.iter_rules()
              if rule.arguments and not rule.endpoint.startswith(("learning.", "catalog.", "auth."))
              and rule.endpoint not in ("static", "teaching.preview", "certificates.verify_code")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == {(endpoint, method) for endpoint, method, *_rest in OTHER_UNIT}


@pytest.mark.parametrize("endpoint,method,url,data,ward,city", OTHER_UNIT,
                         ids=[f"{m}:{e}:{i}" for i, (e, m, *_rest) in enumerate(OTHER_UNIT)])
def test_another_unit(world, shared, endpoint, method, url, data, ward, city):
    for actor, status in (("ward_admin", ward), ("city_admin", city)):
        shared.reset()  # each actor on the world as it was
        shared.writes.clear()
        response = request(shared.browser(actor), method, url(world), data(world) if data else None)
        check(response, status, world, f"{method} {url(world)} as {actor}")
        if status == 403:
            assert shared.writes == []  # refused before anything was written


def test_the_other_units_admin_is_kept_out_of_this_ward(world, shared):
    """The same fence seen from the other side: the commune's admin and school B."""
    browser = shared.browser("ward_admin_c")
    for url in (f"/admin/schools/{world.school_b}", f"/dashboard/schools/{world.school_b}",
                class_b(world), "/dashboard/report.csv?school=B"):
        assert browser.get(url).status_code == 403, url
    assert browser.post(f"/admin/users/{world.teacher_b}/active").status_code == 403


def test_a_roster_for_another_units_school(world, shared):
    """The upload is bounded by the unit scope: a pupil list naming school C is refused row by
    row for the ward's admin, checked for the city's (a dry run: nothing is written)."""
    data = ("school_code,class,grade,full_name,date_of_birth,student_code\n"
            f"{world.code_c},3C,3,Vũ Văn Mới,05/09/2016,HSC01\n").encode()
    for actor, status in (("ward_admin", 400), ("city_admin", 200)):
        shared.reset()
        response = shared.browser(actor).post(
            "/admin/roster", {"file": (io.BytesIO(data), "hs.csv"), "dry_run": "y"},
            content_type="multipart/form-data")
        assert response.status_code == status, actor
        refused = "không thuộc phường/xã của bạn" in page_text(response.get_data(as_text=True))
        assert refused == (actor == "ward_admin"), actor


def test_lists_show_only_the_units_in_scope(world, shared):
    ward = shared.browser("ward_admin")
    city = shared.browser("city_admin")
    for path, needle in (("/teach/", f"/teach/classes/{world.room_c}"),
                         ("/admin/", f"/admin/schools/{world.school_c}")):
        assert needle not in ward.get(path).get_data(as_text=True), path
        assert needle in city.get(path).get_data(as_text=True), path
    city_admin = page_text(city.get("/admin/").get_data(as_text=True))
    assert "Xã Khác" in city_admin and "Phường Mẫu" in city_admin  # each school's unit named


def test_staff_lists_show_only_their_school(world, shared):
    page = shared.browser("teacher").get("/teach/").get_data(as_text=True)
    assert f"/teach/classes/{world.room_a}" in page
    assert f"/teach/classes/{world.room_b}" not in page
    ward = shared.browser("ward_admin").get("/teach/").get_data(as_text=True)
    assert f"/teach/classes/{world.room_a}" in ward and f"/teach/classes/{world.room_b}" in ward


def test_a_parent_sees_only_their_own_children(world, shared):
    page = shared.browser("parent").get("/family").get_data(as_text=True)
    children = re.findall(r'<article class="card">\s*<h3>(.*?)</h3>', page)
    assert children == ["Trần Văn Anh"]
    assert "Lê Thị Bích" not in page


def test_refusals_change_nothing(world, shared):
    """The 403s above are refusals before any write: the other school's data is untouched."""
    for role in ("teacher", "school_admin"):
        browser = shared.browser(role)
        assert browser.post(f"/teach/assignments/{world.assignment_b}/withdraw").status_code == 403
        assert browser.post(f"/admin/users/{world.teacher_b}/active").status_code == 403
        assert browser.post(class_b(world, "/cards")).status_code == 403
    with shared.app.app_context():
        assert db.session.get(Assignment, world.assignment_b).withdrawn_at is None
        teacher_b = db.session.get(User, world.teacher_b)
        assert teacher_b.active is True
        assert db.session.get(User, world.pupil_b).pin_hash is None
        assert db.session.scalars(select(UserSession.revoked_at)).all() == [None] * len(LOGINS)


# --- ids that do not exist ---------------------------------------------------------------------

MISSING = [
    ("ward_admin", "GET", lambda w: f"/teach/classes/{NOPE}"),
    ("ward_admin", "POST", lambda w: f"/teach/classes/{NOPE}/assignments"),
    ("ward_admin", "GET", lambda w: f"/teach/classes/{NOPE}/matrix.csv"),
    ("ward_admin", "GET", lambda w: f"/teach/classes/{w.room_b}/matrix.pdf"),
    ("ward_admin", "GET", lambda w: f"/teach/classes/{NOPE}/print"),
    ("ward_admin", "GET", lambda w: f"/teach/classes/{NOPE}/message"),
    ("ward_admin", "POST", lambda w: f"/teach/classes/{NOPE}/cards"),
    ("ward_admin", "POST", lambda w: f"/teach/classes/{NOPE}/letters"),
    ("school_admin", "GET", lambda w: f"/teach/classes/{NOPE}/consent"),
    ("school_admin", "POST", lambda w: f"/teach/classes/{NOPE}/consent"),
    # (url, form) where the id is in the form
    ("ward_admin", "GET", lambda w: f"/teach/classes/{NOPE}/cards/new?pupil={w.pupil_b}"),
    ("school_admin", "GET", lambda w: f"/teach/classes/{w.room_a}/cards?pupil={NOPE}"),
    ("school_admin", "GET", lambda w: f"/teach/classes/{w.room_a}/letters?pupil={w.pupil_b}"),
    ("school_admin", "POST", lambda w: f"/teach/classes/{w.room_a}/cards/new?pupil="),
    ("school_admin", "POST", lambda w: f"/teach/classes/{w.room_a}/letters/new?pupil={NOPE}"),
    ("ward_admin", "GET", lambda w: f"/teach/assignments/{NOPE}"),
    ("ward_admin", "POST", lambda w: f"/teach/assignments/{NOPE}"),
    ("ward_admin", "POST", lambda w: f"/teach/assignments/{NOPE}/withdraw"),
    ("ward_admin", "GET", lambda w: "/teach/courses/no-such-course/"),
    ("ward_admin", "GET", lambda w: f"/admin/schools/{NOPE}"),
    ("ward_admin", "POST", lambda w: f"/admin/schools/{NOPE}/setup-codes"),
    ("ward_admin", "POST", lambda w: f"/admin/users/{NOPE}/active"),
    ("ward_admin", "GET", lambda w: f"/dashboard/schools/{NOPE}"),
    ("ward_admin", "POST", lambda w: f"/dashboard/schools/{NOPE}/activities"),
    ("ward_admin", "GET", lambda w: "/dashboard/report.pdf"),
    ("ward_admin", "GET", lambda w: f"/admin/villages/{NOPE}"),
    ("ward_admin", "POST", lambda w: f"/admin/villages/{NOPE}/members"),
    ("ward_admin", "POST", lambda w: f"/admin/villages/{NOPE}/members/new"),
    ("ward_admin", "POST", lambda w: f"/admin/villages/{w.village_a}/members/{NOPE}/remove"),
    ("ward_admin", "POST", lambda w: f"/admin/villages/{w.village_a}/members/{w.member_c}/remove"),
    ("teacher", "GET", lambda w: f"/community/villages/{NOPE}"),
    ("teacher", "GET", lambda w: f"/community/households/{NOPE}"),
    ("teacher", "POST", lambda w: f"/community/households/{NOPE}/assist"),
    ("pupil", "GET", lambda w: f"/attempts/{NOPE}"),
    ("pupil", "POST", lambda w: f"/attempts/{NOPE}"),
    ("pupil", "GET", lambda w: f"/attempts/{NOPE}/result"),
    ("pupil", "GET", lambda w: "/courses/no-such-course/"),
    ("pupil", "GET", lambda w: "/courses/quiz-course/lessons/no-such-lesson"),
    ("pupil", "POST", lambda w: "/courses/no-such-course/quiz"),
    ("anonymous", "GET", lambda w: "/media/quiz-course/images/no-such.svg"),
    ("anonymous", "GET", lambda w: "/login/class/NOPE99"),
    ("anonymous", "POST", lambda w: "/login/class/NOPE99"),
]


@pytest.mark.parametrize("role,method,url", MISSING,
                         ids=[f"{m}:{i}:{role}" for i, (role, m, _u) in enumerate(MISSING)])
def test_nonexistent_ids_are_404(world, shared, role, method, url):
    target = url(world)
    path, data = target if isinstance(target, tuple) else (target, {})
    response = request(shared.browser(role), method, path, data)
    assert response.status_code == 404


def test_a_withdrawn_assignment_is_gone(world, shared):
    principal = shared.browser("school_admin_b")
    shared.writes.clear()
    assert principal.post(f"/teach/assignments/{world.assignment_b}/withdraw").status_code == 302
    assert [w.split()[:2] for w in shared.writes] == [["UPDATE", "assignments"]]
    assert principal.get(f"/teach/assignments/{world.assignment_b}").status_code == 404
    assert principal.post(f"/teach/assignments/{world.assignment_b}/withdraw").status_code == 404


# --- CSRF ------------------------------------------------------------------------------------


POSTS = [r for r in ROUTES if r.method == "POST"]


@pytest.mark.parametrize("route", POSTS, ids=[r.id for r in POSTS])
def test_every_post_needs_a_csrf_token(world, shared, route):
    shared.dirty = True  # should the protection fail, the next case gets a fresh world
    with shared.app.test_request_context():
        expired = gettext("The form has expired")
    for role in ("anonymous", "ward_admin", "parent"):
        browser = shared.browser(role)
        response = browser.client.post(route.url(world), data=route.data(world))
        assert response.status_code == 400, (role, response.status_code)
        assert expired in response.get_data(as_text=True)
    # The ward admin is still signed in (no logout without a token) and nothing was written.
    assert shared.browser("ward_admin").get("/admin/").status_code == 200
    with shared.app.app_context():
        assert db.session.get(Assignment, world.assignment_b).withdrawn_at is None
        assert db.session.get(User, world.teacher_b).active is True
