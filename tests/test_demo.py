"""`flask --app lms demo load`: the city `make run` shows, on the real courses/: Hải Phòng with
Phường Nguyễn Trãi and Xã Hà Bắc (shared/reference), each plan as its document states it.

The demo is loaded once for the module (SQLite: every test gets its own copy of that file)."""

import re
import shutil
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from conftest import POSTGRES_URL, base_config, page_text
from sqlalchemy import func, select

from lms import create_app
from lms.campaign import metrics
from lms.content.sync import sync_courses
from lms.demo import load_demo
from lms.demo.world import school_years
from lms.extensions import db
from lms.models import (
    Campaign,
    Classroom,
    Completion,
    Consent,
    Course,
    CourseAudience,
    Enrollment,
    Guardianship,
    School,
    Unit,
    User,
)
from lms.models.base import today_in_vietnam
from lms.models.people import PRESCHOOL_GRADE
from lms.people.consent import UNNAMED, consented_pupil_ids
from lms.people.units import unit_ids_in_scope

ROOT = Path(__file__).resolve().parent.parent
REAL_COURSES = ROOT / "courses"
VN = timedelta(hours=7)


def readme_logins() -> list[str]:
    """Every login in the README's table of demo accounts."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Demo accounts", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "sign in with" not in line]
    logins = [re.findall(r"`([^`]+)`", row.rsplit("|", 2)[1]) for row in rows]
    return [found[0] for found in logins if len(found) == 1]


def load(application) -> str:
    report = sync_courses(db.session, REAL_COURSES)
    assert not report.problems.errors
    db.session.commit()
    result = application.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    return result.output


@pytest.fixture(scope="module")
def loaded(template_db, tmp_path_factory):
    """SQLite: the demo loaded once into a file; PostgreSQL: None (each test loads it)."""
    if POSTGRES_URL:
        return None
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    shutil.copy(template_db, path)
    application = create_app(base_config(f"sqlite:///{path}"))
    with application.app_context():
        output = load(application)
        db.session.remove()
        db.engine.dispose()
    return path, output


@pytest.fixture
def database_url(database_url, loaded):
    if loaded is not None:
        shutil.copy(loaded[0], database_url.removeprefix("sqlite:///"))
    return database_url


@pytest.fixture
def demo(app, loaded):
    return load(app) if loaded is None else loaded[1]


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def plan_of(code: str) -> Campaign:
    return db.session.scalar(select(Campaign).where(Campaign.unit_id == unit(code).id))


def user(login: str) -> User:
    return db.session.scalar(select(User).where((User.username == login) | (User.phone == login)))


def test_the_city_and_its_two_units(demo):
    city, ward, commune = unit("HAIPHONG"), unit("P-NGUYENTRAI"), unit("X-HABAC")
    assert (city.name, city.kind, city.parent_id) == ("Thành phố Hải Phòng", "city", None)
    assert (ward.name, ward.kind, ward.parent_id) == ("Phường Nguyễn Trãi", "ward", city.id)
    assert (commune.name, commune.kind, commune.parent_id) == ("Xã Hà Bắc", "commune", city.id)
    levels = {u.id: sorted(db.session.scalars(select(School.level).where(School.unit_id == u.id)))
              for u in (city, ward, commune)}
    # The ward's directive is addressed to Mầm non, Tiểu học, THCS and TH&THCS; the commune's
    # plan to its Mầm non, Tiểu học and THCS.
    assert levels == {city.id: [], ward.id: ["mam-non", "th-thcs", "thcs", "tieu-hoc"],
                      commune.id: ["mam-non", "thcs", "tieu-hoc"]}
    for u in (ward, commune):
        staff = db.session.execute(
            select(User.staff_role, func.count()).join(School, School.id == User.school_id)
            .where(School.unit_id == u.id).group_by(User.staff_role)).all()
        assert {role for role, n in staff if n} == {"principal", "teacher", "staff"}, u.name
        rooms = db.session.scalar(select(func.count()).select_from(Classroom).join(School)
                                  .where(School.unit_id == u.id))
        assert rooms > 10


def test_each_plan_is_as_its_document_states_it(demo):
    ward, commune, city = plan_of("P-NGUYENTRAI"), plan_of("X-HABAC"), plan_of("HAIPHONG")

    def targets(plan):
        return {t.group: (t.percent, t.minimum) for t in plan.targets}

    # Phường Nguyễn Trãi, school year 2025-2026: staff ≥ 80%, lower secondary 100%, primary
    # without a percentage, parents ≥ 80%, activities in every school (no share set: tracked).
    assert (ward.starts_on, ward.ends_on) == (date(2025, 9, 5), date(2026, 5, 31))
    assert "2025-2026" in ward.name
    assert targets(ward) == {"teachers": (80, None), "lower_secondary": (100, None), "primary": (None, None),
                             "parents": (80, None), "activities": (None, 1)}
    assert ward.indicators == ("primary", "lower_secondary", "teachers", "parents", "activities")
    # Xã Hà Bắc, 2026: officials above 90% (91), managers and teachers of Tiểu học and THCS
    # 100%, pupils 100%, about 70% of the households on its villages' lists, at least one
    # activity in every school.
    assert (commune.starts_on, commune.ends_on) == (date(2026, 1, 1), date(2026, 12, 31))
    assert "Hà Bắc" in commune.name and "2026" in commune.name
    assert targets(commune) == {"officials": (91, None), "managers_teachers": (100, None),
                                "primary": (100, None), "lower_secondary": (100, None),
                                "village_households": (70, None), "activities": (100, 1)}
    # Hải Phòng: the five default groups with their default targets, and officials tracked.
    assert (city.starts_on, city.ends_on) == (date(2025, 9, 1), date(2026, 12, 31))
    assert city.name == "Phong trào Bình dân học vụ số ngành GD&ĐT Hải Phòng"
    assert targets(city) == {"primary": (100, None), "lower_secondary": (100, None), "teachers": (80, None),
                             "parents": (80, None), "households": (70, None), "officials": (None, None)}
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 3


def test_every_plan_has_figures_some_met_some_behind(demo):
    statuses = set()
    for code in ("P-NGUYENTRAI", "X-HABAC"):
        plan = plan_of(code)
        report = metrics.unit_report(db.session, plan)
        assert report.as_of == min(today_in_vietnam(), plan.ends_on)
        assert tuple(report.indicators) == plan.indicators
        for group, figure in report.indicators.items():
            assert figure.population > 0 and 0 < figure.covered <= figure.population, (code, group, figure)
            assert figure.target == plan.target(group)
            assert (figure.status == "tracked") == (figure.target is None), (code, group, figure)
            statuses.add(figure.status)
        behind = [g for g, f in report.indicators.items() if f.status == "behind"]
        assert behind and len(behind) < len(report.indicators), (code, behind)
    assert {"met", "behind", "tracked"} <= statuses
    city = metrics.city_report(db.session, plan_of("HAIPHONG"))
    assert sorted(row.unit.code for row in city.units) == ["P-NGUYENTRAI", "X-HABAC"]
    for group in ("primary", "lower_secondary", "teachers", "parents", "households", "officials"):
        figure = city.total[group]
        assert 0 < figure.covered < figure.population, (group, figure)


def test_learning_is_dated_inside_each_units_plan_and_before_today(demo):
    first_learnt = {}
    for code in ("P-NGUYENTRAI", "X-HABAC"):
        u = unit(code)
        staff = select(User.id).join(School, School.id == User.school_id).where(School.unit_id == u.id)
        officials = select(User.id).where(User.unit_id == u.id, User.role == "official")
        first_learnt[code] = db.session.scalar(
            select(func.min(Completion.completed_at)).where(Completion.user_id.in_(staff.union(officials))))
    # Completions are stored in UTC; the plans' dates are Vietnam's.
    assert (first_learnt["P-NGUYENTRAI"] + VN).date() >= date(2025, 9, 5)
    assert (first_learnt["X-HABAC"] + VN).date() >= date(2026, 1, 1)
    last = db.session.scalar(select(func.max(Completion.completed_at)))
    assert last + VN < datetime.combine(today_in_vietnam(), time())


def test_the_communes_officials_learn_their_courses(demo, browser):
    commune = unit("X-HABAC")
    officials = db.session.scalars(
        select(User).where(User.role == "official", User.unit_id == commune.id)).all()
    assert len(officials) == 25 and {(o.tier, o.active) for o in officials} == {("official", True)}
    required = db.session.scalars(
        select(Course.id).join(CourseAudience, CourseAudience.course_id == Course.id)
        .where(CourseAudience.audience == "official", Course.required.is_(True))).all()
    assert len(required) >= 2
    done = db.session.execute(
        select(Completion.user_id, func.count()).where(
            Completion.user_id.in_([o.id for o in officials]), Completion.course_id.in_(required),
            Completion.completed_at >= datetime(2026, 1, 1) - VN)
        .group_by(Completion.user_id)).all()
    trained = [uid for uid, n in done if n == len(required)]
    assert 20 <= len(trained) < len(officials)
    assert user("canbo.habac").id in trained
    assert browser.login("canbo.habac", "demo1234").status_code == 302


def test_kindergarten_children_have_families_who_pair_and_learn(demo, browser):
    year = school_years(today_in_vietnam())[-1].name
    for code in ("P-NGUYENTRAI", "X-HABAC"):
        rooms = db.session.scalars(select(Classroom).join(School).where(
            School.unit_id == unit(code).id, School.level == "mam-non", Classroom.school_year == year)).all()
        assert len(rooms) == 3 and {r.grade for r in rooms} == {PRESCHOOL_GRADE}
        assert {r.signin_code for r in rooms} == {None}
        children = db.session.scalars(select(User).join(Enrollment, Enrollment.pupil_id == User.id).where(
            Enrollment.classroom_id.in_([r.id for r in rooms]), Enrollment.ended_on.is_(None))).all()
        assert len(children) > 60
        assert {(c.role, c.tier, c.pin_hash, c.password_hash, c.username) for c in children} == {
            ("pupil", None, None, None, None)}
        guardians = db.session.scalars(select(User).join(Guardianship, Guardianship.guardian_id == User.id)
                                       .where(Guardianship.pupil_id.in_([c.id for c in children]))).all()
        paired = [g for g in guardians if g.claimed_at is not None]
        assert len(set(guardians)) > len(children) and 0 < len(paired) < len(guardians)
        learnt = db.session.scalar(select(func.count(func.distinct(Completion.user_id))).where(
            Completion.user_id.in_([g.id for g in paired])))
        assert learnt > len(paired) // 3
    parent = user("0909000002")
    child = db.session.scalar(select(User).join(Guardianship, Guardianship.pupil_id == User.id)
                              .where(Guardianship.guardian_id == parent.id))
    assert child.tier is None
    assert browser.login("0909000002", "demo1234").status_code == 302
    text = page_text(browser.get("/family").get_data(as_text=True))
    assert child.full_name in text and "Lá 1" in text


def test_pupils_move_up_a_school_year(demo):
    """Last year's classes ended on 31/05/2026; this year's first grades took the kindergarten's
    and the primary school's leavers."""
    years = school_years(today_in_vietnam())
    if len(years) < 2:
        pytest.skip("the demo holds one school year before 5 September 2026")
    last, now = years
    ended = db.session.scalars(select(Enrollment.ended_on).join(Classroom)
                               .where(Classroom.school_year == last.name)).all()
    assert set(ended) == {date(2026, 5, 31)}
    came_from = {}
    for school, room in (("TH-HABAC", "1A"), ("THCS-HABAC", "6A"), ("TH-KD", "1A"), ("THCS-LQD", "6A1")):
        this = db.session.scalar(select(Classroom).join(School).where(
            School.code == school, Classroom.name == room, Classroom.school_year == now.name))
        pupils = select(Enrollment.pupil_id).where(Enrollment.classroom_id == this.id)
        came_from[school] = set(db.session.scalars(
            select(School.level).join(Classroom, Classroom.school_id == School.id)
            .join(Enrollment, Enrollment.classroom_id == Classroom.id)
            .where(Enrollment.pupil_id.in_(pupils), Classroom.school_year == last.name)))
    assert came_from == {"TH-HABAC": {"mam-non"}, "THCS-HABAC": {"tieu-hoc"},
                         "TH-KD": {"mam-non"}, "THCS-LQD": {"tieu-hoc"}}
    moved = db.session.scalars(select(User).join(Enrollment, Enrollment.pupil_id == User.id).join(Classroom)
                               .join(School).where(School.code == "TH-KD", Classroom.name == "1A")).all()
    assert {p.tier for p in moved} == {"primary"} and all(p.username for p in moved)


