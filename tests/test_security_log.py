"""Security events on the `lms.security` logger (issue 19): sign-in, PIN and code failures,
lockouts, imports, exports, account and target changes, each with who, when, from where; never
the password, PIN or code that was typed (each test sends a known secret and looks for it in
every record)."""

import io
import logging
import os
import re
import stat
from datetime import date
from pathlib import Path

import pytest

from lms import create_app, security_log
from lms.extensions import db
from lms.models import Campaign, CampaignTarget
from lms.people.codes import issue_code
from lms.teaching.pins import set_pin

ROSTERS = Path(__file__).parent / "data" / "rosters"
SECRET_PASSWORD = "Bí-mật-7319-mật-khẩu"
SECRET_PIN = "8264"


class Events:
    """The security events logged during the test."""

    def __init__(self, caplog):
        self.caplog = caplog

    @property
    def records(self) -> list[logging.LogRecord]:
        return [r for r in self.caplog.records if r.name == "lms.security"]

    def __call__(self) -> list[tuple[str, dict]]:
        """(kind, fields) of each, in order."""
        return [(r.security_kind, r.security_fields) for r in self.records]


@pytest.fixture
def events(caplog):
    caplog.set_level(logging.INFO, logger="lms.security")
    return Events(caplog)


# A log record's own attributes (its time, thread and process numbers): digits that may hold a
# four-digit PIN by chance. What the app put in is the message and any extra attribute.
STANDARD = {*logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None).__dict__, "message", "asctime"}


def assert_never(events, *secrets):
    for record in events.records:
        extra = {k: v for k, v in record.__dict__.items() if k not in STANDARD}
        text = record.getMessage() + repr(extra)
        for secret in secrets:
            assert secret not in text, (secret, record.getMessage())


def only(events, kind) -> dict:
    found = [fields for k, fields in events() if k == kind]
    assert len(found) == 1, events()
    return found[0]


@pytest.fixture
def school(factory):
    school = factory.school(code="A", name="Trường A")
    factory.commit()
    return school


def test_a_wrong_password_is_logged_with_the_login_never_the_password(make_browser, factory, events):
    teacher = factory.user("teacher", username="gv.lan")
    factory.commit()
    browser = make_browser()
    browser.get("/login")
    assert browser.post("/login", {"login": "GV.Lan", "password": SECRET_PASSWORD}).status_code == 401
    fields = only(events, "login.failed")
    assert (fields["login"], fields["account"], fields["address"]) == ("GV.Lan", teacher.id, "127.0.0.1")
    assert fields["at"].endswith("Z") and "by" not in fields
    forged = {"login": "nobody\nlms.security forged", "password": "x"}
    assert browser.post("/login", forged).status_code == 401
    last = [r for r in events.records if getattr(r, "security_kind", None) == "login.failed"][-1]
    assert "\n" not in last.getMessage() and last.security_fields["account"] is None
    assert_never(events, SECRET_PASSWORD)


def test_a_login_is_cut_to_80_characters(app, events):
    with app.test_request_context("/login", method="POST"):
        security_log.event("login.failed", login="x" * 200 + SECRET_PASSWORD, account=None)
    [record] = events.records
    assert 'login="' + "x" * 80 + '"' in record.getMessage()
    assert_never(events, SECRET_PASSWORD)


def test_a_lockout_is_logged_with_the_counter_that_is_full(make_browser, factory, events):
    teacher = factory.user("teacher", username="gv.lan")
    factory.commit()
    browser = make_browser()
    browser.get("/login")
    statuses = [browser.post("/login", {"login": "gv.lan", "password": SECRET_PASSWORD + str(n)}).status_code
                for n in range(6)]
    assert statuses == [401] * 5 + [429]
    assert len([k for k, _f in events() if k == "login.failed"]) == 5
    assert only(events, "limit.reached")["limits"] == [f"account:{teacher.id}"]
    assert_never(events, SECRET_PASSWORD)


