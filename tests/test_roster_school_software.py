"""A pupil list as school-management software exports it, imported as it is: title rows above
the header, STT, father's and mother's columns, no school-code or grade column, and columns
the LMS does not use, which are read past, never stored, and named in the report."""

import io
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import Classroom, Enrollment, Guardianship, School, User
from lms.people.roster import import_roster
from lms.people.roster.school_software import grade_from_class, is_ignored

TODAY = date(2025, 11, 22)  # school year 2025-2026
HEADER = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Lớp",
          "Họ tên cha", "SĐT cha", "Họ tên mẹ", "SĐT mẹ", "Địa chỉ"]
IGNORED = "STT, Giới tính, Dân tộc, Địa chỉ"
ADDRESS = "Xóm Đồng Chùa số 17"
PUPILS = [
    # father and mother with phones
    ["1", "Nguyễn Văn An", "05/03/2014", "Nam", "Kinh", "6A1",
     "Nguyễn Văn Bình", "0912 345 678", "Trần Thị Cúc", "0987654321", ADDRESS],
    # a real Excel date; a father with a name but no phone
    ["2", "Lê Thị Bích", datetime(2014, 7, 21), "Nữ", "Tày", "6A1",
     "Lê Văn Cường", "", "Phạm Thị Dung", "0911222333", ADDRESS + "B"],
    # one phone for both parents
    ["3", "Hoàng Minh Châu", "02/11/2014", "Nam", "Kinh", "6A1",
     "Hoàng Văn Đức", "0933444555", "Vũ Thị Hạnh", "0933444555", ADDRESS + "C"],
]
FIRST_DATA_ROW = 7  # title rows 1-4, a blank row 5, the header on row 6


