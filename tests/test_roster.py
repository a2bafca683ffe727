"""Roster import: schools, pupils with guardians and staff from CSV/XLSX, all or nothing."""

import unicodedata
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from lms.cli_roster import roster_cli
from lms.extensions import db
from lms.models import (
    Classroom,
    Enrollment,
    Guardianship,
    Household,
    School,
    Unit,
    User,
)
from lms.people.codes import ALPHABET
from lms.people.names import name_sort_key
from lms.people.roster import (
    RosterError,
    RowError,
    import_roster,
    read_rows,
    school_year_for,
)

ROSTERS = Path(__file__).parent / "data" / "rosters"
TODAY = date(2025, 11, 22)  # school year 2025-2026


def run(name: str, **kwargs):
    """Import a fixture file as the admin would on TODAY."""
    kwargs.setdefault("today", TODAY)
    return import_roster(db.session, (ROSTERS / name).read_bytes(), name, **kwargs)


def counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Unit, School, Classroom, User, Enrollment, Guardianship, Household)}


def pupil(code: str) -> User:
    return db.session.scalar(select(User).where(User.student_code == code))


def by_phone(phone: str) -> User:
    return db.session.scalar(select(User).where(User.phone == phone))


def current_classes(user: User) -> list[str]:
    return list(db.session.scalars(
        select(Classroom.name).join(Enrollment, Enrollment.classroom_id == Classroom.id)
        .where(Enrollment.pupil_id == user.id, Enrollment.ended_on.is_(None))))


def messages(report) -> list[str]:
    return [str(error) for error in report.errors]


@pytest.fixture
def schools(app):
    report = run("schools.csv")
    assert report.errors == []
    return report


# --- schools -------------------------------------------------------------------------------


def test_schools_file_creates_the_default_unit_and_schools(app):
    report = run("schools.csv")
    assert (report.kind, report.created, report.updated, report.unchanged) == (
        "schools", 4, 0, 0)
    assert report.errors == [] and not report.dry_run
    assert "thêm phường/xã DEFAULT" in report.details
    assert "thêm trường TH01 Trường Tiểu học Hoa Sen (Tiểu học)" in report.details
    unit = db.session.scalar(select(Unit))
    assert (unit.code, unit.name) == ("DEFAULT", "Phường/Xã")
    levels = dict(db.session.execute(select(School.code, School.level)).all())
    assert levels == {"TH01": "tieu-hoc", "THCS01": "thcs", "THTHCS01": "th-thcs",
                      "MN01": "mam-non"}
    assert {s.unit_id for s in db.session.scalars(select(School))} == {unit.id}
    assert counts()["School"] == 4


