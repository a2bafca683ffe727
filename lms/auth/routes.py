"""Signing in and out."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from sqlalchemy import or_, select

from lms import security_log
from lms.accounts import (
    ASSISTED,
    end_session,
    hash_password,
    password_needs_rehash,
    sign_in,
    verify_password,
)
from lms.auth import assisting, cards, limits
from lms.auth.forms import LoginForm, SetupForm
from lms.db_setup import reading_first
from lms.extensions import db
from lms.models import User
from lms.models.base import utcnow
from lms.people.codes import CodeError, find_code, use_code
from lms.people.passwords import password_problem
from lms.people.phones import normalize_phone
from lms.redirects import safe_next

bp = Blueprint("auth", __name__)
bp.add_url_rule("/login/class", view_func=cards.class_login, endpoint="class_login")
bp.add_url_rule(
    "/login/class/<code>", view_func=cards.class_pin, endpoint="class_pin", methods=["GET", "POST"]
)


def account_key(login: str, user: User | None) -> str:
    """The counter a login's failures go to: the account's, however it was typed (username in
    any case, phone as 0912…, +84 912…, 0912-…); for no account, the normalised spelling."""
    if user is not None:
        return f"account:{user.id}"
    login = login.strip()
    return "login:" + (normalize_phone(login) or login.casefold())


def find_user_for_login(login: str) -> User | None:
    login = login.strip()
    phone = normalize_phone(login)
    clauses = [User.username == login.casefold()]
    if phone:
        clauses.append(User.phone == phone)
    return db.session.scalar(select(User).where(or_(*clauses)).limit(1))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("catalog.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    if form.validate_on_submit():
        # The lookup and the slow hash hold no write lock: sign-ins run side by side.
        with reading_first(db.session):
            user = find_user_for_login(form.login.data)
            tries = limits.attempt(
                ("LOGIN_LIMIT_PER_ADDRESS", "login-addr:" + limits.address()),
                ("LOGIN_LIMIT_PER_ACCOUNT", account_key(form.login.data, user)),
            )
            if tries.refused:
                return limits.too_many(tries)
            right = verify_password(user, form.password.data) and user.active
            new_hash = None
            if right and password_needs_rehash(user.password_hash):
                new_hash = hash_password(form.password.data)
        if right:
            tries.succeeded()
            if new_hash is not None:
                user.password_hash = new_hash  # saved with the new session, in one short write
            sign_in(user)
            return redirect(safe_next(form.next.data) or url_for("catalog.index"))
        security_log.event("login.failed", login=form.login.data, account=user.id if user else None)
        flash(_("Wrong username or password."), "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated and session.get(ASSISTED) is not None:
        # Signing out of an assisted session ends it: the helper is back in their own account.
        back = assisting.end()
        if back is not None:
            flash(_("Learning together has ended. You are back in your own account."), "success")
            return redirect(back)
    if current_user.is_authenticated:
        end_session(current_user.session_token)
        logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


CODE_MESSAGES = {
    "invalid": _l("This code is not right. Check it and try again."),
    "used": _l("This code has already been used. Ask the school for a new one."),
    "expired": _l("This code has expired. Ask the school for a new one."),
    "replaced": _l(
        "A newer letter was issued for this child, so this code no longer works. Use the code "
        "on the newest letter, or ask the class's homeroom teacher or the school."
    ),
    "replaced_setup": _l("A newer code was issued for this account. Use the newest one, or ask the school."),
}


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """Staff's first sign-in: the code their admin handed over, then their own password."""
    form = SetupForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args["code"]
    if not form.validate_on_submit():
        return render_template("auth/setup.html", form=form)
    tries = limits.attempt(("CODE_LIMIT_PER_ADDRESS", "code-addr:" + limits.address()))
    if tries.refused:
        return limits.too_many(tries)
    with reading_first(db.session):
        try:
            row = find_code(db.session, form.code.data, "setup")
            user = row.user
            if not user.active:  # printed before the account was disabled
                raise CodeError("invalid")
        except CodeError as error:
            security_log.event("code.failed", purpose="setup", reason=error.reason)
            flash(str(CODE_MESSAGES[error.reason]), "error")
            return render_template("auth/setup.html", form=form), 401
        tries.succeeded()  # a right code: what follows is about the password
        problem = password_problem(form.password.data, username=user.username, phone=user.phone)
        if problem is not None:
            form.password.errors.append(str(problem))  # as the form's own checks say it
            return render_template("auth/setup.html", form=form)
    new_hash = hash_password(form.password.data)  # slow: before the write, not inside it
    try:
        row = find_code(db.session, form.code.data, "setup")
        user = row.user
        use_code(db.session, row, user)
    except CodeError as error:  # used by someone else meanwhile
        db.session.rollback()
        flash(str(CODE_MESSAGES[error.reason]), "error")
        return render_template("auth/setup.html", form=form), 401
    user.password_hash = new_hash
    user.claimed_at = utcnow()
    db.session.commit()
    sign_in(user)
    security_log.event("account.password_set", account=user.id)
    flash(_("Your password is set. Sign in next time with your phone number."), "success")
    return redirect(url_for("catalog.index"))
