"""Roster import for a whole city (issue 14): the units file (city, wards, communes), schools
naming their unit, the units' officials, kindergarten classes (from a plain file and from a
school-software export), and imports bounded by the importer's unit scope."""

from datetime import date, datetime

import pytest
from sqlalchemy import func, select
from test_roster_school_software import school_software_xlsx, stored_anywhere

from lms.extensions import db
from lms.models import Classroom, Enrollment, Guardianship, School, Unit, User
from lms.models.people import PRESCHOOL_GRADE
from lms.people.roster import RosterError, import_roster

TODAY = date(2025, 11, 22)  # school year 2025-2026

UNITS = """Mã đơn vị;Tên đơn vị;Loại;Mã đơn vị cấp trên
P-HB;Phường Hồng Bàng;Phường;HP
X-AL;Xã An Lão;xã;HP
HP;Thành phố Hải Phòng;Thành phố;
"""
# The same units with the English headers of the guide.
UNITS_EN = """unit_code,name,kind,parent_code
HP,Thành phố Hải Phòng,city,
P-HB,Phường Hồng Bàng,ward,HP
X-AL,Xã An Lão,commune,HP
"""
SCHOOLS = """Mã trường,Tên trường,Cấp học,Mã phường/xã
TH-HB,Trường Tiểu học Hồng Bàng,Tiểu học,P-HB
MN-HB,Trường Mầm non Hoa Sen,Mầm non,P-HB
THCS-AL,Trường THCS An Lão,THCS,X-AL
"""


def run(text: str, name: str = "ds.csv", **kwargs):
    kwargs.setdefault("today", TODAY)
    return import_roster(db.session, text.encode(), name, **kwargs)


def messages(report) -> list[str]:
    return [str(error) for error in report.errors]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def counts() -> dict[str, int]:
    return {m.__name__: count(m) for m in (Unit, School, User, Classroom, Enrollment, Guardianship)}


def unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def school(code: str) -> School:
    return db.session.scalar(select(School).where(School.code == code))


def by_phone(phone: str) -> User:
    return db.session.scalar(select(User).where(User.phone == phone))


def by_name(name: str) -> User:
    return db.session.scalar(select(User).where(User.full_name == name))


def guardians(child: User) -> list[str]:
    return sorted(db.session.scalars(
        select(User.phone).join(Guardianship, Guardianship.guardian_id == User.id)
        .where(Guardianship.pupil_id == child.id)))


@pytest.fixture
def city(app):
    report = run(UNITS)
    assert report.ok, messages(report)
    report = run(SCHOOLS)
    assert report.ok, messages(report)
    return {code: unit(code).id for code in ("HP", "P-HB", "X-AL")}


# --- units ---------------------------------------------------------------------------------


def test_units_file_creates_the_city_and_its_wards_and_communes(app):
    report = run(UNITS)
    assert (report.kind, report.created, report.updated, report.unchanged) == ("units", 3, 0, 0)
    assert report.details == ["thêm thành phố HP Thành phố Hải Phòng",
                              "thêm phường P-HB Phường Hồng Bàng thuộc HP",
                              "thêm xã X-AL Xã An Lão thuộc HP"]
    assert report.summary() == ("Danh sách đơn vị hành chính: thêm mới 3, cập nhật 0, "
                                "không đổi 0.")
    hp, hb, al = unit("HP"), unit("P-HB"), unit("X-AL")
    assert (hp.kind, hp.parent_id, hp.name) == ("city", None, "Thành phố Hải Phòng")
    assert (hb.kind, hb.parent_id) == ("ward", hp.id)
    assert (al.kind, al.parent_id, al.name) == ("commune", hp.id, "Xã An Lão")
    # Again, and in English: nothing changes.
    assert (run(UNITS).unchanged, run(UNITS_EN, "units.csv").unchanged) == (3, 3)
    assert count(Unit) == 3