def school_software_xlsx(rows=PUPILS, header=HEADER) -> bytes:
    """A class list as the school software writes it: titles in merged cells, a blank row."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"] = "SỞ GD&ĐT THÀNH PHỐ"
    sheet.merge_cells("A1:E1")
    sheet["G1"] = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    sheet.merge_cells("G1:K1")
    sheet["A2"] = "TRƯỜNG THCS LÊ LỢI"
    sheet["A3"] = "DANH SÁCH HỌC SINH LỚP 6A1"
    sheet.merge_cells("A3:K3")
    sheet["A4"] = "Năm học 2025-2026"
    sheet.merge_cells("A4:K4")
    # row 5 stays empty
    for index, title in enumerate(header, start=1):
        sheet.cell(row=6, column=index, value=title)
    for offset, values in enumerate(rows):
        for index, value in enumerate(values, start=1):
            sheet.cell(row=FIRST_DATA_ROW + offset, column=index, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def school_software_csv(rows, header=HEADER) -> bytes:
    lines = ["SỞ GD&ĐT THÀNH PHỐ", "DANH SÁCH HỌC SINH LỚP 3A", "Năm học 2025-2026", "",
             ";".join(header), *(";".join(str(v) for v in row) for row in rows)]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


@pytest.fixture
def schools(app):
    data = ("Mã trường,Tên trường,Cấp học\nTH01,Trường Tiểu học Hoa Sen,tieu-hoc\n"
            "THCS01,Trường THCS Lê Lợi,thcs\n").encode()
    assert import_roster(db.session, data, "truong.csv", today=TODAY).ok


def stored_anywhere(needle: str) -> list[str]:
    """Every table and column whose stored text contains needle."""
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).mappings():
            found += [f"{table.name}.{key}" for key, value in row.items()
                      if isinstance(value, str) and needle in value]
    return found


def by_name(name: str) -> User:
    return db.session.scalar(select(User).where(User.full_name == name))


def guardian_names(pupil: User) -> list[str]:
    return sorted(db.session.scalars(
        select(User.full_name).join(Guardianship, Guardianship.guardian_id == User.id)
        .where(Guardianship.pupil_id == pupil.id)))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def assert_class_imported():
    room = db.session.scalar(select(Classroom).where(Classroom.name == "6A1"))
    assert (room.grade, room.school.code, room.school_year) == (6, "THCS01", "2025-2026")
    assert count(Enrollment) == 3
    an, bich, chau = (by_name(n) for n in ("Nguyễn Văn An", "Lê Thị Bích", "Hoàng Minh Châu"))
    assert (an.date_of_birth, bich.date_of_birth) == (date(2014, 3, 5), date(2014, 7, 21))
    assert guardian_names(an) == ["Nguyễn Văn Bình", "Trần Thị Cúc"]
    assert by_name("Nguyễn Văn Bình").phone == "0912345678"
    assert guardian_names(bich) == ["Phạm Thị Dung"]  # the father has no phone: no account
    assert by_name("Lê Văn Cường") is None
    assert guardian_names(chau) == ["Hoàng Văn Đức"]  # one phone: one account
    assert by_name("Vũ Thị Hạnh") is None
    for unused in (ADDRESS, "Tày", "Kinh"):
        assert stored_anywhere(unused) == []


def test_cli_imports_the_export_as_it_is(runner, schools, tmp_path):
    path = tmp_path / "DS_lop_6A1.xlsx"
    path.write_bytes(school_software_xlsx())
    args = ["roster", "import", str(path), "--school", "THCS01", "--year", "2025-2026"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert f"Bỏ qua các cột (không lưu): {IGNORED}" in result.output
    assert "thêm mới 3" in result.output
    assert "1 cha/mẹ/người giám hộ có tên nhưng không có số điện thoại" in result.output
    assert "SĐT mẹ cùng số 0933444555" in result.output
    assert_class_imported()
    again = runner.invoke(args=args)  # the derived student codes are the same each time
    assert again.exit_code == 0 and "thêm mới 0, cập nhật 0, không đổi 3" in again.output
    assert count(Enrollment) == 3


def test_without_a_school_the_file_is_refused(runner, schools, tmp_path):
    path = tmp_path / "lop.xlsx"
    path.write_bytes(school_software_xlsx())
    result = runner.invoke(args=["roster", "import", str(path), "--year", "2025-2026"])
    assert result.exit_code == 1
    assert "Tệp không có cột Mã trường" in result.output and "--school" in result.output
    assert count(Enrollment) == 0


def test_errors_carry_the_spreadsheet_row_and_nothing_is_saved(app, schools):
    rows = [list(row) for row in PUPILS]
    rows[1][2] = "31/02/2014"  # row 8
    rows[2][5] = "Lớp chọn"  # row 9: no grade in the class name, no grade column
    report = import_roster(db.session, school_software_xlsx(rows), "lop.xlsx",
                           today=TODAY, school_code="THCS01")
    assert [str(error) for error in report.errors] == [
        "Dòng 8: Ngày sinh không hợp lệ: “31/02/2014” (ghi ngày/tháng/năm, ví dụ 05/09/2014)",
        "Dòng 9: không nhận ra khối từ tên lớp “Lớp chọn” (tên lớp bắt đầu bằng khối, "
        "ví dụ 6A1): thêm cột Khối",
    ]
    assert report.ignored == IGNORED.split(", ")
    assert count(Enrollment) == 0 and count(Classroom) == 0


def test_csv_variant_with_parent_phone_but_no_name(app, schools):
    rows = [["1", "Đỗ Thu Trang", "12/12/2017", "Nữ", "Kinh", "Lớp 3A", "", "", "Ngô Thị Lan",
             "0977000111", "Thôn Bến"],
            ["2", "Đỗ Văn Nam", "01/01/2017", "Nam", "Kinh", "3A", "", "0977000999", "", "",
             "Thôn Bến"]]
    report = import_roster(db.session, school_software_csv(rows), "lop3a.csv",
                           today=TODAY, school_code="TH01")
    assert [str(error) for error in report.errors] == ["Dòng 7: thiếu Họ tên cha"]
    report = import_roster(db.session, school_software_csv(rows[:1]), "lop3a.csv",
                           today=TODAY, school_code="TH01")
    assert report.ok and report.created == 1
    trang = by_name("Đỗ Thu Trang")
    room = db.session.scalar(select(Classroom).where(Classroom.name == "Lớp 3A"))
    assert room.grade == 3 and room.school.code == "TH01"
    assert guardian_names(trang) == ["Ngô Thị Lan"]
    assert stored_anywhere("Thôn Bến") == []


def test_a_file_with_school_codes_must_name_the_chosen_school(app, schools):
    data = ("Mã trường,Lớp,Họ và tên,Ngày sinh,Mã học sinh,Giới tính\n"
            "TH01,3A,Mai Văn Tân,01/01/2016,HS301,Nam\n").encode()
    report = import_roster(db.session, data, "hs.csv", today=TODAY, school_code="THCS01")
    assert [str(error) for error in report.errors] == [
        "Dòng 2: trường TH01 không phải trường đã chọn (THCS01)"]
    report = import_roster(db.session, data, "hs.csv", today=TODAY)
    assert report.ok and report.ignored == ["Giới tính"]
    assert db.session.scalar(select(User).where(User.student_code == "HS301")).full_name == "Mai Văn Tân"


def test_id_number_column_is_ignored_and_never_stored(app, schools):
    data = ("Mã trường,Lớp,Khối,Họ và tên,Ngày sinh,Mã học sinh,Số CCCD,Mã định danh\n"
            "TH01,3A,3,Nguyễn Văn An,05/09/2016,HS001,001216000123,7912345678\n").encode()
    report = import_roster(db.session, data, "hs.csv", today=TODAY)
    assert report.ok and report.ignored == ["Số CCCD", "Mã định danh"]
    assert stored_anywhere("001216000123") == [] and stored_anywhere("7912345678") == []


def test_todays_format_reports_no_ignored_columns(app, schools):
    data = ("Mã trường,Lớp,Khối,Họ và tên,Ngày sinh,Mã học sinh\n"
            "TH01,3A,3,Nguyễn Văn An,05/09/2016,HS001\n").encode()
    report = import_roster(db.session, data, "hs.csv", today=TODAY)
    assert report.ok and report.ignored == [] and report.created == 1
    assert db.session.scalar(select(User).where(User.student_code == "HS001")).username == "hs001"


def test_grade_and_ignored_header_rules():
    assert [grade_from_class(n) for n in ("6A1", "3A", "Lớp 7/2", "lớp 9", "A1", "10A")] == [
        "6", "3", "7", "9", "", "10"]
    assert all(is_ignored(h) for h in ("STT", "Địa chỉ thường trú", "Năm sinh cha", "CCCD (12 số)"))
    assert not any(is_ignored(h) for h in ("Ngày sinh", "SĐT của mẹ", "Tình trạng sức khỏe"))


# --- the upload page -------------------------------------------------------------------------


def upload(browser, data: bytes, name: str, **fields):
    form = {"file": (io.BytesIO(data), name), **fields}
    return browser.post("/admin/roster", form, content_type="multipart/form-data")


def page_text(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


def test_principal_imports_the_export_into_their_own_school(browser, factory, schools):
    own = db.session.scalar(select(School).where(School.code == "THCS01"))
    factory.user("school_admin", username="hieutruong", school=own)
    factory.commit()
    browser.login("hieutruong")
    form = page_text(browser.get(f"/admin/schools/{own.id}"))
    assert "Danh sách học sinh không có cột Mã trường được nhập vào trường của bạn." in form
    assert "Theo tệp (cột Mã trường)" not in form  # no choice of school for a principal
    response = upload(browser, school_software_xlsx(), "lop6a1.xlsx", school="TH01")
    assert response.status_code == 200, page_text(response)
    assert f"Các cột bỏ qua (không lưu): {IGNORED}" in page_text(response)
    room = db.session.scalar(select(Classroom).where(Classroom.name == "6A1"))
    assert room.school.code == "THCS01"  # the principal's own school, whatever the form says
    assert count(Enrollment) == 3 and stored_anywhere(ADDRESS) == []


def test_ward_admin_chooses_the_school(browser, factory, schools):
    factory.user("ward_admin", username="phuong")
    factory.commit()
    browser.login("phuong")
    index = page_text(browser.get("/admin/"))
    assert "Trường THCS Lê Lợi (THCS01)" in index and "Theo tệp (cột Mã trường)" in index
    own = db.session.scalar(select(School).where(School.code == "THCS01"))
    school_page = page_text(browser.get(f"/admin/schools/{own.id}"))
    assert "Trường THCS Lê Lợi (THCS01)" in school_page and "(TH01)" not in school_page
    data = school_software_xlsx()
    refused = upload(browser, data, "lop6a1.xlsx")
    assert refused.status_code == 400 and "Tệp không có cột Mã trường" in page_text(refused)
    checked = upload(browser, data, "lop6a1.xlsx", school="THCS01", dry_run="y")
    assert checked.status_code == 200 and f"Các cột bỏ qua (không lưu): {IGNORED}" in page_text(checked)
    assert count(Enrollment) == 0
    saved = upload(browser, data, "lop6a1.xlsx", school="THCS01")
    assert saved.status_code == 200 and "Đã lưu" in page_text(saved)
    assert count(Enrollment) == 3
    assert stored_anywhere("Tày") == [] and stored_anywhere(ADDRESS) == []


def test_pupils_imported_with_codes_are_found_by_name_and_birth_date(app, schools):
    data = ("Mã trường,Lớp,Khối,Họ và tên,Ngày sinh,Mã học sinh\n"
            "THCS01,6A1,6,Nguyễn Văn An,05/03/2014,HS777\n").encode()
    assert import_roster(db.session, data, "hs.csv", today=TODAY).created == 1
    report = import_roster(db.session, school_software_xlsx(), "lop.xlsx", today=TODAY,
                           school_code="THCS01")
    assert report.ok and (report.created, report.updated) == (2, 1)
    an = by_name("Nguyễn Văn An")
    assert an.student_code == "HS777"
    assert count(Enrollment) == 3 and len(guardian_names(an)) == 2


def test_an_unknown_chosen_school_is_one_message(runner, schools, tmp_path):
    path = tmp_path / "lop.xlsx"
    path.write_bytes(school_software_xlsx())
    result = runner.invoke(args=["roster", "import", str(path), "--school", "THCS9"])
    assert result.exit_code == 1
    assert result.output.strip() == "Lỗi: Không có trường mã THCS9: chưa lưu gì."
