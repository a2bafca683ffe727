"""quiz retries and reveal (issue 16)

Revision ID: c16quiz
Revises: b16cards
Create Date: 2026-12-02 15:40:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c16quiz'
down_revision = 'b16cards'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
