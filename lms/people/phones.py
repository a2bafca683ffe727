import re


def normalize_phone(value: str | None) -> str | None:
    """Vietnamese phone numbers as 0xxxxxxxxx; +84, 84, spaces, dots and dashes accepted."""
    digits = re.sub(r"[\s.\-()]", "", str(value or ""))
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    elif len(digits) == 9 and digits[0] in "35789":  # a spreadsheet dropped the leading 0
        digits = "0" + digits
    return digits if re.fullmatch(r"0\d{9}", digits) else None
