"""Village household lists (issue 18): the roster's "households" kind (Vietnamese and English
headers, row-numbered errors with nothing stored, idempotent re-imports, the importer's unit
scope, columns read past and never stored), the matching of pupils' families to listed
households by phone (on import, when guardians are imported or pair later), and the unit's
villages page with who may see it."""

import io
from datetime import date
from pathlib import Path

import pytest
from conftest import page_text
from sqlalchemy import func, select
from test_family import signup, t
from test_roster_school_software import stored_anywhere

from lms.extensions import db
from lms.models import Guardianship, ListedHousehold, School, Unit, User, Village
from lms.people.households import link_guardian
from lms.people.roster import RosterError, import_roster
from lms.people.villages import listed_households, match_households

TODAY = date(2025, 11, 22)  # school year 2025-2026

UNITS = """Mã đơn vị,Tên đơn vị,Loại,Mã đơn vị cấp trên
HP,Thành phố Hải Phòng,Thành phố,
X-HB,Xã Hà Bắc,Xã,HP
X-AL,Xã An Lão,Xã,HP
"""
SCHOOLS = """Mã trường,Tên trường,Cấp học,Mã đơn vị
TH-HB,Trường Tiểu học Hà Bắc,Tiểu học,X-HB
TH-AL,Trường Tiểu học An Lão,Tiểu học,X-AL
"""
# Three families: An's (father and mother), Bình's (mother), Cúc's (father, at the school of
# the other commune: a family may live in one commune and send its child to the next one's).
PUPILS = """Mã trường,Lớp,Khối,Họ và tên,Ngày sinh,Mã học sinh,Họ tên phụ huynh,Số điện thoại phụ huynh,\
Họ tên phụ huynh 2,Số điện thoại phụ huynh 2
TH-HB,3A,3,Nguyễn Văn An,05/09/2016,HS001,Nguyễn Văn Ba,0912000001,Trần Thị Tư,0912000002
TH-HB,3A,3,Lê Thị Bình,2016-01-20,HS002,Phạm Thị Năm,0912000003,,
TH-AL,2A,2,Đỗ Minh Cúc,10/10/2017,HS003,Đỗ Văn Sáu,0912000004,,
"""
# The commune's list as its office keeps it: title rows, STT, the address and the head's ID
# number (read past, never stored), phones written every way.
HOUSEHOLDS = """DANH SÁCH HỘ GIA ĐÌNH XÃ HÀ BẮC
,,,,,,,
STT,Mã thôn,Thôn/Tổ dân phố,Mã hộ,Chủ hộ,Số điện thoại,Địa chỉ,Số CCCD chủ hộ,Ngày sinh
1,T1,Thôn Đông,HB-001,Nguyễn Văn Ba,"0912 000 001, 0987 111 222",Xóm Giữa số 7,031099001234,01/02/1980
2,T1,Thôn Đông,HB-002,Lê Văn Bảy,0987111333;0987111334,Xóm Giữa số 9,031099001235,03/04/1975
3,T2,Thôn Đoài,HB-003,Phạm Thị Năm,+84 912 000 003,Ngõ 2,031099001236,05/06/1985
4,T2,Thôn Đoài,HB-004,Vũ Thị Mười,,Ngõ 4,031099001237,07/08/1950
5,T2,Thôn Đoài,HB-005,Đỗ Văn Sáu,0912000004 0987111335,Ngõ 6,031099001238,09/10/1982
"""


def run(text: str, **kwargs):
    kwargs.setdefault("today", TODAY)
    return import_roster(db.session, text.encode(), "ds.csv", **kwargs)


def ok(text: str, **kwargs):
    report = run(text, **kwargs)
    assert report.ok, [str(e) for e in report.errors]
    return report


def messages(report) -> list[str]:
    return [str(error) for error in report.errors]


def unit_id(code: str) -> int:
    return db.session.scalar(select(Unit.id).where(Unit.code == code))


