"""Migrations: they build the models' schema on every database, and keep data on upgrade."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text

from lms import PROJECT_ROOT
from lms.extensions import db


def test_upgraded_schema_matches_the_models(app):
    """Run on SQLite and on PostgreSQL: both end where the models say, so they are the same."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


# The revision that added the tier_progress summary (and fills it from stored completions).
TIER_PROGRESS = "31deb0b7569d"


def _revisions():
    """Head, and the revision before the summary: upgrading across it must keep coverage."""
    script = ScriptDirectory(str(PROJECT_ROOT / "migrations"))
    return script.get_current_head(), script.get_revision(TIER_PROGRESS).down_revision


def test_upgrade_from_the_previous_revision_keeps_data(tmp_path, database_url):
    from lms import create_app

    if not database_url.startswith("sqlite"):
        url = database_url
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    head, previous = _revisions()
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url,
                      "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        upgrade(revision=previous)
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO units (id, code, name) VALUES (1, 'P1', 'Phường 1')"))
            conn.execute(text("INSERT INTO schools (id, unit_id, code, name, level) "
                              "VALUES (1, 1, 'S1', 'Trường Một', 'thcs')"))
            conn.execute(text(
                "INSERT INTO users (id, role, tier, full_name, name_key, active, created_at) "
                "VALUES (7, 'pupil', 'lower-secondary', 'Nguyễn Văn An', 'x', true, "
                "'2026-10-01 08:00:00')"))
            conn.execute(text(
                "INSERT INTO courses (id, slug, title, summary, intro_html, required, minutes, "
                "source_path, source_hash, created_at, updated_at) VALUES (3, 'c', 'Khóa', '', "
                "'', true, 5, '', '', '2026-10-01', '2026-10-01')"))
            conn.execute(text("INSERT INTO course_audiences (course_id, audience) "
                              "VALUES (3, 'lower-secondary')"))
            conn.execute(text("INSERT INTO completions (id, user_id, course_id, completed_at, "
                              "score) VALUES (1, 7, 3, '2026-10-02 09:00:00', 90)"))
        upgrade(revision=head)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT full_name FROM users WHERE id = 7")).scalar() == \
                "Nguyễn Văn An"
            assert conn.execute(text("SELECT score FROM completions WHERE id = 1")).scalar() == 90
            assert conn.execute(text("SELECT name FROM schools WHERE id = 1")).scalar() == \
                "Trường Một"
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
            # The new summary is filled from the completions already there.
            assert conn.execute(text(
                "SELECT required_done FROM tier_progress WHERE user_id = 7 "
                "AND tier = 'lower-secondary'")).scalar() == 1
        assert "tier_progress" in inspect(db.engine).get_table_names()
        db.engine.dispose()
