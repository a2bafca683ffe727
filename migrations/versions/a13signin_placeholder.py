"""sign-in hardening (issue 13)

Revision ID: a13signin
Revises: 823ca6b8aba8
Create Date: 2026-12-02 15:40:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'a13signin'
down_revision = '823ca6b8aba8'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
