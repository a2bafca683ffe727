"""Reading a roster file: CSV or XLSX, headers and their Vietnamese aliases, the kind of file."""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from lms.people.roster.school_software import (
    EXTRA_ALIASES,
    PARENT_ALIASES,
    PARENT_FIELDS,
    PARENT_LABELS,
    header_key,
    is_ignored,
)
from lms.people.school_year import valid_school_year

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
    **PARENT_LABELS,
}

GUARDIAN_FIELDS = ("guardian1_name", "guardian1_phone", "guardian2_name", "guardian2_phone")

# kind -> (required columns, optional columns)
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "schools": (("school_code", "name", "level"), ()),
    "pupils": (
        ("school_code", "class", "grade", "full_name", "date_of_birth", "student_code"),
        GUARDIAN_FIELDS + PARENT_FIELDS,
    ),
    "staff": (("school_code", "full_name", "role", "phone"), ()),
}
# Required columns a file may go without: the school is chosen on import, the grade read from
# the class name, the student code derived from name and date of birth (school_software.py).
MAY_GO_WITHOUT = {"pupils": ("school_code", "grade", "student_code")}
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
SIGNIN_CODE_LENGTH = 6
_CHUNK = 500  # values per IN (...) query, below every database's limit


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
    ignored: list[str] = field(default_factory=list)  # columns read past, never stored

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


def check_school_year(value: str) -> str:
    value = (value or "").strip()
    if not valid_school_year(value):
        raise RosterError(f"Năm học “{value}” không hợp lệ: ghi dạng 2025-2026 (hai năm liền nhau).")
    return value


# --- headers -------------------------------------------------------------------------------


_key = header_key
_FIELD_BY_HEADER = {
    _key(alias): name
    for table in (ALIASES, PARENT_ALIASES, EXTRA_ALIASES)
    for name, aliases in table.items()
    for alias in ((name, *aliases) if table is not EXTRA_ALIASES else aliases)
}


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


def _columns_list(kind: str) -> str:
    required, optional = KINDS[kind]
    text = ", ".join(f"{LABELS[name]} ({name})" for name in required)
    if optional:
        text += "; có thể thêm " + ", ".join(f"{LABELS[name]} ({name})" for name in optional)
    return text


def _core(kind: str) -> set[str]:
    return set(KINDS[kind][0]) - set(MAY_GO_WITHOUT.get(kind, ()))


def _recognise(
    headers: list[str], header_row: int
) -> tuple[str, dict[str, str], list[RowError], list[str]]:
    """The kind of file, its columns (header -> field), the errors of the header row and the
    columns read past (pupil lists: school software's columns the LMS does not use)."""
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
    kinds = [kind for kind in KINDS if _core(kind) <= present]
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
            near = max(KINDS, key=lambda kind: len(_core(kind) & present))
            core = [name for name in KINDS[near][0] if name in _core(near)]
            missing = [LABELS[name] for name in core if name not in present]
            if len(core) - len(missing) >= 2:
                problem += f" Giống {KIND_LABELS[near]} nhưng thiếu cột: " + ", ".join(missing) + "."
        raise RosterError(
            problem
            + " Dòng tiêu đề phải là dòng đầu tiên của tệp (hoặc nằm trong 15 dòng đầu, dưới các "
            "dòng tên danh sách). Chấp nhận ba loại danh sách:\n"
            + accepted
        )
    kind = kinds[0]
    required, optional = KINDS[kind]
    errors = []
    ignored = []
    for header, name in list(fields.items()):
        if name not in required and name not in optional:
            unknown.append(header)
            del fields[header]
    for header in sorted(unknown, key=headers.index):
        if kind == "pupils" and is_ignored(header):
            ignored.append(header)
            continue
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
    return kind, fields, errors, ignored
