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

import codecs
import csv
import io
import re
import secrets
import unicodedata
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.models import Classroom, Enrollment, School, Unit, User
from lms.models.base import today_in_vietnam
from lms.models.people import SCHOOL_LEVELS, STAFF_ROLES, tier_for_grade
from lms.people.codes import ALPHABET
from lms.people.households import ensure_household, link_guardian
from lms.people.names import name_sort_key, normalize_name
from lms.people.phones import normalize_phone

# Every column a roster may have: its canonical (English) header, then Vietnamese aliases.
# Headers are compared NFC-normalised, case-insensitively, with spaces trimmed and collapsed.
ALIASES: dict[str, tuple[str, ...]] = {
    "school_code": ("mã trường",),
    "name": ("tên trường",),
    "level": ("cấp học",),
    "class": ("lớp", "tên lớp"),
    "grade": ("khối", "khối lớp"),
    "full_name": ("họ và tên", "họ tên"),
    "date_of_birth": ("ngày sinh",),
    "student_code": ("mã học sinh",),
    "guardian1_name": (
        "họ tên phụ huynh",
        "họ và tên phụ huynh",
        "họ tên phụ huynh 1",
        "họ và tên phụ huynh 1",
    ),
    "guardian1_phone": (
        "số điện thoại phụ huynh",
        "số điện thoại phụ huynh 1",
        "sđt phụ huynh",
        "sđt phụ huynh 1",
    ),
    "guardian2_name": ("họ tên phụ huynh 2", "họ và tên phụ huynh 2"),
    "guardian2_phone": ("số điện thoại phụ huynh 2", "sđt phụ huynh 2"),
    "role": ("chức vụ",),
    "phone": ("số điện thoại", "sđt"),
}

# The Vietnamese name of each column, used in messages ("thiếu Họ và tên").
LABELS = {
    "school_code": "Mã trường",
    "name": "Tên trường",
    "level": "Cấp học",
    "class": "Lớp",
    "grade": "Khối",
    "full_name": "Họ và tên",
    "date_of_birth": "Ngày sinh",
    "student_code": "Mã học sinh",
    "guardian1_name": "Họ tên phụ huynh",
    "guardian1_phone": "Số điện thoại phụ huynh",
    "guardian2_name": "Họ tên phụ huynh 2",
    "guardian2_phone": "Số điện thoại phụ huynh 2",
    "role": "Chức vụ",
    "phone": "Số điện thoại",
}

GUARDIAN_FIELDS = ("guardian1_name", "guardian1_phone", "guardian2_name", "guardian2_phone")

# kind -> (required columns, optional columns)
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "schools": (("school_code", "name", "level"), ()),
    "pupils": (
        ("school_code", "class", "grade", "full_name", "date_of_birth", "student_code"),
        GUARDIAN_FIELDS,
    ),
    "staff": (("school_code", "full_name", "role", "phone"), ()),
}
KIND_LABELS = {
    "schools": "danh sách trường",
    "pupils": "danh sách học sinh",
    "staff": "danh sách cán bộ, giáo viên, nhân viên",
}

LEVEL_NAMES = {"mam-non": "Mầm non", "tieu-hoc": "Tiểu học", "thcs": "THCS", "th-thcs": "TH&THCS"}
LEVEL_GRADES = {
    "mam-non": range(0),
    "tieu-hoc": range(1, 6),
    "thcs": range(6, 10),
    "th-thcs": range(1, 10),
}
_LEVEL_WORDS = {
    "mầm non": "mam-non",
    "mam non": "mam-non",
    "tiểu học": "tieu-hoc",
    "tieu hoc": "tieu-hoc",
    "thcs": "thcs",
    "trung học cơ sở": "thcs",
    "trung hoc co so": "thcs",
    "th&thcs": "th-thcs",
    "th và thcs": "th-thcs",
    "th-thcs": "th-thcs",
    "th thcs": "th-thcs",
    "tiểu học và trung học cơ sở": "th-thcs",
    "tiểu học&trung học cơ sở": "th-thcs",
}