def test_an_updated_units_file_updates_by_code(app):
    run(UNITS)
    report = run("unit_code,name,kind,parent_code\nX-AL,Xã An Lão mới,Phường,HP\nHP,TP Hải Phòng,Tỉnh,\n")
    assert (report.created, report.updated, report.unchanged) == (0, 2, 0)
    assert report.details == ["cập nhật thành phố HP: tên “Thành phố Hải Phòng” → “TP Hải Phòng”",
                              "cập nhật phường X-AL: tên “Xã An Lão” → “Xã An Lão mới”, "
                              "loại xã → phường"]
    assert (unit("X-AL").kind, unit("X-AL").parent_id) == ("ward", unit("HP").id)


def test_a_single_ward_gets_its_city_when_the_file_names_it(app, factory):
    ward = factory.unit("P-DEMO", "Phường Mẫu")  # a single-ward deployment, today's shape
    factory.school(code="TH-DEMO", level="tieu-hoc")
    factory.commit()
    report = run("Mã đơn vị,Tên đơn vị,Loại,Mã đơn vị cấp trên\nHP,Thành phố Hải Phòng,Thành phố,\n"
                 "P-DEMO,Phường Mẫu,Phường,HP\n")
    assert report.ok, messages(report)
    assert (report.created, report.updated) == (1, 1)
    assert "cập nhật phường P-DEMO: đơn vị cấp trên không có → HP" in report.details
    db.session.expire_all()
    assert db.session.get(Unit, ward.id).parent_id == unit("HP").id
    # A later file that leaves the parent empty keeps it.
    again = run("Mã đơn vị,Tên đơn vị,Loại,Mã đơn vị cấp trên\nP-DEMO,Phường Mẫu,Phường,\n")
    assert (again.unchanged, unit("P-DEMO").parent_id) == (1, unit("HP").id)
    # The city is not a ward: a schools file without a unit column still means the only ward.
    schools = run("Mã trường,Tên trường,Cấp học\nTHCS-DEMO,Trường THCS Mẫu,THCS\n")
    assert schools.ok and school("THCS-DEMO").unit_id == ward.id


def test_bad_units_rows_are_all_reported_and_nothing_is_written(app):
    report = run("Mã đơn vị,Tên đơn vị,Loại,Mã đơn vị cấp trên\n"
                 "HP,Thành phố Hải Phòng,Thành phố,\n"
                 "P1,Phường Một,Phường,HCM\n"
                 "P2,Phường Hai,Phường,P1\n"
                 "HN,Thành phố Hà Nội,Thành phố,HP\n"
                 "P1,Phường Một B,Phường,HP\n"
                 "P3,,Quận,HP\n"
                 "P4,Phường Bốn,Phường,P4\n")
    assert messages(report) == [
        "Dòng 3: không có đơn vị cấp trên mã HCM",
        "Dòng 4: đơn vị cấp trên P1 không phải thành phố/tỉnh",
        "Dòng 5: HN là thành phố/tỉnh: để trống Mã đơn vị cấp trên",
        "Dòng 6: Mã đơn vị P1 trùng với dòng 3",
        "Dòng 7: thiếu Tên đơn vị",
        "Dòng 7: Loại không hợp lệ: “Quận” (ghi Thành phố, Tỉnh, Phường hoặc Xã)",
        "Dòng 8: P4 không thể là đơn vị cấp trên của chính nó",
    ]
    assert report.summary() == "Danh sách đơn vị hành chính: 7 lỗi, không lưu thay đổi nào."
    assert count(Unit) == 0


def test_a_unit_with_schools_or_wards_keeps_its_kind(app, city):
    report = run("Mã đơn vị,Tên đơn vị,Loại\nP-HB,Phường Hồng Bàng,Thành phố\nHP,Hải Phòng,Phường\n")
    assert messages(report) == [
        "Dòng 2: P-HB có trường hoặc cán bộ: không đổi thành thành phố/tỉnh được",
        "Dòng 3: HP là đơn vị cấp trên của P-HB, X-AL: không đổi thành phường/xã được",
    ]
    assert (unit("P-HB").kind, unit("HP").kind) == ("ward", "city")


def test_a_units_file_has_one_name_column(app):
    with pytest.raises(RosterError, match="^Cột “name” và cột “Tên đơn vị” cùng là Tên đơn vị"):
        run("unit_code,name,Tên đơn vị,kind\nHP,Hải Phòng,Hải Phòng,city\n")


