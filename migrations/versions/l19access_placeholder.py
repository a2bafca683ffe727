"""access log of personal data (issue 19): who viewed or exported whose data, when, from where

Revision ID: l19access
Revises: k19consent
Create Date: 2026-12-02 21:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'l19access'
down_revision = 'k19consent'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'access_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('viewer_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=30), nullable=False),
        sa.Column('subject_kind', sa.String(length=10), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('school_id', sa.Integer(), nullable=True),
        sa.Column('address', sa.String(length=45), nullable=True),
        sa.ForeignKeyConstraint(['viewer_id'], ['users.id'], name='fk_access_log_viewer_id_users',
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name='fk_access_log_unit_id_units',
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name='fk_access_log_school_id_schools',
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name='pk_access_log'),
    )
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_log_at'), ['at'], unique=False)
        batch_op.create_index('ix_access_log_unit_id_at', ['unit_id', 'at'], unique=False)
        batch_op.create_index('ix_access_log_school_id_at', ['school_id', 'at'], unique=False)
        batch_op.create_index('ix_access_log_viewer_id_at', ['viewer_id', 'at'], unique=False)


def downgrade():
    op.drop_table('access_log')