ROLE_NAMES = {"teacher": "giáo viên", "staff": "nhân viên", "principal": "hiệu trưởng"}
_ROLE_WORDS = {
    "teacher": "teacher",
    "giáo viên": "teacher",
    "giao vien": "teacher",
    "staff": "staff",
    "nhân viên": "staff",
    "nhan vien": "staff",
    "principal": "principal",
    "hiệu trưởng": "principal",
    "hieu truong": "principal",
    "phó hiệu trưởng": "principal",
    "pho hieu truong": "principal",
}

TIER_NAMES = {"primary": "tiểu học", "lower-secondary": "THCS"}

STUDENT_CODE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")  # it is also the pupil's username
SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{4})$")
SIGNIN_CODE_LENGTH = 6
_CHUNK = 500  # values per IN (...) query, below every database's limit

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old .xls (and .doc) container

Cell = str | date


class RosterError(Exception):
    """The file as a whole cannot be imported: unreadable, or not one of the three kinds."""


@dataclass
class RowError:
    row: int
    message: str

    def __str__(self) -> str:
        return f"Dòng {self.row}: {self.message}"


@dataclass
class ImportReport:
    kind: str  # "schools" | "pupils" | "staff"
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    details: list[str] = field(default_factory=list)
    school_year: str | None = None  # the classes' school year (pupils files)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        label = KIND_LABELS[self.kind]
        label = label[0].upper() + label[1:]
        if self.school_year and self.kind == "pupils":
            label += f" (năm học {self.school_year})"
        if self.errors:
            return f"{label}: {len(self.errors)} lỗi, không lưu thay đổi nào."
        text = f"{label}: thêm mới {self.created}, cập nhật {self.updated}, không đổi {self.unchanged}."
        if self.dry_run:
            text += " Chạy thử: chưa lưu thay đổi nào."
        return text


# --- school years --------------------------------------------------------------------------


def school_year_for(day: date) -> str:
    """The Vietnamese school year a day falls in: September starts a new one."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}-{start + 1}"


def check_school_year(value: str) -> str:
    match = SCHOOL_YEAR.match((value or "").strip())
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise RosterError(f"Năm học “{value}” không hợp lệ: ghi dạng 2025-2026 (hai năm liền nhau).")
    return match.group(0)


# --- reading files -------------------------------------------------------------------------


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text)).casefold().split())


_FIELD_BY_HEADER = {_key(alias): name for name, aliases in ALIASES.items() for alias in (name, *aliases)}


def _cell(value) -> Cell:
    """A spreadsheet value as text, or a date for real date cells."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def _text(value: Cell) -> str:
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return " ".join(str(value).split())


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


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
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count)  # Vietnamese Excel often saves ';'
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [(number, row) for number, row in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise RosterError(f"Tệp CSV lỗi ở dòng {reader.line_num}: {exc}") from exc


def _xlsx_table(data: bytes) -> list[tuple[int, list]]:
    import openpyxl

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
            return [
                (number, list(row)) for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)
            ]
        except RosterError:
            raise
        except Exception as exc:
            raise RosterError(
                "Không đọc được trang tính đầu tiên của tệp Excel: hãy lưu lại thành .xlsx hoặc .csv."
            ) from exc
        finally:
            book.close()


def _read_table(data: bytes, filename: str) -> tuple[int, list[str], list[tuple[int, dict]]]:
    """The header row's number, the headers and the non-empty rows (number, header -> value)."""
    name = (filename or "").lower()
    if not data:
        raise RosterError("Tệp trống.")
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
    start = next((i for i, (_, values) in enumerate(cells) if any(v != "" for v in values)), None)
    if start is None:
        raise RosterError("Tệp không có dữ liệu: không thấy dòng tiêu đề.")
    header_row, header_values = cells[start]
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
    for number, values in cells[start + 1 :]:
        if all(value == "" for value in values):
            continue  # empty rows are skipped
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


def _columns_list(kind: str) -> str:
    required, optional = KINDS[kind]
    text = ", ".join(f"{LABELS[name]} ({name})" for name in required)
    if optional:
        text += "; có thể thêm " + ", ".join(f"{LABELS[name]} ({name})" for name in optional)
    return text


