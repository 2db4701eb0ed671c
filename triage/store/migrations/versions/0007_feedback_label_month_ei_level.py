"""feedback_label: month column, ei:<level> keys, index for the monthly and seldom-heard views

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 10:05:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# The backfill is plain SQL on the server (seconds at a million items, where recomputing every
# item's labels in Python would take minutes at start-up). The month and the EI level need one
# dialect-specific expression each; the application itself writes `month` from Python
# (triage.aggregation.month_key), so these expressions live only here. Both give the UTC month:
# SQLite holds received_at as UTC text 'YYYY-MM-DD HH:MM:SS...', PostgreSQL as timestamptz.
MONTH = {"sqlite": "substr(received_at, 1, 7)",
         "postgresql": "to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM')"}
EI_LEVEL = {"sqlite": "json_extract(p.payload, '$.epistemic_injustice.level')",
            "postgresql": "(p.payload -> 'epistemic_injustice' ->> 'level')"}


def upgrade() -> None:
    conn = op.get_bind()
    dialect = conn.dialect.name
    if dialect not in MONTH:
        raise NotImplementedError(f"migration 0007 supports SQLite and PostgreSQL, not {dialect}")
    with op.batch_alter_table('feedback_label', schema=None) as batch_op:
        batch_op.add_column(sa.Column('month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=True))
    backfill(conn, dialect)
    with op.batch_alter_table('feedback_label', schema=None) as batch_op:
        batch_op.alter_column('month', existing_type=sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False)
        batch_op.create_index('ix_feedback_label_provider_label',
                              ['provider_id', 'label', 'received_at', 'month', 'feedback_id'], unique=False)


def backfill(conn, dialect: str) -> None:
    """The month of every stored row, and one `ei:<level>` key (from the item's latest prediction;
    a decision does not change the level) per counted item, i.e. per item with an `urgency:` key."""
    conn.execute(sa.text(f"UPDATE feedback_label SET month = {MONTH[dialect]}"))
    conn.execute(sa.text("DELETE FROM feedback_label WHERE label LIKE 'ei:%'"))  # 0005's backfill may have written some
    conn.execute(sa.text(
        "INSERT INTO feedback_label (feedback_id, label, provider_id, received_at, month) "
        f"SELECT l.feedback_id, 'ei:' || COALESCE({EI_LEVEL[dialect]}, 'none'), l.provider_id, l.received_at, l.month "
        "FROM feedback_label l JOIN prediction p ON p.id = "
        "(SELECT max(p2.id) FROM prediction p2 WHERE p2.feedback_id = l.feedback_id) "
        "WHERE l.label LIKE 'urgency:%'"))


def downgrade() -> None:
    with op.batch_alter_table('feedback_label', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_label_provider_label')
    op.execute("DELETE FROM feedback_label WHERE label LIKE 'ei:%'")
    with op.batch_alter_table('feedback_label', schema=None) as batch_op:
        batch_op.drop_column('month')
