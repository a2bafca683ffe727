"""`flask --app lms privacy erase|retire` (lms.people.erasure): identifying data goes, the
campaign's figures stay equal; and the files that hold personal data are the service's only."""

import os
import sqlite3
import stat
from datetime import date, timedelta

import pytest
from conftest import base_config
from sqlalchemy import String, Text, func, select, text

from lms import create_app
from lms.campaign import metrics, snapshots
from lms.extensions import db
from lms.learning.progress import record_completion
from lms.models import (
    Campaign,
    CampaignTarget,
    Certificate,
    Classroom,
    Course,
    Enrollment,
    Guardianship,
    OneTimeCode,
    School,
    Unit,
    User,
    UserSession,
)
from lms.models.base import today_in_vietnam
from lms.models.campaign import DEFAULT_TARGETS
from lms.people.codes import issue_code
from lms.people.erasure import erase, placeholder
from lms.people.households import link_guardian
from lms.people.names import name_sort_key
from lms.ratelimit_storage import SQLiteFileStorage
from lms.teaching.pins import set_pin

TODAY = today_in_vietnam()


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def occurrences(needle: str) -> list[str]:
    """Every text column of every table that holds needle somewhere."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, String | Text):
                query = select(func.count()).select_from(table).where(column.contains(needle, autoescape=True))
                if db.session.scalar(query):
                    found.append(f"{table.name}.{column.name}")
    return found


def report(campaign_id: int) -> dict:
    """The campaign's coverage report, computed now (never a stored copy). The test's session
    reads in a transaction of its own, ended after: the commands (run on this same session)
    then begin theirs as they do in production."""
    db.session.commit()
    with snapshots.refreshing():
        figures = metrics.unit_report(db.session, db.session.get(Campaign, campaign_id)).as_dict()
    db.session.commit()
    return figures


def course_id(slug: str) -> int:
    return db.session.scalar(select(Course.id).where(Course.slug == slug))


@pytest.fixture
def ward(factory, courses):
    """A ward with its current plan (officials followed too): pupils Nam (covered) and Hà,
    their parents Mai (covered) and Lan, teacher Hoa (covered), official Quân."""
    unit = factory.unit()
    campaign = Campaign(unit_id=unit.id, name="Bình dân học vụ số", starts_on=days(-30), ends_on=days(30))
    campaign.targets = [CampaignTarget(group=g, percent=p) for g, p in {**DEFAULT_TARGETS, "officials": 70}.items()]
    db.session.add(campaign)
    school = factory.school(level="tieu-hoc", name="Trường Tiểu học Kim Đồng")
    teacher = factory.user("teacher", username="gv.hoa", name="Đỗ Thị Hoa", school=school, phone="0912000009")
    teacher.staff_role = "teacher"
    room = factory.classroom(school, name="3A", grade=3, teacher=teacher)
    nam = factory.pupil(room, name="Trần Văn Nam", username="hs.nam")
    nam.student_code, nam.date_of_birth = "HS-KD-0001", date(2017, 5, 2)
    ha = factory.pupil(room, name="Lê Thị Hà", username="hs.ha")
    mai = factory.user("parent", username="me.mai", name="Nguyễn Thị Mai", phone="0912000001")
    lan = factory.user("parent", username="me.lan", name="Lê Thị Lan", phone="0912000002")
    link_guardian(db.session, mai, nam)
    link_guardian(db.session, lan, ha)
    official = factory.user("official", tier="official", username="cb.quan", name="Vũ Minh Quân",
                            phone="0912000007")
    official.unit_id = unit.id
    set_pin(nam, "4821")
    issue_code(db.session, "pairing", nam, teacher, 30, printable=True)
    issue_code(db.session, "setup", official, None, 30)
    for person, slug in ((nam, "quiz-course"), (mai, "quiz-course"), (teacher, "teacher-course")):
        record_completion(db.session, person.id, course_id(slug), score=90.0, attempt_id=None)
    factory.commit()
    return {"campaign": campaign.id, "nam": nam.id, "ha": ha.id, "mai": mai.id, "lan": lan.id,
            "teacher": teacher.id, "official": official.id}


IDENTITY = {
    "nam": ("Trần Văn Nam", "hs.nam", "HS-KD-0001"),
    "mai": ("Nguyễn Thị Mai", "me.mai", "0912000001"),
    "teacher": ("Đỗ Thị Hoa", "gv.hoa", "0912000009"),
    "official": ("Vũ Minh Quân", "cb.quan", "0912000007"),
}


def test_erase_removes_identity_and_keeps_the_figures_equal(runner, make_browser, ward):
    before = report(ward["campaign"])
    groups = before["groups"]
    assert (groups["primary"]["covered"], groups["parents"]["covered"], groups["teachers"]["covered"]) == (1, 1, 1)
    assert before["indicators"]["officials"]["population"] == 1
    for name, *_rest in IDENTITY.values():
        assert occurrences(name) == ["users.full_name"]  # the search finds what is there
    mai = make_browser()
    assert mai.login("me.mai").status_code == 302
    household = db.session.get(User, ward["mai"]).household_id

    for args in (["--phone", "0912 000 001"], ["--student-code", "HS-KD-0001"],
                 ["--user", str(ward["teacher"])], ["--user", str(ward["official"])]):
        result = runner.invoke(args=["privacy", "erase", *args, "--yes"])
        assert result.exit_code == 0, result.output
        assert "Đã xóa dữ liệu định danh" in result.output

    assert report(ward["campaign"]) == before
    for key, identity in IDENTITY.items():
        name = identity[0]
        for needle in (*identity, name_sort_key(name)):
            assert occurrences(needle) == [], (key, needle)
        person = db.session.get(User, ward[key])
        assert person.full_name == placeholder(person.id) == f"Đã xóa #{person.id}"
        assert (person.username, person.phone, person.student_code, person.date_of_birth,
                person.password_hash, person.pin_hash, person.pin_sealed) == (None,) * 7
        assert person.active is (key == "official")  # an official's flag counts them
    # Their sessions are over, their codes gone, their certificates no longer shown.
    assert mai.get("/family").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id.in_([ward[k] for k in IDENTITY]))) == 0
    assert db.session.scalar(select(func.count()).select_from(OneTimeCode)) == 0
    held = db.session.scalars(select(Certificate).where(Certificate.user_id == ward["nam"])).all()
    assert held and all(c.revoked_at is not None and c.code_sealed == "" for c in held)
    # The erased guardian is still the same guardian of the same household.
    assert db.session.get(Guardianship, {"guardian_id": ward["mai"], "pupil_id": ward["nam"]})
    assert db.session.get(User, ward["mai"]).household_id == household
    # The others are untouched.
    assert db.session.get(User, ward["lan"]).full_name == "Lê Thị Lan"
    assert db.session.get(User, ward["ha"]).full_name == "Lê Thị Hà"


def test_erase_asks_first_and_says_when_there_is_nothing_to_do(runner, ward):
    refused = runner.invoke(args=["privacy", "erase", "--user", str(ward["lan"])], input="n\n")
    assert refused.exit_code != 0
    assert db.session.get(User, ward["lan"]).full_name == "Lê Thị Lan"
    confirmed = runner.invoke(args=["privacy", "erase", "--user", str(ward["lan"])], input="y\n")
    assert confirmed.exit_code == 0, confirmed.output
    again = runner.invoke(args=["privacy", "erase", "--user", str(ward["lan"]), "--yes"])
    assert again.exit_code == 0 and "trước đây" in again.output
    for args in ([], ["--user", "1", "--phone", "0912000002"]):
        assert "đúng một" in runner.invoke(args=["privacy", "erase", *args]).output
    assert "Không tìm thấy" in runner.invoke(args=["privacy", "erase", "--phone", "0999999999"]).output


# --- retirement ---------------------------------------------------------------------------------

def _unit(code: str, parent: Unit | None = None, kind: str = "ward") -> Unit:
    unit = Unit(code=code, name=f"Đơn vị {code}", kind=kind, parent_id=parent.id if parent else None)
    db.session.add(unit)
    db.session.flush()
    return unit


def _plan(unit: Unit, start: int, end: int) -> Campaign:
    campaign = Campaign(unit_id=unit.id, name=f"Kế hoạch {unit.code}", starts_on=days(start), ends_on=days(end))
    db.session.add(campaign)
    db.session.flush()
    return campaign


def _room(unit: Unit) -> Classroom:
    school = School(unit_id=unit.id, code=f"T-{unit.code}", name=f"Trường {unit.code}", level="tieu-hoc")
    db.session.add(school)
    db.session.flush()
    room = Classroom(school_id=school.id, name="4A", grade=4, school_year="2024-2025")
    db.session.add(room)
    db.session.flush()
    return room


def _pupil(factory, name: str, *stays) -> User:
    """A pupil with one enrolment per (room, from, until) in days from today."""
    pupil = factory.user("pupil", tier="primary", name=name, password=None)
    for room, start, end in stays:
        db.session.add(Enrollment(pupil_id=pupil.id, classroom_id=room.id, started_on=days(start),
                                  ended_on=days(end) if end is not None else None))
    db.session.flush()
    return pupil


@pytest.fixture
def towns(factory):
    city = _unit("TP", kind="city")
    ended = _unit("P-XONG")  # its plan ended long ago
    running = _unit("P-DANG")  # its plan runs now
    without = _unit("P-CHUA")  # no plan ever
    under_city = _unit("P-TP", city)  # its plan ended, its city's runs
    old_plan = _plan(ended, -400, -200)
    _plan(running, -30, 30)
    _plan(under_city, -400, -200)
    rooms = {u.code: _room(u) for u in (ended, running, without, under_city)}
    people = {
        "x": _pupil(factory, "Hoàng Văn Xuân", (rooms["P-XONG"], -500, -190)),
        "y": _pupil(factory, "Hoàng Thị Yến", (rooms["P-XONG"], -500, None)),
        "z": _pupil(factory, "Đinh Văn Zũng", (rooms["P-DANG"], -500, -190)),
        "v": _pupil(factory, "Đinh Thị Vân", (rooms["P-CHUA"], -500, -190)),
        "m": _pupil(factory, "Mai Văn Minh", (rooms["P-XONG"], -500, -300), (rooms["P-DANG"], -300, -190)),
        "e": _pupil(factory, "Mai Thị Em", (rooms["P-DANG"], -500, None)),
    }
    people["gx"] = factory.user("parent", name="Hoàng Văn Giang", phone="0913000001")
    people["gxy"] = factory.user("parent", name="Hoàng Thị Gấm", phone="0913000002")
    people["gxe"] = factory.user("parent", name="Mai Văn Giáp", phone="0913000003")
    for guardian, children in (("gx", "x"), ("gxy", "xy"), ("gxe", "xe")):
        for child in children:
            link_guardian(db.session, people[guardian], people[child])
    erase(db.session, people["e"])  # erased on request earlier
    # The city's own plan covers P-TP: it runs now, so P-TP's pupils stay.
    _plan(city, -30, 30)
    people["w"] = _pupil(factory, "Trịnh Văn Oanh", (rooms["P-TP"], -500, -190))
    factory.commit()
    return {"old_plan": old_plan.id, **{k: p.id for k, p in people.items()}}


def test_retire_anonymises_the_pupils_and_families_of_ended_campaigns(runner, towns):
    before = report(towns["old_plan"])
    assert before["groups"]["primary"]["population"] == 2  # Xuân, Yến (Minh left for P-DANG)
    dry = runner.invoke(args=["privacy", "retire", "--before", days(-10).isoformat(), "--dry-run"])
    assert dry.exit_code == 0 and "1 học sinh, 2 phụ huynh" in dry.output
    assert "chạy thử" in dry.output
    assert db.session.get(User, towns["x"]).full_name == "Hoàng Văn Xuân"
    db.session.commit()

    done = runner.invoke(args=["privacy", "retire", "--before", days(-10).isoformat(), "--yes"])
    assert done.exit_code == 0, done.output
    assert "Đã ẩn danh: 1 học sinh, 2 phụ huynh" in done.output
    names = {key: db.session.get(User, towns[key]).full_name for key in towns if key != "old_plan"}
    retired = {k for k, name in names.items() if name == placeholder(towns[k])}
    assert retired == {"x", "gx", "gxe", "e"}
    for name in ("Hoàng Văn Xuân", "Hoàng Văn Giang", "0913000001", "Mai Văn Giáp", "0913000003"):
        assert occurrences(name) == [], name
    assert report(towns["old_plan"]) == before

    again = runner.invoke(args=["privacy", "retire", "--before", days(-10).isoformat(), "--dry-run"])
    assert "0 học sinh, 0 phụ huynh" in again.output


def test_retire_waits_for_enrolments_ending_after_the_date(runner, towns):
    """Xuân's enrolment ended 190 days ago: a date before that keeps him."""
    result = runner.invoke(args=["privacy", "retire", "--before", days(-195).isoformat(), "--dry-run"])
    assert "0 học sinh, 0 phụ huynh" in result.output


