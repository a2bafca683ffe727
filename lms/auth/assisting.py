"""Assisted sessions (issue 18): a team member, or a pupil helping their family, lets someone
without a phone of their own learn on the helper's phone, signed in as themselves.

Starting one switches the browser's session: a new server-side session (UserSession) for the
person helped, whose token the cookie now carries, while the helper's own token waits in the
signed cookie under lms.accounts.ASSISTED with the AssistedSession row's id. So:
- every request checks both (lms.accounts.load_user → checked): when the helper's own
  session has ended (signed out elsewhere, disabled, past its absolute timeout) or the cookie
  has been idle too long, the assisted one ends with it and nobody is signed in; when only
  the assisted one has ended (that account disabled), the helper is back in their own;
- ending it (the banner's button, or "sign out" while assisting) revokes the assisted
  session, stamps `ended_at`, and signs the helper back in to the session they left;
- while it lasts, only the learner's pages are open (ALLOWED): no family page, pairing,
  personal data or consent is reached through someone else's phone; completions record the
  helper (lms.learning.progress.record_completion reads ASSISTED_BY from the db session);
- each start and end is a security event (assist.started, assist.ended) besides its row.
"""

import secrets
from types import SimpleNamespace

from flask import abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select, update

from lms import security_log
from lms.accounts import ASSISTED, SignedInUser, session_user
from lms.extensions import db
from lms.models import AssistedSession, User, UserSession
from lms.models.base import utcnow

# session.info key read by lms.learning.progress.record_completion: who is helping.
ASSISTED_BY = "assisted_by"
# What the person helped may open: their courses, lessons, quizzes and results.
ALLOWED_BLUEPRINTS = ("learning", "catalog")
ALLOWED_ENDPOINTS = ("static", "community.end_assist", "auth.logout", "privacy.notice")


class AssistError(Exception):
    """reason: 'nested' (already assisting), 'self'."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def start(helper, person: User, *, village_id: int | None, back: str) -> AssistedSession:
    """Sign the browser in as `person`, keeping the helper's session to come back to.
    `back`: where ending it returns the helper (a path of this site)."""
    if session.get(ASSISTED) is not None:
        raise AssistError("nested")
    if person.id == helper.id:
        raise AssistError("self")
    token = secrets.token_urlsafe(32)
    user_session = UserSession(token=token, user_id=person.id)
    db.session.add(user_session)
    db.session.flush()
    record = AssistedSession(
        member_id=helper.id, resident_id=person.id, village_id=village_id, session_id=user_session.id
    )
    db.session.add(record)
    db.session.flush()
    row = SimpleNamespace(**{name: getattr(person, name) for name in SignedInUser._columns})
    record_id = record.id
    db.session.commit()
    session[ASSISTED] = {
        "id": record_id,
        "member": helper.id,
        "resident": person.id,
        "token": helper.session_token,
        "back": back,
        "member_name": helper.full_name,
        "name": row.full_name,
    }
    login_user(SignedInUser(row, token))
    session.pop("_id", None)
    security_log.event(
        "assist.started", assisted=record_id, member=helper.id, resident=person.id, village=village_id
    )
    return record


def end() -> str | None:
    """End the assisted session and sign the helper back in. Where to go next: the page they
    started from, or None when their own session is gone too (nobody is signed in)."""
    data = session.pop(ASSISTED, None)
    if data is None:
        return None
    _close(data, "ended")
    helper = session_user(data["token"])
    if helper is None:
        logout_user()
        return None
    login_user(helper)
    session.pop("_id", None)
    return data["back"]


def checked(user: SignedInUser | None) -> SignedInUser | None:
    """The loader's check while assisting: the assisted account, only as long as the helper's
    own session lives; the helper, when only the assisted session has ended."""
    data = session[ASSISTED]
    helper = session_user(data["token"])
    if (
        user is not None
        and user.id == data["resident"]
        and helper is not None
        and helper.id == data["member"]
    ):
        return user
    session.pop(ASSISTED, None)
    # Logged by guard(): a security event reads the signed-in account, being loaded here.
    _close(data, None)
    g.assist_lapsed = data
    if helper is None:
        return None
    session["_user_id"] = helper.session_token
    return helper


def current() -> dict | None:
    """The assisted session of this browser (names for the banner), if any."""
    if not current_user.is_authenticated:  # the loader's check may have ended it
        return None
    return session.get(ASSISTED)


def guard():
    """Before every request: while assisting, record the helper for completions and keep to
    the learner's pages (other pages send a GET to the courses, refuse anything else)."""
    if session.get(ASSISTED) is not None:
        current_user._get_current_object()  # the loader's check, which may end it
    lapsed = g.pop("assist_lapsed", None)
    if lapsed is not None:
        security_log.event("assist.ended", assisted=lapsed["id"], member=lapsed["member"], how="lapsed")
    data = current()
    if data is None:
        return None
    db.session.info[ASSISTED_BY] = data["member"]
    g.assisting = data
    endpoint = request.endpoint or ""
    if endpoint in ALLOWED_ENDPOINTS or endpoint.split(".", 1)[0] in ALLOWED_BLUEPRINTS:
        return None
    if request.method == "GET":
        flash(
            _("While learning together, only the courses are open. End the session to do anything else."),
            "info",
        )
        return redirect(url_for("learning.home"))
    abort(403)


def _close(data: dict, how: str | None) -> None:
    """Stamp the row's end and revoke the assisted account's server-side session."""
    now = utcnow()
    session_id = db.session.scalar(select(AssistedSession.session_id).where(AssistedSession.id == data["id"]))
    db.session.execute(
        update(AssistedSession)
        .where(AssistedSession.id == data["id"], AssistedSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    if session_id is not None:
        db.session.execute(
            update(UserSession)
            .where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    db.session.commit()
    if how is not None:
        security_log.event("assist.ended", assisted=data["id"], member=data["member"], how=how)