def test_a_second_load_changes_nothing(demo, runner):
    users = db.session.scalar(select(func.count()).select_from(User))
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0 and "Dữ liệu mẫu đã có sẵn" in result.output
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == users


@pytest.fixture
def fresh_app(template_db, tmp_path):
    """Another empty database with the real courses, beside the demo's (SQLite only)."""
    if POSTGRES_URL:
        pytest.skip("a second database file: SQLite only")
    path = tmp_path / "other.sqlite3"
    shutil.copy(template_db, path)
    application = create_app(base_config(f"sqlite:///{path}"))
    with application.app_context():
        sync_courses(db.session, REAL_COURSES)
        db.session.commit()
        yield application
        db.session.remove()
        db.engine.dispose()


def test_the_demo_refuses_a_database_with_real_data(fresh_app):
    db.session.add(User(role="ward_admin", username="that.ward", full_name="Người Thật"))
    db.session.commit()
    result = fresh_app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0 and "dữ liệu thật" in result.output
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 0


def test_a_database_holding_the_earlier_one_ward_demo_keeps_it(fresh_app):
    db.session.add(Unit(code="DEMO", name="Phường Hòa Bình (dữ liệu mẫu)"))
    db.session.add(User(role="ward_admin", username="phuong", full_name="Trần Thị Hạnh"))
    db.session.commit()
    result = fresh_app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0 and "Dữ liệu mẫu đã có sẵn" in result.output
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 1


