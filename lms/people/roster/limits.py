"""Limits on a roster file, far beyond any real roster and checked before anything is expanded.

A ward's largest list (every pupil of its schools) is a few thousand rows of ten short
columns: 20,000 rows is about 2.5 MB of CSV. An XLSX file is a zip: a 300 KB file can hold a
300 MB cell, so its directory is checked before openpyxl reads a byte of it (openpyxl keeps
the whole shared-strings part in memory, and a sheet part is read cell by cell).
"""

import zipfile

from lms.people.roster.table import RosterError

MAX_FILE_BYTES = 8 * 1024 * 1024  # = MAX_CONTENT_LENGTH (lms/config.py); the upload form says 8 MB
MAX_ROWS = 50_000  # data rows (empty rows are not counted)
MAX_COLUMNS = 30
MAX_CELL_CHARS = 1_000  # a name has at most 200

MIB = 1024 * 1024
MAX_XLSX_TOTAL = 128 * MIB  # every part of the zip, uncompressed
MAX_XLSX_PART = 64 * MIB  # one sheet: 50,000 rows of ten cells are about 25 MB of XML
MAX_XLSX_SHARED_STRINGS = 24 * MIB  # held in memory whole: 50,000 rows of names are ~8 MB
MAX_XLSX_RATIO = 100  # a sheet compresses 5-20 times; a zip bomb a thousand times
RATIO_FROM = 1 * MIB  # small parts may compress as much as they like
MAX_SCAN_COLUMNS = 256  # how far right a row is read (a row is padded up to its last cell)


def megabytes(size: int) -> str:
    return f"{size / MIB:.1f}".replace(".", ",").replace(",0", "") + " MB"


class TooBig(RosterError):
    """The file is beyond a limit; the message says which and what to do."""


def check_size(data: bytes) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise TooBig(
            f"Tệp lớn {megabytes(len(data))}, quá giới hạn {megabytes(MAX_FILE_BYTES)}: "
            "hãy chia danh sách thành nhiều tệp (ví dụ mỗi trường một tệp)."
        )


def check_xlsx_zip(archive: zipfile.ZipFile) -> None:
    """Refuse an XLSX whose parts would expand far beyond a roster, from the zip directory."""
    total = 0
    for info in archive.infolist():
        total += info.file_size
        name = info.filename.lower()
        limit = MAX_XLSX_SHARED_STRINGS if name.endswith("sharedstrings.xml") else MAX_XLSX_PART
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limit or (info.file_size > RATIO_FROM and ratio > MAX_XLSX_RATIO):
            raise TooBig(
                f"Tệp Excel có phần “{info.filename}” giải nén ra {megabytes(info.file_size)} "
                f"(giới hạn {megabytes(limit)}, nén không quá {MAX_XLSX_RATIO} lần): lớn hơn "
                "nhiều so với một danh sách thật. Hãy kiểm tra lại tệp (một ô rất dài, hàng "
                "nghìn cột trống?) hoặc lưu thành .csv."
            )
    if total > MAX_XLSX_TOTAL:
        raise TooBig(
            f"Tệp Excel giải nén ra {megabytes(total)}, quá giới hạn {megabytes(MAX_XLSX_TOTAL)}: "
            "hãy chia danh sách thành nhiều tệp hoặc lưu thành .csv."
        )


def too_many_rows() -> TooBig:
    return TooBig(
        f"Tệp có hơn {_thousands(MAX_ROWS)} dòng dữ liệu: hãy chia danh sách thành nhiều tệp "
        "(ví dụ mỗi trường một tệp)."
    )


def too_many_columns(number: int) -> TooBig:
    return TooBig(
        f"Dòng {number} có dữ liệu ở quá {MAX_COLUMNS} cột: một danh sách chỉ có tối đa "
        "mười cột. Hãy xóa các cột thừa."
    )


def too_long(number: int, column: str, length: int) -> TooBig:
    return TooBig(
        f"Dòng {number}, cột {column}: ô dài {_thousands(length)} ký tự, quá giới hạn "
        f"{_thousands(MAX_CELL_CHARS)} ký tự. Hãy kiểm tra lại ô này."
    )


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")  # Vietnamese: 50.000
