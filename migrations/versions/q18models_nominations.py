"""outreach days and the models' nominees (issue 18)

Revision ID: q18models
Revises: p18teams
Create Date: 2026-12-03 08:15:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'q18models'
down_revision = 'p18teams'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'nominations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('model', sa.String(length=20), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('subject_kind', sa.String(length=20), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('marked_by_id', sa.Integer(), nullable=False),
        sa.Column('marked_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['marked_by_id'], ['users.id'], name='fk_nominations_marked_by_id_users'),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name='fk_nominations_unit_id_units'),
        sa.PrimaryKeyConstraint('id', name='pk_nominations'),
        sa.UniqueConstraint('unit_id', 'model', 'year', 'subject_kind', 'subject_id',
                            name='uq_nominations_unit_id_model_year_subject_kind_subject_id'),
    )
    op.create_index('ix_nominations_unit_id', 'nominations', ['unit_id'])
    # Only the assisted completions (few among all) are in this index.
    op.create_index('ix_completions_assisted', 'completions', ['assisted_by_id'],
                    sqlite_where=sa.text('assisted_by_id IS NOT NULL'),
                    postgresql_where=sa.text('assisted_by_id IS NOT NULL'))


def downgrade():
    op.drop_index('ix_completions_assisted', table_name='completions')
    op.drop_index('ix_nominations_unit_id', table_name='nominations')
    op.drop_table('nominations')
