"""A pupil list as school-management software or the education database exports it.

Such a file has title rows above its header ("SỞ GD&ĐT…", "DANH SÁCH HỌC SINH LỚP 6A1"), an
STT column, the father's and the mother's name and phone in columns of their own, and columns
the LMS has no use for (gender, ethnicity, address, ID numbers…). A class's or a school's own
file has no school-code column (the school is chosen on import), often no grade column (the
class name says it: 6A1 is grade 6) and sometimes no student code.

The privacy rule stays "never store what the LMS does not need": the columns below are read
past, never stored, and named in the report. A column that is on no list is still refused: it
may be a needed column spelt another way ("SĐT của mẹ"), and ignoring it would drop that data
without a word.
"""

import hashlib
import re
import unicodedata


def header_key(text: str) -> str:
    """Headers are compared NFC-normalised, case-insensitively, spaces trimmed and collapsed."""
    return " ".join(unicodedata.normalize("NFC", str(text)).casefold().split())


# The parents' columns: each becomes a guardian (an account by phone number).
PARENT_ALIASES: dict[str, tuple[str, ...]] = {
    "father_name": ("họ tên cha", "họ và tên cha", "tên cha", "họ tên bố", "họ và tên bố", "tên bố"),
    "father_phone": (
        "sđt cha", "số điện thoại cha", "điện thoại cha", "đt cha", "sdt cha",
        "sđt bố", "số điện thoại bố", "điện thoại bố",
    ),
    "mother_name": ("họ tên mẹ", "họ và tên mẹ", "tên mẹ"),
    "mother_phone": ("sđt mẹ", "số điện thoại mẹ", "điện thoại mẹ", "đt mẹ", "sdt mẹ"),
    "carer_name": (
        "người giám hộ", "họ tên người giám hộ", "họ và tên người giám hộ", "tên người giám hộ",
    ),
    "carer_phone": ("sđt người giám hộ", "số điện thoại người giám hộ", "điện thoại người giám hộ"),
}
PARENT_LABELS = {
    "father_name": "Họ tên cha",
    "father_phone": "SĐT cha",
    "mother_name": "Họ tên mẹ",
    "mother_phone": "SĐT mẹ",
    "carer_name": "Người giám hộ",
    "carer_phone": "SĐT người giám hộ",
}
PARENT_FIELDS = tuple(PARENT_LABELS)
PARENTS = (("father_name", "father_phone"), ("mother_name", "mother_phone"), ("carer_name", "carer_phone"))

# More ways the software names the columns the LMS does use.
EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "full_name": ("họ và tên học sinh", "họ tên học sinh", "họ tên hs", "họ và tên hs"),
    "date_of_birth": ("ngày tháng năm sinh", "ngày/tháng/năm sinh", "ngày, tháng, năm sinh"),
    "student_code": ("mã hs", "mã số học sinh"),
}

# Columns of a pupil list that are read past: the header is one of these, or begins with
# one followed by a space, "(" or "/" ("Địa chỉ thường trú", "Năm sinh cha", "CCCD (12 số)").
IGNORED = (
    "stt", "số tt", "tt", "số thứ tự",
    "giới tính", "nam/nữ", "nữ", "dân tộc", "tôn giáo", "quốc tịch",
    "địa chỉ", "nơi sinh", "quê quán", "hộ khẩu", "thường trú", "tạm trú", "chỗ ở", "nơi ở",
    "cccd", "số cccd", "căn cước", "số căn cước", "số định danh", "mã định danh", "định danh",
    "cmnd", "số cmnd", "mã bhyt", "số bhyt", "bhyt",
    "ghi chú", "email", "nghề nghiệp", "năm sinh", "ngày sinh cha", "ngày sinh mẹ",
    "đối tượng", "diện chính sách", "khuyết tật", "trạng thái", "đoàn viên", "đội viên",
    "chiều cao", "cân nặng", "nhóm máu",
)