def _recognise(headers: list[str], header_row: int) -> tuple[str, dict[str, str], list[RowError]]:
    """The kind of file, its columns (header -> field) and the errors of the header row."""
    fields: dict[str, str] = {}
    unknown: list[str] = []
    for header in headers:
        name = _FIELD_BY_HEADER.get(_key(header))
        if name is None:
            unknown.append(header)
        elif name in fields.values():
            other = next(h for h, f in fields.items() if f == name)
            raise RosterError(f"Cột “{other}” và cột “{header}” cùng là {LABELS[name]}: chỉ giữ một cột.")
        else:
            fields[header] = name
    present = set(fields.values())
    kinds = [kind for kind, (required, _) in KINDS.items() if set(required) <= present]
    if len(kinds) != 1:
        accepted = "\n".join(f"  - {KIND_LABELS[kind]}: {_columns_list(kind)}" for kind in KINDS)
        if kinds:
            problem = (
                "Dòng tiêu đề có cột của nhiều loại danh sách ("
                + ", ".join(KIND_LABELS[kind] for kind in kinds)
                + ")."
            )
        else:
            problem = (
                f"Không nhận ra loại danh sách từ dòng tiêu đề (dòng {header_row}: "
                + ", ".join(headers)
                + ")."
            )
            near = max(KINDS, key=lambda kind: len(set(KINDS[kind][0]) & present))
            missing = [LABELS[name] for name in KINDS[near][0] if name not in present]
            if len(KINDS[near][0]) - len(missing) >= 2:
                problem += f" Giống {KIND_LABELS[near]} nhưng thiếu cột: " + ", ".join(missing) + "."
        raise RosterError(
            problem + " Dòng tiêu đề phải là dòng đầu tiên của tệp. Chấp nhận ba loại danh sách:\n" + accepted
        )
    kind = kinds[0]
    required, optional = KINDS[kind]
    errors = []
    for header, name in list(fields.items()):
        if name not in required and name not in optional:
            unknown.append(header)
            del fields[header]
    for header in sorted(unknown, key=headers.index):
        errors.append(
            RowError(
                header_row,
                (
                    f"cột “{header}” không thuộc mẫu {KIND_LABELS[kind]} (chỉ lưu các cột "
                    f"{_columns_list(kind)}); hãy xóa cột này. Không đưa số CCCD, ảnh hay thông tin "
                    "khác vào danh sách."
                ),
            )
        )
    return kind, fields, errors


# --- values --------------------------------------------------------------------------------


def parse_level(value: str) -> str | None:
    key = _key(value).replace(" & ", "&").replace(" &", "&").replace("& ", "&")
    if key in SCHOOL_LEVELS:
        return key
    return _LEVEL_WORDS.get(key)


def parse_role(value: str) -> str | None:
    key = _key(value)
    return key if key in STAFF_ROLES else _ROLE_WORDS.get(key)


def parse_date(value: Cell) -> date | None:
    """dd/mm/yyyy, d/m/yyyy (also with - or .), yyyy-mm-dd, Excel date cells, and the bare
    serial number a date cell shows once its format is lost. None if not a real date."""
    if isinstance(value, date):
        return value
    text = value.strip()
    try:
        if match := re.fullmatch(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})", text):
            return date(int(match.group(4)), int(match.group(3)), int(match.group(1)))
        if match := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?", text):
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if re.fullmatch(r"\d{5}", text):
            return date(1899, 12, 30) + timedelta(days=int(text))
    except ValueError:
        return None
    return None


def parse_grade(value: str) -> int | None:
    text = value.strip()
    if re.fullmatch(r"(?:khối\s*)?\d{1,2}", text, flags=re.IGNORECASE):
        return int(re.sub(r"\D", "", text))
    return None


def _chunks(values: list) -> list[list]:
    return [values[i : i + _CHUNK] for i in range(0, len(values), _CHUNK)]


class _Row:
    def __init__(self, number: int, values: dict[str, Cell], report: ImportReport):
        self.number = number
        self.values = values
        self.report = report
        self.ok = True

    def error(self, message: str) -> None:
        self.report.errors.append(RowError(self.number, message))
        self.ok = False

    def text(self, name: str) -> str:
        return _text(self.values.get(name, ""))

    def required(self, name: str) -> str:
        value = self.text(name)
        if not value:
            self.error(f"thiếu {LABELS[name]}")
        return value

    def name(self, name: str = "full_name") -> str:
        value = normalize_name(self.required(name))
        if len(value) > 200:
            self.error(f"{LABELS[name]} dài quá 200 ký tự")
        return value

    def phone(self, name: str) -> str | None:
        raw = self.required(name)
        if not raw:
            return None
        phone = normalize_phone(raw)
        if phone is None:
            self.error(f"{LABELS[name]} không hợp lệ: “{raw}” (cần 10 chữ số, ví dụ 0912345678)")
        return phone