def test_schools_with_vietnamese_headers_semicolons_and_bom(app):
    headers, rows = read_rows((ROSTERS / "schools_vi.csv").read_bytes(), "schools_vi.csv")
    assert headers == ["Mã trường", "Tên trường", "Cấp học"]
    assert rows[0] == (2, {"Mã trường": "TH01", "Tên trường": "Trường Tiểu học Hoa Sen",
                           "Cấp học": "Tiểu học"})
    report = run("schools_vi.csv")
    assert (report.created, report.errors) == (4, [])
    assert db.session.scalar(select(School.level).where(School.code == "THTHCS01")) == "th-thcs"
    # The same schools in English: nothing to change.
    again = run("schools.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_updated_schools_file_updates_by_code(app, schools):
    data = ("school_code,name,level\nTH01,Trường Tiểu học Hoa Sen B,TH&THCS\n"
            "THCS01,Trường THCS Lê Lợi,thcs\n").encode()
    report = import_roster(db.session, data, "truong.csv", today=TODAY)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert report.details == ["cập nhật trường TH01: tên “Trường Tiểu học Hoa Sen” → "
                              "“Trường Tiểu học Hoa Sen B”, cấp học Tiểu học → TH&THCS"]
    school = db.session.scalar(select(School).where(School.code == "TH01"))
    assert (school.name, school.level) == ("Trường Tiểu học Hoa Sen B", "th-thcs")
    assert counts()["School"] == 4


def test_bad_school_rows(app, schools):
    before = counts()
    data = ("Mã trường,Tên trường,Cấp học\nTH02,Trường Tiểu học Số 2,Đại học\n"
            "TH03,,Tiểu học\nTH02,Trường khác,THCS\n").encode()
    report = import_roster(db.session, data, "truong.csv", today=TODAY)
    assert messages(report) == [
        "Dòng 2: Cấp học không hợp lệ: “Đại học” (ghi Mầm non, Tiểu học, THCS hoặc TH&THCS)",
        "Dòng 3: thiếu Tên trường",
        "Dòng 4: Mã trường TH02 trùng với dòng 2",
    ]
    assert (report.created, report.updated) == (0, 0)
    assert counts() == before


def test_unit_is_chosen_with_unit_code_when_there_are_several(app, factory):
    factory.unit("P-A", "Phường A")
    factory.unit("P-B", "Phường B")
    with pytest.raises(RosterError, match="chọn một bằng --unit"):
        run("schools.csv")
    with pytest.raises(RosterError, match="Không có phường/xã mã “P-C”"):
        run("schools.csv", unit_code="P-C")
    report = run("schools.csv", unit_code="p-b")
    assert report.created == 4
    unit_b = db.session.scalar(select(Unit).where(Unit.code == "P-B"))
    assert set(db.session.scalars(select(School.unit_id))) == {unit_b.id}
    # A school of P-B listed for P-A is refused, not moved.
    report = run("schools.csv", unit_code="P-A")
    assert messages(report)[0] == "Dòng 2: trường TH01 thuộc phường/xã khác (P-B)"
    assert len(report.errors) == 4


# --- pupils --------------------------------------------------------------------------------


def test_pupils_csv(app, schools):
    report = run("pupils.csv")
    assert report.errors == []
    assert (report.kind, report.created, report.updated, report.unchanged) == ("pupils", 4, 0, 0)
    assert report.school_year == "2025-2026"
    assert "thêm học sinh HS001 Nguyễn Văn An (3A)" in report.details
    assert "thêm lớp 3A (khối 3, năm học 2025-2026) trường TH01" in report.details
    assert "thêm phụ huynh 0912345678 Nguyễn Văn Bình" in report.details
    assert counts() == {"Unit": 1, "School": 4, "Classroom": 3, "User": 7, "Enrollment": 4,
                        "Guardianship": 4, "Household": 3}

    an = pupil("HS001")
    assert (an.role, an.tier, an.username, an.full_name, an.date_of_birth) == (
        "pupil", "primary", "hs001", "Nguyễn Văn An", date(2016, 9, 5))
    assert an.name_key == name_sort_key("Nguyễn Văn An")
    assert an.password_hash is None and an.phone is None
    assert pupil("HS002").date_of_birth == date(2016, 1, 20)
    assert pupil("HS003").date_of_birth == date(2014, 2, 1)
    assert pupil("HS004").tier == "lower-secondary"
    assert current_classes(an) == ["3A"]
    assert db.session.scalar(select(Enrollment.started_on).where(
        Enrollment.pupil_id == an.id)) == TODAY

    rooms = {r.name: r for r in db.session.scalars(select(Classroom))}
    assert {name: (r.grade, r.school_year) for name, r in rooms.items()} == {
        "3A": (3, "2025-2026"), "5A": (5, "2025-2026"), "6A1": (6, "2025-2026")}
    for room in rooms.values():
        assert len(room.signin_code) == 6 and set(room.signin_code) <= set(ALPHABET)
    assert len({room.signin_code for room in rooms.values()}) == 3

    parents = list(db.session.scalars(select(User).where(User.role == "parent")))
    assert sorted((p.phone, p.full_name, p.tier) for p in parents) == [
        ("0903111222", "Lê Văn Dũng", "parent"),
        ("0912345678", "Nguyễn Văn Bình", "parent"),
        ("0987654321", "Trần Thị Cúc", "parent")]
    assert all(p.password_hash is None and p.username is None for p in parents)


def test_siblings_share_one_guardian_and_one_household(app, schools):
    run("pupils.csv")
    an, chau, binh = pupil("HS001"), pupil("HS003"), by_phone("0912345678")
    assert db.session.scalar(select(func.count()).select_from(User).where(
        User.phone == "0912345678")) == 1
    assert an.household_id == chau.household_id == binh.household_id
    household = set(db.session.scalars(select(User.full_name).where(
        User.household_id == an.household_id)))
    assert household == {"Nguyễn Văn An", "Phạm Minh Châu", "Nguyễn Văn Bình", "Trần Thị Cúc"}
    assert set(db.session.scalars(select(Guardianship.pupil_id).where(
        Guardianship.guardian_id == binh.id))) == {an.id, chau.id}


def test_two_guardians_of_one_pupil_share_a_household(app, schools):
    report = run("pupils_vi.csv")
    assert (report.created, report.errors) == (2, [])
    ha, khoi = pupil("HS201"), pupil("HS202")
    hung, mai = by_phone("0977000111"), by_phone("0977000222")
    assert ha.household_id == khoi.household_id == hung.household_id == mai.household_id
    assert counts()["Household"] == 1
    assert counts()["Guardianship"] == 3


def test_reimport_changes_nothing(app, schools):
    run("pupils.csv")
    before = counts()
    households = dict(db.session.execute(select(User.id, User.household_id)).all())
    report = run("pupils.csv")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
    assert report.details == []
    assert counts() == before
    assert dict(db.session.execute(select(User.id, User.household_id)).all()) == households
    schools_again = run("schools.csv")
    assert (schools_again.created, schools_again.updated, schools_again.unchanged) == (0, 0, 4)


def test_updated_file_updates_pupils_by_student_code(app, schools):
    run("pupils.csv")
    chau = pupil("HS003")
    old_enrollment = db.session.scalar(select(Enrollment).where(Enrollment.pupil_id == chau.id))
    later = date(2025, 12, 1)
    report = run("pupils_updated.csv", today=later)
    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (0, 2, 2)
    assert report.details == [
        "cập nhật học sinh HS001 Nguyễn Văn Ân: họ tên “Nguyễn Văn An” → “Nguyễn Văn Ân”",
        "thêm lớp 6A (khối 6, năm học 2025-2026) trường THTHCS01",
        "cập nhật học sinh HS003 Phạm Minh Châu: cấp tiểu học → THCS, chuyển lớp 5A → 6A",
    ]
    assert counts() == {"Unit": 1, "School": 4, "Classroom": 4, "User": 7, "Enrollment": 5,
                        "Guardianship": 4, "Household": 3}
    an = pupil("HS001")
    assert (an.full_name, an.name_key) == ("Nguyễn Văn Ân", name_sort_key("Nguyễn Văn Ân"))
    chau = pupil("HS003")
    assert chau.tier == "lower-secondary"
    db.session.refresh(old_enrollment)
    assert (old_enrollment.started_on, old_enrollment.ended_on) == (TODAY, later)
    assert current_classes(chau) == ["6A"]
    new = db.session.scalar(select(Enrollment).where(Enrollment.pupil_id == chau.id,
                                                     Enrollment.ended_on.is_(None)))
    assert new.started_on == later
    # Applying the updated file again changes nothing.
    again = run("pupils_updated.csv", today=later)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_new_school_year_moves_pupils_to_new_classes(app, schools):
    run("pupils.csv")
    data = ("Mã trường,Lớp,Khối,Họ và tên,Ngày sinh,Mã học sinh\n"
            "THTHCS01,6A,6,Phạm Minh Châu,01/02/2014,HS003\n").encode()
    report = import_roster(db.session, data, "lop.csv", today=date(2026, 9, 5))
    assert report.school_year == "2026-2027"
    assert report.updated == 1
    chau = pupil("HS003")
    room = db.session.scalar(select(Classroom).where(Classroom.name == "6A"))
    assert (room.school_year, chau.tier) == ("2026-2027", "lower-secondary")
    # Last year's file cannot move the pupil back.
    old = run("pupils.csv", school_year="2025-2026", today=date(2026, 9, 6))
    assert messages(old) == ["Dòng 5: học sinh HS003 đang học lớp 6A năm học 2026-2027, sau "
                             "năm học 2025-2026 của tệp"]


def test_pupils_xlsx_with_numbers_and_date_cells(app, schools, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Mã trường", "Lớp", "Khối", "Họ và tên", "Ngày sinh", "Mã học sinh",
                  "Họ tên phụ huynh", "Số điện thoại phụ huynh"])
    nfd = unicodedata.normalize("NFD", "Trịnh   Thị Ngọc Ánh ")
    sheet.append(["THCS01", "7A2", 7, nfd, datetime(2012, 4, 30), 20240001,
                  "Trịnh Văn Quang", 912345670])
    sheet.append([None] * 8)
    sheet.append(["THCS01", "7A2", 7.0, "Lò Văn Sáng", "2012-11-02", 20240002.0, None, None])
    path = tmp_path / "hoc-sinh.xlsx"
    book.save(path)

    headers, rows = read_rows(path.read_bytes(), path.name)
    assert [number for number, _ in rows] == [2, 4]
    assert rows[0][1]["Mã học sinh"] == "20240001"
    assert rows[0][1]["Ngày sinh"] == date(2012, 4, 30)
    assert rows[1][1]["Khối"] == "7" and rows[1][1]["Mã học sinh"] == "20240002"

    report = import_roster(db.session, path.read_bytes(), path.name, today=TODAY)
    assert (report.created, report.errors) == (2, [])
    anh = pupil("20240001")
    assert anh.full_name == "Trịnh Thị Ngọc Ánh"
    assert unicodedata.is_normalized("NFC", anh.full_name)
    assert (anh.username, anh.date_of_birth, anh.tier) == (
        "20240001", date(2012, 4, 30), "lower-secondary")
    assert by_phone("0912345670").full_name == "Trịnh Văn Quang"
    assert pupil("20240002").date_of_birth == date(2012, 11, 2)
    again = import_roster(db.session, path.read_bytes(), path.name, today=TODAY)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_every_bad_row_is_reported_and_nothing_is_written(app, schools):
    before = counts()
    report = run("pupils_bad.csv")
    assert messages(report) == [
        "Dòng 3: thiếu Họ và tên",
        "Dòng 4: Ngày sinh không hợp lệ: “31/02/2016” (ghi ngày/tháng/năm, ví dụ 05/09/2014)",
        "Dòng 5: Ngày sinh 01/01/2099 ở tương lai",
        "Dòng 6: không có trường mã XX99",
        "Dòng 7: Mã học sinh HS101 trùng với dòng 2",
        "Dòng 8: khối 7 không thuộc cấp học của trường TH01 (Tiểu học: khối 1-5)",
        "Dòng 9: Số điện thoại phụ huynh không hợp lệ: “12345” (cần 10 chữ số, ví dụ "
        "0912345678)",
        "Dòng 10: thiếu Số điện thoại phụ huynh",
        "Dòng 11: Khối “5” không hợp với trường mầm non MN01: lớp mầm non để trống Khối, hoặc "
        "ghi 0, Nhà trẻ, Mẫu giáo, 5 tuổi…",
    ]
    assert isinstance(report.errors[0], RowError) and report.errors[0].row == 3
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert counts() == before
    assert pupil("HS101") is None