def listed() -> dict[str, tuple]:
    """code -> (unit, village code, village name, head, phones, matched family's guardians)."""
    out = {}
    rows = db.session.execute(
        select(ListedHousehold, Village, Unit.code)
        .join(Village, Village.id == ListedHousehold.village_id)
        .join(Unit, Unit.id == Village.unit_id))
    for household, village, unit in rows:
        family = None
        if household.household_id is not None:
            family = tuple(sorted(db.session.scalars(select(User.phone).where(
                User.household_id == household.household_id, User.phone.is_not(None)))))
        out[household.code] = (unit, village.code, village.name, household.head_name, household.phones,
                               family)
    return out


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def commune(app, factory):
    ok(UNITS)
    ok(SCHOOLS)
    ok(PUPILS)
    units = {u.code: u.id for u in db.session.scalars(select(Unit))}
    for username, role, code in (("xa.hb", "ward_admin", "X-HB"), ("xa.al", "ward_admin", "X-AL"),
                                 ("thanhpho", "city_admin", "HP")):
        factory.user(role, username=username).unit_id = units[code]
    school = db.session.scalar(select(School).where(School.code == "TH-HB"))
    factory.user("school_admin", username="hieutruong", school=school)
    factory.commit()
    return units


# --- the import's contract ----------------------------------------------------------------------


def test_a_communes_list_is_imported_with_its_villages_and_nothing_else(commune):
    report = ok(HOUSEHOLDS, unit_code="X-HB")
    assert (report.kind, report.created, report.updated, report.unchanged) == ("households", 5, 0, 0)
    assert report.ignored == ["STT", "Địa chỉ", "Số CCCD chủ hộ", "Ngày sinh"]
    assert "thêm thôn T1 Thôn Đông (X-HB)" in report.details
    assert "thêm hộ HB-001 Nguyễn Văn Ba (T1, 2 số điện thoại)" in report.details
    assert report.summary() == ("Danh sách hộ gia đình theo thôn, tổ dân phố: thêm mới 5, cập nhật 0, "
                                "không đổi 0.")
    found = listed()
    assert found["HB-001"][:5] == ("X-HB", "T1", "Thôn Đông", "Nguyễn Văn Ba", "0912000001, 0987111222")
    assert found["HB-002"][4] == "0987111333, 0987111334"
    assert found["HB-003"][:5] == ("X-HB", "T2", "Thôn Đoài", "Phạm Thị Năm", "0912000003")
    assert found["HB-004"][4] == ""
    assert count(Village) == 2
    for needle in ("Xóm Giữa", "031099001234", "1980"):
        assert stored_anywhere(needle) == []


def test_english_headers_and_the_usual_names_of_a_phone_and_a_name_column(commune):
    ok("unit_code,village_code,village_name,household_code,head_name,phones\n"
       "X-HB,T1,Thôn Đông,HB-001,Nguyễn Văn Ba,0912000001\n")
    # "Họ và tên" is the head's name, "Số điện thoại" the members' phones; "Mã xóm", "Xóm", "Mã hộ
    # gia đình" are other names of the village's and the household's columns.
    report = ok("Mã xóm,Xóm,Mã hộ gia đình,Họ và tên,SĐT\nT3,Xóm Trại,HB-010,Lê Thị Mai,0987000010\n",
                unit_code="X-HB")
    assert report.created == 1
    assert listed()["HB-010"][:5] == ("X-HB", "T3", "Xóm Trại", "Lê Thị Mai", "0987000010")


