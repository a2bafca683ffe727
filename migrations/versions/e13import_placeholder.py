"""roster import hardening (issue 13)

Revision ID: e13import
Revises: d16teach
Create Date: 2026-12-02 15:40:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'e13import'
down_revision = 'd16teach'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
