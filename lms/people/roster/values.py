"""Cell values: levels, roles, dates, grades, and a row that collects its own errors."""

import re
from datetime import date, timedelta

from lms.models.people import SCHOOL_LEVELS, STAFF_ROLES
from lms.people.names import normalize_name
from lms.people.phones import normalize_phone
from lms.people.roster.table import (
    _CHUNK,
    _LEVEL_WORDS,
    _ROLE_WORDS,
    LABELS,
    Cell,
    ImportReport,
    RowError,
    _key,
    _text,
)


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
