"""teaching on phones (issue 16)

Revision ID: d16teach
Revises: c16quiz
Create Date: 2026-12-02 15:40:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'd16teach'
down_revision = 'c16quiz'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