def test_dry_run_of_a_units_file_writes_nothing(app):
    report = run(UNITS, dry_run=True)
    assert (report.ok, report.created, report.dry_run) == (True, 3, True)
    assert count(Unit) == 0


# --- schools with their unit ---------------------------------------------------------------


def test_one_schools_file_holds_the_schools_of_many_units(app, city):
    assert {s.code: s.unit_id for s in db.session.scalars(select(School))} == {
        "TH-HB": city["P-HB"], "MN-HB": city["P-HB"], "THCS-AL": city["X-AL"]}
    assert run(SCHOOLS).unchanged == 3
    before = counts()
    report = run("Mã trường,Tên trường,Cấp học,Mã phường/xã\n"
                 "TH-NEW,Trường Tiểu học Mới,Tiểu học,P-XX\n"
                 "TH-HP,Trường Tiểu học Thành phố,Tiểu học,HP\n"
                 "TH-HB,Trường Tiểu học Hồng Bàng,Tiểu học,X-AL\n"
                 "TH-OK,Trường Tiểu học Được,Tiểu học,X-AL\n")
    assert messages(report) == [
        "Dòng 2: không có phường/xã mã P-XX",
        "Dòng 3: HP là thành phố/tỉnh, không phải phường/xã",
        "Dòng 4: trường TH-HB thuộc phường/xã khác (P-HB)",
    ]
    assert counts() == before


def test_rows_without_a_unit_need_one_chosen_when_there_are_several(app, city):
    text = "Mã trường,Tên trường,Cấp học,Mã phường/xã\nTH-A,Trường A,Tiểu học,\nTH-B,Trường B,THCS,P-HB\n"
    with pytest.raises(RosterError, match=r"Có 2 phường/xã \(P-HB, X-AL\): chọn một bằng --unit MÃ"):
        run(text)
    assert run(text, unit_code="X-AL").ok
    assert (school("TH-A").unit.code, school("TH-B").unit.code) == ("X-AL", "P-HB")
    with pytest.raises(RosterError, match="HP là thành phố/tỉnh: hãy chọn một phường/xã"):
        run(text, unit_code="HP")


# --- officials -----------------------------------------------------------------------------

OFFICIALS = """Mã đơn vị,Họ và tên,Số điện thoại,Chức vụ,Ngày sinh,Ngày bắt đầu làm việc,Ngày nghỉ việc
P-HB,Nguyễn Văn Hòa,0901000001,Phó Chủ tịch UBND,01/02/1975,01/07/2025,
P-HB,Trần Thị Lan,090 100 0002,Công chức Văn phòng - Thống kê,,,
X-AL,Lê Văn Minh,0901000003,,,01/07/2025,31/12/2025
"""


def test_officials_are_imported_by_phone_into_their_units(app, city):
    report = run(OFFICIALS)
    assert (report.kind, report.created, report.errors) == ("officials", 3, [])
    assert report.ignored == ["Chức vụ", "Ngày sinh"]  # read past, never stored
    assert "thêm cán bộ 0901000003 Lê Văn Minh (X-AL, nghỉ việc từ 31/12/2025)" in report.details
    hoa, lan, minh = by_phone("0901000001"), by_phone("0901000002"), by_phone("0901000003")
    for person, unit_code in ((hoa, "P-HB"), (lan, "P-HB"), (minh, "X-AL")):
        assert (person.role, person.tier, person.unit_id) == ("official", "official", city[unit_code])
        assert (person.school_id, person.password_hash, person.username) == (None, None, None)
    assert (hoa.staff_from, hoa.staff_until) == (date(2025, 7, 1), None)
    assert (lan.staff_from, lan.staff_until) == (TODAY, None)  # no date: from the import
    assert (minh.staff_from, minh.staff_until) == (date(2025, 7, 1), date(2025, 12, 31))
    assert stored_anywhere("Phó Chủ tịch") == [] and stored_anywhere("1975") == []

    assert run(OFFICIALS).unchanged == 3
    changed = run("Mã đơn vị,Họ và tên,Số điện thoại\nP-HB,Nguyễn Văn Hòa,0901000001\n"
                  "P-HB,Trần Thị Lan Anh,0901000002\nP-HB,Lê Văn Minh,0901000003\n")
    assert (changed.created, changed.updated, changed.unchanged) == (0, 2, 1)
    assert changed.details == [
        "cập nhật cán bộ 0901000002 Trần Thị Lan Anh: họ tên “Trần Thị Lan” → “Trần Thị Lan Anh”",
        "cập nhật cán bộ 0901000003 Lê Văn Minh: chuyển sang P-HB, làm việc trở lại",
    ]
    db.session.expire_all()
    minh = by_phone("0901000003")
    assert (minh.unit_id, minh.staff_from, minh.staff_until) == (city["P-HB"], TODAY, None)
    assert count(User) == 3


