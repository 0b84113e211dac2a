"""Follow-ups: cases for the units, contacts kept apart, and a unit for each staff member

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 14:00:00

Two new tables and one nullable column; responses gain nothing (no case or contact points to a
response, and no response to them).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('user_account', sa.Column('unit_id', sa.Integer(), nullable=True))
    op.create_table('followup_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('staff_note', sa.Text(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.CheckConstraint("state IN ('open', 'in_progress', 'closed')",
                       name=op.f('ck_followup_case_state_known')),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitment.id'],
                            name=op.f('fk_followup_case_commitment_id_commitment')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], name=op.f('fk_followup_case_cycle_id_cycle')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_followup_case_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followup_case')),
    sa.UniqueConstraint('ref', name=op.f('uq_followup_case_ref'))
    )
    op.create_index('ix_followup_case_unit_state', 'followup_case', ['unit_id', 'state'], unique=False)
    op.create_table('followup_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_ref', sa.String(length=32), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('consented_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['case_ref'], ['followup_case.ref'],
                            name=op.f('fk_followup_contact_case_ref_followup_case'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followup_contact')),
    sa.UniqueConstraint('case_ref', name=op.f('uq_followup_contact_case_ref'))
    )
    op.create_index(op.f('ix_followup_contact_consented_on'), 'followup_contact', ['consented_on'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_followup_contact_consented_on'), table_name='followup_contact')
    op.drop_table('followup_contact')
    op.drop_index('ix_followup_case_unit_state', table_name='followup_case')
    op.drop_table('followup_case')
    op.drop_column('user_account', 'unit_id')
