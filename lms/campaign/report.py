"""The periodic report: JSON (the machine-readable contract), CSV and XLSX."""

import csv
import io
import json

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from lms.campaign.metrics import Report
from lms.models import GROUPS

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
        row += [f.covered, f.population, f.percent, f.target]
    return row + [activities]


def to_csv(report: Report) -> bytes:
    """UTF-8 with a BOM so that Excel opens Vietnamese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f"{report.campaign.name} — số liệu đến ngày {report.as_of:%d/%m/%Y}"])
    writer.writerow(_flat_header())
    for r in report.rows:
        writer.writerow(_flat_row(r.code, r.name, r.groups, r.activities))
    writer.writerow(_flat_row("", "Toàn phường/xã", report.total, sum(r.activities for r in report.rows)))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(report: Report, unit_name: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Tổng hợp"
    _title_block(sheet, report, unit_name)
    header = _flat_header(unit="")
    sheet.append(header)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r in report.rows:
        sheet.append(_flat_row(r.code, r.name, r.groups, r.activities))
    sheet.append(_flat_row("", "Toàn phường/xã", report.total, sum(r.activities for r in report.rows)))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=header_row + 1, max_row=sheet.max_row):
        for index in range(len(GROUPS)):
            for offset in (2, 3):  # percent and target: stored as fractions, shown as %
                cell = row[2 + index * 4 + offset]
                if isinstance(cell.value, int | float):
                    cell.value = cell.value / 100
                    cell.number_format = "0.0%"
    sheet.column_dimensions["B"].width = 34
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)
    for g in GROUPS:
        detail = book.create_sheet(GROUP_NAMES[g][:31])
        _title_block(detail, report, unit_name, GROUP_NAMES[g])
        detail.append(["Mã trường", "Tên trường", "Đã đạt", "Tổng số", "Tỉ lệ", "Chỉ tiêu", "Tình trạng"])
        for cell in detail[detail.max_row]:
            cell.font = Font(bold=True)
        for code, name, f in [(r.code, r.name, r.groups[g]) for r in report.rows] + [
            ("", "Toàn phường/xã", report.total[g])
        ]:
            detail.append(
                [
                    code,
                    name,
                    f.covered,
                    f.population,
                    f.percent / 100,
                    f.target / 100,
                    STATUS_NAMES[f.status],
                ]
            )
            detail.cell(row=detail.max_row, column=5).number_format = "0.0%"
            detail.cell(row=detail.max_row, column=6).number_format = "0%"
        detail.column_dimensions["B"].width = 34
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _title_block(sheet, report: Report, unit_name: str, subtitle: str | None = None) -> None:
    sheet.append([unit_name])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([f"Báo cáo kết quả phong trào: {report.campaign.name}"])
    sheet.append(
        [
            f"Thời gian: {report.campaign.starts_on:%d/%m/%Y} - "
            f"{report.campaign.ends_on:%d/%m/%Y}; số liệu đến ngày {report.as_of:%d/%m/%Y}"
        ]
    )
    if subtitle:
        sheet.append([subtitle])
    sheet.append([])
