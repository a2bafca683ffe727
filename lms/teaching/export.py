"""The progress matrix as CSV and XLSX: per course, the status (text), the lessons done and the
quiz score (numbers) and the day of completion (a date), each in its own column, so that a
spreadsheet can sort, count and filter them. The pupils are named as the grid names them for
its viewer: a unit or city admin gets "Học sinh chưa có đồng ý" for a pupil without a guardian's
consent, counted in the totals all the same (lms.teaching.matrix, lms.people.consent)."""

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from lms.formatting import local
from lms.spreadsheets import append_row, csv_download, sheet_title, workbook_download
from lms.teaching.matrix import Cell, Matrix


def _status(cell: Cell) -> str:
    words = {"completed": _("completed"), "in_progress": _("in progress"),
             "not_started": _("not started")}
    text = words[cell.status]
    return text + (" · " + _("overdue") if cell.overdue else "")


def _score(cell: Cell) -> int | float | None:
    if cell.score is None:
        return None
    return int(cell.score) if float(cell.score).is_integer() else round(cell.score, 1)


def _header(grid: Matrix) -> list:
    header = [_("Pupil")]
    for a in grid.assignments:
        totals = {grid.cell(p, a).lessons_total for p in grid.pupils}
        done = _("lessons done")
        if len(totals) == 1:
            done = _("lessons done (of %(n)s)", n=totals.pop())
        title = a.course.title
        header += [f"{title}: {_('status')}", f"{title}: {done}", f"{title}: {_('score (%)')}",
                   f"{title}: {_('completed on')}"]
    return header


def matrix_rows(grid: Matrix) -> list[list]:
    rows = [_header(grid)]
    for pupil in grid.pupils:
        row = [pupil.full_name]
        for a in grid.assignments:
            cell = grid.cell(pupil, a)
            day = local(cell.completed_at).date() if cell.completed_at else None
            row += [_status(cell), cell.lessons_done, _score(cell), day]
        rows.append(row)
    totals = [_("Completed")]
    for a in grid.assignments:
        totals += [grid.completed_count(a), None, None, None]
    rows.append(totals)
    return rows


def matrix_response(grid: Matrix, fmt: str):
    name = f"tien-do-{grid.classroom.name}-{grid.classroom.school_year}"
    rows = matrix_rows(grid)
    if fmt == "csv":
        return csv_download(rows, f"{name}.csv")
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title(grid.classroom.name) or "Lop"
    append_row(sheet, rows[0], bold=True, wrap=True)
    for row in rows[1:-1]:
        append_row(sheet, row)
    append_row(sheet, rows[-1], bold=True)
    sheet.column_dimensions["A"].width = 28
    for column in range(2, len(rows[0]) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 16
    sheet.freeze_panes = "B2"
    return workbook_download(book, f"{name}.xlsx")