def test_unknown_column_is_refused(app, schools):
    """A column on no list may be a needed one spelt otherwise: refused, not dropped. (An ID
    number column is read past and never stored: tests/test_roster_school_software.py.)"""
    before = counts()
    data = ("Mã trường,Lớp,Khối,Họ và tên,Ngày sinh,Mã học sinh,Tình trạng sức khỏe\n"
            "TH01,3A,3,Nguyễn Văn An,05/09/2016,HS001,Hen suyễn\n").encode()
    report = import_roster(db.session, data, "hs.csv", today=TODAY)
    assert len(report.errors) == 1
    assert str(report.errors[0]).startswith(
        "Dòng 1: cột “Tình trạng sức khỏe” không thuộc mẫu danh sách học sinh")
    assert counts() == before


def test_unknown_header_set_names_the_accepted_kinds(app):
    with pytest.raises(RosterError) as caught:
        run("unknown_headers.csv")
    text = str(caught.value)
    assert "Không nhận ra loại danh sách" in text
    for kind in ("danh sách trường", "danh sách học sinh", "danh sách cán bộ"):
        assert kind in text
    data = "Mã trường,Lớp,Khối,Họ và tên,Mã học sinh\n".encode()
    with pytest.raises(RosterError, match="Giống danh sách học sinh nhưng thiếu cột: Ngày sinh"):
        import_roster(db.session, data, "hs.csv", today=TODAY)


