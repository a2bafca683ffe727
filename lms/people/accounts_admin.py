"""Creating accounts from the command line and the admins' pages."""

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts import hash_password
from lms.models import User
from lms.people.names import name_sort_key, normalize_name

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
MIN_PASSWORD = 8


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")


def create_ward_admin(session: Session, username: str, full_name: str, password: str) -> User:
    username = username.strip().casefold()
    if not USERNAME.match(username):
        raise ValueError("Tên đăng nhập gồm 3-40 ký tự: chữ thường không dấu, số, . _ -")
    check_password_strength(password)
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
