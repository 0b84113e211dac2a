"""Ballot stuffing: evaluators' decisions on bursts of near-identical anonymous responses

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 16:00:00

Two new tables; responses gain nothing (a decision lists the response rows it covers, the
responses are never changed or deleted).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('burst_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('questionnaire_id', sa.String(length=80), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('site', sa.String(length=120), nullable=True),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('pattern', sa.JSON(), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.String(length=254), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("decision IN ('exclude', 'keep')", name=op.f('ck_burst_review_decision_known')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], name=op.f('fk_burst_review_cycle_id_cycle')),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaire.id'],
                            name=op.f('fk_burst_review_questionnaire_id_questionnaire')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_burst_review')),
    sa.UniqueConstraint('key', name=op.f('uq_burst_review_key'))
    )
    op.create_index('ix_burst_review_questionnaire_cycle', 'burst_review',
                    ['questionnaire_id', 'cycle_id'], unique=False)
    op.create_table('burst_member',
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'],
                            name=op.f('fk_burst_member_response_id_response'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_id'], ['burst_review.id'],
                            name=op.f('fk_burst_member_review_id_burst_review'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('review_id', 'response_id', name=op.f('pk_burst_member'))
    )
    op.create_index(op.f('ix_burst_member_response_id'), 'burst_member', ['response_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_burst_member_response_id'), table_name='burst_member')
    op.drop_table('burst_member')
    op.drop_index('ix_burst_review_questionnaire_cycle', table_name='burst_review')
    op.drop_table('burst_review')