def _find_unit(session: Session, unit_code: str | None, *, may_create: bool) -> Unit | None:
    """The unit the file is for; None when a schools file should create it."""
    units = list(session.scalars(select(Unit).order_by(Unit.code)))
    codes = ", ".join(unit.code for unit in units)
    if unit_code:
        match = next((u for u in units if u.code.casefold() == unit_code.strip().casefold()), None)
        if match is not None:
            return match
        if not units and may_create:
            return None
        raise RosterError(
            f"Không có phường/xã mã “{unit_code}”" + (f" (các mã hiện có: {codes})." if units else ".")
        )
    if len(units) == 1:
        return units[0]
    if not units and may_create:
        return None
    if not units:
        raise RosterError("Chưa có phường/xã và trường nào: hãy nhập danh sách trường trước.")
    raise RosterError(f"Có {len(units)} phường/xã ({codes}): chọn một bằng --unit MÃ.")


def _schools_in_scope(session: Session, unit_code: str | None) -> tuple[dict[str, School], str]:
    query = select(School)
    where = ""
    if unit_code:
        unit = _find_unit(session, unit_code, may_create=False)
        query = query.where(School.unit_id == unit.id)
        where = f" thuộc {unit.code}"
    schools = {school.code.casefold(): school for school in session.scalars(query)}
    if not schools:
        raise RosterError(
            f"Chưa có trường nào{where}: hãy nhập danh sách trường trước "
            "(tệp có các cột Mã trường, Tên trường, Cấp học)."
        )
    return schools, where


# --- schools -------------------------------------------------------------------------------


@dataclass
class _SchoolPlan:
    code: str
    name: str
    level: str
    school: School | None


class _Schools:
    def __init__(self, session, report, today, year, unit_code):
        self.session, self.report, self.today, self.year = session, report, today, year
        self.unit_code = unit_code

    def check(self, records) -> list[_SchoolPlan]:
        self.unit = _find_unit(self.session, self.unit_code, may_create=True)
        schools = {s.code.casefold(): s for s in self.session.scalars(select(School))}
        seen: dict[str, int] = {}
        plans = []
        for number, values in records:
            row = _Row(number, values, self.report)
            code = row.required("school_code")
            name = row.name("name")
            level_text = row.required("level")
            level = parse_level(level_text) if level_text else None
            if level_text and level is None:
                row.error(f"Cấp học không hợp lệ: “{level_text}” (ghi Mầm non, Tiểu học, THCS hoặc TH&THCS)")
            if len(code) > 40:
                row.error("Mã trường dài quá 40 ký tự")
            if code and code.casefold() in seen:
                row.error(f"Mã trường {code} trùng với dòng {seen[code.casefold()]}")
            elif code:
                seen[code.casefold()] = number
            school = schools.get(code.casefold()) if code else None
            if school is not None and self.unit is not None and school.unit_id != self.unit.id:
                row.error(f"trường {school.code} thuộc phường/xã khác ({school.unit.code})")
            if school is not None and level and level != school.level:
                rooms = self.session.scalars(
                    select(Classroom).where(
                        Classroom.school_id == school.id, Classroom.school_year == self.year
                    )
                )
                misfits = sorted(r.name for r in rooms if r.grade not in LEVEL_GRADES[level])
                if misfits:
                    row.error(
                        f"không đổi được cấp học của trường {school.code} thành "
                        f"{LEVEL_NAMES[level]}: năm học {self.year} trường có lớp " + ", ".join(misfits)
                    )
            if row.ok:
                plans.append(_SchoolPlan(code, name, level, school))
        return plans

    def apply(self, plans: list[_SchoolPlan]) -> None:
        session, report = self.session, self.report
        unit = self.unit
        if unit is None and plans:
            unit = Unit(code=self.unit_code.strip() if self.unit_code else "DEFAULT", name="Phường/Xã")
            session.add(unit)
            session.flush()
            report.details.append(f"thêm phường/xã {unit.code}")
        for plan in plans:
            school = plan.school
            if school is None:
                session.add(School(unit_id=unit.id, code=plan.code, name=plan.name, level=plan.level))
                report.created += 1
                report.details.append(f"thêm trường {plan.code} {plan.name} ({LEVEL_NAMES[plan.level]})")
                continue
            changes = []
            if school.name != plan.name:
                changes.append(f"tên “{school.name}” → “{plan.name}”")
                school.name = plan.name
            if school.level != plan.level:
                changes.append(
                    f"cấp học {LEVEL_NAMES.get(school.level, school.level)} → {LEVEL_NAMES[plan.level]}"
                )
                school.level = plan.level
            if changes:
                report.updated += 1
                report.details.append(f"cập nhật trường {school.code}: " + ", ".join(changes))
            else:
                report.unchanged += 1


