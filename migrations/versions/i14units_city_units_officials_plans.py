"""City deployment: units in a hierarchy (city above wards and communes), users' unit (officials,
unit and city admins), plans choosing their indicators (a target or tracked, activities per school)
(issue 14). A database of the earlier shape keeps its one ward and its campaign unchanged: the
unit becomes a ward, its admins are bound to it, and a campaign with some targets gets the rest of
the default five written out (so the set of indicators it follows is explicit).

Revision ID: i14units
Revises: h17audio
Create Date: 2026-12-02 20:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'i14units'
down_revision = 'h17audio'
branch_labels = None
depends_on = None

DEFAULT_TARGETS = {"primary": 100, "lower_secondary": 100, "teachers": 80, "parents": 80, "households": 70}


def _foreign_keys(on: bool) -> None:
    """SQLite rebuilds a table to alter it: with foreign keys enforced, rebuilding `units` (which
    schools refer to) fails. Off around the rebuild; effective between transactions only."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("COMMIT")
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
        op.execute("BEGIN")


def upgrade():
    _foreign_keys(False)
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), server_default='ward', nullable=False))
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_units_parent_id'), ['parent_id'], unique=False)
        batch_op.create_foreign_key('fk_units_parent_id_units', 'units', ['parent_id'], ['id'])
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_unit_id'), ['unit_id'], unique=False)
        batch_op.create_foreign_key('fk_users_unit_id_units', 'units', ['unit_id'], ['id'])
    with op.batch_alter_table('campaign_targets', schema=None) as batch_op:
        batch_op.alter_column('percent', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('minimum', sa.Integer(), nullable=True))
    with op.batch_alter_table('target_changes', schema=None) as batch_op:
        batch_op.alter_column('old_percent', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('new_percent', existing_type=sa.Integer(), nullable=True)
    _foreign_keys(True)

    conn = op.get_bind()
    units = conn.execute(sa.text("SELECT id FROM units")).scalars().all()
    if len(units) == 1:
        conn.execute(sa.text("UPDATE users SET unit_id = :u WHERE role = 'ward_admin'"), {"u": units[0]})
    partial = conn.execute(sa.text(
        "SELECT campaign_id, \"group\" FROM campaign_targets")).all()
    chosen: dict[int, set[str]] = {}
    for campaign_id, group in partial:
        chosen.setdefault(campaign_id, set()).add(group)
    for campaign_id, groups in chosen.items():
        for group, percent in DEFAULT_TARGETS.items():
            if group not in groups:
                conn.execute(sa.text(
                    "INSERT INTO campaign_targets (campaign_id, \"group\", percent) VALUES (:c, :g, :p)"),
                    {"c": campaign_id, "g": group, "p": percent})


def downgrade():
    _foreign_keys(False)
    with op.batch_alter_table('target_changes', schema=None) as batch_op:
        batch_op.alter_column('new_percent', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('old_percent', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('campaign_targets', schema=None) as batch_op:
        batch_op.drop_column('minimum')
        batch_op.alter_column('percent', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('fk_users_unit_id_units', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_unit_id'))
        batch_op.drop_column('unit_id')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_constraint('fk_units_parent_id_units', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_units_parent_id'))
        batch_op.drop_column('parent_id')
        batch_op.drop_column('kind')
    _foreign_keys(True)
