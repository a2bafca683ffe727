"""sealed PINs and pairing codes, replaced codes: reprintable cards and letters (issue 16)

Revision ID: b16cards
Revises: 823ca6b8aba8
Create Date: 2026-12-02 15:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b16cards'
down_revision = '823ca6b8aba8'
branch_labels = None
depends_on = None


def upgrade():
    # Existing PBKDF2 PIN hashes and SHA-256 code hashes keep working; they cannot be turned
    # into printable values (only the printed paper has them) until the cards or letters are
    # issued again.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pin_sealed', sa.String(length=100), nullable=True))
    with op.batch_alter_table('one_time_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaced_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('code_sealed', sa.String(length=100), nullable=True))


def downgrade():
    # The older code reads only PBKDF2 PIN hashes: keyed ones become "no PIN yet".
    op.execute("UPDATE users SET pin_hash = NULL WHERE pin_hash LIKE 'hmac-sha256$%'")
    with op.batch_alter_table('one_time_codes', schema=None) as batch_op:
        batch_op.drop_column('code_sealed')
        batch_op.drop_column('replaced_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('pin_sealed')
