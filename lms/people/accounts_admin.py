"""Creating accounts from the command line and the admins' pages."""

import re

from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts import hash_password
from lms.models import User
from lms.people.names import name_sort_key, normalize_name
from lms.people.passwords import password_problem

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
MIN_PASSWORD = 8


def check_password_strength(password: str, username: str | None = None) -> None:
    problem = password_problem(password, username=username)  # lms.people.passwords
    if problem is not None:
        with force_locale("vi"):  # the command line speaks Vietnamese, with no request to ask
            raise ValueError(str(problem))


def create_ward_admin(session: Session, username: str, full_name: str, password: str) -> User:
    username = username.strip().casefold()
    if not USERNAME.match(username):
        raise ValueError("Tên đăng nhập gồm 3-40 ký tự: chữ thường không dấu, số, . _ -")
    check_password_strength(password, username)
    if session.scalar(select(User.id).where(User.username == username)):
        raise ValueError(f"Tên đăng nhập {username} đã có người dùng.")
    name = normalize_name(full_name)
    user = User(
        role="ward_admin",
        username=username,
        full_name=name,
        name_key=name_sort_key(name),
        password_hash=hash_password(password),
    )
    session.add(user)
    session.commit()
    return user
