"""Reading a roster file: CSV or XLSX, headers and their Vietnamese aliases, the kind of file."""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from lms.models.people import PRESCHOOL_GRADE
from lms.people.roster.school_software import (
    EXTRA_ALIASES,
    PARENT_ALIASES,
    PARENT_FIELDS,
    PARENT_LABELS,
    header_key,
    is_ignored,
    is_ignored_for_officials,
)
from lms.people.roster.village_columns import VILLAGE_ALIASES, VILLAGE_LABELS, is_ignored_for_households
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
    # units (and the unit of a school or an official)
    "unit_code": (
        "mã đơn vị",
        "mã đơn vị hành chính",
        "mã phường/xã",
        "mã phường, xã",
        "mã phường xã",
        "mã xã/phường",
        "mã phường",
        "mã xã",
    ),
    "unit_name": ("tên đơn vị", "tên đơn vị hành chính", "tên phường/xã", "tên phường, xã"),
    "kind": ("loại", "loại đơn vị", "loại đơn vị hành chính", "cấp hành chính"),
    "parent_code": (
        "mã đơn vị cấp trên",
        "mã cấp trên",
        "mã thành phố",
        "mã tỉnh",
        "mã thành phố/tỉnh",
        "mã tỉnh/thành phố",
    ),
    # officials' employment
    "start_date": ("ngày bắt đầu", "ngày bắt đầu làm việc", "ngày bắt đầu công tác", "làm việc từ ngày"),
    "end_date": ("ngày kết thúc", "ngày nghỉ việc", "ngày thôi việc", "làm việc đến ngày"),
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
    "unit_code": "Mã đơn vị",
    "unit_name": "Tên đơn vị",
    "kind": "Loại",
    "parent_code": "Mã đơn vị cấp trên",
    "start_date": "Ngày bắt đầu làm việc",
    "end_date": "Ngày nghỉ việc",
    **PARENT_LABELS,
    **VILLAGE_LABELS,
}

GUARDIAN_FIELDS = ("guardian1_name", "guardian1_phone", "guardian2_name", "guardian2_phone")

# kind -> (required columns, optional columns)
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "units": (("unit_code", "unit_name", "kind"), ("parent_code",)),
    "schools": (("school_code", "name", "level"), ("unit_code",)),
    "pupils": (
        ("school_code", "class", "grade", "full_name", "date_of_birth", "student_code"),
        GUARDIAN_FIELDS + PARENT_FIELDS,
    ),
    "staff": (("school_code", "full_name", "role", "phone"), ()),
    "officials": (("unit_code", "full_name", "phone"), ("start_date", "end_date")),
    "households": (("unit_code", "village_code", "village_name", "household_code", "head_name"), ("phones",)),
}
# Required columns a file may go without: the school is chosen on import, the grade read from
# the class name, the student code derived from name and date of birth (school_software.py);
# an officials or households file of one unit names the unit on import (--unit, or the
# admin's own unit).
MAY_GO_WITHOUT = {
    "pupils": ("school_code", "grade", "student_code"),
    "officials": ("unit_code",),
    "households": ("unit_code",),
}
# A units file may call its name column plainly "name" (unit_code,name,kind,parent_code); a
# household list's "Số điện thoại" holds the members' phones, its "Họ và tên" the head's name.
RENAMES = {"units": {"name": "unit_name"}, "households": {"phone": "phones", "full_name": "head_name"}}
KIND_LABELS = {
    "units": "danh sách đơn vị hành chính",
    "schools": "danh sách trường",
    "pupils": "danh sách học sinh",
    "staff": "danh sách cán bộ, giáo viên, nhân viên",
    "officials": "danh sách cán bộ, công chức phường/xã",
    "households": "danh sách hộ gia đình theo thôn, tổ dân phố",
}
UNIT_KIND_NAMES = {"city": "thành phố", "ward": "phường", "commune": "xã"}