def test_a_wrong_pin_is_logged_with_the_pupil_never_the_pin(make_browser, factory, events):
    room = factory.classroom(grade=2)
    pupil = factory.pupil(room, password=None)
    set_pin(pupil, "1357")
    factory.commit()
    browser = make_browser()
    browser.get(f"/login/class/{room.signin_code}?pupil={pupil.id}")
    response = browser.post(f"/login/class/{room.signin_code}", {"pupil": str(pupil.id), "pin": SECRET_PIN})
    assert response.status_code == 401
    fields = only(events, "pin.failed")
    assert (fields["classroom"], fields["pupil"], fields["address"]) == (room.id, pupil.id, "127.0.0.1")
    assert_never(events, SECRET_PIN)


def test_setup_codes_failures_and_the_password_set_never_show_code_or_password(make_browser, factory,
                                                                                events, school):
    principal = factory.user("school_admin", username="qt", school=school)
    teacher = factory.user("teacher", username="gv.moi", school=school, password=None)
    code = issue_code(db.session, "setup", teacher, principal, 14)
    factory.commit()
    browser = make_browser()
    browser.get("/setup")
    wrong = "ZZZZ-ZZZZ" if code != "ZZZZ-ZZZZ" else "YYYY-YYYY"
    form = {"password": SECRET_PASSWORD, "confirm": SECRET_PASSWORD}
    assert browser.post("/setup", {"code": wrong, **form}).status_code == 401
    failed = only(events, "code.failed")
    assert (failed["purpose"], failed["reason"], failed["address"]) == ("setup", "invalid", "127.0.0.1")
    assert browser.post("/setup", {"code": code, **form}).status_code == 302
    fields = only(events, "account.password_set")
    assert fields["account"] == teacher.id and fields["by"] == teacher.id
    assert_never(events, SECRET_PASSWORD, code, code.replace("-", ""), wrong)


def test_a_used_pairing_code_is_logged_without_it(make_browser, factory, events):
    teacher = factory.user("teacher", username="gv")
    pupil = factory.pupil()
    code = issue_code(db.session, "pairing", pupil, teacher, 30)
    factory.commit()
    form = {"code": code, "full_name": "Phụ Huynh", "phone": "0912000111", "password": SECRET_PASSWORD,
            "confirm": SECRET_PASSWORD, "consent": "y"}
    assert make_browser().post("/pair", form).status_code == 302
    other = make_browser()
    other.get("/pair", query_string={"code": code})
    assert other.post("/pair", {**form, "phone": "0912000222"}).status_code == 409
    failed = [(f["purpose"], f["reason"]) for k, f in events() if k == "code.failed"]
    assert failed == [("pairing", "used")] * 2
    assert_never(events, SECRET_PASSWORD, code, code.replace("-", ""))


def test_account_changes_and_setup_codes_name_the_admin_and_the_account(make_browser, factory, events,
                                                                        school):
    principal = factory.user("school_admin", username="qt", school=school)
    teacher = factory.user("teacher", username="gv", school=school)
    factory.user("teacher", username="gv.moi", school=school, password=None)
    factory.commit()
    browser = make_browser()
    browser.login("qt")
    browser.post(f"/admin/users/{teacher.id}/active")
    disabled = only(events, "account.disabled")
    assert (disabled["account"], disabled["by"]) == (teacher.id, principal.id)
    browser.post(f"/admin/users/{teacher.id}/active")
    assert only(events, "account.enabled")["account"] == teacher.id
    response = browser.post(f"/admin/schools/{school.id}/setup-codes")
    assert response.status_code == 200
    codes = only(events, "account.setup_codes")
    assert codes["school"] == school.id and len(codes["accounts"]) == 1
    assert_never(events, "correct horse battery")


def test_new_pins_and_letters_are_logged_without_them(make_browser, factory, events, school):
    teacher = factory.user("teacher", username="gv", school=school)
    room = factory.classroom(school=school, grade=3, teacher=teacher)
    pupils = [factory.pupil(room, password=None) for _ in range(2)]
    factory.commit()
    browser = make_browser()
    browser.login("gv")
    browser.post(f"/teach/classes/{room.id}/cards")
    browser.post(f"/teach/classes/{room.id}/cards/new")
    browser.post(f"/teach/classes/{room.id}/letters")
    assert only(events, "pins.issued")["pupils"] == [p.id for p in pupils]
    assert only(events, "pins.replaced")["classroom"] == room.id
    assert only(events, "codes.issued")["purpose"] == "pairing"
    cards = browser.get(f"/teach/classes/{room.id}/cards").get_data(as_text=True)
    printed = re.findall(r'<strong class="code">(.*?)</strong>', cards)  # class code, PIN, …
    pins = [value for value in printed if value.isdigit()]
    assert len(pins) == 2
    assert_never(events, *pins)


