"""Programme console: measurable norms and retirement of commitments, bilingual cycle names and
planned periods, the source of each questionnaire version and the web editor's drafts

Revision ID: 0005
Revises: 0006
Create Date: 2026-12-05 10:00:00

Columns are added and dropped in place (no table rebuild: the questionnaire and cycle tables
are referenced by the responses).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('commitment', sa.Column('norm_value', sa.Float(), nullable=True))
    op.add_column('commitment', sa.Column('norm_unit', sa.String(length=20), nullable=True))
    op.add_column('commitment', sa.Column('retired_at', sa.DateTime(), nullable=True))
    op.add_column('cycle', sa.Column('name_en', sa.String(length=200), nullable=True))
    op.add_column('cycle', sa.Column('period_start', sa.Date(), nullable=True))
    op.add_column('cycle', sa.Column('period_end', sa.Date(), nullable=True))
    op.add_column('questionnaire', sa.Column('draft_version_id', sa.Integer(), nullable=True))
    op.add_column('questionnaire_version',
                  sa.Column('source_kind', sa.String(length=10), server_default='file', nullable=False))
    op.add_column('questionnaire_version', sa.Column('created_by', sa.String(length=254), nullable=True))


def downgrade():
    op.drop_column('questionnaire_version', 'created_by')
    op.drop_column('questionnaire_version', 'source_kind')
    op.drop_column('questionnaire', 'draft_version_id')
    op.drop_column('cycle', 'period_end')
    op.drop_column('cycle', 'period_start')
    op.drop_column('cycle', 'name_en')
    op.drop_column('commitment', 'retired_at')
    op.drop_column('commitment', 'norm_unit')
    op.drop_column('commitment', 'norm_value')
