"""Kiosk settings, staff PIN, enrollment code expiry; partial responses

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 17:00:00

The kiosk table goes through a batch operation: SQLite rebuilds it (it cannot add a CHECK
constraint in place); PostgreSQL runs plain ALTER TABLE statements. The response table is
never rebuilt: with foreign keys on, SQLite's DROP TABLE of a rebuild would cascade to the
answers. Adding a column with a default and dropping one (SQLite >= 3.35) are done in place.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('kiosk', schema=None) as batch_op:
        batch_op.add_column(sa.Column('enrollment_expires_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('inactivity_timeout_s', sa.Integer(), server_default='90', nullable=False))
        batch_op.add_column(sa.Column('keep_partial', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('min_interval_s', sa.Integer(), server_default='10', nullable=False))
        batch_op.add_column(sa.Column('thanks_seconds', sa.Integer(), server_default='8', nullable=False))
        batch_op.add_column(sa.Column('staff_pin_hash', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('staff_pin_verifier', sa.JSON(), nullable=True))
        batch_op.create_check_constraint(
            'settings_in_range',
            'inactivity_timeout_s BETWEEN 5 AND 3600 AND min_interval_s BETWEEN 0 AND 600'
            ' AND thanks_seconds BETWEEN 2 AND 60',
        )

    op.add_column('response', sa.Column('partial', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    op.drop_column('response', 'partial')

    with op.batch_alter_table('kiosk', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_kiosk_settings_in_range'), type_='check')
        batch_op.drop_column('staff_pin_verifier')
        batch_op.drop_column('staff_pin_hash')
        batch_op.drop_column('thanks_seconds')
        batch_op.drop_column('min_interval_s')
        batch_op.drop_column('keep_partial')
        batch_op.drop_column('inactivity_timeout_s')
        batch_op.drop_column('enrollment_expires_at')
