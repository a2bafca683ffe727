"""The periodic report: JSON (the machine-readable contract), CSV (for other software:
commas, decimal points) and XLSX (for people: real numbers and percentages in any locale).
Their cells are written by lms.spreadsheets.

A unit's report lists its schools and its total, the five groups always, and the managers and
teachers, officials and activities when its plan follows them. The city's report lists every
ward and commune under its own plan and the city's totals over every indicator; its XLSX has
a sheet for the city and one per unit. `build()` makes the file for a scope and a date: the
web download and `flask report coverage` both call it, so they give the same file.
"""

import json

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.campaign.metrics import (
    CityReport,
    Figure,
    Report,
    activities_minimum,
    city_report,
    current_campaign,
    unit_report,
)
from lms.models import GROUPS, INDICATORS, School, Unit
from lms.people.consent import ConsentFigure
from lms.people.units import the_city
from lms.spreadsheets import (
    Percent,
    append_row,
    csv_bytes,
    safe_filename,
    sheet_title,
    workbook_bytes,
)

FORMATS = ("json", "csv", "xlsx")
GROUP_NAMES = {
    "primary": "Học sinh Tiểu học",
    "lower_secondary": "Học sinh THCS",
    "teachers": "Cán bộ, giáo viên, nhân viên",
    "parents": "Phụ huynh",
    "households": "Hộ gia đình",
}
INDICATOR_NAMES = {
    **GROUP_NAMES,
    "managers_teachers": "Cán bộ quản lý, giáo viên TH và THCS",
    "officials": "Cán bộ, công chức, người lao động phường/xã",
    "village_households": "Hộ gia đình theo danh sách thôn, tổ dân phố",
    "activities": "Trường có hoạt động lan tỏa",
}
# Indicators beyond the five groups: columns and sheets only when the plan follows them.
EXTRAS = ("managers_teachers", "officials", "village_households", "activities")
STATUS_NAMES = {
    "met": "đạt",
    "on_track": "đúng tiến độ",
    "behind": "chậm",
    "tracked": "theo dõi",
    "none": "—",
}
NO_PLAN = "Chưa có kế hoạch"
CONSENT_NAME = "Đồng ý của phụ huynh về dữ liệu của con"


class NoCampaign(LookupError):
    """No campaign for the scope asked: nothing to report."""


def to_json(report: Report | CityReport) -> str:
    return json.dumps(report.as_dict(), ensure_ascii=False, indent=2)


# --- the cells ---------------------------------------------------------------------------

def _extras(report: Report) -> list[str]:
    return [g for g in EXTRAS if g in report.campaign.indicators]


def _target(target: int | None, number_format: str = "0.0%"):
    return None if target is None else Percent(target, number_format)


def _cells(figure: Figure | None) -> list:
    if figure is None:  # not counted here (officials at a school)
        return [None] * 4
    return [figure.covered, figure.population, Percent(figure.percent), _target(figure.target)]


def _columns(name: str, unit: str) -> list[str]:
    return [f"{name}: đã đạt", f"{name}: tổng số", f"{name}: tỉ lệ{unit}", f"{name}: chỉ tiêu{unit}"]


def _consent_columns(unit: str) -> list[str]:
    """Consent coverage (lms.people.consent), last: the pupils counted, those with a consent."""
    return [f"{CONSENT_NAME}: có đồng ý", f"{CONSENT_NAME}: số học sinh", f"{CONSENT_NAME}: tỉ lệ{unit}"]


def _consent_cells(consent: ConsentFigure | None) -> list:
    if consent is None:
        return [None] * 3
    return [consent.with_consent, consent.pupils, Percent(consent.percent)]


def _flat_header(extras: list[str], unit: str = " (%)") -> list[str]:
    header = ["Mã trường", "Tên trường"]
    for g in GROUPS:
        header += _columns(GROUP_NAMES[g], unit)
    header.append("Hoạt động lan tỏa")
    for g in extras:
        header += _columns(INDICATOR_NAMES[g], unit)
    return header + _consent_columns(unit)


