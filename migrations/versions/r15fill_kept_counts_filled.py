"""the kept coverage counts computed for the plans already there (issue 15)

Revision ID: r15fill
Revises: q18models
Create Date: 2026-12-03 08:40:00

The application's own code (lms/campaign/tally.py) computes them, as `flask --app lms report
rebuild` does, in this migration's transaction. It reads the tables as they are at the head
of the migrations, so this fill stays the LAST migration that does: a later migration that
adds a table or a column the kept counts read must come before it (move this file's
down_revision), which tests/test_migrations.py catches by upgrading an old database.
"""
from alembic import op

revision = 'r15fill'
down_revision = 'q18models'
branch_labels = None
depends_on = None


def upgrade():
    from sqlalchemy.orm import Session

    from lms.campaign import tally

    session = Session(bind=op.get_bind())
    tally.rebuild(session)
    session.flush()


def downgrade():
    pass
