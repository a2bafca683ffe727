"""residents on a village's household list, and who assisted a completion (issue 18)

Revision ID: o18residents
Revises: n18villages
Create Date: 2026-12-03 08:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'o18residents'
down_revision = 'n18villages'
branch_labels = None
depends_on = None


def _foreign_keys(on: bool) -> None:
    """SQLite rebuilds a table to alter it: with foreign keys enforced, rebuilding `users` (which
    most tables refer to) fails. Off around the rebuild; effective between transactions only."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("COMMIT")
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
        op.execute("BEGIN")


def upgrade():
    _foreign_keys(False)
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('listed_household_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_users_listed_household_id_listed_households', 'listed_households',
                                 ['listed_household_id'], ['id'], ondelete='SET NULL')
        batch.create_index('ix_users_listed_household_id', ['listed_household_id'])
    with op.batch_alter_table('completions') as batch:
        batch.add_column(sa.Column('assisted_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_completions_assisted_by_id_users', 'users',
                                 ['assisted_by_id'], ['id'], ondelete='SET NULL')
    _foreign_keys(True)


def downgrade():
    _foreign_keys(False)
    with op.batch_alter_table('completions') as batch:
        batch.drop_constraint('fk_completions_assisted_by_id_users', type_='foreignkey')
        batch.drop_column('assisted_by_id')
    with op.batch_alter_table('users') as batch:
        batch.drop_index('ix_users_listed_household_id')
        batch.drop_constraint('fk_users_listed_household_id_listed_households', type_='foreignkey')
        batch.drop_column('listed_household_id')
    _foreign_keys(True)