def test_before_the_second_school_year_the_demo_holds_one(fresh_app):
    """Loaded in March 2026: one school year, 2025-2026, still under way; the same plans."""
    result = load_demo(db.session, today=date(2026, 3, 2))
    assert result["status"] == "loaded"
    years = db.session.scalars(select(Classroom.school_year).distinct()).all()
    assert years == ["2025-2026"]
    assert db.session.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.ended_on.is_not(None))) == 0
    assert db.session.scalar(select(Classroom.name).where(Classroom.signin_code == "THKD3A")) == "3A"
    last = db.session.scalar(select(func.max(Completion.completed_at)))
    assert (last + VN).date() < date(2026, 3, 2)
    plans = {c.unit_id: (c.starts_on, c.ends_on) for c in db.session.scalars(select(Campaign))}
    assert plans == {unit("HAIPHONG").id: (date(2025, 9, 1), date(2026, 12, 31)),
                     unit("P-NGUYENTRAI").id: (date(2025, 9, 5), date(2026, 5, 31)),
                     unit("X-HABAC").id: (date(2026, 1, 1), date(2026, 12, 31))}


def test_the_readme_lists_the_new_accounts():
    assert {"thanhpho", "phuong", "xa.habac", "canbo.habac", "hieutruong.th-kd", "hieutruong.th-habac",
            "gv.lan", "hs.minh", "0909000001", "0909000002"} <= set(readme_logins())


