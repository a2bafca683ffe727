"""kept coverage counts (issue 15): per campaign, scope and group, updated with each change

Revision ID: m15tally
Revises: l19access
Create Date: 2026-12-03 08:00:00

"""

revision = 'm15tally'
down_revision = 'l19access'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