def test_imports_are_logged_from_the_web_and_the_command_line(make_browser, factory, events, runner):
    factory.user("ward_admin", username="phuong")
    factory.commit()
    browser = make_browser()
    browser.login("phuong")
    data = {"file": (io.BytesIO((ROSTERS / "schools.csv").read_bytes()), "schools.csv"), "dry_run": "y"}
    assert browser.post("/admin/roster", data, content_type="multipart/form-data").status_code == 200
    web = only(events, "roster.import")
    assert (web["file"], web["roster"], web["dry_run"], web["errors"]) == ("schools.csv", "schools", True, 0)
    assert isinstance(web["by"], int)
    result = runner.invoke(args=["roster", "import", str(ROSTERS / "schools.csv")])
    assert result.exit_code == 0, result.output
    cli = [f for k, f in events() if k == "roster.import"][-1]
    assert (cli["by"], cli["dry_run"], cli["created"]) == ("cli", False, web["created"])


def test_an_export_is_a_security_event(make_browser, factory, events, school):
    teacher = factory.user("teacher", username="gv", school=school)
    room = factory.classroom(school=school, teacher=teacher)
    factory.commit()
    browser = make_browser()
    browser.login("gv")
    assert browser.get(f"/teach/classes/{room.id}/matrix.csv").status_code == 200
    fields = only(events, "export")
    assert (fields["action"], fields["subject"], fields["by"]) == (
        "class.export", f"class:{room.id}", teacher.id)


def test_target_changes_are_logged(make_browser, factory, events):
    ward = factory.unit()
    admin = factory.user("ward_admin", username="phuong")
    admin.unit_id = ward.id
    campaign = Campaign(unit_id=ward.id, name="Kế hoạch", starts_on=date(2025, 9, 5),
                        ends_on=date(2026, 5, 31),
                        targets=[CampaignTarget(group="primary", percent=100),
                                 CampaignTarget(group="parents", percent=80)])
    db.session.add(campaign)
    factory.commit()
    browser = make_browser()
    browser.login("phuong")
    response = browser.post(f"/dashboard/plans/{campaign.id}", {
        "name": "Kế hoạch", "starts_on": "2025-09-05", "ends_on": "2026-05-31",
        "primary-follow": "y", "primary-percent": "90", "parents-follow": "y", "parents-percent": "80"})
    assert response.status_code == 302
    fields = only(events, "target.changed")
    assert (fields["campaign"], fields["indicator"], fields["old"], fields["new"], fields["by"]) == (
        campaign.id, "primary", 100, 90, admin.id)


def test_an_event_refuses_fields_named_for_secrets(app):
    for name in ("password", "pin", "code"):
        with pytest.raises(ValueError):
            security_log.event("login.failed", **{name: "x"})


def test_the_log_file_is_readable_by_the_service_only(database_url, tmp_path, events):
    from conftest import base_config

    path = tmp_path / "security.log"
    app = create_app({**base_config(database_url), "SECURITY_LOG_FILE": str(path)})
    try:
        with app.test_request_context("/login", environ_base={"REMOTE_ADDR": "198.51.100.4"}):
            security_log.event("login.failed", login="gv.lan", account=None)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        line = path.read_text(encoding="utf-8")
        assert line.startswith("lms.security login.failed at=") and line.count("\n") == 1
        assert 'address="198.51.100.4"' in line and 'login="gv.lan"' in line and "account=-" in line
    finally:
        create_app(base_config(database_url))  # the next apps log to stderr only
    handlers = logging.getLogger("lms.security").handlers
    assert not any(getattr(h, "baseFilename", None) == str(path) for h in handlers)
