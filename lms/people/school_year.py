"""Vietnamese school years start in September: "2026-2027" runs from 09/2026 to 08/2027."""

import re
from datetime import date

YEAR = re.compile(r"^(\d{4})-(\d{4})$")


def school_year_for(day: date) -> str:
    first = day.year if day.month >= 9 else day.year - 1
    return f"{first}-{first + 1}"


def school_year_start(day: date) -> date:
    first = day.year if day.month >= 9 else day.year - 1
    return date(first, 9, 5)


def valid_school_year(value: str) -> bool:
    match = YEAR.match(value or "")
    return bool(match) and int(match.group(2)) == int(match.group(1)) + 1
