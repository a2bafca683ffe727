"""community digital teams, their members and assisted sessions (issue 18)

A village's team members (a row per person and village: membership is no role) and the
assisted sessions a member, or a pupil helping their own family, opens for a resident on
their own phone.

Revision ID: p18teams
Revises: o18residents
Create Date: 2026-12-03 08:15:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'p18teams'
down_revision = 'o18residents'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'team_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('guardian_agreed_on', sa.Date(), nullable=True),
        sa.Column('added_by_id', sa.Integer(), nullable=True),
        sa.Column('added_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['added_by_id'], ['users.id'],
                                name='fk_team_members_added_by_id_users', ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_team_members_user_id_users'),
        sa.ForeignKeyConstraint(['village_id'], ['villages.id'],
                                name='fk_team_members_village_id_villages'),
        sa.PrimaryKeyConstraint('id', name='pk_team_members'),
        sa.UniqueConstraint('village_id', 'user_id', name='uq_team_members_village_id_user_id'),
    )
    op.create_index('ix_team_members_user_id', 'team_members', ['user_id'], unique=False)
    op.create_index('ix_team_members_village_id', 'team_members', ['village_id'], unique=False)
    op.create_table(
        'assisted_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=True),
        sa.Column('session_id', sa.Integer(), nullable=True),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['member_id'], ['users.id'], name='fk_assisted_sessions_member_id_users'),
        sa.ForeignKeyConstraint(['resident_id'], ['users.id'],
                                name='fk_assisted_sessions_resident_id_users'),
        sa.ForeignKeyConstraint(['session_id'], ['user_sessions.id'],
                                name='fk_assisted_sessions_session_id_user_sessions'),
        sa.ForeignKeyConstraint(['village_id'], ['villages.id'],
                                name='fk_assisted_sessions_village_id_villages'),
        sa.PrimaryKeyConstraint('id', name='pk_assisted_sessions'),
    )
    op.create_index('ix_assisted_sessions_member_id', 'assisted_sessions', ['member_id'], unique=False)
    op.create_index('ix_assisted_sessions_resident_id', 'assisted_sessions', ['resident_id'], unique=False)
    op.create_index('ix_assisted_sessions_village_id', 'assisted_sessions', ['village_id'], unique=False)


def downgrade():
    op.drop_index('ix_assisted_sessions_village_id', table_name='assisted_sessions')
    op.drop_index('ix_assisted_sessions_resident_id', table_name='assisted_sessions')
    op.drop_index('ix_assisted_sessions_member_id', table_name='assisted_sessions')
    op.drop_table('assisted_sessions')
    op.drop_index('ix_team_members_village_id', table_name='team_members')
    op.drop_index('ix_team_members_user_id', table_name='team_members')
    op.drop_table('team_members')
