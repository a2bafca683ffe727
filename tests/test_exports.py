"""Every download (the class matrix, the coverage report on the web and from the CLI): text
that looks like a formula comes out inert, numbers and dates stay numbers and dates, the file
name is safe and nothing is kept in a cache (issue 13 items 1-2, issue 16 items 10 and 18)."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from lms.campaign import summary
from lms.extensions import db
from lms.models import Assignment, Campaign, Completion, Course, LessonProgress
from lms.models.base import today_in_vietnam
from lms.spreadsheets import Percent, append_row, csv_bytes, safe_filename, safe_text

# OWASP's CSV injection starters, and one that Vietnamese Excel (fields split on ";") would
# read as a second cell holding a formula.
PAYLOADS = ['=HYPERLINK("http://127.0.0.1/x","click")', "+1+1", "-2+3", "@SUM(1)",
            "\t=1+2", "\r=1+3"]
SPLIT = "Nam;=1+4"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_cells(raw: bytes) -> list[list[str]]:
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def assert_csv_inert(rows: list[list[str]], names: list[str]) -> None:
    cells = [c for row in rows for c in row]
    assert not [c for c in cells if c.startswith(TRIGGERS)]
    for name in names:
        assert "'" + name in cells, name
    assert "Nam;'=1+4" in cells


def assert_xlsx_inert(book, names: list[str]) -> list:
    """Every cell written as a value (no formula anywhere); the payloads as string cells."""
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value.replace("\n", "\r"): c for c in cells if isinstance(c.value, str)}
    for name in names:  # XML reads a lone carriage return back as a line feed
        cell = texts.get("'" + name)
        assert cell is not None and cell.data_type == "s", name
    assert not [v for v in texts if v.startswith(TRIGGERS)]
    return cells


def assert_no_store(response) -> None:
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


# --- the class matrix -------------------------------------------------------------------------

@pytest.fixture
def matrix_class(app, courses, factory):
    school = factory.school(name="@SUM(2)")
    teacher = factory.user("teacher", username="gv.x", school=school)
    room = factory.classroom(school, name='=1+1 Lớp "6/1"', grade=6, teacher=teacher)
    pupils = [factory.pupil(room, name=n) for n in [*PAYLOADS, SPLIT, "Trần\x01 Văn An"]]
    course = db.session.scalar(select(Course).where(Course.slug == "quiz-course"))
    course.title = "-Khóa âm"  # a course title is text like any other
    db.session.add(Assignment(classroom_id=room.id, course_id=course.id, teacher_id=teacher.id))
    for pupil, count in ((pupils[0], 2), (pupils[1], 3)):
        for lesson in course.lessons[:count]:
            db.session.add(LessonProgress(user_id=pupil.id, lesson_id=lesson.id,
                                          course_id=course.id))
    db.session.add(Completion(user_id=pupils[1].id, course_id=course.id, score=80.0,
                              completed_at=datetime(2026, 10, 16, 20, 0)))  # 17/10 in Hà Nội
    factory.commit()
    return room


def test_matrix_csv_is_inert_with_numbers_and_an_iso_date(browser, matrix_class):
    assert browser.login("gv.x").status_code == 302
    response = browser.get(f"/teach/classes/{matrix_class.id}/matrix.csv")
    assert_no_store(response)
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="tien-do-1-1-Lop-6-1-2025-2026.csv"'
    rows = csv_cells(response.get_data())
    assert_csv_inert(rows, PAYLOADS)
    assert rows[0][1].startswith("'-Khóa âm: ")
    by_name = {r[0]: r[1:] for r in rows}
    assert by_name["'" + PAYLOADS[0]][1] == "2"  # lessons done
    assert by_name["'+1+1"][1:] == ["3", "80", "2026-10-17"]  # lessons done, score, date
    assert "Trần Văn An" in by_name  # a control character XLSX cannot hold is dropped


def test_matrix_xlsx_has_string_cells_numbers_and_date_cells(browser, matrix_class):
    assert browser.login("gv.x").status_code == 302
    response = browser.get(f"/teach/classes/{matrix_class.id}/matrix.xlsx")
    assert_no_store(response)
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="tien-do-1-1-Lop-6-1-2025-2026.xlsx"'
    book = load_workbook(io.BytesIO(response.get_data()))
    assert_xlsx_inert(book, PAYLOADS)
    sheet = book.active
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    status, done, score, day = rows["'+1+1"][1:5]
    assert status.data_type == "s" and status.value == "đã hoàn thành"
    assert (done.data_type, done.value) == ("n", 3)
    assert (score.data_type, score.value) == ("n", 80)
    assert day.is_date and day.value == datetime(2026, 10, 17)
    assert day.number_format == "DD/MM/YYYY"
    assert sheet.cell(row=sheet.max_row, column=2).value == 1  # how many completed


# --- the coverage report: web and CLI ---------------------------------------------------------

@pytest.fixture
def report_world(app, courses, factory):
    factory.unit(name="=Phường")
    schools = [factory.school(code=f"S{n}", name=name) for n, name in enumerate([*PAYLOADS,
                                                                                 SPLIT])]
    schools.append(factory.school(code="-5", name="Trường số âm"))
    room = factory.classroom(schools[0], name="3A", grade=3)
    pupil = factory.pupil(room, password=None)
    course = db.session.scalar(select(Course).where(Course.slug == "quiz-course"))
    today = today_in_vietnam()
    db.session.add(Completion(user_id=pupil.id, course_id=course.id, score=100.0,
                              completed_at=datetime.combine(today, datetime.min.time())))
    db.session.flush()
    summary.refresh_user(db.session, pupil.id)
    db.session.add(Campaign(unit_id=factory.unit().id, name="+Chiến dịch",
                            starts_on=today - timedelta(days=10),
                            ends_on=today + timedelta(days=50)))
    factory.user("ward_admin", username="phuong")
    factory.commit()
    return schools


def check_report_csv(raw: bytes) -> None:
    rows = csv_cells(raw)
    assert_csv_inert(rows, PAYLOADS)
    assert rows[0][0].startswith("'+Chiến dịch")
    by_name = {r[1]: r for r in rows[2:]}
    first = by_name["'" + PAYLOADS[0]]
    assert first[0] == "S0" and first[2:5] == ["1", "1", "100.0"]  # covered, population, %
    assert by_name["Trường số âm"][0] == "'-5"  # a code is text


def check_report_xlsx(raw: bytes) -> None:
    book = load_workbook(io.BytesIO(raw))
    assert_xlsx_inert(book, [*PAYLOADS, "=Phường"])
    sheet = book.worksheets[0]
    assert sheet["A1"].value == "'=Phường" and sheet["A1"].data_type == "s"
    rows = {r[1].value: r for r in sheet.iter_rows(min_row=6)}
    first = rows["'" + PAYLOADS[0]]
    assert [(c.data_type, c.value) for c in first[2:5]] == [("n", 1), ("n", 1), ("n", 1.0)]
    assert "%" in first[4].number_format
    assert rows["Trường số âm"][0].value == "'-5"


def test_report_downloads_are_inert_typed_and_not_cached(browser, report_world):
    assert browser.login("phuong").status_code == 302
    page = browser.get("/dashboard/").get_data(as_text=True)
    assert "CSV (cho phần mềm khác, phân cách bằng dấu phẩy)" in page
    csv_response = browser.get("/dashboard/report.csv")
    assert_no_store(csv_response)
    check_report_csv(csv_response.get_data())
    xlsx_response = browser.get("/dashboard/report.xlsx")
    assert_no_store(xlsx_response)
    check_report_xlsx(xlsx_response.get_data())
    json_response = browser.get("/dashboard/report.json")
    assert_no_store(json_response)
    assert PAYLOADS[0] in [s["name"] for s in json_response.get_json()["schools"]]  # data as is
    for response, ext in ((csv_response, "csv"), (xlsx_response, "xlsx"), (json_response, "json")):
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="bao-cao-binh-dan-hoc-vu-so-{today_in_vietnam()}.{ext}"')


def test_report_cli_files_are_inert_and_typed(runner, report_world, tmp_path):
    for fmt, check in (("csv", check_report_csv), ("xlsx", check_report_xlsx)):
        out = tmp_path / f"bao-cao.{fmt}"
        result = runner.invoke(args=["report", "coverage", "--format", fmt, "--output", str(out)])
        assert result.exit_code == 0, result.output
        check(out.read_bytes())
    result = runner.invoke(args=["report", "coverage", "--format", "csv"])
    assert result.exit_code == 0, result.output
    check_report_csv(("\ufeff" + result.stdout.rstrip("\n")).encode("utf-8"))


# --- pages of personal data are not cached either ---------------------------------------------

def test_cards_letters_and_print_page_are_not_cached(browser, matrix_class):
    assert browser.login("gv.x").status_code == 302
    base = f"/teach/classes/{matrix_class.id}"
    for response in (browser.post(f"{base}/cards", follow_redirects=True),
                     browser.post(f"{base}/letters", follow_redirects=True),
                     browser.get(f"{base}/print")):
        assert_no_store(response)
        assert response.mimetype == "text/html"
        assert SPLIT in response.get_data(as_text=True)  # the pupils' names are on it


# --- the cell writer itself -------------------------------------------------------------------

def test_numbers_stay_numbers_and_only_text_is_neutralised():
    row = [-5, -2.5, "-5", Percent(-1.5), date(2026, 10, 17), None, "", "An, -1", "Bình"]
    assert csv_cells(csv_bytes([row])) == [
        ["-5", "-2.5", "'-5", "-1.5", "2026-10-17", "", "", "An, '-1", "Bình"]]
    sheet = Workbook().active
    append_row(sheet, row)
    cells = list(sheet[1])
    assert [(c.data_type, c.value) for c in cells[:4]] == [
        ("n", -5), ("n", -2.5), ("s", "'-5"), ("n", -0.015)]
    assert cells[4].is_date and cells[5].value is None and cells[6].value is None
    with pytest.raises(TypeError):
        csv_bytes([[datetime(2026, 10, 17)]])  # a UTC time would show the wrong day


@pytest.mark.parametrize("name, expected", [
    ('Lớp "6/1"\r\nX-Injected: 1', "Lop-6-1-X-Injected-1"),
    ("Đội Sao đỏ.xlsx", "Doi-Sao-do.xlsx"),
    ("../../etc/passwd", "etc-passwd"),
    ("", "tai-xuong"),
])
def test_filenames_are_plain_ascii(name, expected):
    assert safe_filename(name) == expected


def test_safe_text_leaves_ordinary_names_alone():
    for name in ("Nguyễn Văn An", "Trường THCS Yên Bình", "3A", "Lê Thị Chi (lớp 6/1)"):
        assert safe_text(name) == name
