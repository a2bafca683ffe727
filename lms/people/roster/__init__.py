"""Roster import: the ward's schools, pupils (with their guardians) and staff from CSV or XLSX.

All or nothing: every row is checked first, against the file and the database, and every
problem is reported with its spreadsheet row (the header is row 1); only a file without a
single error is stored. Re-importing the same file changes nothing; an updated file updates
schools by school code, pupils by student code and staff by phone number instead of
duplicating them. Only what the LMS needs is stored -- for children their name, date of
birth, class and school, never ID-card numbers or photos: unknown columns are refused.

Plain functions without Flask: the command line (lms.cli_roster) and the admins' upload page
call import_roster with a SQLAlchemy session, which it commits (or rolls back on a dry run).
"""

from datetime import date

from sqlalchemy.orm import Session

from lms.models.base import today_in_vietnam
from lms.people.roster.pupils import _Pupils
from lms.people.roster.schools import _Schools
from lms.people.roster.staff import _Staff
from lms.people.roster.table import (
    ImportReport,
    RosterError,
    RowError,
    _read_table,
    _recognise,
    check_school_year,
    read_rows,
)
from lms.people.school_year import school_year_for

__all__ = [
    "ImportReport",
    "RosterError",
    "RowError",
    "import_roster",
    "read_rows",
    "school_year_for",
]

_IMPORTERS = {"schools": _Schools, "pupils": _Pupils, "staff": _Staff}


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
) -> ImportReport:
    """Check the whole file; if no row has an error, store it and commit (on a dry run, do the
    same work and roll it back). Rows with errors are in the report, and nothing is written.
    Raises RosterError when the file cannot be read or is not a roster of a known kind."""
    today = today or today_in_vietnam()
    year = check_school_year(school_year) if school_year else school_year_for(today)
    header_row, headers, rows = _read_table(data, filename)
    kind, columns, errors = _recognise(headers, header_row)
    report = ImportReport(kind=kind, dry_run=dry_run, school_year=year if kind == "pupils" else None)
    report.errors.extend(errors)
    records = [
        (number, {columns[h]: value for h, value in values.items() if h in columns})
        for number, values in rows
    ]
    if only_school_code is not None:  # a principal imports their own school's people only
        if kind == "schools":
            raise RosterError("Chỉ Ủy ban phường/xã mới nhập được danh sách trường.")
        for number, record in records:
            code = str(record.get("school_code") or "").strip()
            if code and code.casefold() != only_school_code.casefold():
                report.errors.append(RowError(number, f"trường {code} không do bạn quản lý"))
    importer = _IMPORTERS[kind](session, report, today, year, unit_code)
    plans = importer.check(records)  # reads only: the caller's session is left as it was
    if report.errors:
        report.errors.sort(key=lambda error: error.row)
        return report
    try:
        importer.apply(plans)
        session.flush()
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except Exception:
        session.rollback()
        raise
    return report
