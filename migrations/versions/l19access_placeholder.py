"""access log of personal data (issue 19)

Revision ID: l19access
Revises: k19consent
Create Date: 2026-12-02 21:00:00

"""

revision = 'l19access'
down_revision = 'k19consent'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