def test_retire_refuses_a_date_after_today(runner):
    result = runner.invoke(args=["privacy", "retire", "--before", days(1).isoformat(), "--dry-run"])
    assert result.exit_code != 0 and "không được sau hôm nay" in result.output
    assert "YYYY-MM-DD" in runner.invoke(args=["privacy", "retire", "--before", "31/12/2026"]).output


# --- files at rest -------------------------------------------------------------------------------

def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def usual_umask():
    """The umask most servers run with (files 0644 unless created otherwise)."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_new_sqlite_database_and_its_wal_and_shm_are_private(usual_umask, tmp_path):
    path = tmp_path / "new.sqlite3"
    application = create_app(base_config(f"sqlite:///{path}"))
    with application.app_context():
        db.session.execute(text("CREATE TABLE t (x INTEGER)"))
        db.session.execute(text("INSERT INTO t VALUES (1)"))
        db.session.commit()
        db.session.execute(text("SELECT x FROM t")).all()
        for name in (path, f"{path}-wal", f"{path}-shm"):
            assert mode(name) == 0o600, name
        db.session.remove()
        db.engine.dispose()


def test_an_existing_database_left_readable_is_made_private(usual_umask, tmp_path):
    path = tmp_path / "old.sqlite3"
    sqlite3.connect(path).close()
    os.chmod(path, 0o644)
    application = create_app(base_config(f"sqlite:///{path}"))
    assert mode(path) == 0o644  # nothing is touched before the app uses its database
    with application.app_context():
        db.session.execute(text("SELECT 1"))
        assert mode(path) == 0o600
        db.session.remove()
        db.engine.dispose()


def test_an_app_that_never_connects_creates_no_database_file(tmp_path):
    create_app(base_config(f"sqlite:///{tmp_path / 'none.sqlite3'}"))
    assert not (tmp_path / "none.sqlite3").exists()


def test_the_rate_limit_file_is_private(usual_umask, tmp_path):
    path = tmp_path / "ratelimits.sqlite3"
    storage = SQLiteFileStorage(f"lmsdb://{path}")
    assert storage.incr("code-addr:203.0.113.9", 60) == 1
    for name in (path, f"{path}-wal", f"{path}-shm"):
        assert mode(name) == 0o600, name


def test_backups_are_private(usual_umask, app, database_url, runner, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL is backed up with pg_dump (docs/operations.md)")
    target = tmp_path / "copy.sqlite3"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    assert mode(target) == 0o600
    app.instance_path = str(tmp_path / "instance")
    os.makedirs(app.instance_path)
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "instance" / "backups"
    (copy,) = folder.iterdir()
    assert mode(folder) == 0o700 and mode(copy) == 0o600
