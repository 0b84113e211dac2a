"""Results: cycle publication time and population margins; covering index for result counts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 17:30:00

Columns are added and dropped in place (no table rebuild: SQLite can add a nullable column directly, and
the response table must never be rebuilt, since its DROP would cascade to the answers).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('cycle', sa.Column('published_at', sa.DateTime(), nullable=True))
    op.add_column('cycle', sa.Column('population_margins', sa.JSON(), nullable=True))
    op.create_index('ix_response_results', 'response',
                    ['cycle_id', 'questionnaire_id', 'version_id', 'channel', 'language', 'site'],
                    unique=False)


def downgrade():
    op.drop_index('ix_response_results', table_name='response')
    op.drop_column('cycle', 'population_margins')
    op.drop_column('cycle', 'published_at')
