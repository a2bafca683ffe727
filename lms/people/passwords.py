"""Which passwords are refused, wherever one is set (NIST SP 800-63B 3.1.1.2, ASVS 6.2):
fewer than 8 characters; one of the 10,000 most common passwords of a public breach corpus
(the ranked list the zxcvbn package ships) or a few Vietnamese favourites it lacks; one
character repeated or a plain run (aaaaaaaa, 12345678, abcdefgh); the person's own phone
number or username. No rules on mixing character kinds: NIST advises against them.
Each refusal says why, in words for the person choosing."""

from functools import cache

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from lms.people.phones import normalize_phone

MIN_LENGTH = 8
COMMON_COUNT = 10_000
# Common in Vietnam and absent from zxcvbn's (mostly English) list.
VIETNAMESE_COMMON = {
    "anhyeuem", "emyeuanh", "anhyeuem1", "emyeuanh1", "matkhau", "matkhau1", "matkhau123",
    "vietnam", "vietnam1", "vietnam123", "hanoi123", "saigon123", "123456aa", "1234567a",
}

SHORT = _l("The password needs at least 8 characters.")
COMMON = _l(
    "This password is one of the most common passwords, so it is easy to guess. "
    "Choose another one."
)
PATTERN = _l(
    "This password repeats one character or follows a simple run (like aaaaaaaa or 12345678), "
    "so it is easy to guess. Choose another one."
)
PERSONAL = _l("The password must not be your phone number or your username.")


@cache
def common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"][:COMMON_COUNT]) | VIETNAMESE_COMMON


def _is_run(text: str) -> bool:
    """One character repeated, or each character one step on from the last (up or down)."""
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:], strict=False)}
    return len(steps) == 1 and steps <= {-1, 0, 1}


def password_problem(password: str, *, username: str | None = None,
                     phone: str | None = None):
    """None when the password may be used, else the reason (a lazy translated message)."""
    if len(password) < MIN_LENGTH:
        return SHORT
    folded = password.casefold()
    if folded in common_passwords() or folded.replace(" ", "") in common_passwords():
        return COMMON
    if _is_run(folded):
        return PATTERN
    if username and folded.strip() == username.strip().casefold():
        return PERSONAL
    if phone and normalize_phone(password) == normalize_phone(phone):
        return PERSONAL
    return None


class AcceptablePassword:
    """The WTForms validator: `phone_field` names the form's phone field, when it has one."""

    def __init__(self, phone_field: str | None = None):
        self.phone_field = phone_field

    def __call__(self, form, field) -> None:
        phone = form[self.phone_field].data if self.phone_field else None
        problem = password_problem(field.data or "", phone=phone)
        if problem is not None:
            raise ValidationError(str(problem))
