"""Consistent copies of a live SQLite database (the SQLite online backup API) and restore.
A backup holds everyone's personal data: it is written readable by the service's user only
(file 0600, the backups folder 0700), whatever the umask."""

import os
import sqlite3
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from lms.db_setup import keep_private

PG_HELP = (
    'PostgreSQL: back up with `pg_dump --format=custom --file=lms.dump "$DATABASE_URL"` and '
    'restore into an empty database with `pg_restore --no-owner --dbname="$DATABASE_URL" '
    "lms.dump` (see docs/operations.md)."
)


class BackupError(Exception):
    pass


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise BackupError(PG_HELP)
    return Path(url.database)


def backup(database_url: str, target: Path | None, instance: Path) -> Path:
    """Copy page by page while the app keeps serving; readers and writers are not stopped."""
    source_path = sqlite_path(database_url)
    if target is None:
        folder = instance / "backups"
        folder.mkdir(mode=0o700, exist_ok=True)
        target = folder / f"lms-{datetime.now():%Y%m%d-%H%M%S}.sqlite3"
    try:  # created here, private, and never over an existing file
        os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError as exc:
        raise BackupError(f"{target} đã tồn tại: chọn tên tệp khác.") from exc
    source = sqlite3.connect(source_path)
    destination = sqlite3.connect(target)
    try:
        with destination:
            source.backup(destination, pages=1024)
    finally:
        destination.close()
        source.close()
    return target


def _has_data(path: Path) -> bool:
    if not path.exists():
        return False
    conn = sqlite3.connect(path)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return any(
            conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone()  # noqa: S608
            for t in ("users", "courses", "schools")
            if t in tables
        )
    finally:
        conn.close()


def restore(database_url: str, source: Path, force: bool) -> None:
    target_path = sqlite_path(database_url)
    if not source.is_file():
        raise BackupError(f"Không tìm thấy tệp {source}.")
    check = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in check.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} không phải bản sao lưu SQLite: {exc}") from exc
    finally:
        check.close()
    if "alembic_version" not in tables:
        raise BackupError(f"{source} không phải bản sao lưu của nền tảng này.")
    if _has_data(target_path) and not force:
        raise BackupError("Cơ sở dữ liệu hiện tại đã có dữ liệu: thêm --force để ghi đè.")
    keep_private(target_path)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target_path, timeout=30)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()