@pytest.mark.parametrize("login", readme_logins())
def test_the_demo_accounts_in_the_readme_sign_in(demo, browser, login):
    assert user(login) is not None, login
    response = browser.login(login, "demo1234")
    assert response.status_code == 302, login
    assert browser.get("/").status_code in (200, 302)


def test_the_readme_accounts_are_who_it_says(demo):
    ward, commune, city = unit("P-NGUYENTRAI"), unit("X-HABAC"), unit("HAIPHONG")
    who = {login: user(login) for login in ("thanhpho", "phuong", "xa.habac", "canbo.habac",
                                            "hieutruong.th-kd", "hieutruong.th-habac")}
    assert {login: (u.role, u.unit_id, u.school.code if u.school else None) for login, u in who.items()} == {
        "thanhpho": ("city_admin", city.id, None),
        "phuong": ("ward_admin", ward.id, None),
        "xa.habac": ("ward_admin", commune.id, None),
        "canbo.habac": ("official", commune.id, None),
        "hieutruong.th-kd": ("school_admin", None, "TH-KD"),
        "hieutruong.th-habac": ("school_admin", None, "TH-HABAC"),
    }
    room_3a = db.session.scalar(select(Classroom).where(Classroom.signin_code == "THKD3A"))
    assert room_3a.homeroom_teacher.username == "gv.lan" and room_3a.school.unit_id == ward.id
    minh = user("hs.minh")
    current = db.session.scalar(select(Classroom).join(Enrollment).where(
        Enrollment.pupil_id == minh.id, Enrollment.ended_on.is_(None)))
    assert (current.name, current.school.code, minh.tier) == ("7A1", "THCS-LQD", "lower-secondary")
    children = db.session.scalars(select(Classroom.name).join(Enrollment).join(
        Guardianship, Guardianship.pupil_id == Enrollment.pupil_id).where(
        Guardianship.guardian_id == user("0909000001").id, Enrollment.ended_on.is_(None))).all()
    assert sorted(children) == ["3A", "7A1"]


