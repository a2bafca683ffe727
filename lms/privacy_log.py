"""The access log (issue 19): who viewed, printed or exported whose personal data, when, from
where. Pages and files that show pupils', families' or staff's names call record_access() in
one line; /admin/access-log reads the entries (lms.admin.access_log); entries older than
ACCESS_LOG_DAYS go with `flask --app lms privacy purge-log`.

An entry is one INSERT on the request's own session, made when the response is ready (an
after_request hook, register()), not where record_access() is called: on SQLite a page reads
in one snapshot, which cannot become a write once another worker has written (the INSERT
would fail at once, busy timeout or not), and a write begun mid-page would hold the write
lock, that every worker shares, while the page renders. So the page's read ends first, then
the entry is written and committed on its own (on PostgreSQL a page runs in autocommit: the
INSERT alone). Outside a request (a command, a test) the entry joins the caller's transaction.

Exports are security events too (lms.security_log, kind "export")."""

from datetime import timedelta

import click
from flask import Flask, current_app, has_request_context, request
from sqlalchemy import Integer, bindparam, delete, func, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from lms import security_log
from lms.db_setup import writes
from lms.models import AccessLog, School
from lms.models.base import utcnow

PENDING = "access_log_pending"  # session.info key: the request's entries not written yet
DEFAULT_DAYS = 365


def record_access(
    session: Session,
    viewer,
    action: str,
    subject_kind: str,
    subject_id: int | None,
    unit_id: int | None = None,
    school_id: int | None = None,
) -> None:
    """`viewer` saw `action` (class.view, class.export, report.export, school.view,
    certificate.print…) of a class, school, unit or user. unit_id and school_id say whose
    entry it is (see AccessLog); given a school alone, its unit is read in the INSERT."""
    entry = {
        "at": utcnow(),
        "viewer_id": viewer.id,
        "action": action,
        "subject_kind": subject_kind,
        "subject_id": subject_id,
        "unit_id": unit_id,
        "school_id": school_id,
        "address": security_log.short(request.remote_addr, 45) if has_request_context() else None,
    }
    if action.endswith(".export"):
        security_log.event("export", action=action, subject=f"{subject_kind}:{subject_id}")
    if has_request_context():
        session.info.setdefault(PENDING, []).append(entry)
    else:
        _insert(session, entry)


def record_report_export(session: Session, viewer, scope: dict) -> None:
    """A campaign report downloaded (lms.campaign.routes.report_scope): a school's, a ward's
    or commune's, or the city's (filed under the city's unit)."""
    code = scope.get("school_code")
    if code is None:
        record_access(session, viewer, "report.export", "unit", scope.get("unit_id"), scope.get("unit_id"))
        return
    school = session.execute(select(School.id, School.unit_id).where(School.code == code)).one()
    record_access(session, viewer, "report.export", "school", school.id, school.unit_id, school.id)


# Built once, so compiled once: the unit given, else the school's, read in the INSERT itself.
_SCHOOL = bindparam("entry_school_id", type_=Integer)
_INSERT = insert(AccessLog).values(
    unit_id=func.coalesce(
        bindparam("entry_unit_id", type_=Integer),
        select(School.unit_id).where(School.id == _SCHOOL).scalar_subquery(),
    ),
    school_id=_SCHOOL,
)


def _insert(session: Session, entry: dict) -> None:
    params = {k: v for k, v in entry.items() if k not in ("unit_id", "school_id")}
    params.update(entry_unit_id=entry["unit_id"], entry_school_id=entry["school_id"])
    session.execute(_INSERT, params)


def write_pending(session: Session) -> None:
    """The request's entries, after its response is made (see the module's docstring)."""
    entries = session.info.pop(PENDING, None)
    if not entries:
        return
    session.rollback()  # ends the page's read; a view commits what it means to keep
    try:
        for entry in entries:
            _insert(session, entry)
        session.commit()
    except DBAPIError as error:  # the page is made: it is served, and the loss is logged
        session.rollback()
        security_log.log.error("access log entries not written: %s (%s)", entries, error.orig)


def purge(session: Session, days: int) -> int:
    """Delete the entries older than `days` days; returns how many."""
    cutoff = utcnow() - timedelta(days=days)
    return session.execute(delete(AccessLog).where(AccessLog.at < cutoff)).rowcount


@click.command("purge-log")
@click.option("--days", type=int, help="Giữ bao nhiêu ngày (mặc định: ACCESS_LOG_DAYS, 365).")
@writes
def purge_log_command(days: int | None) -> None:
    """Xóa các mục nhật ký truy cập cũ hơn ACCESS_LOG_DAYS ngày (mặc định 365)."""
    from lms.extensions import db

    days = days if days is not None else int(current_app.config.get("ACCESS_LOG_DAYS", DEFAULT_DAYS))
    if days < 1:
        raise click.ClickException("Số ngày phải từ 1 trở lên.")
    removed = purge(db.session, days)
    db.session.commit()
    click.echo(f"Đã xóa {removed} mục nhật ký truy cập cũ hơn {days} ngày.")


def register(app: Flask) -> None:
    from lms.cli_privacy import privacy_cli
    from lms.extensions import db

    privacy_cli.add_command(purge_log_command)  # `flask --app lms privacy purge-log`

    @app.after_request
    def write_access_log(response):
        write_pending(db.session)
        return response
