"""Signing in and out."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from sqlalchemy import or_, select

from lms.accounts import end_session, hash_password, sign_in, verify_password
from lms.auth import cards
from lms.auth.forms import LoginForm, SetupForm
from lms.extensions import db, limiter
from lms.models import User
from lms.models.base import utcnow
from lms.people.codes import CodeError, find_code, use_code
from lms.people.phones import normalize_phone
from lms.redirects import safe_next

bp = Blueprint("auth", __name__)
bp.add_url_rule("/login/class", view_func=cards.class_login, endpoint="class_login")
bp.add_url_rule(
    "/login/class/<code>", view_func=cards.class_pin, endpoint="class_pin", methods=["GET", "POST"]
)


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
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_login_key,
    deduct_when=_failed,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("catalog.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    if form.validate_on_submit():
        user = find_user_for_login(form.login.data)
        if verify_password(user, form.password.data) and user.active:
            sign_in(user)
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


CODE_MESSAGES = {
    "invalid": _l("This code is not right. Check it and try again."),
    "used": _l("This code has already been used. Ask the school for a new one."),
    "expired": _l("This code has expired. Ask the school for a new one."),
}


@bp.route("/setup", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed)
def setup():
    """Staff's first sign-in: the code their admin handed over, then their own password."""
    form = SetupForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args["code"]
    if form.validate_on_submit():
        try:
            row = find_code(db.session, form.code.data, "setup")
            user = row.user
            if not user.active:  # printed before the account was disabled
                raise CodeError("invalid")
            use_code(db.session, row, user)
        except CodeError as error:
            db.session.rollback()
            flash(str(CODE_MESSAGES[error.reason]), "error")
            return render_template("auth/setup.html", form=form), 401
        user.password_hash = hash_password(form.password.data)
        user.claimed_at = utcnow()
        db.session.commit()
        sign_in(user)
        flash(_("Your password is set. Sign in next time with your phone number."), "success")
        return redirect(url_for("catalog.index"))
    return render_template("auth/setup.html", form=form)
