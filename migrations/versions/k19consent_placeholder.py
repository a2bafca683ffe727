"""consent to the processing of children's data (issue 19)

Revision ID: k19consent
Revises: j19certs
Create Date: 2026-12-02 21:00:00

"""

revision = 'k19consent'
down_revision = 'j19certs'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