def is_ignored(header: str) -> bool:
    key = header_key(header)
    return any(key == word or key.startswith((word + " ", word + "(", word + "/")) for word in IGNORED)


# An officials list from the office's staff records: its position, rank and department
# columns are read past too (and "Chức vụ", "Ngày sinh": see table._ignorable).
OFFICIAL_IGNORED = (
    *IGNORED, "chức danh", "vị trí", "vị trí việc làm", "bộ phận", "phòng ban", "phòng, ban",
    "ngạch", "trình độ",
)


def is_ignored_for_officials(header: str) -> bool:
    key = header_key(header)
    return any(
        key == word or key.startswith((word + " ", word + "(", word + "/")) for word in OFFICIAL_IGNORED
    )


# A kindergarten class: nhà trẻ / nhóm trẻ (under three), mẫu giáo bé, nhỡ, lớn, named Mầm,
# Chồi, Lá, or by age ("5 tuổi A", "24-36 tháng").
_PRESCHOOL_CLASS = re.compile(
    r"^(?:lớp|nhóm)?\s*(?:mầm|chồi|lá|nhà\s*trẻ|nhóm\s*trẻ|mẫu\s*giáo|mg|nt"
    r"|\d\s*(?:-\s*\d\s*)?tuổi|\d{1,2}\s*-\s*\d{1,2}\s*tháng)(?![^\W\d_])",
    re.IGNORECASE,
)


def is_preschool_class(name: str) -> bool:
    """Whether a class name is a kindergarten class's ("Chồi 2", "Nhà trẻ 24-36 tháng")."""
    return bool(_PRESCHOOL_CLASS.match(header_key(name)))


def is_preschool_grade(text: str) -> bool:
    """A grade cell of a kindergarten class: 0, "Mầm non", or a kindergarten group's name."""
    key = header_key(text)
    return key in ("0", "mầm non", "mam non") or is_preschool_class(key)


_GRADE_IN_CLASS = re.compile(r"^(?:lớp\s*)?(\d{1,2})(?!\d)", re.IGNORECASE)


def grade_from_class(name: str) -> str:
    """The grade a class name begins with ("6A1" -> "6", "Lớp 7/2" -> "7"), or ""."""
    match = _GRADE_IN_CLASS.match(name.strip())
    return match.group(1) if match else ""


def derived_code(school_code: str, name: str, born) -> str:
    """A student code for a file without one, the same on every import of the same pupil:
    the school code, then a digest of the name and date of birth."""
    school = re.sub(r"[^a-z0-9]", "", school_code.casefold())[:20] or "hs"
    digest = hashlib.sha256(f"{header_key(name)}|{born.isoformat()}".encode()).hexdigest()[:8]
    return f"{school}-{digest}"


def known_pupils(session, wanted: dict[tuple[str, str, object], str], schools: dict) -> dict:
    """The pupils already stored for rows without a student code, by school, name and date of
    birth (a school that once imported them with codes): derived code -> pupil. A name and date
    that two stored pupils of a school share matches neither."""
    from sqlalchemy import select

    from lms.models import User

    school_ids = sorted({schools[s].id for s, _, _ in wanted if s in schools})
    dates = sorted({born for _, _, born in wanted})
    if not school_ids or not dates:
        return {}
    candidates: dict[tuple, list] = {}
    for start in range(0, len(dates), 500):
        query = select(User).where(
            User.role == "pupil",
            User.school_id.in_(school_ids),
            User.date_of_birth.in_(dates[start : start + 500]),
        )
        for user in session.scalars(query):
            key = (user.school_id, header_key(user.full_name), user.date_of_birth)
            candidates.setdefault(key, []).append(user)
    found = {}
    for (school, name, born), code in wanted.items():
        if school in schools:
            users = candidates.get((schools[school].id, header_key(name), born), [])
            if len(users) == 1:
                found[code.casefold()] = users[0]
    return found
