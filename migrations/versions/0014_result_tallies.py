"""Results: each cycle's frequency tables kept in the database, a count of response changes, stored charts

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-01 16:00:00

``cycle_tally``, ``tally_response`` and ``tally_answer`` hold what the results' GROUP BYs
counted, per cycle and filter cell, so a freshly started server reads them instead of
recounting every answer (survey_app/results/tally.py). ``response_changes`` is one row kept by
triggers on ``response`` and ``answer``: every row added, changed or removed adds to it in the
writing transaction. A tally is topped up only while the count moved by exactly the
responses and answers added above its watermark or late just below it (``tail``), so a
change or a removal makes it recount. On PostgreSQL the triggers are per
statement with transition tables (a COPY or a batch adds its row count once).
``stored_result`` keeps values that are pure functions of their inputs (charts' SVGs,
disclosure patterns), keyed on a hash of the inputs, for every server.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

WATCHED = ('response', 'answer')
OPERATIONS = ('insert', 'update', 'delete')

POSTGRES_FUNCTION = """
CREATE FUNCTION servir_count_response_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    SELECT count(*) INTO n FROM changed;
    IF n > 0 THEN
        INSERT INTO response_changes (id, count) VALUES (1, n)
        ON CONFLICT (id) DO UPDATE SET count = response_changes.count + EXCLUDED.count;
    END IF;
    RETURN NULL;
END
$$
"""


def _trigger_name(table, operation):
    return f'{table}_changes_{operation}'


def upgrade():
    op.create_table('response_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response_changes'))
    )
    op.create_table('cycle_tally',
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('watermark', sa.BigInteger(), nullable=False),
    sa.Column('changes', sa.BigInteger(), nullable=False),
    sa.Column('generation', sa.String(length=32), nullable=False),
    sa.Column('tail', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], name=op.f('fk_cycle_tally_cycle_id_cycle'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cycle_id', name=op.f('pk_cycle_tally'))
    )
    op.create_table('tally_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.String(length=80), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('site', sa.String(length=120), nullable=True),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], name=op.f('fk_tally_response_cycle_id_cycle'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tally_response'))
    )
    op.create_index(op.f('ix_tally_response_cycle_id'), 'tally_response', ['cycle_id'], unique=False)
    op.create_table('tally_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.String(length=80), nullable=False),
    sa.Column('question_id', sa.String(length=80), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('site', sa.String(length=120), nullable=True),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('numeric_value', sa.Float(), nullable=True),
    sa.Column('is_na', sa.Boolean(), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], name=op.f('fk_tally_answer_cycle_id_cycle'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tally_answer'))
    )
    op.create_index(op.f('ix_tally_answer_cycle_id'), 'tally_answer', ['cycle_id'], unique=False)
    op.create_table('stored_result',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_stored_result'))
    )
    op.create_index(op.f('ix_stored_result_created_at'), 'stored_result', ['created_at'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        op.execute(POSTGRES_FUNCTION)
        for table in WATCHED:
            for operation in OPERATIONS:
                transition = 'OLD' if operation == 'delete' else 'NEW'
                op.execute(f'CREATE TRIGGER {_trigger_name(table, operation)} AFTER {operation.upper()} ON {table} '
                           f'REFERENCING {transition} TABLE AS changed FOR EACH STATEMENT '
                           'EXECUTE FUNCTION servir_count_response_changes()')
    else:
        for table in WATCHED:
            for operation in OPERATIONS:
                op.execute(f'CREATE TRIGGER {_trigger_name(table, operation)} AFTER {operation.upper()} ON {table} '
                           'BEGIN INSERT OR IGNORE INTO response_changes (id, count) VALUES (1, 0); '
                           'UPDATE response_changes SET count = count + 1 WHERE id = 1; END')


def downgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    for table in WATCHED:
        for operation in OPERATIONS:
            op.execute(f'DROP TRIGGER {_trigger_name(table, operation)}' + (f' ON {table}' if postgres else ''))
    if postgres:
        op.execute('DROP FUNCTION servir_count_response_changes()')
    op.drop_index(op.f('ix_stored_result_created_at'), table_name='stored_result')
    op.drop_table('stored_result')
    op.drop_index(op.f('ix_tally_answer_cycle_id'), table_name='tally_answer')
    op.drop_table('tally_answer')
    op.drop_index(op.f('ix_tally_response_cycle_id'), table_name='tally_response')
    op.drop_table('tally_response')
    op.drop_table('cycle_tally')
    op.drop_table('response_changes')