def _flat_row(code, name, groups, activities, extras, indicators, consent) -> list:
    row = [code, name]
    for g in GROUPS:
        row += _cells(groups[g])
    row.append(activities)
    for g in extras:
        row += _cells(indicators.get(g))
    return row + _consent_cells(consent)


def _total_name(report: Report) -> str:
    return "Toàn thành phố" if report.unit is not None and report.unit.is_city else "Toàn phường/xã"


def _flat_rows(report: Report) -> list[list]:
    extras = _extras(report)
    rows = [_flat_row(r.code, r.name, r.groups, r.activities, extras, r.indicators, r.consent)
            for r in report.rows]
    activities = sum(r.activities for r in report.rows)
    total = _flat_row(None, _total_name(report), report.total, activities, extras, report.indicators,
                      report.consent)
    return [*rows, total]


def _units_header(unit: str = " (%)") -> list[str]:
    header = ["Mã đơn vị", "Tên đơn vị", "Kế hoạch"]
    for g in INDICATORS:
        header += _columns(INDICATOR_NAMES[g], unit)
    return header + _consent_columns(unit)


def _units_rows(city: CityReport) -> list[list]:
    rows = []
    for u in city.units:
        row = [u.unit.code, u.unit.name, u.campaign.name if u.campaign else NO_PLAN]
        for g in INDICATORS:
            row += _cells(u.report.total[g] if u.report else None)
        rows.append(row + _consent_cells(u.report.consent if u.report else None))
    total = [None, "Toàn thành phố", city.campaign.name]
    for g in INDICATORS:
        total += _cells(city.total[g])
    return [*rows, total + _consent_cells(city.report.consent)]


def _title(report: Report | CityReport) -> str:
    return f"{report.campaign.name} — số liệu đến ngày {report.as_of:%d/%m/%Y}"


# --- CSV ---------------------------------------------------------------------------------

def to_csv(report: Report | CityReport) -> bytes:
    """A unit: one row per school and its total. The city: one row per ward or commune (its
    own plan's targets) and the city's total (the city plan's)."""
    if isinstance(report, CityReport):
        return csv_bytes([[_title(report)], _units_header(), *_units_rows(report)])
    return csv_bytes([[_title(report)], _flat_header(_extras(report)), *_flat_rows(report)])


# --- XLSX --------------------------------------------------------------------------------

def to_xlsx(report: Report | CityReport, unit_name: str | None = None) -> bytes:
    book = Workbook()
    if isinstance(report, CityReport):
        _city_sheet(book.active, report)
        used = {book.active.title}
        for u in report.units:
            sheet = book.create_sheet(_unique_title(u.unit.name, used))
            if u.report is None:
                append_row(sheet, [u.unit.name])
                sheet["A1"].font = Font(bold=True, size=14)
                append_row(sheet, [NO_PLAN])
            else:
                _summary_sheet(sheet, u.report, u.unit.name)
        return workbook_bytes(book)
    unit_name = unit_name or (report.unit.name if report.unit else "")
    book.active.title = "Tổng hợp"
    _summary_sheet(book.active, report, unit_name)
    for g in (*GROUPS, *_extras(report)):
        _detail_sheet(book.create_sheet(sheet_title(INDICATOR_NAMES[g])), report, unit_name, g)
    return workbook_bytes(book)


def _unique_title(name: str, used: set[str]) -> str:
    title, n = sheet_title(name), 1
    while title in used:
        n += 1
        suffix = f" ({n})"
        title = sheet_title(name)[: 31 - len(suffix)] + suffix
    used.add(title)
    return title


def _summary_sheet(sheet, report: Report, unit_name: str) -> None:
    _title_block(sheet, report, unit_name)
    header_row = append_row(sheet, _flat_header(_extras(report), unit=""), bold=True, wrap=True)
    *rows, total = _flat_rows(report)
    for row in rows:
        append_row(sheet, row)
    append_row(sheet, total, bold=True)
    sheet.column_dimensions["B"].width = 34
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)