def test_class_with_another_grade_is_a_row_error(app, schools):
    run("pupils.csv")
    before = counts()
    data = ("Mã trường,Lớp,Khối,Họ và tên,Ngày sinh,Mã học sinh\n"
            "TH01,3A,4,Mai Văn Tân,01/01/2015,HS301\n"
            "TH01,4B,4,Mai Văn Tâm,01/01/2015,HS302\n"
            "TH01,4b,5,Mai Văn Tấn,01/01/2015,HS303\n").encode()
    report = import_roster(db.session, data, "hs.csv", today=TODAY)
    assert messages(report) == [
        "Dòng 2: lớp 3A năm học 2025-2026 của trường TH01 là khối 3, không phải khối 4",
        "Dòng 4: lớp 4b ghi khối 5 nhưng dòng 3 ghi khối 4",
    ]
    assert counts() == before


def test_guardian_phone_of_a_teacher_is_a_row_error(app, schools):
    run("staff.csv")
    data = ("Mã trường,Lớp,Khối,Họ và tên,Ngày sinh,Mã học sinh,Họ tên phụ huynh,"
            "Số điện thoại phụ huynh\n"
            "TH01,3A,3,Lê Văn Tí,01/01/2016,HS401,Lê Thị Hoa,0911000001\n"
            "TH01,3A,3,Lê Văn Tèo,01/01/2016,HS402,,0911000009\n").encode()
    before = counts()
    report = import_roster(db.session, data, "hs.csv", today=TODAY)
    assert messages(report) == [
        "Dòng 2: số điện thoại 0911000001 đã thuộc về tài khoản không phải phụ huynh",
        "Dòng 3: thiếu Họ tên phụ huynh",
    ]
    assert counts() == before