# --- staff ---------------------------------------------------------------------------------


@dataclass
class _StaffPlan:
    school: School
    name: str
    staff_role: str
    phone: str
    user: User | None


class _Staff:
    def __init__(self, session, report, today, year, unit_code):
        self.session, self.report, self.today, self.year = session, report, today, year
        self.unit_code = unit_code

    def check(self, records) -> list[_StaffPlan]:
        schools, where = _schools_in_scope(self.session, self.unit_code)
        phones = sorted({normalize_phone(_text(values.get("phone", ""))) for _, values in records} - {None})
        users = {}
        for chunk in _chunks(phones):
            users.update(
                {u.phone: u for u in self.session.scalars(select(User).where(User.phone.in_(chunk)))}
            )
        seen: dict[str, int] = {}
        plans = []
        for number, values in records:
            row = _Row(number, values, self.report)
            code = row.required("school_code")
            school = schools.get(code.casefold()) if code else None
            if code and school is None:
                row.error(f"không có trường mã {code}{where}")
            name = row.name()
            role_text = row.required("role")
            staff_role = parse_role(role_text) if role_text else None
            if role_text and staff_role is None:
                row.error(
                    f"Chức vụ không hợp lệ: “{role_text}” (ghi Giáo viên, Nhân viên, "
                    "Hiệu trưởng hoặc Phó hiệu trưởng)"
                )
            phone = row.phone("phone")
            user = users.get(phone) if phone else None
            if phone and phone in seen:
                row.error(f"Số điện thoại {phone} trùng với dòng {seen[phone]}")
            elif phone:
                seen[phone] = number
            if user is not None and user.role not in ("teacher", "school_admin"):
                row.error(f"số điện thoại {phone} đã thuộc về tài khoản không phải cán bộ, giáo viên")
            if row.ok:
                plans.append(_StaffPlan(school, name, staff_role, phone, user))
        return plans

    def apply(self, plans: list[_StaffPlan]) -> None:
        session, report = self.session, self.report
        for plan in plans:
            role = "school_admin" if plan.staff_role == "principal" else "teacher"
            user = plan.user
            what = ROLE_NAMES[plan.staff_role]
            if user is None:
                session.add(
                    User(
                        role=role,
                        tier="teacher",
                        staff_role=plan.staff_role,
                        school_id=plan.school.id,
                        phone=plan.phone,
                        full_name=plan.name,
                        name_key=name_sort_key(plan.name),
                        staff_from=self.today,
                    )
                )
                report.created += 1
                report.details.append(f"thêm {what} {plan.phone} {plan.name} ({plan.school.code})")
                continue
            changes = []
            if user.full_name != plan.name:
                changes.append(f"họ tên “{user.full_name}” → “{plan.name}”")
                user.full_name = plan.name
            if user.name_key != name_sort_key(plan.name):
                user.name_key = name_sort_key(plan.name)
            if user.staff_role != plan.staff_role or user.role != role:
                old = ROLE_NAMES.get(user.staff_role or "", user.staff_role or user.role)
                changes.append(f"chức vụ {old} → {what}")
                user.staff_role, user.role = plan.staff_role, role
            if user.tier != "teacher":
                user.tier = "teacher"
                changes.append("nhóm học cán bộ, giáo viên")
            if user.school_id != plan.school.id:
                changes.append(f"chuyển sang trường {plan.school.code}")
                user.school_id = plan.school.id
            if user.staff_until is not None:
                changes.append("làm việc trở lại")
                user.staff_until = None
                user.staff_from = self.today
            elif user.staff_from is None:
                user.staff_from = self.today
                changes.append("ngày bắt đầu làm việc")
            if changes:
                report.updated += 1
                report.details.append(f"cập nhật {what} {plan.phone} {plan.name}: " + ", ".join(changes))
            else:
                report.unchanged += 1