def test_every_bad_row_is_reported_by_its_spreadsheet_row_and_nothing_is_stored(commune):
    report = run(
        "Danh sách hộ\n"
        "Mã đơn vị,Mã thôn,Thôn,Mã hộ,Chủ hộ,Số điện thoại\n"
        "X-HB,T1,Thôn Đông,HB-001,Nguyễn Văn Ba,0912000001\n"  # row 3: fine
        "X-HB,T1,Thôn Đông,HB-002,,0987111333\n"  # row 4: no head
        "X-HB,T1,Thôn Đông,HB-003,Lê Văn Bảy,12345\n"  # row 5: not a phone
        "X-HB,T1,Thôn Đông,HB-001,Trần Văn Chín,\n"  # row 6: the code of row 3
        "X-HB,T1,Thôn Đông Mới,HB-004,Vũ Thị Mười,\n"  # row 7: T1 named otherwise
        "X-HB,T2,Thôn Đoài,HB-005,Đỗ Văn Sáu,0912 000 001\n"  # row 8: row 3's phone
        "X-XX,T2,Thôn Đoài,HB-006,Hà Văn Tám,\n"  # row 9: no such unit
        "HP,T2,Thôn Đoài,HB-007,Hà Văn Chín,\n"  # row 10: the city
        "X-HB,,Thôn Đoài,,Hà Văn Mười,\n"  # row 11: no village code, no household code
    )
    assert messages(report) == [
        "Dòng 4: thiếu Chủ hộ",
        "Dòng 5: Số điện thoại không hợp lệ: “12345” (mỗi số 10 chữ số, ví dụ 0912345678; nhiều số "
        "cách nhau bằng dấu phẩy hoặc dấu chấm phẩy)",
        "Dòng 6: Mã hộ HB-001 trùng với dòng 3",
        "Dòng 7: Mã thôn T1 đã ghi tên “Thôn Đông” ở dòng 3",
        "Dòng 8: Số điện thoại 0912000001 trùng với dòng 3",
        "Dòng 9: không có phường/xã mã X-XX",
        "Dòng 10: HP là thành phố/tỉnh, không phải phường/xã",
        "Dòng 11: thiếu Mã thôn",
        "Dòng 11: thiếu Mã hộ",
    ]
    assert report.summary().endswith("9 lỗi, không lưu thay đổi nào.")
    assert (count(Village), count(ListedHousehold)) == (0, 0)


def test_a_column_on_no_list_is_refused(commune):
    report = run("Mã thôn,Thôn,Mã hộ,Chủ hộ,SĐT của con\nT1,Thôn Đông,HB-001,Nguyễn Văn Ba,0912000001\n",
                 unit_code="X-HB")
    assert len(report.errors) == 1 and report.errors[0].row == 1
    assert "cột “SĐT của con” không thuộc mẫu danh sách hộ gia đình" in str(report.errors[0])
    assert count(ListedHousehold) == 0


def test_importing_again_changes_nothing_and_a_new_list_updates_by_code(commune):
    ok(HOUSEHOLDS, unit_code="X-HB")
    again = ok(HOUSEHOLDS, unit_code="X-HB")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    before = listed()
    assert ok(HOUSEHOLDS, unit_code="X-HB", dry_run=True).unchanged == 5 and listed() == before

    # Next year's list: T2 renamed, HB-002 moved to T2 with a new head and one phone less,
    # HB-006 new, HB-003..HB-005 not listed (kept).
    report = ok("Mã thôn,Thôn,Mã hộ,Chủ hộ,Số điện thoại\n"
                "T1,Thôn Đông,HB-001,Nguyễn Văn Ba,0912000001; 0987111222\n"
                "T2,Thôn Đoài Mới,HB-002,Lê Thị Tám,0987111334\n"
                "T2,Thôn Đoài Mới,HB-006,Hà Văn Một,0987111333\n", unit_code="X-HB")
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    assert "cập nhật thôn T2: tên “Thôn Đoài” → “Thôn Đoài Mới”" in report.details
    assert ("cập nhật hộ HB-002 Lê Thị Tám: chuyển từ T1 sang T2, chủ hộ “Lê Văn Bảy” → “Lê Thị Tám”, "
            "1 số điện thoại") in report.details
    found = listed()
    assert found["HB-002"][1:5] == ("T2", "Thôn Đoài Mới", "Lê Thị Tám", "0987111334")
    assert found["HB-006"][4] == "0987111333"  # HB-002 gave it up in the same file
    assert found["HB-004"][2] == "Thôn Đoài Mới" and len(found) == 6
    assert count(Village) == 2


def test_a_phone_already_on_a_household_the_file_leaves_alone_is_an_error(commune):
    ok(HOUSEHOLDS, unit_code="X-HB")
    report = run("Mã thôn,Thôn,Mã hộ,Chủ hộ,Số điện thoại\nT3,Thôn Bắc,HB-009,Lý Văn Tư,0987111333\n",
                 unit_code="X-HB")
    assert messages(report) == ["Dòng 2: số điện thoại 0987111333 đã có ở hộ HB-002 (Lê Văn Bảy): sửa hộ "
                                "đó trong tệp, hoặc bỏ số này"]
    assert "HB-009" not in listed()
    # Another commune's list may hold the same phone (a person listed where they live and
    # where they work, say): phones are one household's within a unit.
    ok("Mã thôn,Thôn,Mã hộ,Chủ hộ,Số điện thoại\nT1,Thôn Nam,AL-001,Lý Văn Tư,0987111333\n",
       unit_code="X-AL")