def test_dry_run_reports_and_writes_nothing(app, schools):
    before = counts()
    report = run("pupils.csv", dry_run=True)
    assert report.dry_run and report.errors == []
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    assert "thêm học sinh HS004 Hoàng Gia Huy (6A1)" in report.details
    assert report.summary().endswith("Chạy thử: chưa lưu thay đổi nào.")
    assert counts() == before
    run("pupils.csv")
    before = counts()
    report = run("pupils_updated.csv", dry_run=True)
    assert (report.created, report.updated, report.unchanged) == (0, 2, 2)
    assert counts() == before
    assert pupil("HS001").full_name == "Nguyễn Văn An"
    dry_schools = run("schools.csv", dry_run=True)
    assert dry_schools.unchanged == 4


# --- staff ---------------------------------------------------------------------------------


def test_staff_file(app, schools):
    report = run("staff.csv")
    assert report.errors == []
    assert (report.kind, report.created, report.updated, report.unchanged) == ("staff", 5, 0, 0)
    staff = {u.phone: u for u in db.session.scalars(
        select(User).where(User.role.in_(["teacher", "school_admin"])))}
    assert sorted(staff) == ["0911000001", "0911000002", "0911000003", "0911000004",
                             "0911000005"]
    assert [(u.role, u.staff_role, u.tier, u.school.code) for u in
            (staff["0911000001"], staff["0911000002"], staff["0911000004"],
             staff["0911000005"])] == [
        ("teacher", "teacher", "teacher", "TH01"),
        ("school_admin", "principal", "teacher", "TH01"),
        ("teacher", "staff", "teacher", "THCS01"),
        ("school_admin", "principal", "teacher", "THTHCS01")]
    hoa = staff["0911000001"]
    assert (hoa.full_name, hoa.staff_from, hoa.staff_until, hoa.password_hash, hoa.username) == (
        "Lê Thị Hoa", TODAY, None, None, None)
    assert counts()["User"] == 5

    again = run("staff.csv", today=date(2026, 1, 5))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)

    data = ("Mã trường,Họ và tên,Chức vụ,Số điện thoại\n"
            "THCS01,Lê Thị Hoa,Hiệu trưởng,0911 000 001\n").encode()
    moved = import_roster(db.session, data, "cb.csv", today=date(2026, 1, 5))
    assert (moved.created, moved.updated) == (0, 1)
    assert moved.details == ["cập nhật hiệu trưởng 0911000001 Lê Thị Hoa: chức vụ giáo viên → "
                             "hiệu trưởng, chuyển sang trường THCS01"]
    hoa = by_phone("0911000001")
    assert (hoa.role, hoa.staff_role, hoa.school.code, hoa.staff_from) == (
        "school_admin", "principal", "THCS01", TODAY)
    assert counts()["User"] == 5


