"""dashboard and first contact (issue 16)

Revision ID: f16dash
Revises: e13import
Create Date: 2026-12-02 15:40:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'f16dash'
down_revision = 'e13import'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