def test_bad_officials_rows_are_all_reported_and_nothing_is_written(app, city, factory):
    factory.user("parent", phone="0912345678", name="Phụ Huynh")
    factory.commit()
    before = counts()
    report = run("Mã đơn vị,Họ và tên,Số điện thoại,Ngày bắt đầu làm việc,Ngày nghỉ việc\n"
                 "P-HB,Nguyễn Văn Hòa,0901000001,,\n"
                 "P-HB,Phạm Văn Khang,0901000001,,\n"
                 "P-XX,Đỗ Thị Nga,0901000004,,\n"
                 "HP,Vũ Văn Phong,0901000005,,\n"
                 "P-HB,Bùi Thị Quế,0912345678,,\n"
                 "P-HB,Hoàng Văn Sơn,0901000006,31/02/2025,\n"
                 "P-HB,Ngô Thị Tâm,0901000007,01/09/2025,01/08/2025\n"
                 "X-AL,,12345,,\n")
    assert messages(report) == [
        "Dòng 3: Số điện thoại 0901000001 trùng với dòng 2",
        "Dòng 4: không có phường/xã mã P-XX",
        "Dòng 5: HP là thành phố/tỉnh, không phải phường/xã",
        "Dòng 6: số điện thoại 0912345678 đã thuộc về tài khoản không phải cán bộ phường/xã",
        "Dòng 7: Ngày bắt đầu làm việc không hợp lệ: “31/02/2025” (ghi ngày/tháng/năm, ví dụ 01/07/2025)",
        "Dòng 8: Ngày nghỉ việc 01/08/2025 trước ngày bắt đầu làm việc 01/09/2025",
        "Dòng 9: thiếu Họ và tên",
        "Dòng 9: Số điện thoại không hợp lệ: “12345” (cần 10 chữ số, ví dụ 0912345678)",
    ]
    assert counts() == before


def test_cli_imports_one_units_officials_with_unit(app, city, runner, tmp_path):
    path = tmp_path / "can_bo.csv"
    path.write_text("STT,Họ và tên,Số điện thoại,Chức danh\n1,Nguyễn Văn Hòa,0901000001,Chủ tịch\n"
                    "2,Trần Thị Lan,0901000002,Công chức\n", encoding="utf-8")
    db.session.commit()
    refused = runner.invoke(args=["roster", "import", str(path)])
    assert refused.exit_code == 1
    assert "Có 2 phường/xã (P-HB, X-AL): chọn một bằng --unit MÃ" in refused.output
    assert count(User) == 0
    done = runner.invoke(args=["roster", "import", str(path), "--unit", "X-AL"])
    assert done.exit_code == 0, done.output
    assert "Bỏ qua các cột (không lưu): STT, Chức danh" in done.output
    assert ("Danh sách cán bộ, công chức phường/xã: thêm mới 2, cập nhật 0, không đổi 0."
            in done.output)
    assert {u.unit_id for u in db.session.scalars(select(User))} == {city["X-AL"]}


def test_a_staff_file_is_still_a_staff_file(app, city):
    report = run("Mã trường,Họ và tên,Chức vụ,Số điện thoại\nTH-HB,Lê Thị Hoa,Giáo viên,0911000001\n")
    assert (report.kind, report.created) == ("staff", 1)
    assert by_phone("0911000001").role == "teacher"
    # An official's phone is not a teacher's.
    run(OFFICIALS)
    clash = run("Mã trường,Họ và tên,Chức vụ,Số điện thoại\nTH-HB,Nguyễn Văn Hòa,Giáo viên,0901000001\n")
    assert messages(clash) == [
        "Dòng 2: số điện thoại 0901000001 đã thuộc về tài khoản không phải cán bộ, giáo viên"]


