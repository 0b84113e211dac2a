"""Operational indicators of the norms and improvement actions, per commitment and cycle

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-01 14:00:00

Two new tables; no existing table changes.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('operational_indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('met', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=254), nullable=True),
    sa.CheckConstraint('met >= 0 AND total > 0 AND met <= total',
                       name=op.f('ck_operational_indicator_counts_valid')),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitment.id'],
                            name=op.f('fk_operational_indicator_commitment_id_commitment')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], name=op.f('fk_operational_indicator_cycle_id_cycle')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operational_indicator')),
    sa.UniqueConstraint('commitment_id', 'cycle_id', name=op.f('uq_operational_indicator_commitment_id_cycle_id'))
    )
    op.create_table('improvement_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('title_fr', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=True),
    sa.Column('description_fr', sa.Text(), nullable=True),
    sa.Column('description_en', sa.Text(), nullable=True),
    sa.Column('owner_unit_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=254), nullable=True),
    sa.CheckConstraint("status IN ('planned', 'in_progress', 'done')",
                       name=op.f('ck_improvement_action_status_known')),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitment.id'],
                            name=op.f('fk_improvement_action_commitment_id_commitment')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], name=op.f('fk_improvement_action_cycle_id_cycle')),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['unit.id'], name=op.f('fk_improvement_action_owner_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement_action'))
    )
    op.create_index('ix_improvement_action_commitment_cycle', 'improvement_action',
                    ['commitment_id', 'cycle_id'], unique=False)


def downgrade():
    op.drop_index('ix_improvement_action_commitment_cycle', table_name='improvement_action')
    op.drop_table('improvement_action')
    op.drop_table('operational_indicator')
