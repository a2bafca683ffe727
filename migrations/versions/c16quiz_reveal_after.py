"""quiz_versions.reveal_after: attempts before the right options show without a pass (issue 16)

Revision ID: c16quiz
Revises: b16cards
Create Date: 2026-12-02 15:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c16quiz'
down_revision = 'b16cards'
branch_labels = None
depends_on = None


def upgrade():
    # Stored quizzes get 3, what a quiz.md without `reveal_after` means.
    with op.batch_alter_table('quiz_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reveal_after', sa.Integer(), nullable=False, server_default='3'))


def downgrade():
    with op.batch_alter_table('quiz_versions', schema=None) as batch_op:
        batch_op.drop_column('reveal_after')