# --- kindergarten classes ------------------------------------------------------------------

PRESCHOOL = """Mã trường,Lớp,Khối,Họ và tên,Ngày sinh,Mã học sinh,Họ tên phụ huynh,Số điện thoại phụ huynh
MN-HB,Mầm 1,,Ngô Bảo An,10/03/2022,MN001,Ngô Văn Bình,0912000001
MN-HB,Chồi 2,0,Vũ Minh Khôi,05/06/2021,MN002,Vũ Thị Cúc,0912000002
MN-HB,Lá 3,Mẫu giáo,Ngô Thu Hà,20/01/2020,MN003,Ngô Văn Bình,0912000001
MN-HB,Nhà trẻ 24-36 tháng,,Lý Gia Huy,15/08/2023,MN004,,
TH-HB,3A,3,Đào Minh Quân,05/09/2017,TH001,Vũ Thị Cúc,0912000002
"""


def test_a_preschool_list_makes_kindergarten_classes_and_children(app, city):
    report = run(PRESCHOOL)
    assert report.ok, messages(report)
    assert (report.created, report.school_year) == (5, "2025-2026")
    assert "thêm lớp Mầm 1 (mầm non, năm học 2025-2026) trường MN-HB" in report.details
    rooms = {r.name: r.grade for r in db.session.scalars(select(Classroom))}
    assert rooms == {"Mầm 1": PRESCHOOL_GRADE, "Chồi 2": PRESCHOOL_GRADE, "Lá 3": PRESCHOOL_GRADE,
                     "Nhà trẻ 24-36 tháng": PRESCHOOL_GRADE, "3A": 3}
    an, khoi, ha, huy = (by_name(n) for n in ("Ngô Bảo An", "Vũ Minh Khôi", "Ngô Thu Hà", "Lý Gia Huy"))
    for child in (an, khoi, ha, huy):
        assert (child.role, child.tier, child.school.code) == ("pupil", None, "MN-HB")
        assert (child.password_hash, child.pin_hash, child.pin_sealed) == (None, None, None)
    assert by_name("Đào Minh Quân").tier == "primary"
    # Their guardians pair and count like any other: an account, links, one household.
    assert guardians(an) == guardians(ha) == ["0912000001"]
    assert by_phone("0912000001").role == "parent"
    assert an.household_id == ha.household_id == by_phone("0912000001").household_id
    assert guardians(khoi) == guardians(by_name("Đào Minh Quân")) == ["0912000002"]
    assert guardians(huy) == []
    again = run(PRESCHOOL)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)


def test_kindergarten_rows_that_do_not_fit(app, city):
    before = counts()
    report = run("Mã trường,Lớp,Khối,Họ và tên,Ngày sinh,Mã học sinh\n"
                 "TH-HB,Chồi 1,,Phan Văn Dũng,01/01/2021,MN011\n"
                 "MN-HB,Lá 1,,Phan Thị Em,01/01/2017,MN012\n"
                 "MN-HB,Lá 1,5,Phan Văn Giang,01/01/2020,MN013\n"
                 "MN-HB,Lá 2,,Phan Thị Hạnh,01/01/2027,MN014\n"
                 "XX99,Mầm 1,,Phan Văn Ích,01/01/2022,MN015\n")
    assert messages(report) == [
        "Dòng 2: lớp Chồi 1 là lớp mầm non, nhưng trường TH-HB không phải trường mầm non",
        "Dòng 3: Ngày sinh 01/01/2017 không hợp với lớp mầm non năm học 2025-2026: trẻ mầm non "
        "sinh trong các năm 2019–2026",
        "Dòng 4: Khối “5” không hợp với trường mầm non MN-HB: lớp mầm non để trống Khối, hoặc "
        "ghi 0, Nhà trẻ, Mẫu giáo, 5 tuổi…",
        "Dòng 5: Ngày sinh 01/01/2027 ở tương lai",
        "Dòng 6: không có trường mã XX99",
    ]
    assert counts() == before


