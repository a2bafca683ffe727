"""Roster files beyond the limits, broken quotes, implausible dates of birth, and the import's
transactions: a dry run takes no write lock, a real import writes in one short transaction."""

import io
import sqlite3
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from lms.db_setup import writing
from lms.extensions import db
from lms.models import Household, School, Unit, User
from lms.people.roster import RosterError, import_roster, read_rows
from lms.people.roster import files as roster_files

ROSTERS = Path(__file__).parent / "data" / "rosters"
TODAY = date(2025, 11, 22)  # school year 2025-2026
HEADER = "school_code,class,grade,full_name,date_of_birth,student_code,guardian1_name,guardian1_phone\n"


def run(data: bytes, name: str = "hs.csv", **kwargs):
    kwargs.setdefault("today", TODAY)
    return import_roster(db.session, data, name, **kwargs)


@pytest.fixture
def schools(app):
    assert run((ROSTERS / "schools.csv").read_bytes(), "schools.csv").errors == []


def pupils() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.role == "pupil"))


# --- item 6: an unclosed quote ---------------------------------------------------------------


def test_unclosed_quote_is_a_row_error_not_a_swallowed_row(app, schools):
    data = (HEADER
            + "TH01,3A,3,Nguyễn Văn An,05/09/2016,HS001,\"Nguyễn Văn Bình,0912345678\n"
            + "TH01,3A,3,Lê Thị Bích,20/01/2016,HS002,Lê Văn Dũng,0903111222\n"
            + "TH01,3A,3,Trần Minh Châu,02/02/2016,HS003,\"Trần Văn Đức\",0903111223\n").encode()
    with pytest.raises(RosterError, match=r"^Dòng 2, cột G: ô có dấu ngoặc kép “\"” mở mà không đóng"):
        run(data)
    assert pupils() == 0


def test_quote_left_open_to_the_end_of_a_long_file(app, schools):
    rows = "".join(f"TH01,3A,3,Học Sinh {i},05/09/2016,HS{i:04},,\n" for i in range(10, 3000))
    data = (HEADER + "TH01,3A,3,Nguyễn Văn An,05/09/2016,HS0001,\"Nguyễn Văn Bình,0912345678\n" + rows)
    with pytest.raises(RosterError, match="Dòng 2.*ngoặc kép"):
        run(data.encode())
    assert pupils() == 0


# --- item 7: dates of birth far from the grade -----------------------------------------------


def test_date_of_birth_far_from_the_grade_is_a_row_error(app, schools):
    data = (HEADER
            + "TH01,3A,3,Nguyễn Văn An,10000,HS001,,\n"  # an Excel serial: 18/05/1927
            + "TH01,3A,3,Lê Thị Bích,01/01/2021,HS002,,\n"
            + "TH01,3A,3,Trần Minh Châu,31/12/2014,HS003,,\n"
            + "TH01,3A,3,Phạm Thu Dung,01/01/2018,HS004,,\n").encode()
    report = run(data)
    assert [str(error) for error in report.errors] == [
        "Dòng 2: Ngày sinh 18/05/1927 không hợp với khối 3 năm học 2025-2026: học sinh khối 3 "
        "sinh trong các năm 2014–2018",
        "Dòng 3: Ngày sinh 01/01/2021 không hợp với khối 3 năm học 2025-2026: học sinh khối 3 "
        "sinh trong các năm 2014–2018",
    ]
    assert pupils() == 0
    assert run(data, school_year="2026-2027").errors[0].message.endswith("2015–2019")


# --- item 5: limits ---------------------------------------------------------------------------


