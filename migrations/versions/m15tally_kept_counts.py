"""kept coverage counts (issue 15): per campaign, scope and group, updated with each change

Revision ID: m15tally
Revises: l19access
Create Date: 2026-12-03 08:00:00

"""

revision = 'm15tally'
down_revision = 'l19access'
branch_labels = None
depends_on = None


import sqlalchemy as sa
from alembic import op


def upgrade():
    op.create_table(
        'coverage_members',
        sa.Column('subject', sa.String(length=24), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('steps', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'],
                                name='fk_coverage_members_campaign_id_campaigns', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('subject', 'campaign_id', name='pk_coverage_members'),
    )
    op.create_table(
        'coverage_counts',
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=1), nullable=False),
        sa.Column('scope_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('grp', sa.String(length=20), nullable=False),
        sa.Column('population', sa.Integer(), nullable=False),
        sa.Column('covered', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'],
                                name='fk_coverage_counts_campaign_id_campaigns', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('campaign_id', 'scope', 'scope_id', 'grp', name='pk_coverage_counts'),
    )
    op.create_table(
        'coverage_changes',
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=1), nullable=False),
        sa.Column('scope_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('grp', sa.String(length=20), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('population', sa.Integer(), nullable=False),
        sa.Column('covered', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'],
                                name='fk_coverage_changes_campaign_id_campaigns', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('campaign_id', 'scope', 'scope_id', 'grp', 'day',
                                name='pk_coverage_changes'),
    )
    op.create_index('ix_coverage_changes_campaign_day', 'coverage_changes', ['campaign_id', 'day'])
    # The counts of the plans already there are computed by r15fill, the last migration.


def downgrade():
    op.drop_index('ix_coverage_changes_campaign_day', table_name='coverage_changes')
    op.drop_table('coverage_changes')
    op.drop_table('coverage_counts')
    op.drop_table('coverage_members')