def test_bad_staff_rows(app, schools):
    before = counts()
    report = run("staff_bad.csv")
    assert messages(report) == [
        "Dòng 3: Chức vụ không hợp lệ: “Bảo vệ” (ghi Giáo viên, Nhân viên, Hiệu trưởng hoặc "
        "Phó hiệu trưởng)",
        "Dòng 4: không có trường mã TH09",
        "Dòng 5: Số điện thoại không hợp lệ: “0911-00” (cần 10 chữ số, ví dụ 0912345678)",
        "Dòng 6: Số điện thoại 0911000001 trùng với dòng 2",
        "Dòng 7: thiếu Họ và tên",
        "Dòng 7: thiếu Số điện thoại",
    ]
    assert counts() == before


def test_pupils_and_staff_need_schools_first(app):
    with pytest.raises(RosterError, match="hãy nhập danh sách trường trước"):
        run("staff.csv")


# --- reading files -------------------------------------------------------------------------


def test_unreadable_files_say_what_to_do():
    with pytest.raises(RosterError, match="UTF-8"):
        read_rows(b"M\xe3 tr\xfd\xf5\xecng,T\xean tr\xfd\xf5\xecng\n", "truong.csv")  # Windows-1258
    with pytest.raises(RosterError, match=r"\.xls.*lưu thành \.xlsx"):
        read_rows(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "truong.xls")
    with pytest.raises(RosterError, match="hỏng"):
        read_rows(b"PK\x03\x04 not really a zip", "truong.xlsx")
    with pytest.raises(RosterError, match="không có tiêu đề"):
        read_rows(b"school_code,name,level\nTH01,A,thcs,extra\n", "truong.csv")


def test_school_year_and_bad_year():
    assert school_year_for(date(2026, 11, 22)) == "2026-2027"
    assert school_year_for(date(2026, 3, 1)) == "2025-2026"
    assert school_year_for(date(2026, 9, 1)) == "2026-2027"
    with pytest.raises(RosterError, match="Năm học “2025-2027” không hợp lệ"):
        import_roster(None, b"", "x.csv", school_year="2025-2027")


# --- command line --------------------------------------------------------------------------


@pytest.fixture
def cli(app, runner):
    app.cli.add_command(roster_cli)
    db.session.commit()
    return runner


def test_cli_imports_and_prints_the_report(cli):
    result = cli.invoke(args=["roster", "import", str(ROSTERS / "schools.csv")])
    assert result.exit_code == 0, result.output
    assert "thêm trường TH01 Trường Tiểu học Hoa Sen (Tiểu học)" in result.output
    assert "Danh sách trường: thêm mới 4, cập nhật 0, không đổi 0." in result.output
    result = cli.invoke(args=["roster", "import", "--dry-run", "--year", "2025-2026",
                              str(ROSTERS / "pupils.csv")])
    assert result.exit_code == 0, result.output
    assert ("Danh sách học sinh (năm học 2025-2026): thêm mới 4, cập nhật 0, không đổi 0. "
            "Chạy thử: chưa lưu thay đổi nào.") in result.output
    assert counts()["User"] == 0
    result = cli.invoke(args=["roster", "import", "--unit", "DEFAULT",
                              str(ROSTERS / "pupils.csv")])
    assert result.exit_code == 0, result.output
    assert counts()["User"] == 7


def test_cli_exits_non_zero_with_the_row_messages(cli):
    assert cli.invoke(args=["roster", "import", str(ROSTERS / "schools.csv")]).exit_code == 0
    result = cli.invoke(args=["roster", "import", str(ROSTERS / "pupils_bad.csv")])
    assert result.exit_code == 1
    assert "Dòng 7: Mã học sinh HS101 trùng với dòng 2" in result.stderr
    assert "Dòng 3: thiếu Họ và tên" in result.stderr
    assert "9 lỗi, không lưu thay đổi nào." in result.stderr
    assert counts()["User"] == 0
    result = cli.invoke(args=["roster", "import", str(ROSTERS / "unknown_headers.csv")])
    assert result.exit_code == 1
    assert "Không nhận ra loại danh sách" in result.stderr
    result = cli.invoke(args=["roster", "import", "--year", "2025",
                              str(ROSTERS / "pupils.csv")])
    assert result.exit_code == 1 and "Năm học “2025” không hợp lệ" in result.stderr
