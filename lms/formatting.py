"""Jinja filters: Vietnamese dates and numbers, and the one filter that outputs stored HTML."""

import functools
import hashlib
from datetime import date, datetime, timedelta
from pathlib import Path

from babel.numbers import format_decimal as babel_format_decimal
from flask import Flask, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from lms.access import ADMINS, OVERSEERS
from lms.redirects import current_path

VN_OFFSET = timedelta(hours=7)


def local(dt: datetime) -> datetime:
    """Stored times are UTC; Vietnam is UTC+7 all year."""
    return dt + VN_OFFSET


def format_day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value)
    return value.strftime("%d/%m/%Y")


def format_moment(value: datetime | None) -> str:
    if value is None:
        return ""
    return local(value).strftime("%H:%M %d/%m/%Y")


def format_score(value: float | None, digits: int = 1) -> str:
    """8,5 in Vietnamese, 8.5 in English; no trailing ,0."""
    if value is None:
        return ""
    rounded = round(float(value), digits)
    fmt = "#,##0" if rounded == int(rounded) else "#,##0." + "#" * digits
    return _decimal(rounded, fmt, str(get_locale()))


def format_number(value: int | None) -> str:
    if value is None:
        return ""
    return _decimal(value, "#,##0", str(get_locale()))


@functools.lru_cache(maxsize=4096)
def _decimal(value: float, fmt: str, locale: str) -> str:
    """Babel's formatting, remembered: a class page writes the same few scores hundreds of times."""
    return babel_format_decimal(value, format=fmt, locale=locale)


def stored_html(value: str | None) -> Markup:
    """HTML that the content pipeline rendered and sanitized at sync. Nothing else is marked safe."""
    return Markup(value or "")  # noqa: S704 - sanitized by bleach when stored


def qr_data_uri(text: str) -> str:
    """A QR code as an inline SVG image: no request to another host, no extra route."""
    import segno

    return segno.make(text, error="m").svg_data_uri(scale=4, border=2)


def first_upper(text: str) -> str:
    """A heading made from a phrase: "học sinh THCS" -> "Học sinh THCS" (rest unchanged)."""
    return text[:1].upper() + text[1:]


def register(app: Flask) -> None:
    app.add_template_filter(first_upper, "first_upper")
    app.add_template_filter(qr_data_uri, "qr")
    app.add_template_filter(format_day, "day")
    app.add_template_filter(format_moment, "moment")
    app.add_template_filter(format_score, "score")
    app.add_template_filter(format_number, "number")
    app.add_template_filter(stored_html, "stored_html")
    register_context(app)


TIER_NAMES = {
    "primary": _l("primary pupils (grades 1-5)"),
    "lower-secondary": _l("lower-secondary pupils (grades 6-9)"),
    "teacher": _l("teachers and staff"),
    "parent": _l("parents"),
    "official": _l("ward and commune officials"),
}


# The accounts' roles as people call them (ward_admin is the office of a ward or a commune).
ROLE_NAMES = {
    "pupil": _l("Pupil"),
    "teacher": _l("Teacher"),
    "parent": _l("Parent"),
    "school_admin": _l("School admin"),
    "ward_admin": _l("Ward or commune admin"),
    "city_admin": _l("City admin"),
    "official": _l("Ward or commune official"),
}


STAFF_ROLE_NAMES = {
    "teacher": _l("teacher"),
    "staff": _l("staff"),
    "principal": _l("principal"),
}


# Pages speak the reader's language (the roster's Vietnamese reports keep their own names).
LEVEL_LABELS = {
    "mam-non": _l("Preschool"),
    "tieu-hoc": _l("Primary school"),
    "thcs": _l("Lower-secondary school"),
    "th-thcs": _l("Primary and lower-secondary school"),
}


def level_name(level: str | None) -> str:
    return str(LEVEL_LABELS.get(level or "", level or ""))


def staff_role_name(role: str | None) -> str:
    return str(STAFF_ROLE_NAMES.get(role or "", role or ""))


def role_name(role: str | None) -> str:
    return str(ROLE_NAMES.get(role or "", role or ""))


def tier_name(tier: str | None) -> str:
    return str(TIER_NAMES.get(tier, tier or ""))


def nav_links() -> tuple[tuple[str, str], ...]:
    """The menu for the signed-in user's role: (address, label) pairs."""
    user = current_user._get_current_object()
    return _menu(user.role, user.is_learner, str(get_locale()), request.script_root)


@functools.lru_cache(maxsize=64)
def _menu(role: str, is_learner: bool, _locale: str, _root: str) -> tuple[tuple[str, str], ...]:
    """The same for everyone with that role and language: built once (every page shows it)."""
    links = []
    if role == "parent":
        links.append(("family.home", _("My family")))
    if is_learner:
        links += [("learning.home", _("My courses")), ("learning.history", _("My results"))]
    if role in ("teacher", "school_admin", *OVERSEERS):
        links.append(("teaching.classes", _("Classes")))
    if role in ADMINS:
        links.append(("campaign.ward", _("Dashboard")))
        links.append(("admin.index", _("Administration")))
    return tuple((url_for(endpoint), str(label)) for endpoint, label in links)


def register_context(app: Flask) -> None:
    """Helpers every template may call: globals, set once (a context processor would build
    the same dictionary again for every page)."""
    # One version for every static file (?v=): browsers may keep them for a year (deploy/nginx.conf),
    # so a release that changes any one of them, scripts included, must change it.
    static = Path(app.static_folder)
    digest = hashlib.sha256()
    for path in sorted(p for p in static.rglob("*") if p.is_file()):
        digest.update(path.relative_to(static).as_posix().encode() + b"\0" + path.read_bytes())
    version = digest.hexdigest()[:10]
    app.jinja_env.globals.update(
        nav_links=nav_links,
        current_path=current_path,
        tier_name=tier_name,
        role_name=role_name,
        level_name=level_name,
        staff_role_name=staff_role_name,
        static_version=version,
    )
