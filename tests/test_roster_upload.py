"""The roster upload in the admins' pages: the same import, with the admin's own scope."""

import io
from pathlib import Path

from sqlalchemy import func, select

from lms.extensions import db
from lms.models import School, User

ROSTERS = Path(__file__).parent / "data" / "rosters"


def _upload(browser, name, dry_run):
    data = {"file": (io.BytesIO((ROSTERS / name).read_bytes()), name)}
    if dry_run:
        data["dry_run"] = "y"
    return browser.post("/admin/roster", data, content_type="multipart/form-data")


def test_ward_admin_checks_then_imports_schools_and_pupils(browser, factory):
    factory.user("ward_admin", username="phuong")
    factory.commit()
    browser.login("phuong")
    checked = _upload(browser, "schools.csv", dry_run=True)
    assert checked.status_code == 200 and "chưa lưu" in checked.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(School)) == 0
    saved = _upload(browser, "schools.csv", dry_run=False)
    assert saved.status_code == 200 and "Đã lưu" in saved.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(School)) >= 2
    pupils = _upload(browser, "pupils.csv", dry_run=False)
    assert pupils.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(User).where(User.role == "pupil"))


def test_bad_rows_are_listed_and_nothing_is_saved(browser, factory):
    factory.user("ward_admin", username="phuong")
    factory.commit()
    browser.login("phuong")
    _upload(browser, "schools.csv", dry_run=False)
    before = db.session.scalar(select(func.count()).select_from(User))
    response = _upload(browser, "pupils_bad.csv", dry_run=False)
    assert response.status_code == 400
    assert "Dòng " in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_principal_imports_only_their_school(browser, factory, runner):
    from lms.cli_roster import roster_cli  # noqa: F401 - registered by the app

    result = runner.invoke(args=["roster", "import", str(ROSTERS / "schools.csv")])
    assert result.exit_code == 0, result.output
    own = db.session.scalar(select(School).where(School.code == "THCS01"))
    factory.user("school_admin", username="hieutruong", school=own)
    factory.commit()
    browser.login("hieutruong")
    response = _upload(browser, "pupils.csv", dry_run=False)
    assert response.status_code == 400
    assert "không do bạn quản lý" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User).where(User.role == "pupil")) == 0
    schools = _upload(browser, "schools.csv", dry_run=False)
    assert schools.status_code == 400


def test_upload_refuses_other_file_types_and_other_roles(browser, factory):
    factory.user("ward_admin", username="phuong")
    factory.user("teacher", username="gv")
    factory.commit()
    browser.login("phuong")
    data = {"file": (io.BytesIO(b"x"), "roster.pdf")}
    response = browser.post("/admin/roster", data, content_type="multipart/form-data",
                            follow_redirects=True)
    assert "Chỉ nhận tệp .csv hoặc .xlsx" in response.get_data(as_text=True)
    browser.post("/logout")
    browser.login("gv")
    assert _upload(browser, "schools.csv", dry_run=False).status_code == 403
