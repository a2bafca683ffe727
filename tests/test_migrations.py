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


# The revision before the city deployment (issue 14): one ward, its admin, one campaign.
CITY_UNITS = "i14units"


def _fresh_database(tmp_path, database_url) -> str:
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'ward.sqlite3'}"
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return database_url


def test_a_single_ward_database_upgrades_to_its_unit_with_the_campaign_unchanged(tmp_path, database_url):
    """Today's shape: one ward, its admin (no unit of their own), a campaign that changed one
    target and left the others at the defaults. After the upgrade the ward is a unit of kind
    ward with no city, its admin is bound to it, and the campaign follows the same five groups
    with the same targets, so its report means what it meant."""
    from lms import create_app
    from lms.campaign import metrics
    from lms.models import Campaign, User
    from lms.models.campaign import DEFAULT_TARGETS, GROUPS
    from lms.people.units import unit_ids_in_scope

    url = _fresh_database(tmp_path, database_url)
    before = ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_revision(CITY_UNITS).down_revision
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url,
                      "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        upgrade(revision=before)
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO units (id, code, name) VALUES (1, 'P1', 'Phường Một')"))
            conn.execute(text("INSERT INTO schools (id, unit_id, code, name, level) "
                              "VALUES (1, 1, 'S1', 'Trường Một', 'thcs')"))
            conn.execute(text(
                "INSERT INTO users (id, role, username, full_name, name_key, active, created_at) "
                "VALUES (5, 'ward_admin', 'phuong', 'Quản trị', 'x', true, '2026-09-01 08:00:00')"))
            conn.execute(text(
                "INSERT INTO users (id, role, tier, school_id, full_name, name_key, active, created_at) "
                "VALUES (6, 'teacher', 'teacher', 1, 'Giáo viên', 'x', true, '2026-09-01 08:00:00')"))
            conn.execute(text(
                "INSERT INTO campaigns (id, unit_id, name, starts_on, ends_on, created_at) "
                "VALUES (2, 1, 'Bình dân học vụ số 2026', '2026-09-05', '2027-05-31', '2026-09-01')"))
            conn.execute(text("INSERT INTO campaign_targets (campaign_id, \"group\", percent) "
                              "VALUES (2, 'teachers', 60)"))
        upgrade(revision="head")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT kind, parent_id FROM units WHERE id = 1")).one() == \
                ("ward", None)
        campaign = db.session.get(Campaign, 2)
        assert (campaign.unit_id, campaign.name, str(campaign.starts_on), str(campaign.ends_on)) == \
            (1, "Bình dân học vụ số 2026", "2026-09-05", "2027-05-31")
        assert campaign.indicators == GROUPS
        assert {g: campaign.target(g) for g in GROUPS} == {**DEFAULT_TARGETS, "teachers": 60}
        admin = db.session.get(User, 5)
        assert admin.unit_id == 1 and unit_ids_in_scope(db.session, admin) == {1}
        report = metrics.ward_report(db.session, campaign)
        assert [r.code for r in report.rows] == ["S1"]
        assert (report.total["teachers"].population, report.total["teachers"].target) == (1, 60)
        db.session.remove()
        db.engine.dispose()
