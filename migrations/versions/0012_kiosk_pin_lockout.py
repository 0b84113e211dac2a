"""Kiosk PIN: wrong attempts counted in the database, lockout, the PIN's length

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 14:00:00

Columns added in place (with defaults), so SQLite does not rebuild the kiosk table. Existing
kiosks get ``staff_pin_length`` NULL: their PIN was set under the old 4-to-8-digit rule and is
treated as short until staff change it (the server learns its length at the next online unlock).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('kiosk', sa.Column('staff_pin_length', sa.Integer(), nullable=True))
    op.add_column('kiosk', sa.Column('pin_failures', sa.Integer(), server_default='0', nullable=False))
    op.add_column('kiosk', sa.Column('pin_failed_at', sa.DateTime(), nullable=True))
    op.add_column('kiosk', sa.Column('pin_locked_until', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('kiosk', schema=None) as batch_op:
        batch_op.drop_column('pin_locked_until')
        batch_op.drop_column('pin_failed_at')
        batch_op.drop_column('pin_failures')
        batch_op.drop_column('staff_pin_length')