# --- pupils --------------------------------------------------------------------------------


@dataclass
class _PupilPlan:
    number: int
    code: str
    name: str
    date_of_birth: date
    school: School
    class_name: str
    grade: int
    pupil: User | None
    guardians: list[tuple[str, str]]  # (phone, name as first written in the file)


class _Pupils:
    def __init__(self, session, report, today, year, unit_code):
        self.session, self.report, self.today, self.year = session, report, today, year
        self.unit_code = unit_code

    def _load(self, records) -> None:
        session = self.session
        codes = sorted({_text(v.get("student_code", "")) for _, v in records} - {""})
        folded = sorted({code.casefold() for code in codes})
        self.pupils: dict[str, User] = {}
        wanted = set(folded)
        found: list[User] = []
        for chunk in _chunks(codes):
            found.extend(session.scalars(select(User).where(User.student_code.in_(chunk))))
        for chunk in _chunks(folded):
            found.extend(session.scalars(select(User).where(User.username.in_(chunk))))
        for user in found:  # by student code first, then by the username it would take
            for key in (user.student_code or "").casefold(), user.username or "":
                if key in wanted:
                    self.pupils.setdefault(key, user)
        phones = set()
        for _, values in records:
            for name in ("guardian1_phone", "guardian2_phone"):
                phones.add(normalize_phone(_text(values.get(name, ""))))
        phones.discard(None)
        self.phone_users: dict[str, User] = {}
        for chunk in _chunks(sorted(phones)):
            self.phone_users.update(
                {u.phone: u for u in session.scalars(select(User).where(User.phone.in_(chunk)))}
            )
        school_ids = [school.id for school in self.schools.values()]
        self.rooms: dict[tuple[int, str], Classroom] = {}
        for chunk in _chunks(school_ids):
            for room in session.scalars(
                select(Classroom)
                .where(Classroom.school_year == self.year, Classroom.school_id.in_(chunk))
                .order_by(Classroom.id)
            ):
                self.rooms.setdefault((room.school_id, room.name.casefold()), room)
        pupil_ids = sorted({user.id for user in self.pupils.values() if user.role == "pupil"})
        self.current: dict[int, list[Enrollment]] = {}
        for chunk in _chunks(pupil_ids):
            for enrollment in session.scalars(
                select(Enrollment)
                .where(Enrollment.pupil_id.in_(chunk), Enrollment.ended_on.is_(None))
                .order_by(Enrollment.id)
            ):
                self.current.setdefault(enrollment.pupil_id, []).append(enrollment)

    def check(self, records) -> list[_PupilPlan]:
        self.schools, where = _schools_in_scope(self.session, self.unit_code)
        self._load(records)
        codes_seen: dict[str, int] = {}
        rooms_seen: dict[tuple[int, str], tuple[int, int]] = {}  # -> (grade, first row)
        guardians_seen: dict[str, str] = {}  # phone -> name as first written
        plans = []
        for number, values in records:
            row = _Row(number, values, self.report)
            code = row.required("student_code")
            pupil = None
            if code:
                if not STUDENT_CODE.match(code.casefold()):
                    row.error(
                        f"Mã học sinh “{code}” không hợp lệ: 3-40 ký tự gồm chữ không dấu, chữ số, dấu . _ -"
                    )
                if code.casefold() in codes_seen:
                    row.error(f"Mã học sinh {code} trùng với dòng {codes_seen[code.casefold()]}")
                else:
                    codes_seen[code.casefold()] = number
                pupil = self.pupils.get(code.casefold())
                if pupil is not None and pupil.role != "pupil":
                    row.error(f"Mã học sinh {code} trùng tên đăng nhập của một tài khoản không phải học sinh")
            name = row.name()
            born = self._date_of_birth(row)
            school_code = row.required("school_code")
            school = self.schools.get(school_code.casefold()) if school_code else None
            if school_code and school is None:
                row.error(f"không có trường mã {school_code}{where}")
            grade_text = row.required("grade")
            grade = parse_grade(grade_text) if grade_text else None
            if grade_text and grade is None:
                row.error(f"Khối không hợp lệ: “{grade_text}” (ghi số từ 1 đến 9)")
            if school is not None and grade is not None:
                allowed = LEVEL_GRADES.get(school.level, range(0))
                if school.level == "mam-non":
                    row.error(f"trường {school.code} là trường mầm non: không nhập học sinh mầm non")
                elif grade not in allowed:
                    row.error(
                        f"khối {grade} không thuộc cấp học của trường {school.code} "
                        f"({LEVEL_NAMES.get(school.level, school.level)}: khối "
                        f"{allowed.start}-{allowed.stop - 1})"
                    )
            class_name = row.required("class")
            if len(class_name) > 40:
                row.error("Tên lớp dài quá 40 ký tự")
            if school is not None and grade is not None and class_name:
                key = (school.id, class_name.casefold())
                room = self.rooms.get(key)
                if room is not None and room.grade != grade:
                    row.error(
                        f"lớp {room.name} năm học {self.year} của trường {school.code} "
                        f"là khối {room.grade}, không phải khối {grade}"
                    )
                elif key in rooms_seen and rooms_seen[key][0] != grade:
                    first_grade, first_row = rooms_seen[key]
                    row.error(
                        f"lớp {class_name} ghi khối {grade} nhưng dòng {first_row} ghi khối {first_grade}"
                    )
                else:
                    rooms_seen.setdefault(key, (grade, number))
            if pupil is not None and pupil.role == "pupil":
                for enrollment in self.current.get(pupil.id, []):
                    if enrollment.classroom.school_year > self.year:
                        row.error(
                            f"học sinh {code} đang học lớp {enrollment.classroom.name} "
                            f"năm học {enrollment.classroom.school_year}, sau năm học "
                            f"{self.year} của tệp"
                        )
            guardians = self._guardians(row, guardians_seen)
            if row.ok:
                plans.append(
                    _PupilPlan(number, code, name, born, school, class_name, grade, pupil, guardians)
                )
        return plans

    def _date_of_birth(self, row: _Row) -> date | None:
        raw = row.values.get("date_of_birth", "")
        if not _text(raw):
            row.error("thiếu Ngày sinh")
            return None
        born = parse_date(raw)
        if born is None or born.year < 1900:
            row.error(f"Ngày sinh không hợp lệ: “{_text(raw)}” (ghi ngày/tháng/năm, ví dụ 05/09/2014)")
            return None
        if born > self.today:
            row.error(f"Ngày sinh {born:%d/%m/%Y} ở tương lai")
            return None
        return born

    def _guardians(self, row: _Row, seen: dict[str, str]) -> list[tuple[str, str]]:
        guardians: list[tuple[str, str]] = []
        for which in ("1", "2"):
            name_field, phone_field = f"guardian{which}_name", f"guardian{which}_phone"
            if not row.text(name_field) and not row.text(phone_field):
                continue
            name = row.name(name_field)
            phone = row.phone(phone_field)
            if not name or not phone:
                continue
            if any(phone == other for other, _ in guardians):
                row.error(f"hai phụ huynh cùng số điện thoại {phone}")
                continue
            user = self.phone_users.get(phone)
            if user is not None and user.role != "parent":
                row.error(f"số điện thoại {phone} đã thuộc về tài khoản không phải phụ huynh")
                continue
            first = seen.setdefault(phone, name)
            if first != name:
                self.report.details.append(
                    f"lưu ý dòng {row.number}: số {phone} ghi tên “{name}”, dùng tên “{first}” "
                    "ghi ở dòng trước"
                )
            guardians.append((phone, first))
        return guardians

    def apply(self, plans: list[_PupilPlan]) -> None:
        self.taken_codes: set[str] = set()
        for plan in plans:
            self._apply_row(plan)

    def _signin_code(self) -> str:
        while True:
            code = "".join(secrets.choice(ALPHABET) for _ in range(SIGNIN_CODE_LENGTH))
            if code in self.taken_codes:
                continue
            self.taken_codes.add(code)
            if self.session.scalar(select(Classroom.id).where(Classroom.signin_code == code)) is None:
                return code

    def _classroom(self, plan: _PupilPlan) -> Classroom:
        key = (plan.school.id, plan.class_name.casefold())
        room = self.rooms.get(key)
        if room is None:
            room = Classroom(
                school_id=plan.school.id,
                name=plan.class_name,
                grade=plan.grade,
                school_year=self.year,
                signin_code=self._signin_code(),
            )
            self.session.add(room)
            self.session.flush()
            self.rooms[key] = room
            self.report.details.append(
                f"thêm lớp {room.name} (khối {room.grade}, năm học {self.year}) trường {plan.school.code}"
            )
        return room

    def _parent(self, phone: str, name: str, changes: list[str]) -> User:
        parent = self.phone_users.get(phone)
        if parent is None:
            parent = User(
                role="parent",
                tier="parent",
                phone=phone,
                full_name=name,
                name_key=name_sort_key(name),
            )
            self.session.add(parent)
            self.session.flush()
            self.phone_users[phone] = parent
            self.report.details.append(f"thêm phụ huynh {phone} {name}")
        elif parent.full_name != name and parent.claimed_at is None:
            # The school's list names a guardian until they sign in; then the account is theirs.
            changes.append(f"tên phụ huynh {phone} “{parent.full_name}” → “{name}”")
            parent.full_name, parent.name_key = name, name_sort_key(name)
        return parent

    def _apply_row(self, plan: _PupilPlan) -> None:
        session, report = self.session, self.report
        room = self._classroom(plan)
        tier = tier_for_grade(plan.grade)
        pupil = plan.pupil
        changes: list[str] = []
        created = pupil is None
        if created:
            pupil = User(
                role="pupil",
                tier=tier,
                username=plan.code.casefold(),
                student_code=plan.code,
                full_name=plan.name,
                name_key=name_sort_key(plan.name),
                date_of_birth=plan.date_of_birth,
                school_id=plan.school.id,
            )
            session.add(pupil)
            session.flush()
        else:
            if pupil.full_name != plan.name:
                changes.append(f"họ tên “{pupil.full_name}” → “{plan.name}”")
                pupil.full_name = plan.name
            if pupil.name_key != name_sort_key(plan.name):
                pupil.name_key = name_sort_key(plan.name)
            if pupil.date_of_birth != plan.date_of_birth:
                old = f"{pupil.date_of_birth:%d/%m/%Y}" if pupil.date_of_birth else "trống"
                changes.append(f"ngày sinh {old} → {plan.date_of_birth:%d/%m/%Y}")
                pupil.date_of_birth = plan.date_of_birth
            if pupil.tier != tier:
                changes.append(
                    f"cấp {TIER_NAMES.get(pupil.tier or '', pupil.tier or 'trống')} "
                    f"→ {TIER_NAMES.get(tier or '', tier)}"
                )
                pupil.tier = tier
            if pupil.school_id != plan.school.id:
                changes.append(f"trường {plan.school.code}")
                pupil.school_id = plan.school.id
            if pupil.student_code is None:
                pupil.student_code = plan.code
                changes.append("mã học sinh")

        current = [] if created else self.current.get(pupil.id, [])
        if any(e.classroom_id == room.id for e in current):
            for enrollment in current:
                if enrollment.classroom_id != room.id:  # two open enrolments: keep this one
                    enrollment.ended_on = self.today
                    changes.append(f"kết thúc lớp {enrollment.classroom.name}")
        else:
            for enrollment in current:
                enrollment.ended_on = self.today
            session.add(Enrollment(pupil_id=pupil.id, classroom_id=room.id, started_on=self.today))
            if current:
                old = ", ".join(e.classroom.name for e in current)
                changes.append(f"chuyển lớp {old} → {room.name}")
            elif not created:
                changes.append(f"vào lớp {room.name}")

        if pupil.household_id is None and not created:
            changes.append("hộ gia đình")
        ensure_household(session, pupil)
        for phone, name in plan.guardians:
            parent = self._parent(phone, name, changes)
            if link_guardian(session, parent, pupil) and not created:
                changes.append(f"thêm phụ huynh {name}")

        if created:
            report.created += 1
            report.details.append(f"thêm học sinh {plan.code} {plan.name} ({room.name})")
        elif changes:
            report.updated += 1
            report.details.append(f"cập nhật học sinh {plan.code} {plan.name}: " + ", ".join(changes))
        else:
            report.unchanged += 1


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
