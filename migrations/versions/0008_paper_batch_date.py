"""Paper batches carry the day their sheets were filled in, to file late batches by it

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 14:00:00

One nullable date column; responses themselves keep only dates, as before.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('paper_batch') as batch:
        batch.add_column(sa.Column('answered_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('paper_batch') as batch:
        batch.drop_column('answered_on')