def test_the_unit_of_rows_without_a_unit_code(commune):
    with pytest.raises(RosterError, match="Có 2 phường/xã"):
        run(HOUSEHOLDS)
    with pytest.raises(RosterError, match="HP là thành phố/tỉnh"):
        run(HOUSEHOLDS, unit_code="HP")
    # A unit admin's file goes to their own unit.
    report = ok(HOUSEHOLDS, unit_ids=frozenset({commune["X-AL"]}))
    assert report.created == 5 and {row[0] for row in listed().values()} == {"X-AL"}


def test_a_unit_admin_cannot_import_another_units_households(commune):
    report = run("Mã đơn vị,Mã thôn,Thôn,Mã hộ,Chủ hộ\n"
                 "X-AL,T1,Thôn Nam,AL-001,Lý Văn Tư\n"
                 "X-HB,T1,Thôn Đông,HB-001,Nguyễn Văn Ba\n", unit_ids=frozenset({commune["X-AL"]}))
    assert messages(report) == ["Dòng 3: phường/xã X-HB không thuộc phường/xã của bạn"]
    assert count(ListedHousehold) == 0
    with pytest.raises(RosterError, match="X-HB không thuộc phường/xã của bạn"):
        run(HOUSEHOLDS, unit_code="X-HB", unit_ids=frozenset({commune["X-AL"]}))
    with pytest.raises(RosterError, match="Chỉ Ủy ban phường/xã mới nhập được danh sách hộ gia đình"):
        run(HOUSEHOLDS, only_school_code="TH-HB")


def upload(browser, text: str):
    return browser.post("/admin/roster", {"file": (io.BytesIO(text.encode()), "ho.csv"), "dry_run": ""},
                        content_type="multipart/form-data")


def test_the_upload_page_imports_a_list_into_the_admins_own_unit(commune, make_browser):
    office = make_browser()
    office.login("xa.hb")
    page = page_text(office.get("/admin/").get_data(as_text=True))
    assert t("Villages") in page
    done = upload(office, HOUSEHOLDS)
    assert done.status_code == 200
    result = page_text(done.get_data(as_text=True))
    ignored = "STT, Địa chỉ, Số CCCD chủ hộ, Ngày sinh"
    assert t("Columns ignored (not saved): %(columns)s", columns=ignored) in result
    assert t("%(c)s new, %(u)s updated, %(n)s unchanged.", c=5, u=0, n=0) in result
    assert {row[0] for row in listed().values()} == {"X-HB"}
    principal = make_browser()
    principal.login("hieutruong")
    refused = upload(principal, HOUSEHOLDS)
    assert refused.status_code == 400 and len(listed()) == 5


# --- matching families to listed households ----------------------------------------------------


def test_the_import_matches_families_by_any_guardians_phone(commune):
    report = ok(HOUSEHOLDS, unit_code="X-HB")
    assert "3 hộ khớp với gia đình học sinh (theo số điện thoại)" in report.details
    found = listed()
    # An's family by the father's phone (the mother's is not listed); Bình's by her mother's;
    # Cúc's though Cúc goes to school in the other commune.
    assert found["HB-001"][5] == ("0912000001", "0912000002")
    assert found["HB-003"][5] == ("0912000003",)
    assert found["HB-005"][5] == ("0912000004",)
    assert found["HB-002"][5] is None and found["HB-004"][5] is None
    # Idempotent: matching again changes nothing; the lead's figures read the same rows.
    again = match_households(db.session, commune["X-HB"])
    assert (again.matched, again.changed) == (3, 0)
    rows = db.session.execute(listed_households({commune["X-HB"]})).all()
    assert len(rows) == 5 and sum(row.household_id is not None for row in rows) == 3
    assert db.session.execute(listed_households({commune["X-AL"]})).all() == []


