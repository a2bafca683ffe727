"""consent to the processing of children's data (issue 19)

Revision ID: k19consent
Revises: j19certs
Create Date: 2026-12-02 21:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'k19consent'
down_revision = 'j19certs'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'consents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('pupil_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('given_by_id', sa.Integer(), nullable=True),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.Column('given_on', sa.Date(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['given_by_id'], ['users.id'], name='fk_consents_given_by_id_users'),
        sa.ForeignKeyConstraint(['pupil_id'], ['users.id'], name='fk_consents_pupil_id_users'),
        sa.PrimaryKeyConstraint('id', name='pk_consents'),
    )
    op.create_index('ix_consents_pupil_kind', 'consents', ['pupil_id', 'kind'], unique=False)


def downgrade():
    op.drop_index('ix_consents_pupil_kind', table_name='consents')
    op.drop_table('consents')