KINDERGARTEN_HEADER = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Lớp",
                       "Họ tên cha", "SĐT cha", "Họ tên mẹ", "SĐT mẹ", "Địa chỉ"]
KINDERGARTEN = [
    ["1", "Trịnh Bảo Ngọc", "12/04/2020", "Nữ", "Kinh", "Mẫu giáo lớn",
     "Trịnh Văn Phú", "0913 111 222", "Mai Thị Quyên", "0913333444", "Tổ dân phố Cầu Đất 9"],
    ["2", "Đặng Gia Bảo", datetime(2023, 9, 2), "Nam", "Mường", "Nhà trẻ 24-36 tháng",
     "Đặng Văn Tài", "", "Hồ Thị Uyên", "0913555666", "Tổ dân phố Cầu Đất 11"],
]


def test_a_kindergarten_export_from_school_software_is_imported_as_it_is(app, city):
    data = school_software_xlsx(KINDERGARTEN, KINDERGARTEN_HEADER)
    report = import_roster(db.session, data, "DS_tre.xlsx", school_code="MN-HB", today=TODAY)
    assert report.ok, messages(report)
    assert report.ignored == ["STT", "Giới tính", "Dân tộc", "Địa chỉ"]
    assert report.created == 2
    rooms = {r.name: (r.grade, r.school.code) for r in db.session.scalars(select(Classroom))}
    assert rooms == {"Mẫu giáo lớn": (PRESCHOOL_GRADE, "MN-HB"),
                     "Nhà trẻ 24-36 tháng": (PRESCHOOL_GRADE, "MN-HB")}
    ngoc, bao = by_name("Trịnh Bảo Ngọc"), by_name("Đặng Gia Bảo")
    assert (ngoc.tier, bao.tier, bao.date_of_birth) == (None, None, date(2023, 9, 2))
    assert guardians(ngoc) == ["0913111222", "0913333444"]
    assert guardians(bao) == ["0913555666"]  # the father has no phone: no account
    for unused in ("Cầu Đất", "Mường"):
        assert stored_anywhere(unused) == []
    again = import_roster(db.session, data, "DS_tre.xlsx", school_code="MN-HB", today=TODAY)
    assert (again.created, again.unchanged) == (0, 2)


def test_cli_imports_a_kindergarten_export(app, city, runner, tmp_path):
    path = tmp_path / "DS_tre.xlsx"
    path.write_bytes(school_software_xlsx(KINDERGARTEN, KINDERGARTEN_HEADER))
    db.session.commit()
    result = runner.invoke(args=["roster", "import", str(path), "--school", "MN-HB", "--year", "2025-2026"])
    assert result.exit_code == 0, result.output
    assert "thêm lớp Mẫu giáo lớn (mầm non, năm học 2025-2026) trường MN-HB" in result.output
    assert count(Enrollment) == 2


# --- unit scope ----------------------------------------------------------------------------


