"""The progress matrix as CSV and XLSX."""

import re

from flask_babel import gettext as _
from openpyxl import Workbook

from lms.formatting import format_day
from lms.spreadsheets import bold_row, csv_response, workbook_response
from lms.teaching.matrix import Matrix


def _cell_text(cell) -> str:
    if cell.status == "completed":
        score = "" if cell.score is None else f" ({cell.score:g}%)"
        return _("completed") + f" {format_day(cell.completed_at)}{score}"
    text = f"{cell.lessons_done}/{cell.lessons_total}" if cell.lessons_done else _("not started")
    return text + (" · " + _("overdue") if cell.overdue else "")


def matrix_rows(grid: Matrix) -> list[list]:
    header = [_("Pupil")] + [a.course.title for a in grid.assignments]
    rows = [header]
    for pupil in grid.pupils:
        rows.append([pupil.full_name] + [_cell_text(grid.cell(pupil, a)) for a in grid.assignments])
    rows.append([_("Completed")] + [grid.completed_count(a) for a in grid.assignments])
    return rows


def matrix_response(grid: Matrix, fmt: str):
    room = re.sub(r"[^A-Za-z0-9]+", "-", grid.classroom.name).strip("-") or "lop"
    name = f"tien-do-{room}-{grid.classroom.school_year}"
    rows = matrix_rows(grid)
    if fmt == "csv":
        return csv_response(rows, f"{name}.csv")
    book = Workbook()
    sheet = book.active
    sheet.title = re.sub(r"[\[\]:*?/\\]", "-", grid.classroom.name)[:31] or "Lop"
    for row in rows:
        sheet.append(row)
    bold_row(sheet, 1)
    sheet.column_dimensions["A"].width = 28
    return workbook_response(book, f"{name}.xlsx")
