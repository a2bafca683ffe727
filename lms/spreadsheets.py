"""Every CSV and XLSX download writes its cells here, and every download (those and the JSON
report) is answered by `download()`.

A row is a list of values, each written by its type:
- text (`str`) is untrusted: a pupil, school, class, course or campaign name can be anything a
  person typed. `safe_text()` neutralises what a spreadsheet would read as a formula (OWASP
  "CSV injection": a cell starting with = + - @ tab or carriage return gets a leading `'`,
  and so does such a character after a `,` or `;`, because Excel in Vietnamese splits a comma
  file on `;`). In XLSX the text is also stored with the string type, never as a formula.
- numbers (`int`, `float`, negative ones too) stay numbers; `Percent(56.0)` is 56.0 in CSV and
  a 0.56 cell shown as 56.0% in XLSX;
- a `date` is `YYYY-MM-DD` in CSV and a date cell shown as DD/MM/YYYY in XLSX;
- `None` is an empty cell.

CSV is for other software: UTF-8 with a BOM (so that Excel still shows Vietnamese), commas
between fields, a decimal point. XLSX is for people: real numbers and dates in any locale.
"""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from flask import Response
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
DATE_FORMAT = "DD/MM/YYYY"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_AFTER_SEPARATOR = re.compile(r'([,;][\s"]*)(?=[=+\-@])')


@dataclass(frozen=True)
class Percent:
    value: float  # 0-100
    number_format: str = "0.0%"


def safe_text(text: str) -> str:
    """Text that no spreadsheet evaluates (see the module's docstring)."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)  # control characters XLSX cannot hold
    text = _FORMULA_AFTER_SEPARATOR.sub(r"\1'", text)
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv_value(value):
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, Percent):
        return value.value
    if isinstance(value, datetime):
        raise TypeError("write the local date, not a UTC time")
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, int | float):
        return "" if value is None else value
    raise TypeError(f"no CSV cell for {type(value).__name__}")


def csv_bytes(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_cell(sheet, value) -> Cell:
    cell = Cell(sheet)
    if isinstance(value, str):
        if value:
            cell.value = safe_text(value)
            cell.data_type = "s"  # a string, even if it looked like a formula
    elif isinstance(value, Percent):
        cell.value = value.value / 100
        cell.number_format = value.number_format
    elif isinstance(value, datetime):
        raise TypeError("write the local date, not a UTC time")
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif value is None or isinstance(value, int | float):
        cell.value = value
    else:
        raise TypeError(f"no XLSX cell for {type(value).__name__}")
    return cell


def append_row(sheet, values, *, bold: bool = False, wrap: bool = False) -> int | None:
    """Writes one row under the sheet's last; returns its number (None for an empty row)."""
    cells = [_xlsx_cell(sheet, v) for v in values]
    sheet.append(cells)
    for cell in cells:
        if bold:
            cell.font = Font(bold=True)
        if wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cells[0].row if cells else None


def sheet_title(text: str) -> str:
    """Excel refuses []:*?/\\ in a sheet's name, more than 31 characters, or a leading or
    trailing apostrophe."""
    return re.sub(r"[\[\]:*?/\\]", "-", ILLEGAL_CHARACTERS_RE.sub("", text))[:31].strip("'")


def workbook_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def safe_filename(name: str) -> str:
    """ASCII letters, digits, dot, dash and underscore only: 'Lớp 6/1' -> 'Lop-6-1'."""
    ascii_name = (
        unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
        .encode("ascii", "ignore")
        .decode("ascii")
    )
    return re.sub(r"[^A-Za-z0-9._]+", "-", ascii_name.replace("-", " ")).strip(".-") or "tai-xuong"


def download(data: bytes | str, filename: str, mimetype: str) -> Response:
    """A file to save, never kept in a cache: every download holds personal data."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_filename(filename)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def csv_download(rows, filename: str) -> Response:
    return download(csv_bytes(rows), filename, CSV)


def workbook_download(book: Workbook, filename: str) -> Response:
    return download(workbook_bytes(book), filename, XLSX)