def test_a_guardian_imported_later_is_matched(commune):
    ok(HOUSEHOLDS, unit_code="X-HB")
    assert listed()["HB-002"][5] is None
    # Lê Văn Bảy's grandchild joins the school: the guardian import matches the family.
    ok("Mã trường,Lớp,Khối,Họ và tên,Ngày sinh,Mã học sinh,Họ tên phụ huynh,Số điện thoại phụ huynh\n"
       "TH-HB,1A,1,Lê Văn Nhỏ,02/03/2019,HS004,Lê Văn Bảy,0987 111 334\n")
    assert listed()["HB-002"][5] == ("0987111334",)


def test_a_parent_who_pairs_is_matched(commune, make_browser, factory):
    ok(HOUSEHOLDS + "6,T2,Thôn Đoài,HB-006,Hồ Thị Hai,0987000777,Ngõ 8,,\n", unit_code="X-HB")
    ok("Mã trường,Lớp,Khối,Họ và tên,Ngày sinh,Mã học sinh\nTH-HB,1A,1,Hồ Văn Út,02/03/2019,HS005\n")
    from lms.people.codes import issue_code

    # A child with no guardian on the school's list: the mother pairs with a listed phone.
    ut = db.session.scalar(select(User).where(User.student_code == "HS005"))
    code = issue_code(db.session, "pairing", ut, None, 30)
    db.session.commit()
    assert listed()["HB-006"][5] is None
    assert signup(make_browser(), code, phone="0987 000 777", name="Hồ Thị Hai").status_code == 302
    assert listed()["HB-006"][5] == ("0987000777",)

    pupil = db.session.scalar(select(User).where(User.student_code == "HS002"))
    code = issue_code(db.session, "pairing", pupil, None, 30)
    db.session.commit()
    # Bình's father, not on the school's list, is listed in Lê Văn Bảy's household (HB-002);
    # Bình's family is already HB-003's, so HB-002 stays unmatched: one family, one household.
    parent = make_browser()
    assert signup(parent, code, phone="0987111333", name="Lê Văn Bảy").status_code == 302
    found = listed()
    assert found["HB-003"][5] == ("0912000003", "0987111333") and found["HB-002"][5] is None

    # Bình's mother becomes An's guardian too: the two families merge into hers, An's row
    # goes, and with it HB-001's match (the foreign key); matching again keeps the merged
    # family where it was, HB-003: one family, one listed household.
    an = db.session.scalar(select(User).where(User.student_code == "HS001"))
    mother = db.session.scalar(select(User).where(User.phone == "0912000003"))
    link_guardian(db.session, mother, an)
    db.session.commit()
    assert listed()["HB-001"][5] is None
    assert match_households(db.session, commune["X-HB"]).matched == 3  # HB-003, HB-005, HB-006
    db.session.commit()
    found = listed()
    assert found["HB-003"][5] == ("0912000001", "0912000002", "0912000003", "0987111333")
    assert found["HB-001"][5] is None and found["HB-005"][5] == ("0912000004",)


def test_a_listed_household_with_two_families_phones_takes_the_one_sharing_most(commune):
    ok("Mã thôn,Thôn,Mã hộ,Chủ hộ,Số điện thoại\n"
       "T1,Thôn Đông,HB-100,Nguyễn Văn Ba,0912000003 0912000001 0912000002\n", unit_code="X-HB")
    assert listed()["HB-100"][5] == ("0912000001", "0912000002")
    assert count(Guardianship) == 4  # the families are as they were


# --- the villages page ----------------------------------------------------------------------------


