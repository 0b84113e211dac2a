"""Paper entry: batches of sheets, and each sheet keyed (first entry or verification)

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01 13:15:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'paper_batch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('questionnaire_id', sa.String(length=80), nullable=False),
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=120), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('created_by', sa.String(length=254), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], name=op.f('fk_paper_batch_cycle_id_cycle')),
        sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaire.id'],
                                name=op.f('fk_paper_batch_questionnaire_id_questionnaire')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_batch')),
        sa.UniqueConstraint('questionnaire_id', 'cycle_id', 'label',
                            name=op.f('uq_paper_batch_questionnaire_id_cycle_id_label')),
    )
    op.create_table(
        'paper_sheet',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('sheet', sa.String(length=40), nullable=False),
        sa.Column('mode', sa.String(length=12), nullable=False),
        sa.Column('submission_id', sa.String(length=36), nullable=False),
        sa.Column('answers', sa.JSON(), nullable=True),
        sa.Column('entered_by', sa.String(length=254), nullable=True),
        sa.Column('entered_on', sa.Date(), nullable=False),
        sa.CheckConstraint("mode IN ('entry', 'verification')", name=op.f('ck_paper_sheet_mode_known')),
        sa.ForeignKeyConstraint(['batch_id'], ['paper_batch.id'], name=op.f('fk_paper_sheet_batch_id_paper_batch')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_sheet')),
        sa.UniqueConstraint('batch_id', 'sheet', 'mode', name=op.f('uq_paper_sheet_batch_id_sheet_mode')),
    )


def downgrade():
    op.drop_table('paper_sheet')
    op.drop_table('paper_batch')
