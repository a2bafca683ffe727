"""villages and their household lists (issue 18)

Revision ID: n18villages
Revises: m15tally
Create Date: 2026-12-03 08:01:00

"""

revision = 'n18villages'
down_revision = 'm15tally'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
