"""The roster upload in the admins' pages: the same import, with the admin's own scope."""

import io
from pathlib import Path

from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

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


# --- sizes: the whole app's request limit, and no cut file ----------------------------------


def _post_large(browser, data: bytes, name: str):
    """Encoded here: the test client spools a large body to a temporary file of its own and
    leaves it open."""
    browser.get("/admin/")
    boundary, body = encode_multipart(
        {"csrf_token": browser.token, "file": FileStorage(io.BytesIO(data), name)})
    return browser.client.post("/admin/roster", data=body,
                               content_type=f"multipart/form-data; boundary={boundary}")


def test_upload_over_the_limit_gets_the_413_page_and_nothing_is_stored(browser, factory):
    factory.user("ward_admin", username="phuong")
    factory.commit()
    browser.login("phuong")
    data = (ROSTERS / "schools.csv").read_bytes()
    data += b"\n" * (8 * 1024 * 1024 + 1 - len(data))
    response = _post_large(browser, data, "schools.csv")
    assert response.status_code == 413
    assert "Mỗi lần tải lên tối đa 8 MB" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(School)) == 0


def test_anonymous_large_post_is_refused_unread(client):
    """A file part is not bound by MAX_FORM_MEMORY_SIZE: without MAX_CONTENT_LENGTH a 9 MB (or
    300 MB) multipart POST to the sign-in page was read in full."""
    boundary, body = encode_multipart(
        {"login": "x", "password": "y", "junk": FileStorage(io.BytesIO(b"x" * (9 * 1024 * 1024)), "x.bin")})
    response = client.post("/login", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.get_data(as_text=True)


def test_file_past_the_old_5_mb_cut_is_imported_whole(browser, factory):
    factory.user("ward_admin", username="phuong")
    factory.commit()
    browser.login("phuong")
    lines = (ROSTERS / "schools.csv").read_bytes().splitlines(keepends=True)
    padding = (b"," * 27 + b"\n") * 220_000  # empty rows: 6 MB, with rows after them
    data = b"".join(lines[:3]) + padding + b"".join(lines[3:])
    assert 5 * 1024 * 1024 < len(data) < 8 * 1024 * 1024
    response = _post_large(browser, data, "schools.csv")
    assert response.status_code == 200, response.get_data(as_text=True)[-500:]
    codes = set(db.session.scalars(select(School.code)))
    assert codes == {"TH01", "THCS01", "THTHCS01", "MN01"}


def test_long_report_says_how_many_lines_are_not_shown(browser, factory):
    factory.user("ward_admin", username="phuong")
    factory.commit()
    browser.login("phuong")
    _upload(browser, "schools.csv", dry_run=False)
    rows = "".join(f"TH01,3A,3,Học Sinh {n},05/09/2016,HS{n:04}\n" for n in range(250))
    data = ("school_code,class,grade,full_name,date_of_birth,student_code\n" + rows).encode()
    response = browser.post("/admin/roster", {"file": (io.BytesIO(data), "hs.csv"), "dry_run": "y"},
                            content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "… và 51 thay đổi khác." in text  # 251 lines: the class, then 250 pupils
