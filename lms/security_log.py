"""Security events (issue 19): one line each on the `lms.security` logger, saying what happened,
to which account, by whom, when and from which address.

    lms.security login.failed at=2026-12-03T02:14:07Z address="203.0.113.9" login="gv.lan" account=12

Kinds, and the fields each carries besides `at`, `address` and `by` (the signed-in account,
when there is one; "cli" for a command):
- login.failed (login as typed, cut to 80 characters; account, when it names one)
- limit.reached (limits: the counters that were full, lms.auth.limits): a lockout
- pin.failed (classroom, pupil), code.failed (purpose: setup or pairing; reason: why the
  code, or the pairing, was refused)
- roster.import (file, roster: its kind, dry_run, errors, created, updated, unchanged)
- export (action, subject): a file of personal data downloaded (lms.privacy_log)
- account.created (account, role), account.enabled, account.disabled (account),
  account.setup_codes (school or unit, accounts), account.password_set (account)
- pins.issued, pins.replaced (classroom, pupils), codes.issued (purpose, pupils)
- target.changed (campaign, indicator, old, new), plan.created (campaign, unit, targets)
- assist.started (member, resident, village), assist.ended (how: ended or lapsed): assisted
  learning on a team member's or pupil's phone (lms.auth.assisting)
- team.member_added, team.member_removed (village, account)

Never a password, PIN or code: callers pass identifiers only, and event() refuses a field
named for a secret. A login as typed is an identifier (it may be logged), cut to 80
characters; every value is quoted, so a typed newline cannot forge a line.

The handlers are set up by configure() in the app factory: stderr always, and the file
SECURITY_LOG_FILE when set, created readable by the service's user only (0600)."""

import json
import logging
import os
import sys
from logging.handlers import WatchedFileHandler

from flask import Flask, has_request_context, request

from lms.models.base import utcnow

log = logging.getLogger("lms.security")
SECRET_FIELDS = frozenset({"password", "pin", "code", "secret", "token", "new_password"})
TEXT_LIMIT = 80  # a login as typed, a file name


def event(kind: str, /, **fields) -> None:
    """Log one security event; fields are ids, counts, short words and typed identifiers."""
    refused = SECRET_FIELDS.intersection(fields)
    if refused:
        raise ValueError(f"security events never carry secrets: {sorted(refused)}")
    line = {"at": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")}
    if has_request_context():
        line["address"] = request.remote_addr
        by = _signed_in_id()
        if by is not None:
            line["by"] = by
    line.update({name: _cut(value) for name, value in fields.items()})
    text = " ".join(f"{name}={_value(value)}" for name, value in line.items() if name != "at")
    log.info("%s at=%s %s", kind, line["at"], text, extra={"security_kind": kind, "security_fields": line})


def import_fields(report) -> dict:
    """What a roster import's event says of it (lms.people.roster): counts, never a row."""
    return {"roster": report.kind, "dry_run": report.dry_run, "errors": len(report.errors),
            "created": report.created, "updated": report.updated, "unchanged": report.unchanged}


def _signed_in_id() -> int | None:
    from flask_login import current_user

    user = current_user._get_current_object()
    return user.id if user.is_authenticated else None


def _cut(value):
    """Text cut to TEXT_LIMIT characters (a login as typed, a file name), in lists too."""
    if isinstance(value, str):
        return value[:TEXT_LIMIT]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_cut(v) for v in value]
    return value


def _value(value) -> str:
    """Quoted text (a typed newline or quote stays inside its quotes), bare numbers."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return ",".join(_value(v) for v in value) or "-"
    return json.dumps(str(value), ensure_ascii=False)


def short(text: str | None, limit: int = TEXT_LIMIT) -> str | None:
    return None if text is None else text[:limit]


class _Stderr(logging.StreamHandler):
    """stderr as it is when a line is written (tests and servers replace sys.stderr)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


class PrivateFileHandler(WatchedFileHandler):
    """Appends to a file only its owner reads and writes, also when it is made anew after a
    log rotation."""

    def _open(self):
        return open(
            self.baseFilename,
            self.mode,
            encoding=self.encoding,
            errors=self.errors,
            opener=lambda path, flags: os.open(path, flags, 0o600),
        )


def configure(app: Flask) -> None:
    """The logger's handlers for this app (those of an app made before are replaced)."""
    for handler in [h for h in log.handlers if getattr(h, "lms_security", False)]:
        log.removeHandler(handler)
        handler.close()
    log.setLevel(logging.INFO)
    handlers: list[logging.Handler] = [_Stderr()]
    path = app.config.get("SECURITY_LOG_FILE")
    if path:
        handler = PrivateFileHandler(path, encoding="utf-8")
        os.chmod(path, 0o600)  # a file made before, by hand or another umask
        handlers.append(handler)
    formatter = logging.Formatter("%(name)s %(message)s")  # each line carries its own time
    for handler in handlers:
        handler.lms_security = True
        handler.setFormatter(formatter)
        log.addHandler(handler)