def _city_sheet(sheet, city: CityReport) -> None:
    sheet.title = sheet_title("Toàn thành phố")
    _title_block(sheet, city, city.city.name, "Các phường, xã: mỗi đơn vị theo chỉ tiêu kế hoạch của mình")
    header_row = append_row(sheet, _units_header(unit=""), bold=True, wrap=True)
    *rows, total = _units_rows(city)
    for row in rows:
        append_row(sheet, row)
    append_row(sheet, total, bold=True)
    sheet.column_dimensions["B"].width = 30
    sheet.column_dimensions["C"].width = 30
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=4)


def _detail_sheet(sheet, report: Report, unit_name: str, g: str) -> None:
    subtitle = INDICATOR_NAMES[g]
    if g == "activities":
        subtitle += f" (ít nhất {activities_minimum(report.campaign)} hoạt động mỗi trường)"
    _title_block(sheet, report, unit_name, subtitle)
    header = ["Mã trường", "Tên trường", "Đã đạt", "Tổng số", "Tỉ lệ", "Chỉ tiêu", "Tình trạng"]
    append_row(sheet, header + (["Số hoạt động"] if g == "activities" else []), bold=True)
    lines = [(r.code, r.name, r.groups.get(g) or r.indicators.get(g), r.activities) for r in report.rows]
    lines.append((None, _total_name(report), report.total[g], sum(r.activities for r in report.rows)))
    for code, name, f, activities in lines:
        if f is None:  # officials: the unit's only
            continue
        row = [code, name, f.covered, f.population, Percent(f.percent), _target(f.target, "0%"),
               STATUS_NAMES[f.status]]
        append_row(sheet, row + ([activities] if g == "activities" else []))
    sheet.column_dimensions["B"].width = 34


def _title_block(sheet, report: Report | CityReport, unit_name: str, subtitle: str | None = None) -> None:
    append_row(sheet, [unit_name])
    sheet["A1"].font = Font(bold=True, size=14)
    append_row(sheet, [f"Báo cáo kết quả phong trào: {report.campaign.name}"])
    c = report.campaign
    append_row(sheet, [f"Thời gian: {c.starts_on:%d/%m/%Y} - {c.ends_on:%d/%m/%Y}; "
                       f"số liệu đến ngày {report.as_of:%d/%m/%Y}"])
    if subtitle:
        append_row(sheet, [subtitle])
    append_row(sheet, [])


# --- one entry point for the web and the CLI ---------------------------------------------

def build(
    session: Session,
    fmt: str,
    *,
    unit_id: int | None = None,
    city: bool = False,
    as_of=None,
    school_code: str | None = None,
) -> tuple[bytes, str]:
    """The report file and its name, for one scope: the city (city=True), a ward or commune
    (unit_id), one school of it (school_code; without a unit, the school's), or, with none of
    them, the latest campaign as a deployment of one ward has it. The caller checks that the
    person may see that scope. Raises NoCampaign when the scope has no campaign, ValueError
    for an unknown format."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format: {fmt}")
    scope = None
    if city:
        the = session.get(Unit, unit_id) if unit_id else the_city(session)
        campaign = current_campaign(session, the.id) if the is not None and the.is_city else None
        if campaign is None:
            raise NoCampaign("Thành phố chưa có kế hoạch (campaign) nào.")
        result = city_report(session, campaign, as_of)
        scope = the.code
    else:
        if school_code and unit_id is None:
            unit_id = session.scalar(select(School.unit_id).where(School.code == school_code))
        campaign = current_campaign(session, unit_id)
        if campaign is None:
            raise NoCampaign("Chưa có đợt phong trào (campaign) nào.")
        result = unit_report(session, campaign, as_of, school_code)
        if school_code:
            scope = school_code
        elif unit_id is not None and _several_units(session):
            scope = result.unit.code
    if fmt == "json":
        data = to_json(result).encode("utf-8")
    elif fmt == "csv":
        data = to_csv(result)
    else:
        data = to_xlsx(result)
    return data, report_filename(fmt, result.as_of, scope)


def report_filename(fmt: str, as_of, scope: str | None = None) -> str:
    middle = f"{scope}-" if scope else ""
    return safe_filename(f"bao-cao-binh-dan-hoc-vu-so-{middle}{as_of.isoformat()}.{fmt}")


def _several_units(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(Unit).where(Unit.kind != "city")) > 1
