"""certificates: a completed course, or a tier's required courses within a plan (issue 19)

Completions recorded before this revision get their course certificates from
`lms.learning.certificates.issue_missing` (the codes need the card key, which a migration
does not have).

Revision ID: j19certs
Revises: i14units
Create Date: 2026-12-03 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'j19certs'
down_revision = 'i14units'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'certificates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=True),
        sa.Column('tier', sa.String(length=20), nullable=True),
        sa.Column('campaign_id', sa.Integer(), nullable=True),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('issued_on', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('code_sealed', sa.String(length=100), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'],
                                name='fk_certificates_campaign_id_campaigns'),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name='fk_certificates_course_id_courses'),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name='fk_certificates_unit_id_units'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_certificates_user_id_users'),
        sa.PrimaryKeyConstraint('id', name='pk_certificates'),
        sa.UniqueConstraint('code_hash', name='uq_certificates_code_hash'),
        sa.UniqueConstraint('user_id', 'course_id', name='uq_certificates_user_id_course_id'),
        sa.UniqueConstraint('user_id', 'tier', 'campaign_id',
                            name='uq_certificates_user_id_tier_campaign_id'),
    )


def downgrade():
    op.drop_table('certificates')
