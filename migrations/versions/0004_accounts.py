"""Accounts: session version, last sign-in and forced password change; named API tokens with last
use; the audit trail indexed by time

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 13:00:00

Columns are added and dropped in place (no table rebuild: SQLite adds a column with a constant
default directly, and the user table is referenced by the tokens).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('user_account', sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
    op.add_column('user_account', sa.Column('last_sign_in_at', sa.DateTime(), nullable=True))
    op.add_column('user_account', sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                                            nullable=False))
    op.add_column('api_token', sa.Column('name', sa.String(length=80), nullable=True))
    op.add_column('api_token', sa.Column('last_used_at', sa.DateTime(), nullable=True))
    op.create_index('ix_audit_event_at', 'audit_event', ['at'], unique=False)


def downgrade():
    op.drop_index('ix_audit_event_at', table_name='audit_event')
    op.drop_column('api_token', 'last_used_at')
    op.drop_column('api_token', 'name')
    op.drop_column('user_account', 'must_change_password')
    op.drop_column('user_account', 'last_sign_in_at')
    op.drop_column('user_account', 'session_version')