def test_the_unit_admin_sees_their_villages_with_the_households_listed_and_matched(commune, make_browser):
    ok(HOUSEHOLDS, unit_code="X-HB")
    office = make_browser()
    office.login("xa.hb")
    home = office.get("/admin/villages")
    assert (home.status_code, home.location) == (302, f"/admin/units/{commune['X-HB']}/villages")
    page = page_text(office.get(home.location).get_data(as_text=True))
    assert t("Villages of %(unit)s", unit="Xã Hà Bắc") in page
    assert t("%(listed)s households on the village lists; %(matched)s of them are matched to a pupil's "
             "family by phone.", listed=5, matched=3) in page
    assert "Thôn Đoài T2 3 2" in page and "Thôn Đông T1 2 1" in page
    assert "Nguyễn Văn Ba" not in page  # figures, no one's name
    other = make_browser()
    other.login("xa.al")
    assert other.get(f"/admin/units/{commune['X-HB']}/villages").status_code == 403
    empty = page_text(other.get("/admin/villages", follow_redirects=True).get_data(as_text=True))
    assert t("Villages of %(unit)s", unit="Xã An Lão") in empty and "Thôn Đông" not in empty


def test_the_city_admin_chooses_any_unit_and_others_are_kept_out(commune, make_browser):
    ok(HOUSEHOLDS, unit_code="X-HB")
    city = make_browser()
    city.login("thanhpho")
    page = page_text(city.get("/admin/villages").get_data(as_text=True))
    assert "Xã Hà Bắc X-HB 5" in page and "Xã An Lão X-AL 0" in page
    assert city.get(f"/admin/units/{commune['X-HB']}/villages").status_code == 200
    assert city.get(f"/admin/units/{commune['HP']}/villages").status_code == 404
    assert city.get("/admin/units/999999/villages").status_code == 404
    principal = make_browser()
    principal.login("hieutruong")
    assert principal.get("/admin/villages").status_code == 403
    assert principal.get(f"/admin/units/{commune['X-HB']}/villages").status_code == 403
    anonymous = make_browser().get(f"/admin/units/{commune['X-HB']}/villages")
    assert anonymous.status_code == 302 and "/login" in anonymous.location


@pytest.mark.browser
def test_the_villages_page_reads_at_360_px_without_script(commune, web_app):
    import shutil
    import threading

    from werkzeug.serving import make_server

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    ok(HOUSEHOLDS.replace("Thôn Đông", "Tổ dân phố Đông Hưng Thịnh Vượng"), unit_code="X-HB")
    db.session.commit()
    server = make_server("127.0.0.1", 0, web_app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_context(viewport={"width": 360, "height": 740},
                                       java_script_enabled=False).new_page()
            page.goto(f"{base}/login")
            page.fill("input[name=login]", "xa.hb")
            page.fill("input[name=password]", "correct horse battery")
            page.click("button:has-text('Đăng nhập')")
            page.goto(f"{base}/admin/villages")
            assert page.url.endswith(f"/admin/units/{commune['X-HB']}/villages")
            assert page.locator("td:has-text('Tổ dân phố Đông Hưng Thịnh Vượng')").count() == 1
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            browser.close()
    finally:
        server.shutdown()


# --- the demo -------------------------------------------------------------------------------------


def test_the_demo_commune_lists_its_villages_households_some_of_them_pupils_families(app):
    from lms.content.sync import sync_courses
    from lms.demo import load_demo
    from lms.demo import villages as demo_villages
    from lms.people.villages import villages_of

    report = sync_courses(db.session, Path(__file__).parent.parent / "courses")
    assert not report.problems.errors
    assert load_demo(db.session)["status"] == "loaded"
    commune = db.session.scalar(select(Unit).where(Unit.code == "X-HABAC"))
    if db.session.scalar(select(Village.id).where(Village.unit_id == commune.id)) is None:
        demo_villages.build(db.session, commune)  # until the demo loader calls it
        db.session.commit()
    figures = villages_of(db.session, commune.id)
    assert sorted((f.village.code, f.village.name, f.listed) for f in figures) == [
        ("T1", "Thôn Đông", 18), ("T2", "Thôn Đoài", 16), ("T3", "Thôn Trung", 14), ("T4", "Thôn Bắc", 12)]
    assert sum(f.matched for f in figures) == demo_villages.FAMILIES
    first = db.session.scalar(select(ListedHousehold).where(ListedHousehold.code == "HB-T1-001"))
    ngoc = db.session.scalar(select(User).where(User.phone == demo_villages.README_PARENT))
    assert first.household_id == ngoc.household_id is not None
    assert db.session.scalar(select(func.count()).select_from(Village)) == 4  # the ward has none
