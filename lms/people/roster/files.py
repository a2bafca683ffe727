"""Reading a roster file, CSV or XLSX, into numbered rows, within the limits of limits.py."""

import codecs
import csv
import io
import warnings
import zipfile

from lms.people.roster.limits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_SCAN_COLUMNS,
    check_size,
    check_xlsx_zip,
    too_long,
    too_many_columns,
    too_many_rows,
)
from lms.people.roster.table import _FIELD_BY_HEADER, RosterError, _cell, _key, _text

XLSX_MAGIC = b"PK\x03\x04"
HEADER_SEARCH_ROWS = 15  # school software puts a few title rows above the header
HEADER_MIN_KNOWN = 3  # a header row names at least three columns the importer knows
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old .xls (and .doc) container


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _kept(number: int, values: list, kept: list) -> None:
    """Keep a row that has a value; check its width and cells on the way."""
    if all(value is None or value == "" for value in values):
        return  # empty rows are skipped (a file may hold a million of them)
    if len(kept) > MAX_ROWS:  # counting the header row
        raise too_many_rows()
    while values and (values[-1] is None or values[-1] == ""):
        values.pop()
    if len(values) > MAX_COLUMNS:
        raise too_many_columns(number)
    for index, value in enumerate(values):
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            raise too_long(number, _column_letter(index), len(value))
    kept.append((number, values))


def _unclosed_quote(number: int, index: int, value: str, last_line: int) -> RosterError:
    return RosterError(
        f'Dòng {number}, cột {_column_letter(index)}: ô có dấu ngoặc kép “"” mở mà không đóng '
        f"(hoặc có xuống dòng trong ô), nên nó nuốt cả các dòng sau, đến dòng {last_line} của "
        f"tệp: “{_text(value)[:80]}…”. Hãy xóa dấu ngoặc kép thừa hoặc thêm dấu đóng, rồi nhập lại."
    )


def _csv_table(data: bytes) -> list[tuple[int, list]]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")  # Excel's "Unicode Text"
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RosterError(
                "Tệp CSV phải lưu theo bảng mã UTF-8 (tiếng Việt có dấu). Trong Excel: "
                "Lưu thành (Save As) → chọn “CSV UTF-8 (Comma delimited) (*.csv)”, hoặc lưu "
                "thành .xlsx."
            ) from exc
    if "\x00" in text:
        raise RosterError(
            "Tệp không phải tệp CSV hay .xlsx: hãy lưu danh sách thành .xlsx hoặc .csv (UTF-8)."
        )
    # Vietnamese Excel often saves ';'. The header may sit below title rows, which have few
    # separators: the line with the most of one separator names it.
    lines = [line for line in text.splitlines()[:50] if line.strip()][:HEADER_SEARCH_ROWS]
    delimiter = max((",", ";", "\t"), key=lambda sep: max((line.count(sep) for line in lines), default=0))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    kept: list[tuple[int, list]] = []
    number = 0
    try:
        for number, row in enumerate(reader, start=1):
            # A record spans lines only when a quote is left open: the cell swallows the
            # rows after it, and the file would import without them. No roster cell holds a
            # line break, so this is always an error.
            for index, value in enumerate(row):
                if "\n" in value or "\r" in value:
                    raise _unclosed_quote(number, index, value, reader.line_num)
            _kept(number, row, kept)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):  # an open quote to the end of the file
            raise RosterError(
                f"Dòng {number + 1}: một ô dài quá {MAX_CELL_CHARS} ký tự, thường do dấu ngoặc kép "
                '“"” mở mà không đóng: ô nuốt hết các dòng sau. Hãy xóa dấu ngoặc kép thừa.'
            ) from exc
        raise RosterError(f"Tệp CSV lỗi ở dòng {reader.line_num}: {exc}") from exc
    return kept


