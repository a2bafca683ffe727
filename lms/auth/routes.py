"""Signing in and out."""

import re

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import or_, select

from lms.accounts import end_session, start_session, verify_password
from lms.auth.forms import LoginForm
from lms.extensions import db, limiter
from lms.models import User
from lms.redirects import safe_next

bp = Blueprint("auth", __name__)


def normalize_phone(value: str) -> str | None:
    """Vietnamese mobile numbers as 0xxxxxxxxx; +84 and spaces or dots accepted."""
    digits = re.sub(r"[\s.\-()]", "", value or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if re.fullmatch(r"0\d{9}", digits) else None


def _login_key() -> str:
    return "account:" + (request.form.get("login") or "").strip().casefold()


def _failed(response) -> bool:
    return response.status_code == 401


def find_user_for_login(login: str) -> User | None:
    login = login.strip()
    phone = normalize_phone(login)
    clauses = [User.username == login.casefold()]
    if phone:
        clauses.append(User.phone == phone)
    return db.session.scalar(select(User).where(or_(*clauses)).limit(1))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"],
               deduct_when=_failed)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_login_key, deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("catalog.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    if form.validate_on_submit():
        user = find_user_for_login(form.login.data)
        if verify_password(user, form.password.data) and user.active:
            start_session(user)
            login_user(user)
            return redirect(safe_next(form.next.data) or url_for("catalog.index"))
        flash(_("Wrong username or password."), "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        end_session(current_user.session_token)
        logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))