def _xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _with_part(data: bytes, part: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
        target.writestr(part, content)
    return out.getvalue()


def test_xlsx_with_a_huge_cell_is_refused_before_it_is_expanded(monkeypatch):
    data = _xlsx([["school_code", "name", "level"], ["TH01", "x", "thcs"]])
    huge = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>' \
        + b"A" * (40 * 1024 * 1024) + b"</t></si></sst>"
    bomb = _with_part(data, "xl/sharedStrings.xml", huge)
    assert len(bomb) < 200_000
    loaded = []
    monkeypatch.setattr("openpyxl.load_workbook", lambda *a, **k: loaded.append(1))
    with pytest.raises(RosterError, match="xl/sharedStrings.xml” giải nén ra 40 MB"):
        read_rows(bomb, "truong.xlsx")
    assert loaded == []  # refused from the zip's directory, before openpyxl


def test_long_cells_wide_rows_and_too_many_rows_are_refused(monkeypatch):
    with pytest.raises(RosterError, match=r"Dòng 2, cột B: ô dài 2\.000 ký tự, quá giới hạn 1\.000"):
        read_rows(f"school_code,name,level\nTH01,{'x' * 2000},thcs\n".encode(), "truong.csv")
    with pytest.raises(RosterError, match="Dòng 2 có dữ liệu ở quá 30 cột"):
        read_rows(_xlsx([["school_code", "name", "level"], ["TH01"] + [None] * 35 + ["x"]]), "t.xlsx")
    monkeypatch.setattr(roster_files, "MAX_ROWS", 5)
    rows = "".join(f"TH{i},Trường {i},thcs\n\n" for i in range(5))
    assert len(read_rows(f"school_code,name,level\n{rows}".encode(), "t.csv")[1]) == 5
    with pytest.raises(RosterError, match="Tệp có hơn 50.000 dòng"):
        read_rows(f"school_code,name,level\n{rows}TH9,X,thcs\n".encode(), "t.csv")


def test_file_over_the_size_limit_is_refused_by_the_importer():
    with pytest.raises(RosterError, match="quá giới hạn 8 MB"):
        read_rows(b"school_code,name,level\n" + b"\n" * (8 * 1024 * 1024), "truong.csv")


# --- item 4: the transactions ------------------------------------------------------------------


@pytest.fixture
def config_overrides():
    return {"SQLITE_BUSY_TIMEOUT_MS": 300}


def _hold_write_lock(app):
    """Another connection holding SQLite's write lock, as a long request would."""
    path = db.engine.url.database
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_dry_run_takes_no_write_lock(app, schools):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's database-wide write lock")
    db.session.commit()
    other = _hold_write_lock(app)
    try:
        with writing():  # as the command line runs it: every transaction would take the lock
            report = run((ROSTERS / "pupils.csv").read_bytes(), "pupils.csv", dry_run=True)
    finally:
        other.rollback()
        other.close()
    assert report.errors == [] and report.created == 4
    assert pupils() == 0


def test_bulk_write_keeps_households_and_links(app, schools):
    first = (HEADER + "TH01,3A,3,Nguyễn Văn An,05/09/2016,HS001,Nguyễn Văn Bình,0912345678\n"
             + "TH01,3A,3,Lê Thị Bích,20/01/2016,HS002,Lê Văn Dũng,0903111222\n").encode()
    assert run(first).created == 2
    # A new sibling brings both families together through a guardian of each.
    data = (HEADER.replace("\n", ",guardian2_name,guardian2_phone\n")
            + "TH01,3B,3,Nguyễn Văn Cường,01/03/2016,HS003,Nguyễn Văn Bình,0912345678,"
              "Lê Văn Dũng,0903111222\n").encode()
    report = run(data)
    assert (report.created, report.errors) == (1, [])
    people = db.session.scalars(select(User).where(User.role.in_(("pupil", "parent")))).all()
    assert len({person.household_id for person in people}) == 1
    assert db.session.scalar(select(func.count()).select_from(Household)) == 1
    assert db.session.scalar(select(func.count()).select_from(School)) == 4
    again = run(data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_first_schools_dry_run_takes_no_write_lock(app):
    """The first schools file creates the ward: its dry run must not flush that to get an id."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's database-wide write lock")
    other = _hold_write_lock(app)
    try:
        report = run((ROSTERS / "schools.csv").read_bytes(), "schools.csv", dry_run=True)
    finally:
        other.rollback()
        other.close()
    assert report.created == 4 and "thêm phường/xã DEFAULT" in report.details
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 0


def test_data_changed_between_the_check_and_the_write_is_read_again(app, schools, monkeypatch):
    """Someone adds pupil HS002 while the file is checked: the write finds the data version
    moved, reads again, and updates that pupil instead of failing on a duplicate code."""
    import lms.people.roster as roster

    calls = []
    real = roster.read_apart

    def read_then_someone_writes(session, work):
        result = real(session, work)
        if not calls:
            school = db.session.scalar(select(School).where(School.code == "TH01"))
            db.session.add(User(role="pupil", tier="primary", username="hs002", student_code="HS002",
                                full_name="Nguyễn Thị Bích", school_id=school.id))
            db.session.commit()
        calls.append(1)
        return result

    monkeypatch.setattr(roster, "read_apart", read_then_someone_writes)
    report = run((ROSTERS / "pupils.csv").read_bytes(), "pupils.csv")
    assert len(calls) == 2
    assert (report.created, report.updated, report.errors) == (3, 1, [])
    assert db.session.scalar(select(func.count()).select_from(User).where(User.student_code == "HS002")) == 1
