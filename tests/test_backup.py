"""Backups of a live SQLite database, and restores that refuse to overwrite data."""

import sqlite3
import threading

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import User


@pytest.fixture
def sqlite_only(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("backup and restore commands are for SQLite (PostgreSQL uses pg_dump)")


def test_backup_is_consistent_while_writes_continue(sqlite_only, runner, factory, tmp_path, app):
    for _ in range(20):
        factory.user("teacher")
    factory.commit()
    stop = threading.Event()

    def keep_writing():
        with app.app_context():
            while not stop.is_set():
                factory_user = User(role="parent", tier="parent", full_name="Đang ghi")
                db.session.add(factory_user)
                db.session.commit()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        target = tmp_path / "copy.sqlite3"
        result = runner.invoke(args=["backup", str(target)])
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT count(*) FROM users WHERE role='teacher'").fetchone()[0] == 20
    copy.close()


def test_backup_refuses_to_overwrite_a_file(sqlite_only, runner, tmp_path):
    target = tmp_path / "exists.sqlite3"
    target.write_text("x")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code != 0 and "đã tồn tại" in result.output


def test_restore_refuses_a_non_empty_database_without_force(sqlite_only, runner, factory, tmp_path):
    factory.user("teacher", username="before")
    factory.commit()
    backup_file = tmp_path / "b.sqlite3"
    assert runner.invoke(args=["backup", str(backup_file)]).exit_code == 0
    factory.user("teacher", username="after")
    factory.commit()
    refused = runner.invoke(args=["restore", str(backup_file)])
    assert refused.exit_code != 0 and "--force" in refused.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 2
    db.session.remove()
    done = runner.invoke(args=["restore", str(backup_file), "--force"])
    assert done.exit_code == 0, done.output
    db.session.remove()
    names = set(db.session.scalars(select(User.username)))
    assert names == {"before"}


def test_restore_rejects_a_file_that_is_not_a_backup(sqlite_only, runner, tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("hello")
    result = runner.invoke(args=["restore", str(bogus), "--force"])
    assert result.exit_code != 0 and "không phải" in result.output


def test_postgres_points_at_pg_dump(runner, app, database_url):
    if database_url.startswith("sqlite"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://u@127.0.0.1/x"
    result = runner.invoke(args=["backup"])
    assert result.exit_code != 0 and "pg_dump" in result.output
