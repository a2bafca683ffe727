"""The columns of a village household list (kind "households"), as a commune's office keeps it.

Such a list comes from the commune's population records: next to the village, the household
code, the head of household and the members' phones it often has the address, the head's ID
number, date of birth and gender, the number of members. Those are read past, never stored,
and named in the report (as for a pupil list, school_software.py); a column on no list is
refused. "Số điện thoại" and "Họ và tên" are read as the members' phones and the head's name
(table.RENAMES)."""

import re

from lms.people.phones import normalize_phone
from lms.people.roster.school_software import IGNORED, header_key

VILLAGE_ALIASES: dict[str, tuple[str, ...]] = {
    "village_code": (
        "mã thôn",
        "mã thôn/tổ dân phố",
        "mã thôn, tổ dân phố",
        "mã thôn/tổ",
        "mã thôn/xóm",
        "mã tổ dân phố",
        "mã xóm",
    ),
    "village_name": (
        "thôn",
        "tên thôn",
        "thôn/tổ dân phố",
        "thôn, tổ dân phố",
        "tên thôn/tổ dân phố",
        "tên thôn, tổ dân phố",
        "thôn/tổ",
        "thôn/xóm",
        "tổ dân phố",
        "tên tổ dân phố",
        "xóm",
        "tên xóm",
    ),
    "household_code": ("mã hộ", "mã hộ gia đình", "mã số hộ", "số hộ"),
    "head_name": ("chủ hộ", "họ tên chủ hộ", "họ và tên chủ hộ", "tên chủ hộ"),
    "phones": (
        "số điện thoại thành viên",
        "số điện thoại các thành viên",
        "sđt thành viên",
        "sđt các thành viên",
        "các số điện thoại",
        "điện thoại",
        "điện thoại liên hệ",
        "số điện thoại liên hệ",
    ),
}
VILLAGE_LABELS = {
    "village_code": "Mã thôn",
    "village_name": "Thôn/Tổ dân phố",
    "household_code": "Mã hộ",
    "head_name": "Chủ hộ",
    "phones": "Số điện thoại",
}

# Read past in a household list: a pupil list's (addresses, ID numbers, gender…) and the
# household's own figures; "Ngày sinh" is read past too (table._ignorable).
HOUSEHOLD_IGNORED = (
    *IGNORED,
    "số nhà",
    "số nhân khẩu",
    "số khẩu",
    "số thành viên",
    "số người",
    "quan hệ với chủ hộ",
    "hoàn cảnh",
    "hộ nghèo",
    "hộ cận nghèo",
)


def is_ignored_for_households(header: str) -> bool:
    key = header_key(header)
    return any(
        key == word or key.startswith((word + " ", word + "(", word + "/")) for word in HOUSEHOLD_IGNORED
    )


MAX_PHONES = 10  # members' phones of one household
_SEPARATORS = re.compile(r"[,;/\n]+")


def split_phones(text: str) -> tuple[list[str], list[str]]:
    """The normalised phones of a cell, and the parts that are not phones. Numbers are
    separated by a comma, a semicolon, a slash or a space; a number may itself be written
    with spaces ("0912 345 678"), so the pieces between spaces are joined until they make one."""
    phones: list[str] = []
    bad: list[str] = []
    for part in _SEPARATORS.split(text):
        pieces = part.split()
        while pieces:
            phone, used = _first_phone(pieces)
            if phone is None:
                bad.append(" ".join(pieces))
                break
            if phone not in phones:
                phones.append(phone)
            pieces = pieces[used:]
    return phones, bad


def _first_phone(pieces: list[str]) -> tuple[str | None, int]:
    """The phone the first pieces make, and how many it took (None: they make none)."""
    for used in range(1, len(pieces) + 1):
        joined = "".join(pieces[:used])
        phone = normalize_phone(joined)
        if phone is not None:
            return phone, used
        if len(re.sub(r"\D", "", joined)) > 11:  # longer than any way of writing one
            break
    return None, 0
