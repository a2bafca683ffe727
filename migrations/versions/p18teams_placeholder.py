"""community digital teams, their members and assisted sessions (issue 18)

Revision ID: p18teams
Revises: o18residents
Create Date: 2026-12-03 08:15:00

"""

revision = 'p18teams'
down_revision = 'o18residents'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
