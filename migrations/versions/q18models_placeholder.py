"""outreach days and the models' nominees (issue 18)

Revision ID: q18models
Revises: p18teams
Create Date: 2026-12-03 08:15:00

"""

revision = 'q18models'
down_revision = 'p18teams'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
