"""Roster import from CSV or XLSX: the city's wards and communes, their schools, pupils
(with their guardians; kindergarten children too), school staff, the units' own officials and
the household lists of their villages.

All or nothing: every row is checked first, against the file and the database, and every
problem is reported with its real spreadsheet row (the header is row 1, or the row below the
title rows of a school-software export); only a file without a single error is stored.
Re-importing the same file changes nothing; an updated file updates units by unit code,
schools by school code, pupils by student code, staff and officials by phone number instead
of duplicating them. Only what the LMS needs is stored -- for children their name, date of
birth, class and school, never ID-card numbers or photos. A pupil list exported by school
software is taken as it is (school_software.py): its title rows, STT and the columns the LMS
does not use (gender, address, ID numbers…) are read past, never stored, and named in the
report; a column on no list is refused.

An import is bounded by the units the importer oversees (unit_ids: a unit admin's own ward or
commune; None for the command line): a row naming a school or unit beyond them is a row
error, and only an import without bounds may change the units themselves.

Plain functions without Flask: the command line (lms.cli_roster) and the admins' upload page
call import_roster with a SQLAlchemy session; it ends that session's transaction, reads in a
session of its own and writes and commits through the caller's.
"""

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.campaign.snapshots import current_version
from lms.models import Unit
from lms.models.base import today_in_vietnam
from lms.people.roster.files import _read_table, read_rows
from lms.people.roster.households import _Households
from lms.people.roster.officials import _Officials
from lms.people.roster.pupil_plan import plan_writes
from lms.people.roster.pupils import _Pupils
from lms.people.roster.schools import OUTSIDE, _Schools, _schools_in_scope, outside
from lms.people.roster.staff import _Staff
from lms.people.roster.table import (
    KIND_LABELS,
    ImportReport,
    RosterError,
    RowError,
    _recognise,
    check_school_year,
)
from lms.people.roster.transactions import end_transaction, read_apart, write_transaction
from lms.people.roster.units import _Units
from lms.people.school_year import school_year_for
from lms.people.villages import match_for_phones

__all__ = [
    "ImportReport",
    "RosterError",
    "RowError",
    "import_roster",
    "read_rows",
    "school_year_for",
]

_IMPORTERS = {
    "units": _Units,
    "schools": _Schools,
    "pupils": _Pupils,
    "staff": _Staff,
    "officials": _Officials,
    "households": _Households,
}
ATTEMPTS = 3  # reads again when someone else changed the data between the check and the write


