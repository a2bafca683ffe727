"""villages and their household lists (issue 18)

The villages (thôn, tổ dân phố) of a ward or commune, and the households each one lists, with
the pupils' family each is matched to (NULL when none; set to NULL when that family is merged
into another, whose next matching takes it over).

Revision ID: n18villages
Revises: m15tally
Create Date: 2026-12-03 08:01:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'n18villages'
down_revision = 'm15tally'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'villages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name='fk_villages_unit_id_units'),
        sa.PrimaryKeyConstraint('id', name='pk_villages'),
        sa.UniqueConstraint('unit_id', 'code', name='uq_villages_unit_id_code'),
    )
    op.create_index('ix_villages_unit_id', 'villages', ['unit_id'], unique=False)
    op.create_table(
        'listed_households',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('head_name', sa.String(length=200), nullable=False),
        sa.Column('phones', sa.Text(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'],
                                name='fk_listed_households_household_id_households', ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['village_id'], ['villages.id'],
                                name='fk_listed_households_village_id_villages'),
        sa.PrimaryKeyConstraint('id', name='pk_listed_households'),
        sa.UniqueConstraint('village_id', 'code', name='uq_listed_households_village_id_code'),
    )
    op.create_index('ix_listed_households_household_id', 'listed_households', ['household_id'], unique=False)
    op.create_index('ix_listed_households_village_id', 'listed_households', ['village_id'], unique=False)


def downgrade():
    op.drop_index('ix_listed_households_village_id', table_name='listed_households')
    op.drop_index('ix_listed_households_household_id', table_name='listed_households')
    op.drop_table('listed_households')
    op.drop_index('ix_villages_unit_id', table_name='villages')
    op.drop_table('villages')
