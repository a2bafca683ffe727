"""reprintable cards and letters (issue 16)

Revision ID: b16cards
Revises: a13signin
Create Date: 2026-12-02 15:40:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'b16cards'
down_revision = 'a13signin'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
