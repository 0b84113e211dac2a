"""Invitations: single-use links by batch, stored as hashes, apart from responses

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-01 13:00:00

Two new tables; no existing table changes (responses keep no link to an invitation).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invitation_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.String(length=80), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=254), nullable=True),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], name=op.f('fk_invitation_batch_cycle_id_cycle')),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaire.id'],
                            name=op.f('fk_invitation_batch_questionnaire_id_questionnaire')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation_batch'))
    )
    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('used_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['invitation_batch.id'],
                            name=op.f('fk_invitation_batch_id_invitation_batch'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitation_token_hash'))
    )
    op.create_index(op.f('ix_invitation_batch_id'), 'invitation', ['batch_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_invitation_batch_id'), table_name='invitation')
    op.drop_table('invitation')
    op.drop_table('invitation_batch')
