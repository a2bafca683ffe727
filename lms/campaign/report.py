"""The periodic report: JSON (the machine-readable contract), CSV (for other software:
commas, decimal points) and XLSX (for people: real numbers and percentages in any locale).
Their cells are written by lms.spreadsheets."""

import json

from openpyxl import Workbook
from openpyxl.styles import Font

from lms.campaign.metrics import Report
from lms.models import GROUPS
from lms.spreadsheets import Percent, append_row, csv_bytes, sheet_title, workbook_bytes

GROUP_NAMES = {
    "primary": "Học sinh Tiểu học",
    "lower_secondary": "Học sinh THCS",
    "teachers": "Cán bộ, giáo viên, nhân viên",
    "parents": "Phụ huynh",
    "households": "Hộ gia đình",
}
STATUS_NAMES = {"met": "đạt", "on_track": "đúng tiến độ", "behind": "chậm", "none": "—"}


def to_json(report: Report) -> str:
    return json.dumps(report.as_dict(), ensure_ascii=False, indent=2)


def _flat_header(unit: str = " (%)") -> list[str]:
    header = ["Mã trường", "Tên trường"]
    for g in GROUPS:
        name = GROUP_NAMES[g]
        header += [
            f"{name}: đã đạt",
            f"{name}: tổng số",
            f"{name}: tỉ lệ{unit}",
            f"{name}: chỉ tiêu{unit}",
        ]
    return header + ["Hoạt động lan tỏa"]


def _flat_row(code, name, groups, activities) -> list:
    row = [code, name]
    for g in GROUPS:
        f = groups[g]
        row += [f.covered, f.population, Percent(f.percent), Percent(f.target)]
    return row + [activities]


def _flat_rows(report: Report) -> list[list]:
    rows = [_flat_row(r.code, r.name, r.groups, r.activities) for r in report.rows]
    activities = sum(r.activities for r in report.rows)
    return rows + [_flat_row(None, "Toàn phường/xã", report.total, activities)]


def to_csv(report: Report) -> bytes:
    title = f"{report.campaign.name} — số liệu đến ngày {report.as_of:%d/%m/%Y}"
    return csv_bytes([[title], _flat_header(), *_flat_rows(report)])


def to_xlsx(report: Report, unit_name: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Tổng hợp"
    _title_block(sheet, report, unit_name)
    header_row = append_row(sheet, _flat_header(unit=""), bold=True, wrap=True)
    *rows, total = _flat_rows(report)
    for row in rows:
        append_row(sheet, row)
    append_row(sheet, total, bold=True)
    sheet.column_dimensions["B"].width = 34
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)
    for g in GROUPS:
        detail = book.create_sheet(sheet_title(GROUP_NAMES[g]))
        _title_block(detail, report, unit_name, GROUP_NAMES[g])
        header = ["Mã trường", "Tên trường", "Đã đạt", "Tổng số", "Tỉ lệ", "Chỉ tiêu", "Tình trạng"]
        append_row(detail, header, bold=True)
        for code, name, f in [(r.code, r.name, r.groups[g]) for r in report.rows] + [
            (None, "Toàn phường/xã", report.total[g])
        ]:
            append_row(detail, [code, name, f.covered, f.population, Percent(f.percent),
                                Percent(f.target, "0%"), STATUS_NAMES[f.status]])
        detail.column_dimensions["B"].width = 34
    return workbook_bytes(book)


def _title_block(sheet, report: Report, unit_name: str, subtitle: str | None = None) -> None:
    append_row(sheet, [unit_name])
    sheet["A1"].font = Font(bold=True, size=14)
    append_row(sheet, [f"Báo cáo kết quả phong trào: {report.campaign.name}"])
    c = report.campaign
    append_row(sheet, [f"Thời gian: {c.starts_on:%d/%m/%Y} - {c.ends_on:%d/%m/%Y}; "
                       f"số liệu đến ngày {report.as_of:%d/%m/%Y}"])
    if subtitle:
        append_row(sheet, [subtitle])
    append_row(sheet, [])