def import_roster(
    session: Session,
    data: bytes,
    filename: str,
    *,
    dry_run: bool = False,
    school_year: str | None = None,
    unit_code: str | None = None,
    today: date | None = None,
    only_school_code: str | None = None,
    school_code: str | None = None,
    unit_ids: frozenset[int] | None = None,
) -> ImportReport:
    """Check the whole file; if no row has an error, store it and commit. A dry run only
    checks and reports what would change: it writes nothing and takes no write lock. Rows with
    errors are in the report, and nothing is written. Raises RosterError when the file cannot
    be read or is not a roster of a known kind.

    school_code names the school of a pupil list without a school-code column (a principal's is
    only_school_code); when the file has that column, its rows must all name this school.
    unit_code is the ward or commune of the rows without a unit code (schools, officials,
    households) and bounds the schools a pupils or staff file may name. unit_ids bounds the
    units and schools every row may name (None: no bound, the command line); a units file
    needs no bound.

    The file is read and checked in a read transaction of its own (transactions.read_apart),
    then written in one short write transaction, in bulk for pupils: the write lock is held
    for the writing only. If the data changed in between, the check runs again."""
    today = today or today_in_vietnam()
    year = check_school_year(school_year) if school_year else school_year_for(today)
    end_transaction(session)  # a POST's holds the write lock: not while the file is read
    header_row, headers, rows = _read_table(data, filename)
    kind, columns, errors, ignored = _recognise(headers, header_row)
    records = [
        (number, {columns[h]: value for h, value in values.items() if h in columns})
        for number, values in rows
    ]
    chosen = school_code or only_school_code
    records = _school_of_file(kind, columns, records, errors, chosen, check=only_school_code is None)
    named_in_file = "school_code" in columns.values()
    if kind == "units" and (unit_ids is not None or only_school_code is not None):
        raise RosterError(
            "Chỉ quản trị thành phố (hoặc lệnh nhập trên máy chủ) mới nhập được danh sách đơn vị "
            "hành chính: chưa lưu gì."
        )
    if only_school_code is not None:  # a principal imports their own school's people only
        if kind in ("schools", "officials", "households"):
            raise RosterError(f"Chỉ Ủy ban phường/xã mới nhập được {KIND_LABELS[kind]}.")
        for number, record in records:
            code = str(record.get("school_code") or "").strip()
            if code and code.casefold() != only_school_code.casefold():
                errors.append(RowError(number, f"trường {code} không do bạn quản lý"))

    def new_report() -> ImportReport:
        report = ImportReport(kind=kind, dry_run=dry_run, school_year=year if kind == "pupils" else None)
        report.errors.extend(errors)
        report.ignored.extend(ignored)
        return report

    def check(reader: Session):
        report = new_report()
        version = current_version(reader)  # first: a change after it makes the write check again
        bound = _bound(reader, unit_ids)
        if chosen and not named_in_file:  # one message, not one per row
            schools, where = _schools_in_scope(reader, unit_code)
            if chosen.casefold() not in schools:
                raise RosterError(f"Không có trường mã {chosen}{where}: chưa lưu gì.")
            if outside(schools[chosen.casefold()].unit_id, bound):
                raise RosterError(f"Trường {chosen} {OUTSIDE}: chưa lưu gì.")
        importer = _IMPORTERS[kind](reader, report, today, year, unit_code, bound)
        plans = importer.check(records)
        writes = None
        if not report.errors:
            if kind == "pupils":
                writes = plan_writes(importer, plans)
                if not dry_run:
                    writes.prepare(reader)
            else:
                importer.apply(plans)  # counts and details only: this session is never flushed
        report.errors.sort(key=lambda error: error.row)
        return report, version, writes, bound

    for _ in range(ATTEMPTS):
        report, version, writes, bound = read_apart(session, check)
        if report.errors or dry_run:
            return report
        try:
            with write_transaction(session):
                if current_version(session) != version:
                    raise _Changed
                if writes is not None:
                    if not writes.execute(session):
                        raise _Changed
                    match_for_phones(session, writes.guardian_phones)  # families on a village list
                else:  # a few hundred rows (not pupils): checked again under the lock
                    report = new_report()
                    importer = _IMPORTERS[kind](session, report, today, year, unit_code, bound)
                    importer.apply(importer.check(records))
                    if report.errors:
                        raise _Changed
                    session.flush()
                    if kind == "households":
                        importer.match()  # the listed households to the pupils' families
        except (_Changed, IntegrityError):
            continue
        return report
    raise RosterError(
        "Dữ liệu trong hệ thống đang được thay đổi trong lúc nhập (người khác đang nhập hoặc "
        "sửa danh sách): chưa lưu gì. Hãy thử lại sau ít phút."
    )


def _school_of_file(kind, columns, records, errors, chosen: str | None, *, check: bool) -> list:
    """Every row of a file without a school-code column names the chosen school; a file with
    one must name only that school."""
    if kind == "schools" or not chosen:
        if kind == "pupils" and "school_code" not in columns.values():
            raise RosterError(
                "Tệp không có cột Mã trường: hãy chọn trường của danh sách (trên trang nhập "
                "danh sách; khi nhập bằng lệnh: --school MÃ_TRƯỜNG), hoặc thêm cột Mã trường."
            )
        return records
    if "school_code" not in columns.values():
        return [(number, {**record, "school_code": chosen}) for number, record in records]
    for number, record in records if check else ():  # a principal's: checked below
        code = str(record.get("school_code") or "").strip()
        if code and code.casefold() != chosen.casefold():
            errors.append(RowError(number, f"trường {code} không phải trường đã chọn ({chosen})"))
    return records


def _bound(reader: Session, unit_ids: frozenset[int] | None) -> frozenset[int] | None:
    """The units this import may name. An admin of no unit yet may import only into a
    deployment with no ward or commune at all: a single ward's first schools file, which
    creates its unit (lms.people.units: such an admin is then that unit's)."""
    if unit_ids is None or unit_ids:
        return unit_ids
    if reader.scalar(select(Unit.id).where(Unit.kind != "city").limit(1)) is None:
        return None
    raise RosterError(
        "Tài khoản của bạn chưa được gắn với phường/xã nào: chưa nhập được danh sách. Hãy nhờ "
        "quản trị thành phố gắn tài khoản với phường/xã."
    )


class _Changed(Exception):
    """The data changed between the check and the write."""