def test_each_admin_sees_their_own_unit(demo):
    ward, commune = unit("P-NGUYENTRAI").id, unit("X-HABAC").id
    scopes = {login: unit_ids_in_scope(db.session, user(login)) for login in (
        "thanhpho", "phuong", "xa.habac", "canbo.habac", "hieutruong.th-kd", "hieutruong.th-habac", "gv.lan")}
    assert scopes == {"thanhpho": {ward, commune}, "phuong": {ward}, "xa.habac": {commune},
                      "canbo.habac": {commune}, "hieutruong.th-kd": {ward}, "hieutruong.th-habac": {commune},
                      "gv.lan": {ward}}


def test_what_the_demo_says_about_pins_is_true(demo, browser):
    """PINs are per pupil: every pupil of THKD3A has 1234, no other pupil has a PIN at all."""
    assert "PIN lớp 3A" not in demo
    assert "mã lớp THKD3A" in demo and "mỗi học sinh lớp này có PIN 1234" in demo
    with_pin = db.session.execute(
        select(User.id, Classroom.signin_code).join(Enrollment, Enrollment.pupil_id == User.id)
        .join(Classroom, Classroom.id == Enrollment.classroom_id)
        .where(User.pin_hash.is_not(None), Enrollment.ended_on.is_(None))
    ).all()
    in_3a = db.session.scalars(select(Enrollment.pupil_id).join(Classroom).where(
        Classroom.signin_code == "THKD3A")).all()
    assert {code for _id, code in with_pin} == {"THKD3A"} and len(with_pin) == len(in_3a) > 20
    last = max(in_3a)
    response = browser.post("/login/class/THKD3A", {"pupil": str(last), "pin": "1234"})
    assert (response.status_code, response.location) == (302, "/home")


def test_most_pupils_have_a_guardians_consent_a_few_do_not(demo, browser):
    """Paired guardians consented when pairing; of the other pupils, about 85% on paper early
    in the plan; so the ward's admin sees most names of a class and a few hidden."""
    pupils = db.session.scalars(select(User.id).where(User.role == "pupil")).all()
    consented = consented_pupil_ids(db.session, pupils)
    assert 0.85 * len(pupils) < len(consented) < 0.99 * len(pupils), (len(consented), len(pupils))
    given = db.session.execute(
        select(Consent.source, Consent.given_on, User.role, Guardianship.pupil_id.is_not(None))
        .join(User, User.id == Consent.given_by_id)
        .outerjoin(Guardianship, (Guardianship.pupil_id == Consent.pupil_id)
                   & (Guardianship.guardian_id == Consent.given_by_id))).all()
    assert {(source, role, guardian) for source, _day, role, guardian in given} == {
        ("pairing", "parent", True), ("paper", "teacher", False)}
    today = today_in_vietnam()
    assert all(date(2025, 9, 5) <= day < today for _source, day, _role, _guardian in given)
    # Through the pages: a class of the ward, with both kinds of pupils.
    assert browser.login("phuong", "demo1234").status_code == 302
    ward = unit("P-NGUYENTRAI")
    year = school_years(today)[-1].name
    rooms = db.session.scalars(select(Classroom).join(School).where(
        School.unit_id == ward.id, Classroom.school_year == year, Classroom.grade > 0)
        .order_by(Classroom.id)).all()
    for room in rooms:
        names = dict(db.session.execute(select(User.id, User.full_name).join(
            Enrollment, Enrollment.pupil_id == User.id).where(Enrollment.classroom_id == room.id)).all())
        hidden = [n for i, n in names.items()  # none that is also (part of) a classmate's name
                  if i not in consented and not any(n in m for j, m in names.items() if j != i)]
        if hidden and len(hidden) < len(names) / 2:
            break
    else:
        pytest.fail("no class of the ward with a few pupils without consent")
    page = page_text(browser.get(f"/teach/classes/{room.id}").get_data(as_text=True))
    assert all(names[i] in page for i in consented & names.keys())
    assert not any(name in page for name in hidden)
    assert UNNAMED in page
    figure = metrics.unit_report(db.session, plan_of("P-NGUYENTRAI")).consent
    dashboard = page_text(browser.get("/dashboard/").get_data(as_text=True))
    assert re.search(r"Đồng ý của phụ huynh: (\d+) trên (\d+) học sinh", dashboard).groups() == (
        str(figure.with_consent), str(figure.pupils))
    assert 0 < figure.with_consent < figure.pupils
