"""lessons.audio_url: a lesson's recorded reading, a /media/ course asset (issue 17)

Revision ID: h17audio
Revises: c16quiz
Create Date: 2026-12-02 17:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'h17audio'
down_revision = 'c16quiz'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audio_url', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.drop_column('audio_url')