LEVEL_NAMES = {"mam-non": "Mầm non", "tieu-hoc": "Tiểu học", "thcs": "THCS", "th-thcs": "TH&THCS"}
LEVEL_GRADES = {
    "mam-non": range(PRESCHOOL_GRADE, PRESCHOOL_GRADE + 1),
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
    """The file as a whole cannot be imported: unreadable, or not one of the known kinds."""


@dataclass
class RowError:
    row: int
    message: str

    def __str__(self) -> str:
        return f"Dòng {self.row}: {self.message}"


@dataclass
class ImportReport:
    kind: str  # "units" | "schools" | "pupils" | "staff" | "officials" | "households"
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
    for table in (ALIASES, PARENT_ALIASES, EXTRA_ALIASES, VILLAGE_ALIASES)
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


def _as_kind(kind: str, fields: dict[str, str]) -> dict[str, str]:
    """The columns as a file of this kind reads them (a units file's "name" is the unit's)."""
    renames = RENAMES.get(kind, {})
    return {header: renames.get(name, name) for header, name in fields.items()}


def _kind_of(fields: dict[str, str]) -> list[str]:
    """The kinds whose core columns the file has; of several, those with the most core columns
    (a staff file also has an officials file's name and phone)."""
    kinds = [kind for kind in KINDS if _core(kind) <= set(_as_kind(kind, fields).values())]
    if len(kinds) > 1:
        most = max(len(_core(kind)) for kind in kinds)
        kinds = [kind for kind in kinds if len(_core(kind)) == most]
    return kinds


def _ignorable(kind: str, header: str, name: str | None) -> bool:
    """Columns read past, never stored (and named in the report): a school-software pupil
    list's (school_software.IGNORED); in an officials file, the same and the official's
    position and date of birth, which the LMS does not need; in a household list, the same
    and the household's own figures (village_columns.HOUSEHOLD_IGNORED)."""
    if kind == "pupils":
        return is_ignored(header)
    if kind == "officials":
        return name in ("role", "date_of_birth") or is_ignored_for_officials(header)
    if kind == "households":
        return name == "date_of_birth" or is_ignored_for_households(header)
    return False


def _recognise(
    headers: list[str], header_row: int
) -> tuple[str, dict[str, str], list[RowError], list[str]]:
    """The kind of file, its columns (header -> field), the errors of the header row and the
    columns read past (see _ignorable)."""
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
    kinds = _kind_of(fields)
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
            near = max(KINDS, key=lambda kind: len(_core(kind) & set(_as_kind(kind, fields).values())))
            core = [name for name in KINDS[near][0] if name in _core(near)]
            have = set(_as_kind(near, fields).values())
            missing = [LABELS[name] for name in core if name not in have]
            if len(core) - len(missing) >= 2:
                problem += f" Giống {KIND_LABELS[near]} nhưng thiếu cột: " + ", ".join(missing) + "."
        raise RosterError(
            problem
            + " Dòng tiêu đề phải là dòng đầu tiên của tệp (hoặc nằm trong 15 dòng đầu, dưới các "
            "dòng tên danh sách). Chấp nhận các loại danh sách:\n"
            + accepted
        )
    kind = kinds[0]
    renamed = _as_kind(kind, fields)
    if len(set(renamed.values())) < len(renamed):  # "name" and "Tên đơn vị" in a units file
        first, second = (h for h, f in renamed.items() if list(renamed.values()).count(f) > 1)
        raise RosterError(
            f"Cột “{first}” và cột “{second}” cùng là {LABELS[renamed[first]]}: chỉ giữ một cột."
        )
    fields = renamed
    required, optional = KINDS[kind]
    errors = []
    ignored = []
    names: dict[str, str | None] = dict.fromkeys(unknown)
    for header, name in list(fields.items()):
        if name not in required and name not in optional:
            unknown.append(header)
            names[header] = name
            del fields[header]
    for header in sorted(unknown, key=headers.index):
        if _ignorable(kind, header, names[header]):
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