def _xlsx_table(data: bytes) -> list[tuple[int, list]]:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_xlsx_zip(archive)
    except zipfile.BadZipFile as exc:
        raise RosterError(
            "Tệp .xlsx bị hỏng hoặc không phải tệp Excel: hãy lưu lại thành .xlsx hoặc .csv."
        ) from exc
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # styles and extensions openpyxl does not know
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:
            raise RosterError(
                "Không đọc được tệp Excel (.xlsx): tệp bị hỏng hoặc không phải "
                "tệp Excel. Hãy mở trong Excel và lưu lại thành .xlsx hoặc "
                ".csv."
            ) from exc
        try:
            if not book.worksheets:
                raise RosterError("Tệp Excel không có trang tính nào.")
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # some programs write a wrong size; read every row
            kept: list[tuple[int, list]] = []
            # max_col bounds the padding of a row up to its last cell (one cell in column
            # XFD would make 16,384 values of every row).
            rows = sheet.iter_rows(max_col=MAX_SCAN_COLUMNS, values_only=True)
            for number, row in enumerate(rows, start=1):
                _kept(number, list(row), kept)
            return kept
        except RosterError:
            raise
        except Exception as exc:
            raise RosterError(
                "Không đọc được trang tính đầu tiên của tệp Excel: hãy lưu lại thành .xlsx hoặc .csv."
            ) from exc
        finally:
            book.close()


def _header(cells: list[tuple[int, list]]) -> tuple[int, list]:
    """The header row: the first of the first rows that names enough known columns (title
    rows above it are skipped), else the first row, whose headers the errors then name."""
    for number, values in cells[:HEADER_SEARCH_ROWS]:
        known = {_FIELD_BY_HEADER.get(_key(_text(value))) for value in values} - {None}
        if len(known) >= HEADER_MIN_KNOWN:
            return number, values
    return cells[0]


def _read_table(data: bytes, filename: str) -> tuple[int, list[str], list[tuple[int, dict]]]:
    """The header row's number, the headers and the non-empty rows (number, header -> value)."""
    name = (filename or "").lower()
    if not data:
        raise RosterError("Tệp trống.")
    check_size(data)
    if data.startswith(XLSX_MAGIC):
        if name.endswith(".ods"):
            raise RosterError("Tệp .ods chưa được hỗ trợ: hãy lưu thành .xlsx hoặc .csv.")
        table = _xlsx_table(data)
    elif data.startswith(OLE_MAGIC) or name.endswith(".xls"):
        raise RosterError(
            "Tệp Excel định dạng cũ (.xls) không đọc được: hãy mở tệp trong Excel "
            "và lưu thành .xlsx (Excel Workbook) hoặc .csv (CSV UTF-8)."
        )
    elif name.endswith((".xlsx", ".xlsm")):
        raise RosterError("Tệp .xlsx bị hỏng hoặc không phải tệp Excel: hãy lưu lại thành .xlsx hoặc .csv.")
    else:
        table = _csv_table(data)

    cells = [(number, [_cell(value) for value in values]) for number, values in table]
    cells = [(number, values) for number, values in cells if any(value != "" for value in values)]
    if not cells:
        raise RosterError("Tệp không có dữ liệu: không thấy dòng tiêu đề.")
    header_row, header_values = _header(cells)
    headers = [_text(value) for value in header_values]
    while headers and headers[-1] == "":
        headers.pop()
    seen: dict[str, str] = {}
    for header in headers:
        if header:
            if _key(header) in seen:
                raise RosterError(f"Cột “{header}” có hai lần trong dòng tiêu đề (dòng {header_row}).")
            seen[_key(header)] = header
    rows = []
    for number, values in cells:
        if number <= header_row:
            continue  # the header, and the title rows above it
        for index, value in enumerate(values):
            if value != "" and (index >= len(headers) or not headers[index]):
                raise RosterError(
                    f"Cột {_column_letter(index)} có dữ liệu (dòng {number}) nhưng không có "
                    f"tiêu đề ở dòng {header_row}: hãy xóa cột này hoặc ghi tiêu đề cho nó."
                )
        rows.append(
            (
                number,
                {
                    header: values[index] if index < len(values) else ""
                    for index, header in enumerate(headers)
                    if header
                },
            )
        )
    return header_row, [header for header in headers if header], rows


def read_rows(data: bytes, filename: str) -> tuple[list[str], list[tuple[int, dict]]]:
    """The headers and the non-empty rows of a CSV or XLSX roster: (row number, header ->
    value), values being trimmed NFC text, or a date for Excel date cells. Whole numbers Excel
    stored as numbers (phones, student codes) come back as their digits, without ".0".
    Raises RosterError for a file that cannot be read."""
    _, headers, rows = _read_table(data, filename)
    return headers, rows