def test_a_unit_admins_import_stays_in_their_unit(app, city):
    mine = frozenset({city["P-HB"]})
    run(OFFICIALS)  # Lê Văn Minh works for X-AL
    run("Mã trường,Lớp,Khối,Họ và tên,Ngày sinh,Mã học sinh\nTHCS-AL,6A,6,Vũ Văn Lực,01/01/2014,AL001\n")
    run("Mã trường,Họ và tên,Chức vụ,Số điện thoại\nTHCS-AL,Lê Thị Mai,Giáo viên,0911000009\n")
    before = counts()

    staff = run("Mã trường,Họ và tên,Chức vụ,Số điện thoại\nTH-HB,Lê Thị Hoa,Giáo viên,0911000001\n"
                "THCS-AL,Đỗ Văn Tú,Giáo viên,0911000002\nTH-HB,Lê Thị Mai,Giáo viên,0911000009\n",
                unit_ids=mine)
    assert messages(staff) == [
        "Dòng 3: trường THCS-AL không thuộc phường/xã của bạn",
        "Dòng 4: số điện thoại 0911000009 là của cán bộ một trường không thuộc phường/xã của bạn",
    ]
    schools = run("Mã trường,Tên trường,Cấp học,Mã phường/xã\nTH-X,Trường X,Tiểu học,X-AL\n"
                  "THCS-AL,Trường THCS An Lão,THCS,P-HB\n", unit_ids=mine)
    assert messages(schools) == ["Dòng 2: phường/xã X-AL không thuộc phường/xã của bạn",
                                 "Dòng 3: trường THCS-AL không thuộc phường/xã của bạn"]
    officials = run("Mã đơn vị,Họ và tên,Số điện thoại\nX-AL,Đỗ Thị Nga,0901000004\n"
                    "P-HB,Lê Văn Minh,0901000003\n", unit_ids=mine)
    assert messages(officials) == [
        "Dòng 2: phường/xã X-AL không thuộc phường/xã của bạn",
        "Dòng 3: số điện thoại 0901000003 là của cán bộ một phường/xã khác (không thuộc phường/xã "
        "của bạn)",
    ]
    pupils = run("Mã trường,Lớp,Khối,Họ và tên,Ngày sinh,Mã học sinh\n"
                 "THCS-AL,6B,6,Vũ Văn Mạnh,01/01/2014,AL002\n"
                 "TH-HB,5A,5,Vũ Văn Lực,01/01/2015,AL001\n", unit_ids=mine)
    assert messages(pupils) == [
        "Dòng 2: trường THCS-AL không thuộc phường/xã của bạn",
        "Dòng 3: học sinh mã AL001 đang học ở một trường không thuộc phường/xã của bạn",
    ]
    with pytest.raises(RosterError, match="^Chỉ quản trị thành phố .* mới nhập được danh sách đơn vị"):
        run(UNITS, unit_ids=mine)
    with pytest.raises(RosterError, match="^Trường THCS-AL không thuộc phường/xã của bạn: chưa lưu gì"):
        run("Lớp,Họ và tên,Ngày sinh\n6A,Vũ Văn Mạnh,01/01/2014\n", school_code="THCS-AL", unit_ids=mine)
    with pytest.raises(RosterError, match="^Phường/xã X-AL không thuộc phường/xã của bạn"):
        run("Họ và tên,Số điện thoại\nĐỗ Thị Nga,0901000004\n", unit_code="X-AL", unit_ids=mine)
    with pytest.raises(RosterError, match="^Tài khoản của bạn chưa được gắn với phường/xã nào"):
        run(SCHOOLS, unit_ids=frozenset())  # a unit admin of no unit yet
    assert counts() == before

    # Inside the unit, the same admin imports; a file without a unit column is theirs.
    own = run("Họ và tên,Số điện thoại\nĐỗ Thị Nga,0901000004\n", unit_ids=mine)
    assert own.ok and by_phone("0901000004").unit_id == city["P-HB"]
    # The city (no bound) moves an official between its units.
    moved = run("Mã đơn vị,Họ và tên,Số điện thoại\nP-HB,Lê Văn Minh,0901000003\n")
    assert moved.ok and by_phone("0901000003").unit_id == city["P-HB"]


def test_an_admin_of_no_unit_imports_only_the_first_schools_file(app):
    """A single ward installed alone: its admin has no unit until the first schools file makes
    it; then they are its admin (lms.people.units), and a second ward needs the city."""
    assert run(SCHOOLS.replace(",Mã phường/xã", "").replace(",P-HB", "").replace(",X-AL", ""),
               unit_ids=frozenset()).created == 3
    assert [u.code for u in db.session.scalars(select(Unit))] == ["DEFAULT"]
    with pytest.raises(RosterError, match="^Tài khoản của bạn chưa được gắn với phường/xã nào"):
        run(SCHOOLS, unit_ids=frozenset())


def test_a_principal_imports_no_officials_and_no_units(app, city):
    with pytest.raises(RosterError, match="Chỉ Ủy ban phường/xã mới nhập được danh sách cán bộ, công chức"):
        run(OFFICIALS, only_school_code="TH-HB")
    with pytest.raises(RosterError, match="^Chỉ quản trị thành phố .* mới nhập được danh sách đơn vị"):
        run(UNITS_EN, only_school_code="TH-HB")
