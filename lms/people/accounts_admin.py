"""Creating accounts from the command line and the admins' pages."""

import re

from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts import hash_password
from lms.models import Unit, User
from lms.people.names import name_sort_key, normalize_name
from lms.people.passwords import password_problem

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
MIN_PASSWORD = 8


def check_password_strength(password: str, username: str | None = None) -> None:
    problem = password_problem(password, username=username)  # lms.people.passwords
    if problem is not None:
        with force_locale("vi"):  # the command line speaks Vietnamese, with no request to ask
            raise ValueError(str(problem))


def _admin_unit(session: Session, unit_code: str | None, city: bool) -> Unit | None:
    """The unit an admin is created for: the named ward or commune, or the city."""
    if city:
        if unit_code:
            raise ValueError("Chọn một trong hai: --unit MÃ hoặc --city.")
        cities = session.scalars(select(Unit).where(Unit.kind == "city")).all()
        if len(cities) > 1:
            raise ValueError("Có nhiều thành phố: nhập danh sách đơn vị lại cho đúng.")
        return cities[0] if cities else None  # no city unit yet: every ward and commune
    if not unit_code:
        return None  # a single ward installed alone: its admin needs no unit (lms.people.units)
    unit = session.scalar(select(Unit).where(Unit.code == unit_code.strip()))
    if unit is None or unit.is_city:
        codes = ", ".join(session.scalars(select(Unit.code).where(Unit.kind != "city").order_by(Unit.code)))
        raise ValueError(f"Không có phường/xã mã “{unit_code}”" + (f" (các mã: {codes})." if codes else "."))
    return unit


def create_ward_admin(
    session: Session,
    username: str,
    full_name: str,
    password: str,
    unit_code: str | None = None,
    city: bool = False,
) -> User:
    """A unit admin (for the named ward or commune), or with city=True the city admin."""
    unit = _admin_unit(session, unit_code, city)
    username = username.strip().casefold()
    if not USERNAME.match(username):
        raise ValueError("Tên đăng nhập gồm 3-40 ký tự: chữ thường không dấu, số, . _ -")
    check_password_strength(password, username)
    if session.scalar(select(User.id).where(User.username == username)):
        raise ValueError(f"Tên đăng nhập {username} đã có người dùng.")
    name = normalize_name(full_name)
    user = User(
        role="city_admin" if city else "ward_admin",
        unit_id=unit.id if unit else None,
        username=username,
        full_name=name,
        name_key=name_sort_key(name),
        password_hash=hash_password(password),
    )
    session.add(user)
    session.commit()
    return user
